//! The append-only audit log: every grant, revocation, token issued and
//! token used, hash-chained so that editing, deleting or reordering a row is
//! detected by [`AuditLog::verify`]. Rows name the citizen by a keyed hash,
//! never by identity number.

use sha2::{Digest, Sha256};
use sqlx::Row;
use tokio::sync::Mutex;

use crate::Error;
use crate::store::{ConsentRow, Store, attributes_column, attributes_from_column};

/// The state change an audit entry records, written in the same transaction.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// Nothing besides the entry: a token issued or used.
    None,
    /// A new consent.
    Grant(&'a ConsentRow),
    /// A consent in force revoked: (citizen, consent id, when).
    Revoke(&'a str, &'a str, i64),
}

/// The `prev_hash` of the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditEvent {
    ConsentGranted,
    ConsentRevoked,
    TokenIssued,
    TokenUsed,
}

impl AuditEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConsentGranted => "consent-granted",
            Self::ConsentRevoked => "consent-revoked",
            Self::TokenIssued => "token-issued",
            Self::TokenUsed => "token-used",
        }
    }
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub event: String,
    pub citizen: String,
    pub agency_id: String,
    pub attributes: Vec<String>,
    pub purpose: String,
    pub consent_id: String,
    pub token_id: String,
}

/// An entry about to be written.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub at: i64,
    pub event: AuditEvent,
    pub citizen: &'a str,
    pub agency_id: &'a str,
    pub attributes: &'a [String],
    pub purpose: &'a str,
    pub consent_id: &'a str,
    pub token_id: &'a str,
}

/// The result of checking the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainReport {
    pub entries: u64,
    /// The first entry that does not fit the chain.
    pub first_broken: Option<u64>,
}

/// The audit log in the store.
#[derive(Debug)]
pub struct AuditLog {
    store: Store,
    /// Appends are serialised in this process; the primary key on `seq`
    /// refuses a second writer's clash, which is then retried.
    append: Mutex<()>,
}

