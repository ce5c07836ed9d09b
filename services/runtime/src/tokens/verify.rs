//! Checking a JWT: size, header (algorithm allow-list, `typ`, key id),
//! signature through the key cache, issuer, audience and time claims against
//! the injected clock; for profile tokens also the consent and the agency's
//! declared attributes.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{Algorithm, Validation};
use serde::de::DeserializeOwned;

use super::claims::{MAX_TOKEN_LIFETIME_SECONDS, PROFILE_AUTHORIZATION_TYPE, PROFILE_TOKEN_TYPE, ProfileClaims};
use super::keys::{KeyCache, KeySource};
use crate::clock::Clock;

/// Tokens longer than this are refused before they are parsed.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Asymmetric algorithms only; HS* and `none` are never accepted.
const ALLOWED_ALGORITHMS: [Algorithm; 2] = [Algorithm::EdDSA, Algorithm::ES256];

/// Why a token was refused. The message is short and safe to return to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token too large")]
    TooLarge,
    #[error("malformed token")]
    Malformed,
    #[error("algorithm not allowed")]
    Algorithm,
    #[error("wrong token type")]
    Type,
    #[error("unknown signing key")]
    UnknownKey,
    #[error("bad signature")]
    Signature,
    #[error("wrong issuer")]
    Issuer,
    #[error("wrong audience")]
    Audience,
    #[error("token expired")]
    Expired,
    #[error("token not yet valid")]
    NotYetValid,
    #[error("token lifetime too long")]
    Lifetime,
    #[error("attribute not declared by this agency")]
    Undeclared,
    #[error("attribute not covered by the consent")]
    NotConsented,
    #[error("signing keys unavailable")]
    KeysUnavailable,
    /// RFC 7515 4.1.11: a `crit` header names extensions that must be
    /// understood; this verifier understands none.
    #[error("unknown critical header extension")]
    CriticalExtension,
    #[error("purpose not accepted")]
    Purpose,
    #[error("action not allowed")]
    Action,
    #[error("unexpected actor")]
    Actor,
}

impl TokenError {
    /// A short stable name, for logs and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::TooLarge => "too-large",
            Self::Malformed => "malformed",
            Self::Algorithm => "algorithm",
            Self::Type => "type",
            Self::UnknownKey => "unknown-key",
            Self::Signature => "signature",
            Self::Issuer => "issuer",
            Self::Audience => "audience",
            Self::Expired => "expired",
            Self::NotYetValid => "not-yet-valid",
            Self::Lifetime => "lifetime",
            Self::Undeclared => "undeclared",
            Self::NotConsented => "not-consented",
            Self::KeysUnavailable => "keys-unavailable",
            Self::CriticalExtension => "critical-extension",
            Self::Purpose => "purpose",
            Self::Action => "action",
            Self::Actor => "actor",
        }
    }
}

/// What a token must say about itself.
#[derive(Debug, Clone)]
pub struct Expectations {
    pub issuer: String,
    pub audience: String,
    /// The JOSE `typ` header, compared case-insensitively.
    pub token_type: String,
    /// Allowed clock difference for `nbf`, `iat` and `exp`.
    pub leeway: Duration,
    /// The longest `exp - iat` accepted.
    pub max_lifetime: Duration,
}

/// The claims every checked token has.
#[derive(Debug, serde::Deserialize)]
struct Registered {
    iss: String,
    aud: serde_json::Value,
    iat: i64,
    nbf: i64,
    exp: i64,
}

/// Verifies JWTs from one issuer for one audience.
#[derive(Debug)]
pub struct JwtVerifier {
    expect: Expectations,
    keys: KeyCache,
    clock: Arc<dyn Clock>,
}

fn unix_now(clock: &dyn Clock) -> i64 {
    crate::clock::unix_seconds(clock.now())
}

