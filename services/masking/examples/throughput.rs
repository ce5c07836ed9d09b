//! Masking throughput on a JSON-lines file of messages (the generated corpus
//! by default), without criterion: `cargo run --release -p veiviser-masking
//! --example throughput -- [FILE] [ROUNDS]`. Prints the best of the rounds in
//! MiB/s, for comparing two versions of the masker on one machine.

use std::time::Instant;

use veiviser_masking::Masker;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "tests/data/masking-corpus.jsonl".to_string());
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(20);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let messages: Vec<String> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|value| value["text"].as_str().map(str::to_string))
        .collect();
    let bytes: usize = messages.iter().map(String::len).sum();
    let masker = Masker::default();
    masker.warm();
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let started = Instant::now();
        for message in &messages {
            std::hint::black_box(masker.mask(message));
        }
        best = best.min(started.elapsed().as_secs_f64());
    }
    let mib = bytes as f64 / (1024.0 * 1024.0);
    println!(
        "{} messages, {bytes} bytes: best of {rounds} rounds {:.2} ms, {:.2} MiB/s",
        messages.len(),
        best * 1e3,
        mib / best
    );
}
