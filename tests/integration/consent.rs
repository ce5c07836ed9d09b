//! Consent-gated profile tokens end to end: demo login, consent, tailored
//! versus general answers, revocation, transparency, the audit chain, and
//! every kind of hostile token refused with UNAUTHENTICATED.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use tonic::Code;
use tonic::transport::Channel;
use veiviser_consent::ConsentConfig;
use veiviser_proto::agency::v1::AskRequest as AgencyAskRequest;
use veiviser_proto::agency::v1::agency_assistant_client::AgencyAssistantClient;
use veiviser_proto::consent::v1::trust_service_client::TrustServiceClient;
use veiviser_proto::consent::v1::{
    DemoLoginRequest, GrantConsentRequest, ListConsentsRequest, RevokeConsentRequest, TransparencyRequest,
    VerifyAuditChainRequest,
};
use veiviser_proto::master::v1::StartSessionRequest;
use veiviser_runtime::clock::{Clock, ManualClock};
use veiviser_runtime::tokens::{KeySource, PROFILE_TOKEN_TYPE, ProfileClaims, ProfileVerifier, TokenError};
use veiviser_testkit::federation::Federation;
use veiviser_testkit::trust::TrustProcess;

use crate::support::{ask, connect, federation_with_trust, master_config};

/// What NAV's card declares it may receive: its data-minimisation contract.
fn nav_declared() -> Vec<String> {
    veiviser_nav::CONTENT
        .load()
        .expect("NAV's content")
        .card()
        .profile_attributes
        .clone()
}

/// Kari Testesen in the fixture: widow, children 8 and 12, Oslo.
const KARI: &str = "14838512047";
const START: u64 = 1_795_521_600;

fn any_port() -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], 0))
}

async fn trust_with(clock: Option<ManualClock>) -> TrustProcess {
    let mut config = ConsentConfig::default();
    if let Some(clock) = clock {
        config.clock = Arc::new(clock);
    }
    TrustProcess::start(config, any_port(), any_port())
        .await
        .expect("trust service")
}

async fn trust_client(trust: &TrustProcess) -> TrustServiceClient<Channel> {
    TrustServiceClient::connect(format!("http://{}", trust.grpc_address))
        .await
        .expect("trust service reachable")
}

async fn login(client: &mut TrustServiceClient<Channel>, person: &str) -> String {
    client
        .demo_login(DemoLoginRequest {
            person_id: person.into(),
        })
        .await
        .expect("demo login")
        .into_inner()
        .citizen_token
}

async fn grant(client: &mut TrustServiceClient<Channel>, token: &str, agency: &str, attributes: &[&str]) -> String {
    client
        .grant_consent(GrantConsentRequest {
            citizen_token: token.into(),
            agency_id: agency.into(),
            attributes: attributes.iter().map(|a| a.to_string()).collect(),
            purpose: "dodsfall-og-arv".into(),
            valid_for_seconds: 0,
        })
        .await
        .expect("consent granted")
        .into_inner()
        .consent_id
}

async fn logged_in_session(
    federation: &Federation,
    citizen_token: &str,
) -> (veiviser_cli::client::MasterClient, String) {
    let mut client = connect(federation).await;
    let session = client
        .start_session(StartSessionRequest {
            acknowledged_no_personal_data: true,
            language: "nb".into(),
            citizen_token: citizen_token.into(),
        })
        .await
        .expect("session")
        .into_inner();
    (client, session.session_id)
}

