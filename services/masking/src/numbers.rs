//! Numbers written as runs of digit groups: identity, account and card numbers
//! by their check digits whatever separates their groups, phone numbers by
//! their length, prefix, grouping and the words before them.

use std::borrow::Cow;
use std::sync::LazyLock;

use crate::checks::{is_account_number, is_luhn, is_national_identity_number};
use crate::gazetteer::{Known, lookup};
use crate::kinds::EntityKind;
use crate::word_set::WordSet;
use crate::words::{ends_with_word, lowercase_words_before};

/// The most digits a number masked here has (a payment card).
const MAX_DIGITS: usize = 19;
/// The fewest: a Norwegian phone number.
const MIN_DIGITS: usize = 8;

/// Words that announce a phone number within the few words before it.
const PHONE_CUES: &[&str] = &[
    "tlf",
    "tlfnr",
    "tel",
    "telefon",
    "telefonen",
    "telefonnr",
    "telefonnummer",
    "telefonnummeret",
    "mobil",
    "mobilen",
    "mob",
    "mobilnr",
    "mobilnummer",
    "mobilnummeret",
    "ring",
    "ringe",
    "ringer",
    "ringt",
    "sms",
    "call",
    "phone",
    "cell",
    "mobile",
    "whatsapp",
    "reach",
    "contact",
    "kontakt",
    "nås",
    "treffes",
    "telefonu",
    "landline",
    "fasttelefon",
    "fasttelefonen",
    "text",
    "signal",
];

/// Words that announce a phone number unless a reference word stands among
/// them: "nummeret mitt er …", but "order number …".
const WEAK_PHONE_CUES: &[&str] = &["nummer", "nummeret", "number", "numbers", "nr"];

/// Words that make the number after them a reference, not a phone number.
const REFERENCE_CUES: &[&str] = &[
    "kid",
    "kidnummer",
    "kidnummeret",
    "kid-nummer",
    "kidnr",
    "faktura",
    "fakturaen",
    "fakturaer",
    "fakturanummer",
    "fakturanummeret",
    "fakturanr",
    "kundenummer",
    "kundenummeret",
    "kundenr",
    "medlemsnummer",
    "medlemsnummeret",
    "avtalenummer",
    "avtalenummeret",
    "polisenummer",
    "customer",
    "invoice",
    "order",
    "ordre",
    "ordrenummer",
    "ordrenummeret",
    "ordrenr",
    "sak",
    "saka",
    "saken",
    "saksnummer",
    "saksnummeret",
    "saksnr",
    "referanse",
    "referansen",
    "referansenummer",
    "referansenummeret",
    "ref",
    "case",
    "reference",
    "tracking",
    "sporingsnummer",
    "sporingsnummeret",
    "org",
    "orgnr",
    "organisasjonsnummer",
    "forsendelsesnummer",
    "versjon",
    "version",
];

/// Organisations whose published landline may stand right after their name
/// (and whose post-office box is theirs).
const ORGANISATION_WORDS: &[&str] = &[
    "kommune",
    "kommunen",
    "kommunens",
    "nav",
    "skatteetaten",
    "sentralbord",
    "sentralbordet",
    "sentralbordnummer",
    "servicetorget",
    "servicetorg",
    "servicesenter",
    "servicesenteret",
    "bydel",
    "bydelen",
    "council",
    "office",
    "switchboard",
    "kontoret",
    "kundesenter",
    "kundesenteret",
    "legevakt",
    "legevakta",
    "sykehuset",
    "sjukehuset",
    "fylkeskommune",
    "statsforvalteren",
    "tingretten",
    "kirkekontoret",
    "kyrkjekontoret",
];

// The lists above as sets: the words before every long run of digits are
// looked up in them.
static PHONE_CUE_SET: LazyLock<WordSet> = LazyLock::new(|| WordSet::new(PHONE_CUES));
static WEAK_PHONE_CUE_SET: LazyLock<WordSet> = LazyLock::new(|| WordSet::new(WEAK_PHONE_CUES));
static REFERENCE_CUE_SET: LazyLock<WordSet> = LazyLock::new(|| WordSet::new(REFERENCE_CUES));
pub(crate) static ORGANISATION_SET: LazyLock<WordSet> = LazyLock::new(|| WordSet::new(ORGANISATION_WORDS));
/// Words for the writer, which make a number near an organisation's name theirs.
static FIRST_PERSON_SET: LazyLock<WordSet> = LazyLock::new(|| WordSet::new(&["meg", "me", "my", "mitt", "min"]));

/// Currency words that make a grouped number an amount.
const CURRENCY_AFTER: &[&str] = &[
    "kr", "kroner", "krone", "nok", "euro", "eur", "sek", "dkk", "usd", "pund",
];
const CURRENCY_BEFORE: &[&str] = &["kr", "nok", "eur", "sek", "usd"];

/// One group of digits: its byte range in the text.
#[derive(Debug, Clone, Copy)]
struct Group {
    start: usize,
    end: usize,
}

impl Group {
    fn len(self) -> usize {
        self.end - self.start
    }
}

