//! The master assistant process: configuration, tracing, listener, serve.

use std::process::ExitCode;

use clap::Parser;
use veiviser_master::{Endpoints, MasterArgs, serve_with_endpoints};
use veiviser_runtime::{shutdown_signal, telemetry};

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
    let mut endpoints = Endpoints::default();
    for (address, endpoint) in [
        (args.admin_listen, &mut endpoints.admin),
        (args.web_listen, &mut endpoints.web),
    ] {
        if let Some(address) = address {
            let Some(listener) = bind(address).await else {
                return ExitCode::FAILURE;
            };
            *endpoint = Some(listener);
        }
    }
    match serve_with_endpoints(listener, endpoints, config, shutdown_signal()).await {
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
