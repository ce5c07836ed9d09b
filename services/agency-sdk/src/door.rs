//! The agency's own check at its door, behind the master's: a question that
//! still holds a valid identity, account, IBAN or card number is masked again
//! before the assistant reads, logs or stores it, and counted, so a miss at
//! the master is caught here too.

use veiviser_masking::{EntityKind, Masker};
use veiviser_proto::agency::v1::AskRequest;

use crate::metrics::AgencyMetrics;

/// The kinds checked again here: those a check digit vouches for.
const CHECKED: [EntityKind; 4] = [
    EntityKind::NationalIdentityNumber,
    EntityKind::AccountNumber,
    EntityKind::Iban,
    EntityKind::PaymentCard,
];

/// Masks what the master missed; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct DoorCheck {
    masker: Masker,
    metrics: AgencyMetrics,
}

impl DoorCheck {
    pub fn new(metrics: AgencyMetrics) -> Self {
        Self {
            masker: Masker::default().only(CHECKED),
            metrics,
        }
    }

    /// The request with its text masked again, if it held anything checked.
    pub fn check(&self, agency: &str, request: &AskRequest) -> Option<AskRequest> {
        let masked = self.masker.mask(&request.text);
        if masked.found.is_empty() {
            return None;
        }
        let kinds: Vec<&'static str> = masked.kinds().into_iter().map(EntityKind::id).collect();
        for found in &masked.found {
            self.metrics.count_remasked(found.kind.id());
        }
        tracing::warn!(
            %agency,
            kinds = %kinds.join(","),
            "a question held personal data the master should have masked; masked again"
        );
        Some(AskRequest {
            text: masked.text,
            ..request.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_identity_or_account_number_is_masked_again_and_counted() {
        let metrics = AgencyMetrics::default();
        let door = DoorCheck::new(metrics.clone());
        let request = AskRequest {
            text: "fnr 12835012180\u{a0}og konto 8601. 11. 17947, ring 41262134".to_string(),
            ..Default::default()
        };
        let checked = door.check("nav", &request).expect("masked");
        assert_eq!(
            checked.text,
            "fnr ⟨fødselsnummer⟩\u{a0}og konto ⟨kontonummer⟩, ring 41262134"
        );
        assert_eq!(metrics.remasked("fodselsnummer"), 1);
        assert_eq!(metrics.remasked("kontonummer"), 1);
        assert!(
            metrics
                .encode()
                .contains("veiviser_agency_remasked_total{kind=\"fodselsnummer\"} 1")
        );
    }

    #[test]
    fn a_masked_question_passes_unchanged() {
        let door = DoorCheck::new(AgencyMetrics::default());
        let request = AskRequest {
            text: "fnr ⟨fødselsnummer⟩, har jeg krav på barnetrygd? Saksnummer 12345678901".to_string(),
            ..Default::default()
        };
        assert!(door.check("nav", &request).is_none());
    }
}
