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

use rustc_hash::{FxHashMap, FxHashSet};
use std::hash::Hash;

use crate::{Word, normalize, words};

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
    /// Each word, folded and stemmed.
    words: Vec<Word>,
    /// The word looked up in the index (the rarest); the others are checked
    /// against the message only when it is found.
    anchor: usize,
}

/// (term number) lists, by key.
type Postings = FxHashMap<String, Vec<u32>>;

/// Terms by label, prepared for matching.
#[derive(Debug, Clone)]
pub struct Vocabulary<L> {
    labels: Vec<L>,
    terms: Vec<Term>,
    /// An anchor word's stem → the terms it anchors.
    by_stem: Postings,
    /// An anchor word as written (folded) → the terms it anchors.
    by_word: Postings,
    /// The stems of one-word terms, which also match as word beginnings.
    single_stems: Postings,
    /// Every term word and stem: what may begin a compound.
    known: FxHashSet<String>,
    /// The longest known word or stem, in bytes.
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
        let mut prepared: Vec<Term> = Vec::new();
        for (label, text) in terms {
            let term_words = words(&normalize(text.as_ref()));
            if term_words.is_empty() || term_words.len() > 8 || term_words.iter().any(|w| w.stem.is_empty()) {
                continue;
            }
            let id = *label_ids.entry(label.clone()).or_insert_with(|| {
                labels.push(label);
                labels.len() - 1
            });
            prepared.push(Term {
                label: id,
                text: text.as_ref().to_string(),
                words: term_words,
                anchor: 0,
            });
        }
        // How many terms each stem is in: the rarest word of a term anchors it.
        let mut frequency: FxHashMap<&str, usize> = FxHashMap::default();
        for term in &prepared {
            for word in &term.words {
                *frequency.entry(word.stem.as_str()).or_insert(0) += 1;
            }
        }
        let anchors: Vec<usize> = prepared
            .iter()
            .map(|term| {
                (0..term.words.len())
                    .min_by_key(|at| {
                        let word = &term.words[*at];
                        (frequency[word.stem.as_str()], std::cmp::Reverse(word.stem.len()))
                    })
                    .unwrap_or(0)
            })
            .collect();
        let (mut by_stem, mut by_word, mut single_stems) =
            (Postings::default(), Postings::default(), Postings::default());
        let mut known = FxHashSet::default();
        for (number, (term, anchor)) in prepared.iter_mut().zip(anchors).enumerate() {
            term.anchor = anchor;
            let word = &term.words[anchor];
            by_stem.entry(word.stem.clone()).or_default().push(number as u32);
            by_word.entry(word.folded.clone()).or_default().push(number as u32);
            if term.words.len() == 1 {
                single_stems.entry(word.stem.clone()).or_default().push(number as u32);
            }
            for word in &term.words {
                known.insert(word.stem.clone());
                known.insert(word.folded.clone());
            }
        }
        let longest = known.iter().map(String::len).max().unwrap_or(0);
        Self {
            labels,
            terms: prepared,
            by_stem,
            by_word,
            single_stems,
            known,
            longest,
        }
    }

    pub fn term_count(&self) -> usize {
        self.terms.len()
    }

    /// The terms found in `text`, longest first; overlapping shorter terms
    /// are left out. A term's words are looked for within one sentence, so
    /// "my phone" in one sentence and "died" in the next are not one term.
    pub fn find(&self, text: &str) -> Vec<Found<'_, L>> {
        let mut found: Vec<Found<'_, L>> = sentences(text).flat_map(|sentence| self.find_in(sentence)).collect();
        // Stable: within one length, sentences keep their order.
        found.sort_by_key(|f| std::cmp::Reverse(f.words));
        found
    }

    fn find_in(&self, text: &str) -> Vec<Found<'_, L>> {
        let message = words(&normalize(text));
        // Word `i` of the message has two positions: `2i`, the word itself,
        // and `2i + 1`, the rest of a compound after a known word
        // ("begravelses|utgiftene"), so both parts can match term words.
        let tails: Vec<Vec<Word>> = message.iter().map(|word| self.compound_tails(word)).collect();
        // The terms whose anchor is in the message, and where.
        let mut anchored: Vec<(u32, usize)> = Vec::new();
        let mut hit = |postings: &Postings, key: &str, at: usize| {
            if let Some(list) = postings.get(key) {
                anchored.extend(list.iter().map(|term| (*term, at)));
            }
        };
        for (at, word) in message.iter().enumerate() {
            hit(&self.by_stem, &word.stem, 2 * at);
            hit(&self.by_word, &word.folded, 2 * at);
            // Beginnings: a whole anchor word, or the stem of a one-word term.
            let limit = word.folded.len().saturating_sub(1).min(self.longest);
            for end in MIN_PREFIX..=limit {
                if word.folded.is_char_boundary(end) {
                    hit(&self.by_word, &word.folded[..end], 2 * at);
                    hit(&self.single_stems, &word.folded[..end], 2 * at);
                }
            }
            // A compound's tail matches as a whole word: "stønad" is no "stone".
            for tail in &tails[at] {
                hit(&self.by_word, &tail.folded, 2 * at + 1);
                hit(&self.by_stem, &tail.stem, 2 * at + 1);
            }
        }
        anchored.sort_unstable();
        anchored.dedup();
        let mut found: Vec<(u32, Vec<usize>)> = Vec::new();
        for group in anchored.chunk_by(|a, b| a.0 == b.0) {
            let number = group[0].0;
            let term = &self.terms[number as usize];
            // The anchor's places, then every other word's, checked against the message.
            let positions: Vec<Vec<usize>> = (0..term.words.len())
                .map(|at| {
                    if at == term.anchor {
                        group.iter().map(|(_, position)| *position).collect()
                    } else {
                        places(&term.words[at], &message, &tails)
                    }
                })
                .collect();
            if let Some(span) = window(&positions, 2 * (term.words.len() + SLACK)) {
                found.push((number, span));
            }
        }
        // Longest terms first; a one-word term on a word a longer term took is
        // dropped, and so is any term all of whose words are taken.
        found.sort_by(|(a, _), (b, _)| {
            let (a, b) = (&self.terms[*a as usize], &self.terms[*b as usize]);
            let letters = |t: &Term| t.words.iter().map(|w| w.stem.len()).sum::<usize>();
            (b.words.len(), letters(b))
                .cmp(&(a.words.len(), letters(a)))
                .then_with(|| a.text.cmp(&b.text))
        });
        let mut taken = vec![false; 2 * message.len()];
        let mut kept = Vec::new();
        for (term, span) in found {
            let length = self.terms[term as usize].words.len();
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
                words: term.words.len(),
            });
        }
        kept
    }

    /// The tails of a compound word: what follows its longest known
    /// beginning, behind up to five letters the stemmer cut and a linking
    /// letter ("begrav|elses|utgiftene").
    fn compound_tails(&self, word: &Word) -> Vec<Word> {
        let limit = word.folded.len().saturating_sub(1).min(self.longest);
        let Some(end) = (MIN_PREFIX..=limit)
            .rev()
            .find(|end| word.folded.is_char_boundary(*end) && self.known.contains(&word.folded[..*end]))
        else {
            return Vec::new();
        };
        (0..=5)
            .map_while(|skip| word.folded.get(end + skip..).filter(|rest| rest.len() >= MIN_PREFIX))
            .map(|rest| Word {
                folded: rest.to_string(),
                stem: crate::stem(rest),
            })
            .collect()
    }
}

