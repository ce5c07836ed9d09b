//! `veiviser registry`: an operator's view of the federation's registry on
//! the trust service (add, list, remove agencies) and card keys for agencies.

use std::io::Write;
use std::path::Path;

use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use veiviser_proto::registry::v1::agency_registry_client::AgencyRegistryClient;
use veiviser_proto::registry::v1::{AddAgencyRequest, ListAgenciesRequest, RegisteredAgency, RemoveAgencyRequest};
use veiviser_runtime::cards::CardKey;

/// The environment variable holding the operator key for registry changes.
pub const REGISTRY_KEY_ENV: &str = "VEIVISER_REGISTRY_KEY";

type Client = AgencyRegistryClient<Channel>;

async fn connect(address: &str) -> Result<Client, String> {
    let url = veiviser_runtime::server::url(address);
    AgencyRegistryClient::connect(url.clone())
        .await
        .map_err(|e| format!("cannot reach the registry at {url}: {e}"))
}

/// `request` with the operator key as a bearer token.
fn with_key<T>(request: T, key: &str) -> Result<tonic::Request<T>, String> {
    let mut request = tonic::Request::new(request);
    let value = MetadataValue::try_from(format!("Bearer {}", key.trim()))
        .map_err(|_| "the operator key must be printable ASCII".to_string())?;
    request.metadata_mut().insert("authorization", value);
    Ok(request)
}

fn refused(status: tonic::Status) -> String {
    format!("{:?}: {}", status.code(), status.message())
}

/// Adds (or replaces) `agency` in the registry at `address`.
pub async fn add(address: &str, key: &str, agency: RegisteredAgency) -> Result<RegisteredAgency, String> {
    let mut client = connect(address).await?;
    let request = with_key(AddAgencyRequest { agency: Some(agency) }, key)?;
    Ok(client.add(request).await.map_err(refused)?.into_inner())
}

/// Removes agency `agency_id` from the registry at `address`.
pub async fn remove(address: &str, key: &str, agency_id: &str) -> Result<(), String> {
    let mut client = connect(address).await?;
    let request = with_key(
        RemoveAgencyRequest {
            agency_id: agency_id.to_string(),
        },
        key,
    )?;
    client.remove(request).await.map_err(refused)?;
    Ok(())
}

/// Every registered agency and the revision.
pub async fn list(address: &str) -> Result<(Vec<RegisteredAgency>, u64), String> {
    let mut client = connect(address).await?;
    let listing = client.list(ListAgenciesRequest {}).await.map_err(refused)?.into_inner();
    Ok((listing.agencies, listing.revision))
}

/// Writes a new card key to `path` (readable by its owner only) and returns
/// the public key to register. Refuses to overwrite a file.
pub fn keygen(path: &Path) -> Result<String, String> {
    let (key, pem) = CardKey::generate().map_err(|e| e.to_string())?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(pem.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(key.public_key().to_string())
}

/// The operator key from `--key`, else from the file `--key-file`.
pub fn operator_key(given: Option<&str>, file: Option<&Path>) -> Result<String, String> {
    let key = match (given.filter(|k| !k.trim().is_empty()), file) {
        (Some(key), _) => key.to_string(),
        (None, Some(file)) => {
            std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?
        }
        (None, None) => {
            return Err(format!(
                "registry changes need the operator key: --key-file or {REGISTRY_KEY_ENV}"
            ));
        }
    };
    Ok(key.trim().to_string())
}
