//! Personal data typed into the chat is masked at the door: agencies, the
//! transcript and the final answer only ever see placeholders.

use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tonic::{Request, Response, Status};
use veiviser_agency_sdk::Assistant;
use veiviser_cli::client;
use veiviser_proto::agency::v1::agency_assistant_server::{AgencyAssistant, AgencyAssistantServer};
use veiviser_proto::agency::v1::{AskRequest, AskResponse, AskStreamChunk, AssistantCard, DescribeRequest};
use veiviser_proto::master::v1::GetTranscriptRequest;

use crate::support::{READY, ask, master_config};

/// An agency written directly against the contract (no SDK server) that
/// records every question it receives and lets the NAV assistant answer.
#[derive(Clone)]
struct RecordingAgency {
    assistant: Arc<Assistant>,
    received: Arc<Mutex<Vec<String>>>,
}

#[tonic::async_trait]
impl AgencyAssistant for RecordingAgency {
    async fn describe(&self, _: Request<DescribeRequest>) -> Result<Response<AssistantCard>, Status> {
        Ok(Response::new(self.assistant.card().clone()))
    }

    async fn ask(&self, request: Request<AskRequest>) -> Result<Response<AskResponse>, Status> {
        self.received.lock().expect("lock").push(request.get_ref().text.clone());
        self.assistant
            .answer(request.get_ref())
            .map(Response::new)
            .map_err(Status::from)
    }

    type AskStreamStream = tokio_stream::Empty<Result<AskStreamChunk, Status>>;

    async fn ask_stream(&self, _: Request<AskRequest>) -> Result<Response<Self::AskStreamStream>, Status> {
        Err(Status::unimplemented("not needed here"))
    }
}

const SYNTHETIC_FNR: &str = "12835012180";
const SYNTHETIC_PHONE: &str = "912 34 567";

#[tokio::test]
async fn personal_data_never_leaves_the_door_unmasked() {
    let nav = Assistant::new(veiviser_nav::CONTENT.load().expect("content"));
    let received = Arc::new(Mutex::new(Vec::new()));
    let agency = RecordingAgency {
        assistant: Arc::new(nav),
        received: Arc::clone(&received),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let agency_address = listener.local_addr().expect("address");
    let (router, _health) =
        veiviser_agency_sdk::server::router(&Default::default(), AgencyAssistantServer::new(agency)).await;
    let (agency_stop, agency_stopped) = tokio::sync::oneshot::channel::<()>();
    let agency_task = tokio::spawn(veiviser_agency_sdk::server::serve_router(router, listener, async {
        let _ = agency_stopped.await;
    }));

    let mut config = master_config();
    config.agencies = vec![format!("http://{agency_address}")];
    let master = veiviser_master::Master::new(config).expect("master");
    let mut snapshots = master.network.subscribe();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let master_address = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let master_task = tokio::spawn(veiviser_master::serve_master(listener, master.clone(), async {
        let _ = stopped.await;
    }));
    let ready = snapshots.wait_for(|s| s.agencies.iter().all(|a| a.reachable));
    tokio::time::timeout(READY, ready)
        .await
        .expect("in time")
        .expect("alive");

    let mut client = client::connect(&master_address.to_string()).await.expect("master");
    let session = client::start_session(&mut client, "nb", true).await.expect("session");
    let question = format!(
        "jeg heter Kari Nordmann og har fødselsnummer {SYNTHETIC_FNR}, ring meg på {SYNTHETIC_PHONE}. \
         Hvordan søker jeg gravferdsstønad? NAV har 55 55 33 33."
    );
    let (_, answer) = ask(&mut client, &session.session_id, &question).await;
    assert_eq!(answer.agency_ids, ["nav"], "the masked question is still understood");
    let mut masked = answer.masked.clone();
    masked.sort();
    assert_eq!(masked, ["fodselsnummer", "name", "phone"]);

    let seen = received.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    for value in [SYNTHETIC_FNR, SYNTHETIC_PHONE, "Kari", "Nordmann"] {
        assert!(!seen[0].contains(value), "the agency received {value}: {}", seen[0]);
    }
    assert!(
        seen[0].contains("⟨fødselsnummer⟩") && seen[0].contains("55 55 33 33"),
        "{}",
        seen[0]
    );

    let transcript = client
        .get_transcript(GetTranscriptRequest {
            session_id: session.session_id.clone(),
        })
        .await
        .expect("transcript")
        .into_inner();
    for entry in &transcript.entries {
        for value in [SYNTHETIC_FNR, SYNTHETIC_PHONE, "Kari Nordmann"] {
            assert!(!entry.text.contains(value), "the transcript holds {value}");
        }
    }
    assert!(transcript.entries[0].text.contains("⟨navn⟩"));

    let _ = stop.send(());
    let _ = agency_stop.send(());
    master_task.await.expect("joined").expect("master ran");
    agency_task.await.expect("joined").expect("agency ran");
}
