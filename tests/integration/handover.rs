//! Handover to human advisors: citizens queue in an agency's opening hours
//! and see their place; advisors connect to the desk over gRPC streaming,
//! receive the masked history, answer, and hand back or close; outside the
//! hours the citizen gets the hours and the alternatives; the human part of
//! a social-services conversation is deleted when it ends.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tonic::{Code, Streaming};
use veiviser_cli::advisor::{action, attend};
use veiviser_cli::client::MasterClient;
use veiviser_master::MasterConfig;
use veiviser_proto::master::v1::{
    DeskAction, DeskEvent, HandBack, HandoverEvent, HandoverState, HandoverStatus, LeaveHandoverRequest, Reply,
    RequestHumanRequest, Route, Take, WaitingConversation, WatchHandoverRequest, desk_action, desk_event,
    handover_event,
};
use veiviser_runtime::clock::ManualClock;
use veiviser_testkit::federation::{Federation, built_in_assistants};

use crate::support::{READY, ask, federation_with, master_config, session, transcript};

/// Tuesday 24 November 2026, 13:00 in Oslo: NAV's advisors answer.
const TUESDAY_1300_OSLO: u64 = 1_795_521_600;
/// Saturday 28 November 2026, 11:00 in Oslo.
const SATURDAY_1100_OSLO: u64 = 1_795_860_000;
/// Monday 17 May 2027 (Constitution Day), 11:00 in Oslo.
const CONSTITUTION_DAY_1100_OSLO: u64 = 1_810_544_400;

const ADVISOR: &str = "Veileder Anne";

async fn federation_at(unix: u64, adjust: impl FnOnce(&mut MasterConfig)) -> Federation {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(unix));
    let mut config = master_config();
    config.clock = Arc::new(clock);
    adjust(&mut config);
    federation_with(built_in_assistants().expect("content"), config).await
}

/// An advisor at `agency`'s desk: where to send actions, and the events.
struct Advisor {
    actions: tokio::sync::mpsc::Sender<DeskAction>,
    events: Streaming<DeskEvent>,
}

impl Advisor {
    async fn sign_in(federation: &Federation, agency: &str) -> Self {
        let (actions, events) = attend(&federation.master_address.to_string(), None, agency, ADVISOR)
            .await
            .expect("advisor signs in");
        Self { actions, events }
    }

    async fn send(&self, next: desk_action::Action) {
        self.actions.send(action(next)).await.expect("desk listening");
    }

    /// Reads events until one matches; panics if none does in time.
    async fn until<T>(&mut self, mut pick: impl FnMut(desk_event::Event) -> Option<T>) -> T {
        first_matching(&mut self.events, |event: DeskEvent| event.event.and_then(&mut pick)).await
    }

    async fn queue_of(&mut self, waiting: usize) -> Vec<WaitingConversation> {
        self.until(|event| match event {
            desk_event::Event::Queue(queue) if queue.waiting.len() == waiting => Some(queue.waiting),
            _ => None,
        })
        .await
    }

    async fn assigned(&mut self) -> WaitingConversation {
        self.until(|event| match event {
            desk_event::Event::Assigned(conversation) => Some(conversation),
            _ => None,
        })
        .await
    }
}

pub(crate) async fn request_human(
    client: &mut MasterClient,
    session_id: &str,
    agency_id: &str,
) -> Result<HandoverStatus, Code> {
    client
        .request_human(RequestHumanRequest {
            session_id: session_id.to_string(),
            agency_id: agency_id.to_string(),
        })
        .await
        .map(|r| r.into_inner())
        .map_err(|s| s.code())
}

pub(crate) async fn watch(client: &mut MasterClient, session_id: &str) -> Streaming<HandoverEvent> {
    client
        .watch_handover(WatchHandoverRequest {
            session_id: session_id.to_string(),
        })
        .await
        .expect("handover to watch")
        .into_inner()
}

/// Reads the citizen's handover events until one matches.
pub(crate) async fn citizen_until<T>(
    events: &mut Streaming<HandoverEvent>,
    mut pick: impl FnMut(handover_event::Event) -> Option<T>,
) -> T {
    first_matching(events, |event: HandoverEvent| event.event.and_then(&mut pick)).await
}

/// Reads a stream until `pick` finds something; panics if it ends or nothing matches in time.
async fn first_matching<M, T>(stream: &mut Streaming<M>, mut pick: impl FnMut(M) -> Option<T>) -> T {
    let wait = async {
        loop {
            let message = stream.message().await.expect("stream readable").expect("stream open");
            if let Some(found) = pick(message) {
                return found;
            }
        }
    };
    tokio::time::timeout(READY, wait)
        .await
        .expect("a matching event in time")
}

