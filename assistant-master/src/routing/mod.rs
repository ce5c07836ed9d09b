//! Understanding what the citizen wants: the domain first (an agency, the
//! life event, a person, or none of them), then the skill.
//!
//! Everything the router knows comes from content: the example utterances
//! and the concept vocabulary of the agencies' cards and of the master's own
//! content. An agency teaches the master new questions and new words by
//! editing its content; there are no keyword lists in this code.
//!
//! [`evidence`] gathers what a message says (closeness to each target's
//! examples, sentence by sentence, and the concept terms in it); the rules
//! in [`Router::decide`] weigh it; then a learned [`Model`] weighs the
//! rules' choice with the evidence ([`features`]) and has the last word on
//! the domain. [`train`] fits that model on labelled messages.

mod evidence;
mod features;
mod model;
pub mod train;

use std::collections::BTreeSet;

use veiviser_proto::agency::v1::AssistantCard;
use veiviser_textmatch::{Index, Vocabulary};

use crate::content::MasterContent;
pub use crate::content::MasterIntent;
use evidence::{ConceptRef, Evidence};
pub use features::{Candidate, FEATURES, Kind, message_words};
pub use model::Model;

/// The skill named in `<agency>/<skill>` when a message is in an agency's
/// domain but none of its skills fits: the agency then gives its general
/// guidance (or picks a skill itself).
pub const GENERAL_GUIDANCE: &str = "general";

/// Where a message can be routed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// A skill of one agency.
    Skill { agency: String, skill: String },
    /// A life event that every contributing agency answers together.
    LifeEvent(String),
    /// One of the master's own intents.
    Master(MasterIntent),
}

impl Target {
    /// Whose domain the target is in.
    pub fn domain(&self) -> Domain {
        match self {
            Self::Skill { agency, .. } => Domain::Agency(agency.clone()),
            Self::LifeEvent(id) => Domain::LifeEvent(id.clone()),
            Self::Master(intent) => Domain::Master(*intent),
        }
    }
}

/// Whose domain a message is in: the first thing the router decides.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Domain {
    Agency(String),
    LifeEvent(String),
    /// The master's own: a person, small talk, or out of scope.
    Master(MasterIntent),
}

impl Domain {
    /// The agency's id, when the domain is an agency's.
    pub fn agency_id(&self) -> Option<&str> {
        match self {
            Self::Agency(id) => Some(id),
            _ => None,
        }
    }

    /// "nav", "life-event/dodsfall-og-arv", "human", …
    pub fn name(&self) -> String {
        match self {
            Self::Agency(id) => id.clone(),
            Self::LifeEvent(id) => format!("life-event/{id}"),
            Self::Master(intent) => intent.id().to_string(),
        }
    }
}

/// The levels the decision rules use. Chosen on the blind routing set's
/// `dev` split (see BENCHMARKS.md, "Routing"); scores are cosine
/// similarities (0–1) to a target's closest examples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// An agency whose best example scores at least this is in the message's
    /// domain even without a concept term.
    pub domain_from_examples: f32,
    /// How much one concept term adds to its domain's score.
    pub concept_bonus: f32,
    /// A domain scoring below this is not where the message belongs.
    pub route_above: f32,
    /// Within an agency, the best skill is named when its examples score at
    /// least this (or a concept names it); otherwise the agency answers with
    /// its general guidance.
    pub skill_above: f32,
    /// When the two best agencies both have concept terms and score within
    /// this margin of each other, the master asks which one is meant.
    pub ambiguity_margin: f32,
    /// Small talk wins when its examples score at least this above the best
    /// agency.
    pub master_margin: f32,
    /// Out of scope when the out-of-scope examples score within this margin
    /// of the best agency (concept terms included).
    pub out_of_scope_margin: f32,
    /// After a death, when several agencies' concepts are found and none in
    /// a question, the best agency alone is asked if it leads by this much.
    pub one_of_several_margin: f32,
    /// After a death, a part of a question asking several things counts as
    /// asking the agency whose examples it comes this close to.
    pub clause_above: f32,

    /// How many closest examples of an intent its score averages.
    pub neighbours: usize,
    /// Letter sequences in more than this share of the examples are left
    /// out of ranking (they weigh little and cost most).
    pub max_feature_share: f32,
    /// How much of an intent's score is similarity to the mean of its examples.
    pub centroid_weight: f32,
    /// A referred agency's answer is shown only when the referral named a
    /// skill or the agency is at least this confident it understood.
    pub referral_confidence: f32,
    /// When the rules ask which of two agencies is meant, the learned
    /// decision routes to one of them only when it is this much more
    /// probable than the other.
    pub clarify_margin: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            domain_from_examples: 0.3,
            concept_bonus: 0.2,
            route_above: 0.22,
            skill_above: 0.3,
            ambiguity_margin: 0.03,
            master_margin: 0.05,
            out_of_scope_margin: 0.07,
            one_of_several_margin: 0.15,
            clause_above: 0.45,
            neighbours: 3,
            max_feature_share: 0.1,
            centroid_weight: 0.3,
            referral_confidence: 0.35,
            clarify_margin: 0.3,
        }
    }
}

