//! The Veiviser test kit: the whole network in one process, for the demo and
//! for test suites, ours and an agency's own.
//!
//! - [`federation`]: `Federation::start` runs agency assistants (the built-in
//!   ones from `built_in_assistants`, the courts from `courts_assistant`, or
//!   any `Assistant`) and a master, each on its own listener (`Addresses`:
//!   `ephemeral` on 127.0.0.1:0 for tests, `demo` for the fixed ports),
//!   waits until the master reaches them (`wait_until_ready`), stops and
//!   restarts an agency on the same address (`stop_agency`,
//!   `restart_agency`), and gives the addresses (`master_address`,
//!   `agencies[i].address`) for any gRPC client.
//! - [`trust`]: `TrustProcess::start` runs the trust service (with its
//!   registry) beside them and gives the settings an agency
//!   (`agency_trust`) and the master (`master_link`) need.
//! - [`faulty`]: `FaultyAgency::start` serves an agency that records what it
//!   receives and, on request, spoils its card or answers, refuses as
//!   overloaded or answers late, for testing what a client does with a bad
//!   agency.
//!
//! Everything serves gRPC through the functions the binaries use, so a test
//! runs the production path. A test suite outside this workspace adds
//! `veiviser-testkit` as a path or git dependency; see `testkit/README.md`.
#![forbid(unsafe_code)]

pub mod faulty;
pub mod federation;
pub mod trust;
