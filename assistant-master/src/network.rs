//! The master's live view of the agency network: one client per configured
//! agency address, each agency's card fetched at start and refreshed, and the
//! router retrained when the set of cards changes. An agency that is down at
//! start joins as soon as it answers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use tonic::transport::{Channel, Endpoint};
use tower::ServiceBuilder;
use tower::limit::ConcurrencyLimit;
use tower::load_shed::LoadShed;
use veiviser_proto::agency::v1::agency_assistant_client::AgencyAssistantClient;
use veiviser_proto::agency::v1::{AssistantCard, DescribeRequest};

use crate::config::MasterConfig;
use crate::content::MasterContent;
use crate::error::Error;
use crate::routing::Router;

/// The contract major version this master speaks.
const CONTRACT_MAJOR: &str = "1";

/// How many locally reset HTTP/2 streams a client remembers. A client resets
/// a stream when an answer completes before its own end-of-request frame is
/// flushed; frames that then arrive for a forgotten reset stream count toward
/// h2's limit of 1024 and close the connection. Remembering more keeps the
/// limit for misbehaving peers without tripping it in normal use.
pub const REMEMBERED_RESET_STREAMS: usize = 1024;

/// A client to one agency behind the master's tower stack.
pub type AgencyClient = AgencyAssistantClient<LoadShed<ConcurrencyLimit<Channel>>>;

/// One agency as the master sees it at a moment.
#[derive(Debug, Clone)]
pub struct Agency {
    pub address: String,
    pub client: AgencyClient,
    /// The last card fetched; kept while the agency is unreachable so the
    /// master can still route to it and say that it is down.
    pub card: Option<Arc<AssistantCard>>,
    pub reachable: bool,
}

impl Agency {
    pub fn id(&self) -> Option<&str> {
        self.card.as_deref().map(|c| c.agency_id.as_str())
    }
}

/// An immutable view of the network: agencies and the router trained on their cards.
#[derive(Debug)]
pub struct Snapshot {
    pub agencies: Vec<Agency>,
    pub router: Arc<Router>,
}

impl Snapshot {
    /// The agency with this id, if its card is known.
    pub fn agency(&self, id: &str) -> Option<&Agency> {
        self.agencies.iter().find(|a| a.id() == Some(id))
    }

    /// The card of agency `id`, once the master has it.
    pub fn card(&self, id: &str) -> Option<&AssistantCard> {
        self.agency(id).and_then(|agency| agency.card.as_deref())
    }

    /// Agencies with a card, in configuration order.
    pub fn known(&self) -> impl Iterator<Item = (&Agency, &AssistantCard)> {
        self.agencies.iter().filter_map(|a| a.card.as_deref().map(|c| (a, c)))
    }
}

/// The network: a watch channel of snapshots, updated by one refresh task per agency.
#[derive(Debug)]
pub struct Network {
    agencies: Mutex<Vec<Agency>>,
    content: Arc<MasterContent>,
    config: MasterConfig,
    snapshots: watch::Sender<Arc<Snapshot>>,
}