#[tokio::test]
async fn consent_tailors_answers_and_revocation_stops_new_tokens() {
    let trust = trust_with(None).await;
    let federation = federation_with_trust(&trust, master_config()).await;
    let mut consent = trust_client(&trust).await;
    let citizen = login(&mut consent, KARI).await;
    let question = "hvor mye barnepensjon kan barna mine få";

    // No consent yet: the general answer.
    let (mut client, session) = logged_in_session(&federation, &citizen).await;
    let (events, general) = ask(&mut client, &session, question).await;
    assert_eq!(general.agency_ids, ["nav"]);
    assert!(!general.text.contains("260 320"), "{}", general.text);
    assert!(!personalised(&events));

    // Consent to NAV: tailored to two children under 20 (2 × 1 G).
    let consent_id = grant(
        &mut consent,
        &citizen,
        "nav",
        &["relation_to_deceased", "children_ages"],
    )
    .await;
    let (mut client, session) = logged_in_session(&federation, &citizen).await;
    let (events, tailored) = ask(&mut client, &session, question).await;
    assert!(tailored.text.contains("260 320"), "{}", tailored.text);
    assert!(personalised(&events));
    // The municipality got no consent: its answer stays general.
    let (events, municipal) = ask(&mut client, &session, "hvor lenge kan urnen stå før nedsettelse").await;
    assert_eq!(municipal.agency_ids, ["kommune"]);
    assert!(!personalised(&events), "{}", municipal.text);

    // Revoked: the next session gets no token and the general answer.
    consent
        .revoke_consent(RevokeConsentRequest {
            citizen_token: citizen.clone(),
            consent_id: consent_id.clone(),
        })
        .await
        .expect("revoked");
    let (mut client, session) = logged_in_session(&federation, &citizen).await;
    let (events, after) = ask(&mut client, &session, question).await;
    assert!(!after.text.contains("260 320"));
    assert!(!personalised(&events));

    // Transparency: granted, issued, used, revoked, with the attributes.
    let records = consent
        .transparency(TransparencyRequest {
            citizen_token: citizen.clone(),
        })
        .await
        .expect("innsyn")
        .into_inner()
        .records;
    let events: Vec<(&str, &str)> = records
        .iter()
        .map(|r| (r.event.as_str(), r.agency_id.as_str()))
        .collect();
    assert_eq!(
        events,
        [
            ("consent-granted", "nav"),
            ("token-issued", "nav"),
            ("token-used", "nav"),
            ("consent-revoked", "nav")
        ]
    );
    assert!(
        records
            .iter()
            .all(|r| r.consent_id == consent_id && r.purpose == "dodsfall-og-arv")
    );
    assert_eq!(records[1].attributes, ["children_ages", "relation_to_deceased"]);
    let chain = consent
        .verify_audit_chain(VerifyAuditChainRequest {})
        .await
        .expect("chain")
        .into_inner();
    assert!(chain.intact && chain.entries == 4, "{chain:?}");

    federation.shutdown().await.expect("clean shutdown");
    trust.stop().await.expect("trust stopped");
}

fn personalised(events: &[veiviser_proto::master::v1::AskEvent]) -> bool {
    use veiviser_proto::master::v1::ask_event::Event;
    events.iter().any(|e| match &e.event {
        Some(Event::AgencyAnswer(answer)) => answer.answer.as_ref().is_some_and(|a| a.personalised),
        _ => false,
    })
}

#[tokio::test]
async fn the_token_carries_only_consented_and_declared_attributes_under_a_pairwise_subject() {
    let trust = trust_with(None).await;
    let mut consent = trust_client(&trust).await;
    let citizen = login(&mut consent, KARI).await;
    // The citizen consents to more than NAV declares, and to less than NAV declares.
    grant(
        &mut consent,
        &citizen,
        "nav",
        &["children_ages", "name", "national_identity_number"],
    )
    .await;
    grant(&mut consent, &citizen, "kommune", &["municipality_number"]).await;
    let nav_declared = nav_declared();
    let minted = trust
        .trust
        .mint(&citizen, "nav", &nav_declared, "dodsfall-og-arv")
        .await
        .expect("minted");
    assert_eq!(minted.attributes, ["children_ages"]);
    let claims = verifier(&trust, "nav", &nav_declared, None)
        .verify(&minted.token)
        .await
        .expect("valid");
    assert_eq!(
        claims.profile.present().into_iter().collect::<Vec<_>>(),
        ["children_ages"]
    );
    assert_eq!(claims.act.sub, "veiviser-master");
    assert!(claims.exp - claims.iat <= 300);
    assert!(!minted.token.contains(KARI) && !claims.sub.contains(KARI));

    let kommune = trust
        .trust
        .mint(
            &citizen,
            "kommune",
            &["municipality_number".to_string()],
            "dodsfall-og-arv",
        )
        .await
        .expect("minted");
    let kommune_claims: ProfileClaims = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(kommune.token.split('.').nth(1).expect("payload"))
            .expect("b64"),
    )
    .expect("claims");
    assert_ne!(claims.sub, kommune_claims.sub, "the subject is pairwise");
    trust.stop().await.expect("stopped");
}

