//! Finding the terms of a concept vocabulary in a message.
//!
//! A term is one to a few words. Its words are stemmed, and each matches a
//! word of the message that starts with the term word's stem (so "kiste"
//! matches "kista" and "kistetransport"), or the rest of a compound after
//! another known stem ("utgift" in "begravelsesutgiftene"); stems shorter
//! than [`MIN_PREFIX`] must match a whole word. A term matches when all its words
//! are found within a window a little wider than the term, in any order.
//! Where matched terms overlap, the one with more words (then more letters)
//! wins, so "funeral home" is not also read as "funeral", nor
//! "begravelsesbyrå" as "begravelse".

use std::collections::HashMap;
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
    stems: Vec<String>,
}

/// Terms by label, prepared for matching.
#[derive(Debug, Clone)]
pub struct Vocabulary<L> {
    labels: Vec<L>,
    terms: Vec<Term>,
    /// Stem → (term, word position in the term).
    by_stem: HashMap<String, Vec<(u32, u8)>>,
    longest_stem: usize,
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
        let mut prepared = Vec::new();
        for (label, text) in terms {
            let stems: Vec<String> = words(&normalize(text.as_ref())).into_iter().map(|w| w.stem).collect();
            if stems.is_empty() || stems.len() > 8 || stems.iter().any(String::is_empty) {
                continue;
            }
            let id = *label_ids.entry(label.clone()).or_insert_with(|| {
                labels.push(label);
                labels.len() - 1
            });
            prepared.push(Term {
                label: id,
                text: text.as_ref().to_string(),
                stems,
            });
        }
        let mut by_stem: HashMap<String, Vec<(u32, u8)>> = HashMap::new();
        for (number, term) in prepared.iter().enumerate() {
            for (position, stem) in term.stems.iter().enumerate() {
                by_stem
                    .entry(stem.clone())
                    .or_default()
                    .push((number as u32, position as u8));
            }
        }
        let longest_stem = by_stem.keys().map(String::len).max().unwrap_or(0);
        Self {
            labels,
            terms: prepared,
            by_stem,
            longest_stem,
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
        let mut seen: HashMap<u32, Vec<Vec<usize>>> = HashMap::new();
        let mut hit = |stem: &str, at: usize| {
            for (term, position) in self.by_stem.get(stem).into_iter().flatten() {
                let positions = seen
                    .entry(*term)
                    .or_insert_with(|| vec![Vec::new(); self.terms[*term as usize].stems.len()]);
                let slot = &mut positions[*position as usize];
                if slot.last() != Some(&at) {
                    slot.push(at);
                }
            }
        };
        for (at, word) in message.iter().enumerate() {
            // Whole words and stems always; longer stems as word beginnings.
            hit(&word.folded, 2 * at);
            if word.stem != word.folded {
                hit(&word.stem, 2 * at);
            }
            let limit = word.folded.len().saturating_sub(1).min(self.longest_stem);
            let mut tail = None;
            for end in MIN_PREFIX..=limit {
                if !word.folded.is_char_boundary(end) {
                    continue;
                }
                let prefix = &word.folded[..end];
                if end != word.stem.len() {
                    hit(prefix, 2 * at);
                }
                if self.by_stem.contains_key(prefix) {
                    tail = Some(end);
                }
            }
            // After the longest known stem at the start comes the compound's
            // tail, behind up to five letters the stemmer cut and a linking
            // letter ("begrav|elses|utgiftene").
            if let Some(end) = tail {
                for skip in 0..=5 {
                    let Some(rest) = word.folded.get(end + skip..).filter(|r| r.len() >= MIN_PREFIX) else {
                        break;
                    };
                    // The tail as a word, not as a beginning: "stønad" is no "stone".
                    hit(rest, 2 * at + 1);
                    hit(&crate::stem(rest), 2 * at + 1);
                }
            }
        }
        let mut found: Vec<(u32, Vec<usize>)> = seen
            .into_iter()
            .filter_map(|(term, positions)| {
                let stems = &self.terms[term as usize].stems;
                // A short stem must be a whole word: drop prefix hits of it.
                let positions: Vec<Vec<usize>> = positions
                    .into_iter()
                    .zip(stems)
                    .map(|(at, stem)| {
                        if stem.len() >= MIN_PREFIX {
                            at
                        } else {
                            at.into_iter()
                                .filter(|i| {
                                    let word = &message[i / 2];
                                    i % 2 == 0 && (word.folded == *stem || word.stem == *stem)
                                })
                                .collect()
                        }
                    })
                    .collect();
                window(&positions, 2 * (stems.len() + SLACK)).map(|span| (term, span))
            })
            .collect();
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
