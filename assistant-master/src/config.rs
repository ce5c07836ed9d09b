//! The master's configuration: a typed struct with defaults that tests build
//! directly, and the command-line/environment form that fills it.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use veiviser_runtime::ServerConfig;
use veiviser_runtime::args::ServerArgs;
use veiviser_runtime::clock::{self, Clock};
use veiviser_runtime::telemetry::LogFormat;

use crate::handover::hours::HoursPolicy;
use crate::profiles::TrustLink;
use crate::routing::Thresholds;
use crate::sessions::retention::RetentionPolicy;
use crate::sessions::starts::StartRate;

/// What the deployment templates write where a secret must be filled in.
const PLACEHOLDER_MARK: &str = "CHANGE-ME";

/// Everything the master needs to run.
#[derive(Debug, Clone)]
pub struct MasterConfig {
    /// Agency assistant addresses, e.g. `http://127.0.0.1:50061`.
    pub agencies: Vec<String>,
    /// Deadline of one call to an agency.
    pub agency_timeout: Duration,
    /// Calls in flight to one agency; more are shed at once.
    pub agency_concurrency: usize,
    /// Turns (questions being answered) at most at once; beyond it a question
    /// is refused at once with UNAVAILABLE and a hint to retry. Below
    /// `agency_concurrency`, so every turn admitted can make its calls and
    /// card refreshes still find room.
    pub max_turns_in_flight: usize,
    /// How often a reachable agency's card is fetched again.
    pub refresh_interval: Duration,
    /// How often gRPC health is asked between card fetches.
    pub health_interval: Duration,
    /// Checks failed in a row after which an agency is not asked (state
    /// "down") until a check succeeds.
    pub down_after: u32,
    /// First and longest wait before retrying an unreachable agency.
    pub retry_initial: Duration,
    pub retry_max: Duration,
    /// The federation's registry (the trust service's gRPC address): agencies
    /// it lists join and leave while the master runs. Off when unset.
    pub registry: Option<String>,
    /// How often the registry is read.
    pub registry_refresh: Duration,
    /// How host names in agency addresses are resolved to pods (DNS; tests fix the answers).
    pub agency_resolver: crate::resolve::Resolver,
    /// How often an agency's host name is resolved again and its pods probed.
    pub pod_refresh: Duration,
    /// Referrals followed after the first agency's answer.
    pub max_referral_hops: usize,
    /// A session unused this long is forgotten.
    pub session_idle_timeout: Duration,
    pub max_sessions: usize,
    /// Where open sessions and their masked transcripts are kept, so a
    /// restarted master or another master continues a conversation
    /// (`sqlite://file.db`, `postgres://…`); memory only when unset.
    pub session_store: Option<String>,
    /// How often changed sessions are written to the session store: what a
    /// crash of the process can lose at most (a clean stop writes them all).
    pub session_save_interval: Duration,
    /// New sessions one client may start (by its address).
    pub session_starts: StartRate,
    /// Proxies whose `X-Forwarded-For` names the client (the web chat's and
    /// gRPC's); any other peer is the client itself.
    pub trusted_proxies: Vec<IpAddr>,
    /// The longest citizen message, in characters.
    pub max_message_chars: usize,
    pub thresholds: Thresholds,
    /// Directory with the master's own `<lang>.toml`; embedded when unset.
    pub content_dir: Option<PathBuf>,
    /// How long ended transcripts are kept, by topic.
    pub retention: RetentionPolicy,
    /// Where ended transcripts are archived until deletion; memory when unset.
    pub transcript_dir: Option<PathBuf>,
    /// How often idle sessions are closed and expired transcripts deleted.
    pub purge_interval: Duration,
    /// The time source for sessions and retention; tests inject a manual clock.
    pub clock: Arc<dyn Clock>,
    /// The trust service for profile tokens; without it agencies get questions only.
    pub trust: Option<TrustLink>,
    /// Mutual TLS to the agencies (their addresses then use https://).
    pub agency_tls: Option<veiviser_runtime::tls::TlsPem>,
    /// Whether human advisors answer in their cards' hours or always (demos).
    pub advisor_hours: HoursPolicy,
    /// When set, advisors must present it (`authorization: Bearer <key>`).
    pub advisor_key: Option<String>,
    /// The host names the web chat answers to (the `Host` header, any port);
    /// a request naming another is refused, so a page on another site cannot
    /// reach a chat on a laptop through DNS rebinding.
    pub web_hosts: Vec<String>,
    /// Sites (origins, "https://www.nav.no") that may open the chat in their
    /// own pages with `/embed.js`; no site may frame it when empty.
    pub embed_origins: Vec<String>,
    /// Who runs this installation and answers for it, as the privacy and
    /// accessibility statements and the page's footer name them.
    pub operator: String,
    /// Where citizens reach the operator about privacy and accessibility (a URL or an address).
    pub operator_contact: String,
    pub server: ServerConfig,
}

