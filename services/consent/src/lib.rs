//! The Veiviser trust service: citizens log in (a demo login of synthetic
//! people, or an external OpenID Connect issuer), grant agencies access to
//! profile attributes for a purpose, and the master asks for short-lived
//! per-agency profile tokens carrying exactly what was consented to and what
//! the agency declares. Keys are published as a JWKS; every grant, token and
//! use is written to a hash-chained audit log the citizen can inspect.
//!
//! [`trust`] holds the logic, [`store`] and [`audit`] the durable state,
//! [`keys`] the signing keys, [`service`] the gRPC API, [`http`] the JWKS.
//! [`registry`] is the federation's allow-list of agencies, served by
//! [`registry_service`].
#![forbid(unsafe_code)]

pub mod audit;
pub mod config;
mod error;
pub mod http;
pub mod keys;
pub mod people;
pub mod registry;
pub mod registry_service;
mod server;
pub mod service;
pub mod store;
pub mod trust;

pub use config::{ConsentArgs, ConsentConfig, DEMO_REGISTRY_KEY, ExternalIssuer};
pub use error::Error;
pub use server::{cli_main, serve};
pub use trust::Trust;
