//! The conformance kit: what the master asks of an agency, run by the agency
//! against its own running service before it plugs in (`veiviser
//! conformance <address>`, or [`check`] from its own tests). Every check
//! the master makes of a card and of an answer (the [`contract`] rules),
//! health, an answer for each skill in each language the card lists, the
//! life-event part (with and without the citizen's text), referrals never
//! pointing back along the path they came by, bad input refused with
//! INVALID_ARGUMENT, hostile profile tokens refused with UNAUTHENTICATED and,
//! with the kit's own issuer trusted by the agency, a genuine token accepted
//! ([`tokens`]); with the agency's public key, its signed card.

pub mod tokens;

use std::fmt;
use std::sync::Arc;

use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use veiviser_proto::agency::v1::agency_assistant_client::AgencyAssistantClient;
use veiviser_proto::agency::v1::{AskRequest, AskResponse, AssistantCard, DescribeRequest};
use veiviser_runtime::cards::{self, Registration};
use veiviser_runtime::clock::{Clock, SystemClock, unix_seconds};

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

/// What the kit checks beyond the contract, when the agency's developer asks.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The public key the agency's card is to be signed with (what it will
    /// register); its signed card is checked against it.
    pub card_public_key: Option<String>,
    /// The kit's own issuer, when the agency was started trusting it: a
    /// genuine token must then be accepted, and hostile ones signed with the
    /// trusted key refused.
    pub issuer: Option<Arc<tokens::TokenIssuer>>,
}

/// Runs every check against the agency behind `channel`.
pub async fn check(channel: Channel) -> Report {
    check_with(channel, &Options::default()).await
}

/// Runs every check against the agency behind `channel`, and those `options` ask for.
pub async fn check_with(channel: Channel, options: &Options) -> Report {
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
    if let Some(public_key) = &options.card_public_key {
        report.record("signed card", signed_card(&mut client, &card, public_key).await);
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
    match tokens::hostile_to_any_agency(&card) {
        Ok(hostile) => {
            for (what, token) in hostile {
                let refused = asker.token_refused(&example, &first, &token).await;
                report.record(format!("refuses a profile token {what}"), refused);
            }
        }
        Err(error) => report.record("profile tokens", Err(format!("the kit could not mint tokens: {error}"))),
    }
    if let Some(issuer) = &options.issuer {
        let accepted = asker.ask_with_token(&example, &first, &issuer.genuine(&card)).await;
        report.record("accepts a genuine profile token", accepted.map(|_| ()));
        for (what, token) in issuer.hostile(&card) {
            let refused = asker.token_refused(&example, &first, &token).await;
            report.record(format!("refuses a profile token {what}"), refused);
        }
    }
    report
}

/// The card from `DescribeSigned`: signed with `public_key` for the card's
/// own id and organisation number, and the same card `Describe` serves.
async fn signed_card(
    client: &mut AgencyAssistantClient<Channel>,
    card: &AssistantCard,
    public_key: &str,
) -> Result<(), String> {
    let signed = client
        .describe_signed(with_deadline(DescribeRequest {}))
        .await
        .map_err(|status| {
            format!(
                "DescribeSigned answered {:?}: start the agency with its card key",
                status.code()
            )
        })?
        .into_inner();
    let registered = Registration {
        agency_id: &card.agency_id,
        organisation_number: &card.organisation_number,
        public_key,
    };
    let now = unix_seconds(SystemClock.now());
    cards::verify_card(&signed.signature, &signed.card, registered, now)
        .map_err(|refusal| format!("rule {}: {refusal}", refusal.rule()))?;
    let inside = <AssistantCard as prost::Message>::decode(signed.card.as_slice())
        .map_err(|_| "the signed card is not an encoded AssistantCard".to_string())?;
    if &inside != card {
        return Err("the signed card is not the card Describe serves".into());
    }
    Ok(())
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

    /// Sends the question with `token` as the citizen's profile token.
    async fn send_with_token(
        &mut self,
        text: &str,
        language: &str,
        token: &str,
    ) -> Result<Result<AskResponse, tonic::Status>, String> {
        let mut request = with_deadline(AskRequest {
            text: text.to_string(),
            language: language.to_string(),
            conversation_id: "conformance".into(),
            ..AskRequest::default()
        });
        let value = format!("Bearer {token}")
            .parse()
            .map_err(|_| "the kit made a token that is not valid metadata".to_string())?;
        request.metadata_mut().insert("authorization", value);
        Ok(self.client.ask(request).await.map(tonic::Response::into_inner))
    }

    /// Asks with `token`; the answer is checked by the rules.
    async fn ask_with_token(&mut self, text: &str, language: &str, token: &str) -> Result<AskResponse, String> {
        let answer = self
            .send_with_token(text, language, token)
            .await?
            .map_err(|status| format!("Ask with the token answered {:?}", status.code()))?;
        contract::check_answer(self.card, language, &answer).map_err(|rule| format!("rule {}: {rule}", rule.rule()))?;
        Ok(answer)
    }

    /// The question with `token` is refused with UNAUTHENTICATED.
    async fn token_refused(&mut self, text: &str, language: &str, token: &str) -> Result<(), String> {
        match self.send_with_token(text, language, token).await? {
            Err(status) if status.code() == tonic::Code::Unauthenticated => Ok(()),
            Err(status) => Err(format!("refused with {:?}, not Unauthenticated", status.code())),
            Ok(_) => Err("answered instead of refusing the token with Unauthenticated".into()),
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
