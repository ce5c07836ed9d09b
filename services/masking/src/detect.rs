//! Finding personal data in a message and replacing it by type.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;

use crate::checks::{is_account_number, is_iban, is_luhn, is_national_identity_number};

/// The kinds of personal data that are masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    /// Fødselsnummer, D-number, H-number or synthetic number.
    NationalIdentityNumber,
    AccountNumber,
    Iban,
    PaymentCard,
    Phone,
    Email,
    IpAddress,
    /// A person's name where the context says it is one ("jeg heter …", "min far …").
    PersonName,
    /// A street address with number and postcode.
    Address,
}

impl EntityKind {
    pub const ALL: [EntityKind; 9] = [
        Self::NationalIdentityNumber,
        Self::AccountNumber,
        Self::Iban,
        Self::PaymentCard,
        Self::Phone,
        Self::Email,
        Self::IpAddress,
        Self::PersonName,
        Self::Address,
    ];

    /// A stable lowercase id, for metrics and test data.
    pub fn id(self) -> &'static str {
        match self {
            Self::NationalIdentityNumber => "fodselsnummer",
            Self::AccountNumber => "kontonummer",
            Self::Iban => "iban",
            Self::PaymentCard => "card",
            Self::Phone => "phone",
            Self::Email => "email",
            Self::IpAddress => "ip",
            Self::PersonName => "name",
            Self::Address => "address",
        }
    }

    /// What replaces the data in the text.
    pub fn placeholder(self) -> &'static str {
        match self {
            Self::NationalIdentityNumber => "⟨fødselsnummer⟩",
            Self::AccountNumber => "⟨kontonummer⟩",
            Self::Iban => "⟨iban⟩",
            Self::PaymentCard => "⟨kortnummer⟩",
            Self::Phone => "⟨telefonnummer⟩",
            Self::Email => "⟨e-post⟩",
            Self::IpAddress => "⟨ip-adresse⟩",
            Self::PersonName => "⟨navn⟩",
            Self::Address => "⟨adresse⟩",
        }
    }

    /// Which kind wins when two findings cover the same text equally.
    fn priority(self) -> u8 {
        match self {
            Self::Email => 0,
            Self::Iban => 1,
            Self::NationalIdentityNumber => 2,
            Self::AccountNumber => 3,
            Self::PaymentCard => 4,
            Self::IpAddress => 5,
            Self::Phone => 6,
            Self::Address => 7,
            Self::PersonName => 8,
        }
    }
}

/// One piece of personal data: its kind and byte range in the original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub kind: EntityKind,
    pub start: usize,
    pub end: usize,
}

/// A masked message and what was masked in it (ranges refer to the original).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Masked {
    pub text: String,
    pub found: Vec<Found>,
}

impl Masked {
    /// The kinds masked, each once, in [`EntityKind`] order.
    pub fn kinds(&self) -> Vec<EntityKind> {
        let mut kinds: Vec<EntityKind> = self.found.iter().map(|f| f.kind).collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }
}

