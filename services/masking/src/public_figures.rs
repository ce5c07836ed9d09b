//! Public figures and well-known fictional characters ("Edvard Munch",
//! "Donald Duck"): a message that names one speaks of no one's personal
//! data, so their full names are never masked.

use std::sync::LazyLock;

use rustc_hash::FxHashSet;

use crate::word_set::WordSet;

/// Full names in lower case, one space between their words: historical and
/// living public figures that citizens mention, and fictional characters.
const FIGURES: &[&str] = &[
    // Explorers, artists, writers and composers.
    "roald amundsen",
    "fridtjof nansen",
    "thor heyerdahl",
    "edvard munch",
    "edvard grieg",
    "henrik ibsen",
    "henrik wergeland",
    "knut hamsun",
    "sigrid undset",
    "bjørnstjerne bjørnson",
    "alexander kielland",
    "camilla collett",
    "ivar aasen",
    "aasmund olavsson vinje",
    "tarjei vesaas",
    "petter dass",
    "ludvig holberg",
    "ole bull",
    "gustav vigeland",
    "christian krohg",
    "nikolai astrup",
    "harriet backer",
    "kitty kielland",
    "theodor kittelsen",
    "kirsten flagstad",
    "alf prøysen",
    "thorbjørn egner",
    "anne-cath vestly",
    "jo nesbø",
    "jon fosse",
    "karl ove knausgård",
    "sissel kyrkjebø",
    "morten harket",
    // Politicians and athletes.
    "gro harlem brundtland",
    "einar gerhardsen",
    "jens stoltenberg",
    "erna solberg",
    "jonas gahr støre",
    "vidkun quisling",
    "sonja henie",
    "grete waitz",
    "marit bjørgen",
    "petter northug",
    "magnus carlsen",
    "erling haaland",
    "martin ødegaard",
    "ole gunnar solskjær",
    "karsten warholm",
    "jakob ingebrigtsen",
    // Figures known the world over.
    "william shakespeare",
    "charles dickens",
    "jane austen",
    "agatha christie",
    "astrid lindgren",
    "hans christian andersen",
    "albert einstein",
    "isaac newton",
    "charles darwin",
    "martin luther king",
    "nelson mandela",
    "mahatma gandhi",
    "winston churchill",
    "abraham lincoln",
    "napoleon bonaparte",
    "adolf hitler",
    "anne frank",
    "wolfgang amadeus mozart",
    "ludwig van beethoven",
    "johann sebastian bach",
    "leonardo da vinci",
    "vincent van gogh",
    "pablo picasso",
    "elvis presley",
    "john lennon",
    "paul mccartney",
    "michael jackson",
    "freddie mercury",
    "david bowie",
    "bob dylan",
    "leonard cohen",
    "johnny cash",
    "dolly parton",
    "frank sinatra",
    "whitney houston",
    "marilyn monroe",
    "taylor swift",
    "barack obama",
    "donald trump",
    "joe biden",
    "greta thunberg",
    "elon musk",
    "steve jobs",
    "bill gates",
    // Fictional characters.
    "donald duck",
    "mikke mus",
    "ole brumm",
    "pippi langstrømpe",
    "kaptein sabeltann",
    "peer gynt",
    "harry potter",
    "sherlock holmes",
    "james bond",
    "santa claus",
];

static FULL_NAMES: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| FIGURES.iter().copied().collect());
/// The first word of each name: a cheap test before words are joined.
static FIRST_WORDS: LazyLock<WordSet> = LazyLock::new(|| {
    let first: Vec<&'static str> = FIGURES.iter().filter_map(|name| name.split(' ').next()).collect();
    WordSet::new(&first)
});

/// The most words a listed name has.
pub(crate) const MOST_WORDS: usize = 4;

/// A listed name may start with this word (in any ASCII case).
pub(crate) fn may_start(word: &str) -> bool {
    FIRST_WORDS.contains_ignore_ascii_case(word)
}

/// These words (in lower case, in order) are a listed name.
pub(crate) fn is_figure<'w>(words: impl Iterator<Item = &'w str>) -> bool {
    let mut joined = String::with_capacity(32);
    for (n, word) in words.enumerate() {
        if n > 0 {
            joined.push(' ');
        }
        joined.push_str(word);
    }
    FULL_NAMES.contains(joined.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_figure_has_two_to_four_words_in_lower_case() {
        for name in FIGURES {
            let words = name.split(' ').count();
            assert!((2..=MOST_WORDS).contains(&words), "{name}");
            assert_eq!(name.to_lowercase(), *name);
        }
        assert!(may_start("edvard") && is_figure(["edvard", "munch"].into_iter()));
        assert!(!is_figure(["edvard", "hansen"].into_iter()));
    }
}
