//! The short soak (`veiviser soak`'s run, bounded to seconds): questions at a
//! steady rate while an agency is killed and restarted, the trust service is
//! stopped and started, and the master is restarted cleanly and as a crash.

use std::time::Duration;

use veiviser_cli::soak::{Soak, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_soak_loses_no_session_no_consent_and_no_answer_it_acknowledged() {
    let soak = Soak {
        seconds: 16,
        rate: 10,
        conversations: 8,
        deadline: Duration::from_secs(8),
        ..Soak::default()
    };
    let report = run(&soak).await.expect("the soak runs");
    println!("{}", veiviser_cli::soak::report(&report, &soak));
    assert_eq!(report.faults.len(), 8, "every fault happened: {:?}", report.faults);
    assert!(report.turns_sent >= 100, "{report:?}");
    assert_eq!(report.sessions_lost, 0, "{report:?}");
    assert_eq!(report.consents_lost, 0, "{report:?}");
    assert!(
        report.consents_granted > 0 && report.consents_not_granted > 0,
        "{report:?}"
    );
    assert_eq!(
        report.failed, 0,
        "every question answered within the deadline: {report:?}"
    );
    assert_eq!(report.unanswered, 0, "{report:?}");
    // NAV and the municipality were down for a while: their absence was named.
    assert!(report.partial_named > 0, "{report:?}");
    // Only the crash may lose what the master had not yet saved.
    assert!(report.entries_lost <= report.at_risk_in_crash, "{report:?}");
    assert_eq!(
        report.complete + report.partial_named + report.failed + report.unanswered,
        report.turns_sent,
        "{report:?}"
    );
}
