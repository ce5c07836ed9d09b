//! Finding the terms of a concept vocabulary in a message.
//!
//! A term is one to a few words. A term word matches a message word with
//! the same stem ("kisten" for "kista"), or one that begins with the whole
//! term word ("kistetransport" for "kiste"), or the rest of a compound after
//! another known word ("utgiftene" in "begravelsesutgiftene"). A term of one
//! word also matches a message word that begins with its stem
//! ("begravelsen", "begravelsesbyrå" for "begravelse"). Words shorter than
//! [`MIN_PREFIX`] match only whole words. A term matches when all its words
//! are found within a window a little wider than the term, in any order.
//! Where matched terms overlap, the one with more words (then more letters)
//! wins, so "funeral home" is not also read as "funeral", nor
//! "begravelsesbyrå" as "begravelse".

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::hash::Hash;

use crate::{normalize, words};

/// The shortest stem that matches as a word beginning.
pub const MIN_PREFIX: usize = 4;
/// How many words wider than the term the window of its words may be.
const SLACK: usize = 3;

/// A term found in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found<'a, L> {
    pub label: &'a L,
    /// The term as its content gives it.
    pub term: &'a str,
    /// How many words the term has.
    pub words: usize,
}

#[derive(Debug, Clone)]
struct Term {
    label: usize,
    text: String,
    /// The stem of each word.
    stems: Vec<String>,
}

/// (term, word position in the term) lists.
type Postings = FxHashMap<String, Vec<(u32, u8)>>;

/// Terms by label, prepared for matching.
#[derive(Debug, Clone)]
pub struct Vocabulary<L> {
    labels: Vec<L>,
    terms: Vec<Term>,
    /// A term word's stem → where it occurs.
    by_stem: Postings,
    /// A term word as written (folded) → where it occurs.
    by_word: Postings,
    /// The stems of one-word terms, which also match as word beginnings.
    single_stems: Postings,
    /// The longest key of the three, in bytes.
    longest: usize,
}

impl<L: Eq + Hash + Clone> Vocabulary<L> {
    /// Builds the vocabulary from (label, term) pairs; terms that normalise to
    /// nothing, or have more than 8 words, are skipped.
    pub fn new<I, S>(terms: I) -> Self
    where
        I: IntoIterator<Item = (L, S)>,
        S: AsRef<str>,
    {
        let mut labels: Vec<L> = Vec::new();
        let mut label_ids: HashMap<L, usize> = HashMap::new();
        let mut prepared: Vec<(Term, Vec<crate::Word>)> = Vec::new();
        for (label, text) in terms {
            let term_words = words(&normalize(text.as_ref()));
            if term_words.is_empty() || term_words.len() > 8 || term_words.iter().any(|w| w.stem.is_empty()) {
                continue;
            }
            let id = *label_ids.entry(label.clone()).or_insert_with(|| {
                labels.push(label);
                labels.len() - 1
            });
            prepared.push((
                Term {
                    label: id,
                    text: text.as_ref().to_string(),
                    stems: term_words.iter().map(|w| w.stem.clone()).collect(),
                },
                term_words,
            ));
        }
        let (mut by_stem, mut by_word, mut single_stems) =
            (Postings::default(), Postings::default(), Postings::default());
        for (number, (_, term_words)) in prepared.iter().enumerate() {
            for (position, word) in term_words.iter().enumerate() {
                let posting = (number as u32, position as u8);
                by_stem.entry(word.stem.clone()).or_default().push(posting);
                by_word.entry(word.folded.clone()).or_default().push(posting);
                if term_words.len() == 1 {
                    single_stems.entry(word.stem.clone()).or_default().push(posting);
                }
            }
        }
        let longest = by_word.keys().chain(by_stem.keys()).map(String::len).max().unwrap_or(0);
        Self {
            labels,
            terms: prepared.into_iter().map(|(term, _)| term).collect(),
            by_stem,
            by_word,
            single_stems,
            longest,
        }
    }

    pub fn term_count(&self) -> usize {
        self.terms.len()
    }

