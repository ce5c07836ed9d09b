//! The agency side of profile tokens: take the bearer token from a
//! request's `authorization` metadata, verify it for this agency, and report
//! the use to the trust service for the citizen's audit trail before the
//! claims are used (a report that fails is logged; the answer still goes out).

use std::sync::Arc;

use std::time::Duration;
use tonic::metadata::MetadataMap;
use tonic::transport::Channel;
use veiviser_proto::consent::v1::RecordUseRequest;
use veiviser_proto::consent::v1::trust_service_client::TrustServiceClient;

use crate::config::TrustConfig;
use veiviser_runtime::clock;
use veiviser_runtime::tokens::{KeySource, ProfileClaims, ProfileVerifier, TokenError};

use crate::metrics::AgencyMetrics;
use crate::{Assistant, Error};

/// The longest an answer waits for the use report.
const REPORT_TIMEOUT: Duration = Duration::from_secs(1);

/// Verifies profile tokens for one agency.
#[derive(Debug, Clone, Default)]
pub struct ProfileGate {
    verifier: Option<Arc<ProfileVerifier>>,
    reporter: Option<TrustServiceClient<Channel>>,
    agency: String,
    metrics: AgencyMetrics,
}

impl ProfileGate {
    /// A gate for `assistant`'s agency, accepting tokens from `trust` (none
    /// without it) for the agency's life events, with the configured actor;
    /// refusals are logged and counted in `metrics`.
    pub fn new(assistant: &Assistant, trust: Option<&TrustConfig>, metrics: AgencyMetrics) -> Result<Self, Error> {
        let agency = assistant.agency_id().to_string();
        let Some(trust) = trust else {
            return Ok(Self {
                agency,
                metrics,
                ..Self::default()
            });
        };
        let verifier = ProfileVerifier::new(
            &trust.issuer,
            assistant.agency_id(),
            assistant.card().profile_attributes.iter().cloned(),
            KeySource::Url(trust.jwks_url.clone()),
            clock::system(),
        )
        .with_purposes(assistant.card().life_events.iter().map(|e| e.id.clone()))
        .with_actor(trust.actor.clone());
        let reporter = match &trust.trust_service {
            Some(address) => {
                let url = veiviser_runtime::server::url(address);
                let channel = Channel::from_shared(url)
                    .map_err(|e| Error::InvalidArgument(format!("trust service address: {e}")))?
                    .connect_lazy();
                Some(TrustServiceClient::new(channel))
            }
            None => None,
        };
        Ok(Self {
            verifier: Some(Arc::new(verifier)),
            reporter,
            agency,
            metrics,
        })
    }

    /// The verified claims of the request's profile token, `None` without one.
    pub async fn check(&self, metadata: &MetadataMap) -> Result<Option<ProfileClaims>, Error> {
        let Some(value) = metadata.get("authorization") else {
            return Ok(None);
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim);
        let Some(token) = token else {
            return Err(self.refused(TokenError::Malformed).into());
        };
        let Some(verifier) = self.verifier.as_ref() else {
            self.metrics.count_token_refused("not-accepted");
            tracing::warn!(agency = %self.agency, reason = "not-accepted", "profile token refused");
            return Err(Error::TokensNotAccepted);
        };
        let claims = verifier.verify(token).await.map_err(|error| self.refused(error))?;
        self.report_use(token).await;
        Ok(Some(claims))
    }

    /// Logs (the reason, never the token) and counts a refused token.
    fn refused(&self, error: TokenError) -> TokenError {
        self.metrics.count_token_refused(error.reason());
        tracing::warn!(agency = %self.agency, reason = error.reason(), "profile token refused");
        error
    }

    async fn report_use(&self, token: &str) {
        let Some(client) = &self.reporter else {
            return;
        };
        let mut request = tonic::Request::new(RecordUseRequest {
            profile_token: token.to_string(),
        });
        request.set_timeout(REPORT_TIMEOUT);
        let mut client = client.clone();
        match tokio::time::timeout(REPORT_TIMEOUT, client.record_use(request)).await {
            Ok(Ok(_)) => {}
            Ok(Err(status)) => tracing::warn!(code = ?status.code(), "profile token use not reported"),
            Err(_) => tracing::warn!("profile token use not reported: trust service too slow"),
        }
    }
}
