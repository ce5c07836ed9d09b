//! The masker: runs every finder over a message, keeps the longest of
//! overlapping findings and replaces each by its kind's placeholder.

use crate::kinds::{EntityKind, Found, Masked};
use crate::words::words;
use crate::{address, email, gazetteer, iban, ip, names, numbers};

/// Finds and masks personal data. Public numbers that must stay readable
/// (an agency's switchboard, say) can be allowed.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    /// Digits of numbers never masked as phone numbers.
    allowed_numbers: Vec<String>,
    /// Only these kinds are looked for, when set.
    only: Option<Vec<EntityKind>>,
}

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

    /// Looks for these kinds only (an agency's second check at its door
    /// looks for the numbers a check digit vouches for).
    pub fn only(mut self, kinds: impl IntoIterator<Item = EntityKind>) -> Self {
        self.only = Some(kinds.into_iter().collect());
        self
    }

    fn wants(&self, kinds: &[EntityKind]) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| kinds.iter().any(|k| only.contains(k)))
    }

    /// Loads the name lists now, so that the first message is not slower.
    pub fn warm(&self) {
        gazetteer::warm();
    }

    /// Every piece of personal data in `text`, without overlaps, in order.
    pub fn find(&self, text: &str) -> Vec<Found> {
        use EntityKind::*;
        let mut candidates = Vec::new();
        if self.wants(&[Email]) {
            email::find(text, &mut candidates);
        }
        if self.wants(&[Iban]) {
            iban::find(text, &mut candidates);
        }
        if self.wants(&[IpAddress]) {
            ip::find(text, &mut candidates);
        }
        if self.wants(&[NationalIdentityNumber, AccountNumber, PaymentCard, Phone]) {
            numbers::find(text, &self.allowed_numbers, &mut candidates);
        }
        if self.wants(&[PersonName, Address]) {
            let words = words(text);
            names::find(text, &words, &mut candidates);
            address::find(text, &words, &mut candidates);
        }
        if let Some(only) = &self.only {
            candidates.retain(|(kind, _, _)| only.contains(kind));
        }
        resolve_overlaps(
            candidates
                .into_iter()
                .map(|(kind, start, end)| Found { kind, start, end })
                .collect(),
        )
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
        assert_eq!(nav.mask("ring 55 55 33 33").text, "ring 55 55 33 33");
        assert_eq!(nav.mask("ring +47 55 55 33 33").text, "ring +47 55 55 33 33");
        assert_eq!(mask("ring 55 55 33 33").text, "ring ⟨telefonnummer⟩");
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