/// A choice offered in a clarifying question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Agency(String),
    LifeEvent(String),
}

impl Choice {
    /// The domain this choice stands for.
    pub fn domain(&self) -> Domain {
        match self {
            Self::Agency(id) => Domain::Agency(id.clone()),
            Self::LifeEvent(id) => Domain::LifeEvent(id.clone()),
        }
    }
}

/// What the router decided for one message.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Agency {
        agency: String,
        skill: String,
        confidence: f32,
    },
    LifeEvent {
        id: String,
        confidence: f32,
    },
    Master {
        intent: MasterIntent,
        confidence: f32,
    },
    Clarify {
        choices: Vec<Choice>,
        confidence: f32,
    },
    OutOfScope {
        confidence: f32,
    },
}

impl Decision {
    /// The intent name reported to clients: "<agency>/<skill>" (the skill
    /// [`GENERAL_GUIDANCE`] when none was named), "life-event/<id>", a master
    /// intent id, or "unclear".
    pub fn intent(&self) -> String {
        match self {
            Self::Agency { agency, skill, .. } if skill.is_empty() => format!("{agency}/{GENERAL_GUIDANCE}"),
            Self::Agency { agency, skill, .. } => format!("{agency}/{skill}"),
            Self::LifeEvent { id, .. } => format!("life-event/{id}"),
            Self::Master { intent, .. } => intent.id().to_string(),
            Self::Clarify { .. } => "unclear".to_string(),
            Self::OutOfScope { .. } => MasterIntent::OutOfScope.id().to_string(),
        }
    }

    pub fn confidence(&self) -> f32 {
        match self {
            Self::Agency { confidence, .. }
            | Self::LifeEvent { confidence, .. }
            | Self::Master { confidence, .. }
            | Self::Clarify { confidence, .. }
            | Self::OutOfScope { confidence } => *confidence,
        }
    }
}

/// Why the router decided as it did, for content owners (`ask --json`'s
/// `explanation`): never the citizen's text, only the content that matched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Explanation {
    /// The domain chosen, as [`Domain::name`] gives it ("" when none).
    pub domain: String,
    /// The concept terms found: "owner/concept: term".
    pub concepts: Vec<String>,
    /// The concepts found, once each: "owner/concept".
    pub concept_ids: Vec<String>,
    /// The closest example of the chosen target, from its content.
    pub nearest_example: String,
    /// The best domain not chosen, and its score.
    pub runner_up: String,
    pub runner_up_score: f32,
    /// The message says someone died.
    pub death: bool,
}

impl From<Explanation> for veiviser_proto::master::v1::RoutingExplanation {
    fn from(explanation: Explanation) -> Self {
        Self {
            domain: explanation.domain,
            concepts: explanation.concepts,
            nearest_example: explanation.nearest_example,
            runner_up: explanation.runner_up,
            runner_up_score: explanation.runner_up_score,
            death: explanation.death,
            detected_language: String::new(),
        }
    }
}

/// The trained router: examples and concept vocabulary of every card and of
/// the master's own content.
#[derive(Debug)]
pub struct Router {
    index: Index<Target>,
    vocabulary: Vocabulary<ConceptRef>,
    /// The life events each (agency, skill) contributes its checklist items to.
    event_skills: std::collections::BTreeMap<(String, String), Vec<String>>,
    /// Words that begin a question in every language the master speaks.
    question_words: std::collections::HashSet<String>,
    /// Life events some agency in the network contributes to.
    life_events: BTreeSet<String>,
    /// The agencies of the cards, in their order.
    agencies: Vec<String>,
    thresholds: Thresholds,
    /// The learned decision over the rules' choice; `None`: the rules alone.
    model: Option<Model>,
}

