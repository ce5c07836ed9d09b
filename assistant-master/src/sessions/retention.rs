//! How long a transcript is kept after its session ends, and the archive that
//! keeps ended transcripts (masked) until their retention runs out.
//!
//! The policy is decided by topic: a conversation that touched a topic kept
//! "for the session only" (social services, by default) is deleted when the
//! session ends; any other is archived and deleted `keep_for` later by the
//! purge job. The archive is a directory of JSON files (one per transcript,
//! written atomically) or, when no directory is configured, memory.
//!
//! The citizen who ended a session may still download its archived transcript
//! until it is deleted: with a download token given once at the end, which the
//! archive keeps only as a hash (the download key). The archive never stores
//! the session id.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::sessions::export::TranscriptDocument;

/// The topic whose conversations are deleted at session end unless configured otherwise.
pub const SOCIAL_SERVICES: &str = "social-services";

/// What happens to transcripts when their session ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// How long an archived transcript is kept.
    pub keep_for: Duration,
    /// Topics whose conversations are deleted when the session ends.
    pub session_only_topics: BTreeSet<String>,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            keep_for: Duration::from_secs(15 * 86_400),
            session_only_topics: BTreeSet::from([SOCIAL_SERVICES.to_string()]),
        }
    }
}

/// The retention a conversation gets, from the topics it touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retention {
    /// Deleted at session end because of these topics.
    SessionOnly(Vec<String>),
    /// Archived for this long after the session ends.
    Keep(Duration),
}

impl RetentionPolicy {
    /// The strictest rule among the topics the conversation touched.
    pub fn for_topics<'a>(&self, topics: impl IntoIterator<Item = &'a String>) -> Retention {
        let strict: Vec<String> = topics
            .into_iter()
            .filter(|topic| self.session_only_topics.contains(*topic))
            .cloned()
            .collect();
        if strict.is_empty() {
            Retention::Keep(self.keep_for)
        } else {
            Retention::SessionOnly(strict)
        }
    }

    pub fn kept_days(&self) -> u32 {
        u32::try_from(self.keep_for.as_secs().div_ceil(86_400)).unwrap_or(u32::MAX)
    }
}

/// An ended transcript waiting for deletion.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArchivedTranscript {
    /// Seconds since the Unix epoch after which the purge job deletes it.
    pub delete_after: u64,
    /// [`download_key`] of the token its citizen got at the end; empty when
    /// nobody may download it (the session closed by itself).
    #[serde(default)]
    pub download_key: String,
    pub transcript: TranscriptDocument,
}

