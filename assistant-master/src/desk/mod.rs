//! The advisor desk: conversations handed over from the assistant to human
//! advisors. One queue per agency, oldest first; advisors take conversations
//! with their masked history, reply, and hand them back or close them. The
//! citizen follows their place in the queue and the advisor's replies.
//!
//! The desk is a state machine behind one lock; it never awaits while holding
//! it, and it takes the sessions' lock only inside its own (never the other
//! way round). Events go out on bounded channels without waiting: a reader
//! too slow to keep up loses live events, never the transcript.

pub mod keys;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{mpsc, watch};
use tonic::Status;
use veiviser_proto::agency::v1::{AdvisorHours, Contact};
use veiviser_proto::master::v1::{
    ActionRefused, AdvisorReply, CitizenWrote, ConversationGone, DeskEvent, DeskQueue, HandoverEvent, HandoverState,
    HandoverStatus, WaitingConversation, desk_event, handover_event,
};
use veiviser_runtime::clock::{Clock, rfc3339};

use crate::content::{MasterContent, fill};
use crate::error::Error;
use crate::sessions::retention::{Retention, RetentionPolicy};
use crate::sessions::{Entry, Role, Sessions};

/// Live events buffered per citizen stream. (Advisor streams are buffered by
/// the desk service; an advisor who lets their buffer fill is signed out.)
const EVENT_BUFFER: usize = 64;

/// Events sent to one advisor's connection.
pub type AdvisorEvents = mpsc::Sender<Result<DeskEvent, Status>>;

/// The agency a handover goes to, as the citizen sees it.
#[derive(Debug, Clone, Default)]
pub struct DeskAgency {
    pub id: String,
    /// The display name in the session language.
    pub name: String,
    pub contact: Contact,
    pub homepage: String,
    pub hours: Option<AdvisorHours>,
}

/// Identifies one advisor connection.
/// Why the desk refused an advisor's action. The advisor is told (as
/// `ActionRefused.reason`) and stays connected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not signed in")]
    NotSignedIn,
    #[error("already signed in")]
    AlreadySignedIn,
    #[error("nobody is waiting")]
    NobodyWaiting,
    #[error("no such conversation")]
    NoSuchConversation,
    #[error("not in your agency's queue")]
    OtherAgency,
    #[error("already taken")]
    AlreadyTaken,
    #[error("not yours")]
    NotYours,
    /// The reply itself was refused (empty or too long); the text says why.
    #[error("{0}")]
    Reply(String),
}

impl Refusal {
    /// The stable code of `ActionRefused.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotSignedIn => "not-signed-in",
            Self::AlreadySignedIn => "already-signed-in",
            Self::NobodyWaiting => "nobody-waiting",
            Self::NoSuchConversation => "no-such-conversation",
            Self::OtherAgency => "other-agency",
            Self::AlreadyTaken => "already-taken",
            Self::NotYours => "not-yours",
            Self::Reply(_) => "reply-refused",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AdvisorId(u64);

/// How a handover ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The advisor gave the conversation back to the assistant.
    HandedBack,
    /// The advisor closed it.
    ClosedByAdvisor,
    /// The citizen left the queue or the advisor.
    CitizenLeft,
    /// The session ended or expired.
    SessionEnded,
}

#[derive(Debug)]
struct Handover {
    id: String,
    session_id: String,
    agency: DeskAgency,
    language: String,
    reason: String,
    since: String,
    /// Queue order: conversations put back keep their place.
    seq: u64,
    advisor: Option<(AdvisorId, String)>,
    citizen: Option<mpsc::Sender<HandoverEvent>>,
}

#[derive(Debug)]
struct Advisor {
    agency_id: String,
    events: AdvisorEvents,
    /// Set when an event could not be delivered: the advisor is signed out
    /// before the desk's lock is released, so no conversation waits on them.
    lagging: AtomicBool,
}

#[derive(Debug, Default)]
struct State {
    handovers: HashMap<String, Handover>,
    by_session: HashMap<String, String>,
    advisors: HashMap<AdvisorId, Advisor>,
    next_seq: u64,
    next_advisor: u64,
}

