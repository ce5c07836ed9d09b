//! Benchmarks: intent classification, router training, and round trips on
//! loopback — a bare tonic hop to one agency (the floor), one question
//! through the master, the same question through the web chat's HTTP API, and
//! the life-event fan-out; a whole handover at the advisor desk; masking
//! throughput; minting and verifying profile tokens. Figures go to BENCHMARKS.md.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use veiviser_cli::client;
use veiviser_master::MasterConfig;
use veiviser_master::content::MasterContent;
use veiviser_master::handover::hours::HoursPolicy;
use veiviser_master::routing::{Router, Thresholds};
use veiviser_proto::agency::v1::agency_assistant_client::AgencyAssistantClient;
use veiviser_proto::agency::v1::{AskRequest, AssistantCard, DescribeRequest};
use veiviser_proto::master::v1::{
    EndSessionRequest, HandBack, Reply, RequestHumanRequest, Take, WatchHandoverRequest, desk_action, desk_event,
    handover_event,
};
use veiviser_testkit::federation::{Addresses, Federation, built_in_assistants};

const MESSAGES: [(&str, &str); 5] = [
    ("agency_nb", "hvordan søker jeg om gravferdsstønad etter at far døde"),
    ("agency_typo_en", "how do i aply for the funerl grant"),
    ("life_event_nn", "far min døydde i natt, kva må eg gjere no"),
    ("out_of_scope_en", "what is the weather in Bergen tomorrow"),
    (
        "story_nb",
        "Faren min døde på sykehuset i forrige uke etter lang tids sykdom. Vi er tre søsken og \
         ingen av oss har gjort dette før. Han bodde alene i en kommunal leilighet og hadde \
         hjemmesykepleie. Hvem sier opp leiligheten, og hva skjer med regningene?",
    ),
];

fn cards() -> Vec<AssistantCard> {
    built_in_assistants()
        .expect("embedded content")
        .iter()
        .map(|a| a.card().clone())
        .collect()
}

fn classification(c: &mut Criterion) {
    let cards = cards();
    let master = MasterContent::embedded().expect("master content");
    let router = Router::new(&cards, &master, Thresholds::default());
    let mut group = c.benchmark_group("router");
    for (name, text) in MESSAGES {
        group.bench_with_input(BenchmarkId::new("decide", name), text, |b, text| {
            b.iter(|| router.decide(std::hint::black_box(text)))
        });
    }
    for (name, text) in MESSAGES {
        group.bench_with_input(BenchmarkId::new("language", name), text, |b, text| {
            b.iter(|| veiviser_master::language::switch_to(std::hint::black_box(text), "nb", |_| true))
        });
    }
    group.sample_size(20);
    group.bench_function("train_from_three_cards", |b| {
        b.iter(|| Router::new(&cards, &master, Thresholds::default()))
    });
    group.finish();
}

