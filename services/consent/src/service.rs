//! The tonic implementation of `veiviser.consent.v1.TrustService` over [`Trust`].

use std::sync::Arc;
use std::time::Duration;

use tonic::{Request, Response, Status};
use veiviser_proto::consent::v1::trust_service_server::TrustService;
use veiviser_proto::consent::v1::{
    AuditChainReport, Consent, DemoLoginRequest, DemoPerson, GrantConsentRequest, ListConsentsRequest,
    ListConsentsResponse, ListDemoPeopleRequest, ListDemoPeopleResponse, LoginResponse, MintProfileTokenRequest,
    ProfileToken, RecordUseRequest, RecordUseResponse, RevokeConsentRequest, SharingRecord, TransparencyRequest,
    TransparencyResponse, VerifyAuditChainRequest,
};
use veiviser_runtime::clock::rfc3339;

use crate::store::ConsentRow;
use crate::trust::Trust;

#[derive(Debug, Clone)]
pub struct TrustApi {
    trust: Arc<Trust>,
}

impl TrustApi {
    pub fn new(trust: Arc<Trust>) -> Self {
        Self { trust }
    }
}

fn at(seconds: i64) -> String {
    rfc3339(std::time::UNIX_EPOCH + Duration::from_secs(u64::try_from(seconds).unwrap_or(0)))
}

fn consent(row: ConsentRow) -> Consent {
    Consent {
        consent_id: row.id,
        agency_id: row.agency_id,
        attributes: row.attributes,
        purpose: row.purpose,
        created_at: at(row.created_at),
        valid_until: at(row.valid_until),
        revoked_at: row.revoked_at.map(at).unwrap_or_default(),
    }
}

#[tonic::async_trait]
impl TrustService for TrustApi {
    async fn demo_login(&self, request: Request<DemoLoginRequest>) -> Result<Response<LoginResponse>, Status> {
        let (citizen_token, expires_in_seconds, display_name) = self.trust.demo_login(&request.get_ref().person_id)?;
        Ok(Response::new(LoginResponse {
            citizen_token,
            expires_in_seconds,
            display_name,
        }))
    }

    async fn list_demo_people(
        &self,
        _: Request<ListDemoPeopleRequest>,
    ) -> Result<Response<ListDemoPeopleResponse>, Status> {
        let people = if self.trust.config.demo_login {
            self.trust
                .people
                .all()
                .iter()
                .map(|p| DemoPerson {
                    person_id: p.person_id.clone(),
                    display_name: p.display_name.clone(),
                    situation: p.situation_nb.clone(),
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Response::new(ListDemoPeopleResponse { people }))
    }

    async fn grant_consent(&self, request: Request<GrantConsentRequest>) -> Result<Response<Consent>, Status> {
        let r = request.into_inner();
        let valid_for = (r.valid_for_seconds > 0).then(|| Duration::from_secs(u64::from(r.valid_for_seconds)));
        let row = self
            .trust
            .grant(&r.citizen_token, &r.agency_id, &r.attributes, &r.purpose, valid_for)
            .await?;
        Ok(Response::new(consent(row)))
    }

    async fn list_consents(
        &self,
        request: Request<ListConsentsRequest>,
    ) -> Result<Response<ListConsentsResponse>, Status> {
        let rows = self.trust.consents(&request.get_ref().citizen_token).await?;
        Ok(Response::new(ListConsentsResponse {
            consents: rows.into_iter().map(consent).collect(),
        }))
    }

    async fn revoke_consent(&self, request: Request<RevokeConsentRequest>) -> Result<Response<Consent>, Status> {
        let r = request.into_inner();
        let row = self.trust.revoke(&r.citizen_token, &r.consent_id).await?;
        Ok(Response::new(consent(row)))
    }

    async fn mint_profile_token(
        &self,
        request: Request<MintProfileTokenRequest>,
    ) -> Result<Response<ProfileToken>, Status> {
        let r = request.into_inner();
        let minted = self
            .trust
            .mint(&r.citizen_token, &r.agency_id, &r.declared_attributes, &r.purpose)
            .await?;
        Ok(Response::new(ProfileToken {
            token: minted.token,
            expires_at: minted.expires_at,
            attributes: minted.attributes,
            consent_id: minted.consent_id,
        }))
    }

    async fn record_use(&self, request: Request<RecordUseRequest>) -> Result<Response<RecordUseResponse>, Status> {
        self.trust.record_use(&request.get_ref().profile_token).await?;
        Ok(Response::new(RecordUseResponse {}))
    }

    async fn transparency(
        &self,
        request: Request<TransparencyRequest>,
    ) -> Result<Response<TransparencyResponse>, Status> {
        let entries = self.trust.transparency(&request.get_ref().citizen_token).await?;
        Ok(Response::new(TransparencyResponse {
            records: entries
                .into_iter()
                .map(|e| SharingRecord {
                    at: at(e.at),
                    event: e.event,
                    agency_id: e.agency_id,
                    attributes: e.attributes,
                    purpose: e.purpose,
                    consent_id: e.consent_id,
                })
                .collect(),
        }))
    }

    async fn verify_audit_chain(
        &self,
        _: Request<VerifyAuditChainRequest>,
    ) -> Result<Response<AuditChainReport>, Status> {
        let report = self.trust.verify_audit().await?;
        Ok(Response::new(AuditChainReport {
            intact: report.first_broken.is_none(),
            entries: report.entries,
            first_broken: report.first_broken.unwrap_or(0),
        }))
    }
}
