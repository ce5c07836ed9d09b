//! Conversations that outlive a process: the session store's save task
//! (write-behind, one transaction a round), taking a session in from the store
//! before a request that names it, and deciding which master closes an idle
//! session (the one whose revision the store still holds, and for sessions no
//! master holds any more, the first to claim them).
//!
//! What a crash can lose: the changes of the last `session_save_interval`
//! (200 ms by default); a clean stop saves everything first. A citizen's
//! login stays in the process that received it, and a handover in progress
//! stays with the master that holds it.

use std::sync::Arc;
use std::time::Duration;

use veiviser_runtime::clock::Clock;

use crate::logs::Aggregated;
use crate::metrics::Metrics;
use crate::sessions::durable::SessionStore;
use crate::sessions::saved::SavedSession;
use crate::sessions::{ClosedSession, Sessions, unix_ms};

/// Idle sessions no master holds, closed at most this many a purge.
const ORPHANS_PER_PURGE: i64 = 500;

/// The link between the sessions held here and the session store.
#[derive(Debug)]
pub struct Continuity {
    store: SessionStore,
    sessions: Arc<Sessions>,
    metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
    idle_timeout: Duration,
    /// A copy known to be the store's newest this recently is not checked
    /// again (the save interval: the same window the write-behind leaves).
    recheck_after: Duration,
    /// Store failures come in floods when it is down: one line a second.
    warnings: Aggregated,
    /// Held by a save round from taking the changes to noting what was written,
    /// and by `resume` before it replaces or drops a held copy, so a save of
    /// this master's own that has just committed is never taken for another's.
    saving: tokio::sync::Mutex<()>,
}

impl Continuity {
    pub fn new(
        store: SessionStore,
        sessions: Arc<Sessions>,
        metrics: Arc<Metrics>,
        clock: Arc<dyn Clock>,
        idle_timeout: Duration,
        recheck_after: Duration,
    ) -> Self {
        Self {
            store,
            sessions,
            metrics,
            clock,
            idle_timeout,
            recheck_after,
            warnings: Aggregated::default(),
            saving: tokio::sync::Mutex::new(()),
        }
    }

    pub fn store(&self) -> &SessionStore {
        &self.store
    }

    fn count(&self, outcome: &str, n: u64) {
        if n > 0 {
            self.metrics
                .session_store
                .get_or_create(&crate::metrics::ReasonLabel { reason: outcome.into() })
                .inc_by(n);
        }
    }

    fn failed(&self, outcome: &'static str, error: &crate::error::Error) {
        self.count(outcome, 1);
        if let Some(count) = self.warnings.tick(outcome) {
            tracing::warn!(%error, outcome, count, "session store failed");
        }
    }

    /// Before a request that names session `id`: makes the copy held here the
    /// newest the store has. A session saved by another master, or before a
    /// restart, is taken in; a copy another master has ended is dropped. When
    /// the store cannot be read, the copy held here answers (counted, logged).
    pub async fn resume(&self, id: &str) {
        // Session ids are UUIDs: anything else is unknown without asking the store.
        if id.is_empty() || id.len() > 64 {
            return;
        }
        let held = match self.sessions.held_revision(id, self.recheck_after) {
            // Saved or checked just now: a conversation going on here costs no read.
            Some(None) => return,
            Some(Some(held)) => Some(held),
            None => None,
        };
        let stored = match self.store.revision(id).await {
            Ok(stored) => stored,
            Err(error) => return self.failed("read-failed", &error),
        };
        if let (Some(held), Some(stored)) = (held, stored)
            && held == stored
        {
            return self.sessions.verified(id);
        }
        // They differ: look again once no save round of this master's is half noted.
        let _saving = self.saving.lock().await;
        let held = self.sessions.held_revision(id, Duration::ZERO).flatten();
        let stored = match self.store.revision(id).await {
            Ok(stored) => stored,
            Err(error) => return self.failed("read-failed", &error),
        };
        match (held, stored) {
            (Some(held), Some(stored)) if held == stored => self.sessions.verified(id),
            (Some(held), None) => {
                // Saved once and gone from the store: ended or closed elsewhere.
                if held > 0 {
                    self.sessions.forget(id);
                    self.count("ended-elsewhere", 1);
                }
            }
            (_, Some(_)) => match self.store.load(id).await {
                Ok(Some(saved)) => {
                    if self.sessions.restore(saved) {
                        self.count("restored", 1);
                    }
                }
                Ok(None) => self.sessions.forget(id),
                Err(error) => self.failed("read-failed", &error),
            },
            (None, None) => {}
        }
    }

