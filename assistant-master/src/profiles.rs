//! Profile tokens on the citizen's behalf: for a session whose citizen
//! logged in, the master asks the trust service for a token per agency
//! (only where the citizen consented), caches it until shortly before it
//! expires, and attaches it to that agency's calls. The citizen's login
//! token stays here; agencies only ever see their own profile token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tonic::transport::Channel;
use veiviser_proto::agency::v1::AssistantCard;
use veiviser_proto::consent::v1::trust_service_client::TrustServiceClient;
use veiviser_proto::consent::v1::{
    GrantConsentRequest, ListConsentsRequest, MintProfileTokenRequest, RevokeConsentRequest,
};
use veiviser_runtime::clock::Clock;

use crate::error::Error;

/// The purpose the master asks tokens for: the one life event it plans.
pub const LIFE_EVENT_PURPOSE: &str = "dodsfall-og-arv";
/// A cached token is replaced this long before it expires.
const REFRESH_BEFORE_EXPIRY: i64 = 30;
/// After "no consent", the trust service is asked again only after this long.
const NO_CONSENT_PAUSE: i64 = 5;

/// How the master reaches the trust service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustLink {
    /// gRPC address, e.g. `http://127.0.0.1:50070`.
    pub address: String,
    /// The purpose tokens are asked for.
    pub purpose: String,
}

#[derive(Debug, Clone)]
enum Cached {
    Token { token: String, expires_at: i64 },
    NoConsent { until: i64 },
}

/// Profile tokens per (session, agency).
#[derive(Debug)]
pub struct ProfileTokens {
    client: TrustServiceClient<Channel>,
    purpose: String,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    cache: Mutex<HashMap<(String, String), Cached>>,
}

use veiviser_runtime::clock::unix_seconds as unix;

impl ProfileTokens {
    pub fn new(link: &TrustLink, timeout: Duration, clock: Arc<dyn Clock>) -> Result<Self, Error> {
        let url = veiviser_runtime::server::url(&link.address);
        let channel = Channel::from_shared(url)
            .map_err(|e| Error::Config(format!("trust service address: {e}")))?
            .connect_lazy();
        Ok(Self {
            client: TrustServiceClient::new(channel),
            purpose: link.purpose.clone(),
            timeout,
            clock,
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Cached>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The token for `agency_id` in this session, if the citizen consented.
    /// Failures mean "no token": the agency then answers generally.
    pub async fn token_for(
        &self,
        session_id: &str,
        citizen_token: &str,
        agency_id: &str,
        declared: &[String],
    ) -> Option<String> {
        if declared.is_empty() {
            return None;
        }
        let key = (session_id.to_string(), agency_id.to_string());
        let now = unix(self.clock.now());
        match self.cache().get(&key) {
            Some(Cached::Token { token, expires_at }) if *expires_at - REFRESH_BEFORE_EXPIRY > now => {
                return Some(token.clone());
            }
            Some(Cached::NoConsent { until }) if *until > now => return None,
            _ => {}
        }
        let mut request = tonic::Request::new(MintProfileTokenRequest {
            citizen_token: citizen_token.to_string(),
            agency_id: agency_id.to_string(),
            declared_attributes: declared.to_vec(),
            purpose: self.purpose.clone(),
        });
        request.set_timeout(self.timeout);
        let mut client = self.client.clone();
        let outcome = tokio::time::timeout(self.timeout, client.mint_profile_token(request)).await;
        let cached = match outcome {
            Ok(Ok(response)) => {
                let minted = response.into_inner();
                Cached::Token {
                    token: minted.token,
                    expires_at: minted.expires_at,
                }
            }
            Ok(Err(status)) if status.code() == tonic::Code::FailedPrecondition => Cached::NoConsent {
                until: now + NO_CONSENT_PAUSE,
            },
            Ok(Err(status)) => {
                tracing::warn!(agency = %agency_id, code = ?status.code(), "no profile token");
                return None;
            }
            Err(_) => {
                tracing::warn!(agency = %agency_id, "trust service timed out");
                return None;
            }
        };
        let token = match &cached {
            Cached::Token { token, .. } => Some(token.clone()),
            Cached::NoConsent { .. } => None,
        };
        self.cache().insert(key, cached);
        token
    }

    /// A client of the trust service, for the web chat's login and consent screens.
    pub fn trust_client(&self) -> TrustServiceClient<Channel> {
        self.client.clone()
    }

    /// The purpose consents and tokens are asked for.
    pub fn purpose(&self) -> &str {
        &self.purpose
    }

    /// Consents, as the web chat's consent switch gives them: to exactly
    /// the attributes `card` declares, for this master's purpose. The trust
    /// service checks the citizen's token and the attributes.
    pub async fn grant_declared(&self, citizen_token: String, card: &AssistantCard) -> Result<(), tonic::Status> {
        self.trust_client()
            .grant_consent(GrantConsentRequest {
                citizen_token,
                agency_id: card.agency_id.clone(),
                attributes: card.profile_attributes.clone(),
                purpose: self.purpose.clone(),
                valid_for_seconds: 0,
            })
            .await?;
        Ok(())
    }

    /// Withdraws every consent the citizen has given `agency_id` that is
    /// still in force.
    pub async fn withdraw_all(&self, citizen_token: String, agency_id: &str) -> Result<(), tonic::Status> {
        let mut trust = self.trust_client();
        let consents = trust
            .list_consents(ListConsentsRequest {
                citizen_token: citizen_token.clone(),
            })
            .await?
            .into_inner()
            .consents;
        for consent in consents
            .into_iter()
            .filter(|c| c.agency_id == agency_id && c.revoked_at.is_empty())
        {
            trust
                .revoke_consent(RevokeConsentRequest {
                    citizen_token: citizen_token.clone(),
                    consent_id: consent.consent_id,
                })
                .await?;
        }
        Ok(())
    }

    /// Forgets a session's tokens.
    pub fn forget(&self, session_id: &str) {
        self.cache().retain(|(session, _), _| session != session_id);
    }
}