/// Whether `skill` only stands in for an agency that is itself in `cards`.
fn stands_in(skill: &veiviser_proto::agency::v1::Skill, cards: &[AssistantCard]) -> bool {
    !skill.stands_in_for.is_empty() && cards.iter().any(|card| card.agency_id == skill.stands_in_for)
}

impl Router {
    /// Trains on every skill and life-event example and every concept term
    /// in `cards`, and on the master's own intents and concepts, in every
    /// language. A skill that stands in for an agency in `cards` is left
    /// out, examples and concepts: its questions are the owner's.
    pub fn new(cards: &[AssistantCard], master: &MasterContent, thresholds: Thresholds) -> Self {
        let mut examples: Vec<(Target, String)> = Vec::new();
        let mut terms: Vec<(ConceptRef, String)> = Vec::new();
        let mut life_events = BTreeSet::new();
        let mut event_skills = std::collections::BTreeMap::new();
        for card in cards {
            let agency = Domain::Agency(card.agency_id.clone());
            for skill in &card.skills {
                // Only the life events the card declares count.
                let events: Vec<String> = skill
                    .life_events
                    .iter()
                    .filter(|id| card.life_events.iter().any(|e| &e.id == *id))
                    .cloned()
                    .collect();
                if !events.is_empty() {
                    event_skills.insert((card.agency_id.clone(), skill.id.clone()), events);
                }
                if stands_in(skill, cards) {
                    continue;
                }
                let target = Target::Skill {
                    agency: card.agency_id.clone(),
                    skill: skill.id.clone(),
                };
                examples.extend(skill.examples.iter().map(|e| (target.clone(), e.text.clone())));
            }
            for event in &card.life_events {
                life_events.insert(event.id.clone());
                let target = Target::LifeEvent(event.id.clone());
                examples.extend(event.examples.iter().map(|e| (target.clone(), e.text.clone())));
            }
            // The agency's own name is a term of its domain.
            let name = ConceptRef {
                id: format!("{}/name", card.agency_id),
                domain: agency.clone(),
                skill: None,
            };
            terms.extend(card.display_name.iter().map(|n| (name.clone(), n.text.clone())));
            for concept in &card.concepts {
                let skill = card.skills.iter().find(|s| s.id == concept.skill);
                if skill.is_some_and(|skill| stands_in(skill, cards)) {
                    continue;
                }
                let known_skill = skill.is_some();
                let reference = ConceptRef {
                    id: format!("{}/{}", card.agency_id, concept.id),
                    domain: if concept.life_event.is_empty() {
                        agency.clone()
                    } else {
                        Domain::LifeEvent(concept.life_event.clone())
                    },
                    skill: known_skill.then(|| concept.skill.clone()),
                };
                terms.extend(concept.terms.iter().map(|t| (reference.clone(), t.text.clone())));
            }
        }
        for language in master.languages() {
            for intent in &language.intents {
                if let Some(id) = MasterIntent::from_id(&intent.id) {
                    examples.extend(intent.examples.iter().map(|e| (Target::Master(id), e.clone())));
                }
            }
            for concept in &language.concepts {
                let domain = match (&concept.intent, &concept.life_event) {
                    (Some(intent), _) => MasterIntent::from_id(intent).map(Domain::Master),
                    (None, Some(event)) => Some(Domain::LifeEvent(event.clone())),
                    (None, None) => None,
                };
                let Some(domain) = domain else { continue };
                let reference = ConceptRef {
                    id: format!("master/{}", concept.id),
                    domain,
                    skill: None,
                };
                terms.extend(concept.terms.iter().map(|t| (reference.clone(), t.clone())));
            }
        }
        let question_words = master
            .languages()
            .flat_map(|language| language.question_words.iter().map(|w| w.to_lowercase()))
            .collect();
        Self {
            event_skills,
            question_words,
            index: Index::new(examples)
                .with_neighbours(thresholds.neighbours)
                .with_centroid_weight(thresholds.centroid_weight)
                .with_max_feature_share(thresholds.max_feature_share),
            vocabulary: Vocabulary::new(terms),
            life_events,
            agencies: cards.iter().map(|card| card.agency_id.clone()).collect(),
            thresholds,
            model: Some(Model::embedded()),
        }
    }

