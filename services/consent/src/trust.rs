//! The trust service's logic, independent of gRPC: logging citizens in,
//! recording consent, minting profile tokens as the intersection of consent
//! and the agency's declared attributes, and recording every step in the
//! audit log.

use std::collections::BTreeSet;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, Header};
use sha2::Sha256;
use veiviser_runtime::tokens::{
    Actor, AuthorizationDetail, CitizenClaims, Expectations, JwtVerifier, KeySource, PROFILE_ATTRIBUTES,
    PROFILE_AUTHORIZATION_TYPE, PROFILE_TOKEN_TYPE, Profile, ProfileClaims, ProfileVerifier,
};

use crate::audit::{AuditEntry, AuditEvent, AuditLog, ChainReport, Change, NewEntry, hex};
use crate::keys::SigningKeys;
use crate::people::People;
use crate::registry::Registry;
use crate::store::{ConsentRow, Store};
use crate::{ConsentConfig, Error};
use veiviser_proto::registry::v1::RegisteredAgency;

/// The purposes a consent may name.
pub const PURPOSES: [&str; 1] = ["dodsfall-og-arv"];
/// The audience of the demo login's citizen tokens.
pub const CITIZEN_AUDIENCE: &str = "veiviser";
/// The level of assurance the demo login claims (labelled as demo in `amr`-free form).
pub const DEMO_ACR: &str = "demo-synthetic";
const DEFAULT_CONSENT_VALIDITY: Duration = Duration::from_secs(30 * 86_400);
const MAX_CONSENT_VALIDITY: Duration = Duration::from_secs(365 * 86_400);

/// A minted profile token.
#[derive(Debug, Clone)]
pub struct MintedToken {
    pub token: String,
    pub expires_at: i64,
    pub attributes: Vec<String>,
    pub consent_id: String,
}

/// The trust service's state.
#[derive(Debug)]
pub struct Trust {
    pub config: ConsentConfig,
    pub store: Store,
    pub audit: AuditLog,
    pub keys: SigningKeys,
    pub people: People,
    /// The agencies the federation admits.
    pub registry: Registry,
    /// Keys the citizen references and pairwise subjects; from the database.
    secret: Vec<u8>,
    external: Option<JwtVerifier>,
}

/// A new 32-byte pseudonym key from `fill`, hex-encoded. A random source
/// that fails stops the start: a key of zeros, kept for good, would make every
/// pairwise subject guessable.
fn new_pseudonym_key(fill: impl FnOnce(&mut [u8]) -> Result<(), getrandom::Error>) -> Result<String, Error> {
    let mut bytes = [0u8; 32];
    fill(&mut bytes).map_err(|e| Error::Config(format!("no random source for the pseudonym key: {e}")))?;
    Ok(hex(&bytes))
}

use veiviser_runtime::clock::unix_seconds as unix;

impl Trust {
    pub async fn open(config: ConsentConfig) -> Result<Self, Error> {
        let store = Store::open(&config.database_url).await?;
        let secret = store
            .secret("pseudonym-key", || new_pseudonym_key(getrandom::fill))
            .await?;
        let now = unix(config.clock.now());
        let keys = SigningKeys::open(store.clone(), now).await?;
        let external = config.external_issuer.as_ref().map(|issuer| {
            JwtVerifier::new(
                Expectations {
                    issuer: issuer.issuer.clone(),
                    audience: issuer.audience.clone(),
                    token_type: "JWT".into(),
                    leeway: Duration::from_secs(60),
                    max_lifetime: Duration::from_secs(24 * 3600),
                },
                KeySource::Url(issuer.jwks_url.clone()),
                config.clock.clone(),
            )
        });
        Ok(Self {
            audit: AuditLog::new(store.clone()),
            people: People::embedded()?,
            registry: Registry::new(store.clone(), config.registry_key.as_deref()),
            secret: secret.into_bytes(),
            store,
            keys,
            external,
            config,
        })
    }

    pub fn now(&self) -> i64 {
        unix(self.config.clock.now())
    }

