//! Masking quality, scored with `veiviser_masking::evaluation`:
//!
//! - on the generated corpus (`tests/data/masking-corpus.jsonl`, made by
//!   `gen_masking_corpus.py`): a regression floor, with idempotence;
//! - on the blind hand-written corpus (`masking-blind-dev*.jsonl` and
//!   `masking-blind-test.jsonl`, from six writers; see `tests/data/README.md`):
//!   the targets, per kind, on the splits tuned on that meet them (dev
//!   to dev4 and dev6), and on the others (dev5, dev7, dev8 and test) the
//!   figures they were last scored at. The test split's messages are never
//!   printed, only its figures.

use veiviser_masking::Masker;
use veiviser_masking::evaluation::{Labelled, Scores};

const GENERATED: &str = include_str!("../data/masking-corpus.jsonl");
const BLIND_DEV: &str = include_str!("../data/masking-blind-dev.jsonl");
const BLIND_DEV2: &str = include_str!("../data/masking-blind-dev2.jsonl");
const BLIND_DEV3: &str = include_str!("../data/masking-blind-dev3.jsonl");
const BLIND_DEV4: &str = include_str!("../data/masking-blind-dev4.jsonl");
const BLIND_DEV5: &str = include_str!("../data/masking-blind-dev5.jsonl");
const BLIND_DEV6: &str = include_str!("../data/masking-blind-dev6.jsonl");
const BLIND_DEV7: &str = include_str!("../data/masking-blind-dev7.jsonl");
const BLIND_DEV8: &str = include_str!("../data/masking-blind-dev8.jsonl");
const BLIND_TEST: &str = include_str!("../data/masking-blind-test.jsonl");

/// Per kind, the least share of labelled values masked: identity, account,
/// IBAN and card numbers; phone and e-mail; names and addresses.
const FLOORS: [(&str, f64); 8] = [
    ("fodselsnummer", 0.995),
    ("kontonummer", 0.995),
    ("iban", 0.995),
    ("card", 0.995),
    ("phone", 0.97),
    ("email", 0.97),
    ("name", 0.90),
    ("address", 0.90),
];
const MIN_DECOYS_KEPT: f64 = 0.97;

/// A scored split's floors: where it fell short of the targets when scored
/// (BENCHMARKS.md), its own figures, so that a change can only hold or raise
/// them. Writer D's test half (dev5), scored before and after the tuning on
/// dev3 and dev4, again after the round on dev6, and after the round on dev7
/// and dev8 (its floors now those):
const DEV5_FLOORS: [(&str, f64); 8] = [
    ("fodselsnummer", 0.995),
    ("kontonummer", 0.967),
    ("iban", 0.995),
    ("card", 0.995),
    ("phone", 0.97),
    ("email", 0.842),
    ("name", 0.957),
    ("address", 0.878),
];
const DEV5_MIN_DECOYS_KEPT: f64 = 0.986;

/// Writer E's second half (dev7), the test split until it was spent: scored
/// on arrival, again under the corrected scorer (numbers labelled by their
/// digits), after the round that tuned on the other half (dev6), and after
/// the round that tuned on dev7 and dev8 (its floors now those).
const DEV7_FLOORS: [(&str, f64); 8] = [
    ("fodselsnummer", 0.995),
    ("kontonummer", 0.995),
    ("iban", 0.995),
    ("card", 0.995),
    ("phone", 0.97),
    ("email", 0.97),
    ("name", 1.0),
    ("address", 0.965),
];
const DEV7_MIN_DECOYS_KEPT: f64 = 1.0;

/// Writer F's first half (dev8), as scored on arrival, and after the round
/// that tuned on it and on dev7 (its floors now those).
const DEV8_FLOORS: [(&str, f64); 8] = [
    ("fodselsnummer", 0.995),
    ("kontonummer", 0.995),
    ("iban", 0.995),
    ("card", 0.995),
    ("phone", 0.97),
    ("email", 0.97),
    ("name", 1.0),
    ("address", 0.972),
];
const DEV8_MIN_DECOYS_KEPT: f64 = 1.0;

/// Writer F's second half, the test split, never read: scored on arrival and
/// once after the round on dev7 and dev8; these are the second figures.
const TEST_FLOORS: [(&str, f64); 8] = [
    ("fodselsnummer", 0.995),
    ("kontonummer", 0.941),
    ("iban", 0.995),
    ("card", 0.995),
    ("phone", 0.97),
    ("email", 0.97),
    ("name", 0.906),
    ("address", 0.794),
];
const TEST_MIN_DECOYS_KEPT: f64 = 0.969;