    /// The same router with another learned decision (`None`: the rules alone).
    pub fn with_model(mut self, model: Option<Model>) -> Self {
        self.model = model;
        self
    }

    /// What the learned decision weighs for one (masked) message: every
    /// candidate domain and its features, as [`features::candidates`] gives
    /// them, and the message's words.
    pub fn candidates(&self, text: &str) -> (Vec<Candidate>, Vec<String>) {
        let text = crate::text::without_placeholders(text);
        let evidence = Evidence::gather(&self.index, &self.vocabulary, &self.question_words, &text);
        let rules = self.rules(&evidence, &mut Explanation::default());
        (self.candidates_of(&evidence, &rules), message_words(&text))
    }

    fn candidates_of(&self, evidence: &Evidence<'_>, rules: &Decision) -> Vec<Candidate> {
        let event_tasks: Vec<usize> = self
            .life_events
            .iter()
            .map(|id| self.agencies_with_tasks_of(evidence, id))
            .collect();
        let died = self.life_events.iter().any(|id| {
            let event = Domain::LifeEvent(id.clone());
            evidence.concept_weight(&event) > 0.0
                || evidence.score(&event, self.thresholds.concept_bonus) >= self.thresholds.domain_from_examples
        });
        let clause_agencies = match died {
            true => evidence.clause_agencies(&self.index, self.thresholds.clause_above),
            false => Vec::new(),
        };
        let network = features::Network {
            agencies: &self.agencies,
            life_events: &self.life_events,
            event_tasks: &event_tasks,
            clause_agencies: &clause_agencies,
        };
        features::candidates(&network, evidence, rules, &self.thresholds)
    }

    pub fn example_count(&self) -> usize {
        self.index.example_count()
    }

    pub fn term_count(&self) -> usize {
        self.vocabulary.term_count()
    }

    /// Decides what to do with one (masked) message.
    pub fn decide(&self, text: &str) -> Decision {
        self.explain(text).0
    }

    /// Decides, and says why.
    pub fn explain(&self, text: &str) -> (Decision, Explanation) {
        let text = crate::text::without_placeholders(text);
        let evidence = Evidence::gather(&self.index, &self.vocabulary, &self.question_words, &text);
        let mut explanation = Explanation {
            concepts: evidence
                .concepts
                .iter()
                .map(|found| format!("{}: {}", found.label.id, found.term))
                .collect(),
            concept_ids: evidence.concepts.iter().fold(Vec::new(), |mut ids, found| {
                if !ids.contains(&found.label.id) {
                    ids.push(found.label.id.clone());
                }
                ids
            }),
            ..Explanation::default()
        };
        let decision = self.rules(&evidence, &mut explanation);
        let decision = self.learned(&text, &evidence, decision, &mut explanation);
        let chosen = match &decision {
            Decision::Agency { agency, skill, .. } if !skill.is_empty() => Some(Target::Skill {
                agency: agency.clone(),
                skill: skill.clone(),
            }),
            Decision::Agency { agency, .. } => evidence
                .best_in(&Domain::Agency(agency.clone()))
                .map(|(target, _)| target.clone()),
            Decision::LifeEvent { id, .. } => Some(Target::LifeEvent(id.clone())),
            Decision::Master { intent, .. } => Some(Target::Master(*intent)),
            Decision::Clarify { .. } | Decision::OutOfScope { .. } => None,
        };
        if let Some(target) = chosen {
            explanation.nearest_example = evidence
                .targets
                .iter()
                .find(|(t, _)| **t == target)
                .and_then(|(_, closest)| closest.example)
                .and_then(|number| self.index.example(number))
                .unwrap_or_default()
                .to_string();
        }
        (decision, explanation)
    }

