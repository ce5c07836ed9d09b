//! Post-office boxes: "Postboks 2043 Grünerløkka", "Pb. 84", "PO Box 112",
//! with the delivery district written after the box number, and whose box it
//! is (an organisation's published box is no personal data).

use std::sync::LazyLock;

use regex::Regex;

use crate::numbers::ORGANISATION_SET;
use crate::words::{Word, lowercase_words_before};

/// Words for a post-office box, in lower case.
const BOX_WORDS: [&str; 5] = ["postboks", "boks", "pb", "postbox", "box"];

/// The box number after the box word.
static BOX_NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\.?[ \u{a0}]{1,2}\d{1,5}(?-u:\b)").expect("valid"));
/// A delivery district after the number, maybe after a comma: up to three
/// capitalised words ("Grünerløkka", "Vika", "St. Olavs plass").
static DISTRICT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^,?(?:[ ]\p{Lu}[\p{L}\-]*\.?(?:[ ]\p{L}[\p{L}\-]*){0,2})").expect("valid"));

/// A post-office box at word `i`: its start, where its number ends and, if a
/// district follows, where that ends. The caller decides whether a postcode
/// follows either. `None` when the box is no box or an organisation's.
pub(crate) fn box_at(text: &str, words: &[Word<'_>], i: usize) -> Option<(usize, usize, Option<usize>)> {
    let word = &words[i];
    if !BOX_WORDS.iter().any(|b| word.text.eq_ignore_ascii_case(b)) {
        return None;
    }
    let number = BOX_NUMBER.find(&text[word.end..])?;
    let end = word.end + number.end();
    // "PO Box", "P.O. Box": the letters before the box word are part of it.
    let mut start = word.start;
    if i > 0 && matches!(words[i - 1].text.to_ascii_lowercase().as_str(), "po" | "p.o") {
        let gap = &text[words[i - 1].end..word.start];
        if matches!(gap, " " | "." | ". ") {
            start = words[i - 1].start;
        }
    }
    // "NAV skanning, postboks 1400": the box of an organisation named just before.
    let line = text[..start].rsplit('\n').next().unwrap_or_default();
    if lowercase_words_before(line, 3).any(|w| ORGANISATION_SET.contains(&w)) {
        return None;
    }
    let district = DISTRICT.find(&text[end..]).map(|m| end + m.end());
    Some((start, end, district))
}

/// `before` ends with a box word and its number, then a space: what
/// follows is the box's district, whoever's box it is ("Postboks 9200 ").
pub(crate) fn follows_a_box_number(before: &str) -> bool {
    let Some(number_end) = before.strip_suffix(' ') else {
        return false;
    };
    let number = number_end.trim_end_matches(|c: char| c.is_ascii_digit());
    let digits = number_end.len() - number.len();
    let word = number.trim_end_matches([' ', '\u{a0}']).trim_end_matches('.');
    (1..=5).contains(&digits)
        && word.len() < number.len()
        && BOX_WORDS.iter().any(|b| {
            word.len() >= b.len()
                && word.is_char_boundary(word.len() - b.len())
                && word[word.len() - b.len()..].eq_ignore_ascii_case(b)
                && !word[..word.len() - b.len()].ends_with(char::is_alphabetic)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::words;

    fn first_box(text: &str) -> Option<(&str, Option<&str>)> {
        let words = words(text);
        (0..words.len())
            .find_map(|i| box_at(text, &words, i))
            .map(|(start, end, district)| (&text[start..end], district.map(|d| &text[end..d])))
    }

    #[test]
    fn boxes_with_and_without_a_district() {
        assert_eq!(
            first_box("Postboks 2043 Grünerløkka, 0505 Oslo"),
            Some(("Postboks 2043", Some(" Grünerløkka")))
        );
        // After a comma too ("P.O. Box 2217, Grünerløkka, 0505 Oslo"); the caller
        // wants a postcode after it.
        assert_eq!(
            first_box("send til PO Box 112, Leeds"),
            Some(("PO Box 112", Some(", Leeds")))
        );
        assert_eq!(first_box("send til PO Box 112. Takk"), Some(("PO Box 112", None)));
        assert_eq!(first_box("Pb. 84, 5701 Voss"), Some(("Pb. 84", None)));
    }

    #[test]
    fn a_district_follows_a_box_number() {
        assert!(follows_a_box_number("til Postboks 9200 "));
        assert!(follows_a_box_number("pb. 12 "));
        assert!(!follows_a_box_number("Storgata 12 "));
        assert!(!follows_a_box_number("postboks "));
    }

    #[test]
    fn an_organisations_box_is_its_own() {
        assert_eq!(first_box("til NAV skanning, postboks 1400, 0109 Oslo"), None);
        assert_eq!(first_box("boksen er tom"), None);
    }
}
