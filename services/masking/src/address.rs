//! Addresses: a street and house number (Norwegian, Nordic, German, Polish
//! or English order), with the postcode and place written after it; a place
//! with house number and postcode; a cadastral reference (gnr./bnr.).

use std::sync::LazyLock;

use regex::Regex;

use crate::kinds::EntityKind;
use crate::numbers::Finding;
use crate::post_box::{box_at, follows_a_box_number};
use crate::word_set::WordSet;
use crate::words::Word;

/// How street names end, in the languages citizens write addresses in.
const STREET_ENDINGS: &[&str] = &[
    "veien",
    "vegen",
    "veg",
    "vei",
    "gata",
    "gate",
    "gaten",
    "stien",
    "sti",
    "allé",
    "alle",
    "alléen",
    "plass",
    "plassen",
    "bakken",
    "bakke",
    "lia",
    "liane",
    "haugen",
    "ringen",
    "svingen",
    "tunet",
    "torget",
    "torg",
    "brygge",
    "bryggen",
    "kaia",
    "kai",
    "terrasse",
    "terrassen",
    "stredet",
    "smauet",
    "løkka",
    "jordet",
    "åsen",
    "vollen",
    "myra",
    "tråkket",
    "grenda",
    "bråten",
    "skogen",
    "veita",
    "lökka",
    "vägen",
    "väg",
    "gatan",
    "stigen",
    "gade",
    "vej",
    "straße",
    "strasse",
    "weg",
    "gasse",
    "platz",
    "allee",
    "ulica",
    "vegur",
    "stræti",
    "braut",
];

/// Street words that are a street only as the last word of a longer name
/// ("Kong Oscars gate"), never alone.
const STREET_WORDS: &[&str] = &[
    "gate", "gata", "vei", "veg", "veien", "vegen", "allé", "plass", "straße", "strasse", "gatan", "vägen", "gade",
    "vej", "ulica", "gt", "str", "vn", "pr",
];

/// English street words, after the name: "Baker Street", "Kensington Rd".
const ENGLISH_STREETS: &[&str] = &[
    "street",
    "road",
    "avenue",
    "lane",
    "drive",
    "close",
    "court",
    "crescent",
    "gardens",
    "terrace",
    "way",
    "place",
    "square",
    "boulevard",
    "st",
    "rd",
    "ave",
    "parade",
    "grove",
    "row",
    "mews",
    "walk",
    "hill",
    "park",
    "rise",
    "blvd",
];

/// `ENGLISH_STREETS` as a set: every word of a message is looked up in it.
static ENGLISH_STREET_SET: LazyLock<WordSet> = LazyLock::new(|| WordSet::new(ENGLISH_STREETS));

/// A house number: digits, maybe a letter or a flat ("12B", "12 b", "3-5", "12/4").
static HOUSE_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[ \u{a0}]{0,2}\d{1,4}(?:[ ]?[A-Za-z](?-u:\b)|[-/]\d{1,4})?").expect("valid"));
/// What may follow a house number: a postcode (Norwegian 4 digits, Swedish
/// 3+2, Polish 2-3, German 5) and the place.
static POSTCODE_AND_PLACE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^,?(?:[ \u{a0}]{1,2}|\r?\n)(?:(?:\d{3} \d{2}|\d{2}-\d{3}|(?:[A-Z]{1,2}-)?\d{4,5})[ \u{a0}]{1,2}\p{L}[\p{L}\-]*|\d{3}[ \u{a0}]\p{Lu}[\p{L}\-]*)(?: \p{Lu}[\p{L}\-]*| i \p{Lu}[\p{L}\-]*)?",
    )
    .expect("valid")
});
/// A British postcode after the place ("London SW1A 2AA").
static UK_POSTCODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^,?[ ]\p{Lu}\p{L}+,?[ ][A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2}(?-u:\b)").expect("valid"));
/// Gårdsnummer and bruksnummer, in their written forms, or "gnr/bnr 45/12".
static CADASTRAL: LazyLock<Regex> = LazyLock::new(|| {
    let farm = r"(?:g\.?\s?nr\.?|gnr\.?|gårdsnr\.?|gardsnr\.?|gårdsnummer|gardsnummer|gårdsnummeret)";
    let unit = r"(?:b\.?\s?nr\.?|bnr\.?|bruksnr\.?|bruksnummer|bruksnummeret)";
    let more = r"(?:f\.?\s?nr\.?|festenr\.?|festenummer|s\.?\s?nr\.?|seksjonsnr\.?|seksjonsnummer)";
    let combined = r"(?:gbnr\.?|g\.?\s?/\s?b\.?\s?nr\.?|gnr\.?\s*/\s*bnr\.?)";
    Regex::new(&format!(
        r"(?i)(?-u:\b)(?:{combined}\s*\d{{1,4}}\s*/\s*\d{{1,4}}(?:\s*/\s*\d{{1,4}})*|{farm}\s*\d{{1,4}}\s*/\s*\d{{1,4}}(?:\s*/\s*\d{{1,4}})*|{farm}\s*/\s*{unit}\s*\d{{1,4}}\s*/\s*\d{{1,4}}|{farm}\s*\d{{1,4}}(?:\s*(?:,|og|and|/)?\s*{unit}\s*\d{{1,4}})?(?:\s*(?:,|og|/)?\s*{more}\s*\d{{1,4}})*)"
    ))
    .expect("valid")
});

