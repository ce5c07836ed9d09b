//! The trust service's configuration: a typed struct with defaults that
//! tests build directly, and the command-line/environment form that fills it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use veiviser_runtime::ServerConfig;
use veiviser_runtime::args::ServerArgs;
use veiviser_runtime::clock::{self, Clock};
use veiviser_runtime::telemetry::LogFormat;

/// An external OpenID Connect issuer whose ID tokens log citizens in (ID-porten style).
#[derive(Debug, Clone)]
pub struct ExternalIssuer {
    pub issuer: String,
    pub jwks_url: String,
    /// The `aud` its tokens carry for Veiviser (the client id).
    pub audience: String,
}

/// The registry's operator key of the demos (`veiviser demo`, docker compose):
/// published, so refused unless a demo allows it.
pub const DEMO_REGISTRY_KEY: &str = "demo-registry-key";

/// Everything the trust service needs to run.
#[derive(Debug, Clone)]
pub struct ConsentConfig {
    /// `sqlite://path`, `sqlite::memory:` or `postgres://…`.
    pub database_url: String,
    /// The `iss` of every token this service signs, normally its public HTTP base URL.
    pub issuer: String,
    /// The `act.sub` of profile tokens: the master assistant acting for the citizen.
    pub actor: String,
    /// Agencies that may be named in a consent; empty accepts any well-formed id.
    pub known_agencies: Vec<String>,
    /// Serve `DemoLogin` for the synthetic people fixture.
    pub demo_login: bool,
    /// Citizen login tokens from an external issuer, instead of (or with) the demo login.
    pub external_issuer: Option<ExternalIssuer>,
    pub profile_token_lifetime: Duration,
    pub login_token_lifetime: Duration,
    /// How often the signing key is replaced.
    pub key_rotation: Duration,
    /// The operator key that changes the registry of agencies; changes are
    /// refused without one (the list can always be read).
    pub registry_key: Option<String>,
    pub clock: Arc<dyn Clock>,
    pub server: ServerConfig,
}

impl Default for ConsentConfig {
    fn default() -> Self {
        Self {
            database_url: "sqlite::memory:".into(),
            issuer: "http://127.0.0.1:50071".into(),
            actor: "veiviser-master".into(),
            known_agencies: Vec::new(),
            demo_login: true,
            external_issuer: None,
            profile_token_lifetime: Duration::from_secs(300),
            login_token_lifetime: Duration::from_secs(30 * 60),
            key_rotation: Duration::from_secs(24 * 3600),
            registry_key: None,
            clock: clock::system(),
            server: ServerConfig::default(),
        }
    }
}

/// Command-line and environment configuration of the trust service.
#[derive(Debug, Clone, Parser)]
#[command(
    version,
    about = "The Veiviser trust service (gRPC veiviser.consent.v1, JWKS over HTTP)"
)]
pub struct ConsentArgs {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Address of the gRPC API.
    #[arg(long, env = "VEIVISER_LISTEN", default_value = "127.0.0.1:50070")]
    pub listen: SocketAddr,
    /// Address of the HTTP endpoint serving /.well-known/jwks.json.
    #[arg(long, env = "VEIVISER_HTTP_LISTEN", default_value = "127.0.0.1:50071")]
    pub http_listen: SocketAddr,
    /// The database: sqlite://file.db (created if missing) or postgres://….
    #[arg(long, env = "VEIVISER_DATABASE_URL", default_value = "sqlite://veiviser-consent.db")]
    pub database_url: String,
    /// The issuer URL in every token (the public base URL of the HTTP endpoint).
    #[arg(long, env = "VEIVISER_ISSUER", default_value = "http://127.0.0.1:50071")]
    pub issuer: String,
    /// Agency ids a consent may name (comma-separated); any when unset.
    #[arg(long = "agency-id", env = "VEIVISER_AGENCY_IDS", value_delimiter = ',')]
    pub known_agencies: Vec<String>,
    /// Turn off the demo login of synthetic people.
    #[arg(long, env = "VEIVISER_DISABLE_DEMO_LOGIN")]
    pub disable_demo_login: bool,
    /// External OpenID Connect issuer for citizen logins.
    #[arg(long, env = "VEIVISER_OIDC_ISSUER", requires_all = ["oidc_jwks_url", "oidc_audience"])]
    pub oidc_issuer: Option<String>,
    #[arg(long, env = "VEIVISER_OIDC_JWKS_URL")]
    pub oidc_jwks_url: Option<String>,
    #[arg(long, env = "VEIVISER_OIDC_AUDIENCE")]
    pub oidc_audience: Option<String>,
    /// Hours between signing key rotations.
    #[arg(long, env = "VEIVISER_KEY_ROTATION_HOURS", default_value_t = 24)]
    pub key_rotation_hours: u64,
    /// A file holding the operator key that adds and removes agencies in the
    /// registry (`veiviser registry add|remove`); changes are off without it.
    #[arg(long, env = "VEIVISER_REGISTRY_KEY_FILE")]
    pub registry_key_file: Option<std::path::PathBuf>,
    /// Accept the demos' published registry key (`demo-registry-key`). Without
    /// this the service refuses to start with it: outside a demo it is no key.
    #[arg(long, env = "VEIVISER_ALLOW_DEMO_REGISTRY_KEY")]
    pub allow_demo_registry_key: bool,
    #[arg(long, env = "VEIVISER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub server: ServerArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve the trust service (the default).
    Serve,
    /// Recompute the audit log's hash chain and exit non-zero if it is broken.
    VerifyAudit,
    /// Replace the signing key now (the old one keeps verifying until its tokens expire).
    RotateKey,
}

