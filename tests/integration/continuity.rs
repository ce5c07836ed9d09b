//! Conversations that outlive a master: open sessions and their masked
//! transcripts in the session store, so a restarted master, or a second
//! master on the same store, continues the conversation; and an idle session
//! is closed (and archived) once, by one master.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use veiviser_master::MasterConfig;
use veiviser_master::sessions::Entry;
use veiviser_runtime::clock::ManualClock;

use crate::support::{READY, RecordingNetwork, ask, master_config, transcript};

fn stored(dir: &tempfile::TempDir, save_every: Duration) -> MasterConfig {
    MasterConfig {
        session_store: Some(format!("sqlite://{}", dir.path().join("sessions.db").display())),
        session_save_interval: save_every,
        ..master_config()
    }
}

fn texts(transcript: &veiviser_proto::master::v1::Transcript) -> Vec<(String, String)> {
    transcript
        .entries
        .iter()
        .map(|e| (e.role.clone(), e.text.clone()))
        .collect()
}

/// Saved only at the clean stop (the save task's interval is an hour), the
/// conversation goes on after the restart, masked as it was.
#[tokio::test]
async fn a_restarted_master_continues_the_conversation() {
    let dir = tempfile::tempdir().expect("dir");
    let config = stored(&dir, Duration::from_secs(3600));
    let first = RecordingNetwork::start_with(config.clone()).await;
    let (mut client, session) = first.citizen().await;
    let (_, answer) = ask(
        &mut client,
        &session.session_id,
        "Far døde i går. Ring meg på 412 62 134, hvordan søker jeg gravferdsstønad?",
    )
    .await;
    assert!(!answer.agency_ids.is_empty(), "answered by an agency");
    let before = texts(&transcript(&mut client, &session.session_id).await);
    assert_eq!(before.len(), 2);
    assert!(!before[0].1.contains("412 62 134"), "masked before it is kept");
    drop(client);
    first.stop().await;

    let second = RecordingNetwork::start_with(config).await;
    let mut client = veiviser_cli::client::connect(&second.master_address.to_string())
        .await
        .expect("master");
    ask(&mut client, &session.session_id, "og hva med barnepensjon?").await;
    let after = texts(&transcript(&mut client, &session.session_id).await);
    assert_eq!(after.len(), 4, "{after:?}");
    assert_eq!(after[..2], before[..], "the conversation before the restart, unchanged");
    assert_eq!(
        after[2],
        ("citizen".to_string(), "og hva med barnepensjon?".to_string())
    );
    drop(client);
    second.stop().await;
}

