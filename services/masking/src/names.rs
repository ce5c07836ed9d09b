//! People's names: known names from the gazetteer, and any capitalised word
//! that the context names as a person (a relation before it, a naming verb
//! after a person, a sign-off, an apposition), then every later mention of a
//! name already found.

use std::sync::LazyLock;

use rustc_hash::FxHashSet;

use crate::gazetteer::{Known, lookup};
use crate::kinds::EntityKind;
use crate::numbers::Finding;
use crate::public_figures;
use crate::words::Word;

/// Family, household and other relations, in bokmål, nynorsk and English,
/// bare, definite and possessive.
const RELATIONS_LIST: &[&str] = &[
    "far",
    "faren",
    "fars",
    "fader",
    "mor",
    "moren",
    "mora",
    "mors",
    "bror",
    "broren",
    "broderen",
    "brors",
    "søster",
    "søsteren",
    "søstera",
    "syster",
    "systera",
    "soster",
    "sosteren",
    "onkel",
    "onkelen",
    "tante",
    "tanta",
    "tanten",
    "fetter",
    "fetteren",
    "kusine",
    "kusina",
    "kusinen",
    "nevø",
    "nevøen",
    "niese",
    "niesen",
    "bestefar",
    "bestefaren",
    "bestemor",
    "bestemora",
    "bestemoren",
    "besteforelder",
    "oldefar",
    "oldemor",
    "farfar",
    "farfaren",
    "farmor",
    "farmora",
    "farmoren",
    "morfar",
    "morfaren",
    "mormor",
    "mormora",
    "mormoren",
    "pappa",
    "pappaen",
    "mamma",
    "mammaen",
    "mann",
    "mannen",
    "ektemann",
    "ektemannen",
    "kone",
    "kona",
    "konen",
    "ektefelle",
    "ektefellen",
    "samboer",
    "samboeren",
    "sambuar",
    "sambuaren",
    "kjæreste",
    "kjæresten",
    "sønn",
    "sønnen",
    "son",
    "sonen",
    "datter",
    "datteren",
    "dattera",
    "dotter",
    "dottera",
    "dotra",
    "barnebarn",
    "barnebarnet",
    "svigerfar",
    "svigerfaren",
    "svigermor",
    "svigermora",
    "svigermoren",
    "svoger",
    "svogeren",
    "svigerinne",
    "svigerinnen",
    "nabo",
    "naboen",
    "venn",
    "vennen",
    "venninne",
    "venninnen",
    "venninna",
    "kollega",
    "kollegaen",
    "stefar",
    "stefaren",
    "stemor",
    "stemora",
    "halvbror",
    "halvbroren",
    "halvsøster",
    "halvsøsteren",
    "verge",
    "vergen",
    "avdøde",
    "avdode",
    "father",
    "mother",
    "dad",
    "daddy",
    "mum",
    "mom",
    "mommy",
    "mummy",
    "papa",
    "mama",
    "husband",
    "wife",
    "partner",
    "spouse",
    "son",
    "daughter",
    "brother",
    "sister",
    "uncle",
    "aunt",
    "auntie",
    "cousin",
    "nephew",
    "niece",
    "grandfather",
    "grandmother",
    "grandpa",
    "grandma",
    "granddad",
    "grandad",
    "granny",
    "nan",
    "nana",
    "neighbour",
    "neighbor",
    "friend",
    "stepfather",
    "stepmother",
    "stepdad",
    "stepmum",
    "stepmom",
    "fiancé",
    "fiancée",
    "fiance",
    "boyfriend",
    "girlfriend",
    "deceased",
    "late",
    "brother-in-law",
    "sister-in-law",
    "father-in-law",
    "mother-in-law",
    "guardian",
    "søstra",
    "systra",
    "syskenbarn",
    "søskenbarn",
    "svigersønn",
    "svigerdatter",
    "bestevenn",
    "bestevenninne",
    "tanta",
    "dotter",
    "sønner",
    "barn",
    "barnet",
    "gutten",
    "jenta",
    "ungen",
    "kid",
    "child",
    "grandson",
    "granddaughter",
    "godfather",
    "gubben",
    "gubbe",
    "kjerringa",
    "kjerring",
];

/// Prefixes of relations written as one word ("lillesøstra", "storebror").
const RELATION_PREFIXES_LIST: &[&str] = &[
    "lille", "vesle", "store", "halv", "ste", "sviger", "olde", "tippolde", "tipp", "bonus", "step", "grand",
];

/// Possessives that may stand between a relation and the name ("faren min Terje").
const POSSESSIVES_LIST: &[&str] = &[
    "min", "mi", "mitt", "mine", "vår", "vårt", "våre", "hans", "hennes", "hennar", "sin", "si", "sitt", "din", "di",
    "deres", "dykkar", "my", "our", "his", "her", "their", "your", "late", "avdøde", "kjære", "dear",
];

/// Verbs that name someone ("heter", "was called").
const NAMING_VERBS_LIST: &[&str] = &[
    "heter", "het", "hette", "heiter", "heitte", "heite", "kalt", "kalla", "kalles", "kallast", "kalte", "named",
    "called",
];

/// Words for a name ("navnet mitt er", "her name was").
const NAME_NOUNS_LIST: &[&str] = &[
    "navn",
    "navnet",
    "namn",
    "namnet",
    "name",
    "names",
    "fornavn",
    "etternavn",
];

const COPULAS_LIST: &[&str] = &["er", "var", "e", "va", "is", "was", "are"];

/// Who can be named: a naming verb after one of these names a person.
const PERSON_WORDS_LIST: &[&str] = &[
    "jeg", "eg", "æ", "i", "han", "hun", "ho", "hu", "he", "she", "du", "you", "vi", "we", "me", "who", "barnet",
    "babyen", "gutten", "jenta", "child", "baby",
];

/// Sign-offs that the writer's name follows.
const SIGN_OFFS_LIST: &[&str] = &[
    "mvh",
    "mvh.",
    "vh",
    "hilsen",
    "hilsing",
    "helsing",
    "helsingar",
    "hilsener",
    "regards",
    "sincerely",
    "cheers",
    "thanks",
    "takk",
    "best",
    "wishes",
    "yours",
    "love",
];

