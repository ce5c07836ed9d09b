//! The body of an agency assistant's `main`: configuration, tracing, content,
//! listener, serve until a shutdown signal.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use clap::Parser;

use crate::server::{serve, shutdown_signal};
use crate::{AgencyArgs, Assistant, Content, EmbeddedContent, telemetry};

/// Runs an agency assistant process with `embedded` as its default content and
/// `default_port` on loopback as its default address. Returns the exit code.
pub fn run(embedded: EmbeddedContent, default_port: u16) -> ExitCode {
    let args = AgencyArgs::parse();
    telemetry::init(args.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            tracing::error!(%error, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run_async(args, embedded, default_port)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "agency assistant failed");
            ExitCode::FAILURE
        }
    }
}

async fn run_async(args: AgencyArgs, embedded: EmbeddedContent, default_port: u16) -> Result<(), crate::Error> {
    let content = match &args.content_dir {
        Some(dir) => Content::from_dir(dir)?,
        None => embedded.load()?,
    };
    let address = args
        .listen
        .unwrap_or_else(|| SocketAddr::from((Ipv4Addr::LOCALHOST, default_port)));
    let listener = tokio::net::TcpListener::bind(address).await?;
    serve(
        listener,
        Assistant::new(content),
        args.server_config()?,
        shutdown_signal(),
    )
    .await
}
