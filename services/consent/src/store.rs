//! Durable state: consent grants, signing keys, the audit log, the registry
//! of agencies and a few service secrets, in SQL that runs unchanged on SQLite (the embedded
//! default) and PostgreSQL (through sqlx's `Any` driver). A write returns
//! only after its transaction has committed, so an acknowledged grant
//! survives a crash of the process.

use std::str::FromStr;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyConnection, AnyPool, Row};

use crate::Error;

/// The schema, applied in order at start; every statement is idempotent.
const SCHEMA: [&str; 6] = [
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS consents (
        id TEXT PRIMARY KEY,
        citizen TEXT NOT NULL,
        agency_id TEXT NOT NULL,
        attributes TEXT NOT NULL,
        purpose TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        valid_until BIGINT NOT NULL,
        revoked_at BIGINT
    )",
    "CREATE INDEX IF NOT EXISTS consents_by_citizen ON consents (citizen, agency_id)",
    "CREATE TABLE IF NOT EXISTS signing_keys (
        kid TEXT PRIMARY KEY,
        private_key TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        retired_at BIGINT
    )",
    "CREATE TABLE IF NOT EXISTS audit (
        seq BIGINT PRIMARY KEY,
        at BIGINT NOT NULL,
        event TEXT NOT NULL,
        citizen TEXT NOT NULL,
        agency_id TEXT NOT NULL,
        attributes TEXT NOT NULL,
        purpose TEXT NOT NULL,
        consent_id TEXT NOT NULL,
        token_id TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS agencies (
        agency_id TEXT PRIMARY KEY,
        organisation_number TEXT NOT NULL,
        address TEXT NOT NULL,
        public_key TEXT NOT NULL,
        attributes TEXT NOT NULL,
        added_at BIGINT NOT NULL
    )",
];

/// A consent grant as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRow {
    pub id: String,
    pub citizen: String,
    pub agency_id: String,
    pub attributes: Vec<String>,
    pub purpose: String,
    pub created_at: i64,
    pub valid_until: i64,
    pub revoked_at: Option<i64>,
}

impl ConsentRow {
    pub fn in_force(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.valid_until > now
    }
}

/// A signing key as stored (the private key as base64 PKCS#8).
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub kid: String,
    pub private_key: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
}

/// Attribute lists are stored as one comma-separated column (attribute ids
/// never contain commas).
pub(crate) fn attributes_column(attributes: &[String]) -> String {
    attributes.join(",")
}

