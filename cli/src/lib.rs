//! The `veiviser` command's library: talking to a master ([`client`]), the
//! stable JSON shape of a one-shot answer ([`output`]), the advisor's
//! terminal at the desk ([`advisor`]), masking text from standard input
//! ([`mask`]), consent, the registry of agencies ([`registry`]) and the
//! development CA, the load test with its
//! bare relay ([`loadtest`], [`relay`]), and the fault and soak run ([`soak`]). The
//! in-process federation that `veiviser demo` runs is `veiviser-testkit`.
#![forbid(unsafe_code)]

pub mod advisor;
pub mod client;
pub mod consent;
pub mod devca;
pub mod loadtest;
pub mod mask;
pub mod output;
pub mod registry;
pub mod relay;
pub mod soak;