/// The operator the statements name unless configured: says plainly it is a test.
pub const DEMO_OPERATOR: &str = "Veiviser (testinstallasjon)";
/// The contact the statements give unless configured: a reserved example address.
pub const DEMO_OPERATOR_CONTACT: &str = "veiviser@example.org";

/// The advisor desk key of the demos (`veiviser demo`, docker compose's
/// default): published, so the advisor page mentions it only when it is the
/// key in use.
pub const DEMO_DESK_KEY: &str = "demo-desk-key";

/// Open sessions at most: sized for a national service (an idle session costs
/// well under a kilobyte); when full, unused sessions make room first.
pub const DEFAULT_MAX_SESSIONS: usize = 500_000;

/// The host names the web chat answers to unless configured: loopback only.
pub fn loopback_hosts() -> Vec<String> {
    ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .map(|h| h.to_string())
        .collect()
}

impl Default for MasterConfig {
    fn default() -> Self {
        Self {
            agencies: Vec::new(),
            agency_timeout: Duration::from_secs(3),
            agency_concurrency: 64,
            // A few calls to each agency to spare for card refreshes.
            max_turns_in_flight: 60,
            refresh_interval: Duration::from_secs(30),
            health_interval: Duration::from_secs(5),
            down_after: 3,
            registry: None,
            registry_refresh: Duration::from_secs(5),
            agency_resolver: crate::resolve::Resolver::Dns,
            pod_refresh: Duration::from_secs(2),
            retry_initial: Duration::from_millis(200),
            retry_max: Duration::from_secs(5),
            max_referral_hops: 2,
            session_idle_timeout: Duration::from_secs(30 * 60),
            max_sessions: DEFAULT_MAX_SESSIONS,
            session_store: None,
            session_save_interval: Duration::from_millis(200),
            session_starts: StartRate::default(),
            trusted_proxies: Vec::new(),
            max_message_chars: 2_000,
            thresholds: Thresholds::default(),
            content_dir: None,
            retention: RetentionPolicy::default(),
            transcript_dir: None,
            purge_interval: Duration::from_secs(60),
            clock: clock::system(),
            trust: None,
            agency_tls: None,
            advisor_hours: HoursPolicy::Cards,
            advisor_key: None,
            web_hosts: loopback_hosts(),
            embed_origins: Vec::new(),
            operator: DEMO_OPERATOR.to_string(),
            operator_contact: DEMO_OPERATOR_CONTACT.to_string(),
            server: ServerConfig::default(),
        }
    }
}

