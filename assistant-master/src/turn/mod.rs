//! Answering one citizen message: route it, ask the agencies (one, or all
//! that serve a life event, concurrently, each with its own deadline), follow
//! referrals between them, and compose the final answer. Events are streamed
//! to the citizen as they happen.

pub mod plan;

use std::collections::{BTreeSet, VecDeque};
use std::hash::BuildHasher;
use std::sync::Mutex;

use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::mpsc;
use tonic::Status;
use veiviser_proto::agency::v1::{self as agency, AskResponse, AssistantCard, Referral, TaskState};
use veiviser_proto::master::v1::{
    AgencyAnswer, AgencyUnavailable, AskEvent, FinalAnswer, HandoverOffer, PlanItem, Route, RoutingDecision,
    RoutingExplanation, ask_event::Event,
};

use veiviser_agency_sdk::contract::{self, Violation};
use veiviser_runtime::trace::TraceContext;

use crate::content::{MasterLanguage, fill};
use crate::dates;
use crate::handover::{HandoverReason, Handovers, HoursInWords};
use crate::metrics::{AgencyLabel, AgencyOutcomeLabels};
use crate::network::{Agency, Snapshot, too_large};
use crate::routing::{Choice, Decision, Explanation, GENERAL_GUIDANCE, MasterIntent};
use crate::state::Master;
use crate::text::{capitalised, in_words, localized, name_in_text};

/// The first pause before asking an overloaded agency again; it doubles each time.
const OVERLOADED_FIRST_PAUSE: std::time::Duration = std::time::Duration::from_millis(25);
/// Tries after a call found its pod gone, while the agency has other pods.
const MAX_POD_RETRIES: u32 = 2;

/// Where the events of one answer go.
pub type EventSender = mpsc::Sender<Result<AskEvent, Status>>;

/// Everything needed to answer one message.
#[derive(Debug)]
pub struct Turn<'a> {
    master: &'a Master,
    snapshot: &'a Snapshot,
    language: &'a MasterLanguage,
    session_id: &'a str,
    events: &'a EventSender,
    /// Topic classes of the skills that answered, for the retention rules.
    topics: Mutex<BTreeSet<String>>,
    /// This turn's place in the citizen's trace; each agency call is a child span.
    trace: TraceContext,
    /// The session's language, when the turn's was detected in the message instead.
    detected_over: Option<&'a MasterLanguage>,
}

/// The outcome of a turn.
#[derive(Debug, Clone)]
pub struct Answered {
    pub final_answer: FinalAnswer,
    /// Topic classes of the skills that answered (see [`crate::sessions::retention`]).
    pub topics: Vec<String>,
    /// For a clarifying question: each option's label and the choice it stands for.
    pub offered: Vec<(String, Choice)>,
}

/// Why an agency gave no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    Unreachable,
    Timeout,
    Overloaded,
    /// The agency answered with this error status.
    Error(tonic::Code),
    /// The answer broke a rule of the contract and was not used.
    InvalidAnswer(Violation),
    /// The agency declined a life-event request (not completed).
    Declined,
}

impl Failure {
    fn as_str(self) -> &'static str {
        match self {
            Self::Unreachable => "unreachable",
            Self::Timeout => "timeout",
            Self::Overloaded => "overloaded",
            Self::Error(_) => "error",
            Self::InvalidAnswer(_) => "invalid-answer",
            Self::Declined => "declined",
        }
    }
}

impl<'a> Turn<'a> {
    pub fn new(
        master: &'a Master,
        snapshot: &'a Snapshot,
        language: &'a MasterLanguage,
        session_id: &'a str,
        events: &'a EventSender,
    ) -> Self {
        Self {
            master,
            snapshot,
            language,
            session_id,
            events,
            topics: Mutex::new(BTreeSet::new()),
            trace: TraceContext::new_root(),
            detected_over: None,
        }
    }