    /// The terms found in `text`, longest first; overlapping shorter terms
    /// are left out.
    pub fn find(&self, text: &str) -> Vec<Found<'_, L>> {
        let message = words(&normalize(text));
        // For each term, the positions where each of its words was seen. Word
        // `i` of the message has two positions: `2i`, the word itself, and
        // `2i + 1`, the rest of a compound after a known stem
        // ("begravelses|utgiftene"), so both parts can match term words.
        // (term, word position in the term, message position), collected
        // flat and grouped by term afterwards: most terms a word touches
        // never get all their words, and cost nothing more than their entry.
        let mut hits: Vec<(u32, u8, usize)> = Vec::new();
        fn hit(hits: &mut Vec<(u32, u8, usize)>, postings: &Postings, key: &str, at: usize) {
            if let Some(list) = postings.get(key) {
                hits.extend(list.iter().map(|(term, position)| (*term, *position, at)));
            }
        }
        for (at, word) in message.iter().enumerate() {
            let (head, tail) = (2 * at, 2 * at + 1);
            hit(&mut hits, &self.by_stem, &word.stem, head);
            hit(&mut hits, &self.by_word, &word.folded, head);
            // Beginnings: a whole term word, or the stem of a one-word term;
            // the longest known one leaves the compound's tail.
            let mut compound_head = None;
            let limit = word.folded.len().saturating_sub(1).min(self.longest);
            for end in MIN_PREFIX..=limit {
                if !word.folded.is_char_boundary(end) {
                    continue;
                }
                let prefix = &word.folded[..end];
                let (as_word, as_stem) = (self.by_word.get(prefix), self.single_stems.get(prefix));
                for list in [as_word, as_stem].into_iter().flatten() {
                    hits.extend(list.iter().map(|(term, position)| (*term, *position, head)));
                }
                if as_word.is_some() || self.by_stem.contains_key(prefix) {
                    compound_head = Some(end);
                }
            }
            // The tail comes behind up to five letters the stemmer cut and a
            // linking letter ("begrav|elses|utgiftene"); it matches as a whole
            // word, not as a beginning: "stønad" is no "stone".
            if let Some(end) = compound_head {
                for skip in 0..=5 {
                    let Some(rest) = word.folded.get(end + skip..).filter(|r| r.len() >= MIN_PREFIX) else {
                        break;
                    };
                    hit(&mut hits, &self.by_word, rest, tail);
                    hit(&mut hits, &self.by_stem, &crate::stem(rest), tail);
                }
            }
        }
        // Which terms had every word seen; only those are placed. (Common
        // words hit many terms, so this pass stays linear: no sort.)
        let mut seen: FxHashMap<u32, u16> = FxHashMap::default();
        for (term, position, _) in &hits {
            *seen.entry(*term).or_insert(0) |= 1 << position;
        }
        let mut complete: FxHashMap<u32, Vec<Vec<usize>>> = FxHashMap::default();
        for (term, mask) in seen {
            let length = self.terms[term as usize].stems.len();
            if mask.count_ones() as usize == length {
                complete.insert(term, vec![Vec::new(); length]);
            }
        }
        for (term, position, at) in hits {
            if let Some(positions) = complete.get_mut(&term) {
                let slot = &mut positions[position as usize];
                if !slot.contains(&at) {
                    slot.push(at);
                }
            }
        }
        let mut found: Vec<(u32, Vec<usize>)> = Vec::new();
        for (term, mut positions) in complete {
            for slot in &mut positions {
                slot.sort_unstable();
            }
            let length = positions.len();
            if let Some(span) = window(&positions, 2 * (length + SLACK)) {
                found.push((term, span));
            }
        }
        // Longest terms first; a one-word term on a word a longer term took is
        // dropped, and so is any term all of whose words are taken.
        found.sort_by(|(a, _), (b, _)| {
            let (a, b) = (&self.terms[*a as usize], &self.terms[*b as usize]);
            let letters = |t: &Term| t.stems.iter().map(String::len).sum::<usize>();
            (b.stems.len(), letters(b))
                .cmp(&(a.stems.len(), letters(a)))
                .then_with(|| a.text.cmp(&b.text))
        });
        let mut taken = vec![false; 2 * message.len()];
        let mut kept = Vec::new();
        for (term, span) in found {
            let length = self.terms[term as usize].stems.len();
            if span.iter().any(|i| taken[*i]) && length < 2 {
                continue;
            }
            if span.iter().all(|i| taken[*i]) {
                continue;
            }
            for i in &span {
                taken[*i] = true;
            }
            let term = &self.terms[term as usize];
            kept.push(Found {
                label: &self.labels[term.label],
                term: &term.text,
                words: term.stems.len(),
            });
        }
        kept
    }
}

