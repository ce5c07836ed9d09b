//! Routing accuracy on labelled evaluation sets, each message masked first as
//! the master masks it at the door:
//!
//! - `routing-eval.tsv`, the first held-out set (its thresholds were chosen on it);
//! - `routing-blind-dev*.tsv` and `routing-blind-test.tsv`, nine blind sets
//!   from seventeen writers who never saw the code, the cards or the training
//!   examples (see `tests/data/README.md`). Routing is tuned on the `dev`
//!   splits; `test` is scored, never tuned on, and its misses are not printed.
//!   The eighth set (`dev15`, `dev16`) and the ninth (`dev17` and `test`) were
//!   written for a network with the courts, and are scored with them; the
//!   earlier ones with the three agencies they were written for.

use std::collections::{BTreeMap, HashSet};

use veiviser_master::content::MasterContent;
use veiviser_master::routing::{Decision, MasterIntent, Router, Thresholds};
use veiviser_proto::agency::v1::AssistantCard;

const FIRST_SET: &str = include_str!("../data/routing-eval.tsv");
const BLIND_DEV: &str = include_str!("../data/routing-blind-dev.tsv");
const BLIND_DEV2: &str = include_str!("../data/routing-blind-dev2.tsv");
const BLIND_DEV3: &str = include_str!("../data/routing-blind-dev3.tsv");
const BLIND_DEV4: &str = include_str!("../data/routing-blind-dev4.tsv");
const BLIND_DEV5: &str = include_str!("../data/routing-blind-dev5.tsv");
const BLIND_DEV6: &str = include_str!("../data/routing-blind-dev6.tsv");
const BLIND_DEV7: &str = include_str!("../data/routing-blind-dev7.tsv");
const BLIND_DEV8: &str = include_str!("../data/routing-blind-dev8.tsv");
const BLIND_DEV9: &str = include_str!("../data/routing-blind-dev9.tsv");
const BLIND_DEV10: &str = include_str!("../data/routing-blind-dev10.tsv");
const BLIND_DEV11: &str = include_str!("../data/routing-blind-dev11.tsv");
const BLIND_DEV12: &str = include_str!("../data/routing-blind-dev12.tsv");
const BLIND_DEV13: &str = include_str!("../data/routing-blind-dev13.tsv");
const BLIND_DEV14: &str = include_str!("../data/routing-blind-dev14.tsv");
const BLIND_DEV15: &str = include_str!("../data/routing-blind-dev15.tsv");
const BLIND_DEV16: &str = include_str!("../data/routing-blind-dev16.tsv");
const BLIND_DEV17: &str = include_str!("../data/routing-blind-dev17.tsv");
const BLIND_TEST: &str = include_str!("../data/routing-blind-test.tsv");

/// Every split tuned on: the first blind set (dev, and its test split, scored
/// twice, then tuned on), the second (dev3, and its test split dev4, scored
/// once, then tuned on), the third (dev5, and its test split dev6, scored
/// twice, then tuned on), the fourth (dev7, and its test split dev8, scored
/// twice, then tuned on), the fifth (dev9, and its test split dev10, scored
/// twice, then tuned on), the sixth (dev11, and its test split dev12, scored
/// twice, then tuned on) and the seventh (dev13, and its test split dev14,
/// scored twice, then tuned on): all written for the three agencies.
fn blind_dev_splits() -> String {
    let body = |set: &'static str| set.split_once('\n').map_or("", |(_, rows)| rows);
    [
        BLIND_DEV2,
        BLIND_DEV3,
        BLIND_DEV4,
        BLIND_DEV5,
        BLIND_DEV6,
        BLIND_DEV7,
        BLIND_DEV8,
        BLIND_DEV9,
        BLIND_DEV10,
        BLIND_DEV11,
        BLIND_DEV12,
        BLIND_DEV13,
        BLIND_DEV14,
    ]
    .into_iter()
    .fold(BLIND_DEV.to_string(), |all, set| all + body(set))
}

