//! `veiviser soak`: the network at a steady rate of questions for a bounded
//! time while its parts fail and come back, on loopback, in this process: an
//! agency is killed and started again, the trust service is stopped and
//! started, the master is restarted cleanly and once as a crash (no draining,
//! no last save). Citizens keep their conversations going and grant consents
//! throughout; at the end every conversation's transcript and every
//! acknowledged consent is looked for. The sessions and the consents live in
//! SQLite files of the run's own, as in the default installation.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;
use veiviser_agency_sdk::AgencyConfig;
use veiviser_consent::ConsentConfig;
use veiviser_master::MasterConfig;
use veiviser_proto::master::v1::{FinalAnswer, GetTranscriptRequest};
use veiviser_testkit::federation::{Addresses, Federation, built_in_assistants};
use veiviser_testkit::trust::TrustProcess;

use crate::client::{self, MasterClient};

/// How a soak runs.
#[derive(Debug, Clone)]
pub struct Soak {
    pub seconds: u64,
    /// Questions a second, spread over the conversations.
    pub rate: u32,
    /// Conversations kept going, each asking in turn.
    pub conversations: usize,
    /// How long one question may take, retries included.
    pub deadline: Duration,
    /// How often the master writes changed sessions (what a crash can lose).
    pub save_interval: Duration,
}

impl Default for Soak {
    fn default() -> Self {
        Self {
            seconds: 180,
            rate: 20,
            conversations: 40,
            deadline: Duration::from_secs(10),
            save_interval: MasterConfig::default().session_save_interval,
        }
    }
}

/// What happened, in counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SoakReport {
    pub seconds: u64,
    pub turns_sent: u64,
    /// Answered within the deadline by every agency the question went to.
    pub complete: u64,
    /// Answered within the deadline with an agency missing, and named.
    pub partial_named: u64,
    /// Answered without any agency and without naming one missing (a master
    /// that had not yet read the agencies' cards would answer so).
    pub unanswered: u64,
    /// Not answered within the deadline, or refused for good.
    pub failed: u64,
    /// The failures by what ended them (a gRPC code, or "deadline").
    pub failures: BTreeMap<String, u64>,
    /// Questions asked again after the master was unreachable or busy.
    pub retries: u64,
    /// Conversations the master no longer knew (NOT_FOUND).
    pub sessions_lost: u64,
    /// Answered questions missing from their conversation's transcript at the end.
    pub entries_lost: u64,
    /// Questions answered within one save interval (doubled) before the crash:
    /// the most the crash may lose.
    pub at_risk_in_crash: u64,
    pub consents_granted: u64,
    /// Grants refused or unanswered (the trust service was down): never acknowledged.
    pub consents_not_granted: u64,
    /// Acknowledged grants missing at the end.
    pub consents_lost: u64,
    /// What was done to the network, and when.
    pub faults: Vec<(Duration, String)>,
}

const QUESTIONS: [&str; 2] = ["hvordan søker jeg gravferdsstønad", "min far er død, hva må jeg gjøre?"];

#[derive(Debug, Default)]
struct Conversation {
    id: String,
    answered: u64,
}

#[derive(Debug, Default)]
struct Counts {
    complete: AtomicU64,
    partial_named: AtomicU64,
    unanswered: AtomicU64,
    failed: AtomicU64,
    retries: AtomicU64,
    sessions_lost: AtomicU64,
    failures: std::sync::Mutex<BTreeMap<String, u64>>,
}

impl Counts {
    fn failed(&self, reason: String) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        *self
            .failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(reason)
            .or_default() += 1;
    }
}

