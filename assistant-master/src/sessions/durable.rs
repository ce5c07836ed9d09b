//! The session store: open sessions and their masked transcripts in SQL that
//! runs unchanged on SQLite (the default) and PostgreSQL (through sqlx's
//! `Any` driver), so a restarted master, or another master, continues a
//! conversation. Writes come in batches from the save task (write-behind);
//! every save carries the revision it expects, so a master holding a stale
//! copy never overwrites a newer one. Transcript entries are rows of their
//! own, numbered, so a save adds only what is new.

use std::str::FromStr;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};

use crate::error::Error;
use crate::sessions::saved::{Change, Outcome, SavedEntry, SavedSession, SavedState, SavedTranscript};

/// The schema, applied at start; every statement is idempotent.
const SCHEMA: [&str; 3] = [
    "CREATE TABLE IF NOT EXISTS master_sessions (
        id TEXT PRIMARY KEY,
        revision BIGINT NOT NULL,
        last_active BIGINT NOT NULL,
        state TEXT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS master_sessions_by_last_active ON master_sessions (last_active)",
    "CREATE TABLE IF NOT EXISTS master_session_entries (
        session_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        entry TEXT NOT NULL,
        PRIMARY KEY (session_id, seq)
    )",
];

/// The database of open sessions.
#[derive(Debug, Clone)]
pub struct SessionStore {
    pool: AnyPool,
}

