//! An agency's content: its card and its answers per language, loaded from
//! TOML files and validated as a whole before the assistant serves anything.

mod load;
mod model;
mod validate;

pub use load::EmbeddedContent;
pub use model::{
    AdvisorHoursFile, CardFile, ChecklistFile, ContactFile, DeadlineFile, DeadlineUnitName, IntentFile, LanguageFile,
    LifeEventFile, ReferralFile,
};

use std::collections::BTreeMap;

/// Validated content of one agency assistant.
#[derive(Debug, Clone)]
pub struct Content {
    card: CardFile,
    /// Keyed by BCP-47 language tag.
    languages: BTreeMap<String, LanguageFile>,
    /// A fingerprint of the files, so the master notices edited content.
    version: String,
}

/// Content that cannot be served, with the file it comes from.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ContentError {
    pub file: String,
    pub message: String,
}

impl ContentError {
    pub(crate) fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            message: message.into(),
        }
    }
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
