//! Sets of words looked up in any ASCII case with one hash lookup and no
//! allocation, where a list was searched word by word.

use rustc_hash::FxHashSet;

/// The longest word lower-cased on the stack; longer words are in no set.
const MOST: usize = 32;

/// Words in ASCII lower case (other letters as listed).
pub(crate) struct WordSet {
    words: FxHashSet<&'static str>,
    longest: usize,
}

impl WordSet {
    /// The set of `list`, whose words are in ASCII lower case.
    pub fn new(list: &[&'static str]) -> Self {
        debug_assert!(
            list.iter()
                .all(|w| w.len() <= MOST && !w.bytes().any(|b| b.is_ascii_uppercase()))
        );
        Self {
            words: list.iter().copied().collect(),
            longest: list.iter().map(|w| w.len()).max().unwrap_or(0),
        }
    }

    /// `word` is in the set, in any ASCII case: what
    /// `list.iter().any(|w| word.eq_ignore_ascii_case(w))` says.
    pub fn contains_ignore_ascii_case(&self, word: &str) -> bool {
        if word.len() > self.longest {
            return false;
        }
        let mut buffer = [0u8; MOST];
        let lower = &mut buffer[..word.len()];
        lower.copy_from_slice(word.as_bytes());
        lower.make_ascii_lowercase();
        // Lower-casing ASCII bytes keeps UTF-8 valid.
        std::str::from_utf8(lower).is_ok_and(|lower| self.words.contains(lower))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_word_in_any_ascii_case_as_the_list_search_did() {
        let list = ["street", "rd", "allé", "straße"];
        let set = WordSet::new(&list);
        for word in [
            "Street",
            "STREET",
            "rd",
            "Rd",
            "ALLé",
            "allé",
            "Straße",
            "x",
            "streets",
            "",
            "ALLÉ",
            "aVeryLongWordIndeedLongerThanAnyOfThemAll",
        ] {
            assert_eq!(
                set.contains_ignore_ascii_case(word),
                list.iter().any(|w| word.eq_ignore_ascii_case(w)),
                "{word}"
            );
        }
    }
}