/// Finds the addresses in `text`, whose words are `words`.
pub(crate) fn find(text: &str, words: &[Word<'_>], out: &mut Vec<Finding>) {
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return; // every address here has a number
    }
    let from = out.len();
    let postcode_somewhere = has_four_digits(text);
    let mut lower = String::new();
    for (i, word) in words.iter().enumerate() {
        let number_follows = text[abbreviation_end(text, word)..]
            .trim_start_matches([' ', '\u{a0}'])
            .starts_with(|c: char| c.is_ascii_digit());
        if number_follows && let Some(found) = box_at(text, words, i) {
            post_box(text, found, out);
        } else if number_follows {
            let lower = word.lowercase_into(&mut lower);
            let compound = is_abbreviated_compound(word) && text[word.end..].starts_with('.');
            if compound || is_street_name_end(lower, i, words) {
                street_then_number(text, words, i, out);
            } else {
                if postcode_somewhere {
                    place_number_postcode(text, words, i, out);
                }
                lived_at(text, words, i, out);
            }
        }
        if postcode_somewhere && text[word.end..].starts_with(", ") {
            lowercase_farm_and_postcode(text, words, i, out);
        }
        if !(2..=7).contains(&word.text.len()) {
            continue; // no street word that comes first is longer
        }
        if !STREET_FIRST_INITIALS.contains(&(word.text.as_bytes()[0] | 0x20)) {
            continue; // nor starts with another letter (lower-casing every word is costly)
        }
        let lower = word.lowercase_into(&mut lower);
        let street_first = (lower == "ul" && text[word.end..].starts_with('.')) || STREET_FIRST.contains(&lower);
        if street_first && (word.is_capitalised() || number_before(text, word.start).is_some()) || lower == "ul" {
            // "ul. Długa 12/4", "Calle del Mar 14": the street word, then up
            // to three words (particles among them), then the house number.
            let mut found = false;
            for next in words.iter().skip(i + 1).take(3) {
                if let Some(end) = house_number_after(text, next.end) {
                    out.push((EntityKind::Address, word.start, with_postcode(text, end)));
                    found = true;
                    break;
                }
            }
            // French order, the number first: "12 rue des Lilas, 69003 Lyon".
            if let (false, Some(start)) = (found, number_before(text, word.start)) {
                let postcode_after = words
                    .iter()
                    .skip(i + 1)
                    .take(3)
                    .find(|next| POSTCODE_AND_PLACE.is_match(&text[next.end..]));
                if let Some(next) = postcode_after {
                    out.push((EntityKind::Address, start, with_postcode(text, next.end)));
                }
            }
        }
    }
    english_order(text, words, out);
    if postcode_somewhere {
        // "Bakken, 2975 Vang i Valdres": a farm or place named before its postcode.
        // Group 1 is the address; what matched before it is the boundary ("Øvergard" has no ASCII one).
        // A box's district is the box's to mask or keep ("Postboks 9200 Grønland, 0134 Oslo").
        out.extend(
            FARM_AND_POSTCODE
                .captures_iter(text)
                .filter_map(|c| c.get(1))
                .filter(|m| !follows_a_box_number(&text[..m.start()]))
                .map(|m| (EntityKind::Address, m.start(), m.end())),
        );
    }
    if has_cadastral_word(text) {
        for m in CADASTRAL.find_iter(text) {
            if m.as_str().bytes().any(|b| b.is_ascii_digit()) {
                // The municipality after it ("i Vågå kommune") stays: writers
                // keep it as a place of its own as often as they count it in.
                // A postcode and its place after it are the address's.
                let end = CADASTRAL_POSTCODE
                    .find(&text[m.end()..])
                    .map_or(m.end(), |p| m.end() + p.end());
                out.push((EntityKind::Address, m.start(), end));
            }
        }
    }
    with_farm_name(text, &mut out[from..]);
    with_care_of(text, &mut out[from..]);
}

/// A postcode and its place after a cadastral reference: ", 6823 Sandane".
static CADASTRAL_POSTCODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^,[ ]\d{4}[ ]\p{Lu}[\p{L}\-]*").expect("valid"));

/// `text` holds a word that a cadastral reference holds, as written.
fn has_cadastral_word(text: &str) -> bool {
    const WORDS: [&str; 12] = [
        "gnr", "Gnr", "GNR", "bnr", "g.nr", "G.nr", "gård", "Gård", "gard", "Gard", "bruksn", "Bruksn",
    ];
    WORDS.iter().any(|w| text.contains(w))
}

/// A postcode and a place in lower case after a farm's name: ", 6770 nordfjordeid".
static LOWERCASE_POSTCODE_AND_PLACE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^,[ ]\d{4}[ ](\p{Ll}[\p{L}\-]{2,})").expect("valid"));