/// A run of digit groups joined by separators, and what surrounds it.
struct Run<'t, 'g> {
    text: &'t str,
    groups: &'g [Group],
    /// For each separator (after group `i`): words join the groups ("1254 33
    /// og så 90818"), or a slash between spaces sets two numbers side by side.
    loose: Vec<bool>,
    worded: &'g [bool],
    /// The run starts with `+`.
    plus: bool,
    /// A phone word stands just before the run.
    phone_cue: bool,
    /// A reference word ("KID", "saksnummer") stands just before the run.
    reference_cue: bool,
    /// An organisation is named just before the run ("Oslo kommune på …").
    organisation: bool,
    /// A currency word stands just before or after the run.
    currency: bool,
}

/// What the caller needs of the numbers found: their kind and byte range.
pub(crate) type Finding = (EntityKind, usize, usize);

/// Every number in `text` worth masking; `allowed` holds the digits of public
/// numbers that stay (compared by how a number ends, so a country code before
/// an allowed number does not matter).
pub(crate) fn find(text: &str, allowed: &[String], out: &mut Vec<Finding>) {
    let bytes = text.as_bytes();
    let mut at = 0;
    // The last run of exactly six digits: a date of birth whose personal
    // number may follow a few words later.
    let mut date_of_birth: Option<(usize, usize)> = None;
    // Every run's groups and separators, in the same two vectors.
    let (mut groups, mut worded) = (Vec::new(), Vec::new());
    while at < bytes.len() {
        if !bytes[at].is_ascii_digit() {
            at += 1;
            continue;
        }
        let end = scan_run(text, at, &mut groups, &mut worded);
        if groups.len() == 1 {
            let this = (groups[0].start, groups[0].end);
            match this.1 - this.0 {
                6 => date_of_birth = Some(this),
                5 => split_identity_number(text, date_of_birth.take(), this, out),
                _ => {}
            }
        }
        // Digits glued to a word ("no54539…", "abc123") are part of it, unless
        // the word is a short one typed without its space ("er15061123455og",
        // "216kl"); check digits vouch for a number even then. Runs too short
        // for any number are not read further.
        let digits = groups.iter().map(|g| g.len()).sum::<usize>();
        let glued =
            || glued_word(text[..at].chars().rev()) == Glued::Word || glued_word(text[end..].chars()) == Glued::Word;
        if digits >= MIN_DIGITS && (!glued() || vouched_for_when_glued(&groups, text)) {
            let plus = at > 0 && bytes[at - 1] == b'+';
            let start = if plus { at - 1 } else { at };
            let before = &text[..start];
            let loose = (0..groups.len().saturating_sub(1))
                .map(|i| worded[i] || text[groups[i].end..groups[i + 1].start].contains('/'))
                .collect();
            // The three words before the run, read once for every cue.
            let words_before: Vec<Cow<'_, str>> = lowercase_words_before(before, 3).collect();
            let has = |cues: &WordSet| words_before.iter().any(|w| cues.contains(w));
            let reference = has(&REFERENCE_CUE_SET);
            let phone_cue = has(&PHONE_CUE_SET) || (has(&WEAK_PHONE_CUE_SET) && !reference);
            let run = Run {
                text,
                plus,
                phone_cue,
                // The nearer phone word wins: "versjon 2.3 tlf 98517114".
                reference_cue: reference && !phone_cue,
                // A phone word or a person nearer than the organisation makes it a person's.
                organisation: (has(&ORGANISATION_SET) && !phone_cue && !has(&FIRST_PERSON_SET))
                    || told_to_call_organisation(before, &words_before)
                    || (!phone_cue && (acronym_before(before) || called_at(before, &words_before))),
                currency: has_currency(before, &text[end..]),
                groups: &groups,
                loose,
                worded: &worded,
            };
            run.search(0, run.groups.len(), allowed, out);
        }
        at = end;
    }
}

/// "Bergen kommune ba meg ringe 55 56 55 56": a verb of calling right before
/// the number, and an organisation named earlier in the same sentence, make
/// the number the organisation's ("ring meg på …" stays the citizen's).
fn told_to_call_organisation(before: &str, last_words: &[Cow<'_, str>]) -> bool {
    const CALL: &[&str] = &["ringe", "ring", "ringje", "call", "kontakte", "contact"];
    let is_call = |at: usize| last_words.get(at).is_some_and(|w| CALL.contains(&w.as_ref()));
    let called = is_call(0)
        || (last_words
            .first()
            .is_some_and(|w| matches!(w.as_ref(), "på" | "til" | "on"))
            && is_call(1));
    if !called {
        return false;
    }
    let sentence = before.rsplit(['.', '!', '?', '\n']).next().unwrap_or(before);
    lowercase_words_before(sentence, 8).any(|w| ORGANISATION_SET.contains(&w))
}

/// "Kirkens SOS 22 40 00 40", "NRK: 23 04 70 00": an acronym in capitals right
/// before the number names the organisation whose number it is.
fn acronym_before(before: &str) -> bool {
    let trimmed = before.trim_end_matches([' ', '\u{a0}', ':']);
    let word_start = trimmed
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric())
        .last()
        .map_or(trimmed.len(), |(at, _)| at);
    let word = &trimmed[word_start..];
    (2..=6).contains(&word.chars().count()) && word.chars().all(char::is_uppercase)
}

