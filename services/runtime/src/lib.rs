//! What every Veiviser service shares, whatever it serves: the gRPC server
//! stack with its limits, health and reflection ([`server`]), mutual TLS
//! ([`tls`]), tracing set-up ([`telemetry`]), W3C trace context
//! ([`trace`]), an injectable clock ([`clock`]), profile-token claims and
//! verification ([`tokens`]), agency identity and signed cards ([`cards`]),
//! and the shutdown signal.
//!
//! Agencies get it through the agency SDK; the master and the trust service
//! use it directly. (The master also reads cards' advisor hours with the
//! SDK's `opening_hours`; the trust service needs nothing of the SDK.)
#![forbid(unsafe_code)]

pub mod args;
pub mod cards;
pub mod clock;
mod error;
pub mod server;
pub mod telemetry;
pub mod tls;
pub mod tokens;
pub mod trace;

pub use error::Error;
pub use server::{ServerConfig, shutdown_signal};
