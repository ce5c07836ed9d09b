//! The Veiviser agency SDK: everything an agency assistant needs that is not
//! its content.
//!
//! An agency writes its answers as data files ([`content`], format in
//! `CONTENT.md`) and a `main` of a few lines calling [`run`]. The SDK loads and
//! validates the content, matches questions to intents ([`Assistant`]), and
//! serves the `veiviser.agency.v1.AgencyAssistant` contract over gRPC with
//! health, reflection, a tower stack of limits, tracing and graceful shutdown
//! (from `veiviser-runtime`), checking profile tokens and tailoring answers
//! to them. A question that still holds an identity, account or card number
//! is masked again at the agency's door and counted ([`AgencyMetrics`]). The
//! master reads cards' advisor hours with [`opening_hours`], and checks cards
//! and answers with the rules in [`contract`], which the SDK applies to its own
//! card when content loads.
#![forbid(unsafe_code)]

mod assistant;
pub mod config;
pub mod conformance;
pub mod content;
pub mod contract;
mod door;
mod error;
mod metrics;
pub mod opening_hours;
mod profile_gate;
mod run;
mod service;
mod tailoring;

pub use assistant::{Assistant, MAX_QUESTION_CHARS};
pub use config::{AgencyArgs, AgencyConfig, DEFAULT_TOKEN_ACTOR, TrustConfig};
pub use content::{Content, ContentError, EmbeddedContent};
pub use error::Error;
pub use metrics::AgencyMetrics;
pub use run::{run, serve, serve_metrics};

pub use contract::CONTRACT_VERSION;

/// Re-exported so an agency's `main` needs no direct dependency on tokio.
pub use tokio;

/// Builds an [`EmbeddedContent`] from files in the calling crate's `content/`
/// directory, compiled into the binary as the default content.
///
/// ```ignore
/// pub const CONTENT: EmbeddedContent =
///     veiviser_agency_sdk::embed_content!("card.toml", "nb.toml", "nn.toml", "en.toml");
/// ```
#[macro_export]
macro_rules! embed_content {
    ($($file:literal),+ $(,)?) => {
        $crate::EmbeddedContent {
            files: &[$(
                ($file, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/content/", $file))),
            )+],
        }
    };
}
