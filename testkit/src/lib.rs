//! The Veiviser test kit: the whole network in one process. [`federation`]
//! runs the built-in agency assistants and the master, each on its own
//! listener, and can stop and restart an agency; [`trust`] runs the trust
//! service beside them. `veiviser demo` runs it on fixed loopback ports; test
//! suites, ours and an agency's own, run it on `127.0.0.1:0`.
#![forbid(unsafe_code)]

pub mod federation;
pub mod trust;
