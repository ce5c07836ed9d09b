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

/// Two letters and then two digits, maybe with a space or dash between:
/// how every IBAN starts. A byte scan, so the pattern runs only when needed.
fn might_hold_one(bytes: &[u8]) -> bool {
    (0..bytes.len().saturating_sub(3)).any(|i| {
        if !(bytes[i].is_ascii_alphabetic() && bytes[i + 1].is_ascii_alphabetic()) {
            return false;
        }
        let rest = &bytes[i + 2..];
        let after = match rest {
            [b' ' | b'-', rest @ ..] => rest,
            [0xC2, 0xA0, rest @ ..] => rest,
            rest => rest,
        };
        after.len() >= 2 && after[0].is_ascii_digit() && after[1].is_ascii_digit()
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
