//! The advisor's page over HTTP: the desk the gRPC `AdvisorDesk` serves,
//! for a browser. Signing in opens a server-sent event stream of desk events
//! (the first names the connection); actions are posted to that connection.
//! The desk key, the sign-in checks, masking of replies and the refusals are
//! `AdvisorDeskService`'s, so the page and gRPC tools behave alike.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use veiviser_proto::master::v1::{Close, DeskAction, DeskEvent, HandBack, Reply, SignIn, Take, desk_action};

use super::common::{Connections, Web, WebResult, event_stream};
use crate::error::Error;

/// Actions an advisor may have in flight on one connection; more are refused
/// with 429 until the desk has caught up.
const ACTION_BUFFER: usize = 32;

/// Removes its connection when the event stream is dropped (the page closed
/// or lost the connection). Dropping the action sender ends the advisor's
/// actions, which signs them out and puts their conversations back in the queue.
struct Registered {
    connections: Arc<Connections>,
    connection_id: String,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.connections.lock().remove(&self.connection_id);
    }
}

/// The page shares the citizens' web port, so it needs a desk key even where
/// the gRPC desk runs without one; then the key must be presented.
fn authorize(web: &Web, headers: &HeaderMap, client: SocketAddr) -> Result<(), Error> {
    if web.master.config().advisor_key.is_none() {
        return Err(Error::AdvisorPageOff);
    }
    let authorization = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok());
    web.desk.authorize(authorization, Some(client.ip()))
}

#[derive(Debug, Deserialize)]
pub(super) struct AttendBody {
    agency_id: String,
    advisor_name: String,
}

/// One item of the advisor's event stream: first the connection, then desk events.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum AttendItem {
    Connection { connection_id: String },
    Desk(DeskEvent),
}

/// Signs the advisor in and streams their desk events until they leave.
pub(super) async fn attend(
    State(web): State<Web>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Json<AttendBody>, JsonRejection>,
) -> WebResult<Response> {
    authorize(&web, &headers, client)?;
    let Json(body) = body?;
    let (sender, actions) = mpsc::channel(ACTION_BUFFER);
    let sign_in = SignIn {
        agency_id: body.agency_id,
        advisor_name: body.advisor_name,
    };
    let events = web
        .desk
        .open(&sign_in, ReceiverStream::new(actions).boxed())
        .map_err(tonic::Status::from)?;
    let connection_id = uuid::Uuid::new_v4().simple().to_string();
    web.advisors.lock().insert(connection_id.clone(), sender);
    let registered = Registered {
        connections: Arc::clone(&web.advisors),
        connection_id: connection_id.clone(),
    };
    let first = futures::stream::once(async move { Ok(AttendItem::Connection { connection_id }) });
    let desk_events = ReceiverStream::new(events).map(move |event| {
        // Held by the stream: the connection lives exactly as long as it.
        let _ = &registered;
        event.map(AttendItem::Desk)
    });
    Ok(event_stream(web.closing.clone(), first.chain(desk_events)).into_response())
}

/// What the page may ask of the desk, as JSON:
/// `{"action": "take", "handover_id": ""}` (empty: the longest waiting),
/// `{"action": "reply", "handover_id": "…", "text": "…"}`, `"hand_back"`, `"close"`.
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum ActionBody {
    Take {
        #[serde(default)]
        handover_id: String,
    },
    Reply {
        handover_id: String,
        text: String,
    },
    HandBack {
        handover_id: String,
    },
    Close {
        handover_id: String,
    },
}

impl From<ActionBody> for DeskAction {
    fn from(body: ActionBody) -> Self {
        let action = match body {
            ActionBody::Take { handover_id } => desk_action::Action::Take(Take { handover_id }),
            ActionBody::Reply { handover_id, text } => desk_action::Action::Reply(Reply { handover_id, text }),
            ActionBody::HandBack { handover_id } => desk_action::Action::HandBack(HandBack { handover_id }),
            ActionBody::Close { handover_id } => desk_action::Action::Close(Close { handover_id }),
        };
        DeskAction { action: Some(action) }
    }
}

/// What the page learns when the desk has an action.
#[derive(Debug, Serialize)]
pub(super) struct Accepted {
    /// A reply as the citizen will see it, masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

/// Passes one action to the advisor's connection. 202: the desk has it; a
/// refusal (taken by someone else, not yours …) arrives on the event stream,
/// as it does for gRPC advisors. A reply's length is checked as written (400
/// when too long, so the page keeps the text), then it is masked here already
/// (the desk's masking of it again changes nothing), so the page can show the
/// advisor what the citizen gets.
pub(super) async fn act(
    State(web): State<Web>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(connection_id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<ActionBody>, JsonRejection>,
) -> WebResult<(StatusCode, Json<Accepted>)> {
    authorize(&web, &headers, client)?;
    let Json(mut body) = body?;
    let gone = || Error::AdvisorConnectionGone;
    let sender = web.advisors.sender(&connection_id).ok_or_else(gone)?;
    let mut accepted = Accepted { text: None };
    if let ActionBody::Reply { text, .. } = &mut body {
        *text = web.desk.prepare_reply(text)?;
        accepted.text = Some(text.clone());
    }
    sender.try_send(body.into()).map_err(|error| match error {
        mpsc::error::TrySendError::Full(_) => Error::TooManyActions,
        mpsc::error::TrySendError::Closed(_) => gone(),
    })?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}
