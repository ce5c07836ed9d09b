//! The master's live view of the agency network: one client per configured
//! agency address, each agency's card fetched at start and refreshed, checked
//! against the contract's card rules, and the router retrained when the set
//! of cards changes. An agency that is down at start joins as soon as it
//! answers; an agency whose card breaks a rule is out of routing until it
//! serves a sound one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use tonic::transport::{Channel, Endpoint};
use tower::ServiceBuilder;
use tower::limit::ConcurrencyLimit;
use tower::load_shed::LoadShed;
use veiviser_agency_sdk::contract::{self, MAX_CARD_BYTES, Violation};
use veiviser_proto::agency::v1::agency_assistant_client::AgencyAssistantClient;
use veiviser_proto::agency::v1::{AssistantCard, DescribeRequest};

use crate::config::MasterConfig;
use crate::content::MasterContent;
use crate::error::Error;
use crate::routing::Router;

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
    /// Why the agency is not serving: its card broke a rule (it is then out
    /// of routing), or its last `Describe` failed. `None` while all is well.
    pub problem: Option<Problem>,
}

/// What is wrong with an agency, as `veiviser agencies` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The card breaks a rule of the contract: refused, out of routing.
    Refused(Violation),
    /// `Describe` failed with this status.
    Unreachable(tonic::Code),
}

impl Problem {
    /// "refused" or "unreachable".
    pub fn state(self) -> &'static str {
        match self {
            Self::Refused(_) => "refused",
            Self::Unreachable(_) => "unreachable",
        }
    }

    /// A sentence for operators: the rule broken, or the status received.
    pub fn reason(self) -> String {
        match self {
            Self::Refused(rule) => format!("{rule} ({})", rule.rule()),
            Self::Unreachable(code) => format!("Describe failed: {}", code.description()),
        }
    }
}

impl Agency {
    pub fn id(&self) -> Option<&str> {
        self.card.as_deref().map(|c| c.agency_id.as_str())
    }

    /// "ready", "refused", "unreachable", or "waiting" before the first answer.
    pub fn state(&self) -> &'static str {
        match (self.problem, self.reachable) {
            (Some(problem), _) => problem.state(),
            (None, true) => "ready",
            (None, false) => "waiting",
        }
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
                    problem: None,
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
            let outcome = match fetched {
                Ok(Ok(card)) => {
                    let card = card.into_inner();
                    contract::check_card(&card).map(|()| card).map_err(Problem::Refused)
                }
                // Larger than the client decodes: the card-size rule.
                Ok(Err(status)) if too_large(&status) => Err(Problem::Refused(Violation::CardTooLarge)),
                Ok(Err(status)) => Err(Problem::Unreachable(status.code())),
                Err(_) => Err(Problem::Unreachable(tonic::Code::DeadlineExceeded)),
            };
            let wait = match outcome {
                Ok(card) => {
                    self.update(index, Ok(card));
                    backoff = self.config.retry_initial;
                    self.config.refresh_interval
                }
                // A refused card is asked for again at the usual pace: fixing it takes a deploy.
                Err(problem @ Problem::Refused(_)) => {
                    self.update(index, Err(problem));
                    backoff = self.config.retry_initial;
                    self.config.refresh_interval
                }
                Err(problem) => {
                    self.update(index, Err(problem));
                    let wait = backoff;
                    backoff = (backoff * 2).min(self.config.retry_max);
                    wait
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Records the outcome of one fetch and publishes a new view if anything changed.
    fn update(&self, index: usize, card: Result<AssistantCard, Problem>) {
        let Ok(mut agencies) = self.agencies.lock() else {
            return;
        };
        // One address per agency id: a second address claiming a served id is refused.
        let card = card.and_then(|card| {
            let taken = agencies
                .iter()
                .enumerate()
                .any(|(other, a)| other != index && a.id() == Some(card.agency_id.as_str()));
            if taken {
                Err(Problem::Refused(Violation::AgencyIdTaken))
            } else {
                Ok(card)
            }
        });
        let Some(agency) = agencies.get_mut(index) else {
            return;
        };
        let address = agency.address.clone();
        let was = (agency.reachable, agency.problem);
        let mut cards_changed = false;
        match card {
            Ok(card) => {
                cards_changed = agency.card.as_deref().map(|c| &c.content_version) != Some(&card.content_version)
                    || agency.id() != Some(card.agency_id.as_str());
                if cards_changed {
                    tracing::info!(%address, agency = %card.agency_id, skills = card.skills.len(), "agency card loaded");
                    agency.card = Some(Arc::new(card));
                }
                agency.reachable = true;
                agency.problem = None;
                if !was.0 {
                    tracing::info!(%address, agency = agency.id().unwrap_or_default(), "agency reachable");
                }
            }
            Err(Problem::Refused(rule)) => {
                // Out of routing: whatever it declared before, it no longer stands behind.
                cards_changed = agency.card.take().is_some();
                agency.reachable = false;
                agency.problem = Some(Problem::Refused(rule));
                if was.1 != agency.problem {
                    tracing::warn!(%address, rule = rule.rule(), "agency card refused; agency out of routing");
                }
            }
            Err(problem) => {
                // Kept in routing with its last card, so the citizen hears that it is down.
                agency.reachable = false;
                agency.problem = Some(problem);
                if was.0 {
                    tracing::warn!(%address, agency = agency.id().unwrap_or_default(), reason = %problem.reason(), "agency unreachable");
                }
            }
        }
        let reachability_changed = was != (agency.reachable, agency.problem);
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

/// Whether `status` is the client's own refusal of a message larger than it
/// decodes (an agency's own OUT_OF_RANGE is an ordinary error).
pub fn too_large(status: &tonic::Status) -> bool {
    status.code() == tonic::Code::OutOfRange && status.message().contains("message length too large")
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
    )
    // Nothing an agency sends may be larger than the largest card accepted;
    // a larger message fails to decode (OUT_OF_RANGE) instead of filling memory.
    .max_decoding_message_size(MAX_CARD_BYTES))
}
