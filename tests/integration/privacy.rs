//! Personal data typed into the chat is masked at the door: agencies, the
//! transcript and the final answer only ever see placeholders.

use std::sync::{Arc, Mutex};

use veiviser_cli::client;
use veiviser_proto::master::v1::{EndSessionRequest, TranscriptFormat};

use crate::support::{RecordingNetwork, ask, master_config, transcript};

const SYNTHETIC_FNR: &str = "12835012180";
const SYNTHETIC_PHONE: &str = "912 34 567";

#[tokio::test]
async fn personal_data_never_leaves_the_door_unmasked() {
    let recording = RecordingNetwork::start().await;
    let mut client = client::connect(&recording.master_address.to_string())
        .await
        .expect("master");
    let session = client::start_session(&mut client, "nb", true).await.expect("session");
    let question = format!(
        "jeg heter Kari Nordmann og har fødselsnummer {SYNTHETIC_FNR}, ring meg på {SYNTHETIC_PHONE}. \
         Hvordan søker jeg gravferdsstønad? NAV har 55 55 33 33."
    );
    let (_, answer) = ask(&mut client, &session.session_id, &question).await;
    assert_eq!(answer.agency_ids, ["nav"], "the masked question is still understood");
    let mut masked = answer.masked.clone();
    masked.sort();
    assert_eq!(masked, ["fodselsnummer", "name", "phone"]);
    // The client is given the message as it was kept, to show the citizen.
    assert!(answer.masked_text.contains("⟨fødselsnummer⟩"), "{}", answer.masked_text);
    assert!(!answer.masked_text.contains(SYNTHETIC_FNR) && !answer.masked_text.contains("Kari"));
    let (_, clean) = ask(&mut client, &session.session_id, "hvordan søker jeg gravferdsstønad").await;
    assert!(
        clean.masked.is_empty() && clean.masked_text.is_empty(),
        "nothing masked, nothing repeated"
    );

    let seen: Vec<String> = recording.received().into_iter().map(|r| r.text).collect();
    assert_eq!(seen.len(), 2);
    for value in [SYNTHETIC_FNR, SYNTHETIC_PHONE, "Kari", "Nordmann"] {
        assert!(!seen[0].contains(value), "the agency received {value}: {}", seen[0]);
    }
    assert!(
        seen[0].contains("⟨fødselsnummer⟩") && seen[0].contains("55 55 33 33"),
        "{}",
        seen[0]
    );

    let transcript = transcript(&mut client, &session.session_id).await;
    for entry in &transcript.entries {
        for value in [SYNTHETIC_FNR, SYNTHETIC_PHONE, "Kari Nordmann"] {
            assert!(!entry.text.contains(value), "the transcript holds {value}");
        }
    }
    assert!(transcript.entries[0].text.contains("⟨navn⟩"));

    recording.stop().await;
}

/// The ways people really write personal data (a no-break space pasted from
/// an online bank, dots with spaces, an e-mail address written out, a foreign
/// phone number, a name after a definite relation or in a sign-off, a
/// cadastral reference) are masked before the question reaches an agency or
/// the transcript.
#[tokio::test]
async fn personal_data_written_as_people_write_it_is_masked_at_the_door() {
    let recording = RecordingNetwork::start().await;
    let mut client = client::connect(&recording.master_address.to_string())
        .await
        .expect("master");
    let session = client::start_session(&mut client, "nb", true).await.expect("session");
    let planted = [
        ("fødselsnummeret er {}", "128350\u{a0}12180"),
        ("kontoen er {}", "8601. 11. 17947"),
        ("IBAN {}", "NO93-8601-1117-947"),
        ("skriv til {}", "kari.nordmann(at)example.no"),
        ("ring meg på {} 8-16", "+46 70 123 45 67"),
        ("faren min, {}, døde i går", "Terje Olsen"),
        ("gården har {} i Vang", "gnr. 45 bnr. 12"),
        ("takk for hjelpen. Mvh {}", "Torbjørg Aasen"),
    ];
    for (template, value) in planted {
        let question = format!("{}. Hvordan søker jeg gravferdsstønad?", template.replace("{}", value));
        let (_, answer) = ask(&mut client, &session.session_id, &question).await;
        assert_eq!(
            answer.agency_ids,
            ["nav"],
            "{template}: the masked question is still understood"
        );
        assert!(!answer.masked.is_empty(), "{template}: nothing was masked");
    }
    let seen: Vec<String> = recording.received().into_iter().map(|r| r.text).collect();
    assert_eq!(seen.len(), planted.len());
    let transcript = transcript(&mut client, &session.session_id).await;
    let stored: Vec<&str> = transcript.entries.iter().map(|e| e.text.as_str()).collect();
    for (_, value) in planted {
        let digits: String = value.chars().filter(char::is_ascii_digit).collect();
        for text in seen.iter().map(String::as_str).chain(stored.iter().copied()) {
            assert!(!text.contains(value), "{value} got through: {text}");
            if digits.len() >= 8 {
                let text_digits: String = text.chars().filter(char::is_ascii_digit).collect();
                assert!(!text_digits.contains(&digits), "{value} got through as digits: {text}");
            }
        }
    }
    recording.stop().await;
}

