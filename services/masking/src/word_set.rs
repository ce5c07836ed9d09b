//! Sets of words looked up in any ASCII case with one hash lookup and no
//! allocation, where a list was searched word by word.

use rustc_hash::FxHashSet;

/// The longest word lower-cased on the stack; longer words are in no set.
const MOST: usize = 32;

/// Words in ASCII lower case (other letters as listed).
pub(crate) struct WordSet {
    words: FxHashSet<&'static [u8]>,
    longest: usize,
    /// Bit `n` for each length `n` (up to 63) that a word has.
    lengths: u64,
    /// Bit `b % 64` for each first byte `b` (lower case) that a word has.
    initials: u64,
}

impl WordSet {
    /// The set of `list`, whose words are in ASCII lower case.
    pub fn new(list: &[&'static str]) -> Self {
        debug_assert!(
            list.iter()
                .all(|w| w.len() <= MOST && !w.bytes().any(|b| b.is_ascii_uppercase()))
        );
        Self {
            words: list.iter().map(|w| w.as_bytes()).collect(),
            longest: list.iter().map(|w| w.len()).max().unwrap_or(0),
            lengths: list.iter().fold(0, |bits, w| bits | 1 << w.len().min(63)),
            initials: list
                .iter()
                .fold(0, |bits, w| bits | w.as_bytes().first().map_or(0, |b| 1 << (b % 64))),
        }
    }

    /// `word` is in the set as it stands (`word` in lower case, as the
    /// words of the set are).
    pub fn contains(&self, word: &str) -> bool {
        self.contains_ignore_ascii_case(word) && !word.bytes().any(|b| b.is_ascii_uppercase())
    }

    /// `word` is in the set, in any ASCII case: what
    /// `list.iter().any(|w| word.eq_ignore_ascii_case(w))` says.
    pub fn contains_ignore_ascii_case(&self, word: &str) -> bool {
        // Most words differ in length or first letter from every word listed.
        let initial = word
            .as_bytes()
            .first()
            .map_or(0, |b| 1 << (b.to_ascii_lowercase() % 64));
        if word.len() > self.longest || self.lengths & (1 << word.len().min(63)) == 0 || self.initials & initial == 0 {
            return false;
        }
        let mut buffer = [0u8; MOST];
        let lower = &mut buffer[..word.len()];
        lower.copy_from_slice(word.as_bytes());
        lower.make_ascii_lowercase();
        self.words.contains(&*lower)
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
            assert_eq!(set.contains(word), list.contains(&word), "{word}");
        }
    }
}
