//! `veiviser loadtest`: the master under load against the floor of a bare
//! relay, on loopback, bounded in time. The three agencies run in this
//! process; the master (the `veiviser-master` binary beside this one) and a
//! bare tonic relay (`veiviser relay`, this binary) run as child processes,
//! so the CPU each spends per request is read from `/proc` on its own. The
//! master is driven over gRPC and over its web chat's HTTP API (JSON in, a
//! server-sent event stream out), as the browser uses it.
//! It prints a Markdown table for BENCHMARKS.md.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};
use tonic::transport::Channel;
use veiviser_proto::agency::v1::agency_assistant_client::AgencyAssistantClient;
use veiviser_proto::agency::v1::{AskRequest as AgencyAsk, TaskState};
use veiviser_proto::master::v1::ask_event::Event;
use veiviser_proto::master::v1::{AskRequest, StartSessionRequest};

use crate::client::{self, MasterClient};

/// How a load test runs.
#[derive(Debug, Clone)]
pub struct LoadTest {
    /// How long each scenario runs at each level.
    pub seconds: u64,
    /// The levels of questions in flight.
    pub in_flight: Vec<usize>,
    /// Whether the master keeps its sessions in a SQLite session store (its
    /// default) or in memory only, to measure what the store costs.
    pub session_store: bool,
}

/// One line of the table.
#[derive(Debug, Clone)]
pub struct Measured {
    pub path: &'static str,
    pub in_flight: usize,
    pub completed: u64,
    /// Answered, but with an agency missing (or not completed).
    pub partial: u64,
    /// Refused at once as busy (the master's admission).
    pub refused: u64,
    /// How long the slowest refusals took (the 99th percentile).
    pub refused_p99: Duration,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// CPU time of the middle box (master or relay) per completed request.
    pub cpu_per_request: Option<Duration>,
}

const SINGLE_QUESTION: &str = "hvordan søker jeg om dagpenger";
const LIFE_EVENT_QUESTION: &str = "min far er død, hva må jeg gjøre?";

/// Runs every scenario and returns the lines of the table.
pub async fn run(test: &LoadTest) -> Result<Vec<Measured>, String> {
    let federation = veiviser_testkit::federation::Federation::start(
        veiviser_testkit::federation::built_in_assistants()?,
        veiviser_testkit::federation::Addresses::ephemeral(3),
        veiviser_master::MasterConfig::default(),
        veiviser_agency_sdk::AgencyConfig::default(),
    )
    .await?;
    federation.wait_until_ready(Duration::from_secs(20)).await?;
    // NAV first: the relay forwards a single question to its first agency.
    let mut agencies: Vec<(bool, String)> = federation
        .agencies
        .iter()
        .map(|a| (a.id != "nav", format!("http://{}", a.address)))
        .collect();
    agencies.sort();
    let agencies: Vec<String> = agencies.into_iter().map(|(_, address)| address).collect();

    let here = std::env::current_exe().map_err(|e| e.to_string())?;
    let master_bin = here.with_file_name("veiviser-master");
    if !master_bin.exists() {
        return Err(format!(
            "{} is missing: build it with `cargo build --release --bin veiviser --bin veiviser-master`",
            master_bin.display()
        ));
    }
    let master_address = free_port()?;
    let web_address = free_port()?;
    let relay_address = free_port()?;
    let agency_flags = agencies
        .iter()
        .flat_map(|agency| ["--agency".to_string(), agency.clone()]);
    // The master keeps its sessions as it does by default (SQLite), in a file of this run's own.
    let store = std::env::temp_dir().join(format!("veiviser-loadtest-{}.db", std::process::id()));
    let mut master_args: Vec<String> = vec![
        "--session-store".into(),
        if test.session_store {
            format!("sqlite://{}", store.display())
        } else {
            "memory".into()
        },
        "--listen".into(),
        master_address.to_string(),
        "--session-starts-per-minute".into(),
        "0".into(),
        "--web-listen".into(),
        web_address.to_string(),
    ];
    master_args.extend(agency_flags.clone());
    let mut master = spawn(&master_bin, &master_args)?;
    let mut relay_args = vec!["relay".into(), "--listen".into(), relay_address.to_string()];
    relay_args.extend(agency_flags);
    let mut relay = spawn(&here, &relay_args)?;
    let outcome = async {
        let master_client = wait_for_master(master_address).await?;
        let relay_channel = wait_for(relay_address).await?;
        let mut lines = Vec::new();
        for &level in &test.in_flight {
            let seconds = Duration::from_secs(test.seconds);
            // Each of the master's paths right after its floor.
            for (life_event, question, floor, path, web_path) in [
                (
                    false,
                    SINGLE_QUESTION,
                    "bare relay, one agency",
                    "master, one agency",
                    "web chat, one agency",
                ),
                (
                    true,
                    LIFE_EVENT_QUESTION,
                    "bare relay, three agencies",
                    "master, life event (three agencies, one plan)",
                    "web chat, life event (three agencies, one plan)",
                ),
            ] {
                lines.push(drive_relay(floor, &relay_channel, life_event, level, seconds, relay.id()).await?);
                lines.push(drive_master(path, &master_client, question, level, seconds, master.id()).await?);
                lines.push(drive_web(web_path, web_address, question, level, seconds, master.id()).await?);
            }
        }
        Ok::<_, String>(lines)
    }
    .await;
    let _ = master.kill().await;
    let _ = relay.kill().await;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", store.display()));
    }
    federation.shutdown().await?;
    outcome
}