fn verifier(trust: &TrustProcess, agency: &str, declared: &[String], clock: Option<Arc<dyn Clock>>) -> ProfileVerifier {
    ProfileVerifier::new(
        &trust.trust.config.issuer,
        agency,
        declared.iter().cloned(),
        KeySource::Url(trust.agency_trust().jwks_url),
        clock.unwrap_or_else(veiviser_runtime::clock::system),
    )
}

/// Signs arbitrary claims with the trust service's own current key, so a
/// token is refused for its content, not its signature.
fn forge(trust: &TrustProcess, typ: Option<&str>, claims: &serde_json::Value) -> String {
    let (kid, key) = trust.trust.keys.current().expect("key");
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = typ.map(str::to_string);
    header.kid = Some(kid);
    jsonwebtoken::encode(&header, claims, &key).expect("signed")
}

#[tokio::test]
async fn hostile_tokens_are_refused_for_the_right_reason() {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(START));
    let trust = trust_with(Some(clock.clone())).await;
    let mut consent = trust_client(&trust).await;
    let citizen = login(&mut consent, KARI).await;
    grant(
        &mut consent,
        &citizen,
        "nav",
        &["children_ages", "relation_to_deceased"],
    )
    .await;
    let declared = nav_declared();
    let minted = trust
        .trust
        .mint(&citizen, "nav", &declared, "dodsfall-og-arv")
        .await
        .expect("minted");
    let good = minted.token.clone();
    let at_mint: Arc<dyn Clock> = Arc::new(clock.clone());
    let nav = verifier(&trust, "nav", &declared, Some(at_mint.clone()));
    let valid = nav.verify(&good).await.expect("the genuine token verifies");
    let claims = serde_json::to_value(&valid).expect("json");

    let parts: Vec<&str> = good.split('.').collect();
    let header_json = |json: &str| URL_SAFE_NO_PAD.encode(json);
    let kid = trust.trust.keys.current().expect("key").0;
    let mut cases: Vec<(&str, String, TokenError)> = Vec::new();

    cases.push((
        "alg none",
        format!(
            "{}.{}.",
            header_json(r#"{"alg":"none","typ":"veiviser-profile+jwt"}"#),
            parts[1]
        ),
        TokenError::Malformed,
    ));
    let jwks: serde_json::Value = serde_json::to_value(trust.trust.keys.jwks(START as i64)).expect("jwks");
    let public_key = URL_SAFE_NO_PAD
        .decode(jwks["keys"][0]["x"].as_str().expect("x"))
        .expect("public key");
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.typ = Some(PROFILE_TOKEN_TYPE.into());
    hs_header.kid = Some(kid.clone());
    cases.push((
        "HS256 keyed with the public key",
        jsonwebtoken::encode(&hs_header, &claims, &EncodingKey::from_secret(&public_key)).expect("signed"),
        TokenError::Algorithm,
    ));
    let mut tampered = claims.clone();
    tampered["profile"]["children_ages"] = serde_json::json!([1, 2, 3, 4]);
    cases.push((
        "tampered payload",
        format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(tampered.to_string()),
            parts[2]
        ),
        TokenError::Signature,
    ));
    let mut unknown_kid = Header::new(Algorithm::EdDSA);
    unknown_kid.typ = Some(PROFILE_TOKEN_TYPE.into());
    unknown_kid.kid = Some("no-such-key".into());
    let (_, own_key) = trust.trust.keys.current().expect("key");
    cases.push((
        "unknown kid",
        jsonwebtoken::encode(&unknown_kid, &claims, &own_key).expect("signed"),
        TokenError::UnknownKey,
    ));
    cases.push(("wrong typ", forge(&trust, Some("JWT"), &claims), TokenError::Type));
    cases.push(("missing typ", forge(&trust, None, &claims), TokenError::Type));
    let mut wrong_iss = claims.clone();
    wrong_iss["iss"] = "http://evil.example".into();
    cases.push((
        "wrong iss",
        forge(&trust, Some(PROFILE_TOKEN_TYPE), &wrong_iss),
        TokenError::Issuer,
    ));
    let mut array_aud = claims.clone();
    array_aud["aud"] = serde_json::json!(["nav", "kommune"]);
    cases.push((
        "audience array",
        forge(&trust, Some(PROFILE_TOKEN_TYPE), &array_aud),
        TokenError::Audience,
    ));
    let mut long_lived = claims.clone();
    long_lived["exp"] = (START as i64 + 3600).into();
    cases.push((
        "lifetime of an hour",
        forge(&trust, Some(PROFILE_TOKEN_TYPE), &long_lived),
        TokenError::Lifetime,
    ));
    let mut undeclared = claims.clone();
    undeclared["authorization_details"][0]["datatypes"] =
        serde_json::json!(["children_ages", "national_identity_number"]);
    cases.push((
        "undeclared attribute",
        forge(&trust, Some(PROFILE_TOKEN_TYPE), &undeclared),
        TokenError::Undeclared,
    ));
    let mut beyond_consent = claims.clone();
    beyond_consent["profile"]["marital_status"] = "widowed".into();
    cases.push((
        "attribute beyond the consent",
        forge(&trust, Some(PROFILE_TOKEN_TYPE), &beyond_consent),
        TokenError::NotConsented,
    ));
    cases.push((
        "64 KB token",
        format!("{}.{}.{}", parts[0], "A".repeat(64 * 1024), parts[2]),
        TokenError::TooLarge,
    ));
    cases.push(("garbage", "%%%.not-base64.!!!".into(), TokenError::Malformed));

    for (name, token, expected) in &cases {
        assert_eq!(nav.verify(token).await.err().as_ref(), Some(expected), "{name}");
    }

    // Replayed at another agency, expired, not yet valid.
    let kommune = verifier(&trust, "kommune", &declared, Some(at_mint.clone()));
    assert_eq!(
        kommune.verify(&good).await.err(),
        Some(TokenError::Audience),
        "replay at kommune"
    );
    let later = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(START + 301 + 30));
    let expired = verifier(&trust, "nav", &declared, Some(Arc::new(later)));
    assert_eq!(expired.verify(&good).await.err(), Some(TokenError::Expired));
    let earlier = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(START - 120));
    let early = verifier(&trust, "nav", &declared, Some(Arc::new(earlier)));
    assert_eq!(early.verify(&good).await.err(), Some(TokenError::NotYetValid));
    trust.stop().await.expect("stopped");
}

