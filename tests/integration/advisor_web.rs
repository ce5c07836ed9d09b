//! The advisor page's HTTP API without a browser: the desk key, the sign-in
//! checks and unusable actions get the HTTP status of the gRPC code the desk
//! gives, with a readable message; a refused action arrives on the advisor's
//! event stream, as it does for gRPC advisors; stopping the endpoint ends the
//! stream instead of waiting for it; without a desk key the page is off; the
//! page gets the master's limits and the proto's enum numbers from /api/config;
//! only the chat page may be framed, by the sites configured to embed it.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};
use veiviser_master::MasterConfig;
use veiviser_master::handover::hours::HoursPolicy;

use crate::support::{READY, WebEndpoint, federation_with, master_config};

const DESK_KEY: &str = "http-desk-key";

/// One advisor's open event stream.
struct EventStream {
    response: reqwest::Response,
    buffer: String,
}

impl EventStream {
    /// Reads to the end of the stream; true if an `error` event came first.
    async fn ended_with_error(mut self) -> bool {
        let read = async {
            while let Some(chunk) = self.response.chunk().await.expect("stream readable") {
                self.buffer.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
            }
            self.buffer.contains("event: error")
        };
        tokio::time::timeout(READY, read)
            .await
            .expect("the stream ends in time")
    }

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

/// Checks a refusal's HTTP status and gRPC code name; returns its message.
async fn refused(response: reqwest::Result<reqwest::Response>, status: StatusCode, code: &str) -> String {
    let response = response.expect("answered");
    let actual = response.status();
    let body: Value = response.json().await.expect("JSON error body");
    let message = body["error"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        (actual, body["code"].as_str().unwrap_or_default()),
        (status, code),
        "{message}"
    );
    assert!(!message.is_empty(), "a readable message");
    message
}

/// The built-in federation, advisors always answering, with its web endpoint.
async fn federation_with_web(desk_key: Option<&str>) -> (veiviser_testkit::federation::Federation, WebEndpoint) {
    let config = MasterConfig {
        advisor_hours: HoursPolicy::AlwaysOpen,
        advisor_key: desk_key.map(str::to_string),
        ..master_config()
    };
    let assistants = veiviser_testkit::federation::built_in_assistants().expect("content");
    let federation = federation_with(assistants, config).await;
    let web = WebEndpoint::start(Arc::clone(&federation.master)).await;
    (federation, web)
}

#[tokio::test]
async fn the_advisor_api_refuses_clearly_and_reports_refusals_on_the_stream() {
    let (federation, web) = federation_with_web(Some(DESK_KEY)).await;
    let http = reqwest::Client::new();
    let attend = |key: &str, body: Value| {
        http.post(web.url("/api/advisor/attend"))
            .bearer_auth(key)
            .json(&body)
            .send()
    };
    let nav = json!({"agency_id": "nav", "advisor_name": "Veileder Per"});

    refused(
        attend("wrong", nav.clone()).await,
        StatusCode::UNAUTHORIZED,
        "UNAUTHENTICATED",
    )
    .await;
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
            "unknown agency",
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
        let message = refused(attend(DESK_KEY, body.clone()).await, expected_status, expected_code).await;
        assert!(message.contains(named), "{body}: the message names {named}: {message}");
        assert!(
            !message.contains("domstol"),
            "the message never echoes the input: {message}"
        );
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
    refused(
        act("wrong", &actions, take.clone()).await,
        StatusCode::UNAUTHORIZED,
        "UNAUTHENTICATED",
    )
    .await;
    let elsewhere = web.url("/api/advisor/not-a-connection/actions");
    let message = refused(
        act(DESK_KEY, &elsewhere, take.clone()).await,
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    assert!(message.contains("sign in again"), "{message}");
    let dance = act(DESK_KEY, &actions, json!({"action": "dance"})).await;
    refused(dance, StatusCode::UNPROCESSABLE_ENTITY, "INVALID_ARGUMENT").await;

    // A well-formed action the desk cannot carry out: accepted here, refused on the stream.
    let accepted = act(DESK_KEY, &actions, take).await.expect("answered");
    assert_eq!(accepted.status(), StatusCode::ACCEPTED);
    let refusal = loop {
        let event = events.next().await;
        if event["event"]["refused"].is_object() {
            break event["event"]["refused"].clone();
        }
    };
    assert_eq!(refusal["handover_id"], "no-such-handover");
    assert!(!refusal["reason"].as_str().unwrap_or_default().is_empty(), "{refusal}");

    // A reply longer than the limit is refused at once, before masking.
    let long = "a".repeat(federation.master.config().max_message_chars + 1);
    let too_long = act(
        DESK_KEY,
        &actions,
        json!({"action": "reply", "handover_id": "no-such-handover", "text": long}),
    )
    .await;
    let message = refused(too_long, StatusCode::BAD_REQUEST, "INVALID_ARGUMENT").await;
    assert!(message.contains("longer than"), "{message}");

    // Stopping the web endpoint ends the open stream, with a reason, and does not wait for it.
    let stopping = tokio::spawn(web.stop());
    assert!(events.ended_with_error().await, "the stream says why it ends");
    stopping.await.expect("stopped");
    federation.shutdown().await.expect("stops");
}

#[tokio::test]
async fn without_a_desk_key_the_advisor_page_is_off() {
    let (federation, web) = federation_with_web(None).await;
    let response = reqwest::Client::new()
        .post(web.url("/api/advisor/attend"))
        .json(&json!({"agency_id": "nav", "advisor_name": "Veileder Per"}))
        .send()
        .await;
    let message = refused(response, StatusCode::PRECONDITION_FAILED, "FAILED_PRECONDITION").await;
    assert!(message.contains("desk key"), "{message}");
    web.stop().await;
    federation.shutdown().await.expect("stops");
}

/// The page repeats no server fact: the message limit, the proto's enum
/// numbers and the forwarded intent come from the master's config.
#[tokio::test]
async fn the_page_learns_limits_and_enum_numbers_from_the_master() {
    let config = MasterConfig {
        max_message_chars: 321,
        ..master_config()
    };
    let assistants = veiviser_testkit::federation::built_in_assistants().expect("content");
    let federation = federation_with(assistants, config).await;
    let web = WebEndpoint::start(Arc::clone(&federation.master)).await;
    let body: Value = reqwest::get(web.url("/api/config"))
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON");
    assert_eq!(body["max_message_chars"], 321);
    assert_eq!(body["max_advisor_name_chars"], veiviser_master::grpc::MAX_ADVISOR_NAME);
    use veiviser_proto::master::v1::{HandoverState, Route};
    assert_eq!(body["routes"]["ROUTE_LIFE_EVENT"], Route::LifeEvent as i32);
    assert_eq!(body["routes"]["ROUTE_HUMAN"], Route::Human as i32);
    assert_eq!(
        body["handover_states"]["HANDOVER_STATE_WITH_ADVISOR"],
        HandoverState::WithAdvisor as i32
    );
    assert_eq!(body["forwarded_intent"], veiviser_master::grpc::FORWARDED_INTENT);
    assert_eq!(
        body["demo_desk_key"], false,
        "no desk key here, so the page names no demo key"
    );
    // The page's own texts, in every language the master speaks, with the same keys.
    let texts = body["texts"].as_object().expect("texts");
    assert_eq!(texts.len(), 3);
    assert!(texts["nn"]["speakerCitizen"].is_string() && texts["en"]["startButton"].is_string());
    web.stop().await;
    federation.shutdown().await.expect("stops");
}

/// DNS rebinding: a page on another site that resolves its name to
/// 127.0.0.1 reaches the chat with its own name in `Host`; the chat answers
/// only to the names it is configured with (loopback by default), refuses
/// the rest with 421 without repeating the name, and counts the refusal.
#[tokio::test]
async fn the_web_chat_answers_only_to_its_own_host_names() {
    let (federation, web) = federation_with_web(None).await;
    let http = reqwest::Client::new();
    let status_for = |host: &'static str| {
        let request = http.get(web.url("/api/config")).header("host", host).send();
        async move { request.await.expect("answered") }
    };
    assert_eq!(status_for("localhost:8080").await.status(), StatusCode::OK);
    assert_eq!(status_for("127.0.0.1").await.status(), StatusCode::OK);
    let refused = status_for("rebind.attacker.example:8080").await;
    assert_eq!(refused.status(), StatusCode::MISDIRECTED_REQUEST);
    assert!(
        !refused.text().await.expect("body").contains("attacker"),
        "the name is not echoed"
    );
    let metrics = crate::support::scrape_metrics(&federation).await;
    assert!(
        metrics.contains("veiviser_master_refusals_total{reason=\"unknown-host\"} 1"),
        "{metrics}"
    );
    web.stop().await;
    federation.shutdown().await.expect("stops");
}

/// Guessing the desk key: after a few wrong keys from one client, that
/// client is refused for a while even with the right key, on the gRPC desk
/// and the advisor page alike (they share the count); refusals are counted
/// and the key is never logged.
#[tokio::test]
async fn wrong_desk_keys_slow_the_guesser_down() {
    use veiviser_master::desk::keys::{LOCKOUT, MAX_WRONG_KEYS};
    let clock = veiviser_runtime::clock::ManualClock::new(
        std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_795_521_600),
    );
    let config = MasterConfig {
        advisor_hours: HoursPolicy::AlwaysOpen,
        advisor_key: Some(DESK_KEY.to_string()),
        clock: Arc::new(clock.clone()),
        ..master_config()
    };
    let assistants = veiviser_testkit::federation::built_in_assistants().expect("content");
    let federation = federation_with(assistants, config).await;
    let web = WebEndpoint::start(Arc::clone(&federation.master)).await;
    let master = federation.master_address.to_string();
    let grpc = |key: &'static str| veiviser_cli::advisor::attend(&master, Some(key), "nav", "Veileder Per");