fn entry_hash(prev_hash: &str, entry: &AuditEntry) -> String {
    let mut hasher = Sha256::new();
    for field in [
        prev_hash,
        &entry.seq.to_string(),
        &entry.at.to_string(),
        &entry.event,
        &entry.citizen,
        &entry.agency_id,
        &attributes_column(&entry.attributes),
        &entry.purpose,
        &entry.consent_id,
        &entry.token_id,
    ] {
        // Length-prefixed, so no two different entries hash the same text.
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex(&hasher.finalize())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl AuditLog {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            append: Mutex::new(()),
        }
    }

    /// Appends an entry; returns its sequence number.
    pub async fn append(&self, new: NewEntry<'_>) -> Result<i64, Error> {
        // With no change to make, the entry is always written.
        Ok(self.record(new, Change::None).await?.unwrap_or_default())
    }

    /// Makes `change` and appends `new` in one transaction: both land or
    /// neither does, whatever fails or crashes between them. Returns the
    /// entry's sequence number, or `None` when the change had nothing to do
    /// (a consent revoked already), in which case nothing is written.
    pub async fn record(&self, new: NewEntry<'_>, change: Change<'_>) -> Result<Option<i64>, Error> {
        let _serialised = self.append.lock().await;
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.try_record(&new, change).await {
                Ok(seq) => return Ok(seq),
                // Another instance appended in between: the transaction rolled back whole.
                Err(Error::Database(error)) if attempts < 5 => {
                    tracing::debug!(%error, "audit append raced, retrying");
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn try_record(&self, new: &NewEntry<'_>, change: Change<'_>) -> Result<Option<i64>, Error> {
        let mut transaction = self.store.pool().begin().await?;
        match change {
            Change::None => {}
            Change::Grant(consent) => Store::insert_consent(&mut transaction, consent).await?,
            Change::Revoke(citizen, id, now) => {
                if !Store::revoke(&mut transaction, citizen, id, now).await? {
                    transaction.rollback().await?;
                    return Ok(None);
                }
            }
        }
        let last = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *transaction)
            .await?;
        let (seq, prev_hash) = match last {
            Some(row) => (row.try_get::<i64, _>("seq")? + 1, row.try_get::<String, _>("hash")?),
            None => (1, GENESIS.to_string()),
        };
        let entry = AuditEntry {
            seq,
            at: new.at,
            event: new.event.as_str().to_string(),
            citizen: new.citizen.to_string(),
            agency_id: new.agency_id.to_string(),
            attributes: new.attributes.to_vec(),
            purpose: new.purpose.to_string(),
            consent_id: new.consent_id.to_string(),
            token_id: new.token_id.to_string(),
        };
        let hash = entry_hash(&prev_hash, &entry);
        sqlx::query(
            "INSERT INTO audit (seq, at, event, citizen, agency_id, attributes, purpose, consent_id, token_id, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(entry.seq)
        .bind(entry.at)
        .bind(&entry.event)
        .bind(&entry.citizen)
        .bind(&entry.agency_id)
                    .bind(attributes_column(&entry.attributes))
        .bind(&entry.purpose)
        .bind(&entry.consent_id)
        .bind(&entry.token_id)
        .bind(&prev_hash)
        .bind(&hash)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(Some(seq))
    }

    fn entry_from(row: &sqlx::any::AnyRow) -> Result<(AuditEntry, String, String), sqlx::Error> {
        let attributes: String = row.try_get("attributes")?;
        Ok((
            AuditEntry {
                seq: row.try_get("seq")?,
                at: row.try_get("at")?,
                event: row.try_get("event")?,
                citizen: row.try_get("citizen")?,
                agency_id: row.try_get("agency_id")?,
                attributes: attributes_from_column(&attributes),
                purpose: row.try_get("purpose")?,
                consent_id: row.try_get("consent_id")?,
                token_id: row.try_get("token_id")?,
            },
            row.try_get("prev_hash")?,
            row.try_get("hash")?,
        ))
    }

    /// The citizen's entries, oldest first.
    pub async fn for_citizen(&self, citizen: &str) -> Result<Vec<AuditEntry>, Error> {
        let rows = sqlx::query("SELECT * FROM audit WHERE citizen = $1 ORDER BY seq")
            .bind(citizen)
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|row| Self::entry_from(row).map(|(entry, _, _)| entry))
            .collect::<Result<_, _>>()
            .map_err(Error::from)
    }

    /// Recomputes every hash from the first entry on.
    pub async fn verify(&self) -> Result<ChainReport, Error> {
        let rows = sqlx::query("SELECT * FROM audit ORDER BY seq")
            .fetch_all(self.store.pool())
            .await?;
        let mut expected_prev = GENESIS.to_string();
        let mut report = ChainReport {
            entries: rows.len() as u64,
            first_broken: None,
        };
        for (index, row) in rows.iter().enumerate() {
            let (entry, prev_hash, hash) = Self::entry_from(row)?;
            let in_place = entry.seq == index as i64 + 1;
            if !in_place || prev_hash != expected_prev || entry_hash(&prev_hash, &entry) != hash {
                report.first_broken = Some(u64::try_from(entry.seq).unwrap_or(0).max(1));
                break;
            }
            expected_prev = hash;
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn log_with(entries: usize) -> AuditLog {
        let store = Store::open("sqlite::memory:").await.expect("store");
        let log = AuditLog::new(store);
        let attributes = ["children_ages".to_string()];
        for n in 0..entries {
            log.append(NewEntry {
                at: 1_795_521_600 + n as i64,
                event: AuditEvent::TokenIssued,
                citizen: "c1",
                agency_id: "nav",
                attributes: &attributes,
                purpose: "dodsfall-og-arv",
                consent_id: "k1",
                token_id: &format!("t{n}"),
            })
            .await
            .expect("appended");
        }
        log
    }

    fn consent(id: &str) -> ConsentRow {
        ConsentRow {
            id: id.into(),
            citizen: "c1".into(),
            agency_id: "nav".into(),
            attributes: vec!["children_ages".into()],
            purpose: "dodsfall-og-arv".into(),
            created_at: 1_795_521_600,
            valid_until: 1_795_521_600 + 86_400,
            revoked_at: None,
        }
    }

    fn entry<'a>(event: AuditEvent, consent: &'a ConsentRow) -> NewEntry<'a> {
        NewEntry {
            at: consent.created_at,
            event,
            citizen: &consent.citizen,
            agency_id: &consent.agency_id,
            attributes: &consent.attributes,
            purpose: &consent.purpose,
            consent_id: &consent.id,
            token_id: "",
        }
    }

    async fn count(log: &AuditLog, table: &str) -> i64 {
        sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
            .fetch_one(log.store.pool())
            .await
            .expect("counted")
            .try_get("n")
            .expect("a count")
    }

    /// A grant or revocation whose audit entry cannot be written is not
    /// made either: the consent and its entry land in one transaction.
    #[tokio::test]
    async fn a_grant_and_a_revocation_land_with_their_entry_or_not_at_all() {
        let log = log_with(0).await;
        let kept = consent("k1");
        log.record(entry(AuditEvent::ConsentGranted, &kept), Change::Grant(&kept))
            .await
            .expect("granted");
        assert_eq!((count(&log, "consents").await, count(&log, "audit").await), (1, 1));

        // From here on, the audit log refuses every entry.
        sqlx::query("CREATE TRIGGER refuse BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'refused'); END")
            .execute(log.store.pool())
            .await
            .expect("trigger");
        let lost = consent("k2");
        assert!(
            log.record(entry(AuditEvent::ConsentGranted, &lost), Change::Grant(&lost))
                .await
                .is_err()
        );
        assert_eq!(count(&log, "consents").await, 1, "no consent without its entry");
        assert!(
            log.record(
                entry(AuditEvent::ConsentRevoked, &kept),
                Change::Revoke("c1", "k1", 1_795_521_700)
            )
            .await
            .is_err()
        );
        let revoked = log.store.consent("c1", "k1").await.expect("read").expect("there");
        assert_eq!(revoked.revoked_at, None, "no revocation without its entry");
    }

    #[tokio::test]
    async fn an_untouched_chain_verifies() {
        let log = log_with(5).await;
        assert_eq!(
            log.verify().await.expect("read"),
            ChainReport {
                entries: 5,
                first_broken: None
            }
        );
    }

    #[tokio::test]
    async fn an_edited_row_breaks_the_chain_at_that_row() {
        let log = log_with(5).await;
        sqlx::query("UPDATE audit SET agency_id = 'kommune' WHERE seq = 3")
            .execute(log.store.pool())
            .await
            .expect("edited");
        assert_eq!(log.verify().await.expect("read").first_broken, Some(3));
    }

    #[tokio::test]
    async fn a_deleted_row_breaks_the_chain() {
        let log = log_with(5).await;
        sqlx::query("DELETE FROM audit WHERE seq = 2")
            .execute(log.store.pool())
            .await
            .expect("deleted");
        assert_eq!(log.verify().await.expect("read").first_broken, Some(3));
    }

    #[tokio::test]
    async fn a_rehashed_edit_is_still_caught_by_the_next_link() {
        let log = log_with(4).await;
        // Edit row 2 and recompute its own hash: row 3's prev_hash no longer fits.
        let rows = sqlx::query("SELECT * FROM audit WHERE seq = 2")
            .fetch_all(log.store.pool())
            .await
            .expect("read");
        let (mut entry, prev, _) = AuditLog::entry_from(&rows[0]).expect("row");
        entry.agency_id = "skatteetaten".into();
        let forged = entry_hash(&prev, &entry);
        sqlx::query("UPDATE audit SET agency_id = 'skatteetaten', hash = $1 WHERE seq = 2")
            .bind(forged)
            .execute(log.store.pool())
            .await
            .expect("forged");
        assert_eq!(log.verify().await.expect("read").first_broken, Some(3));
    }
}
