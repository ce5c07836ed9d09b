//! The tonic implementation of `veiviser.master.v1.CitizenAssistant`: input
//! validation, sessions and transcripts around [`crate::turn`].

use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};
use tracing::Instrument;
use veiviser_proto::master::v1::citizen_assistant_server::CitizenAssistant;
use veiviser_proto::master::v1::{
    AgencyStatus, AskEvent, AskRequest, EndSessionRequest, EndSessionResponse, ExportTranscriptRequest, FinalAnswer,
    GetTranscriptRequest, HandoverEvent, HandoverStatus, LeaveHandoverRequest, ListAgenciesRequest,
    ListAgenciesResponse, RequestHumanRequest, Route, StartSessionRequest, StartSessionResponse, Transcript,
    TranscriptFile, TranscriptFormat, WatchHandoverRequest, ask_event, handover_event,
};
use veiviser_runtime::clock::rfc3339;
use veiviser_runtime::trace::TraceContext;

use crate::error::Error;
use crate::error::metric_label;
use crate::handover::Handovers;
use crate::metrics::{CodeLabel, KindLabel, LanguageLabel, Metrics, RouteLabels};
use crate::sessions::CloseReason;
use crate::sessions::export::TranscriptDocument;
use crate::sessions::starts::client_address;
use crate::sessions::{Entry, OfferedChoices, Role};
use crate::state::Master;
use crate::text::checked_text;
use crate::turn::{Answered, Turn};

