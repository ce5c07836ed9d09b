//! The shape of the content files, as serde reads them (see `CONTENT.md`).

use std::collections::BTreeMap;

use serde::Deserialize;

/// `card.toml`: the language-independent part of the assistant card.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardFile {
    pub id: String,
    pub organisation_number: String,
    pub homepage: String,
    #[serde(default)]
    pub life_events: Vec<String>,
    #[serde(default)]
    pub profile_attributes: Vec<String>,
    pub contact: ContactFile,
    pub advisor_hours: Option<AdvisorHoursFile>,
    /// Skill id → topic class (e.g. "social-services"); skills not listed are general.
    #[serde(default)]
    pub topics: BTreeMap<String, String>,
    /// Skill id → the agency that owns its questions, where this agency only
    /// stands in for it (`Skill.stands_in_for`).
    #[serde(default)]
    pub stands_in_for: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactFile {
    pub phone: String,
    pub url: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvisorHoursFile {
    pub timezone: String,
    pub days: Vec<String>,
    pub opens: String,
    pub closes: String,
    /// Extra closed days: "MM-DD" every year or "YYYY-MM-DD" once.
    #[serde(default)]
    pub closed_dates: Vec<String>,
}

impl From<&AdvisorHoursFile> for veiviser_proto::agency::v1::AdvisorHours {
    fn from(file: &AdvisorHoursFile) -> Self {
        Self {
            time_zone: file.timezone.clone(),
            days: file.days.clone(),
            opens: file.opens.clone(),
            closes: file.closes.clone(),
            closed_dates: file.closed_dates.clone(),
        }
    }
}

/// `<lang>.toml`: everything the assistant says in one language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageFile {
    pub language: String,
    pub display_name: String,
    /// The name inside a sentence, where it differs from `display_name` ("kommunen").
    #[serde(default)]
    pub name_in_text: Option<String>,
    /// A few words on what the agency answers, for a choice offered to the citizen.
    #[serde(default)]
    pub topics: Option<String>,
    pub description: String,
    pub fallback: String,
    #[serde(default, rename = "life_event")]
    pub life_events: Vec<LifeEventFile>,
    #[serde(default, rename = "intent")]
    pub intents: Vec<IntentFile>,
    /// Additions for citizens whose verified profile matches (see CONTENT.md).
    #[serde(default, rename = "tailoring")]
    pub tailorings: Vec<TailoringFile>,
    /// The concept vocabulary: the words citizens use for what this content answers.
    #[serde(default, rename = "concept")]
    pub concepts: Vec<ConceptFile>,
}

/// A concept and its words in one language (see CONTENT.md). The master's own
/// content declares its concepts in the same shape.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "ConceptInFile")]
pub struct ConceptFile {
    pub id: String,
    /// The intent that answers the concept, if one does.
    pub intent: Option<String>,
    /// The life event the concept means, if it means one.
    pub life_event: Option<String>,
    /// The terms written out, then every combination of the `combine` groups.
    pub terms: Vec<String>,
}

/// The most terms one concept's `combine` groups may make.
pub const MAX_COMBINATIONS: usize = 2_000;

/// A concept as written: its terms, and groups of words whose every
/// combination (one word from each group) is a term too: a way of asking
/// with a thing asked for, say, without writing out every pair.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConceptInFile {
    id: String,
    #[serde(default)]
    intent: Option<String>,
    #[serde(default)]
    life_event: Option<String>,
    #[serde(default)]
    terms: Vec<String>,
    #[serde(default)]
    combine: Vec<Vec<String>>,
}

impl TryFrom<ConceptInFile> for ConceptFile {
    type Error = String;