/// Finds and masks personal data. Public numbers that must stay readable
/// (an agency's switchboard, say) can be allowed.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    /// Digits of numbers never masked as phone numbers.
    allowed_numbers: Vec<String>,
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9][a-z0-9._%+\-]*@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}\b").expect("valid")
});
static IBAN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}\b").expect("valid"));
/// Digits with single spaces, dots or dashes between them, optionally after `+`.
static NUMBER_RUN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\+?\d(?:[ .\-]?\d)*").expect("valid"));
static IPV4: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b(?:\d{1,3}\.){3}\d{1,3}\b").expect("valid"));
static IPV6: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?:\b|::)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b").expect("valid"));
/// A person's name after words that introduce one: "jeg heter", "my name is",
/// or a relation ("min far", "far min", "my late husband", "bestefar min").
static NAME: LazyLock<Regex> = LazyLock::new(|| {
    let introductions = [
        "jeg heter",
        "eg heiter",
        "jeg het",
        "mitt navn er",
        "navnet mitt er",
        "namnet mitt er",
        "my name is",
        "i am called",
        "i'm called",
        "heter",
        "heiter",
        "named",
        "called",
    ]
    .join("|");
    let relations = [
        "far",
        "mor",
        "bror",
        "søster",
        "syster",
        "mann",
        "mannen",
        "kone",
        "kona",
        "sønn",
        "sønnen",
        "son",
        "sonen",
        "datter",
        "datteren",
        "dotter",
        "dottera",
        "pappa",
        "mamma",
        "bestefar",
        "bestemor",
        "farfar",
        "farmor",
        "morfar",
        "mormor",
        "samboer",
        "samboeren",
        "partner",
        "ektefelle",
        "father",
        "mother",
        "dad",
        "mum",
        "mom",
        "husband",
        "wife",
        "daughter",
        "brother",
        "sister",
        "grandfather",
        "grandmother",
        "grandpa",
        "grandma",
    ]
    .join("|");
    let before = r"(?:my(?: late)?|min(?: avdøde)?|mi(?: avdøde)?|mitt|vår|our(?: late)?)\s+";
    let after = r"(?:\s+(?:min|mi|mitt))";
    // Family words that name a person even without "my" ("mamma Kari").
    let kin = "mamma|pappa|bestefar|bestemor|farfar|farmor|morfar|mormor|grandpa|grandma|dad|mum|mom";
    Regex::new(&format!(
        r"(?i:\b(?:{introductions}|{before}(?:{relations}){after}?|(?:{relations}){after}|{kin}))\s+(\p{{Lu}}\p{{Ll}}+(?:[ \-]\p{{Lu}}\p{{Ll}}+){{0,2}})\b"
    ))
    .expect("valid")
});
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\p{Lu}[\p{L}\-.]+(?: \p{L}[\p{L}\-.]+)? \d{1,4} ?[A-Za-z]?,? \d{4} \p{Lu}[\p{L}\-]*\p{L}\b")
        .expect("valid")
});

impl Masker {
    /// Never masks these numbers (compared by their digits).
    pub fn allow_numbers<S: AsRef<str>>(mut self, numbers: impl IntoIterator<Item = S>) -> Self {
        self.allowed_numbers.extend(
            numbers
                .into_iter()
                .map(|n| n.as_ref().chars().filter(char::is_ascii_digit).collect::<String>())
                .filter(|digits| !digits.is_empty()),
        );
        self
    }

    /// Every piece of personal data in `text`, without overlaps, in order.
    pub fn find(&self, text: &str) -> Vec<Found> {
        let mut candidates = Vec::new();
        let mut add = |kind, start, end| candidates.push(Found { kind, start, end });
        for m in EMAIL.find_iter(text) {
            add(EntityKind::Email, m.start(), m.end());
        }
        for m in IBAN.find_iter(text) {
            if let Some(end) = longest_valid_prefix(m.as_str(), |s| is_iban(&s.replace(' ', ""))) {
                add(EntityKind::Iban, m.start(), m.start() + end);
            }
        }
        for m in IPV4.find_iter(text) {
            if m.as_str().parse::<Ipv4Addr>().is_ok() {
                add(EntityKind::IpAddress, m.start(), m.end());
            }
        }
        for m in IPV6.find_iter(text) {
            let candidate = m.as_str();
            if candidate.matches(':').count() >= 2 && candidate.parse::<Ipv6Addr>().is_ok() {
                add(EntityKind::IpAddress, m.start(), m.end());
            }
        }
        for m in NUMBER_RUN.find_iter(text) {
            // Digits glued to letters ("no54539…", "abc123") are part of a word, not a number.
            let glued_before = text[..m.start()].chars().next_back().is_some_and(char::is_alphanumeric);
            let glued_after = text[m.end()..].chars().next().is_some_and(char::is_alphanumeric);
            if glued_before || glued_after {
                continue;
            }
            for (kind, start, end) in self.numbers_in_run(m.as_str()) {
                add(kind, m.start() + start, m.start() + end);
            }
        }
        for captures in NAME.captures_iter(text) {
            if let Some(name) = captures.get(1) {
                add(EntityKind::PersonName, name.start(), name.end());
            }
        }
        for m in ADDRESS.find_iter(text) {
            add(EntityKind::Address, m.start(), m.end());
        }
        resolve_overlaps(candidates)
    }

