//! The master's live view of the agency network. Agencies come from the
//! configuration (`--agency`) or from the federation's registry, read again
//! every few seconds, so a registered agency joins and leaves a running
//! master. Each agency has one task that fetches its card (signed and checked
//! against its registration when it came from the registry) and between
//! fetches asks gRPC health; the router is retrained when the set of cards
//! changes. An agency that is down at start joins as soon as it answers; one
//! whose card breaks a rule is out of routing until it serves a sound one;
//! one that fails its checks several times in a row is not asked until a
//! check succeeds.

mod check;
mod client;
pub mod pods;
mod registry;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::Instant;
use veiviser_agency_sdk::contract::Violation;
use veiviser_proto::agency::v1::AssistantCard;
use veiviser_proto::registry::v1::RegisteredAgency;

pub use check::Problem;
pub use client::{AgencyClient, AgencyHealth, REMEMBERED_RESET_STREAMS, too_large};

use crate::config::MasterConfig;
use crate::content::MasterContent;
use crate::error::Error;
use crate::routing::Router;
use registry::RegistryReader;

/// Where the master learned of an agency.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// The master's own configuration: trusted as configured, card unsigned.
    Configured,
    /// The registry's entry: the card must be signed with its key and match it.
    Registered(Arc<RegisteredAgency>),
}

impl Origin {
    /// "configured" or "registered".
    pub fn name(&self) -> &'static str {
        match self {
            Self::Configured => "configured",
            Self::Registered(_) => "registered",
        }
    }
}

/// One agency as the master sees it at a moment.
#[derive(Debug, Clone)]
pub struct Agency {
    /// Stable for the agency's time in the network; its refresh task's key.
    slot: u64,
    pub address: String,
    pub origin: Origin,
    pub client: AgencyClient,
    health: AgencyHealth,
    /// Its pods, when its address is a host name: a call that finds one gone
    /// while others serve is worth another try.
    pub pods: Option<pods::PodsHandle>,
    /// The last card fetched; kept while the agency is unreachable so the
    /// master can still route to it and say that it is down.
    pub card: Option<Arc<AssistantCard>>,
    pub reachable: bool,
    /// Why the agency is not serving: its card broke a rule or its
    /// registration (it is then out of routing), or its last check failed.
    /// `None` while all is well.
    pub problem: Option<Problem>,
    /// Checks failed in a row.
    pub failures: u32,
    /// Failed as many checks in a row as `MasterConfig::down_after`: not
    /// asked, so citizens hear at once that it is down, until a check succeeds.
    pub down: bool,
}

impl Agency {
    fn new(slot: u64, address: &str, origin: Origin, config: &MasterConfig) -> Result<Self, Error> {
        let clients = client::clients(address, config)?;
        Ok(Self {
            slot,
            address: address.to_string(),
            origin,
            client: clients.client,
            health: clients.health,
            pods: clients.pods,
            card: None,
            reachable: false,
            problem: None,
            failures: 0,
            down: false,
        })
    }

    pub fn id(&self) -> Option<&str> {
        self.card.as_deref().map(|c| c.agency_id.as_str())
    }

    /// "ready", "waiting" before the first answer, "unreachable", "down" or "refused".
    pub fn state(&self) -> &'static str {
        match (self.problem, self.reachable) {
            (Some(problem), _) if problem.refuses_card() => "refused",
            (Some(_), _) if self.down => "down",
            (Some(_), _) => "unreachable",
            (None, true) => "ready",
            (None, false) => "waiting",
        }
    }

    /// Its card's id, else the id it is registered under (a refused or
    /// waiting registered agency), else none.
    pub fn known_id(&self) -> Option<&str> {
        match (&self.card, &self.origin) {
            (Some(card), _) => Some(&card.agency_id),
            (None, Origin::Registered(entry)) => Some(&entry.agency_id),
            (None, Origin::Configured) => None,
        }
    }

    /// The name operators know it by: [`Agency::known_id`], else its address.
    fn name(&self) -> &str {
        self.known_id().unwrap_or(&self.address)
    }
}

/// An immutable view of the network: agencies and the router trained on their cards.
#[derive(Debug)]
pub struct Snapshot {
    pub agencies: Vec<Agency>,
    pub router: Arc<Router>,
}

impl Snapshot {
    /// Every configured agency has had its first look.
    fn first_looks_done(&self) -> bool {
        self.agencies
            .iter()
            .filter(|a| a.origin == Origin::Configured)
            .all(|a| a.state() != "waiting")
    }

    /// The agency with this id, if its card is known.
    pub fn agency(&self, id: &str) -> Option<&Agency> {
        self.agencies.iter().find(|a| a.id() == Some(id))
    }

