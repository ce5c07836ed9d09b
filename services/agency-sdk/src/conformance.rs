//! The conformance kit: what the master asks of an agency, run by the agency
//! against its own running service before it plugs in (`veiviser
//! conformance <address>`, or [`check`] from its own tests). Every check
//! the master makes of a card and of an answer (the [`contract`] rules),
//! health, an answer for each skill in each language the card lists, the
//! life-event part (with and without the citizen's text), referrals never
//! pointing back along the path they came by, and bad input refused with
//! INVALID_ARGUMENT. Profile tokens are not checked here yet.

use std::fmt;

use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use veiviser_proto::agency::v1::agency_assistant_client::AgencyAssistantClient;
use veiviser_proto::agency::v1::{AskRequest, AskResponse, AssistantCard, DescribeRequest};

use crate::assistant::MAX_QUESTION_CHARS;
use crate::contract::{self, MAX_CARD_BYTES};
use crate::opening_hours::OpeningHours;

/// One check and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked: "card", "answer nb gravferdsstonad", …
    pub name: String,
    /// `Err` with what is wrong, in words an agency developer can act on.
    pub outcome: Result<(), String>,
}

/// Every check run against one agency.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The agency id its card gives (empty when the card could not be read).
    pub agency_id: String,
    pub checks: Vec<Check>,
}

impl Report {
    /// True when every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|check| check.outcome.is_ok())
    }

    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|check| check.outcome.is_err())
    }

    fn record(&mut self, name: impl Into<String>, outcome: Result<(), String>) {
        self.checks.push(Check {
            name: name.into(),
            outcome,
        });
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for check in &self.checks {
            match &check.outcome {
                Ok(()) => writeln!(f, "ok    {}", check.name)?,
                Err(problem) => writeln!(f, "FAIL  {}: {problem}", check.name)?,
            }
        }
        let failed = self.failures().count();
        write!(
            f,
            "{}: {} checks, {failed} failed",
            if self.agency_id.is_empty() {
                "agency"
            } else {
                &self.agency_id
            },
            self.checks.len()
        )
    }
}

/// Runs every check against the agency behind `channel`.
pub async fn check(channel: Channel) -> Report {
    let mut report = Report::default();
    let mut health = HealthClient::new(channel.clone());
    let serving = health
        .check(HealthCheckRequest { service: String::new() })
        .await
        .map_err(|status| format!("gRPC health answered {:?}", status.code()))
        .and_then(|response| match response.into_inner().status() {
            ServingStatus::Serving => Ok(()),
            other => Err(format!("gRPC health says {other:?}, not SERVING")),
        });
    report.record("health", serving);

    // As the master reads an agency: nothing larger than the largest card.
    let mut client = AgencyAssistantClient::new(channel).max_decoding_message_size(MAX_CARD_BYTES);
    let card = match client.describe(with_deadline(DescribeRequest {})).await {
        Ok(response) => response.into_inner(),
        Err(status) => {
            report.record("card", Err(format!("Describe answered {:?}", status.code())));
            return report;
        }
    };
    report.agency_id = card.agency_id.clone();
    let card_rules = contract::check_card(&card).map_err(|rule| format!("rule {}: {rule}", rule.rule()));
    let card_ok = card_rules.is_ok();
    report.record("card", card_rules);
    if !card_ok {
        return report;
    }
    if let Some(hours) = &card.advisor_hours {
        report.record(
            "advisor hours",
            OpeningHours::from_card(hours).map(|_| ()).map_err(|e| e.to_string()),
        );
    }

    let mut asker = Asker { client, card: &card };
    for language in &card.languages {
        for skill in &card.skills {
            let name = format!("answer {language} {}", skill.id);
            let Some(example) = skill.examples.iter().find(|e| &e.language == language) else {
                report.record(
                    name,
                    Err(format!(
                        "the skill has no example in {language}, so it cannot be routed in it"
                    )),
                );
                continue;
            };
            let named = asker.ask(&example.text, language, &skill.id, "", &[]).await;
            if let Ok(answer) = &named {
                report.record(
                    format!("referrals {language} {}", skill.id),
                    asker.referrals_hold(answer, &example.text, language, &skill.id).await,
                );
            }
            report.record(name, named.map(|_| ()));
            let unnamed = asker.ask(&example.text, language, "", "", &[]).await;
            report.record(
                format!("answer {language} {} without a skill named", skill.id),
                unnamed.map(|_| ()),
            );
        }
        for event in &card.life_events {
            let empty = asker.ask("", language, "", &event.id, &[]).await;
            report.record(
                format!("life event {language} {} with no text", event.id),
                empty.map(|_| ()),
            );
            if let Some(example) = event.examples.iter().find(|e| &e.language == language) {
                let with_text = asker.ask(&example.text, language, "", &event.id, &[]).await;
                report.record(format!("life event {language} {}", event.id), with_text.map(|_| ()));
            }
        }
    }

    let first = card.languages.first().cloned().unwrap_or_default();
    let example = card
        .skills
        .iter()
        .flat_map(|s| &s.examples)
        .next()
        .map(|e| e.text.clone())
        .unwrap_or_else(|| "hei".into());
    report.record("refuses an empty question", asker.refused("", &first).await);
    report.record(
        "refuses an unknown language",
        asker.refused(&example, "zz-Invalid!").await,
    );
    report.record(
        "refuses a question that is too long",
        asker.refused(&"a".repeat(MAX_QUESTION_CHARS + 1), &first).await,
    );
    report
}