/// "Eg ringte Helsenorge på 23 32 70 00", "har ringt Kirkens SOS på …": the
/// number of whoever the writer called, named by one or two capitalised
/// words that are no person's name.
fn called_at(before: &str, last_words: &[Cow<'_, str>]) -> bool {
    const CALLED: [&str; 10] = [
        "ringt",
        "ringte",
        "ringde",
        "ringa",
        "ringet",
        "called",
        "rang",
        "phoned",
        "kontaktet",
        "kontakta",
    ];
    // The three words before the number, nearest first, read cheaply first.
    let [on, _, third] = last_words else { return false };
    if !matches!(on.as_ref(), "på" | "paa" | "on" | "at") {
        return false;
    }
    let verb_third = CALLED.contains(&third.as_ref());
    // The fourth word back is read only when a verb of calling may be it.
    let tail_has_verb = || {
        ["ring", "call", "rang", "phoned", "kontakt"]
            .iter()
            .any(|v| tail_of(before, 64).contains(v))
    };
    if !verb_third && !tail_has_verb() {
        return false;
    }
    let tail = tail_of(before, 64);
    // Who was called, as written: capitalised, and no person's name; one
    // word after the verb, or two when the verb is the fourth word back.
    let words = crate::words::words(tail);
    let called_words = if verb_third {
        1
    } else {
        let [.., verb, _, _, _] = words.as_slice() else {
            return false;
        };
        if !CALLED.contains(&verb.text.to_lowercase().as_str()) {
            return false;
        }
        2
    };
    let Some((on, called)) = words.split_last() else {
        return false;
    };
    let no_person = |w: &crate::words::Word<'_>| {
        let known = lookup(&w.text.to_lowercase());
        w.is_capitalised() && !known.is_name() && known != Known::Ambiguous
    };
    called.len() >= called_words
        && called[called.len() - called_words..].iter().all(no_person)
        && tail[on.end..].trim().is_empty()
}

/// At most the last `most` bytes of `text`, starting on a character.
fn tail_of(text: &str, most: usize) -> &str {
    let mut from = text.len().saturating_sub(most);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    &text[from..]
}

/// Digits glued to a word ("18135858540tilhører", "on90887412") are a number
/// only when they are one run of digits that its check digits or its
/// Norwegian mobile form vouch for; "abc123" and product codes stay.
fn vouched_for_when_glued(groups: &[Group], text: &str) -> bool {
    let [group] = groups else { return false };
    let digits = &text[group.start..group.end];
    let mobile = digits.len() == 8 && matches!(digits.as_bytes()[0], b'4' | b'9');
    mobile || is_national_identity_number(digits) || is_account_number(digits) || announced_card(text, *group)
}

/// "card no.5548784198859123pls": a card number glued to the word after it
/// only, with a word for a card a few words before it.
fn announced_card(text: &str, group: Group) -> bool {
    const CARD_WORDS: &[&str] = &[
        "card",
        "kort",
        "kortet",
        "kortnr",
        "kortnummer",
        "kortnummeret",
        "bankkort",
        "bankkortet",
        "kredittkort",
        "kredittkortet",
        "visa",
        "mastercard",
    ];
    let digits = &text[group.start..group.end];
    let before = &text[..group.start];
    (15..=16).contains(&digits.len())
        && matches!(digits.as_bytes()[0], b'2'..=b'6')
        && is_luhn(digits)
        && glued_word(before.chars().rev()) != Glued::Word
        && lowercase_words_before(before, 3).any(|w| CARD_WORDS.contains(&w.as_ref()))
}

/// "fødselsdatoen er 108647, og personnummeret er 16607": a date of birth
/// and the five digits after it, a few words apart, that together pass the
/// check digits of an identity number.
fn split_identity_number(text: &str, date: Option<(usize, usize)>, personal: (usize, usize), out: &mut Vec<Finding>) {
    let Some(date) = date else { return };
    if personal.0 - date.1 > 60 {
        return;
    }
    let joined = format!("{}{}", &text[date.0..date.1], &text[personal.0..personal.1]);
    if is_national_identity_number(&joined) {
        out.push((EntityKind::NationalIdentityNumber, date.0, date.1));
        out.push((EntityKind::NationalIdentityNumber, personal.0, personal.1));
    }
}

/// What a run of digits is glued to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Glued {
    Nothing,
    /// A short word typed without its space: "er", "og", "kl", "tlf".
    ShortWord,
    Word,
}

/// Words a number is often typed against without a space: short words, and
/// the words that announce a number ("kortnr4751…", "kontonr8601…").
const SHORT_WORDS: &[&str] = &[
    "er",
    "og",
    "kl",
    "tlf",
    "tel",
    "mob",
    "nr",
    "is",
    "and",
    "or",
    "eller",
    "på",
    "pa",
    "til",
    "konto",
    "fnr",
    "kort",
    "kortnr",
    "kortnummer",
    "card",
    "kontonr",
    "kontonummer",
    "account",
    "tlfnr",
    "mobil",
    "mobilnr",
    "telefon",
    "telefonnr",
    "pnr",
    "personnr",
    "fødselsnr",
    "nummer",
];

/// What the letters next to a run are, read outward from it.
fn glued_word(outward: impl Iterator<Item = char>) -> Glued {
    let letters: String = outward.take_while(|c| c.is_alphanumeric()).take(12).collect();
    if letters.is_empty() {
        return Glued::Nothing;
    }
    // Read outward, the letters before a run come reversed: try both ways.
    let lower = letters.to_lowercase();
    let reversed: String = lower.chars().rev().collect();
    if SHORT_WORDS.contains(&lower.as_str()) || SHORT_WORDS.contains(&reversed.as_str()) {
        Glued::ShortWord
    } else {
        Glued::Word
    }
}