/// Command-line and environment configuration of the master process.
#[derive(Debug, Clone, Parser)]
#[command(version, about = "The Veiviser master assistant (gRPC veiviser.master.v1)")]
pub struct MasterArgs {
    /// Address of the citizen-facing gRPC API.
    #[arg(long, env = "VEIVISER_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,
    /// Agency assistant addresses (repeat the flag, or comma-separate in the variable).
    #[arg(
        long = "agency",
        env = "VEIVISER_AGENCIES",
        value_delimiter = ',',
        default_values_t = default_agencies()
    )]
    pub agencies: Vec<String>,
    /// Deadline of one call to an agency (milliseconds).
    #[arg(long, env = "VEIVISER_AGENCY_TIMEOUT_MS", default_value_t = 3_000)]
    pub agency_timeout_ms: u64,
    /// How often agency cards are refreshed (seconds).
    #[arg(long, env = "VEIVISER_REFRESH_SECONDS", default_value_t = 30)]
    pub refresh_seconds: u64,
    /// The federation's registry (the trust service's gRPC address): agencies
    /// it lists join and leave while the master runs; off when unset.
    #[arg(long, env = "VEIVISER_REGISTRY")]
    pub registry: Option<String>,
    /// How often the registry is read (seconds).
    #[arg(long, env = "VEIVISER_REGISTRY_REFRESH_SECONDS", default_value_t = 5)]
    pub registry_refresh_seconds: u64,
    /// How often each agency's gRPC health is checked between card fetches (seconds).
    #[arg(long, env = "VEIVISER_HEALTH_SECONDS", default_value_t = 5)]
    pub health_seconds: u64,
    /// Checks failed in a row after which an agency is not asked until a check succeeds.
    #[arg(long, env = "VEIVISER_DOWN_AFTER", default_value_t = 3)]
    pub down_after: u32,
    /// How often a host name in an agency address is resolved again and its pods probed (seconds).
    #[arg(long, env = "VEIVISER_POD_REFRESH_SECONDS", default_value_t = 2)]
    pub pod_refresh_seconds: u64,
    /// Directory with the master's own content files; embedded when unset.
    #[arg(long, env = "VEIVISER_CONTENT_DIR")]
    pub content_dir: Option<PathBuf>,
    /// Address of the operations HTTP endpoint (`/metrics` in the Prometheus
    /// format); off when unset. Keep it off the citizen-facing network.
    #[arg(long, env = "VEIVISER_ADMIN_LISTEN")]
    pub admin_listen: Option<SocketAddr>,
    /// Directory where ended transcripts (masked) wait for deletion; memory when unset.
    #[arg(long, env = "VEIVISER_TRANSCRIPT_DIR")]
    pub transcript_dir: Option<PathBuf>,
    /// Days an ended transcript is kept before deletion.
    #[arg(long, env = "VEIVISER_RETENTION_DAYS", default_value_t = 15)]
    pub retention_days: u64,
    /// Topics whose transcripts are deleted when the session ends.
    #[arg(
        long = "session-only-topic",
        env = "VEIVISER_SESSION_ONLY_TOPICS",
        value_delimiter = ',',
        default_values_t = [crate::sessions::retention::SOCIAL_SERVICES.to_string()]
    )]
    pub session_only_topics: Vec<String>,
    /// Minutes of inactivity after which a session is closed.
    #[arg(long, env = "VEIVISER_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u64,
    /// Referrals followed after the first agency's answer.
    #[arg(long, env = "VEIVISER_MAX_REFERRAL_HOPS", default_value_t = 2)]
    pub max_referral_hops: usize,
    /// The trust service's gRPC address (consent and profile tokens); off when unset.
    #[arg(long, env = "VEIVISER_TRUST_SERVICE")]
    pub trust_service: Option<String>,
    /// Mutual TLS to the agencies: the master's client certificate (PEM).
    #[arg(long, env = "VEIVISER_AGENCY_TLS_CERT", requires_all = ["agency_tls_key", "agency_tls_ca"])]
    pub agency_tls_cert: Option<PathBuf>,
    #[arg(long, env = "VEIVISER_AGENCY_TLS_KEY")]
    pub agency_tls_key: Option<PathBuf>,
    /// The CA that signs the agencies' certificates (PEM).
    #[arg(long, env = "VEIVISER_AGENCY_TLS_CA")]
    pub agency_tls_ca: Option<PathBuf>,
    /// Address of the citizen's web chat (HTML and its JSON API); off when unset.
    #[arg(long, env = "VEIVISER_WEB_LISTEN")]
    pub web_listen: Option<SocketAddr>,
    /// Open sessions at most; when full, the oldest never used makes room.
    #[arg(long, env = "VEIVISER_MAX_SESSIONS", default_value_t = DEFAULT_MAX_SESSIONS)]
    pub max_sessions: usize,
    /// Where open sessions are kept across restarts and masters:
    /// sqlite://file.db (created if missing), postgres://…, or "memory".
    #[arg(
        long,
        env = "VEIVISER_SESSION_STORE",
        default_value = "sqlite://veiviser-sessions.db",
        hide_env_values = true
    )]
    pub session_store: String,
    /// How often changed sessions are written to the store (what a crash can lose).
    #[arg(long, env = "VEIVISER_SESSION_SAVE_MS", default_value_t = 200)]
    pub session_save_ms: u64,
    /// New sessions one client address may start a minute, on average (0: no limit).
    #[arg(long, env = "VEIVISER_SESSION_STARTS_PER_MINUTE", default_value_t = StartRate::default().per_minute)]
    pub session_starts_per_minute: u32,
    /// New sessions one client address may start at once.
    #[arg(long, env = "VEIVISER_SESSION_START_BURST", default_value_t = StartRate::default().burst)]
    pub session_start_burst: u32,
    /// Proxies (IP addresses, comma-separated) whose X-Forwarded-For names the client.
    #[arg(long = "trusted-proxy", env = "VEIVISER_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,
    /// Host names the web chat answers to (comma-separated; any port); loopback names when unset.
    #[arg(long = "web-host", env = "VEIVISER_WEB_HOSTS", value_delimiter = ',')]
    pub web_hosts: Vec<String>,
    /// Sites that may embed the chat with /embed.js (origins, comma-separated: "https://www.nav.no").
    #[arg(long = "embed-origin", env = "VEIVISER_EMBED_ORIGINS", value_delimiter = ',')]
    pub embed_origins: Vec<String>,
    /// Who runs this installation, as the privacy and accessibility statements name it.
    #[arg(long, env = "VEIVISER_OPERATOR", default_value = DEMO_OPERATOR)]
    pub operator: String,
    /// Where citizens reach the operator (a URL or an e-mail address).
    #[arg(long, env = "VEIVISER_OPERATOR_CONTACT", default_value = DEMO_OPERATOR_CONTACT)]
    pub operator_contact: String,
    /// When human advisors answer: in the hours on each agency's card, or always (demos).
    #[arg(long, env = "VEIVISER_ADVISOR_HOURS", value_enum, default_value_t = HoursPolicy::Cards)]
    pub advisor_hours: HoursPolicy,
    /// The key advisors present to the desk (`authorization: Bearer <key>`).
    /// Without it anyone who reaches the gRPC port can act as an advisor
    /// (acceptable for a demo on loopback only), and the advisor page on the
    /// web port is refused: that port faces citizens.
    #[arg(long, env = "VEIVISER_ADVISOR_KEY", hide_env_values = true)]
    pub advisor_key: Option<String>,
    /// A file holding the desk key (a container secret, e.g. /run/secrets/advisor_desk_key);
    /// used when --advisor-key is not given.
    #[arg(long, env = "VEIVISER_ADVISOR_KEY_FILE")]
    pub advisor_key_file: Option<PathBuf>,
    /// Accept the demos' published desk key (`demo-desk-key`). Without this the
    /// master refuses to start with it: outside a demo a published key is no key.
    #[arg(long, env = "VEIVISER_ALLOW_DEMO_DESK_KEY")]
    pub allow_demo_desk_key: bool,
    #[arg(long, env = "VEIVISER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// The agencies of the local federation started by `veiviser demo`.
