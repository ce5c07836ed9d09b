//! The tonic implementation of `veiviser.registry.v1.AgencyRegistry` over
//! [`Registry`]: the operator key from the `authorization` header, the rest
//! passed through.

use std::sync::Arc;

use tonic::{Request, Response, Status};
use veiviser_proto::registry::v1::agency_registry_server::AgencyRegistry;
use veiviser_proto::registry::v1::{
    AddAgencyRequest, ListAgenciesRequest, ListAgenciesResponse, RegisteredAgency, RemoveAgencyRequest,
    RemoveAgencyResponse,
};

use crate::Error;
use crate::trust::Trust;

#[derive(Debug, Clone)]
pub struct RegistryApi {
    trust: Arc<Trust>,
}

impl RegistryApi {
    pub fn new(trust: Arc<Trust>) -> Self {
        Self { trust }
    }

    fn authorise<T>(&self, request: &Request<T>) -> Result<(), Error> {
        let presented = request
            .metadata()
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "));
        self.trust.registry.authorise(presented)
    }
}

#[tonic::async_trait]
impl AgencyRegistry for RegistryApi {
    async fn add(&self, request: Request<AddAgencyRequest>) -> Result<Response<RegisteredAgency>, Status> {
        self.authorise(&request)?;
        let agency = request
            .into_inner()
            .agency
            .ok_or_else(|| Error::InvalidArgument("agency is required".into()))?;
        Ok(Response::new(self.trust.registry.add(agency, self.trust.now()).await?))
    }

    async fn remove(&self, request: Request<RemoveAgencyRequest>) -> Result<Response<RemoveAgencyResponse>, Status> {
        self.authorise(&request)?;
        self.trust.registry.remove(&request.get_ref().agency_id).await?;
        Ok(Response::new(RemoveAgencyResponse {}))
    }

    async fn list(&self, _: Request<ListAgenciesRequest>) -> Result<Response<ListAgenciesResponse>, Status> {
        let (agencies, revision) = self.trust.registry.list().await?;
        Ok(Response::new(ListAgenciesResponse { agencies, revision }))
    }
}