    /// The decision rules, domain first.
    fn rules(&self, evidence: &Evidence<'_>, explanation: &mut Explanation) -> Decision {
        let t = &self.thresholds;
        let top_score = evidence.targets.first().map_or(0.0, |(_, c)| c.score);
        // Every domain's score: its best example, plus its concept terms.
        let mut domains: Vec<(Domain, f32, f32)> = evidence
            .domains()
            .map(|domain| {
                let score = evidence.score(domain, t.concept_bonus);
                (domain.clone(), score, evidence.concept_weight(domain))
            })
            .collect();
        domains.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let score_of = |domain: &Domain| {
            domains
                .iter()
                .find(|(d, _, _)| d == domain)
                .map_or((0.0, 0.0), |(_, s, c)| (*s, *c))
        };
        let mut decide = |domain: Option<&Domain>, decision: Decision| {
            explanation.domain = domain.map(Domain::name).unwrap_or_default();
            if let Some((runner_up, score, _)) = domains.iter().find(|(d, _, _)| Some(d) != domain) {
                explanation.runner_up = runner_up.name();
                explanation.runner_up_score = *score;
            }
            decision
        };

        // 1. Asking for a person wins, whatever else the message says.
        let human = Domain::Master(MasterIntent::Human);
        let (human_score, human_concepts) = score_of(&human);
        let best_other = domains.iter().find(|(d, _, _)| *d != human).map_or(0.0, |(_, s, _)| *s);
        if human_concepts > 0.0 || (human_score >= t.route_above && human_score >= best_other) {
            return decide(
                Some(&human),
                Decision::Master {
                    intent: MasterIntent::Human,
                    confidence: human_score.min(1.0),
                },
            );
        }

        // The agencies the message points at: concept terms, or close examples.
        let agencies: Vec<(&Domain, f32, f32)> = domains
            .iter()
            .filter(|(d, _, _)| d.agency_id().is_some())
            .map(|(d, s, c)| (d, *s, *c))
            .collect();
        // Another service named in the question, and no agency there.
        let out_of_scope = Domain::Master(MasterIntent::OutOfScope);
        let asks_another_service = evidence.asked_in(&out_of_scope) > 0 && !evidence.asks_an_agency();
        // Tasks of two or more agencies that all belong to one life event are that life event.
        let agencies_with_tasks_of = |event_id: &str| self.agencies_with_tasks_of(evidence, event_id);
        let died = |event: &Domain| {
            let (score, concepts) = score_of(event);
            concepts > 0.0 || (score >= t.domain_from_examples && Some(score) == domains.first().map(|d| d.1))
        };
        // 2. Someone died: the life-event plan, unless one agency is clearly asked one thing.
        let death = self
            .life_events
            .iter()
            .map(|id| (id, Domain::LifeEvent(id.clone())))
            .find(|(id, event)| died(event) || agencies_with_tasks_of(id) >= 2);
        if let Some((event_id, event)) = death {
            explanation.death = died(&event);
            let (event_score, _) = score_of(&event);
            // Someone died and "what now?": the plan, whatever else.
            let asks_what_now = evidence.concept_count(&event) >= 2;
            let with_concepts: Vec<&(&Domain, f32, f32)> = agencies.iter().filter(|(_, _, c)| *c > 0.0).collect();
            // What the questions ask of which agencies; the story around them is context.
            let mut asked: Vec<&Domain> = evidence.asked_agencies();
            // A part of the question that no concept term names may still be
            // close to an agency's examples: that agency is asked too.
            let by_examples = evidence.clause_agencies(&self.index, t.clause_above);
            for domain in &by_examples {
                if let Some((d, _, _)) = agencies.iter().find(|(d, _, _)| *d == domain)
                    && !asked.contains(d)
                {
                    asked.push(d);
                }
            }
            let event_examples = evidence.example_score(&event);
            let one = match (asked.as_slice(), with_concepts.as_slice()) {
                ([only], _) => agencies.iter().find(|(d, _, _)| d == only).copied(),
                ([], [only]) => Some(**only),
                // Several agencies' words, none in a question, one far ahead:
                // the others are context ("she died at the nursing home").
                ([], [first, second, ..]) => (first.1 - second.1 >= t.one_of_several_margin).then_some(**first),
                // With no concept term, an agency's examples must come closer than the event's own.
                ([], []) => agencies.first().copied().filter(|(d, _, _)| {
                    let score = evidence.example_score(d);
                    score >= t.route_above && score > event_examples
                }),
                _ => None,
            };
            // Other services' words and no agency's (or other services' words in
            // the question and no agency's there): not ours, even after a death.
            let (_, oos_concepts) = score_of(&out_of_scope);
            if !asks_what_now && ((with_concepts.is_empty() && oos_concepts > 0.0) || asks_another_service) {
                return decide(
                    Some(&Domain::Master(MasterIntent::OutOfScope)),
                    Decision::OutOfScope { confidence: top_score },
                );
            }
            if let (false, Some((agency, score, _))) = (asks_what_now, one)
                && let Some(id) = agency.agency_id()
            {
                return decide(
                    Some(agency),
                    Decision::Agency {
                        agency: id.to_string(),
                        skill: self.clear_skill(evidence, agency).unwrap_or_default(),
                        confidence: score.min(1.0),
                    },
                );
            }
            return decide(
                Some(&event),
                Decision::LifeEvent {
                    id: event_id.clone(),
                    confidence: event_score.max(top_score).min(1.0),
                },
            );
        }

        // 3. The master's own small talk when clearly closer than any agency,
        // and out of scope when other services' words (and no agency's) are
        // found, or the out-of-scope examples come about as close as the best agency.
        let best_agency = agencies.first().map_or(0.0, |(_, s, _)| *s);
        let agency_concepts = agencies.iter().any(|(_, _, c)| *c > 0.0);
        if let Some((Domain::Master(intent), score, _)) = domains.first() {
            // "Hei, jeg heter …" before an agency's question is no greeting.
            let small_talk = !matches!(intent, MasterIntent::OutOfScope | MasterIntent::Human) && !agency_concepts;
            if small_talk && *score >= best_agency + t.master_margin && *score >= t.route_above {
                let domain = Domain::Master(*intent);
                return decide(
                    Some(&domain),
                    Decision::Master {
                        intent: *intent,
                        confidence: score.min(1.0),
                    },
                );
            }
        }
        let (oos_score, oos_concepts) = score_of(&out_of_scope);
        if (oos_concepts > 0.0 && !agency_concepts)
            || asks_another_service
            || (best_agency >= t.route_above && best_agency - oos_score < t.out_of_scope_margin)
        {
            return decide(
                Some(&out_of_scope),
                Decision::OutOfScope {
                    confidence: oos_score.min(1.0),
                },
            );
        }

        // 4. One agency's domain: its best skill, or its general guidance.
        let Some((agency, score, concepts)) = agencies.first().copied() else {
            return decide(None, Decision::OutOfScope { confidence: top_score });
        };
        if score < t.route_above {
            return decide(None, Decision::OutOfScope { confidence: top_score });
        }
        if let Some((second, second_score, second_concepts)) = agencies.get(1).copied()
            && concepts > 0.0
            && second_concepts > 0.0
            && score - second_score < t.ambiguity_margin
        {
            let choices = [agency, second]
                .iter()
                .filter_map(|d| d.agency_id().map(|id| Choice::Agency(id.to_string())))
                .collect();
            return decide(
                None,
                Decision::Clarify {
                    choices,
                    confidence: score.min(1.0),
                },
            );
        }
        let Some(id) = agency.agency_id() else {
            return decide(None, Decision::OutOfScope { confidence: top_score });
        };
        let skill = self.clear_skill(evidence, agency).unwrap_or_default();
        decide(
            Some(agency),
            Decision::Agency {
                agency: id.to_string(),
                skill,
                confidence: score.min(1.0),
            },
        )
    }

