//! Profile tokens in the conformance kit: a throwaway issuer (its own
//! Ed25519 key, its JWKS served on a listener) that mints a genuine token for
//! the agency under test and hostile ones, and hostile tokens that no agency
//! may accept whatever issuer it trusts. Each hostile token breaks one rule.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use veiviser_proto::agency::v1::AssistantCard;
use veiviser_runtime::cards::new_ed25519_pkcs8;
use veiviser_runtime::clock::{Clock, SystemClock, unix_seconds};
use veiviser_runtime::tokens::{
    Actor, AuthorizationDetail, PROFILE_ATTRIBUTES, PROFILE_AUTHORIZATION_TYPE, PROFILE_TOKEN_TYPE, Profile,
    ProfileClaims,
};

use crate::config::DEFAULT_TOKEN_ACTOR;

/// Where the issuer serves its keys, below its address.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
/// The purpose of a genuine token when the card declares no life event.
const DEFAULT_PURPOSE: &str = "dodsfall-og-arv";

/// A signing key and its public JWK.
struct SigningKey {
    encoding: EncodingKey,
    jwk: Jwk,
}

fn signing_key(kid: &str) -> Result<SigningKey, String> {
    let der = new_ed25519_pkcs8().map_err(|e| e.to_string())?;
    let encoding = EncodingKey::from_ed_der(&der);
    let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::EdDSA).map_err(|e| e.to_string())?;
    jwk.common.key_id = Some(kid.to_string());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    Ok(SigningKey { encoding, jwk })
}

fn now() -> i64 {
    unix_seconds(SystemClock.now())
}

/// A compact JWS with `header` (JSON) over `claims`, signed with `key`.
fn signed(header: &serde_json::Value, claims: &impl serde::Serialize, key: &EncodingKey) -> String {
    let encode = |value: &[u8]| URL_SAFE_NO_PAD.encode(value);
    let input = format!(
        "{}.{}",
        encode(header.to_string().as_bytes()),
        encode(&serde_json::to_vec(claims).unwrap_or_default())
    );
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), key, Algorithm::EdDSA).unwrap_or_default();
    format!("{input}.{signature}")
}

/// A made-up value for each attribute the token carries (synthetic people only).
fn synthetic_profile(attributes: &[String]) -> Profile {
    let has = |name: &str| attributes.iter().any(|a| a == name);
    Profile {
        name: has("name").then(|| "Kari Konformans".into()),
        municipality_number: has("municipality_number").then(|| "0301".into()),
        marital_status: has("marital_status").then(|| "widowed".into()),
        relation_to_deceased: has("relation_to_deceased").then(|| "spouse".into()),
        date_of_death: has("date_of_death").then(|| "2026-11-20".into()),
        children_ages: has("children_ages").then(|| vec![12]),
        birth_date: has("birth_date").then(|| "1960-08-01".into()),
        national_identity_number: None,
    }
}

/// The conformance kit's own issuer, trusted by an agency started with
/// `--token-issuer <issuer> --jwks-url <jwks_url>`.
pub struct TokenIssuer {
    key: SigningKey,
    /// A fresh key id each run, so an agency that cached an earlier run's
    /// keys fetches this run's.
    kid: String,
    issuer: String,
    serial: std::sync::atomic::AtomicU64,
    _stop: oneshot::Sender<()>,
}

impl std::fmt::Debug for TokenIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer").field("issuer", &self.issuer).finish()
    }
}

