//! An agency's pods: an agency address whose host is a name (a headless
//! Service, `nav.veiviser.svc.cluster.local`) may stand for several
//! instances. The master resolves the name every `pod_refresh`, keeps the
//! addresses that accept a connection, and tells the agency's balanced
//! channel which pods joined and which left.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::sync::mpsc::Sender;
use tonic::transport::Endpoint;
use tonic::transport::channel::Change;

use crate::resolve::Resolver;

/// What the rest of the master sees of an agency's pods.
#[derive(Debug, Clone, Default)]
pub struct PodsHandle {
    serving: Arc<AtomicUsize>,
    recheck: Arc<Notify>,
}

impl PodsHandle {
    /// How many pods the agency's calls are spread over now.
    pub fn serving(&self) -> usize {
        self.serving.load(Ordering::Relaxed)
    }

    /// Resolves and probes again now, not at the next refresh: a call found a pod gone.
    pub fn recheck(&self) {
        self.recheck.notify_one();
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
    pub handle: PodsHandle,
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
            let addresses = self.resolver.addresses(&self.host, self.port).await;
            let probes = addresses.iter().map(|address| async move {
                let accepts = tokio::time::timeout(PROBE_TIMEOUT, tokio::net::TcpStream::connect(*address)).await;
                matches!(accepts, Ok(Ok(_))).then_some(*address)
            });
            let live: BTreeSet<SocketAddr> = futures::future::join_all(probes).await.into_iter().flatten().collect();
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
                self.handle.serving.store(serving.len(), Ordering::Relaxed);
            }
            tokio::select! {
                () = tokio::time::sleep(self.refresh) => {}
                () = self.handle.recheck.notified() => {}
            }
        }
    }
}