/// "vi bur på myklebust, 6770 nordfjordeid": a farm in lower case (word `i`)
/// after "på" or "i", its postcode and its place, which ends the clause and
/// is no amount or count ("i fjor, 1500 kroner").
fn lowercase_farm_and_postcode(text: &str, words: &[Word<'_>], i: usize, out: &mut Vec<Finding>) {
    const UNITS: [&str; 12] = [
        "kroner", "kr", "kronar", "euro", "dollar", "timer", "timar", "dager", "dagar", "personer", "stk", "meter",
    ];
    let word = &words[i];
    let after_preposition = i > 0
        && text[words[i - 1].end..word.start] == *" "
        && matches!(words[i - 1].text, "på" | "paa" | "i" | "På" | "I");
    if !after_preposition || word.is_capitalised() {
        return;
    }
    let Some(found) = LOWERCASE_POSTCODE_AND_PLACE.captures(&text[word.end..]) else {
        return;
    };
    let end = word.end + found.get(0).map_or(0, |m| m.end());
    let clause_ends = text[end..].chars().next().is_none_or(|c| ".,;!?)\n".contains(c));
    let place = found.get(1).map_or("", |m| m.as_str());
    if clause_ends && !UNITS.contains(&place) {
        out.push((EntityKind::Address, word.start, end));
    }
}

/// A farm named before its address: "Haugen gård, Haugavegen 210",
/// "Nordre Ødegården, gnr. 112": a capitalised name and a farm word, a
/// prefix before the name, or a name ending in a farm word, then a comma.
static FARM_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\p{L}])((?:(?:Vestre|Østre|Nordre|Søndre|Øvre|Nedre|Store|Lille|Gamle|Nye)[ ])?\p{Lu}[\p{L}\-]+(?:[ ](?:gård|gard|garden|gården|gardsbruk|småbruk))?),[ ]$")
        .expect("valid")
});

/// Moves the start of each address in `out` back over a farm's name before it.
fn with_farm_name(text: &str, out: &mut [Finding]) {
    const FARM_ENDINGS: [&str; 6] = ["gård", "gard", "garden", "gården", "bruket", "setra"];
    const PREFIXES_CAPITALISED: [&str; 10] = [
        "Vestre ", "Østre ", "Nordre ", "Søndre ", "Øvre ", "Nedre ", "Store ", "Lille ", "Gamle ", "Nye ",
    ];
    for finding in out.iter_mut().filter(|f| f.0 == EntityKind::Address) {
        if !text[..finding.1].ends_with(", ") {
            continue;
        }
        let before = tail(text, finding.1, 64);
        let Some(name) = FARM_BEFORE.captures(before).and_then(|c| c.get(1)) else {
            continue;
        };
        let farm = name.as_str();
        let lower = farm.to_lowercase();
        // "Nesheim, Nesheimsvegen 88": a farm the street is named after.
        let street = text[finding.1..finding.2].to_lowercase();
        let is_farm = PREFIXES_CAPITALISED.iter().any(|p| farm.starts_with(p))
            || FARM_ENDINGS.iter().any(|ending| lower.ends_with(ending))
            || (lower.chars().count() >= 4
                && !lower.contains(' ')
                && street.starts_with(&lower)
                && street.len() > lower.len() + 3);
        if is_farm {
            finding.1 -= before.len() - name.start();
        }
    }
}

/// At most the last `most` bytes of `text[..end]`, starting on a character.
fn tail(text: &str, end: usize, most: usize) -> &str {
    let mut from = end.saturating_sub(most);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    &text[from..end]
}

/// A capitalised place or farm name (maybe after a prefix: "Nordre Rud"), a
/// comma, a postcode and its place.
static FARM_AND_POSTCODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\p{L}\p{N}])((?:(?:Vestre|Østre|Nordre|Søndre|Øvre|Nedre|Store|Lille|Gamle|Nye)[ ])?\p{Lu}[\p{L}\-]+,[ ]\d{4}[ ]\p{Lu}[\p{L}\-]*(?:[ ]i[ ]\p{Lu}[\p{L}\-]*)?)")
        .expect("valid")
});

/// Where the house number of a street ending at `word` may start: after a
/// dot that abbreviates the street word ("Thorvald Meyers gt. 58B"), or a
/// compound's street word ("Lindenstr. 8", "Storgt. 5").
fn abbreviation_end(text: &str, word: &Word<'_>) -> usize {
    const ABBREVIATED: [&str; 7] = ["gt", "vn", "v", "pr", "str", "gate", "pb"];
    let dotted = text[word.end..].starts_with('.')
        && (ABBREVIATED.iter().any(|a| word.text.eq_ignore_ascii_case(a)) || is_abbreviated_compound(word));
    if dotted { word.end + 1 } else { word.end }
}

/// A street name compounded with an abbreviated street word: "Lindenstr",
/// "storgt", "Parkvn" (the dot after it is checked by the caller).
fn is_abbreviated_compound(word: &Word<'_>) -> bool {
    const ENDINGS: [&str; 3] = ["str", "gt", "vn"];
    let text = word.text;
    ENDINGS.iter().any(|ending| {
        text.len() >= ending.len() + 3
            && text.is_char_boundary(text.len() - ending.len())
            && text[text.len() - ending.len()..].eq_ignore_ascii_case(ending)
    })
}

