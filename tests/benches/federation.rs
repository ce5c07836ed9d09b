//! Benchmarks: intent classification, router training, and a bare tonic hop
//! to one agency on loopback (the floor for every round trip). Figures go to
//! BENCHMARKS.md. Master round trips are measured by a timed loop for now;
//! see BENCHMARKS.md for why.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use veiviser_cli::federation::{Addresses, Federation, built_in_assistants};
use veiviser_master::MasterConfig;
use veiviser_master::content::MasterContent;
use veiviser_master::router::{Router, Thresholds};
use veiviser_proto::agency::v1::agency_assistant_client::AgencyAssistantClient;
use veiviser_proto::agency::v1::{AssistantCard, DescribeRequest};

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
    group.bench_function("bare_tonic_hop_describe", |b| {
        b.to_async(&runtime).iter(|| {
            let mut agency = agency.clone();
            async move { agency.describe(DescribeRequest {}).await.expect("card") }
        })
    });
    group.finish();
    runtime.block_on(federation.shutdown()).expect("shutdown");
}

criterion_group!(benches, classification, round_trips);
criterion_main!(benches);