/// The network the first seven sets were written for: NAV, the municipality, Skatteetaten.
fn cards() -> Vec<AssistantCard> {
    veiviser_testkit::federation::built_in_assistants()
        .expect("valid content")
        .iter()
        .map(|assistant| assistant.card().clone())
        .collect()
}

/// The network the eighth set was written for: the three and the courts.
fn cards_with_courts() -> Vec<AssistantCard> {
    let mut cards = cards();
    cards.push(
        veiviser_testkit::federation::courts_assistant()
            .expect("valid content")
            .card()
            .clone(),
    );
    cards
}

struct Row {
    expected: String,
    language: String,
    kind: String,
    utterance: String,
}

/// Rows of a set: `expected, language, utterance` or `expected, language, kind, utterance`.
fn rows(set: &str) -> Vec<Row> {
    set.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let (kind, utterance) = match fields.as_slice() {
                [_, _, utterance] => ("", *utterance),
                [_, _, kind, utterance] => (*kind, *utterance),
                _ => panic!("bad row: {line}"),
            };
            Row {
                expected: fields[0].to_string(),
                language: fields[1].to_string(),
                kind: kind.to_string(),
                utterance: utterance.to_string(),
            }
        })
        .collect()
}

/// The label the evaluation sets use for a decision.
fn label(decision: &Decision) -> String {
    match decision {
        Decision::Agency { agency, .. } => agency.clone(),
        Decision::LifeEvent { id, .. } => id.clone(),
        Decision::Master {
            intent: MasterIntent::Human,
            ..
        } => "human".into(),
        Decision::Master {
            intent: MasterIntent::OutOfScope,
            ..
        }
        | Decision::OutOfScope { .. } => "out-of-scope".into(),
        Decision::Master { intent, .. } => intent.id().into(),
        Decision::Clarify { .. } => "clarify".into(),
    }
}

/// Right or wrong per row, and the figures a set is judged by.
#[derive(Default)]
struct Score {
    /// (right, total) by group name.
    groups: BTreeMap<String, (usize, usize)>,
    misses: Vec<String>,
}

impl Score {
    fn add(&mut self, group: String, right: bool) {
        let entry = self.groups.entry(group).or_default();
        entry.0 += usize::from(right);
        entry.1 += 1;
    }

    fn share(&self, group: &str) -> f64 {
        let (right, total) = self.groups.get(group).copied().unwrap_or_default();
        if total == 0 { 1.0 } else { right as f64 / total as f64 }
    }

    fn print(&self, name: &str) {
        println!("routing evaluation, {name}:");
        for (group, (right, total)) in &self.groups {
            println!(
                "  {group:<28} {:>5.1} %  ({right}/{total})",
                100.0 * *right as f64 / *total as f64
            );
        }
    }
}

fn score(set: &str, cards: &[AssistantCard]) -> Score {
    let router = Router::new(cards, &MasterContent::embedded().expect("valid"), Thresholds::default());
    // As at the door: everything but the agencies' published numbers is masked.
    let masker = veiviser_master::text::door_masker(cards);
    let mut score = Score::default();
    for row in rows(set) {
        let masked = masker.mask(&row.utterance).text;
        let decision = router.decide(&masked);
        let got = label(&decision);
        let right = if row.expected == "out-of-scope" {
            // Caught: not routed to an agency or the life event.
            !matches!(decision, Decision::Agency { .. } | Decision::LifeEvent { .. })
        } else {
            got == row.expected
        };
        let kind = match row.expected.as_str() {
            "nav" | "kommune" | "skatteetaten" | "domstol" => "one agency",
            "dodsfall-og-arv" => "life event",
            "human" => "human",
            _ => "out of scope",
        };
        score.add("all".into(), right);
        score.add(format!("kind: {kind}"), right);
        score.add(format!("language: {}", row.language), right);
        score.add(format!("label: {}", row.expected), right);
        if !row.kind.is_empty() {
            score.add(format!("writing: {}", row.kind), right);
        }
        if row.expected != "out-of-scope" {
            score.add("in scope".into(), right);
        }
        if !right {
            score.misses.push(format!(
                "[{}] {} -> {got} ({:.2})",
                row.expected,
                row.utterance,
                decision.confidence()
            ));
        }
    }
    score
}

