//! One look at one agency: its card (plain, or signed and checked against
//! the registry's entry) or its gRPC health, and what is wrong when the look
//! fails. No state: the network records the outcome.

use std::time::Duration;

use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use veiviser_agency_sdk::contract::{self, Violation};
use veiviser_proto::agency::v1::{AssistantCard, DescribeRequest};
use veiviser_proto::registry::v1::RegisteredAgency;
use veiviser_runtime::cards::{self, Registration, SignatureRefusal};

use super::client::{AgencyClient, AgencyHealth, too_large};

/// What is wrong with an agency, as `veiviser agencies` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The card breaks a rule of the contract: refused, out of routing.
    Refused(Violation),
    /// A registered agency's card is unsigned, or its signature or identity
    /// does not match the registration: refused, out of routing.
    Unverified(SignatureRefusal),
    /// `Describe` or the health check failed with this status.
    Unreachable(tonic::Code),
    /// gRPC health answered, with a status other than SERVING.
    NotServing,
}

impl Problem {
    /// Whether the agency is out of routing for it (its card is not believed).
    pub fn refuses_card(self) -> bool {
        matches!(self, Self::Refused(_) | Self::Unverified(_))
    }

    /// A short stable name of the rule or status, for logs.
    pub fn rule(self) -> &'static str {
        match self {
            Self::Refused(rule) => rule.rule(),
            Self::Unverified(refusal) => refusal.rule(),
            Self::Unreachable(_) => "unreachable",
            Self::NotServing => "not-serving",
        }
    }

    /// A sentence for operators: the rule broken, or the status received.
    pub fn reason(self) -> String {
        match self {
            Self::Refused(rule) => format!("{rule} ({})", rule.rule()),
            Self::Unverified(refusal) => format!("{refusal} ({})", refusal.rule()),
            Self::Unreachable(code) => format!("check failed: {}", code.description()),
            Self::NotServing => "gRPC health says it is not serving".into(),
        }
    }
}

/// Fetches the card of a configured agency with `Describe`, or of a
/// registered one with `DescribeSigned`, checked against `registered` at
/// `now` (seconds since the epoch, from the master's clock).
pub async fn card(
    client: &mut AgencyClient,
    registered: Option<&RegisteredAgency>,
    timeout: Duration,
    now: i64,
) -> Result<AssistantCard, Problem> {
    let mut request = tonic::Request::new(DescribeRequest {});
    request.set_timeout(timeout);
    let card = match registered {
        None => match tokio::time::timeout(timeout, client.describe(request)).await {
            Ok(Ok(card)) => card.into_inner(),
            Ok(Err(status)) => return Err(failed(&status)),
            Err(_) => return Err(Problem::Unreachable(tonic::Code::DeadlineExceeded)),
        },
        Some(entry) => match tokio::time::timeout(timeout, client.describe_signed(request)).await {
            Ok(Ok(signed)) => verified(&signed.into_inner(), entry, now)?,
            // An agency older than 1.2, or one without a key: nothing to believe.
            Ok(Err(status))
                if matches!(
                    status.code(),
                    tonic::Code::Unimplemented | tonic::Code::FailedPrecondition
                ) =>
            {
                return Err(Problem::Unverified(SignatureRefusal::Unsigned));
            }
            Ok(Err(status)) => return Err(failed(&status)),
            Err(_) => return Err(Problem::Unreachable(tonic::Code::DeadlineExceeded)),
        },
    };
    contract::check_card(&card).map_err(Problem::Refused)?;
    if let Some(entry) = registered {
        cards::check_identity(
            &card.agency_id,
            &card.organisation_number,
            &card.profile_attributes,
            registration(entry),
            &entry.allowed_profile_attributes,
        )
        .map_err(Problem::Unverified)?;
    }
    Ok(card)
}

/// The card inside `signed`, once its signature holds for `entry`.
fn verified(
    signed: &veiviser_proto::agency::v1::SignedCard,
    entry: &RegisteredAgency,
    now: i64,
) -> Result<AssistantCard, Problem> {
    cards::verify_card(&signed.signature, &signed.card, registration(entry), now).map_err(Problem::Unverified)?;
    <AssistantCard as prost::Message>::decode(signed.card.as_slice())
        .map_err(|_| Problem::Unverified(SignatureRefusal::Malformed))
}

fn registration(entry: &RegisteredAgency) -> Registration<'_> {
    Registration {
        agency_id: &entry.agency_id,
        organisation_number: &entry.organisation_number,
        public_key: &entry.public_key,
    }
}

/// Asks gRPC health whether the agency's server is serving.
pub async fn health(client: &mut AgencyHealth, timeout: Duration) -> Result<(), Problem> {
    let mut request = tonic::Request::new(HealthCheckRequest { service: String::new() });
    request.set_timeout(timeout);
    match tokio::time::timeout(timeout, client.check(request)).await {
        Ok(Ok(response)) if response.get_ref().status() == ServingStatus::Serving => Ok(()),
        Ok(Ok(_)) => Err(Problem::NotServing),
        // No health service: the card's fetch is its health, and that is checked too.
        Ok(Err(status)) if status.code() == tonic::Code::Unimplemented => Ok(()),
        Ok(Err(status)) => Err(failed(&status)),
        Err(_) => Err(Problem::Unreachable(tonic::Code::DeadlineExceeded)),
    }
}

fn failed(status: &tonic::Status) -> Problem {
    // Larger than the client decodes: the card-size rule.
    if too_large(status) {
        Problem::Refused(Violation::CardTooLarge)
    } else {
        Problem::Unreachable(status.code())
    }
}
