//! The operations HTTP endpoint: `/metrics` (Prometheus text format),
//! `/unanswered` (the questions routed to clarify or out of scope, counted
//! by the concept their words belong to, per agency: JSON for content
//! owners) and `/healthz`. It holds aggregates only and belongs on an
//! internal network.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::metrics::Metrics;

/// The content type Prometheus and OpenMetrics scrapers expect.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

pub fn router(metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .route("/unanswered", get(unanswered))
        .route("/healthz", get(|| async { "ok\n" }))
        .with_state(metrics)
}

async fn scrape(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, OPENMETRICS)], metrics.encode())
}

/// `{"nav": [{"concept": "…", "outcome": "out-of-scope", "count": 3}], …}`.
async fn unanswered(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    let report: serde_json::Map<String, serde_json::Value> = metrics
        .unanswered_report()
        .into_iter()
        .map(|(owner, rows)| {
            let rows = rows
                .into_iter()
                .map(|(concept, outcome, count)| serde_json::json!({"concept": concept, "outcome": outcome, "count": count}))
                .collect();
            (owner, serde_json::Value::Array(rows))
        })
        .collect();
    axum::Json(report)
}

/// Serves the endpoint on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(crate::http::net::tuned(listener), router(metrics))
        .with_graceful_shutdown(shutdown)
        .await
}