#[tokio::test]
async fn an_agency_refuses_hostile_tokens_with_unauthenticated_over_grpc() {
    let trust = trust_with(None).await;
    let federation = federation_with_trust(&trust, master_config()).await;
    let nav = federation.agencies.iter().find(|a| a.id == "nav").expect("nav");
    let mut client = AgencyAssistantClient::connect(format!("http://{}", nav.address))
        .await
        .expect("nav reachable");
    let question = AgencyAskRequest {
        text: "hvor mye barnepensjon kan barna få".into(),
        language: "nb".into(),
        ..Default::default()
    };
    // Over 8 KB is refused unread; 64 KB never reaches the agency, because
    // HTTP/2 refuses header lists that large (the verifier's own limit is
    // tested directly above).
    for token in ["", "not.a.token", &"x".repeat(12 * 1024), "eyJhbGciOiJub25lIn0.e30."] {
        let mut request = tonic::Request::new(question.clone());
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().expect("ascii"));
        let status = client.ask(request).await.expect_err("refused");
        assert_eq!(status.code(), Code::Unauthenticated, "{token:.20}: {status:?}");
        assert!(status.message().len() < 80, "short reason: {}", status.message());
    }
    // Every refusal is counted by its reason (the token is never logged).
    let refused: u64 = ["malformed", "too-large", "algorithm"]
        .iter()
        .map(|r| nav.metrics.tokens_refused(r))
        .sum();
    assert_eq!(refused, 4, "{}", nav.metrics.encode());
    // The same question without a token gets the general answer.
    let general = client.ask(question).await.expect("answered").into_inner();
    assert!(!general.personalised);
    federation.shutdown().await.expect("clean shutdown");
    trust.stop().await.expect("stopped");
}

