//! Checking a JWT: size, header (algorithm allow-list, `typ`, key id),
//! signature through the key cache, issuer, audience and time claims against
//! the injected clock; for profile tokens also the consent and the agency's
//! declared attributes.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

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
    clock
        .now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
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

/// Verifies profile tokens addressed to one agency.
#[derive(Debug)]
pub struct ProfileVerifier {
    jwt: JwtVerifier,
    /// The agency's `profile_attributes`: anything else in a token is refused.
    declared: BTreeSet<String>,
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
        }
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
