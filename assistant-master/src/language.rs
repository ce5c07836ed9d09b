//! The language of one message: bokmål, nynorsk or English, told apart by
//! lingua's statistical models (which, unlike whatlang, separate bokmål from
//! nynorsk). The master answers in the language a message is written in
//! when it is clear, and in the session's language otherwise.

use std::sync::OnceLock;

use lingua::{Language, LanguageDetector, LanguageDetectorBuilder};

/// Fewer words than this say too little to switch languages on ("takk", "ok").
/// Chosen with [`MIN_CONFIDENCE`] on the blind routing set's dev split.
const MIN_WORDS: usize = 2;
/// The detector's confidence (0–1, the three languages summing to 1) a
/// language needs before the master switches to it.
const MIN_CONFIDENCE: f64 = 0.4;
/// Between bokmål and nynorsk, which share most words and which the
/// detector tells apart less surely, the bar is higher: a citizen reads
/// either, and a switch on weak evidence is a needless change.
const MIN_CONFIDENCE_BETWEEN_NORWEGIAN: f64 = 0.5;

fn detector() -> &'static LanguageDetector {
    static DETECTOR: OnceLock<LanguageDetector> = OnceLock::new();
    DETECTOR.get_or_init(|| {
        LanguageDetectorBuilder::from_languages(&[Language::Bokmal, Language::Nynorsk, Language::English]).build()
    })
}

/// Function words only one of the two written standards has. On short
/// messages the statistical models often confuse bokmål and nynorsk (a
/// measured weakness, see BENCHMARKS.md); these words settle it.
const BOKMAL_ONLY: [&str; 11] = [
    "jeg", "ikke", "hva", "hvordan", "hvem", "hvor", "hvilke", "hvorfor", "noen", "mye", "dere",
];
const NYNORSK_ONLY: [&str; 14] = [
    "eg", "ikkje", "kva", "korleis", "kven", "kvar", "kvifor", "nokon", "noko", "mykje", "berre", "frå", "dykk",
    "dykkar",
];

/// The language `text` is most likely written in ("nb", "nn" or "en"), with
/// the detector's confidence.
pub fn detect(text: &str) -> Option<(&'static str, f64)> {
    let (language, confidence) = detector().compute_language_confidence_values(text).into_iter().next()?;
    let tag = match language {
        Language::Bokmal => "nb",
        Language::Nynorsk => "nn",
        Language::English => "en",
    };
    if tag == "en" {
        return Some((tag, confidence));
    }
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    match (has(&BOKMAL_ONLY), has(&NYNORSK_ONLY)) {
        (true, false) => Some(("nb", confidence.max(MIN_CONFIDENCE_BETWEEN_NORWEGIAN))),
        (false, true) => Some(("nn", confidence.max(MIN_CONFIDENCE_BETWEEN_NORWEGIAN))),
        _ => Some((tag, confidence)),
    }
}

/// The language to answer `text` in instead of the session's: the one it
/// is clearly written in, when that is another language the master `speaks`.
pub fn switch_to(text: &str, session: &str, speaks: impl Fn(&str) -> bool) -> Option<&'static str> {
    // Masking's placeholders are the master's words, not the citizen's.
    let text = crate::text::without_placeholders(text);
    let text = text.as_ref();
    let words = text
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count();
    if words < MIN_WORDS {
        return None;
    }
    let (tag, confidence) = detect(text)?;
    let norwegian = |tag: &str| matches!(tag, "nb" | "nn");
    let bar = if norwegian(tag) && norwegian(session) {
        MIN_CONFIDENCE_BETWEEN_NORWEGIAN
    } else {
        MIN_CONFIDENCE
    };
    (tag != session && confidence >= bar && speaks(tag)).then_some(tag)
}

#[cfg(test)]
mod tests {
    use super::{detect, switch_to};

    #[test]
    fn bokmal_nynorsk_and_english_are_told_apart() {
        assert_eq!(detect("Hva må jeg gjøre når far er død?").map(|d| d.0), Some("nb"));
        assert_eq!(detect("Kva må eg gjera no når far er død?").map(|d| d.0), Some("nn"));
        assert_eq!(
            detect("What do I have to do now that my father has died?").map(|d| d.0),
            Some("en")
        );
    }

    #[test]
    fn the_session_language_holds_for_short_or_unclear_messages() {
        let all = |_: &str| true;
        let english = "What do I have to do now that my father has died?";
        assert_eq!(switch_to("takk", "nb", all), None);
        assert_eq!(switch_to("thank you", "nb", all), Some("en"), "two words are enough");
        assert_eq!(switch_to(english, "nb", all), Some("en"));
        assert_eq!(switch_to(english, "en", all), None, "already the session's");
        assert_eq!(
            switch_to(english, "nb", |l| l != "en"),
            None,
            "only languages the master speaks"
        );
    }
}