impl JwtVerifier {
    pub fn new(expect: Expectations, keys: KeySource, clock: Arc<dyn Clock>) -> Self {
        Self {
            expect,
            keys: KeyCache::new(keys, Arc::clone(&clock)),
            clock,
        }
    }

    pub fn expectations(&self) -> &Expectations {
        &self.expect
    }

    /// Checks `token` and returns its claims.
    pub async fn verify<C: DeserializeOwned>(&self, token: &str) -> Result<C, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLarge);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if has_critical_header(token) {
            return Err(TokenError::CriticalExtension);
        }
        if !ALLOWED_ALGORITHMS.contains(&header.alg) {
            return Err(TokenError::Algorithm);
        }
        let typ_ok = header
            .typ
            .as_deref()
            .is_some_and(|typ| typ.eq_ignore_ascii_case(&self.expect.token_type));
        if !typ_ok {
            return Err(TokenError::Type);
        }
        let kid = header.kid.as_deref().ok_or(TokenError::UnknownKey)?;
        let key = self.keys.key(kid).await?;

        // The library checks the signature and that the algorithm fits the
        // key; every claim is checked below, against the injected clock.
        let mut validation = Validation::new(header.alg);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation).map_err(|error| {
            use jsonwebtoken::errors::ErrorKind;
            match error.kind() {
                ErrorKind::InvalidSignature => TokenError::Signature,
                ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => TokenError::Algorithm,
                _ => TokenError::Malformed,
            }
        })?;
        let registered: Registered = serde_json::from_value(data.claims.clone()).map_err(|_| TokenError::Malformed)?;
        self.check_registered(&registered)?;
        serde_json::from_value(data.claims).map_err(|_| TokenError::Malformed)
    }

    fn check_registered(&self, claims: &Registered) -> Result<(), TokenError> {
        if claims.iss != self.expect.issuer {
            return Err(TokenError::Issuer);
        }
        if claims.aud.as_str() != Some(self.expect.audience.as_str()) {
            return Err(TokenError::Audience);
        }
        let now = unix_now(self.clock.as_ref());
        let leeway = i64::try_from(self.expect.leeway.as_secs()).unwrap_or(0);
        if claims.exp <= now - leeway {
            return Err(TokenError::Expired);
        }
        if claims.nbf > now + leeway || claims.iat > now + leeway {
            return Err(TokenError::NotYetValid);
        }
        let max = i64::try_from(self.expect.max_lifetime.as_secs()).unwrap_or(i64::MAX);
        if claims.exp.saturating_sub(claims.iat) > max || claims.exp < claims.nbf {
            return Err(TokenError::Lifetime);
        }
        Ok(())
    }
}

/// True when the token's protected header has a `crit` member (the header
/// was decoded once already, so this only looks for the member).
fn has_critical_header(token: &str) -> bool {
    use base64::Engine;
    let Some(header) = token.split('.').next() else {
        return false;
    };
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes)
        .is_ok_and(|members| members.contains_key("crit"))
}

/// The only action a profile token may grant: reading the attributes.
const READ: &str = "read";

/// Verifies profile tokens addressed to one agency.
#[derive(Debug)]
pub struct ProfileVerifier {
    jwt: JwtVerifier,
    /// The agency's `profile_attributes`: anything else in a token is refused.
    declared: BTreeSet<String>,
    /// The purposes the agency serves (its life events); any non-empty one when unset.
    purposes: BTreeSet<String>,
    /// Who may act for the citizen (`act.sub`, RFC 8693); any non-empty one when unset.
    actor: Option<String>,
}