/// The sentences of `text`: split after '.', '!' or '?' followed by a space
/// (so "nav.no" and "n.a.v" stay whole), and at ';' and line ends.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut parts = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next_is_space = chars.peek().is_none_or(|(_, n)| n.is_whitespace());
        let ends = matches!(c, ';' | '\n') || (matches!(c, '.' | '!' | '?') && next_is_space);
        if ends {
            parts.push(&text[start..at]);
            start = at + c.len_utf8();
        }
    }
    parts.push(&text[start..]);
    parts.into_iter().filter(|p| !p.trim().is_empty())
}

/// Where `term_word` occurs in the message: a word with its stem, the word
/// itself, or a word beginning with it (at `2i`); a compound tail equal to
/// it or its stem (at `2i + 1`).
fn places(term_word: &Word, message: &[Word], tails: &[Vec<Word>]) -> Vec<usize> {
    let mut at = Vec::new();
    for (i, word) in message.iter().enumerate() {
        let begins = term_word.folded.len() >= MIN_PREFIX && word.folded.starts_with(&term_word.folded);
        if word.stem == term_word.stem || word.folded == term_word.folded || begins {
            at.push(2 * i);
        }
        if tails[i]
            .iter()
            .any(|tail| tail.folded == term_word.folded || tail.stem == term_word.stem)
        {
            at.push(2 * i + 1);
        }
    }
    at
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