pub fn default_agencies() -> Vec<String> {
    ["50061", "50062", "50063"]
        .iter()
        .map(|port| format!("http://127.0.0.1:{port}"))
        .collect()
}

impl MasterArgs {
    /// The desk key from `--advisor-key`, else from `--advisor-key-file`; none when empty.
    fn advisor_key(&self) -> Result<Option<String>, crate::error::Error> {
        let given = self.advisor_key.as_deref().filter(|key| !key.trim().is_empty());
        let key = match (given, &self.advisor_key_file) {
            (Some(key), _) => key.to_string(),
            (None, Some(file)) => std::fs::read_to_string(file)
                .map_err(|e| crate::error::Error::Config(format!("the advisor key file {}: {e}", file.display())))?,
            (None, None) => String::new(),
        };
        let key = key.trim();
        Ok((!key.is_empty()).then(|| key.to_string()))
    }

    pub fn config(&self) -> Result<MasterConfig, crate::error::Error> {
        let agency_tls = match (&self.agency_tls_cert, &self.agency_tls_key, &self.agency_tls_ca) {
            (Some(cert), Some(key), Some(ca)) => Some(
                veiviser_runtime::tls::TlsFiles {
                    cert: cert.clone(),
                    key: key.clone(),
                    ca: ca.clone(),
                }
                .load()?,
            ),
            _ => None,
        };
        let advisor_key = self.advisor_key()?;
        if advisor_key.as_deref().is_some_and(|key| key.contains(PLACEHOLDER_MARK)) {
            // The production manifests ship a placeholder; a published key is no key.
            return Err(crate::error::Error::Config(format!(
                "the advisor desk key still contains \"{PLACEHOLDER_MARK}\": set a real key"
            )));
        }
        if advisor_key.as_deref() == Some(DEMO_DESK_KEY) && !self.allow_demo_desk_key {
            return Err(crate::error::Error::Config(
                "the advisor desk key is the demos' published one: set a real key, or \
                 --allow-demo-desk-key (VEIVISER_ALLOW_DEMO_DESK_KEY=true) for a demo"
                    .into(),
            ));
        }
        Ok(MasterConfig {
            agency_tls,
            agencies: self.agencies.clone(),
            agency_timeout: Duration::from_millis(self.agency_timeout_ms),
            refresh_interval: Duration::from_secs(self.refresh_seconds.max(1)),
            health_interval: Duration::from_secs(self.health_seconds.max(1)),
            down_after: self.down_after.max(1),
            pod_refresh: Duration::from_secs(self.pod_refresh_seconds.max(1)),
            registry: self.registry.clone().filter(|address| !address.trim().is_empty()),
            registry_refresh: Duration::from_secs(self.registry_refresh_seconds.max(1)),
            content_dir: self.content_dir.clone(),
            transcript_dir: self.transcript_dir.clone(),
            retention: RetentionPolicy {
                keep_for: Duration::from_secs(self.retention_days.saturating_mul(86_400)),
                session_only_topics: self.session_only_topics.iter().cloned().collect(),
            },
            session_idle_timeout: Duration::from_secs(self.session_idle_minutes.max(1).saturating_mul(60)),
            max_referral_hops: self.max_referral_hops,
            trust: self.trust_service.as_ref().map(|address| TrustLink {
                address: address.clone(),
                purpose: crate::profiles::LIFE_EVENT_PURPOSE.to_string(),
            }),
            advisor_hours: self.advisor_hours,
            advisor_key,
            max_sessions: self.max_sessions.max(1),
            session_store: Some(self.session_store.trim())
                .filter(|store| !store.is_empty() && *store != "memory")
                .map(str::to_string),
            session_save_interval: Duration::from_millis(self.session_save_ms.clamp(10, 60_000)),
            session_starts: StartRate {
                per_minute: self.session_starts_per_minute,
                burst: self.session_start_burst,
            },
            trusted_proxies: self.trusted_proxies.clone(),
            web_hosts: if self.web_hosts.is_empty() {
                loopback_hosts()
            } else {
                self.web_hosts.iter().map(|h| h.trim().to_ascii_lowercase()).collect()
            },
            embed_origins: self
                .embed_origins
                .iter()
                .map(|origin| embed_origin(origin))
                .collect::<Result<_, _>>()?,
            operator: self.operator.trim().to_string(),
            operator_contact: self.operator_contact.trim().to_string(),
            server: self.server.server_config(),
            ..MasterConfig::default()
        })
    }
}

