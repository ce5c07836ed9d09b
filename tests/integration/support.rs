//! Shared test helpers: start the federation on ephemeral ports, open
//! sessions, ask questions and collect the streamed events.

use std::time::Duration;

use veiviser_agency_sdk::{AgencyConfig, Assistant, Content};
use veiviser_cli::client::{self, MasterClient};
use veiviser_master::MasterConfig;
use veiviser_proto::master::v1::{
    AskEvent, AskRequest, FinalAnswer, GetTranscriptRequest, Transcript, ask_event::Event,
};
use veiviser_testkit::federation::{Addresses, Federation, built_in_assistants};

/// Long enough for a loaded CI machine; waits end as soon as the condition holds.
pub const READY: Duration = Duration::from_secs(20);

/// A master configuration for tests: quick retries, so agencies that come
/// up late are noticed at once.
pub fn master_config() -> MasterConfig {
    MasterConfig {
        retry_initial: Duration::from_millis(20),
        retry_max: Duration::from_millis(200),
        ..MasterConfig::default()
    }
}

/// The built-in federation on ephemeral ports, ready to answer.
pub async fn federation() -> Federation {
    federation_with(built_in_assistants().expect("embedded content"), master_config()).await
}

pub async fn federation_with(assistants: Vec<Assistant>, config: MasterConfig) -> Federation {
    let addresses = Addresses::ephemeral(assistants.len());
    let federation = Federation::start(assistants, addresses, config, AgencyConfig::default())
        .await
        .expect("federation starts");
    federation.wait_until_ready(READY).await.expect("agencies reachable");
    federation
}

/// The built-in federation with the master and every agency wired to `trust`.
pub async fn federation_with_trust(
    trust: &veiviser_testkit::trust::TrustProcess,
    mut config: MasterConfig,
) -> Federation {
    config.trust = Some(trust.master_link());
    let server = AgencyConfig {
        trust: Some(trust.agency_trust()),
        ..AgencyConfig::default()
    };
    let assistants = built_in_assistants().expect("content");
    let addresses = Addresses::ephemeral(assistants.len());
    let federation = Federation::start(assistants, addresses, config, server)
        .await
        .expect("starts");
    federation.wait_until_ready(READY).await.expect("ready");
    federation
}

pub async fn connect(federation: &Federation) -> MasterClient {
    client::connect(&federation.master_address.to_string())
        .await
        .expect("master reachable")
}

/// A client and an acknowledged session in `language`.
pub async fn session(federation: &Federation, language: &str) -> (MasterClient, String) {
    let mut client = connect(federation).await;
    let session = client::start_session(&mut client, language, true)
        .await
        .expect("session starts");
    (client, session.session_id)
}

/// Every event of one answer, in order, and the final answer.
pub async fn ask(client: &mut MasterClient, session_id: &str, text: &str) -> (Vec<AskEvent>, FinalAnswer) {
    let mut events = Vec::new();
    let answer = client::ask(client, session_id, text, |e| events.push(e.clone()))
        .await
        .expect("answered");
    (events, answer)
}

/// The session's transcript so far.
pub async fn transcript(client: &mut MasterClient, session_id: &str) -> Transcript {
    client
        .get_transcript(GetTranscriptRequest {
            session_id: session_id.to_string(),
        })
        .await
        .expect("transcript")
        .into_inner()
}

/// The raw Ask call, for tests of refused requests.
pub async fn ask_status(client: &mut MasterClient, session_id: &str, text: &str, language: &str) -> tonic::Status {
    let result = client
        .ask(AskRequest {
            session_id: session_id.to_string(),
            text: text.to_string(),
            language: language.to_string(),
        })
        .await;
    match result {
        Ok(_) => panic!("the request was accepted"),
        Err(status) => status,
    }
}

/// A request of two string fields written as raw bytes, so a test can send what a
/// client that skips UTF-8 checks sends.
#[derive(Clone, PartialEq, prost::Message)]
struct RawRequest {
    #[prost(bytes = "vec", tag = "1")]
    field_1: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    field_2: Vec<u8>,
}

/// Any reply, unread: the tests of refused raw requests only look at the status.
#[derive(Clone, PartialEq, prost::Message)]
struct Unread {}

