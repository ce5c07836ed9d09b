//! The tonic implementation of `veiviser.agency.v1.AgencyAssistant` over an
//! [`Assistant`].

use std::pin::Pin;
use std::sync::Arc;

use tokio_stream::Stream;
use tonic::{Request, Response, Status};
use veiviser_proto::agency::v1::{
    AskRequest, AskResponse, AskStreamChunk, AssistantCard, DescribeRequest, SignedCard,
    agency_assistant_server::AgencyAssistant, ask_stream_chunk::Chunk,
};
use veiviser_runtime::cards::CardKey;
use veiviser_runtime::clock::{Clock, SystemClock, unix_seconds};

use crate::Assistant;
use crate::door::DoorCheck;
use crate::metrics::AgencyMetrics;
use crate::profile_gate::ProfileGate;
use veiviser_runtime::trace::TraceContext;

/// Serves one assistant; cheap to clone.
#[derive(Debug, Clone)]
pub struct AgencyService {
    assistant: Arc<Assistant>,
    gate: ProfileGate,
    door: DoorCheck,
    /// The card's key and the card encoded once, for `DescribeSigned`.
    signing: Option<(CardKey, Arc<[u8]>)>,
}

impl AgencyService {
    pub fn new(assistant: Arc<Assistant>, metrics: AgencyMetrics) -> Self {
        Self {
            assistant,
            gate: ProfileGate::default(),
            door: DoorCheck::new(metrics),
            signing: None,
        }
    }

    /// Signs the card it serves by `DescribeSigned` with `key`.
    pub fn with_card_key(self, key: Option<CardKey>) -> Self {
        let card: Arc<[u8]> = prost::Message::encode_to_vec(self.assistant.card()).into();
        Self {
            signing: key.map(|key| (key, card)),
            ..self
        }
    }

    /// Accepts profile tokens through `gate`.
    pub fn with_profile_gate(self, gate: ProfileGate) -> Self {
        Self { gate, ..self }
    }

    async fn answer(&self, request: &Request<AskRequest>) -> Result<AskResponse, Status> {
        let trace_id = TraceContext::from_metadata(request.metadata()).map(|t| t.trace_id_hex());
        let claims = self.gate.check(request.metadata()).await.map_err(Status::from)?;
        let profile = claims.as_ref().map(|c| &c.profile);
        let masked_again = self.door.check(self.assistant.agency_id(), request.get_ref());
        let request = masked_again.as_ref().unwrap_or(request.get_ref());
        let answer = self.assistant.answer_for(request, profile).map_err(Status::from)?;
        tracing::info!(
            agency = %answer.agency_id,
            skill = %answer.skill_id,
            life_event = %request.life_event,
            confidence = answer.confidence,
            state = answer.state,
            items = answer.checklist.len(),
            personalised = answer.personalised,
            trace_id = trace_id.as_deref().unwrap_or(""),
            "answered"
        );
        Ok(answer)
    }
}

type ChunkStream = Pin<Box<dyn Stream<Item = Result<AskStreamChunk, Status>> + Send>>;

#[tonic::async_trait]
impl AgencyAssistant for AgencyService {
    async fn describe(&self, _: Request<DescribeRequest>) -> Result<Response<AssistantCard>, Status> {
        Ok(Response::new(self.assistant.card().clone()))
    }

    async fn describe_signed(&self, _: Request<DescribeRequest>) -> Result<Response<SignedCard>, Status> {
        let (key, card) = self.signing.as_ref().ok_or(crate::Error::NoCardKey)?;
        let identity = self.assistant.card();
        let now = unix_seconds(SystemClock.now());
        // Signed anew each time, so the signature's short life limits replay.
        let signature = key.sign(&identity.agency_id, &identity.organisation_number, card, now);
        Ok(Response::new(SignedCard {
            card: card.to_vec(),
            signature,
        }))
    }

    async fn ask(&self, request: Request<AskRequest>) -> Result<Response<AskResponse>, Status> {
        self.answer(&request).await.map(Response::new)
    }

    type AskStreamStream = ChunkStream;

    async fn ask_stream(&self, request: Request<AskRequest>) -> Result<Response<ChunkStream>, Status> {
        let answer = self.answer(&request).await?;
        let mut chunks: Vec<Result<AskStreamChunk, Status>> = paragraphs(&answer.text)
            .map(|p| {
                Ok(AskStreamChunk {
                    chunk: Some(Chunk::TextDelta(p.to_string())),
                })
            })
            .collect();
        chunks.push(Ok(AskStreamChunk {
            chunk: Some(Chunk::Done(answer)),
        }));
        Ok(Response::new(Box::pin(tokio_stream::iter(chunks))))
    }
}

/// Splits an answer into pieces that concatenate back to the whole text:
/// each paragraph keeps its trailing blank line.
fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive("\n\n")
}

#[cfg(test)]
mod tests {
    use super::paragraphs;

    #[test]
    fn paragraphs_concatenate_to_the_text() {
        let text = "first\n\nsecond line\nstill second\n\nthird";
        let parts: Vec<&str> = paragraphs(text).collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts.concat(), text);
    }
}