/// Capitalised words that are never the start of a name.
const NEVER_NAMES_LIST: &[&str] = &[
    "jeg",
    "eg",
    "æ",
    "du",
    "han",
    "hun",
    "ho",
    "hu",
    "det",
    "den",
    "de",
    "dei",
    "dem",
    "vi",
    "me",
    "oss",
    "dere",
    "og",
    "i",
    "på",
    "til",
    "for",
    "med",
    "som",
    "er",
    "var",
    "har",
    "hadde",
    "når",
    "hva",
    "kva",
    "hvem",
    "kven",
    "hvor",
    "kor",
    "ka",
    "the",
    "a",
    "an",
    "he",
    "she",
    "it",
    "we",
    "they",
    "my",
    "our",
    "and",
    "or",
    "to",
    "in",
    "on",
    "of",
    "at",
    "is",
    "was",
    "hei",
    "hallo",
    "heisann",
    "hi",
    "hello",
    "dear",
    "takk",
    "thanks",
    "mvh",
    "hilsen",
    "helsing",
    "hey",
    "heia",
    "hade",
    "ha",
    "nav",
    "skatteetaten",
    "kommune",
    "kommunen",
    "folkeregisteret",
    "altinn",
    "helfo",
    "husbanken",
    "lånekassen",
    "statsforvalteren",
    "tingrett",
    "tingretten",
    "domstolene",
    "politiet",
    "dnb",
    "nordea",
    "vipps",
    "bankid",
    "id-porten",
    "google",
    "facebook",
    "gmail",
    "norge",
    "noreg",
    "norway",
    "sverige",
    "sweden",
    "polen",
    "poland",
    "england",
    "uk",
    "usa",
    "gud",
    "god",
    "jesus",
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
    "january",
    "february",
    "march",
    "june",
    "july",
    "october",
    "december",
    "mandag",
    "tirsdag",
    "onsdag",
    "torsdag",
    "fredag",
    "lørdag",
    "søndag",
    "måndag",
    "tysdag",
    "laurdag",
    "sundag",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "min",
    "mi",
    "mitt",
    "mine",
    "not",
    "ikke",
    "ikkje",
    "ja",
    "nei",
    "yes",
    "no",
    "ok",
    "okay",
    "please",
    "vennligst",
    "døde",
    "died",
    "døydde",
    "gikk",
    "sovnet",
    "passed",
    "hjelp",
    "help",
    "eller",
    "men",
    "but",
    "so",
    "så",
    "if",
    "hvis",
    "viss",
    "om",
    "ein",
    "en",
    "ei",
    "et",
    "eit",
    "this",
    "that",
    "dette",
    "denne",
    "kan",
    "can",
    "skal",
    "må",
    "will",
    "would",
    "should",
    "could",
    // Languages and nationalities.
    "english",
    "engelsk",
    "norwegian",
    "norsk",
    "nynorsk",
    "bokmål",
    "danish",
    "dansk",
    "swedish",
    "svensk",
    "german",
    "tysk",
    "polish",
    "polsk",
    "british",
    "britisk",
    "american",
    "amerikansk",
    "spanish",
    "spansk",
    "french",
    "fransk",
    "dutch",
    "nederlandsk",
    "thai",
    "arabic",
    "arabisk",
    "somali",
    "somalisk",
    "turkish",
    "tyrkisk",
    "italian",
    "italiensk",
    "russian",
    "russisk",
    "ukrainian",
    "ukrainsk",
    "lithuanian",
    "litauisk",
    "filipino",
    "chinese",
    "kinesisk",
    "indian",
    "pakistani",
    "syrian",
    "eritrean",
    "european",
    "nordic",
    // Greetings in the languages citizens write in.
    "salam",
    "salaam",
    "hola",
    "ciao",
    "hej",
    "moin",
    "morn",
    "god",
    "goddag",
    "dear",
    "hallo",
    "hiya",
    // Common words typed without æ, ø and å.
    "dode",
    "doede",
    "dod",
    "doed",
    "doydde",
    "gar",
    "gaar",
    "pa",
    "paa",
    "na",
    "naa",
    "ma",
    "maa",
    "sa",
    "saa",
    "bade",
    "hoy",
    "for",
    "ar",
    "aar",
    "ogsa",
    "ogsaa",
    "hvordan",
    "nar",
    "naar",
    // Brands, titles and abbreviations written like names.
    "sir",
    "madam",
    "mr",
    "mrs",
    "ms",
    "dr",
    "herr",
    "fru",
    "number",
    "nummer",
    // Greetings and question words that can stand alone.
    "merhaba",
    "shalom",
    "namaste",
    "dobryi",
    "dzień",
    "dzien",
    "bonjour",
    "buongiorno",
    "olá",
    "kvifor",
    "hvorfor",
    "korfor",
    "why",
    // Countries, which lists of surnames hold too.
    "spain",
    "spania",
    "italy",
    "italia",
    "germany",
    "tyskland",
    "france",
    "frankrike",
    "brazil",
    "brasil",
    "canada",
    "china",
    "kina",
    "india",
    "pakistan",
    "somalia",
    "syria",
    "iraq",
    "iran",
    "afghanistan",
    "eritrea",
    "ethiopia",
    "etiopia",
    "ukraine",
    "ukraina",
    "lithuania",
    "litauen",
    "latvia",
    "estonia",
    "finland",
    "denmark",
    "danmark",
    "iceland",
    "island",
    "scotland",
    "skottland",
    "ireland",
    "irland",
    "turkey",
    "tyrkia",
    "thailand",
    "philippines",
    "filippinene",
    "vietnam",
    "russia",
    "russland",
    "portugal",
    "greece",
    "hellas",
    "netherlands",
    "nederland",
    "belgium",
    "belgia",
    "austria",
    "østerrike",
    "switzerland",
    "sveits",
    "mexico",
    "chile",
    "argentina",
    "america",
    "amerika",
    "australia",
    "japan",
    "korea",
    "egypt",
    "morocco",
    "marokko",
    "nigeria",
    "kenya",
    "ghana",
    "wales",
    "london",
    "us",
    "visa",
    "mastercard",
    "amex",
    // Bank codes' labels: the code after them is no name ("BIC DNBANOKK").
    "bic",
    "swift",
    "ditt",
    "bankid",
    "posten",
    "telenor",
    "telia",
];

