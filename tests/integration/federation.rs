//! The master driven through its public gRPC API with the real agencies
//! in-process: routing, the life-event fan-out and merge, agencies that are
//! down, slow or late, referrals, the acknowledgement gate and bad input.

use std::time::Duration;

use tokio::net::TcpListener;
use veiviser_agency_sdk::{AgencyConfig, Assistant};
use veiviser_cli::client;
use veiviser_cli::output::AnswerJson;
use veiviser_master::routing::Choice;
use veiviser_master::text::{localized, name_in_text};
use veiviser_master::turn::plan::approximate_days;
use veiviser_proto::master::v1::{
    EndSessionRequest, GetTranscriptRequest, ListAgenciesRequest, Route, StartSessionRequest, ask_event::Event,
};
use veiviser_testkit::federation::built_in_assistants;

use crate::support::{
    READY, ask, ask_status, connect, event_kinds, federation, federation_with, master_config, raw_request_status,
    session, synthetic_agency, transcript,
};

const FATHER_DIED: &str = "min far er død, hva må jeg gjøre?";

#[tokio::test]
async fn routes_each_question_to_its_agency() {
    let federation = federation().await;
    let (mut client, session_id) = session(&federation, "nb").await;
    for (question, agency) in [
        ("hvordan søker jeg om dagpenger når jeg har mistet jobben", "nav"),
        ("jeg trenger barnehageplass til datteren min til høsten", "kommune"),
        ("hvordan endrer jeg skattekortet mitt", "skatteetaten"),
    ] {
        let (events, answer) = ask(&mut client, &session_id, question).await;
        assert_eq!(answer.route, i32::from(Route::Agency), "{question}: {}", answer.intent);
        assert!(
            answer.intent.starts_with(&format!("{agency}/")),
            "{question}: {}",
            answer.intent
        );
        assert_eq!(
            answer.agency_ids.first().map(String::as_str),
            Some(agency),
            "{question}"
        );
        assert_eq!(event_kinds(&events).first().map(String::as_str), Some("routing"));
        assert_eq!(event_kinds(&events).last().map(String::as_str), Some("final"));
        assert!(
            event_kinds(&events).contains(&format!("answer:{agency}")),
            "{:?}",
            event_kinds(&events)
        );
        assert!(
            answer.text.contains("https://"),
            "answers carry the agency link: {}",
            answer.text
        );
    }
    federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn answers_in_the_session_language() {
    let federation = federation().await;
    for (language, question, expected_word) in [
        ("en", "how do I apply for the funeral grant", "apply"),
        ("nn", "korleis søkjer eg om gravferdsstønad", "søk"),
    ] {
        let (mut client, session_id) = session(&federation, language).await;
        let (_, answer) = ask(&mut client, &session_id, question).await;
        assert_eq!(answer.language, language);
        assert_eq!(answer.intent, "nav/gravferdsstonad", "{question}");
        assert!(
            answer.text.to_lowercase().contains(expected_word),
            "{language}: {}",
            answer.text
        );
    }
    federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn life_event_asks_every_agency_and_merges_one_plan() {
    let federation = federation().await;
    let (mut client, session_id) = session(&federation, "nb").await;
    let (events, answer) = ask(&mut client, &session_id, FATHER_DIED).await;

    assert_eq!(answer.route, i32::from(Route::LifeEvent));
    assert_eq!(answer.intent, "life-event/dodsfall-og-arv");
    let mut answered = answer.agency_ids.clone();
    answered.sort();
    assert_eq!(answered, ["kommune", "nav", "skatteetaten"]);
    assert!(answer.missing_agency_ids.is_empty());
    let kinds = event_kinds(&events);
    assert_eq!(
        kinds.iter().filter(|k| k.starts_with("answer:")).count(),
        3,
        "{kinds:?}"
    );

    // One plan: in phases (by deadline, or the phase an agency gave an undated
    // task), dated tasks in deadline order within a phase, tasks that apply only
    // under a condition last with their condition; keys unique, every item
    // attributed to an agency that answered.
    const PHASES: [&str; 6] = [
        "first-days",
        "first-weeks",
        "six-months",
        "later",
        "no-deadline",
        "only-if",
    ];
    let order: Vec<(usize, u32)> = answer
        .checklist
        .iter()
        .map(|item| {
            let phase = PHASES.iter().position(|p| *p == item.group).expect("a known group");
            (phase, item.deadline.as_ref().and_then(approximate_days).unwrap_or(0))
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0].0 <= w[1].0),
        "not in phase order: {order:?}"
    );
    for item in &answer.checklist {
        assert_eq!(item.group == "only-if", !item.only_if.is_empty(), "{item:?}");
    }
    assert!(
        answer.checklist.iter().any(|i| !i.only_if.is_empty()),
        "conditions reach the plan"
    );
    assert!(
        answer
            .checklist
            .iter()
            .any(|i| i.deadline.is_none() && i.group == "first-days"),
        "an undated task placed by its phase"
    );
    let mut keys: Vec<&str> = answer.checklist.iter().map(|i| i.key.as_str()).collect();
    let total = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), total, "duplicate plan items");
    for item in &answer.checklist {
        assert!(
            !item.agency_ids.is_empty() && item.agency_ids.iter().all(|a| answer.agency_ids.contains(a)),
            "{item:?}"
        );
        assert!(!item.group_label.is_empty());
    }
    for agency in ["nav", "kommune", "skatteetaten"] {
        assert!(
            answer.checklist.iter().any(|i| i.agency_ids[0] == agency),
            "no item from {agency}"
        );
    }
    // The funeral (10 working days) comes first; the funeral grant (6 months) before open items.
    assert_eq!(answer.checklist[0].group, "first-days");
    let position = |key: &str| answer.checklist.iter().position(|i| i.key == key);
    assert!(position("gravferd-gjennomfort") < position("gravferdsstonad-soknad"));
    assert!(position("gravferdsstonad-soknad") < position("skattemelding-avdode"));

    // The JSON that `veiviser ask --json` prints carries the stable fields.
    let json = serde_json::to_value(AnswerJson::from(&answer)).expect("serialisable");
    for field in [
        "agencies",
        "intent",
        "confidence",
        "answer",
        "checklist",
        "missing_agencies",
    ] {
        assert!(json.get(field).is_some(), "missing {field}");
    }
    let first_dated = json["checklist"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|item| !item["deadline"].is_null())
        .expect("a dated task");
    assert_eq!(first_dated["deadline"]["unit"], "working_days");
    assert!(
        json["checklist"][0].get("only_if").is_some(),
        "the condition is a field"
    );
    federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn an_agency_that_is_down_is_named_and_the_rest_still_answer() {
    let mut federation = federation().await;
    federation.stop_agency("nav").await.expect("nav stops");
    let (mut client, session_id) = session(&federation, "nb").await;

    let (events, answer) = ask(&mut client, &session_id, FATHER_DIED).await;
    assert_eq!(answer.missing_agency_ids, ["nav"]);
    let mut answered = answer.agency_ids.clone();
    answered.sort();
    assert_eq!(answered, ["kommune", "skatteetaten"]);
    assert!(event_kinds(&events).contains(&"unavailable:nav".to_string()));
    assert!(
        answer.text.contains("NAV"),
        "the answer names the missing agency: {}",
        answer.text
    );
    assert!(
        answer
            .checklist
            .iter()
            .all(|i| !i.agency_ids.contains(&"nav".to_string()))
    );
    assert!(!answer.checklist.is_empty());

    // A question for NAV alone says so instead of failing.
    let (_, answer) = ask(&mut client, &session_id, "hvordan søker jeg gravferdsstønad").await;
    assert_eq!(answer.missing_agency_ids, ["nav"]);
    assert!(answer.agency_ids.is_empty());

    // Back up: the same session gets NAV's part again.
    federation.restart_agency("nav").await.expect("nav restarts");
    let (_, answer) = ask(&mut client, &session_id, FATHER_DIED).await;
    assert!(answer.missing_agency_ids.is_empty(), "{:?}", answer.missing_agency_ids);
    assert!(answer.agency_ids.contains(&"nav".to_string()));
    federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn an_agency_that_hangs_is_cut_off_at_its_deadline() {
    let config = veiviser_master::MasterConfig {
        agency_timeout: Duration::from_millis(400),
        ..master_config()
    };
    let mut federation = federation_with(built_in_assistants().expect("content"), config).await;
    let nav = federation.agencies.iter().find(|a| a.id == "nav").expect("nav").address;
    federation.stop_agency("nav").await.expect("nav stops");
    // Something now accepts connections on NAV's address but never answers.
    let black_hole = TcpListener::bind(nav).await.expect("address free again");
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = black_hole.accept().await {
            held.push(socket);
        }
    });

    let (mut client, session_id) = session(&federation, "nb").await;
    let (events, answer) = ask(&mut client, &session_id, FATHER_DIED).await;
    assert_eq!(answer.missing_agency_ids, ["nav"]);
    assert_eq!(answer.agency_ids.len(), 2);
    let reason = events.iter().find_map(|e| match &e.event {
        Some(Event::AgencyUnavailable(u)) => Some(u.reason.clone()),
        _ => None,
    });
    assert_eq!(reason.as_deref(), Some("timeout"));
    holder.abort();
    federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn an_agency_that_is_down_at_start_joins_when_it_comes_up() {
    let assistants = built_in_assistants().expect("content");
    // NAV's port is reserved but nothing serves it yet.
    let late = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let late_address = late.local_addr().expect("address");
    let mut others = Vec::new();
    let mut nav = None;
    for assistant in assistants {
        if assistant.agency_id() == "nav" {
            nav = Some(assistant);
        } else {
            others.push(assistant);
        }
    }
    let mut config = master_config();
    config.agency_timeout = Duration::from_millis(300);
    let federation = federation_with(others, config.clone()).await;
    // A second master that also knows the late agency.
    config.agencies = federation
        .agencies
        .iter()
        .map(|a| format!("http://{}", a.address))
        .chain([format!("http://{late_address}")])
        .collect();
    let master = veiviser_master::Master::new(config).await.expect("master");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let master_address = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = master.clone();
    let master_task = tokio::spawn(veiviser_master::serve_master(listener, served, async {
        let _ = stopped.await;
    }));
    let mut snapshots = master.network().subscribe();
    let two = snapshots.wait_for(|s| s.agencies.iter().filter(|a| a.reachable).count() == 2);
    tokio::time::timeout(READY, two)
        .await
        .expect("in time")
        .expect("master alive");

    let mut client = client::connect(&master_address.to_string()).await.expect("master");
    let listed = client
        .list_agencies(ListAgenciesRequest {})
        .await
        .expect("listed")
        .into_inner();
    let late_status = listed
        .agencies
        .iter()
        .find(|a| a.address.ends_with(&late_address.to_string()))
        .expect("listed");
    assert!(!late_status.reachable && late_status.card.is_none());

    // NAV comes up on the reserved port; the master notices without a restart.
    let (nav_stop, nav_stopped) = tokio::sync::oneshot::channel::<()>();
    let nav_task = tokio::spawn(veiviser_agency_sdk::serve(
        late,
        nav.expect("nav"),
        AgencyConfig::default(),
        async {
            let _ = nav_stopped.await;
        },
    ));
    let three = snapshots.wait_for(|s| s.agencies.iter().filter(|a| a.reachable).count() == 3);
    tokio::time::timeout(READY, three)
        .await
        .expect("in time")
        .expect("master alive");

    let session = client::start_session(&mut client, "nb", true).await.expect("session");
    let (_, answer) = ask(&mut client, &session.session_id, "hvordan søker jeg gravferdsstønad").await;
    assert_eq!(answer.agency_ids.first().map(String::as_str), Some("nav"));

    let _ = stop.send(());
    let _ = nav_stop.send(());
    master_task.await.expect("joined").expect("master ran");
    nav_task.await.expect("joined").expect("nav ran");
    federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn referrals_are_followed_and_unconnected_agencies_named() {
    let federation = federation().await;
    let (mut client, session_id) = session(&federation, "nb").await;

    // NAV's funeral-grant answer refers to the municipality for who arranges the funeral.
    let (events, answer) = ask(&mut client, &session_id, "hvordan søker jeg gravferdsstønad").await;
    assert_eq!(answer.agency_ids, ["nav", "kommune"]);
    let referred_by = events.iter().find_map(|e| match &e.event {
        Some(Event::AgencyAnswer(a)) if a.answer.as_ref().is_some_and(|r| r.agency_id == "kommune") => {
            Some(a.referred_by.clone())
        }
        _ => None,
    });
    assert_eq!(referred_by.as_deref(), Some("nav"));

    // Settling the estate belongs to the courts, which are not in the network yet.
    let (_, answer) = ask(
        &mut client,
        &session_id,
        "hvordan får vi skifteattest etter privat skifte",
    )
    .await;
    assert_eq!(answer.agency_ids, ["skatteetaten"]);
    assert!(
        answer.text.contains("Tingretten") && answer.text.contains("https://www.domstol.no"),
        "{}",
        answer.text
    );
    federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn referral_loops_stop_and_chains_end_at_the_hop_limit() {
    // alfa refers to beta, beta back to alfa: each is asked once.
    let looping = vec![
        synthetic_agency("alfa", "alfaqux", Some(("beta", "betazed"))),
        synthetic_agency("beta", "betazed", Some(("alfa", "alfaqux"))),
    ];
    let federation = federation_with(looping, master_config()).await;
    let (mut client, session_id) = session(&federation, "nb").await;
    let (_, answer) = ask(&mut client, &session_id, "et alfaqux spørsmål om alfaquxordningen").await;
    assert_eq!(answer.agency_ids, ["alfa", "beta"]);
    federation.shutdown().await.expect("clean shutdown");

    // a → b → c → d with two hops allowed: d is named with its link, not asked.
    let chain = vec![
        synthetic_agency("a", "ankel", Some(("b", "bakke"))),
        synthetic_agency("b", "bakke", Some(("c", "cello"))),
        synthetic_agency("c", "cello", Some(("d", "dugnad"))),
        synthetic_agency("d", "dugnad", None),
    ];
    let federation = federation_with(chain, master_config()).await;
    let (mut client, session_id) = session(&federation, "nb").await;
    let (_, answer) = ask(&mut client, &session_id, "et ankel spørsmål om ankelordningen").await;
    assert_eq!(answer.agency_ids, ["a", "b", "c"]);
    assert!(answer.text.contains("https://d.example.no"), "{}", answer.text);
    federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn out_of_scope_human_and_small_talk_are_answered_honestly() {
    let federation = federation().await;
    let (mut client, session_id) = session(&federation, "en").await;

    let (events, answer) = ask(&mut client, &session_id, "what is the weather in Bergen tomorrow").await;
    assert_eq!(answer.route, i32::from(Route::OutOfScope));
    assert!(answer.agency_ids.is_empty());
    assert_eq!(event_kinds(&events), ["routing", "final"], "no agency is asked");
    assert!(answer.text.contains("norge.no"));

    let (_, answer) = ask(&mut client, &session_id, "I want to talk to a real person").await;
    assert_eq!(answer.route, i32::from(Route::Human));
    assert!(answer.human_needed);
    assert!(
        answer.text.contains("55 55 33 33") && answer.text.contains("800 80 000"),
        "{}",
        answer.text
    );

    let (_, answer) = ask(&mut client, &session_id, "hello there").await;
    assert_eq!(answer.route, i32::from(Route::SmallTalk));

    // Nothing recognised at all is "I didn't understand", not "I can't help with that".
    let texts = &veiviser_master::content::MasterContent::embedded()
        .expect("content")
        .language("en")
        .expect("en")
        .texts
        .clone();
    let (_, nonsense) = ask(&mut client, &session_id, "qwxz vbnm trrp").await;
    assert_eq!(nonsense.route, i32::from(Route::OutOfScope));
    assert_eq!(nonsense.text, texts.not_understood);
    let (_, elsewhere) = ask(&mut client, &session_id, "what is the weather in Tromsø on Sunday").await;
    assert_ne!(elsewhere.text, texts.not_understood, "known to be another service's");
    // Twice not understood: a person is offered, in the same language as the answer.
    let (_, again) = ask(&mut client, &session_id, "qwxz vbnm trrp").await;
    let offer = again.handover.expect("a person offered");
    let opening = |template: &str| template.split('{').next().unwrap_or_default().trim().to_string();
    let english = [
        opening(&texts.handover_offer_not_understood),
        opening(&texts.handover_closed),
    ];
    assert!(
        english
            .iter()
            .any(|start| !start.is_empty() && offer.text.starts_with(start.as_str())),
        "the offer in English: {}",
        offer.text
    );
    federation.shutdown().await.expect("clean shutdown");
}

/// A clarifying question's option, clicked (or typed), answers the question
/// it was about from the agency chosen, not the option's words.
#[tokio::test]
async fn a_choice_after_a_clarifying_question_answers_the_question_asked() {
    let federation = federation().await;
    let (mut client, session_id) = session(&federation, "nb").await;
    let question = "hvordan søker jeg gravferdsstønad";
    let (_, direct) = ask(&mut client, &session_id, question).await;
    assert_eq!(direct.agency_ids.first().map(String::as_str), Some("nav"));
    // As if the router had asked whether it was about the municipality's or
    // NAV's part: a turn (started here) that ends with a clarifying question.
    let (_, turn) = federation.master.sessions().take_choice(&session_id, question);
    federation.master.sessions().offer_choices(
        &session_id,
        turn,
        veiviser_master::sessions::OfferedChoices {
            question: question.into(),
            options: vec![
                ("Gravferd (Kommunen)".into(), Choice::Agency("kommune".into())),
                ("Stønader (NAV)".into(), Choice::Agency("nav".into())),
            ],
        },
    );
    let (_, chosen) = ask(&mut client, &session_id, "Stønader (NAV)").await;
    assert_eq!(chosen.route, i32::from(Route::Agency));
    assert_eq!(chosen.agency_ids, direct.agency_ids);
    assert_eq!(chosen.intent, direct.intent, "the question's skill, not the label's");
    assert_eq!(chosen.text, direct.text);
    // Typed again, the label is only words: the choice was made once.
    let (_, again) = ask(&mut client, &session_id, "Stønader (NAV)").await;
    assert_ne!(again.intent, direct.intent, "{}", again.intent);
    federation.shutdown().await.expect("clean shutdown");
}

/// A question that could be either of two agencies' is asked back by what
/// each answers, not by names the citizen must know; the pick answers it.
/// (Thresholds that ask back whenever two agencies' words are found, so the
/// test does not hang on where today's router draws that line.)
#[tokio::test]
async fn a_clarifying_question_names_what_each_agency_answers() {
    let thresholds = veiviser_master::routing::Thresholds {
        ambiguity_margin: 1.0,
        clarify_margin: 10.0,
        ..Default::default()
    };
    let assistants = veiviser_testkit::federation::built_in_assistants().expect("content");
    let federation = crate::support::federation_with(
        assistants,
        veiviser_master::MasterConfig {
            thresholds,
            ..crate::support::master_config()
        },
    )
    .await;
    let (mut client, session_id) = session(&federation, "nb").await;
    let (_, unclear) = ask(&mut client, &session_id, "dagpenger og skattemelding").await;
    assert_eq!(unclear.route, i32::from(Route::Clarify), "{}", unclear.intent);
    let cards: Vec<_> = federation
        .master
        .network()
        .snapshot()
        .known()
        .map(|(_, c)| c.clone())
        .collect();
    for option in &unclear.options {
        let card = cards
            .iter()
            .find(|card| option.contains(&format!("({})", name_in_text(card, "nb"))))
            .unwrap_or_else(|| panic!("an agency's option: {option}"));
        let topics = localized(&card.topics, "nb");
        assert!(
            !topics.is_empty() && option.to_lowercase().starts_with(topics),
            "{option}"
        );
        assert!(unclear.text.contains(topics), "the question names it: {}", unclear.text);
    }
    let pick = unclear.options.first().expect("options").clone();
    let (_, answered) = ask(&mut client, &session_id, &pick).await;
    assert_eq!(answered.route, i32::from(Route::Agency));
    assert!(
        pick.contains(&format!(
            "({})",
            federation
                .master
                .network()
                .snapshot()
                .card(&answered.agency_ids[0])
                .map(|c| name_in_text(c, "nb").to_string())
                .unwrap_or_default()
        )),
        "answered by the agency picked: {pick} → {:?}",
        answered.agency_ids
    );
    federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn agencies_are_named_inside_sentences_as_their_cards_say() {
    let federation = federation().await;
    for (language, question, in_text, display) in [
        ("nb", "min far er død, hva må jeg gjøre?", "kommunen", "Kommunen"),
        (
            "en",
            "my father died, what do I need to do?",
            "the municipality",
            "The municipality",
        ),
    ] {
        let (mut client, session_id) = session(&federation, language).await;
        let (_, plan) = ask(&mut client, &session_id, question).await;
        let intro = plan.text.split("\n\n").next().expect("an intro");
        assert!(intro.contains(in_text), "{language}: {intro}");
        assert!(!intro.contains(display), "{language}: no capital mid-sentence: {intro}");
    }
    federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn the_chat_starts_only_after_the_acknowledgement() {
    let federation = federation().await;
    let mut client = connect(&federation).await;
    let refused = client
        .start_session(StartSessionRequest {
            acknowledged_no_personal_data: false,
            language: "nb".into(),
            ..Default::default()
        })
        .await
        .expect_err("refused");
    assert_eq!(refused.code(), tonic::Code::FailedPrecondition);
    assert!(refused.message().contains("personal data"), "{}", refused.message());
    assert_eq!(federation.master.sessions().open_count(), 0, "no session was opened");
    federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn bad_input_gets_a_clear_status_and_the_master_keeps_serving() {
    let federation = federation().await;
    let (mut client, session_id) = session(&federation, "nb").await;

    let status = ask_status(&mut client, &session_id, "", "").await;
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(status.message().contains("empty"));
    let status = ask_status(&mut client, &session_id, " \n\t ", "").await;
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    let megabyte = "a".repeat(1 << 20);
    let status = ask_status(&mut client, &session_id, &megabyte, "").await;
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(status.message().contains("2000"), "{}", status.message());
    let status = ask_status(&mut client, "no-such-session", "hei", "").await;
    assert_eq!(status.code(), tonic::Code::NotFound);
    let status = ask_status(&mut client, &session_id, "hei", "klingon").await;
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(
        !status.message().contains("klingon") && status.message().contains("nb"),
        "names the languages there are, never echoes the input: {}",
        status.message()
    );
    let refused = client
        .start_session(StartSessionRequest {
            acknowledged_no_personal_data: true,
            language: "xx".into(),
            ..Default::default()
        })
        .await
        .expect_err("unknown language");
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);

    // Text that is not UTF-8 is the caller's error, named by field, never echoed,
    // at the master and at an agency alike.
    let not_utf8 = b"hei \xff\xfe dagpenger";
    let status = raw_request_status(
        federation.master_address,
        "/veiviser.master.v1.CitizenAssistant/Ask",
        session_id.as_bytes(),
        not_utf8,
    )
    .await;
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert!(
        status.message().contains("text") && status.message().contains("UTF-8"),
        "names the field and the rule: {}",
        status.message()
    );
    assert!(!status.message().contains("dagpenger"), "never echoes the input");
    let status = raw_request_status(
        federation.agencies[0].address,
        "/veiviser.agency.v1.AgencyAssistant/Ask",
        not_utf8,
        b"nb",
    )
    .await;
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");

    // The same session and a new one still work.
    let (_, answer) = ask(&mut client, &session_id, "hvordan søker jeg om dagpenger").await;
    assert_eq!(answer.agency_ids.first().map(String::as_str), Some("nav"));
    let (mut other, other_session) = session(&federation, "en").await;
    let (_, answer) = ask(&mut other, &other_session, "how do I apply for child benefit").await;
    assert!(!answer.text.is_empty());
    federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn the_transcript_holds_the_conversation_until_the_session_ends() {
    let federation = federation().await;
    let (mut client, session_id) = session(&federation, "nb").await;
    ask(&mut client, &session_id, "hvordan søker jeg om dagpenger").await;
    ask(&mut client, &session_id, FATHER_DIED).await;
    let transcript = transcript(&mut client, &session_id).await;
    let roles: Vec<&str> = transcript.entries.iter().map(|e| e.role.as_str()).collect();
    assert_eq!(roles, ["citizen", "assistant", "citizen", "assistant"]);
    assert_eq!(transcript.entries[2].text, FATHER_DIED);
    assert_eq!(transcript.entries[3].intent, "life-event/dodsfall-og-arv");
    assert!(transcript.entries.iter().all(|e| e.at.ends_with('Z')));

    client
        .end_session(EndSessionRequest {
            session_id: session_id.clone(),
        })
        .await
        .expect("ended");
    let gone = client
        .get_transcript(GetTranscriptRequest { session_id })
        .await
        .expect_err("ended sessions have no transcript");
    assert_eq!(gone.code(), tonic::Code::NotFound);
    federation.shutdown().await.expect("clean shutdown");
}

#[test]
fn built_in_cards_declare_what_the_contract_requires() {
    for assistant in built_in_assistants().expect("content") {
        let card = assistant.card();
        let id = &card.agency_id;
        assert_eq!(card.organisation_number.len(), 9, "{id}");
        assert_eq!(card.languages, ["en", "nb", "nn"], "{id}");
        assert!(card.life_events.iter().any(|e| e.id == "dodsfall-og-arv"), "{id}");
        assert!(!card.profile_attributes.is_empty(), "{id}");
        assert!(card.skills.len() >= 8, "{id}");
        for skill in &card.skills {
            for language in ["nb", "nn", "en"] {
                assert!(
                    skill.examples.iter().filter(|e| e.language == language).count() >= 8,
                    "{id}/{} {language}",
                    skill.id
                );
            }
        }
        let _: &Assistant = &assistant;
    }
}

/// The master says why it routed as it did, answers in the language the
/// question is written in, leaves masked data out of the decision, and
/// counts by concept what it could not route.
#[tokio::test]
async fn routing_explains_itself_and_reports_what_it_could_not_route() {
    let federation = federation().await;
    let (mut client, session_id) = session(&federation, "nb").await;

    let (_, answer) = ask(&mut client, &session_id, "how do I apply for the funeral grant").await;
    assert_eq!(answer.agency_ids.first().map(String::as_str), Some("nav"));
    assert_eq!(answer.language, "en", "answered in the question's language");
    let explanation = AnswerJson::from(&answer).explanation.expect("an explanation");
    assert_eq!(
        (explanation.domain.as_str(), explanation.detected_language.as_str()),
        ("nav", "en")
    );
    assert!(!explanation.concepts.is_empty() && !explanation.nearest_example.is_empty());
    assert!(
        !explanation.concepts.iter().any(|c| c.contains("how do I")),
        "only content, never the question: {:?}",
        explanation.concepts
    );

    let (_, answer) = ask(&mut client, &session_id, "kva må eg gjere no når far min har døydd?").await;
    assert_eq!(answer.route, i32::from(Route::LifeEvent));
    assert_eq!(answer.language, "nn");

    let plain = ask(&mut client, &session_id, "har jeg krav på barnetrygd").await.1;
    let masked = ask(
        &mut client,
        &session_id,
        "fødselsnummeret mitt er 14838512047, har jeg krav på barnetrygd?",
    )
    .await
    .1;
    assert_eq!(masked.masked, ["fodselsnummer"]);
    assert_eq!(
        (masked.route, &masked.intent),
        (plain.route, &plain.intent),
        "the number does not move the route"
    );

    let (_, answer) = ask(&mut client, &session_id, "hvor fornyer jeg passet mitt hos politiet").await;
    assert_eq!(answer.route, i32::from(Route::OutOfScope));
    let (_, report) = crate::support::admin_page(&federation, "/unanswered").await;
    let report: serde_json::Value = serde_json::from_str(&report).expect("JSON");
    let master = report["master"].as_array().expect("the master's concepts");
    assert!(
        master.iter().any(|row| row["concept"] == "andre-offentlige-tjenester"
            && row["outcome"] == "out-of-scope"
            && row["count"] == 1),
        "{report}"
    );
    assert!(!report.to_string().contains("passet"), "counts, never text: {report}");
    federation.shutdown().await.expect("clean shutdown");
}

/// "i går" in the message: the plan's deadlines fall on calendar days counted
/// from the day before the master's today, working days skipping weekends and
/// holidays, and the answer says what they are counted from.
#[tokio::test]
async fn a_plan_works_out_its_days_from_the_date_of_death_the_message_gives() {
    // Tuesday 1 December 2026, noon in Oslo.
    let clock = veiviser_runtime::clock::ManualClock::new(
        std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_126_400),
    );
    let mut config = master_config();
    config.clock = std::sync::Arc::new(clock);
    let federation = federation_with(built_in_assistants().expect("content"), config).await;
    let (mut client, session_id) = session(&federation, "nb").await;
    let (_, answer) = ask(&mut client, &session_id, "Far døde i går. Hva må vi gjøre nå?").await;
    assert_eq!(answer.plan_counted_from, "2026-11-30");
    let funeral = answer
        .checklist
        .iter()
        .find(|item| {
            item.deadline.as_ref().is_some_and(|d| {
                d.within == 10 && d.unit == i32::from(veiviser_proto::agency::v1::DeadlineUnit::WorkingDays)
            })
        })
        .expect("the funeral's ten working days");
    assert_eq!(
        funeral.due_date, "2026-12-14",
        "ten working days after Monday 30 November"
    );
    assert!(
        funeral.deadline_text.contains("14. desember 2026"),
        "{}",
        funeral.deadline_text
    );
    assert!(
        answer.text.contains("30. november 2026"),
        "the answer says what it counts from"
    );
    assert!(
        answer
            .checklist
            .iter()
            .all(|item| item.deadline.is_some() != item.due_date.is_empty()),
        "every deadline has its day, and only deadlines"
    );

    let (_, undated) = ask(&mut client, &session_id, "Hva må vi gjøre når noen dør?").await;
    assert!(undated.plan_counted_from.is_empty());
    assert!(undated.checklist.iter().all(|item| item.due_date.is_empty()));
    federation.shutdown().await.expect("clean shutdown");
}