impl ConsentArgs {
    /// The configuration; an error when the registry key file cannot be read.
    pub fn config(&self) -> Result<ConsentConfig, crate::Error> {
        let registry_key = match &self.registry_key_file {
            Some(path) => {
                let key = std::fs::read_to_string(path)
                    .map_err(|e| crate::Error::Config(format!("registry key file {}: {e}", path.display())))?;
                if key.trim().is_empty() {
                    return Err(crate::Error::Config(format!(
                        "registry key file {} is empty",
                        path.display()
                    )));
                }
                if key.trim() == DEMO_REGISTRY_KEY && !self.allow_demo_registry_key {
                    return Err(crate::Error::Config(format!(
                        "registry key file {} holds the demos' published key: set a real key, or \
                         --allow-demo-registry-key (VEIVISER_ALLOW_DEMO_REGISTRY_KEY=true) for a demo",
                        path.display()
                    )));
                }
                // The production manifests ship a placeholder; a published key is no key.
                if key.contains("CHANGE-ME") {
                    return Err(crate::Error::Config(format!(
                        "registry key file {} still holds the \"CHANGE-ME\" placeholder: set a real key",
                        path.display()
                    )));
                }
                Some(key.trim().to_string())
            }
            None => None,
        };
        let external_issuer = match (&self.oidc_issuer, &self.oidc_jwks_url, &self.oidc_audience) {
            (Some(issuer), Some(jwks_url), Some(audience)) => Some(ExternalIssuer {
                issuer: issuer.clone(),
                jwks_url: jwks_url.clone(),
                audience: audience.clone(),
            }),
            _ => None,
        };
        Ok(ConsentConfig {
            database_url: self.database_url.clone(),
            issuer: self.issuer.clone(),
            known_agencies: self.known_agencies.clone(),
            demo_login: !self.disable_demo_login,
            external_issuer,
            key_rotation: Duration::from_secs(self.key_rotation_hours.max(1) * 3600),
            server: self.server.server_config(),
            registry_key,
            ..ConsentConfig::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_key_file(contents: &str) -> Result<ConsentConfig, crate::Error> {
        let path = std::env::temp_dir().join(format!("veiviser-registry-key-{}", uuid::Uuid::new_v4()));
        std::fs::write(&path, contents).expect("written");
        let args = ConsentArgs::parse_from(["veiviser-consent", "--registry-key-file", path.to_str().expect("utf-8")]);
        let config = args.config();
        let _ = std::fs::remove_file(&path);
        config
    }

    #[test]
    fn the_registry_key_comes_from_its_file_and_a_placeholder_is_refused() {
        let config = with_key_file("an operator key\n").expect("a real key is taken");
        assert_eq!(config.registry_key.as_deref(), Some("an operator key"));
        assert!(with_key_file("CHANGE-ME-registry-operator-key").is_err());
        assert!(
            with_key_file("demo-registry-key").is_err(),
            "the published key, outside a demo"
        );
        let path = std::env::temp_dir().join(format!("veiviser-registry-key-{}", uuid::Uuid::new_v4()));
        std::fs::write(&path, "demo-registry-key").expect("written");
        let file = path.to_str().expect("utf-8");
        let demo = ConsentArgs::parse_from([
            "veiviser-consent",
            "--registry-key-file",
            file,
            "--allow-demo-registry-key",
        ]);
        assert_eq!(
            demo.config().expect("a demo may").registry_key.as_deref(),
            Some("demo-registry-key")
        );
        let _ = std::fs::remove_file(&path);
        assert!(with_key_file("  \n").is_err());
        let without = ConsentArgs::parse_from(["veiviser-consent"]).config().expect("config");
        assert_eq!(without.registry_key, None, "registry changes are off without a key");
    }
}
