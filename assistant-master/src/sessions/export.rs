//! The transcript as a document the citizen downloads: JSON, or plain text
//! with labels in the session language. The same JSON shape is what the
//! retention archive stores.

use serde::{Deserialize, Serialize};
use veiviser_proto::master::v1::{Retention, Transcript, TranscriptEntry};

use crate::content::{Texts, fill};

/// A transcript in its downloadable shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptDocument {
    /// Empty in the archive: an archived transcript is not linked to the session id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub session_id: String,
    pub language: String,
    pub exported_at: String,
    pub retention: RetentionDocument,
    pub entries: Vec<EntryDocument>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RetentionDocument {
    pub deleted_at_session_end: bool,
    pub kept_days: u32,
    pub topics: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryDocument {
    pub role: String,
    pub text: String,
    pub at: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub intent: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agency_ids: Vec<String>,
}

impl TranscriptDocument {
    pub fn new(transcript: &Transcript, exported_at: String) -> Self {
        let retention = transcript.retention.clone().unwrap_or_default();
        Self {
            session_id: transcript.session_id.clone(),
            language: transcript.language.clone(),
            exported_at,
            retention: RetentionDocument::from(retention),
            entries: transcript.entries.iter().map(EntryDocument::from).collect(),
        }
    }

    pub fn to_json(&self) -> String {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Plain text: a heading, what happens to the transcript, then one
    /// paragraph per message.
    pub fn to_text(&self, texts: &Texts) -> String {
        let mut out = String::new();
        out.push_str(&fill(&texts.transcript_title, &[("time", &self.exported_at)]));
        out.push('\n');
        out.push_str(&texts.transcript_masked);
        out.push('\n');
        if self.retention.deleted_at_session_end {
            out.push_str(&texts.transcript_deleted_at_end);
        } else {
            let days = self.retention.kept_days.to_string();
            out.push_str(&fill(&texts.transcript_kept_days, &[("days", &days)]));
        }
        out.push_str("\n\n");
        for entry in &self.entries {
            let who = if entry.role == "citizen" {
                texts.transcript_citizen.clone()
            } else if entry.role == "advisor" {
                texts.transcript_advisor.clone()
            } else if entry.agency_ids.is_empty() {
                texts.transcript_assistant.clone()
            } else {
                format!("{} ({})", texts.transcript_assistant, entry.agency_ids.join(", "))
            };
            out.push_str(&format!("[{}] {who}:\n{}\n\n", entry.at, entry.text.trim()));
        }
        out
    }

    /// A file name for the download, dated by the export.
    pub fn filename(&self, extension: &str) -> String {
        let date = self.exported_at.get(..10).unwrap_or("transcript");
        format!("veiviser-{date}.{extension}")
    }
}

impl From<Retention> for RetentionDocument {
    fn from(retention: Retention) -> Self {
        Self {
            deleted_at_session_end: retention.deleted_at_session_end,
            kept_days: retention.kept_days,
            topics: retention.topics,
        }
    }
}

impl From<&TranscriptEntry> for EntryDocument {
    fn from(entry: &TranscriptEntry) -> Self {
        Self {
            role: entry.role.clone(),
            text: entry.text.clone(),
            at: entry.at.clone(),
            intent: entry.intent.clone(),
            agency_ids: entry.agency_ids.clone(),
        }
    }
}
