//! Trains the learned routing decision on the labelled routing sets and
//! writes its weights to `assistant-master/content/routing-model.tsv`:
//!
//! ```sh
//! cargo run -p veiviser-master --example train_router            # cross-validate, then write
//! cargo run -p veiviser-master --example train_router -- --check # cross-validate only
//! ```
//!
//! It reads only the tuned-on sets (the first set and the blind `dev`
//! splits, never the blind `test` split), masks every message as the door
//! does, and scores with leave-one-writer-group-out cross-validation: each
//! group is the split(s) one pair of writers wrote; the model is fitted on
//! the other groups and scored on the group left out, against the rules
//! alone on the same messages. For BENCHMARKS.md (routing).

use std::collections::BTreeMap;

use veiviser_agency_sdk::Assistant;
use veiviser_master::content::MasterContent;
use veiviser_master::routing::train::{self, Fit, Sample};
use veiviser_master::routing::{Decision, FEATURES, Kind, MasterIntent, Router, Thresholds};
use veiviser_proto::agency::v1::AssistantCard;

/// The writer groups: the splits each set of writers wrote, and whether
/// they were written for the network with the courts.
const GROUPS: [(&str, &[&str], bool); 10] = [
    ("first set", &["routing-eval.tsv"], false),
    (
        "blind 1 (A, B)",
        &["routing-blind-dev.tsv", "routing-blind-dev2.tsv"],
        false,
    ),
    (
        "blind 2 (C)",
        &["routing-blind-dev3.tsv", "routing-blind-dev4.tsv"],
        false,
    ),
    (
        "blind 3 (D, E)",
        &["routing-blind-dev5.tsv", "routing-blind-dev6.tsv"],
        false,
    ),
    (
        "blind 4 (F, G)",
        &["routing-blind-dev7.tsv", "routing-blind-dev8.tsv"],
        false,
    ),
    (
        "blind 5 (H, I)",
        &["routing-blind-dev9.tsv", "routing-blind-dev10.tsv"],
        false,
    ),
    (
        "blind 6 (J, K)",
        &["routing-blind-dev11.tsv", "routing-blind-dev12.tsv"],
        false,
    ),
    (
        "blind 7 (L, M)",
        &["routing-blind-dev13.tsv", "routing-blind-dev14.tsv"],
        false,
    ),
    (
        "blind 8 (N, O)",
        &["routing-blind-dev15.tsv", "routing-blind-dev16.tsv"],
        true,
    ),
    ("blind 9 (P, Q)", &["routing-blind-dev17.tsv"], true),
];

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/");
const WEIGHTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/content/routing-model.tsv");

struct Message {
    group: usize,
    expected: String,
    language: String,
    masked: String,
}

fn cards(with_courts: bool) -> Vec<AssistantCard> {
    let courts = with_courts.then_some(veiviser_domstol::CONTENT);
    [
        veiviser_nav::CONTENT,
        veiviser_kommune::CONTENT,
        veiviser_skatteetaten::CONTENT,
    ]
    .into_iter()
    .chain(courts)
    .map(|embedded| Assistant::new(embedded.load().expect("valid content")).card().clone())
    .collect()
}

fn messages(cards: &[AssistantCard]) -> Vec<Message> {
    let masker = veiviser_master::text::door_masker(cards);
    let mut messages = Vec::new();
    for (group, (_, files, _)) in GROUPS.iter().enumerate() {
        for file in *files {
            let text = std::fs::read_to_string(format!("{DATA}{file}")).expect("a routing set");
            for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
                let fields: Vec<&str> = line.split('\t').collect();
                let (Some(expected), Some(language), Some(utterance)) = (fields.first(), fields.get(1), fields.last())
                else {
                    continue;
                };
                messages.push(Message {
                    group,
                    expected: expected.to_string(),
                    language: language.to_string(),
                    masked: masker.mask(utterance).text,
                });
            }
        }
    }
    messages
}