/// An origin a site embeds the chat from, checked because it goes into the
/// `Content-Security-Policy` header: `http(s)://host[:port]`, nothing else.
pub fn embed_origin(origin: &str) -> Result<String, crate::error::Error> {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .unwrap_or_default();
    let (host, port) = rest.split_once(':').unwrap_or((rest, ""));
    let host_ok = !host.is_empty()
        && host
            .split('.')
            .all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    let has_port = rest.contains(':');
    let port_ok = !has_port || port.parse::<u16>().is_ok_and(|port| port > 0);
    if host_ok && port_ok {
        Ok(origin)
    } else {
        Err(crate::error::Error::Config(
            "an embed origin must be scheme://host[:port], like https://www.nav.no".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::MasterArgs;

    fn config_with_key(key: &str) -> Result<super::MasterConfig, crate::error::Error> {
        MasterArgs::try_parse_from(["veiviser-master", "--advisor-key", key])
            .expect("arguments parse")
            .config()
    }

    #[test]
    fn a_placeholder_desk_key_is_refused_and_an_empty_one_means_none() {
        let error = config_with_key("CHANGE-ME-advisor-desk-key").expect_err("placeholder refused");
        assert!(error.to_string().contains("CHANGE-ME"), "{error}");
        let config = config_with_key("a-real-key-from-the-vault").expect("a real key");
        assert_eq!(config.advisor_key.as_deref(), Some("a-real-key-from-the-vault"));
        assert_eq!(config_with_key("").expect("no key").advisor_key, None);
    }

    #[test]
    fn the_demo_desk_key_is_refused_outside_a_demo_and_a_key_file_is_read() {
        let error = config_with_key(super::DEMO_DESK_KEY).expect_err("published key refused");
        assert!(error.to_string().contains("--allow-demo-desk-key"), "{error}");
        let demo = MasterArgs::try_parse_from([
            "veiviser-master",
            "--advisor-key",
            super::DEMO_DESK_KEY,
            "--allow-demo-desk-key",
        ])
        .expect("arguments parse")
        .config()
        .expect("a demo may use it");
        assert_eq!(demo.advisor_key.as_deref(), Some(super::DEMO_DESK_KEY));

        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("advisor_desk_key");
        std::fs::write(&file, "a-key-from-a-secret\n").expect("written");
        let from_file =
            MasterArgs::try_parse_from(["veiviser-master", "--advisor-key-file", file.to_str().expect("utf-8")])
                .expect("arguments parse")
                .config()
                .expect("read");
        assert_eq!(from_file.advisor_key.as_deref(), Some("a-key-from-a-secret"));
        let missing = MasterArgs::try_parse_from(["veiviser-master", "--advisor-key-file", "/nonexistent/key"])
            .expect("arguments parse")
            .config()
            .expect_err("a missing file is an error, not no key");
        assert!(missing.to_string().contains("advisor key file"), "{missing}");
        // An empty --advisor-key does not hide the file's key.
        let empty_key = MasterArgs::try_parse_from([
            "veiviser-master",
            "--advisor-key",
            "",
            "--advisor-key-file",
            file.to_str().expect("utf-8"),
        ])
        .expect("arguments parse")
        .config()
        .expect("read");
        assert_eq!(empty_key.advisor_key.as_deref(), Some("a-key-from-a-secret"));
    }

    #[test]
    fn embed_origins_are_plain_origins_or_refused() {
        assert_eq!(
            super::embed_origin("https://www.NAV.no/").expect("origin"),
            "https://www.nav.no"
        );
        assert_eq!(
            super::embed_origin("http://127.0.0.1:8080").expect("origin"),
            "http://127.0.0.1:8080"
        );
        for hostile in [
            "www.nav.no",
            "https://*.nav.no",
            "https://nav.no; script-src *",
            "https://nav.no/path",
            "javascript:alert(1)",
            "https://",
            "https://nav.no:99999x",
            "https://nav.no:99999",
            "https://nav.no:",
        ] {
            assert!(super::embed_origin(hostile).is_err(), "refused");
        }
    }
}
