//! The rules of the agency contract that a receiver checks on what an agency
//! sends: its card and its answers. The master applies them to every agency it
//! talks to, whatever language the agency is written in; the SDK applies the
//! card rules to its own card when content loads, so an SDK agency can never
//! serve a card the master refuses. Each rule is one [`Violation`], with a
//! short stable name for logs and metrics and a sentence that never repeats
//! the offending value.

use std::collections::HashSet;
use std::fmt;

use prost::Message;
use veiviser_proto::agency::v1::{AskResponse, AssistantCard, LocalizedText, TaskState};
use veiviser_runtime::tokens::PROFILE_ATTRIBUTES;

/// The version of the agency contract this SDK implements ("major.minor").
pub const CONTRACT_VERSION: &str = "1.2";
/// The contract major versions a receiver knows. A card with another major
/// version is refused; minor versions only add fields and are all accepted.
pub const KNOWN_CONTRACT_MAJORS: [u32; 1] = [1];
/// The largest card accepted, encoded.
pub const MAX_CARD_BYTES: usize = 1024 * 1024;
/// The longest answer text accepted, in characters.
pub const MAX_ANSWER_CHARS: usize = 8_000;
/// The most checklist items one answer may carry.
pub const MAX_CHECKLIST_ITEMS: usize = 40;
/// The most referrals one answer may carry.
pub const MAX_REFERRALS: usize = 8;
/// The longest identifier (agency, skill, life event, concept, checklist key).
pub use veiviser_runtime::cards::MAX_ID_CHARS;
/// The largest number a relative deadline may count (in any unit).
pub const MAX_DEADLINE: u32 = 3_650;
/// The phases a checklist item without a deadline may name.
pub const PHASES: [&str; 4] = ["first-days", "first-weeks", "six-months", "later"];
/// The longest condition (`only_if`) of a checklist item, in characters.
pub const MAX_CONDITION_CHARS: usize = 300;

/// One broken rule of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    CardTooLarge,
    AgencyId,
    OrganisationNumber,
    NoDisplayName,
    NoLanguages,
    LanguageTag,
    DuplicateLanguage,
    TextInUndeclaredLanguage,
    SkillId,
    DuplicateSkill,
    LifeEventId,
    DuplicateLifeEvent,
    ConceptId,
    DuplicateConcept,
    ProfileAttribute,
    ContractVersion,
    /// Another address in the network already serves this agency id.
    AgencyIdTaken,
    AnswerFromAnotherAgency,
    UnknownSkill,
    Deadline,
    AnswerLanguage,
    AnswerState,
    EmptyAnswer,
    AnswerTooLong,
    Confidence,
    TooManyItems,
    ItemKey,
    ItemTitle,
    ItemOfAnotherAgency,
    ItemPhase,
    TooManyReferrals,
    ReferralAgencyId,
    StandsInFor,
}