impl Network {
    /// Creates clients for every configured address. Connections are made
    /// lazily; nothing is fetched until [`Network::spawn_refresh`].
    pub fn new(config: &MasterConfig, content: Arc<MasterContent>) -> Result<Self, Error> {
        let agencies = config
            .agencies
            .iter()
            .map(|address| {
                Ok(Agency {
                    address: address.clone(),
                    client: client(address, config)?,
                    card: None,
                    reachable: false,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let router = Arc::new(Router::new(&[], &content, config.thresholds));
        let (snapshots, _) = watch::channel(Arc::new(Snapshot {
            agencies: agencies.clone(),
            router,
        }));
        Ok(Self {
            agencies: Mutex::new(agencies),
            content,
            config: config.clone(),
            snapshots,
        })
    }

    /// The current view.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshots.borrow().clone()
    }

    /// Notified with every new view (for readiness checks and tests).
    pub fn subscribe(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.snapshots.subscribe()
    }

    /// Starts one task per agency that fetches its card, then refreshes it
    /// periodically, retrying with backoff while it is unreachable. The tasks
    /// stop when the returned set is dropped.
    pub fn spawn_refresh(self: &Arc<Self>) -> JoinSet<()> {
        let mut tasks = JoinSet::new();
        let count = self.agencies.lock().map(|a| a.len()).unwrap_or(0);
        for index in 0..count {
            let network = Arc::clone(self);
            tasks.spawn(async move { network.refresh_loop(index).await });
        }
        tasks
    }

    async fn refresh_loop(&self, index: usize) {
        let mut backoff = self.config.retry_initial;
        loop {
            let Some(mut client) = self
                .agencies
                .lock()
                .ok()
                .and_then(|a| a.get(index).map(|a| a.client.clone()))
            else {
                return;
            };
            let mut request = tonic::Request::new(DescribeRequest {});
            request.set_timeout(self.config.agency_timeout);
            let fetched = tokio::time::timeout(self.config.agency_timeout, client.describe(request)).await;
            let wait = match fetched {
                Ok(Ok(card)) => {
                    self.update(index, Some(card.into_inner()));
                    backoff = self.config.retry_initial;
                    self.config.refresh_interval
                }
                Ok(Err(_)) | Err(_) => {
                    self.update(index, None);
                    let wait = backoff;
                    backoff = (backoff * 2).min(self.config.retry_max);
                    wait
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Records the outcome of one fetch and publishes a new view if anything changed.
    fn update(&self, index: usize, card: Option<AssistantCard>) {
        let Ok(mut agencies) = self.agencies.lock() else {
            return;
        };
        let Some(agency) = agencies.get_mut(index) else {
            return;
        };
        let address = agency.address.clone();
        let (cards_changed, reachability_changed) = match card {
            Some(card) if !speaks_contract(&card.contract_version) => {
                tracing::warn!(%address, agency = %card.agency_id, version = %card.contract_version, "agency speaks an unknown contract version; ignored");
                let was = agency.reachable;
                agency.reachable = false;
                (false, was)
            }
            Some(card) => {
                let changed = agency.card.as_deref().map(|c| &c.content_version) != Some(&card.content_version)
                    || agency.id() != Some(card.agency_id.as_str());
                let was = agency.reachable;
                if changed {
                    tracing::info!(%address, agency = %card.agency_id, skills = card.skills.len(), "agency card loaded");
                    agency.card = Some(Arc::new(card));
                }
                agency.reachable = true;
                if !was {
                    tracing::info!(%address, agency = agency.id().unwrap_or_default(), "agency reachable");
                }
                (changed, !was)
            }
            None => {
                let was = agency.reachable;
                agency.reachable = false;
                if was {
                    tracing::warn!(%address, agency = agency.id().unwrap_or_default(), "agency unreachable");
                }
                (false, was)
            }
        };
        if !cards_changed && !reachability_changed {
            return;
        }
        let router = if cards_changed {
            let cards: Vec<AssistantCard> = agencies.iter().filter_map(|a| a.card.as_deref().cloned()).collect();
            let router = Router::new(&cards, &self.content, self.config.thresholds);
            tracing::info!(
                agencies = cards.len(),
                examples = router.example_count(),
                "router retrained"
            );
            Arc::new(router)
        } else {
            self.snapshots.borrow().router.clone()
        };
        self.snapshots.send_replace(Arc::new(Snapshot {
            agencies: agencies.clone(),
            router,
        }));
    }
}

/// Whether a card's "major.minor" contract version is one this master speaks.
fn speaks_contract(version: &str) -> bool {
    version.split('.').next() == Some(CONTRACT_MAJOR)
}

/// A client for one agency address, behind the master's client stack.
fn client(address: &str, config: &MasterConfig) -> Result<AgencyClient, Error> {
    let mut endpoint = Endpoint::from_shared(address.to_string())
        .map_err(|e| Error::Config(format!("agency address \"{address}\": {e}")))?;
    if let Some(tls) = &config.agency_tls {
        // Mutual TLS: present the master's certificate, trust agencies signed by the CA.
        endpoint = endpoint
            .tls_config(tls.client())
            .map_err(|e| Error::Config(format!("agency TLS for \"{address}\": {e}")))?;
    }
    let channel = endpoint
        // Give up connecting quickly; the caller's deadline and the refresh loop decide what next.
        .connect_timeout(config.agency_timeout.min(Duration::from_secs(2)))
        // Notice a dead agency on an idle connection.
        .http2_keep_alive_interval(Duration::from_secs(30))
        // Small request frames go out at once.
        .tcp_nodelay(true)
        // Frames for streams this client reset are ignored, not counted as errors.
        .http2_max_concurrent_reset_streams(REMEMBERED_RESET_STREAMS)
        .connect_lazy();
    Ok(AgencyAssistantClient::new(
        ServiceBuilder::new()
            // Fail a call at once when the agency already has its limit of calls in flight,
            // rather than queueing behind a slow agency.
            .load_shed()
            // At most this many calls in flight to one agency.
            .concurrency_limit(config.agency_concurrency)
            .service(channel),
    ))
}
