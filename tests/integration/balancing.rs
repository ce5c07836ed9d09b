//! Balancing over an agency's pods: an agency address whose host name stands
//! for two instances spreads questions over both, and losing one loses no
//! question (the name's answers are fixed here, as a headless Service's DNS
//! would give them).

use std::time::Duration;

use tokio::net::TcpListener;
use veiviser_agency_sdk::{AgencyConfig, Assistant};
use veiviser_master::resolve::Resolver;
use veiviser_testkit::faulty::FaultyAgency;
use veiviser_testkit::federation::{Addresses, Federation};

use crate::support::{READY, ask, master_config, session};

async fn nav_pod() -> FaultyAgency {
    let assistant = Assistant::new(veiviser_nav::CONTENT.load().expect("content"));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    FaultyAgency::start(assistant, listener).await.expect("pod")
}

#[tokio::test]
async fn questions_are_spread_over_two_pods_and_none_is_lost_when_one_goes() {
    let first = nav_pod().await;
    let second = nav_pod().await;
    let resolver = Resolver::fixed("nav-pods", vec![first.address, second.address]);
    let config = veiviser_master::MasterConfig {
        agencies: vec!["http://nav-pods:50061".into()],
        agency_resolver: resolver.clone(),
        // Long enough that only a call's own failure makes the master look again.
        pod_refresh: Duration::from_secs(600),
        health_interval: Duration::from_millis(50),
        ..master_config()
    };
    let federation = Federation::start(Vec::new(), Addresses::ephemeral(0), config, AgencyConfig::default())
        .await
        .expect("starts");
    federation.wait_until_ready(READY).await.expect("ready");
    let (mut client, session_id) = session(&federation, "nb").await;
    let question = "hvordan søker jeg gravferdsstønad etter at far døde?";
    for _ in 0..30 {
        let (_, answer) = ask(&mut client, &session_id, question).await;
        assert_eq!(answer.agency_ids, ["nav"], "{}", answer.text);
    }
    let (on_first, on_second) = (first.received().len(), second.received().len());
    assert!(
        on_first > 0 && on_second > 0,
        "one pod got every question: {on_first} and {on_second}"
    );

    // One pod goes (as a drained pod would); the name still lists it, and
    // nothing but a failed call makes the master look again.
    first.stop().await.expect("stopped");
    for _ in 0..30 {
        let (_, answer) = ask(&mut client, &session_id, question).await;
        assert_eq!(answer.agency_ids, ["nav"], "a question was lost: {}", answer.text);
        assert!(answer.missing_agency_ids.is_empty(), "{:?}", answer.missing_agency_ids);
    }
    assert!(second.received().len() >= on_second + 30);
    let retries = federation
        .master
        .metrics()
        .agency_retries
        .get_or_create(&veiviser_master::metrics::AgencyLabel { agency: "nav".into() })
        .get();
    assert!(retries >= 1, "no call found the gone pod and was tried again");
    federation.shutdown().await.expect("clean shutdown");
    second.stop().await.expect("stopped");
}
