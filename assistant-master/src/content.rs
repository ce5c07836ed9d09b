//! The master's own content: its reply texts and the examples of its own
//! intents (talk to a human, greetings, thanks, capabilities, out of scope),
//! per language, from TOML files like the agencies' content.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use veiviser_agency_sdk::content::{ConceptFile, check_concepts};

use crate::error::Error;

const EMBEDDED: [(&str, &str); 3] = [
    ("nb", include_str!("../content/nb.toml")),
    ("nn", include_str!("../content/nn.toml")),
    ("en", include_str!("../content/en.toml")),
];

/// The language used when a request names none.
pub const DEFAULT_LANGUAGE: &str = "nb";

/// The master's texts and intents in every language it speaks.
#[derive(Debug, Clone)]
pub struct MasterContent {
    languages: BTreeMap<String, MasterLanguage>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MasterLanguage {
    pub language: String,
    pub texts: Texts,
    #[serde(rename = "intent")]
    pub intents: Vec<MasterIntentFile>,
    /// The master's part of the concept vocabulary: asking for a person,
    /// someone having died, other public services (see CONTENT.md).
    #[serde(default, rename = "concept")]
    pub concepts: Vec<ConceptFile>,
    /// Words that begin a question ("hvordan", "kva", "how" …): in a message
    /// without a question mark, what follows one is what is asked.
    #[serde(default)]
    pub question_words: Vec<String>,
    /// The web page's texts by key (labels, buttons, notices), with `{name}`
    /// placeholders the page fills; every language has the same keys.
    pub page: BTreeMap<String, String>,
    /// The privacy and accessibility statements the web endpoint serves.
    pub statement: Statements,
}

/// The statements a public service publishes about itself, in one language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statements {
    /// Personvernerklæring: what is stored, for how long, who is responsible, the citizen's rights.
    pub privacy: Statement,
    /// Tilgjengelighetserklæring: the standard met, how it is tested, limits, where to complain.
    pub accessibility: Statement,
}