    for _ in 0..MAX_WRONG_KEYS - 1 {
        let status = grpc("wrong-key").await.expect_err("refused");
        assert_eq!(status.code(), tonic::Code::Unauthenticated);
    }
    // The last wrong key comes through the page: the same client, the same count.
    let response = reqwest::Client::new()
        .post(web.url("/api/advisor/attend"))
        .bearer_auth("another-wrong-key")
        .json(&json!({"agency_id": "nav", "advisor_name": "Veileder Per"}))
        .send()
        .await;
    refused(response, StatusCode::UNAUTHORIZED, "UNAUTHENTICATED").await;
    let status = grpc(DESK_KEY).await.expect_err("throttled, though the key is right");
    assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
    assert!(!status.message().contains(DESK_KEY));

    clock.advance(LOCKOUT);
    grpc(DESK_KEY).await.expect("the right key works once the wait is over");
    let metrics = crate::support::scrape_metrics(&federation).await;
    assert!(
        metrics.contains(&format!(
            "veiviser_master_refusals_total{{reason=\"wrong-desk-key\"}} {MAX_WRONG_KEYS}"
        )),
        "{metrics}"
    );
    assert!(
        metrics.contains("veiviser_master_refusals_total{reason=\"desk-key-throttled\"} 1"),
        "{metrics}"
    );
    web.stop().await;
    federation.shutdown().await.expect("stops");
}

