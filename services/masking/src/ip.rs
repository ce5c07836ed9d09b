//! IP addresses, version 4 and 6, that parse as such.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;

use crate::kinds::EntityKind;
use crate::numbers::Finding;

static IPV4: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u:\b)(?:\d{1,3}\.){3}\d{1,3}(?-u:\b)").expect("valid"));
static IPV6: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?:(?-u:\b)|::)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?-u:\b)").expect("valid"));

/// Finds the IP addresses in `text`.
pub(crate) fn find(text: &str, out: &mut Vec<Finding>) {
    if might_hold_ipv4(text) {
        for m in IPV4.find_iter(text) {
            if m.as_str().parse::<Ipv4Addr>().is_ok() {
                out.push((EntityKind::IpAddress, m.start(), m.end()));
            }
        }
    }
    if might_hold_ipv6(text) {
        for m in IPV6.find_iter(text) {
            let candidate = m.as_str();
            if candidate.matches(':').count() >= 2 && candidate.parse::<Ipv6Addr>().is_ok() {
                out.push((EntityKind::IpAddress, m.start(), m.end()));
            }
        }
    }
}

/// A digit, a dot and a digit: what every IPv4 address holds. Cheap to look
/// for (dots are found by `memchr`); the pattern runs only when they are there.
fn might_hold_ipv4(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices('.')
        .any(|(at, _)| at > 0 && bytes[at - 1].is_ascii_digit() && bytes.get(at + 1).is_some_and(u8::is_ascii_digit))
}

/// Two colons with at most four hexadecimal digits between them: what
/// every IPv6 address the pattern matches holds.
fn might_hold_ipv6(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut colons = text.match_indices(':').map(|(at, _)| at);
    let Some(mut last) = colons.next() else { return false };
    colons.any(|at| {
        let close = at - last <= 5 && bytes[last + 1..at].iter().all(u8::is_ascii_hexdigit);
        last = at;
        close
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ips(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        find(text, &mut out);
        out.iter().map(|(_, s, e)| &text[*s..*e]).collect()
    }

    #[test]
    fn addresses_of_both_versions() {
        assert_eq!(ips("fra 192.0.2.15 i går"), ["192.0.2.15"]);
        assert_eq!(ips("fra 2001:db8::1 i går"), ["2001:db8::1"]);
        assert!(ips("kl. 12:30, 1.5 kg").is_empty());
    }

    #[test]
    fn the_triggers_hold_wherever_the_patterns_match() {
        let pieces = ["1", "9", "a", "F", "g", ":", "::", ".", " ", "ø", "12345", "K"];
        let mut state = 0x6a09_e667_f3bc_c908_u64;
        for _ in 0..30_000 {
            let mut text = String::new();
            for _ in 0..state % 14 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            if IPV4.is_match(&text) {
                assert!(might_hold_ipv4(&text), "{text:?}");
            }
            if IPV6.is_match(&text) {
                assert!(might_hold_ipv6(&text), "{text:?}");
            }
        }
    }
}
