//! Check-digit validation for Norwegian identity and account numbers, IBAN and
//! payment cards.

/// Digits of `text`, if it is digits only.
#[cfg(test)]
fn digits(text: &str) -> Option<Vec<u32>> {
    text.chars().map(|c| c.to_digit(10)).collect()
}

/// The eleven digits of `text`, if it is eleven digits and nothing else
/// (a digit is one byte, so anything else is not eleven bytes long).
fn eleven_digits(text: &str) -> Option<[u32; 11]> {
    let bytes: &[u8; 11] = text.as_bytes().try_into().ok()?;
    let mut d = [0; 11];
    for (digit, &b) in d.iter_mut().zip(bytes) {
        *digit = char::from(b).to_digit(10)?;
    }
    Some(d)
}

fn weighted(digits: &[u32], weights: &[u32]) -> u32 {
    digits.iter().zip(weights).map(|(d, w)| d * w).sum()
}

/// A fødselsnummer, D-number, H-number or synthetic (Tenor) number: eleven
/// digits, a plausible date once the offsets are removed (D-numbers add 4 to
/// the first digit of the day, H-numbers 4 to the first digit of the month,
/// synthetic numbers 8), and both mod-11 check digits.
///
/// The first check digit follows the rule for numbers issued from 2032: the
/// weighted sum including it may leave a remainder of 0, 1, 2 or 3 (before
/// 2032 only 0 occurs, so older numbers pass too). The second check digit
/// must leave 0.
pub fn is_national_identity_number(text: &str) -> bool {
    let Some(d) = eleven_digits(text) else { return false };
    let mut day = d[0] * 10 + d[1];
    let mut month = d[2] * 10 + d[3];
    if day > 40 {
        day -= 40; // D-number
    }
    match month {
        81..=92 => month -= 80, // synthetic (Tenor)
        41..=52 => month -= 40, // H-number
        _ => {}
    }
    if !(1..=31).contains(&day) || !(1..=12).contains(&month) {
        return false;
    }
    let first = weighted(&d[..10], &[3, 7, 6, 1, 8, 9, 4, 5, 2, 1]) % 11;
    let second = weighted(&d[..11], &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1]) % 11;
    first <= 3 && second == 0
}

/// A Norwegian bank account number: eleven digits with a mod-11 check digit.
pub fn is_account_number(text: &str) -> bool {
    let Some(d) = eleven_digits(text) else { return false };
    let remainder = weighted(&d[..10], &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11;
    let check = match remainder {
        0 => 0,
        1 => return false,
        r => 11 - r,
    };
    check == d[10]
}

/// The length of an IBAN in each country that issues them (the SWIFT IBAN
/// registry).
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NL", 18),
    ("NO", 15),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("SA", 24),
    ("SC", 31),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
];

/// The length of an IBAN of the country whose code starts `text` (in any
/// case), if it is a country with IBANs.
pub(crate) fn iban_length(text: &str) -> Option<usize> {
    IBAN_LENGTHS
        .iter()
        .find(|(code, _)| text.len() >= 2 && text.as_bytes()[..2].eq_ignore_ascii_case(code.as_bytes()))
        .map(|(_, len)| *len)
}

