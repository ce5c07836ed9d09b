//! The conformance kit against real agencies: the three built-in ones and the
//! courts pass every check (their signed cards and the kit's genuine and
//! hostile profile tokens included), and an agency that breaks a rule fails
//! with the rule named.

use std::sync::Arc;

use veiviser_agency_sdk::conformance::{self, Options, tokens::TokenIssuer};
use veiviser_agency_sdk::{AgencyConfig, TrustConfig};
use veiviser_runtime::cards::CardKey;
use veiviser_testkit::federation::{Addresses, Federation, built_in_assistants};

use crate::support::{READY, RecordingNetwork, Tampering, master_config};

async fn channel(address: std::net::SocketAddr) -> tonic::transport::Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .expect("address")
        .connect()
        .await
        .expect("reachable")
}

#[tokio::test]
async fn every_built_in_agency_passes_every_check() {
    // The agencies trust the kit's own issuer and sign their cards.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let issuer = Arc::new(TokenIssuer::start(listener).await.expect("issuer"));
    let key = CardKey::generate().expect("key").0;
    let server = AgencyConfig {
        trust: Some(TrustConfig {
            issuer: issuer.issuer().to_string(),
            jwks_url: issuer.jwks_url(),
            trust_service: None,
            actor: veiviser_agency_sdk::DEFAULT_TOKEN_ACTOR.to_string(),
        }),
        card_key: Some(key.clone()),
        ..AgencyConfig::default()
    };
    let assistants = built_in_assistants().expect("content");
    let addresses = Addresses::ephemeral(assistants.len());
    let federation = Federation::start(assistants, addresses, master_config(), server)
        .await
        .expect("starts");
    federation.wait_until_ready(READY).await.expect("ready");
    let options = Options {
        card_public_key: Some(key.public_key().to_string()),
        issuer: Some(Arc::clone(&issuer)),
    };
    for agency in &federation.agencies {
        let report = conformance::check_with(channel(agency.address).await, &options).await;
        assert!(report.passed(), "{report}");
        assert_eq!(report.agency_id, agency.id);
        for named in [
            "signed card",
            "accepts a genuine profile token",
            "refuses a profile token that has expired",
        ] {
            assert!(
                report.checks.iter().any(|c| c.name.starts_with(named)),
                "{named}: {report}"
            );
        }
        let hostile = report
            .checks
            .iter()
            .filter(|c| c.name.starts_with("refuses a profile token"))
            .count();
        assert!(hostile >= 12, "{report}");
        // Health, card, and for each skill and language an answer with and
        // without the skill named and its referrals, life events, bad input.
        assert!(report.checks.len() > 30, "{report}");
        assert!(
            report.checks.iter().any(|c| c.name.starts_with("life event nn")),
            "{report}"
        );
    }
    // A card signed with another key than the one to be registered fails, with the rule.
    let other = Options {
        card_public_key: Some(CardKey::generate().expect("key").0.public_key().to_string()),
        issuer: None,
    };
    let report = conformance::check_with(channel(federation.agencies[0].address).await, &other).await;
    let failure = report
        .failures()
        .find(|c| c.name == "signed card")
        .expect("the signed card fails");
    assert!(
        failure
            .outcome
            .as_ref()
            .is_err_and(|e| e.contains("card-signature-key")),
        "{report}"
    );
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
    // It answers whatever token comes with a question.
    assert!(
        failures
            .iter()
            .any(|f| f.starts_with("refuses a profile token with no signature") && f.contains("instead of refusing")),
        "{failures:?}"
    );
    assert!(report.to_string().contains("FAIL"), "the report says what failed");
    network.stop().await;
}

/// The courts, built from the SDK alone: every check passes, and in a network
/// with them a settlement question reaches them and the plan's shared
/// settlement task names both them and Skatteetaten.
#[tokio::test]
async fn the_courts_pass_every_check_and_join_the_plan() {
    let mut assistants = veiviser_testkit::federation::built_in_assistants().expect("content");
    assistants.push(veiviser_testkit::federation::courts_assistant().expect("the courts' content"));
    let federation = crate::support::federation_with(assistants, crate::support::master_config()).await;
    let courts = federation
        .agencies
        .iter()
        .find(|agency| agency.id == "domstol")
        .expect("the courts run");
    let report = conformance::check(channel(courts.address).await).await;
    assert!(report.passed(), "{report}");

    let (mut client, session_id) = crate::support::session(&federation, "nb").await;
    let (_, answer) = crate::support::ask(&mut client, &session_id, "hvordan får vi skifteattest etter far?").await;
    assert!(
        answer.agency_ids.iter().any(|id| id == "domstol"),
        "{:?}: {}",
        answer.agency_ids,
        answer.text
    );
    let (_, plan) = crate::support::ask(&mut client, &session_id, "min far er død, hva må jeg gjøre?").await;
    assert!(
        plan.agency_ids.iter().any(|id| id == "domstol"),
        "{:?}",
        plan.agency_ids
    );
    let settlement = plan
        .checklist
        .iter()
        .find(|item| item.key == "skifteform-60-dager")
        .expect("the settlement task");
    for agency in ["skatteetaten", "domstol"] {
        assert!(
            settlement.agency_ids.iter().any(|id| id == agency),
            "{:?}",
            settlement.agency_ids
        );
    }
    federation.shutdown().await.expect("clean shutdown");
}
