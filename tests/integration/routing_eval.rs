//! Routing accuracy on a held-out, labelled evaluation set
//! (`tests/data/routing-eval.tsv`), written independently of the agencies'
//! training examples.

use std::collections::{BTreeMap, HashSet};

use veiviser_agency_sdk::Assistant;
use veiviser_master::content::MasterContent;
use veiviser_master::routing::{Decision, MasterIntent, Router, Thresholds};
use veiviser_proto::agency::v1::AssistantCard;

/// Agency-level accuracy on in-scope utterances must not fall below this.
const MIN_IN_SCOPE_ACCURACY: f64 = 0.95;
/// Share of out-of-scope utterances that must not be routed to an agency.
const MIN_OUT_OF_SCOPE_CAUGHT: f64 = 0.95;

const EVAL_SET: &str = include_str!("../data/routing-eval.tsv");

fn cards() -> Vec<AssistantCard> {
    [
        veiviser_nav::CONTENT,
        veiviser_kommune::CONTENT,
        veiviser_skatteetaten::CONTENT,
    ]
    .iter()
    .map(|embedded| Assistant::new(embedded.load().expect("valid content")).card().clone())
    .collect()
}

struct Row {
    expected: String,
    language: String,
    utterance: String,
}

fn eval_rows() -> Vec<Row> {
    EVAL_SET
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 3, "bad row: {line}");
            Row {
                expected: fields[0].to_string(),
                language: fields[1].to_string(),
                utterance: fields[2].to_string(),
            }
        })
        .collect()
}

/// The label the evaluation set uses for a decision.
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

#[test]
fn evaluation_set_is_held_out_and_large_enough() {
    let rows = eval_rows();
    assert!(rows.len() >= 200, "only {} rows", rows.len());
    let mut training: HashSet<String> = HashSet::new();
    for card in cards() {
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
    let leaked: Vec<&str> = rows
        .iter()
        .filter(|r| training.contains(&veiviser_textmatch::normalize(&r.utterance)))
        .map(|r| r.utterance.as_str())
        .collect();
    assert!(
        leaked.is_empty(),
        "evaluation utterances found among training examples: {leaked:?}"
    );
    for language in ["nb", "nn", "en"] {
        assert!(rows.iter().any(|r| r.language == language), "no {language} rows");
    }
}

#[test]
fn routing_accuracy_meets_the_floor() {
    let router = Router::new(
        &cards(),
        &MasterContent::embedded().expect("valid"),
        Thresholds::default(),
    );
    let rows = eval_rows();
    let mut per_label: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut in_scope, mut in_scope_right, mut oos, mut oos_caught, mut clarified) = (0, 0, 0, 0, 0);
    let mut misses = Vec::new();
    for row in &rows {
        let decision = router.decide(&row.utterance);
        let got = label(&decision);
        let entry = per_label
            .entry(format!("{}/{}", row.expected, row.language))
            .or_default();
        entry.0 += 1;
        if row.expected == "out-of-scope" {
            oos += 1;
            // Caught: not routed to an agency or life event (a clarifying question is not a route).
            if !matches!(decision, Decision::Agency { .. } | Decision::LifeEvent { .. }) {
                oos_caught += 1;
                entry.1 += 1;
            } else {
                misses.push(format!(
                    "{} [{}] -> {got} ({:.2})",
                    row.utterance,
                    row.expected,
                    decision.confidence()
                ));
            }
            continue;
        }
        in_scope += 1;
        if got == "clarify" {
            clarified += 1;
        }
        if got == row.expected {
            in_scope_right += 1;
            entry.1 += 1;
        } else {
            misses.push(format!(
                "{} [{}] -> {got} ({:.2})",
                row.utterance,
                row.expected,
                decision.confidence()
            ));
        }
    }
    let accuracy = in_scope_right as f64 / in_scope as f64;
    let caught = oos_caught as f64 / oos as f64;
    println!("routing evaluation: {} utterances", rows.len());
    for (label, (total, right)) in &per_label {
        println!("  {label:<24} {right:>3}/{total:<3}");
    }
    println!("in-scope accuracy: {accuracy:.3} ({in_scope_right}/{in_scope}; {clarified} asked to clarify)");
    println!("out-of-scope caught: {caught:.3} ({oos_caught}/{oos})");
    for miss in &misses {
        println!("  miss: {miss}");
    }
    assert!(
        accuracy >= MIN_IN_SCOPE_ACCURACY,
        "in-scope accuracy {accuracy:.3} < {MIN_IN_SCOPE_ACCURACY}"
    );
    assert!(
        caught >= MIN_OUT_OF_SCOPE_CAUGHT,
        "out-of-scope caught {caught:.3} < {MIN_OUT_OF_SCOPE_CAUGHT}"
    );
}