/// Two masters on one store: the conversation moves from one to the other and
/// back, and each continues from the other's latest answer.
#[tokio::test]
async fn a_second_master_takes_the_conversation_over_and_gives_it_back() {
    let dir = tempfile::tempdir().expect("dir");
    let config = stored(&dir, Duration::from_millis(10));
    let a = RecordingNetwork::start_with(config.clone()).await;
    let b = RecordingNetwork::start_with(config).await;
    let (mut on_a, session) = a.citizen().await;
    let id = session.session_id;
    let mut on_b = veiviser_cli::client::connect(&b.master_address.to_string())
        .await
        .expect("master");
    ask(&mut on_a, &id, "hvordan søker jeg gravferdsstønad").await;
    // B takes it in once A's save task has written the whole turn (a save
    // between the question and its answer is taken in and then read again).
    tokio::time::timeout(READY, async {
        loop {
            if let Ok(transcript) = on_b
                .get_transcript(veiviser_proto::master::v1::GetTranscriptRequest { session_id: id.clone() })
                .await
                && transcript.into_inner().entries.len() == 2
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("saved in time");
    ask(&mut on_b, &id, "og barnetrygd?").await;
    // A's copy is older than B's save: A reads the newer one before answering.
    let saved_by_b = tokio::time::timeout(READY, async {
        loop {
            let on_a_now = texts(&transcript(&mut on_a, &id).await);
            if on_a_now.len() == 4 {
                return on_a_now;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("saved in time");
    assert_eq!(saved_by_b[2].1, "og barnetrygd?");
    ask(&mut on_a, &id, "takk").await;
    let on_a_final = texts(&transcript(&mut on_a, &id).await);
    assert_eq!(on_a_final.len(), 6, "{on_a_final:?}");
    assert_eq!(on_a_final[..4], saved_by_b[..]);
    drop((on_a, on_b));
    a.stop().await;
    b.stop().await;
}

/// An idle session is closed by exactly one master: the one that still holds
/// the saved revision, or, when no master holds it any more (its master
/// stopped), the first to claim it from the store. Its transcript is archived once.
#[tokio::test]
async fn an_idle_session_is_closed_once_even_when_its_master_is_gone() {
    let dir = tempfile::tempdir().expect("dir");
    closed_once(stored(&dir, Duration::from_secs(3600))).await;
}

/// The same on PostgreSQL, the store of the Kubernetes production overlay.
#[tokio::test]
async fn an_idle_session_is_closed_once_on_postgresql_too() {
    let Some(url) = crate::consent_postgres::postgres_url() else {
        return;
    };
    // A clean slate: this test owns the table.
    let store = veiviser_master::sessions::durable::SessionStore::open(&url)
        .await
        .expect("postgres reachable");
    store.clear().await.expect("cleared");
    closed_once(MasterConfig {
        session_store: Some(url),
        ..master_config()
    })
    .await;
}

async fn closed_once(config: MasterConfig) {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_521_600));
    let config = MasterConfig {
        clock: Arc::new(clock.clone()),
        session_idle_timeout: Duration::from_secs(60),
        ..config
    };
    let first = veiviser_master::Master::new(config.clone()).await.expect("master");
    let second = veiviser_master::Master::new(config.clone()).await.expect("master");
    let orphan = first.sessions().start("nb").expect("room").id;
    first
        .sessions()
        .record(&orphan, Entry::citizen("hvordan søker jeg gravferdsstønad"));
    let held = first.sessions().start("nb").expect("room").id;
    first
        .sessions()
        .record(&held, Entry::citizen("hva skjer med uføretrygden"));
    first.save_sessions().await;
    // The second master took the held session over and saved it since.
    second.resume(&held).await;
    second.sessions().record(&held, Entry::citizen("og med skatten?"));
    second.save_sessions().await;
    drop(first);
    let first = veiviser_master::Master::new(config)
        .await
        .expect("the first master, restarted");
    first.resume(&held).await;

    // Idle past the timeout twice over: the margin after which a session no
    // master holds is closed from the store.
    clock.advance(Duration::from_secs(121));
    let by_second = second.purge().await.expect("purged");
    let by_first = first.purge().await.expect("purged");
    assert_eq!(
        by_second.idle_sessions_closed + by_first.idle_sessions_closed,
        2,
        "each session closed once: {by_second:?} {by_first:?}"
    );
    let again = second.purge().await.expect("purged");
    assert_eq!(again.idle_sessions_closed, 0);
    let store = second.continuity().expect("a store").store();
    assert_eq!(store.count().await.expect("count"), 0, "nothing left in the store");
}

/// A master that has just started does not answer before it knows its
/// agencies (it would tell the citizen nobody can help): it reports
/// NOT_SERVING, a question waits, and both go on once the first card is in.
#[tokio::test]
async fn a_starting_master_answers_once_it_knows_its_agencies() {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

    // The agency's address is taken, but nothing answers on it yet.
    let agency_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let agency_address = agency_listener.local_addr().expect("address");
    let config = MasterConfig {
        agencies: vec![format!("http://{agency_address}")],
        agency_timeout: Duration::from_secs(10),
        ..master_config()
    };
    let master = veiviser_master::Master::new(config).await.expect("master");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let master_address = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(veiviser_master::serve_master(listener, Arc::clone(&master), async {
        let _ = stopped.await;
    }));
    let channel = veiviser_cli::client::channel(&master_address.to_string())
        .await
        .expect("master");
    let status = |channel: tonic::transport::Channel| async move {
        HealthClient::new(channel)
            .check(HealthCheckRequest { service: String::new() })
            .await
            .expect("health")
            .into_inner()
            .status()
    };
    assert_eq!(status(channel.clone()).await, ServingStatus::NotServing);

    let mut client = veiviser_cli::client::MasterClient::new(channel.clone());
    let session = veiviser_cli::client::start_session(&mut client, "nb", true)
        .await
        .expect("sessions start meanwhile")
        .session_id;
    let asking = tokio::spawn(async move {
        veiviser_cli::client::ask(&mut client, &session, "hvordan søker jeg gravferdsstønad", |_| {}).await
    });
    let agency = veiviser_testkit::faulty::FaultyAgency::start(
        veiviser_agency_sdk::Assistant::new(veiviser_nav::CONTENT.load().expect("content")),
        agency_listener,
    )
    .await
    .expect("agency");
    let answer = tokio::time::timeout(READY, asking)
        .await
        .expect("in time")
        .expect("joined")
        .expect("answered");
    assert_eq!(answer.agency_ids, ["nav"], "routed to the agency, not out of scope");
    tokio::time::timeout(READY, async {
        while status(channel.clone()).await != ServingStatus::Serving {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("serving once started");
    let _ = stop.send(());
    served.await.expect("joined").expect("served");
    agency.stop().await.expect("stopped");
}