    /// Marks the turn's language as the one detected in the message, over the
    /// `session`'s (which answers a message nothing in the network recognised:
    /// detection is no better than a guess there).
    pub fn with_detected_language(self, session: Option<&'a MasterLanguage>) -> Self {
        Self {
            detected_over: session,
            ..self
        }
    }

    /// Continues `trace` instead of starting a new one.
    pub fn with_trace(self, trace: TraceContext) -> Self {
        Self { trace, ..self }
    }

    /// Answers `text` (already masked), streaming events, and returns the
    /// final answer (which has also been sent as the last event). `masked`
    /// names the kinds of personal data that were masked in it.
    pub async fn answer(&self, text: &str, masked: Vec<String>) -> Answered {
        let (decision, explanation) = self.snapshot.router.explain(text);
        self.answer_as(text, text, decision, explanation, masked).await
    }

    /// Answers `question`, an earlier message that got a clarifying question,
    /// as the citizen's `choice` among the options offered then; `typed` is
    /// what they sent now (the option's label), masked as `masked` says.
    pub async fn answer_choice(&self, typed: &str, question: &str, choice: &Choice, masked: Vec<String>) -> Answered {
        let decision = match choice {
            Choice::Agency(agency) => Decision::Agency {
                agency: agency.clone(),
                skill: String::new(),
                confidence: 1.0,
            },
            Choice::LifeEvent(id) => Decision::LifeEvent {
                id: id.clone(),
                confidence: 1.0,
            },
        };
        let explanation = Explanation {
            domain: choice.domain().name(),
            ..Explanation::default()
        };
        self.answer_as(typed, question, decision, explanation, masked).await
    }

    async fn answer_as(
        &self,
        typed: &str,
        text: &str,
        decision: Decision,
        explanation: Explanation,
        masked: Vec<String>,
    ) -> Answered {
        let final_answer = match &decision {
            Decision::Agency { agency, skill, .. } => self.single_agency(text, agency, skill, &decision).await,
            Decision::LifeEvent { id, .. } => self.life_event(text, id, &decision).await,
            Decision::Master { intent, .. } => self.master_intent(*intent, &decision).await,
            Decision::Clarify { choices, .. } => self.clarify(choices, &decision).await,
            Decision::OutOfScope { .. } if explanation.domain.is_empty() => self.not_understood(&decision).await,
            Decision::OutOfScope { .. } => self.out_of_scope(&decision).await,
        };
        let unanswered = match decision {
            Decision::Clarify { .. } => Some("clarify"),
            Decision::OutOfScope { .. } => Some("out-of-scope"),
            _ => None,
        };
        if let Some(outcome) = unanswered {
            self.master
                .metrics()
                .count_unanswered(explanation.concept_ids.iter().map(String::as_str), outcome);
        }
        let understood = unanswered.is_none();
        let handover = self.offer_handover(&final_answer, understood);
        // The clarifying options, by label, so the citizen's pick answers the question.
        let offered = match &decision {
            Decision::Clarify { choices, .. } => final_answer
                .options
                .iter()
                .cloned()
                .zip(choices.iter().cloned())
                .collect(),
            _ => Vec::new(),
        };
        let final_answer = FinalAnswer {
            masked_text: if masked.is_empty() {
                String::new()
            } else {
                typed.to_string()
            },
            masked,
            handover,
            explanation: Some(RoutingExplanation {
                detected_language: if self.detected_over.is_some() && final_answer.language == self.language.language {
                    self.language.language.clone()
                } else {
                    String::new()
                },
                ..explanation.into()
            }),
            ..final_answer
        };
        self.emit(Event::Final(final_answer.clone())).await;
        let topics = std::mem::take(&mut *self.topics.lock().unwrap_or_else(|p| p.into_inner()));
        Answered {
            final_answer,
            topics: topics.into_iter().collect(),
            offered,
        }
    }