/// Words after a capitalised word that make it a place or an institution.
const PLACE_AFTER_LIST: &[&str] = &[
    "kommune",
    "kommunes",
    "fylke",
    "fylkeskommune",
    "sykehus",
    "sjukehus",
    "sykehjem",
    "sjukeheim",
    "kirke",
    "kyrkje",
    "kirkegård",
    "kyrkjegard",
    "gravlund",
    "gravplass",
    "menighet",
    "sokn",
    "bydel",
    "municipality",
    "herad",
    "county",
    "hospital",
    "church",
    "cemetery",
    "universitet",
    "skole",
    "skule",
    "omsorgssenter",
    "tingrett",
    "havn",
    "stasjon",
    "airport",
    "lufthavn",
];

/// Particles inside a name when a capitalised part follows ("van Dijk").
const PARTICLES_LIST: &[&str] = &[
    "van", "von", "de", "der", "den", "da", "di", "del", "al", "el", "bin", "ibn", "ben", "la", "le", "du", "dos",
    "das", "do", "af", "ter", "ten",
];

/// Royal titles: the monarch and the royal family named by title ("Kong
/// Harald", "Queen Elizabeth") are public figures, not the writer's
/// personal data, so neither the title nor the name after it is masked.
const ROYAL_TITLES: &[&str] = &[
    "kong",
    "konge",
    "dronning",
    "kronprins",
    "kronprinsesse",
    "prins",
    "prinsesse",
    "king",
    "queen",
    "prince",
    "princess",
];

/// Titles and forms of address written before a name ("Maître Dubois",
/// "Professor Berg"): the title is no part of the name.
const TITLES: &[&str] = &[
    "maître",
    "maitre",
    "monsieur",
    "madame",
    "mademoiselle",
    "señor",
    "señora",
    "signor",
    "signora",
    "senhor",
    "senhora",
    "pan",
    "pani",
    "professor",
    "prof",
    "doktor",
    "doctor",
    "advokat",
    "lawyer",
    "notary",
    "pastor",
    "prest",
    "sokneprest",
    "father",
    "sister",
    "lensmann",
    "statsminister",
    "minister",
    "president",
    "ordfører",
    "mayor",
    "biskop",
    "bishop",
    "captain",
    "kaptein",
    "sheriff",
    "judge",
    "dommer",
];

// The lists above as sets: every word of a message is looked up in them.
static RELATIONS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| RELATIONS_LIST.iter().copied().collect());
static POSSESSIVES: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| POSSESSIVES_LIST.iter().copied().collect());
static NAMING_VERBS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| NAMING_VERBS_LIST.iter().copied().collect());
static NAME_NOUNS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| NAME_NOUNS_LIST.iter().copied().collect());
static COPULAS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| COPULAS_LIST.iter().copied().collect());
static PERSON_WORDS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| PERSON_WORDS_LIST.iter().copied().collect());
static SIGN_OFFS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| SIGN_OFFS_LIST.iter().copied().collect());
static NEVER_NAMES: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| NEVER_NAMES_LIST.iter().copied().collect());
static PLACE_AFTER: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| PLACE_AFTER_LIST.iter().copied().collect());
static PARTICLES: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| PARTICLES_LIST.iter().copied().collect());

/// One word and what is known of it.
struct Token<'t> {
    word: Word<'t>,
    /// Where the word in lower case is in `Names::lowered`, if it is not
    /// already in lower case.
    lowered: Option<(usize, usize)>,
    known: Known,
}

/// How strongly the words before a word say that a name follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    /// Only a known name can follow ("this is", "a town called").
    Weak,
    /// Any capitalised word is a name ("faren min", "jeg heter", "Mvh").
    Strong,
}

/// Finds the names in `text`, whose words are `words`.
pub(crate) fn find(text: &str, words: &[Word<'_>], out: &mut Vec<Finding>) {
    // The words with capitals, in lower case one after another in one string.
    let mut lowered = String::new();
    let tokens: Vec<Token<'_>> = words
        .iter()
        .map(|&word| {
            let lowered_at = has_uppercase(word.text).then(|| {
                let from = lowered.len();
                if word.text.is_ascii() {
                    lowered.push_str(word.text);
                    lowered[from..].make_ascii_lowercase();
                } else {
                    lowered.push_str(&word.text.to_lowercase());
                }
                (from, lowered.len())
            });
            let lower = lowered_at.map_or(word.text, |(from, to)| &lowered[from..to]);
            let known = if word.text.len() >= 2 {
                lookup(lower)
            } else {
                Known::Unknown
            };
            Token {
                word,
                lowered: lowered_at,
                known,
            }
        })
        .collect();
    let mut names = Names {
        text,
        tokens: &tokens,
        lowered: &lowered,
        figures: Vec::new(),
    };
    names.figures = names.public_figures();
    let mut is_name = vec![false; tokens.len()];
    let mut i = 0;
    while i < tokens.len() {
        match names.name_at(i) {
            Some(last) => {
                is_name[i..=last].fill(true);
                i = last + 1;
            }
            None => i += 1,
        }
    }
    names.coordinated(&mut is_name);
    names.later_mentions(&mut is_name, None);
    let first_names = names.first_names_before(&mut is_name);
    if !first_names.is_empty() {
        names.later_mentions(&mut is_name, Some(&first_names));
    }
    // One finding for each stretch of name words side by side.
    let mut i = 0;
    while i < tokens.len() {
        if !is_name[i] {
            i += 1;
            continue;
        }
        let mut last = i;
        while last + 1 < tokens.len() && is_name[last + 1] && names.adjacent(last + 1) {
            last += 1;
        }
        out.push((EntityKind::PersonName, tokens[i].word.start, tokens[last].word.end));
        i = last + 1;
    }
}

struct Names<'a, 't> {
    text: &'t str,
    tokens: &'a [Token<'t>],
    /// The words with capitals in lower case (see `Token::lowered`).
    lowered: &'a str,
    /// For each word, whether it is part of a public figure's full name
    /// (empty when the message names none).
    figures: Vec<bool>,
}

/// Words after a name that make it a street's ("Karl Johans gate").
const STREET_AFTER: &[&str] = &[
    "gate", "gata", "gaten", "gt", "vei", "veien", "veg", "vegen", "plass", "plassen", "allé", "street", "road",
    "avenue", "straße", "strasse", "gatan", "vägen",
];

