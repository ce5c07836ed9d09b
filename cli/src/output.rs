//! The JSON printed by `veiviser ask --json`: a stable interface that scripts
//! and test suites parse. Fields are only ever added.

use serde::Serialize;
use veiviser_proto::agency::v1::DeadlineUnit;
use veiviser_proto::master::v1::{FinalAnswer, PlanItem, Route, RoutingExplanation};

/// One answer, as `veiviser ask --json` prints it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AnswerJson {
    /// Agencies that answered, in the order their answers appear.
    pub agencies: Vec<String>,
    /// Agencies that should have answered but were unavailable.
    pub missing_agencies: Vec<String>,
    /// "agency", "life-event", "clarify", "out-of-scope", "human", "small-talk".
    pub route: String,
    /// "<agency>/<skill>", "life-event/<id>", or a master intent.
    pub intent: String,
    pub confidence: f32,
    /// The answer text.
    pub answer: String,
    pub language: String,
    /// The merged plan, ordered by deadline.
    pub checklist: Vec<ChecklistJson>,
    /// The date of death the plan's days are counted from (2026-11-30); empty
    /// when the question gave none.
    pub plan_counted_from: String,
    /// Choices offered when route is "clarify".
    pub options: Vec<String>,
    pub human_needed: bool,
    /// Kinds of personal data masked in the question before anything saw it.
    pub masked: Vec<String>,
    /// Why the master routed the question as it did; null from a master
    /// that does not say.
    pub explanation: Option<ExplanationJson>,
}

/// The content that decided a route: concept terms found, the closest
/// example, the runner-up. Never the question's own text.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExplanationJson {
    /// "nav", "life-event/<id>", "human", "out-of-scope", …; empty for clarify.
    pub domain: String,
    /// "<owner>/<concept>: <term>" for each concept term found.
    pub concepts: Vec<String>,
    pub nearest_example: String,
    pub runner_up: String,
    pub runner_up_score: f32,
    /// The question says someone died.
    pub death: bool,
    /// The language detected in the question and answered in; empty when
    /// the session's language was kept.
    pub detected_language: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChecklistJson {
    pub key: String,
    pub title: String,
    pub action: String,
    /// e.g. {"within": 6, "unit": "months"}; null when there is no fixed deadline.
    pub deadline: Option<DeadlineJson>,
    pub deadline_text: String,
    pub when: String,
    pub link: String,
    /// Agencies that gave the item; the first owns it.
    pub agencies: Vec<String>,
    /// "first-days", "first-weeks", "six-months", "later", "no-deadline", "only-if".
    pub group: String,
    /// The condition under which the task applies; empty when it applies to everyone.
    pub only_if: String,
    /// The deadline's last day (2026-12-14), from `plan_counted_from`; empty without one.
    pub due_date: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeadlineJson {
    pub within: u32,
    /// "days", "working_days", "weeks" or "months".
    pub unit: String,
}

/// The route's name in the JSON and in the chat.
pub fn route_name(route: i32) -> &'static str {
    match Route::try_from(route).unwrap_or(Route::Unspecified) {
        Route::Agency => "agency",
        Route::LifeEvent => "life-event",
        Route::Clarify => "clarify",
        Route::OutOfScope => "out-of-scope",
        Route::Human => "human",
        Route::SmallTalk => "small-talk",
        Route::Unspecified => "unspecified",
    }
}

impl From<&FinalAnswer> for AnswerJson {
    fn from(answer: &FinalAnswer) -> Self {
        Self {
            agencies: answer.agency_ids.clone(),
            missing_agencies: answer.missing_agency_ids.clone(),
            route: route_name(answer.route).to_string(),
            intent: answer.intent.clone(),
            confidence: answer.confidence,
            answer: answer.text.clone(),
            language: answer.language.clone(),
            checklist: answer.checklist.iter().map(ChecklistJson::from).collect(),
            plan_counted_from: answer.plan_counted_from.clone(),
            options: answer.options.clone(),
            human_needed: answer.human_needed,
            masked: answer.masked.clone(),
            explanation: answer.explanation.as_ref().map(ExplanationJson::from),
        }
    }
}

impl From<&RoutingExplanation> for ExplanationJson {
    fn from(e: &RoutingExplanation) -> Self {
        Self {
            domain: e.domain.clone(),
            concepts: e.concepts.clone(),
            nearest_example: e.nearest_example.clone(),
            runner_up: e.runner_up.clone(),
            runner_up_score: e.runner_up_score,
            death: e.death,
            detected_language: e.detected_language.clone(),
        }
    }
}

impl From<&PlanItem> for ChecklistJson {
    fn from(item: &PlanItem) -> Self {
        Self {
            key: item.key.clone(),
            title: item.title.clone(),
            action: item.action.clone(),
            deadline: item.deadline.as_ref().map(|d| DeadlineJson {
                within: d.within,
                unit: match DeadlineUnit::try_from(d.unit).unwrap_or(DeadlineUnit::Unspecified) {
                    DeadlineUnit::Days => "days",
                    DeadlineUnit::WorkingDays => "working_days",
                    DeadlineUnit::Weeks => "weeks",
                    DeadlineUnit::Months => "months",
                    DeadlineUnit::Unspecified => "unspecified",
                }
                .to_string(),
            }),
            deadline_text: item.deadline_text.clone(),
            when: item.when.clone(),
            link: item.link.clone(),
            agencies: item.agency_ids.clone(),
            group: item.group.clone(),
            only_if: item.only_if.clone(),
            due_date: item.due_date.clone(),
        }
    }
}