/// One position per term word, all within `width` words of each other, if
/// there is such a choice: the message positions it used.
fn window(positions: &[Vec<usize>], width: usize) -> Option<Vec<usize>> {
    if positions.iter().any(Vec::is_empty) {
        return None;
    }
    if positions.len() == 1 {
        return Some(vec![positions[0][0]]);
    }
    // Anchor on each position of the first word; take each other word's nearest position.
    for anchor in &positions[0] {
        let mut chosen = vec![*anchor];
        for others in &positions[1..] {
            let nearest = others
                .iter()
                .filter(|p| !chosen.contains(p))
                .min_by_key(|p| p.abs_diff(*anchor))?;
            chosen.push(*nearest);
        }
        let (low, high) = (chosen.iter().min()?, chosen.iter().max()?);
        if high - low < width {
            return Some(chosen);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::Vocabulary;

    fn vocabulary() -> Vocabulary<&'static str> {
        Vocabulary::new([
            ("baretransport", "frakte kista"),
            ("baretransport", "båretransport"),
            ("oos", "begravelsesbyrå"),
            ("gravferd", "begravelse"),
            ("nav", "nav"),
        ])
    }

    fn labels(text: &str) -> Vec<&'static str> {
        vocabulary().find(text).into_iter().map(|f| *f.label).collect()
    }

    #[test]
    fn term_words_match_inflections_and_compounds_near_each_other() {
        assert_eq!(labels("Kan vi få hjelp til å frakte kisten hjem?"), ["baretransport"]);
        assert_eq!(
            labels("kista må fraktes langt"),
            ["baretransport"],
            "any order, inflected"
        );
        assert_eq!(labels("søknad om baretransport"), ["baretransport"], "without å");
        assert!(
            labels("frakte møbler fra hytta, og kjøpe ny kiste til lagring").is_empty(),
            "too far apart"
        );
    }

    #[test]
    fn both_parts_of_a_compound_match_a_term_of_two_words() {
        let vocabulary = Vocabulary::new([("gravferdsstonad", "utgifter begravelse")]);
        assert_eq!(vocabulary.find("hjelp til begravelsesutgiftene").len(), 1);
        assert_eq!(vocabulary.find("utgiftene til begravelsen").len(), 1);
        assert!(vocabulary.find("begravelsen var fin").is_empty());
        let stone = Vocabulary::new([("gravminne", "grave stone"), ("x", "gravferd")]);
        assert!(
            stone.find("gravferdsstønad").iter().all(|f| *f.label != "gravminne"),
            "a tail matches whole"
        );
    }

    #[test]
    fn words_of_a_longer_term_match_on_their_stem_or_as_whole_beginnings_only() {
        let vocabulary = Vocabulary::new([("foreldrepenger", "vi venter barn"), ("barnehage", "barnehage")]);
        let labels = |text: &str| -> Vec<&str> { vocabulary.find(text).into_iter().map(|f| *f.label).collect() };
        assert_eq!(labels("vi står på venteliste til barnehage"), ["barnehage"]);
        assert_eq!(labels("vi venter barn i mars"), ["foreldrepenger"]);
        assert_eq!(labels("vi venter barnet vårt"), ["foreldrepenger"], "the same stem");
    }

    #[test]
    fn short_stems_match_whole_words_only() {
        assert_eq!(labels("jeg ringte nav i går"), ["nav"]);
        assert!(labels("navnet mitt er feil").is_empty());
    }

    #[test]
    fn the_longer_term_wins_where_terms_overlap() {
        assert_eq!(labels("hva koster begravelsesbyrået"), ["oos"]);
        assert_eq!(labels("når må begravelsen være"), ["gravferd"]);
    }
}
