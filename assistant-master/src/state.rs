//! The master's state ([`Master`]): configuration, content, the agency
//! network, sessions, the desk, metrics and the transcript archive, and the
//! session lifecycle that ties them together (closing, purging). No
//! transport lives here; `grpc` and `http` adapt it, `serve` runs it.

use std::hash::RandomState;
use std::sync::Arc;

use veiviser_proto::master::v1::{Retention as RetentionNotice, Transcript};
use veiviser_runtime::clock::rfc3339;

use crate::config::MasterConfig;
use crate::content::MasterContent;
use crate::dates::DayWords;
use crate::desk::Desk;
use crate::desk::keys::DeskKeys;
use crate::error::Error;
use crate::logs::Aggregated;

/// How long a question waits for a turn that is just ending before it is refused as busy.
const ADMISSION_GRACE: std::time::Duration = std::time::Duration::from_millis(5);
use crate::metrics::Metrics;
use crate::network::Network;
use crate::profiles::ProfileTokens;
use crate::sessions::continuity::Continuity;
use crate::sessions::durable::SessionStore;
use crate::sessions::export::TranscriptDocument;
use crate::sessions::retention::{Retention, TranscriptArchive};
use crate::sessions::starts::SessionStarts;
use crate::sessions::{CloseReason, ClosedSession, Sessions};

/// The master's state, shared by every request.
#[derive(Debug)]
pub struct Master {
    config: MasterConfig,
    content: Arc<MasterContent>,
    network: Arc<Network>,
    sessions: Arc<Sessions>,
    /// The session store that keeps open sessions across restarts and masters, when configured.
    continuity: Option<Arc<Continuity>>,
    /// Conversations handed to human advisors.
    desk: Desk,
    /// Wrong desk keys per client, shared by the gRPC desk and the advisor page.
    desk_keys: DeskKeys,
    /// New sessions per client, shared by gRPC and the web chat.
    session_starts: SessionStarts,
    /// One permit per turn being answered (`max_turns_in_flight`).
    turns: Arc<tokio::sync::Semaphore>,
    /// Warnings that come in floods, one line a second for each kind.
    warnings: Aggregated,
    /// The words for naming a day in every language of the content.
    day_words: DayWords,
    /// Random per process: the conversation ids agencies see cannot be linked
    /// across agencies or back to the session id.
    pseudonyms: RandomState,
    metrics: Arc<Metrics>,
    /// Ended transcripts waiting for deletion.
    archive: TranscriptArchive,
    /// Profile tokens per session and agency, when a trust service is configured.
    profiles: Option<ProfileTokens>,
}

/// What one run of the purge job did.
/// An ended session's transcript, archived: until when, and the token that
/// downloads it (given to the citizen once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptTranscript {
    pub until: std::time::SystemTime,
    pub download_token: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    pub idle_sessions_closed: usize,
    pub transcripts_deleted: usize,
}

impl Master {
    pub fn config(&self) -> &MasterConfig {
        &self.config
    }

    /// The master's own texts and intents, per language.
    pub fn content(&self) -> &Arc<MasterContent> {
        &self.content
    }

    /// The live view of the agencies and the router trained on their cards.
    pub fn network(&self) -> &Arc<Network> {
        &self.network
    }

    pub fn sessions(&self) -> &Arc<Sessions> {
        &self.sessions
    }

    /// Conversations handed to human advisors.
    pub fn desk_keys(&self) -> &DeskKeys {
        &self.desk_keys
    }

    pub fn session_starts(&self) -> &SessionStarts {
        &self.session_starts
    }

    /// The words for naming a day ("i går", month names), to read a date of death.
    pub fn day_words(&self) -> &DayWords {
        &self.day_words
    }

