//! New sessions per client: a token bucket for each client address, so one
//! client cannot open sessions faster than people do while everyone else
//! still can. The client is the peer, or, behind a trusted proxy, the
//! address that proxy says it forwards for.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use veiviser_runtime::clock::Clock;

/// Clients remembered at most; beyond it, those whose bucket is full again are forgotten.
const MAX_CLIENTS: usize = 100_000;

/// How many new sessions a client may start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartRate {
    /// Sessions a client may start in a minute, on average; 0 turns the limit off.
    pub per_minute: u32,
    /// Sessions a client may start at once before the average applies.
    pub burst: u32,
}

impl Default for StartRate {
    /// Generous, since many citizens may share one address (a carrier's or
    /// an office's NAT), and a flood from one address is still held to it.
    fn default() -> Self {
        Self {
            per_minute: 120,
            burst: 240,
        }
    }
}

impl StartRate {
    /// No limit.
    pub const OFF: Self = Self {
        per_minute: 0,
        burst: 0,
    };
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: SystemTime,
}

/// The buckets of the clients seen lately.
#[derive(Debug)]
pub struct SessionStarts {
    rate: StartRate,
    clients: Mutex<HashMap<IpAddr, Bucket>>,
    clock: Arc<dyn Clock>,
}

impl SessionStarts {
    pub fn new(rate: StartRate, clock: Arc<dyn Clock>) -> Self {
        Self {
            rate,
            clients: Mutex::new(HashMap::new()),
            clock,
        }
    }

    /// Takes one start from `client`'s bucket; false when it is empty. A
    /// client without an address (an in-process caller) is not limited.
    pub fn admit(&self, client: Option<IpAddr>) -> bool {
        let (Some(client), true) = (client, self.rate.per_minute > 0) else {
            return true;
        };
        let now = self.clock.now();
        let per_second = f64::from(self.rate.per_minute) / 60.0;
        let burst = f64::from(self.rate.burst.max(1));
        let refill = |bucket: &Bucket| {
            let elapsed = now.duration_since(bucket.at).map_or(0.0, |d| d.as_secs_f64());
            (bucket.tokens + elapsed * per_second).min(burst)
        };
        let client = bucket_key(client);
        let mut clients = self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if clients.len() >= MAX_CLIENTS && !clients.contains_key(&client) {
            clients.retain(|_, bucket| refill(bucket) < burst);
            // Still full: more clients within minutes than the cap. Forgetting
            // them all keeps memory bounded; each starts again with its burst.
            if clients.len() >= MAX_CLIENTS {
                clients.clear();
            }
        }
        let bucket = clients.entry(client).or_insert(Bucket { tokens: burst, at: now });
        let tokens = refill(bucket);
        let admitted = tokens >= 1.0;
        *bucket = Bucket {
            tokens: if admitted { tokens - 1.0 } else { tokens },
            at: now,
        };
        admitted
    }
}

/// The bucket of an address: an IPv6 client holds a whole /64, so its /64 is one client.
fn bucket_key(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::V6(segments.into())
        }
        v4 => v4,
    }
}

/// One hop of `X-Forwarded-For`: an address, maybe with a port or in brackets
/// ("198.51.100.7", "198.51.100.7:5678", "[2001:db8::1]:443").
fn hop_address(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| hop.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
        .map(|address| address.to_canonical())
}

/// The client's address: the peer's, or, when the peer is a trusted proxy,
/// the nearest address in `X-Forwarded-For` (every such header, in order)
/// that is not a trusted proxy.
pub fn client_address<'h>(
    peer: Option<SocketAddr>,
    forwarded_for: impl IntoIterator<Item = &'h str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?.ip().to_canonical();
    let is_trusted = |address: &IpAddr| trusted.iter().any(|t| t.to_canonical() == *address);
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let headers: Vec<&str> = forwarded_for.into_iter().collect();
    let hops = headers.iter().rev().flat_map(|header| header.rsplit(','));
    for hop in hops {
        match hop_address(hop) {
            Some(address) if is_trusted(&address) => continue,
            Some(address) => return Some(address),
            // Unreadable: nothing further left can be trusted either.
            None => break,
        }
    }
    Some(peer)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use veiviser_runtime::clock::ManualClock;

    use super::*;

    fn address(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn a_client_gets_its_burst_then_its_rate_and_others_are_not_touched() {
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000));
        let starts = SessionStarts::new(
            StartRate {
                per_minute: 60,
                burst: 3,
            },
            Arc::new(clock.clone()),
        );
        let flood = Some(address("198.51.100.7"));
        assert_eq!((0..5).filter(|_| starts.admit(flood)).count(), 3, "the burst");
        assert!(starts.admit(Some(address("203.0.113.9"))), "another client is served");
        // One /64 is one IPv6 client, whatever its interface part.
        let v6 = |n: u16| Some(IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 7, 0, 0, 0, n)));
        assert_eq!((1..=5).filter(|n| starts.admit(v6(*n))).count(), 3);
        clock.advance(Duration::from_secs(1));
        assert!(starts.admit(flood), "one a second comes back");
        assert!(!starts.admit(flood));
        assert!(starts.admit(None), "an in-process caller is not limited");
        let off = SessionStarts::new(StartRate::OFF, Arc::new(clock));
        assert!((0..1_000).all(|_| off.admit(flood)));
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxy = address("10.0.0.2");
        let peer = |ip: IpAddr| Some(SocketAddr::new(ip, 443));
        let forwarded = ["203.0.113.9, 198.51.100.7, 10.0.0.2"];
        assert_eq!(
            client_address(peer(proxy), forwarded, &[proxy]),
            Some(address("198.51.100.7")),
            "the nearest untrusted hop"
        );
        assert_eq!(
            client_address(peer(address("192.0.2.1")), forwarded, &[proxy]),
            Some(address("192.0.2.1")),
            "a client that is no proxy cannot choose its address"
        );
        assert_eq!(client_address(peer(proxy), ["not an address"], &[proxy]), Some(proxy));
        assert_eq!(client_address(None, forwarded, &[proxy]), None);
        // A forged first header line and the proxy's own line after it: the proxy's counts.
        assert_eq!(
            client_address(peer(proxy), ["203.0.113.250", "198.51.100.8"], &[proxy]),
            Some(address("198.51.100.8"))
        );
        // Ports and brackets, and a proxy seen as an IPv4-mapped IPv6 address.
        assert_eq!(
            client_address(peer(proxy), ["198.51.100.7:5678"], &[proxy]),
            Some(address("198.51.100.7"))
        );
        assert_eq!(
            client_address(peer(proxy), ["[2001:db8::1]:443"], &[proxy]),
            Some(address("2001:db8::1"))
        );
        assert_eq!(
            client_address(peer(address("::ffff:10.0.0.2")), ["198.51.100.9"], &[proxy]),
            Some(address("198.51.100.9"))
        );
    }
}
