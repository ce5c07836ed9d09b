//! The master checks what agencies send: a card that breaks a rule of the
//! contract takes the agency out of routing with the reason shown, and an
//! answer that breaks one is not shown to the citizen; the agency is named
//! as missing instead. A life-event request carries the masked message.

use std::time::Duration;

use veiviser_proto::agency::v1::{AskResponse, AssistantCard};
use veiviser_proto::master::v1::ask_event::Event;
use veiviser_proto::master::v1::{AskEvent, ListAgenciesRequest};

use crate::support::{RecordingNetwork, Tampering, ask, master_config};

const NAV_QUESTION: &str = "hvordan søker jeg gravferdsstønad";

/// A change that makes an answer break one rule.
type Spoil = fn(&mut AskResponse);

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
    let (mut client, session) = network.citizen().await;
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
    let (mut client, session) = network.citizen().await;
    const PLAN_QUESTION: &str = "Far døde i går, hva må vi gjøre nå?";
    let (_, sound) = ask(&mut client, &session.session_id, NAV_QUESTION).await;
    let (_, sound_plan) = ask(&mut client, &session.session_id, PLAN_QUESTION).await;
    assert_eq!(sound_plan.agency_ids, ["nav"]);
    assert!(!sound_plan.checklist.is_empty(), "the plan has NAV's items");
    let nav_text = sound.text.lines().next().expect("an answer").to_string();

    let spoilers: [(Spoil, &str); 6] = [
        // Speaking for another agency.
        (|answer| answer.agency_id = "skatteetaten".into(), NAV_QUESTION),
        // Completed with nothing to say.
        (|answer| answer.text.clear(), NAV_QUESTION),
        // Larger than anything an agency may send (2 MiB).
        (|answer| answer.text = "x".repeat(2 * 1024 * 1024), NAV_QUESTION),
        // In another language than asked.
        (|answer| answer.language = "en".into(), NAV_QUESTION),
        // A skill the card does not declare (it could carry the question's words).
        (|answer| answer.skill_id = "far-dode-i-gar".into(), NAV_QUESTION),
        // A task of the plan claimed for another agency.
        (
            |answer| {
                for item in &mut answer.checklist {
                    item.agency_id = "kommune".into();
                }
            },
            PLAN_QUESTION,
        ),
    ];
    for (spoil, question) in spoilers {
        network.tamper(Tampering {
            answer: Some(spoil),
            ..Tampering::default()
        });
        let (events, answer) = ask(&mut client, &session.session_id, question).await;
        assert_eq!(refused_reasons(&events), ["nav:invalid-answer"]);
        assert!(answer.agency_ids.is_empty(), "{:?}", answer.agency_ids);
        assert_eq!(answer.missing_agency_ids, ["nav"]);
        assert!(answer.checklist.is_empty(), "no item of a refused answer");
        assert!(
            !answer.text.contains(&nav_text) && !answer.text.contains("xxxx"),
            "the refused answer is not passed on"
        );
        assert!(
            events.iter().all(|e| !matches!(&e.event, Some(Event::AgencyAnswer(_)))),
            "no agency answer is shown"
        );
    }
    network.tamper(Tampering::default());
    let (events, answer) = ask(&mut client, &session.session_id, NAV_QUESTION).await;
    assert!(refused_reasons(&events).is_empty());
    assert_eq!(answer.agency_ids, ["nav"]);
    assert!(answer.text.contains(&nav_text));
    network.stop().await;
}

#[tokio::test]
async fn a_second_address_claiming_an_agency_id_in_use_is_refused() {
    use veiviser_agency_sdk::Assistant;
    let nav = || Assistant::new(veiviser_nav::CONTENT.load().expect("content"));
    let federation = veiviser_testkit::federation::Federation::start(
        vec![nav(), nav()],
        veiviser_testkit::federation::Addresses::ephemeral(2),
        master_config(),
        veiviser_agency_sdk::AgencyConfig::default(),
    )
    .await
    .expect("federation starts");
    let mut snapshots = federation.master.network().subscribe();
    let settled = snapshots.wait_for(|s| {
        s.agencies.iter().filter(|a| a.state() == "ready").count() == 1
            && s.agencies.iter().filter(|a| a.state() == "refused").count() == 1
    });
    let snapshot = tokio::time::timeout(crate::support::READY, settled)
        .await
        .expect("in time")
        .expect("alive")
        .clone();
    let refused = snapshot
        .agencies
        .iter()
        .find(|a| a.state() == "refused")
        .expect("one refused");
    assert!(refused.card.is_none());
    assert!(refused.problem.expect("a reason").reason().contains("agency-id-taken"));
    assert!(
        snapshot.router.example_count() > 0,
        "the agency that holds the id is still routed to"
    );
    federation.shutdown().await.expect("stopped");
}

