//! Aggregate metrics, exposed in the Prometheus text format. Label values are
//! fixed vocabularies (routes, agency ids, entity kinds, status codes), never
//! text a citizen wrote.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LanguageLabel {
    pub language: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
    pub agency: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabel {
    pub code: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AgencyLabel {
    pub agency: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AgencyOutcomeLabels {
    pub agency: String,
    pub outcome: String,
}

/// A question the master could not route: whose concept its words were, and
/// what it got instead. `owner` is an agency id or "master"; "none" when no
/// concept term was found.
#[derive(Debug, Clone, Hash, PartialEq, Eq, PartialOrd, Ord, EncodeLabelSet, serde::Serialize)]
pub struct UnansweredLabels {
    pub owner: String,
    pub concept: String,
    /// "clarify" or "out-of-scope".
    pub outcome: String,
}

/// Every metric the master keeps.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub sessions_started: Counter,
    /// By reason: "citizen" (EndSession) or "idle" (expired).
    pub sessions_ended: Family<ReasonLabel, Counter>,
    pub sessions_open: Gauge,
    pub messages: Family<LanguageLabel, Counter>,
    /// Sessions in which at least one entity of a kind was masked (counted once per kind).
    pub dialogues_masked: Family<KindLabel, Counter>,
    pub entities_masked: Family<KindLabel, Counter>,
    /// Final answers by route and answering agency ("-" for the master itself).
    pub answers: Family<RouteLabels, Counter>,
    /// Answers that fell short: "clarify", "out-of-scope", "agency-unavailable".
    pub fallbacks: Family<ReasonLabel, Counter>,
    /// Calls to agencies by outcome: "ok", "timeout", "unreachable", "overloaded", "error",
    /// "invalid-answer" (the answer broke a contract rule and was not used).
    pub agency_calls: Family<AgencyOutcomeLabels, Counter>,
    /// Calls asked again because the agency said it was overloaded.
    pub agency_retries: Family<AgencyLabel, Counter>,
    /// Errors returned to citizens, by gRPC code.
    pub errors: Family<CodeLabel, Counter>,
    /// Transcripts at session end or purge: "archived", "deleted-session-only", "purged-expired".
    pub transcripts: Family<ReasonLabel, Counter>,
    /// Handover requests and offers: "offered", "queued", "closed" (outside opening hours).
    pub handovers: Family<ReasonLabel, Counter>,
    /// Requests refused for security reasons, by reason ("unknown-host", …).
    pub refusals: Family<ReasonLabel, Counter>,
    /// The session store's work: "saved", "restored" (taken in from the store),
    /// "stale" (another master saved the session since), "ended-elsewhere",
    /// "closed-orphan" (idle, held by no master), "read-failed", "write-failed".
    pub session_store: Family<ReasonLabel, Counter>,
    pub answer_seconds: Histogram,
    /// Questions that went to clarify or out of scope, by concept (for content owners).
    unanswered: Family<UnansweredLabels, Counter>,
    /// The same counts, for the report by agency.
    unanswered_report: std::sync::Mutex<std::collections::BTreeMap<UnansweredLabels, u64>>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("veiviser_master");
        let metrics = Self {
            sessions_started: Counter::default(),
            sessions_ended: Family::default(),
            sessions_open: Gauge::default(),
            messages: Family::default(),
            dialogues_masked: Family::default(),
            entities_masked: Family::default(),
            answers: Family::default(),
            fallbacks: Family::default(),
            agency_retries: Family::default(),
            agency_calls: Family::default(),
            errors: Family::default(),
            transcripts: Family::default(),
            refusals: Family::default(),
            session_store: Family::default(),
            handovers: Family::default(),
            answer_seconds: Histogram::new(exponential_buckets(0.000_5, 2.0, 14)),
            unanswered: Family::default(),
            unanswered_report: std::sync::Mutex::default(),
            registry: Registry::default(),
        };
        registry.register("sessions_started", "Sessions started", metrics.sessions_started.clone());
        registry.register(
            "sessions_ended",
            "Sessions ended, by reason",
            metrics.sessions_ended.clone(),
        );
        registry.register("sessions_open", "Sessions open now", metrics.sessions_open.clone());
        registry.register("messages", "Citizen messages, by language", metrics.messages.clone());
        registry.register(
            "dialogues_masked",
            "Sessions with at least one masked entity, by entity kind",
            metrics.dialogues_masked.clone(),
        );
        registry.register(
            "entities_masked",
            "Masked entities, by kind",
            metrics.entities_masked.clone(),
        );
        registry.register("answers", "Final answers, by route and agency", metrics.answers.clone());
        registry.register(
            "fallbacks",
            "Answers that fell short, by reason",
            metrics.fallbacks.clone(),
        );
        registry.register(
            "agency_calls",
            "Calls to agencies, by outcome",
            metrics.agency_calls.clone(),
        );
        registry.register(
            "errors",
            "Errors returned to citizens, by gRPC code",
            metrics.errors.clone(),
        );
        registry.register(
            "transcripts",
            "Transcripts at session end or purge, by outcome",
            metrics.transcripts.clone(),
        );
        registry.register(
            "handovers",
            "Handovers to human advisors offered and asked for, by outcome",
            metrics.handovers.clone(),
        );
        registry.register(
            "agency_retries",
            "Agency calls asked again after the agency said it was overloaded, by agency",
            metrics.agency_retries.clone(),
        );
        registry.register(
            "refusals",
            "Requests refused for security reasons, by reason",
            metrics.refusals.clone(),
        );
        registry.register(
            "session_store",
            "The session store's saves, reads and failures, by outcome",
            metrics.session_store.clone(),
        );
        registry.register(
            "answer_seconds",
            "Time from a citizen message to the final answer",
            metrics.answer_seconds.clone(),
        );
        registry.register(
            "unanswered",
            "Questions routed to clarify or out of scope, by the concept their words belong to",
            metrics.unanswered.clone(),
        );
        Self { registry, ..metrics }
    }
}

