//! The trust service's store on PostgreSQL: the same code as on SQLite,
//! against a real server. CI starts one and sets `VEIVISER_TEST_POSTGRES_URL`
//! (see `.ci/run`); without it the test says so and does nothing, except on
//! CI, where it fails.

use veiviser_consent::{ConsentConfig, Trust};
use veiviser_runtime::tokens::{KeySource, ProfileVerifier};

const KARI: &str = "14838512047";

/// The test server's address; None (and a note) off CI when there is none.
pub(crate) fn postgres_url() -> Option<String> {
    match std::env::var("VEIVISER_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!("CI must provide VEIVISER_TEST_POSTGRES_URL"),
        _ => {
            eprintln!("VEIVISER_TEST_POSTGRES_URL is not set; the PostgreSQL test did not run");
            None
        }
    }
}

#[tokio::test]
async fn the_trust_service_runs_unchanged_on_postgresql() {
    let Some(url) = postgres_url() else { return };
    // A clean slate: this test owns the database.
    let store = veiviser_consent::store::Store::open(&url)
        .await
        .expect("postgres reachable");
    for table in ["audit", "consents", "signing_keys", "meta"] {
        sqlx::query(&format!("DROP TABLE IF EXISTS {table}"))
            .execute(store.pool())
            .await
            .expect("dropped");
    }
    store.pool().close().await;

    let config = ConsentConfig {
        database_url: url.clone(),
        ..ConsentConfig::default()
    };
    let trust = Trust::open(config.clone()).await.expect("opened on postgres");
    let (citizen, _, _) = trust.demo_login(KARI).expect("login");
    let attributes = vec!["children_ages".to_string(), "relation_to_deceased".to_string()];
    let consent = trust
        .grant(&citizen, "nav", &attributes, "dodsfall-og-arv", None)
        .await
        .expect("granted");
    let minted = trust
        .mint(&citizen, "nav", &attributes, "dodsfall-og-arv")
        .await
        .expect("minted");
    let verifier = ProfileVerifier::new(
        &trust.config.issuer,
        "nav",
        attributes.clone(),
        KeySource::Static(trust.keys.jwks(trust.now())),
        veiviser_runtime::clock::system(),
    );
    let claims = verifier.verify(&minted.token).await.expect("verifies");
    assert_eq!(claims.profile.children_ages, Some(vec![8, 12]));
    trust.record_use(&minted.token).await.expect("use recorded");

    // A second instance on the same database sees the grant and the keys.
    let second = Trust::open(config).await.expect("second instance");
    let consents = second.consents(&citizen).await.expect("listed");
    assert_eq!(consents.len(), 1);
    assert_eq!(consents[0].id, consent.id);
    second.revoke(&citizen, &consent.id).await.expect("revoked");
    assert!(
        trust
            .mint(&citizen, "nav", &attributes, "dodsfall-og-arv")
            .await
            .is_err()
    );

    let events: Vec<String> = trust
        .transparency(&citizen)
        .await
        .expect("innsyn")
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(
        events,
        ["consent-granted", "token-issued", "token-used", "consent-revoked"]
    );
    let report = trust.verify_audit().await.expect("chain read");
    assert_eq!((report.entries, report.first_broken), (4, None));
    sqlx::query("UPDATE audit SET agency_id = 'kommune' WHERE seq = 3")
        .execute(trust.store.pool())
        .await
        .expect("edited");
    assert_eq!(trust.verify_audit().await.expect("chain read").first_broken, Some(3));
}