impl ProfileVerifier {
    /// A verifier for tokens from `issuer` to `agency_id`, which declares `declared`.
    pub fn new(
        issuer: &str,
        agency_id: &str,
        declared: impl IntoIterator<Item = String>,
        keys: KeySource,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let expect = Expectations {
            issuer: issuer.to_string(),
            audience: agency_id.to_string(),
            token_type: PROFILE_TOKEN_TYPE.to_string(),
            leeway: Duration::from_secs(30),
            max_lifetime: Duration::from_secs(MAX_TOKEN_LIFETIME_SECONDS as u64),
        };
        Self {
            jwt: JwtVerifier::new(expect, keys, clock),
            declared: declared.into_iter().collect(),
            purposes: BTreeSet::new(),
            actor: None,
        }
    }

    /// Accepts tokens only for these purposes (RFC 9396 `purpose`).
    pub fn with_purposes(mut self, purposes: impl IntoIterator<Item = String>) -> Self {
        self.purposes = purposes.into_iter().collect();
        self
    }

    /// Accepts tokens only when `actor` acts for the citizen (RFC 8693 `act`).
    pub fn with_actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }

    /// Checks a profile token and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<ProfileClaims, TokenError> {
        let claims: ProfileClaims = self.jwt.verify(token).await?;
        let [detail] = claims.authorization_details.as_slice() else {
            return Err(TokenError::Malformed);
        };
        if detail.kind != PROFILE_AUTHORIZATION_TYPE || claims.jti.is_empty() || claims.sub.is_empty() {
            return Err(TokenError::Malformed);
        }
        let purpose_ok = if self.purposes.is_empty() {
            !detail.purpose.is_empty()
        } else {
            self.purposes.contains(&detail.purpose)
        };
        if !purpose_ok {
            return Err(TokenError::Purpose);
        }
        if detail.actions.is_empty() || detail.actions.iter().any(|a| a != READ) {
            return Err(TokenError::Action);
        }
        let actor_ok = match &self.actor {
            Some(actor) => claims.act.sub == *actor,
            None => !claims.act.sub.is_empty(),
        };
        if !actor_ok {
            return Err(TokenError::Actor);
        }
        let consented: BTreeSet<&str> = detail.datatypes.iter().map(String::as_str).collect();
        for attribute in &consented {
            if !self.declared.contains(*attribute) {
                return Err(TokenError::Undeclared);
            }
        }
        if !claims.profile.present().iter().all(|a| consented.contains(a)) {
            return Err(TokenError::NotConsented);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
    use jsonwebtoken::{EncodingKey, Header};

    use super::*;
    use crate::clock::ManualClock;
    use crate::tokens::{Actor, AuthorizationDetail, Profile};

    const NOW: u64 = 1_795_521_600;

    /// A fixed Ed25519 key (v1 PKCS#8 of a constant seed) and its JWKS.
    fn key() -> (EncodingKey, JwkSet) {
        let mut der = vec![
            0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
        ];
        der.extend_from_slice(&[7u8; 32]);
        let key = EncodingKey::from_ed_der(&der);
        let mut jwk = Jwk::from_encoding_key(&key, Algorithm::EdDSA).expect("jwk");
        jwk.common.key_id = Some("test".into());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        (key, JwkSet { keys: vec![jwk] })
    }

    fn token(key: &EncodingKey) -> String {
        let claims = ProfileClaims {
            iss: "https://trust.example".into(),
            aud: "nav".into(),
            sub: "pairwise".into(),
            iat: NOW as i64,
            nbf: NOW as i64,
            exp: NOW as i64 + 300,
            jti: "t1".into(),
            act: Actor {
                sub: "veiviser-master".into(),
            },
            authorization_details: vec![AuthorizationDetail {
                kind: PROFILE_AUTHORIZATION_TYPE.into(),
                consent_id: "c1".into(),
                purpose: "dodsfall-og-arv".into(),
                datatypes: vec!["children_ages".into()],
                actions: vec!["read".into()],
            }],
            profile: Profile {
                children_ages: Some(vec![8, 12]),
                ..Profile::default()
            },
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(PROFILE_TOKEN_TYPE.into());
        header.kid = Some("test".into());
        jsonwebtoken::encode(&header, &claims, key).expect("signed")
    }

    fn verifier(keys: JwkSet) -> ProfileVerifier {
        let clock = ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(NOW + 10));
        ProfileVerifier::new(
            "https://trust.example",
            "nav",
            ["children_ages".to_string(), "relation_to_deceased".to_string()],
            KeySource::Static(keys),
            Arc::new(clock),
        )
    }

    fn decoded(token: &str) -> Vec<Option<Vec<u8>>> {
        token.split('.').map(|part| URL_SAFE_NO_PAD.decode(part).ok()).collect()
    }

    /// A genuine token's claims, changed by `edit`, signed again.
    fn token_with(
        key: &EncodingKey,
        edit: impl Fn(&mut ProfileClaims),
        header_member: Option<(&str, serde_json::Value)>,
    ) -> String {
        let genuine = token(key);
        let payload = genuine.split('.').nth(1).expect("payload");
        let mut claims: ProfileClaims =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("claims");
        edit(&mut claims);
        let mut header = serde_json::json!({"alg": "EdDSA", "typ": PROFILE_TOKEN_TYPE, "kid": "test"});
        if let Some((name, value)) = header_member {
            header[name] = value;
        }
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("json"))
        );
        let signature = jsonwebtoken::crypto::sign(signing_input.as_bytes(), key, Algorithm::EdDSA).expect("signed");
        format!("{signing_input}.{signature}")
    }

    #[tokio::test]
    async fn unknown_critical_extensions_other_purposes_actions_and_actors_are_refused() {
        let (key, keys) = key();
        let verifier = verifier(keys)
            .with_purposes(["dodsfall-og-arv".to_string()])
            .with_actor("veiviser-master");
        let same = token_with(&key, |_| {}, None);
        verifier.verify(&same).await.expect("re-signed genuine token is valid");
        let crit = token_with(&key, |_| {}, Some(("crit", serde_json::json!(["exp-ext"]))));
        assert_eq!(verifier.verify(&crit).await.err(), Some(TokenError::CriticalExtension));
        let purpose = token_with(&key, |c| c.authorization_details[0].purpose = "marketing".into(), None);
        assert_eq!(verifier.verify(&purpose).await.err(), Some(TokenError::Purpose));
        let write = token_with(
            &key,
            |c| c.authorization_details[0].actions = vec!["read".into(), "write".into()],
            None,
        );
        assert_eq!(verifier.verify(&write).await.err(), Some(TokenError::Action));
        let actor = token_with(&key, |c| c.act.sub = "someone-else".into(), None);
        assert_eq!(verifier.verify(&actor).await.err(), Some(TokenError::Actor));
    }

    #[tokio::test]
    async fn a_genuine_token_verifies() {
        let (key, keys) = key();
        let claims = verifier(keys).verify(&token(&key)).await.expect("valid");
        assert_eq!(claims.profile.children_ages, Some(vec![8, 12]));
    }

    /// Random byte edits of a genuine token: never a panic, and never accepted
    /// unless the edit left every decoded part unchanged.
    #[tokio::test]
    async fn mutated_tokens_never_panic_and_are_never_accepted() {
        let (key, keys) = key();
        let verifier = verifier(keys);
        let genuine = token(&key);
        let original = decoded(&genuine);
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ {}\"";
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3_000 {
            let mut bytes = genuine.clone().into_bytes();
            for _ in 0..1 + next() % 3 {
                let at = (next() % bytes.len() as u64) as usize;
                match next() % 3 {
                    0 => bytes[at] = alphabet[(next() % alphabet.len() as u64) as usize],
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, alphabet[(next() % alphabet.len() as u64) as usize]),
                }
            }
            let mutated = String::from_utf8_lossy(&bytes).into_owned();
            if let Ok(claims) = verifier.verify(&mutated).await {
                assert_eq!(decoded(&mutated), original, "accepted a changed token: {claims:?}");
            }
        }
    }
}