fn spawn(program: &PathBuf, args: &[String]) -> Result<Child, String> {
    Command::new(program)
        .args(args)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))
}

/// A loopback port nobody listens on now.
fn free_port() -> Result<SocketAddr, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.local_addr().map_err(|e| e.to_string())
}

async fn wait_for(address: SocketAddr) -> Result<Channel, String> {
    let started = Instant::now();
    loop {
        if let Ok(channel) = client::channel(&address.to_string()).await {
            let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
            let serving = health
                .check(tonic_health::pb::HealthCheckRequest { service: String::new() })
                .await
                .is_ok_and(|r| r.into_inner().status == 1);
            if serving {
                return Ok(channel);
            }
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("nothing served on {address} within 30 s"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The master, once it knows all three agencies.
async fn wait_for_master(address: SocketAddr) -> Result<MasterClient, String> {
    let channel = wait_for(address).await?;
    let mut master = veiviser_proto::master::v1::citizen_assistant_client::CitizenAssistantClient::new(channel);
    let started = Instant::now();
    loop {
        let ready = master
            .list_agencies(veiviser_proto::master::v1::ListAgenciesRequest {})
            .await
            .is_ok_and(|list| list.into_inner().agencies.iter().filter(|a| a.reachable).count() == 3);
        if ready {
            return Ok(master);
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err("the master did not reach the agencies within 30 s".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// CPU time (user and system) of process `pid` so far, from `/proc`.
fn cpu_time(pid: Option<u32>) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid?)).ok()?;
    // Fields after the command (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // The kernel's USER_HZ is 100 on every Linux this runs on.
    Some(Duration::from_millis(ticks * 10))
}

/// What came of one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Complete,
    Partial,
    Refused,
}

struct Tally {
    latencies: Vec<Duration>,
    partial: u64,
    refusals: Vec<Duration>,
}

/// Runs `level` workers for `seconds`, each calling `call` in a loop, and
/// measures the middle box `pid`.
async fn drive<F, Fut>(
    path: &'static str,
    level: usize,
    seconds: Duration,
    pid: Option<u32>,
    call: F,
) -> Result<Measured, String>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Outcome> + Send,
{
    let cpu_before = cpu_time(pid);
    let started = Instant::now();
    let deadline = started + seconds;
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..level {
        let call = call.clone();
        workers.spawn(async move {
            let mut tally = Tally {
                latencies: Vec::new(),
                partial: 0,
                refusals: Vec::new(),
            };
            while Instant::now() < deadline {
                let asked = Instant::now();
                match call(worker).await {
                    Outcome::Complete => tally.latencies.push(asked.elapsed()),
                    Outcome::Partial => tally.partial += 1,
                    Outcome::Refused => {
                        tally.refusals.push(asked.elapsed());
                        // As a client told to back off: a moment before the next try.
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
            }
            tally
        });
    }
    let mut latencies = Vec::new();
    let mut partial = 0;
    let mut refusals = Vec::new();
    while let Some(tally) = workers.join_next().await {
        let tally = tally.map_err(|e| e.to_string())?;
        latencies.extend(tally.latencies);
        partial += tally.partial;
        refusals.extend(tally.refusals);
    }
    refusals.sort();
    let elapsed = started.elapsed();
    let cpu = cpu_before
        .zip(cpu_time(pid))
        .map(|(before, after)| after.saturating_sub(before));
    latencies.sort();
    let completed = latencies.len() as u64;
    let at = |sorted: &[Duration], share: f64| {
        sorted
            .get(((sorted.len() as f64 * share) as usize).min(sorted.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Ok(Measured {
        path,
        in_flight: level,
        completed,
        partial,
        refused: refusals.len() as u64,
        refused_p99: at(&refusals, 0.99),
        per_second: completed as f64 / elapsed.as_secs_f64(),
        p50: at(&latencies, 0.50),
        p99: at(&latencies, 0.99),
        cpu_per_request: cpu.filter(|_| completed > 0).map(|cpu| cpu / completed as u32),
    })
}

async fn drive_relay(
    path: &'static str,
    relay: &Channel,
    life_event: bool,
    level: usize,
    seconds: Duration,
    pid: Option<u32>,
) -> Result<Measured, String> {
    let client = AgencyAssistantClient::new(relay.clone());
    drive(path, level, seconds, pid, move |_| {
        let mut client = client.clone();
        async move {
            let request = AgencyAsk {
                text: if life_event {
                    LIFE_EVENT_QUESTION
                } else {
                    SINGLE_QUESTION
                }
                .into(),
                language: "nb".into(),
                life_event: if life_event {
                    "dodsfall-og-arv".into()
                } else {
                    String::new()
                },
                ..AgencyAsk::default()
            };
            match client.ask(request).await {
                Ok(answer) if answer.get_ref().state == i32::from(TaskState::Completed) => Outcome::Complete,
                Err(status) if matches!(status.code(), tonic::Code::Unavailable | tonic::Code::ResourceExhausted) => {
                    Outcome::Refused
                }
                _ => Outcome::Partial,
            }
        }
    })
    .await
}

async fn drive_master(
    path: &'static str,
    master: &MasterClient,
    question: &'static str,
    level: usize,
    seconds: Duration,
    pid: Option<u32>,
) -> Result<Measured, String> {
    // One session per worker, as one citizen each.
    let mut sessions = Vec::new();
    for _ in 0..level {
        let mut master = master.clone();
        let session = master
            .start_session(StartSessionRequest {
                acknowledged_no_personal_data: true,
                language: "nb".into(),
                ..StartSessionRequest::default()
            })
            .await
            .map_err(|s| s.message().to_string())?
            .into_inner();
        sessions.push(session.session_id);
    }
    let sessions = std::sync::Arc::new(sessions);
    let master = master.clone();
    drive(path, level, seconds, pid, move |worker| {
        let mut master = master.clone();
        let sessions = std::sync::Arc::clone(&sessions);
        async move {
            let request = AskRequest {
                session_id: sessions[worker].clone(),
                text: question.into(),
                language: String::new(),
            };
            let mut stream = match master.ask(request).await {
                Ok(stream) => stream.into_inner(),
                Err(status) if status.code() == tonic::Code::Unavailable => return Outcome::Refused,
                Err(_) => return Outcome::Partial,
            };
            // Complete: a final answer with no agency missing. The stream is
            // read to its end, as a client should: one dropped early is reset,
            // and a connection that resets streams by the thousand is closed.
            let mut outcome = Outcome::Partial;
            while let Ok(Some(event)) = stream.message().await {
                if let Some(Event::Final(final_answer)) = event.event {
                    let complete = final_answer.missing_agency_ids.is_empty() && !final_answer.agency_ids.is_empty();
                    outcome = if complete { Outcome::Complete } else { Outcome::Partial };
                }
            }
            outcome
        }
    })
    .await
}

/// Whether a server-sent event stream from the web chat ends in a final
/// answer with every agency in it.
fn complete_on_the_web(events: &str) -> bool {
    events
        .lines()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str::<serde_json::Value>(data.trim()).ok())
        .filter_map(|event| event.get("event")?.get("final").cloned())
        .next_back()
        .is_some_and(|last| {
            let listed = |field: &str| last.get(field).and_then(|v| v.as_array()).map_or(0, Vec::len);
            listed("missing_agency_ids") == 0 && listed("agency_ids") > 0
        })
}

async fn drive_web(
    path: &'static str,
    web: SocketAddr,
    question: &'static str,
    level: usize,
    seconds: Duration,
    pid: Option<u32>,
) -> Result<Measured, String> {
    // Keep-alive connections, one pool; each worker is one citizen with a session.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(level)
        .build()
        .map_err(|e| e.to_string())?;
    let base = format!("http://{web}");
    let mut sessions = Vec::new();
    for _ in 0..level {
        let started: serde_json::Value = http
            .post(format!("{base}/api/sessions"))
            .json(&serde_json::json!({"acknowledged_no_personal_data": true, "language": "nb"}))
            .send()
            .await
            .map_err(|e| format!("web session: {e}"))?
            .json()
            .await
            .map_err(|e| format!("web session: {e}"))?;
        let id = started["session_id"].as_str().ok_or("web session: no session id")?;
        sessions.push(format!("{base}/api/sessions/{id}/messages"));
    }
    let sessions = std::sync::Arc::new(sessions);
    drive(path, level, seconds, pid, move |worker| {
        let http = http.clone();
        let sessions = std::sync::Arc::clone(&sessions);
        async move {
            let sent = http
                .post(&sessions[worker])
                .json(&serde_json::json!({"text": question}))
                .send()
                .await;
            let response = match sent {
                Ok(response) if response.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE => {
                    return Outcome::Refused;
                }
                Ok(response) if response.status().is_success() => response,
                _ => return Outcome::Partial,
            };
            match response.text().await {
                Ok(events) if complete_on_the_web(&events) => Outcome::Complete,
                _ => Outcome::Partial,
            }
        }
    })
    .await
}

/// The lines as a Markdown table, each path beside the relay's at its level.
pub fn table(lines: &[Measured]) -> String {
    let mut out = String::from(
        "| path | in flight | complete answers/s | partial | refused (busy), p99 | p50 | p99 | middle box CPU per answer | vs. relay |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for line in lines {
        let floor = lines.iter().find(|l| {
            l.in_flight == line.in_flight
                && l.path.starts_with("bare relay")
                && (l.path.contains("three") == line.path.contains("life event"))
        });
        let ratio = floor
            .filter(|f| !line.path.starts_with("bare relay") && f.per_second > 0.0)
            .map_or("–".to_string(), |f| {
                format!("{:.2} ×", line.per_second / f.per_second)
            });
        let cpu = line
            .cpu_per_request
            .map_or("–".to_string(), |cpu| format!("{} µs", cpu.as_micros()));
        out.push_str(&format!(
            "| {} | {} | {:.0} | {} | {} | {:.2} ms | {:.2} ms | {cpu} | {ratio} |\n",
            line.path,
            line.in_flight,
            line.per_second,
            line.partial,
            if line.refused == 0 {
                "0".to_string()
            } else {
                format!("{}, {:.1} ms", line.refused, line.refused_p99.as_secs_f64() * 1000.0)
            },
            line.p50.as_secs_f64() * 1000.0,
            line.p99.as_secs_f64() * 1000.0,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::complete_on_the_web;

    #[test]
    fn a_web_answer_is_complete_only_with_every_agency_in_its_final_event() {
        let progress = r#"data: {"event":{"status":{"stage":"routing"}}}"#;
        let complete = r#"data: {"event":{"final":{"agency_ids":["nav"],"missing_agency_ids":[]}}}"#;
        let partial = r#"data: {"event":{"final":{"agency_ids":["kommune"],"missing_agency_ids":["nav"]}}}"#;
        let nobody = r#"data: {"event":{"final":{"agency_ids":[],"missing_agency_ids":[]}}}"#;
        assert!(complete_on_the_web(&format!("{progress}\n\n{complete}\n\n")));
        assert!(!complete_on_the_web(&format!("{progress}\n\n{partial}\n\n")));
        assert!(!complete_on_the_web(nobody));
        assert!(!complete_on_the_web(progress));
        assert!(!complete_on_the_web(
            "event: error\ndata: the web chat is shutting down\n\n"
        ));
    }
}