pub(crate) async fn citizen_status(events: &mut Streaming<HandoverEvent>, state: HandoverState) -> HandoverStatus {
    citizen_until(events, |event| match event {
        handover_event::Event::Status(status) if status.state == i32::from(state) => Some(status),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn a_citizen_who_asks_for_a_person_reaches_an_advisor_with_the_masked_history() {
    let federation = federation_at(TUESDAY_1300_OSLO, |_| {}).await;
    let mut advisor = Advisor::sign_in(&federation, "nav").await;
    assert!(advisor.queue_of(0).await.is_empty(), "the queue starts empty");

    let (mut kari, kari_session) = session(&federation, "nb").await;
    ask(
        &mut kari,
        &kari_session,
        "mitt fødselsnummer er 14838512047, hvordan søker jeg gravferdsstønad?",
    )
    .await;
    let (_, answer) = ask(&mut kari, &kari_session, "jeg vil snakke med et menneske").await;
    assert_eq!(answer.route, i32::from(Route::Human));
    let offer = answer.handover.expect("a person is offered");
    assert_eq!((offer.agency_id.as_str(), offer.reason.as_str()), ("nav", "asked"));
    assert!(offer.open_now, "NAV answers on Tuesdays at 13:00");

    let queued = request_human(&mut kari, &kari_session, "").await.expect("queued");
    assert_eq!(queued.state, i32::from(HandoverState::Queued));
    assert_eq!((queued.agency_id.as_str(), queued.position), ("nav", 1));
    assert!(queued.text.contains("nummer 1"), "{}", queued.text);
    let again = request_human(&mut kari, &kari_session, "")
        .await
        .expect("same handover");
    assert_eq!(
        again.handover_id, queued.handover_id,
        "asking twice does not queue twice"
    );

    let (mut ola, ola_session) = session(&federation, "en").await;
    let second = request_human(&mut ola, &ola_session, "nav").await.expect("queued");
    assert_eq!(second.position, 2);

    let waiting = advisor.queue_of(2).await;
    assert_eq!(waiting[0].handover_id, queued.handover_id, "oldest first");
    assert!(
        waiting.iter().all(|w| w.history.is_empty()),
        "queue updates carry no history"
    );

    // While Kari waits, the assistant still answers her.
    let (_, while_waiting) = ask(&mut kari, &kari_session, "når må jeg søke gravferdsstønad").await;
    assert_eq!(while_waiting.intent, "nav/gravferdsstonad");

    let mut kari_events = watch(&mut kari, &kari_session).await;
    let mut ola_events = watch(&mut ola, &ola_session).await;
    citizen_status(&mut ola_events, HandoverState::Queued).await;

    advisor
        .send(desk_action::Action::Take(Take {
            handover_id: String::new(),
        }))
        .await;
    let taken = advisor.assigned().await;
    assert_eq!(
        taken.handover_id, queued.handover_id,
        "the longest waiting is taken first"
    );
    assert_eq!(taken.language, "nb");
    let history: String = taken.history.iter().map(|e| e.text.as_str()).collect();
    assert!(history.contains("når må jeg søke") && history.contains("⟨fødselsnummer⟩"));
    assert!(
        !history.contains("14838512047"),
        "the advisor sees the masked history only"
    );
    let with_advisor = citizen_status(&mut kari_events, HandoverState::WithAdvisor).await;
    assert_eq!(with_advisor.advisor, ADVISOR);
    let moved_up = citizen_until(&mut ola_events, |event| match event {
        handover_event::Event::Status(status) if status.position == 1 => Some(status),
        _ => None,
    })
    .await;
    assert!(moved_up.text.contains("number 1"), "{}", moved_up.text);

    // While the advisor has the conversation, the citizen's messages go to them, masked.
    let (events, forwarded) = ask(&mut kari, &kari_session, "ring meg på 912 34 567 om fristen").await;
    assert_eq!(events.len(), 1, "only the final event");
    assert_eq!(
        (forwarded.route, forwarded.intent.as_str()),
        (i32::from(Route::Human), "handover/forwarded")
    );
    assert!(forwarded.text.is_empty());
    assert_eq!(forwarded.masked, ["phone"]);
    let wrote = advisor
        .until(|event| match event {
            desk_event::Event::CitizenWrote(wrote) => Some(wrote),
            _ => None,
        })
        .await;
    assert!(
        wrote.text.contains("fristen") && !wrote.text.contains("912"),
        "{}",
        wrote.text
    );

    advisor
        .send(desk_action::Action::Reply(Reply {
            handover_id: taken.handover_id.clone(),
            text: "Fristen er seks måneder. Jeg ringer deg på 912 34 567, eller ring oss på 55 55 33 33.".into(),
        }))
        .await;
    let reply = citizen_until(&mut kari_events, |event| match event {
        handover_event::Event::AdvisorReply(reply) => Some(reply),
        _ => None,
    })
    .await;
    assert_eq!(reply.advisor, ADVISOR);
    assert!(reply.text.contains("seks måneder"));
    assert!(
        !reply.text.contains("912 34 567") && reply.text.contains("55 55 33 33"),
        "advisors' replies are masked too, the agency's own number excepted: {}",
        reply.text
    );

    // A citizen who reconnects gets the status and the replies so far.
    let mut again = watch(&mut kari, &kari_session).await;
    citizen_status(&mut again, HandoverState::WithAdvisor).await;
    let replayed = citizen_until(&mut again, |event| match event {
        handover_event::Event::AdvisorReply(reply) => Some(reply),
        _ => None,
    })
    .await;
    assert_eq!(
        (replayed.at.as_str(), replayed.text.as_str()),
        (reply.at.as_str(), reply.text.as_str())
    );
    assert!(
        kari_events.message().await.expect("clean end").is_none(),
        "the new watcher replaces the old one"
    );
    let mut kari_events = again;

    advisor
        .send(desk_action::Action::HandBack(HandBack {
            handover_id: taken.handover_id.clone(),
        }))
        .await;
    let ended = citizen_status(&mut kari_events, HandoverState::Ended).await;
    assert!(ended.text.contains("tilbake til Veiviser"), "{}", ended.text);
    assert!(
        kari_events.message().await.expect("clean end").is_none(),
        "the stream ends with the handover"
    );

    let (_, bot_again) = ask(&mut kari, &kari_session, "hvordan søker jeg gravferdsstønad").await;
    assert_eq!(bot_again.intent, "nav/gravferdsstonad", "the assistant answers again");

    // Not a social-services conversation: the human part stays in the transcript.
    let entries = transcript(&mut kari, &kari_session).await.entries;
    let roles: Vec<&str> = entries
        .iter()
        .filter(|e| !e.handover_id.is_empty())
        .map(|e| e.role.as_str())
        .collect();
    assert_eq!(roles, ["citizen", "advisor"]);
}

#[tokio::test]
async fn outside_opening_hours_the_citizen_gets_the_hours_and_alternatives_not_a_queue() {
    for (when, next_opening) in [
        (SATURDAY_1100_OSLO, "2026-11-30T09:00:00+01:00"),
        (CONSTITUTION_DAY_1100_OSLO, "2027-05-18T09:00:00+02:00"),
    ] {
        let federation = federation_at(when, |_| {}).await;
        let (mut client, session_id) = session(&federation, "nb").await;
        let (_, answer) = ask(&mut client, &session_id, "kan jeg få snakke med en veileder").await;
        let offer = answer.handover.expect("the offer says when and how");
        assert!(!offer.open_now);
        assert!(offer.text.contains("55 55 33 33"), "{}", offer.text);

        let closed = request_human(&mut client, &session_id, "nav").await.expect("answered");
        assert_eq!(closed.state, i32::from(HandoverState::Closed));
        assert_eq!(closed.opens_next, next_opening);
        assert!(closed.text.contains("09:00–14:30") && closed.text.contains("https://www.nav.no"));
        assert_eq!(closed.contact.expect("contact").phone, "55 55 33 33");
        assert!(
            federation.master.desk().current(&session_id).is_none(),
            "nobody was queued"
        );
        let watched = client
            .watch_handover(WatchHandoverRequest {
                session_id: session_id.clone(),
            })
            .await;
        assert_eq!(watched.map(|_| ()).unwrap_err().code(), Code::NotFound);
        federation.shutdown().await.expect("stops");
    }
}

#[tokio::test]
async fn a_person_is_offered_after_two_misunderstandings_and_when_an_agency_says_so() {
    let federation = federation_at(TUESDAY_1300_OSLO, |_| {}).await;
    let (mut client, session_id) = session(&federation, "nb").await;
    let (_, first) = ask(&mut client, &session_id, "xqzt vlorp").await;
    assert!(first.handover.is_none(), "one miss is not enough");
    let (_, second) = ask(&mut client, &session_id, "blorf gnabb").await;
    let offer = second.handover.expect("offered after two misses");
    assert_eq!(offer.reason, "not-understood");

    let (_, understood) = ask(&mut client, &session_id, "hvordan søker jeg gravferdsstønad").await;
    assert!(understood.handover.is_none(), "an answer resets the count");
    let (_, third) = ask(&mut client, &session_id, "xqzt vlorp").await;
    assert!(third.handover.is_none());

    let (_, social) = ask(
        &mut client,
        &session_id,
        "jeg har ikke penger til mat, kan jeg søke sosialhjelp",
    )
    .await;
    assert!(social.human_needed);
    let offer = social.handover.expect("NAV says a human is needed");
    assert_eq!((offer.reason.as_str(), offer.agency_id.as_str()), ("agency", "nav"));
}

#[tokio::test]
async fn the_human_part_of_a_social_services_conversation_is_deleted_when_it_ends() {
    let federation = federation_at(TUESDAY_1300_OSLO, |_| {}).await;
    let mut advisor = Advisor::sign_in(&federation, "nav").await;
    let (mut client, session_id) = session(&federation, "nb").await;
    ask(
        &mut client,
        &session_id,
        "jeg har ikke penger til mat, kan jeg søke sosialhjelp",
    )
    .await;
    let queued = request_human(&mut client, &session_id, "").await.expect("queued");
    let mut events = watch(&mut client, &session_id).await;
    advisor.queue_of(1).await;
    advisor
        .send(desk_action::Action::Take(Take {
            handover_id: queued.handover_id.clone(),
        }))
        .await;
    let taken = advisor.assigned().await;
    assert_eq!(taken.topics, ["social-services"]);
    citizen_status(&mut events, HandoverState::WithAdvisor).await;
    ask(&mut client, &session_id, "husleia er for høy").await;
    advisor
        .send(desk_action::Action::Reply(Reply {
            handover_id: taken.handover_id.clone(),
            text: "Du kan søke om sosialhjelp til husleie.".into(),
        }))
        .await;
    citizen_until(&mut events, |event| {
        matches!(event, handover_event::Event::AdvisorReply(_)).then_some(())
    })
    .await;
    let during = transcript(&mut client, &session_id).await.entries;
    assert_eq!(during.iter().filter(|e| !e.handover_id.is_empty()).count(), 2);

    advisor
        .send(desk_action::Action::Close(veiviser_proto::master::v1::Close {
            handover_id: taken.handover_id,
        }))
        .await;
    let ended = citizen_status(&mut events, HandoverState::Ended).await;
    assert!(ended.text.contains("avsluttet"), "{}", ended.text);
    let after = transcript(&mut client, &session_id).await.entries;
    assert!(after.iter().all(|e| e.handover_id.is_empty()), "the human part is gone");
    assert!(after.iter().all(|e| e.role != "advisor" && !e.text.contains("husleia")));
    assert_eq!(after.len(), 2, "the assistant's part stays until the session ends");
}

#[tokio::test]
async fn an_advisor_who_disconnects_puts_the_conversation_back_in_the_queue() {
    let federation = federation_at(TUESDAY_1300_OSLO, |_| {}).await;
    let mut first = Advisor::sign_in(&federation, "nav").await;
    let (mut client, session_id) = session(&federation, "nn").await;
    let queued = request_human(&mut client, &session_id, "nav").await.expect("queued");
    let mut events = watch(&mut client, &session_id).await;
    first.queue_of(1).await;
    first
        .send(desk_action::Action::Take(Take {
            handover_id: queued.handover_id.clone(),
        }))
        .await;
    first.assigned().await;
    citizen_status(&mut events, HandoverState::WithAdvisor).await;

    let mut second = Advisor::sign_in(&federation, "nav").await;
    second.queue_of(0).await;
    drop(first);
    let back = citizen_status(&mut events, HandoverState::Queued).await;
    assert_eq!(back.position, 1);
    assert!(back.text.contains("køen"), "{}", back.text);
    let waiting = second.queue_of(1).await;
    assert_eq!(waiting[0].handover_id, queued.handover_id);

    // The citizen leaves: the queue empties and the stream ends.
    let left = client
        .leave_handover(LeaveHandoverRequest {
            session_id: session_id.clone(),
        })
        .await
        .expect("left")
        .into_inner();
    assert_eq!(left.state, i32::from(HandoverState::Ended));
    assert!(
        left.text.contains("køen") && !left.text.contains("rettleiar"),
        "leaving the queue is no goodbye to an advisor: {}",
        left.text
    );
    second.queue_of(0).await;
    let repeat = client.leave_handover(LeaveHandoverRequest { session_id }).await;
    assert_eq!(repeat.map(|_| ()).unwrap_err().code(), Code::NotFound);
}

#[tokio::test]
async fn the_desk_refuses_what_it_cannot_do_with_clear_errors() {
    let federation = federation_at(TUESDAY_1300_OSLO, |config| {
        config.advisor_key = Some("desk-key-for-tests".into());
    })
    .await;
    let address = federation.master_address.to_string();
    let code = |result: Result<_, tonic::Status>| result.map(|_| ()).unwrap_err().code();
    assert_eq!(
        code(attend(&address, None, "nav", ADVISOR).await),
        Code::Unauthenticated
    );
    assert_eq!(
        code(attend(&address, Some("wrong"), "nav", ADVISOR).await),
        Code::Unauthenticated
    );
    let key = Some("desk-key-for-tests");
    assert_eq!(code(attend(&address, key, "politiet", ADVISOR).await), Code::NotFound);
    assert_eq!(
        code(attend(&address, key, "skatteetaten", ADVISOR).await),
        Code::FailedPrecondition
    );
    assert_eq!(code(attend(&address, key, "nav", " ").await), Code::InvalidArgument);

    let (actions, mut events) = attend(&address, key, "nav", ADVISOR).await.expect("signed in");
    let mut advisor = Advisor {
        actions,
        events: {
            events.message().await.expect("queue").expect("open");
            events
        },
    };
    advisor
        .send(desk_action::Action::Reply(Reply {
            handover_id: "nobody".into(),
            text: "hei".into(),
        }))
        .await;
    let refused = advisor
        .until(|event| match event {
            desk_event::Event::Refused(refused) => Some(refused),
            _ => None,
        })
        .await;
    assert_eq!(refused.reason, "no such conversation");
    advisor.send(desk_action::Action::Take(Take::default())).await;
    let refused = advisor
        .until(|event| match event {
            desk_event::Event::Refused(refused) => Some(refused.reason),
            _ => None,
        })
        .await;
    assert_eq!(
        refused, "nobody is waiting",
        "the connection stays usable after a refusal"
    );

    let (mut client, session_id) = session(&federation, "nb").await;
    assert_eq!(
        request_human(&mut client, &session_id, "politiet").await.unwrap_err(),
        Code::NotFound
    );
    assert_eq!(
        request_human(&mut client, &session_id, "skatteetaten")
            .await
            .unwrap_err(),
        Code::FailedPrecondition
    );
    assert_eq!(
        request_human(&mut client, "no-such-session", "").await.unwrap_err(),
        Code::NotFound
    );
}

#[tokio::test]
async fn a_citizen_following_a_handover_is_not_idle_but_an_abandoned_one_expires() {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(TUESDAY_1300_OSLO));
    let mut config = master_config();
    config.clock = Arc::new(clock.clone());
    // The purge job is driven by the test, not the timer.
    config.purge_interval = Duration::from_secs(3600);
    let federation = federation_with(built_in_assistants().expect("content"), config).await;
    let (mut following, following_session) = session(&federation, "nb").await;
    let (mut abandoned, abandoned_session) = session(&federation, "nb").await;
    request_human(&mut following, &following_session, "nav")
        .await
        .expect("queued");
    request_human(&mut abandoned, &abandoned_session, "nav")
        .await
        .expect("queued");
    let mut events = watch(&mut following, &following_session).await;
    citizen_status(&mut events, HandoverState::Queued).await;

    clock.advance(Duration::from_secs(31 * 60));
    let report = federation.master.purge().await.expect("purge runs");
    assert_eq!(report.idle_sessions_closed, 1, "only the abandoned session expires");
    assert!(federation.master.desk().current(&abandoned_session).is_none());
    let still = federation
        .master
        .desk()
        .current(&following_session)
        .expect("still queued");
    assert_eq!(still.position, 1, "the queue moved on");
    let moved = citizen_until(&mut events, |event| match event {
        handover_event::Event::Status(status)
            if status.position == 1 && status.state == i32::from(HandoverState::Queued) =>
        {
            Some(status)
        }
        _ => None,
    })
    .await;
    assert!(moved.text.contains("nummer 1"));
    transcript(&mut following, &following_session).await;
}