    /// The card of agency `id`, once the master has it.
    pub fn card(&self, id: &str) -> Option<&AssistantCard> {
        self.agency(id).and_then(|agency| agency.card.as_deref())
    }

    /// Agencies with a card, configured ones first, then registered ones by arrival.
    pub fn known(&self) -> impl Iterator<Item = (&Agency, &AssistantCard)> {
        self.agencies.iter().filter_map(|a| a.card.as_deref().map(|c| (a, c)))
    }
}

/// What one look at an agency found: a card, a healthy answer, or a problem.
type Outcome = Result<Option<AssistantCard>, Problem>;

/// The network: a watch channel of snapshots, updated by one task per agency
/// and, with a registry, one that admits and drops registered agencies.
#[derive(Debug)]
pub struct Network {
    agencies: Mutex<Vec<Agency>>,
    next_slot: AtomicU64,
    content: Arc<MasterContent>,
    config: MasterConfig,
    snapshots: watch::Sender<Arc<Snapshot>>,
    /// When the first look at every configured agency is due at the latest:
    /// set when the refresh tasks start.
    first_looks_due: std::sync::OnceLock<Instant>,
    /// Set once every configured agency has had its first look (or it was due).
    started: std::sync::atomic::AtomicBool,
}

impl Network {
    /// Creates clients for every configured address. Connections are made
    /// lazily and no card is fetched until [`Network::spawn_refresh`]; an
    /// address with a host name starts following its pods at once (each
    /// such task ends when its agency's clients are dropped).
    pub fn new(config: &MasterConfig, content: Arc<MasterContent>) -> Result<Self, Error> {
        let agencies = config
            .agencies
            .iter()
            .zip(0..)
            .map(|(address, slot)| Agency::new(slot, address, Origin::Configured, config))
            .collect::<Result<Vec<_>, Error>>()?;
        let router = Arc::new(Router::new(&[], &content, config.thresholds));
        let (snapshots, _) = watch::channel(Arc::new(Snapshot {
            agencies: agencies.clone(),
            router,
        }));
        Ok(Self {
            next_slot: AtomicU64::new(agencies.len() as u64),
            agencies: Mutex::new(agencies),
            content,
            config: config.clone(),
            snapshots,
            first_looks_due: std::sync::OnceLock::new(),
            started: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// One look takes at most the agency timeout; a little more for the tasks to start.
    fn first_look_deadline(&self) -> Instant {
        Instant::now() + self.config.agency_timeout + std::time::Duration::from_millis(500)
    }

    /// True once every configured agency has had its first look (its card
    /// fetched, or found unreachable or refused), or that look is overdue.
    /// Before, the router does not know the network and would tell a citizen
    /// that nobody here can help.
    pub fn started(&self) -> bool {
        use std::sync::atomic::Ordering;
        if self.started.load(Ordering::Relaxed) {
            return true;
        }
        let overdue = self.first_looks_due.get().is_some_and(|due| Instant::now() >= *due);
        let started = self.snapshot().first_looks_done() || overdue;
        if started {
            self.started.store(true, Ordering::Relaxed);
        }
        started
    }

    /// Waits until [`Self::started`] (at once, once it has): a question asked
    /// while the master is starting waits for the network rather than being
    /// answered without it.
    pub async fn wait_started(&self) {
        if self.started() {
            return;
        }
        let mut snapshots = self.subscribe();
        let due = *self.first_looks_due.get_or_init(|| self.first_look_deadline());
        let _ = tokio::time::timeout_at(due, snapshots.wait_for(|s| s.first_looks_done())).await;
        self.started.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The current view.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshots.borrow().clone()
    }

    /// Notified with every new view (for readiness checks and tests).
    pub fn subscribe(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.snapshots.subscribe()
    }

    /// Starts one task per configured agency that fetches its card, then
    /// checks it periodically, retrying with backoff while it is unreachable;
    /// and, with a registry, the task that reads it. The tasks stop when the
    /// returned set is dropped.
    pub fn spawn_refresh(self: &Arc<Self>) -> JoinSet<()> {
        let _ = self.first_looks_due.set(self.first_look_deadline());
        let mut tasks = JoinSet::new();
        let slots: Vec<u64> = self
            .agencies
            .lock()
            .map(|a| a.iter().map(|a| a.slot).collect())
            .unwrap_or_default();
        for slot in slots {
            let network = Arc::clone(self);
            tasks.spawn(async move { network.refresh_loop(slot).await });
        }
        if let Some(address) = self.config.registry.clone() {
            let network = Arc::clone(self);
            tasks.spawn(async move { network.registry_loop(address).await });
        }
        tasks
    }

    /// Looks at the agency in `slot` until it leaves the network.
    async fn refresh_loop(&self, slot: u64) {
        let config = &self.config;
        let mut backoff = config.retry_initial;
        let mut card_due = Instant::now();
        loop {
            let Some((mut client, mut health, origin)) = self.agencies.lock().ok().and_then(|a| {
                a.iter()
                    .find(|a| a.slot == slot)
                    .map(|a| (a.client.clone(), a.health.clone(), a.origin.clone()))
            }) else {
                return;
            };
            let outcome = if Instant::now() >= card_due {
                let registered = match &origin {
                    Origin::Registered(entry) => Some(entry.as_ref()),
                    Origin::Configured => None,
                };
                let now = veiviser_runtime::clock::unix_seconds(config.clock.now());
                check::card(&mut client, registered, config.agency_timeout, now)
                    .await
                    .map(Some)
            } else {
                check::health(&mut health, config.agency_timeout).await.map(|()| None)
            };
            let wait = match &outcome {
                Ok(Some(_)) => {
                    card_due = Instant::now() + config.refresh_interval;
                    backoff = config.retry_initial;
                    config.health_interval.min(config.refresh_interval)
                }
                Ok(None) => {
                    backoff = config.retry_initial;
                    config
                        .health_interval
                        .min(card_due.saturating_duration_since(Instant::now()))
                }
                // A refused card is asked for again at the usual pace: fixing it takes a deploy.
                Err(problem) if problem.refuses_card() => {
                    backoff = config.retry_initial;
                    card_due = Instant::now() + config.refresh_interval;
                    config.refresh_interval
                }
                // Unreachable or not serving: the card is fetched again once it answers.
                Err(_) => {
                    card_due = Instant::now();
                    let wait = backoff;
                    backoff = (backoff * 2).min(config.retry_max);
                    wait
                }
            };
            if !self.update(slot, outcome) {
                return;
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Records the outcome of one look and publishes a new view if anything
    /// changed. False when the agency has left the network.
    fn update(&self, slot: u64, outcome: Outcome) -> bool {
        let Ok(mut agencies) = self.agencies.lock() else {
            return false;
        };
        // One agency per id. A configured agency always wins its id: a
        // registered one claiming it is refused, and loses it when the
        // configured one's card arrives later. Otherwise the first claimant keeps it.
        let configured = agencies
            .iter()
            .find(|a| a.slot == slot)
            .is_some_and(|a| a.origin == Origin::Configured);
        let mut evicted = false;
        let outcome = outcome.and_then(|card| {
            let Some(card) = card else {
                return Ok(None);
            };
            let id = card.agency_id.as_str();
            let holders = agencies.iter_mut().filter(|a| a.slot != slot && a.id() == Some(id));
            for holder in holders {
                if configured && holder.origin != Origin::Configured {
                    holder.card = None;
                    holder.reachable = false;
                    holder.problem = Some(Problem::Refused(Violation::AgencyIdTaken));
                    evicted = true;
                    tracing::warn!(agency = %id, "registered agency out of routing: a configured agency has its id");
                } else {
                    return Err(Problem::Refused(Violation::AgencyIdTaken));
                }
            }
            Ok(Some(card))
        });
        let Some(agency) = agencies.iter_mut().find(|a| a.slot == slot) else {
            return false;
        };
        let address = agency.address.clone();
        let origin = agency.origin.name();
        let was = (agency.reachable, agency.problem, agency.down);
        let mut cards_changed = false;
        match outcome {
            Ok(card) => {
                if let Some(card) = card {
                    cards_changed = agency.card.as_deref().map(|c| &c.content_version) != Some(&card.content_version)
                        || agency.id() != Some(card.agency_id.as_str());
                    if cards_changed {
                        tracing::info!(%address, origin, agency = %card.agency_id, skills = card.skills.len(), "agency card loaded");
                        agency.card = Some(Arc::new(card));
                    }
                }
                agency.reachable = agency.card.is_some();
                // A healthy server does not lift a refusal of its card; only a sound card does.
                if agency.card.is_some() || !agency.problem.is_some_and(Problem::refuses_card) {
                    agency.problem = None;
                }
                agency.failures = 0;
                agency.down = false;
                if !was.0 && agency.reachable {
                    tracing::info!(%address, origin, agency = agency.name(), "agency reachable");
                }
            }
            Err(problem) if problem.refuses_card() => {
                // Out of routing: whatever it declared before, it no longer stands behind.
                cards_changed = agency.card.take().is_some();
                agency.reachable = false;
                agency.problem = Some(problem);
                agency.failures = 0;
                agency.down = false;
                if was.1 != agency.problem {
                    tracing::warn!(%address, origin, agency = agency.name(), rule = problem.rule(), "agency card refused; agency out of routing");
                }
            }
            Err(problem) => {
                // Kept in routing with its last card, so the citizen hears that it is down.
                agency.reachable = false;
                agency.problem = Some(problem);
                agency.failures = agency.failures.saturating_add(1);
                agency.down = agency.failures >= self.config.down_after;
                if was.0 {
                    tracing::warn!(%address, origin, agency = agency.name(), reason = %problem.reason(), "agency unreachable");
                }
                if agency.down && !was.2 {
                    tracing::warn!(%address, origin, agency = agency.name(), failures = agency.failures, "agency down; not asked until a check succeeds");
                }
            }
        }
        let state_changed = was != (agency.reachable, agency.problem, agency.down);
        if cards_changed || state_changed || evicted {
            self.publish(&agencies, cards_changed || evicted);
        }
        true
    }

    /// Publishes a view of `agencies`, with a router retrained when the cards changed.
    fn publish(&self, agencies: &[Agency], cards_changed: bool) {
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
            agencies: agencies.to_vec(),
            router,
        }));
    }

    /// Reads the registry at `address` every `registry_refresh` and admits or
    /// drops registered agencies; each admitted one gets its own refresh task,
    /// stopped when it leaves or when this task stops. While the registry
    /// cannot be read, registered agencies stay as they are.
    async fn registry_loop(self: Arc<Self>, address: String) {
        let mut reader = match RegistryReader::new(&address, self.config.agency_timeout) {
            Ok(reader) => reader,
            Err(error) => {
                tracing::error!(%error, "registry not read");
                return;
            }
        };
        let mut tasks = JoinSet::new();
        let mut running: HashMap<u64, AbortHandle> = HashMap::new();
        let mut seen = None;
        let mut unreadable = false;
        loop {
            match reader.list().await {
                Ok((entries, revision)) => {
                    if unreadable {
                        tracing::info!("registry readable again");
                        unreadable = false;
                    }
                    if seen != Some(revision) {
                        let (added, removed) = self.reconcile(&entries);
                        for slot in removed {
                            if let Some(task) = running.remove(&slot) {
                                task.abort();
                            }
                        }
                        for slot in added {
                            let network = Arc::clone(&self);
                            running.insert(slot, tasks.spawn(async move { network.refresh_loop(slot).await }));
                        }
                        seen = Some(revision);
                    }
                }
                Err(code) => {
                    if !unreadable {
                        tracing::warn!(code = ?code, "registry unreadable; registered agencies kept as they are");
                        unreadable = true;
                    }
                }
            }
            while tasks.try_join_next().is_some() {}
            tokio::time::sleep(self.config.registry_refresh).await;
        }
    }

    /// Makes the registered agencies those of `entries`: drops the ones no
    /// longer listed or listed differently, admits the new ones. Returns the
    /// slots added and removed.
    fn reconcile(&self, entries: &[RegisteredAgency]) -> (Vec<u64>, Vec<u64>) {
        let Ok(mut agencies) = self.agencies.lock() else {
            return (Vec::new(), Vec::new());
        };
        let mut removed = Vec::new();
        let mut cards_changed = false;
        agencies.retain(|agency| {
            let Origin::Registered(entry) = &agency.origin else {
                return true;
            };
            let listed = entries.iter().any(|e| same_entry(e, entry));
            if !listed {
                tracing::info!(agency = %entry.agency_id, "agency left the network (registry)");
                removed.push(agency.slot);
                cards_changed |= agency.card.is_some();
            }
            listed
        });
        let mut added = Vec::new();
        for entry in entries {
            let present = agencies
                .iter()
                .any(|a| matches!(&a.origin, Origin::Registered(known) if same_entry(known, entry)));
            if present {
                continue;
            }
            let slot = self.next_slot.fetch_add(1, Ordering::Relaxed);
            match Agency::new(
                slot,
                &entry.address,
                Origin::Registered(Arc::new(entry.clone())),
                &self.config,
            ) {
                Ok(agency) => {
                    tracing::info!(agency = %entry.agency_id, address = %entry.address, "agency admitted from the registry");
                    agencies.push(agency);
                    added.push(slot);
                }
                Err(error) => tracing::warn!(agency = %entry.agency_id, %error, "registered agency not admitted"),
            }
        }
        if !added.is_empty() || !removed.is_empty() {
            self.publish(&agencies, cards_changed);
        }
        (added, removed)
    }
}

/// Whether two registry entries say the same about an agency; when it was
/// added does not count, so an entry added again unchanged keeps the agency as it is.
fn same_entry(a: &RegisteredAgency, b: &RegisteredAgency) -> bool {
    (
        &a.agency_id,
        &a.organisation_number,
        &a.address,
        &a.public_key,
        &a.allowed_profile_attributes,
    ) == (
        &b.agency_id,
        &b.organisation_number,
        &b.address,
        &b.public_key,
        &b.allowed_profile_attributes,
    )
}
