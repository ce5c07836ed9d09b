//! The agency's own metrics, in the Prometheus text format: how often a
//! question reached it still holding personal data that the master should
//! have masked.

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

/// A handle to an agency's metrics; clones share the counters.
#[derive(Debug, Clone)]
pub struct AgencyMetrics {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    registry: Registry,
    remasked: Family<KindLabel, Counter>,
}

impl Default for AgencyMetrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("veiviser_agency");
        let remasked = Family::<KindLabel, Counter>::default();
        registry.register(
            "remasked",
            "Personal data found in an incoming question and masked again at the agency, by kind",
            remasked.clone(),
        );
        Self {
            inner: Arc::new(Inner { registry, remasked }),
        }
    }
}

impl AgencyMetrics {
    pub(crate) fn count_remasked(&self, kind: &'static str) {
        self.inner.remasked.get_or_create(&KindLabel { kind }).inc();
    }

    /// How many values of `kind` were masked again at this agency.
    pub fn remasked(&self, kind: &'static str) -> u64 {
        self.inner.remasked.get_or_create(&KindLabel { kind }).get()
    }

    /// Every metric in the Prometheus text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.inner.registry);
        out
    }
}