/// The intent of the (empty) answer to a message that went to the advisor
/// instead of the assistant.
pub const FORWARDED_INTENT: &str = "handover/forwarded";

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

    /// Counts an error by the gRPC code the citizen receives, then converts it.
    fn fail(&self, error: Error) -> Status {
        let status = Status::from(error);
        self.master
            .metrics()
            .errors
            .get_or_create(&CodeLabel {
                code: metric_label(status.code()).to_string(),
            })
            .inc();
        status
    }

    fn start(
        &self,
        request: StartSessionRequest,
        client: Option<std::net::IpAddr>,
    ) -> Result<StartSessionResponse, Error> {
        if !request.acknowledged_no_personal_data {
            return Err(Error::NotAcknowledged);
        }
        if !self.master.session_starts().admit(client) {
            crate::metrics::Metrics::count(&self.master.metrics().refusals, "too-many-new-sessions");
            self.log_refused_under_load("too-many-new-sessions");
            return Err(Error::TooManyNewSessions);
        }
        let language = self.master.content().language(&request.language)?;
        let started = self.master.sessions().start(&language.language)?;
        if let Some(unused) = started.evicted {
            // Never used, so nothing to archive: no file is touched here.
            let _ = self.master.close_session(unused, CloseReason::Evicted);
        }
        let session_id = started.id;
        if !request.citizen_token.is_empty() {
            if self.master.profiles().is_none() {
                self.master.sessions().end(&session_id)?;
                return Err(Error::InvalidArgument(
                    "this master has no trust service, so it cannot use a citizen_token".into(),
                ));
            }
            self.master
                .sessions()
                .log_in(&session_id, request.citizen_token.clone());
        }
        let open = self.master.sessions().open_count();
        self.master.metrics().sessions_started.inc();
        self.master.metrics().sessions_open.set(open as i64);
        tracing::info!(language = %language.language, open, logged_in = !request.citizen_token.is_empty(), "session started");
        Ok(StartSessionResponse {
            session_id,
            welcome: language.texts.welcome.clone(),
            language: language.language.clone(),
            idle_timeout_seconds: u32::try_from(self.master.config().session_idle_timeout.as_secs())
                .unwrap_or(u32::MAX),
        })
    }

    /// Refusals come in floods under load: one line a second per reason, with the count.
    fn log_refused_under_load(&self, reason: &'static str) {
        if let Some(count) = self.master.warnings().tick(reason) {
            tracing::warn!(reason, count, "requests refused under load");
        }
    }

    fn ask_stream(
        &self,
        request: AskRequest,
        trace: TraceContext,
        permit: Option<tokio::sync::OwnedSemaphorePermit>,
    ) -> Result<EventStream, Error> {
        let session_language = self.master.sessions().touch(&request.session_id)?;
        let text = checked_text(&request.text, self.master.config().max_message_chars, "message")?.to_string();
        // Masked at the door: nothing below this line sees the text as typed.
        let masked = self.master.masker().mask(&text);
        // A pick among a clarifying question's options answers that question.
        let peeked = self.master.sessions().choice_for(&request.session_id, &masked.text);
        // The client's choice, else the language the message (or, for a pick,
        // the question) is clearly written in, else the session's.
        let (language, detected) = if request.language.is_empty() {
            let content = self.master.content();
            let written = peeked
                .as_ref()
                .map_or(masked.text.as_str(), |(question, _)| question.as_str());
            match crate::language::switch_to(written, &session_language, |tag| content.speaks(tag)) {
                Some(tag) => (tag.to_string(), true),
                None => (session_language.clone(), false),
            }
        } else {
            (
                self.master.content().language(&request.language)?.language.clone(),
                false,
            )
        };
        let masked_kinds: Vec<String> = masked.kinds().iter().map(|k| k.id().to_string()).collect();
        self.count_message(&request.session_id, &language, &masked);
        let text = masked.text;
        if self.master.desk().forward(&request.session_id, &text) {
            // A human has the conversation: any options offered before are void.
            self.master.sessions().forget_choices(&request.session_id);
            // A human has the conversation: the message went to the desk, not the assistant.
            let forwarded = FinalAnswer {
                route: Route::Human.into(),
                intent: FORWARDED_INTENT.into(),
                confidence: 1.0,
                language,
                masked_text: if masked_kinds.is_empty() {
                    String::new()
                } else {
                    text.clone()
                },
                masked: masked_kinds,
                ..Default::default()
            };
            let event = AskEvent {
                event: Some(ask_event::Event::Final(forwarded)),
            };
            return Ok(Box::pin(tokio_stream::once(Ok(event))));
        }
        // Admitted only if it can be answered in full; refused at once
        // otherwise, before the message is kept, so a retry loses nothing.
        let Some(permit) = permit else {
            self.log_refused_under_load("busy");
            return Err(Error::Busy);
        };
        self.master
            .sessions()
            .record(&request.session_id, Entry::citizen(&text));
        // The pick, taken under the same lock that forgets the options; a
        // message that raced it to them is no pick.
        let (chosen, turn_number) = self.master.sessions().take_choice(&request.session_id, &text);

        let (events, receiver) = mpsc::channel(EVENT_BUFFER);
        let master = Arc::clone(&self.master);
        let span = tracing::info_span!("turn", trace_id = %trace.trace_id_hex());
        let turn_task = async move {
            let _permit = permit;
            let started = Instant::now();
            let snapshot = master.network().snapshot();
            let content = master.content();
            let Ok(language) = content.language(&language) else {
                return;
            };
            let detected_over = detected.then(|| content.language(&session_language).ok()).flatten();
            let turn = Turn::new(&master, &snapshot, language, &request.session_id, &events)
                .with_trace(trace)
                .with_detected_language(detected_over);
            let Answered {
                final_answer,
                topics,
                offered,
            } = match &chosen {
                Some((question, choice)) => turn.answer_choice(&text, question, choice, masked_kinds).await,
                None => turn.answer(&text, masked_kinds).await,
            };
            if !offered.is_empty() {
                let question = chosen.map_or(text, |(question, _)| question);
                master.sessions().offer_choices(
                    &request.session_id,
                    turn_number,
                    OfferedChoices {
                        question,
                        options: offered,
                    },
                );
            }
            master.sessions().record(
                &request.session_id,
                Entry {
                    role: Role::Assistant,
                    text: &final_answer.text,
                    intent: &final_answer.intent,
                    agency_ids: &final_answer.agency_ids,
                    topics: &topics,
                    handover_id: "",
                },
            );
            count_answer(master.metrics(), &final_answer, started);
            tracing::info!(
                intent = %final_answer.intent,
                route = final_answer.route,
                confidence = final_answer.confidence,
                agencies = final_answer.agency_ids.len(),
                missing = final_answer.missing_agency_ids.len(),
                items = final_answer.checklist.len(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "answered"
            );
        };
        tokio::spawn(turn_task.instrument(span));
        Ok(Box::pin(ReceiverStream::new(receiver)))
    }

    fn count_message(&self, session_id: &str, language: &str, masked: &veiviser_masking::Masked) {
        let metrics = &self.master.metrics();
        metrics
            .messages
            .get_or_create(&LanguageLabel {
                language: language.to_string(),
            })
            .inc();
        if masked.found.is_empty() {
            return;
        }
        let kinds: Vec<String> = masked.kinds().iter().map(|k| k.id().to_string()).collect();
        tracing::info!(entities = masked.found.len(), kinds = ?kinds, "personal data masked");
        for found in &masked.found {
            metrics
                .entities_masked
                .get_or_create(&KindLabel {
                    kind: found.kind.id().to_string(),
                })
                .inc();
        }
        for kind in self.master.sessions().note_masked(session_id, &kinds) {
            metrics.dialogues_masked.get_or_create(&KindLabel { kind }).inc();
        }
    }

    /// The transcript of an open session, or of an ended one while it is archived.
    async fn export(&self, request: ExportTranscriptRequest) -> Result<TranscriptFile, Error> {
        let format = TranscriptFormat::try_from(request.format).unwrap_or(TranscriptFormat::Unspecified);
        if format == TranscriptFormat::Unspecified {
            return Err(Error::InvalidArgument(
                "format must be TRANSCRIPT_FORMAT_TEXT or TRANSCRIPT_FORMAT_JSON".into(),
            ));
        }
        let document = if request.download_token.is_empty() {
            self.master.resume(&request.session_id).await;
            let session = self.master.sessions().transcript(&request.session_id)?;
            let transcript = self.master.transcript(&request.session_id, &session);
            TranscriptDocument::new(&transcript, rfc3339(self.master.config().clock.now()))
        } else {
            let master = std::sync::Arc::clone(&self.master);
            let token = request.download_token;
            tokio::task::spawn_blocking(move || master.archived_transcript(&token))
                .await
                .map_err(|_| Error::Internal("reading the archive stopped".into()))??
                .ok_or(Error::UnknownSession)?
        };
        let language = self.master.content().language(&document.language)?;
        Ok(match format {
            TranscriptFormat::Json => TranscriptFile {
                filename: document.filename("json"),
                media_type: "application/json".into(),
                content: document.to_json().into_bytes(),
            },
            _ => TranscriptFile {
                filename: document.filename("txt"),
                media_type: "text/plain; charset=utf-8".into(),
                content: document.to_text(&language.texts).into_bytes(),
            },
        })
    }
}

