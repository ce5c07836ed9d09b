//! An agency that misbehaves on request, for testing what a master (or any
//! client of the agency contract) does with bad agencies: it serves the
//! contract directly (no SDK server), lets an [`Assistant`] answer, records
//! every question it receives, and, as told by [`Tampering`], spoils its
//! card or its answers, refuses questions as overloaded, or answers late.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use veiviser_agency_sdk::Assistant;
use veiviser_proto::agency::v1::agency_assistant_server::{AgencyAssistant, AgencyAssistantServer};
use veiviser_proto::agency::v1::{AskRequest, AskResponse, AskStreamChunk, AssistantCard, DescribeRequest, SignedCard};
use veiviser_runtime::ServerConfig;

/// What the agency saw of one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub text: String,
    pub life_event: String,
    /// The W3C trace context it came with, if any.
    pub traceparent: Option<String>,
}

/// How the agency spoils what it sends. The default spoils nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tampering {
    /// Applied to the card before every `Describe`.
    pub card: Option<fn(&mut AssistantCard)>,
    /// Applied to every answer.
    pub answer: Option<fn(&mut AskResponse)>,
    /// The next this many questions are refused with RESOURCE_EXHAUSTED, as
    /// an agency shedding load refuses them.
    pub overloaded_for: usize,
    /// How long the agency waits before it answers.
    pub delay: Option<Duration>,
}

#[derive(Debug, Default)]
struct Shared {
    received: Mutex<Vec<Recorded>>,
    tampering: Mutex<Tampering>,
}

impl Shared {
    fn tampering(&self) -> std::sync::MutexGuard<'_, Tampering> {
        self.tampering.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Clone)]
struct Service {
    assistant: Arc<Assistant>,
    shared: Arc<Shared>,
}

#[tonic::async_trait]
impl AgencyAssistant for Service {
    async fn describe(
        &self,
        _: tonic::Request<DescribeRequest>,
    ) -> Result<tonic::Response<AssistantCard>, tonic::Status> {
        let mut card = self.assistant.card().clone();
        if let Some(spoil) = self.shared.tampering().card {
            spoil(&mut card);
        }
        Ok(tonic::Response::new(card))
    }

    async fn describe_signed(
        &self,
        _: tonic::Request<DescribeRequest>,
    ) -> Result<tonic::Response<SignedCard>, tonic::Status> {
        Err(tonic::Status::unimplemented("this agency signs nothing"))
    }

    async fn ask(&self, request: tonic::Request<AskRequest>) -> Result<tonic::Response<AskResponse>, tonic::Status> {
        let traceparent = request
            .metadata()
            .get("traceparent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        self.shared
            .received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Recorded {
                text: request.get_ref().text.clone(),
                life_event: request.get_ref().life_event.clone(),
                traceparent,
            });
        let delay = {
            let mut tampering = self.shared.tampering();
            if tampering.overloaded_for > 0 {
                tampering.overloaded_for -= 1;
                return Err(tonic::Status::resource_exhausted("overloaded"));
            }
            tampering.delay
        };
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        let mut answer = self.assistant.answer(request.get_ref()).map_err(tonic::Status::from)?;
        if let Some(spoil) = self.shared.tampering().answer {
            spoil(&mut answer);
        }
        Ok(tonic::Response::new(answer))
    }

    type AskStreamStream = tokio_stream::Empty<Result<AskStreamChunk, tonic::Status>>;

    async fn ask_stream(
        &self,
        _: tonic::Request<AskRequest>,
    ) -> Result<tonic::Response<Self::AskStreamStream>, tonic::Status> {
        Err(tonic::Status::unimplemented("this agency does not stream"))
    }
}

/// A running faulty agency.
#[derive(Debug)]
pub struct FaultyAgency {
    /// Where it listens.
    pub address: SocketAddr,
    shared: Arc<Shared>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), String>>,
}

impl FaultyAgency {
    /// Serves `assistant` on `listener` (through the services' own server
    /// stack), spoiling nothing until told to.
    pub async fn start(assistant: Assistant, listener: TcpListener) -> Result<Self, String> {
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let shared = Arc::new(Shared::default());
        let service = Service {
            assistant: Arc::new(assistant),
            shared: Arc::clone(&shared),
        };
        let (router, _health) =
            veiviser_runtime::server::router(&ServerConfig::default(), AgencyAssistantServer::new(service), &[])
                .await
                .map_err(|e| e.to_string())?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            veiviser_runtime::server::serve_router(router, listener, async {
                let _ = stopped.await;
            })
            .await
            .map_err(|e| e.to_string())
        });
        Ok(Self {
            address,
            shared,
            stop,
            task,
        })
    }

    /// Every question received so far, oldest first.
    pub fn received(&self) -> Vec<Recorded> {
        self.shared
            .received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// From now on the agency spoils what `tampering` says.
    pub fn tamper(&self, tampering: Tampering) {
        *self.shared.tampering() = tampering;
    }

    /// Stops serving and waits for the server to end.
    pub async fn stop(self) -> Result<(), String> {
        let _ = self.stop.send(());
        self.task.await.map_err(|e| e.to_string())?
    }
}
