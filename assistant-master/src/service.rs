//! The tonic implementation of `veiviser.master.v1.CitizenAssistant`: input
//! validation, sessions and transcripts around [`crate::conversation`].

use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};
use veiviser_proto::master::v1::citizen_assistant_server::CitizenAssistant;
use veiviser_proto::master::v1::{
    AgencyStatus, AskEvent, AskRequest, EndSessionRequest, EndSessionResponse, GetTranscriptRequest,
    ListAgenciesRequest, ListAgenciesResponse, StartSessionRequest, StartSessionResponse, Transcript,
};

use crate::conversation::Turn;
use crate::sessions::Role;
use crate::{Error, Master};

/// Events buffered per answer before the sender waits for the citizen to read.
const EVENT_BUFFER: usize = 16;

#[derive(Debug, Clone)]
pub struct CitizenService {
    master: Arc<Master>,
}

impl CitizenService {
    pub fn new(master: Arc<Master>) -> Self {
        Self { master }
    }

    /// Checks a message and returns it trimmed.
    fn validate_text<'a>(&self, text: &'a str) -> Result<&'a str, Error> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::InvalidArgument("the message is empty".into()));
        }
        let limit = self.master.config.max_message_chars;
        if text.len() > limit * 4 || text.chars().count() > limit {
            return Err(Error::InvalidArgument(format!(
                "the message is longer than {limit} characters"
            )));
        }
        Ok(text)
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<AskEvent, Status>> + Send>>;

#[tonic::async_trait]
impl CitizenAssistant for CitizenService {
    async fn start_session(
        &self,
        request: Request<StartSessionRequest>,
    ) -> Result<Response<StartSessionResponse>, Status> {
        let request = request.into_inner();
        if !request.acknowledged_no_personal_data {
            return Err(Error::NotAcknowledged.into());
        }
        let language = self.master.content.language(&request.language)?;
        let session_id = self.master.sessions.start(&language.language)?;
        tracing::info!(language = %language.language, open = self.master.sessions.open_count(), "session started");
        Ok(Response::new(StartSessionResponse {
            session_id,
            welcome: language.texts.welcome.clone(),
            language: language.language.clone(),
            idle_timeout_seconds: u32::try_from(self.master.config.session_idle_timeout.as_secs()).unwrap_or(u32::MAX),
        }))
    }

    type AskStream = EventStream;

    async fn ask(&self, request: Request<AskRequest>) -> Result<Response<EventStream>, Status> {
        let request = request.into_inner();
        let session_language = self.master.sessions.touch(&request.session_id)?;
        let text = self.validate_text(&request.text)?.to_string();
        let language = if request.language.is_empty() {
            session_language
        } else {
            self.master.content.language(&request.language)?.language.clone()
        };
        // Masked at the door: nothing below this line sees the text as typed.
        let masked = self.master.masker().mask(&text);
        let masked_kinds: Vec<String> = masked.kinds().iter().map(|k| k.id().to_string()).collect();
        if !masked.found.is_empty() {
            tracing::info!(entities = masked.found.len(), kinds = ?masked_kinds, "personal data masked");
        }
        let text = masked.text;
        self.master
            .sessions
            .record(&request.session_id, Role::Citizen, &text, "", &[]);

        let (events, receiver) = mpsc::channel(EVENT_BUFFER);
        let master = Arc::clone(&self.master);
        tokio::spawn(async move {
            let started = Instant::now();
            let snapshot = master.network.snapshot();
            let Ok(language) = master.content.language(&language) else {
                return;
            };
            let turn = Turn {
                snapshot: &snapshot,
                language,
                session_id: &request.session_id,
                agency_timeout: master.config.agency_timeout,
                max_referral_hops: master.config.max_referral_hops,
                referral_confidence: master.config.thresholds.referral_confidence,
                pseudonyms: &master.pseudonyms,
                events: &events,
            };
            let answer = turn.answer(&text, masked_kinds).await;
            master.sessions.record(
                &request.session_id,
                Role::Assistant,
                &answer.text,
                &answer.intent,
                &answer.agency_ids,
            );
            tracing::info!(
                intent = %answer.intent,
                route = answer.route,
                confidence = answer.confidence,
                agencies = answer.agency_ids.len(),
                missing = answer.missing_agency_ids.len(),
                items = answer.checklist.len(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "answered"
            );
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(receiver))))
    }

    async fn end_session(&self, request: Request<EndSessionRequest>) -> Result<Response<EndSessionResponse>, Status> {
        self.master.sessions.end(&request.into_inner().session_id)?;
        tracing::info!(open = self.master.sessions.open_count(), "session ended");
        Ok(Response::new(EndSessionResponse {}))
    }

    async fn get_transcript(&self, request: Request<GetTranscriptRequest>) -> Result<Response<Transcript>, Status> {
        let session_id = request.into_inner().session_id;
        let (language, entries) = self.master.sessions.transcript(&session_id)?;
        Ok(Response::new(Transcript {
            session_id,
            language,
            entries,
        }))
    }

    async fn list_agencies(&self, _: Request<ListAgenciesRequest>) -> Result<Response<ListAgenciesResponse>, Status> {
        let snapshot = self.master.network.snapshot();
        let agencies = snapshot
            .agencies
            .iter()
            .map(|agency| AgencyStatus {
                agency_id: agency.id().unwrap_or_default().to_string(),
                address: agency.address.clone(),
                reachable: agency.reachable,
                card: agency.card.as_deref().cloned(),
            })
            .collect();
        Ok(Response::new(ListAgenciesResponse { agencies }))
    }
}
