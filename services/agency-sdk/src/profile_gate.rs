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
use veiviser_runtime::tokens::{KeySource, ProfileClaims, ProfileVerifier};

use crate::{Assistant, Error};

/// The longest an answer waits for the use report.
const REPORT_TIMEOUT: Duration = Duration::from_secs(1);

/// Verifies profile tokens for one agency.
#[derive(Debug, Clone, Default)]
pub struct ProfileGate {
    verifier: Option<Arc<ProfileVerifier>>,
    reporter: Option<TrustServiceClient<Channel>>,
}

impl ProfileGate {
    /// A gate for `assistant`'s agency, accepting tokens from `trust` (none without it).
    pub fn new(assistant: &Assistant, trust: Option<&TrustConfig>) -> Result<Self, Error> {
        let Some(trust) = trust else {
            return Ok(Self::default());
        };
        let verifier = ProfileVerifier::new(
            &trust.issuer,
            assistant.agency_id(),
            assistant.card().profile_attributes.iter().cloned(),
            KeySource::Url(trust.jwks_url.clone()),
            clock::system(),
        );
        let reporter = match &trust.trust_service {
            Some(address) => {
                let url = if address.contains("://") {
                    address.clone()
                } else {
                    format!("http://{address}")
                };
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
            .ok_or(veiviser_runtime::tokens::TokenError::Malformed)?
            .trim();
        let verifier = self.verifier.as_ref().ok_or(Error::TokensNotAccepted)?;
        let claims = verifier.verify(token).await?;
        self.report_use(token).await;
        Ok(Some(claims))
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
