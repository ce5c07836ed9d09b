//! Serving a gRPC service the Veiviser way: on a given listener, behind a
//! tower stack of limits, with gRPC health and reflection beside it, until a
//! shutdown future resolves. Every Veiviser service uses it.

use std::future::Future;
use std::time::Duration;

use tokio::net::TcpListener;
use tonic::server::NamedService;
use tonic::transport::Server;
use tonic::transport::server::{Router, TcpIncoming};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;

use crate::Error;

/// Limits of a gRPC server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// A request that takes longer is cancelled with CANCELLED/DEADLINE_EXCEEDED.
    pub request_timeout: Duration,
    /// Requests in flight across all connections; past it, RESOURCE_EXHAUSTED.
    pub concurrency_limit: usize,
    /// Idle HTTP/2 connections are probed this often so dead peers are noticed.
    pub http2_keepalive: Duration,
    /// Mutual TLS: serve over TLS and accept only clients with a certificate
    /// signed by the configured CA. Plaintext when unset.
    pub tls: Option<crate::tls::TlsPem>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(10),
            concurrency_limit: 256,
            http2_keepalive: Duration::from_secs(30),
            tls: None,
        }
    }
}

/// The tower layers every Veiviser server runs its services behind.
pub type Layers = Stack<Stack<GlobalConcurrencyLimitLayer, Stack<LoadShedLayer, Identity>>, Identity>;

/// A tonic router serving `service` with Veiviser's limits, gRPC health (the
/// service reported SERVING) and reflection. Serve it with [`serve_router`];
/// the reporter lets the caller change the reported health later. Fails
/// only on unusable TLS material. A server that adds more services to the
/// router names them in `also` (full names), so reflection lists them too.
pub async fn router<S>(
    config: &ServerConfig,
    service: S,
    also: &[&'static str],
) -> Result<(Router<Layers>, tonic_health::server::HealthReporter), Error>
where
    S: tower::Service<
            http::Request<tonic::body::Body>,
            Response = http::Response<tonic::body::Body>,
            Error = std::convert::Infallible,
        > + NamedService
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    let layers = ServiceBuilder::new()
        // Refuse at once, with RESOURCE_EXHAUSTED, what the limit below cannot take,
        // instead of queueing without bound.
        .load_shed()
        // Bound the requests in flight across all connections.
        .layer(GlobalConcurrencyLimitLayer::new(config.concurrency_limit))
        .into_inner();
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<S>().await;
    let mut builder = Server::builder();
    if let Some(tls) = &config.tls {
        // Mutual TLS: a client without a certificate from the CA fails the handshake.
        builder = builder.tls_config(tls.server())?;
    }
    let router = builder
        // Cancel requests that run past the deadline (or the client's grpc-timeout, if sooner).
        .timeout(config.request_timeout)
        // Notice dead peers on idle connections.
        .http2_keepalive_interval(Some(config.http2_keepalive))
        .layer(layers)
        .add_service(health_service)
        // Both reflection versions: grpcurl and older clients speak v1alpha.
        .add_service(
            reflection(S::NAME, also)
                .build_v1()
                .expect("the compiled descriptor sets are valid"),
        )
        .add_service(
            reflection(S::NAME, also)
                .build_v1alpha()
                .expect("the compiled descriptor sets are valid"),
        )
        .add_service(service);
    Ok((router, health))
}

/// Reflection lists only the services this server runs, although the
/// descriptor sets describe every Veiviser service.
fn reflection(service: &'static str, also: &[&'static str]) -> tonic_reflection::server::Builder<'static> {
    let builder = also
        .iter()
        .fold(tonic_reflection::server::Builder::configure(), |builder, name| {
            builder.with_service_name(*name)
        });
    builder
        .register_encoded_file_descriptor_set(veiviser_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .with_service_name(service)
        .with_service_name("grpc.health.v1.Health")
        .with_service_name("grpc.reflection.v1.ServerReflection")
        .with_service_name("grpc.reflection.v1alpha.ServerReflection")
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains the
/// requests in flight.
pub async fn serve_router(
    router: Router<Layers>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), Error> {
    // Accepted sockets get TCP_NODELAY here: the builder's own setting only
    // applies to listeners tonic binds itself, and without it every small
    // response waits out the peer's delayed ACK (about 40 ms on Linux).
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    router.serve_with_incoming_shutdown(incoming, shutdown).await?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM: the shutdown future for a process's `main`.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received");
}

/// A service address as a URL: `http://` is added when no scheme is given
/// (`127.0.0.1:50070` → `http://127.0.0.1:50070`).
pub fn url(address: &str) -> String {
    if address.contains("://") {
        address.to_string()
    } else {
        format!("http://{address}")
    }
}