    /// Replaces every finding with its placeholder. `found` lists the findings
    /// in the original text. Masking can uncover data that was not
    /// recognisable before (a placeholder ends a word that hid an e-mail
    /// address), so the masked text is masked again until nothing more is
    /// found; that keeps masking idempotent. Every pass that changes the text
    /// turns at least one character outside a placeholder into a placeholder,
    /// so the loop ends within as many passes as the text has characters
    /// (a fuzzer found inputs, long runs of IPv6-like groups, that need more
    /// than the four passes once allowed here).
    pub fn mask(&self, text: &str) -> Masked {
        let found = self.find(text);
        if found.is_empty() {
            // Nothing replaced, so another pass would see the same text.
            return Masked {
                text: text.to_string(),
                found,
            };
        }
        let mut masked = replace(text, &found);
        for _ in 0..=text.chars().count() {
            let more = self.find(&masked);
            if more.is_empty() {
                break;
            }
            let next = replace(&masked, &more);
            if next == masked {
                break;
            }
            masked = next;
        }
        Masked { text: masked, found }
    }

    /// The numbers in one run of digits and separators: every contiguous range
    /// of its groups is tried, longest first, so a valid number next to other
    /// digits is still found and the other digits are left alone.
    fn numbers_in_run(&self, run: &str) -> Vec<(EntityKind, usize, usize)> {
        // Byte ranges of the digit groups between separators.
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut start = None;
        for (i, ch) in run.char_indices() {
            let part_of_group = ch.is_ascii_digit() || (ch == '+' && i == 0);
            match (part_of_group, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    groups.push((s, i));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            groups.push((s, run.len()));
        }
        let mut found = Vec::new();
        self.search_groups(run, &groups, groups.len(), &mut found);
        found
    }

    /// `run_groups` is the number of groups in the whole run: a phone number
    /// must be all of it, since a piece of a longer number written in groups
    /// (a reference or tracking number) often looks like one.
    fn search_groups(
        &self,
        run: &str,
        groups: &[(usize, usize)],
        run_groups: usize,
        found: &mut Vec<(EntityKind, usize, usize)>,
    ) {
        for width in (1..=groups.len()).rev() {
            for first in 0..=groups.len() - width {
                let (start, end) = (groups[first].0, groups[first + width - 1].1);
                let kind = self
                    .number_kind(&run[start..end])
                    .filter(|kind| *kind != EntityKind::Phone || width == run_groups);
                if let Some(kind) = kind {
                    found.push((kind, start, end));
                    self.search_groups(run, &groups[..first], run_groups, found);
                    self.search_groups(run, &groups[first + width..], run_groups, found);
                    return;
                }
            }
        }
    }

    /// What a written number is, judged by its digits and how it is written.
    fn number_kind(&self, written: &str) -> Option<EntityKind> {
        let digits: String = written.chars().filter(char::is_ascii_digit).collect();
        if is_national_identity_number(&digits) {
            return Some(EntityKind::NationalIdentityNumber);
        }
        if is_account_number(&digits) {
            return Some(EntityKind::AccountNumber);
        }
        if digits.len() >= 13 && is_luhn(&digits) {
            return Some(EntityKind::PaymentCard);
        }
        if self
            .allowed_numbers
            .iter()
            .any(|allowed| digits.ends_with(allowed.as_str()))
        {
            return None;
        }
        let spaced_only = written.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '+');
        let phone = if written.starts_with('+') {
            digits.len() == 10 && digits.starts_with("47")
        } else if digits.starts_with("0047") {
            digits.len() == 12
        } else {
            // Norwegian subscriber numbers: 8 digits; 4 and 9 are mobile, 2, 3, 5, 6 and 7
            // fixed lines. 8xx numbers are service numbers, 1xx short codes.
            digits.len() == 8 && matches!(digits.as_bytes()[0], b'2'..=b'7' | b'9')
        };
        (phone && spaced_only).then_some(EntityKind::Phone)
    }
}