/// The master's default deadline for an agency call: an answer later than
/// this is one the master never shows.
pub const DEADLINE: std::time::Duration = std::time::Duration::from_secs(3);

fn with_deadline<T>(message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(DEADLINE);
    request
}

/// Asks the agency and checks every answer by the master's rules.
struct Asker<'c> {
    client: AgencyAssistantClient<Channel>,
    card: &'c AssistantCard,
}

impl Asker<'_> {
    async fn ask(
        &mut self,
        text: &str,
        language: &str,
        skill: &str,
        life_event: &str,
        path: &[String],
    ) -> Result<AskResponse, String> {
        let request = AskRequest {
            text: text.to_string(),
            language: language.to_string(),
            skill_id: skill.to_string(),
            life_event: life_event.to_string(),
            conversation_id: "conformance".into(),
            referral_path: path.to_vec(),
        };
        let answer = self
            .client
            .ask(with_deadline(request))
            .await
            .map_err(|status| {
                format!(
                    "Ask answered {:?}: the master would name the agency missing",
                    status.code()
                )
            })?
            .into_inner();
        contract::check_answer(self.card, language, &answer).map_err(|rule| format!("rule {}: {rule}", rule.rule()))?;
        Ok(answer)
    }

    /// Asked again as if it came by way of the agencies it refers to, an
    /// answer refers to none of them.
    async fn referrals_hold(
        &mut self,
        answer: &AskResponse,
        text: &str,
        language: &str,
        skill: &str,
    ) -> Result<(), String> {
        let path: Vec<String> = answer.referrals.iter().map(|r| r.agency_id.clone()).collect();
        if path.is_empty() {
            return Ok(());
        }
        let again = self.ask(text, language, skill, "", &path).await?;
        match again.referrals.iter().find(|r| path.contains(&r.agency_id)) {
            Some(back) => Err(format!(
                "asked by way of {}, the answer still refers to {}: a referral must never point back along referral_path",
                path.join(", "),
                back.agency_id
            )),
            None => Ok(()),
        }
    }

    /// The question is refused with INVALID_ARGUMENT.
    async fn refused(&mut self, text: &str, language: &str) -> Result<(), String> {
        let request = AskRequest {
            text: text.to_string(),
            language: language.to_string(),
            ..AskRequest::default()
        };
        match self.client.ask(with_deadline(request)).await {
            Err(status) if status.code() == tonic::Code::InvalidArgument => Ok(()),
            Err(status) => Err(format!("refused with {:?}, not InvalidArgument", status.code())),
            Ok(_) => Err("answered instead of refusing with InvalidArgument".into()),
        }
    }
}