#[tokio::test]
async fn keys_rotate_without_refusing_tokens_already_issued() {
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(START));
    let trust = trust_with(Some(clock.clone())).await;
    let mut consent = trust_client(&trust).await;
    let citizen = login(&mut consent, KARI).await;
    grant(&mut consent, &citizen, "nav", &["children_ages"]).await;
    let declared = vec!["children_ages".to_string()];
    let before = trust
        .trust
        .mint(&citizen, "nav", &declared, "dodsfall-og-arv")
        .await
        .expect("minted");
    let nav = verifier(&trust, "nav", &declared, Some(Arc::new(clock.clone())));
    nav.verify(&before.token).await.expect("verifies before rotation");

    // A minute later the key is rotated.
    clock.advance(Duration::from_secs(60));
    trust.trust.keys.rotate(trust.trust.now()).await.expect("rotated");
    let after = trust
        .trust
        .mint(&citizen, "nav", &declared, "dodsfall-og-arv")
        .await
        .expect("minted");
    assert_ne!(kid_of(&before.token), kid_of(&after.token));
    // The cached JWKS lacks the new key: the verifier fetches it once.
    nav.verify(&after.token)
        .await
        .expect("new key found by refreshing the JWKS");
    nav.verify(&before.token)
        .await
        .expect("the old key still verifies its tokens");
    assert_eq!(trust.trust.keys.jwks(trust.trust.now()).keys.len(), 2);
    // Once the old key's last token has expired, it leaves the JWKS.
    clock.advance(Duration::from_secs(600));
    assert_eq!(trust.trust.keys.jwks(trust.trust.now()).keys.len(), 1);
    trust.stop().await.expect("stopped");
}

fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).expect("header").kid.expect("kid")
}