impl Violation {
    /// A short stable name, for log fields and metric labels.
    pub fn rule(self) -> &'static str {
        match self {
            Self::CardTooLarge => "card-too-large",
            Self::AgencyId => "agency-id",
            Self::OrganisationNumber => "organisation-number",
            Self::NoDisplayName => "no-display-name",
            Self::NoLanguages => "no-languages",
            Self::LanguageTag => "language-tag",
            Self::DuplicateLanguage => "duplicate-language",
            Self::TextInUndeclaredLanguage => "text-in-undeclared-language",
            Self::SkillId => "skill-id",
            Self::DuplicateSkill => "duplicate-skill",
            Self::LifeEventId => "life-event-id",
            Self::DuplicateLifeEvent => "duplicate-life-event",
            Self::ConceptId => "concept-id",
            Self::DuplicateConcept => "duplicate-concept",
            Self::ProfileAttribute => "profile-attribute",
            Self::ContractVersion => "contract-version",
            Self::AgencyIdTaken => "agency-id-taken",
            Self::AnswerFromAnotherAgency => "answer-from-another-agency",
            Self::UnknownSkill => "unknown-skill",
            Self::Deadline => "deadline",
            Self::AnswerLanguage => "answer-language",
            Self::AnswerState => "answer-state",
            Self::EmptyAnswer => "empty-answer",
            Self::AnswerTooLong => "answer-too-long",
            Self::Confidence => "confidence",
            Self::TooManyItems => "too-many-items",
            Self::ItemKey => "item-key",
            Self::ItemTitle => "item-title",
            Self::ItemOfAnotherAgency => "item-of-another-agency",
            Self::ItemPhase => "item-phase",
            Self::TooManyReferrals => "too-many-referrals",
            Self::ReferralAgencyId => "referral-agency-id",
            Self::StandsInFor => "stands-in-for",
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sentence = match self {
            Self::CardTooLarge => format!("the card is larger than {MAX_CARD_BYTES} bytes"),
            Self::AgencyId => format!("agency_id must be 1–{MAX_ID_CHARS} of a-z, 0-9 and '-'"),
            Self::OrganisationNumber => {
                "organisation_number must be 9 digits with a valid check digit (modulus 11)".into()
            }
            Self::NoDisplayName => "display_name must have a text in at least one language".into(),
            Self::NoLanguages => "languages must list at least one language".into(),
            Self::LanguageTag => "a language is not a well-formed BCP-47 tag".into(),
            Self::DuplicateLanguage => "a language is listed twice".into(),
            Self::TextInUndeclaredLanguage => "a text is in a language the card does not list".into(),
            Self::SkillId => format!("a skill id must be 1–{MAX_ID_CHARS} of a-z, 0-9 and '-'"),
            Self::DuplicateSkill => "two skills have the same id".into(),
            Self::LifeEventId => format!("a life event id must be 1–{MAX_ID_CHARS} of a-z, 0-9 and '-'"),
            Self::DuplicateLifeEvent => "two life events have the same id".into(),
            Self::ConceptId => format!("a concept id must be 1–{MAX_ID_CHARS} of a-z, 0-9 and '-'"),
            Self::DuplicateConcept => "two concepts have the same id".into(),
            Self::ProfileAttribute => {
                format!(
                    "profile_attributes must be distinct names from: {}",
                    PROFILE_ATTRIBUTES.join(", ")
                )
            }
            Self::ContractVersion => format!(
                "contract_version must be \"major.minor\" with a known major ({})",
                KNOWN_CONTRACT_MAJORS.map(|m| m.to_string()).join(", ")
            ),
            Self::AgencyIdTaken => "another address in the network already serves this agency_id".into(),
            Self::AnswerFromAnotherAgency => "the answer's agency_id is not the agency that was asked".into(),
            Self::UnknownSkill => "the answer names a skill the card does not declare".into(),
            Self::Deadline => format!("a checklist deadline must count from 1 to {MAX_DEADLINE}"),
            Self::AnswerLanguage => "the answer is not in the language that was asked".into(),
            Self::AnswerState => "the answer has no state".into(),
            Self::EmptyAnswer => "a completed answer or a question back has no text".into(),
            Self::AnswerTooLong => format!("the answer is longer than {MAX_ANSWER_CHARS} characters"),
            Self::Confidence => "confidence must be a number from 0.0 to 1.0".into(),
            Self::TooManyItems => format!("an answer may carry at most {MAX_CHECKLIST_ITEMS} checklist items"),
            Self::ItemKey => format!("a checklist key must be 1–{MAX_ID_CHARS} of a-z, 0-9 and '-'"),
            Self::ItemTitle => "a checklist item has no title".into(),
            Self::ItemOfAnotherAgency => "a checklist item names another agency as its owner".into(),
            Self::ItemPhase => format!(
                "a checklist item's phase must be empty or one of {}; its condition at most {MAX_CONDITION_CHARS} characters",
                PHASES.join(", ")
            ),
            Self::TooManyReferrals => format!("an answer may carry at most {MAX_REFERRALS} referrals"),
            Self::ReferralAgencyId => "a referral's agency_id or skill_id is not a valid id".into(),
            Self::StandsInFor => "a skill's stands_in_for must be empty or another agency's id".into(),
        };
        f.write_str(&sentence)
    }
}

pub use veiviser_runtime::cards::{is_identifier, is_organisation_number};

