//! Masking quality on a generated, labelled corpus of synthetic messages
//! (`tests/data/masking-corpus.jsonl`, made by `gen_masking_corpus.py`):
//! recall per entity kind, precision overall, and idempotence.

use std::collections::BTreeMap;

use serde_json::Value;
use veiviser_masking::{EntityKind, Masker};

/// Identity and account numbers: at most one in a hundred may slip through.
const MIN_RECALL_NUMBERS: f64 = 0.99;
const MIN_PRECISION: f64 = 0.95;
const CORPUS: &str = include_str!("../data/masking-corpus.jsonl");

struct Message {
    text: String,
    entities: Vec<(String, String)>,
}

fn corpus() -> Vec<Message> {
    CORPUS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let value: Value = serde_json::from_str(line).expect("JSON line");
            let text = value["text"].as_str().expect("text").to_string();
            let entities = value["entities"]
                .as_array()
                .expect("entities")
                .iter()
                .map(|e| {
                    let kind = e["kind"].as_str().expect("kind").to_string();
                    let value = e["value"].as_str().expect("value").to_string();
                    assert!(text.contains(&value), "{value} not in {text}");
                    (kind, value)
                })
                .collect();
            Message { text, entities }
        })
        .collect()
}

/// The masker the master uses: the agencies' published numbers stay readable.
fn masker() -> Masker {
    Masker::default().allow_numbers(["55 55 33 33", "800 80 000", "+47 21 80 21 80"])
}

#[test]
fn masking_meets_its_floors_on_the_labelled_corpus() {
    let corpus = corpus();
    assert!(corpus.len() >= 1_000, "only {} messages", corpus.len());
    let masker = masker();
    // kind -> (labelled, masked)
    let mut recall: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let (mut spans, mut true_spans) = (0usize, 0usize);
    let mut misses = Vec::new();
    let mut false_alarms = Vec::new();
    for message in &corpus {
        let masked = masker.mask(&message.text);
        assert_eq!(
            masker.mask(&masked.text).text,
            masked.text,
            "not idempotent: {}",
            message.text
        );
        // Byte ranges of labelled values in the original text.
        let labelled: Vec<(usize, usize)> = message
            .entities
            .iter()
            .flat_map(|(_, value)| {
                message
                    .text
                    .match_indices(value.as_str())
                    .map(|(at, v)| (at, at + v.len()))
            })
            .collect();
        for (kind, value) in &message.entities {
            let entry = recall.entry(kind.clone()).or_default();
            entry.0 += 1;
            if masked.text.contains(value.as_str()) {
                misses.push(format!("{kind}: {value} in «{}»", message.text));
            } else {
                entry.1 += 1;
            }
        }
        for found in &masked.found {
            spans += 1;
            if labelled.iter().any(|(s, e)| found.start < *e && found.end > *s) {
                true_spans += 1;
            } else {
                false_alarms.push(format!(
                    "{}: «{}» in «{}»",
                    found.kind.id(),
                    &message.text[found.start..found.end],
                    message.text
                ));
            }
        }
    }
    let precision = true_spans as f64 / spans.max(1) as f64;
    println!("masking evaluation: {} messages", corpus.len());
    for (kind, (labelled, masked)) in &recall {
        println!(
            "  {kind:<14} recall {:.3} ({masked}/{labelled})",
            *masked as f64 / *labelled as f64
        );
    }
    println!("  precision {precision:.3} ({true_spans}/{spans})");
    for line in misses.iter().take(20) {
        println!("  missed {line}");
    }
    for line in false_alarms.iter().take(20) {
        println!("  false alarm {line}");
    }
    for kind in [
        EntityKind::NationalIdentityNumber,
        EntityKind::AccountNumber,
        EntityKind::Iban,
        EntityKind::PaymentCard,
    ] {
        let (labelled, masked) = recall.get(kind.id()).copied().unwrap_or_default();
        assert!(labelled > 0, "the corpus has no {}", kind.id());
        let rate = masked as f64 / labelled as f64;
        assert!(
            rate >= MIN_RECALL_NUMBERS,
            "{} recall {rate:.3} < {MIN_RECALL_NUMBERS}",
            kind.id()
        );
    }
    assert!(precision >= MIN_PRECISION, "precision {precision:.3} < {MIN_PRECISION}");
}
