//! The `veiviser` command's library: starting the local federation
//! in-process ([`federation`]), talking to a master ([`client`]), and the
//! stable JSON shape of a one-shot answer ([`output`]).
#![forbid(unsafe_code)]

pub mod client;
pub mod federation;
pub mod output;
