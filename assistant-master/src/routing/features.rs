//! What the learned decision looks at: the candidate domains of one message
//! (every agency, every life event, a person, and "not ours"), each with a
//! few numbers from the evidence and from the rules' own choice.

use std::collections::BTreeSet;

use veiviser_textmatch::{normalize, words};

use super::evidence::Evidence;
use super::{Choice, Decision, Domain, MasterIntent, Thresholds};

/// The kinds of candidate; each kind has its own weights, shared by all
/// candidates of that kind (so a new agency needs no new weights).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Agency,
    LifeEvent,
    Human,
    /// Out of scope, or the master's own small talk.
    NotOurs,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Agency, Kind::LifeEvent, Kind::Human, Kind::NotOurs];

    pub fn name(self) -> &'static str {
        match self {
            Self::Agency => "agency",
            Self::LifeEvent => "life-event",
            Self::Human => "human",
            Self::NotOurs => "not-ours",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// The features of every candidate, in this order. The first three are the
/// candidate's own; the rest describe the message and get a weight per kind.
pub const FEATURES: [&str; 24] = [
    "bias",
    // The rules chose this candidate (a half for each choice of a clarifying question).
    "rules",
    // Its closest example (cosine similarity, 0–1).
    "example",
    // Its concepts' weight (each concept once, by its longest term; at most 3).
    "concepts",
    // How many different concepts (at most 3).
    "concept_count",
    // Its concept terms in the message's questions (at most 3).
    "asked",
    // Its score as the rules compare it: example plus concepts.
    "score",
    // Its score less the best other candidate's.
    "lead",
    // It has the best score of the candidates.
    "top",
    // For a life event: agencies asked for tasks that belong to it (at most 3).
    "tasks",
    // For an agency: a concept names one of its skills.
    "skill_named",
    // The message says someone died.
    "died",
    // Agencies with a concept in the message (at most 3).
    "agencies_with_concepts",
    // Agencies with a concept in its questions (at most 3).
    "asked_agencies",
    // The best example of the master's small talk.
    "small_talk",
    // The best example of any target.
    "top_example",
    // ln(1 + words).
    "words",
    // Questions asked (at most 3).
    "questions",
    // The out-of-scope concepts in the message (at most 3).
    "other_services",
    // For an agency: its score less the best other agency's.
    "agency_lead",
    // For an agency, after a death: a part of the question comes close to its examples.
    "clause",
    // After a death: the rules' choice, the concepts asked, the closest example.
    "died_rules",
    "died_asked",
    "died_example",
];

/// One domain the message may belong to, and what the model weighs.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub domain: Domain,
    pub kind: Kind,
    pub features: [f32; FEATURES.len()],
}

/// What the router knows besides the evidence: its agencies and life events,
/// and, per life event in the same order, how many agencies the message asks
/// for tasks that belong to it.
#[derive(Debug)]
pub struct Network<'a> {
    pub agencies: &'a [String],
    pub life_events: &'a BTreeSet<String>,
    pub event_tasks: &'a [usize],
    /// The agencies a part of the question comes close to (after a death only).
    pub clause_agencies: &'a [Domain],
}

