//! How much memory open sessions take: opens N sessions in the master's own
//! session store, each with a short conversation (one question, one answer),
//! and prints the process's resident memory before and after, per session.
//! With `idle` after the count, the sessions are opened and never used. One count a run, so that memory freed by an earlier count does not hide
//! the next: `for n in 10000 100000 1000000; do cargo run --release -p
//! veiviser-master --example session_memory -- $n; done` (Linux: reads
//! `VmRSS` from /proc/self/status). For BENCHMARKS.md.

use std::time::Duration;

use veiviser_master::sessions::{Entry, Role, Sessions};

/// Resident memory of this process, in bytes.
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let count: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    // `idle`: sessions opened and never used, as a flood leaves them.
    let idle = std::env::args().nth(2).as_deref() == Some("idle");
    let before = resident_bytes();
    let sessions = Sessions::new(Duration::from_secs(30 * 60), count, veiviser_runtime::clock::system());
    let agencies = vec!["nav".to_string()];
    for _ in 0..count {
        let id = sessions.start("nb").expect("room").id;
        if idle {
            continue;
        }
        sessions.record(
            &id,
            Entry::citizen("hvordan søker jeg gravferdsstønad etter at ⟨navn⟩ døde?"),
        );
        sessions.record(
            &id,
            Entry {
                role: Role::Assistant,
                text: "Gravferdsstønad søker du hos NAV innen seks måneder etter dødsfallet.",
                intent: "nav/gravferdsstonad",
                agency_ids: &agencies,
                topics: &[],
                handover_id: "",
            },
        );
    }
    let added = resident_bytes().saturating_sub(before);
    assert_eq!(sessions.open_count(), count);
    println!(
        "| {count}{} | {:.1} MiB | {} bytes |",
        if idle {
            ", never used"
        } else {
            ", one question and answer"
        },
        added as f64 / (1024.0 * 1024.0),
        added / count as u64
    );
}