    /// How many agencies the message's questions ask for tasks (concepts
    /// naming a skill) that belong to the life event `event_id`.
    fn agencies_with_tasks_of(&self, evidence: &Evidence<'_>, event_id: &str) -> usize {
        evidence
            .asked
            .iter()
            .filter_map(|found| {
                let agency = found.label.domain.agency_id()?;
                let skill = found.label.skill.as_ref()?;
                self.event_skills
                    .get(&(agency.to_string(), skill.clone()))
                    .is_some_and(|events| events.iter().any(|e| e == event_id))
                    .then_some(agency)
            })
            .collect::<BTreeSet<&str>>()
            .len()
    }

    /// The learned decision: the rules' choice stands when the model's most
    /// probable candidate agrees with it (or, for a clarifying question, is
    /// one of its choices and not clearly ahead of the other); otherwise the
    /// model's candidate is routed to.
    fn learned(&self, text: &str, evidence: &Evidence<'_>, rules: Decision, explanation: &mut Explanation) -> Decision {
        let Some(model) = &self.model else { return rules };
        let candidates = self.candidates_of(evidence, &rules);
        let words = match model.words.is_empty() {
            true => Vec::new(),
            false => message_words(text),
        };
        let p = model.probabilities(&candidates, &words);
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by(|a, b| p[*b].total_cmp(&p[*a]));
        let Some(&best) = order.first() else { return rules };
        let chosen = &candidates[best];
        // The rules' choice (1) or one of their two choices (a half).
        let rules_chose = chosen.features[1];
        if rules_chose >= 1.0 {
            return rules;
        }
        if rules_chose > 0.0 {
            let other = order[1..].iter().find(|&&i| candidates[i].features[1] > 0.0);
            if other.is_some_and(|&i| p[best] - p[i] < self.thresholds.clarify_margin) {
                return rules;
            }
        }
        explanation.domain = chosen.domain.name();
        if let Some(&second) = order.get(1) {
            explanation.runner_up = candidates[second].domain.name();
            explanation.runner_up_score = evidence.score(&candidates[second].domain, self.thresholds.concept_bonus);
        }
        let confidence = p[best];
        match (&chosen.domain, rules) {
            (Domain::Agency(id), _) => Decision::Agency {
                agency: id.clone(),
                skill: self.clear_skill(evidence, &chosen.domain).unwrap_or_default(),
                confidence,
            },
            (Domain::LifeEvent(id), _) => Decision::LifeEvent {
                id: id.clone(),
                confidence,
            },
            (Domain::Master(MasterIntent::Human), _) => Decision::Master {
                intent: MasterIntent::Human,
                confidence,
            },
            // Not ours: the rules' small talk stays small talk.
            (
                _,
                small_talk @ Decision::Master {
                    intent: MasterIntent::Greeting | MasterIntent::Thanks | MasterIntent::Capabilities,
                    ..
                },
            ) => small_talk,
            (Domain::Master(_), _) => Decision::OutOfScope { confidence },
        }
    }