/// One statement: a title, a summary and sections of plain paragraphs, with
/// the placeholders `{operator}`, `{operator_contact}`, `{retention_days}`
/// and `{idle_minutes}` filled from the master's configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    pub title: String,
    pub summary: String,
    #[serde(rename = "section")]
    pub sections: Vec<StatementSection>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementSection {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

/// Reply texts; `{name}` placeholders are filled by [`fill`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    pub welcome: String,
    pub out_of_scope: String,
    /// For a message nothing in the network recognises: not understood, which is not "can't help".
    pub not_understood: String,
    pub clarify: String,
    pub clarify_life_event: String,
    /// A choice between agencies: `{topics}` (what it answers), `{agency}` (its name).
    pub clarify_choice: String,
    pub life_event_intro: String,
    pub agency_unavailable: String,
    pub referral_unconnected: String,
    pub referral_followed: String,
    pub human_intro: String,
    pub human_agency_line: String,
    pub human_agency_hours: String,
    pub no_agencies: String,
    pub group_first_days: String,
    pub group_first_weeks: String,
    pub group_six_months: String,
    pub group_later: String,
    pub group_no_deadline: String,
    pub group_only_if: String,
    /// The words that join the last two names of a list ("og", "eller").
    pub list_and: String,
    pub list_or: String,
    pub deadline_days: String,
    pub deadline_working_days: String,
    pub deadline_weeks: String,
    pub deadline_months: String,
    pub from_agency: String,
    pub weekdays: String,
    /// The days of the week, Monday first.
    pub day_names: [String; 7],
    /// The months, January first.
    pub month_names: [String; 12],
    /// A calendar day: `{weekday}`, `{day}`, `{month}`, `{year}`.
    pub date: String,
    /// A deadline with its day worked out: `{deadline}`, `{date}`.
    pub deadline_due: String,
    /// What the plan's days are counted from: `{date}`.
    pub plan_counted_from: String,
    /// Phrases for a day counted back from today ("i går" = 1), to read a date of death.
    pub days_ago: std::collections::BTreeMap<String, u32>,
    /// Words before a weekday that put it in the past ("sist søndag").
    pub past_day_markers: Vec<String>,
    pub transcript_title: String,
    pub transcript_masked: String,
    pub transcript_deleted_at_end: String,
    pub transcript_kept_days: String,
    pub transcript_citizen: String,
    pub transcript_assistant: String,
    pub handover_offer_asked: String,
    pub handover_offer_not_understood: String,
    pub handover_offer_agency: String,
    pub handover_closed: String,
    pub handover_next_opening: String,
    /// How else to reach an agency, by what its card gives.
    pub reach_phone_and_url: String,
    pub reach_phone: String,
    pub reach_url: String,
    pub handover_queued: String,
    pub handover_with_advisor: String,
    pub handover_handed_back: String,
    pub handover_closed_by_advisor: String,
    pub handover_left: String,
    /// The citizen left the queue before an advisor took the conversation.
    pub handover_left_queue: String,
    pub handover_session_ended: String,
    pub transcript_advisor: String,
    pub date_time: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MasterIntentFile {
    pub id: String,
    pub examples: Vec<String>,
    pub answer: String,
}

impl MasterContent {
    /// The content compiled into the binary.
    pub fn embedded() -> Result<Self, Error> {
        Self::from_texts(EMBEDDED.iter().map(|(tag, text)| (tag.to_string(), text.to_string())))
    }

    /// Reads `<lang>.toml` files from `dir`.
    pub fn from_dir(dir: &Path) -> Result<Self, Error> {
        let mut files = Vec::new();
        for (tag, _) in EMBEDDED {
            let path = dir.join(format!("{tag}.toml"));
            let text =
                std::fs::read_to_string(&path).map_err(|e| Error::Content(format!("{}: {e}", path.display())))?;
            files.push((tag.to_string(), text));
        }
        Self::from_texts(files)
    }

    fn from_texts(files: impl IntoIterator<Item = (String, String)>) -> Result<Self, Error> {
        let mut languages = BTreeMap::new();
        for (tag, text) in files {
            let language: MasterLanguage =
                toml::from_str(&text).map_err(|e| Error::Content(format!("{tag}.toml: {e}")))?;
            if language.language != tag {
                return Err(Error::Content(format!(
                    "{tag}.toml declares language \"{}\"",
                    language.language
                )));
            }
            for intent in &language.intents {
                if MasterIntent::from_id(&intent.id).is_none() {
                    return Err(Error::Content(format!(
                        "{tag}.toml: unknown master intent \"{}\"",
                        intent.id
                    )));
                }
            }
            check_concepts(
                &format!("{tag}.toml"),
                &language.concepts,
                |intent| language.intents.iter().any(|i| i.id == intent),
                // The agencies declare life events; the master's concepts may name any.
                |_| true,
            )
            .map_err(|error| Error::Content(error.to_string()))?;
            languages.insert(tag, language);
        }
        let Some(default) = languages.get(DEFAULT_LANGUAGE) else {
            return Err(Error::Content(format!("no {DEFAULT_LANGUAGE}.toml")));
        };
        for (tag, language) in &languages {
            check_page_texts(tag, &language.page, &default.page)?;
            check_statements(tag, &language.statement)?;
        }
        Ok(Self { languages })
    }

    /// The language `tag`, or an error naming the languages there are.
    pub fn language(&self, tag: &str) -> Result<&MasterLanguage, Error> {
        let tag = if tag.is_empty() { DEFAULT_LANGUAGE } else { tag };
        self.languages.get(tag).ok_or_else(|| {
            let known: Vec<&str> = self.languages.keys().map(String::as_str).collect();
            // The value is not echoed: it is the client's input, of any length.
            Error::InvalidArgument(format!(
                "the language is not supported; use one of {}",
                known.join(", ")
            ))
        })
    }

    /// True when the master has texts in `tag`.
    pub fn speaks(&self, tag: &str) -> bool {
        self.languages.contains_key(tag)
    }

    pub fn languages(&self) -> impl Iterator<Item = &MasterLanguage> {
        self.languages.values()
    }
}

impl Texts {
    /// The name of `day` in this language.
    pub fn day_name(&self, day: jiff::civil::Weekday) -> &str {
        &self.day_names[usize::from(day.to_monday_zero_offset().unsigned_abs())]
    }
}

impl MasterLanguage {
    /// The page text `key` (the `[page]` table), or the key itself if missing.
    pub fn page_text<'a>(&'a self, key: &'a str) -> &'a str {
        self.page.get(key).map_or(key, String::as_str)
    }

    /// The fixed answer of one of the master's own intents.
    pub fn answer(&self, intent_id: &str) -> &str {
        self.intents
            .iter()
            .find(|i| i.id == intent_id)
            .map(|i| i.answer.as_str())
            .unwrap_or_default()
    }
}

/// A language's page texts have the default language's keys, and each text
/// the same `{name}` placeholders, so the page never shows a bare key.
fn check_page_texts(
    tag: &str,
    page: &BTreeMap<String, String>,
    default: &BTreeMap<String, String>,
) -> Result<(), Error> {
    let missing: Vec<&str> = default
        .keys()
        .filter(|k| !page.contains_key(*k))
        .map(String::as_str)
        .collect();
    let extra: Vec<&str> = page
        .keys()
        .filter(|k| !default.contains_key(*k))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() || !extra.is_empty() {
        return Err(Error::Content(format!(
            "{tag}.toml [page]: missing {missing:?}, not in {DEFAULT_LANGUAGE}.toml {extra:?}"
        )));
    }
    for (key, text) in page {
        if placeholders(text) != placeholders(&default[key]) {
            return Err(Error::Content(format!(
                "{tag}.toml [page] {key}: its {{placeholders}} differ from {DEFAULT_LANGUAGE}.toml"
            )));
        }
    }
    Ok(())
}

/// What a statement may fill in from the configuration.
pub const STATEMENT_PLACEHOLDERS: [&str; 4] = ["operator", "operator_contact", "retention_days", "idle_minutes"];

/// A statement names only the placeholders the web endpoint fills.
fn check_statements(tag: &str, statements: &Statements) -> Result<(), Error> {
    for statement in [&statements.privacy, &statements.accessibility] {
        let texts = [&statement.title, &statement.summary].into_iter().chain(
            statement
                .sections
                .iter()
                .flat_map(|s| std::iter::once(&s.heading).chain(&s.paragraphs)),
        );
        for text in texts {
            if let Some(unknown) = placeholders(text)
                .into_iter()
                .find(|p| !STATEMENT_PLACEHOLDERS.contains(p))
            {
                return Err(Error::Content(format!(
                    "{tag}.toml [statement]: unknown placeholder {{{unknown}}}"
                )));
            }
        }
    }
    Ok(())
}

/// The `{name}` placeholders in a text, sorted and each once.
fn placeholders(text: &str) -> Vec<&str> {
    let mut names: Vec<&str> = text
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Replaces each `{name}` in `template` with its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The master's own intents: the ids its content may give `[[intent]]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MasterIntent {
    Human,
    Greeting,
    Thanks,
    Capabilities,
    OutOfScope,
}

impl MasterIntent {
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "human" => Self::Human,
            "greeting" => Self::Greeting,
            "thanks" => Self::Thanks,
            "capabilities" => Self::Capabilities,
            "out-of-scope" => Self::OutOfScope,
            _ => return None,
        })
    }

    pub fn id(self) -> &'static str {
        match self {
            Self::Human => "human",
            Self::Greeting => "greeting",
            Self::Thanks => "thanks",
            Self::Capabilities => "capabilities",
            Self::OutOfScope => "out-of-scope",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_content_loads_in_every_language() {
        let content = MasterContent::embedded().expect("valid");
        for tag in ["nb", "nn", "en"] {
            let language = content.language(tag).expect("present");
            assert!(language.texts.clarify.contains("{options}"), "{tag}");
            assert!(language.texts.out_of_scope.contains("{agencies}"), "{tag}");
        }
    }

    #[test]
    fn unknown_language_is_an_invalid_argument() {
        let content = MasterContent::embedded().expect("valid");
        let error = content.language("sv").expect_err("unknown");
        assert!(
            matches!(error, Error::InvalidArgument(ref m) if m.contains("nb, nn") || m.contains("en, nb")),
            "{error}"
        );
    }

    fn embedded_with(tag: &str, edit: impl Fn(&str) -> String) -> Result<MasterContent, Error> {
        MasterContent::from_texts(EMBEDDED.iter().map(|(t, text)| {
            let text = if *t == tag { edit(text) } else { text.to_string() };
            (t.to_string(), text)
        }))
    }

    #[test]
    fn every_language_has_the_same_page_texts() {
        let content = MasterContent::embedded().expect("valid");
        let nb = &content.language("nb").expect("nb").page;
        assert!(nb.len() > 50, "the page's texts are in the content");
        for language in content.languages() {
            assert_eq!(language.page.keys().collect::<Vec<_>>(), nb.keys().collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_page_text_missing_in_one_language_is_refused() {
        let error = embedded_with("nn", |text| {
            text.lines()
                .filter(|l| !l.starts_with("speakerCitizen ="))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .expect_err("a key is missing");
        assert!(error.to_string().contains("speakerCitizen"), "{error}");
    }

    #[test]
    fn a_page_text_with_other_placeholders_is_refused() {
        let error = embedded_with("en", |text| text.replace("{name}", "{nmae}")).expect_err("placeholders differ");
        assert!(error.to_string().contains("placeholders"), "{error}");
    }

    #[test]
    fn a_statement_with_an_unknown_placeholder_is_refused() {
        let error =
            embedded_with("nn", |text| text.replace("{operator_contact}", "{owner}")).expect_err("unknown placeholder");
        assert!(error.to_string().contains("{owner}"), "{error}");
    }

    #[test]
    fn fill_replaces_every_placeholder() {
        assert_eq!(fill("{a} and {b}, {a}", &[("a", "x"), ("b", "y")]), "x and y, x");
    }
}