/// A well-formed BCP-47 language tag (RFC 5646).
pub fn is_language_tag(text: &str) -> bool {
    oxilangtag::LanguageTag::parse(text).is_ok()
}

/// Checks a card against every card rule, in the order they are listed.
pub fn check_card(card: &AssistantCard) -> Result<(), Violation> {
    if card.encoded_len() > MAX_CARD_BYTES {
        return Err(Violation::CardTooLarge);
    }
    check_contract_version(&card.contract_version)?;
    if !is_identifier(&card.agency_id) {
        return Err(Violation::AgencyId);
    }
    if !is_organisation_number(&card.organisation_number) {
        return Err(Violation::OrganisationNumber);
    }
    if card.languages.is_empty() {
        return Err(Violation::NoLanguages);
    }
    if !card.languages.iter().all(|tag| is_language_tag(tag)) {
        return Err(Violation::LanguageTag);
    }
    // Language tags are case-insensitive (RFC 5646): compared lowercased.
    let declared: Vec<String> = card.languages.iter().map(|tag| tag.to_ascii_lowercase()).collect();
    distinct(declared.iter().map(String::as_str), Violation::DuplicateLanguage)?;
    if !card.display_name.iter().any(|t| !t.text.trim().is_empty()) {
        return Err(Violation::NoDisplayName);
    }
    let in_declared = |texts: &[LocalizedText]| {
        texts
            .iter()
            .all(|t| declared.iter().any(|tag| tag.eq_ignore_ascii_case(&t.language)))
    };
    let texts_declared = in_declared(&card.display_name)
        && in_declared(&card.description)
        && in_declared(&card.name_in_text)
        && in_declared(&card.topics)
        && card
            .skills
            .iter()
            .all(|s| in_declared(&s.name) && in_declared(&s.examples))
        && card
            .life_events
            .iter()
            .all(|e| in_declared(&e.name) && in_declared(&e.examples))
        && card.concepts.iter().all(|c| in_declared(&c.terms));
    if !texts_declared {
        return Err(Violation::TextInUndeclaredLanguage);
    }
    ids(
        card.skills.iter().map(|s| s.id.as_str()),
        Violation::SkillId,
        Violation::DuplicateSkill,
    )?;
    let stands_in_for_ok = card
        .skills
        .iter()
        .all(|s| s.stands_in_for.is_empty() || (is_identifier(&s.stands_in_for) && s.stands_in_for != card.agency_id));
    if !stands_in_for_ok {
        return Err(Violation::StandsInFor);
    }
    ids(
        card.life_events.iter().map(|e| e.id.as_str()),
        Violation::LifeEventId,
        Violation::DuplicateLifeEvent,
    )?;
    ids(
        card.concepts.iter().map(|c| c.id.as_str()),
        Violation::ConceptId,
        Violation::DuplicateConcept,
    )?;
    if !card
        .profile_attributes
        .iter()
        .all(|a| PROFILE_ATTRIBUTES.contains(&a.as_str()))
    {
        return Err(Violation::ProfileAttribute);
    }
    distinct(
        card.profile_attributes.iter().map(String::as_str),
        Violation::ProfileAttribute,
    )
}

/// "major.minor", both numbers, the major one known.
fn check_contract_version(version: &str) -> Result<(), Violation> {
    let parsed = version
        .split_once('.')
        .and_then(|(major, minor)| Some((major.parse::<u32>().ok()?, minor.parse::<u32>().ok()?)));
    match parsed {
        Some((major, _)) if KNOWN_CONTRACT_MAJORS.contains(&major) => Ok(()),
        _ => Err(Violation::ContractVersion),
    }
}

fn ids<'a>(ids: impl Iterator<Item = &'a str> + Clone, shape: Violation, twice: Violation) -> Result<(), Violation> {
    if !ids.clone().all(is_identifier) {
        return Err(shape);
    }
    distinct(ids, twice)
}

fn distinct<'a>(values: impl Iterator<Item = &'a str>, twice: Violation) -> Result<(), Violation> {
    let mut seen = HashSet::new();
    if values.into_iter().all(|value| seen.insert(value)) {
        Ok(())
    } else {
        Err(twice)
    }
}

