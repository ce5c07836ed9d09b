//! Scoring a masker on labelled messages: recall per kind, decoys kept,
//! precision, and messages without personal data left unchanged. Used by the
//! project's evaluation tests and by `examples/score.rs`, so that an agency
//! can score the masker on its own labelled messages the same way.

use std::collections::BTreeMap;

use crate::kinds::Found;
use crate::masker::Masker;

/// One labelled message.
#[derive(Debug, Clone, Default)]
pub struct Labelled {
    pub text: String,
    /// `(kind id, value)`: every occurrence of each value must be masked.
    pub entities: Vec<(String, String)>,
    /// Text that looks like personal data but is not, and must stay.
    pub decoys: Vec<String>,
}

/// What a masker did on a set of labelled messages.
#[derive(Debug, Clone, Default)]
pub struct Scores {
    pub messages: usize,
    /// Kind id → (labelled, masked).
    pub recall: BTreeMap<String, (usize, usize)>,
    pub decoys: (usize, usize),
    /// Findings that overlap a labelled value, of all findings.
    pub true_findings: usize,
    pub findings: usize,
    /// Messages with no personal data, and how many of them came out unchanged.
    pub clean: (usize, usize),
    /// `(kind id, value, text)` of each value not (wholly) masked.
    pub misses: Vec<(String, String, String)>,
    /// `(kind id, found text, text)` of each finding on no labelled value.
    pub false_alarms: Vec<(String, String, String)>,
    /// `(decoy, text)` of each decoy masked.
    pub decoys_lost: Vec<(String, String)>,
}

impl Scores {
    pub fn score(masker: &Masker, messages: &[Labelled]) -> Self {
        let mut scores = Self::default();
        for message in messages {
            scores.add(message, &masker.find(&message.text));
        }
        scores
    }