/// Calls `path` on `address` with fields 1 and 2 as raw bytes and returns the
/// status the request was refused with.
pub async fn raw_request_status(
    address: std::net::SocketAddr,
    path: &'static str,
    field_1: &[u8],
    field_2: &[u8],
) -> tonic::Status {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .expect("address")
        .connect()
        .await
        .expect("reachable");
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.expect("ready");
    let request = RawRequest {
        field_1: field_1.to_vec(),
        field_2: field_2.to_vec(),
    };
    let codec = tonic_prost::ProstCodec::<RawRequest, Unread>::default();
    match grpc
        .unary(
            tonic::Request::new(request),
            http::uri::PathAndQuery::from_static(path),
            codec,
        )
        .await
    {
        Ok(_) => panic!("the request was accepted"),
        Err(status) => status,
    }
}

/// Kinds of events in order: "routing", "answer:<agency>", "unavailable:<agency>", "final".
pub fn event_kinds(events: &[AskEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| match &e.event {
            Some(Event::Routing(_)) => "routing".to_string(),
            Some(Event::AgencyAnswer(a)) => format!(
                "answer:{}",
                a.answer.as_ref().map(|r| r.agency_id.as_str()).unwrap_or("")
            ),
            Some(Event::AgencyUnavailable(u)) => format!("unavailable:{}", u.agency_id),
            Some(Event::Final(_)) => "final".to_string(),
            None => "none".to_string(),
        })
        .collect()
}

/// A small synthetic agency for referral tests: one intent whose examples
/// use the agency's own made-up word, optionally referring elsewhere.
pub fn synthetic_agency(id: &str, word: &str, refers_to: Option<(&str, &str)>) -> Assistant {
    synthetic_agency_asking(id, word, refers_to, &[])
}

/// [`synthetic_agency`] whose card asks for `profile_attributes`.
pub fn synthetic_agency_asking(
    id: &str,
    word: &str,
    refers_to: Option<(&str, &str)>,
    profile_attributes: &[&str],
) -> Assistant {
    let attributes: Vec<String> = profile_attributes.iter().map(|a| format!("\"{a}\"")).collect();
    let card = format!(
        r#"id = "{id}"
profile_attributes = [{attributes}]
organisation_number = "999999999"
homepage = "https://{id}.example.no"
[contact]
phone = "00 00 00 00"
url = "https://{id}.example.no/kontakt"
"#,
        attributes = attributes.join(", ")
    );
    let examples: Vec<String> = (1..=8)
        .map(|n| format!("\"{word} spørsmål nummer {n} om {word}ordningen\""))
        .collect();
    let referral = refers_to
        .map(|(agency, skill)| {
            format!(
                r#"
[[intent.referral]]
agency = "{agency}"
name = "{agency} name"
url = "https://{agency}.example.no"
reason = "{agency} knows more."
skill = "{skill}"
"#
            )
        })
        .unwrap_or_default();
    let language = format!(
        r#"language = "nb"
display_name = "{id} name"
description = "Synthetic agency {id} for tests."
fallback = "{id} does not know."

[[intent]]
id = "{word}"
name = "{word}"
examples = [{examples}]
answer = "{id} answers about {word}. https://{id}.example.no"
{referral}"#,
        examples = examples.join(", ")
    );
    let content = Content::from_files([("card.toml".to_string(), card), ("nb.toml".to_string(), language)])
        .expect("synthetic content is valid");
    Assistant::new(content)
}

/// The master's `/metrics` page, fetched over HTTP from its operations endpoint.
pub async fn scrape_metrics(federation: &Federation) -> String {
    let (head, body) = admin_page(federation, "/metrics").await;
    assert!(head.contains("application/openmetrics-text"), "{head}");
    body
}

/// A page of the master's operations endpoint: its head and body.
pub async fn admin_page(federation: &Federation, path: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(veiviser_master::http::admin::serve(
        listener,
        std::sync::Arc::clone(federation.master.metrics()),
        async {
            let _ = stopped.await;
        },
    ));
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    stream
        .write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("response");
    let _ = stop.send(());
    server.await.expect("joined").expect("served");
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    (head.to_string(), body.to_string())
}

