//! Reading content files from a directory or from the copy compiled into the
//! binary, and turning them into a validated [`Content`].

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use super::error::ContentError;
use super::model::{CardFile, Content, LanguageFile};
use super::validate;

const CARD_FILE: &str = "card.toml";

/// Content files compiled into a binary: (file name, text) pairs. Built with
/// [`crate::embed_content!`].
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedContent {
    pub files: &'static [(&'static str, &'static str)],
}

impl EmbeddedContent {
    /// Parses and validates the embedded files.
    pub fn load(&self) -> Result<Content, ContentError> {
        Content::from_files(
            self.files
                .iter()
                .map(|(name, text)| (name.to_string(), text.to_string())),
        )
    }
}

impl Content {
    /// Reads `card.toml` and every `<lang>.toml` in `dir`.
    pub fn from_dir(dir: &Path) -> Result<Content, ContentError> {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| ContentError::new(dir.display().to_string(), format!("cannot read directory: {e}")))?;
        let mut files = Vec::new();
        for entry in entries {
            let path = entry
                .map_err(|e| ContentError::new(dir.display().to_string(), e.to_string()))?
                .path();
            if path.extension().and_then(|e| e.to_str()) != Some("toml") {
                continue;
            }
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            let text = std::fs::read_to_string(&path)
                .map_err(|e| ContentError::new(path.display().to_string(), e.to_string()))?;
            files.push((name, text));
        }
        Content::from_files(files)
    }

    /// Parses and validates a set of (file name, text) pairs: one `card.toml`
    /// and one `<lang>.toml` per language.
    pub fn from_files(files: impl IntoIterator<Item = (String, String)>) -> Result<Content, ContentError> {
        let mut files: Vec<(String, String)> = files.into_iter().collect();
        files.sort();
        let mut hasher = DefaultHasher::new();
        files.hash(&mut hasher);
        let version = format!("{:016x}", hasher.finish());

        let mut card: Option<CardFile> = None;
        let mut languages = BTreeMap::new();
        for (name, text) in &files {
            if name == CARD_FILE {
                card = Some(toml::from_str(text).map_err(|e| ContentError::new(name, e.to_string()))?);
                continue;
            }
            let Some(tag) = name.strip_suffix(".toml") else {
                continue;
            };
            let language: LanguageFile = toml::from_str(text).map_err(|e| ContentError::new(name, e.to_string()))?;
            if language.language != tag {
                return Err(ContentError::new(
                    name,
                    format!(
                        "declares language \"{}\" but the file is named for \"{tag}\"",
                        language.language
                    ),
                ));
            }
            languages.insert(tag.to_string(), language);
        }
        let card = card.ok_or_else(|| ContentError::new(CARD_FILE, "missing"))?;
        validate::content(&card, &languages)?;
        let content = Content {
            card,
            languages,
            version,
        };
        // What the master will check, checked here first.
        crate::contract::check_card(&content.assistant_card())
            .map_err(|broken| ContentError::new(CARD_FILE, format!("the card breaks the contract: {broken}")))?;
        Ok(content)
    }

    /// The assistant card this content is served with.
    pub fn assistant_card(&self) -> veiviser_proto::agency::v1::AssistantCard {
        super::card::assistant_card(self)
    }
}