/// Counts a final answer by route and agency, and the ways it fell short.
fn count_answer(metrics: &Metrics, answer: &veiviser_proto::master::v1::FinalAnswer, started: Instant) {
    let route = Route::try_from(answer.route).unwrap_or(Route::Unspecified);
    let route_label = route.as_str_name().trim_start_matches("ROUTE_").to_lowercase();
    let agencies: Vec<&str> = if answer.agency_ids.is_empty() {
        vec!["-"]
    } else {
        answer.agency_ids.iter().map(String::as_str).collect()
    };
    for agency in agencies {
        metrics
            .answers
            .get_or_create(&RouteLabels {
                route: route_label.clone(),
                agency: agency.to_string(),
            })
            .inc();
    }
    match route {
        Route::Clarify => Metrics::count(&metrics.fallbacks, "clarify"),
        Route::OutOfScope => Metrics::count(&metrics.fallbacks, "out-of-scope"),
        _ => {}
    }
    if !answer.missing_agency_ids.is_empty() {
        Metrics::count(&metrics.fallbacks, "agency-unavailable");
    }
    metrics.answer_seconds.observe(started.elapsed().as_secs_f64());
}

type EventStream = Pin<Box<dyn Stream<Item = Result<AskEvent, Status>> + Send>>;
type HandoverStream = Pin<Box<dyn Stream<Item = Result<HandoverEvent, Status>> + Send>>;

impl CitizenService {
    /// The handover's status now, then its events until it ends.
    fn watch_handover(&self, session_id: &str) -> Result<HandoverStream, Error> {
        self.master.sessions().touch(session_id)?;
        let (status, receiver) = self.master.desk().watch(session_id)?;
        let first = HandoverEvent {
            event: Some(handover_event::Event::Status(status)),
        };
        // The desk holds the only sender and drops it right after the ending
        // (or at shutdown), so the stream ends with the handover.
        let events = tokio_stream::StreamExt::chain(tokio_stream::once(first), ReceiverStream::new(receiver));
        Ok(Box::pin(tokio_stream::StreamExt::map(events, Ok)))
    }
}

#[tonic::async_trait]
impl CitizenAssistant for CitizenService {
    async fn start_session(
        &self,
        request: Request<StartSessionRequest>,
    ) -> Result<Response<StartSessionResponse>, Status> {
        let forwarded_for: Vec<&str> = request
            .metadata()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let client = client_address(
            request.remote_addr(),
            forwarded_for,
            &self.master.config().trusted_proxies,
        );
        self.start(request.into_inner(), client)
            .map(Response::new)
            .map_err(|e| self.fail(e))
    }

