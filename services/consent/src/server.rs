//! Running the trust service: gRPC and HTTP listeners, key rotation, and
//! the process entry point shared by every binary that runs it.

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use tokio::net::TcpListener;
use veiviser_proto::consent::v1::trust_service_server::TrustServiceServer;
use veiviser_proto::registry::v1::agency_registry_server::{AgencyRegistryServer, SERVICE_NAME as REGISTRY_SERVICE};
use veiviser_runtime::server::shutdown_signal;
use veiviser_runtime::telemetry;

use crate::config::Command;
use crate::registry_service::RegistryApi;
use crate::service::TrustApi;
use crate::{ConsentArgs, ConsentConfig, Error, Trust};

/// How often the signing keys are re-read from the database.
const KEY_RELOAD: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves `trust` on the gRPC and HTTP listeners until `shutdown` resolves,
/// rotating the signing key every `key_rotation`.
pub async fn serve(
    grpc: TcpListener,
    http: TcpListener,
    trust: Arc<Trust>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    let grpc_address = grpc.local_addr()?;
    let http_address = http.local_addr()?;
    let (stop_http, http_stopped) = tokio::sync::oneshot::channel::<()>();
    let http_task = tokio::spawn(crate::http::serve(http, Arc::clone(&trust), async {
        let _ = http_stopped.await;
    }));
    let mut background = tokio::task::JoinSet::new();
    let rotating = Arc::clone(&trust);
    background.spawn(async move {
        // Every instance re-reads the keys often, so keys another instance
        // created or retired are used and published within seconds; the
        // signing key is replaced only once it is older than the rotation
        // period, so instances sharing a database do not rotate in turn.
        let mut every = tokio::time::interval(KEY_RELOAD);
        loop {
            every.tick().await;
            let rotation = i64::try_from(rotating.config.key_rotation.as_secs()).unwrap_or(i64::MAX);
            if let Err(error) = rotating.keys.rotate_if_older_than(rotating.now(), rotation).await {
                tracing::error!(%error, "key reload or rotation failed");
            }
        }
    });
    let (router, _health) = veiviser_runtime::server::router(
        &trust.config.server,
        TrustServiceServer::new(TrustApi::new(trust.clone())),
        &[REGISTRY_SERVICE],
    )
    .await?;
    let router = router.add_service(AgencyRegistryServer::new(RegistryApi::new(trust.clone())));
    tracing::info!(grpc = %grpc_address, http = %http_address, "trust service serving");
    let served = veiviser_runtime::server::serve_router(router, grpc, shutdown).await;
    let _ = stop_http.send(());
    match http_task.await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::error!(%error, "http endpoint failed"),
        Err(error) => tracing::error!(%error, "http endpoint panicked"),
    }
    tracing::info!("trust service stopped");
    Ok(served?)
}

/// The whole process: parse flags, init tracing, run the command.
pub async fn cli_main() -> ExitCode {
    let args = ConsentArgs::parse();
    telemetry::init(args.log_format);
    match run(&args).await {
        Ok(code) => code,
        Err(error) => {
            tracing::error!(%error, "trust service failed");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &ConsentArgs) -> Result<ExitCode, Error> {
    let config: ConsentConfig = args.config()?;
    let trust = Arc::new(Trust::open(config).await?);
    match args.command.clone().unwrap_or(Command::Serve) {
        Command::VerifyAudit => {
            let report = trust.verify_audit().await?;
            match report.first_broken {
                None => {
                    println!("audit chain intact: {} entries", report.entries);
                    Ok(ExitCode::SUCCESS)
                }
                Some(seq) => {
                    println!("audit chain BROKEN at entry {seq} of {}", report.entries);
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::RotateKey => {
            let kid = trust.keys.rotate(trust.now()).await?;
            println!("new signing key {kid}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve => {
            let grpc = TcpListener::bind(args.listen).await?;
            let http = TcpListener::bind(args.http_listen).await?;
            serve(grpc, http, trust, shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
