//! The citizen's chat window in the browser: the page (HTML, CSS and
//! JavaScript compiled into the binary, no build step) and a small JSON API
//! over the same service the gRPC API serves, so validation, masking,
//! metrics and error codes are the ones gRPC clients get. Answers and
//! handover events stream to the page as server-sent events. The advisor's
//! page (`/advisor`, [`advisor`]) is served next to it.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tonic::Request;
use veiviser_proto::agency::v1::{AdvisorHours, Contact};
use veiviser_proto::consent::v1::trust_service_client::TrustServiceClient;
use veiviser_proto::consent::v1::{DemoLoginRequest, ListDemoPeopleRequest};
use veiviser_proto::master::v1::citizen_assistant_server::CitizenAssistant;
use veiviser_proto::master::v1::{
    AskRequest, EndSessionRequest, ExportTranscriptRequest, HandoverState, LeaveHandoverRequest, ListAgenciesRequest,
    RequestHumanRequest, Route, StartSessionRequest, TranscriptFormat, WatchHandoverRequest,
};

use super::advisor;
use super::common::{Web, WebError, WebResult, event_stream, security_headers};
use super::net::tuned;
use super::statements;
use crate::error::Error;
use crate::grpc::AdvisorDeskService;
use crate::grpc::{CitizenService, FORWARDED_INTENT, MAX_ADVISOR_NAME};
use crate::state::Master;
use crate::text::localized;

const INDEX_HTML: &str = include_str!("../../assets/index.html");
const APP_JS: &str = include_str!("../../assets/app.js");
const HTTP_JS: &str = include_str!("../../assets/http.js");
const ADVISOR_HTML: &str = include_str!("../../assets/advisor.html");
const ADVISOR_JS: &str = include_str!("../../assets/advisor.js");
const APP_CSS: &str = include_str!("../../assets/app.css");
const EMBED_JS: &str = include_str!("../../assets/embed.js");

/// Serves the web chat on `listener` until `shutdown` resolves; then every
/// open event stream ends (see [`event_stream`]).
pub async fn serve(
    listener: TcpListener,
    master: Arc<Master>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (close, closing) = watch::channel(false);
    let shutdown = async move {
        shutdown.await;
        close.send_replace(true);
    };
    // The client's address reaches the handlers, for throttling wrong desk keys.
    let app = router(master, closing).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(tuned(listener), app).with_graceful_shutdown(shutdown).await
}