fn round_trips(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let federation = runtime.block_on(async {
        let federation = Federation::start(
            built_in_assistants().expect("content"),
            Addresses::ephemeral(3),
            MasterConfig {
                advisor_hours: HoursPolicy::AlwaysOpen,
                // One loopback client starts every session of the benchmarks.
                session_starts: veiviser_master::sessions::starts::StartRate::OFF,
                ..MasterConfig::default()
            },
            veiviser_agency_sdk::AgencyConfig::default(),
        )
        .await
        .expect("federation");
        federation
            .wait_until_ready(Duration::from_secs(20))
            .await
            .expect("ready");
        federation
    });
    let nav_address = format!("http://{}", federation.agencies[0].address);
    let agency = runtime.block_on(async { AgencyAssistantClient::connect(nav_address).await.expect("nav") });

    let mut group = c.benchmark_group("loopback");
    // The floor: one small unary call to one agency, no master in between.
    group.bench_function("bare_tonic_hop_agency_ask", |b| {
        b.to_async(&runtime).iter(|| {
            let mut agency = agency.clone();
            async move {
                let question = AskRequest {
                    text: "dagpenger".into(),
                    language: "nb".into(),
                    skill_id: "dagpenger".into(),
                    ..Default::default()
                };
                agency.ask(question).await.expect("answer")
            }
        })
    });
    // The whole card with every example utterance: what the master fetches per refresh.
    group.bench_function("agency_describe_card", |b| {
        b.to_async(&runtime).iter(|| {
            let mut agency = agency.clone();
            async move { agency.describe(DescribeRequest {}).await.expect("card") }
        })
    });
    let master_address = federation.master_address.to_string();
    for (name, text) in [
        ("master_single_agency", "hvordan søker jeg om dagpenger"),
        ("master_life_event_fan_out", "min far er død, hva må jeg gjøre?"),
        ("master_out_of_scope", "hvordan blir været i Bergen i morgen"),
    ] {
        // A fresh connection and session per benchmark, as a citizen's client has.
        let (master, session_id) = runtime.block_on(async {
            let mut master = client::connect(&master_address).await.expect("master");
            let session = client::start_session(&mut master, "nb", true).await.expect("session");
            (master, session.session_id)
        });
        group.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| {
                let mut master = master.clone();
                let session_id = session_id.clone();
                async move {
                    client::ask(&mut master, &session_id, text, |_| {})
                        .await
                        .expect("answer")
                }
            })
        });
    }
    web_round_trip(&runtime, &federation, &mut group);
    handover_round_trip(&runtime, &federation, &mut group);
    group.finish();
    runtime.block_on(federation.shutdown()).expect("shutdown");
}

type Group<'a> = criterion::BenchmarkGroup<'a, criterion::measurement::WallTime>;

/// The single-agency question through the web chat: HTTP/1.1, JSON in,
/// server-sent events out, read to the end.
fn web_round_trip(runtime: &tokio::runtime::Runtime, federation: &Federation, group: &mut Group<'_>) {
    let (web, session_id) = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("web port");
        let web = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(veiviser_master::http::web::serve(
            listener,
            std::sync::Arc::clone(&federation.master),
            std::future::pending(),
        ));
        let started: serde_json::Value = reqwest::Client::new()
            .post(format!("{web}/api/sessions"))
            .json(&serde_json::json!({"acknowledged_no_personal_data": true, "language": "nb"}))
            .send()
            .await
            .expect("session")
            .json()
            .await
            .expect("json");
        (web, started["session_id"].as_str().expect("id").to_string())
    });
    let http = reqwest::Client::new();
    let url = format!("{web}/api/sessions/{session_id}/messages");
    group.bench_function("web_single_agency", |b| {
        b.to_async(runtime).iter(|| {
            let request = http
                .post(&url)
                .json(&serde_json::json!({"text": "hvordan søker jeg om dagpenger"}));
            async move {
                let body = request.send().await.expect("sent").text().await.expect("events");
                assert!(body.contains("\"final\""), "a final answer");
            }
        })
    });
}

