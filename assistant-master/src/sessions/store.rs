//! Citizen sessions: the acknowledgement gate, the session language, the
//! transcript the citizen can download, and what the retention rules need to
//! know (the topics touched). Sessions live in memory and expire after a
//! period of inactivity; time comes from an injectable [`Clock`]. With a
//! session store, every change is also noted for the save task
//! ([`Sessions::unsaved`]), and a session saved by another master (or before
//! a restart) can be taken back in ([`Sessions::restore`]).

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use veiviser_proto::master::v1::TranscriptEntry;
use veiviser_runtime::clock::{Clock, rfc3339};

use crate::error::Error;
use crate::routing::Choice;
use crate::sessions::saved::{
    Change, Outcome, SavedChoices, SavedEntry, SavedOption, SavedSession, SavedState, SavedTranscript,
};

/// A transcript keeps at most this many entries (200 questions and answers);
/// older ones are dropped first, so a session's memory stays bounded.
pub const MAX_TRANSCRIPT_ENTRIES: usize = 400;

/// Who wrote a transcript entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Citizen,
    Assistant,
    /// A human advisor who took over the conversation.
    Advisor,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::Assistant => "assistant",
            Role::Advisor => "advisor",
        }
    }
}

/// One entry to append to a transcript.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub role: Role,
    pub text: &'a str,
    pub intent: &'a str,
    pub agency_ids: &'a [String],
    /// Topic classes of the skills that answered (see the agency card).
    pub topics: &'a [String],
    /// The handover, when a human advisor had the conversation.
    pub handover_id: &'a str,
}

impl<'a> Entry<'a> {
    pub fn citizen(text: &'a str) -> Self {
        Self {
            role: Role::Citizen,
            text,
            intent: "",
            agency_ids: &[],
            topics: &[],
            handover_id: "",
        }
    }

    /// An entry written during a handover, by the citizen or the advisor.
    pub fn in_handover(role: Role, text: &'a str, handover_id: &'a str) -> Self {
        Self {
            role,
            handover_id,
            ..Self::citizen(text)
        }
    }
}

/// A session that has ended, handed over for the retention rules.
#[derive(Debug, Clone)]
pub struct ClosedSession {
    pub id: String,
    pub language: String,
    pub transcript: Vec<TranscriptEntry>,
    pub topics: BTreeSet<String>,
    /// The revision the session store held of it (0: never saved).
    pub revision: i64,
}

#[derive(Debug)]
struct Session {
    language: String,
    last_active: SystemTime,
    transcript: Vec<TranscriptEntry>,
    topics: BTreeSet<String>,
    masked_kinds: BTreeSet<String>,
    /// The citizen's login token, if they logged in; never leaves the master.
    citizen_token: Option<String>,
    /// Answers in a row the assistant could not give (clarify, out of scope).
    not_understood_in_a_row: u32,
    /// The agencies of the latest answer that named any.
    last_agencies: Vec<String>,
    /// The choices of a clarifying question, until the next message.
    offered: Option<Box<OfferedChoices>>,
    /// Messages taken for an answer so far: a turn offers choices only if no
    /// newer message has come meanwhile.
    turns: u64,
    /// The revision last saved to (or read from) the session store; 0 if never.
    saved_revision: i64,
    /// The number of `transcript[0]`: entries are numbered from the session's
    /// first, so the store is written only what is new.
    first_seq: u64,
    /// Entries numbered below this are in the store.
    saved_seq: u64,
    /// Times entries were deleted from the transcript (a handover forgotten),
    /// and that count when the store last had the whole transcript replaced.
    deletions: u64,
    saved_deletions: u64,
    /// When this copy was last known to be the store's newest (saved or
    /// checked): within the save interval it is not asked again.
    verified_at: Option<std::time::Instant>,
}

/// A clarifying question's options: the (masked) question it was about, and
/// each option's label with the choice it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferedChoices {
    pub question: String,
    pub options: Vec<(String, Choice)>,
}

impl Session {
    /// No message and no login: nothing is lost if it makes room.
    fn never_used(&self) -> bool {
        self.transcript.is_empty() && self.citizen_token.is_none()
    }

    fn new(language: &str, now: SystemTime) -> Self {
        Self {
            language: language.to_string(),
            last_active: now,
            transcript: Vec::new(),
            topics: BTreeSet::new(),
            masked_kinds: BTreeSet::new(),
            citizen_token: None,
            not_understood_in_a_row: 0,
            last_agencies: Vec::new(),
            offered: None,
            turns: 0,
            saved_revision: 0,
            first_seq: 0,
            saved_seq: 0,
            deletions: 0,
            saved_deletions: 0,
            verified_at: None,
        }
    }

    fn closed(self, id: String) -> ClosedSession {
        ClosedSession {
            id,
            language: self.language,
            transcript: self.transcript,
            topics: self.topics,
            revision: self.saved_revision,
        }
    }