impl TokenIssuer {
    /// Serves a fresh key's JWKS on `listener` until the issuer is dropped.
    pub async fn start(listener: TcpListener) -> Result<Self, String> {
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let kid = format!("conformance-{}", uuid::Uuid::new_v4().simple());
        let key = signing_key(&kid)?;
        let jwks = JwkSet {
            keys: vec![key.jwk.clone()],
        };
        let app = axum::Router::new().route(
            JWKS_PATH,
            axum::routing::get(move || {
                let jwks = jwks.clone();
                async move { axum::Json(jwks) }
            }),
        );
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let served = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = served.await {
                tracing::warn!(%error, "conformance issuer stopped");
            }
        });
        Ok(Self {
            key,
            kid,
            issuer: format!("http://{address}"),
            serial: std::sync::atomic::AtomicU64::new(0),
            _stop: stop,
        })
    }

    /// The `iss` of its tokens (the agency's `--token-issuer`).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Where its keys are (the agency's `--jwks-url`).
    pub fn jwks_url(&self) -> String {
        format!("{}{JWKS_PATH}", self.issuer)
    }

    /// The claims the master would send `card`'s agency for a consenting
    /// citizen: every attribute the card declares, for its first life event.
    fn claims(&self, card: &AssistantCard) -> ProfileClaims {
        let now = now();
        let attributes = card.profile_attributes.clone();
        ProfileClaims {
            iss: self.issuer.clone(),
            aud: card.agency_id.clone(),
            sub: "conformance-pairwise-subject".into(),
            iat: now,
            nbf: now,
            exp: now + 120,
            // Every token its own id, so a refusal is for the rule broken, never for a replay.
            jti: format!(
                "{}-{}",
                self.kid,
                self.serial.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ),
            act: Actor {
                sub: DEFAULT_TOKEN_ACTOR.into(),
            },
            authorization_details: vec![AuthorizationDetail {
                kind: PROFILE_AUTHORIZATION_TYPE.into(),
                consent_id: "conformance-consent".into(),
                purpose: card
                    .life_events
                    .first()
                    .map_or(DEFAULT_PURPOSE.to_string(), |event| event.id.clone()),
                datatypes: attributes.clone(),
                actions: vec!["read".into()],
            }],
            profile: synthetic_profile(&attributes),
        }
    }

    fn sign(&self, claims: &ProfileClaims) -> String {
        let header = serde_json::json!({"alg": "EdDSA", "typ": PROFILE_TOKEN_TYPE, "kid": self.kid});
        signed(&header, claims, &self.key.encoding)
    }

    /// A token the agency must accept.
    pub fn genuine(&self, card: &AssistantCard) -> String {
        self.sign(&self.claims(card))
    }

    /// Tokens signed with the trusted key that each break one rule.
    pub fn hostile(&self, card: &AssistantCard) -> Vec<(&'static str, String)> {
        let spoilt = |spoil: fn(&mut ProfileClaims)| {
            let mut claims = self.claims(card);
            spoil(&mut claims);
            self.sign(&claims)
        };
        let mut tokens = vec![
            (
                "that has expired",
                spoilt(|c| {
                    c.iat -= 600;
                    c.nbf -= 600;
                    c.exp = c.iat + 120;
                }),
            ),
            ("for another agency", spoilt(|c| c.aud = format!("not-{}", c.aud))),
            ("from another issuer", spoilt(|c| c.iss = format!("{}/another", c.iss))),
            ("valid for too long", spoilt(|c| c.exp = c.iat + 3_600)),
            (
                "allowing more than reading",
                spoilt(|c| c.authorization_details[0].actions.push("write".into())),
            ),
            (
                "acted on by another party",
                spoilt(|c| c.act.sub = "someone-else".into()),
            ),
        ];
        // The purpose is checked against the card's life events, when it declares any.
        if !card.life_events.is_empty() {
            tokens.push((
                "for another purpose",
                spoilt(|c| c.authorization_details[0].purpose = "markedsforing".into()),
            ));
        }
        if let Some(undeclared) = PROFILE_ATTRIBUTES
            .iter()
            .find(|a| !card.profile_attributes.iter().any(|d| d == *a))
        {
            let mut claims = self.claims(card);
            claims.authorization_details[0]
                .datatypes
                .push((*undeclared).to_string());
            tokens.push(("carrying an attribute the card does not declare", self.sign(&claims)));
        }
        let claims = self.claims(card);
        let critical = serde_json::json!({
            "alg": "EdDSA", "typ": PROFILE_TOKEN_TYPE, "kid": self.kid, "crit": ["x-unknown-extension"]
        });
        tokens.push((
            "with a critical header extension",
            signed(&critical, &claims, &self.key.encoding),
        ));
        let untyped = serde_json::json!({"alg": "EdDSA", "typ": "JWT", "kid": self.kid});
        tokens.push(("of another type", signed(&untyped, &claims, &self.key.encoding)));
        tokens
    }
}

/// Tokens no agency may accept, whichever issuer it trusts: not a token,
/// unsigned, signed with a shared secret, signed with a key nobody published.
pub fn hostile_to_any_agency(card: &AssistantCard) -> Result<Vec<(&'static str, String)>, String> {
    let now = now();
    let claims = serde_json::json!({
        "iss": "https://issuer.invalid", "aud": card.agency_id, "sub": "x",
        "iat": now, "nbf": now, "exp": now + 60, "jti": "x",
    });
    let encode = |value: &serde_json::Value| URL_SAFE_NO_PAD.encode(value.to_string().as_bytes());
    let none = format!(
        "{}.{}.",
        encode(&serde_json::json!({"alg": "none", "typ": PROFILE_TOKEN_TYPE})),
        encode(&claims)
    );
    let mut shared = Header::new(Algorithm::HS256);
    shared.typ = Some(PROFILE_TOKEN_TYPE.into());
    let secret =
        jsonwebtoken::encode(&shared, &claims, &EncodingKey::from_secret(b"secret")).map_err(|e| e.to_string())?;
    let stranger = signing_key("unpublished")?;
    let unknown = signed(
        &serde_json::json!({"alg": "EdDSA", "typ": PROFILE_TOKEN_TYPE, "kid": "unpublished"}),
        &claims,
        &stranger.encoding,
    );
    Ok(vec![
        ("that is not a token", "not-a-token".into()),
        ("with no signature (alg none)", none),
        ("signed with a shared secret (HS256)", secret),
        ("signed with an unpublished key", unknown),
    ])
}
