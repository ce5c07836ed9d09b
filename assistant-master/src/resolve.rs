//! How host names in agency addresses are resolved to the addresses of their
//! pods: the system's resolver, or fixed answers a test can change.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How long a name may take to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(2);

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

    /// The addresses of `host` at `port`, or none when it does not resolve in time.
    pub async fn addresses(&self, host: &str, port: u16) -> Vec<SocketAddr> {
        match self {
            Self::Dns => match tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host, port))).await {
                Ok(Ok(found)) => found.collect(),
                _ => Vec::new(),
            },
            Self::Fixed(answers) => answers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(host)
                .cloned()
                .unwrap_or_default(),
        }
    }
}
