//! The master as a running thing: its state ([`Master`]) and serving it on a
//! listener until shutdown.

use std::future::Future;
use std::hash::RandomState;
use std::sync::Arc;

use tokio::net::TcpListener;
use veiviser_agency_sdk::clock::rfc3339;
use veiviser_proto::master::v1::advisor_desk_server::AdvisorDeskServer;
use veiviser_proto::master::v1::citizen_assistant_server::CitizenAssistantServer;
use veiviser_proto::master::v1::{Retention as RetentionNotice, Transcript};

use crate::content::MasterContent;
use crate::desk::Desk;
use crate::desk_service::AdvisorDeskService;
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
    pub sessions: Arc<Sessions>,
    /// Conversations handed to human advisors.
    pub desk: Desk,
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
        let sessions = Arc::new(Sessions::new(
            config.session_idle_timeout,
            config.max_sessions,
            Arc::clone(&config.clock),
        ));
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
        Ok(Arc::new(Self {
            config,
            content,
            network,
            sessions,
            desk,
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
        self.desk.session_ended(&session.id);
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
        // A citizen waiting for or talking to an advisor is not idle.
        for session_id in self.desk.followed_sessions() {
            self.sessions.keep_open(&session_id);
        }
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

/// The master's HTTP listeners besides gRPC; each is off when `None`.
#[derive(Debug, Default)]
pub struct Endpoints {
    /// Operations: `/metrics` and `/healthz` ([`crate::admin`]). Keep it internal.
    pub admin: Option<TcpListener>,
    /// The citizen's web chat ([`crate::web`]).
    pub web: Option<TcpListener>,
}

/// Like [`serve`], with the HTTP endpoints on their own listeners.
pub async fn serve_with_endpoints(
    listener: TcpListener,
    endpoints: Endpoints,
    config: MasterConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    let master = Master::new(config)?;
    // The HTTP endpoints stop when shutdown begins (or when the gRPC server
    // stops for any other reason and the sender is dropped).
    let (stop_http, http_stopped) = tokio::sync::watch::channel(());
    let stopped = move || {
        let mut receiver = http_stopped.clone();
        async move {
            let _ = receiver.changed().await;
        }
    };
    let mut http = tokio::task::JoinSet::new();
    if let Some(admin) = endpoints.admin {
        tracing::info!(address = %admin.local_addr()?, "operations endpoint serving");
        http.spawn(crate::admin::serve(admin, Arc::clone(&master.metrics), stopped()));
    }
    if let Some(web) = endpoints.web {
        tracing::info!(address = %web.local_addr()?, "web chat serving");
        http.spawn(crate::web::serve(web, Arc::clone(&master), stopped()));
    }
    let shutdown = async move {
        shutdown.await;
        let _ = stop_http.send(());
    };
    let served = serve_master(listener, master, shutdown).await;
    while let Some(outcome) = http.join_next().await {
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(%error, "http endpoint failed"),
            Err(error) => tracing::error!(%error, "http endpoint panicked"),
        }
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
    if master.config.advisor_key.is_none() {
        tracing::warn!(
            "no advisor desk key: anyone who reaches the grpc port can act as an advisor; the advisor page is off"
        );
    }
    let (router, health) = veiviser_agency_sdk::server::router(
        &master.config.server,
        CitizenAssistantServer::new(CitizenService::new(Arc::clone(&master))),
        &[<AdvisorDeskServer<AdvisorDeskService> as tonic::server::NamedService>::NAME],
    )
    .await?;
    health.set_serving::<AdvisorDeskServer<AdvisorDeskService>>().await;
    let router = router.add_service(AdvisorDeskServer::new(AdvisorDeskService::new(Arc::clone(&master))));
    tracing::info!(%address, agencies = master.config.agencies.len(), "master assistant serving");
    let desk_master = Arc::clone(&master);
    let shutdown = async move {
        shutdown.await;
        // Advisors' and citizens' handover streams never end by themselves.
        desk_master.desk.shut_down();
    };
    veiviser_agency_sdk::server::serve_router(router, listener, shutdown).await?;
    tracing::info!("master assistant stopped");
    Ok(())
}
