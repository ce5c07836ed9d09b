//! Understanding what the citizen wants: a classifier trained from the example
//! utterances in the agencies' cards and the master's own intents, and the
//! decision rules on top of it (route, clarify, or admit it is out of scope).
//!
//! There are no keyword rules here: everything the router knows comes from
//! examples, so an agency teaches the master new questions by editing its
//! content.

use veiviser_proto::agency::v1::AssistantCard;
use veiviser_textmatch::Index;

use crate::content::MasterContent;
pub use crate::content::MasterIntent;

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

/// Confidence levels the decision rules use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Below this, nothing is close enough to even ask about: out of scope.
    pub out_of_scope_below: f32,
    /// Below this (and above the one before), the master asks which of the
    /// closest candidates the citizen means instead of routing.
    pub clarify_below: f32,
    /// When two different agencies score within this margin of each other,
    /// the master asks instead of picking one.
    pub ambiguity_margin: f32,
    /// When the out-of-scope examples score within this margin of the best
    /// intent, the message is treated as out of scope.
    pub out_of_scope_margin: f32,
    /// How many closest examples of an intent its score averages.
    pub neighbours: usize,
    /// How much of an intent's score is similarity to the mean of its examples.
    pub centroid_weight: f32,
    /// A referred agency's answer is shown only when the referral named a
    /// skill or the agency is at least this confident it understood.
    pub referral_confidence: f32,
}

/// Chosen on the routing evaluation set (see BENCHMARKS.md, "Routing").
impl Default for Thresholds {
    fn default() -> Self {
        Self {
            out_of_scope_below: 0.22,
            clarify_below: 0.23,
            ambiguity_margin: 0.02,
            out_of_scope_margin: 0.07,
            neighbours: 3,
            centroid_weight: 0.3,
            referral_confidence: 0.35,
        }
    }
}

/// A choice offered in a clarifying question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Agency(String),
    LifeEvent(String),
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
    /// The intent name reported to clients: "<agency>/<skill>",
    /// "life-event/<id>", a master intent id, or "unclear".
    pub fn intent(&self) -> String {
        match self {
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

/// The trained classifier and its decision rules.
#[derive(Debug)]
pub struct Router {
    index: Index<Target>,
    thresholds: Thresholds,
}

impl Router {
    /// Trains on every skill and life-event example in `cards` and on the
    /// master's own intents, in every language.
    pub fn new(cards: &[AssistantCard], master: &MasterContent, thresholds: Thresholds) -> Self {
        let mut examples: Vec<(Target, String)> = Vec::new();
        for card in cards {
            for skill in &card.skills {
                let target = Target::Skill {
                    agency: card.agency_id.clone(),
                    skill: skill.id.clone(),
                };
                examples.extend(skill.examples.iter().map(|e| (target.clone(), e.text.clone())));
            }
            for event in &card.life_events {
                let target = Target::LifeEvent(event.id.clone());
                examples.extend(event.examples.iter().map(|e| (target.clone(), e.text.clone())));
            }
        }
        for language in master.languages() {
            for intent in &language.intents {
                if let Some(id) = MasterIntent::from_id(&intent.id) {
                    examples.extend(intent.examples.iter().map(|e| (Target::Master(id), e.clone())));
                }
            }
        }
        Self {
            index: Index::new(examples)
                .with_neighbours(thresholds.neighbours)
                .with_centroid_weight(thresholds.centroid_weight),
            thresholds,
        }
    }

    pub fn example_count(&self) -> usize {
        self.index.example_count()
    }

    /// Decides what to do with one message.
    pub fn decide(&self, text: &str) -> Decision {
        let ranked = self.index.rank(text);
        let Some(top) = ranked.first() else {
            return Decision::OutOfScope { confidence: 0.0 };
        };
        let confidence = top.score;
        if confidence < self.thresholds.out_of_scope_below || *top.label == Target::Master(MasterIntent::OutOfScope) {
            return Decision::OutOfScope { confidence };
        }
        // As close to the out-of-scope examples as to the best intent: do not guess.
        let out_of_scope_score = ranked
            .iter()
            .find(|m| *m.label == Target::Master(MasterIntent::OutOfScope))
            .map_or(0.0, |m| m.score);
        if confidence - out_of_scope_score < self.thresholds.out_of_scope_margin {
            return Decision::OutOfScope { confidence };
        }
        // The best candidate per agency or life event, best first.
        let mut choices: Vec<(Choice, f32)> = Vec::new();
        for candidate in &ranked {
            let choice = match candidate.label {
                Target::Skill { agency, .. } => Choice::Agency(agency.clone()),
                Target::LifeEvent(id) => Choice::LifeEvent(id.clone()),
                Target::Master(_) => continue,
            };
            if !choices.iter().any(|(c, _)| *c == choice) {
                choices.push((choice, candidate.score));
            }
        }
        let ambiguous = match choices.as_slice() {
            [(first, a), (_, b), ..] => {
                matches!(top.label, Target::Skill { .. } | Target::LifeEvent(_))
                    && matches!(first, Choice::Agency(_) | Choice::LifeEvent(_))
                    && a - b < self.thresholds.ambiguity_margin
            }
            _ => false,
        };
        if confidence < self.thresholds.clarify_below || ambiguous {
            let choices: Vec<Choice> = choices.into_iter().take(2).map(|(c, _)| c).collect();
            if choices.is_empty() {
                return Decision::OutOfScope { confidence };
            }
            return Decision::Clarify { choices, confidence };
        }
        match top.label.clone() {
            Target::Skill { agency, skill } => Decision::Agency {
                agency,
                skill,
                confidence,
            },
            Target::LifeEvent(id) => Decision::LifeEvent { id, confidence },
            Target::Master(intent) => Decision::Master { intent, confidence },
        }
    }
}