#[tokio::test]
async fn bad_consent_requests_get_clear_errors() {
    let trust = trust_with(None).await;
    let mut consent = trust_client(&trust).await;
    let citizen = login(&mut consent, KARI).await;
    let refuse = |attributes: &[&str], agency: &str, purpose: &str| GrantConsentRequest {
        citizen_token: citizen.clone(),
        agency_id: agency.into(),
        attributes: attributes.iter().map(|a| a.to_string()).collect(),
        purpose: purpose.into(),
        valid_for_seconds: 0,
    };
    for (request, code) in [
        (refuse(&["shoe_size"], "nav", "dodsfall-og-arv"), Code::InvalidArgument),
        (refuse(&[], "nav", "dodsfall-og-arv"), Code::InvalidArgument),
        (refuse(&["name"], "NAV!", "dodsfall-og-arv"), Code::InvalidArgument),
        (refuse(&["name"], "nav", "marketing"), Code::InvalidArgument),
        (
            GrantConsentRequest {
                citizen_token: "forged".into(),
                ..refuse(&["name"], "nav", "dodsfall-og-arv")
            },
            Code::Unauthenticated,
        ),
    ] {
        let status = consent.grant_consent(request).await.expect_err("refused");
        assert_eq!(status.code(), code, "{status:?}");
    }
    let unknown = consent
        .demo_login(DemoLoginRequest {
            person_id: "01010112345".into(),
        })
        .await
        .expect_err("not in the fixture");
    assert_eq!(unknown.code(), Code::NotFound);
    let nothing = consent
        .list_consents(ListConsentsRequest { citizen_token: citizen })
        .await
        .expect("listed")
        .into_inner();
    assert!(nothing.consents.is_empty(), "nothing was stored by refused requests");
    trust.stop().await.expect("stopped");
}

#[tokio::test]
async fn instances_sharing_a_database_follow_each_others_key_rotation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(START));
    let config = ConsentConfig {
        database_url: format!("sqlite://{}", dir.path().join("consent.db").display()),
        clock: Arc::new(clock.clone()),
        ..ConsentConfig::default()
    };
    let first = veiviser_consent::Trust::open(config.clone()).await.expect("first");
    let second = veiviser_consent::Trust::open(config).await.expect("second");
    let kid = |trust: &veiviser_consent::Trust| trust.keys.current().expect("key").0;
    assert_eq!(
        kid(&first),
        kid(&second),
        "the second instance uses the first one's key"
    );

    let day = 24 * 3600;
    clock.advance(Duration::from_secs(day as u64));
    first
        .keys
        .rotate_if_older_than(first.now(), day)
        .await
        .expect("rotated");
    // The second instance's periodic reload picks the new key up instead of rotating again.
    second
        .keys
        .rotate_if_older_than(second.now(), day)
        .await
        .expect("reloaded");
    assert_eq!(kid(&first), kid(&second));
    let published: Vec<Option<String>> = second
        .keys
        .jwks(second.now())
        .keys
        .iter()
        .map(|k| k.common.key_id.clone())
        .collect();
    assert_eq!(published.len(), 2, "new and retired key");
    assert!(published.contains(&Some(kid(&first))));
}

#[tokio::test]
async fn a_silent_trust_service_costs_at_most_half_the_deadline_and_the_agency_still_answers() {
    // A trust service that takes connections and never answers.
    let silent = tokio::net::TcpListener::bind(any_port()).await.expect("bind");
    let address = silent.local_addr().expect("address");
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    let mut config = master_config();
    config.agency_timeout = Duration::from_secs(4);
    config.trust = Some(veiviser_master::profiles::TrustLink {
        address: format!("http://{address}"),
        purpose: "dodsfall-og-arv".into(),
    });
    let limit = config.agency_timeout;
    let federation = crate::support::federation_with(
        veiviser_testkit::federation::built_in_assistants().expect("content"),
        config,
    )
    .await;
    let mut client = connect(&federation).await;
    let session = client
        .start_session(StartSessionRequest {
            acknowledged_no_personal_data: true,
            language: "nb".into(),
            citizen_token: "a citizen token the silent service never reads".into(),
        })
        .await
        .expect("session")
        .into_inner();

    let started = tokio::time::Instant::now();
    let (_, answer) = ask(&mut client, &session.session_id, "hvordan søker jeg om dagpenger").await;
    let took = started.elapsed();
    assert_eq!(answer.agency_ids, ["nav"], "answered without profile data");
    // The token and the call share one deadline: before, the mint had a
    // deadline of its own and the call another, twice the stated limit.
    assert!(took < limit, "one deadline for the mint and the call: {took:?}");
    held.abort();
    federation.shutdown().await.expect("clean shutdown");
}
