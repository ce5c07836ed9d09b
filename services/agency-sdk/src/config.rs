//! Configuration of an agency assistant process: typed, with defaults, from
//! command-line flags or `VEIVISER_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use veiviser_runtime::ServerConfig;
use veiviser_runtime::args::ServerArgs;
use veiviser_runtime::cards::CardKey;
use veiviser_runtime::telemetry::LogFormat;
use veiviser_runtime::tls::TlsFiles;

/// How an agency assistant serves: the server's limits and TLS, and the
/// trust service whose profile tokens it accepts.
#[derive(Debug, Clone, Default)]
pub struct AgencyConfig {
    pub server: ServerConfig,
    /// Without it, a request carrying a profile token is refused.
    pub trust: Option<TrustConfig>,
    /// Where the agency counts what it does; a handle the caller may keep to
    /// read them (`--metrics-listen` serves them over HTTP).
    pub metrics: crate::AgencyMetrics,
    /// Signs the card served by `DescribeSigned`, which a master requires of
    /// an agency admitted through the registry; without it that call fails
    /// with FAILED_PRECONDITION.
    pub card_key: Option<CardKey>,
}

/// Where profile tokens come from and where their use is reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustConfig {
    /// The `iss` of accepted tokens.
    pub issuer: String,
    /// The issuer's JWKS, e.g. `http://127.0.0.1:50071/.well-known/jwks.json`.
    pub jwks_url: String,
    /// The trust service's gRPC address, to report each verified use for the
    /// citizen's audit trail; uses are not reported when unset.
    pub trust_service: Option<String>,
    /// Who may act for the citizen: a token's `act.sub` must be this.
    pub actor: String,
}

/// The actor the trust service names in the tokens it mints for the master.
pub const DEFAULT_TOKEN_ACTOR: &str = "veiviser-master";

/// Command-line and environment configuration of an agency assistant.
#[derive(Debug, Clone, Parser)]
#[command(version, about = "A Veiviser agency assistant (gRPC veiviser.agency.v1)")]
pub struct AgencyArgs {
    /// Address to listen on; defaults to the agency's own port on loopback.
    #[arg(long, env = "VEIVISER_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Directory with card.toml and <lang>.toml; the embedded content is used when unset.
    #[arg(long, env = "VEIVISER_CONTENT_DIR")]
    pub content_dir: Option<PathBuf>,
    /// Log format on stdout.
    #[arg(long, env = "VEIVISER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Issuer of accepted profile tokens (the trust service); tokens are refused when unset.
    #[arg(long, env = "VEIVISER_TOKEN_ISSUER", requires = "jwks_url")]
    pub token_issuer: Option<String>,
    /// The trust service's JWKS URL.
    #[arg(long, env = "VEIVISER_JWKS_URL")]
    pub jwks_url: Option<String>,
    /// The trust service's gRPC address, for reporting each use of a profile token.
    #[arg(long, env = "VEIVISER_TRUST_SERVICE")]
    pub trust_service: Option<String>,
    /// Who may act for the citizen in a profile token (its `act.sub`).
    #[arg(long, env = "VEIVISER_TOKEN_ACTOR", default_value = DEFAULT_TOKEN_ACTOR)]
    pub token_actor: String,
    /// Serve with mutual TLS: this agency's certificate (PEM).
    #[arg(long, env = "VEIVISER_TLS_CERT", requires_all = ["tls_key", "tls_client_ca"])]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, env = "VEIVISER_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Accept only clients with a certificate signed by this CA (PEM).
    #[arg(long, env = "VEIVISER_TLS_CLIENT_CA")]
    pub tls_client_ca: Option<PathBuf>,
    /// The Ed25519 key (PKCS#8 PEM) the card is signed with, for a master that
    /// admits this agency through the registry (`veiviser registry keygen`).
    #[arg(long, env = "VEIVISER_CARD_KEY_FILE")]
    pub card_key_file: Option<PathBuf>,
    /// Serve the agency's metrics (Prometheus text) over HTTP at /metrics on this address.
    #[arg(long, env = "VEIVISER_METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,
    #[command(flatten)]
    pub server: ServerArgs,
}

impl AgencyArgs {
    /// The agency's configuration, with the trust service and TLS if configured.
    pub fn agency_config(&self) -> Result<AgencyConfig, crate::Error> {
        let tls = match (&self.tls_cert, &self.tls_key, &self.tls_client_ca) {
            (Some(cert), Some(key), Some(ca)) => Some(
                TlsFiles {
                    cert: cert.clone(),
                    key: key.clone(),
                    ca: ca.clone(),
                }
                .load()?,
            ),
            _ => None,
        };
        let trust = match (&self.token_issuer, &self.jwks_url) {
            (Some(issuer), Some(jwks_url)) => Some(TrustConfig {
                issuer: issuer.clone(),
                jwks_url: jwks_url.clone(),
                trust_service: self.trust_service.clone(),
                actor: self.token_actor.clone(),
            }),
            _ => None,
        };
        let card_key = match &self.card_key_file {
            Some(path) => {
                let pem = std::fs::read_to_string(path)
                    .map_err(|e| crate::Error::CardKey(format!("{}: {e}", path.display())))?;
                Some(CardKey::from_pem(&pem).map_err(|e| crate::Error::CardKey(format!("{}: {e}", path.display())))?)
            }
            None => None,
        };
        Ok(AgencyConfig {
            server: ServerConfig {
                tls,
                ..self.server.server_config()
            },
            trust,
            metrics: crate::AgencyMetrics::default(),
            card_key,
        })
    }
}
