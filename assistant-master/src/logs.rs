//! Warnings that come in floods under load (an agency shedding calls,
//! questions refused as busy) are written at most once a second for each
//! kind, with how many there were since the line before.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The least time between two lines of one kind.
const EVERY: Duration = Duration::from_secs(1);

/// Counts warnings by kind and says when one may be written.
#[derive(Debug, Default)]
pub struct Aggregated {
    /// Kind → when its last line was written, and how many came since.
    kinds: Mutex<HashMap<String, (Instant, u64)>>,
}

impl Aggregated {
    /// Counts one warning of `kind`; `Some(n)` when a line is due now, for
    /// the `n` warnings it stands for.
    pub fn tick(&self, kind: &str) -> Option<u64> {
        self.tick_at(kind, Instant::now())
    }

    fn tick_at(&self, kind: &str, now: Instant) -> Option<u64> {
        let mut kinds = self.kinds.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match kinds.get_mut(kind) {
            Some((last, pending)) => {
                *pending += 1;
                if now.duration_since(*last) < EVERY {
                    return None;
                }
                let count = *pending;
                *last = now;
                *pending = 0;
                Some(count)
            }
            None => {
                kinds.insert(kind.to_string(), (now, 0));
                Some(1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_one_line_a_second_with_its_count() {
        let warnings = Aggregated::default();
        let start = Instant::now();
        assert_eq!(
            warnings.tick_at("nav/overloaded", start),
            Some(1),
            "the first is written"
        );
        let within: Vec<Option<u64>> = (1..=999)
            .map(|ms| warnings.tick_at("nav/overloaded", start + Duration::from_millis(ms)))
            .collect();
        assert!(within.iter().all(Option::is_none), "then nothing for a second");
        assert_eq!(warnings.tick_at("kommune/timeout", start), Some(1), "each kind apart");
        assert_eq!(
            warnings.tick_at("nav/overloaded", start + Duration::from_millis(1_000)),
            Some(1_000),
            "then one line for all of them"
        );
    }
}