impl State {
    /// The agency's waiting handovers, oldest first.
    fn waiting(&self, agency_id: &str) -> Vec<&Handover> {
        let mut waiting: Vec<&Handover> = self
            .handovers
            .values()
            .filter(|h| h.agency.id == agency_id && h.advisor.is_none())
            .collect();
        waiting.sort_by_key(|h| h.seq);
        waiting
    }

    fn position(&self, handover: &Handover) -> u32 {
        if handover.advisor.is_some() {
            return 0;
        }
        let ahead = self
            .handovers
            .values()
            .filter(|h| h.agency.id == handover.agency.id && h.advisor.is_none() && h.seq < handover.seq)
            .count();
        u32::try_from(ahead + 1).unwrap_or(u32::MAX)
    }
}

/// The desk's state and what it needs to render and record.
#[derive(Debug)]
pub struct Desk {
    state: Mutex<State>,
    sessions: Arc<Sessions>,
    content: Arc<MasterContent>,
    retention: RetentionPolicy,
    clock: Arc<dyn Clock>,
    /// Becomes true when the master shuts down; advisor tasks watch it.
    closing: watch::Sender<bool>,
}

fn send_to_advisor(advisor: &Advisor, event: desk_event::Event) {
    if advisor.events.try_send(Ok(DeskEvent { event: Some(event) })).is_err() {
        advisor.lagging.store(true, Ordering::Relaxed);
    }
}