/// Captured log output, shared with the subscriber's writer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A whole conversation full of synthetic personal data, with every crate
/// logging at TRACE (tonic, hyper and h2 included): no value may appear in
/// any log line, the transcript, its downloads, the archived file or the
/// metrics. The runtime is single-threaded so the test's subscriber sees
/// every task.
#[tokio::test(flavor = "current_thread")]
async fn no_personal_data_reaches_the_logs_even_at_trace_level() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .json()
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let archive = tempfile::tempdir().expect("tempdir");
    let mut config = master_config();
    config.transcript_dir = Some(archive.path().to_path_buf());
    let assistants = veiviser_testkit::federation::built_in_assistants().expect("content");
    let federation = crate::support::federation_with(assistants, config).await;
    let (mut client, session_id) = crate::support::session(&federation, "nb").await;
    let personal = [
        SYNTHETIC_FNR,
        "41835012083",
        SYNTHETIC_PHONE,
        "kari.nordmann84@example.no",
        "Kari Nordmann",
        "Storgata 12, 0155 Oslo",
        "8601 11 17947",
        "NO93 8601 1117 947",
        "128350\u{a0}12180",
        "kari.nordmann(at)example.no",
        "+46 70 123 45 67",
        "Torbjørg Aasen",
    ];
    let messages = [
        format!("jeg heter Kari Nordmann, fødselsnummer {}", personal[0]),
        format!(
            "min far Per Olsen døde, hans d-nummer var {}. hva gjør jeg nå?",
            personal[1]
        ),
        format!("ring meg på {} eller skriv til {}", personal[2], personal[3]),
        format!(
            "jeg bor i {} og vil søke gravferdsstønad til konto {}",
            personal[5], personal[6]
        ),
        format!("kan skatteetaten betale til {}?", personal[7]),
        format!(
            "fnr {}, svar til {} eller {}. Mvh\n{}",
            personal[8], personal[9], personal[10], personal[11]
        ),
    ];
    for message in &messages {
        ask(&mut client, &session_id, message).await;
    }
    let transcript = transcript(&mut client, &session_id).await;
    let mut downloads = Vec::new();
    for format in [TranscriptFormat::Text, TranscriptFormat::Json] {
        let file = client::export_transcript(&mut client, &session_id, format)
            .await
            .expect("download");
        downloads.push(String::from_utf8(file.content).expect("utf-8"));
    }
    client
        .end_session(EndSessionRequest {
            session_id: session_id.clone(),
        })
        .await
        .expect("ended");
    let metrics = crate::support::scrape_metrics(&federation).await;
    federation.shutdown().await.expect("clean shutdown");
    drop(_guard);
    let archived: Vec<String> = std::fs::read_dir(archive.path())
        .expect("archive")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("readable"))
        .collect();
    assert_eq!(archived.len(), 1, "the conversation is archived");
    assert!(
        metrics.contains("veiviser_master_dialogues_masked_total{kind=\"fodselsnummer\"} 1"),
        "{metrics}"
    );

    let logs = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8 logs");
    assert!(logs.lines().count() > 100, "TRACE logging was not captured");
    assert!(
        logs.contains("personal data masked"),
        "the masking is logged as an aggregate"
    );
    let stored: Vec<&str> = transcript.entries.iter().map(|e| e.text.as_str()).collect();
    let stored = stored.join("\n");
    let places = [
        ("logs", logs.as_str()),
        ("transcript", stored.as_str()),
        ("text download", downloads[0].as_str()),
        ("JSON download", downloads[1].as_str()),
        ("archived file", archived[0].as_str()),
        ("metrics", metrics.as_str()),
    ];
    for value in personal.iter().copied().chain(["Per Olsen"]) {
        let digits: String = value.chars().filter(char::is_ascii_digit).collect();
        for (place, haystack) in places {
            assert!(!haystack.contains(value), "{value} found in the {place}");
            if digits.len() >= 8 {
                assert!(!haystack.contains(&digits), "{value} (as digits) found in the {place}");
            }
        }
    }
    // The citizen's wording is not logged either, masked or not.
    assert!(
        !logs.contains("søke gravferdsstønad til konto"),
        "message text found in the logs"
    );
}