    /// Writes what changed since the last save, in one transaction. Changes
    /// that could not be written are kept for the next round.
    pub async fn save(&self) {
        let _saving = self.saving.lock().await;
        let changes = self.sessions.take_unsaved();
        if changes.is_empty() {
            return;
        }
        match self.store.write(&changes).await {
            Ok(outcomes) => {
                let stale = self.sessions.note_saved(&changes, &outcomes);
                self.count("saved", (changes.len() - stale) as u64);
                self.count("stale", stale as u64);
            }
            Err(error) => {
                self.failed("write-failed", &error);
                self.sessions.not_saved(changes);
            }
        }
    }

    /// Saves every `every` until the task is dropped.
    pub fn spawn_saving(self: &Arc<Self>, every: Duration) -> tokio::task::JoinSet<()> {
        let mut tasks = tokio::task::JoinSet::new();
        let continuity = Arc::clone(self);
        tasks.spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                continuity.save().await;
            }
        });
        tasks
    }

    /// Of the idle sessions closed here, those this master closes for good
    /// (the store still holds the revision it saved, or never had them), and
    /// the idle sessions in the store that no master holds any more.
    pub async fn claim_idle(&self, idle: Vec<ClosedSession>) -> Vec<ClosedSession> {
        let mut closed = Vec::with_capacity(idle.len());
        for session in idle {
            let ours = if session.revision == 0 {
                // Never saved: nobody else can hold it, unless a save is on its way.
                match self.store.revision(&session.id).await {
                    Ok(stored) => stored.is_none(),
                    // The store cannot say: closed here, so its transcript is kept.
                    Err(_) => true,
                }
            } else {
                match self.store.claim(&session.id, session.revision).await {
                    Ok(claimed) => claimed,
                    Err(error) => {
                        // Closed here all the same (its transcript is not lost), and
                        // taken out of the store once it answers.
                        self.failed("write-failed", &error);
                        self.sessions.end_later(&session.id, session.revision);
                        true
                    }
                }
            };
            if ours {
                closed.push(session);
            } else {
                self.count("stale", 1);
            }
        }
        // Twice the idle timeout: a session kept open only by reads on its
        // master (which are not saved) is not closed from under it.
        let cutoff = unix_ms(self.clock.now()) - i64::try_from(self.idle_timeout.as_millis() * 2).unwrap_or(i64::MAX);
        let orphans = match self.store.idle(cutoff, ORPHANS_PER_PURGE).await {
            Ok(orphans) => orphans,
            Err(error) => {
                self.failed("read-failed", &error);
                return closed;
            }
        };
        for orphan in orphans {
            if self.sessions.holds(&orphan.id) {
                continue;
            }
            if let Ok(true) = self.store.claim(&orphan.id, orphan.revision).await {
                self.count("closed-orphan", 1);
                closed.push(closed_from(orphan));
            }
        }
        closed
    }
}

fn closed_from(saved: SavedSession) -> ClosedSession {
    ClosedSession {
        id: saved.id,
        language: saved.state.language,
        transcript: saved.transcript.entries.into_iter().map(Into::into).collect(),
        topics: saved.state.topics,
        revision: saved.revision,
    }
}
