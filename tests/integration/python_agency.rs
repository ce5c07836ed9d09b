//! The example agency written in Python (`examples/python-agency/`, grpcio)
//! from the contract alone: its own self-test passes, the conformance kit
//! passes on it (its signed card too), it joins a running master through the
//! registry, and a master with the built-in agencies and it routes a
//! question about a library loan to it (`federation_with` waits until the
//! master has read its card). Needs python3 with venv and PyPI
//! (its `run.sh` installs grpcio once); without python3 the test says so and
//! passes, except under CI, where it fails.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};
use veiviser_agency_sdk::conformance;
use veiviser_master::MasterConfig;

use crate::support::{ask, federation_with, first_line, master_config, session};

/// The first run installs grpcio into the example's .venv.
const SETUP: Duration = Duration::from_secs(300);

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/python-agency")
}

fn python_available() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import venv"])
        .output()
        .is_ok_and(|out| out.status.success())
}

/// `run.sh` with `args`; its stderr (the log) is read for the port it bound.
async fn start_agency(args: &[&str]) -> (Child, String) {
    let mut child = Command::new("bash")
        .arg(example_dir().join("run.sh"))
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run.sh starts");
    let stderr = child.stderr.take().expect("stderr");
    // "agency bibliotek serving veiviser.agency.v1.AgencyAssistant on 127.0.0.1:40123"
    let address = first_line(stderr, SETUP, |line| {
        line.contains(" serving ")
            .then(|| line.rsplit(' ').next().map(str::to_string))
            .flatten()
    })
    .await
    .expect("the Python agency starts in time and says where it listens");
    (child, address)
}

/// A question about a library loan is answered by the Python agency first.
async fn a_library_question_reaches_the_library(federation: &veiviser_testkit::federation::Federation) {
    let (mut client, session_id) = session(federation, "nb").await;
    let (_, answer) = ask(
        &mut client,
        &session_id,
        "far hadde lånt bøker på biblioteket før han døde, hvordan leverer vi dem tilbake?",
    )
    .await;
    assert_eq!(
        answer.agency_ids.first().map(String::as_str),
        Some("bibliotek"),
        "{}",
        answer.text
    );
}

#[tokio::test]
async fn the_python_agency_passes_the_kit_and_joins_the_network() {
    if !python_available() {
        assert!(std::env::var_os("CI").is_none(), "CI must run the Python agency's test");
        eprintln!("skipping the Python agency: no python3 with venv");
        return;
    }
    let self_test = Command::new("bash")
        .arg(example_dir().join("run.sh"))
        .arg("test")
        .kill_on_drop(true)
        .output();
    let self_test = tokio::time::timeout(SETUP, self_test)
        .await
        .expect("the self-test ends in time")
        .expect("the self-test runs");
    assert!(
        self_test.status.success(),
        "the example's own test:\n{}",
        String::from_utf8_lossy(&self_test.stderr)
    );

    let (mut agency, address) = start_agency(&[]).await;
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .expect("address")
        .connect()
        .await
        .expect("reachable");
    let report = conformance::check(channel).await;
    assert!(report.passed(), "{report}");
    assert_eq!(report.agency_id, "bibliotek");

    // The master with the three built-in agencies and the Python one.
    let assistants = veiviser_testkit::federation::built_in_assistants().expect("content");
    let federation = federation_with(
        assistants,
        MasterConfig {
            agencies: vec![format!("http://{address}")],
            ..master_config()
        },
    )
    .await;
    a_library_question_reaches_the_library(&federation).await;
    federation.shutdown().await.expect("clean shutdown");
    agency.kill().await.expect("stopped");
}

/// Signed in Python, checked in Rust: the Python agency started with a card
/// key passes the kit's signed-card check and joins a running master through
/// the registry, which then routes a library question to it.
#[tokio::test]
async fn the_python_agency_joins_through_the_registry_with_a_signed_card() {
    if !python_available() {
        assert!(std::env::var_os("CI").is_none(), "CI must run the Python agency's test");
        eprintln!("skipping the Python agency: no python3 with venv");
        return;
    }
    let (key, pem) = veiviser_runtime::cards::CardKey::generate().expect("key");
    let key_file = std::env::temp_dir().join(format!("veiviser-bibliotek-{}.key", std::process::id()));
    std::fs::write(&key_file, pem).expect("key written");
    let (mut agency, address) = start_agency(&["--card-key-file", key_file.to_str().expect("utf-8")]).await;
    let _ = std::fs::remove_file(&key_file);
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .expect("address")
        .connect()
        .await
        .expect("reachable");
    let options = conformance::Options {
        card_public_key: Some(key.public_key().to_string()),
        issuer: None,
    };
    let report = conformance::check_with(channel, &options).await;
    assert!(report.passed(), "{report}");
    assert!(report.checks.iter().any(|c| c.name == "signed card"), "{report}");

    let (trust, federation) = crate::registry::federation_with_registry().await;
    let card = veiviser_proto::agency::v1::agency_assistant_client::AgencyAssistantClient::connect(format!(
        "http://{address}"
    ))
    .await
    .expect("reachable")
    .describe(veiviser_proto::agency::v1::DescribeRequest {})
    .await
    .expect("card")
    .into_inner();
    crate::registry::register(
        &trust,
        veiviser_proto::registry::v1::RegisteredAgency {
            agency_id: card.agency_id.clone(),
            organisation_number: card.organisation_number.clone(),
            address: format!("http://{address}"),
            public_key: key.public_key().to_string(),
            allowed_profile_attributes: card.profile_attributes.clone(),
            added_at: 0,
        },
    )
    .await;
    crate::registry::wait_for(&federation, "the Python agency ready", |s| {
        crate::registry::registered(s, "bibliotek").is_some_and(|a| a.state() == "ready")
    })
    .await;
    a_library_question_reaches_the_library(&federation).await;
    federation.shutdown().await.expect("clean shutdown");
    trust.stop().await.expect("trust stops");
    agency.kill().await.expect("stopped");
}