#[test]
fn evaluation_sets_are_held_out_and_large_enough() {
    let mut training: HashSet<String> = HashSet::new();
    for card in cards_with_courts() {
        for skill in &card.skills {
            training.extend(skill.examples.iter().map(|e| veiviser_textmatch::normalize(&e.text)));
        }
        for event in &card.life_events {
            training.extend(event.examples.iter().map(|e| veiviser_textmatch::normalize(&e.text)));
        }
    }
    let master = MasterContent::embedded().expect("valid");
    for language in master.languages() {
        for intent in &language.intents {
            training.extend(intent.examples.iter().map(|e| veiviser_textmatch::normalize(e)));
        }
    }
    // The first set was checked against the examples when it was written.
    // The blind writers never saw the examples, and a few of their short
    // messages coincide with one word for word; more than that would mean
    // examples were copied from a blind split.
    for (name, set, at_least, coincidences_allowed) in [
        ("first", FIRST_SET, 200, 0.0),
        ("blind dev", BLIND_DEV, 150, 0.04),
        ("blind dev2", BLIND_DEV2, 150, 0.04),
        ("blind dev3", BLIND_DEV3, 90, 0.04),
        ("blind dev4", BLIND_DEV4, 90, 0.04),
        ("blind dev5", BLIND_DEV5, 180, 0.04),
        ("blind dev6", BLIND_DEV6, 180, 0.04),
        ("blind dev7", BLIND_DEV7, 180, 0.04),
        ("blind dev8", BLIND_DEV8, 180, 0.04),
        ("blind dev9", BLIND_DEV9, 180, 0.04),
        ("blind dev10", BLIND_DEV10, 180, 0.04),
        ("blind dev11", BLIND_DEV11, 180, 0.04),
        ("blind dev12", BLIND_DEV12, 180, 0.04),
        ("blind dev13", BLIND_DEV13, 180, 0.04),
        ("blind dev14", BLIND_DEV14, 180, 0.04),
        ("blind dev15", BLIND_DEV15, 180, 0.04),
        ("blind dev16", BLIND_DEV16, 180, 0.04),
        ("blind dev17", BLIND_DEV17, 180, 0.04),
        ("blind test", BLIND_TEST, 180, 0.04),
    ] {
        let rows = rows(set);
        assert!(rows.len() >= at_least, "{name}: only {} rows", rows.len());
        let coinciding = rows
            .iter()
            .filter(|r| training.contains(&veiviser_textmatch::normalize(&r.utterance)))
            .count();
        assert!(
            coinciding as f64 <= coincidences_allowed * rows.len() as f64,
            "{name}: {coinciding} of {} messages are training examples",
            rows.len()
        );
        for language in ["nb", "nn", "en"] {
            assert!(
                rows.iter().any(|r| r.language == language),
                "{name}: no {language} rows"
            );
        }
    }
    let dev: HashSet<String> = rows(&(blind_dev_splits() + BLIND_DEV15 + BLIND_DEV16 + BLIND_DEV17))
        .into_iter()
        .map(|r| r.utterance)
        .collect();
    assert!(
        rows(BLIND_TEST).iter().all(|r| !dev.contains(&r.utterance)),
        "the blind test split shares messages with a dev split"
    );
}

#[test]
fn routing_holds_on_the_first_set() {
    let score = score(FIRST_SET, &cards());
    score.print("first set");
    for miss in &score.misses {
        println!("  miss: {miss}");
    }
    assert!(
        score.share("in scope") >= 0.95,
        "in-scope accuracy {:.3}",
        score.share("in scope")
    );
    assert!(
        score.share("kind: out of scope") >= 0.95,
        "out of scope caught {:.3}",
        score.share("kind: out of scope")
    );
}

