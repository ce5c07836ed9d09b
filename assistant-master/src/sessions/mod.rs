//! Citizen sessions and what becomes of them: the live sessions
//! ([`store`]), the session store that keeps them across restarts and
//! masters ([`durable`], in the shape of [`saved`]), how fast one client may
//! start them ([`starts`]), how long an ended transcript is kept
//! ([`retention`]), and the transcript's downloadable shapes ([`export`]).

pub mod continuity;
pub mod durable;
pub mod export;
pub mod retention;
pub mod saved;
pub mod starts;
mod store;

pub use store::{ClosedSession, Entry, MAX_TRANSCRIPT_ENTRIES, OfferedChoices, Role, Sessions, unix_ms};

/// Why a session was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// The citizen ended it.
    Citizen,
    /// It was idle past the timeout.
    Idle,
    /// The store was full and it had never been used (no message, no
    /// login): it made room for a new citizen.
    Evicted,
}
