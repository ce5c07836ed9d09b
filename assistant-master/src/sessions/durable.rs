//! The session store: open sessions and their masked transcripts in SQL that
//! runs unchanged on SQLite (the default) and PostgreSQL (through sqlx's
//! `Any` driver), so a restarted master, or another master, continues a
//! conversation. Writes come in batches from the save task (write-behind);
//! every save carries the revision it expects, so a master holding a stale
//! copy never overwrites a newer one.

use std::str::FromStr;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};

use crate::error::Error;
use crate::sessions::saved::{Change, Outcome, SavedSession, SavedState};

/// The schema, applied at start; every statement is idempotent.
const SCHEMA: [&str; 2] = [
    "CREATE TABLE IF NOT EXISTS master_sessions (
        id TEXT PRIMARY KEY,
        revision BIGINT NOT NULL,
        last_active BIGINT NOT NULL,
        state TEXT NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS master_sessions_by_last_active ON master_sessions (last_active)",
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
        let pool = AnyPoolOptions::new()
            // One connection keeps an in-memory SQLite database alive and shared.
            .max_connections(if in_memory { 1 } else { 4 })
            .min_connections(1)
            .idle_timeout(None::<std::time::Duration>)
            .max_lifetime(None::<std::time::Duration>)
            .connect(&url)
            .await?;
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
                Change::Save { session, expected } => {
                    let state = serde_json::to_string(&session.state)
                        .map_err(|e| Error::Internal(format!("saving a session: {e}")))?;
                    sqlx::query(
                        "INSERT INTO master_sessions (id, revision, last_active, state) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (id) DO UPDATE SET revision = excluded.revision,
                             last_active = excluded.last_active, state = excluded.state
                         WHERE master_sessions.revision = $5",
                    )
                    .bind(&session.id)
                    .bind(session.revision)
                    .bind(session.last_active_ms)
                    .bind(state)
                    .bind(*expected)
                    .execute(&mut *transaction)
                    .await?
                    .rows_affected()
                }
                Change::End { id, revision } => {
                    sqlx::query("DELETE FROM master_sessions WHERE id = $1 AND revision <= $2")
                        .bind(id)
                        .bind(*revision)
                        .execute(&mut *transaction)
                        .await?;
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

    /// Session `id` as saved, if it is.
    pub async fn load(&self, id: &str) -> Result<Option<SavedSession>, Error> {
        let row = sqlx::query("SELECT id, revision, last_active, state FROM master_sessions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(session_from).transpose()
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
        rows.iter().map(session_from).collect()
    }

    /// Takes session `id` out of the store to close it, if it still holds
    /// `revision`: true for exactly one of several masters closing it at once.
    pub async fn claim(&self, id: &str, revision: i64) -> Result<bool, Error> {
        let deleted = sqlx::query("DELETE FROM master_sessions WHERE id = $1 AND revision = $2")
            .bind(id)
            .bind(revision)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(deleted == 1)
    }

    /// Deletes every session (for tests that own the store).
    pub async fn clear(&self) -> Result<(), Error> {
        sqlx::query("DELETE FROM master_sessions").execute(&self.pool).await?;
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

fn session_from(row: &sqlx::any::AnyRow) -> Result<SavedSession, Error> {
    let state: String = row.try_get("state")?;
    let state: SavedState =
        serde_json::from_str(&state).map_err(|e| Error::Internal(format!("a saved session does not read: {e}")))?;
    Ok(SavedSession {
        id: row.try_get("id")?,
        revision: row.try_get("revision")?,
        last_active_ms: row.try_get("last_active")?,
        state,
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
        }
    }

    #[tokio::test]
    async fn a_save_applies_only_over_the_revision_it_expects() {
        let store = SessionStore::open("sqlite::memory:").await.expect("store");
        let first = Change::Save {
            session: saved("a", 1, 10),
            expected: 0,
        };
        assert_eq!(store.write(&[first]).await.expect("written"), [Outcome::Written]);
        // A second master that read revision 1 saves revision 2.
        let newer = Change::Save {
            session: saved("a", 2, 20),
            expected: 1,
        };
        // A stale master still expects 1 after that: refused, the newer state stays.
        let stale = Change::Save {
            session: saved("a", 2, 15),
            expected: 1,
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
                session: saved(id, 3, at),
                expected: 0,
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
