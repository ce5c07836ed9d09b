//! The `veiviser` command's library: starting the local federation
//! in-process ([`federation`]) with its trust service ([`trust`]), talking to
//! a master ([`client`]), and the stable JSON shape of a one-shot answer
//! ([`output`]), and the advisor's terminal at the desk ([`advisor`]).
#![forbid(unsafe_code)]

pub mod advisor;
pub mod client;
pub mod consent;
pub mod devca;
pub mod federation;
pub mod output;
pub mod trust;
