//! Benchmarks: intent classification, router training, and round trips on
//! loopback — a bare tonic hop to one agency (the floor), one question
//! through the master, and the life-event fan-out; masking throughput; minting
//! and verifying profile tokens. Figures go to BENCHMARKS.md.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use veiviser_cli::client;
use veiviser_cli::federation::{Addresses, Federation, built_in_assistants};
use veiviser_master::MasterConfig;
use veiviser_master::content::MasterContent;
use veiviser_master::router::{Router, Thresholds};
use veiviser_proto::agency::v1::agency_assistant_client::AgencyAssistantClient;
use veiviser_proto::agency::v1::{AskRequest, AssistantCard, DescribeRequest};

const MESSAGES: [(&str, &str); 4] = [
    ("agency_nb", "hvordan søker jeg om gravferdsstønad etter at far døde"),
    ("agency_typo_en", "how do i aply for the funerl grant"),
    ("life_event_nn", "far min døydde i natt, kva må eg gjere no"),
    ("out_of_scope_en", "what is the weather in Bergen tomorrow"),
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
            MasterConfig::default(),
            veiviser_agency_sdk::ServerConfig::default(),
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
    group.finish();
    runtime.block_on(federation.shutdown()).expect("shutdown");
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
    let verifier = veiviser_agency_sdk::tokens::ProfileVerifier::new(
        &trust.config.issuer,
        "nav",
        declared.clone(),
        veiviser_agency_sdk::tokens::KeySource::Static(trust.keys.jwks(trust.now())),
        veiviser_agency_sdk::clock::system(),
    );
    group.bench_function("verify_profile_token", |b| {
        b.iter(|| runtime.block_on(verifier.verify(&token)).expect("valid"))
    });
    group.finish();
}

criterion_group!(benches, classification, masking, tokens, round_trips);
criterion_main!(benches);
