//! A consent the trust service acknowledged survives `kill -9` and a restart:
//! the service runs as a real process on a SQLite file and is killed with
//! SIGKILL right after the acknowledgement.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use veiviser_proto::consent::v1::trust_service_client::TrustServiceClient;
use veiviser_proto::consent::v1::{
    DemoLoginRequest, GrantConsentRequest, ListConsentsRequest, MintProfileTokenRequest, VerifyAuditChainRequest,
};

use crate::support::READY;

const KARI: &str = "14838512047";

/// Starts the trust service on ephemeral ports and returns it with its gRPC address,
/// read from its "serving" log line.
async fn start(database: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trust-service-under-test"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--http-listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
        ])
        .arg("--database-url")
        .arg(format!("sqlite://{}", database.display()))
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("trust service starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let address = tokio::time::timeout(READY, async {
        while let Some(line) = lines.next_line().await.expect("log line") {
            let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if event["message"] == "trust service serving" {
                return event["grpc"].as_str().expect("grpc address").to_string();
            }
        }
        panic!("the trust service exited before serving");
    })
    .await
    .expect("serving in time");
    // Keep draining the log so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, format!("http://{address}"))
}

#[tokio::test]
async fn an_acknowledged_grant_survives_kill_9_and_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = dir.path().join("consent.db");

    let (mut first, address) = start(&database).await;
    let mut client = TrustServiceClient::connect(address).await.expect("reachable");
    let login = client
        .demo_login(DemoLoginRequest { person_id: KARI.into() })
        .await
        .expect("login")
        .into_inner();
    let granted = client
        .grant_consent(GrantConsentRequest {
            citizen_token: login.citizen_token.clone(),
            agency_id: "nav".into(),
            attributes: vec!["children_ages".into()],
            purpose: "dodsfall-og-arv".into(),
            valid_for_seconds: 3600,
        })
        .await
        .expect("acknowledged")
        .into_inner();
    first.start_kill().expect("SIGKILL sent");
    first.wait().await.expect("killed");

    let (_second, address) = start(&database).await;
    let mut client = TrustServiceClient::connect(address).await.expect("reachable");
    // The login token was signed before the crash: the keys survived too.
    let consents = client
        .list_consents(ListConsentsRequest {
            citizen_token: login.citizen_token.clone(),
        })
        .await
        .expect("listed after restart")
        .into_inner()
        .consents;
    assert_eq!(consents.len(), 1);
    assert_eq!(consents[0].consent_id, granted.consent_id);
    assert_eq!(consents[0].attributes, ["children_ages"]);
    let token = client
        .mint_profile_token(MintProfileTokenRequest {
            citizen_token: login.citizen_token,
            agency_id: "nav".into(),
            declared_attributes: vec!["children_ages".into()],
            purpose: "dodsfall-og-arv".into(),
        })
        .await
        .expect("minted after restart")
        .into_inner();
    assert_eq!(token.consent_id, granted.consent_id);
    let chain = client
        .verify_audit_chain(VerifyAuditChainRequest {})
        .await
        .expect("chain")
        .into_inner();
    assert!(chain.intact && chain.entries == 2, "{chain:?}");
}

async fn verify_audit(database: &std::path::Path) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_trust-service-under-test"))
        .arg("--database-url")
        .arg(format!("sqlite://{}", database.display()))
        .arg("verify-audit")
        .env("RUST_LOG", "off")
        .output()
        .await
        .expect("verify-audit runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[tokio::test]
async fn the_verify_audit_command_detects_an_edited_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let database = dir.path().join("consent.db");
    let (mut service, address) = start(&database).await;
    let mut client = TrustServiceClient::connect(address).await.expect("reachable");
    let token = client
        .demo_login(DemoLoginRequest { person_id: KARI.into() })
        .await
        .expect("login")
        .into_inner()
        .citizen_token;
    for agency in ["nav", "kommune", "skatteetaten"] {
        client
            .grant_consent(GrantConsentRequest {
                citizen_token: token.clone(),
                agency_id: agency.into(),
                attributes: vec!["relation_to_deceased".into()],
                purpose: "dodsfall-og-arv".into(),
                valid_for_seconds: 0,
            })
            .await
            .expect("granted");
    }
    service.start_kill().expect("stopped");
    service.wait().await.expect("exited");

    let (code, report) = verify_audit(&database).await;
    assert_eq!(code, Some(0), "{report}");
    assert!(report.contains("intact: 3 entries"), "{report}");

    // Someone with database access rewrites history: the second grant was "for kommune" no more.
    let store = veiviser_consent::store::Store::open(&format!("sqlite://{}", database.display()))
        .await
        .expect("opened");
    sqlx::query("UPDATE audit SET attributes = 'national_identity_number' WHERE seq = 2")
        .execute(store.pool())
        .await
        .expect("edited");
    store.pool().close().await;
    let (code, report) = verify_audit(&database).await;
    assert_eq!(code, Some(2), "{report}");
    assert!(report.contains("BROKEN at entry 2"), "{report}");
}