    fn add(&mut self, message: &Labelled, found: &[Found]) {
        let text = &message.text;
        self.messages += 1;
        // A value is masked when its letters and digits are, or for a number
        // (which may be written with words between its parts), its digits.
        let covered = |kind: &str, start: usize, end: usize| {
            let number = matches!(kind, "fodselsnummer" | "kontonummer" | "card" | "phone");
            text[start..end]
                .char_indices()
                .filter(|(_, c)| {
                    if number {
                        c.is_ascii_digit()
                    } else {
                        c.is_alphanumeric()
                    }
                })
                .all(|(i, _)| found.iter().any(|f| f.start <= start + i && start + i < f.end))
        };
        let touched = |start: usize, end: usize| found.iter().any(|f| f.start < end && start < f.end);
        // Where `value` is written; a number labelled by its digits alone
        // (dictated with words between its parts) is where those digits run,
        // whatever stands between them.
        let digits: Vec<usize> = text
            .char_indices()
            .filter(|(_, c)| c.is_ascii_digit())
            .map(|(i, _)| i)
            .collect();
        let occurrences = |value: &str| -> Vec<(usize, usize)> {
            let found: Vec<(usize, usize)> = text.match_indices(value).map(|(at, v)| (at, at + v.len())).collect();
            if !found.is_empty() || value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                return found;
            }
            let in_text: String = digits.iter().map(|&i| char::from(text.as_bytes()[i])).collect();
            in_text
                .match_indices(value)
                .map(|(at, _)| (digits[at], digits[at + value.len() - 1] + 1))
                .collect()
        };
        for (kind, value) in &message.entities {
            let entry = self.recall.entry(kind.clone()).or_default();
            entry.0 += 1;
            let places = occurrences(value);
            if !places.is_empty() && places.iter().all(|&(s, e)| covered(kind, s, e)) {
                entry.1 += 1;
            } else {
                self.misses.push((kind.clone(), value.clone(), text.clone()));
            }
        }
        // A decoy stands on its own: "12" inside "123" is not that decoy.
        let alone = |s: usize, e: usize| {
            !text[..s].chars().next_back().is_some_and(char::is_alphanumeric)
                && !text[e..].chars().next().is_some_and(char::is_alphanumeric)
        };
        // A decoy written inside a labelled value ("Ørsta" in an address) is
        // that value's, not a decoy.
        let labelled_spans: Vec<(usize, usize)> = message.entities.iter().flat_map(|(_, v)| occurrences(v)).collect();
        let inside_labelled = |s: usize, e: usize| labelled_spans.iter().any(|&(ls, le)| ls <= s && e <= le);
        for decoy in &message.decoys {
            self.decoys.0 += 1;
            let lost = occurrences(decoy)
                .iter()
                .any(|&(s, e)| alone(s, e) && !inside_labelled(s, e) && touched(s, e));
            if lost {
                self.decoys_lost.push((decoy.clone(), text.clone()));
            } else {
                self.decoys.1 += 1;
            }
        }
        let labelled: Vec<(usize, usize)> = message.entities.iter().flat_map(|(_, v)| occurrences(v)).collect();
        for f in found {
            self.findings += 1;
            if labelled.iter().any(|&(s, e)| f.start < e && s < f.end) {
                self.true_findings += 1;
            } else {
                self.false_alarms
                    .push((f.kind.id().to_string(), text[f.start..f.end].to_string(), text.clone()));
            }
        }
        if message.entities.is_empty() {
            self.clean.0 += 1;
            if found.is_empty() {
                self.clean.1 += 1;
            }
        }
    }

    /// The share of labelled values of `kind` masked, if there are any.
    pub fn recall_of(&self, kind: &str) -> Option<f64> {
        self.recall
            .get(kind)
            .filter(|(n, _)| *n > 0)
            .map(|(n, m)| *m as f64 / *n as f64)
    }

    /// The share of all labelled values masked.
    pub fn overall_recall(&self) -> f64 {
        let (n, m) = self.recall.values().fold((0, 0), |(n, m), (a, b)| (n + a, m + b));
        m as f64 / n.max(1) as f64
    }

    pub fn decoys_kept(&self) -> f64 {
        self.decoys.1 as f64 / self.decoys.0.max(1) as f64
    }

    pub fn precision(&self) -> f64 {
        self.true_findings as f64 / self.findings.max(1) as f64
    }

    /// A table of the figures, one line a kind.
    pub fn table(&self) -> String {
        let mut out = format!("{} messages\n", self.messages);
        for (kind, (n, m)) in &self.recall {
            out.push_str(&format!(
                "  {kind:<14} {:>6.1} % ({m}/{n})\n",
                100.0 * *m as f64 / *n as f64
            ));
        }
        out.push_str(&format!(
            "  {:<14} {:>6.1} %\n",
            "all kinds",
            100.0 * self.overall_recall()
        ));
        out.push_str(&format!(
            "  {:<14} {:>6.1} % ({}/{})\n",
            "decoys kept",
            100.0 * self.decoys_kept(),
            self.decoys.1,
            self.decoys.0
        ));
        out.push_str(&format!(
            "  {:<14} {:>6.1} % ({}/{})\n",
            "precision",
            100.0 * self.precision(),
            self.true_findings,
            self.findings
        ));
        out.push_str(&format!(
            "  {:<14} {}/{} unchanged\n",
            "no data", self.clean.1, self.clean.0
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_labelled_by_its_digits_is_found_across_the_words_between() {
        let message = Labelled {
            text: "kontoen er 1503 så 11 så 04057 takk".into(),
            entities: vec![("kontonummer".into(), "15031104057".into())],
            decoys: Vec::new(),
        };
        let scores = Scores::score(&Masker::default(), std::slice::from_ref(&message));
        assert_eq!(scores.recall.get("kontonummer"), Some(&(1, 1)), "{:?}", scores.misses);
        // Masked nothing: the digits are found, and counted as missed.
        let mut unmasked = Scores::default();
        unmasked.add(&message, &[]);
        assert_eq!(unmasked.recall.get("kontonummer"), Some(&(1, 0)));
    }
}