    type AskStream = EventStream;

    async fn ask(&self, request: Request<AskRequest>) -> Result<Response<EventStream>, Status> {
        // Continue the caller's trace when it sends one; start one otherwise.
        let trace = TraceContext::from_metadata(request.metadata()).unwrap_or_else(TraceContext::new_root);
        let permit = self.master.admit_turn().await;
        let request = request.into_inner();
        // Busy: refused at once, before anything is read, masked or kept, so the
        // refusal costs next to nothing and a retry loses nothing. A message to
        // an advisor needs no turn and goes on.
        if permit.is_none() && !self.master.desk().with_advisor(&request.session_id) {
            self.log_refused_under_load("busy");
            return Err(self.fail(Error::Busy));
        }
        // A master that has just started answers once it knows its agencies.
        self.master.network().wait_started().await;
        self.master.resume(&request.session_id).await;
        self.ask_stream(request, trace, permit)
            .map(Response::new)
            .map_err(|e| self.fail(e))
    }

    async fn end_session(&self, request: Request<EndSessionRequest>) -> Result<Response<EndSessionResponse>, Status> {
        let session_id = request.into_inner().session_id;
        self.master.resume(&session_id).await;
        let session = self.master.sessions().end(&session_id).map_err(|e| self.fail(e))?;
        // Archiving writes and flushes a file: off the async threads.
        let master = std::sync::Arc::clone(&self.master);
        let kept = tokio::task::spawn_blocking(move || master.close_session(session, CloseReason::Citizen))
            .await
            .map_err(|_| self.fail(Error::Internal("closing the session stopped".into())))?;
        Ok(Response::new(match kept {
            Some(kept) => EndSessionResponse {
                transcript_kept_until: rfc3339(kept.until),
                transcript_download_token: kept.download_token,
            },
            None => EndSessionResponse::default(),
        }))
    }

    async fn get_transcript(&self, request: Request<GetTranscriptRequest>) -> Result<Response<Transcript>, Status> {
        let session_id = request.into_inner().session_id;
        self.master.resume(&session_id).await;
        let session = self
            .master
            .sessions()
            .transcript(&session_id)
            .map_err(|e| self.fail(e))?;
        Ok(Response::new(self.master.transcript(&session_id, &session)))
    }

    async fn export_transcript(
        &self,
        request: Request<ExportTranscriptRequest>,
    ) -> Result<Response<TranscriptFile>, Status> {
        self.export(request.into_inner())
            .await
            .map(Response::new)
            .map_err(|e| self.fail(e))
    }

    async fn request_human(&self, request: Request<RequestHumanRequest>) -> Result<Response<HandoverStatus>, Status> {
        let request = request.into_inner();
        self.master.resume(&request.session_id).await;
        Handovers::new(&self.master)
            .request_human(&request.session_id, &request.agency_id)
            .map(Response::new)
            .map_err(|e| self.fail(e))
    }

    type WatchHandoverStream = HandoverStream;

    async fn watch_handover(&self, request: Request<WatchHandoverRequest>) -> Result<Response<HandoverStream>, Status> {
        let session_id = request.into_inner().session_id;
        self.master.resume(&session_id).await;
        self.watch_handover(&session_id)
            .map(Response::new)
            .map_err(|e| self.fail(e))
    }

    async fn leave_handover(&self, request: Request<LeaveHandoverRequest>) -> Result<Response<HandoverStatus>, Status> {
        let session_id = request.into_inner().session_id;
        self.master.resume(&session_id).await;
        self.master
            .sessions()
            .touch(&session_id)
            .and_then(|_| self.master.desk().leave(&session_id))
            .map(Response::new)
            .map_err(|e| self.fail(e))
    }

    async fn list_agencies(&self, _: Request<ListAgenciesRequest>) -> Result<Response<ListAgenciesResponse>, Status> {
        let snapshot = self.master.network().snapshot();
        let agencies = snapshot
            .agencies
            .iter()
            .map(|agency| AgencyStatus {
                agency_id: agency.known_id().unwrap_or_default().to_string(),
                address: agency.address.clone(),
                reachable: agency.reachable,
                card: agency.card.as_deref().cloned(),
                state: agency.state().to_string(),
                reason: agency.problem.map(|p| p.reason()).unwrap_or_default(),
                origin: agency.origin.name().to_string(),
            })
            .collect();
        Ok(Response::new(ListAgenciesResponse { agencies }))
    }
}