/// The page and its API; `closing` turns true when the endpoint shuts down.
pub fn router(master: Arc<Master>, closing: watch::Receiver<bool>) -> Router {
    let state = Web {
        closing,
        citizen: CitizenService::new(Arc::clone(&master)),
        desk: AdvisorDeskService::new(Arc::clone(&master)),
        advisors: Arc::default(),
        master,
    };
    Router::new()
        .route("/", get(|| async { page("text/html; charset=utf-8", INDEX_HTML) }))
        .route(
            "/app.js",
            get(|| async { page("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route("/app.css", get(|| async { page("text/css; charset=utf-8", APP_CSS) }))
        .route(
            "/http.js",
            get(|| async { page("text/javascript; charset=utf-8", HTTP_JS) }),
        )
        .route(
            "/advisor",
            get(|| async { page("text/html; charset=utf-8", ADVISOR_HTML) }),
        )
        .route(
            "/advisor.js",
            get(|| async { page("text/javascript; charset=utf-8", ADVISOR_JS) }),
        )
        .route("/embed.js", get(embed_script))
        .route(statements::PRIVACY_PATH, get(statements::privacy))
        .route(statements::ACCESSIBILITY_PATH, get(statements::accessibility))
        // No icon: an empty answer keeps browsers from logging a 404.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/api/config", get(config))
        .route("/api/people", get(people))
        .route("/api/login", post(login))
        .route("/api/agencies", get(agencies))
        .route("/api/consents/{agency_id}", put(consent))
        .route("/api/sessions", post(start_session))
        .route("/api/sessions/{id}", axum::routing::delete(end_session))
        .route("/api/sessions/{id}/messages", post(ask))
        .route("/api/sessions/{id}/human", post(request_human))
        .route("/api/sessions/{id}/handover", get(watch_handover))
        .route("/api/sessions/{id}/leave-handover", post(leave_handover))
        .route("/api/sessions/{id}/transcript", get(transcript))
        .route("/api/transcripts/{token}", get(archived_transcript))
        .route("/api/advisor/attend", post(advisor::attend))
        .route("/api/advisor/{connection}/actions", post(advisor::act))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security_headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), known_host))
        .with_state(state)
}

/// Refuses a request whose `Host` (or HTTP/2 authority) is not one of the
/// configured names, with 421 and no echo of the name; logged and counted.
async fn known_host(State(web): State<Web>, request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    let known = host.is_some_and(|host| {
        let name = host_name(host);
        web.master
            .config()
            .web_hosts
            .iter()
            .any(|allowed| allowed.eq_ignore_ascii_case(name))
    });
    if known {
        return next.run(request).await;
    }
    tracing::warn!(reason = "unknown-host", "web request refused");
    crate::metrics::Metrics::count(&web.master.metrics().refusals, "unknown-host");
    (
        StatusCode::MISDIRECTED_REQUEST,
        "this service does not answer to that host name\n",
    )
        .into_response()
}

/// The name in a `Host` value, without its port: "localhost:8080" → "localhost",
/// "[::1]:8080" → "[::1]".
fn host_name(host: &str) -> &str {
    match host.rfind(':') {
        Some(colon) if !host[colon..].contains(']') => &host[..colon],
        _ => host,
    }
}

/// The script an agency's site includes to open this chat in a panel, with
/// its three labels in every language the master speaks.
async fn embed_script(State(web): State<Web>) -> Response {
    let labels: BTreeMap<&str, BTreeMap<&str, &str>> = web
        .master
        .content()
        .languages()
        .map(|language| {
            let named = [("open", "embedOpen"), ("close", "embedClose"), ("title", "embedTitle")]
                .map(|(name, key)| (name, language.page_text(key)));
            (language.language.as_str(), named.into_iter().collect())
        })
        .collect();
    // JSON is a JavaScript expression; the labels are the master's own content.
    let labels = serde_json::to_string(&labels).unwrap_or_else(|_| "{}".into());
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        EMBED_JS.replacen("__LABELS__", &labels, 1),
    )
        .into_response()
}

fn page(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// What the page must know of this master and of the contract, so that it
/// repeats no server fact as a constant.
#[derive(Debug, Serialize)]
struct ConfigBody<'a> {
    login: bool,
    languages: Vec<String>,
    /// The longest message (and advisor reply) the master takes, in characters.
    max_message_chars: usize,
    /// The longest advisor display name, in characters.
    max_advisor_name_chars: usize,
    /// The intent of the empty answer to a message forwarded to an advisor.
    forwarded_intent: &'static str,
    /// `Route` and `HandoverState` by name, as the proto numbers them.
    routes: BTreeMap<&'static str, i32>,
    handover_states: BTreeMap<&'static str, i32>,
    /// The page's own texts, by language and key (the content's `[page]`).
    texts: BTreeMap<&'a str, &'a BTreeMap<String, String>>,
    /// The desk key is the demos' published one, which the advisor page may then name.
    demo_desk_key: bool,
    /// Who runs this installation, for the page's footer.
    operator: &'a str,
}

async fn config(State(web): State<Web>) -> Response {
    let content = web.master.content();
    Json(ConfigBody {
        login: web.master.profiles().is_some(),
        languages: content.languages().map(|l| l.language.clone()).collect(),
        max_message_chars: web.master.config().max_message_chars,
        max_advisor_name_chars: MAX_ADVISOR_NAME,
        forwarded_intent: FORWARDED_INTENT,
        routes: enum_names(|n| Route::try_from(n).ok().map(|r| r.as_str_name())),
        handover_states: enum_names(|n| HandoverState::try_from(n).ok().map(|s| s.as_str_name())),
        texts: content.languages().map(|l| (l.language.as_str(), &l.page)).collect(),
        demo_desk_key: web.master.config().advisor_key.as_deref() == Some(crate::config::DEMO_DESK_KEY),
        operator: &web.master.config().operator,
    })
    .into_response()
}