/// `text` with each finding replaced by its placeholder.
fn replace(text: &str, found: &[Found]) -> String {
    let mut masked = String::with_capacity(text.len());
    let mut at = 0;
    for f in found {
        masked.push_str(&text[at..f.start]);
        masked.push_str(f.kind.placeholder());
        at = f.end;
    }
    masked.push_str(&text[at..]);
    masked
}

/// The end of the longest prefix of `candidate`, cut at a space, that passes `valid`.
fn longest_valid_prefix(candidate: &str, valid: impl Fn(&str) -> bool) -> Option<usize> {
    let mut ends: Vec<usize> = candidate.match_indices(' ').map(|(i, _)| i).collect();
    ends.push(candidate.len());
    ends.into_iter().rev().find(|&end| valid(&candidate[..end]))
}

/// Keeps the longest findings (then the higher-priority kind) where they overlap.
fn resolve_overlaps(mut candidates: Vec<Found>) -> Vec<Found> {
    candidates.sort_by_key(|f| (std::cmp::Reverse(f.end - f.start), f.kind.priority(), f.start));
    let mut kept: Vec<Found> = Vec::new();
    for candidate in candidates {
        if kept
            .iter()
            .all(|k| candidate.end <= k.start || candidate.start >= k.end)
        {
            kept.push(candidate);
        }
    }
    kept.sort_by_key(|f| f.start);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mask;

    fn kinds(text: &str) -> Vec<&'static str> {
        mask(text).found.iter().map(|f| f.kind.id()).collect()
    }

    #[test]
    fn masks_each_kind_in_its_written_forms() {
        for (text, kind) in [
            ("fnr 12835012180 (syntetisk)", "fodselsnummer"),
            ("d-nummer 418350 12083", "fodselsnummer"),
            ("h-nummer 015280-12120", "fodselsnummer"),
            ("konto 8601 11 17947", "kontonummer"),
            ("konto 8601.11.17947", "kontonummer"),
            ("IBAN NO93 8601 1117 947 takk", "iban"),
            ("kort 4539 5787 6362 1486", "card"),
            ("ring meg på 912 34 567", "phone"),
            ("ring +47 912 34 567", "phone"),
            ("ring 0047 91234567", "phone"),
            ("mail kari.nordmann84@example.no", "email"),
            ("fra 192.0.2.15 i går", "ip"),
            ("fra 2001:db8::1 i går", "ip"),
            ("jeg heter Kari Nordmann", "name"),
            ("mor mi Astrid Berg døydde", "name"),
            ("on behalf of my late husband Olav Nordmann", "name"),
            ("det gjeld bestefar min Terje Brekke", "name"),
            ("skriver for min avdøde mann Lars Brekke", "name"),
            ("bor i Storgata 12, 0155 Oslo", "address"),
        ] {
            assert_eq!(kinds(text), [kind], "{text}");
        }
    }

    #[test]
    fn leaves_amounts_dates_and_public_numbers_alone() {
        for text in [
            "gravferdsstønad er 28 677 kr (2024)",
            "G er 130 160 kroner fra 1. mai 2025",
            "dødsfallet var 12.03.2024, og fristen 31.12.2013 er ute",
            "saksnummer 21/2141 og skjema NAV 07-02.08",
            "postkontoret 0114 Oslo",
            "ring 112, 113 eller 110",
            "Skatteetaten 800 80 000",
            "organisasjonsnummer 889640782",
            "innen 6 måneder eller 10 virkedager, 2,25 G, 80 prosent",
            "12345678901 er ikke gyldig",
            "12835012181 har feil kontrollsiffer",
            "sporingsnummer 4272 1432 5356 0377",
        ] {
            assert_eq!(mask(text).text, text, "{text}");
        }
        let nav = Masker::default().allow_numbers(["55 55 33 33"]);
        assert_eq!(nav.mask("NAV: 55 55 33 33").text, "NAV: 55 55 33 33");
        assert_eq!(mask("NAV: 55 55 33 33").text, "NAV: ⟨telefonnummer⟩");
    }

    /// Found by `cargo fuzz run mask`: a long run of IPv6-like groups needed
    /// more than four passes to reach a fixed point.
    #[test]
    fn long_runs_of_address_like_groups_mask_idempotently() {
        let bytes = b"K_\rP\xff\xff\xff1\xff1:9:9:9:9:4:9:9:9:4:9:9:9::9:9:9:9:4:9:9:9:4:9:9:9::4:9:9:9::9:::41d1:::9::9:9:9:9:4:9:9:9:4:9:d:\x9bdtt";
        let text = String::from_utf8_lossy(bytes);
        let once = mask(&text);
        assert_eq!(mask(&once.text).text, once.text);
        assert!(mask(&once.text).found.is_empty(), "{}", once.text);
    }

    #[test]
    fn replaces_by_type_and_is_idempotent() {
        let text = "jeg heter Ola Dunk, konto 86011117947, ring 91234567 eller ola@example.no";
        let once = mask(text);
        assert_eq!(
            once.text,
            "jeg heter ⟨navn⟩, konto ⟨kontonummer⟩, ring ⟨telefonnummer⟩ eller ⟨e-post⟩"
        );
        assert_eq!(mask(&once.text).text, once.text);
        assert!(mask(&once.text).found.is_empty());
    }

    #[test]
    fn finds_a_valid_number_inside_a_longer_run() {
        let masked = mask("koden 2024 86011117947 2025");
        assert_eq!(masked.text, "koden 2024 ⟨kontonummer⟩ 2025");
    }
}