    fn view(&self, id: &str) -> ClosedSession {
        ClosedSession {
            id: id.to_string(),
            language: self.language.clone(),
            transcript: self.transcript.clone(),
            topics: self.topics.clone(),
            revision: self.saved_revision,
        }
    }

    /// The session as the store keeps it, at the next revision, with the
    /// transcript entries not yet saved (all of them after a deletion).
    fn saved(&self, id: &str) -> SavedSession {
        let replace = self.deletions != self.saved_deletions;
        let from_seq = if replace {
            self.first_seq
        } else {
            self.saved_seq.max(self.first_seq)
        };
        let skip = usize::try_from(from_seq - self.first_seq).unwrap_or(usize::MAX);
        let entries = self.transcript.iter().skip(skip).map(SavedEntry::from).collect();
        let offered = self.offered.as_deref().map(|offered| SavedChoices {
            question: offered.question.clone(),
            options: offered
                .options
                .iter()
                .map(|(label, choice)| SavedOption {
                    label: label.clone(),
                    choice: choice.into(),
                })
                .collect(),
        });
        SavedSession {
            id: id.to_string(),
            revision: self.saved_revision + 1,
            last_active_ms: unix_ms(self.last_active),
            state: SavedState {
                language: self.language.clone(),
                first_seq: self.first_seq,
                topics: self.topics.clone(),
                masked_kinds: self.masked_kinds.clone(),
                not_understood_in_a_row: self.not_understood_in_a_row,
                last_agencies: self.last_agencies.clone(),
                offered,
                turns: self.turns,
            },
            transcript: SavedTranscript {
                from_seq,
                entries,
                replace,
            },
        }
    }

    /// A session as the store kept it (without a login: that never leaves a process).
    fn from_saved(saved: SavedSession) -> Self {
        let state = saved.state;
        let transcript: Vec<TranscriptEntry> = saved
            .transcript
            .entries
            .into_iter()
            .map(TranscriptEntry::from)
            .collect();
        let first_seq = saved.transcript.from_seq;
        let saved_seq = first_seq + transcript.len() as u64;
        let offered = state.offered.map(|offered| {
            Box::new(OfferedChoices {
                question: offered.question,
                options: offered
                    .options
                    .into_iter()
                    .map(|option| (option.label, option.choice.into()))
                    .collect(),
            })
        });
        Self {
            language: state.language,
            last_active: SystemTime::UNIX_EPOCH
                + Duration::from_millis(u64::try_from(saved.last_active_ms).unwrap_or_default()),
            transcript,
            topics: state.topics,
            masked_kinds: state.masked_kinds,
            citizen_token: None,
            not_understood_in_a_row: state.not_understood_in_a_row,
            last_agencies: state.last_agencies,
            offered,
            turns: state.turns,
            saved_revision: saved.revision,
            first_seq,
            saved_seq,
            deletions: 0,
            saved_deletions: 0,
            verified_at: Some(std::time::Instant::now()),
        }
    }
}