/// A proto enum's names and numbers (its numbers are small and dense).
fn enum_names(name: impl Fn(i32) -> Option<&'static str>) -> BTreeMap<&'static str, i32> {
    (0..64).filter_map(|n| name(n).map(|name| (name, n))).collect()
}

impl Web {
    /// The master's link to the trust service, when it has one.
    fn profiles(&self) -> WebResult<&crate::profiles::ProfileTokens> {
        Ok(self
            .master
            .profiles()
            .ok_or(Error::NoTrustService("there is no login"))?)
    }

    fn trust(&self) -> WebResult<TrustServiceClient<tonic::transport::Channel>> {
        Ok(self.profiles()?.trust_client())
    }
}

async fn people(State(web): State<Web>) -> WebResult<Response> {
    let people = web.trust()?.list_demo_people(ListDemoPeopleRequest {}).await?;
    Ok(Json(people.into_inner()).into_response())
}

#[derive(Debug, Deserialize)]
struct LoginBody {
    person_id: String,
}

async fn login(State(web): State<Web>, body: Result<Json<LoginBody>, JsonRejection>) -> WebResult<Response> {
    let Json(body) = body?;
    let login = web
        .trust()?
        .demo_login(DemoLoginRequest {
            person_id: body.person_id,
        })
        .await?;
    Ok(Json(login.into_inner()).into_response())
}

#[derive(Debug, Deserialize)]
struct LanguageQuery {
    #[serde(default)]
    language: String,
}

#[derive(Debug, Serialize)]
struct AgencyBody {
    agency_id: String,
    name: String,
    /// The name inside a sentence ("kommunen"); the display name where the card gives none.
    name_in_text: String,
    profile_attributes: Vec<String>,
    reachable: bool,
    homepage: String,
    contact: Option<Contact>,
    advisor_hours: Option<AdvisorHours>,
}

#[derive(Debug, Serialize)]
struct AgenciesBody {
    agencies: Vec<AgencyBody>,
}

async fn agencies(State(web): State<Web>, Query(query): Query<LanguageQuery>) -> WebResult<Json<AgenciesBody>> {
    let language = web.master.content().language(&query.language)?.language.clone();
    let listed = web
        .citizen
        .list_agencies(Request::new(ListAgenciesRequest {}))
        .await?
        .into_inner();
    let agencies = listed
        .agencies
        .into_iter()
        .filter_map(|agency| {
            let card = agency.card?;
            Some(AgencyBody {
                name: localized(&card.display_name, &language).to_string(),
                name_in_text: crate::text::name_in_text(&card, &language).to_string(),
                agency_id: card.agency_id,
                profile_attributes: card.profile_attributes,
                reachable: agency.reachable,
                homepage: card.homepage,
                contact: card.contact,
                advisor_hours: card.advisor_hours,
            })
        })
        .collect();
    Ok(Json(AgenciesBody { agencies }))
}

#[derive(Debug, Deserialize)]
struct ConsentBody {
    citizen_token: String,
    granted: bool,
}

/// Grants consent to exactly what the agency declares, or withdraws every
/// consent the citizen has given it.
async fn consent(
    State(web): State<Web>,
    Path(agency_id): Path<String>,
    body: Result<Json<ConsentBody>, JsonRejection>,
) -> WebResult<StatusCode> {
    let Json(body) = body?;
    let profiles = web.profiles()?;
    if body.granted {
        let snapshot = web.master.network().snapshot();
        let card = snapshot.card(&agency_id).ok_or(Error::UnknownAgency)?;
        profiles.grant_declared(body.citizen_token, card).await?;
    } else {
        profiles.withdraw_all(body.citizen_token, &agency_id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct StartBody {
    #[serde(default)]
    acknowledged_no_personal_data: bool,
    #[serde(default)]
    language: String,
    #[serde(default)]
    citizen_token: String,
}

async fn start_session(
    State(web): State<Web>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Json<StartBody>, JsonRejection>,
) -> WebResult<Response> {
    let Json(body) = body?;
    let mut request = Request::new(StartSessionRequest {
        acknowledged_no_personal_data: body.acknowledged_no_personal_data,
        language: body.language,
        citizen_token: body.citizen_token,
    });
    // The browser's address (and a trusted proxy's X-Forwarded-For) count
    // towards the client's limit on new sessions, as on gRPC.
    request
        .extensions_mut()
        .insert(tonic::transport::server::TcpConnectInfo {
            local_addr: None,
            remote_addr: Some(peer),
        });
    for value in headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.parse().ok())
    {
        request.metadata_mut().append("x-forwarded-for", value);
    }
    let started = web.citizen.start_session(request).await?;
    Ok(Json(started.into_inner()).into_response())
}

/// Ends the session; the body says until when its transcript can still be downloaded.
async fn end_session(State(web): State<Web>, Path(session_id): Path<String>) -> WebResult<Response> {
    let ended = web
        .citizen
        .end_session(Request::new(EndSessionRequest { session_id }))
        .await?
        .into_inner();
    Ok(Json(EndedBody {
        transcript_kept_until: ended.transcript_kept_until,
        transcript_download_token: ended.transcript_download_token,
    })
    .into_response())
}

#[derive(Debug, Serialize)]
struct EndedBody {
    /// RFC 3339; empty when nothing is kept.
    transcript_kept_until: String,
    /// For `/api/transcripts/{token}` until then.
    transcript_download_token: String,
}

#[derive(Debug, Deserialize)]
struct MessageBody {
    text: String,
    #[serde(default)]
    language: String,
}

async fn ask(
    State(web): State<Web>,
    Path(session_id): Path<String>,
    headers: axum::http::HeaderMap,
    body: Result<Json<MessageBody>, JsonRejection>,
) -> WebResult<Response> {
    let Json(body) = body?;
    let mut request = Request::new(AskRequest {
        session_id,
        text: body.text,
        language: body.language,
    });
    // The browser's trace, when it sends one, continues through the master to the agencies.
    if let Some(traceparent) = headers.get("traceparent").and_then(|v| v.to_str().ok())
        && let Ok(value) = traceparent.parse()
    {
        request.metadata_mut().insert("traceparent", value);
    }
    let events = web.citizen.ask(request).await?.into_inner();
    Ok(event_stream(web.closing.clone(), events).into_response())
}

#[derive(Debug, Default, Deserialize)]
struct HumanBody {
    #[serde(default)]
    agency_id: String,
}

async fn request_human(
    State(web): State<Web>,
    Path(session_id): Path<String>,
    body: Option<Json<HumanBody>>,
) -> WebResult<Response> {
    let agency_id = body.map(|Json(body)| body.agency_id).unwrap_or_default();
    let status = web
        .citizen
        .request_human(Request::new(RequestHumanRequest { session_id, agency_id }))
        .await?;
    Ok(Json(status.into_inner()).into_response())
}

async fn watch_handover(State(web): State<Web>, Path(session_id): Path<String>) -> WebResult<Response> {
    let events = web
        .citizen
        .watch_handover(Request::new(WatchHandoverRequest { session_id }))
        .await?
        .into_inner();
    Ok(event_stream(web.closing.clone(), events).into_response())
}

async fn leave_handover(State(web): State<Web>, Path(session_id): Path<String>) -> WebResult<Response> {
    let status = web
        .citizen
        .leave_handover(Request::new(LeaveHandoverRequest { session_id }))
        .await?;
    Ok(Json(status.into_inner()).into_response())
}

#[derive(Debug, Deserialize)]
struct FormatQuery {
    #[serde(default)]
    format: String,
}

/// An open session's transcript, as a file.
async fn transcript(
    State(web): State<Web>,
    Path(session_id): Path<String>,
    Query(query): Query<FormatQuery>,
) -> WebResult<Response> {
    transcript_file(
        &web,
        ExportTranscriptRequest {
            session_id,
            ..Default::default()
        },
        &query,
    )
    .await
}

/// An ended session's archived transcript, for the token its end gave.
async fn archived_transcript(
    State(web): State<Web>,
    Path(download_token): Path<String>,
    Query(query): Query<FormatQuery>,
) -> WebResult<Response> {
    transcript_file(
        &web,
        ExportTranscriptRequest {
            download_token,
            ..Default::default()
        },
        &query,
    )
    .await
}

async fn transcript_file(web: &Web, mut request: ExportTranscriptRequest, query: &FormatQuery) -> WebResult<Response> {
    let format = match query.format.as_str() {
        "" | "text" => TranscriptFormat::Text,
        "json" => TranscriptFormat::Json,
        _ => return Err(Error::InvalidArgument("format must be text or json".into()).into()),
    };
    request.format = format.into();
    let file = web.citizen.export_transcript(Request::new(request)).await?.into_inner();
    let disposition = format!("attachment; filename=\"{}\"", file.filename.replace('"', ""));
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_str(&file.media_type)),
        (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition)),
    ];
    let mut response = file.content.into_response();
    for (name, value) in headers {
        let value = value.map_err(|_| WebError::from(Error::Internal("transcript headers".into())))?;
        response.headers_mut().insert(name, value);
    }
    Ok(response)
}