/// The candidate a label names.
fn right_candidate(router: &Router, message: &Message) -> Sample {
    let (candidates, words) = router.candidates(&message.masked);
    let right = candidates
        .iter()
        .position(|c| match message.expected.as_str() {
            "human" => c.kind == Kind::Human,
            "out-of-scope" => c.kind == Kind::NotOurs,
            label => c.domain.name() == label || c.domain.name() == format!("life-event/{label}"),
        })
        .unwrap_or_else(|| panic!("no candidate for {}", message.expected));
    Sample {
        candidates,
        words,
        right,
    }
}

/// Right as the routing evaluation counts it: the labelled domain, or for
/// out of scope anything but an agency or the life event.
fn is_right(decision: &Decision, expected: &str) -> bool {
    match decision {
        Decision::Agency { .. } | Decision::LifeEvent { .. } if expected == "out-of-scope" => false,
        _ if expected == "out-of-scope" => true,
        Decision::Agency { agency, .. } => agency == expected,
        Decision::LifeEvent { id, .. } => id == expected,
        Decision::Master {
            intent: MasterIntent::Human,
            ..
        } => expected == "human",
        _ => false,
    }
}

/// The label a decision would carry, for the confusions.
fn label(decision: &Decision) -> String {
    match decision {
        Decision::Agency { agency, .. } => agency.clone(),
        Decision::LifeEvent { id, .. } => id.clone(),
        Decision::Master { intent, .. } => intent.id().to_string(),
        Decision::Clarify { .. } => "clarify".into(),
        Decision::OutOfScope { .. } => "out-of-scope".into(),
    }
}

fn kind(expected: &str) -> &'static str {
    match expected {
        "nav" | "kommune" | "skatteetaten" | "domstol" => "one agency",
        "dodsfall-og-arv" => "life event",
        "human" => "human",
        _ => "out of scope",
    }
}

/// (right, total) by group name.
#[derive(Default)]
struct Tally(BTreeMap<String, (usize, usize)>);

impl Tally {
    fn add(&mut self, message: &Message, right: bool) {
        for name in [
            "all".to_string(),
            format!("kind: {}", kind(&message.expected)),
            format!("language: {}", message.language),
            format!("group: {}", GROUPS[message.group].0),
        ] {
            let entry = self.0.entry(name).or_default();
            entry.0 += usize::from(right);
            entry.1 += 1;
        }
    }

    fn share(&self, name: &str) -> f64 {
        self.0
            .get(name)
            .map_or(0.0, |(right, total)| 100.0 * *right as f64 / (*total).max(1) as f64)
    }
}

fn print(columns: &[(&str, &Tally)]) {
    print!("{:<28}", "");
    for (name, _) in columns {
        print!(" {name:>22}");
    }
    println!();
    for name in columns[0].1.0.keys() {
        print!("{name:<28}");
        for (_, tally) in columns {
            let (right, total) = tally.0[name];
            print!(" {:>6.1} % ({right:>4}/{total:>4})", tally.share(name));
        }
        println!();
    }
}

/// The two networks the sets were written for: without the courts, and with them.
struct Routers {
    without_courts: Router,
    with_courts: Router,
}

impl Routers {
    fn for_group(&self, group: usize) -> &Router {
        if GROUPS[group].2 {
            &self.with_courts
        } else {
            &self.without_courts
        }
    }

    fn with_model(self, model: Option<veiviser_master::routing::Model>) -> Self {
        Self {
            without_courts: self.without_courts.with_model(model.clone()),
            with_courts: self.with_courts.with_model(model),
        }
    }
}