/// Words after a hyphen that make a name a family's or a child's
/// ("Nilsen-gutten", "Hansen-familien").
const FAMILY_AFTER: &[&str] = &[
    "gutten",
    "guten",
    "jenta",
    "jenten",
    "ungen",
    "ungane",
    "ungene",
    "familien",
    "familia",
    "folket",
    "folka",
    "kona",
    "karen",
    "barna",
    "brødrene",
    "søstrene",
    "family",
];

/// Words for the data a name's owner has: "fnr til olaug", "kontonr til kjell".
const DATA_NOUNS: &[&str] = &[
    "fnr",
    "fødselsnummer",
    "fødselsnummeret",
    "fodselsnummer",
    "personnummer",
    "personnummeret",
    "pnr",
    "d-nummer",
    "d-nummeret",
    "kontonr",
    "kontonummer",
    "kontonummeret",
    "konto",
    "kontoen",
    "kontoa",
    "nummer",
    "nummeret",
    "telefonnummer",
    "telefonnummeret",
    "tlf",
    "tlfnr",
    "mobil",
    "mobilnummer",
    "mobilnummeret",
    "e-post",
    "e-posten",
    "epost",
    "eposten",
    "adresse",
    "adressa",
    "adressen",
];

/// A name joined to a family word by a hyphen: the name, in lower case.
fn family_compound_stem(lower: &str) -> Option<&str> {
    let (stem, family) = lower.rsplit_once('-')?;
    (FAMILY_AFTER.contains(&family) && stem.chars().count() >= 2).then_some(stem)
}

impl Names<'_, '_> {
    /// Word `i` in lower case.
    fn lower(&self, i: usize) -> &str {
        let token = &self.tokens[i];
        token
            .lowered
            .map_or(token.word.text, |(from, to)| &self.lowered[from..to])
    }

    /// The text between word `i - 1` and word `i`.
    fn gap(&self, i: usize) -> &str {
        &self.text[self.tokens[i - 1].word.end..self.tokens[i].word.start]
    }

    /// Word `i` follows word `i - 1` within one name: one space between them.
    fn adjacent(&self, i: usize) -> bool {
        i > 0 && matches!(self.gap(i), " " | "\u{a0}")
    }

    /// Marks the words of public figures' full names: one space (or an
    /// initial's dot, "Anne-Cath. Vestly") between their words.
    fn public_figures(&self) -> Vec<bool> {
        let mut figures = Vec::new();
        for i in 0..self.tokens.len() {
            let word = self.tokens[i].word;
            if !word.is_capitalised() || !public_figures::may_start(word.text) {
                continue;
            }
            let joined = |at: usize| at < self.tokens.len() && matches!(self.gap(at), " " | ". " | "\u{a0}");
            let mut words = 1;
            while words < public_figures::MOST_WORDS && joined(i + words) {
                words += 1;
            }
            let found = (2..=words)
                .rev()
                .find(|&n| public_figures::is_figure((i..i + n).map(|at| self.lower(at))));
            if let Some(n) = found {
                figures.resize(self.tokens.len(), false);
                figures[i..i + n].fill(true);
            }
        }
        figures
    }

    fn never_a_name(&self, i: usize) -> bool {
        let lower = self.lower(i);
        self.figures.get(i).copied().unwrap_or(false)
            || NEVER_NAMES.contains(lower)
            || self.tokens[i].word.text.chars().count() < 2
            || (lower.contains('-') && lower.split('-').any(|part| NEVER_NAMES.contains(part)))
    }

    /// If a name starts at word `i`, its last word.
    fn name_at(&self, i: usize) -> Option<usize> {
        let token = &self.tokens[i];
        // Most words are ordinary words in lower case: none of the rules
        // below can make a name of them.
        let lowercase_unknown = token.known == Known::Unknown && !token.word.is_capitalised();
        if lowercase_unknown || token.known == Known::Place || self.never_a_name(i) || self.royal(i) {
            return None;
        }
        if self.after_a_place_word(i) || self.before_a_place_word(i) || self.names_a_place(i) {
            return None;
        }
        let capitalised = token.word.is_capitalised();
        let cue = self.cue_before(i);
        let next_may_be_name = i + 1 < self.tokens.len()
            && self.adjacent(i + 1)
            && !self.never_a_name(i + 1)
            && capitalised == self.tokens[i + 1].word.is_capitalised();
        let next_is_name = next_may_be_name && self.tokens[i + 1].known.is_name();
        let next_is_ambiguous = next_may_be_name && self.tokens[i + 1].known == Known::Ambiguous;
        // A word that starts a sentence is capitalised anyway: a surname there
        // before a word in lower case is as likely a verb ("Dekker …").
        let sentence_start = i == 0 || self.gap(i).contains(['.', '!', '?', '\n']);
        let lowercase_next = i + 1 < self.tokens.len() && !self.tokens[i + 1].word.is_capitalised();
        // "Nilsen-gutten sa …": a surname joined to a family word names a person.
        let family = || family_compound_stem(self.lower(i)).is_some();
        let starts = match (capitalised, token.known) {
            (true, Known::Surname) if sentence_start && lowercase_next && cue.is_none() && !family() => false,
            (true, known) if known.is_name() => true,
            (true, Known::Ambiguous) => cue.is_some() || next_is_name || self.beside_a_pronoun(i),
            (true, _) => cue == Some(Cue::Strong) || self.apposition_after(i) || self.signs_the_message(i),
            // A writer who capitalised the relation before it would have
            // capitalised a name too: "Pappa eide gården" is a verb.
            (false, known) if known.is_name() => {
                (cue.is_some() && !self.after_a_capitalised_relation(i))
                    || next_is_name
                    || next_is_ambiguous
                    || self.beside_a_pronoun(i)
                    || self.between_commas(i)
                    || self.owns_data(i)
            }
            // A name in lower case that is also a word needs a cue and a second name ("svein arild").
            (false, Known::Ambiguous) => {
                cue == Some(Cue::Strong) && (next_is_name || next_is_ambiguous || self.at_sign_off(i))
            }
            (false, _) => false,
        };
        // A relation is no name, though some are listed as one ("Bror", "Mora").
        (starts && !is_relation(self.lower(i)))
            .then(|| self.last_word_of_name(i, capitalised))
            .filter(|&last| !self.names_a_street(last))
    }

