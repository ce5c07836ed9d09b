//! A local development CA for mutual TLS between the master and the
//! agencies: one CA, and a certificate and key per service name, valid for
//! that name, `localhost` and 127.0.0.1. For demos and tests only; a real
//! deployment takes its certificates from its own PKI.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct DevCa {
    pub ca: PathBuf,
    /// (certificate, key) per name, in the order given.
    pub leaves: Vec<(String, PathBuf, PathBuf)>,
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Writes `ca.pem` and `<name>.pem` + `<name>-key.pem` for every name into `dir`.
pub fn generate(dir: &Path, names: &[String]) -> Result<DevCa, String> {
    let error = |e: rcgen::Error| e.to_string();
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let ca_key = KeyPair::generate().map_err(error)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(error)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Veiviser development CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(error)?;
    let ca_path = dir.join("ca.pem");
    write(&ca_path, &ca_cert.pem())?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut leaves = Vec::new();
    for name in names {
        let key = KeyPair::generate().map_err(error)?;
        let mut params =
            CertificateParams::new(vec![name.clone(), "localhost".into(), "127.0.0.1".into()]).map_err(error)?;
        params.distinguished_name.push(DnType::CommonName, name.as_str());
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &issuer).map_err(error)?;
        let cert_path = dir.join(format!("{name}.pem"));
        let key_path = dir.join(format!("{name}-key.pem"));
        write(&cert_path, &cert.pem())?;
        write(&key_path, &key.serialize_pem())?;
        leaves.push((name.clone(), cert_path, key_path));
    }
    Ok(DevCa { ca: ca_path, leaves })
}
