//! E-mail addresses, also as people write them to keep them from spam lists:
//! `name(at)domain`, `name [at] domain dot no`, `name @ domain`,
//! `name krøllalfa domain punktum no`.

use std::sync::LazyLock;

use regex::Regex;

use crate::kinds::EntityKind;
use crate::numbers::Finding;

static PLAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)[a-z0-9][a-z0-9._%+\-]*@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}(?-u:\b)").expect("valid")
});

/// A comma typed for the last dot ("kari@example,com"): only before a
/// common top-level domain, and not before a space, so a list ("kari@x, com")
/// is not read as one address.
static COMMA_TYPO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)[a-z0-9][a-z0-9._%+\-]*@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*,(?:com|net|org|no|se|dk|fi|de|pl|uk|nl|fr|es|it|eu|io)(?-u:\b)")
        .expect("valid")
});

/// The written-out forms. An `at` on its own must come with a written-out dot
/// too, since "at" is also an English word.
static WRITTEN_OUT: LazyLock<Regex> = LazyLock::new(|| {
    let at_words = r"(?:krøll-?alfa|krøll alfa|alfakrøll|krøll|snabel-?a|snabel a|małpa|malpa|arroba|klammeraffe)";
    let at_marked = format!(r"(?:\s*@\s*|\s*[(\[{{<]\s*(?:at|a|@|{at_words})\s*[)\]}}>]\s*|\s+{at_words}\s+)");
    let dot_marked = r"(?:\s*[(\[{<]\s*(?:dot|punktum|prikk)\s*[)\]}>]\s*|\s+(?:dot|punktum|prikk)\s+)";
    let dot = format!(r"(?:[ ]?\.[ ]?|{dot_marked})");
    let label = r"[a-z0-9][a-z0-9\-]*";
    // A written-out dot must end in a real top-level domain.
    let tld =
        r"(?:com|net|org|info|edu|gov|io|me|eu|no|se|dk|fi|is|de|pl|uk|nl|be|fr|es|it|ch|at|lt|ee|lv|ru|ua|us|ca)";
    // The name before the @ may have its dots written out too.
    let local = format!(r"[a-z0-9][a-z0-9._%+\-]*(?:(?:[ ]\.[ ]|{dot_marked})[a-z0-9][a-z0-9._%+\-]*)*");
    Regex::new(&format!(
        r"(?i)(?-u:\b){local}(?:{at_marked}{label}(?:{dot}{label})*(?:[ ]?\.[ ]?[a-z]{{2,6}}|{dot_marked}{tld})|\s+at\s+{label}(?:{dot}{label})*{dot_marked}{tld})(?-u:\b)"
    ))
    .expect("valid")
});

/// What every written-out address holds: an @, a bracketed or spelled-out
/// "at", or a spelled-out dot. Cheap to look for; the full pattern runs only
/// when one is there.
static MAYBE_WRITTEN_OUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)@|[(\[{<] ?at|[(\[{<]a[)\]}>]|krøll|alfakrøll|snabel|małpa|malpa|arroba|klammeraffe| dot | punktum | prikk |[(\[{<] ?(?:dot|punktum|prikk)")
        .expect("valid")
});

/// A comma stands after an @ in the same word: cheap to look for, so the
/// pattern for a comma typed for a dot runs only then.
fn comma_after_at(text: &str) -> bool {
    text.match_indices('@').any(|(at, _)| {
        text[at..]
            .bytes()
            .take_while(|b| !b.is_ascii_whitespace())
            .any(|b| b == b',')
    })
}

/// Finds the e-mail addresses in `text`.
pub(crate) fn find(text: &str, out: &mut Vec<Finding>) {
    if text.contains('@') {
        for m in PLAIN.find_iter(text) {
            out.push((EntityKind::Email, m.start(), m.end()));
        }
        if comma_after_at(text) {
            for m in COMMA_TYPO.find_iter(text) {
                out.push((EntityKind::Email, m.start(), m.end()));
            }
        }
    }
    if MAYBE_WRITTEN_OUT.is_match(text) {
        for m in WRITTEN_OUT.find_iter(text) {
            out.push((EntityKind::Email, m.start(), m.end()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emails(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        find(text, &mut out);
        out.sort_by_key(|f| (f.1, std::cmp::Reverse(f.2)));
        out.dedup_by_key(|f| f.1);
        out.iter().map(|(_, s, e)| &text[*s..*e]).collect()
    }

    #[test]
    fn plain_and_written_out_addresses() {
        for written in [
            "kari.nordmann84@example.no",
            "kari(at)example.no",
            "kari (at) example.no",
            "kari @ example.no",
            "kari [at] example [dot] no",
            "kari at example dot com",
            "kari krøllalfa example punktum no",
            "kari punktum nordmann krøllalfa example punktum no",
            "kari dot nordmann at example dot com",
            "kari_n snabel-a example.se",
            "kari(małpa)example.pl",
            "kari . nordmann @ example . no",
            "kari.nordmann@example .com",
            "kari.nordmann krøll example.no",
            "kari.n(a)example.com",
            "kari.nordmann@example,com",
            "kari@mail.example,no",
        ] {
            assert_eq!(emails(&format!("skriv til {written} takk")), [written], "{written}");
        }
        assert_eq!(emails("I called them at nine and at noon"), Vec::<&str>::new());
        // A comma before a space, or before no known domain, ends the address.
        assert_eq!(emails("kari@example.no, com og per@example,xyz"), ["kari@example.no"]);
    }
}
