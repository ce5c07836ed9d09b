//! What the web endpoint's handlers share: their state ([`Web`]), errors as
//! JSON with the status from the master's error table, server-sent event
//! streams that end at shutdown, and the security headers on every answer.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt};
use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tonic::Code;
use veiviser_proto::master::v1::DeskAction;

use crate::error::Error;
use crate::error::{code_name, http_status};
use crate::grpc::{AdvisorDeskService, CitizenService};
use crate::state::Master;

/// Only the page's own files may run or style it; nothing may frame it.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The chat page (and only it) may be framed by the sites configured to embed it.
pub(super) const EMBEDDABLE_PATH: &str = "/";

/// The policy for the chat page when `origins` may embed it.
fn embeddable_policy(origins: &[String]) -> Option<HeaderValue> {
    if origins.is_empty() {
        return None;
    }
    let ancestors = origins.join(" ");
    // The origins were checked at start-up (config::embed_origin): no quotes, spaces or ';'.
    HeaderValue::from_str(
        &CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", &format!("frame-ancestors {ancestors}")),
    )
    .ok()
}

/// The state every web handler gets: the master and the same services the
/// gRPC API serves, so the web and gRPC check and answer alike.
#[derive(Debug, Clone)]
pub(super) struct Web {
    pub(super) closing: watch::Receiver<bool>,
    pub(super) master: Arc<Master>,
    pub(super) citizen: CitizenService,
    pub(super) desk: AdvisorDeskService,
    pub(super) advisors: Arc<Connections>,
}

/// The open advisor connections of this web endpoint: the sending half of
/// each one's action stream, by connection id.
#[derive(Debug, Default)]
pub(super) struct Connections {
    senders: Mutex<HashMap<String, mpsc::Sender<DeskAction>>>,
}

impl Connections {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::Sender<DeskAction>>> {
        // A panic while holding the map leaves it consistent (single inserts and removes).
        self.senders.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn sender(&self, connection_id: &str) -> Option<mpsc::Sender<DeskAction>> {
        self.lock().get(connection_id).cloned()
    }
}

pub(super) async fn security_headers(
    axum::extract::State(web): axum::extract::State<Web>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let embeddable = request.uri().path() == EMBEDDABLE_PATH;
    let mut response = next.run(request).await;
    let policy = embeddable
        .then(|| embeddable_policy(&web.master.config().embed_origins))
        .flatten()
        .unwrap_or(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // Conversations are personal even when masked: nothing is cached.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// An error for the page: the HTTP status the error table gives its gRPC
/// code, and a short readable message (the same one gRPC clients get).
#[derive(Debug)]
pub(super) struct WebError {
    status: StatusCode,
    code: Code,
    message: String,
}

#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    code: &'a str,
}

impl From<tonic::Status> for WebError {
    fn from(status: tonic::Status) -> Self {
        Self {
            status: http_status(status.code()),
            code: status.code(),
            message: status.message().to_string(),
        }
    }
}

impl From<Error> for WebError {
    fn from(error: Error) -> Self {
        tonic::Status::from(error).into()
    }
}

impl From<JsonRejection> for WebError {
    fn from(rejection: JsonRejection) -> Self {
        // Keep axum's status (400, 413, 415 or 422); the code says what kind of mistake it is.
        Self {
            status: rejection.status(),
            code: Code::InvalidArgument,
            message: format!("the request body is not valid: {}", rejection.body_text()),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: &self.message,
            code: code_name(self.code),
        };
        (self.status, Json(body)).into_response()
    }
}

pub(super) type WebResult<T> = Result<T, WebError>;

/// A stream of protobuf messages as server-sent events, one JSON object each.
/// It ends, with an `error` event saying why, when the endpoint shuts down:
/// an open page must not keep the graceful shutdown waiting.
pub(super) fn event_stream<T: Serialize + Send + 'static>(
    closing: watch::Receiver<bool>,
    messages: impl Stream<Item = Result<T, tonic::Status>> + Send + 'static,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut until_closing = closing.clone();
    // A dropped sender means the endpoint is gone too.
    let closed = async move { _ = until_closing.wait_for(|closing| *closing).await };
    let goodbye = futures::stream::once(async move { *closing.borrow() }).filter_map(|closed| async move {
        closed.then(|| Ok(Event::default().event("error").data("the web chat is shutting down")))
    });
    let events = messages.map(|message| {
        let event = match message {
            Ok(message) => Event::default().json_data(message).unwrap_or_else(|error| {
                tracing::error!(%error, "event could not be encoded");
                Event::default().event("error").data("internal error")
            }),
            Err(status) => Event::default().event("error").data(status.message()),
        };
        Ok(event)
    });
    Sse::new(events.take_until(closed).chain(goodbye)).keep_alive(KeepAlive::default())
}