/// The digit groups of the run starting at `start` into `groups`, for each
/// separator whether it is words into `worded` (both emptied first), and the
/// byte where the run ends.
fn scan_run(text: &str, start: usize, groups: &mut Vec<Group>, worded: &mut Vec<bool>) -> usize {
    let bytes = text.as_bytes();
    groups.clear();
    worded.clear();
    let mut at = start;
    loop {
        let group_start = at;
        while at < bytes.len() && bytes[at].is_ascii_digit() {
            at += 1;
        }
        groups.push(Group {
            start: group_start,
            end: at,
        });
        let digit_after = |len: usize| bytes.get(at + len).is_some_and(u8::is_ascii_digit);
        let joined = match separator_len(&bytes[at..]).filter(|&len| digit_after(len)) {
            Some(len) => Some((len, false)),
            None => connector_len(&text[at..])
                .filter(|&len| digit_after(len))
                .map(|len| (len, true)),
        };
        let Some((len, words)) = joined else {
            return at;
        };
        worded.push(words);
        at += len;
    }
}

/// Words that join the parts of one number as people dictate it ("og så",
/// "punktum", "then", "dot", "og så personnummeret"), with commas and dashes
/// around them: at most four words and 48 bytes, before the next digit.
fn connector_len(rest: &str) -> Option<usize> {
    const WORDS: &[&str] = &[
        "og",
        "å",
        "så",
        "saa",
        "deretter",
        "etterpå",
        "punktum",
        "prikk",
        "komma",
        "strek",
        "bindestrek",
        "mellomrom",
        "and",
        "then",
        "finally",
        "lastly",
        "dot",
        "point",
        "dash",
        "hyphen",
        "space",
        "personnummeret",
        "personnummer",
        "resten",
        "the",
        "rest",
        "last",
        "five",
        "fem",
        "siste",
        "er",
        "is",
    ];
    // It starts apart from the digits before it: a space or a comma.
    if !rest.starts_with([' ', ',']) {
        return None;
    }
    let (mut at, mut words) = (0, 0);
    while at < rest.len() && at <= 48 {
        let tail = &rest[at..];
        at += tail.len()
            - tail
                .trim_start_matches([' ', ',', '-', '\u{2013}', '\u{a0}', ':'])
                .len();
        let tail = &rest[at..];
        if tail.starts_with(|c: char| c.is_ascii_digit()) {
            return (words > 0 && at <= 48).then_some(at);
        }
        let word_len = tail.find(|c: char| !c.is_alphabetic()).unwrap_or(tail.len());
        if word_len == 0 || words == 4 || !WORDS.iter().any(|w| tail[..word_len].eq_ignore_ascii_case(w)) {
            return None;
        }
        at += word_len;
        words += 1;
    }
    None
}

/// The length of a separator between digit groups at the start of `rest`: up
/// to three spaces of any width (a non-breaking space pasted from an online
/// bank, say) and up to two of `. - / ( ) –`, four characters at most.
fn separator_len(rest: &[u8]) -> Option<usize> {
    let (mut len, mut chars, mut spaces, mut marks) = (0, 0, 0, 0);
    while chars < 4 {
        let rest = &rest[len..];
        let (width, is_space) = match rest {
            [b' ', ..] => (1, true),
            [0xC2, 0xA0, ..] => (2, true),                            // no-break space
            [0xE2, 0x80, 0xAF | 0x89 | 0x87 | 0x88, ..] => (3, true), // narrow, thin, figure, punctuation space
            [b'.' | b'-' | b'/' | b'(' | b')', ..] => (1, false),
            [0xE2, 0x80, 0x93 | 0x90 | 0x91, ..] => (3, false), // en dash, hyphens
            _ => break,
        };
        if is_space {
            spaces += 1;
        } else {
            marks += 1;
        }
        if spaces > 3 || marks > 2 {
            break;
        }
        len += width;
        chars += 1;
    }
    (len > 0).then_some(len)
}

impl Run<'_, '_> {
    /// Finds numbers among `groups[from..to]`: the widest range of groups that
    /// is a number wins, then the groups left and right of it are searched.
    fn search(&self, from: usize, to: usize, allowed: &[String], out: &mut Vec<Finding>) {
        let mut best: Option<(usize, usize, EntityKind)> = None;
        for first in from..to {
            let mut digits = 0;
            for last in first..to {
                digits += self.groups[last].len();
                if digits > MAX_DIGITS {
                    break;
                }
                if digits < MIN_DIGITS {
                    continue;
                }
                let wider = best.is_none_or(|(f, l, _)| self.digit_count(f, l) < digits);
                if wider && let Some(kind) = self.kind(first, last, (from, to), allowed) {
                    best = Some((first, last, kind));
                }
            }
        }
        let Some((first, last, kind)) = best else { return };
        let mut start = self.groups[first].start;
        if first == 0 && self.plus {
            start -= 1;
        }
        if kind == EntityKind::Phone && self.text[..start].ends_with('(') {
            start -= 1; // "(555) 123-4567"
        }
        out.push((kind, start, self.groups[last].end));
        self.search(from, first, allowed, out);
        self.search(last + 1, to, allowed, out);
    }

    fn digit_count(&self, first: usize, last: usize) -> usize {
        self.groups[first..=last].iter().map(|g| g.len()).sum()
    }