fn corpus(lines: &str) -> Vec<Labelled> {
    lines
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            let string = |v: &serde_json::Value| v.as_str().expect("a string").to_string();
            let text = string(&value["text"]);
            let entities: Vec<(String, String)> = value["entities"]
                .as_array()
                .expect("entities")
                .iter()
                .map(|e| (string(&e["kind"]), string(&e["value"])))
                .collect();
            let decoys: Vec<String> = value["decoys"].as_array().into_iter().flatten().map(string).collect();
            // A number dictated with words between its parts is labelled by its digits.
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            let present = |value: &String| {
                text.contains(value.as_str())
                    || (value.chars().all(|c| c.is_ascii_digit()) && digits.contains(value.as_str()))
            };
            for value in entities.iter().map(|(_, v)| v).chain(&decoys) {
                assert!(present(value), "a labelled value is not in its message");
            }
            Labelled { text, entities, decoys }
        })
        .collect()
}

/// The masker the master uses: the agencies' published numbers stay readable.
fn masker() -> Masker {
    Masker::default().allow_numbers(["55 55 33 33", "800 80 000", "+47 21 80 21 80"])
}

/// Every floor that `scores` falls below, as readable lines.
fn below_floors(scores: &Scores) -> Vec<String> {
    below(scores, &FLOORS, MIN_DECOYS_KEPT)
}

fn below(scores: &Scores, floors: &[(&str, f64)], min_decoys_kept: f64) -> Vec<String> {
    let mut failures: Vec<String> = floors
        .iter()
        .filter_map(|(kind, floor)| {
            let recall = scores.recall_of(kind)?;
            (recall < *floor).then(|| format!("{kind} {recall:.3} < {floor}"))
        })
        .collect();
    if scores.decoys.0 > 0 && scores.decoys_kept() < min_decoys_kept {
        failures.push(format!("decoys kept {:.3} < {min_decoys_kept}", scores.decoys_kept()));
    }
    failures
}

#[test]
fn masking_holds_on_the_generated_corpus() {
    let messages = corpus(GENERATED);
    assert!(messages.len() >= 1_000, "only {} messages", messages.len());
    let masker = masker();
    for message in &messages {
        let once = masker.mask(&message.text);
        assert_eq!(
            masker.mask(&once.text).text,
            once.text,
            "not idempotent: {}",
            message.text
        );
    }
    let scores = Scores::score(&masker, &messages);
    println!("generated corpus: {}", scores.table());
    for (kind, value, text) in scores.misses.iter().take(20) {
        println!("  missed {kind}: {value} in «{text}»");
    }
    assert!(
        scores.overall_recall() >= 0.995,
        "recall {:.3}",
        scores.overall_recall()
    );
    assert!(scores.precision() >= 0.98, "precision {:.3}", scores.precision());
    assert!(below_floors(&scores).is_empty(), "{:?}", below_floors(&scores));
}

#[test]
fn masking_meets_its_targets_on_the_blind_dev_splits() {
    let messages: Vec<Labelled> = [BLIND_DEV, BLIND_DEV2, BLIND_DEV3, BLIND_DEV4, BLIND_DEV6]
        .into_iter()
        .flat_map(corpus)
        .collect();
    assert!(messages.len() >= 600, "only {} messages", messages.len());
    let scores = Scores::score(&masker(), &messages);
    println!("blind dev splits: {}", scores.table());
    for (kind, value, text) in &scores.misses {
        println!("  missed {kind}: «{value}» in «{text}»");
    }
    for (decoy, text) in &scores.decoys_lost {
        println!("  decoy masked: «{decoy}» in «{text}»");
    }
    assert!(below_floors(&scores).is_empty(), "{:?}", below_floors(&scores));
}

#[test]
fn masking_holds_its_scored_figures_on_the_scored_splits() {
    for (name, split, floors, decoys_kept) in [
        ("dev5", BLIND_DEV5, &DEV5_FLOORS, DEV5_MIN_DECOYS_KEPT),
        ("dev7", BLIND_DEV7, &DEV7_FLOORS, DEV7_MIN_DECOYS_KEPT),
        ("dev8", BLIND_DEV8, &DEV8_FLOORS, DEV8_MIN_DECOYS_KEPT),
        ("test", BLIND_TEST, &TEST_FLOORS, TEST_MIN_DECOYS_KEPT),
    ] {
        let messages = corpus(split);
        assert!(messages.len() >= 140, "{name}: only {} messages", messages.len());
        let scores = Scores::score(&masker(), &messages);
        // Figures only: a scored split is not to be read while tuning.
        println!("blind {name} split: {}", scores.table());
        let failures = below(&scores, floors, decoys_kept);
        assert!(failures.is_empty(), "{name}: {failures:?}");
    }
}
