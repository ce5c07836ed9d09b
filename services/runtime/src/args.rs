//! Command-line and environment settings every Veiviser server shares.

use std::time::Duration;

use crate::server::ServerConfig;

/// Limits of a gRPC server, shared by agencies and the master.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    /// Requests taking longer are cancelled (milliseconds).
    #[arg(long, env = "VEIVISER_REQUEST_TIMEOUT_MS", default_value_t = 10_000)]
    pub request_timeout_ms: u64,
    /// Requests served at once; more are refused with RESOURCE_EXHAUSTED.
    #[arg(long, env = "VEIVISER_CONCURRENCY_LIMIT", default_value_t = 256)]
    pub concurrency_limit: usize,
}

impl ServerArgs {
    pub fn server_config(&self) -> ServerConfig {
        ServerConfig {
            request_timeout: Duration::from_millis(self.request_timeout_ms),
            concurrency_limit: self.concurrency_limit.max(1),
            ..ServerConfig::default()
        }
    }
}
