//! An agency's pods: an agency address whose host is a name (a headless
//! Service, `nav.veiviser.svc.cluster.local`) may stand for several
//! instances. The master resolves the name every `pod_refresh`, keeps the
//! addresses that accept a connection, and tells the agency's balanced
//! channel which pods joined and which left.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc::Sender;
use tonic::transport::Endpoint;
use tonic::transport::channel::Change;

/// How the master finds the addresses behind a host name.
#[derive(Debug, Clone, Default)]
pub enum Resolver {
    /// The system's resolver (DNS, `/etc/hosts`).
    #[default]
    Dns,
    /// Fixed answers, for tests: a name's addresses, which a test may change.
    Fixed(Arc<Mutex<BTreeMap<String, Vec<SocketAddr>>>>),
}

impl Resolver {
    /// A fixed resolver answering `name` with `addresses`.
    pub fn fixed(name: &str, addresses: Vec<SocketAddr>) -> Self {
        Self::Fixed(Arc::new(Mutex::new(BTreeMap::from([(name.to_string(), addresses)]))))
    }

    /// Replaces the fixed answer for `name` (no effect on the system's resolver).
    pub fn set(&self, name: &str, addresses: Vec<SocketAddr>) {
        if let Self::Fixed(answers) = self {
            answers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(name.to_string(), addresses);
        }
    }

    /// The addresses of `host` at `port`, or none when it does not resolve.
    async fn addresses(&self, host: &str, port: u16) -> Vec<SocketAddr> {
        match self {
            Self::Dns => tokio::net::lookup_host((host, port))
                .await
                .map(|found| found.collect())
                .unwrap_or_default(),
            Self::Fixed(answers) => answers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(host)
                .cloned()
                .unwrap_or_default(),
        }
    }
}

/// What the pods loop needs to follow one agency name.
pub(crate) struct Pods {
    pub host: String,
    pub port: u16,
    pub resolver: Resolver,
    pub refresh: Duration,
    /// Builds the endpoint for one pod's address (scheme, timeouts, TLS).
    pub endpoint: Box<dyn Fn(SocketAddr) -> Option<Endpoint> + Send>,
    pub changes: Sender<Change<SocketAddr, Endpoint>>,
}

/// How long a pod may take to accept a connection before it counts as gone.
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

impl Pods {
    /// Follows the name until the balanced channel is dropped.
    pub async fn follow(self) {
        let mut serving: BTreeSet<SocketAddr> = BTreeSet::new();
        loop {
            if self.changes.is_closed() {
                return;
            }
            let mut live = BTreeSet::new();
            for address in self.resolver.addresses(&self.host, self.port).await {
                let accepts = tokio::time::timeout(PROBE_TIMEOUT, tokio::net::TcpStream::connect(address)).await;
                if matches!(accepts, Ok(Ok(_))) {
                    live.insert(address);
                }
            }
            // With no pod accepting, keep the last ones: calls then fail as the
            // agency being down, and the pods are back as soon as they answer.
            if !live.is_empty() && live != serving {
                for gone in serving.difference(&live) {
                    if self.changes.send(Change::Remove(*gone)).await.is_err() {
                        return;
                    }
                }
                for joined in live.difference(&serving) {
                    let Some(endpoint) = (self.endpoint)(*joined) else {
                        continue;
                    };
                    if self.changes.send(Change::Insert(*joined, endpoint)).await.is_err() {
                        return;
                    }
                }
                tracing::info!(host = %self.host, pods = live.len(), "agency pods changed");
                serving = live;
            }
            tokio::time::sleep(self.refresh).await;
        }
    }
}
