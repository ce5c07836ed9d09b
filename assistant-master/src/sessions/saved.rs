//! A session as the session store keeps it: everything the master needs to
//! continue the conversation, in a shape that does not change with the
//! in-memory one. The citizen's login token is never part of it: it stays in
//! the process that received it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use veiviser_proto::master::v1::TranscriptEntry;

use crate::routing::Choice;

/// One session's saved state, at one revision.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedSession {
    pub id: String,
    /// Bumped by every save; a save that expects another revision is refused
    /// (another master wrote the session meanwhile).
    pub revision: i64,
    /// Milliseconds since the Unix epoch.
    pub last_active_ms: i64,
    pub state: SavedState,
    /// Read from the store: the whole transcript. To write: the entries
    /// added since the last save, or all of them when some were deleted.
    pub transcript: SavedTranscript,
}

/// Transcript entries, kept in the store one row each, numbered from the
/// session's first: a save writes only what is new.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SavedTranscript {
    /// The number of `entries[0]`.
    pub from_seq: u64,
    pub entries: Vec<SavedEntry>,
    /// To write: the stored entries are replaced by these (entries were
    /// deleted since the last save), not added to.
    pub replace: bool,
}

/// What a conversation holds besides its transcript (serialised as JSON in the store).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SavedState {
    pub language: String,
    /// The number of the oldest entry kept (older ones were dropped at the cap).
    #[serde(default)]
    pub first_seq: u64,
    #[serde(default)]
    pub topics: BTreeSet<String>,
    #[serde(default)]
    pub masked_kinds: BTreeSet<String>,
    #[serde(default)]
    pub not_understood_in_a_row: u32,
    #[serde(default)]
    pub last_agencies: Vec<String>,
    #[serde(default)]
    pub offered: Option<SavedChoices>,
    #[serde(default)]
    pub turns: u64,
}

/// A transcript entry (already masked: nothing else is ever recorded).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SavedEntry {
    pub role: String,
    pub text: String,
    pub at: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub intent: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agency_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub handover_id: String,
}

impl From<&TranscriptEntry> for SavedEntry {
    fn from(entry: &TranscriptEntry) -> Self {
        Self {
            role: entry.role.clone(),
            text: entry.text.clone(),
            at: entry.at.clone(),
            intent: entry.intent.clone(),
            agency_ids: entry.agency_ids.clone(),
            handover_id: entry.handover_id.clone(),
        }
    }
}

impl From<SavedEntry> for TranscriptEntry {
    fn from(entry: SavedEntry) -> Self {
        Self {
            role: entry.role,
            text: entry.text,
            at: entry.at,
            intent: entry.intent,
            agency_ids: entry.agency_ids,
            handover_id: entry.handover_id,
        }
    }
}

/// A clarifying question's options, until the next message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedChoices {
    pub question: String,
    pub options: Vec<SavedOption>,
}

/// One option: its label and what it stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedOption {
    pub label: String,
    #[serde(flatten)]
    pub choice: SavedChoice,
}

/// [`Choice`] as saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "kebab-case")]
pub enum SavedChoice {
    Agency(String),
    LifeEvent(String),
}

impl From<&Choice> for SavedChoice {
    fn from(choice: &Choice) -> Self {
        match choice {
            Choice::Agency(id) => Self::Agency(id.clone()),
            Choice::LifeEvent(id) => Self::LifeEvent(id.clone()),
        }
    }
}

impl From<SavedChoice> for Choice {
    fn from(choice: SavedChoice) -> Self {
        match choice {
            SavedChoice::Agency(id) => Self::Agency(id),
            SavedChoice::LifeEvent(id) => Self::LifeEvent(id),
        }
    }
}

/// A change to write: a session saved at a new revision, or a session that
/// ended (deleted unless another master has saved it since `revision`).
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Save {
        session: Box<SavedSession>,
        /// The revision the store must hold for the save to apply (0: none yet).
        expected: i64,
        /// How many times entries had been deleted from the transcript when it
        /// was taken (for the master holding it, not for the store).
        deletions: u64,
    },
    End {
        id: String,
        revision: i64,
    },
}

/// What became of one change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Written,
    /// Another master saved the session meanwhile: this copy is stale.
    Conflict,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_through_json_and_reads_older_shapes() {
        let state = SavedState {
            language: "nn".into(),
            first_seq: 4,
            offered: Some(SavedChoices {
                question: "skatt eller pensjon".into(),
                options: vec![SavedOption {
                    label: "Pensjon (NAV)".into(),
                    choice: SavedChoice::Agency("nav".into()),
                }],
            }),
            turns: 3,
            ..SavedState::default()
        };
        let json = serde_json::to_string(&state).expect("serialises");
        assert_eq!(serde_json::from_str::<SavedState>(&json).expect("reads"), state);
        // A field added later is defaulted when an older row lacks it.
        let older: SavedState = serde_json::from_str(r#"{"language":"nb"}"#).expect("reads");
        assert_eq!(older.language, "nb");
        assert!(older.first_seq == 0 && older.offered.is_none());
    }
}
