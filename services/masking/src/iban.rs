//! IBANs: a country code and check digits, then letters and digits in groups
//! (spaces of any width or dashes between them), valid by ISO 7064 mod 97.

use std::sync::LazyLock;

use regex::Regex;

use crate::checks::{iban_length, is_iban};
use crate::kinds::EntityKind;
use crate::numbers::Finding;

static CANDIDATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)[a-z]{2}[ \u{a0}\-]?\d{2}(?:(?:[ \u{a0}\u{202f}\-]{1,2}|\s-\s)?[a-z0-9]){11,30}(?-u:\b)")
        .expect("valid")
});

/// Finds the IBANs in `text`.
pub(crate) fn find(text: &str, out: &mut Vec<Finding>) {
    if !might_hold_one(text.as_bytes()) {
        return;
    }
    let mut at = 0;
    while let Some(m) = CANDIDATE.find_at(text, at) {
        if let Some(end) = longest_valid_prefix(m.as_str()) {
            out.push((EntityKind::Iban, m.start(), m.start() + end));
            at = m.start() + end;
        } else {
            // Words before an IBAN can look like its start ("on 24 March …
            // NO64 …"): try again from the next word.
            at = m.start() + m.as_str().find(|c: char| !c.is_alphanumeric()).unwrap_or(m.len());
        }
    }
}

/// Two letters and then two digits, maybe with a space, dash or no-break
/// space between: how every IBAN starts. A byte scan, so the pattern runs
/// only when needed; it looks for two digits first, the rarer bytes.
fn might_hold_one(bytes: &[u8]) -> bool {
    let letters = |end: usize| end >= 2 && bytes[end - 2].is_ascii_alphabetic() && bytes[end - 1].is_ascii_alphabetic();
    (1..bytes.len()).any(|i| {
        // Digits at `d` and `i`; the letters end at `d` or before a separator.
        let d = i - 1;
        bytes[i].is_ascii_digit()
            && bytes[d].is_ascii_digit()
            && (letters(d)
                || (d >= 1 && matches!(bytes[d - 1], b' ' | b'-') && letters(d - 1))
                || (d >= 2 && bytes[d - 2] == 0xC2 && bytes[d - 1] == 0xA0 && letters(d - 2)))
    })
}

/// The end of the longest prefix of `candidate`, cut between groups, that is
/// a valid IBAN. Only a prefix with as many letters and digits as its
/// country's IBANs can be one, and every cut with that count holds the same
/// letters and digits: the last such cut is the only one to check.
fn longest_valid_prefix(candidate: &str) -> Option<usize> {
    let compact: String = candidate.chars().filter(char::is_ascii_alphanumeric).collect();
    let length = iban_length(&compact)?;
    if compact.len() < length || !is_iban(&compact[..length]) {
        return None;
    }
    // The cuts: before each character that is no ASCII letter or digit, and the end.
    let mut count = 0;
    let mut last_cut = None;
    for (at, c) in candidate.char_indices() {
        if c.is_ascii_alphanumeric() {
            count += 1;
        } else if count == length {
            last_cut = Some(at);
        }
    }
    if count == length {
        last_cut = Some(candidate.len());
    }
    last_cut
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The trigger as first written, from the letters forward.
    fn might_hold_one_forward(bytes: &[u8]) -> bool {
        (0..bytes.len().saturating_sub(3)).any(|i| {
            if !(bytes[i].is_ascii_alphabetic() && bytes[i + 1].is_ascii_alphabetic()) {
                return false;
            }
            let after = match &bytes[i + 2..] {
                [b' ' | b'-', rest @ ..] => rest,
                [0xC2, 0xA0, rest @ ..] => rest,
                rest => rest,
            };
            after.len() >= 2 && after[0].is_ascii_digit() && after[1].is_ascii_digit()
        })
    }

    #[test]
    fn the_trigger_looks_for_what_it_looked_for() {
        let pieces = ["N", "o", "9", "3", " ", "-", "\u{a0}", "x", "ø", "12", "ab"];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..state % 9 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            assert_eq!(
                might_hold_one(text.as_bytes()),
                might_hold_one_forward(text.as_bytes()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn ibans_with_spaces_dashes_and_no_break_spaces() {
        for written in [
            "NO9386011117947",
            "NO93 8601 1117 947",
            "NO93-8601-1117-947",
            "no93\u{a0}8601\u{a0}1117\u{a0}947",
        ] {
            let text = format!("IBAN: {written}, takk");
            let mut out = Vec::new();
            find(&text, &mut out);
            assert_eq!(
                out.iter().map(|f| &text[f.1..f.2]).collect::<Vec<_>>(),
                [written],
                "{written}"
            );
        }
    }
}