pub(crate) fn attributes_from_column(column: &str) -> Vec<String> {
    column
        .split(',')
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

fn consent_from(row: &sqlx::any::AnyRow) -> Result<ConsentRow, sqlx::Error> {
    let attributes: String = row.try_get("attributes")?;
    Ok(ConsentRow {
        id: row.try_get("id")?,
        citizen: row.try_get("citizen")?,
        agency_id: row.try_get("agency_id")?,
        attributes: attributes_from_column(&attributes),
        purpose: row.try_get("purpose")?,
        created_at: row.try_get("created_at")?,
        valid_until: row.try_get("valid_until")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

impl Store {
    /// Opens (and creates, for SQLite) the database at `url`, e.g.
    /// `sqlite://consent.db`, `sqlite::memory:` or `postgres://…`.
    pub async fn open(url: &str) -> Result<Self, Error> {
        install_default_drivers();
        let url = if url.starts_with("sqlite:") && !url.contains(":memory:") && !url.contains("mode=") {
            format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
        } else {
            url.to_string()
        };
        // Validate the URL before connecting, for a readable error.
        sqlx::any::AnyConnectOptions::from_str(&url).map_err(|e| Error::Config(format!("database url: {e}")))?;
        let in_memory = url.contains(":memory:");
        let pool = AnyPoolOptions::new()
            // One connection keeps an in-memory SQLite database alive and shared.
            .max_connections(if in_memory { 1 } else { 8 })
            .min_connections(if in_memory { 1 } else { 0 })
            .idle_timeout(None::<std::time::Duration>)
            .max_lifetime(None::<std::time::Duration>)
            .connect(&url)
            .await?;
        for statement in SCHEMA {
            sqlx::query(statement).execute(&pool).await?;
        }
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A service secret by name, created with `make` on first use.
    pub async fn secret(&self, name: &str, make: impl FnOnce() -> Result<String, Error>) -> Result<String, Error> {
        if let Some(row) = sqlx::query("SELECT value FROM meta WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
        {
            return Ok(row.try_get("value")?);
        }
        let value = make()?;
        // Two instances starting at once: the first insert wins, both read it back.
        let _ = sqlx::query("INSERT INTO meta (name, value) VALUES ($1, $2)")
            .bind(name)
            .bind(&value)
            .execute(&self.pool)
            .await;
        let row = sqlx::query("SELECT value FROM meta WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("value")?)
    }

    /// Inserts `consent` on `connection` (the audit log's transaction: a grant
    /// lands with its audit entry or not at all).
    pub(crate) async fn insert_consent(connection: &mut AnyConnection, consent: &ConsentRow) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO consents (id, citizen, agency_id, attributes, purpose, created_at, valid_until, revoked_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
        )
        .bind(&consent.id)
        .bind(&consent.citizen)
        .bind(&consent.agency_id)
        .bind(attributes_column(&consent.attributes))
        .bind(&consent.purpose)
        .bind(consent.created_at)
        .bind(consent.valid_until)
        .execute(connection)
        .await?;
        Ok(())
    }

    /// The citizen's consents, newest first.
    pub async fn consents(&self, citizen: &str) -> Result<Vec<ConsentRow>, Error> {
        let rows = sqlx::query("SELECT * FROM consents WHERE citizen = $1 ORDER BY created_at DESC, id")
            .bind(citizen)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(consent_from).collect::<Result<_, _>>()?)
    }

    /// Marks a consent in force revoked on `connection` (the audit log's
    /// transaction); false when it was not in force any more.
    pub(crate) async fn revoke(
        connection: &mut AnyConnection,
        citizen: &str,
        id: &str,
        now: i64,
    ) -> Result<bool, Error> {
        let updated =
            sqlx::query("UPDATE consents SET revoked_at = $1 WHERE citizen = $2 AND id = $3 AND revoked_at IS NULL")
                .bind(now)
                .bind(citizen)
                .bind(id)
                .execute(connection)
                .await?;
        Ok(updated.rows_affected() == 1)
    }

    /// The citizen's consent `id`, if there is one.
    pub async fn consent(&self, citizen: &str, id: &str) -> Result<Option<ConsentRow>, Error> {
        let row = sqlx::query("SELECT * FROM consents WHERE citizen = $1 AND id = $2")
            .bind(citizen)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(consent_from).transpose()?)
    }

    /// The citizen a consent belongs to.
    pub async fn consent_citizen(&self, id: &str) -> Result<Option<String>, Error> {
        let row = sqlx::query("SELECT citizen FROM consents WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("citizen")).transpose()?)
    }

    pub async fn insert_key(&self, key: &KeyRow) -> Result<(), Error> {
        sqlx::query("INSERT INTO signing_keys (kid, private_key, created_at, retired_at) VALUES ($1, $2, $3, NULL)")
            .bind(&key.kid)
            .bind(&key.private_key)
            .bind(key.created_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn retire_keys_except(&self, kid: &str, now: i64) -> Result<(), Error> {
        sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE kid <> $2 AND retired_at IS NULL")
            .bind(now)
            .bind(kid)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Keys not retired, or retired after `since`, oldest first.
    pub async fn keys(&self, since: i64) -> Result<Vec<KeyRow>, Error> {
        let rows = sqlx::query(
            "SELECT kid, private_key, created_at, retired_at FROM signing_keys
             WHERE retired_at IS NULL OR retired_at > $1 ORDER BY created_at, kid",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(KeyRow {
                    kid: row.try_get("kid")?,
                    private_key: row.try_get("private_key")?,
                    created_at: row.try_get("created_at")?,
                    retired_at: row.try_get("retired_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Error::from)
    }
}