pub use veiviser_testkit::faulty::{Recorded, Tampering};

/// A master with one faulty agency (NAV's content, `veiviser_testkit::faulty`)
/// behind it, which records what it receives and spoils what it is told to.
pub struct RecordingNetwork {
    pub master_address: std::net::SocketAddr,
    /// The recording agency's own address.
    pub agency_address: std::net::SocketAddr,
    agency: veiviser_testkit::faulty::FaultyAgency,
    /// The master's view of the network, to wait for it to change.
    pub snapshots: tokio::sync::watch::Receiver<std::sync::Arc<veiviser_master::network::Snapshot>>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), String>>,
}

impl RecordingNetwork {
    pub async fn start() -> Self {
        Self::start_with(master_config()).await
    }

    /// With `config`'s settings; its agency list is replaced by the recording agency.
    pub async fn start_with(mut config: MasterConfig) -> Self {
        use tokio::net::TcpListener;
        let assistant = Assistant::new(veiviser_nav::CONTENT.load().expect("content"));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let agency = veiviser_testkit::faulty::FaultyAgency::start(assistant, listener)
            .await
            .expect("agency");
        let agency_address = agency.address;
        config.agencies = vec![format!("http://{agency_address}")];
        let master = veiviser_master::Master::new(config).await.expect("master");
        let mut snapshots = master.network().subscribe();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let master_address = listener.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            veiviser_master::serve_master(listener, master, async {
                let _ = stopped.await;
            })
            .await
            .map_err(|e| e.to_string())
        });
        let ready = snapshots.wait_for(|s| s.agencies.iter().all(|a| a.reachable));
        tokio::time::timeout(READY, ready)
            .await
            .expect("in time")
            .expect("alive");
        Self {
            master_address,
            agency_address,
            agency,
            snapshots,
            stop,
            task,
        }
    }

    /// A client of the master and a session started in bokmål.
    pub async fn citizen(&self) -> (MasterClient, veiviser_proto::master::v1::StartSessionResponse) {
        let mut client = client::connect(&self.master_address.to_string()).await.expect("master");
        let session = client::start_session(&mut client, "nb", true).await.expect("session");
        (client, session)
    }

    /// Every call the agency received so far.
    pub fn received(&self) -> Vec<Recorded> {
        self.agency.received()
    }

    /// From now on the agency spoils what `tampering` says.
    pub fn tamper(&self, tampering: Tampering) {
        self.agency.tamper(tampering);
    }

    /// Waits until the master's view of the agency satisfies `holds`.
    pub async fn wait_for_agency(&mut self, holds: impl Fn(&veiviser_master::network::Agency) -> bool) {
        let changed = self.snapshots.wait_for(|s| s.agencies.iter().all(&holds));
        tokio::time::timeout(READY, changed)
            .await
            .expect("in time")
            .expect("alive");
    }

    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.expect("joined").expect("served");
        self.agency.stop().await.expect("agency stopped");
    }
}

/// The master's web endpoint (citizen chat and advisor page) on an ephemeral port.
pub struct WebEndpoint {
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl WebEndpoint {
    pub async fn start(master: std::sync::Arc<veiviser_master::Master>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("web port");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(veiviser_master::http::web::serve(listener, master, async {
            let _ = stopped.await;
        }));
        Self { base, stop, task }
    }

    /// The address of `path` ("/", "/advisor", "/api/…").
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops serving and checks the server ended cleanly, in time: open
    /// event streams must not hold the shutdown up.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(READY, self.task)
            .await
            .expect("the web endpoint stops in time")
            .expect("web task")
            .expect("web served");
    }
}

/// Reads a child's output until a line gives `found` something (or the output
/// ends, or `timeout` passes: `None`), then keeps reading in the background so
/// the child never blocks on a full pipe.
pub async fn first_line<T>(
    output: impl tokio::io::AsyncRead + Unpin + Send + 'static,
    timeout: Duration,
    found: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(output).lines();
    let first = async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(value) = found(&line) {
                return Some(value);
            }
        }
        None
    };
    let value = tokio::time::timeout(timeout, first).await.ok().flatten();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    value
}
