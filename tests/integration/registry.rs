//! The federation's registry: a registered agency joins and leaves a running
//! master; a card that is unsigned, signed with another key or claims another
//! identity than its registration is refused with its rule; registry changes
//! need the operator key; an agency that fails its checks in a row is not
//! asked until it recovers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use veiviser_agency_sdk::{AgencyConfig, Assistant};
use veiviser_master::network::{Agency, Origin, Snapshot};
use veiviser_proto::master::v1::ListAgenciesRequest;
use veiviser_proto::registry::v1::RegisteredAgency;
use veiviser_runtime::cards::CardKey;
use veiviser_testkit::federation::{Addresses, Federation, built_in_assistants};
use veiviser_testkit::trust::TrustProcess;

use crate::support::{READY, ask, connect, master_config, session, synthetic_agency, synthetic_agency_asking};

const OPERATOR_KEY: &str = "operator-key-for-tests";
const WORD: &str = "boklaan";

/// An agency served on its own, outside the federation, until the sender is dropped.
struct LoneAgency {
    address: SocketAddr,
    _stop: oneshot::Sender<()>,
}

async fn lone_agency(assistant: Assistant, card_key: Option<CardKey>) -> LoneAgency {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = oneshot::channel::<()>();
    let config = AgencyConfig {
        card_key,
        ..AgencyConfig::default()
    };
    tokio::spawn(veiviser_agency_sdk::serve(listener, assistant, config, async {
        let _ = stopped.await;
    }));
    LoneAgency { address, _stop: stop }
}

/// The trust service with registry changes allowed (with [`OPERATOR_KEY`]), on loopback.
async fn trust_with_registry() -> TrustProcess {
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    TrustProcess::start(
        veiviser_consent::ConsentConfig {
            registry_key: Some(OPERATOR_KEY.into()),
            ..veiviser_consent::ConsentConfig::default()
        },
        any,
        any,
    )
    .await
    .expect("trust service starts")
}

/// The trust service with registry changes allowed, and the built-in
/// federation whose master reads its registry often.
pub async fn federation_with_registry() -> (TrustProcess, Federation) {
    let trust = trust_with_registry().await;
    let config = veiviser_master::MasterConfig {
        registry: Some(format!("http://{}", trust.grpc_address)),
        registry_refresh: Duration::from_millis(50),
        health_interval: Duration::from_millis(50),
        ..master_config()
    };
    let assistants = built_in_assistants().expect("content");
    let addresses = Addresses::ephemeral(assistants.len());
    let federation = Federation::start(assistants, addresses, config, AgencyConfig::default())
        .await
        .expect("federation starts");
    federation.wait_until_ready(READY).await.expect("ready");
    (trust, federation)
}

fn entry(id: &str, address: SocketAddr, key: &CardKey) -> RegisteredAgency {
    RegisteredAgency {
        agency_id: id.into(),
        organisation_number: "999999999".into(),
        address: format!("http://{address}"),
        public_key: key.public_key().into(),
        allowed_profile_attributes: Vec::new(),
        added_at: 0,
    }
}

pub async fn register(trust: &TrustProcess, agency: RegisteredAgency) {
    veiviser_cli::registry::add(&format!("http://{}", trust.grpc_address), OPERATOR_KEY, agency)
        .await
        .expect("registered");
}

/// Waits until the master's view satisfies `holds`, and returns that view.
pub async fn wait_for(federation: &Federation, what: &str, holds: impl Fn(&Snapshot) -> bool) -> Arc<Snapshot> {
    let mut snapshots = federation.master.network().subscribe();
    match tokio::time::timeout(READY, snapshots.wait_for(|s| holds(s))).await {
        Ok(Ok(snapshot)) => Arc::clone(&snapshot),
        _ => panic!("the master never showed {what}"),
    }
}

pub fn registered<'a>(snapshot: &'a Snapshot, id: &str) -> Option<&'a Agency> {
    snapshot
        .agencies
        .iter()
        .find(|a| matches!(&a.origin, Origin::Registered(entry) if entry.agency_id == id))
}