    /// The digits of groups `first..=last` (at most `MAX_DIGITS`), in `buffer`.
    fn digits<'b>(&self, first: usize, last: usize, buffer: &'b mut [u8; MAX_DIGITS]) -> &'b str {
        let mut len = 0;
        for g in &self.groups[first..=last] {
            let digits = &self.text.as_bytes()[g.start..g.end];
            buffer[len..len + digits.len()].copy_from_slice(digits);
            len += digits.len();
        }
        // Groups hold ASCII digits only.
        std::str::from_utf8(&buffer[..len]).unwrap_or_default()
    }

    /// The separator after group `i`.
    fn separator(&self, i: usize) -> &str {
        &self.text[self.groups[i].end..self.groups[i + 1].start]
    }

    fn lengths(&self, first: usize, last: usize) -> Vec<usize> {
        self.groups[first..=last].iter().map(|g| g.len()).collect()
    }

    /// What groups `first..=last` are, if anything masked; `window` is the
    /// part of the run not yet taken by other numbers.
    fn kind(&self, first: usize, last: usize, window: (usize, usize), allowed: &[String]) -> Option<EntityKind> {
        let mut buffer = [0; MAX_DIGITS];
        let digits = self.digits(first, last, &mut buffer);
        // After "+47 ", the digits are a phone number's, whatever their check
        // digits say, and " / " sets two numbers side by side, unless the
        // groups are those of one identity or account number ("1503 / 37 /
        // 64097", "279045 / 29899").
        let side_by_side = || {
            (first..last).any(|i| self.separator(i).contains(" /"))
                && !matches!(self.lengths(first, last).as_slice(), [6, 5] | [4, 2, 5])
        };
        let after_country_code = (self.plus && first <= 1) || side_by_side();
        if is_national_identity_number(digits) && !after_country_code {
            return Some(EntityKind::NationalIdentityNumber);
        }
        let amount = self.is_amount(first, last);
        if is_account_number(digits) && !amount && !after_country_code {
            return Some(EntityKind::AccountNumber);
        }
        let worded = (first..last).any(|i| self.worded[i]);
        if worded {
            // Dictated in parts: only a number its check digits or its
            // length and prefix vouch for.
            let mobile = digits.len() == 8 && matches!(digits.as_bytes()[0], b'4' | b'9');
            // A card read out four digits at a time ("4784 then 5863 then …").
            let card = digits.len() == 16
                && self.groups[first..=last].iter().all(|g| g.len() == 4)
                && matches!(digits.as_bytes()[0], b'2'..=b'6')
                && is_luhn(digits);
            if card && !self.reference_cue {
                return Some(EntityKind::PaymentCard);
            }
            return (mobile && !self.reference_cue && !is_allowed(digits, allowed)).then_some(EntityKind::Phone);
        }
        if digits.len() >= 13 && matches!(digits.as_bytes()[0], b'2'..=b'6') && is_luhn(digits) && !amount {
            return Some(EntityKind::PaymentCard);
        }
        if is_allowed(digits, allowed) || amount || self.reference_cue {
            return None;
        }
        self.is_phone(first, last, window, digits).then_some(EntityKind::Phone)
    }

    /// A phone number: Norwegian, international with `+` or `00`, or a
    /// foreign national form; never a date, a span of years or a time.
    fn is_phone(&self, first: usize, last: usize, window: (usize, usize), digits: &str) -> bool {
        // Part of a longer run only beside short groups or clock times (office
        // hours after the number, "8-16", "0800-1600"): a piece of a long
        // reference or tracking number written in groups often looks like one.
        // Numbers set side by side with " / " or joined by words are apart.
        let mut from = first;
        while from > window.0 && !self.loose[from - 1] {
            from -= 1;
        }
        let mut to = last;
        while to + 1 < window.1 && !self.loose[to] {
            to += 1;
        }
        let beside_short = (from..first).chain(last + 1..=to).all(|i| self.is_short_or_clock(i));
        // Numbers side by side (" / ") are two numbers, never one; and
        // opening hours ("0800-1600", "08-15") are no part of one.
        if !beside_short || (first..last).any(|i| self.loose[i]) || self.cuts_hours(first, last) {
            return false;
        }
        if self.is_date(first, last)
            || self.is_years(first, last)
            || self.is_time_span(first, last)
            || self.cuts_time_span(first, last)
            || self.is_year_reference(first, last)
            || self.is_mistyped_identity_number(first, last)
        {
            return false;
        }
        let d = digits.as_bytes();
        let plus = first == 0 && self.plus;
        let grouped = last > first;
        if plus {
            return if digits.starts_with("47") {
                d.len() == 10
            } else {
                (8..=15).contains(&d.len())
            };
        }
        if let Some(international) = digits.strip_prefix("00") {
            return !international.starts_with('0')
                && (8..=15).contains(&international.len())
                && (!international.starts_with("47") || international.len() == 10);
        }
        // Norway's country code without its "+": "4791234560".
        if d.len() == 10 && digits.starts_with("47") && matches!(d[2], b'4' | b'9') && (self.phone_cue || !grouped) {
            return true;
        }
        // A trunk digit on its own before a foreign number: "8 612 34567" (Lithuania).
        let trunk_apart = grouped && self.groups[first].len() == 1 && self.separator(first) == " ";
        match d.len() {
            // Norwegian subscriber numbers: 4 and 9 are mobile, 2, 3, 5, 6 and 7
            // fixed lines; 8xx numbers are service numbers, 1xx short codes.
            // A fixed line right after an organisation's name is its own.
            8 => matches!(d[0], b'4' | b'9') || (matches!(d[0], b'2'..=b'7') && !self.organisation),
            // A foreign national form with its trunk 0 (07… in Britain and Sweden).
            10..=12 if d[0] == b'0' && d[1] != b'0' => grouped || self.phone_cue,
            // North American 3-3-4, and 1-3-3-4 with its country code.
            10 if self.lengths(first, last) == [3, 3, 4] && d[0] != b'0' && d[0] != b'1' => true,
            11 if self.lengths(first, last) == [1, 3, 3, 4] && d[0] == b'1' => true,
            // A Chinese mobile, 3-4-4.
            11 if self.lengths(first, last) == [3, 4, 4] && d[0] == b'1' && (b'3'..=b'9').contains(&d[1]) => true,
            // After a phone word, a foreign number without its country code,
            // in groups of two digits or more (a lone digit is an hour, "8-16").
            9..=12 => {
                self.phone_cue
                    && grouped
                    && self.groups[first..=last]
                        .iter()
                        .enumerate()
                        .all(|(n, g)| g.len() >= 2 || (n == 0 && trunk_apart))
            }
            _ => false,
        }
    }

    /// Groups `first..=last` hold a span of hours ("0800-1600", "08–15": two
    /// clock times joined by a dash), unless they are exactly that span after
    /// a phone word: opening hours next to a number, or alone, are no part of
    /// one, but "tlf 2312-0745" is a number.
    fn cuts_hours(&self, first: usize, last: usize) -> bool {
        let clock = |i: usize| {
            let g = self.groups[i];
            let value = self.text[g.start..g.end].parse::<u32>().unwrap_or(9999);
            (g.len() <= 2 && value <= 24) || (g.len() == 4 && value / 100 <= 24 && value % 100 <= 59)
        };
        let dashed = |i: usize| matches!(self.separator(i).trim(), "-" | "\u{2013}");
        (0..self.groups.len().saturating_sub(1))
            .filter(|&i| dashed(i) && clock(i) && clock(i + 1))
            .any(|i| {
                let (start_in, end_in) = ((first..=last).contains(&i), (first..=last).contains(&(i + 1)));
                let whole = first == i && last == i + 1;
                start_in != end_in || (start_in && end_in && !(whole && self.phone_cue))
            })
    }

    /// Groups `first..=last` take in part of opening hours written with
    /// minutes ("Tlf 90 11 27 44 07.30–16.00"): the hours are no digits of
    /// a number.
    fn cuts_time_span(&self, first: usize, last: usize) -> bool {
        (0..self.groups.len().saturating_sub(3)).any(|i| {
            i <= last
                && first <= i + 3
                && matches!(self.separator(i + 1).trim(), "-" | "\u{2013}")
                && self.is_time_span(i, i + 3)
        })
    }

    /// A date of birth and five digits, as an identity number is grouped
    /// ("048551 82988"), whose check digits fail: a mistyped identity number,
    /// not a phone number.
    fn is_mistyped_identity_number(&self, first: usize, last: usize) -> bool {
        if last != first + 1 || self.groups[first].len() != 6 || self.groups[last].len() != 5 {
            return false;
        }
        let g = self.groups[first];
        let pair = |at: usize| self.text[g.start + at..g.start + at + 2].parse::<u32>().unwrap_or(0);
        // A D-number adds 40 to the day, an H-number 40 to the month, and
        // synthetic numbers 80.
        let (day, month) = (pair(0), pair(2));
        (1..=31).contains(&(day % 40)) && (1..=12).contains(&(month % 40))
    }

    /// Group `i` is one or two digits, or a clock time ("0800").
    fn is_short_or_clock(&self, i: usize) -> bool {
        let g = self.groups[i];
        let value = self.text[g.start..g.end].parse::<u32>().unwrap_or(9999);
        g.len() <= 2 || (g.len() == 4 && value / 100 <= 24 && value % 100 <= 59)
    }

    /// A year and a serial number: "2024-0831", "2023/114522".
    fn is_year_reference(&self, first: usize, last: usize) -> bool {
        let g = self.groups[first];
        last > first
            && g.len() == 4
            && matches!(&self.text[g.start..g.start + 2], "19" | "20")
            && matches!(self.separator(first).trim(), "-" | "/")
    }

    /// A date: day, month and year with `.`, `/` or `-`, either order.
    fn is_date(&self, first: usize, last: usize) -> bool {
        if last != first + 2 {
            return false;
        }
        let marks = (first..last).all(|i| {
            let s = self.separator(i).trim();
            s == "." || s == "/" || s == "-"
        });
        let value = |i: usize| {
            self.text[self.groups[i].start..self.groups[i].end]
                .parse::<u32>()
                .unwrap_or(0)
        };
        let (a, b, c) = (value(first), value(first + 1), value(last));
        let lengths = self.lengths(first, last);
        let day_month_year = lengths[0] <= 2 && lengths[1] <= 2 && (1..=31).contains(&a) && (1..=12).contains(&b);
        let year_month_day = lengths == [4, 2, 2] && (1..=12).contains(&b) && (1..=31).contains(&c);
        marks && (day_month_year || year_month_day)
    }

    /// Two or more years side by side ("2022 2023").
    fn is_years(&self, first: usize, last: usize) -> bool {
        last > first
            && self.groups[first..=last]
                .iter()
                .all(|g| g.len() == 4 && matches!(&self.text[g.start..g.start + 2], "19" | "20"))
    }

    /// Opening hours: "20.00-23.00", "09.30 - 15.30".
    fn is_time_span(&self, first: usize, last: usize) -> bool {
        if last != first + 3 || self.lengths(first, last) != [2, 2, 2, 2] {
            return false;
        }
        let value = |i: usize| {
            self.text[self.groups[i].start..self.groups[i].end]
                .parse::<u32>()
                .unwrap_or(99)
        };
        let clock = |h: usize| value(h) <= 24 && value(h + 1) <= 59;
        let dotted = self.separator(first).contains(['.', ':']) && self.separator(first + 2).contains(['.', ':']);
        dotted && clock(first) && clock(first + 2)
    }

    /// An amount written in thousands: "25 000 000 kr", "1.250.000".
    fn is_amount(&self, first: usize, last: usize) -> bool {
        let thousands = last > first
            && self.groups[first].len() <= 3
            && self.groups[first + 1..=last].iter().all(|g| g.len() == 3)
            && (first..last).all(|i| matches!(self.separator(i), " " | "." | "\u{a0}" | "\u{202f}" | "\u{2009}"));
        let round = self.text[self.groups[last].start..self.groups[last].end] == *"000";
        thousands && (round || self.currency)
    }
}

