//! The HTTP transports: the citizen's web chat and the advisor page on one
//! listener ([`web`]), operations on another ([`admin`]). Both are thin
//! adapters over the same services the gRPC API uses.

pub mod admin;
mod advisor;
mod common;
mod net;
mod statements;
pub mod web;