impl Desk {
    pub fn new(
        sessions: Arc<Sessions>,
        content: Arc<MasterContent>,
        retention: RetentionPolicy,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            state: Mutex::new(State::default()),
            sessions,
            content,
            retention,
            clock,
            closing: watch::Sender::new(false),
        }
    }

    /// Turns true when the master shuts down.
    /// True once [`Desk::shut_down`] ran. Set under the desk's lock, so a
    /// check under the lock cannot race it.
    fn is_closing(&self) -> bool {
        *self.closing.borrow()
    }

    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update below is completed before anything that can panic, so
        // a poisoned lock still guards consistent state.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Puts the session in the agency's queue, or returns its current handover.
    pub fn request(
        &self,
        session_id: &str,
        language: &str,
        agency: DeskAgency,
        reason: &str,
    ) -> Result<HandoverStatus, Error> {
        let mut state = self.lock();
        if self.is_closing() {
            return Err(Error::ShuttingDown);
        }
        if let Some(existing) = state.by_session.get(session_id).and_then(|id| state.handovers.get(id)) {
            return Ok(self.status(&state, existing));
        }
        // Checked under the desk's lock: a session ending now cannot leave an orphan in the queue.
        if !self.sessions.exists(session_id) {
            return Err(Error::UnknownSession);
        }
        state.next_seq += 1;
        let handover = Handover {
            id: uuid::Uuid::new_v4().to_string(),
            session_id: session_id.to_string(),
            agency,
            language: language.to_string(),
            reason: reason.to_string(),
            since: rfc3339(self.clock.now()),
            seq: state.next_seq,
            advisor: None,
            citizen: None,
        };
        let (id, agency_id) = (handover.id.clone(), handover.agency.id.clone());
        state.by_session.insert(session_id.to_string(), id.clone());
        state.handovers.insert(id.clone(), handover);
        tracing::info!(agency = %agency_id, reason, "handover queued");
        self.queue_changed(&state, &agency_id);
        self.sign_out_lagging(&mut state);
        Ok(self.status(&state, &state.handovers[&id]))
    }

    /// The citizen's live view of their handover: its status now and what follows.
    /// The advisor's replies so far come first, so a watcher that
    /// reconnects misses nothing (clients tell repeats by `at` and text).
    pub fn watch(&self, session_id: &str) -> Result<(HandoverStatus, mpsc::Receiver<HandoverEvent>), Error> {
        let mut state = self.lock();
        if self.is_closing() {
            return Err(Error::ShuttingDown);
        }
        let id = state.by_session.get(session_id).cloned().ok_or(Error::NoHandover)?;
        let handover = &state.handovers[&id];
        let status = self.status(&state, handover);
        let advisor = handover
            .advisor
            .as_ref()
            .map(|(_, name)| name.clone())
            .unwrap_or_default();
        let replies: Vec<AdvisorReply> = self
            .sessions
            .peek(session_id)
            .map(|session| session.transcript)
            .unwrap_or_default()
            .into_iter()
            .filter(|entry| entry.handover_id == id && entry.role == "advisor")
            .map(|entry| AdvisorReply {
                handover_id: id.clone(),
                advisor: advisor.clone(),
                text: entry.text,
                at: entry.at,
            })
            .collect();
        let (sender, receiver) = mpsc::channel(EVENT_BUFFER.max(replies.len() + 1));
        for reply in replies {
            let _ = sender.try_send(HandoverEvent {
                event: Some(handover_event::Event::AdvisorReply(reply)),
            });
        }
        if let Some(handover) = state.handovers.get_mut(&id) {
            // A second watcher replaces the first (the citizen reloaded the page).
            handover.citizen = Some(sender);
        }
        Ok((status, receiver))
    }

    /// Sessions whose citizen is following their handover right now: the
    /// purge job keeps them open while they wait or talk to an advisor.
    pub fn followed_sessions(&self) -> Vec<String> {
        self.lock()
            .handovers
            .values()
            .filter(|h| h.citizen.as_ref().is_some_and(|c| !c.is_closed()))
            .map(|h| h.session_id.clone())
            .collect()
    }

    /// The session's handover, if it has one.
    pub fn current(&self, session_id: &str) -> Option<HandoverStatus> {
        let state = self.lock();
        let id = state.by_session.get(session_id)?;
        Some(self.status(&state, state.handovers.get(id)?))
    }

    /// True while an advisor has the session's conversation (its messages go
    /// to the advisor, not to the assistant).
    pub fn with_advisor(&self, session_id: &str) -> bool {
        let state = self.lock();
        state
            .by_session
            .get(session_id)
            .and_then(|id| state.handovers.get(id))
            .is_some_and(|handover| handover.advisor.is_some())
    }

    /// When an advisor has the session's conversation, records the citizen's
    /// (masked) message as part of the handover, passes it to the advisor and
    /// returns the handover id. While the citizen waits in the queue the
    /// assistant keeps answering (the advisor sees it in the history).
    pub fn forward(&self, session_id: &str, text: &str) -> bool {
        let mut state = self.lock();
        let Some(handover) = state.by_session.get(session_id).and_then(|id| state.handovers.get(id)) else {
            return false;
        };
        let Some(advisor) = handover.advisor.as_ref().and_then(|(id, _)| state.advisors.get(id)) else {
            return false;
        };
        let at = self
            .sessions
            .record(session_id, Entry::in_handover(Role::Citizen, text, &handover.id));
        send_to_advisor(
            advisor,
            desk_event::Event::CitizenWrote(CitizenWrote {
                handover_id: handover.id.clone(),
                text: text.to_string(),
                at,
            }),
        );
        self.sign_out_lagging(&mut state);
        true
    }

    /// The citizen leaves the queue or the advisor.
    pub fn leave(&self, session_id: &str) -> Result<HandoverStatus, Error> {
        let mut state = self.lock();
        let id = state.by_session.get(session_id).cloned().ok_or(Error::NoHandover)?;
        let status = self.end(&mut state, &id, Ending::CitizenLeft);
        self.sign_out_lagging(&mut state);
        Ok(status)
    }

    /// The session is gone: its handover ends without telling the citizen.
    pub fn session_ended(&self, session_id: &str) {
        let mut state = self.lock();
        if let Some(id) = state.by_session.get(session_id).cloned() {
            self.end(&mut state, &id, Ending::SessionEnded);
        }
        self.sign_out_lagging(&mut state);
    }

    /// The master is stopping: every advisor's stream ends with UNAVAILABLE
    /// and every citizen's handover stream ends, so none holds shutdown up.
    pub fn shut_down(&self) {
        let mut state = self.lock();
        self.closing.send_replace(true);
        for (_, advisor) in state.advisors.drain() {
            let _ = advisor.events.try_send(Err(Status::from(Error::ShuttingDown)));
        }
        for handover in state.handovers.values_mut() {
            handover.citizen = None;
        }
    }

    /// An advisor connects to serve `agency_id`'s queue; they receive it at once.
    pub fn sign_in(&self, agency_id: &str, events: AdvisorEvents) -> Result<AdvisorId, Error> {
        let mut state = self.lock();
        if self.is_closing() {
            return Err(Error::ShuttingDown);
        }
        state.next_advisor += 1;
        let id = AdvisorId(state.next_advisor);
        let advisor = Advisor {
            agency_id: agency_id.to_string(),
            events,
            lagging: AtomicBool::new(false),
        };
        send_to_advisor(&advisor, desk_event::Event::Queue(self.queue(&state, agency_id)));
        state.advisors.insert(id, advisor);
        tracing::info!(agency = %agency_id, advisors = state.advisors.len(), "advisor signed in");
        Ok(id)
    }

    /// Tells an advisor an action was refused; the connection stays open.
    pub fn refuse(&self, advisor_id: AdvisorId, handover_id: String, refusal: &Refusal) {
        let mut state = self.lock();
        if let Some(advisor) = state.advisors.get(&advisor_id) {
            send_to_advisor(
                advisor,
                desk_event::Event::Refused(ActionRefused {
                    handover_id,
                    reason: refusal.to_string(),
                    code: refusal.code().to_string(),
                }),
            );
        }
        self.sign_out_lagging(&mut state);
    }

    /// Signs out every advisor whose events could not be delivered: their
    /// stream ends (the client reconnects) and their conversations go back
    /// to the queue.
    fn sign_out_lagging(&self, state: &mut State) {
        loop {
            let lagging: Vec<AdvisorId> = state
                .advisors
                .iter()
                .filter(|(_, a)| a.lagging.load(Ordering::Relaxed))
                .map(|(id, _)| *id)
                .collect();
            if lagging.is_empty() {
                return;
            }
            for id in lagging {
                tracing::warn!("advisor connection is not keeping up; signed out");
                self.remove_advisor(state, id);
            }
        }
    }

    /// Forgets an advisor and puts their conversations back in the queue, in their old places.
    fn remove_advisor(&self, state: &mut State, advisor_id: AdvisorId) {
        let Some(advisor) = state.advisors.remove(&advisor_id) else {
            return;
        };
        let mut returned = 0;
        for handover in state.handovers.values_mut() {
            if handover.advisor.as_ref().is_some_and(|(id, _)| *id == advisor_id) {
                handover.advisor = None;
                returned += 1;
            }
        }
        tracing::info!(agency = %advisor.agency_id, returned, "advisor signed out");
        if returned > 0 {
            self.queue_changed(state, &advisor.agency_id);
        }
    }

    /// The advisor disconnected: their conversations go back to the queue, in their old places.
    pub fn sign_out(&self, advisor_id: AdvisorId) {
        let mut state = self.lock();
        self.remove_advisor(&mut state, advisor_id);
        self.sign_out_lagging(&mut state);
    }

    /// The advisor takes a waiting conversation (empty id: the longest waiting).
    pub fn take(&self, advisor_id: AdvisorId, handover_id: &str, advisor_name: &str) -> Result<(), Refusal> {
        let mut state = self.lock();
        let agency_id = state
            .advisors
            .get(&advisor_id)
            .map(|a| a.agency_id.clone())
            .ok_or(Refusal::NotSignedIn)?;
        let id = if handover_id.is_empty() {
            state
                .waiting(&agency_id)
                .first()
                .map(|h| h.id.clone())
                .ok_or(Refusal::NobodyWaiting)?
        } else {
            handover_id.to_string()
        };
        let handover = state.handovers.get_mut(&id).ok_or(Refusal::NoSuchConversation)?;
        if handover.agency.id != agency_id {
            return Err(Refusal::OtherAgency);
        }
        if handover.advisor.is_some() {
            return Err(Refusal::AlreadyTaken);
        }
        handover.advisor = Some((advisor_id, advisor_name.to_string()));
        let conversation = self.waiting_conversation(&state.handovers[&id], 0, true);
        if let Some(advisor) = state.advisors.get(&advisor_id) {
            send_to_advisor(advisor, desk_event::Event::Assigned(conversation));
        }
        let handover = &state.handovers[&id];
        self.notify_citizen(handover, handover_event::Event::Status(self.status(&state, handover)));
        tracing::info!(agency = %agency_id, "handover taken");
        self.queue_changed(&state, &agency_id);
        self.sign_out_lagging(&mut state);
        Ok(())
    }

    /// The advisor writes to the citizen.
    pub fn reply(&self, advisor_id: AdvisorId, handover_id: &str, text: &str) -> Result<(), Refusal> {
        let state = self.lock();
        let handover = Self::assigned(&state, advisor_id, handover_id)?;
        // Waiting and talking keep the session open.
        let _ = self.sessions.touch(&handover.session_id);
        let at = self.sessions.record(
            &handover.session_id,
            Entry::in_handover(Role::Advisor, text, &handover.id),
        );
        let advisor = handover
            .advisor
            .as_ref()
            .map(|(_, name)| name.clone())
            .unwrap_or_default();
        self.notify_citizen(
            handover,
            handover_event::Event::AdvisorReply(AdvisorReply {
                handover_id: handover.id.clone(),
                advisor,
                text: text.to_string(),
                at,
            }),
        );
        Ok(())
    }

    /// The advisor hands the conversation back to the assistant or closes it.
    pub fn finish(&self, advisor_id: AdvisorId, handover_id: &str, ending: Ending) -> Result<(), Refusal> {
        let mut state = self.lock();
        let id = Self::assigned(&state, advisor_id, handover_id)?.id.clone();
        self.end(&mut state, &id, ending);
        self.sign_out_lagging(&mut state);
        Ok(())
    }

    fn assigned<'s>(state: &'s State, advisor_id: AdvisorId, handover_id: &str) -> Result<&'s Handover, Refusal> {
        let handover = state.handovers.get(handover_id).ok_or(Refusal::NoSuchConversation)?;
        match &handover.advisor {
            Some((id, _)) if *id == advisor_id => Ok(handover),
            _ => Err(Refusal::NotYours),
        }
    }

    /// Ends a handover: tells whoever is left, applies the retention rule to
    /// the human part, and moves the queue on.
    fn end(&self, state: &mut State, id: &str, ending: Ending) -> HandoverStatus {
        let Some(handover) = state.handovers.remove(id) else {
            return HandoverStatus::default();
        };
        state.by_session.remove(&handover.session_id);
        let gone_reason = match ending {
            Ending::CitizenLeft => Some("citizen-left"),
            Ending::SessionEnded => Some("session-ended"),
            Ending::HandedBack | Ending::ClosedByAdvisor => None,
        };
        if let (Some(reason), Some((advisor_id, _))) = (gone_reason, &handover.advisor)
            && let Some(advisor) = state.advisors.get(advisor_id)
        {
            send_to_advisor(
                advisor,
                desk_event::Event::Gone(ConversationGone {
                    handover_id: handover.id.clone(),
                    reason: reason.to_string(),
                }),
            );
        }
        let status = self.ended_status(&handover, ending);
        self.notify_citizen(&handover, handover_event::Event::Status(status.clone()));
        // NAV's rule: the human part of a social-services conversation is
        // deleted when it ends; other topics follow the session's retention.
        let deleted = match self.sessions.topics(&handover.session_id) {
            Some(topics) if matches!(self.retention.for_topics(&topics), Retention::SessionOnly(_)) => {
                self.sessions.forget_handover(&handover.session_id, &handover.id)
            }
            _ => 0,
        };
        tracing::info!(agency = %handover.agency.id, ending = ?ending, entries_deleted = deleted, "handover ended");
        self.queue_changed(state, &handover.agency.id);
        status
    }

    /// Tells the agency's advisors the new queue and every waiting citizen their place.
    fn queue_changed(&self, state: &State, agency_id: &str) {
        let queue = self.queue(state, agency_id);
        for advisor in state.advisors.values().filter(|a| a.agency_id == agency_id) {
            send_to_advisor(advisor, desk_event::Event::Queue(queue.clone()));
        }
        for (handover, position) in state.waiting(agency_id).into_iter().zip(1..) {
            self.notify_citizen(
                handover,
                handover_event::Event::Status(self.queued_status(handover, position)),
            );
        }
    }

    fn queue(&self, state: &State, agency_id: &str) -> DeskQueue {
        DeskQueue {
            waiting: state
                .waiting(agency_id)
                .into_iter()
                .zip(1..)
                .map(|(h, position)| self.waiting_conversation(h, position, false))
                .collect(),
        }
    }

    /// A conversation for advisors; the history (up to 400 entries) only for
    /// the one taking it, so queue updates stay small.
    fn waiting_conversation(&self, handover: &Handover, position: u32, with_history: bool) -> WaitingConversation {
        let (history, topics) = if with_history {
            self.sessions
                .peek(&handover.session_id)
                .map(|session| (session.transcript, session.topics))
                .unwrap_or_default()
        } else {
            (
                Vec::new(),
                self.sessions.topics(&handover.session_id).unwrap_or_default(),
            )
        };
        WaitingConversation {
            handover_id: handover.id.clone(),
            language: handover.language.clone(),
            reason: handover.reason.clone(),
            waiting_since: handover.since.clone(),
            position,
            history,
            topics: topics.into_iter().collect(),
        }
    }

    fn notify_citizen(&self, handover: &Handover, event: handover_event::Event) {
        if let Some(citizen) = &handover.citizen
            && citizen.try_send(HandoverEvent { event: Some(event) }).is_err()
        {
            tracing::debug!(agency = %handover.agency.id, "citizen is not following the handover; event dropped");
        }
    }

    fn base_status(&self, handover: &Handover, state: HandoverState) -> HandoverStatus {
        HandoverStatus {
            handover_id: handover.id.clone(),
            agency_id: handover.agency.id.clone(),
            agency_name: handover.agency.name.clone(),
            state: state.into(),
            contact: Some(handover.agency.contact.clone()),
            homepage: handover.agency.homepage.clone(),
            hours: handover.agency.hours.clone(),
            ..Default::default()
        }
    }

    fn status(&self, state: &State, handover: &Handover) -> HandoverStatus {
        let texts = self.texts(&handover.language);
        match &handover.advisor {
            Some((_, advisor)) => HandoverStatus {
                text: fill(
                    &texts.handover_with_advisor,
                    &[("advisor", advisor), ("agency", &handover.agency.name)],
                ),
                advisor: advisor.clone(),
                ..self.base_status(handover, HandoverState::WithAdvisor)
            },
            None => self.queued_status(handover, state.position(handover)),
        }
    }

    /// The status of a citizen waiting at `position` in the queue.
    fn queued_status(&self, handover: &Handover, position: u32) -> HandoverStatus {
        let text = fill(
            &self.texts(&handover.language).handover_queued,
            &[("position", &position.to_string()), ("agency", &handover.agency.name)],
        );
        HandoverStatus {
            text,
            position,
            ..self.base_status(handover, HandoverState::Queued)
        }
    }

    fn ended_status(&self, handover: &Handover, ending: Ending) -> HandoverStatus {
        let texts = self.texts(&handover.language);
        let text = match ending {
            Ending::HandedBack => &texts.handover_handed_back,
            Ending::ClosedByAdvisor => &texts.handover_closed_by_advisor,
            // Leaving the queue before any advisor took the conversation is no goodbye to one.
            Ending::CitizenLeft if handover.advisor.is_none() => &texts.handover_left_queue,
            Ending::CitizenLeft => &texts.handover_left,
            Ending::SessionEnded => &texts.handover_session_ended,
        };
        HandoverStatus {
            text: text.clone(),
            ..self.base_status(handover, HandoverState::Ended)
        }
    }

    fn texts(&self, language: &str) -> &crate::content::Texts {
        &self
            .content
            .language(language)
            .or_else(|_| self.content.language(""))
            .expect("the default language is always there")
            .texts
    }
}