/// An IBAN (spaces removed): a country's code, two check digits, that
/// country's length, and ISO 7064 mod 97-10 equal to 1. Norwegian IBANs must
/// also carry a valid account number.
pub fn is_iban(text: &str) -> bool {
    let text = text.to_ascii_uppercase();
    let bytes = text.as_bytes();
    if iban_length(&text) != Some(bytes.len())
        || !bytes[..2].iter().all(u8::is_ascii_uppercase)
        || !bytes[2..4].iter().all(u8::is_ascii_digit)
        || !bytes.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    if text.starts_with("NO") && (bytes.len() != 15 || !is_account_number(&text[4..])) {
        return false;
    }
    let rearranged = text[4..].chars().chain(text[..4].chars());
    let mut remainder: u32 = 0;
    for ch in rearranged {
        let value = ch.to_digit(36).unwrap_or(0);
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

/// A payment card number: 13 to 19 digits passing the Luhn check.
pub fn is_luhn(text: &str) -> bool {
    // Digits are one byte each: 13 to 19 digits are 13 to 19 bytes.
    if !(13..=19).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = text
        .bytes()
        .rev()
        .map(|b| u32::from(b - b'0'))
        .enumerate()
        .map(|(i, digit)| {
            if i % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a synthetic number with valid check digits from nine digits.
    fn with_checks(first_nine: &str) -> Option<String> {
        let d = digits(first_nine)?;
        let k1 = match 11 - weighted(&d, &[3, 7, 6, 1, 8, 9, 4, 5, 2]) % 11 {
            11 => 0,
            10 => return None,
            k => k,
        };
        let mut ten = d.clone();
        ten.push(k1);
        let k2 = match 11 - weighted(&ten, &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11 {
            11 => 0,
            10 => return None,
            k => k,
        };
        Some(format!("{first_nine}{k1}{k2}"))
    }

    #[test]
    fn accepts_synthetic_d_and_h_numbers_with_valid_checks() {
        let mut accepted = 0;
        for base in ["128350", "418350", "124350", "310199", "010180"] {
            for individual in 100..140 {
                if let Some(number) = with_checks(&format!("{base}{individual}")) {
                    assert!(is_national_identity_number(&number), "{number}");
                    accepted += 1;
                    // One wrong check digit is refused.
                    let mut wrong: Vec<char> = number.chars().collect();
                    wrong[10] = char::from_digit((wrong[10].to_digit(10).unwrap_or(0) + 1) % 10, 10).unwrap_or('0');
                    assert!(!is_national_identity_number(&wrong.iter().collect::<String>()));
                }
            }
        }
        assert!(accepted > 100, "{accepted}");
    }

    #[test]
    fn refuses_impossible_dates() {
        // Valid check digits on day 32 or month 13 are still not a number.
        for base in ["328350", "121350", "007350"] {
            for individual in 100..130 {
                if let Some(number) = with_checks(&format!("{base}{individual}")) {
                    assert!(!is_national_identity_number(&number), "{number}");
                }
            }
        }
    }

    #[test]
    fn from_2032_the_first_check_digit_may_leave_a_remainder_up_to_3() {
        // Numbers whose first check digit leaves remainder 1, 2 or 3 (never
        // issued before 2032) are accepted; the second check must still hold.
        let mut accepted = 0;
        for individual in 100..400u32 {
            let nine: Vec<u32> = format!("128350{individual}")
                .chars()
                .filter_map(|c| c.to_digit(10))
                .collect();
            let base = weighted(&nine, &[3, 7, 6, 1, 8, 9, 4, 5, 2]);
            for remainder in 1..=3 {
                let Some(k1) = (0..10).find(|k| (base + k) % 11 == remainder) else {
                    continue;
                };
                let mut ten = nine.clone();
                ten.push(k1);
                let sum = weighted(&ten, &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
                let Some(k2) = (0..10).find(|k| (sum + k).is_multiple_of(11)) else {
                    continue;
                };
                let number: String = ten.iter().chain([k2].iter()).map(|d| d.to_string()).collect();
                assert!(is_national_identity_number(&number), "{number}");
                accepted += 1;
            }
            // Remainder 4 is never valid.
            if let Some(k1) = (0..10).find(|k| (base + k) % 11 == 4) {
                let mut ten = nine.clone();
                ten.push(k1);
                let sum = weighted(&ten, &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
                if let Some(k2) = (0..10).find(|k| (sum + k).is_multiple_of(11)) {
                    let number: String = ten.iter().chain([k2].iter()).map(|d| d.to_string()).collect();
                    assert!(!is_national_identity_number(&number), "{number}");
                }
            }
        }
        assert!(accepted > 100, "{accepted}");
    }

    #[test]
    fn account_numbers_and_ibans() {
        assert!(is_account_number("86011117947"));
        assert!(!is_account_number("86011117948"));
        assert!(is_iban("NO9386011117947"));
        assert!(!is_iban("NO9386011117948"));
        assert!(is_iban("GB82WEST12345698765432"));
        assert!(!is_iban("NO93860111179"));
    }

    #[test]
    fn luhn() {
        assert!(is_luhn("4539578763621486"));
        assert!(!is_luhn("4539578763621487"));
        assert!(!is_luhn("1234"));
        assert!(!is_luhn("453957876362148x"));
        assert!(!is_luhn("45395787636214٨"));
    }

    #[test]
    fn eleven_digits_and_nothing_else() {
        assert_eq!(eleven_digits("86011117947"), Some([8, 6, 0, 1, 1, 1, 1, 7, 9, 4, 7]));
        for text in [
            "8601111794",
            "860111179470",
            "8601111794x",
            "860111179٤",
            "8601 111794",
            "",
        ] {
            assert_eq!(eleven_digits(text), None, "{text}");
        }
    }
}
