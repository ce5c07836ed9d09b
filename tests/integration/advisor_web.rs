//! The advisor page's HTTP API without a browser: the desk key, the sign-in
//! checks and unusable actions get the HTTP status of the gRPC code the desk
//! gives, with a readable message; a refused action arrives on the advisor's
//! event stream, as it does for gRPC advisors.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};
use veiviser_master::MasterConfig;
use veiviser_master::hours::HoursPolicy;

use crate::support::{READY, WebEndpoint, federation_with, master_config};

const DESK_KEY: &str = "http-desk-key";

/// One advisor's open event stream.
struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// The next event's JSON data.
    async fn next(&mut self) -> Value {
        let read = async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    let data: String = block
                        .lines()
                        .filter_map(|line| line.strip_prefix("data:"))
                        .map(str::trim_start)
                        .collect();
                    if !data.is_empty() {
                        return serde_json::from_str(&data).expect("event data is JSON");
                    }
                    continue;
                }
                let chunk = self
                    .response
                    .chunk()
                    .await
                    .expect("stream readable")
                    .expect("stream open");
                self.buffer.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
            }
        };
        tokio::time::timeout(READY, read).await.expect("an event in time")
    }
}

async fn error_of(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let body: Value = response.json().await.expect("JSON error body");
    let field = |name: &str| body[name].as_str().unwrap_or_default().to_string();
    (status, field("code"), field("error"))
}

#[tokio::test]
async fn the_advisor_api_refuses_clearly_and_reports_refusals_on_the_stream() {
    let config = MasterConfig {
        advisor_hours: HoursPolicy::AlwaysOpen,
        advisor_key: Some(DESK_KEY.to_string()),
        ..master_config()
    };
    let federation = federation_with(
        veiviser_cli::federation::built_in_assistants().expect("content"),
        config,
    )
    .await;
    let web = WebEndpoint::start(Arc::clone(&federation.master)).await;
    let http = reqwest::Client::new();
    let attend = |key: &str, body: Value| {
        http.post(web.url("/api/advisor/attend"))
            .bearer_auth(key)
            .json(&body)
            .send()
    };
    let nav = json!({"agency_id": "nav", "advisor_name": "Veileder Per"});

    let (status, code, message) = error_of(attend("wrong", nav.clone()).await.expect("answered")).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
        "{message}"
    );
    for (body, expected_status, expected_code, named) in [
        (
            json!({"agency_id": "nav", "advisor_name": " "}),
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "advisor_name",
        ),
        (
            json!({"agency_id": "domstol", "advisor_name": "Per"}),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "domstol",
        ),
        (
            json!({"agency_id": "skatteetaten", "advisor_name": "Per"}),
            StatusCode::PRECONDITION_FAILED,
            "FAILED_PRECONDITION",
            "skatteetaten",
        ),
        (
            json!({"agency": "nav"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_ARGUMENT",
            "agency_id",
        ),
    ] {
        let (status, code, message) = error_of(attend(DESK_KEY, body.clone()).await.expect("answered")).await;
        assert_eq!(
            (status, code.as_str()),
            (expected_status, expected_code),
            "{body}: {message}"
        );
        assert!(message.contains(named), "{body}: the message names {named}: {message}");
    }

    // Signed in: the first event names the connection, then the queue.
    let response = attend(DESK_KEY, nav).await.expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    let mut events = EventStream {
        response,
        buffer: String::new(),
    };
    let connection = events.next().await["connection_id"]
        .as_str()
        .expect("the connection first")
        .to_string();
    assert!(events.next().await["event"]["queue"].is_object(), "then the queue");

    let actions = web.url(&format!("/api/advisor/{connection}/actions"));
    let act = |key: &str, url: &str, body: Value| http.post(url).bearer_auth(key).json(&body).send();
    let take = json!({"action": "take", "handover_id": "no-such-handover"});
    let (status, code, _) = error_of(act("wrong", &actions, take.clone()).await.expect("answered")).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"));
    let elsewhere = web.url("/api/advisor/not-a-connection/actions");
    let (status, code, message) = error_of(act(DESK_KEY, &elsewhere, take.clone()).await.expect("answered")).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "NOT_FOUND"),
        "{message}"
    );
    assert!(message.contains("sign in again"), "{message}");
    let (status, code, message) = error_of(
        act(DESK_KEY, &actions, json!({"action": "dance"}))
            .await
            .expect("answered"),
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "INVALID_ARGUMENT"),
        "{message}"
    );

    // A well-formed action the desk cannot carry out: accepted here, refused on the stream.
    let accepted = act(DESK_KEY, &actions, take).await.expect("answered");
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    let refused = loop {
        let event = events.next().await;
        if event["event"]["refused"].is_object() {
            break event["event"]["refused"].clone();
        }
    };
    assert_eq!(refused["handover_id"], "no-such-handover");
    assert!(!refused["reason"].as_str().unwrap_or_default().is_empty(), "{refused}");

    drop(events);
    web.stop().await;
    federation.shutdown().await.expect("stops");
}
