//! Talking to a master assistant: connect, start a session, ask and collect
//! the streamed events.

use tonic::transport::Channel;
use veiviser_proto::master::v1::citizen_assistant_client::CitizenAssistantClient;
use veiviser_proto::master::v1::{
    AskEvent, AskRequest, ExportTranscriptRequest, FinalAnswer, StartSessionRequest, StartSessionResponse,
    TranscriptFile, TranscriptFormat, ask_event::Event,
};

/// The environment variable naming the master's address.
pub const MASTER_ENV: &str = "VEIVISER_MASTER";
/// The master address used when neither `--master` nor the variable is set.
pub const DEFAULT_MASTER: &str = "http://127.0.0.1:50051";

/// A client connected to a master.
pub type MasterClient = CitizenAssistantClient<Channel>;

/// Connects to `address` ("host:port" or a URL).
pub async fn connect(address: &str) -> Result<MasterClient, String> {
    Ok(CitizenAssistantClient::new(channel(address).await?))
}

/// A channel to the master at `address` ("host:port" or a URL), for any of its services.
pub async fn channel(address: &str) -> Result<Channel, String> {
    let url = veiviser_runtime::server::url(address);
    let endpoint = Channel::from_shared(url.clone())
        .map_err(|e| format!("invalid master address {url}: {e}"))?
        // Remember every stream this client resets, so frames the master sent
        // before seeing the reset are ignored instead of counted as errors.
        // With hyper's default (10) a long session trips h2's limit of 1024
        // such errors and the connection is closed with ENHANCE_YOUR_CALM.
        .http2_max_concurrent_reset_streams(veiviser_master::network::REMEMBERED_RESET_STREAMS);
    endpoint
        .connect()
        .await
        .map_err(|e| format!("cannot reach the master at {url}: {e}"))
}

/// Starts a session; `acknowledged` is the citizen's confirmation that they
/// will not share personal data.
pub async fn start_session(
    client: &mut MasterClient,
    language: &str,
    acknowledged: bool,
) -> Result<StartSessionResponse, tonic::Status> {
    start_session_as(client, language, acknowledged, "").await
}

/// Starts a session for a logged-in citizen (`citizen_token` from the trust
/// service; empty for an anonymous session).
pub async fn start_session_as(
    client: &mut MasterClient,
    language: &str,
    acknowledged: bool,
    citizen_token: &str,
) -> Result<StartSessionResponse, tonic::Status> {
    client
        .start_session(StartSessionRequest {
            acknowledged_no_personal_data: acknowledged,
            language: language.to_string(),
            citizen_token: citizen_token.to_string(),
        })
        .await
        .map(tonic::Response::into_inner)
}

/// Asks one question and calls `on_event` for each event as it arrives.
/// Returns the final answer. The stream is read to its end (the status in the
/// trailers), never dropped early: a client that resets every stream looks
/// like an HTTP/2 rapid-reset attack and gets its connection closed.
pub async fn ask(
    client: &mut MasterClient,
    session_id: &str,
    text: &str,
    mut on_event: impl FnMut(&AskEvent),
) -> Result<FinalAnswer, tonic::Status> {
    let mut stream = client
        .ask(AskRequest {
            session_id: session_id.to_string(),
            text: text.to_string(),
            language: String::new(),
        })
        .await?
        .into_inner();
    while let Some(event) = stream.message().await? {
        on_event(&event);
        if let Some(Event::Final(answer)) = event.event {
            return Ok(answer);
        }
    }
    Err(tonic::Status::unavailable(
        "the master ended the answer without a final event",
    ))
}

/// Downloads the session's transcript as a file in `format`.
pub async fn export_transcript(
    client: &mut MasterClient,
    session_id: &str,
    format: TranscriptFormat,
) -> Result<TranscriptFile, tonic::Status> {
    client
        .export_transcript(ExportTranscriptRequest {
            session_id: session_id.to_string(),
            format: format.into(),
            ..Default::default()
        })
        .await
        .map(tonic::Response::into_inner)
}

/// An ended session's archived transcript, for the download token its end gave.
pub async fn export_archived_transcript(
    client: &mut MasterClient,
    download_token: &str,
    format: TranscriptFormat,
) -> Result<TranscriptFile, tonic::Status> {
    client
        .export_transcript(ExportTranscriptRequest {
            download_token: download_token.to_string(),
            format: format.into(),
            ..Default::default()
        })
        .await
        .map(tonic::Response::into_inner)
}

/// Parses "text" or "json" (also "txt").
pub fn transcript_format(name: &str) -> Result<TranscriptFormat, String> {
    match name.to_ascii_lowercase().as_str() {
        "text" | "txt" => Ok(TranscriptFormat::Text),
        "json" => Ok(TranscriptFormat::Json),
        other => Err(format!("unknown transcript format \"{other}\"; use text or json")),
    }
}

/// Writes a downloaded transcript to `path` (or the suggested file name in
/// the current directory) and returns where it went. An existing file is not
/// overwritten.
pub fn save_transcript(file: &TranscriptFile, path: Option<&std::path::Path>) -> Result<std::path::PathBuf, String> {
    let path = path.map_or_else(
        || std::path::PathBuf::from(&file.filename),
        std::path::Path::to_path_buf,
    );
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    std::io::Write::write_all(&mut out, &file.content).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Asks for a human advisor and prints what happens in the handover (queue
/// position, the advisor's replies, its end) as it happens, in the background.
/// Returns the status now.
pub async fn request_human(
    client: &mut MasterClient,
    session_id: &str,
) -> Result<veiviser_proto::master::v1::HandoverStatus, String> {
    use veiviser_proto::master::v1::{HandoverState, RequestHumanRequest, WatchHandoverRequest, handover_event};
    let status = client
        .request_human(RequestHumanRequest {
            session_id: session_id.to_string(),
            agency_id: String::new(),
        })
        .await
        .map_err(|s| s.message().to_string())?
        .into_inner();
    if status.state == i32::from(HandoverState::Closed) {
        return Ok(status);
    }
    let mut events = client
        .watch_handover(WatchHandoverRequest {
            session_id: session_id.to_string(),
        })
        .await
        .map_err(|s| s.message().to_string())?
        .into_inner();
    let first = status.text.clone();
    tokio::spawn(async move {
        while let Ok(Some(event)) = events.message().await {
            match event.event {
                Some(handover_event::Event::Status(status)) if status.text != first => println!("\n· {}", status.text),
                Some(handover_event::Event::AdvisorReply(reply)) => println!("\n{}: {}", reply.advisor, reply.text),
                _ => {}
            }
        }
    });
    Ok(status)
}