    /// A human advisor is offered when the citizen asked for one, an agency
    /// said one is needed, or the assistant failed to understand twice in a row.
    fn offer_handover(&self, answer: &FinalAnswer, understood: bool) -> Option<HandoverOffer> {
        let not_understood = self.master.sessions().note_understood(self.session_id, understood);
        let reason = if answer.route == i32::from(Route::Human) {
            HandoverReason::Asked
        } else if answer.human_needed {
            HandoverReason::Agency
        } else if not_understood >= 2 {
            HandoverReason::NotUnderstood
        } else {
            return None;
        };
        let preferred = if answer.agency_ids.is_empty() {
            self.master.sessions().last_agencies(self.session_id)
        } else {
            answer.agency_ids.clone()
        };
        // In the answer's language: a message nothing recognised is answered in the session's.
        let language = self
            .master
            .content()
            .language(&answer.language)
            .unwrap_or(self.language);
        let offer = Handovers::new(self.master).handover_offer(self.snapshot, language, &preferred, reason)?;
        crate::metrics::Metrics::count(&self.master.metrics().handovers, "offered");
        Some(offer)
    }

    async fn emit(&self, event: Event) {
        // A citizen who stopped listening does not stop the answer; it is still recorded.
        let _ = self.events.send(Ok(AskEvent { event: Some(event) })).await;
    }

    async fn announce(&self, route: Route, decision: &Decision, agency_ids: Vec<String>) {
        self.emit(Event::Routing(RoutingDecision {
            route: route.into(),
            intent: decision.intent(),
            confidence: decision.confidence(),
            agency_ids,
        }))
        .await;
    }

    fn final_answer(&self, route: Route, decision: &Decision, text: String) -> FinalAnswer {
        FinalAnswer {
            route: route.into(),
            intent: decision.intent(),
            confidence: decision.confidence(),
            text,
            language: self.language.language.clone(),
            ..Default::default()
        }
    }

    /// The agency's display name ("Kommunen"); its id when the card is gone.
    fn name_of(&self, agency_id: &str) -> String {
        self.agency_name(agency_id, |card, language| localized(&card.display_name, language))
    }

