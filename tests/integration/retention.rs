//! Retention and download of transcripts: social-services conversations are
//! deleted when the session ends, others are archived and purged after the
//! retention period (driven by a manual clock); the citizen downloads the
//! masked transcript as text or JSON, during the chat and, while it is kept,
//! after it; metrics count it all as aggregates.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tonic::Code;
use veiviser_cli::client::{self, MasterClient};
use veiviser_proto::master::v1::{EndSessionRequest, EndSessionResponse, TranscriptFormat};
use veiviser_runtime::clock::ManualClock;
use veiviser_testkit::federation::{Federation, built_in_assistants};

use crate::support::{ask, federation_with, master_config, scrape_metrics, session, transcript};

const DAY: Duration = Duration::from_secs(86_400);

struct Setup {
    federation: Federation,
    clock: ManualClock,
    archive: tempfile::TempDir,
}

async fn setup() -> Setup {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_521_600));
    let archive = tempfile::tempdir().expect("tempdir");
    let mut config = master_config();
    config.clock = Arc::new(clock.clone());
    config.transcript_dir = Some(archive.path().to_path_buf());
    // The purge job is driven by the test, not the timer.
    config.purge_interval = Duration::from_secs(3600);
    let federation = federation_with(built_in_assistants().expect("content"), config).await;
    Setup {
        federation,
        clock,
        archive,
    }
}

fn archived_files(dir: &tempfile::TempDir) -> Vec<String> {
    std::fs::read_dir(dir.path())
        .expect("archive dir")
        .map(|entry| std::fs::read_to_string(entry.expect("entry").path()).expect("readable"))
        .collect()
}

/// Ends the session; says until when its transcript can still be downloaded,
/// and with which token (both empty when nothing is kept).
async fn end(client: &mut MasterClient, session_id: &str) -> EndSessionResponse {
    client
        .end_session(EndSessionRequest {
            session_id: session_id.to_string(),
        })
        .await
        .expect("ended")
        .into_inner()
}

