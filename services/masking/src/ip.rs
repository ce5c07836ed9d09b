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
    if text.contains('.') {
        for m in IPV4.find_iter(text) {
            if m.as_str().parse::<Ipv4Addr>().is_ok() {
                out.push((EntityKind::IpAddress, m.start(), m.end()));
            }
        }
    }
    if text.contains(':') {
        for m in IPV6.find_iter(text) {
            let candidate = m.as_str();
            if candidate.matches(':').count() >= 2 && candidate.parse::<Ipv6Addr>().is_ok() {
                out.push((EntityKind::IpAddress, m.start(), m.end()));
            }
        }
    }
}
