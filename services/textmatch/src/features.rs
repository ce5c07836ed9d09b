//! Turning a normalised message into its bag of features: whole words and
//! character n-grams of each word.

/// A hashed feature: a word or a character n-gram. Hashing keeps feature
/// extraction free of allocation per n-gram.
pub type FeatureId = u64;

/// Character n-gram lengths taken from each word padded with boundary marks.
const NGRAM_LENGTHS: [usize; 3] = [3, 4, 5];
/// Separates the word feature space from the n-gram space.
const WORD_SALT: u64 = 0x9e37_79b9_7f4a_7c15;
/// Separates stems from whole words and n-grams.
const STEM_SALT: u64 = 0x6a09_e667_f3bc_c908;

/// Returns the features of an already normalised text, with repeats (the
/// caller counts them): each word, its stem ([`crate::words`]) when it differs,
/// and its character n-grams. Words are padded as `<word>` so that n-grams at
/// the start and end of words are distinct from the same letters inside one.
pub fn features(normalized: &str) -> Vec<FeatureId> {
    let mut out = Vec::new();
    let mut padded: Vec<char> = Vec::with_capacity(32);
    for (word, stemmed) in normalized
        .split(' ')
        .filter(|w| !w.is_empty())
        .zip(crate::words(normalized))
    {
        out.push(hash_chars(word.chars()) ^ WORD_SALT);
        if stemmed.stem != word {
            out.push(hash_chars(stemmed.stem.chars()) ^ STEM_SALT);
        }
        padded.clear();
        padded.push('<');
        padded.extend(word.chars());
        padded.push('>');
        for n in NGRAM_LENGTHS {
            if padded.len() < n {
                continue;
            }
            for window in padded.windows(n) {
                out.push(hash_chars(window.iter().copied()));
            }
        }
    }
    out
}

/// FNV-1a over the characters' scalar values: stable across runs and
/// platforms, which keeps rankings reproducible.
fn hash_chars(chars: impl Iterator<Item = char>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for ch in chars {
        for byte in (ch as u32).to_le_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::features;

    #[test]
    fn shared_stems_share_ngrams() {
        let stem = features("gravferd");
        let inflected = features("gravferden");
        let shared = stem.iter().filter(|f| inflected.contains(f)).count();
        assert!(shared >= 8, "only {shared} shared features");
    }

    #[test]
    fn short_words_still_yield_features() {
        assert_eq!(features("g").len(), 2, "word feature and the padded trigram");
        assert_eq!(
            features("hus").len(),
            1 + 3 + 2 + 1,
            "a word that is its own stem has no stem feature"
        );
        assert!(features("").is_empty());
    }

    #[test]
    fn word_and_ngram_spaces_are_distinct() {
        // "<ab>" is both a 4-gram and the padded form of the word "ab": the
        // word feature must not collide with it.
        let f = features("ab");
        let mut dedup = f.clone();
        dedup.sort_unstable();
        dedup.dedup();
        assert_eq!(dedup.len(), f.len());
    }
}