#[test]
fn routing_on_the_blind_dev_splits() {
    let score = score(&blind_dev_splits(), &cards());
    score.print("blind dev (tuned on)");
    for miss in &score.misses {
        println!("  miss: {miss}");
    }
    assert!(score.share("all") >= FLOOR_BLIND, "all {:.3}", score.share("all"));
}

/// The splits written for the network with the courts, in that network, each
/// above its own floor.
#[test]
fn routing_with_the_courts_on_their_dev_splits() {
    let mut below = Vec::new();
    for (name, split, floor) in [
        ("dev15", BLIND_DEV15, FLOOR_COURTS_DEV15),
        ("dev16", BLIND_DEV16, FLOOR_COURTS_DEV16),
        ("dev17", BLIND_DEV17, FLOOR_COURTS_DEV17),
    ] {
        let score = score(split, &cards_with_courts());
        score.print(&format!("blind {name}, with the courts (tuned on)"));
        for miss in &score.misses {
            println!("  miss: {miss}");
        }
        if score.share("all") < floor {
            below.push(format!("{name} {:.3} < {floor}", score.share("all")));
        }
    }
    assert!(below.is_empty(), "{below:?}");
}

/// Scored, never tuned on: only the figures are printed, not the messages.
#[test]
fn routing_on_the_blind_test_split() {
    let score = score(BLIND_TEST, &cards_with_courts());
    score.print("blind test, with the courts (never tuned on)");
    assert!(score.share("all") >= FLOOR_BLIND_TEST, "all {:.3}", score.share("all"));
}

/// Below this share right on the dev splits (97.4 % after the ninth set's
/// round), routing has regressed.
const FLOOR_BLIND: f64 = 0.973;
/// The eighth set's first half with the courts, as tuned (83.5 % on arrival,
/// 91.5 % after its round, 97.9 % after the ninth set's).
const FLOOR_COURTS_DEV15: f64 = 0.978;
/// The eighth set's second half, its test split until it was spent (79.8 % on
/// arrival, 86.7 % after its round; BENCHMARKS.md), 94.1 % once tuned on.
const FLOOR_COURTS_DEV16: f64 = 0.941;
/// The ninth set's dev split: 81.6 % on arrival, 95.3 % after its round.
const FLOOR_COURTS_DEV17: f64 = 0.952;
/// The ninth set's test split: 80.6 % on arrival, 81.2 % after the round on
/// the dev splits (BENCHMARKS.md): below it, routing has regressed on writing
/// it has never seen.
const FLOOR_BLIND_TEST: f64 = 0.811;

/// The share of messages the master answers in the language they are
/// written in, for a session in each language (short messages and unclear
/// ones keep the session's language, so they count as right only when they
/// are written in it).
fn answer_language_score(set: &str) -> Score {
    let content = MasterContent::embedded().expect("valid");
    let mut score = Score::default();
    for row in rows(set) {
        for session in ["nb", "nn", "en"] {
            let answered = veiviser_master::language::switch_to(&row.utterance, session, |tag| content.speaks(tag))
                .unwrap_or(session);
            let right = answered == row.language;
            score.add(format!("session {session}"), right);
            score.add(format!("written in {}", row.language), right);
            score.add("all".into(), right);
            if !right && session != row.language {
                score
                    .misses
                    .push(format!("[{} in a {session} session] {}", row.language, row.utterance));
            }
        }
    }
    score
}

#[test]
fn answer_language_on_the_blind_dev_splits() {
    let score = answer_language_score(&blind_dev_splits());
    score.print("answer language, blind dev (tuned on)");
    for miss in &score.misses {
        println!("  miss: {miss}");
    }
    assert!(score.share("all") >= FLOOR_LANGUAGE, "all {:.3}", score.share("all"));
}

#[test]
fn answer_language_on_the_blind_test_split() {
    let score = answer_language_score(BLIND_TEST);
    score.print("answer language, blind test (never tuned on)");
    assert!(score.share("all") >= FLOOR_LANGUAGE, "all {:.3}", score.share("all"));
}

/// Below this share of messages answered in their own language, detection has regressed.
const FLOOR_LANGUAGE: f64 = 0.88;
