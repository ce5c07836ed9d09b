//! The conformance kit against real agencies: the three built-in ones pass
//! every check, and an agency that breaks a rule fails with the rule named.

use veiviser_agency_sdk::conformance;

use crate::support::{RecordingNetwork, Tampering, federation};

async fn channel(address: std::net::SocketAddr) -> tonic::transport::Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .expect("address")
        .connect()
        .await
        .expect("reachable")
}

#[tokio::test]
async fn every_built_in_agency_passes_every_check() {
    let federation = federation().await;
    for agency in &federation.agencies {
        let report = conformance::check(channel(agency.address).await).await;
        assert!(report.passed(), "{report}");
        assert_eq!(report.agency_id, agency.id);
        // Health, card, and for each skill and language an answer with and
        // without the skill named and its referrals, life events, bad input.
        assert!(report.checks.len() > 30, "{report}");
        assert!(
            report.checks.iter().any(|c| c.name.starts_with("life event nn")),
            "{report}"
        );
    }
    federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn an_agency_that_breaks_a_rule_fails_with_the_rule_named() {
    let network = RecordingNetwork::start().await;
    network.tamper(Tampering {
        answer: Some(|answer| answer.agency_id = "skatteetaten".into()),
        card: Some(|card| card.skills[0].examples.retain(|e| e.language != "nn")),
        ..Tampering::default()
    });
    let report = conformance::check(channel(network.agency_address).await).await;
    assert!(!report.passed());
    let failures: Vec<String> = report
        .failures()
        .map(|c| format!("{}: {}", c.name, c.outcome.clone().unwrap_err()))
        .collect();
    assert!(
        failures.iter().any(|f| f.contains("rule answer-from-another-agency")),
        "{failures:?}"
    );
    assert!(
        failures
            .iter()
            .any(|f| f.starts_with("answer nn") && f.contains("no example in nn")),
        "{failures:?}"
    );
    assert!(report.to_string().contains("FAIL"), "the report says what failed");
    network.stop().await;
}