/// Milliseconds since the Unix epoch (0 before it).
pub fn unix_ms(at: SystemTime) -> i64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map(|since| i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// Changes not yet handed to the save task.
#[derive(Debug, Default)]
struct Unsaved {
    changed: HashSet<String>,
    /// Ended sessions and the revision they were last saved at.
    ended: HashMap<String, i64>,
    /// Ended sessions whose end is not yet written: not to be taken in
    /// again from the store meanwhile.
    gone: HashSet<String>,
}

/// The open sessions.
#[derive(Debug)]
pub struct Sessions {
    sessions: Mutex<HashMap<String, Session>>,
    /// Session ids in the order they started, for finding the oldest one never
    /// used when the store is full. Ids of sessions used or ended since are
    /// skipped when met; locked only while `sessions` is.
    unused: Mutex<VecDeque<String>>,
    idle_timeout: Duration,
    max_sessions: usize,
    clock: Arc<dyn Clock>,
    /// With a session store: what changed since the last save. Locked after
    /// `sessions` is released, never while it is held.
    unsaved: Option<Mutex<Unsaved>>,
}

/// A session opened, and the unused session it pushed out, if the store was full.
#[derive(Debug)]
pub struct Started {
    pub id: String,
    pub evicted: Option<ClosedSession>,
}

impl Sessions {
    pub fn new(idle_timeout: Duration, max_sessions: usize, clock: Arc<dyn Clock>) -> Self {
        Self {
            sessions: Mutex::new(HashMap::new()),
            unused: Mutex::new(VecDeque::new()),
            idle_timeout,
            max_sessions,
            clock,
            unsaved: None,
        }
    }

    /// Sessions whose changes are noted for a session store's save task.
    pub fn saved_to_a_store(idle_timeout: Duration, max_sessions: usize, clock: Arc<dyn Clock>) -> Self {
        Self {
            unsaved: Some(Mutex::new(Unsaved::default())),
            ..Self::new(idle_timeout, max_sessions, clock)
        }
    }

    fn unsaved(&self) -> Option<std::sync::MutexGuard<'_, Unsaved>> {
        self.unsaved
            .as_ref()
            .map(|unsaved| unsaved.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Notes that session `id` changed. Called after the change, with
    /// `sessions` released: the save task reads the session after taking the
    /// note, so it sees the change.
    fn changed(&self, id: &str) {
        if let Some(mut unsaved) = self.unsaved()
            && !unsaved.changed.contains(id)
        {
            unsaved.changed.insert(id.to_string());
        }
    }

    fn ended(&self, id: &str, revision: i64) {
        if let Some(mut unsaved) = self.unsaved() {
            unsaved.changed.remove(id);
            unsaved.ended.insert(id.to_string(), revision);
            unsaved.gone.insert(id.to_string());
        }
    }

    /// Takes session `id` out of the store at the next save, unless another
    /// master has saved it since `revision` (for a session closed here while
    /// the store could not be asked).
    pub fn end_later(&self, id: &str, revision: i64) {
        self.ended(id, revision);
    }

    /// The changes since the last call, for the session store: each changed
    /// session at its next revision, and each ended one.
    pub fn take_unsaved(&self) -> Vec<Change> {
        let Some((changed, ended)) = self
            .unsaved()
            .map(|mut unsaved| (std::mem::take(&mut unsaved.changed), std::mem::take(&mut unsaved.ended)))
        else {
            return Vec::new();
        };
        let mut changes: Vec<Change> = ended
            .into_iter()
            .map(|(id, revision)| Change::End { id, revision })
            .collect();
        let sessions = self.lock();
        changes.extend(changed.iter().filter_map(|id| {
            let session = sessions.get(id)?;
            Some(Change::Save {
                session: Box::new(session.saved(id)),
                expected: session.saved_revision,
                deletions: session.deletions,
            })
        }));
        changes
    }

    /// What became of changes from [`Self::take_unsaved`]: a written save
    /// becomes the session's revision; a stale copy (another master saved the
    /// session since) is dropped, so its next message reads the newer one.
    /// Returns how many were stale.
    pub fn note_saved(&self, changes: &[Change], outcomes: &[Outcome]) -> usize {
        let mut sessions = self.lock();
        let mut stale = 0;
        // Saved while they were being ended here: their end must cover that save.
        let mut saved_after_end: Vec<(&str, i64)> = Vec::new();
        let mut ends_written: Vec<&str> = Vec::new();
        for (change, outcome) in changes.iter().zip(outcomes) {
            let (saved, deletions, expected) = match change {
                Change::Save {
                    session,
                    deletions,
                    expected,
                } => (session, deletions, expected),
                Change::End { id, .. } => {
                    ends_written.push(id);
                    continue;
                }
            };
            match outcome {
                Outcome::Written => {
                    if !sessions.contains_key(&saved.id) {
                        saved_after_end.push((&saved.id, saved.revision));
                    }
                    if let Some(session) = sessions.get_mut(&saved.id) {
                        session.saved_revision = session.saved_revision.max(saved.revision);
                        session.verified_at = Some(std::time::Instant::now());
                        let through = saved.transcript.from_seq + saved.transcript.entries.len() as u64;
                        if saved.transcript.replace {
                            session.saved_seq = through;
                            session.saved_deletions = *deletions;
                        } else {
                            session.saved_seq = session.saved_seq.max(through);
                        }
                    }
                }
                Outcome::Conflict => {
                    stale += 1;
                    // Only the copy that was refused: one taken in from the
                    // store meanwhile (a newer revision) stays.
                    if sessions.get(&saved.id).is_some_and(|s| s.saved_revision == *expected) {
                        sessions.remove(&saved.id);
                    }
                }
            }
        }
        drop(sessions);
        if let Some(mut unsaved) = self.unsaved() {
            for (id, revision) in saved_after_end {
                if let Some(end) = unsaved.ended.get_mut(id) {
                    *end = (*end).max(revision);
                }
            }
            for id in ends_written {
                if !unsaved.ended.contains_key(id) {
                    unsaved.gone.remove(id);
                }
            }
        }
        stale
    }

    /// Changes that could not be written are noted again, for the next save.
    pub fn not_saved(&self, changes: Vec<Change>) {
        let Some(mut unsaved) = self.unsaved() else {
            return;
        };
        for change in changes {
            match change {
                Change::Save { session, .. } => {
                    if !unsaved.ended.contains_key(&session.id) {
                        unsaved.changed.insert(session.id.clone());
                    }
                }
                Change::End { id, revision } => {
                    unsaved.ended.entry(id).or_insert(revision);
                }
            }
        }
    }

    /// The revision held of session `id` (0: not saved yet), if it is held
    /// here and was not known to be the store's newest within `fresh_for`;
    /// `Some(None)` when it was (no need to ask the store).
    pub fn held_revision(&self, id: &str, fresh_for: Duration) -> Option<Option<i64>> {
        self.lock().get(id).map(|session| {
            let fresh = session.verified_at.is_some_and(|at| at.elapsed() < fresh_for);
            (!fresh).then_some(session.saved_revision)
        })
    }

    /// Notes that the copy held of session `id` is the store's newest.
    pub fn verified(&self, id: &str) {
        if let Some(session) = self.lock().get_mut(id) {
            session.verified_at = Some(std::time::Instant::now());
        }
    }

    /// Takes in a session as the store kept it (after a restart, or from
    /// another master), replacing an older copy held here (whose login stays).
    /// False if it is idle, ended here and not yet taken out of the store, or
    /// not newer than the copy held.
    pub fn restore(&self, saved: SavedSession) -> bool {
        if self.unsaved().is_some_and(|unsaved| unsaved.gone.contains(&saved.id)) {
            return false;
        }
        let mut session = Session::from_saved(saved.clone());
        if self.is_idle(&session, self.clock.now()) {
            return false;
        }
        let mut sessions = self.lock();
        if let Some(held) = sessions.get(&saved.id) {
            if held.saved_revision >= saved.revision {
                return false;
            }
            session.citizen_token = held.citizen_token.clone();
        }
        sessions.insert(saved.id, session);
        true
    }

    /// Forgets a copy held here that the store no longer has (another master
    /// ended it).
    pub fn forget(&self, id: &str) {
        self.lock().remove(id);
    }

    /// True when `id` is held here.
    pub fn holds(&self, id: &str) -> bool {
        self.lock().contains_key(id)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock cannot leave a session half-written
        // (every update is a single push or insert), so a poisoned map is still sound.
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn is_idle(&self, session: &Session, now: SystemTime) -> bool {
        now.duration_since(session.last_active).unwrap_or_default() >= self.idle_timeout
    }

    /// Opens a session. When the store is full, the oldest session that was
    /// never used (no message, no login) makes room, so a flood of new
    /// sessions cannot lock out citizens who are talking; RESOURCE_EXHAUSTED
    /// only when every session is in use (idle ones are closed by
    /// [`Self::close_idle`], so their transcripts get their retention).
    pub fn start(&self, language: &str) -> Result<Started, Error> {
        let mut sessions = self.lock();
        let mut unused = self.unused.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = self.clock.now();
        let mut evicted = None;
        if sessions.len() >= self.max_sessions {
            while let Some(candidate) = unused.pop_front() {
                let never_used = sessions.get(&candidate).is_some_and(Session::never_used);
                if never_used && let Some(session) = sessions.remove(&candidate) {
                    evicted = Some(session.closed(candidate));
                    break;
                }
            }
            // Nothing to push out: idle sessions wait for `close_idle`, and
            // meanwhile count for half (counted only here, not on every start).
            if evicted.is_none() {
                let active = sessions.values().filter(|s| !self.is_idle(s, now)).count();
                if active >= self.max_sessions || sessions.len() >= self.max_sessions.saturating_mul(2) {
                    return Err(Error::TooManySessions);
                }
            }
        }
        // Ids of sessions used or ended since pile up; drop them now and then.
        if unused.len() > self.max_sessions.saturating_mul(2).max(64) {
            unused.retain(|id| sessions.get(id).is_some_and(Session::never_used));
        }
        let id = uuid::Uuid::new_v4().to_string();
        unused.push_back(id.clone());
        sessions.insert(id.clone(), Session::new(language, now));
        drop(unused);
        drop(sessions);
        if let Some(evicted) = &evicted {
            self.ended(&evicted.id, evicted.revision);
        }
        self.changed(&id);
        Ok(Started { id, evicted })
    }

    /// The session's language, marking it active; NOT_FOUND if it is unknown
    /// or idle (an idle session waits for [`Self::close_idle`]).
    pub fn touch(&self, id: &str) -> Result<String, Error> {
        let mut sessions = self.lock();
        let now = self.clock.now();
        let language = match sessions.get_mut(id) {
            Some(session) if !self.is_idle(session, now) => {
                session.last_active = now;
                session.language.clone()
            }
            _ => return Err(Error::UnknownSession),
        };
        // Not noted for the store by itself: a read on another master must not
        // write over this one's answer. Every message records, and that saves
        // the time too; a followed handover is kept open by `keep_open`.
        Ok(language)
    }

    /// Appends to the transcript of a session (ignored if it has ended
    /// meanwhile) and returns the entry's time.
    pub fn record(&self, id: &str, entry: Entry<'_>) -> String {
        let at = rfc3339(self.clock.now());
        if let Some(session) = self.lock().get_mut(id) {
            if session.transcript.len() >= MAX_TRANSCRIPT_ENTRIES {
                session.transcript.remove(0);
                session.first_seq += 1;
            }
            session.transcript.push(TranscriptEntry {
                role: entry.role.as_str().to_string(),
                text: entry.text.to_string(),
                at: at.clone(),
                intent: entry.intent.to_string(),
                agency_ids: entry.agency_ids.to_vec(),
                handover_id: entry.handover_id.to_string(),
            });
            session.topics.extend(entry.topics.iter().cloned());
            if entry.role == Role::Assistant && !entry.agency_ids.is_empty() {
                session.last_agencies = entry.agency_ids.to_vec();
            }
        } else {
            return at;
        }
        self.changed(id);
        at
    }

    /// Marks a session active even if it has just gone idle (it is not
    /// closed until the purge job runs): for citizens who are following a
    /// handover without writing.
    pub fn keep_open(&self, id: &str) {
        let now = self.clock.now();
        if let Some(session) = self.lock().get_mut(id) {
            session.last_active = now;
        } else {
            return;
        }
        self.changed(id);
    }

    /// Notes whether the assistant understood the latest message and returns
    /// how many in a row it has not.
    pub fn note_understood(&self, id: &str, understood: bool) -> u32 {
        let in_a_row = {
            let mut sessions = self.lock();
            let Some(session) = sessions.get_mut(id) else {
                return 0;
            };
            session.not_understood_in_a_row = if understood {
                0
            } else {
                session.not_understood_in_a_row.saturating_add(1)
            };
            session.not_understood_in_a_row
        };
        self.changed(id);
        in_a_row
    }

    /// Remembers a clarifying question's options until the next message,
    /// unless a message newer than turn `turn` (from [`Self::take_choice`]) has come.
    pub fn offer_choices(&self, id: &str, turn: u64, offered: OfferedChoices) {
        if let Some(session) = self.lock().get_mut(id)
            && session.turns == turn
        {
            session.offered = Some(Box::new(offered));
        } else {
            return;
        }
        self.changed(id);
    }

    /// Starts a turn for the message `text`: the choice it makes among the
    /// options offered (as [`Self::choice_for`]), which are forgotten in the
    /// same step, and the turn's number for [`Self::offer_choices`].
    pub fn take_choice(&self, id: &str, text: &str) -> (Option<(String, Choice)>, u64) {
        let (offered, turns) = {
            let mut sessions = self.lock();
            let Some(session) = sessions.get_mut(id) else {
                return (None, 0);
            };
            session.turns += 1;
            (session.offered.take(), session.turns)
        };
        self.changed(id);
        let text = text.trim().to_lowercase();
        let chosen = offered.and_then(|offered| {
            let (_, choice) = offered
                .options
                .into_iter()
                .find(|(label, _)| label.trim().to_lowercase() == text)?;
            Some((offered.question, choice))
        });
        (chosen, turns)
    }

    /// For the message after a clarifying question: when `text` is one of its
    /// options (a button's label, or typed the same), the question it was about
    /// and the choice made.
    pub fn choice_for(&self, id: &str, text: &str) -> Option<(String, Choice)> {
        let sessions = self.lock();
        let offered = sessions.get(id)?.offered.as_deref()?;
        let text = text.trim().to_lowercase();
        let (_, choice) = offered
            .options
            .iter()
            .find(|(label, _)| label.trim().to_lowercase() == text)?;
        Some((offered.question.clone(), choice.clone()))
    }

    /// Forgets a clarifying question's options: the next message has come.
    pub fn forget_choices(&self, id: &str) {
        if let Some(session) = self.lock().get_mut(id) {
            session.offered = None;
        } else {
            return;
        }
        self.changed(id);
    }

    /// The agencies of the latest answer that named any.
    pub fn last_agencies(&self, id: &str) -> Vec<String> {
        self.lock().get(id).map(|s| s.last_agencies.clone()).unwrap_or_default()
    }

    /// Deletes the entries written during a handover; returns how many.
    pub fn forget_handover(&self, id: &str, handover_id: &str) -> usize {
        let forgotten = {
            let mut sessions = self.lock();
            let Some(session) = sessions.get_mut(id) else {
                return 0;
            };
            let before = session.transcript.len();
            session.transcript.retain(|entry| entry.handover_id != handover_id);
            let forgotten = before - session.transcript.len();
            if forgotten > 0 {
                session.deletions += 1;
            }
            forgotten
        };
        self.changed(id);
        forgotten
    }

    /// True while the session exists, without marking it active.
    pub fn exists(&self, id: &str) -> bool {
        self.lock().contains_key(id)
    }

    /// The topic classes the conversation has touched, without marking it
    /// active or copying its transcript; None once it ended.
    pub fn topics(&self, id: &str) -> Option<BTreeSet<String>> {
        self.lock().get(id).map(|session| session.topics.clone())
    }

    /// The transcript and topics without marking the session active (for
    /// the advisors' view of a waiting conversation); None once it ended.
    pub fn peek(&self, id: &str) -> Option<ClosedSession> {
        self.lock().get(id).map(|session| session.view(id))
    }

    /// Keeps the citizen's login token with the session.
    pub fn log_in(&self, id: &str, citizen_token: String) {
        if let Some(session) = self.lock().get_mut(id) {
            session.citizen_token = Some(citizen_token);
        }
    }

    /// The citizen's login token, if they logged in.
    pub fn citizen_token(&self, id: &str) -> Option<String> {
        self.lock().get(id).and_then(|s| s.citizen_token.clone())
    }

    /// Notes the kinds of personal data masked in a message and returns those
    /// masked for the first time in this session.
    pub fn note_masked(&self, id: &str, kinds: &[String]) -> Vec<String> {
        let new: Vec<String> = {
            let mut sessions = self.lock();
            let Some(session) = sessions.get_mut(id) else {
                return Vec::new();
            };
            kinds
                .iter()
                .filter(|kind| session.masked_kinds.insert((*kind).clone()))
                .cloned()
                .collect()
        };
        if !new.is_empty() {
            self.changed(id);
        }
        new
    }

    /// The transcript so far, the session language and the topics touched.
    pub fn transcript(&self, id: &str) -> Result<ClosedSession, Error> {
        self.touch(id)?;
        let sessions = self.lock();
        let session = sessions.get(id).ok_or(Error::UnknownSession)?;
        Ok(session.view(id))
    }

    /// Ends a session and hands back what it held.
    pub fn end(&self, id: &str) -> Result<ClosedSession, Error> {
        let mut sessions = self.lock();
        let now = self.clock.now();
        match sessions.remove(id) {
            Some(session) if !self.is_idle(&session, now) => {
                drop(sessions);
                let closed = session.closed(id.to_string());
                self.ended(id, closed.revision);
                Ok(closed)
            }
            Some(session) => {
                // Idle already: put it back for the purge job to close with its reason.
                sessions.insert(id.to_string(), session);
                Err(Error::UnknownSession)
            }
            None => Err(Error::UnknownSession),
        }
    }

    /// Closes every idle session held here and hands back what they held.
    /// With a session store, the caller takes each out of the store too
    /// ([`crate::sessions::durable::SessionStore::claim`]): another master
    /// may have saved it since.
    pub fn close_idle(&self) -> Vec<ClosedSession> {
        let now = self.clock.now();
        let mut sessions = self.lock();
        let idle: Vec<String> = sessions
            .iter()
            .filter(|(_, s)| self.is_idle(s, now))
            .map(|(id, _)| id.clone())
            .collect();
        idle.into_iter()
            .filter_map(|id| sessions.remove(&id).map(|session| session.closed(id)))
            .collect()
    }

    /// Sessions not yet closed (idle ones included until the purge job runs).
    pub fn open_count(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use veiviser_runtime::clock::ManualClock;

    use super::*;

    fn sessions(idle: Duration, max: usize) -> (Sessions, ManualClock) {
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_521_600));
        (Sessions::new(idle, max, Arc::new(clock.clone())), clock)
    }

    #[test]
    fn a_pick_among_offered_choices_is_found_until_they_are_forgotten() {
        let (sessions, _) = sessions(Duration::from_secs(60), 10);
        let id = sessions.start("nb").expect("room").id;
        let offered = OfferedChoices {
            question: "hva med skatten av pensjonen".into(),
            options: vec![
                ("Pensjon (NAV)".into(), Choice::Agency("nav".into())),
                ("Skatt (Skatteetaten)".into(), Choice::Agency("skatteetaten".into())),
            ],
        };
        let (_, turn) = sessions.take_choice(&id, "hva med skatten av pensjonen");
        sessions.offer_choices(&id, turn, offered.clone());
        let pick = Some((offered.question.clone(), Choice::Agency("skatteetaten".into())));
        assert_eq!(sessions.choice_for(&id, "  skatt (skatteetaten) "), pick);
        assert_eq!(sessions.choice_for(&id, "noe helt annet"), None);
        let (taken, next) = sessions.take_choice(&id, "Skatt (Skatteetaten)");
        assert_eq!((taken, next), (pick, turn + 1));
        assert_eq!(sessions.take_choice(&id, "Pensjon (NAV)").0, None, "taken once");
        // A turn that ends after a newer message came offers nothing.
        sessions.offer_choices(&id, turn, offered.clone());
        assert_eq!(sessions.choice_for(&id, "Pensjon (NAV)"), None, "too late");
        sessions.offer_choices(&id, turn + 2, offered);
        sessions.forget_choices(&id);
        assert_eq!(sessions.choice_for(&id, "Pensjon (NAV)"), None, "forgotten");
    }

    #[test]
    fn ended_and_idle_sessions_are_unknown() {
        let (sessions, clock) = sessions(Duration::from_secs(60), 10);
        let id = sessions.start("nb").expect("room").id;
        assert_eq!(sessions.touch(&id).expect("open"), "nb");
        sessions.end(&id).expect("open");
        assert!(matches!(sessions.touch(&id), Err(Error::UnknownSession)));

        let id = sessions.start("en").expect("room").id;
        clock.advance(Duration::from_secs(59));
        assert_eq!(sessions.touch(&id).expect("still open"), "en");
        clock.advance(Duration::from_secs(60));
        assert!(matches!(sessions.touch(&id), Err(Error::UnknownSession)));
        assert!(matches!(sessions.end(&id), Err(Error::UnknownSession)));
        assert_eq!(sessions.close_idle().len(), 1);
        assert_eq!(sessions.open_count(), 0);
    }

    #[test]
    fn refuses_sessions_past_the_limit_until_idle_ones_are_counted_out() {
        let (sessions, clock) = sessions(Duration::from_secs(60), 2);
        for _ in 0..2 {
            let id = sessions.start("nb").expect("room").id;
            sessions.record(&id, Entry::citizen("hei"));
        }
        assert!(matches!(sessions.start("nb"), Err(Error::TooManySessions)));
        clock.advance(Duration::from_secs(61));
        sessions.start("nb").expect("room once the others are idle");
        assert_eq!(sessions.close_idle().len(), 2);
        assert_eq!(sessions.open_count(), 1);
    }

    /// One client opens sessions without end: each pushes out the oldest one
    /// never used, while a citizen who is talking, or logged in, keeps theirs.
    #[test]
    fn a_flood_of_new_sessions_pushes_out_unused_ones_only() {
        let (sessions, _) = sessions(Duration::from_secs(60), 100);
        let talking = sessions.start("nb").expect("room").id;
        sessions.record(&talking, Entry::citizen("hvordan søker jeg gravferdsstønad"));
        let logged_in = sessions.start("nb").expect("room").id;
        sessions.log_in(&logged_in, "token".into());
        let mut evicted = 0;
        for _ in 0..10_000 {
            let started = sessions.start("nb").expect("a new citizen is always served");
            evicted += usize::from(started.evicted.is_some());
        }
        assert_eq!(sessions.open_count(), 100);
        assert_eq!(evicted, 10_000 - 98);
        assert_eq!(sessions.touch(&talking).expect("still open"), "nb");
        assert!(sessions.touch(&logged_in).is_ok());
        // The queue of unused ids stays bounded too.
        assert!(sessions.unused.lock().expect("lock").len() <= 2 * 100 + 1);
    }

    /// With a store, a save carries only the entries added since the last
    /// one, and the whole transcript after entries were deleted.
    #[test]
    fn saves_carry_new_entries_only_until_some_are_deleted() {
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_521_600));
        let sessions = Sessions::saved_to_a_store(Duration::from_secs(60), 10, Arc::new(clock));
        let id = sessions.start("nb").expect("room").id;
        let transcript_of = |changes: &[Change]| match changes {
            [Change::Save { session, .. }] => {
                let texts: Vec<String> = session.transcript.entries.iter().map(|e| e.text.clone()).collect();
                (session.transcript.from_seq, texts, session.transcript.replace)
            }
            other => panic!("one save expected: {other:?}"),
        };
        sessions.record(&id, Entry::citizen("en"));
        sessions.record(&id, Entry::in_handover(Role::Citizen, "to", "h1"));
        let changes = sessions.take_unsaved();
        assert_eq!(transcript_of(&changes), (0, vec!["en".into(), "to".into()], false));
        sessions.note_saved(&changes, &[Outcome::Written]);
        sessions.record(&id, Entry::citizen("tre"));
        let changes = sessions.take_unsaved();
        assert_eq!(transcript_of(&changes), (2, vec!["tre".into()], false));
        // Not written: the next save carries it again.
        sessions.not_saved(changes);
        let changes = sessions.take_unsaved();
        assert_eq!(transcript_of(&changes), (2, vec!["tre".into()], false));
        sessions.note_saved(&changes, &[Outcome::Written]);
        sessions.forget_handover(&id, "h1");
        let changes = sessions.take_unsaved();
        assert_eq!(transcript_of(&changes), (0, vec!["en".into(), "tre".into()], true));
        sessions.note_saved(&changes, &[Outcome::Written]);
        sessions.record(&id, Entry::citizen("fire"));
        assert_eq!(transcript_of(&sessions.take_unsaved()), (2, vec!["fire".into()], false));
        // A stale copy (another master saved since) is dropped.
        sessions.record(&id, Entry::citizen("fem"));
        let changes = sessions.take_unsaved();
        assert_eq!(sessions.note_saved(&changes, &[Outcome::Conflict]), 1);
        assert!(!sessions.holds(&id));
    }

    /// A session ended here is not taken in again from the store before its
    /// end is written, and an end queued while a save was in flight covers
    /// that save's revision.
    #[test]
    fn an_ended_session_stays_ended_while_its_end_is_on_its_way() {
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_521_600));
        let sessions = Sessions::saved_to_a_store(Duration::from_secs(60), 10, Arc::new(clock));
        let id = sessions.start("nb").expect("room").id;
        sessions.record(&id, Entry::citizen("hei"));
        let in_flight = sessions.take_unsaved();
        let Some(Change::Save { session: saved, .. }) = in_flight.first() else {
            panic!("a save: {in_flight:?}");
        };
        let saved = (**saved).clone();
        // Ended while the save is being written: the end knows revision 0 only.
        sessions.end(&id).expect("open");
        sessions.note_saved(&in_flight, &[Outcome::Written]);
        assert!(!sessions.restore(saved.clone()), "not taken in again");
        let ends = sessions.take_unsaved();
        assert_eq!(
            ends,
            [Change::End {
                id: id.clone(),
                revision: saved.revision
            }],
            "the end covers the save that was in flight"
        );
        sessions.note_saved(&ends, &[Outcome::Written]);
        // Once written, the id is nobody's here any more (another master may start it again).
        assert!(sessions.restore(saved));
    }

    #[test]
    fn transcript_is_bounded_and_keeps_the_newest() {
        let (sessions, _) = sessions(Duration::from_secs(60), 10);
        let id = sessions.start("nb").expect("room").id;
        for n in 0..MAX_TRANSCRIPT_ENTRIES + 3 {
            sessions.record(&id, Entry::citizen(&n.to_string()));
        }
        let entries = sessions.transcript(&id).expect("open").transcript;
        assert_eq!(entries.len(), MAX_TRANSCRIPT_ENTRIES);
        assert_eq!(entries[0].text, "3");
        assert_eq!(entries.last().map(|e| e.text.as_str()), Some("402"));
    }

    #[test]
    fn transcript_keeps_entries_in_order_with_topics() {
        let (sessions, _) = sessions(Duration::from_secs(60), 10);
        let id = sessions.start("nn").expect("room").id;
        sessions.record(&id, Entry::citizen("spørsmål"));
        let nav = ["nav".to_string()];
        let topics = ["social-services".to_string()];
        sessions.record(
            &id,
            Entry {
                role: Role::Assistant,
                text: "svar",
                intent: "nav/sosialhjelp",
                agency_ids: &nav,
                topics: &topics,
                handover_id: "",
            },
        );
        let closed = sessions.end(&id).expect("open");
        assert_eq!(closed.language, "nn");
        let roles: Vec<&str> = closed.transcript.iter().map(|e| e.role.as_str()).collect();
        assert_eq!(roles, ["citizen", "assistant"]);
        assert_eq!(closed.transcript[1].agency_ids, ["nav"]);
        assert_eq!(closed.transcript[0].at, "2026-11-24T12:00:00Z");
        assert!(closed.topics.contains("social-services"));
    }

    #[test]
    fn handover_entries_can_be_forgotten_alone() {
        let (sessions, _) = sessions(Duration::from_secs(60), 10);
        let id = sessions.start("nb").expect("room").id;
        sessions.record(&id, Entry::citizen("før"));
        sessions.record(&id, Entry::in_handover(Role::Citizen, "til veileder", "h1"));
        sessions.record(&id, Entry::in_handover(Role::Advisor, "svar", "h1"));
        sessions.record(&id, Entry::in_handover(Role::Advisor, "annen", "h2"));
        assert_eq!(sessions.forget_handover(&id, "h1"), 2);
        let texts: Vec<String> = sessions
            .peek(&id)
            .expect("open")
            .transcript
            .into_iter()
            .map(|e| e.text)
            .collect();
        assert_eq!(texts, ["før", "annen"]);
    }

    #[test]
    fn counts_answers_not_understood_in_a_row() {
        let (sessions, _) = sessions(Duration::from_secs(60), 10);
        let id = sessions.start("nb").expect("room").id;
        assert_eq!(sessions.note_understood(&id, false), 1);
        assert_eq!(sessions.note_understood(&id, false), 2);
        assert_eq!(sessions.note_understood(&id, true), 0);
        assert_eq!(sessions.note_understood(&id, false), 1);
        assert_eq!(sessions.note_understood("unknown", false), 0);
    }

    #[test]
    fn masked_kinds_are_new_once_per_session() {
        let (sessions, _) = sessions(Duration::from_secs(60), 10);
        let id = sessions.start("nb").expect("room").id;
        let kinds = ["phone".to_string(), "email".to_string()];
        assert_eq!(sessions.note_masked(&id, &kinds[..1]), ["phone"]);
        assert_eq!(sessions.note_masked(&id, &kinds), ["email"]);
        assert!(sessions.note_masked(&id, &kinds).is_empty());
    }
}