/// A public number, compared by its national part (a country code before an
/// allowed number, or in the allowed number, does not matter).
fn is_allowed(digits: &str, allowed: &[String]) -> bool {
    let national = |d: &str| -> String {
        let d = d.strip_prefix("00").unwrap_or(d);
        match d.strip_prefix("47") {
            Some(rest) if rest.len() == 8 => rest.to_string(),
            _ => d.to_string(),
        }
    };
    let digits = national(digits);
    allowed.iter().any(|a| national(a) == digits)
}

/// A currency word right before or after a number.
fn has_currency(before: &str, after: &str) -> bool {
    let after = after.trim_start_matches([' ', '\u{a0}']);
    if after.starts_with(",-") || after.starts_with(['$', '€', '£']) {
        return true;
    }
    let next: String = after
        .chars()
        .take_while(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    CURRENCY_AFTER.contains(&next.as_str())
        || before.trim_end().ends_with(['$', '€', '£'])
        || CURRENCY_BEFORE.iter().any(|word| ends_with_word(before, word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(&'static str, &str)> {
        let mut out = Vec::new();
        find(text, &["21802180".to_string()], &mut out);
        out.sort_by_key(|f| f.1);
        out.iter().map(|(k, s, e)| (k.id(), &text[*s..*e])).collect()
    }

    #[test]
    fn identity_and_account_numbers_are_found_whatever_separates_their_groups() {
        for written in [
            "12835012180",
            "128350 12180",
            "128350-12180",
            "128350 - 12180",
            "128350\u{a0}12180",
            "128350  12180",
            "12.83.50.121.80",
            "128 350 121 80",
            "128350/12180",
        ] {
            assert_eq!(
                kinds(&format!("fnr {written}.")),
                [("fodselsnummer", written)],
                "{written}"
            );
        }
        for written in [
            "86011117947",
            "8601 11 17947",
            "8601. 11. 17947",
            "8601-11-17947",
            "8601\u{a0}11\u{a0}17947",
        ] {
            assert_eq!(
                kinds(&format!("konto: {written}")),
                [("kontonummer", written)],
                "{written}"
            );
        }
    }

    #[test]
    fn phone_numbers_in_norwegian_and_foreign_forms() {
        for written in [
            "412 62 134",
            "41 26 21 34",
            "412-62-134",
            "41.26.21.34",
            "+47 412 62 134",
            "0047 41262134",
            "+46 70 123 45 67",
            "+48 512 345 678",
            "+44 7700 900123",
            "07700 900123",
            "070-123 45 67",
            "+1 (555) 123-4567",
            "(555) 123-4567",
            "+86 138 0013 8000",
        ] {
            assert_eq!(
                kinds(&format!("du når meg på {written} i dag")),
                [("phone", written)],
                "{written}"
            );
        }
        assert_eq!(kinds("tlf 412 62 134 8-16"), [("phone", "412 62 134")]);
        assert_eq!(kinds("mobil: 512 345 678"), [("phone", "512 345 678")]);
        assert_eq!(kinds("nummeret er 97781240 0800-1600"), [("phone", "97781240")]);
        assert_eq!(
            kinds("0047 934 56 712 / 22 68 41 93"),
            [("phone", "0047 934 56 712"), ("phone", "22 68 41 93")]
        );
        assert_eq!(kinds("det byrjar på 958 og så 04 271"), [("phone", "958 og så 04 271")]);
        assert_eq!(
            kinds("kontoen er 8601 11 og så 17947"),
            [("kontonummer", "8601 11 og så 17947")]
        );
        // Dictated with other words between the groups, glued to a word, after a country code.
        assert_eq!(
            kinds("kontoen: 8601 punktum 11 punktum 17947 takk"),
            [("kontonummer", "8601 punktum 11 punktum 17947")]
        );
        assert_eq!(kinds("konto 86011117947var mors"), [("kontonummer", "86011117947")]);
        assert_eq!(kinds("send sms til93456712 i kveld"), [("phone", "93456712")]);
        assert_eq!(kinds("ring +47 934 56 712 9–15"), [("phone", "+47 934 56 712")]);
        assert_eq!(kinds("tlf 4793456712"), [("phone", "4793456712")]);
        assert_eq!(kinds("nummeret mitt er 93456712 09-15"), [("phone", "93456712")]);
        assert_eq!(
            kinds("tlf 2312-0745"),
            [("phone", "2312-0745")],
            "a landline written 4-4"
        );
        assert!(kinds("åpent 2000-2300 hver dag").is_empty(), "opening hours alone");
        assert_eq!(
            kinds("tlf. 22 68 41 93 / 934 56 712"),
            [("phone", "22 68 41 93"), ("phone", "934 56 712")]
        );
        assert_eq!(
            kinds("Her number is 0171 22233344 after six"),
            [("phone", "0171 22233344")]
        );
    }

    #[test]
    fn references_and_an_organisation_s_own_number_stay() {
        assert!(kinds("order number 5412 7788 0931 2266").is_empty());
        assert!(kinds("Hamar kommune sa jeg skulle ringe 62 56 30 00 i morgen").is_empty());
        assert_eq!(
            kinds("kommunen kan ringe meg på 62 56 30 01"),
            [("phone", "62 56 30 01")]
        );
        // An acronym right before a landline, and whoever was called at it.
        assert!(kinds("Mental Helse MH 33 44 55 66 svarte").is_empty());
        assert!(kinds("jeg ringte Legevakten på 33 44 55 66 i går").is_empty());
        // A person called at a landline keeps it masked, and a mobile is always masked.
        assert_eq!(kinds("jeg ringte Kari på 33 44 55 66"), [("phone", "33 44 55 66")]);
        assert_eq!(kinds("jeg ringte Legevakten på 912 34 567"), [("phone", "912 34 567")]);
    }

    #[test]
    fn identity_and_account_numbers_with_slashes_between_their_groups() {
        assert_eq!(
            kinds("kontoen er 8601 / 11 / 17947"),
            [("kontonummer", "8601 / 11 / 17947")]
        );
        assert_eq!(
            kinds("fnr 128350 / 12180 trur eg"),
            [("fodselsnummer", "128350 / 12180")]
        );
        // Two phone numbers side by side stay two.
        assert_eq!(
            kinds("tlf 934 56 712 / 22 68 41 93"),
            [("phone", "934 56 712"), ("phone", "22 68 41 93")]
        );
    }

    #[test]
    fn numbers_dictated_in_dialect_and_cards_read_out_in_fours() {
        assert_eq!(
            kinds("konto 8601 11 å så 17947"),
            [("kontonummer", "8601 11 å så 17947")]
        );
        assert_eq!(
            kinds("card is 4539 then 5787 then 6362 and finally 1486"),
            [("card", "4539 then 5787 then 6362 and finally 1486")]
        );
        let unchecked = kinds("rom 4539 og så 5787 og så 6362 og så 1487");
        assert!(unchecked.iter().all(|(kind, _)| *kind != "card"), "no check digit");
    }

    #[test]
    fn a_card_glued_to_the_word_after_it() {
        assert_eq!(
            kinds("card no.4539578763621486pls block"),
            [("card", "4539578763621486")]
        );
        assert!(kinds("art.4539578763621486pls").is_empty(), "no word for a card");
    }

    #[test]
    fn references_mistyped_identity_numbers_and_opening_hours_are_no_phones() {
        assert!(kinds("Fakturaen har nummer 07123456789 og er betalt").is_empty());
        assert!(kinds("Det stod ugyldig på 048350 12345, er det feil?").is_empty());
        assert_eq!(kinds("Tlf 91 23 45 67 07.30–16.00"), [("phone", "91 23 45 67")]);
        assert!(kinds("Jeg har ringt Kirkens Kontor på 22 33 44 55 flere ganger").is_empty());
        assert_eq!(
            kinds("Jeg har ringt Kari Hansen på 22 33 44 55"),
            [("phone", "22 33 44 55")]
        );
    }

    #[test]
    fn a_number_typed_against_the_word_that_announces_it() {
        assert_eq!(kinds("kortnr4539578763621486er sperra"), [("card", "4539578763621486")]);
        assert_eq!(kinds("kontonummer86011117947"), [("kontonummer", "86011117947")]);
        assert!(kinds("varenr4539578763621486x").is_empty());
    }

    #[test]
    fn amounts_dates_years_and_times_are_not_phone_numbers() {
        for text in [
            "arven er 25 000 000 kroner",
            "vi fikk 22 450 120 kr",
            "i 2022 2023 og 2024",
            "fra 31.12.2013 til 12.03.2024",
            "dødsdato 2024-03-12",
            "åpent 20.00-23.00",
            "sporingsnummer 4272 1432 5356 0377",
            "saksnummer 21/2141",
            "ring 800 80 000",
            "ring +47 21 80 21 80",
            "ring Trondheim kommune på 72 54 00 00",
            "faktura 2024-0831",
            "KID 00451287331924",
        ] {
            assert_eq!(kinds(text), [], "{text}");
        }
    }
}