    /// Today in Norway, by the master's clock.
    pub fn today(&self) -> jiff::civil::Date {
        let now = jiff::Timestamp::try_from(self.config.clock.now()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let oslo = jiff::tz::TimeZone::get("Europe/Oslo").unwrap_or(jiff::tz::TimeZone::UTC);
        now.to_zoned_datetime(oslo).date()
    }

    /// Warnings that come in floods under load: see [`Aggregated`].
    pub fn warnings(&self) -> &Aggregated {
        &self.warnings
    }

    /// A permit to answer one question, if fewer than `max_turns_in_flight` are being answered.
    ///
    /// A turn that is just ending (its answer sent, its transcript being
    /// written) is waited for a moment, so a citizen who asks again at once
    /// is not refused for the turn that answered them.
    pub async fn admit_turn(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        if let Ok(permit) = Arc::clone(&self.turns).try_acquire_owned() {
            return Some(permit);
        }
        tokio::time::timeout(ADMISSION_GRACE, Arc::clone(&self.turns).acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
    }

    pub fn desk(&self) -> &Desk {
        &self.desk
    }

    /// The per-process key of the pseudonymous conversation ids agencies see.
    pub fn pseudonyms(&self) -> &RandomState {
        &self.pseudonyms
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Ended transcripts waiting for deletion.
    pub fn archive(&self) -> &TranscriptArchive {
        &self.archive
    }

    /// Profile tokens per session and agency, when a trust service is configured.
    pub fn profiles(&self) -> Option<&ProfileTokens> {
        self.profiles.as_ref()
    }

    /// The masker for citizen messages: the agencies' published phone numbers
    /// stay readable, everything else that looks like personal data is masked.
    pub fn masker(&self) -> veiviser_masking::Masker {
        let snapshot = self.network.snapshot();
        crate::text::door_masker(snapshot.known().map(|(_, card)| card))
    }

    /// Builds the master's state; opens (and creates) the session store when one is configured.
    pub async fn new(config: MasterConfig) -> Result<Arc<Self>, Error> {
        let content = Arc::new(match &config.content_dir {
            Some(dir) => MasterContent::from_dir(dir)?,
            None => MasterContent::embedded()?,
        });
        let network = Arc::new(Network::new(&config, Arc::clone(&content))?);
        let session_store = match &config.session_store {
            Some(url) => Some(SessionStore::open(url).await?),
            None => None,
        };
        let (idle, max, clock) = (
            config.session_idle_timeout,
            config.max_sessions,
            Arc::clone(&config.clock),
        );
        let sessions = Arc::new(match session_store {
            Some(_) => Sessions::saved_to_a_store(idle, max, Arc::clone(&clock)),
            None => Sessions::new(idle, max, Arc::clone(&clock)),
        });
        let metrics = Arc::new(Metrics::default());
        let continuity = session_store.map(|store| {
            Arc::new(Continuity::new(
                store,
                Arc::clone(&sessions),
                Arc::clone(&metrics),
                clock,
                config.session_idle_timeout,
                config.session_save_interval,
            ))
        });
        let desk = Desk::new(
            Arc::clone(&sessions),
            Arc::clone(&content),
            config.retention.clone(),
            Arc::clone(&config.clock),
        );
        let profiles = config
            .trust
            .as_ref()
            .map(|link| ProfileTokens::new(link, config.agency_timeout, Arc::clone(&config.clock)))
            .transpose()?;
        let archive = match &config.transcript_dir {
            Some(dir) => TranscriptArchive::open(dir)?,
            None => TranscriptArchive::in_memory(),
        };
        let desk_keys = DeskKeys::new(Arc::clone(&config.clock));
        let session_starts = SessionStarts::new(config.session_starts, Arc::clone(&config.clock));
        let turns = Arc::new(tokio::sync::Semaphore::new(config.max_turns_in_flight.max(1)));
        let day_words = DayWords::new(content.languages().map(|language| &language.texts));
        Ok(Arc::new(Self {
            desk_keys,
            session_starts,
            turns,
            warnings: Aggregated::default(),
            day_words,
            config,
            content,
            network,
            sessions,
            continuity,
            desk,
            pseudonyms: RandomState::new(),
            metrics,
            archive,
            profiles,
        }))
    }

    /// The retention a conversation about `topics` gets, as told to the citizen.
    pub fn retention_notice<'a>(&self, topics: impl IntoIterator<Item = &'a String>) -> RetentionNotice {
        match self.config.retention.for_topics(topics) {
            Retention::SessionOnly(topics) => RetentionNotice {
                deleted_at_session_end: true,
                kept_days: 0,
                topics,
            },
            Retention::Keep(_) => RetentionNotice {
                deleted_at_session_end: false,
                kept_days: self.config.retention.kept_days(),
                topics: Vec::new(),
            },
        }
    }

    /// The citizen-facing transcript of a session.
    pub fn transcript(&self, session_id: &str, session: &ClosedSession) -> Transcript {
        Transcript {
            session_id: session_id.to_string(),
            language: session.language.clone(),
            entries: session.transcript.clone(),
            retention: Some(self.retention_notice(&session.topics)),
        }
    }

    /// Applies the retention rules to a session that has ended: deleted now
    /// if it touched a session-only topic, archived otherwise. A session the
    /// citizen ended gets a download token for its archived transcript; the
    /// answer says until when it works (`None`: nobody may download it).
    pub fn close_session(&self, session: ClosedSession, reason: CloseReason) -> Option<KeptTranscript> {
        self.desk.session_ended(&session.id);
        if let Some(profiles) = &self.profiles {
            profiles.forget(&session.id);
        }
        let reason_label = match reason {
            CloseReason::Citizen => "citizen",
            CloseReason::Idle => "idle",
            CloseReason::Evicted => "evicted-unused",
        };
        Metrics::count(&self.metrics.sessions_ended, reason_label);
        self.metrics.sessions_open.set(self.sessions.open_count() as i64);
        let (outcome, kept) = match self.config.retention.for_topics(&session.topics) {
            Retention::SessionOnly(_) => ("deleted-session-only", None),
            Retention::Keep(_) if session.transcript.is_empty() => return None,
            Retention::Keep(keep_for) => {
                let now = self.config.clock.now();
                // Archived without the session id; only the citizen who ended it
                // gets a token to download it, kept here as a hash.
                let document = TranscriptDocument::new(&self.transcript("", &session), rfc3339(now));
                let token = (reason == CloseReason::Citizen).then(crate::sessions::retention::new_download_token);
                let key = token
                    .as_deref()
                    .map(crate::sessions::retention::download_key)
                    .unwrap_or_default();
                match self.archive.store(document, now + keep_for, key) {
                    Ok(()) => (
                        "archived",
                        token.map(|download_token| KeptTranscript {
                            until: now + keep_for,
                            download_token,
                        }),
                    ),
                    Err(error) => {
                        // Losing it deletes early, never late; the citizen could download it before.
                        tracing::error!(%error, "transcript could not be archived");
                        ("archive-failed", None)
                    }
                }
            }
        };
        tracing::info!(reason = reason_label, outcome, "session closed");
        Metrics::count(&self.metrics.transcripts, outcome);
        kept
    }

    /// The archived transcript the download token `token` (from the end of its
    /// session) gives, while it is kept. Reads a file: call it off the async threads.
    pub fn archived_transcript(&self, token: &str) -> Result<Option<TranscriptDocument>, Error> {
        let key = crate::sessions::retention::download_key(token);
        Ok(self
            .archive
            .fetch(&key, self.config.clock.now())?
            .map(|archived| archived.transcript))
    }

    /// The session store's link, when one is configured.
    pub fn continuity(&self) -> Option<&Arc<Continuity>> {
        self.continuity.as_ref()
    }

    /// Before a request that names a session: with a session store, takes in
    /// the newest saved copy (see [`Continuity::resume`]).
    pub async fn resume(&self, session_id: &str) {
        if let Some(continuity) = &self.continuity {
            continuity.resume(session_id).await;
        }
    }

    /// Writes every changed session to the session store now (at a clean stop).
    pub async fn save_sessions(&self) {
        if let Some(continuity) = &self.continuity {
            continuity.save().await;
        }
    }

    /// Closes idle sessions and deletes archived transcripts whose retention
    /// has run out. The purge job calls this every `purge_interval`. With a
    /// session store, an idle session is closed by the one master that claims
    /// it there, including sessions no master holds any more.
    pub async fn purge(self: &Arc<Self>) -> Result<PurgeReport, Error> {
        // A citizen waiting for or talking to an advisor is not idle.
        for session_id in self.desk.followed_sessions() {
            self.sessions.keep_open(&session_id);
        }
        let mut idle = self.sessions.close_idle();
        if let Some(continuity) = &self.continuity {
            idle = continuity.claim_idle(idle).await;
        }
        // Archiving and deleting touch files: off the async threads.
        let master = Arc::clone(self);
        tokio::task::spawn_blocking(move || master.purge_closed(idle))
            .await
            .map_err(|_| Error::Internal("the purge stopped".into()))?
    }

    fn purge_closed(&self, idle: Vec<ClosedSession>) -> Result<PurgeReport, Error> {
        let idle_sessions_closed = idle.len();
        for session in idle {
            let _ = self.close_session(session, CloseReason::Idle);
        }
        let transcripts_deleted = self.archive.purge(self.config.clock.now())?;
        self.metrics
            .transcripts
            .get_or_create(&crate::metrics::ReasonLabel {
                reason: "purged-expired".into(),
            })
            .inc_by(transcripts_deleted as u64);
        if idle_sessions_closed + transcripts_deleted > 0 {
            tracing::info!(idle_sessions_closed, transcripts_deleted, "purge ran");
        }
        Ok(PurgeReport {
            idle_sessions_closed,
            transcripts_deleted,
        })
    }

    /// Runs [`Self::purge`] every `purge_interval`, and with a session store
    /// the save task every `session_save_interval`, until dropped.
    pub(crate) fn spawn_purge(self: &Arc<Self>) -> tokio::task::JoinSet<()> {
        let mut tasks = match &self.continuity {
            Some(continuity) => continuity.spawn_saving(self.config.session_save_interval),
            None => tokio::task::JoinSet::new(),
        };
        let master = Arc::clone(self);
        tasks.spawn(async move {
            let mut every = tokio::time::interval(master.config.purge_interval);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                if let Err(error) = master.purge().await {
                    tracing::error!(%error, "purge failed");
                }
            }
        });
        tasks
    }
}
