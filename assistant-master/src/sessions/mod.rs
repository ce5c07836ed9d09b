//! Citizen sessions and what becomes of them: the live sessions
//! ([`store`]), how fast one client may start them ([`starts`]), how long an
//! ended transcript is kept ([`retention`]), and the transcript's
//! downloadable shapes ([`export`]).

pub mod export;
pub mod retention;
pub mod starts;
mod store;

pub use store::{ClosedSession, Entry, MAX_TRANSCRIPT_ENTRIES, OfferedChoices, Role, Sessions};

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
