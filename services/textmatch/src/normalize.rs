//! Folding text to the canonical form every comparison uses.

use unicode_normalization::UnicodeNormalization;

/// Folds `text` for matching: lowercase, Norwegian letters spelled out in
/// ASCII the way people type them without a Norwegian keyboard (æ→ae, ø→o,
/// å→a), other accents removed, and everything that is not a letter or digit
/// turned into a single space.
///
/// For example "Dødsfall  og ARV!" becomes "dodsfall og arv".
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for ch in text.nfkd().flat_map(char::to_lowercase) {
        let folded: &str = match ch {
            'æ' => "ae",
            'ø' => "o",
            'å' => "a",
            'ß' => "ss",
            c if unicode_normalization::char::is_combining_mark(c) => continue,
            c if c.is_alphanumeric() => {
                if pending_space && !out.is_empty() {
                    out.push(' ');
                }
                pending_space = false;
                out.push(c);
                continue;
            }
            _ => {
                pending_space = true;
                continue;
            }
        };
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push_str(folded);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn folds_norwegian_letters_and_accents() {
        assert_eq!(
            normalize("Ærlig søknad på båretransport"),
            "aerlig soknad pa baretransport"
        );
        assert_eq!(normalize("Café é"), "cafe e");
    }

    #[test]
    fn collapses_punctuation_and_whitespace() {
        assert_eq!(normalize("  hva -- skjer?\n\tnå!! "), "hva skjer na");
        assert_eq!(normalize("?!."), "");
    }

    #[test]
    fn keeps_digits() {
        assert_eq!(normalize("Skjema NAV 07-02.08"), "skjema nav 07 02 08");
    }
}