    /// A street word follows the name ending at word `last`: "Karl Johans
    /// gate" is a street, not a person.
    fn names_a_street(&self, last: usize) -> bool {
        last + 1 < self.tokens.len() && self.adjacent(last + 1) && STREET_AFTER.contains(&self.lower(last + 1))
    }

    /// Word `i` follows a capitalised relation ("Pappa eide", "Mora mi selde").
    fn after_a_capitalised_relation(&self, i: usize) -> bool {
        let capitalised_relation = |at: usize| self.tokens[at].word.is_capitalised() && is_relation(self.lower(at));
        (i >= 1 && capitalised_relation(i - 1))
            || (i >= 2 && POSSESSIVES.contains(self.lower(i - 1)) && capitalised_relation(i - 2))
    }

    /// "fnr til olaug", "kontonr til kjell er …", "for hanne: ID …": a name
    /// in lower case after "til" or "for", whose data it is.
    fn owns_data(&self, i: usize) -> bool {
        if i == 0 || !matches!(self.lower(i - 1), "til" | "for" | "te" | "to") {
            return false;
        }
        let colon_after = self.text[self.tokens[i].word.end..].trim_start().starts_with(':');
        colon_after || (i >= 2 && DATA_NOUNS.contains(&self.lower(i - 2)))
    }

    /// The last word of a name starting at `first`: later words joined by
    /// single spaces that are capitalised too (or, in a name written in
    /// lower case, known names), particles before a capitalised word.
    fn last_word_of_name(&self, first: usize, capitalised: bool) -> usize {
        // After a naming verb, a name in lower case runs to the next stop
        // ("han het kjell-ivar sørbø."), up to three words.
        let named = first > 0 && NAMING_VERBS.contains(self.lower(first - 1));
        let mut last = first;
        // Up to four words of a name, particles not counted ("Anne Marie van der Berg").
        let particles = |last: usize| (first..=last).filter(|&i| PARTICLES.contains(self.lower(i))).count();
        while last + 1 < self.tokens.len()
            && (last - first).saturating_sub(particles(last)) < 3
            && self.adjacent(last + 1)
        {
            let next = &self.tokens[last + 1];
            let continues = if PARTICLES.contains(self.lower(last + 1)) {
                // One or two particles before a capitalised part: "van Dijk", "van der Berg".
                let capitalised_at =
                    |at: usize| at < self.tokens.len() && self.adjacent(at) && self.tokens[at].word.is_capitalised();
                let second_particle = last + 2 < self.tokens.len() && PARTICLES.contains(self.lower(last + 2));
                capitalised_at(last + 2) || (second_particle && self.adjacent(last + 2) && capitalised_at(last + 3))
            } else if self.never_a_name(last + 1) || self.before_a_place_word(last + 1) {
                // A surname may be a place's name too ("Kari Nes"), so places
                // continue a name; "Oslo kommune" does not.
                false
            } else if next.word.is_capitalised() {
                true
            } else {
                !capitalised && (next.known.is_name() || (named && next.known != Known::Place))
            };
            if !continues {
                break;
            }
            last += 1;
        }
        last
    }

    /// Word `i` is known as a place, or an institution word follows it.
    fn is_place_word(&self, i: usize) -> bool {
        self.tokens[i].known == Known::Place || self.before_a_place_word(i)
    }

    /// "Trondheim kommune", "Ullevål sykehus".
    fn before_a_place_word(&self, i: usize) -> bool {
        i + 1 < self.tokens.len() && self.adjacent(i + 1) && PLACE_AFTER.contains(self.lower(i + 1))
    }

    /// ", hallvard,": a name in lower case set off by commas.
    fn between_commas(&self, i: usize) -> bool {
        i > 0 && i + 1 < self.tokens.len() && self.gap(i).trim() == "," && self.gap(i + 1).trim() == ","
    }

    /// Word `i` directly follows a sign-off and ends the message or line.
    fn at_sign_off(&self, i: usize) -> bool {
        i > 0 && SIGN_OFFS.contains(self.lower(i - 1)) && self.ends_a_line(i)
    }

    /// Word `i` comes after a postcode or "i", "på", "in", "bydel": it is a place.
    fn after_a_place_word(&self, i: usize) -> bool {
        let before = &self.text[..self.tokens[i].word.start];
        let postcode = before.strip_suffix(' ').is_some_and(|b| {
            let digits = b.len() - b.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            digits == 4 || digits == 5
        });
        // "i São Paulo", "in New York": every capitalised word after the preposition.
        let mut first = i;
        while first > 0 && self.adjacent(first) && self.tokens[first - 1].word.is_capitalised() && i - first < 3 {
            first -= 1;
        }
        let preposition = first > 0
            && self.adjacent(first)
            && matches!(self.lower(first - 1), "i" | "in" | "på" | "paa" | "near" | "bydel");
        // "St. Olavs", "Sankt Hans": a saint's name is a place or a day.
        let saint = i > 0
            && matches!(
                self.lower(i - 1),
                "st" | "sankt" | "saint" | "san" | "santa" | "são" | "sao"
            );
        postcode || preposition || saint
    }

    /// "en liten bygd som heter Lie", "a town called Gjøvik": a naming verb
    /// after a word for a place names a place.
    fn names_a_place(&self, i: usize) -> bool {
        const PLACE_NOUNS: &[&str] = &[
            "bygd", "bygda", "by", "byen", "sted", "stad", "stadet", "stedet", "plass", "grend", "grenda", "gard",
            "garden", "gård", "gården", "øy", "øya", "dal", "dalen", "kommune", "town", "village", "place", "city",
            "island", "farm", "street", "gate", "gata", "vei", "veien", "vegen",
        ];
        i >= 2
            && NAMING_VERBS.contains(self.lower(i - 1))
            && (2..=4).any(|back| i >= back && PLACE_NOUNS.contains(&self.lower(i - back)))
    }