impl Metrics {
    /// The Prometheus text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }

    /// Counts a question that went to `outcome` ("clarify", "out-of-scope")
    /// under each concept ("owner/concept") its words belong to.
    pub fn count_unanswered<'a>(&self, concepts: impl IntoIterator<Item = &'a str>, outcome: &str) {
        let mut labels: Vec<UnansweredLabels> = concepts
            .into_iter()
            .map(|id| {
                let (owner, concept) = id.split_once('/').unwrap_or(("none", id));
                UnansweredLabels {
                    owner: owner.to_string(),
                    concept: concept.to_string(),
                    outcome: outcome.to_string(),
                }
            })
            .collect();
        labels.sort();
        labels.dedup();
        if labels.is_empty() {
            labels.push(UnansweredLabels {
                owner: "none".into(),
                concept: "none".into(),
                outcome: outcome.to_string(),
            });
        }
        let mut report = self.unanswered_report.lock().unwrap_or_else(|p| p.into_inner());
        for label in labels {
            self.unanswered.get_or_create(&label).inc();
            *report.entry(label).or_insert(0) += 1;
        }
    }

    /// The unanswered questions so far, by owner: concept, outcome and count.
    pub fn unanswered_report(&self) -> std::collections::BTreeMap<String, Vec<(String, String, u64)>> {
        let report = self.unanswered_report.lock().unwrap_or_else(|p| p.into_inner());
        let mut by_owner: std::collections::BTreeMap<String, Vec<(String, String, u64)>> = Default::default();
        for (label, count) in report.iter() {
            by_owner.entry(label.owner.clone()).or_default().push((
                label.concept.clone(),
                label.outcome.clone(),
                *count,
            ));
        }
        by_owner
    }

    pub fn count(family: &Family<ReasonLabel, Counter>, reason: &str) {
        family
            .get_or_create(&ReasonLabel {
                reason: reason.to_string(),
            })
            .inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_counters_with_their_labels() {
        let metrics = Metrics::default();
        metrics.sessions_started.inc();
        Metrics::count(&metrics.fallbacks, "clarify");
        metrics
            .answers
            .get_or_create(&RouteLabels {
                route: "agency".into(),
                agency: "nav".into(),
            })
            .inc_by(2);
        let text = metrics.encode();
        assert!(text.contains("veiviser_master_sessions_started_total 1"), "{text}");
        assert!(
            text.contains("veiviser_master_fallbacks_total{reason=\"clarify\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("veiviser_master_answers_total{route=\"agency\",agency=\"nav\"} 2"),
            "{text}"
        );
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
    }

    #[test]
    fn unanswered_questions_are_counted_by_concept_owner() {
        let metrics = Metrics::default();
        metrics.count_unanswered(
            ["kommune/gravminne", "kommune/gravminne", "master/dodsfall"],
            "out-of-scope",
        );
        metrics.count_unanswered([], "clarify");
        let report = metrics.unanswered_report();
        assert_eq!(
            report["kommune"],
            [("gravminne".to_string(), "out-of-scope".to_string(), 1)]
        );
        assert_eq!(report["none"], [("none".to_string(), "clarify".to_string(), 1)]);
        let text = metrics.encode();
        assert!(
            text.contains(
                "veiviser_master_unanswered_total{owner=\"master\",concept=\"dodsfall\",outcome=\"out-of-scope\"} 1"
            ),
            "{text}"
        );
    }
}
