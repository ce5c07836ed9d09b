//! `veiviser`: run the local federation, chat with the master, or ask one question.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use veiviser_agency_sdk::AgencyConfig;
use veiviser_cli::client::{self, DEFAULT_MASTER, MASTER_ENV, MasterClient};
use veiviser_cli::consent;
use veiviser_cli::output::{AnswerJson, route_name};
use veiviser_consent::ConsentConfig;
use veiviser_master::MasterConfig;
// The demo's advisor desk key, the same as docker compose's default: the
// advisor page is off without one, and the demo is for loopback only.
use veiviser_master::config::DEMO_DESK_KEY;
use veiviser_master::handover::hours::HoursPolicy;
use veiviser_master::profiles::LIFE_EVENT_PURPOSE;
use veiviser_proto::master::v1::{AskEvent, FinalAnswer, GetTranscriptRequest, ListAgenciesRequest, ask_event::Event};
use veiviser_runtime::shutdown_signal;
use veiviser_runtime::telemetry::{self, LogFormat};
use veiviser_testkit::federation::{Addresses, COURTS, Federation, built_in_assistants, courts_assistant};
use veiviser_testkit::trust::{DEMO_TRUST_PORTS, TrustProcess};

#[derive(Debug, Parser)]
#[command(
    name = "veiviser",
    version,
    about = "Veiviser: one entrance to NAV, the municipality and Skatteetaten"
)]
struct Cli {
    /// The master assistant's address.
    #[arg(long, global = true, env = MASTER_ENV, default_value = DEFAULT_MASTER)]
    master: String,
    /// Conversation language: nb, nn or en.
    #[arg(long, short, global = true, default_value = "nb")]
    language: String,
    /// The trust service's address (consent, login, transparency).
    #[arg(long, global = true, env = consent::TRUST_ENV, default_value = consent::DEFAULT_TRUST)]
    trust: String,
    /// Log in as this synthetic demo person (see `veiviser people`); answers
    /// are then tailored where the person has consented.
    #[arg(long, global = true, env = "VEIVISER_PERSON")]
    person: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole federation locally (three agencies and the master on
    /// loopback, embedded content) until Ctrl-C.
    Demo {
        #[arg(long, env = "VEIVISER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
        /// Where the citizen's web chat listens.
        #[arg(long, default_value = "127.0.0.1:8080")]
        web: std::net::SocketAddr,
        /// When advisors answer: in the cards' hours (NAV: weekdays 09:00–14:30
        /// Oslo time), or always, to show the handover at any hour.
        #[arg(long, value_enum, default_value_t = HoursPolicy::Cards)]
        advisor_hours: HoursPolicy,
        /// Add the courts (estate settlement) as a fourth agency, on 127.0.0.1:50064.
        #[arg(long)]
        with_courts: bool,
    },
    /// Work at the advisor desk: take conversations handed over from the
    /// assistant for one agency, and answer them.
    Advisor {
        /// The agency whose queue you serve.
        #[arg(long, default_value = "nav")]
        agency: String,
        /// The name the citizen sees.
        #[arg(long, default_value = "Veileder Anne")]
        name: String,
        /// The desk key, if the master requires one.
        #[arg(long, env = veiviser_cli::advisor::ADVISOR_KEY_ENV, hide_env_values = true)]
        key: Option<String>,
    },
    /// Chat with the master interactively.
    Chat,
    /// Ask one question and print the answer. Running it confirms that the
    /// question holds no personal data.
    Ask {
        /// Print one JSON object (agencies, intent, confidence, answer, checklist …).
        #[arg(long)]
        json: bool,
        /// The question.
        #[arg(required = true, num_args = 1..)]
        question: Vec<String>,
    },
    /// Route a question with the built-in content, without a running master,
    /// and print the decision and why as JSON (for content owners). The
    /// question is masked first, as the master masks it.
    Route {
        /// Route in a network with the courts as well (as `demo --with-courts`).
        #[arg(long)]
        with_courts: bool,
        #[arg(required = true, num_args = 1..)]
        question: Vec<String>,
    },
    /// Mask personal data in standard input, line by line, to standard output,
    /// as the master masks it at the door (the built-in agencies' published
    /// numbers stay readable). Needs no running master.
    Mask {
        /// Print one JSON object a line: the masked text and the kinds and byte
        /// ranges found (never the values).
        #[arg(long)]
        json: bool,
    },
    /// List the agencies the master knows, with their state and why.
    Agencies,
    /// The federation's registry on the trust service (--trust): the agencies
    /// a master started with --registry admits without a restart.
    Registry {
        #[command(subcommand)]
        action: RegistryAction,
    },
    /// Measure the master under load (gRPC and the web chat's HTTP API) against a bare relay over the same
    /// agencies, on loopback: throughput, p50, p99 and the CPU per request of
    /// each middle box, at 1 and 64 questions in flight; prints a Markdown
    /// table. Needs the `veiviser-master` binary beside this one (`cargo build
    /// --release --bin veiviser --bin veiviser-master`).
    Loadtest {
        /// Seconds each path runs at each level.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Questions in flight, comma-separated.
        #[arg(long, value_delimiter = ',', default_values_t = [1, 64])]
        in_flight: Vec<usize>,
        /// Where the master keeps its sessions: "sqlite" (its default) or "memory".
        #[arg(long, default_value = "sqlite", value_parser = ["sqlite", "memory"])]
        session_store: String,
    },
    /// Run the network on loopback at a steady rate of questions while an
    /// agency is killed and started again, the trust service is stopped and
    /// started, and the master is restarted cleanly and once as a crash; prints
    /// a Markdown report: questions answered in full, partly (the missing
    /// agency named), failed, sessions lost, consents lost.
    Soak {
        /// How long the run lasts.
        #[arg(long, default_value_t = 180)]
        seconds: u64,
        /// Questions a second.
        #[arg(long, default_value_t = 20)]
        rate: u32,
        /// Conversations kept going.
        #[arg(long, default_value_t = 40)]
        conversations: usize,
    },
    /// A bare relay that only forwards Ask to agencies (the load test's floor).
    #[command(hide = true)]
    Relay {
        #[arg(long)]
        listen: std::net::SocketAddr,
        /// Agency addresses; a single question goes to the first.
        #[arg(long = "agency", required = true)]
        agencies: Vec<String>,
    },
    /// Check an agency assistant against what the master asks of it: its
    /// card and answers by the contract's rules, health, every skill in
    /// every language, its life-event part, referrals, bad input and hostile
    /// profile tokens. Run it against your own agency before it plugs in;
    /// exits 1 when a check fails.
    Conformance {
        /// The agency's gRPC address, e.g. http://127.0.0.1:50080.
        address: String,
        /// Check the signed card against this public key (the one you register;
        /// base64url, so it may begin with '-').
        #[arg(long, allow_hyphen_values = true)]
        public_key: Option<String>,
        /// Serve the kit's own token issuer here and check that a genuine
        /// token is accepted; start the agency with `--token-issuer
        /// http://ADDR --jwks-url http://ADDR/.well-known/jwks.json` first.
        #[arg(long)]
        token_issuer_listen: Option<std::net::SocketAddr>,
    },
    /// List the synthetic people of the demo login.
    People,
    /// Grant, list or revoke consent for the person given with --person.
    Consent {
        #[command(subcommand)]
        action: ConsentAction,
    },
    /// What was shared with which agency, when and why ("innsyn"), for --person.
    Innsyn,
    /// Create a development CA and certificates for mutual TLS between the
    /// master and the agencies (demos and tests only).
    DevCa {
        /// Where to write ca.pem, <name>.pem and <name>-key.pem.
        #[arg(long, default_value = "certs")]
        out: std::path::PathBuf,
        /// Service names to issue certificates for.
        #[arg(long, value_delimiter = ',', default_value = "master,nav,kommune,skatteetaten")]
        names: Vec<String>,
    },
    /// Check a Veiviser service's gRPC health (exit 0 when SERVING); for
    /// container health checks.
    Health {
        /// The service's address, e.g. http://127.0.0.1:50061 (https:// with the TLS flags).
        address: String,
        /// For a service with mutual TLS: a client certificate (PEM) …
        #[arg(long, requires_all = ["tls_key", "tls_ca"])]
        tls_cert: Option<std::path::PathBuf>,
        /// … its key …
        #[arg(long)]
        tls_key: Option<std::path::PathBuf>,
        /// … and the CA that signed the service's certificate.
        #[arg(long)]
        tls_ca: Option<std::path::PathBuf>,
    },
    /// Download the (masked) transcript of an open session.
    Transcript {
        /// The session id (shown by `chat` with /session).
        session_id: String,
        /// text or json.
        #[arg(long, short, default_value = "text")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum RegistryAction {
    /// Add an agency (or replace its entry); needs the operator key.
    Add {
        /// The agency's id, as its card gives it.
        #[arg(long)]
        id: String,
        /// Its organisation number, as its card gives it.
        #[arg(long)]
        organisation_number: String,
        /// Its gRPC address, e.g. http://127.0.0.1:50080.
        #[arg(long)]
        address: String,
        /// The public key its cards are signed with (from `registry keygen`;
        /// base64url, so it may begin with '-').
        #[arg(long, allow_hyphen_values = true)]
        public_key: String,
        /// Profile attributes it may ask for (comma-separated); none when unset.
        #[arg(long, value_delimiter = ',')]
        attributes: Vec<String>,
        #[command(flatten)]
        key: OperatorKey,
    },
    /// Remove an agency; masters drop it at their next read.
    Remove {
        id: String,
        #[command(flatten)]
        key: OperatorKey,
    },
    /// The registered agencies.
    List,
    /// Create a card-signing key for an agency: writes the private key (PEM)
    /// to a new file for the agency's --card-key-file, prints the public key to register.
    Keygen {
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

/// The operator key for registry changes.
#[derive(Debug, clap::Args)]
struct OperatorKey {
    /// The operator key itself (prefer the file or the environment).
    #[arg(long = "key", env = veiviser_cli::registry::REGISTRY_KEY_ENV, hide_env_values = true)]
    given: Option<String>,
    /// A file holding the operator key.
    #[arg(long = "key-file", env = "VEIVISER_REGISTRY_KEY_FILE")]
    file: Option<std::path::PathBuf>,
}

impl OperatorKey {
    fn resolve(&self) -> Result<String, String> {
        veiviser_cli::registry::operator_key(self.given.as_deref(), self.file.as_deref())
    }
}

#[derive(Debug, Subcommand)]
enum ConsentAction {
    /// Let an agency see attributes for "Dødsfall og arv", e.g.
    /// `grant nav relation_to_deceased,children_ages`.
    Grant {
        agency: String,
        #[arg(value_delimiter = ',', required = true)]
        attributes: Vec<String>,
    },
    /// The person's consents.
    List,
    /// Withdraw a consent by id.
    Revoke { consent_id: String },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Demo {
            log_format,
            web,
            advisor_hours,
            with_courts,
        } => demo(log_format, web, advisor_hours, with_courts).await,
        Command::Advisor {
            ref agency,
            ref name,
            ref key,
        } => veiviser_cli::advisor::run(&cli.master, key.as_deref(), agency, name).await,
        Command::Chat => chat(&cli).await,
        Command::Ask { json, ref question } => ask(&cli, &question.join(" "), json).await,
        Command::People => people(&cli.trust).await,
        Command::Health {
            ref address,
            ref tls_cert,
            ref tls_key,
            ref tls_ca,
        } => {
            let tls = match (tls_cert, tls_key, tls_ca) {
                (Some(cert), Some(key), Some(ca)) => veiviser_runtime::tls::TlsFiles {
                    cert: cert.clone(),
                    key: key.clone(),
                    ca: ca.clone(),
                }
                .load()
                .map(Some)
                .map_err(|e| e.to_string()),
                _ => Ok(None),
            };
            match tls {
                Ok(tls) => health(address, tls).await,
                Err(message) => Err(message),
            }
        }
        Command::DevCa { ref out, ref names } => veiviser_cli::devca::generate(out, names).map(|ca| {
            println!(
                "wrote {} and {} certificates to {}",
                ca.ca.display(),
                ca.leaves.len(),
                out.display()
            );
        }),
        Command::Consent { ref action } => consent_command(&cli, action).await,
        Command::Innsyn => innsyn(&cli).await,
        Command::Agencies => agencies(&cli.master).await,
        Command::Registry { ref action } => registry_command(&cli.trust, action).await,
        Command::Conformance {
            ref address,
            ref public_key,
            token_issuer_listen,
        } => conformance(address, public_key.clone(), token_issuer_listen).await,
        Command::Loadtest {
            seconds,
            ref in_flight,
            ref session_store,
        } => loadtest(seconds, in_flight, session_store == "sqlite").await,
        Command::Soak {
            seconds,
            rate,
            conversations,
        } => soak(seconds, rate, conversations).await,
        Command::Relay { listen, ref agencies } => veiviser_cli::relay::serve(listen, agencies).await,
        Command::Route {
            with_courts,
            ref question,
        } => route(&question.join(" "), with_courts),
        Command::Mask { json } => mask(json),
        Command::Transcript {
            ref session_id,
            ref format,
            ref output,
        } => transcript(&cli.master, session_id, format, output.as_deref()).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("veiviser: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn demo(
    log_format: LogFormat,
    web: std::net::SocketAddr,
    advisor_hours: HoursPolicy,
    with_courts: bool,
) -> Result<(), String> {
    telemetry::init(log_format);
    let (grpc, http) = DEMO_TRUST_PORTS;
    let trust = TrustProcess::start(
        ConsentConfig {
            registry_key: Some(veiviser_consent::DEMO_REGISTRY_KEY.to_string()),
            ..ConsentConfig::default()
        },
        std::net::SocketAddr::from(([127, 0, 0, 1], grpc)),
        std::net::SocketAddr::from(([127, 0, 0, 1], http)),
    )
    .await?;
    let mut addresses = Addresses::demo();
    let mut assistants = built_in_assistants()?;
    if with_courts {
        assistants.push(courts_assistant()?);
        addresses
            .agencies
            .push(std::net::SocketAddr::from(([127, 0, 0, 1], COURTS.2)));
    }
    let federation = Federation::start(
        assistants,
        addresses,
        MasterConfig {
            trust: Some(trust.master_link()),
            registry: Some(format!("http://{}", trust.grpc_address)),
            advisor_hours,
            advisor_key: Some(DEMO_DESK_KEY.to_string()),
            ..MasterConfig::default()
        },
        AgencyConfig {
            trust: Some(trust.agency_trust()),
            ..AgencyConfig::default()
        },
    )
    .await?;
    federation.wait_until_ready(Duration::from_secs(10)).await?;
    let web_listener = tokio::net::TcpListener::bind(web)
        .await
        .map_err(|e| format!("cannot listen on {web}: {e}"))?;
    let web_address = web_listener.local_addr().map_err(|e| e.to_string())?;
    let web_task = tokio::spawn(veiviser_master::http::web::serve(
        web_listener,
        std::sync::Arc::clone(&federation.master),
        shutdown_signal(),
    ));
    println!("Veiviser is running (embedded content, loopback only):");
    println!("  web chat            http://{web_address}/");
    println!("  advisor page        http://{web_address}/advisor");
    for agency in &federation.agencies {
        println!("  agency {:<13} http://{}", agency.id, agency.address);
    }
    println!("  master              http://{}", federation.master_address);
    println!(
        "  trust service       http://{} (JWKS http://{}/.well-known/jwks.json, in-memory)",
        trust.grpc_address, trust.http_address
    );
    println!();
    println!("In another terminal:");
    println!("  cargo run --release --bin veiviser -- chat");
    println!("  cargo run --release --bin veiviser -- ask --json \"min far er død, hva må jeg gjøre?\"");
    println!("As a synthetic person who consents to NAV seeing the family situation:");
    println!("  cargo run --release --bin veiviser -- people");
    println!(
        "  cargo run --release --bin veiviser -- --person 14838512047 consent grant nav relation_to_deceased,children_ages"
    );
    println!(
        "  cargo run --release --bin veiviser -- --person 14838512047 ask \"hvor mye barnepensjon kan barna få?\""
    );
    println!("  cargo run --release --bin veiviser -- --person 14838512047 innsyn");
    println!("As an advisor taking conversations handed over to NAV (\"/human\" in chat, or the web chat's button):");
    println!("  http://{web_address}/advisor in a browser (desk key: {DEMO_DESK_KEY}), or in a terminal:");
    println!(
        "  {}={DEMO_DESK_KEY} cargo run --release --bin veiviser -- advisor --agency nav --name \"Veileder Anne\"",
        veiviser_cli::advisor::ADVISOR_KEY_ENV
    );
    println!("To plug in an agency of your own while this runs (SDK agencies sign with --card-key-file):");
    println!("  cargo run --release --bin veiviser -- registry keygen --out my-agency.key");
    println!(
        "  {}={} cargo run --release --bin veiviser -- registry add --id <id> \\",
        veiviser_cli::registry::REGISTRY_KEY_ENV,
        veiviser_consent::DEMO_REGISTRY_KEY
    );
    println!("      --organisation-number <9 digits> --address http://127.0.0.1:<port> --public-key <printed key>");
    println!("  cargo run --release --bin veiviser -- agencies");
    if advisor_hours == HoursPolicy::Cards {
        println!(
            "  (advisors answer in the agencies' hours; add --advisor-hours always-open to the demo to try it any time)"
        );
    }
    println!("Stop with Ctrl-C.");
    shutdown_signal().await;
    let _ = web_task.await;
    federation.shutdown().await?;
    trust.stop().await
}

/// The citizen token for `--person`, or an empty string without it.
async fn citizen_token(cli: &Cli) -> Result<String, String> {
    let Some(person) = &cli.person else {
        return Ok(String::new());
    };
    let mut trust = consent::connect(&cli.trust).await?;
    let (token, name) = consent::demo_login(&mut trust, person).await?;
    eprintln!("(logged in as the synthetic person {name})");
    Ok(token)
}

fn required_person(cli: &Cli) -> Result<(), String> {
    if cli.person.is_none() {
        return Err("name the synthetic person with --person (see `veiviser people`)".into());
    }
    Ok(())
}

async fn health(address: &str, tls: Option<veiviser_runtime::tls::TlsPem>) -> Result<(), String> {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;
    let url = veiviser_runtime::server::url(address);
    let mut endpoint = tonic::transport::Endpoint::from_shared(url.clone())
        .map_err(|e| format!("invalid address {url}: {e}"))?
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(2));
    if let Some(tls) = tls {
        endpoint = endpoint.tls_config(tls.client()).map_err(|e| format!("TLS: {e}"))?;
    }
    let channel = endpoint
        .connect()
        .await
        .map_err(|e| format!("cannot reach {url}: {e}"))?;
    let status = HealthClient::new(channel)
        .check(HealthCheckRequest { service: String::new() })
        .await
        .map_err(|s| format!("{url}: {}", s.message()))?
        .into_inner()
        .status;
    if status == tonic_health::pb::health_check_response::ServingStatus::Serving as i32 {
        println!("SERVING");
        Ok(())
    } else {
        Err(format!("{url} is not serving (status {status})"))
    }
}

async fn people(trust: &str) -> Result<(), String> {
    let mut trust = consent::connect(trust).await?;
    for (id, name, situation) in consent::people(&mut trust).await? {
        println!("{id}  {name:<16} {situation}");
    }
    Ok(())
}

async fn consent_command(cli: &Cli, action: &ConsentAction) -> Result<(), String> {
    required_person(cli)?;
    let token = citizen_token(cli).await?;
    let mut trust = consent::connect(&cli.trust).await?;
    let consents = match action {
        ConsentAction::Grant { agency, attributes } => {
            vec![consent::grant(&mut trust, &token, agency, attributes, LIFE_EVENT_PURPOSE).await?]
        }
        ConsentAction::List => consent::list(&mut trust, &token).await?,
        ConsentAction::Revoke { consent_id } => vec![consent::revoke(&mut trust, &token, consent_id).await?],
    };
    for c in consents {
        let state = if c.revoked_at.is_empty() {
            format!("valid until {}", c.valid_until)
        } else {
            format!("revoked {}", c.revoked_at)
        };
        println!(
            "{}  {:<13} {:<16} {}  ({state})",
            c.consent_id,
            c.agency_id,
            c.purpose,
            c.attributes.join(",")
        );
    }
    Ok(())
}

async fn innsyn(cli: &Cli) -> Result<(), String> {
    required_person(cli)?;
    let token = citizen_token(cli).await?;
    let mut trust = consent::connect(&cli.trust).await?;
    let records = consent::transparency(&mut trust, &token).await?;
    if records.is_empty() {
        println!("Nothing has been shared.");
    }
    for r in records {
        println!(
            "{}  {:<16} {:<13} {:<16} {}",
            r.at,
            r.event,
            r.agency_id,
            r.purpose,
            r.attributes.join(",")
        );
    }
    Ok(())
}

async fn session(cli: &Cli) -> Result<(MasterClient, String, String), String> {
    let token = citizen_token(cli).await?;
    let mut client = client::connect(&cli.master).await?;
    let session = client::start_session_as(&mut client, &cli.language, true, &token)
        .await
        .map_err(|s| s.message().to_string())?;
    Ok((client, session.session_id, session.welcome))
}

async fn ask(cli: &Cli, question: &str, json: bool) -> Result<(), String> {
    let (mut client, session_id, _) = session(cli).await?;
    let answer = client::ask(&mut client, &session_id, question, |_| {})
        .await
        .map_err(|s| s.message().to_string())?;
    let _ = client
        .end_session(veiviser_proto::master::v1::EndSessionRequest {
            session_id: session_id.clone(),
        })
        .await;
    if json {
        let text = serde_json::to_string_pretty(&AnswerJson::from(&answer)).map_err(|e| e.to_string())?;
        println!("{text}");
    } else {
        print_answer(&answer);
    }
    Ok(())
}

async fn chat(cli: &Cli) -> Result<(), String> {
    let language = cli.language.as_str();
    let notice = match language {
        "en" => {
            "Before we start: do you confirm that you will not write personal data (name, national identity number, account number, health details)? [y/N] "
        }
        "nn" => {
            "Før vi byrjar: stadfestar du at du ikkje skriv personopplysningar (namn, fødselsnummer, kontonummer, helseopplysningar)? [j/N] "
        }
        _ => {
            "Før vi starter: bekrefter du at du ikke skriver personopplysninger (navn, fødselsnummer, kontonummer, helseopplysninger)? [j/N] "
        }
    };
    print!("{notice}");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let acknowledged = matches!(line.trim().to_lowercase().as_str(), "j" | "ja" | "y" | "yes");
    let token = citizen_token(cli).await?;
    let mut client = client::connect(&cli.master).await?;
    let session = client::start_session_as(&mut client, language, acknowledged, &token)
        .await
        .map_err(|s| s.message().to_string())?;
    println!("\n{}\n", session.welcome);
    println!(
        "(/human asks for an advisor, /leave leaves them, /transcript shows the conversation, /download [text|json] saves it, /session shows the session id, /quit ends it)\n"
    );
    let stdin = std::io::stdin();
    loop {
        print!("> ");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        if stdin.lock().read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            break;
        }
        match line.trim() {
            "" => continue,
            "/quit" | "/exit" => break,
            "/session" => {
                println!("{}", session.session_id);
                continue;
            }
            command if command.starts_with("/download") => {
                let format = command.trim_start_matches("/download").trim();
                let format = if format.is_empty() { "text" } else { format };
                match download(&mut client, &session.session_id, format, None).await {
                    Ok(path) => println!("saved {}", path.display()),
                    Err(message) => println!("! {message}"),
                }
                continue;
            }
            "/human" => {
                match client::request_human(&mut client, &session.session_id).await {
                    Ok(status) => println!("{}", status.text),
                    Err(message) => println!("! {message}"),
                }
                continue;
            }
            "/leave" => {
                match client
                    .leave_handover(veiviser_proto::master::v1::LeaveHandoverRequest {
                        session_id: session.session_id.clone(),
                    })
                    .await
                {
                    Ok(status) => println!("{}", status.into_inner().text),
                    Err(status) => println!("! {}", status.message()),
                }
                continue;
            }
            "/transcript" => {
                let transcript = client
                    .get_transcript(GetTranscriptRequest {
                        session_id: session.session_id.clone(),
                    })
                    .await
                    .map_err(|s| s.message().to_string())?
                    .into_inner();
                for entry in transcript.entries {
                    println!("[{} {}] {}", entry.at, entry.role, entry.text);
                }
                continue;
            }
            question => match client::ask(&mut client, &session.session_id, question, print_progress).await {
                Ok(answer) => print_answer(&answer),
                Err(status) => println!("! {}", status.message()),
            },
        }
    }
    let _ = client
        .end_session(veiviser_proto::master::v1::EndSessionRequest {
            session_id: session.session_id,
        })
        .await;
    Ok(())
}

fn print_progress(event: &AskEvent) {
    match &event.event {
        Some(Event::Routing(routing)) => println!(
            "  · {} {} ({:.2}) {}",
            route_name(routing.route),
            routing.intent,
            routing.confidence,
            routing.agency_ids.join(", ")
        ),
        Some(Event::AgencyAnswer(answer)) => println!("  · {} answered", answer.agency_name),
        Some(Event::AgencyUnavailable(missing)) => {
            println!("  · {} unavailable ({})", missing.agency_name, missing.reason)
        }
        _ => {}
    }
}

fn print_answer(answer: &FinalAnswer) {
    println!("\n{}\n", answer.text);
}

async fn download(
    client: &mut MasterClient,
    session_id: &str,
    format: &str,
    output: Option<&std::path::Path>,
) -> Result<std::path::PathBuf, String> {
    let format = client::transcript_format(format)?;
    let file = client::export_transcript(client, session_id, format)
        .await
        .map_err(|s| s.message().to_string())?;
    client::save_transcript(&file, output)
}

async fn transcript(
    master: &str,
    session_id: &str,
    format: &str,
    output: Option<&std::path::Path>,
) -> Result<(), String> {
    let mut client = client::connect(master).await?;
    match output {
        Some(path) => {
            let saved = download(&mut client, session_id, format, Some(path)).await?;
            eprintln!("saved {}", saved.display());
        }
        None => {
            let format = client::transcript_format(format)?;
            let file = client::export_transcript(&mut client, session_id, format)
                .await
                .map_err(|s| s.message().to_string())?;
            std::io::stdout().write_all(&file.content).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

async fn loadtest(seconds: u64, in_flight: &[usize], session_store: bool) -> Result<(), String> {
    let test = veiviser_cli::loadtest::LoadTest {
        seconds: seconds.clamp(1, 600),
        in_flight: in_flight.iter().map(|n| (*n).clamp(1, 1024)).collect(),
        session_store,
    };
    eprintln!(
        "load test: {} paths x {} levels x {} s each, loopback only",
        4,
        test.in_flight.len(),
        test.seconds
    );
    let lines = veiviser_cli::loadtest::run(&test).await?;
    println!("{}", veiviser_cli::loadtest::table(&lines));
    Ok(())
}

async fn soak(seconds: u64, rate: u32, conversations: usize) -> Result<(), String> {
    let soak = veiviser_cli::soak::Soak {
        seconds: seconds.clamp(10, 3_600),
        rate: rate.clamp(1, 500),
        conversations: conversations.clamp(1, 1_000),
        ..veiviser_cli::soak::Soak::default()
    };
    eprintln!(
        "soak: {} s at {} questions a second, loopback only",
        soak.seconds, soak.rate
    );
    let report = veiviser_cli::soak::run(&soak).await?;
    println!("{}", veiviser_cli::soak::report(&report, &soak));
    if report.sessions_lost + report.consents_lost > 0 {
        return Err("sessions or consents were lost".into());
    }
    Ok(())
}

async fn conformance(
    address: &str,
    card_public_key: Option<String>,
    issuer_listen: Option<std::net::SocketAddr>,
) -> Result<(), String> {
    use veiviser_agency_sdk::conformance::{self, tokens::TokenIssuer};
    let issuer = match issuer_listen {
        Some(listen) => {
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
            let issuer = TokenIssuer::start(listener).await?;
            eprintln!(
                "the kit's token issuer: --token-issuer {} --jwks-url {}",
                issuer.issuer(),
                issuer.jwks_url()
            );
            Some(std::sync::Arc::new(issuer))
        }
        None => None,
    };
    let channel = client::channel(address).await?;
    let options = conformance::Options {
        card_public_key,
        issuer,
    };
    let report = conformance::check_with(channel, &options).await;
    println!("{report}");
    if report.passed() {
        Ok(())
    } else {
        Err(format!(
            "{} of {} checks failed",
            report.failures().count(),
            report.checks.len()
        ))
    }
}

async fn agencies(master: &str) -> Result<(), String> {
    let mut client = client::connect(master).await?;
    let list = client
        .list_agencies(ListAgenciesRequest {})
        .await
        .map_err(|s| s.message().to_string())?
        .into_inner();
    for agency in list.agencies {
        let skills = agency.card.as_ref().map_or(0, |c| c.skills.len());
        let id = if agency.agency_id.is_empty() {
            "-"
        } else {
            &agency.agency_id
        };
        let reason = if agency.reason.is_empty() {
            String::new()
        } else {
            format!("  {}", agency.reason)
        };
        println!(
            "{id:<13} {:<10} {:<28} {:<12} {skills} skills{reason}",
            agency.origin, agency.address, agency.state
        );
    }
    Ok(())
}

async fn registry_command(trust: &str, action: &RegistryAction) -> Result<(), String> {
    use veiviser_cli::registry;
    match action {
        RegistryAction::Add {
            id,
            organisation_number,
            address,
            public_key,
            attributes,
            key,
        } => {
            let entry = veiviser_proto::registry::v1::RegisteredAgency {
                agency_id: id.clone(),
                organisation_number: organisation_number.clone(),
                address: address.clone(),
                public_key: public_key.clone(),
                allowed_profile_attributes: attributes.clone(),
                added_at: 0,
            };
            let added = registry::add(trust, &key.resolve()?, entry).await?;
            println!("registered {} at {}", added.agency_id, added.address);
        }
        RegistryAction::Remove { id, key } => {
            registry::remove(trust, &key.resolve()?, id).await?;
            println!("removed {id}");
        }
        RegistryAction::List => {
            let (agencies, revision) = registry::list(trust).await?;
            for agency in &agencies {
                let attributes = if agency.allowed_profile_attributes.is_empty() {
                    "-".to_string()
                } else {
                    agency.allowed_profile_attributes.join(",")
                };
                println!(
                    "{:<13} {} {:<28} {} {attributes}",
                    agency.agency_id, agency.organisation_number, agency.address, agency.public_key
                );
            }
            println!("{} agencies, revision {revision}", agencies.len());
        }
        RegistryAction::Keygen { out } => {
            let public_key = registry::keygen(out)?;
            println!("{public_key}");
            eprintln!(
                "private key written to {}; register the public key above",
                out.display()
            );
        }
    }
    Ok(())
}

/// `veiviser route`: the router's decision on the built-in content.
fn mask(json: bool) -> Result<(), String> {
    let cards: Vec<_> = built_in_assistants()?.iter().map(|a| a.card().clone()).collect();
    let masker = veiviser_master::text::door_masker(&cards);
    let stdin = std::io::stdin().lock();
    let stdout = std::io::BufWriter::new(std::io::stdout().lock());
    veiviser_cli::mask::mask_lines(&masker, stdin, stdout, json).map_err(|e| e.to_string())?;
    Ok(())
}

fn route(question: &str, with_courts: bool) -> Result<(), String> {
    let mut assistants = built_in_assistants()?;
    if with_courts {
        assistants.push(courts_assistant()?);
    }
    let cards: Vec<_> = assistants.iter().map(|a| a.card().clone()).collect();
    let content = veiviser_master::content::MasterContent::embedded().map_err(|e| e.to_string())?;
    let router = veiviser_master::routing::Router::new(&cards, &content, Default::default());
    let masker = veiviser_master::text::door_masker(&cards);
    let (decision, explanation) = router.explain(&masker.mask(question).text);
    let explanation = veiviser_proto::master::v1::RoutingExplanation::from(explanation);
    let json = serde_json::json!({
        "intent": decision.intent(),
        "confidence": decision.confidence(),
        "explanation": veiviser_cli::output::ExplanationJson::from(&explanation),
    });
    println!("{}", serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::Cli;

    #[test]
    fn a_public_key_may_begin_with_a_hyphen() {
        // base64url: one key in 64 begins with '-'.
        let add = [
            "veiviser",
            "registry",
            "add",
            "--id",
            "bibliotek",
            "--organisation-number",
            "926722387",
            "--address",
            "http://127.0.0.1:50080",
            "--public-key",
            "-9NvHwzZ0Hh6ZqoAqCkBq1S0rY2kV1a8p7m3x4c5d6e",
        ];
        assert!(Cli::try_parse_from(add).is_ok());
        let conformance = [
            "veiviser",
            "conformance",
            "http://127.0.0.1:50080",
            "--public-key",
            "-9NvHwzZ0Hh6ZqoAqCkBq1S0rY2kV1a8p7m3x4c5d6e",
        ];
        assert!(Cli::try_parse_from(conformance).is_ok());
    }
}
