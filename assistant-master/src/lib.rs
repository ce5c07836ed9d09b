//! The Veiviser master assistant: the citizen's single entrance to the network
//! of agency assistants.
//!
//! It keeps a live view of the agencies ([`network`]), learns to route from the
//! example utterances in their cards ([`router`]), answers each question by
//! asking the right agencies and following their referrals
//! ([`conversation`]), merges life-event answers into one plan ([`plan`]),
//! and serves the `veiviser.master.v1.CitizenAssistant` API ([`service`]).
//! Transcripts are kept by the rules in [`retention`] and downloaded in the
//! shapes of [`export`]; [`metrics`] holds the aggregate counters served on
//! the operations endpoint ([`admin`]). Conversations go to human advisors
//! through the [`desk`] ([`handover`] decides when and to whom, [`hours`]
//! when advisors answer), and citizens can chat in the browser ([`web`]).
#![forbid(unsafe_code)]

pub mod admin;
pub mod config;
pub mod content;
pub mod conversation;
pub mod desk;
mod desk_service;
mod error;
pub mod export;
pub mod handover;
pub mod hours;
pub mod metrics;
pub mod network;
pub mod plan;
pub mod profiles;
pub mod retention;
pub mod router;
mod server;
pub mod service;
pub mod sessions;
pub mod web;

pub use config::{MasterArgs, MasterConfig};
pub use error::Error;
pub use server::{Endpoints, Master, serve, serve_master, serve_with_endpoints};
