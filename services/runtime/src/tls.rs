//! Mutual TLS between the master and the agencies (rustls, no OpenSSL): an
//! agency with TLS configured accepts only clients whose certificate chains
//! to its client CA, and the master presents its own certificate and checks
//! the agency's against the same CA.

use std::path::{Path, PathBuf};

use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};

use crate::Error;

/// PEM files: this side's certificate and key, and the CA that signs the other side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
}

/// Loaded PEM material, checked to be present when read.
#[derive(Clone, PartialEq, Eq)]
pub struct TlsPem {
    pub cert: String,
    pub key: String,
    pub ca: String,
}

impl std::fmt::Debug for TlsPem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the private key.
        f.debug_struct("TlsPem").finish_non_exhaustive()
    }
}

fn read_pem(path: &Path, what: &str) -> Result<String, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::InvalidArgument(format!("cannot read the TLS {what} {}: {e}", path.display())))?;
    if !text.contains("-----BEGIN ") {
        return Err(Error::InvalidArgument(format!(
            "the TLS {what} {} is not PEM",
            path.display()
        )));
    }
    Ok(text)
}

impl TlsFiles {
    pub fn load(&self) -> Result<TlsPem, Error> {
        Ok(TlsPem {
            cert: read_pem(&self.cert, "certificate")?,
            key: read_pem(&self.key, "key")?,
            ca: read_pem(&self.ca, "CA certificate")?,
        })
    }
}

impl TlsPem {
    /// For a server that requires a client certificate signed by `ca`.
    pub fn server(&self) -> ServerTlsConfig {
        ServerTlsConfig::new()
            .identity(Identity::from_pem(&self.cert, &self.key))
            .client_ca_root(Certificate::from_pem(&self.ca))
    }

    /// For a client that presents its certificate and trusts servers signed by `ca`.
    pub fn client(&self) -> ClientTlsConfig {
        ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&self.ca))
            .identity(Identity::from_pem(&self.cert, &self.key))
    }
}
