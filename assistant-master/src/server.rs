//! The master as a running thing: its state ([`Master`]) and serving it on a
//! listener until shutdown.

use std::future::Future;
use std::hash::RandomState;
use std::sync::Arc;

use tokio::net::TcpListener;
use veiviser_agency_sdk::clock::rfc3339;
use veiviser_proto::master::v1::citizen_assistant_server::CitizenAssistantServer;
use veiviser_proto::master::v1::{Retention as RetentionNotice, Transcript};

use crate::content::MasterContent;
use crate::export::TranscriptDocument;
use crate::metrics::Metrics;
use crate::network::Network;
use crate::profiles::ProfileTokens;
use crate::retention::{Retention, TranscriptArchive};
use crate::service::CitizenService;
use crate::sessions::{ClosedSession, Sessions};
use crate::{Error, MasterConfig};

/// The master's state, shared by every request.
#[derive(Debug)]
pub struct Master {
    pub config: MasterConfig,
    pub content: Arc<MasterContent>,
    pub network: Arc<Network>,
    pub sessions: Sessions,
    /// Random per process: the conversation ids agencies see cannot be linked
    /// across agencies or back to the session id.
    pub pseudonyms: RandomState,
    pub metrics: Arc<Metrics>,
    /// Ended transcripts waiting for deletion.
    pub archive: TranscriptArchive,
    /// Profile tokens per session and agency, when a trust service is configured.
    pub profiles: Option<ProfileTokens>,
}

/// Why a session was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The citizen ended it.
    Citizen,
    /// It was idle past the timeout.
    Idle,
}

/// What one run of the purge job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeReport {
    pub idle_sessions_closed: usize,
    pub transcripts_deleted: usize,
}

impl Master {
    /// The masker for citizen messages: the agencies' published phone numbers
    /// stay readable, everything else that looks like personal data is masked.
    pub fn masker(&self) -> veiviser_masking::Masker {
        let snapshot = self.network.snapshot();
        veiviser_masking::Masker::default().allow_numbers(
            snapshot
                .known()
                .filter_map(|(_, card)| card.contact.as_ref().map(|c| c.phone.clone())),
        )
    }

    pub fn new(config: MasterConfig) -> Result<Arc<Self>, Error> {
        let content = Arc::new(match &config.content_dir {
            Some(dir) => MasterContent::from_dir(dir)?,
            None => MasterContent::embedded()?,
        });
        let network = Arc::new(Network::new(&config, Arc::clone(&content))?);
        let sessions = Sessions::new(
            config.session_idle_timeout,
            config.max_sessions,
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
        Ok(Arc::new(Self {
            config,
            content,
            network,
            sessions,
            pseudonyms: RandomState::new(),
            metrics: Arc::new(Metrics::default()),
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
    /// if it touched a session-only topic, archived otherwise.
    pub fn close_session(&self, session: ClosedSession, reason: CloseReason) {
        if let Some(profiles) = &self.profiles {
            profiles.forget(&session.id);
        }
        let reason_label = match reason {
            CloseReason::Citizen => "citizen",
            CloseReason::Idle => "idle",
        };
        Metrics::count(&self.metrics.sessions_ended, reason_label);
        self.metrics.sessions_open.set(self.sessions.open_count() as i64);
        let outcome = match self.config.retention.for_topics(&session.topics) {
            Retention::SessionOnly(_) => "deleted-session-only",
            Retention::Keep(_) if session.transcript.is_empty() => return,
            Retention::Keep(keep_for) => {
                let now = self.config.clock.now();
                let document = TranscriptDocument::new(&self.transcript("", &session), rfc3339(now));
                match self.archive.store(document, now + keep_for) {
                    Ok(()) => "archived",
                    Err(error) => {
                        // Losing it deletes early, never late; the citizen could download it before.
                        tracing::error!(%error, "transcript could not be archived");
                        "archive-failed"
                    }
                }
            }
        };
        tracing::info!(reason = reason_label, outcome, "session closed");
        Metrics::count(&self.metrics.transcripts, outcome);
    }

    /// Closes idle sessions and deletes archived transcripts whose retention
    /// has run out. The purge job calls this every `purge_interval`.
    pub fn purge(&self) -> Result<PurgeReport, Error> {
        let idle = self.sessions.close_idle();
        let idle_sessions_closed = idle.len();
        for session in idle {
            self.close_session(session, CloseReason::Idle);
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

    /// Runs [`Self::purge`] every `purge_interval` until dropped.
    fn spawn_purge(self: &Arc<Self>) -> tokio::task::JoinSet<()> {
        let mut tasks = tokio::task::JoinSet::new();
        let master = Arc::clone(self);
        tasks.spawn(async move {
            let mut every = tokio::time::interval(master.config.purge_interval);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                if let Err(error) = master.purge() {
                    tracing::error!(%error, "purge failed");
                }
            }
        });
        tasks
    }
}

/// Builds a master from `config` and serves it on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    config: MasterConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    serve_master(listener, Master::new(config)?, shutdown).await
}

/// Like [`serve`], with the operations endpoint ([`crate::admin`]) on a second listener.
pub async fn serve_with_admin(
    listener: TcpListener,
    admin: Option<TcpListener>,
    config: MasterConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    let master = Master::new(config)?;
    let Some(admin) = admin else {
        return serve_master(listener, master, shutdown).await;
    };
    let admin_address = admin.local_addr()?;
    let (stop_admin, admin_stopped) = tokio::sync::oneshot::channel::<()>();
    let admin_task = tokio::spawn(crate::admin::serve(admin, Arc::clone(&master.metrics), async {
        let _ = admin_stopped.await;
    }));
    tracing::info!(address = %admin_address, "operations endpoint serving");
    let served = serve_master(listener, master, shutdown).await;
    let _ = stop_admin.send(());
    match admin_task.await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::error!(%error, "operations endpoint failed"),
        Err(error) => tracing::error!(%error, "operations endpoint panicked"),
    }
    served
}

/// Serves an existing master (tests keep a handle to watch its network).
pub async fn serve_master(
    listener: TcpListener,
    master: Arc<Master>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    let address = listener.local_addr()?;
    // Dropping the sets at the end of this function stops the background tasks.
    let _refresh = master.network.spawn_refresh();
    let _purge = master.spawn_purge();
    let (router, _health) = veiviser_agency_sdk::server::router(
        &master.config.server,
        CitizenAssistantServer::new(CitizenService::new(Arc::clone(&master))),
    )
    .await?;
    tracing::info!(%address, agencies = master.config.agencies.len(), "master assistant serving");
    veiviser_agency_sdk::server::serve_router(router, listener, shutdown).await?;
    tracing::info!("master assistant stopped");
    Ok(())
}
