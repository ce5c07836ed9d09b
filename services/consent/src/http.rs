//! The trust service's HTTP side: the JWKS verifiers fetch, and a minimal
//! OpenID discovery document pointing at it.

use std::future::Future;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use tokio::net::TcpListener;

use crate::trust::Trust;

/// Where the key set is served.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

pub fn router(trust: Arc<Trust>) -> Router {
    Router::new()
        .route(JWKS_PATH, get(jwks))
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .with_state(trust)
}

async fn jwks(State(trust): State<Arc<Trust>>) -> Json<jsonwebtoken::jwk::JwkSet> {
    Json(trust.keys.jwks(trust.now()))
}

async fn discovery(State(trust): State<Arc<Trust>>) -> Json<serde_json::Value> {
    let issuer = trust.config.issuer.trim_end_matches('/');
    Json(serde_json::json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}{JWKS_PATH}"),
        "id_token_signing_alg_values_supported": ["EdDSA"],
    }))
}

/// The trust service's counters, Prometheus text format.
async fn metrics(State(trust): State<Arc<Trust>>) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    let mut text = String::from(
        "# HELP veiviser_trust_registry_refusals_total Registry changes refused, by reason.\n\
         # TYPE veiviser_trust_registry_refusals_total counter\n",
    );
    for (reason, count) in trust.registry.refusals() {
        text.push_str(&format!(
            "veiviser_trust_registry_refusals_total{{reason=\"{reason}\"}} {count}\n"
        ));
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
}

pub async fn serve(
    listener: TcpListener,
    trust: Arc<Trust>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(trust))
        .with_graceful_shutdown(shutdown)
        .await
}
