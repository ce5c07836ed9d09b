//! Talking to the trust service as a citizen: demo login, consent grants,
//! and the transparency view of what was shared.

use tonic::transport::Channel;
use veiviser_proto::consent::v1::trust_service_client::TrustServiceClient;
use veiviser_proto::consent::v1::{
    Consent, DemoLoginRequest, GrantConsentRequest, ListConsentsRequest, ListDemoPeopleRequest, RevokeConsentRequest,
    SharingRecord, TransparencyRequest,
};

/// The environment variable naming the trust service's address.
pub const TRUST_ENV: &str = "VEIVISER_TRUST";
/// The trust service of `veiviser demo`.
pub const DEFAULT_TRUST: &str = "http://127.0.0.1:50070";

pub type TrustClient = TrustServiceClient<Channel>;

fn message(status: tonic::Status) -> String {
    status.message().to_string()
}

pub async fn connect(address: &str) -> Result<TrustClient, String> {
    let url = veiviser_runtime::server::url(address);
    TrustServiceClient::connect(url.clone())
        .await
        .map_err(|e| format!("cannot reach the trust service at {url}: {e}"))
}

/// Logs a synthetic person in; returns the citizen token and display name.
pub async fn demo_login(client: &mut TrustClient, person_id: &str) -> Result<(String, String), String> {
    let login = client
        .demo_login(DemoLoginRequest {
            person_id: person_id.to_string(),
        })
        .await
        .map_err(message)?
        .into_inner();
    Ok((login.citizen_token, login.display_name))
}

pub async fn people(client: &mut TrustClient) -> Result<Vec<(String, String, String)>, String> {
    Ok(client
        .list_demo_people(ListDemoPeopleRequest {})
        .await
        .map_err(message)?
        .into_inner()
        .people
        .into_iter()
        .map(|p| (p.person_id, p.display_name, p.situation))
        .collect())
}

pub async fn grant(
    client: &mut TrustClient,
    citizen_token: &str,
    agency_id: &str,
    attributes: &[String],
    purpose: &str,
) -> Result<Consent, String> {
    Ok(client
        .grant_consent(GrantConsentRequest {
            citizen_token: citizen_token.to_string(),
            agency_id: agency_id.to_string(),
            attributes: attributes.to_vec(),
            purpose: purpose.to_string(),
            valid_for_seconds: 0,
        })
        .await
        .map_err(message)?
        .into_inner())
}

pub async fn list(client: &mut TrustClient, citizen_token: &str) -> Result<Vec<Consent>, String> {
    Ok(client
        .list_consents(ListConsentsRequest {
            citizen_token: citizen_token.to_string(),
        })
        .await
        .map_err(message)?
        .into_inner()
        .consents)
}

pub async fn revoke(client: &mut TrustClient, citizen_token: &str, consent_id: &str) -> Result<Consent, String> {
    Ok(client
        .revoke_consent(RevokeConsentRequest {
            citizen_token: citizen_token.to_string(),
            consent_id: consent_id.to_string(),
        })
        .await
        .map_err(message)?
        .into_inner())
}

pub async fn transparency(client: &mut TrustClient, citizen_token: &str) -> Result<Vec<SharingRecord>, String> {
    Ok(client
        .transparency(TransparencyRequest {
            citizen_token: citizen_token.to_string(),
        })
        .await
        .map_err(message)?
        .into_inner()
        .records)
}