    /// The skill of `agency` the message clearly asks about: the one its
    /// concept terms name, else its best skill if the examples come close
    /// enough.
    fn clear_skill(&self, evidence: &Evidence<'_>, agency: &Domain) -> Option<String> {
        if let Some((skill, _)) = evidence.concept_skills(agency).first() {
            return Some(skill.to_string());
        }
        match evidence.best_in(agency) {
            Some((Target::Skill { skill, .. }, closest)) if closest.score >= self.thresholds.skill_above => {
                Some(skill.clone())
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use veiviser_proto::agency::v1::{AssistantCard, Concept, LifeEvent, LocalizedText, Skill};

    use super::*;

    fn texts(items: &[&str]) -> Vec<LocalizedText> {
        items
            .iter()
            .map(|text| LocalizedText {
                language: "nb".into(),
                text: text.to_string(),
            })
            .collect()
    }

    fn concept(id: &str, skill: &str, life_event: &str, terms: &[&str]) -> Concept {
        Concept {
            id: id.into(),
            skill: skill.into(),
            life_event: life_event.into(),
            terms: texts(terms),
        }
    }

    /// Two made-up agencies with made-up words, so the rules are tested, not the real content.
    fn router() -> Router {
        let card = |id: &str, skill: &str, examples: &[&str], concepts: Vec<Concept>| AssistantCard {
            agency_id: id.into(),
            skills: vec![Skill {
                id: skill.into(),
                examples: texts(examples),
                ..Skill::default()
            }],
            life_events: vec![LifeEvent {
                id: "livshendelse".into(),
                examples: texts(&["zorblat skjedde, hva gjør vi nå"]),
                ..LifeEvent::default()
            }],
            concepts,
            ..AssistantCard::default()
        };
        let cards = [
            card(
                "alfa",
                "kvorn",
                &["hvordan søker jeg kvornstøtte", "kan jeg få kvornstøtte"],
                vec![
                    concept("kvorn", "kvorn", "", &["kvornstøtte", "penger til kvorning"]),
                    concept("alfa", "", "", &["plimsa"]),
                    concept("zorblat", "", "livshendelse", &["zorblat"]),
                ],
            ),
            card(
                "beta",
                "frimp",
                &["når kommer frimpbrevet", "hvor er frimpbrevet mitt"],
                vec![concept("frimp", "frimp", "", &["frimpbrev"])],
            ),
        ];
        Router::new(
            &cards,
            &MasterContent::embedded().expect("valid"),
            Thresholds::default(),
        )
    }

    fn agency(decision: &Decision) -> Option<(&str, &str)> {
        match decision {
            Decision::Agency { agency, skill, .. } => Some((agency, skill)),
            _ => None,
        }
    }

    #[test]
    fn a_concept_of_the_domain_routes_to_the_agency_even_when_no_skill_fits() {
        let router = router();
        assert_eq!(
            agency(&router.decide("kvornstøtta kom ikke denne måneden")),
            Some(("alfa", "kvorn"))
        );
        let (decision, explanation) = router.explain("jeg har et spørsmål om plimsaen min");
        assert_eq!(agency(&decision), Some(("alfa", "")), "{decision:?}");
        assert_eq!(decision.intent(), format!("alfa/{GENERAL_GUIDANCE}"));
        assert_eq!(explanation.domain, "alfa");
        assert_eq!(explanation.concept_ids, ["alfa/alfa"]);
    }

    #[test]
    fn the_event_with_one_clear_question_goes_to_that_agency_otherwise_to_the_plan() {
        let router = router();
        assert_eq!(
            agency(&router.decide("zorblat skjedde i går, hvordan søker jeg kvornstøtte")),
            Some(("alfa", "kvorn"))
        );
        let both = router.decide("zorblat skjedde i går, vi trenger kvornstøtte og frimpbrevet");
        assert!(matches!(both, Decision::LifeEvent { .. }), "two agencies: {both:?}");
        // The question names the head of a term the story holds ("kvorning"):
        // it asks that agency too.
        let story =
            "Zorblat skjedde. Han fikk penger til kvorning. Hva skjer med kvorningen, og når kommer frimpbrevet?";
        assert!(matches!(router.decide(story), Decision::LifeEvent { .. }), "{story}");
        let (only_event, explanation) = router.explain("zorblat i familien");
        assert!(matches!(only_event, Decision::LifeEvent { .. }), "{only_event:?}");
        assert!(explanation.death);
    }

    #[test]
    fn a_masked_placeholder_does_not_change_the_route() {
        let router = router();
        let plain = router.decide("når kommer frimpbrevet mitt");
        let masked = router.decide("fødselsnummeret mitt er ⟨fødselsnummer⟩, når kommer frimpbrevet mitt");
        assert_eq!(agency(&plain), agency(&masked));
        assert_eq!(agency(&plain), Some(("beta", "frimp")));
    }

    #[test]
    fn the_learned_decision_has_the_last_word_and_agrees_with_rules_it_trusts() {
        let messages = [
            "kvornstøtta kom ikke denne måneden",
            "zorblat skjedde i går, vi trenger kvornstøtte og frimpbrevet",
            "qwxz vbnm trrp",
        ];
        let rules = router().with_model(None);
        // Weights that only trust the rules give the rules' decisions.
        let mut trusting = Model::zero();
        for kind in Kind::ALL {
            trusting.weights[kind.index()][1] = 10.0;
        }
        let trusting = router().with_model(Some(trusting));
        // (Two routers built apart may differ in the last bits of a score.)
        for message in messages {
            let ((trusted, why), (ruled, because)) = (trusting.explain(message), rules.explain(message));
            assert_eq!(trusted.intent(), ruled.intent(), "{message}");
            assert_eq!(
                (why.domain, why.runner_up),
                (because.domain, because.runner_up),
                "{message}"
            );
        }
        // Weights that always want a person route every message to one.
        let mut person = Model::zero();
        person.weights[Kind::Human.index()][0] = 10.0;
        let person = router().with_model(Some(person));
        for message in messages {
            let (decision, explanation) = person.explain(message);
            assert!(
                matches!(
                    decision,
                    Decision::Master {
                        intent: MasterIntent::Human,
                        ..
                    }
                ),
                "{message}: {decision:?}"
            );
            assert_eq!(explanation.domain, "human");
        }
    }

    #[test]
    fn nothing_known_is_out_of_scope() {
        assert!(matches!(router().decide("qwxz vbnm trrp"), Decision::OutOfScope { .. }));
    }
}