/// The key an archived transcript is found by: a SHA-256 of the download
/// token, which only the citizen ever holds.
pub fn download_key(token: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("veiviser-transcript:{token}").as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A fresh download token: 122 random bits, as a UUID.
pub fn new_download_token() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// One archived transcript as the index knows it.
#[derive(Debug)]
struct Kept {
    delete_after: u64,
    download_key: String,
    /// The transcript itself when the archive is in memory.
    in_memory: Option<ArchivedTranscript>,
}

/// Archive id → what is kept, and download key → archive id.
#[derive(Debug, Default)]
struct Index {
    by_id: BTreeMap<String, Kept>,
    by_key: HashMap<String, String>,
}

impl Index {
    fn insert(&mut self, id: String, kept: Kept) {
        if !kept.download_key.is_empty() {
            self.by_key.insert(kept.download_key.clone(), id.clone());
        }
        self.by_id.insert(id, kept);
    }

    fn remove(&mut self, id: &str) {
        if let Some(kept) = self.by_id.remove(id) {
            self.by_key.remove(&kept.download_key);
        }
    }
}

/// Ended transcripts, until their retention runs out.
#[derive(Debug)]
pub struct TranscriptArchive {
    dir: Option<PathBuf>,
    index: Mutex<Index>,
}

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl TranscriptArchive {
    /// An archive in memory only (lost on restart, which deletes early, never late).
    pub fn in_memory() -> Self {
        Self {
            dir: None,
            index: Mutex::default(),
        }
    }

    /// An archive in `dir`, created if missing. Transcripts archived before a
    /// restart are picked up, so the purge job still deletes them on time.
    pub fn open(dir: &Path) -> Result<Self, Error> {
        std::fs::create_dir_all(dir)?;
        let mut index = Index::default();
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            let Some(id) = archive_id(&path) else { continue };
            match std::fs::read(&path)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<ArchivedTranscript>(&bytes).ok())
            {
                Some(archived) => index.insert(
                    id,
                    Kept {
                        delete_after: archived.delete_after,
                        download_key: archived.download_key,
                        in_memory: None,
                    },
                ),
                None => {
                    // Unreadable: it cannot be shown to anyone, and its age is
                    // unknown, so the safe choice is to delete it now.
                    tracing::warn!(file = %path.display(), "unreadable archived transcript deleted");
                    std::fs::remove_file(&path)?;
                }
            }
        }
        Ok(Self {
            dir: Some(dir.to_path_buf()),
            index: Mutex::new(index),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Index> {
        self.index.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps `transcript` until `delete_after`, found by `download_key` until then.
    pub fn store(
        &self,
        transcript: TranscriptDocument,
        delete_after: SystemTime,
        download_key: String,
    ) -> Result<(), Error> {
        let archived = ArchivedTranscript {
            delete_after: unix_seconds(delete_after),
            download_key,
            transcript,
        };
        // The archive id is a fresh random name, not the session id the citizen held.
        let id = uuid::Uuid::new_v4().to_string();
        match &self.dir {
            Some(dir) => {
                let bytes = serde_json::to_vec(&archived).map_err(|e| Error::Config(e.to_string()))?;
                write_durably(dir, &id, &bytes)?;
                self.lock().insert(
                    id,
                    Kept {
                        delete_after: archived.delete_after,
                        download_key: archived.download_key,
                        in_memory: None,
                    },
                );
            }
            None => self.lock().insert(
                id,
                Kept {
                    delete_after: archived.delete_after,
                    download_key: archived.download_key.clone(),
                    in_memory: Some(archived),
                },
            ),
        }
        Ok(())
    }

    /// The transcript archived under `download_key`, unless its retention has
    /// run out by `now` (the purge job may not have deleted it yet). Reads a
    /// file: call it off the async threads.
    pub fn fetch(&self, download_key: &str, now: SystemTime) -> Result<Option<ArchivedTranscript>, Error> {
        let (id, in_memory) = {
            let index = self.lock();
            let Some(id) = index.by_key.get(download_key) else {
                return Ok(None);
            };
            let Some(kept) = index.by_id.get(id).filter(|kept| kept.delete_after > unix_seconds(now)) else {
                return Ok(None);
            };
            (id.clone(), kept.in_memory.clone())
        };
        if in_memory.is_some() {
            return Ok(in_memory);
        }
        let Some(dir) = &self.dir else { return Ok(None) };
        match std::fs::read(dir.join(format!("{id}.json"))) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| Error::Internal(format!("archived transcript unreadable: {e}"))),
            // Purged meanwhile.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    /// Deletes every transcript whose retention has run out; returns how many.
    pub fn purge(&self, now: SystemTime) -> Result<usize, Error> {
        let now = unix_seconds(now);
        let expired: Vec<String> = self
            .lock()
            .by_id
            .iter()
            .filter(|(_, kept)| kept.delete_after <= now)
            .map(|(id, _)| id.clone())
            .collect();
        // Files are deleted without the lock held, so archiving goes on meanwhile;
        // an entry leaves the map only once its file is gone.
        for id in &expired {
            if let Some(dir) = &self.dir {
                match std::fs::remove_file(dir.join(format!("{id}.json"))) {
                    Ok(()) => {}
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                    Err(error) => return Err(error.into()),
                }
            }
            self.lock().remove(id);
        }
        Ok(expired.len())
    }

    /// How many transcripts are archived.
    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Writes `<id>.json` in `dir` so that after a crash it is either whole or
/// absent: written to a hidden partial file, flushed to disk, renamed, and the
/// directory flushed so the rename itself survives.
fn write_durably(dir: &Path, id: &str, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    let partial = dir.join(format!(".{id}.partial"));
    let mut file = std::fs::File::create(&partial)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&partial, dir.join(format!("{id}.json")))?;
    std::fs::File::open(dir)?.sync_all()?;
    Ok(())
}

/// The archive id of a file named `<id>.json`; other files are not the archive's.
fn archive_id(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let id = name.strip_suffix(".json")?;
    uuid::Uuid::parse_str(id).ok().map(|_| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(text: &str) -> TranscriptDocument {
        TranscriptDocument {
            session_id: String::new(),
            language: "nb".into(),
            exported_at: "2026-11-24T12:00:00Z".into(),
            retention: Default::default(),
            entries: vec![crate::sessions::export::EntryDocument {
                role: "citizen".into(),
                text: text.into(),
                at: "2026-11-24T12:00:00Z".into(),
                intent: String::new(),
                agency_ids: Vec::new(),
            }],
        }
    }

    #[test]
    fn the_strictest_topic_decides() {
        let policy = RetentionPolicy::default();
        let general = ["nav".to_string(), "pensjon".to_string()];
        assert_eq!(policy.for_topics(&general), Retention::Keep(policy.keep_for));
        let mixed = ["pensjon".to_string(), SOCIAL_SERVICES.to_string()];
        assert_eq!(
            policy.for_topics(&mixed),
            Retention::SessionOnly(vec![SOCIAL_SERVICES.to_string()])
        );
        assert_eq!(policy.kept_days(), 15);
    }

    #[test]
    fn purge_deletes_only_what_has_run_out() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_521_600);
        let archive = TranscriptArchive::in_memory();
        archive
            .store(document("a"), start + Duration::from_secs(100), "a".into())
            .expect("stored");
        archive
            .store(document("b"), start + Duration::from_secs(200), "b".into())
            .expect("stored");
        assert_eq!(archive.purge(start + Duration::from_secs(99)).expect("purged"), 0);
        let fetched = archive.fetch("a", start).expect("fetched").expect("kept");
        assert_eq!(fetched.transcript.entries[0].text, "a");
        assert!(
            archive.fetch("c", start).expect("fetched").is_none(),
            "another key finds nothing"
        );
        assert!(
            archive
                .fetch("a", start + Duration::from_secs(100))
                .expect("fetched")
                .is_none(),
            "run out, even before the purge"
        );
        assert_eq!(archive.purge(start + Duration::from_secs(100)).expect("purged"), 1);
        assert_eq!(archive.len(), 1);
        assert_eq!(archive.purge(start + Duration::from_secs(500)).expect("purged"), 1);
        assert!(archive.is_empty());
    }

    #[test]
    fn a_directory_archive_survives_a_restart_and_is_purged_on_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_521_600);
        let archive = TranscriptArchive::open(dir.path()).expect("opened");
        archive
            .store(document("kept"), start + Duration::from_secs(60), download_key("s1"))
            .expect("stored");
        std::fs::write(dir.path().join("README"), "not the archive's").expect("written");
        drop(archive);

        let reopened = TranscriptArchive::open(dir.path()).expect("reopened");
        assert_eq!(reopened.len(), 1);
        assert_eq!(reopened.purge(start).expect("purged"), 0);
        let fetched = reopened
            .fetch(&download_key("s1"), start)
            .expect("fetched")
            .expect("kept");
        assert_eq!(fetched.transcript.entries[0].text, "kept");
        assert_eq!(reopened.purge(start + Duration::from_secs(60)).expect("purged"), 1);
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("listed")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(left, ["README"]);
    }

    #[test]
    fn an_unreadable_archive_file_is_deleted_on_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let name = format!("{}.json", uuid::Uuid::new_v4());
        std::fs::write(dir.path().join(&name), "{not json").expect("written");
        let archive = TranscriptArchive::open(dir.path()).expect("opened");
        assert!(archive.is_empty());
        assert!(!dir.path().join(name).exists());
    }
}
