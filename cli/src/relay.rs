//! `veiviser relay`: a bare relay for the load test's floor. An
//! `AgencyAssistant` server on the services' own stack that only forwards:
//! a question to its first agency, a life-event question to all of them at
//! once with their checklists put together. No masking, routing, sessions
//! or checks: what is left of the master's cost is the forwarding itself.

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tonic::transport::Channel;
use tonic::{Request, Response, Status};
use veiviser_proto::agency::v1::agency_assistant_client::AgencyAssistantClient;
use veiviser_proto::agency::v1::agency_assistant_server::{AgencyAssistant, AgencyAssistantServer};
use veiviser_proto::agency::v1::{AskRequest, AskResponse, AskStreamChunk, AssistantCard, DescribeRequest, SignedCard};
use veiviser_runtime::ServerConfig;

struct Relay {
    agencies: Vec<AgencyAssistantClient<Channel>>,
}

impl Relay {
    /// The agency a single question (and a card) goes to.
    fn first(&self) -> Result<AgencyAssistantClient<Channel>, Status> {
        self.agencies
            .first()
            .cloned()
            .ok_or_else(|| Status::unavailable("no agency"))
    }
}

#[tonic::async_trait]
impl AgencyAssistant for Relay {
    async fn describe(&self, request: Request<DescribeRequest>) -> Result<Response<AssistantCard>, Status> {
        self.first()?.describe(request.into_inner()).await
    }

    async fn describe_signed(&self, request: Request<DescribeRequest>) -> Result<Response<SignedCard>, Status> {
        self.first()?.describe_signed(request.into_inner()).await
    }

    async fn ask(&self, request: Request<AskRequest>) -> Result<Response<AskResponse>, Status> {
        let question = request.into_inner();
        if question.life_event.is_empty() {
            let mut first = self
                .agencies
                .first()
                .cloned()
                .ok_or_else(|| Status::unavailable("no agency"))?;
            return first.ask(question).await;
        }
        let mut calls = tokio::task::JoinSet::new();
        for agency in &self.agencies {
            let mut agency = agency.clone();
            let question = question.clone();
            calls.spawn(async move { agency.ask(question).await.map(Response::into_inner) });
        }
        let mut merged: Option<AskResponse> = None;
        while let Some(answer) = calls.join_next().await {
            let answer = answer.map_err(|_| Status::internal("a call stopped"))??;
            match &mut merged {
                Some(plan) => plan.checklist.extend(answer.checklist),
                None => merged = Some(answer),
            }
        }
        merged
            .map(Response::new)
            .ok_or_else(|| Status::unavailable("no agency"))
    }

    type AskStreamStream = tokio_stream::Empty<Result<AskStreamChunk, Status>>;

    async fn ask_stream(&self, _: Request<AskRequest>) -> Result<Response<Self::AskStreamStream>, Status> {
        Err(Status::unimplemented("the relay forwards Ask only"))
    }
}

/// Serves the relay on `listen` until Ctrl-C.
pub async fn serve(listen: SocketAddr, agencies: &[String]) -> Result<(), String> {
    let agencies = agencies
        .iter()
        .map(|address| {
            Channel::from_shared(address.clone())
                .map(|endpoint| AgencyAssistantClient::new(endpoint.connect_lazy()))
                .map_err(|e| format!("agency address {address}: {e}"))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let listener = TcpListener::bind(listen).await.map_err(|e| e.to_string())?;
    let (router, _health) = veiviser_runtime::server::router(
        &ServerConfig::default(),
        AgencyAssistantServer::new(Relay { agencies }),
        &[],
    )
    .await
    .map_err(|e| e.to_string())?;
    veiviser_runtime::server::serve_router(router, listener, veiviser_runtime::shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}