#[tokio::test]
async fn a_registered_agency_joins_and_leaves_a_running_master() {
    let (trust, federation) = federation_with_registry().await;
    let (mut client, session_id) = session(&federation, "nb").await;
    let question = format!("et {WORD} spørsmål om {WORD}ordningen");
    let (_, before) = ask(&mut client, &session_id, &question).await;
    assert!(!before.agency_ids.contains(&"bibliotek".to_string()));

    let key = CardKey::generate().expect("key").0;
    let agency = lone_agency(synthetic_agency("bibliotek", WORD, None), Some(key.clone())).await;
    register(&trust, entry("bibliotek", agency.address, &key)).await;
    wait_for(&federation, "the registered agency ready", |s| {
        registered(s, "bibliotek").is_some_and(|a| a.state() == "ready")
    })
    .await;
    let (_, answer) = ask(&mut client, &session_id, &question).await;
    assert_eq!(answer.agency_ids, ["bibliotek"]);
    let listed = connect(&federation)
        .await
        .list_agencies(ListAgenciesRequest {})
        .await
        .expect("listed")
        .into_inner();
    let shown = listed
        .agencies
        .iter()
        .find(|a| a.agency_id == "bibliotek")
        .expect("listed");
    assert_eq!((shown.origin.as_str(), shown.state.as_str()), ("registered", "ready"));

    veiviser_cli::registry::remove(&format!("http://{}", trust.grpc_address), OPERATOR_KEY, "bibliotek")
        .await
        .expect("removed");
    wait_for(&federation, "the agency gone", |s| registered(s, "bibliotek").is_none()).await;
    let (_, after) = ask(&mut client, &session_id, &question).await;
    assert!(!after.agency_ids.contains(&"bibliotek".to_string()));
    federation.shutdown().await.expect("clean shutdown");
    trust.stop().await.expect("trust stops");
}

#[tokio::test]
async fn hostile_registrations_are_refused_with_their_rule() {
    let (trust, federation) = federation_with_registry().await;
    let key = CardKey::generate().expect("key").0;
    let other_key = CardKey::generate().expect("key").0;
    // Each agency breaks one rule of its registration.
    let unsigned = lone_agency(synthetic_agency("usignert", "usignertord", None), None).await;
    let other = lone_agency(synthetic_agency("annen", "annenord", None), Some(other_key)).await;
    let renamed = lone_agency(synthetic_agency("ekte", "ekteord", None), Some(key.clone())).await;
    let wrong_org = lone_agency(synthetic_agency("orgfeil", "orgfeilord", None), Some(key.clone())).await;
    let wider = lone_agency(
        synthetic_agency_asking("kart", "kartblad", None, &["date_of_death"]),
        Some(key.clone()),
    )
    .await;
    // A registered agency cannot take a configured one's id.
    let impostor = lone_agency(synthetic_agency("nav", "navord", None), Some(key.clone())).await;
    let cases = [
        (entry("nav", impostor.address, &key), "agency-id-taken"),
        (entry("usignert", unsigned.address, &key), "unsigned-card"),
        (entry("annen", other.address, &key), "card-signature-key"),
        (entry("falsk", renamed.address, &key), "registered-agency-id"),
        (
            RegisteredAgency {
                organisation_number: "926722387".into(),
                ..entry("orgfeil", wrong_org.address, &key)
            },
            "registered-organisation-number",
        ),
        (entry("kart", wider.address, &key), "registered-profile-attributes"),
    ];
    for (agency, _) in &cases {
        register(&trust, agency.clone()).await;
    }
    let snapshot = wait_for(&federation, "every hostile agency refused", |s| {
        cases
            .iter()
            .all(|(agency, _)| registered(s, &agency.agency_id).is_some_and(|a| a.state() == "refused"))
    })
    .await;
    for (agency, rule) in &cases {
        let seen = registered(&snapshot, &agency.agency_id).expect("present");
        assert!(
            seen.card.is_none(),
            "{}: a refused card is out of routing",
            agency.agency_id
        );
        let reason = seen.problem.map(|p| p.reason()).unwrap_or_default();
        assert!(reason.contains(rule), "{}: {reason}", agency.agency_id);
    }
    let nav = snapshot.agency("nav").expect("the configured NAV");
    assert_eq!((nav.origin.name(), nav.state()), ("configured", "ready"));
    // Nothing of the refused agencies is routed to.
    let (mut client, session_id) = session(&federation, "nb").await;
    let (_, answer) = ask(&mut client, &session_id, "et annenord spørsmål om annenordordningen").await;
    assert!(
        !answer.agency_ids.contains(&"annen".to_string()),
        "{:?}",
        answer.agency_ids
    );

    // Changes without the operator key are refused, and nothing changes.
    let address = format!("http://{}", trust.grpc_address);
    let spare = entry("ekstra", unsigned.address, &key);
    let refused = veiviser_cli::registry::add(&address, "not-the-key", spare.clone()).await;
    assert!(refused.is_err_and(|e| e.starts_with("Unauthenticated")));
    let refused = veiviser_cli::registry::remove(&address, "not-the-key", "annen").await;
    assert!(refused.is_err_and(|e| e.starts_with("Unauthenticated")));
    let invalid = RegisteredAgency {
        public_key: "not a key".into(),
        ..spare
    };
    let refused = veiviser_cli::registry::add(&address, OPERATOR_KEY, invalid).await;
    assert!(refused.is_err_and(|e| e.starts_with("InvalidArgument") && !e.contains("not a key")));
    let (listed, _) = veiviser_cli::registry::list(&address).await.expect("listed");
    assert_eq!(listed.len(), cases.len());
    federation.shutdown().await.expect("clean shutdown");
    trust.stop().await.expect("trust stops");
}

