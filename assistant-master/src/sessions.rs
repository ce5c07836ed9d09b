//! Citizen sessions: the acknowledgement gate, the session language, and the
//! transcript the citizen can download. Sessions live in memory and expire
//! after a period of inactivity.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use veiviser_proto::master::v1::TranscriptEntry;

use crate::Error;

/// A transcript keeps at most this many entries (200 questions and answers);
/// older ones are dropped first, so a session's memory stays bounded.
pub const MAX_TRANSCRIPT_ENTRIES: usize = 400;

/// Who wrote a transcript entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Citizen,
    Assistant,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::Assistant => "assistant",
        }
    }
}

#[derive(Debug)]
struct Session {
    language: String,
    last_active: Instant,
    transcript: Vec<TranscriptEntry>,
}

/// The open sessions.
#[derive(Debug)]
pub struct Sessions {
    sessions: Mutex<HashMap<String, Session>>,
    idle_timeout: Duration,
    max_sessions: usize,
}

impl Sessions {
    pub fn new(idle_timeout: Duration, max_sessions: usize) -> Self {
        Self {
            sessions: Mutex::new(HashMap::new()),
            idle_timeout,
            max_sessions,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock cannot leave a session half-written
        // (every update is a single push or insert), so a poisoned map is still sound.
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Opens a session and returns its id.
    pub fn start(&self, language: &str) -> Result<String, Error> {
        let mut sessions = self.lock();
        let now = Instant::now();
        if sessions.len() >= self.max_sessions {
            sessions.retain(|_, s| now.duration_since(s.last_active) < self.idle_timeout);
            if sessions.len() >= self.max_sessions {
                return Err(Error::TooManySessions);
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        sessions.insert(
            id.clone(),
            Session {
                language: language.to_string(),
                last_active: now,
                transcript: Vec::new(),
            },
        );
        Ok(id)
    }

    /// The session's language, marking it active; NOT_FOUND if it is unknown or expired.
    pub fn touch(&self, id: &str) -> Result<String, Error> {
        let mut sessions = self.lock();
        let now = Instant::now();
        match sessions.get_mut(id) {
            Some(session) if now.duration_since(session.last_active) < self.idle_timeout => {
                session.last_active = now;
                Ok(session.language.clone())
            }
            Some(_) => {
                sessions.remove(id);
                Err(Error::UnknownSession)
            }
            None => Err(Error::UnknownSession),
        }
    }

    /// Appends to the transcript of a session (ignored if it has ended meanwhile).
    pub fn record(&self, id: &str, role: Role, text: &str, intent: &str, agency_ids: &[String]) {
        if let Some(session) = self.lock().get_mut(id) {
            if session.transcript.len() >= MAX_TRANSCRIPT_ENTRIES {
                session.transcript.remove(0);
            }
            session.transcript.push(TranscriptEntry {
                role: role.as_str().to_string(),
                text: text.to_string(),
                at: rfc3339(SystemTime::now()),
                intent: intent.to_string(),
                agency_ids: agency_ids.to_vec(),
            });
        }
    }

    /// The transcript so far and the session language.
    pub fn transcript(&self, id: &str) -> Result<(String, Vec<TranscriptEntry>), Error> {
        self.touch(id)?;
        let sessions = self.lock();
        let session = sessions.get(id).ok_or(Error::UnknownSession)?;
        Ok((session.language.clone(), session.transcript.clone()))
    }

    /// Ends a session; its transcript is gone afterwards.
    pub fn end(&self, id: &str) -> Result<(), Error> {
        self.lock().remove(id).map(|_| ()).ok_or(Error::UnknownSession)
    }

    pub fn open_count(&self) -> usize {
        self.lock().len()
    }
}

/// Formats a time as RFC 3339 UTC with seconds, without a date library.
fn rfc3339(time: SystemTime) -> String {
    let secs = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (hour, minute, second) = (rest / 3600, rest % 3600 / 60, rest % 60);
    // Civil-from-days (proleptic Gregorian), after Howard Hinnant's algorithm.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        let at = |secs| rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_795_521_600), "2026-11-24T12:00:00Z");
    }

    #[test]
    fn ended_and_expired_sessions_are_unknown() {
        let sessions = Sessions::new(Duration::from_secs(60), 10);
        let id = sessions.start("nb").expect("room");
        assert_eq!(sessions.touch(&id).expect("open"), "nb");
        sessions.end(&id).expect("open");
        assert!(matches!(sessions.touch(&id), Err(Error::UnknownSession)));

        let expiring = Sessions::new(Duration::ZERO, 10);
        let id = expiring.start("en").expect("room");
        assert!(matches!(expiring.touch(&id), Err(Error::UnknownSession)));
    }

    #[test]
    fn refuses_sessions_past_the_limit() {
        let sessions = Sessions::new(Duration::from_secs(60), 2);
        sessions.start("nb").expect("room");
        sessions.start("nb").expect("room");
        assert!(matches!(sessions.start("nb"), Err(Error::TooManySessions)));
        assert_eq!(sessions.open_count(), 2);
    }

    #[test]
    fn transcript_is_bounded_and_keeps_the_newest() {
        let sessions = Sessions::new(Duration::from_secs(60), 10);
        let id = sessions.start("nb").expect("room");
        for n in 0..MAX_TRANSCRIPT_ENTRIES + 3 {
            sessions.record(&id, Role::Citizen, &n.to_string(), "", &[]);
        }
        let (_, entries) = sessions.transcript(&id).expect("open");
        assert_eq!(entries.len(), MAX_TRANSCRIPT_ENTRIES);
        assert_eq!(entries[0].text, "3");
        assert_eq!(entries.last().map(|e| e.text.as_str()), Some("402"));
    }

    #[test]
    fn transcript_keeps_entries_in_order() {
        let sessions = Sessions::new(Duration::from_secs(60), 10);
        let id = sessions.start("nn").expect("room");
        sessions.record(&id, Role::Citizen, "spørsmål", "", &[]);
        sessions.record(&id, Role::Assistant, "svar", "nav/x", &["nav".to_string()]);
        let (language, entries) = sessions.transcript(&id).expect("open");
        assert_eq!(language, "nn");
        let roles: Vec<&str> = entries.iter().map(|e| e.role.as_str()).collect();
        assert_eq!(roles, ["citizen", "assistant"]);
        assert_eq!(entries[1].agency_ids, ["nav"]);
    }
}