/// Runs the soak and reports. The network is stopped at the end, and the
/// run's files deleted.
pub async fn run(soak: &Soak) -> Result<SoakReport, String> {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("veiviser-soak-{}-{since_epoch}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let outcome = soak_in(soak, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

async fn soak_in(soak: &Soak, dir: &std::path::Path) -> Result<SoakReport, String> {
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let consent_config = ConsentConfig {
        database_url: format!("sqlite://{}", dir.join("consent.db").display()),
        ..ConsentConfig::default()
    };
    let mut trust = Some(TrustProcess::start(consent_config.clone(), loopback, loopback).await?);
    let (trust_grpc, trust_http) = trust
        .as_ref()
        .map(|t| (t.grpc_address, t.http_address))
        .ok_or("no trust service")?;
    let (master_link, agency_trust) = trust
        .as_ref()
        .map(|t| (t.master_link(), t.agency_trust()))
        .ok_or("no trust service")?;
    let mut federation = Federation::start(
        built_in_assistants()?,
        Addresses::ephemeral(3),
        MasterConfig {
            trust: Some(master_link),
            session_store: Some(format!("sqlite://{}", dir.join("sessions.db").display())),
            session_save_interval: soak.save_interval,
            // One client asks for every citizen here.
            session_starts: veiviser_master::sessions::starts::StartRate {
                per_minute: 0,
                ..Default::default()
            },
            retry_initial: Duration::from_millis(50),
            retry_max: Duration::from_millis(500),
            ..MasterConfig::default()
        },
        AgencyConfig {
            trust: Some(agency_trust),
            ..AgencyConfig::default()
        },
    )
    .await?;
    let ready = Duration::from_secs(30);
    federation.wait_until_ready(ready).await?;
    let master_address = federation.master_address.to_string();
    let client = client::connect(&master_address).await?;

    // Citizens who grant consents as they go: their tokens outlive the run.
    let mut trust_client = crate::consent::connect(&trust_grpc.to_string()).await?;
    let mut citizens = Vec::new();
    for (person, _, _) in crate::consent::people(&mut trust_client).await?.into_iter().take(4) {
        let (token, _) = crate::consent::demo_login(&mut trust_client, &person).await?;
        citizens.push(token);
    }
    let granted: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
    let not_granted = Arc::new(AtomicU64::new(0));

    let mut conversations = Vec::new();
    for _ in 0..soak.conversations.max(1) {
        let mut client = client.clone();
        let id = client::start_session(&mut client, "nb", true)
            .await
            .map_err(|s| format!("a session did not start: {}", s.message()))?
            .session_id;
        conversations.push(Arc::new(Mutex::new(Conversation { id, answered: 0 })));
    }
    let counts = Arc::new(Counts::default());
    let answered_at: Arc<std::sync::Mutex<Vec<Instant>>> = Arc::default();

    let started = Instant::now();
    let total = Duration::from_secs(soak.seconds.max(4));
    let stop_at = started + total;
    let sender = {
        let counts = Arc::clone(&counts);
        let answered_at = Arc::clone(&answered_at);
        let conversations = conversations.clone();
        let client = client.clone();
        let deadline = soak.deadline;
        let every = Duration::from_secs_f64(1.0 / f64::from(soak.rate.max(1)));
        tokio::spawn(async move {
            let mut turns = tokio::task::JoinSet::new();
            let mut ticks = tokio::time::interval(every);
            let mut sent: u64 = 0;
            while Instant::now() < stop_at {
                ticks.tick().await;
                let conversation = Arc::clone(&conversations[(sent as usize) % conversations.len()]);
                let question = QUESTIONS[(sent as usize / conversations.len()) % QUESTIONS.len()];
                let (client, counts, answered_at) = (client.clone(), Arc::clone(&counts), Arc::clone(&answered_at));
                turns.spawn(async move {
                    turn(client, conversation, question, deadline, &counts, &answered_at).await;
                });
                sent += 1;
                while turns.try_join_next().is_some() {}
            }
            while turns.join_next().await.is_some() {}
            sent
        })
    };
    let grants = {
        let granted = Arc::clone(&granted);
        let not_granted = Arc::clone(&not_granted);
        let citizens = citizens.clone();
        let trust_address = trust_grpc.to_string();
        tokio::spawn(async move {
            let mut n = 0usize;
            while Instant::now() < stop_at {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let who = n % citizens.len().max(1);
                n += 1;
                let grant = async {
                    let mut trust = crate::consent::connect(&trust_address).await?;
                    crate::consent::grant(
                        &mut trust,
                        &citizens[who],
                        "nav",
                        &["name".to_string()],
                        "dodsfall-og-arv",
                    )
                    .await
                };
                match tokio::time::timeout(Duration::from_secs(2), grant).await {
                    Ok(Ok(consent)) => granted.lock().await.push((who, consent.consent_id)),
                    _ => {
                        not_granted.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        })
    };

    // The faults, at fixed points of the run.
    let mut faults = Vec::new();
    let at = |share: f64| started + total.mul_f64(share);
    let mut crash_at = None;
    for (share, fault) in [
        (0.10, "nav killed"),
        (0.20, "nav started again"),
        (0.30, "trust service stopped"),
        (0.40, "trust service started again"),
        (0.50, "master restarted cleanly"),
        (0.60, "kommune killed"),
        (0.66, "kommune started again"),
        (0.75, "master crashed and started again"),
    ] {
        tokio::time::sleep_until(at(share).into()).await;
        faults.push((started.elapsed(), fault.to_string()));
        match fault {
            "nav killed" => federation.kill_agency("nav").await?,
            "kommune killed" => federation.kill_agency("kommune").await?,
            "nav started again" => federation.restart_agency("nav").await?,
            "kommune started again" => federation.restart_agency("kommune").await?,
            "trust service stopped" => {
                if let Some(running) = trust.take() {
                    running.stop().await?;
                }
            }
            "trust service started again" => {
                trust = Some(TrustProcess::start(consent_config.clone(), trust_grpc, trust_http).await?);
            }
            "master restarted cleanly" => federation.restart_master(false, ready).await?,
            _ => {
                crash_at = Some(Instant::now());
                federation.restart_master(true, ready).await?;
            }
        }
    }
    let turns_sent = sender.await.map_err(|e| e.to_string())?;
    grants.await.map_err(|e| e.to_string())?;

    // What is left at the end: every conversation's transcript, every consent.
    let mut entries_lost = 0;
    let mut client = client::connect(&master_address).await?;
    for conversation in &conversations {
        let conversation = conversation.lock().await;
        let entries = client
            .get_transcript(GetTranscriptRequest {
                session_id: conversation.id.clone(),
            })
            .await
            .map(|t| t.into_inner().entries)
            .unwrap_or_default();
        let asked = entries.iter().filter(|e| e.role == "citizen").count() as u64;
        entries_lost += conversation.answered.saturating_sub(asked);
    }
    let at_risk_in_crash = crash_at.map_or(0, |crashed| {
        let window = soak.save_interval * 2;
        let answered = answered_at.lock().unwrap_or_else(|p| p.into_inner());
        answered
            .iter()
            .filter(|&&t| t <= crashed && crashed.duration_since(t) <= window)
            .count() as u64
    });
    let mut trust_client = crate::consent::connect(&trust_grpc.to_string()).await?;
    let granted = granted.lock().await.clone();
    let mut present: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (who, token) in citizens.iter().enumerate() {
        let ids = crate::consent::list(&mut trust_client, token).await?;
        present.insert(who, ids.into_iter().map(|c| c.consent_id).collect());
    }
    let consents_lost = granted
        .iter()
        .filter(|(who, id)| !present.get(who).is_some_and(|ids| ids.contains(id)))
        .count() as u64;

    federation.shutdown().await?;
    if let Some(trust) = trust {
        trust.stop().await?;
    }
    Ok(SoakReport {
        seconds: total.as_secs(),
        turns_sent,
        complete: counts.complete.load(Ordering::Relaxed),
        partial_named: counts.partial_named.load(Ordering::Relaxed),
        unanswered: counts.unanswered.load(Ordering::Relaxed),
        failed: counts.failed.load(Ordering::Relaxed),
        failures: counts.failures.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        retries: counts.retries.load(Ordering::Relaxed),
        sessions_lost: counts.sessions_lost.load(Ordering::Relaxed),
        entries_lost,
        at_risk_in_crash,
        consents_granted: granted.len() as u64,
        consents_not_granted: not_granted.load(Ordering::Relaxed),
        consents_lost,
        faults,
    })
}

/// One question of one conversation, asked again while the master is
/// unreachable or busy, until the deadline.
async fn turn(
    mut client: MasterClient,
    conversation: Arc<Mutex<Conversation>>,
    question: &str,
    deadline: Duration,
    counts: &Counts,
    answered_at: &std::sync::Mutex<Vec<Instant>>,
) {
    // One question at a time per conversation, in order, as a citizen asks.
    let mut conversation = conversation.lock().await;
    let give_up = Instant::now() + deadline;
    let mut backoff = Duration::from_millis(50);
    loop {
        let left = give_up.saturating_duration_since(Instant::now());
        let asked = tokio::time::timeout(left, client::ask(&mut client, &conversation.id, question, |_| {})).await;
        match asked {
            Ok(Ok(answer)) => {
                conversation.answered += 1;
                answered_at
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(Instant::now());
                count(counts, &answer);
                return;
            }
            Ok(Err(status)) if status.code() == tonic::Code::NotFound => {
                counts.sessions_lost.fetch_add(1, Ordering::Relaxed);
                // A new conversation takes its place, so the run goes on.
                if let Ok(started) = client::start_session(&mut client, "nb", true).await {
                    *conversation = Conversation {
                        id: started.session_id,
                        answered: 0,
                    };
                }
                return;
            }
            Ok(Err(status)) if worth_asking_again(&status) && Instant::now() + backoff < give_up => {
                counts.retries.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_millis(500));
            }
            Ok(Err(status)) => {
                counts.failed(format!("{:?}: {}", status.code(), status.message()));
                return;
            }
            Err(_) => {
                counts.failed("deadline".into());
                return;
            }
        }
    }
}

/// The master was unreachable, busy, or its connection broke mid-answer (a
/// crash): a client asks again. An error the master itself sent is final.
fn worth_asking_again(status: &tonic::Status) -> bool {
    match status.code() {
        tonic::Code::Unavailable | tonic::Code::Unknown | tonic::Code::Cancelled => true,
        // What tonic reports when the connection itself fails (the master says "internal error").
        tonic::Code::Internal => {
            status.message().starts_with("h2 protocol error") || status.message().starts_with("transport error")
        }
        _ => false,
    }
}

fn count(counts: &Counts, answer: &FinalAnswer) {
    let counter = if !answer.missing_agency_ids.is_empty() {
        &counts.partial_named
    } else if answer.agency_ids.is_empty() {
        &counts.unanswered
    } else {
        &counts.complete
    };
    counter.fetch_add(1, Ordering::Relaxed);
}

/// The report as Markdown, for BENCHMARKS.md.
pub fn report(report: &SoakReport, soak: &Soak) -> String {
    let mut out = format!(
        "{} s at {} questions a second over {} conversations, deadline {} s, sessions saved every {} ms\n\n",
        report.seconds,
        soak.rate,
        soak.conversations,
        soak.deadline.as_secs(),
        soak.save_interval.as_millis()
    );
    out.push_str("| | count |\n| --- | --- |\n");
    for (what, n) in [
        ("questions sent", report.turns_sent),
        ("answered in full within the deadline", report.complete),
        ("answered with an agency missing, and named", report.partial_named),
        ("answered by no agency, none named", report.unanswered),
        ("failed (no answer within the deadline)", report.failed),
        ("asked again (master unreachable or busy)", report.retries),
        ("sessions lost", report.sessions_lost),
        ("answered questions missing from transcripts", report.entries_lost),
        (
            "answered within two save intervals before the crash (the most it may lose)",
            report.at_risk_in_crash,
        ),
        ("consents granted (acknowledged)", report.consents_granted),
        (
            "grants not acknowledged (trust service down)",
            report.consents_not_granted,
        ),
        ("acknowledged consents lost", report.consents_lost),
    ] {
        out.push_str(&format!("| {what} | {n} |\n"));
    }
    for (reason, n) in &report.failures {
        out.push_str(&format!("\nFailed: {n} × {reason}"));
    }
    out.push_str("\nFaults:\n");
    for (when, fault) in &report.faults {
        out.push_str(&format!("- {:.1} s: {fault}\n", when.as_secs_f64()));
    }
    out
}