    fn try_from(file: ConceptInFile) -> Result<Self, String> {
        if file.combine.iter().any(Vec::is_empty) {
            return Err(format!("concept \"{}\": a combine group is empty", file.id));
        }
        let count = file
            .combine
            .iter()
            .try_fold(1usize, |count, group| count.checked_mul(group.len()))
            .filter(|count| *count <= MAX_COMBINATIONS);
        if count.is_none() {
            return Err(format!(
                "concept \"{}\": its combine groups make more than {MAX_COMBINATIONS} terms",
                file.id
            ));
        }
        let mut terms = file.terms;
        if !file.combine.is_empty() {
            let combined = file.combine.iter().fold(vec![String::new()], |so_far, group| {
                so_far
                    .iter()
                    .flat_map(|start| {
                        group
                            .iter()
                            .map(move |word| format!("{start} {word}").trim().to_string())
                    })
                    .collect()
            });
            let mut seen: std::collections::HashSet<String> = terms.iter().map(|t| t.to_lowercase()).collect();
            terms.extend(combined.into_iter().filter(|term| seen.insert(term.to_lowercase())));
        }
        Ok(Self {
            id: file.id,
            intent: file.intent,
            life_event: file.life_event,
            terms,
        })
    }
}

/// An addition to answers for citizens whose profile matches every condition
/// given. Conditions left out match anyone; a condition on an attribute the
/// token does not carry never matches.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TailoringFile {
    /// Intent and life-event ids whose answers get the addition.
    pub applies_to: Vec<String>,
    #[serde(default)]
    pub relation_to_deceased: Vec<String>,
    #[serde(default)]
    pub municipality_number: Vec<String>,
    /// At least one child younger than this many years.
    pub children_under: Option<u8>,
    /// Per child younger than `children_under`: fills `{children_amount}`.
    pub per_child_amount: Option<u64>,
    /// Placeholders: `{children}` (count of such children), `{children_amount}`.
    pub text: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifeEventFile {
    pub id: String,
    pub name: String,
    pub examples: Vec<String>,
    pub answer: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntentFile {
    pub id: String,
    pub name: String,
    pub examples: Vec<String>,
    pub answer: String,
    #[serde(default)]
    pub life_events: Vec<String>,
    #[serde(default)]
    pub human_needed: bool,
    #[serde(default)]
    pub checklist: Vec<ChecklistFile>,
    #[serde(default, rename = "referral")]
    pub referrals: Vec<ReferralFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistFile {
    pub key: String,
    pub title: String,
    pub action: String,
    pub deadline: Option<DeadlineFile>,
    pub when: Option<String>,
    pub link: String,
    /// For a task with no deadline: where it belongs in the plan.
    #[serde(default)]
    pub phase: Option<PhaseName>,
    /// The condition under which the task applies, in this language.
    #[serde(default)]
    pub only_if: Option<String>,
}

/// The plan phases a task without a deadline can be placed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PhaseName {
    FirstDays,
    FirstWeeks,
    SixMonths,
    Later,
}

impl PhaseName {
    /// The name on the wire (`ChecklistItem.phase`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirstDays => "first-days",
            Self::FirstWeeks => "first-weeks",
            Self::SixMonths => "six-months",
            Self::Later => "later",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineFile {
    pub within: u32,
    pub unit: DeadlineUnitName,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineUnitName {
    Days,
    WorkingDays,
    Weeks,
    Months,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferralFile {
    pub agency: String,
    pub name: String,
    pub url: String,
    pub reason: String,
    pub skill: Option<String>,
}

/// Validated content of one agency assistant.
#[derive(Debug, Clone)]
pub struct Content {
    pub(super) card: CardFile,
    /// Keyed by BCP-47 language tag.
    pub(super) languages: BTreeMap<String, LanguageFile>,
    /// A fingerprint of the files, so the master notices edited content.
    pub(super) version: String,
}

impl Content {
    pub fn card(&self) -> &CardFile {
        &self.card
    }

    /// The language files, keyed by language tag, in tag order.
    pub fn languages(&self) -> &BTreeMap<String, LanguageFile> {
        &self.languages
    }

    /// The language file for `tag`, if the agency answers in it.
    pub fn language(&self, tag: &str) -> Option<&LanguageFile> {
        self.languages.get(tag)
    }

    pub fn version(&self) -> &str {
        &self.version
    }
}