/// The candidates of one message, always in the same order: the agencies,
/// the life events, a person, not ours.
pub fn candidates(network: &Network<'_>, evidence: &Evidence<'_>, rules: &Decision, t: &Thresholds) -> Vec<Candidate> {
    let domains: Vec<(Domain, Kind)> = network
        .agencies
        .iter()
        .map(|id| (Domain::Agency(id.clone()), Kind::Agency))
        .chain(
            network
                .life_events
                .iter()
                .map(|id| (Domain::LifeEvent(id.clone()), Kind::LifeEvent)),
        )
        .chain([
            (Domain::Master(MasterIntent::Human), Kind::Human),
            (Domain::Master(MasterIntent::OutOfScope), Kind::NotOurs),
        ])
        .collect();
    let scores: Vec<f32> = domains
        .iter()
        .map(|(d, _)| evidence.score(d, t.concept_bonus))
        .collect();
    let best_overall = evidence
        .domains()
        .map(|d| evidence.score(d, t.concept_bonus))
        .fold(0.0_f32, f32::max);
    let died = network.life_events.iter().any(|id| {
        let event = Domain::LifeEvent(id.clone());
        let score = evidence.score(&event, t.concept_bonus);
        evidence.concept_weight(&event) > 0.0 || (score >= t.domain_from_examples && score >= best_overall)
    });
    let agencies_with_concepts = network
        .agencies
        .iter()
        .filter(|id| evidence.concept_weight(&Domain::Agency((*id).clone())) > 0.0)
        .count();
    let small_talk = evidence
        .domains()
        .filter(|d| {
            matches!(
                d,
                Domain::Master(MasterIntent::Greeting | MasterIntent::Thanks | MasterIntent::Capabilities)
            )
        })
        .map(|d| evidence.example_score(d))
        .fold(0.0_f32, f32::max);
    let out_of_scope = Domain::Master(MasterIntent::OutOfScope);
    let top_example = evidence.targets.first().map_or(0.0, |(_, c)| c.score);
    let rules_chose = |domain: &Domain| -> f32 {
        match (rules, domain) {
            (Decision::Agency { agency, .. }, Domain::Agency(id)) if agency == id => 1.0,
            (Decision::LifeEvent { id, .. }, Domain::LifeEvent(event)) if id == event => 1.0,
            (
                Decision::Master {
                    intent: MasterIntent::Human,
                    ..
                },
                Domain::Master(MasterIntent::Human),
            ) => 1.0,
            (Decision::OutOfScope { .. }, Domain::Master(MasterIntent::OutOfScope)) => 1.0,
            (Decision::Master { intent, .. }, Domain::Master(MasterIntent::OutOfScope))
                if *intent != MasterIntent::Human =>
            {
                1.0
            }
            (Decision::Clarify { choices, .. }, Domain::Agency(id))
                if choices.iter().any(|c| matches!(c, Choice::Agency(a) if a == id)) =>
            {
                0.5
            }
            _ => 0.0,
        }
    };
    let top = scores.iter().copied().fold(f32::MIN, f32::max);
    domains
        .iter()
        .zip(&scores)
        .enumerate()
        .map(|(at, ((domain, kind), &score))| {
            let best_other = scores
                .iter()
                .enumerate()
                .filter(|(other, _)| *other != at)
                .map(|(_, s)| *s)
                .fold(0.0_f32, f32::max);
            let tasks = match domain {
                Domain::LifeEvent(id) => network
                    .life_events
                    .iter()
                    .position(|e| e == id)
                    .and_then(|i| network.event_tasks.get(i))
                    .copied()
                    .unwrap_or(0),
                _ => 0,
            };
            let best_other_agency = domains
                .iter()
                .zip(&scores)
                .enumerate()
                .filter(|(other, ((_, k), _))| *other != at && *k == Kind::Agency)
                .map(|(_, (_, s))| *s)
                .fold(0.0_f32, f32::max);
            let is_agency = *kind == Kind::Agency;
            let died_f = f32::from(u8::from(died));
            let rules = rules_chose(domain);
            let asked = evidence.asked_in(domain).min(3) as f32;
            let features = [
                1.0,
                rules,
                evidence.example_score(domain),
                evidence.concept_weight(domain).min(3.0),
                evidence.concept_count(domain).min(3) as f32,
                asked,
                score,
                score - best_other,
                f32::from(u8::from(score >= top)),
                tasks.min(3) as f32,
                f32::from(u8::from(!evidence.concept_skills(domain).is_empty())),
                died_f,
                agencies_with_concepts.min(3) as f32,
                evidence.asked_agencies().len().min(3) as f32,
                small_talk,
                top_example,
                (1.0 + evidence.words as f32).ln(),
                evidence.questions.min(3) as f32,
                evidence.concept_weight(&out_of_scope).min(3.0),
                if is_agency { score - best_other_agency } else { 0.0 },
                f32::from(u8::from(network.clause_agencies.contains(domain))),
                died_f * rules,
                died_f * asked,
                died_f * evidence.example_score(domain),
            ];
            Candidate {
                domain: domain.clone(),
                kind: *kind,
                features,
            }
        })
        .collect()
}

/// The message's word stems, once each and in order, for the model's word weights.
pub fn message_words(text: &str) -> Vec<String> {
    let mut stems: Vec<String> = words(&normalize(text)).into_iter().map(|w| w.stem).collect();
    stems.sort();
    stems.dedup();
    stems
}
