//! Known names and places, from public lists (see `data/README.md`): first
//! names, surnames, names that are also ordinary words, and Norwegian places.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;

/// Lower-case entries, one a line; lines starting with `#` are comments.
fn entries(list: &'static str) -> impl Iterator<Item = &'static str> {
    list.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// Common Norwegian first names that the generated lists lack (Faker's
/// Norwegian table is short on traditional and nynorsk names): a hand list,
/// of names that are no ordinary words.
const NORWEGIAN_FIRST_NAMES: &[&str] = &[
    "aase",
    "aasmund",
    "alvhild",
    "amund",
    "anbjørg",
    "anlaug",
    "arnfinn",
    "arnstein",
    "asgeir",
    "aslak",
    "aslaug",
    "asle",
    "astri",
    "audhild",
    "audny",
    "audun",
    "bergljot",
    "borghild",
    "borgny",
    "brynhild",
    "bård",
    "dagfinn",
    "dagrun",
    "dagrunn",
    "dordi",
    "eilev",
    "eilif",
    "eldbjørg",
    "eldrid",
    "eyvind",
    "frøydis",
    "gaute",
    "geirmund",
    "gisle",
    "gjermund",
    "gjertrud",
    "gry",
    "gudbrand",
    "gudny",
    "gunbjørg",
    "gunnstein",
    "gunnvor",
    "guro",
    "haakon",
    "haldis",
    "halfdan",
    "hallvard",
    "halvard",
    "halvdan",
    "halvor",
    "hermod",
    "hjørdis",
    "hogne",
    "ingar",
    "ingebjørg",
    "ingebrigt",
    "ingelin",
    "ingjerd",
    "ingolv",
    "ingri",
    "ingrun",
    "ingvild",
    "ingvill",
    "jarle",
    "jofrid",
    "jomar",
    "jorhild",
    "jorid",
    "jorun",
    "jostein",
    "jørund",
    "ketil",
    "kjellaug",
    "kjellfrid",
    "kjellrun",
    "kolbein",
    "kolbjørn",
    "lavrans",
    "leiv",
    "lorentz",
    "lovise",
    "magnhild",
    "mildrid",
    "målfrid",
    "njål",
    "oddbjørg",
    "oddny",
    "oddrun",
    "olaug",
    "olvar",
    "olve",
    "ottar",
    "paal",
    "ragnfrid",
    "ragni",
    "ragnvald",
    "ranveig",
    "reidulf",
    "reidunn",
    "roald",
    "rolv",
    "rønnaug",
    "sigbjørn",
    "signy",
    "sigrunn",
    "sigvald",
    "sigve",
    "sigvor",
    "siril",
    "sjur",
    "skjalg",
    "snorre",
    "solfrid",
    "solrun",
    "solvor",
    "svanhild",
    "sveinung",
    "sylvi",
    "synne",
    "sølvi",
    "targjei",
    "tarjei",
    "teis",
    "tharald",
    "thorleif",
    "tiril",
    "tjerand",
    "tollak",
    "tollef",
    "torborg",
    "tordis",
    "torfinn",
    "torgeir",
    "torgunn",
    "torhild",
    "toril",
    "torild",
    "torleif",
    "torleiv",
    "tormod",
    "torny",
    "torodd",
    "torstein",
    "torunn",
    "torvald",
    "trygve",
    "trym",
    "vebjørn",
    "vegar",
    "vemund",
    "vermund",
    "veslemøy",
    "vetle",
    "vigdis",
    "vårin",
    "ådne",
    "åshild",
    "åslaug",
    "åsmund",
    "åsta",
];

/// Listed first names that are as often ordinary words at the start of a
/// sentence ("Sol og regn", "Fred og ro", "Stein på graven", "Ver snill"):
/// taken as ambiguous, so they need a cue or a second name.
const FIRST_NAMES_ALSO_WORDS: &[&str] = &["sol", "fred", "stein", "ver"];

/// Every listed word and what it is, in one map (one lookup a word): a
/// place before an ambiguous name, before a first name, before a surname.
static LISTED: LazyLock<FxHashMap<&'static str, Known>> = LazyLock::new(|| {
    let mut listed = FxHashMap::default();
    let hand = |words: &'static [&'static str]| words.iter().copied();
    // Inserted in reverse precedence, so the stronger kind overwrites.
    let lists: [(Box<dyn Iterator<Item = &'static str>>, Known); 6] = [
        (Box::new(entries(include_str!("../data/surnames.txt"))), Known::Surname),
        (
            Box::new(entries(include_str!("../data/first-names.txt"))),
            Known::FirstName,
        ),
        (Box::new(hand(NORWEGIAN_FIRST_NAMES)), Known::FirstName),
        (
            Box::new(entries(include_str!("../data/ambiguous-names.txt"))),
            Known::Ambiguous,
        ),
        (Box::new(hand(FIRST_NAMES_ALSO_WORDS)), Known::Ambiguous),
        (Box::new(entries(include_str!("../data/places.txt"))), Known::Place),
    ];
    for (list, known) in lists {
        for entry in list {
            listed.insert(entry, known);
        }
    }
    listed
});

