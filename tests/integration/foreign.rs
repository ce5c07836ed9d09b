//! The master checks what agencies send: a card that breaks a rule of the
//! contract takes the agency out of routing with the reason shown, and an
//! answer that breaks one is not shown to the citizen; the agency is named
//! as missing instead. A life-event request carries the masked message.

use std::time::Duration;

use veiviser_cli::client;
use veiviser_proto::agency::v1::{AskResponse, AssistantCard};
use veiviser_proto::master::v1::ask_event::Event;
use veiviser_proto::master::v1::{AskEvent, ListAgenciesRequest};

use crate::support::{RecordingNetwork, Tampering, ask, master_config};

const NAV_QUESTION: &str = "hvordan søker jeg gravferdsstønad";

fn refused_reasons(events: &[AskEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Some(Event::AgencyUnavailable(u)) => Some(format!("{}:{}", u.agency_id, u.reason)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_card_that_breaks_a_rule_takes_the_agency_out_of_routing_until_it_is_sound() {
    let mut network = RecordingNetwork::start_with(veiviser_master::MasterConfig {
        refresh_interval: Duration::from_millis(30),
        ..master_config()
    })
    .await;
    let mut client = client::connect(&network.master_address.to_string())
        .await
        .expect("master");
    let session = client::start_session(&mut client, "nb", true).await.expect("session");
    let (_, before) = ask(&mut client, &session.session_id, NAV_QUESTION).await;
    assert_eq!(before.agency_ids, ["nav"]);

    let spoilers: [fn(&mut AssistantCard); 3] = [
        |card| card.skills.push(card.skills[0].clone()),
        |card| card.languages.push("xx_!!".into()),
        |card| card.agency_id.clear(),
    ];
    for (spoil, rule) in spoilers
        .into_iter()
        .zip(["duplicate-skill", "language-tag", "agency-id"])
    {
        network.tamper(Tampering {
            card: Some(spoil),
            ..Tampering::default()
        });
        network.wait_for_agency(|a| a.state() == "refused").await;
        let listed = client
            .list_agencies(ListAgenciesRequest {})
            .await
            .expect("listed")
            .into_inner();
        let status = &listed.agencies[0];
        assert_eq!(status.state, "refused");
        assert!(status.reason.contains(rule), "{rule}: {}", status.reason);
        assert!(status.card.is_none() && !status.reachable);
        let (_, refused) = ask(&mut client, &session.session_id, NAV_QUESTION).await;
        assert!(
            refused.agency_ids.is_empty(),
            "{rule}: still routed to {:?}",
            refused.agency_ids
        );

        network.tamper(Tampering::default());
        network.wait_for_agency(|a| a.state() == "ready").await;
        let (_, again) = ask(&mut client, &session.session_id, NAV_QUESTION).await;
        assert_eq!(again.agency_ids, ["nav"], "{rule}: back in routing once sound");
    }
    network.stop().await;
}

#[tokio::test]
async fn an_answer_that_breaks_a_rule_is_not_shown_and_the_agency_is_named_missing() {
    let network = RecordingNetwork::start().await;
    let mut client = client::connect(&network.master_address.to_string())
        .await
        .expect("master");
    let session = client::start_session(&mut client, "nb", true).await.expect("session");
    let spoilers: [fn(&mut AskResponse); 4] = [
        // Speaking for another agency.
        |answer| answer.agency_id = "skatteetaten".into(),
        // Completed with nothing to say.
        |answer| answer.text.clear(),
        // Larger than anything an agency may send (2 MiB).
        |answer| answer.text = "x".repeat(2 * 1024 * 1024),
        // A task claimed for another agency.
        |answer| {
            if let Some(item) = answer.checklist.first_mut() {
                item.agency_id = "kommune".into();
            } else {
                answer.language = "en".into();
            }
        },
    ];
    for spoil in spoilers {
        network.tamper(Tampering {
            answer: Some(spoil),
            ..Tampering::default()
        });
        let (events, answer) = ask(&mut client, &session.session_id, NAV_QUESTION).await;
        assert_eq!(refused_reasons(&events), ["nav:invalid-answer"]);
        assert!(answer.agency_ids.is_empty(), "{:?}", answer.agency_ids);
        assert_eq!(answer.missing_agency_ids, ["nav"]);
        assert!(answer.text.len() < 2_000, "the spoiled answer is not passed on");
        assert!(
            events.iter().all(|e| !matches!(&e.event, Some(Event::AgencyAnswer(_)))),
            "no agency answer is shown"
        );
    }
    network.tamper(Tampering::default());
    let (events, answer) = ask(&mut client, &session.session_id, NAV_QUESTION).await;
    assert!(refused_reasons(&events).is_empty());
    assert_eq!(answer.agency_ids, ["nav"]);
    network.stop().await;
}

#[tokio::test]
async fn a_life_event_request_carries_the_masked_message() {
    let network = RecordingNetwork::start().await;
    let mut client = client::connect(&network.master_address.to_string())
        .await
        .expect("master");
    let session = client::start_session(&mut client, "nb", true).await.expect("session");
    let (_, answer) = ask(
        &mut client,
        &session.session_id,
        "Far døde i går. Hva må vi gjøre nå? Ring meg på 912 34 567.",
    )
    .await;
    assert_eq!(answer.agency_ids, ["nav"], "{}", answer.intent);
    let received = network.received();
    let request = received.last().expect("asked");
    assert_eq!(request.life_event, "dodsfall-og-arv");
    assert!(request.text.contains("Far døde i går"), "{}", request.text);
    assert!(
        !request.text.contains("912 34 567") && request.text.contains('⟨'),
        "masked first: {}",
        request.text
    );
    network.stop().await;
}

/// CONTENT.md lists the checklist keys in use, by agency, so a new agency can
/// reuse them; the list must name every key the built-in agencies give.
#[test]
fn the_documented_checklist_keys_are_the_keys_in_use() {
    let documented = include_str!("../../services/agency-sdk/CONTENT.md");
    for assistant in veiviser_testkit::federation::built_in_assistants().expect("content") {
        let row = documented
            .lines()
            .find(|line| line.starts_with(&format!("| `{}` |", assistant.agency_id())))
            .unwrap_or_else(|| panic!("no row for {}", assistant.agency_id()));
        for language in assistant.content().languages().values() {
            for intent in &language.intents {
                for item in &intent.checklist {
                    assert!(
                        row.contains(&format!("`{}`", item.key)),
                        "{} gives {}, which CONTENT.md does not list",
                        assistant.agency_id(),
                        item.key
                    );
                }
            }
        }
    }
}