    /// What the words before word `i` say of it.
    fn cue_before(&self, i: usize) -> Option<Cue> {
        if i == 0 {
            return None;
        }
        let gap = self.gap(i);
        let inline = matches!(gap.trim_matches([' ', '\u{a0}']), "" | "," | ":" | "(");
        let before = |back: usize| (i >= back).then(|| self.lower(i - back));
        let is = |back: usize, list: &FxHashSet<&str>| before(back).is_some_and(|w| list.contains(w));
        if SIGN_OFFS.contains(self.lower(i - 1))
            && gap
                .chars()
                .all(|c| c.is_whitespace() || c == ',' || c == '!' || c == '.' || c == '-')
            && self.ends_a_line(i)
        {
            return Some(Cue::Strong);
        }
        let relation = |back: usize| i >= back && is_relation(self.lower(i - back));
        // A form's numbered field: "Barn 1: Amund", "Child 2: Tiril".
        if !inline && numbered_label(gap) && (relation(1) || is(1, &NAME_NOUNS)) {
            return Some(Cue::Strong);
        }
        if !inline {
            return None;
        }
        if relation(1) || (is(1, &POSSESSIVES) && relation(2)) {
            return Some(Cue::Strong);
        }
        // "dotter til Gudmund Ese", "son of Zhang Guoqiang", "dotra tel
        // Arnfinn", and in lower case "faren til jørgen" (the case rules in
        // `name_at` then want a known name).
        if matches!(before(1), Some("til" | "av" | "of" | "åt" | "te" | "tel")) && relation(2) {
            return Some(Cue::Strong);
        }
        let capitalised = self.tokens[i].word.is_capitalised();
        // "Mrs Thorsen", "fru Hansen", "Dr. Ali".
        if capitalised
            && matches!(
                before(1),
                Some("mrs" | "mr" | "ms" | "miss" | "dr" | "fru" | "herr" | "frk" | "frøken" | "mister")
            )
        {
            return Some(Cue::Strong);
        }
        // "Thank you Ingvild", "takk Kari".
        if capitalised
            && (matches!(before(1), Some("takk" | "thanks"))
                || (before(1) == Some("you") && before(2) == Some("thank")))
        {
            return Some(Cue::Strong);
        }
        // "alle kalla henne Dunna", "they called him Bjørn", and with "for"
        // before the nickname: "kalte han for Roffen".
        let object = |back: usize| {
            matches!(
                before(back),
                Some("henne" | "han" | "ham" | "him" | "her" | "meg" | "me" | "oss" | "us" | "ho" | "hu" | "seg")
            )
        };
        if capitalised
            && ((object(1) && is(2, &NAMING_VERBS)) || (before(1) == Some("for") && object(2) && is(3, &NAMING_VERBS)))
        {
            return Some(Cue::Strong);
        }
        // "call me, Paul, on …", "ring meg, Kari, på …".
        if matches!(before(1), Some("me" | "meg" | "i")) && gap.trim() == "," && self.tokens[i].word.is_capitalised() {
            return Some(Cue::Strong);
        }
        // Dialect puts a pronoun before a name: "han Arild", "ho Kari".
        if matches!(before(1), Some("han" | "ho" | "hu" | "hun" | "a"))
            && self.tokens[i].word.is_capitalised()
            && i >= 2
        {
            return Some(Cue::Strong);
        }
        if is(1, &NAMING_VERBS) {
            // A passive naming verb ("men ble kalt Titti", "was called") names
            // a person spoken of earlier in the sentence: look further back,
            // to a person word or a known name, but not past a stop.
            let passive = matches!(
                before(2),
                Some("ble" | "blei" | "vart" | "var" | "was" | "were" | "got")
            );
            let reach = if passive { self.sentence_reach(i, 8) } else { 4 };
            let person = (2..=reach).any(|back| {
                is(back, &PERSON_WORDS)
                    || relation(back)
                    || is(back, &NAME_NOUNS)
                    || (passive && self.tokens[i - back].known.is_name() && self.tokens[i - back].word.is_capitalised())
            });
            return Some(if person { Cue::Strong } else { Cue::Weak });
        }
        if is(1, &COPULAS) && (is(2, &NAME_NOUNS) || (is(2, &POSSESSIVES) && is(3, &NAME_NOUNS))) {
            return Some(Cue::Strong);
        }
        // "My late wife was Anna", "mora mi var Kari": a relation, then a
        // copula, may name a person, but as often describes one ("was ill",
        // "was Dutch"), so only a listed name follows.
        if capitalised && is(1, &COPULAS) && (relation(2) || (is(2, &POSSESSIVES) && relation(3))) {
            return Some(Cue::Weak);
        }
        if is(1, &NAME_NOUNS) && (gap.contains(':') || is(2, &POSSESSIVES)) {
            return Some(Cue::Strong);
        }
        let introduces = matches!(before(1), Some("er" | "is" | "e"))
            && matches!(before(2), Some("jeg" | "eg" | "æ" | "this" | "det"))
            || matches!(before(1), Some("i'm" | "im"));
        introduces.then_some(Cue::Weak)
    }

    /// How many words back from word `i` stay in its sentence, at most `most`.
    fn sentence_reach(&self, i: usize, most: usize) -> usize {
        let mut back = 1;
        while back < most && back < i && !self.gap(i - back).contains(['.', '!', '?', '\n']) {
            back += 1;
        }
        back
    }

    /// Word `i` is a royal title before a capitalised name, or a word of the
    /// name after one ("Kong Harald", "Prinsesse Ingrid Alexandra").
    fn royal(&self, i: usize) -> bool {
        let title = |at: usize| ROYAL_TITLES.contains(&self.lower(at));
        if i + 1 < self.tokens.len() && self.tokens[i + 1].word.is_capitalised() && self.adjacent(i + 1) && title(i) {
            return true;
        }
        if !self.tokens[i].word.is_capitalised() {
            return false;
        }
        let mut at = i;
        while at > 0 && i - at < 3 && self.adjacent(at) && self.tokens[at].word.is_capitalised() {
            at -= 1;
            if title(at) {
                return true;
            }
        }
        false
    }

    /// A name starting at word `i` reaches the end of its line within three words.
    fn ends_a_line(&self, i: usize) -> bool {
        let last = self.last_word_of_name(i, self.tokens[i].word.is_capitalised());
        let rest = &self.text[self.tokens[last].word.end..];
        let line_end = rest.find('\n').unwrap_or(rest.len());
        rest[..line_end].chars().all(|c| !c.is_alphanumeric())
    }

