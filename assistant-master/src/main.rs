//! The master assistant process: configuration, tracing, listener, serve.

use std::process::ExitCode;

use clap::Parser;
use veiviser_agency_sdk::{server::shutdown_signal, telemetry};
use veiviser_master::{MasterArgs, serve};

#[tokio::main]
async fn main() -> ExitCode {
    let args = MasterArgs::parse();
    telemetry::init(args.log_format);
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::error!(%error, address = %args.listen, "cannot listen");
            return ExitCode::FAILURE;
        }
    };
    match serve(listener, args.config(), shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "master assistant failed");
            ExitCode::FAILURE
        }
    }
}
