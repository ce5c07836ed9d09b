//! Reading the federation's registry (`veiviser.registry.v1`, kept by the
//! trust service): the agencies the master should admit, and the revision
//! that says whether anything changed.

use std::time::Duration;

use tonic::transport::Channel;
use veiviser_proto::registry::v1::agency_registry_client::AgencyRegistryClient;
use veiviser_proto::registry::v1::{ListAgenciesRequest, RegisteredAgency};

use crate::error::Error;

/// The registry's answer: every entry, and its revision.
pub type Listing = (Vec<RegisteredAgency>, u64);

/// A reader of the registry at one address.
#[derive(Debug, Clone)]
pub struct RegistryReader {
    client: AgencyRegistryClient<Channel>,
    timeout: Duration,
}

impl RegistryReader {
    /// A reader for `address` (`http://host:port`; the scheme may be left out).
    pub fn new(address: &str, timeout: Duration) -> Result<Self, Error> {
        let url = veiviser_runtime::server::url(address);
        let channel = Channel::from_shared(url)
            .map_err(|e| Error::Config(format!("registry address: {e}")))?
            // Give up connecting quickly; the next read tries again.
            .connect_timeout(timeout.min(Duration::from_secs(2)))
            .connect_lazy();
        Ok(Self {
            client: AgencyRegistryClient::new(channel),
            timeout,
        })
    }

    /// The registry's entries now, or the status it failed with.
    pub async fn list(&mut self) -> Result<Listing, tonic::Code> {
        let mut request = tonic::Request::new(ListAgenciesRequest {});
        request.set_timeout(self.timeout);
        match tokio::time::timeout(self.timeout, self.client.list(request)).await {
            Ok(Ok(response)) => {
                let response = response.into_inner();
                Ok((response.agencies, response.revision))
            }
            Ok(Err(status)) => Err(status.code()),
            Err(_) => Err(tonic::Code::DeadlineExceeded),
        }
    }
}