    /// "…. Thank you, Iryna", "Ring meg. 913 40 662. Ragnvald": capitalised
    /// words alone after the message's last stop, at its end, sign it.
    fn signs_the_message(&self, i: usize) -> bool {
        let after_a_stop = i > 0 && (self.gap(i).trim().ends_with(['.', ',', '!']) || self.gap(i).contains('\n'));
        if !after_a_stop {
            return false;
        }
        let last = self.last_word_of_name(i, true);
        let rest = &self.text[self.tokens[last].word.end..];
        last + 1 == self.tokens.len() && rest.chars().all(|c| !c.is_alphanumeric() && c != '?')
    }

    /// "Terje Olsen, min far, …", "Anna (my sister)".
    fn apposition_after(&self, i: usize) -> bool {
        let last = self.last_word_of_name(i, true);
        let next = last + 1;
        if next >= self.tokens.len() || !matches!(self.gap(next).trim(), "," | "(") {
            return false;
        }
        let is = |at: usize, list: &FxHashSet<&str>| at < self.tokens.len() && list.contains(self.lower(at));
        let relation = |at: usize| at < self.tokens.len() && is_relation(self.lower(at));
        relation(next) || (is(next, &POSSESSIVES) && relation(next + 1))
    }

    /// "ola og jeg", "me and kari": a name in lower case beside a pronoun.
    fn beside_a_pronoun(&self, i: usize) -> bool {
        let pronoun = |w: &str| matches!(w, "jeg" | "eg" | "æ" | "meg" | "i" | "me");
        let and = |w: &str| matches!(w, "og" | "and" | "å");
        let after = i + 2 < self.tokens.len() && and(self.lower(i + 1)) && pronoun(self.lower(i + 2));
        let before = i >= 2 && and(self.lower(i - 1)) && pronoun(self.lower(i - 2));
        after || before
    }

    /// Marks the names coordinated with a name found ("Emma og Sander",
    /// "Kari, Per og Ola"): capitalised words, or known names in lower case.
    fn coordinated(&self, is_name: &mut [bool]) {
        if !is_name.contains(&true) {
            return;
        }
        let joins = |gap: &str| matches!(gap.trim(), "," | "&" | "og" | "and" | "eller" | "or");
        for _ in 0..2 {
            for i in 1..self.tokens.len() {
                let gap_before = &self.text[self.tokens[i - 1].word.end..self.tokens[i].word.start];
                let candidate = |j: usize| {
                    !is_name[j]
                        && !self.never_a_name(j)
                        && !self.is_place_word(j)
                        && (self.tokens[j].word.is_capitalised() || self.tokens[j].known.is_name())
                };
                // "X og Y": words i-1 and i+1 around the joining word i.
                if matches!(self.lower(i), "og" | "and" | "eller" | "or") && i + 1 < self.tokens.len() {
                    if is_name[i - 1] && candidate(i + 1) && self.adjacent(i + 1) {
                        is_name[i + 1] = true;
                    } else if is_name[i + 1] && candidate(i - 1) && self.adjacent(i) {
                        is_name[i - 1] = true;
                    }
                } else if joins(gap_before)
                    && gap_before.contains(',')
                    && is_name[i - 1]
                    && candidate(i)
                    && self.tokens[i].word.is_capitalised()
                {
                    // "Emma, Sander og Jonas": a list of capitalised names.
                    let ends_list =
                        (i + 1..self.tokens.len().min(i + 3)).any(|j| matches!(self.lower(j), "og" | "and"));
                    if ends_list {
                        is_name[i] = true;
                    }
                }
            }
        }
    }

    /// Marks a capitalised word right before a name found, one space apart
    /// and inside a sentence, as the name's first part: first names missing
    /// from the lists ("Tiril Hansen" when "Hansen" is found). Never a
    /// place, a relation, a title or a word that is never a name.
    /// Returns the words marked.
    fn first_names_before(&self, is_name: &mut [bool]) -> Vec<usize> {
        let mut marked = Vec::new();
        for i in (1..self.tokens.len()).rev() {
            let j = i - 1;
            if !is_name[i] || is_name[j] || !self.adjacent(i) {
                continue;
            }
            let token = &self.tokens[j];
            let sentence_start = j == 0 || self.gap(j).contains(['.', '!', '?', '\n']);
            if token.word.is_capitalised()
                && !sentence_start
                && !self.never_a_name(j)
                && !self.is_place_word(j)
                && !self.after_a_place_word(j)
                && !is_relation(self.lower(j))
                && !TITLES.contains(&self.lower(j))
                && !self.royal(j)
            {
                is_name[j] = true;
                marked.push(j);
            }
        }
        marked
    }

    /// Marks every later (or earlier) mention of a word of a name found (of
    /// the words `only`, when given), as long as it is capitalised or no
    /// ordinary word.
    fn later_mentions(&self, is_name: &mut [bool], only: Option<&[usize]>) {
        let found: Vec<&str> = (0..self.tokens.len())
            .filter(|&i| is_name[i] && only.is_none_or(|only| only.contains(&i)))
            .map(|i| self.lower(i))
            .filter(|w| w.chars().count() >= 2)
            .collect();
        if found.is_empty() {
            return;
        }
        for (i, token) in self.tokens.iter().enumerate() {
            // "Ingrid Lom … på sykehjem i Lom", "Olav Kvam … i Kvam herad": a
            // surname that is a place's name too, where a place stands.
            if is_name[i] || self.never_a_name(i) || self.after_a_place_word(i) || self.before_a_place_word(i) {
                continue;
            }
            let lower = self.lower(i);
            let stem = family_compound_stem(lower)
                .or_else(|| ["'s", "’s", "s"].iter().find_map(|g| lower.strip_suffix(g)))
                .unwrap_or(lower);
            let mentioned = found.iter().any(|f| *f == lower || *f == stem);
            if mentioned
                && (token.word.is_capitalised() || token.known.is_name() || token.known == Known::Unknown)
                && !self.royal(i)
            {
                is_name[i] = true;
            }
        }
    }
}

/// The text between a label and its value is a field number and a colon: " 1: ", " 2.: ".
fn numbered_label(gap: &str) -> bool {
    let Some(number) = gap.trim().strip_suffix(':') else {
        return false;
    };
    let number = number.trim_end_matches('.').trim();
    (1..=2).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit())
}

/// `word` has a capital letter.
fn has_uppercase(word: &str) -> bool {
    for &b in word.as_bytes() {
        if !b.is_ascii() {
            return word.chars().any(char::is_uppercase);
        }
        if b.is_ascii_uppercase() {
            return true;
        }
    }
    false
}

