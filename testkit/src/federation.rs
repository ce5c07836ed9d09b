//! The whole Veiviser network in one process: the three agency assistants (and,
//! when asked, the courts) and the master, each on its own listener. `veiviser demo` runs it on fixed
//! loopback ports; tests run it on `127.0.0.1:0` and stop, kill and restart agencies and the
//! master (a kill drops a server at once, as a crash would: no draining, no last save).

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use veiviser_agency_sdk::{AgencyConfig, AgencyMetrics, Assistant, EmbeddedContent};
use veiviser_master::{Master, MasterConfig};

/// The agencies that ship with Veiviser: id, embedded content, default port.
pub const BUILT_IN_AGENCIES: [(&str, EmbeddedContent, u16); 3] = [
    ("nav", veiviser_nav::CONTENT, veiviser_nav::DEFAULT_PORT),
    ("kommune", veiviser_kommune::CONTENT, veiviser_kommune::DEFAULT_PORT),
    (
        "skatteetaten",
        veiviser_skatteetaten::CONTENT,
        veiviser_skatteetaten::DEFAULT_PORT,
    ),
];

/// The courts (estate settlement), the fourth agency: it ships with Veiviser and
/// passes the conformance kit, but joins the default network only once routing
/// has been evaluated with it (`veiviser demo --with-courts` adds it).
pub const COURTS: (&str, EmbeddedContent, u16) = ("domstol", veiviser_domstol::CONTENT, veiviser_domstol::DEFAULT_PORT);

/// The courts' assistant, from its embedded content.
pub fn courts_assistant() -> Result<Assistant, String> {
    let (id, content, _) = COURTS;
    content.load().map(Assistant::new).map_err(|e| format!("{id}: {e}"))
}

/// A running server task and the means to stop it.
#[derive(Debug)]
struct Running {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), String>>,
}

impl Running {
    async fn stop(self) -> Result<(), String> {
        let _ = self.stop.send(());
        self.task.await.map_err(|e| e.to_string())?
    }

    /// Drops the server where it stands, as a crash would.
    async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// One agency of the federation.
#[derive(Debug)]
pub struct AgencyProcess {
    pub id: String,
    pub address: SocketAddr,
    /// This agency's own counters (masked again, tokens refused), kept across restarts.
    pub metrics: AgencyMetrics,
    assistant: Arc<Assistant>,
    running: Option<Running>,
}

/// The federation: agencies and master, all in this process.
#[derive(Debug)]
pub struct Federation {
    pub master: Arc<Master>,
    pub master_address: SocketAddr,
    pub agencies: Vec<AgencyProcess>,
    /// Agencies the master knows that run elsewhere (not in `agencies`).
    outside_agencies: usize,
    agency_server: AgencyConfig,
    /// The master's configuration, with the agencies' addresses, for a restart.
    master_config: MasterConfig,
    master_running: Option<Running>,
}

/// Where the federation listens.
#[derive(Debug, Clone)]
pub struct Addresses {
    pub master: SocketAddr,
    /// One per agency in [`Federation::start`]'s `assistants`, in order.
    pub agencies: Vec<SocketAddr>,
}

impl Addresses {
    /// Every server on an ephemeral loopback port, for tests.
    pub fn ephemeral(agencies: usize) -> Self {
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        Self {
            master: any,
            agencies: vec![any; agencies],
        }
    }

    /// The fixed loopback ports of `veiviser demo`.
    pub fn demo() -> Self {
        Self {
            master: SocketAddr::from(([127, 0, 0, 1], 50051)),
            agencies: BUILT_IN_AGENCIES
                .iter()
                .map(|(_, _, port)| SocketAddr::from(([127, 0, 0, 1], *port)))
                .collect(),
        }
    }
}

/// The built-in agencies' assistants, from their embedded content.
pub fn built_in_assistants() -> Result<Vec<Assistant>, String> {
    BUILT_IN_AGENCIES
        .iter()
        .map(|(id, content, _)| content.load().map(Assistant::new).map_err(|e| format!("{id}: {e}")))
        .collect()
}

impl Federation {
    /// Starts `assistants` and a master that knows their addresses. The
    /// master's `agencies` are theirs, followed by any already in
    /// `master_config.agencies` (agencies running elsewhere, e.g. one in
    /// another language); everything else comes from `master_config`.
    pub async fn start(
        assistants: Vec<Assistant>,
        addresses: Addresses,
        mut master_config: MasterConfig,
        agency_server: AgencyConfig,
    ) -> Result<Self, String> {
        let mut agencies = Vec::new();
        for (assistant, address) in assistants.into_iter().zip(addresses.agencies.iter().copied()) {
            let listener = bind(address).await?;
            let address = listener.local_addr().map_err(|e| e.to_string())?;
            let assistant = Arc::new(assistant);
            let metrics = AgencyMetrics::default();
            let config = AgencyConfig {
                metrics: metrics.clone(),
                ..agency_server.clone()
            };
            let running = spawn_agency(listener, Arc::clone(&assistant), config);
            agencies.push(AgencyProcess {
                id: assistant.agency_id().to_string(),
                address,
                metrics,
                assistant,
                running: Some(running),
            });
        }
        let scheme = if master_config.agency_tls.is_some() {
            "https"
        } else {
            "http"
        };
        let outside = std::mem::take(&mut master_config.agencies);
        let outside_agencies = outside.len();
        master_config.agencies = agencies
            .iter()
            .map(|a| format!("{scheme}://{}", a.address))
            .chain(outside)
            .collect();
        let (master, running, master_address) = start_master(master_config.clone(), addresses.master).await?;
        Ok(Self {
            master,
            master_address,
            agencies,
            outside_agencies,
            agency_server,
            master_config,
            master_running: Some(running),
        })
    }

