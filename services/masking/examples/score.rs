//! Scores the masker on labelled messages in JSON lines (`text`, `entities`
//! as `{kind, value}`, optional `decoys`): `cargo run -p veiviser-masking
//! --example score -- FILE [--quiet]`. `--quiet` prints the figures only,
//! never the messages (for a test split that must not be tuned on).

use veiviser_masking::Masker;
use veiviser_masking::evaluation::{Labelled, Scores};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quiet = args.iter().any(|a| a == "--quiet");
    let mut messages = Vec::new();
    for path in args.iter().filter(|a| !a.starts_with("--")) {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let strings = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
            messages.push(Labelled {
                text: strings(&value["text"]),
                entities: value["entities"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| (strings(&e["kind"]), strings(&e["value"])))
                    .collect(),
                decoys: value["decoys"].as_array().into_iter().flatten().map(strings).collect(),
            });
        }
    }
    let masker = Masker::default().allow_numbers(["55 55 33 33", "800 80 000", "+47 21 80 21 80"]);
    let scores = Scores::score(&masker, &messages);
    print!("{}", scores.table());
    if quiet {
        return;
    }
    for (kind, value, text) in &scores.misses {
        println!("MISS {kind}: «{value}» in «{text}»");
    }
    for (kind, found, text) in &scores.false_alarms {
        println!("FALSE {kind}: «{found}» in «{text}»");
    }
    for (decoy, text) in &scores.decoys_lost {
        println!("DECOY «{decoy}» in «{text}»");
    }
}