/// A relation word, also compounded ("lillesøstra", "storebroren").
fn is_relation(lower: &str) -> bool {
    RELATIONS.contains(lower)
        || RELATION_PREFIXES_LIST.iter().any(|prefix| {
            lower
                .strip_prefix(prefix)
                .is_some_and(|rest| RELATIONS.contains(rest.trim_start_matches('-')))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::words;

    fn names(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        find(text, &words(text), &mut out);
        out.iter().map(|(_, s, e)| &text[*s..*e]).collect()
    }

    #[test]
    fn a_relation_names_the_capitalised_word_after_it() {
        assert_eq!(names("dattera tel Arnfinn Hovde"), ["Arnfinn Hovde"]);
        assert_eq!(names("Mrs Thorsen's son here"), ["Thorsen's"]);
        assert_eq!(names("Thank you Ingvild, that helped"), ["Ingvild"]);
        assert_eq!(names("alle kalla henne Tulla"), ["Tulla"]);
        assert_eq!(names("my uncle Pieter van der Meer died"), ["Pieter van der Meer"]);
        assert_eq!(
            names("my aunt Anne Marie van der Berg died"),
            ["Anne Marie van der Berg"]
        );
        // A name that starts with a word that is also a particle ("Al") is counted right.
        assert_eq!(names("min bror Al Hassan døde"), ["Al Hassan"]);
        assert_eq!(names("faren min Terje Olsen døde"), ["Terje Olsen"]);
        assert_eq!(names("Min far, Wojciech Kowalczyk, døde"), ["Wojciech Kowalczyk"]);
        assert_eq!(names("my late husband Bartholomew died"), ["Bartholomew"]);
    }

    #[test]
    fn a_naming_verb_names_a_person_but_not_a_form_or_a_town() {
        assert_eq!(names("mor het Gunnhild Brekke"), ["Gunnhild Brekke"]);
        assert_eq!(names("Skjemaet heter Søknad om stønad"), Vec::<&str>::new());
    }

    #[test]
    fn a_sign_off_names_the_writer() {
        assert_eq!(names("Kan dere hjelpe?\nMvh\nTorbjørg Aasen"), ["Torbjørg Aasen"]);
        assert_eq!(names("Takk for hjelpen"), Vec::<&str>::new());
    }

    #[test]
    fn coordinated_and_later_mentions_of_a_name() {
        assert_eq!(names("Barna heter Emma og Sander"), ["Emma", "Sander"]);
        assert_eq!(names("Terje Holm døde. Terje hadde lån."), ["Terje Holm", "Terje"]);
        assert_eq!(names("lillesøstra mi maja er 15"), ["maja"]);
        assert_eq!(names("Samboeren min Bart de Vries døde"), ["Bart de Vries"]);
    }

    #[test]
    fn forms_nicknames_and_first_names_missing_from_the_lists() {
        assert_eq!(names("Barn 2: Sølvi Hansen"), ["Sølvi Hansen"]);
        assert_eq!(names("alle kalla ho for Tuppa"), ["Tuppa"]);
        assert_eq!(
            names("Han het Oddvar, men ble kalt Dodden av alle"),
            ["Oddvar", "Dodden"]
        );
        assert_eq!(names("My late husband was Lars van Dijk."), ["Lars van Dijk"]);
        assert_eq!(names("sønnen til terje er 12"), ["terje"]);
        assert_eq!(names("skjemaet fra Tiril Hansen"), ["Tiril Hansen"]);
        assert_eq!(names("My husband was ill"), Vec::<&str>::new());
    }

    #[test]
    fn royals_titles_and_bank_codes_are_no_names() {
        assert_eq!(names("like gammel som Dronning Sonja"), Vec::<&str>::new());
        assert_eq!(names("advokaten, Maître Hansen, sa det"), ["Hansen"]);
        assert_eq!(names("IBAN NO93 8601 1117 947, BIC DNBANOKK"), Vec::<&str>::new());
    }

    #[test]
    fn public_figures_and_streets_named_after_people_are_no_names() {
        assert_eq!(names("He loved Henrik Ibsen so much"), Vec::<&str>::new());
        assert_eq!(names("Far las Anne-Cath. Vestly for oss"), Vec::<&str>::new());
        assert_eq!(names("dad signed as Donald Duck for fun"), Vec::<&str>::new());
        assert_eq!(names("min far Henrik Hansen døde"), ["Henrik Hansen"]);
        assert_eq!(names("Jeg var ved Harald Hårfagres gate i går"), Vec::<&str>::new());
    }

    #[test]
    fn family_compounds_relations_in_dialect_and_the_owner_of_data() {
        assert_eq!(names("Hansen-gutten sa det i går"), ["Hansen-gutten"]);
        assert_eq!(
            names("Eg budde med Terje Fossli. Fossli-familien meiner noko anna."),
            ["Terje Fossli", "Fossli-familien"]
        );
        assert_eq!(names("gubben min Trondulf hadde gjeld"), ["Trondulf"]);
        assert_eq!(names("fnr til olaug: 12345"), ["olaug"]);
        assert_eq!(names("kontonr til kjell er 1234"), ["kjell"]);
        assert_eq!(names("for hanne: ID 12"), ["hanne"]);
        // A writer who capitalises a relation capitalises names too.
        assert_eq!(names("Pappa eide garden i 40 år"), Vec::<&str>::new());
    }

    #[test]
    fn traditional_first_names_and_names_that_are_words() {
        assert_eq!(names("Det er Gunnvors gamle nøkler"), ["Gunnvors"]);
        assert_eq!(names("Hi Ingvild, this is it"), ["Ingvild"]);
        assert_eq!(names("Sol og regn, same det"), Vec::<&str>::new());
        assert_eq!(names("Fred og ro er det siste"), Vec::<&str>::new());
    }

    #[test]
    fn places_and_institutions_are_no_names() {
        assert_eq!(names("en liten bygd som heter Lie"), Vec::<&str>::new());
        assert_eq!(names("Kari Vang bor på sjukeheim i Vang"), ["Kari Vang"]);
        assert_eq!(
            names("Jeg ringte Trondheim kommune om Bydel Frogner"),
            Vec::<&str>::new()
        );
        assert_eq!(names("sorry, English is better"), Vec::<&str>::new());
    }
}