/// Only the chat page may be framed, and only by the sites configured to embed
/// it; /embed.js carries its labels in every language the master speaks.
#[tokio::test]
async fn only_configured_sites_may_frame_the_chat_page() {
    let csp = |response: &reqwest::Response| {
        response
            .headers()
            .get(reqwest::header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let assistants = veiviser_testkit::federation::built_in_assistants().expect("content");
    let closed = federation_with(assistants, master_config()).await;
    let web = WebEndpoint::start(Arc::clone(&closed.master)).await;
    let page = reqwest::get(web.url("/")).await.expect("page");
    assert!(csp(&page).contains("frame-ancestors 'none'"), "{}", csp(&page));
    web.stop().await;
    closed.shutdown().await.expect("stops");

    let config = MasterConfig {
        embed_origins: vec!["https://www.nav.no".into(), "http://localhost:8080".into()],
        ..master_config()
    };
    let assistants = veiviser_testkit::federation::built_in_assistants().expect("content");
    let open = federation_with(assistants, config).await;
    let web = WebEndpoint::start(Arc::clone(&open.master)).await;
    let page = reqwest::get(web.url("/")).await.expect("page");
    assert!(
        csp(&page).contains("frame-ancestors https://www.nav.no http://localhost:8080;"),
        "{}",
        csp(&page)
    );
    for path in ["/advisor", "/api/config", "/personvern"] {
        let other = reqwest::get(web.url(path)).await.expect("answered");
        assert!(
            csp(&other).contains("frame-ancestors 'none'"),
            "{path}: {}",
            csp(&other)
        );
    }
    let script = reqwest::get(web.url("/embed.js")).await.expect("script");
    assert_eq!(
        script
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("text/javascript; charset=utf-8")
    );
    let script = script.text().await.expect("text");
    assert!(!script.contains("__LABELS__"), "the labels are filled in");
    let content = veiviser_master::content::MasterContent::embedded().expect("content");
    for language in content.languages() {
        let label = serde_json::to_string(&language.page["embedOpen"]).expect("json");
        assert!(script.contains(&label), "{}: {label}", language.language);
    }
    web.stop().await;
    open.shutdown().await.expect("stops");
}