    fn keyed(&self, label: &str, value: &str) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes keys of any length");
        mac.update(label.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// How the store and the audit log name a citizen: a keyed hash of the pid.
    pub fn citizen_ref(&self, pid: &str) -> String {
        hex(&self.keyed("citizen", pid))
    }

    /// The citizen's subject at one agency: different at every agency.
    pub fn pairwise_subject(&self, pid: &str, agency_id: &str) -> String {
        URL_SAFE_NO_PAD.encode(&self.keyed(&format!("sub:{agency_id}"), pid)[..18])
    }

    fn sign<T: serde::Serialize>(&self, typ: &str, claims: &T) -> Result<String, Error> {
        let (kid, key) = self
            .keys
            .current()
            .ok_or_else(|| Error::Config("no signing key".into()))?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(typ.to_string());
        header.kid = Some(kid);
        Ok(jsonwebtoken::encode(&header, claims, &key)?)
    }

    /// A citizen login token for a synthetic person (the demo login).
    pub fn demo_login(&self, person_id: &str) -> Result<(String, u32, String), Error> {
        if !self.config.demo_login {
            return Err(Error::DemoLoginDisabled);
        }
        let person = self.people.find(person_id).ok_or(Error::NotFound("demo person"))?;
        let now = self.now();
        let lifetime = i64::try_from(self.config.login_token_lifetime.as_secs()).unwrap_or(1800);
        let claims = CitizenClaims {
            iss: self.config.issuer.clone(),
            aud: CITIZEN_AUDIENCE.into(),
            sub: self.pairwise_subject(&person.person_id, CITIZEN_AUDIENCE),
            pid: person.person_id.clone(),
            acr: DEMO_ACR.into(),
            iat: now,
            nbf: now,
            exp: now + lifetime,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let token = self.sign("JWT", &claims)?;
        Ok((token, lifetime as u32, person.display_name.clone()))
    }

    /// The pid of a citizen login token from the demo login or the external issuer.
    pub async fn citizen(&self, token: &str) -> Result<String, Error> {
        if token.is_empty() {
            return Err(Error::InvalidArgument("citizen_token is required".into()));
        }
        let own = JwtVerifier::new(
            Expectations {
                issuer: self.config.issuer.clone(),
                audience: CITIZEN_AUDIENCE.into(),
                token_type: "JWT".into(),
                leeway: Duration::from_secs(30),
                max_lifetime: self.config.login_token_lifetime,
            },
            KeySource::Static(self.keys.jwks(self.now())),
            self.config.clock.clone(),
        );
        let claims: Result<CitizenClaims, _> = own.verify(token).await;
        match (claims, &self.external) {
            (Ok(claims), _) if self.config.demo_login => Ok(claims.pid),
            (Ok(_), _) => Err(Error::Unauthenticated(veiviser_runtime::tokens::TokenError::Issuer)),
            (Err(own_error), Some(external)) => match external.verify::<CitizenClaims>(token).await {
                Ok(claims) => Ok(claims.pid),
                Err(_) => Err(Error::Unauthenticated(own_error)),
            },
            (Err(error), None) => Err(Error::Unauthenticated(error)),
        }
    }

    /// Checks that `agency_id` names an agency this service knows: one of
    /// `known_agencies` (any well-formed id when that is empty) or one in the
    /// registry. Returns the registry's entry for a registered agency.
    async fn validate_agency(&self, agency_id: &str) -> Result<Option<RegisteredAgency>, Error> {
        let unknown = || Error::InvalidArgument("agency_id must name an agency this trust service knows".into());
        if !veiviser_runtime::cards::is_identifier(agency_id) {
            return Err(unknown());
        }
        let registered = self.registry.entry(agency_id).await?;
        let configured =
            self.config.known_agencies.is_empty() || self.config.known_agencies.iter().any(|a| a == agency_id);
        if registered.is_none() && !configured {
            return Err(unknown());
        }
        Ok(registered)
    }

    fn validate_purpose(purpose: &str) -> Result<(), Error> {
        if PURPOSES.contains(&purpose) {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "unknown purpose \"{purpose}\"; known: {}",
                PURPOSES.join(", ")
            )))
        }
    }

    /// Records a consent and returns it.
    pub async fn grant(
        &self,
        citizen_token: &str,
        agency_id: &str,
        attributes: &[String],
        purpose: &str,
        valid_for: Option<Duration>,
    ) -> Result<ConsentRow, Error> {
        let pid = self.citizen(citizen_token).await?;
        self.validate_agency(agency_id).await?;
        Self::validate_purpose(purpose)?;
        let mut wanted = BTreeSet::new();
        for attribute in attributes {
            if !PROFILE_ATTRIBUTES.contains(&attribute.as_str()) {
                return Err(Error::InvalidArgument(format!("unknown attribute \"{attribute}\"")));
            }
            wanted.insert(attribute.clone());
        }
        if wanted.is_empty() {
            return Err(Error::InvalidArgument("a consent needs at least one attribute".into()));
        }
        let valid_for = valid_for.unwrap_or(DEFAULT_CONSENT_VALIDITY);
        if valid_for < Duration::from_secs(60) || valid_for > MAX_CONSENT_VALIDITY {
            return Err(Error::InvalidArgument(
                "valid_for_seconds must be between 60 and one year".into(),
            ));
        }
        let now = self.now();
        let consent = ConsentRow {
            id: uuid::Uuid::new_v4().to_string(),
            citizen: self.citizen_ref(&pid),
            agency_id: agency_id.to_string(),
            attributes: wanted.into_iter().collect(),
            purpose: purpose.to_string(),
            created_at: now,
            valid_until: now + i64::try_from(valid_for.as_secs()).unwrap_or(0),
            revoked_at: None,
        };
        self.audit
            .record(
                NewEntry {
                    at: now,
                    event: AuditEvent::ConsentGranted,
                    citizen: &consent.citizen,
                    agency_id,
                    attributes: &consent.attributes,
                    purpose,
                    consent_id: &consent.id,
                    token_id: "",
                },
                Change::Grant(&consent),
            )
            .await?;
        tracing::info!(agency = %agency_id, attributes = consent.attributes.len(), "consent granted");
        Ok(consent)
    }

    pub async fn consents(&self, citizen_token: &str) -> Result<Vec<ConsentRow>, Error> {
        let pid = self.citizen(citizen_token).await?;
        self.store.consents(&self.citizen_ref(&pid)).await
    }

    pub async fn revoke(&self, citizen_token: &str, consent_id: &str) -> Result<ConsentRow, Error> {
        let pid = self.citizen(citizen_token).await?;
        let citizen = self.citizen_ref(&pid);
        let now = self.now();
        let mut consent = self
            .store
            .consent(&citizen, consent_id)
            .await?
            .ok_or(Error::NotFound("consent"))?;
        if consent.revoked_at.is_some() {
            return Ok(consent);
        }
        let recorded = self
            .audit
            .record(
                NewEntry {
                    at: now,
                    event: AuditEvent::ConsentRevoked,
                    citizen: &citizen,
                    agency_id: &consent.agency_id,
                    attributes: &consent.attributes,
                    purpose: &consent.purpose,
                    consent_id: &consent.id,
                    token_id: "",
                },
                Change::Revoke(&citizen, consent_id, now),
            )
            .await?;
        match recorded {
            Some(_) => {
                consent.revoked_at = Some(now);
                tracing::info!(agency = %consent.agency_id, "consent revoked");
                Ok(consent)
            }
            // Revoked in between by another request: as it stands now.
            None => self
                .store
                .consent(&citizen, consent_id)
                .await?
                .ok_or(Error::NotFound("consent")),
        }
    }

    /// A profile token for `agency_id`: the consented attributes the agency
    /// also declares, and nothing else.
    pub async fn mint(
        &self,
        citizen_token: &str,
        agency_id: &str,
        declared: &[String],
        purpose: &str,
    ) -> Result<MintedToken, Error> {
        let pid = self.citizen(citizen_token).await?;
        let registered = self.validate_agency(agency_id).await?;
        Self::validate_purpose(purpose)?;
        let citizen = self.citizen_ref(&pid);
        let now = self.now();
        let consent = self
            .store
            .consents(&citizen)
            .await?
            .into_iter()
            .find(|c| c.agency_id == agency_id && c.purpose == purpose && c.in_force(now))
            .ok_or(Error::NoConsent)?;
        // A registered agency gets no more than its registration allows, whatever it declares.
        let declared: BTreeSet<&str> = declared
            .iter()
            .map(String::as_str)
            .filter(|a| {
                registered
                    .as_ref()
                    .is_none_or(|entry| entry.allowed_profile_attributes.iter().any(|allowed| allowed == a))
            })
            .collect();
        let attributes: BTreeSet<String> = consent
            .attributes
            .iter()
            .filter(|a| declared.contains(a.as_str()))
            .cloned()
            .collect();
        if attributes.is_empty() {
            return Err(Error::NoConsent);
        }
        let profile = self
            .people
            .find(&pid)
            .map(|person| person.profile.restricted_to(&attributes))
            .unwrap_or_default();
        let lifetime = i64::try_from(self.config.profile_token_lifetime.as_secs())
            .unwrap_or(300)
            .min(veiviser_runtime::tokens::MAX_TOKEN_LIFETIME_SECONDS);
        let claims = ProfileClaims {
            iss: self.config.issuer.clone(),
            aud: agency_id.to_string(),
            sub: self.pairwise_subject(&pid, agency_id),
            iat: now,
            nbf: now,
            exp: now + lifetime,
            jti: uuid::Uuid::new_v4().to_string(),
            act: Actor {
                sub: self.config.actor.clone(),
            },
            authorization_details: vec![AuthorizationDetail {
                kind: PROFILE_AUTHORIZATION_TYPE.into(),
                consent_id: consent.id.clone(),
                purpose: purpose.to_string(),
                datatypes: attributes.iter().cloned().collect(),
                actions: vec!["read".into()],
            }],
            profile: profile_for(&attributes, profile),
        };
        let token = self.sign(PROFILE_TOKEN_TYPE, &claims)?;
        let attributes: Vec<String> = attributes.into_iter().collect();
        self.audit
            .append(NewEntry {
                at: now,
                event: AuditEvent::TokenIssued,
                citizen: &citizen,
                agency_id,
                attributes: &attributes,
                purpose,
                consent_id: &consent.id,
                token_id: &claims.jti,
            })
            .await?;
        tracing::info!(agency = %agency_id, attributes = attributes.len(), "profile token issued");
        Ok(MintedToken {
            token,
            expires_at: claims.exp,
            attributes,
            consent_id: consent.id,
        })
    }

    /// Records that an agency used a profile token this service issued.
    pub async fn record_use(&self, token: &str) -> Result<(), Error> {
        let audience = jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(token)
            .ok()
            .and_then(|data| data.claims.get("aud").and_then(|a| a.as_str()).map(str::to_string))
            .ok_or(Error::BadProfileToken(veiviser_runtime::tokens::TokenError::Malformed))?;
        let verifier = ProfileVerifier::new(
            &self.config.issuer,
            &audience,
            PROFILE_ATTRIBUTES.iter().map(|a| a.to_string()),
            KeySource::Static(self.keys.jwks(self.now())),
            self.config.clock.clone(),
        );
        let claims = verifier.verify(token).await.map_err(Error::BadProfileToken)?;
        let detail = &claims.authorization_details[0];
        let citizen = self
            .store
            .consent_citizen(&detail.consent_id)
            .await?
            .ok_or(Error::NotFound("consent"))?;
        self.audit
            .append(NewEntry {
                at: self.now(),
                event: AuditEvent::TokenUsed,
                citizen: &citizen,
                agency_id: &claims.aud,
                attributes: &detail.datatypes,
                purpose: &detail.purpose,
                consent_id: &detail.consent_id,
                token_id: &claims.jti,
            })
            .await?;
        Ok(())
    }

    /// What was shared with whom, oldest first.
    pub async fn transparency(&self, citizen_token: &str) -> Result<Vec<AuditEntry>, Error> {
        let pid = self.citizen(citizen_token).await?;
        self.audit.for_citizen(&self.citizen_ref(&pid)).await
    }

    pub async fn verify_audit(&self) -> Result<ChainReport, Error> {
        self.audit.verify().await
    }
}

/// The profile restricted to `attributes` (kept as a separate step so the
/// restriction is visible where the claims are built).
fn profile_for(attributes: &BTreeSet<String>, profile: Profile) -> Profile {
    profile.restricted_to(attributes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_random_source_gives_no_key() {
        let failing = |_: &mut [u8]| Err(getrandom::Error::UNSUPPORTED);
        assert!(matches!(new_pseudonym_key(failing), Err(Error::Config(_))));
        let key = new_pseudonym_key(getrandom::fill).expect("random");
        assert_eq!(key.len(), 64);
        assert_ne!(key, "0".repeat(64));
    }
}
