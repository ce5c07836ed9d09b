//! Serving the master: the only place that knows listeners. gRPC (citizens
//! and advisors) on one, the optional HTTP endpoints (web chat, operations)
//! on their own, all stopped by one shutdown.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use veiviser_proto::master::v1::advisor_desk_server::AdvisorDeskServer;
use veiviser_proto::master::v1::citizen_assistant_server::CitizenAssistantServer;

use crate::config::MasterConfig;
use crate::error::Error;
use crate::grpc::{AdvisorDeskService, CitizenService};
use crate::state::Master;

/// Builds a master from `config` and serves it on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    config: MasterConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    serve_master(listener, Master::new(config).await?, shutdown).await
}

/// The master's HTTP listeners besides gRPC; each is off when `None`.
#[derive(Debug, Default)]
pub struct Endpoints {
    /// Operations: `/metrics` and `/healthz` ([`crate::http::admin`]). Keep it internal.
    pub admin: Option<TcpListener>,
    /// The citizen's web chat ([`crate::http::web`]).
    pub web: Option<TcpListener>,
}

/// Like [`serve`], with the HTTP endpoints on their own listeners.
pub async fn serve_with_endpoints(
    listener: TcpListener,
    endpoints: Endpoints,
    config: MasterConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    let master = Master::new(config).await?;
    // The HTTP endpoints stop when shutdown begins (or when the gRPC server
    // stops for any other reason and the sender is dropped).
    let (stop_http, http_stopped) = tokio::sync::watch::channel(());
    let stopped = move || {
        let mut receiver = http_stopped.clone();
        async move {
            let _ = receiver.changed().await;
        }
    };
    let mut http = tokio::task::JoinSet::new();
    if let Some(admin) = endpoints.admin {
        tracing::info!(address = %admin.local_addr()?, "operations endpoint serving");
        http.spawn(crate::http::admin::serve(
            admin,
            Arc::clone(master.metrics()),
            stopped(),
        ));
    }
    if let Some(web) = endpoints.web {
        tracing::info!(address = %web.local_addr()?, "web chat serving");
        if master.config().operator == crate::config::DEMO_OPERATOR {
            // The privacy statement names who is responsible; a demo's stand-in is no one.
            tracing::warn!("the statements name the demo operator: set --operator and --operator-contact");
        }
        http.spawn(crate::http::web::serve(web, Arc::clone(&master), stopped()));
    }
    let shutdown = async move {
        shutdown.await;
        let _ = stop_http.send(());
    };
    let served = serve_master(listener, master, shutdown).await;
    while let Some(outcome) = http.join_next().await {
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(%error, "http endpoint failed"),
            Err(error) => tracing::error!(%error, "http endpoint panicked"),
        }
    }
    served
}

/// Serves an existing master (tests keep a handle to watch its network).
pub async fn serve_master(
    listener: TcpListener,
    master: Arc<Master>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    let address = listener.local_addr()?;
    // Dropping the sets at the end of this function stops the background tasks.
    let _refresh = master.network().spawn_refresh();
    let _purge = master.spawn_purge();
    if master.config().advisor_key.is_none() {
        tracing::warn!(
            "no advisor desk key: anyone who reaches the grpc port can act as an advisor; the advisor page is off"
        );
    }
    let (router, health) = veiviser_runtime::server::router(
        &master.config().server,
        CitizenAssistantServer::new(CitizenService::new(Arc::clone(&master))),
        &[<AdvisorDeskServer<AdvisorDeskService> as tonic::server::NamedService>::NAME],
    )
    .await?;
    health.set_serving::<AdvisorDeskServer<AdvisorDeskService>>().await;
    // Not ready (readiness probes, balancers) until it knows its agencies.
    if !master.network().started() {
        health.set_not_serving::<CitizenAssistantServer<CitizenService>>().await;
        health
            .set_service_status("", tonic_health::ServingStatus::NotServing)
            .await;
        let (network, health) = (Arc::clone(master.network()), health.clone());
        tokio::spawn(async move {
            network.wait_started().await;
            health.set_serving::<CitizenAssistantServer<CitizenService>>().await;
            health
                .set_service_status("", tonic_health::ServingStatus::Serving)
                .await;
        });
    }
    let router = router.add_service(AdvisorDeskServer::new(AdvisorDeskService::new(Arc::clone(&master))));
    tracing::info!(%address, agencies = master.config().agencies.len(), "master assistant serving");
    let desk_master = Arc::clone(&master);
    let shutdown = async move {
        shutdown.await;
        // Advisors' and citizens' handover streams never end by themselves.
        desk_master.desk().shut_down();
    };
    let served = veiviser_runtime::server::serve_router(router, listener, shutdown).await;
    // Every change since the last save, before the process goes.
    master.save_sessions().await;
    served?;
    tracing::info!("master assistant stopped");
    Ok(())
}