/// Moves the start of each address in `out` back over a "c/o" before it.
fn with_care_of(text: &str, out: &mut [Finding]) {
    for finding in out.iter_mut().filter(|f| f.0 == EntityKind::Address) {
        if let Some(start) = care_of_start(&text[..finding.1]) {
            finding.1 = start;
        }
    }
}

/// Where "c/o Ravn, " ends `before`, if it does: "c/o" in any case, a space,
/// a name of up to 41 letters, digits, spaces, dots, "&", "'" and "-"
/// starting with a letter (a firm's too: "c/o Harrison & Co, "), maybe a
/// comma, and a space or a new line.
fn care_of_start(before: &str) -> Option<usize> {
    // A space, or a line's end in an address written as on an envelope.
    let name_end = before
        .strip_suffix(' ')
        .or_else(|| before.strip_suffix('\n').map(|b| b.strip_suffix('\r').unwrap_or(b)))?;
    let name_end = name_end.strip_suffix(',').unwrap_or(name_end);
    // Back over what a name may hold, and the "o " of "c/o " (the slash stops it).
    let mut start = name_end.len();
    for (count, (at, c)) in name_end.char_indices().rev().enumerate() {
        if count == 43 || !(c.is_alphanumeric() || matches!(c, ' ' | '.' | '&' | '\'' | '-')) {
            break;
        }
        start = at;
    }
    let slash = start.checked_sub(2)?;
    let care_of = name_end.get(slash..start + 2)?;
    let name = &name_end[start + 2..];
    (care_of.eq_ignore_ascii_case("c/o ") && name.starts_with(char::is_alphabetic)).then_some(slash)
}

/// A run of exactly four digits, as a Norwegian postcode is written.
fn has_four_digits(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut run = 0;
    for (i, b) in bytes.iter().enumerate() {
        if b.is_ascii_digit() {
            run += 1;
        } else {
            if run == 4 {
                return true;
            }
            run = 0;
        }
        if i + 1 == bytes.len() && run == 4 {
            return true;
        }
    }
    false
}

/// Words that begin a street or place name in lower case as well: "vestre gate", "nedre berg".
const PREFIXES: [&str; 12] = [
    "vestre", "østre", "nordre", "søndre", "øvre", "nedre", "store", "lille", "gamle", "nye", "kong", "dronning",
];

/// A word in `PREFIXES`, in any case ("Øvre" and "øvre" differ in more than ASCII).
fn is_prefix(word: &str) -> bool {
    (3..=9).contains(&word.len())
        && PREFIXES.iter().any(|p| {
            word.eq_ignore_ascii_case(p)
                || (!word.is_ascii() && word.chars().flat_map(char::to_lowercase).eq(p.chars()))
        })
}

