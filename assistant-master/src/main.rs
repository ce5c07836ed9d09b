//! The master assistant process: configuration, tracing, listener, serve.

use std::process::ExitCode;

use clap::Parser;
use veiviser_agency_sdk::{server::shutdown_signal, telemetry};
use veiviser_master::{MasterArgs, serve_with_admin};

#[tokio::main]
async fn main() -> ExitCode {
    let args = MasterArgs::parse();
    telemetry::init(args.log_format);
    let config = match args.config() {
        Ok(config) => config,
        Err(error) => {
            tracing::error!(%error, "invalid configuration");
            return ExitCode::FAILURE;
        }
    };
    let Some(listener) = bind(args.listen).await else {
        return ExitCode::FAILURE;
    };
    let admin = match args.admin_listen {
        Some(address) => match bind(address).await {
            Some(listener) => Some(listener),
            None => return ExitCode::FAILURE,
        },
        None => None,
    };
    match serve_with_admin(listener, admin, config, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "master assistant failed");
            ExitCode::FAILURE
        }
    }
}

async fn bind(address: std::net::SocketAddr) -> Option<tokio::net::TcpListener> {
    match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => Some(listener),
        Err(error) => {
            tracing::error!(%error, %address, "cannot listen");
            None
        }
    }
}