    /// Stops the master, gracefully or (`crash`) at once without its last
    /// save, and starts a new one with the same configuration on the same
    /// address; returns when the new one has every running agency's card.
    pub async fn restart_master(&mut self, crash: bool, timeout: std::time::Duration) -> Result<(), String> {
        if let Some(running) = self.master_running.take() {
            if crash {
                running.kill().await;
            } else {
                running.stop().await?;
            }
        }
        let (master, running, _) = start_master(self.master_config.clone(), self.master_address).await?;
        self.master = master;
        self.master_running = Some(running);
        self.wait_until_ready(timeout).await
    }

    /// Drops one agency at once, as a crash would; its address stays reserved
    /// for [`Self::restart_agency`].
    pub async fn kill_agency(&mut self, id: &str) -> Result<(), String> {
        if let Some(running) = self.agency_mut(id)?.running.take() {
            running.kill().await;
        }
        Ok(())
    }

    /// Waits until the master has fetched the card of every running agency,
    /// those running elsewhere included (or `timeout` passes).
    pub async fn wait_until_ready(&self, timeout: std::time::Duration) -> Result<(), String> {
        let expected = self.agencies.iter().filter(|a| a.running.is_some()).count() + self.outside_agencies;
        self.wait_for_reachable(expected, timeout).await
    }

    /// Waits until exactly `count` agencies are reachable according to the master.
    pub async fn wait_for_reachable(&self, count: usize, timeout: std::time::Duration) -> Result<(), String> {
        let mut snapshots = self.master.network().subscribe();
        let ready = snapshots.wait_for(|s| s.agencies.iter().filter(|a| a.reachable).count() == count);
        match tokio::time::timeout(timeout, ready).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(_)) => Err("the master stopped".into()),
            Err(_) => Err(format!("{count} agencies not reachable within {timeout:?}")),
        }
    }

    /// Stops one agency gracefully; its address stays reserved for [`Self::restart_agency`].
    pub async fn stop_agency(&mut self, id: &str) -> Result<(), String> {
        let agency = self.agency_mut(id)?;
        match agency.running.take() {
            Some(running) => running.stop().await,
            None => Ok(()),
        }
    }

    /// Starts a stopped agency again on its old address.
    pub async fn restart_agency(&mut self, id: &str) -> Result<(), String> {
        let server = self.agency_server.clone();
        let agency = self.agency_mut(id)?;
        if agency.running.is_none() {
            let listener = bind(agency.address).await?;
            let config = AgencyConfig {
                metrics: agency.metrics.clone(),
                ..server
            };
            agency.running = Some(spawn_agency(listener, Arc::clone(&agency.assistant), config));
        }
        Ok(())
    }

    fn agency_mut(&mut self, id: &str) -> Result<&mut AgencyProcess, String> {
        self.agencies
            .iter_mut()
            .find(|a| a.id == id)
            .ok_or_else(|| format!("no agency \"{id}\""))
    }

    /// Stops everything and waits for it.
    pub async fn shutdown(mut self) -> Result<(), String> {
        if let Some(master) = self.master_running.take() {
            master.stop().await?;
        }
        for agency in &mut self.agencies {
            if let Some(running) = agency.running.take() {
                running.stop().await?;
            }
        }
        Ok(())
    }
}

async fn bind(address: SocketAddr) -> Result<TcpListener, String> {
    TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))
}

async fn start_master(config: MasterConfig, address: SocketAddr) -> Result<(Arc<Master>, Running, SocketAddr), String> {
    let master = Master::new(config).await.map_err(|e| e.to_string())?;
    let listener = bind(address).await?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop, stopped) = oneshot::channel::<()>();
    let served = Arc::clone(&master);
    let task = tokio::spawn(async move {
        veiviser_master::serve_master(listener, served, async {
            let _ = stopped.await;
        })
        .await
        .map_err(|e| e.to_string())
    });
    Ok((master, Running { stop, task }, address))
}

fn spawn_agency(listener: TcpListener, assistant: Arc<Assistant>, config: AgencyConfig) -> Running {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        veiviser_agency_sdk::serve(listener, assistant, config, async {
            let _ = stopped.await;
        })
        .await
        .map_err(|e| e.to_string())
    });
    Running { stop, task }
}