#[tokio::test]
async fn an_agency_failing_its_checks_is_not_asked_until_one_succeeds() {
    let (trust, mut federation) = federation_with_registry().await;
    let down_after = federation.master.config().down_after;
    federation.stop_agency("skatteetaten").await.expect("stopped");
    let snapshot = wait_for(&federation, "skatteetaten down", |s| {
        s.agency("skatteetaten").is_some_and(|a| a.state() == "down")
    })
    .await;
    let agency = snapshot.agency("skatteetaten").expect("known");
    assert!(agency.failures >= down_after);
    assert!(agency.card.is_some(), "its card is kept, so citizens hear it is down");

    // Asked while down: the answer names it as unavailable without calling it
    // (no call is counted, whatever its outcome).
    let calls = || {
        ["ok", "unreachable", "timeout", "error", "overloaded"]
            .iter()
            .map(|outcome| {
                federation
                    .master
                    .metrics()
                    .agency_calls
                    .get_or_create(&veiviser_master::metrics::AgencyOutcomeLabels {
                        agency: "skatteetaten".into(),
                        outcome: (*outcome).into(),
                    })
                    .get()
            })
            .sum::<u64>()
    };
    let before = calls();
    let (mut client, session_id) = session(&federation, "nb").await;
    let (_, answer) = ask(&mut client, &session_id, "Hvordan endrer jeg skattekortet mitt?").await;
    assert!(answer.agency_ids.is_empty() || answer.agency_ids == ["skatteetaten"]);
    assert!(
        answer.missing_agency_ids.contains(&"skatteetaten".to_string()),
        "{answer:?}"
    );
    assert_eq!(calls(), before, "an agency that is down was called");

    federation.restart_agency("skatteetaten").await.expect("restarted");
    wait_for(&federation, "skatteetaten ready again", |s| {
        s.agency("skatteetaten")
            .is_some_and(|a| a.state() == "ready" && a.failures == 0)
    })
    .await;
    let (_, answer) = ask(&mut client, &session_id, "Hvordan endrer jeg skattekortet mitt?").await;
    assert_eq!(answer.agency_ids, ["skatteetaten"]);
    federation.shutdown().await.expect("clean shutdown");
    trust.stop().await.expect("trust stops");
}

/// A configured agency that answers only after a registered one took its id
/// gets it back: the registered one is refused from then on.
#[tokio::test]
async fn a_configured_agency_that_answers_late_takes_its_id_back() {
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    let trust = trust_with_registry().await;
    // The configured agency's port is taken but not served yet: its card is unknown.
    let late = TcpListener::bind(any).await.expect("bind");
    let config = veiviser_master::MasterConfig {
        agencies: vec![format!("http://{}", late.local_addr().expect("address"))],
        registry: Some(format!("http://{}", trust.grpc_address)),
        registry_refresh: Duration::from_millis(50),
        health_interval: Duration::from_millis(50),
        agency_timeout: Duration::from_millis(300),
        ..master_config()
    };
    let federation = Federation::start(Vec::new(), Addresses::ephemeral(0), config, AgencyConfig::default())
        .await
        .expect("federation starts");
    let key = CardKey::generate().expect("key").0;
    let registered_one = lone_agency(synthetic_agency("bibliotek", WORD, None), Some(key.clone())).await;
    register(&trust, entry("bibliotek", registered_one.address, &key)).await;
    wait_for(&federation, "the registered agency ready", |s| {
        registered(s, "bibliotek").is_some_and(|a| a.state() == "ready")
    })
    .await;

    let configured = veiviser_testkit::faulty::FaultyAgency::start(synthetic_agency("bibliotek", WORD, None), late)
        .await
        .expect("the configured agency serves");
    let snapshot = wait_for(&federation, "the configured agency with its id", |s| {
        s.agency("bibliotek")
            .is_some_and(|a| a.origin == Origin::Configured && a.state() == "ready")
            && registered(s, "bibliotek").is_some_and(|a| a.state() == "refused")
    })
    .await;
    let refused = registered(&snapshot, "bibliotek").expect("still listed");
    assert!(refused.card.is_none(), "out of routing");
    assert!(
        refused.problem.is_some_and(|p| p.reason().contains("agency-id-taken")),
        "{:?}",
        refused.problem.map(|p| p.reason())
    );
    federation.shutdown().await.expect("clean shutdown");
    configured.stop().await.expect("stopped");
    trust.stop().await.expect("trust stops");
}