/// Word `i` ends a street name: a compound ending in a street word
/// ("Fjellveien", "storgata"), or a street word after a capitalised word
/// ("Kong Oscars gate").
fn is_street_name_end(lower: &str, i: usize, words: &[Word<'_>]) -> bool {
    if STREET_WORDS.contains(&lower) || ENGLISH_STREETS.contains(&lower) {
        // "Kong Oscars gate", and in lower case "vestre gate", "thereses gate".
        let previous = i.checked_sub(1).map(|p| &words[p]);
        return previous.is_some_and(|p| {
            let joined = words[i].start - p.end == 1;
            let genitive = p.text.ends_with('s') && p.text.chars().count() >= 4;
            joined && (p.is_capitalised() || is_prefix(p.text) || (genitive && lower.starts_with('g')))
        });
    }
    STREET_ENDINGS.iter().any(|ending| {
        lower.len() >= ending.len() + 3 && lower.ends_with(ending) && lower.is_char_boundary(lower.len() - ending.len())
    })
}

/// The first of up to three capitalised words, one space apart, that end at
/// word `i` ("Kong Oscars gate", "Marine Parade").
fn first_capitalised_before(text: &str, words: &[Word<'_>], i: usize) -> usize {
    let mut first = i;
    while first > 0
        && words[first - 1].is_capitalised()
        && text[words[first - 1].end..words[first].start] == *" "
        && i - first < 3
    {
        first -= 1;
    }
    first
}

/// A street name ending at word `i`, its house number, postcode and place.
fn street_then_number(text: &str, words: &[Word<'_>], i: usize, out: &mut Vec<Finding>) {
    let Some(end) = house_number_after(text, abbreviation_end(text, &words[i])) else {
        return;
    };
    // The street name's first word: capitalised words before it, one space apart.
    let mut first = first_capitalised_before(text, words, i);
    if first < i && !words[first].is_capitalised() {
        first = i;
    }
    // A street word in lower case takes the word before it ("vestre gate").
    let street_word = |w: &&str| words[i].text.eq_ignore_ascii_case(w);
    if first == i && i > 0 && (STREET_WORDS.iter().any(street_word) || ENGLISH_STREETS.iter().any(street_word)) {
        first = i - 1;
    }
    let first = with_prefix(text, words, first);
    out.push((EntityKind::Address, words[first].start, with_postcode(text, end)));
}

/// Where a house number of up to four digits (maybe "bis" or a letter)
/// right before `at`, one space apart, starts.
fn number_before(text: &str, at: usize) -> Option<usize> {
    let before = text[..at].strip_suffix(' ')?;
    let before = ["bis", "ter"]
        .iter()
        .find_map(|s| before.strip_suffix(s).and_then(|b| b.strip_suffix(' ')))
        .unwrap_or(before);
    let before = before.strip_suffix(|c: char| c.is_ascii_alphabetic()).unwrap_or(before);
    let digits = before.len() - before.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let start = before.len() - digits;
    let alone = !before[..start].ends_with(|c: char| c.is_alphanumeric());
    ((1..=4).contains(&digits) && alone).then_some(start)
}

/// Words of living, one of which stands a few words before "på" or "i" in
/// "bodde alene på Øvre Bø 3", "flytta på omsorgsbustad på Fosshaugane 2".
const LIVING: &[&str] = &[
    "bor",
    "bur",
    "bodde",
    "budde",
    "bodd",
    "budd",
    "flytta",
    "flyttet",
    "flytte",
    "flytter",
    "flyttar",
    "omsorgsbolig",
    "omsorgsbustad",
    "adresse",
    "adressa",
    "adressen",
    "lives",
    "lived",
    "living",
    "moved",
];

/// A capitalised name (maybe after a prefix) and a house number after a
/// word of living and "på", "i", "at" or "in", with neither street word nor
/// postcode: the number ends the clause, or "i" and a place follow it
/// ("bodde alene på Øvre Bø 3 i Seljord"), so "bodde i Bergen 20 år" and
/// "i Oslo 5. mai" are no addresses.
fn lived_at(text: &str, words: &[Word<'_>], i: usize, out: &mut Vec<Finding>) {
    if !words[i].is_capitalised() {
        return;
    }
    let first = with_prefix(text, words, i);
    if first == 0 || text[words[first - 1].end..words[first].start] != *" " {
        return;
    }
    if !matches!(words[first - 1].text, "på" | "paa" | "i" | "at" | "in") {
        return;
    }
    let living = words[first.saturating_sub(4)..first - 1]
        .iter()
        .any(|w| LIVING.iter().any(|l| w.text.eq_ignore_ascii_case(l)));
    let Some(mut end) = living.then(|| house_number_after(text, words[i].end)).flatten() else {
        return;
    };
    // "3 i Seljord": the "i" is the preposition, not a house letter.
    if text[..end].ends_with(" i") && IN_PLACE.is_match(&text[end - 2..]) {
        end -= 2;
    }
    let digits = text[words[i].end..end].bytes().filter(u8::is_ascii_digit).count();
    let rest = &text[end..];
    let sentence_ends = rest.strip_prefix('.').is_some_and(|r| {
        let next = r.trim_start();
        next.is_empty() || next.starts_with(|c: char| c.is_uppercase())
    });
    let ends = rest.is_empty()
        || rest.starts_with([',', ';', '!', '?', ')', '\n'])
        || sentence_ends
        || IN_PLACE.is_match(rest);
    if digits <= 3 && ends {
        out.push((EntityKind::Address, words[first].start, end));
    }
}

/// "i" and a capitalised place after a house number: " i Seljord".
static IN_PLACE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^ i \p{Lu}").expect("valid"));

/// A place with a house number and a postcode but no street ending
/// ("Hovin 23, 2830 Raufoss"): one or two words, the first capitalised.
fn place_number_postcode(text: &str, words: &[Word<'_>], i: usize, out: &mut Vec<Finding>) {
    let previous_joined = i > 0 && text[words[i - 1].end..words[i].start] == *" ";
    let first = if words[i].is_capitalised() {
        i
    } else if previous_joined && (words[i - 1].is_capitalised() || is_prefix(words[i - 1].text)) {
        // "Øvre Berg 14", and in lower case "nedre berg 14, 6800 førde".
        i - 1
    } else {
        return;
    };
    let Some(end) = house_number_after(text, words[i].end) else {
        return;
    };
    let first = with_prefix(text, words, first);
    if POSTCODE_AND_PLACE.is_match(&text[end..]) {
        out.push((EntityKind::Address, words[first].start, with_postcode(text, end)));
    }
}

/// Word `first`, or the word before it when that is a prefix of the name,
/// one space apart: a direction or an age is part of a street's or a
/// place's name ("Vestre Haugen 14", "Øvre Ullern terrasse 3").
fn with_prefix(text: &str, words: &[Word<'_>], first: usize) -> usize {
    let prefix =
        first > 0 && text[words[first - 1].end..words[first].start] == *" " && is_prefix(words[first - 1].text);
    if prefix { first - 1 } else { first }
}

/// A post-office box with its postcode and place after the number or after
/// the district ("Postboks 2043 Grünerløkka, 0505 Oslo"); a box without
/// either is no address.
fn post_box(text: &str, (start, number_end, district_end): (usize, usize, Option<usize>), out: &mut Vec<Finding>) {
    let end = [district_end, Some(number_end)]
        .into_iter()
        .flatten()
        .find(|&end| POSTCODE_AND_PLACE.is_match(&text[end..]) || UK_POSTCODE.is_match(&text[end..]));
    if let Some(end) = end {
        out.push((EntityKind::Address, start, with_postcode(text, end)));
    }
}

/// The end of a house number right after `at`, if there is one.
fn house_number_after(text: &str, at: usize) -> Option<usize> {
    let m = HOUSE_NUMBER.find(&text[at..])?;
    // "101 m. 12": a letter before a dot and a number abbreviates a flat, and is no house letter.
    let found = &text[at..at + m.end()];
    let abbreviation = found.ends_with(|c: char| c.is_ascii_alphabetic())
        && text[at + m.end()..]
            .strip_prefix('.')
            .is_some_and(|r| r.trim_start_matches(' ').starts_with(|c: char| c.is_ascii_digit()));
    let m_end = if abbreviation {
        found
            .trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .trim_end_matches(' ')
            .len()
    } else {
        m.end()
    };
    // A number glued to more digits or a unit is no house number ("12 000", "5 kg").
    let rest = &text[at + m_end..];
    let more_digits = rest
        .strip_prefix(' ')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        && !rest.starts_with(" \u{a0}");
    (!more_digits || POSTCODE_AND_PLACE.is_match(rest) || UNIT.is_match(rest)).then_some(at + m_end)
}

/// A flat or floor after the house number: "H0201", "3. etg", "3º B", "leil. 4", "Flat 2".
static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^,?[ \u{a0}]{1,2}(?:[hukl]\d{4}(?-u:\b)|oppg(?:ang)?\.?[ ]?[a-z\d]{1,2}(?-u:\b)|\d{1,2}\.?[ ]?(?:etg|etasje|et|floor)(?-u:\b)\.?|\d{1,2}\.[ ]?(?:tv|th|mf)(?-u:\b)\.?|\d{1,2}º(?:[ ]?[a-z]{1,4}(?-u:\b)\.?)?|\d{1,2}(?:st|nd|rd|th)[ ]floor(?-u:\b)|(?:leil|leilighet|leiligheit|leilegheit|lgh|apt|apartment|flat|unit|suite|m)\.?[ ]?(?:[hukl]\d{4}|\d[a-z]\d|\d{1,4}[a-z]?)(?-u:\b))",
    )
    .expect("valid")
});
/// Places and districts after an English-order street: ", Xuhui District, Shanghai 200031".
static TRAILING_PLACES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:,[ ]\p{Lu}\p{L}+(?:[ ]\p{Lu}\p{L}+)?){1,3}(?:,?[ ][A-Z]{2})?(?:[ ]\d{5,6}(?:-\d{4})?(?-u:\b)|[ ][A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2}(?-u:\b)|[ ][A-Z]\d[A-Z][ ]?\d[A-Z]\d(?-u:\b))").expect("valid")
});
static DIRECTION: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^ (?:NW|NE|SW|SE|N|S|E|W)(?-u:\b)").expect("valid"));
/// A room, flat or unit before an English-order street: "Room 1203, No. ".
static LEADING_UNIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:(?:room|flat|apt|apartment|unit|suite)[ ](?:\d[a-z]\d|\d{1,5}[a-z]?),?[ ])?(?:no\.?[ ])?$")
        .expect("valid")
});
/// The first letters of `STREET_FIRST` and "ul", in lower case.
const STREET_FIRST_INITIALS: &[u8] = b"acpruv";
/// Street words that come first in Romance languages: "Calle del Mar 14", "Rua Augusta 5".
const STREET_FIRST: &[&str] = &[
    "calle", "avenida", "avda", "via", "viale", "rue", "rua", "plaza", "praça", "carrer", "paseo", "piazza", "corso",
    "ulica",
];