/// One handover from start to end: the citizen asks for a person and
/// follows the handover, the advisor takes the conversation and replies, the
/// citizen receives the reply, the advisor hands it back.
fn handover_round_trip(runtime: &tokio::runtime::Runtime, federation: &Federation, group: &mut Group<'_>) {
    let master_address = federation.master_address.to_string();
    let (citizen, actions, desk) = runtime.block_on(async {
        let citizen = client::connect(&master_address).await.expect("master");
        let (actions, mut desk) = veiviser_cli::advisor::attend(&master_address, None, "nav", "Veileder Anne")
            .await
            .expect("advisor");
        desk.message().await.expect("queue").expect("open");
        (citizen, actions, tokio::sync::Mutex::new(desk))
    });
    group.bench_function("handover_request_take_reply_hand_back", |b| {
        b.to_async(runtime).iter(|| {
            let mut citizen = citizen.clone();
            let actions = actions.clone();
            let desk = &desk;
            async move {
                let session = client::start_session(&mut citizen, "nb", true).await.expect("session");
                let status = citizen
                    .request_human(RequestHumanRequest {
                        session_id: session.session_id.clone(),
                        agency_id: "nav".into(),
                    })
                    .await
                    .expect("queued")
                    .into_inner();
                let mut events = citizen
                    .watch_handover(WatchHandoverRequest {
                        session_id: session.session_id.clone(),
                    })
                    .await
                    .expect("watch")
                    .into_inner();
                let act = |action| veiviser_cli::advisor::action(action);
                let handover_id = status.handover_id;
                actions
                    .send(act(desk_action::Action::Take(Take {
                        handover_id: handover_id.clone(),
                    })))
                    .await
                    .expect("take");
                let mut desk = desk.lock().await;
                while !matches!(
                    desk.message().await.expect("desk").and_then(|e| e.event),
                    Some(desk_event::Event::Assigned(_))
                ) {}
                actions
                    .send(act(desk_action::Action::Reply(Reply {
                        handover_id: handover_id.clone(),
                        text: "Hei, jeg kan hjelpe deg.".into(),
                    })))
                    .await
                    .expect("reply");
                while !matches!(
                    events.message().await.expect("events").and_then(|e| e.event),
                    Some(handover_event::Event::AdvisorReply(_))
                ) {}
                actions
                    .send(act(desk_action::Action::HandBack(HandBack { handover_id })))
                    .await
                    .expect("hand back");
                while events.message().await.expect("events").is_some() {}
                citizen
                    .end_session(EndSessionRequest {
                        session_id: session.session_id,
                    })
                    .await
                    .expect("ended");
            }
        })
    });
}

/// Masking throughput over the whole labelled corpus, in bytes per second.
fn masking(c: &mut Criterion) {
    let corpus: Vec<String> = include_str!("../data/masking-corpus.jsonl")
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|value| value["text"].as_str().map(str::to_string))
        .collect();
    let bytes: usize = corpus.iter().map(String::len).sum();
    let masker = veiviser_masking::Masker::default();
    let mut group = c.benchmark_group("masking");
    group.throughput(criterion::Throughput::Bytes(bytes as u64));
    group.bench_function("mask_corpus", |b| {
        b.iter(|| {
            for text in &corpus {
                std::hint::black_box(masker.mask(text));
            }
        })
    });
    group.finish();
}

/// Minting a profile token (consent lookup, signing, audit append on an
/// in-memory SQLite database) and verifying one (signature and every check).
fn tokens(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let trust = runtime
        .block_on(veiviser_consent::Trust::open(veiviser_consent::ConsentConfig::default()))
        .expect("trust service");
    let declared: Vec<String> = ["relation_to_deceased", "children_ages"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    let (citizen, _, _) = trust.demo_login("14838512047").expect("login");
    runtime
        .block_on(trust.grant(&citizen, "nav", &declared, "dodsfall-og-arv", None))
        .expect("consent");
    let mut group = c.benchmark_group("tokens");
    group.bench_function("mint_profile_token", |b| {
        b.iter(|| {
            runtime
                .block_on(trust.mint(&citizen, "nav", &declared, "dodsfall-og-arv"))
                .expect("minted")
        })
    });
    let token = runtime
        .block_on(trust.mint(&citizen, "nav", &declared, "dodsfall-og-arv"))
        .expect("minted")
        .token;
    let verifier = veiviser_runtime::tokens::ProfileVerifier::new(
        &trust.config.issuer,
        "nav",
        declared.clone(),
        veiviser_runtime::tokens::KeySource::Static(trust.keys.jwks(trust.now())),
        veiviser_runtime::clock::system(),
    );
    group.bench_function("verify_profile_token", |b| {
        b.iter(|| runtime.block_on(verifier.verify(&token)).expect("valid"))
    });
    group.finish();
}

criterion_group!(benches, classification, masking, tokens, round_trips);
criterion_main!(benches);