#[cfg(test)]
mod randomized {
    use crate::mask;

    /// A small deterministic generator (xorshift), so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[(self.next() % items.len() as u64) as usize]
        }
    }

    /// Messages stitched from the pieces masking reacts to (digits, separators,
    /// context words, placeholders, multi-byte letters) never panic, and
    /// masking their masked form changes nothing.
    #[test]
    fn random_messages_never_panic_and_mask_idempotently() {
        let pieces = [
            "1",
            "2",
            "5",
            "8",
            "9",
            "0",
            "47",
            "+",
            "+47",
            "0047",
            " ",
            " ",
            ".",
            "-",
            ",",
            ":",
            "@",
            "NO",
            "93",
            "8601",
            "11",
            "17947",
            "12835012180",
            "4539 5787 6362 1486",
            "jeg heter ",
            "min far ",
            "my late wife ",
            "Kari",
            "Ås",
            "Ærlig",
            "Nordmann",
            "gata ",
            "12, ",
            "0155 ",
            "Oslo",
            "a",
            "ø",
            "å",
            "⟨navn⟩",
            "⟨telefonnummer⟩",
            "192.0.2.",
            "::",
            "2001:db8",
            "kr",
            "\n",
            "mamma ",
            "x@example.no",
        ];
        let mut rng = Rng(0x5eed_1234_abcd_9876);
        for _ in 0..20_000 {
            let length = 1 + rng.next() % 24;
            let message: String = (0..length).map(|_| rng.pick(&pieces)).collect();
            let once = mask(&message);
            for found in &once.found {
                assert!(found.start < found.end && found.end <= message.len(), "{message:?}");
            }
            assert_eq!(mask(&once.text).text, once.text, "not idempotent for {message:?}");
        }
    }
}
