//! The Veiviser master assistant: the citizen's single entrance to the network
//! of agency assistants.
//!
//! Layers, from the bottom up (each uses only those before it): [`text`],
//! [`language`] and [`content`] (the master's own texts and intents); [`routing`] (what the
//! citizen wants); [`network`] (the live view of the agencies, with the
//! router trained on their cards); [`sessions`] (sessions, retention,
//! transcripts) and [`desk`] (queues of conversations for human advisors);
//! [`state`] (the [`Master`] that holds them); [`handover`] (when and to whom
//! a conversation goes to a human); [`turn`] (answering one message: one
//! agency, referrals, the life-event plan); the transports [`grpc`] and
//! [`http`]; and [`serve`], the only module that knows listeners.
#![forbid(unsafe_code)]

pub mod config;
pub mod content;
pub mod dates;
pub mod desk;
mod error;
pub mod grpc;
pub mod handover;
pub mod http;
pub mod language;
pub mod logs;
pub mod metrics;
pub mod network;
pub mod profiles;
pub mod resolve;
pub mod routing;
pub mod serve;
pub mod sessions;
pub mod state;
pub mod text;
pub mod turn;

pub use config::{MasterArgs, MasterConfig};
pub use error::Error;
pub use serve::{Endpoints, serve, serve_master, serve_with_endpoints};
pub use state::{Master, PurgeReport};