#[tokio::test]
async fn social_services_conversations_are_deleted_when_the_session_ends() {
    let setup = setup().await;
    let (mut client, session_id) = session(&setup.federation, "nb").await;
    ask(&mut client, &session_id, "hvordan søker jeg gravferdsstønad").await;
    let (_, answer) = ask(
        &mut client,
        &session_id,
        "jeg har ikke penger til mat, kan jeg søke sosialhjelp",
    )
    .await;
    assert_eq!(answer.intent, "nav/sosialhjelp");

    let retention = transcript(&mut client, &session_id).await.retention.expect("retention");
    assert!(retention.deleted_at_session_end, "{retention:?}");
    assert_eq!(retention.topics, ["social-services"]);

    assert_eq!(
        end(&mut client, &session_id).await,
        EndSessionResponse::default(),
        "nothing is kept"
    );
    assert!(archived_files(&setup.archive).is_empty(), "nothing is archived");
    let gone = client::export_transcript(&mut client, &session_id, TranscriptFormat::Text)
        .await
        .expect_err("deleted at the end");
    assert_eq!(gone.code(), Code::NotFound);
    assert!(setup.federation.master.archive().is_empty());
    let metrics = scrape_metrics(&setup.federation).await;
    assert!(
        metrics.contains("veiviser_master_transcripts_total{reason=\"deleted-session-only\"} 1"),
        "{metrics}"
    );
    setup.federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn other_conversations_are_archived_masked_and_purged_after_the_retention_period() {
    let setup = setup().await;
    let master = Arc::clone(&setup.federation.master);
    let (mut client, session_id) = session(&setup.federation, "nb").await;
    ask(
        &mut client,
        &session_id,
        "min far døde i går, ring meg på 912 34 567. hvordan søker jeg gravferdsstønad?",
    )
    .await;
    let retention = transcript(&mut client, &session_id).await.retention.expect("retention");
    assert!(!retention.deleted_at_session_end);
    assert_eq!(retention.kept_days, 15);

    // Kept, and downloadable with the token the end gave, for the 15 days.
    let ended = end(&mut client, &session_id).await;
    assert_eq!(ended.transcript_kept_until, "2026-12-09T12:00:00Z");
    let token = ended.transcript_download_token;
    assert!(!token.is_empty() && token != session_id, "a token of its own");
    let files = archived_files(&setup.archive);
    assert_eq!(files.len(), 1);
    assert!(files[0].contains("⟨telefonnummer⟩"), "{}", files[0]);
    assert!(!files[0].contains("912 34 567"), "archived unmasked");
    assert!(
        !files[0].contains(&session_id),
        "the archive is not linked to the session id"
    );

    setup.clock.advance(14 * DAY);
    assert_eq!(master.purge().await.expect("purged").transcripts_deleted, 0);
    assert_eq!(archived_files(&setup.archive).len(), 1, "kept for 15 days");
    let kept = client::export_archived_transcript(&mut client, &token, TranscriptFormat::Text)
        .await
        .expect("still downloadable");
    let kept = String::from_utf8(kept.content).expect("utf-8");
    assert!(
        kept.contains("⟨telefonnummer⟩") && !kept.contains("912 34 567"),
        "{kept}"
    );
    for (what, unknown) in [
        ("the ended session's id", session_id.clone()),
        ("another token", uuid_like()),
    ] {
        let refused = client::export_archived_transcript(&mut client, &unknown, TranscriptFormat::Text)
            .await
            .expect_err(what);
        assert_eq!(refused.code(), Code::NotFound, "{what}");
    }
    let by_session = client::export_transcript(&mut client, &session_id, TranscriptFormat::Text)
        .await
        .expect_err("the session id no longer gives it");
    assert_eq!(by_session.code(), Code::NotFound);

    setup.clock.advance(DAY);
    let expired = client::export_archived_transcript(&mut client, &token, TranscriptFormat::Text)
        .await
        .expect_err("run out, even before the purge");
    assert_eq!(expired.code(), Code::NotFound);
    assert_eq!(master.purge().await.expect("purged").transcripts_deleted, 1);
    assert!(archived_files(&setup.archive).is_empty(), "deleted after 15 days");
    setup.federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn idle_sessions_are_closed_by_the_purge_job_with_the_same_rules() {
    let setup = setup().await;
    let master = Arc::clone(&setup.federation.master);
    let (mut client, general) = session(&setup.federation, "nb").await;
    ask(&mut client, &general, "hvordan søker jeg gravferdsstønad").await;
    let social = client::start_session(&mut client, "nb", true)
        .await
        .expect("session")
        .session_id;
    ask(&mut client, &social, "søke sosialhjelp").await;

    setup
        .clock
        .advance(master.config().session_idle_timeout + Duration::from_secs(1));
    let refused = client::ask(&mut client, &general, "er du der?", |_| {})
        .await
        .expect_err("idle");
    assert_eq!(refused.code(), Code::NotFound);

    let report = master.purge().await.expect("purged");
    assert_eq!(report.idle_sessions_closed, 2);
    assert_eq!(
        archived_files(&setup.archive).len(),
        1,
        "only the general one is archived"
    );
    let metrics = scrape_metrics(&setup.federation).await;
    assert!(
        metrics.contains("veiviser_master_sessions_ended_total{reason=\"idle\"} 2"),
        "{metrics}"
    );
    setup.federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn the_citizen_downloads_the_masked_transcript_as_text_and_json() {
    let setup = setup().await;
    let (mut client, session_id) = session(&setup.federation, "nn").await;
    ask(
        &mut client,
        &session_id,
        "eg heiter Kari Nordmann. korleis søkjer eg gravferdsstønad?",
    )
    .await;
    let structured = transcript(&mut client, &session_id).await;

    let json = client::export_transcript(&mut client, &session_id, TranscriptFormat::Json)
        .await
        .expect("json");
    assert_eq!(json.media_type, "application/json");
    assert_eq!(json.filename, "veiviser-2026-11-24.json");
    let document: serde_json::Value = serde_json::from_slice(&json.content).expect("valid JSON");
    assert_eq!(document["session_id"], session_id.as_str());
    assert_eq!(document["language"], "nn");
    assert_eq!(document["retention"]["kept_days"], 15);
    let entries = document["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), structured.entries.len());
    for (downloaded, entry) in entries.iter().zip(&structured.entries) {
        assert_eq!(downloaded["text"], entry.text.as_str());
        assert_eq!(downloaded["role"], entry.role.as_str());
    }

    let text = client::export_transcript(&mut client, &session_id, TranscriptFormat::Text)
        .await
        .expect("text");
    assert_eq!(text.media_type, "text/plain; charset=utf-8");
    let text = String::from_utf8(text.content).expect("utf-8");
    assert!(
        text.starts_with("Samtale med Veiviser, lasta ned 2026-11-24T12:00:00Z"),
        "{text}"
    );
    assert!(text.contains("] Du:\neg heiter ⟨navn⟩."), "{text}");
    assert!(text.contains("] Veiviser (nav, kommune):\nGravferdsstønad"), "{text}");
    assert!(text.contains("15 dagar"), "{text}");
    assert!(!text.contains("Kari") && !text.contains("Nordmann"), "{text}");

    let unspecified = client::export_transcript(&mut client, &session_id, TranscriptFormat::Unspecified)
        .await
        .expect_err("no format");
    assert_eq!(unspecified.code(), Code::InvalidArgument);
    let token = end(&mut client, &session_id).await.transcript_download_token;
    let archived = client::export_archived_transcript(&mut client, &token, TranscriptFormat::Text)
        .await
        .expect("archived after the end");
    let archived = String::from_utf8(archived.content).expect("utf-8");
    assert!(
        archived.contains("] Du:\neg heiter ⟨navn⟩."),
        "in the session's language: {archived}"
    );
    let unknown = client::export_transcript(&mut client, "no-such-session", TranscriptFormat::Text)
        .await
        .expect_err("never known");
    assert_eq!(unknown.code(), Code::NotFound);
    setup.federation.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn metrics_count_sessions_messages_masking_routes_fallbacks_and_errors() {
    let setup = setup().await;
    let (mut client, session_id) = session(&setup.federation, "nb").await;
    ask(
        &mut client,
        &session_id,
        "jeg vil at dere ringer meg på 912 34 567 om gravferdsstønaden",
    )
    .await;
    ask(
        &mut client,
        &session_id,
        "mitt nummer er 913 45 678, når kommer skatteoppgjøret?",
    )
    .await;
    ask(&mut client, &session_id, "hva er hovedstaden i Peru?").await;
    let refused = client::start_session(&mut client, "nb", false)
        .await
        .expect_err("no ack");
    assert_eq!(refused.code(), Code::FailedPrecondition);

    let metrics = scrape_metrics(&setup.federation).await;
    for expected in [
        "veiviser_master_sessions_started_total 1",
        "veiviser_master_sessions_open 1",
        "veiviser_master_messages_total{language=\"nb\"} 3",
        // Two phone numbers in one dialogue: one dialogue, two entities.
        "veiviser_master_dialogues_masked_total{kind=\"phone\"} 1",
        "veiviser_master_entities_masked_total{kind=\"phone\"} 2",
        "veiviser_master_answers_total{route=\"agency\",agency=\"nav\"} 1",
        "veiviser_master_answers_total{route=\"agency\",agency=\"skatteetaten\"} 1",
        "veiviser_master_fallbacks_total{reason=\"out-of-scope\"} 1",
        "veiviser_master_agency_calls_total{agency=\"nav\",outcome=\"ok\"} 1",
        "veiviser_master_errors_total{code=\"FailedPrecondition\"} 1",
        "veiviser_master_answer_seconds_count 3",
    ] {
        assert!(metrics.contains(expected), "missing {expected} in\n{metrics}");
    }
    setup.federation.shutdown().await.expect("clean shutdown");
}

/// One client opens sessions over gRPC far past the cap: each new one pushes
/// out the oldest session never used, so a citizen who is talking keeps the
/// conversation and a new citizen is still served; the evictions are counted.
#[tokio::test]
async fn a_flood_of_sessions_from_one_client_locks_no_citizen_out() {
    let mut config = master_config();
    config.max_sessions = 50;
    // The cap alone, as when many clients flood at once (each under its own limit).
    config.session_starts = veiviser_master::sessions::starts::StartRate::OFF;
    let federation = federation_with(built_in_assistants().expect("content"), config).await;
    let (mut talking, talking_session) = session(&federation, "nb").await;
    ask(&mut talking, &talking_session, "hvordan søker jeg gravferdsstønad").await;

    let mut flood = crate::support::connect(&federation).await;
    for _ in 0..1_000 {
        client::start_session(&mut flood, "nb", true)
            .await
            .expect("never refused");
    }
    let (_, answer) = ask(&mut talking, &talking_session, "og hvor mye er den?").await;
    assert!(
        !answer.text.is_empty(),
        "the talking citizen's session survived the flood"
    );
    let (mut newcomer, newcomer_session) = session(&federation, "en").await;
    ask(&mut newcomer, &newcomer_session, "how do I apply for funeral support").await;

    let metrics = scrape_metrics(&federation).await;
    let evicted = "veiviser_master_sessions_ended_total{reason=\"evicted-unused\"} ";
    let count: u64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix(evicted))
        .and_then(|n| n.trim().parse().ok())
        .expect("evictions counted");
    assert!(count >= 950, "{count} unused sessions made room");
    assert_eq!(federation.master.sessions().open_count(), 50);
    federation.shutdown().await.expect("clean shutdown");
}

/// Behind a trusted proxy, one address that starts sessions in a flood is
/// refused after its burst (RESOURCE_EXHAUSTED, counted, the address never
/// in the message), while another address, and the citizen already talking,
/// are served.
#[tokio::test]
async fn one_address_starting_sessions_in_a_flood_is_held_to_its_rate() {
    let mut config = master_config();
    config.session_starts = veiviser_master::sessions::starts::StartRate {
        per_minute: 1,
        burst: 20,
    };
    config.trusted_proxies = vec!["127.0.0.1".parse().expect("address")];
    let federation = federation_with(built_in_assistants().expect("content"), config).await;
    let mut client = crate::support::connect(&federation).await;
    let start_from = |address: &'static str| {
        let mut client = client.clone();
        async move {
            let mut request = tonic::Request::new(veiviser_proto::master::v1::StartSessionRequest {
                acknowledged_no_personal_data: true,
                language: "nb".into(),
                ..Default::default()
            });
            request
                .metadata_mut()
                .insert("x-forwarded-for", address.parse().expect("metadata"));
            client.start_session(request).await.map(|r| r.into_inner().session_id)
        }
    };
    let talking = start_from("192.0.2.10").await.expect("a citizen starts");
    let mut refused = Vec::new();
    for _ in 0..100 {
        if let Err(status) = start_from("198.51.100.7").await {
            refused.push(status);
        }
    }
    assert_eq!(refused.len(), 80, "the burst of 20 and nothing after");
    let status = &refused[0];
    assert_eq!(status.code(), tonic::Code::ResourceExhausted);
    assert!(!status.message().contains("198.51.100.7"), "never echoes the address");
    start_from("203.0.113.9")
        .await
        .expect("a new citizen elsewhere is served");
    let (_, answer) = ask(&mut client, &talking, "hvordan søker jeg dagpenger").await;
    assert!(!answer.text.is_empty(), "the talking citizen goes on");
    let metrics = scrape_metrics(&federation).await;
    assert!(
        metrics.contains("veiviser_master_refusals_total{reason=\"too-many-new-sessions\"} 80"),
        "refusals counted"
    );
    federation.shutdown().await.expect("clean shutdown");
}

/// A token shaped like a real one that no session's end gave.
fn uuid_like() -> String {
    "7f3c2a9e-5b1d-4c8e-9a6f-0d2e4b8c1a73".into()
}
