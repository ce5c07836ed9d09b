//! The body of an agency assistant's `main`: configuration, tracing, content,
//! listener, serve until a shutdown signal; and [`serve`], the agency's
//! gRPC service on a listener.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use clap::Parser;

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use veiviser_proto::agency::v1::agency_assistant_server::AgencyAssistantServer;
use veiviser_runtime::server::{router, serve_router};
use veiviser_runtime::{shutdown_signal, telemetry};

use crate::config::AgencyConfig;
use crate::profile_gate::ProfileGate;
use crate::service::AgencyService;
use crate::{AgencyArgs, AgencyMetrics, Assistant, Content, EmbeddedContent, Error};

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

async fn run_async(args: AgencyArgs, embedded: EmbeddedContent, default_port: u16) -> Result<(), Error> {
    let content = match &args.content_dir {
        Some(dir) => Content::from_dir(dir)?,
        None => embedded.load()?,
    };
    let address = args
        .listen
        .unwrap_or_else(|| SocketAddr::from((Ipv4Addr::LOCALHOST, default_port)));
    let listener = tokio::net::TcpListener::bind(address).await?;
    let config = args.agency_config()?;
    if let Some(address) = args.metrics_listen {
        let metrics_listener = tokio::net::TcpListener::bind(address).await?;
        tokio::spawn(serve_metrics(
            metrics_listener,
            config.metrics.clone(),
            shutdown_signal(),
        ));
    }
    serve(listener, Assistant::new(content), config, shutdown_signal()).await
}

/// Serves `metrics` at `GET /metrics` on `listener` until `shutdown` resolves.
pub async fn serve_metrics(
    listener: TcpListener,
    metrics: AgencyMetrics,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let address = listener.local_addr()?;
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let metrics = metrics.clone();
            async move {
                (
                    [(http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
                    metrics.encode(),
                )
            }
        }),
    );
    tracing::info!(%address, "agency metrics serving");
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    Ok(())
}

/// Serves an agency assistant on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    assistant: impl Into<Arc<Assistant>>,
    config: AgencyConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    let assistant = assistant.into();
    let agency = assistant.agency_id().to_string();
    let address = listener.local_addr()?;
    let gate = ProfileGate::new(&assistant, config.trust.as_ref(), config.metrics.clone())?;
    let service = AgencyService::new(assistant, config.metrics.clone())
        .with_profile_gate(gate)
        .with_card_key(config.card_key);
    let (router, _health) = router(&config.server, AgencyAssistantServer::new(service), &[]).await?;
    tracing::info!(%agency, %address, "agency assistant serving");
    serve_router(router, listener, shutdown).await?;
    tracing::info!(%agency, "agency assistant stopped");
    Ok(())
}