/// What the lists say of one lower-case word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known {
    /// A first name that is no ordinary word.
    FirstName,
    /// A surname that is no ordinary word.
    Surname,
    /// A name that is also an ordinary word ("dag", "liv", "berg").
    Ambiguous,
    /// A Norwegian place.
    Place,
    Unknown,
}

impl Known {
    /// A first name or surname that is no ordinary word.
    pub fn is_name(self) -> bool {
        matches!(self, Self::FirstName | Self::Surname)
    }
}

/// Looks up a lower-case word; a genitive `s` ("Terjes", "Olsens") is
/// tried without it.
pub(crate) fn lookup(lower: &str) -> Known {
    // Words are short: a loop over their bytes, rather than `memchr`.
    if lower.bytes().any(|b| b == b'-') {
        // "holm-larsen", "per-olav": a name when its parts are names.
        // "holm-larsen", "per-olav", "wisniewska-larsen": a name when a part
        // is one and no part is a place.
        let parts: Vec<Known> = lower.split('-').map(lookup_exact).collect();
        if parts.iter().all(|k| *k != Known::Place) && parts.iter().any(|k| k.is_name()) {
            return parts.into_iter().find(|k| k.is_name()).unwrap_or(Known::Unknown);
        }
    }
    let known = lookup_exact(lower);
    if known == Known::Unknown
        && let Some(stem) = lower.strip_suffix('s')
        && stem.chars().count() >= 3
    {
        return match lookup_exact(stem) {
            Known::Place => Known::Unknown,
            found => found,
        };
    }
    known
}

/// Endings of Norse compound first names ("Ingebjørg", "Gunnhild",
/// "Hallvard", "Jostein", "Gudmund"): a word of some length ending in one,
/// and on no list, is taken for a first name.
const NAME_ENDINGS: &[&str] = &[
    "bjørg", "hild", "veig", "laug", "vard", "stein", "geir", "mund", "ulf", "leif", "frid", "dis", "gunn", "bjørn",
    "mod", "rid", "unn",
];

/// The bytes that the `NAME_ENDINGS` end in.
const NAME_ENDINGS_LAST_BYTES: &[u8] = b"gdnrfs";

fn lookup_exact(lower: &str) -> Known {
    let known = lookup_listed(lower);
    // The last byte first: a cheap test before the endings are compared.
    let norse = || {
        lower.len() >= 6
            && NAME_ENDINGS_LAST_BYTES.contains(&lower.as_bytes()[lower.len() - 1])
            && NAME_ENDINGS.iter().any(|ending| lower.ends_with(ending))
            && lower.chars().count() >= 6
            && !lower.contains('-')
    };
    if known == Known::Unknown && norse() {
        Known::FirstName
    } else {
        known
    }
}

fn lookup_listed(lower: &str) -> Known {
    LISTED.get(lower).copied().unwrap_or(Known::Unknown)
}

/// Loads the lists now rather than on the first message.
pub(crate) fn warm() {
    LazyLock::force(&LISTED);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_ending_ends_in_a_byte_looked_for() {
        for ending in NAME_ENDINGS {
            assert!(
                NAME_ENDINGS_LAST_BYTES.contains(&ending.as_bytes()[ending.len() - 1]),
                "{ending}"
            );
        }
        assert_eq!(lookup("ingebjørg"), Known::FirstName);
        assert_eq!(lookup("gudmund"), Known::FirstName);
        assert_eq!(lookup("stein"), lookup_listed("stein"));
        // The hand lists: a traditional name the generated lists lack, and a
        // listed name that is as often a word.
        assert_eq!(lookup("ottar"), Known::FirstName);
        assert_eq!(lookup("torunns"), Known::FirstName);
        assert_eq!(lookup("sol"), Known::Ambiguous);
    }
}
