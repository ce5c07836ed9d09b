//! Wrong desk keys slow the guesser down: after a few wrong keys from one
//! client within a minute, that client is refused for a while, even with the
//! right key, so a key cannot be guessed at thousands a second.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use veiviser_runtime::clock::Clock;

/// Wrong keys from one client allowed within [`WINDOW`].
pub const MAX_WRONG_KEYS: u32 = 5;
/// How far back wrong keys count.
pub const WINDOW: Duration = Duration::from_secs(60);
/// How long a client that reached the limit is refused.
pub const LOCKOUT: Duration = Duration::from_secs(60);
/// Clients remembered at most; beyond it, those with nothing recent are forgotten.
const MAX_CLIENTS: usize = 10_000;

/// What one client did lately.
#[derive(Debug, Clone, Copy)]
struct Client {
    wrong: u32,
    first_wrong: SystemTime,
    locked_until: Option<SystemTime>,
}

/// Counts wrong desk keys per client (by IP address).
#[derive(Debug)]
pub struct DeskKeys {
    clients: Mutex<HashMap<IpAddr, Client>>,
    clock: Arc<dyn Clock>,
}

/// Whether a client may try a key now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Allowed,
    /// Too many wrong keys lately: refused without looking at the key.
    Throttled,
}

impl DeskKeys {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clients: Mutex::new(HashMap::new()),
            clock,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Client>> {
        self.clients.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// May `client` present a key now? (A client without an address is not throttled.)
    pub fn attempt(&self, client: Option<IpAddr>) -> Attempt {
        let Some(client) = client else { return Attempt::Allowed };
        let now = self.clock.now();
        match self.lock().get(&client).and_then(|c| c.locked_until) {
            Some(until) if now < until => Attempt::Throttled,
            _ => Attempt::Allowed,
        }
    }

    /// Records a wrong key from `client`; true when it is now locked out.
    pub fn wrong(&self, client: Option<IpAddr>) -> bool {
        let Some(client) = client else { return false };
        let now = self.clock.now();
        let mut clients = self.lock();
        if clients.len() >= MAX_CLIENTS {
            clients.retain(|_, c| within(now, c.first_wrong, WINDOW) || c.locked_until.is_some_and(|u| now < u));
        }
        let entry = clients.entry(client).or_insert(Client {
            wrong: 0,
            first_wrong: now,
            locked_until: None,
        });
        if !within(now, entry.first_wrong, WINDOW) {
            *entry = Client {
                wrong: 0,
                first_wrong: now,
                locked_until: None,
            };
        }
        entry.wrong += 1;
        if entry.wrong >= MAX_WRONG_KEYS {
            entry.locked_until = Some(now + LOCKOUT);
            entry.wrong = 0;
            entry.first_wrong = now + LOCKOUT;
            return true;
        }
        false
    }

    /// Forgets `client`'s wrong keys after the right one.
    pub fn right(&self, client: Option<IpAddr>) {
        if let Some(client) = client {
            self.lock().remove(&client);
        }
    }
}

fn within(now: SystemTime, since: SystemTime, span: Duration) -> bool {
    now.duration_since(since).map_or(true, |elapsed| elapsed < span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use veiviser_runtime::clock::ManualClock;

    #[test]
    fn a_client_with_too_many_wrong_keys_waits_and_others_do_not() {
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_521_600));
        let keys = DeskKeys::new(Arc::new(clock.clone()));
        let guesser = Some(IpAddr::from([192, 0, 2, 7]));
        let other = Some(IpAddr::from([192, 0, 2, 8]));
        for n in 1..MAX_WRONG_KEYS {
            assert_eq!(keys.attempt(guesser), Attempt::Allowed);
            assert!(!keys.wrong(guesser), "locked after {n}");
        }
        assert!(keys.wrong(guesser), "locked at the limit");
        assert_eq!(keys.attempt(guesser), Attempt::Throttled);
        assert_eq!(keys.attempt(other), Attempt::Allowed);
        clock.advance(LOCKOUT);
        assert_eq!(keys.attempt(guesser), Attempt::Allowed);
        // Wrong keys far apart never lock anyone out.
        for _ in 0..3 * MAX_WRONG_KEYS {
            assert!(!keys.wrong(other));
            clock.advance(WINDOW / (MAX_WRONG_KEYS - 1) + Duration::from_secs(1));
        }
    }
}
