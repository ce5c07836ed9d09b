//! Words of a normalised text, each folded further and stemmed: the unit
//! that word features and concept terms compare.
//!
//! Stemming uses the Snowball rules for Norwegian (bokmål), which strip the
//! common nynorsk endings too (-ane, -ar, -a, -ene). "aa" typed for "å" is
//! folded to "a", as [`crate::normalize`] folds "å".

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::Norwegian))
}

/// One word of a message: as written (normalised) and its stem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub folded: String,
    pub stem: String,
}

/// The words of an already normalised text ([`crate::normalize`]).
pub fn words(normalized: &str) -> Vec<Word> {
    normalized
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|word| {
            let folded = if word.contains("aa") {
                word.replace("aa", "a")
            } else {
                word.to_string()
            };
            let stem = stemmer().stem(&folded).into_owned();
            Word { folded, stem }
        })
        .collect()
}

/// The stem of one word (already normalised).
pub fn stem(word: &str) -> String {
    words(word).into_iter().next().map(|w| w.stem).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::words;

    fn stems(text: &str) -> Vec<String> {
        words(&crate::normalize(text)).into_iter().map(|w| w.stem).collect()
    }

    #[test]
    fn bokmal_and_nynorsk_inflections_share_a_stem() {
        assert_eq!(stems("søknaden søknader"), stems("søknad søknad"));
        assert_eq!(stems("gravene"), stems("grav"));
        assert_eq!(stems("ungane"), stems("unger"), "nynorsk -ane, bokmål -er");
    }

    #[test]
    fn aa_typed_for_a_ring_folds_like_it() {
        assert_eq!(stems("maa"), stems("må"));
        assert_eq!(words("naa")[0].folded, "na");
    }
}