/// A country after a foreign address's place: "69115 Heidelberg, Germany".
static COUNTRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^,[ ](?:Germany|Deutschland|Tyskland|France|Frankrike|Poland|Polska|Polen|Sweden|Sverige|Denmark|Danmark|Norway|Norge|Noreg|Spain|España|Spania|Italy|Italia|Netherlands|Nederland|Belgium|Belgia|Austria|Österreich|Østerrike|Switzerland|Schweiz|Sveits|Finland|Suomi|Lithuania|Lietuva|Litauen|Latvia|Estonia|Romania|Portugal|Greece|Hellas|Hungary|Czechia|Slovakia|Croatia|Ireland|Iceland|Island|UK|United Kingdom|England|Scotland|Wales|USA|Canada)(?-u:\b)")
        .expect("valid")
});

/// `end`, moved past a flat or floor, and a postcode and place, if they follow.
fn with_postcode(text: &str, end: usize) -> usize {
    let mut end = end;
    // "leil. H0304", "oppgang 2, 3. etg": up to three flats, floors and entrances.
    for _ in 0..3 {
        match UNIT.find(&text[end..]) {
            Some(m) => end += m.end(),
            None => break,
        }
    }
    if let Some(m) = POSTCODE_AND_PLACE.find(&text[end..]) {
        let end = end + m.end();
        return COUNTRY.find(&text[end..]).map_or(end, |c| end + c.end());
    }
    if let Some(m) = UK_POSTCODE.find(&text[end..]) {
        return end + m.end();
    }
    end
}