impl SessionStore {
    /// Opens (and creates, for SQLite) the store at `url`: `sqlite://file.db`,
    /// `sqlite::memory:` or `postgres://…`.
    pub async fn open(url: &str) -> Result<Self, Error> {
        install_default_drivers();
        let url = if url.starts_with("sqlite:") && !url.contains(":memory:") && !url.contains("mode=") {
            format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
        } else {
            url.to_string()
        };
        // Checked before connecting, for a readable error that names no secret.
        let known = ["sqlite:", "postgres://", "postgresql://"];
        if !known.iter().any(|scheme| url.starts_with(scheme)) || sqlx::any::AnyConnectOptions::from_str(&url).is_err()
        {
            return Err(Error::Config(
                "session store: not a sqlite: or postgres:// address".into(),
            ));
        }
        let in_memory = url.contains(":memory:");
        let sqlite_file = url.starts_with("sqlite:") && !in_memory;
        let pool = AnyPoolOptions::new()
            // One connection keeps an in-memory SQLite database alive and shared.
            .max_connections(if in_memory { 1 } else { 4 })
            .min_connections(1)
            .idle_timeout(None::<std::time::Duration>)
            .max_lifetime(None::<std::time::Duration>)
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if sqlite_file {
                        // With the write-ahead log a commit syncs once and readers
                        // never wait for it; a commit is never torn, at worst the
                        // last ones are lost in a power cut (a crash loses the
                        // save interval's changes anyway).
                        sqlx::query("PRAGMA synchronous = NORMAL")
                            .execute(&mut *connection)
                            .await?;
                        sqlx::query("PRAGMA busy_timeout = 5000")
                            .execute(&mut *connection)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        if sqlite_file {
            // Kept by the file: readers (the check before each message) do not
            // wait for the save task's commits.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        for statement in SCHEMA {
            sqlx::query(statement).execute(&pool).await?;
        }
        Ok(Self { pool })
    }

    /// Writes a batch in one transaction and says what became of each change,
    /// in order. A save applies only where the store holds the revision it
    /// expects; an end deletes the session unless a newer revision was saved.
    pub async fn write(&self, changes: &[Change]) -> Result<Vec<Outcome>, Error> {
        let mut transaction = self.pool.begin().await?;
        let mut outcomes = Vec::with_capacity(changes.len());
        for change in changes {
            let written = match change {
                Change::Save { session, expected, .. } => {
                    let state = serde_json::to_string(&session.state)
                        .map_err(|e| Error::Internal(format!("saving a session: {e}")))?;
                    // The first save inserts (and finds nothing there: a row
                    // another master made meanwhile is not written over); every
                    // later one updates the revision it expects, so a session
                    // ended or closed elsewhere is never made again.
                    let saved = if *expected == 0 {
                        sqlx::query(
                            "INSERT INTO master_sessions (id, revision, last_active, state) VALUES ($1, $2, $3, $4)
                             ON CONFLICT (id) DO NOTHING",
                        )
                        .bind(&session.id)
                        .bind(session.revision)
                        .bind(session.last_active_ms)
                        .bind(state)
                        .execute(&mut *transaction)
                        .await?
                        .rows_affected()
                    } else {
                        sqlx::query(
                            "UPDATE master_sessions SET revision = $2, last_active = $3, state = $4
                             WHERE id = $1 AND revision = $5",
                        )
                        .bind(&session.id)
                        .bind(session.revision)
                        .bind(session.last_active_ms)
                        .bind(state)
                        .bind(*expected)
                        .execute(&mut *transaction)
                        .await?
                        .rows_affected()
                    };
                    // A stale copy writes nothing, its entries neither.
                    if saved == 1 {
                        write_entries(
                            &mut transaction,
                            &session.id,
                            session.state.first_seq,
                            &session.transcript,
                        )
                        .await?;
                    }
                    saved
                }
                Change::End { id, revision } => {
                    let deleted = sqlx::query("DELETE FROM master_sessions WHERE id = $1 AND revision <= $2")
                        .bind(id)
                        .bind(*revision)
                        .execute(&mut *transaction)
                        .await?
                        .rows_affected();
                    if deleted == 1 {
                        delete_entries(&mut transaction, id).await?;
                    }
                    // Nothing to delete is fine: it was never saved, or ended elsewhere.
                    1
                }
            };
            outcomes.push(if written == 1 {
                Outcome::Written
            } else {
                Outcome::Conflict
            });
        }
        transaction.commit().await?;
        Ok(outcomes)
    }

    /// The revision the store holds for session `id`, if any.
    pub async fn revision(&self, id: &str) -> Result<Option<i64>, Error> {
        let row = sqlx::query("SELECT revision FROM master_sessions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("revision")).transpose()?)
    }

    /// Session `id` as saved, if it is. The row and its entries are two reads:
    /// when a save came between them (the revision moved), they are read again.
    pub async fn load(&self, id: &str) -> Result<Option<SavedSession>, Error> {
        for _ in 0..LOAD_ATTEMPTS {
            let row = sqlx::query("SELECT id, revision, last_active, state FROM master_sessions WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            let Some(row) = row else {
                return Ok(None);
            };
            let session = self.with_entries(session_from(&row)?).await?;
            if self.revision(id).await? == Some(session.revision) {
                return Ok(Some(session));
            }
        }
        Err(Error::Internal("a session kept changing while it was read".into()))
    }

    /// `session` with its transcript, read from the entries' table.
    async fn with_entries(&self, mut session: SavedSession) -> Result<SavedSession, Error> {
        let first_seq = session.state.first_seq;
        let rows =
            sqlx::query("SELECT entry FROM master_session_entries WHERE session_id = $1 AND seq >= $2 ORDER BY seq")
                .bind(&session.id)
                .bind(i64::try_from(first_seq).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await?;
        let entries = rows
            .iter()
            .map(|row| {
                let entry: String = row.try_get("entry")?;
                serde_json::from_str::<SavedEntry>(&entry)
                    .map_err(|e| Error::Internal(format!("a saved transcript entry does not read: {e}")))
            })
            .collect::<Result<_, Error>>()?;
        session.transcript = SavedTranscript {
            from_seq: first_seq,
            entries,
            replace: false,
        };
        Ok(session)
    }

    /// Up to `limit` sessions last active before `before_ms`, oldest first.
    pub async fn idle(&self, before_ms: i64, limit: i64) -> Result<Vec<SavedSession>, Error> {
        let rows = sqlx::query(
            "SELECT id, revision, last_active, state FROM master_sessions
             WHERE last_active < $1 ORDER BY last_active LIMIT $2",
        )
        .bind(before_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut sessions = Vec::with_capacity(rows.len());
        for row in &rows {
            // A row that does not read is skipped (and logged), not a stop to the clean-up.
            match session_from(row) {
                Ok(session) => match self.with_entries(session).await {
                    Ok(session) => sessions.push(session),
                    Err(error) => tracing::warn!(%error, "a saved session does not read; skipped"),
                },
                Err(error) => tracing::warn!(%error, "a saved session does not read; skipped"),
            }
        }
        Ok(sessions)
    }

    /// Takes session `id` out of the store to close it, if it still holds
    /// `revision`: true for exactly one of several masters closing it at once.
    pub async fn claim(&self, id: &str, revision: i64) -> Result<bool, Error> {
        let mut transaction = self.pool.begin().await?;
        let deleted = sqlx::query("DELETE FROM master_sessions WHERE id = $1 AND revision = $2")
            .bind(id)
            .bind(revision)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        if deleted == 1 {
            delete_entries(&mut transaction, id).await?;
        }
        transaction.commit().await?;
        Ok(deleted == 1)
    }

    /// Deletes every session (for tests that own the store).
    pub async fn clear(&self) -> Result<(), Error> {
        sqlx::query("DELETE FROM master_sessions").execute(&self.pool).await?;
        sqlx::query("DELETE FROM master_session_entries")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How many sessions the store holds.
    pub async fn count(&self) -> Result<i64, Error> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM master_sessions")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
    }
}

type Transaction<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// Adds the new entries (or replaces them all) and drops those below the
/// oldest kept.
async fn write_entries(
    transaction: &mut Transaction<'_>,
    id: &str,
    first_seq: u64,
    transcript: &SavedTranscript,
) -> Result<(), Error> {
    let seq = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    if transcript.replace {
        delete_entries(transaction, id).await?;
    } else if first_seq > 0 {
        sqlx::query("DELETE FROM master_session_entries WHERE session_id = $1 AND seq < $2")
            .bind(id)
            .bind(seq(first_seq))
            .execute(&mut **transaction)
            .await?;
    }
    // One statement for the round's new entries (up to 100 at a time).
    let numbered: Vec<(u64, &SavedEntry)> = (transcript.from_seq..).zip(&transcript.entries).collect();
    for chunk in numbered.chunks(ENTRIES_PER_INSERT) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3))
            .collect();
        let statement = format!(
            "INSERT INTO master_session_entries (session_id, seq, entry) VALUES {}
             ON CONFLICT (session_id, seq) DO UPDATE SET entry = excluded.entry",
            rows.join(", ")
        );
        let mut insert = sqlx::query(&statement).bind(id);
        for (n, entry) in chunk {
            let entry =
                serde_json::to_string(entry).map_err(|e| Error::Internal(format!("saving a transcript entry: {e}")))?;
            insert = insert.bind(seq(*n)).bind(entry);
        }
        insert.execute(&mut **transaction).await?;
    }
    Ok(())
}

/// Reads of a session that a save keeps overtaking before one gives up.
const LOAD_ATTEMPTS: usize = 3;

/// Entries written by one statement at most (two parameters each, well under
/// SQLite's and PostgreSQL's limits).
const ENTRIES_PER_INSERT: usize = 100;

async fn delete_entries(transaction: &mut Transaction<'_>, id: &str) -> Result<(), Error> {
    sqlx::query("DELETE FROM master_session_entries WHERE session_id = $1")
        .bind(id)
        .execute(&mut **transaction)
        .await?;
    Ok(())
}

fn session_from(row: &sqlx::any::AnyRow) -> Result<SavedSession, Error> {
    let state: String = row.try_get("state")?;
    let state: SavedState =
        serde_json::from_str(&state).map_err(|e| Error::Internal(format!("a saved session does not read: {e}")))?;
    Ok(SavedSession {
        id: row.try_get("id")?,
        revision: row.try_get("revision")?,
        last_active_ms: row.try_get("last_active")?,
        state,
        transcript: SavedTranscript::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(id: &str, revision: i64, last_active_ms: i64) -> SavedSession {
        SavedSession {
            id: id.into(),
            revision,
            last_active_ms,
            state: SavedState {
                language: "nb".into(),
                turns: u64::try_from(revision).unwrap_or_default(),
                ..SavedState::default()
            },
            transcript: SavedTranscript::default(),
        }
    }

    fn entry(text: &str) -> SavedEntry {
        SavedEntry {
            role: "citizen".into(),
            text: text.into(),
            at: "2026-12-02T10:00:00Z".into(),
            ..SavedEntry::default()
        }
    }

    fn texts(session: &SavedSession) -> Vec<&str> {
        session.transcript.entries.iter().map(|e| e.text.as_str()).collect()
    }

    /// A save adds the new entries; the oldest past the cap are dropped, and
    /// after a deletion the whole transcript is replaced.
    #[tokio::test]
    async fn entries_are_added_dropped_at_the_front_and_replaced() {
        let store = SessionStore::open("sqlite::memory:").await.expect("store");
        let mut session = saved("a", 1, 10);
        session.transcript.entries = vec![entry("en"), entry("to")];
        let save = |session: &SavedSession, expected| Change::Save {
            session: Box::new(session.clone()),
            expected,
            deletions: 0,
        };
        store.write(&[save(&session, 0)]).await.expect("written");
        session.revision = 2;
        session.state.first_seq = 1;
        session.transcript = SavedTranscript {
            from_seq: 2,
            entries: vec![entry("tre")],
            replace: false,
        };
        store.write(&[save(&session, 1)]).await.expect("written");
        let loaded = store.load("a").await.expect("read").expect("saved");
        assert_eq!(texts(&loaded), ["to", "tre"]);
        assert_eq!(loaded.transcript.from_seq, 1);
        session.revision = 3;
        session.transcript = SavedTranscript {
            from_seq: 1,
            entries: vec![entry("tre")],
            replace: true,
        };
        store.write(&[save(&session, 2)]).await.expect("written");
        assert_eq!(texts(&store.load("a").await.expect("read").expect("saved")), ["tre"]);
        // A stale save writes no entries.
        session.transcript = SavedTranscript {
            from_seq: 2,
            entries: vec![entry("stale")],
            replace: false,
        };
        assert_eq!(
            store.write(&[save(&session, 2)]).await.expect("written"),
            [Outcome::Conflict]
        );
        assert_eq!(texts(&store.load("a").await.expect("read").expect("saved")), ["tre"]);
    }

    #[tokio::test]
    async fn a_save_applies_only_over_the_revision_it_expects() {
        let store = SessionStore::open("sqlite::memory:").await.expect("store");
        let first = Change::Save {
            session: Box::new(saved("a", 1, 10)),
            expected: 0,
            deletions: 0,
        };
        assert_eq!(store.write(&[first]).await.expect("written"), [Outcome::Written]);
        // A second master that read revision 1 saves revision 2.
        let newer = Change::Save {
            session: Box::new(saved("a", 2, 20)),
            expected: 1,
            deletions: 0,
        };
        // A stale master still expects 1 after that: refused, the newer state stays.
        let stale = Change::Save {
            session: Box::new(saved("a", 2, 15)),
            expected: 1,
            deletions: 0,
        };
        assert_eq!(
            store.write(&[newer, stale]).await.expect("written"),
            [Outcome::Written, Outcome::Conflict]
        );
        let loaded = store.load("a").await.expect("read").expect("saved");
        assert_eq!((loaded.revision, loaded.last_active_ms), (2, 20));
        assert_eq!(store.revision("a").await.expect("read"), Some(2));
        assert_eq!(store.revision("b").await.expect("read"), None);
    }

    #[tokio::test]
    async fn an_end_spares_a_newer_save_and_a_claim_is_won_once() {
        let store = SessionStore::open("sqlite::memory:").await.expect("store");
        let saves: Vec<Change> = [("a", 10), ("b", 20), ("c", 30)]
            .into_iter()
            .map(|(id, at)| Change::Save {
                session: Box::new(saved(id, 3, at)),
                expected: 0,
                deletions: 0,
            })
            .collect();
        store.write(&saves).await.expect("written");
        // Ended by a master that last saw revision 2: another has saved 3 since.
        store
            .write(&[Change::End {
                id: "a".into(),
                revision: 2,
            }])
            .await
            .expect("written");
        assert_eq!(store.revision("a").await.expect("read"), Some(3));
        store
            .write(&[Change::End {
                id: "a".into(),
                revision: 3,
            }])
            .await
            .expect("written");
        assert_eq!(store.revision("a").await.expect("read"), None);

        let idle: Vec<String> = store
            .idle(25, 10)
            .await
            .expect("read")
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(idle, ["b"]);
        assert!(!store.claim("b", 2).await.expect("claimed"), "another revision");
        assert!(store.claim("b", 3).await.expect("claimed"));
        assert!(!store.claim("b", 3).await.expect("claimed"), "closed once");
        assert_eq!(store.count().await.expect("count"), 1);
    }

    #[tokio::test]
    async fn a_bad_address_is_refused_without_echoing_it() {
        let error = SessionStore::open("mysql://secret-password@db")
            .await
            .expect_err("refused");
        assert!(!error.to_string().contains("secret-password"), "{error}");
    }
}