#[tokio::test]
async fn a_life_event_request_carries_the_masked_message() {
    let network = RecordingNetwork::start().await;
    let (mut client, session) = network.citizen().await;
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

/// An agency that sheds load (RESOURCE_EXHAUSTED) is asked again after a
/// pause, within the call's deadline: a short spell of overload costs the
/// citizen nothing, and a long one ends in "overloaded" at the deadline,
/// not in a wait without end.
#[tokio::test]
async fn an_overloaded_agency_is_asked_again_within_the_deadline() {
    let mut config = master_config();
    config.agency_timeout = Duration::from_secs(2);
    let network = RecordingNetwork::start_with(config).await;
    let (mut client, session) = network.citizen().await;
    network.tamper(Tampering {
        overloaded_for: 2,
        ..Tampering::default()
    });
    let before = network.received().len();
    let (events, answer) = ask(&mut client, &session.session_id, NAV_QUESTION).await;
    assert_eq!(answer.agency_ids, ["nav"], "answered on the third try");
    assert!(refused_reasons(&events).is_empty());
    assert_eq!(network.received().len() - before, 3);

    network.tamper(Tampering {
        overloaded_for: usize::MAX,
        ..Tampering::default()
    });
    let before = network.received().len();
    let (events, answer) = ask(&mut client, &session.session_id, NAV_QUESTION).await;
    assert_eq!(refused_reasons(&events), ["nav:overloaded"]);
    assert_eq!(answer.missing_agency_ids, ["nav"]);
    let tries = network.received().len() - before;
    assert!(
        (2..=8).contains(&tries),
        "a few tries with growing pauses, not a busy loop: {tries}"
    );
    network.stop().await;
}

/// The master admits only as many questions at once as it can answer in
/// full: the next is refused at once with UNAVAILABLE and a retry hint, its
/// message not kept, and questions are admitted again as turns end.
#[tokio::test]
async fn questions_beyond_what_the_master_admits_are_refused_at_once_with_a_retry_hint() {
    let mut config = master_config();
    config.max_turns_in_flight = 1;
    let network = RecordingNetwork::start_with(config).await;
    let (mut client, session) = network.citizen().await;
    network.tamper(Tampering {
        delay: Some(Duration::from_millis(500)),
        ..Tampering::default()
    });
    let request = |text: &str| veiviser_proto::master::v1::AskRequest {
        session_id: session.session_id.clone(),
        text: text.to_string(),
        language: String::new(),
    };
    let mut slow = client.clone();
    let in_flight = slow.ask(request(NAV_QUESTION)).await.expect("admitted").into_inner();
    let refused = client.ask(request("og hvor mye får jeg?")).await.expect_err("busy");
    assert_eq!(refused.code(), tonic::Code::Unavailable);
    assert!(
        refused.metadata().get("grpc-retry-pushback-ms").is_some(),
        "a hint when to try again"
    );
    let events: Vec<AskEvent> = futures::StreamExt::collect::<Vec<_>>(in_flight)
        .await
        .into_iter()
        .map(|e| e.expect("event"))
        .collect();
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.event, Some(Event::Final(f)) if f.agency_ids == ["nav"])),
        "the admitted question is answered in full"
    );
    network.tamper(Tampering::default());
    let (_, answer) = ask(&mut client, &session.session_id, NAV_QUESTION).await;
    assert_eq!(answer.agency_ids, ["nav"], "admitted again once the turn ended");
    let transcript = crate::support::transcript(&mut client, &session.session_id).await;
    assert!(
        transcript.entries.iter().all(|e| !e.text.contains("hvor mye får jeg")),
        "the refused message was not kept"
    );
    network.stop().await;
}
