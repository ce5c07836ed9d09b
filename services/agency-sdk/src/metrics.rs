//! The agency's own metrics, in the Prometheus text format: how often a
//! question reached it still holding personal data that the master should
//! have masked, and how many profile tokens it refused, by reason.

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
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
    tokens_refused: Family<ReasonLabel, Counter>,
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
        let tokens_refused = Family::<ReasonLabel, Counter>::default();
        registry.register(
            "profile_tokens_refused",
            "Profile tokens refused, by reason (the token itself is never logged)",
            tokens_refused.clone(),
        );
        Self {
            inner: Arc::new(Inner {
                registry,
                remasked,
                tokens_refused,
            }),
        }
    }
}

impl AgencyMetrics {
    pub(crate) fn count_remasked(&self, kind: &'static str) {
        self.inner.remasked.get_or_create(&KindLabel { kind }).inc();
    }

    pub(crate) fn count_token_refused(&self, reason: &'static str) {
        self.inner.tokens_refused.get_or_create(&ReasonLabel { reason }).inc();
    }

    /// How many profile tokens were refused for `reason` (`TokenError::reason`).
    pub fn tokens_refused(&self, reason: &'static str) -> u64 {
        self.inner.tokens_refused.get_or_create(&ReasonLabel { reason }).get()
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
