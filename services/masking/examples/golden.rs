//! The masker's whole output on the corpora, for checking that a change to
//! its speed changes nothing it does: `cargo run --release -p
//! veiviser-masking --example golden -- OUT FILE...`. For every message, and
//! for variations of it (two messages joined, a message twice, a message cut
//! at a few places, its masked text), writes the masked text and every
//! finding (kind and byte range) of three maskers (the default, the
//! master's with public numbers allowed, a door's with the numbers only), and
//! panics if masking a masked text changes it.

use std::fmt::Write as _;

use veiviser_masking::{EntityKind, Masker};

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().expect("an output file");
    let mut messages = Vec::new();
    for path in args {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        messages.extend(
            text.lines()
                .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
                .filter_map(|value| value["text"].as_str().map(str::to_string)),
        );
    }
    let maskers = [
        Masker::default(),
        Masker::default().allow_numbers(["55 55 33 33", "800 80 000", "+47 21 80 21 80"]),
        Masker::default().only([
            EntityKind::NationalIdentityNumber,
            EntityKind::AccountNumber,
            EntityKind::Iban,
            EntityKind::PaymentCard,
        ]),
    ];
    let mut inputs: Vec<String> = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        inputs.push(message.clone());
        inputs.push(format!("{message} {message}"));
        let next = &messages[(i + 1) % messages.len()];
        inputs.push(format!("{message}\n{next}"));
        inputs.push(format!("{message}{next}"));
        // Cut at a few character boundaries.
        for part in [3, 5, 7] {
            let mut cut = message.len() * 2 / part;
            while !message.is_char_boundary(cut) {
                cut += 1;
            }
            inputs.push(message[..cut].to_string());
            inputs.push(message[cut..].to_string());
        }
        inputs.push(veiviser_masking::mask(message).text);
    }
    let mut report = String::new();
    let mut changed_by_second_pass = 0;
    for (n, input) in inputs.iter().enumerate() {
        for (m, masker) in maskers.iter().enumerate() {
            let masked = masker.mask(input);
            let found: Vec<String> = masked
                .found
                .iter()
                .map(|f| format!("{}:{}-{}", f.kind.id(), f.start, f.end))
                .collect();
            writeln!(report, "{n}/{m} {:?}\n  {}", masked.text, found.join(" ")).expect("a string");
            let again = masker.mask(&masked.text);
            assert_eq!(again.text, masked.text, "not idempotent for {input:?}");
            if !again.found.is_empty() {
                changed_by_second_pass += 1;
            }
        }
    }
    std::fs::write(&out, &report).unwrap_or_else(|e| panic!("{out}: {e}"));
    println!(
        "{} inputs, {} maskings written to {out}; {changed_by_second_pass} masked texts with findings when masked again",
        inputs.len(),
        inputs.len() * maskers.len()
    );
}