/// "221B Baker Street", "10 Downing Street, London SW1A 2AA".
fn english_order(text: &str, words: &[Word<'_>], out: &mut Vec<Finding>) {
    for (i, word) in words.iter().enumerate() {
        // After a capitalised word, one space apart (what the street's name
        // needs), an English street word, checked last as the costliest.
        let after_capitalised = i > 0 && words[i - 1].is_capitalised() && text[words[i - 1].end..word.start] == *" ";
        if !after_capitalised
            || !(2..=9).contains(&word.text.len())
            || !word.text.is_ascii()
            || !ENGLISH_STREET_SET.contains_ignore_ascii_case(word.text)
        {
            continue;
        }
        // Capitalised words back to a house number.
        let first = first_capitalised_before(text, words, i);
        let before = text[..words[first].start].trim_end_matches(' ');
        let digits_at = before.trim_end_matches(|c: char| c.is_ascii_alphanumeric());
        let number = &before[digits_at.len()..];
        let is_number = number.starts_with(|c: char| c.is_ascii_digit())
            && number.len() <= 5
            && !digits_at.ends_with(|c: char| c.is_alphanumeric());
        if is_number {
            let start = LEADING_UNIT.find(digits_at).map_or(digits_at.len(), |m| m.start());
            // A compass direction may follow the street: "Kensington Rd NW".
            let mut street_end = DIRECTION
                .find(&text[word.end..])
                .map_or(word.end, |m| word.end + m.end());
            // A flat after the street: "1427 Maple Avenue, Apt 3B, Evanston".
            if let Some(m) = UNIT.find(&text[street_end..]) {
                street_end += m.end();
            }
            let end = TRAILING_PLACES
                .find(&text[street_end..])
                .map_or(with_postcode(text, street_end), |m| street_end + m.end());
            out.push((EntityKind::Address, start, end));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::words;

    fn addresses(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        find(text, &words(text), &mut out);
        out.sort_by_key(|f| (f.1, std::cmp::Reverse(f.2)));
        out.dedup();
        // A finding inside another is the masker's to drop.
        let mut kept: Vec<Finding> = Vec::new();
        for f in out {
            if !kept.iter().any(|k| k.1 <= f.1 && f.2 <= k.2) {
                kept.push(f);
            }
        }
        kept.iter().map(|(_, s, e)| &text[*s..*e]).collect()
    }

    #[test]
    fn street_addresses_in_their_written_forms() {
        assert_eq!(
            addresses("bodde i Fjellveien 82, 6800 Førde i mange år"),
            ["Fjellveien 82, 6800 Førde"]
        );
        assert_eq!(addresses("huset i storgata 12b"), ["storgata 12b"]);
        assert_eq!(addresses("i Kong Oscars gate 5"), ["Kong Oscars gate 5"]);
        assert_eq!(
            addresses("at 221B Baker Street, London NW1 6XE"),
            ["221B Baker Street, London NW1 6XE"]
        );
        assert_eq!(
            addresses("ul. Długa 12/4, 00-238 Warszawa"),
            ["ul. Długa 12/4, 00-238 Warszawa"]
        );
        assert_eq!(addresses("gården har gnr. 45 bnr. 12 i Vang"), ["gnr. 45 bnr. 12"]);
        assert_eq!(
            addresses("småbruket på gnr 112/3 og gbnr 33/5"),
            ["gnr 112/3", "gbnr 33/5"]
        );
        assert_eq!(
            addresses("bor i Nordre gate 5, 3. etg, 7011 Trondheim."),
            ["Nordre gate 5, 3. etg, 7011 Trondheim"]
        );
        assert_eq!(
            addresses("på Calle del Mar 14, 3º B, 03181 Torrevieja."),
            ["Calle del Mar 14, 3º B, 03181 Torrevieja"]
        );
        assert_eq!(
            addresses("flytta til Solbakken 7, leil. H0302, oppgang 2, 2317 Hamar i fjor"),
            ["Solbakken 7, leil. H0302, oppgang 2, 2317 Hamar"]
        );
        assert_eq!(addresses("bur i storgata 9c 3 etg no"), ["storgata 9c 3 etg"]);
        assert_eq!(addresses("i Parkveien gt. 4B her"), ["Parkveien gt. 4B"]);
        assert_eq!(
            addresses("til Ola, c/o Berg, Sandvegen 3, 6900 Florø."),
            ["c/o Berg, Sandvegen 3, 6900 Florø"]
        );
        assert_eq!(
            addresses("garden Hauge, 6823 Sandane i Gloppen."),
            ["Hauge, 6823 Sandane i Gloppen"]
        );
        assert_eq!(addresses("garden Øvergard, 2975 Vang."), ["Øvergard, 2975 Vang"]);
        assert_eq!(
            addresses("adressa er øvre lid 4, 5700 voss. takk"),
            ["øvre lid 4, 5700 voss"]
        );
        assert_eq!(
            addresses("býr á Hringbraut 12, 107 Reykjavík nú"),
            ["Hringbraut 12, 107 Reykjavík"]
        );
    }

    #[test]
    fn boxes_farms_prefixes_and_abbreviated_compounds() {
        assert_eq!(
            addresses("send til Postboks 318 Sentrum, 5804 Bergen takk"),
            ["Postboks 318 Sentrum, 5804 Bergen"]
        );
        assert_eq!(
            addresses("til Skatteetaten, Postboks 9200 Grønland, 0134 Oslo"),
            Vec::<&str>::new()
        );
        assert_eq!(
            addresses("c/o Berg & Dahl AS, Postboks 77, 7001 Trondheim"),
            ["c/o Berg & Dahl AS, Postboks 77, 7001 Trondheim"]
        );
        assert_eq!(
            addresses("dei bur på Lia gard, Liavegen 40, 3864 Rauland."),
            ["Lia gard, Liavegen 40, 3864 Rauland"]
        );
        assert_eq!(
            addresses("eiendommen Søndre Bakken, gnr. 12 bnr. 3 i Lom"),
            ["Søndre Bakken, gnr. 12 bnr. 3"]
        );
        assert_eq!(
            addresses("hun bodde i Nordre Li 7, 2850 Lena"),
            ["Nordre Li 7, 2850 Lena"]
        );
        assert_eq!(
            addresses("flytta til Øvre Ås terrasse 9, 1430 Ås."),
            ["Øvre Ås terrasse 9, 1430 Ås"]
        );
        assert_eq!(
            addresses("bei hauptstr. 12, 80331 münchen"),
            ["hauptstr. 12, 80331 münchen"]
        );
        assert_eq!(addresses("eg bur i haugset, 6793 innvik."), ["haugset, 6793 innvik"]);
        // An amount after a comma is no postcode and place.
        assert_eq!(addresses("betalte i fjor, 2500 kroner."), Vec::<&str>::new());
    }

    #[test]
    fn foreign_forms_boxes_with_districts_and_envelope_lines() {
        assert_eq!(
            addresses("send to Lindenstraße 4b, 10115 Berlin, Germany and more"),
            ["Lindenstraße 4b, 10115 Berlin, Germany"]
        );
        assert_eq!(
            addresses("mieszkała na ul. Długa 17 m. 4, 80-827 Gdańsk."),
            ["ul. Długa 17 m. 4, 80-827 Gdańsk"]
        );
        assert_eq!(
            addresses("Address: 8 rue des Roses, 75011 Paris, France."),
            ["8 rue des Roses, 75011 Paris, France"]
        );
        assert_eq!(
            addresses("My address is P.O. Box 4411, Sentrum, 5804 Bergen."),
            ["P.O. Box 4411, Sentrum, 5804 Bergen"]
        );
        assert_eq!(
            addresses("Kari Berg\nc/o Dahl\nSmalvegen 9\n7013 Trondheim"),
            ["c/o Dahl\nSmalvegen 9\n7013 Trondheim"]
        );
    }

    #[test]
    fn farms_before_postcodes_cadastral_references_and_where_someone_lived() {
        assert_eq!(
            addresses("Far eide Nordre Li, 2850 Lena, gnr. 4 bnr. 2 i Toten."),
            ["Nordre Li, 2850 Lena", "gnr. 4 bnr. 2"]
        );
        assert_eq!(
            addresses("Garden heiter Øvre Lid, gnr. 23 bnr. 2, 6800 Førde og meir"),
            ["Øvre Lid, gnr. 23 bnr. 2, 6800 Førde"]
        );
        assert_eq!(
            addresses("vi har teke over Haugset, Haugsetvegen 8, 6800 Førde"),
            ["Haugset, Haugsetvegen 8, 6800 Førde"]
        );
        assert_eq!(addresses("Han bodde alene på Nedre Lid 3 i Lom."), ["Nedre Lid 3"]);
        assert_eq!(
            addresses("mor flytta på omsorgsbustad på Solhaug 2. Kan de"),
            ["Solhaug 2"]
        );
        assert_eq!(addresses("han bodde i Bergen 20 år"), Vec::<&str>::new());
        assert_eq!(addresses("vi bodde i Bergen 5. mai"), Vec::<&str>::new());
    }

    #[test]
    fn cadastral_words_are_found_where_they_stand() {
        for text in ["gnr 1", "x G.nr", "på gården", "Bruksnummer", "bnr.", "GNR"] {
            assert!(has_cadastral_word(text), "{text}");
        }
        for text in ["", "g", "Gn r", "GARD", "bruk", "g.n.r"] {
            assert!(!has_cadastral_word(text), "{text}");
        }
    }

    #[test]
    fn street_first_words_start_with_the_initials_looked_for() {
        for word in STREET_FIRST.iter().chain(&["ul"]) {
            assert!(STREET_FIRST_INITIALS.contains(&word.as_bytes()[0]), "{word}");
        }
    }

    #[test]
    fn places_and_numbers_alone_are_no_address() {
        assert_eq!(addresses("en by som heter Gjøvik"), Vec::<&str>::new());
        assert_eq!(addresses("betalte 12 000 kr i veien"), Vec::<&str>::new());
    }
}