    fn agency_name(&self, agency_id: &str, form: impl for<'c> Fn(&'c AssistantCard, &str) -> &'c str) -> String {
        self.snapshot
            .card(agency_id)
            .map(|card| form(card, &self.language.language).to_string())
            .unwrap_or_else(|| agency_id.to_string())
    }

    /// An agency as a choice: what it answers and its name ("skatt og
    /// folkeregisteret (Skatteetaten)"), or its name alone when its card has no topics.
    fn choice_in_words(&self, agency_id: &str) -> String {
        let Some(card) = self.snapshot.card(agency_id) else {
            return agency_id.to_string();
        };
        let language = &self.language.language;
        match card
            .topics
            .iter()
            .find(|t| t.language == *language && !t.text.trim().is_empty())
        {
            Some(topics) => fill(
                &self.language.texts.clarify_choice,
                &[("topics", &topics.text), ("agency", name_in_text(card, language))],
            ),
            None => name_in_text(card, language).to_string(),
        }
    }

    /// The agency's name inside a sentence ("kommunen" where the display name is "Kommunen").
    fn name_in_sentence(&self, agency_id: &str) -> String {
        self.agency_name(agency_id, name_in_text)
    }

    /// One agency answers; its referrals are followed up to the hop limit,
    /// never back to an agency already asked.
    async fn single_agency(&self, text: &str, agency_id: &str, skill: &str, decision: &Decision) -> FinalAnswer {
        self.announce(Route::Agency, decision, vec![agency_id.to_string()])
            .await;
        let mut answer = self.final_answer(Route::Agency, decision, String::new());
        let mut parts: Vec<String> = Vec::new();
        let mut visited = vec![agency_id.to_string()];
        let mut pending: VecDeque<(String, Referral, usize)> = VecDeque::new();

        let first = self.ask(agency_id, text, skill, "", &[]).await.and_then(|response| {
            // Declining with nothing to say and nowhere to send the citizen is no answer.
            if response.text.trim().is_empty() && response.referrals.is_empty() {
                Err(Failure::Declined)
            } else {
                Ok(response)
            }
        });
        match first {
            Ok(response) => {
                if skill.is_empty() {
                    // The domain was clear, the skill not: the agency chose, or gave its general guidance.
                    let skill = if response.skill_id.is_empty() {
                        GENERAL_GUIDANCE
                    } else {
                        &response.skill_id
                    };
                    answer.intent = format!("{agency_id}/{skill}");
                }
                if !response.text.trim().is_empty() {
                    parts.push(response.text.clone());
                }
                answer.human_needed |= response.human_needed;
                answer.checklist = plan::merge(response.checklist.iter().cloned(), &self.language.texts, None);
                pending.extend(response.referrals.iter().map(|r| (agency_id.to_string(), r.clone(), 1)));
                answer.agency_ids.push(agency_id.to_string());
                self.emit_answer(response, "").await;
            }
            Err(failure) => {
                parts.push(self.unavailable(agency_id, failure).await);
                answer.missing_agency_ids.push(agency_id.to_string());
            }
        }

        while let Some((from, referral, hop)) = pending.pop_front() {
            if visited.contains(&referral.agency_id) {
                continue;
            }
            visited.push(referral.agency_id.clone());
            let Some(target) = self.snapshot.agency(&referral.agency_id) else {
                parts.push(fill(
                    &self.language.texts.referral_unconnected,
                    &[
                        ("agency", &referral.name),
                        ("reason", &referral.reason),
                        ("url", &referral.url),
                    ],
                ));
                continue;
            };
            if hop > self.master.config().max_referral_hops {
                parts.push(format!("{} {}", referral.reason, referral.url));
                continue;
            }
            let path = &visited[..visited.len() - 1];
            match self.ask(&referral.agency_id, text, &referral.skill_id, "", path).await {
                Ok(response)
                    if response.state == i32::from(TaskState::Completed)
                        && (!referral.skill_id.is_empty()
                            || response.confidence >= self.master.config().thresholds.referral_confidence) =>
                {
                    let name = target
                        .card
                        .as_deref()
                        .map(|c| name_in_text(c, &self.language.language).to_string())
                        .unwrap_or_else(|| referral.name.clone());
                    parts.push(format!(
                        "{}\n{}",
                        fill(&self.language.texts.referral_followed, &[("agency", &name)]),
                        response.text
                    ));
                    answer.human_needed |= response.human_needed;
                    pending.extend(
                        response
                            .referrals
                            .iter()
                            .map(|r| (referral.agency_id.clone(), r.clone(), hop + 1)),
                    );
                    answer.agency_ids.push(referral.agency_id.clone());
                    self.emit_answer(response, &from).await;
                }
                Ok(_) => parts.push(format!("{} {}", referral.reason, referral.url)),
                Err(failure) => {
                    parts.push(self.unavailable(&referral.agency_id, failure).await);
                    answer.missing_agency_ids.push(referral.agency_id.clone());
                }
            }
        }
        answer.text = parts.join("\n\n");
        answer
    }

    /// Every agency serving the life event is asked at once, each with the
    /// citizen's (masked) message; the answers are merged into one plan.
    /// Agencies that fail are named, the rest still count.
    async fn life_event(&self, text: &str, event_id: &str, decision: &Decision) -> FinalAnswer {
        let serving: Vec<(&Agency, &AssistantCard)> = self
            .snapshot
            .known()
            .filter(|(_, card)| card.life_events.iter().any(|e| e.id == event_id))
            .collect();
        let ids: Vec<String> = serving.iter().map(|(_, card)| card.agency_id.clone()).collect();
        self.announce(Route::LifeEvent, decision, ids.clone()).await;
        let mut answer = self.final_answer(Route::LifeEvent, decision, String::new());
        if serving.is_empty() {
            answer.text = self.language.texts.no_agencies.clone();
            return answer;
        }

        let mut calls: FuturesUnordered<_> = ids
            .iter()
            .map(|id| async move { (id.as_str(), self.ask(id, text, "", event_id, &[]).await) })
            .collect();
        let mut responses: Vec<AskResponse> = Vec::new();
        let mut missing: Vec<String> = Vec::new();
        while let Some((id, outcome)) = calls.next().await {
            match outcome {
                Ok(response) if response.state == i32::from(TaskState::Completed) => {
                    responses.push(response.clone());
                    self.emit_answer(response, "").await;
                }
                Ok(_) => missing.push(self.unavailable(id, Failure::Declined).await),
                Err(failure) => missing.push(self.unavailable(id, failure).await),
            }
        }
        // Present agencies in configuration order, whatever order they answered in.
        responses.sort_by_key(|r| ids.iter().position(|id| *id == r.agency_id));
        answer.agency_ids = responses.iter().map(|r| r.agency_id.clone()).collect();
        answer.missing_agency_ids = ids
            .iter()
            .filter(|id| !answer.agency_ids.contains(id))
            .cloned()
            .collect();

        let texts = &self.language.texts;
        // The deadlines fall on days when the message says when the death was.
        let death = self.master.day_words().date_of_death(text, self.master.today());
        answer.checklist = plan::merge(responses.iter().flat_map(|r| r.checklist.iter().cloned()), texts, death);
        answer.plan_counted_from = death.map(|day| day.to_string()).unwrap_or_default();
        let event_name = serving
            .iter()
            .find_map(|(_, card)| card.life_events.iter().find(|e| e.id == event_id))
            .map(|event| localized(&event.name, &self.language.language).to_string())
            .unwrap_or_else(|| event_id.to_string());
        let names: Vec<String> = answer.agency_ids.iter().map(|id| self.name_in_sentence(id)).collect();
        let mut parts = vec![fill(
            &texts.life_event_intro,
            &[
                ("life_event", &event_name),
                ("agencies", &in_words(&names, &texts.list_and)),
            ],
        )];
        parts.extend(
            responses
                .iter()
                .map(|r| format!("{}: {}", self.name_of(&r.agency_id), r.text)),
        );
        parts.extend(missing);
        if let Some(day) = death {
            parts.push(fill(
                &texts.plan_counted_from,
                &[("date", &dates::in_words(day, texts))],
            ));
        }
        parts.push(self.render_plan(&answer.checklist));
        answer.text = parts.join("\n\n");
        answer
    }

    async fn master_intent(&self, intent: MasterIntent, decision: &Decision) -> FinalAnswer {
        let route = if intent == MasterIntent::Human {
            Route::Human
        } else {
            Route::SmallTalk
        };
        self.announce(route, decision, Vec::new()).await;
        let text = match intent {
            MasterIntent::Human => self.how_to_reach_a_human(),
            MasterIntent::OutOfScope => self.out_of_scope_text(),
            other => self.language.answer(other.id()).to_string(),
        };
        let mut answer = self.final_answer(route, decision, text);
        answer.human_needed = intent == MasterIntent::Human;
        answer
    }

    async fn clarify(&self, choices: &[Choice], decision: &Decision) -> FinalAnswer {
        self.announce(Route::Clarify, decision, Vec::new()).await;
        // Each choice by what it is about (the card's topics), so the citizen
        // need not know the agencies; the buttons start with a capital.
        let in_sentence: Vec<String> = choices
            .iter()
            .map(|choice| match choice {
                Choice::Agency(id) => self.choice_in_words(id),
                Choice::LifeEvent(_) => self.language.texts.clarify_life_event.clone(),
            })
            .collect();
        let options: Vec<String> = in_sentence.iter().map(|option| capitalised(option)).collect();
        let mut answer = self.final_answer(
            Route::Clarify,
            decision,
            fill(
                &self.language.texts.clarify,
                &[("options", &in_words(&in_sentence, &self.language.texts.list_or))],
            ),
        );
        answer.options = options;
        answer
    }

    /// About something known to be another service's: "I can't help with that here".
    async fn out_of_scope(&self, decision: &Decision) -> FinalAnswer {
        self.announce(Route::OutOfScope, decision, Vec::new()).await;
        self.final_answer(Route::OutOfScope, decision, self.out_of_scope_text())
    }

    /// Nothing in the message was recognised at all: "I didn't understand", in
    /// the session's language (a language detected in nonsense is a guess).
    async fn not_understood(&self, decision: &Decision) -> FinalAnswer {
        self.announce(Route::OutOfScope, decision, Vec::new()).await;
        let language = self.detected_over.unwrap_or(self.language);
        FinalAnswer {
            language: language.language.clone(),
            ..self.final_answer(Route::OutOfScope, decision, language.texts.not_understood.clone())
        }
    }

    fn out_of_scope_text(&self) -> String {
        let names: Vec<String> = self
            .snapshot
            .known()
            .map(|(_, card)| name_in_text(card, &self.language.language).to_string())
            .collect();
        fill(
            &self.language.texts.out_of_scope,
            &[("agencies", &in_words(&names, &self.language.texts.list_and))],
        )
    }

    /// Directions to a person at each agency, besides the handover offer.
    fn how_to_reach_a_human(&self) -> String {
        let texts = &self.language.texts;
        let mut lines = vec![texts.human_intro.clone()];
        for (_, card) in self.snapshot.known() {
            let contact = card.contact.clone().unwrap_or_default();
            let mut line = fill(
                &texts.human_agency_line,
                &[
                    ("agency", localized(&card.display_name, &self.language.language)),
                    ("phone", &contact.phone),
                    ("url", &contact.url),
                ],
            );
            if let Some(hours) = &card.advisor_hours {
                let HoursInWords { days, opens, closes } = HoursInWords::new(hours, texts);
                line.push_str(&fill(
                    &texts.human_agency_hours,
                    &[("days", &days), ("opens", &opens), ("closes", &closes)],
                ));
            }
            lines.push(format!("- {line}"));
        }
        if lines.len() == 1 {
            lines.push(texts.no_agencies.clone());
        }
        lines.join("\n")
    }

    /// The plan as text, grouped by phase, for chat clients that show text only.
    fn render_plan(&self, plan: &[PlanItem]) -> String {
        let mut out = String::new();
        let mut group = "";
        for item in plan {
            if item.group != group {
                group = &item.group;
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&item.group_label);
                out.push('\n');
            }
            let timing = if item.deadline_text.is_empty() {
                &item.when
            } else {
                &item.deadline_text
            };
            let from: Vec<String> = item.agency_ids.iter().map(|id| self.name_in_sentence(id)).collect();
            let condition = if item.only_if.is_empty() {
                String::new()
            } else {
                format!("{}: ", item.only_if)
            };
            let from = fill(&self.language.texts.from_agency, &[("agency", &from.join(", "))]);
            // A task with neither a deadline nor a time says only whose it is.
            let about = if timing.is_empty() {
                from
            } else {
                format!("{timing}; {from}")
            };
            out.push_str(&format!(
                "- {condition}{} ({about}): {} {}\n",
                item.title, item.action, item.link
            ));
        }
        out.trim_end().to_string()
    }

    async fn emit_answer(&self, answer: AskResponse, referred_by: &str) {
        let agency_name = self.name_of(&answer.agency_id);
        self.emit(Event::AgencyAnswer(AgencyAnswer {
            answer: Some(answer),
            agency_name,
            referred_by: referred_by.to_string(),
        }))
        .await;
    }

    /// Tells the citizen an agency is missing and returns the line for the answer text.
    async fn unavailable(&self, agency_id: &str, failure: Failure) -> String {
        let agency_name = self.name_of(agency_id);
        // The status code or the rule broken, never the agency's message (it
        // may quote the question); under load one line a second with a count.
        if let Some(count) = self
            .master
            .warnings()
            .tick(&format!("{agency_id}/{}", failure.as_str()))
        {
            match failure {
                Failure::Error(code) => {
                    tracing::warn!(agency = %agency_id, reason = failure.as_str(), code = ?code, count, "agency gave no answer");
                }
                Failure::InvalidAnswer(rule) => {
                    tracing::warn!(agency = %agency_id, reason = failure.as_str(), rule = rule.rule(), count, "agency answer refused");
                }
                _ => tracing::warn!(agency = %agency_id, reason = failure.as_str(), count, "agency gave no answer"),
            }
        }
        self.emit(Event::AgencyUnavailable(AgencyUnavailable {
            agency_id: agency_id.to_string(),
            agency_name: agency_name.clone(),
            reason: failure.as_str().to_string(),
        }))
        .await;
        let url = self
            .snapshot
            .card(agency_id)
            .map(|c| c.homepage.clone())
            .unwrap_or_default();
        fill(
            &self.language.texts.agency_unavailable,
            &[("agency", &agency_name), ("url", &url)],
        )
    }

    /// One call to an agency, its answer checked against the contract.
    async fn attempt(
        &self,
        agency_id: &str,
        agency: &Agency,
        language: &str,
        request: tonic::Request<agency::AskRequest>,
        deadline: tokio::time::Instant,
    ) -> Result<AskResponse, Failure> {
        let mut client = agency.client.clone();
        match tokio::time::timeout_at(deadline, client.ask(request)).await {
            Err(_) => Err(Failure::Timeout),
            // One set of rules for every answer, single or part of a plan.
            Ok(Ok(response)) => {
                let mut response = response.into_inner();
                match agency
                    .card
                    .as_deref()
                    .map(|card| contract::check_answer(card, language, &response))
                {
                    Some(Ok(())) => {
                        // Items with no owner are the answering agency's.
                        for item in response.checklist.iter_mut().filter(|i| i.agency_id.is_empty()) {
                            item.agency_id = agency_id.to_string();
                        }
                        Ok(response)
                    }
                    Some(Err(rule)) => Err(Failure::InvalidAnswer(rule)),
                    None => Err(Failure::Unreachable),
                }
            }
            // Larger than the client decodes: too long by any rule.
            Ok(Err(status)) if too_large(&status) => Err(Failure::InvalidAnswer(Violation::AnswerTooLong)),
            Ok(Err(status)) => Err(match status.code() {
                tonic::Code::Unavailable => Failure::Unreachable,
                tonic::Code::DeadlineExceeded | tonic::Code::Cancelled => Failure::Timeout,
                tonic::Code::ResourceExhausted => Failure::Overloaded,
                code => Failure::Error(code),
            }),
        }
    }

    /// The citizen's profile token for `agency_id`, when they logged in and consented.
    async fn profile_token(&self, agency_id: &str, agency: &Agency) -> Option<String> {
        let profiles = self.master.profiles()?;
        let citizen_token = self.master.sessions().citizen_token(self.session_id)?;
        let declared = &agency.card.as_deref()?.profile_attributes;
        profiles
            .token_for(self.session_id, &citizen_token, agency_id, declared)
            .await
    }

    /// One call to one agency, with its own deadline. The deadline covers the
    /// profile token too: minting may take at most half of it, and without a
    /// token by then the agency is asked without profile data.
    async fn ask(
        &self,
        agency_id: &str,
        text: &str,
        skill: &str,
        life_event: &str,
        referral_path: &[String],
    ) -> Result<AskResponse, Failure> {
        let limit = self.master.config().agency_timeout;
        let deadline = tokio::time::Instant::now() + limit;
        let agency = self.snapshot.agency(agency_id).ok_or(Failure::Unreachable)?;
        // Failed its last checks in a row: the citizen hears at once, without a wait.
        if agency.down {
            return Err(Failure::Unreachable);
        }
        // The turn's language if the agency speaks it, else the agency's first.
        let card_languages = agency
            .card
            .as_deref()
            .map(|card| card.languages.as_slice())
            .unwrap_or_default();
        let language = if card_languages.is_empty() || card_languages.contains(&self.language.language) {
            self.language.language.clone()
        } else {
            card_languages[0].clone()
        };
        let message = agency::AskRequest {
            text: text.to_string(),
            language: language.clone(),
            skill_id: skill.to_string(),
            life_event: life_event.to_string(),
            conversation_id: format!(
                "{:016x}",
                self.master.pseudonyms().hash_one((self.session_id, agency_id))
            ),
            referral_path: referral_path.to_vec(),
        };
        let token = match tokio::time::timeout(limit / 2, self.profile_token(agency_id, agency)).await {
            Ok(token) => token,
            Err(_) => {
                tracing::warn!(agency = %agency_id, "no profile token within half the call's deadline");
                None
            }
        };
        let authorization = token.and_then(|token| {
            match format!("Bearer {token}").parse::<tonic::metadata::MetadataValue<tonic::metadata::Ascii>>() {
                Ok(value) => Some(value),
                Err(_) => {
                    tracing::warn!(agency = %agency_id, "profile token not usable as metadata");
                    None
                }
            }
        });
        // An agency that says it is overloaded, or whose pod was gone while
        // others serve, is asked again after a pause that doubles, as long as
        // the pause and another try fit in the deadline.
        let mut pause = OVERLOADED_FIRST_PAUSE;
        let mut pod_retries = 0;
        let outcome = loop {
            let mut request = tonic::Request::new(message.clone());
            self.trace.child().inject(request.metadata_mut());
            if let Some(value) = &authorization {
                request.metadata_mut().insert("authorization", value.clone());
            }
            request.set_timeout(deadline.saturating_duration_since(tokio::time::Instant::now()));
            let outcome = self.attempt(agency_id, agency, &language, request, deadline).await;
            let retry_fits = tokio::time::Instant::now() + pause * 3 < deadline;
            let worth_another_try = match &outcome {
                Err(Failure::Overloaded) => true,
                // The pod it reached is gone while others serve: once or twice,
                // after the pods are checked again, never as a storm.
                Err(Failure::Unreachable) => match &agency.pods {
                    Some(pods) if pods.serving() >= 2 && pod_retries < MAX_POD_RETRIES => {
                        pods.recheck();
                        pod_retries += 1;
                        true
                    }
                    _ => false,
                },
                _ => false,
            };
            if !(worth_another_try && retry_fits) {
                break outcome;
            }
            self.master
                .metrics()
                .agency_retries
                .get_or_create(&AgencyLabel {
                    agency: agency_id.to_string(),
                })
                .inc();
            tokio::time::sleep(pause).await;
            pause *= 2;
        };
        self.master
            .metrics()
            .agency_calls
            .get_or_create(&AgencyOutcomeLabels {
                agency: agency_id.to_string(),
                outcome: outcome.as_ref().map_or_else(|f| f.as_str(), |_| "ok").to_string(),
            })
            .inc();
        if let (Ok(response), Some(card)) = (&outcome, agency.card.as_deref()) {
            let topic = card
                .skills
                .iter()
                .find(|skill| skill.id == response.skill_id && !skill.topic.is_empty());
            if let Some(skill) = topic {
                self.topics
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(skill.topic.clone());
            }
        }
        outcome
    }
}