/// Checks an answer from the agency whose card is `card` to a question in
/// `asked_language`. Checklist items with no owner are accepted: they are
/// the answering agency's, and the receiver fills in its id.
pub fn check_answer(card: &AssistantCard, asked_language: &str, answer: &AskResponse) -> Result<(), Violation> {
    let asked_agency = card.agency_id.as_str();
    if answer.agency_id != asked_agency {
        return Err(Violation::AnswerFromAnotherAgency);
    }
    if !answer.language.eq_ignore_ascii_case(asked_language) {
        return Err(Violation::AnswerLanguage);
    }
    if !answer.skill_id.is_empty() && !card.skills.iter().any(|s| s.id == answer.skill_id) {
        return Err(Violation::UnknownSkill);
    }
    let state = TaskState::try_from(answer.state).unwrap_or(TaskState::Unspecified);
    if state == TaskState::Unspecified {
        return Err(Violation::AnswerState);
    }
    if matches!(state, TaskState::Completed | TaskState::InputRequired) && answer.text.trim().is_empty() {
        return Err(Violation::EmptyAnswer);
    }
    if answer.text.chars().count() > MAX_ANSWER_CHARS {
        return Err(Violation::AnswerTooLong);
    }
    if !(0.0..=1.0).contains(&answer.confidence) {
        return Err(Violation::Confidence);
    }
    if answer.checklist.len() > MAX_CHECKLIST_ITEMS {
        return Err(Violation::TooManyItems);
    }
    for item in &answer.checklist {
        if !is_identifier(&item.key) {
            return Err(Violation::ItemKey);
        }
        if item.title.trim().is_empty() {
            return Err(Violation::ItemTitle);
        }
        if !item.agency_id.is_empty() && item.agency_id != asked_agency {
            return Err(Violation::ItemOfAnotherAgency);
        }
        if item
            .deadline
            .as_ref()
            .is_some_and(|d| !(1..=MAX_DEADLINE).contains(&d.within))
        {
            return Err(Violation::Deadline);
        }
        if !(item.phase.is_empty() || PHASES.contains(&item.phase.as_str()))
            || item.only_if.chars().count() > MAX_CONDITION_CHARS
        {
            return Err(Violation::ItemPhase);
        }
    }
    if answer.referrals.len() > MAX_REFERRALS {
        return Err(Violation::TooManyReferrals);
    }
    if !answer
        .referrals
        .iter()
        .all(|r| is_identifier(&r.agency_id) && (r.skill_id.is_empty() || is_identifier(&r.skill_id)))
    {
        return Err(Violation::ReferralAgencyId);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use veiviser_proto::agency::v1::{ChecklistItem, Referral, Skill};

    /// A change that breaks one rule.
    type Fault<T> = fn(&mut T);

    fn card() -> AssistantCard {
        AssistantCard {
            agency_id: "domstol".into(),
            organisation_number: "974761076".into(),
            languages: vec!["nb".into(), "en".into()],
            display_name: vec![LocalizedText {
                language: "nb".into(),
                text: "Domstolene".into(),
            }],
            skills: vec![Skill {
                id: "skifte".into(),
                ..Default::default()
            }],
            profile_attributes: vec!["date_of_death".into()],
            contract_version: "1.3".into(),
            ..Default::default()
        }
    }

    fn answer() -> AskResponse {
        AskResponse {
            agency_id: "domstol".into(),
            language: "nb".into(),
            text: "Svar.".into(),
            state: TaskState::Completed.into(),
            confidence: 0.7,
            checklist: vec![ChecklistItem {
                key: "skifte-60".into(),
                title: "Velg skifteform".into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn a_sound_card_and_answer_pass() {
        assert_eq!(check_card(&card()), Ok(()));
        assert_eq!(check_answer(&card(), "nb", &answer()), Ok(()));
        let mut shouting = answer();
        shouting.language = "NB".into();
        assert_eq!(
            check_answer(&card(), "nb", &shouting),
            Ok(()),
            "tags are case-insensitive"
        );
    }

    #[test]
    fn each_card_rule_refuses_its_fault() {
        let cases: [(Fault<AssistantCard>, Violation); 13] = [
            (|c| c.languages.push("NB".into()), Violation::DuplicateLanguage),
            (|c| c.agency_id.clear(), Violation::AgencyId),
            (|c| c.agency_id = "NAV!".into(), Violation::AgencyId),
            (
                |c| c.organisation_number = "974761077".into(),
                Violation::OrganisationNumber,
            ),
            (|c| c.languages.clear(), Violation::NoLanguages),
            (|c| c.languages.push("xx_!!".into()), Violation::LanguageTag),
            (|c| c.languages.push("nb".into()), Violation::DuplicateLanguage),
            (|c| c.display_name.clear(), Violation::NoDisplayName),
            (
                |c| c.display_name[0].language = "sv".into(),
                Violation::TextInUndeclaredLanguage,
            ),
            (|c| c.skills.push(c.skills[0].clone()), Violation::DuplicateSkill),
            (
                |c| c.profile_attributes.push("salary".into()),
                Violation::ProfileAttribute,
            ),
            (|c| c.contract_version = "2.0".into(), Violation::ContractVersion),
            (
                |c| {
                    c.description.push(LocalizedText {
                        language: "nb".into(),
                        text: "x".repeat(MAX_CARD_BYTES),
                    })
                },
                Violation::CardTooLarge,
            ),
        ];
        for (fault, expected) in cases {
            let mut card = card();
            fault(&mut card);
            assert_eq!(check_card(&card), Err(expected), "{}", expected.rule());
        }
    }

    #[test]
    fn each_answer_rule_refuses_its_fault() {
        let cases: [(Fault<AskResponse>, Violation); 14] = [
            (|a| a.checklist[0].phase = "soon".into(), Violation::ItemPhase),
            (|a| a.skill_id = "far-dode-i-gar".into(), Violation::UnknownSkill),
            (
                |a| {
                    a.checklist[0].deadline = Some(veiviser_proto::agency::v1::RelativeDeadline {
                        within: u32::MAX,
                        unit: 2,
                    })
                },
                Violation::Deadline,
            ),
            (
                |a| {
                    a.referrals = vec![Referral {
                        agency_id: "nav".into(),
                        skill_id: "Hva gjør jeg".into(),
                        ..Default::default()
                    }]
                },
                Violation::ReferralAgencyId,
            ),
            (|a| a.agency_id = "nav".into(), Violation::AnswerFromAnotherAgency),
            (|a| a.language = "en".into(), Violation::AnswerLanguage),
            (|a| a.state = 0, Violation::AnswerState),
            (|a| a.text = " \n".into(), Violation::EmptyAnswer),
            (|a| a.text = "å".repeat(MAX_ANSWER_CHARS + 1), Violation::AnswerTooLong),
            (|a| a.confidence = f32::NAN, Violation::Confidence),
            (
                |a| a.checklist[0].agency_id = "nav".into(),
                Violation::ItemOfAnotherAgency,
            ),
            (|a| a.checklist[0].title.clear(), Violation::ItemTitle),
            (
                |a| a.checklist = vec![a.checklist[0].clone(); MAX_CHECKLIST_ITEMS + 1],
                Violation::TooManyItems,
            ),
            (
                |a| {
                    a.referrals = vec![Referral {
                        agency_id: String::new(),
                        ..Default::default()
                    }]
                },
                Violation::ReferralAgencyId,
            ),
        ];
        for (fault, expected) in cases {
            let mut answer = answer();
            fault(&mut answer);
            assert_eq!(
                check_answer(&card(), "nb", &answer),
                Err(expected),
                "{}",
                expected.rule()
            );
        }
    }

    #[test]
    fn a_refusal_that_names_no_text_is_allowed_empty() {
        let mut answer = answer();
        answer.state = TaskState::Rejected.into();
        answer.text.clear();
        assert_eq!(check_answer(&card(), "nb", &answer), Ok(()));
    }

    #[test]
    fn check_digits() {
        for real in ["889640782", "974761076", "958935420"] {
            assert!(is_organisation_number(real), "{real}");
        }
        for wrong in ["889640781", "88964078", "8896407820", "88964078x", ""] {
            assert!(!is_organisation_number(wrong), "{wrong}");
        }
    }
}