fn main() {
    let check_only = std::env::args().any(|a| a == "--check");
    let master = MasterContent::embedded().expect("valid");
    let mut router = Routers {
        without_courts: Router::new(&cards(false), &master, Thresholds::default()).with_model(None),
        with_courts: Router::new(&cards(true), &master, Thresholds::default()).with_model(None),
    };
    // Masked by the network with the courts: its published numbers include the others'.
    let messages = messages(&cards(true));
    let mut samples: Vec<Sample> = messages
        .iter()
        .map(|m| right_candidate(router.for_group(m.group), m))
        .collect();
    let mut settings = Fit::default();
    if let Some(l2) = std::env::var("TRAIN_L2").ok().and_then(|v| v.parse().ok()) {
        settings.l2 = l2;
    }
    if let Some(count) = std::env::var("TRAIN_MIN_WORD_COUNT").ok().and_then(|v| v.parse().ok()) {
        settings.min_word_count = count;
    }
    if let Some(l2) = std::env::var("TRAIN_L2_WORDS").ok().and_then(|v| v.parse().ok()) {
        settings.l2_words = l2;
    }
    // An experiment: the model without the rules' choice (its weights stay zero).
    if std::env::var("TRAIN_WITHOUT_RULES").is_ok() {
        let rules_features: Vec<usize> = (0..FEATURES.len()).filter(|&f| FEATURES[f].contains("rules")).collect();
        for candidate in samples.iter_mut().flat_map(|s| s.candidates.iter_mut()) {
            for &f in &rules_features {
                candidate.features[f] = 0.0;
            }
        }
    }

    let mut rules = Tally::default();
    let mut confusions: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    for message in &messages {
        let decision = router.for_group(message.group).decide(&message.masked);
        let right = is_right(&decision, &message.expected);
        rules.add(message, right);
        if !right {
            confusions
                .entry((message.expected.clone(), label(&decision)))
                .or_default()
                .0 += 1;
        }
    }
    // Leave one writer group out.
    let mut held_out = Tally::default();
    let mut clarified = 0;
    for group in 0..GROUPS.len() {
        let training: Vec<Sample> = samples
            .iter()
            .zip(&messages)
            .filter(|(_, m)| m.group != group)
            .map(|(s, _)| s.clone())
            .collect();
        router = router.with_model(Some(train::fit(&training, settings)));
        for message in messages.iter().filter(|m| m.group == group) {
            let decision = router.for_group(group).decide(&message.masked);
            clarified += usize::from(matches!(decision, Decision::Clarify { .. }));
            let right = is_right(&decision, &message.expected);
            held_out.add(message, right);
            if !right {
                confusions
                    .entry((message.expected.clone(), label(&decision)))
                    .or_default()
                    .1 += 1;
            }
        }
    }
    let model = train::fit(&samples, settings);
    router = router.with_model(Some(model.clone()));
    let mut in_sample = Tally::default();
    for message in &messages {
        let decision = router.for_group(message.group).decide(&message.masked);
        in_sample.add(message, is_right(&decision, &message.expected));
    }
    println!(
        "{} messages in {} writer groups; fit {settings:?}; loss on all {:.3}; {clarified} clarifying questions held out",
        messages.len(),
        GROUPS.len(),
        train::loss(&model, &samples)
    );
    print(&[
        ("rules alone", &rules),
        ("learned, held out", &held_out),
        ("learned, in sample", &in_sample),
    ]);
    println!("misses (labelled -> routed): rules alone, learned held out");
    for ((expected, got), (rules, learned)) in &confusions {
        println!("  {expected:>16} -> {got:<16} {rules:>4} {learned:>4}");
    }
    if !check_only {
        let comment = format!(
            "The learned routing decision (assistant-master/src/routing/model.rs): one weight per kind and feature.\n\
             Written by `cargo run -p veiviser-master --example train_router`; do not edit by hand.\n\
             Fitted on {} messages (the first set and the blind dev splits, masked), {settings:?}.",
            messages.len()
        );
        std::fs::write(WEIGHTS, model.to_tsv(&comment)).expect("writes the weights");
        println!("wrote {WEIGHTS}");
    }
}
