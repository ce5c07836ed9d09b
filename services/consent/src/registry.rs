//! The federation's registry of agencies (`veiviser.registry.v1`): each entry
//! checked field by field, changes allowed only with the operator key, rows
//! and a revision in the store.

use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use sqlx::Row;
use veiviser_proto::registry::v1::RegisteredAgency;
use veiviser_runtime::cards::{is_identifier, is_organisation_number, is_public_key};
use veiviser_runtime::tokens::PROFILE_ATTRIBUTES;

use crate::Error;
use crate::store::{Store, attributes_column, attributes_from_column};

/// The longest address accepted.
const MAX_ADDRESS_CHARS: usize = 512;
/// The `meta` row holding the registry's revision.
const REVISION: &str = "registry-revision";

/// Why a change to the registry was refused before it was looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRefusal {
    /// The request carried no operator key.
    Missing,
    /// The request carried a key, not the operator's.
    Wrong,
}

impl KeyRefusal {
    pub fn reason(self) -> &'static str {
        match self {
            Self::Missing => "missing-operator-key",
            Self::Wrong => "wrong-operator-key",
        }
    }
}

/// The registry: its rows, and who may change them.
#[derive(Debug)]
pub struct Registry {
    store: Store,
    /// SHA-256 of the operator key; changes are off without one.
    operator_key: Option<[u8; 32]>,
    refused_missing: AtomicU64,
    refused_wrong: AtomicU64,
}

impl Registry {
    pub fn new(store: Store, operator_key: Option<&str>) -> Self {
        Self {
            store,
            operator_key: operator_key.map(|key| Sha256::digest(key.trim().as_bytes()).into()),
            refused_missing: AtomicU64::new(0),
            refused_wrong: AtomicU64::new(0),
        }
    }

    /// Checks the key a change came with; refusals are logged and counted.
    pub fn authorise(&self, presented: Option<&str>) -> Result<(), Error> {
        let Some(expected) = self.operator_key else {
            return Err(Error::RegistryClosed);
        };
        let refusal = match presented {
            None => KeyRefusal::Missing,
            Some(key) => {
                let digest: [u8; 32] = Sha256::digest(key.trim().as_bytes()).into();
                // Digests compared in full, so the time taken says nothing about the key.
                if digest.iter().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0 {
                    return Ok(());
                }
                KeyRefusal::Wrong
            }
        };
        match refusal {
            KeyRefusal::Missing => &self.refused_missing,
            KeyRefusal::Wrong => &self.refused_wrong,
        }
        .fetch_add(1, Ordering::Relaxed);
        tracing::warn!(reason = refusal.reason(), "registry change refused");
        Err(Error::OperatorKey)
    }

    /// How many changes were refused, by reason (for `/metrics`).
    pub fn refusals(&self) -> [(&'static str, u64); 2] {
        [
            (
                KeyRefusal::Missing.reason(),
                self.refused_missing.load(Ordering::Relaxed),
            ),
            (KeyRefusal::Wrong.reason(), self.refused_wrong.load(Ordering::Relaxed)),
        ]
    }

    /// Adds `agency` or replaces the entry with its id, at `now`.
    pub async fn add(&self, mut agency: RegisteredAgency, now: i64) -> Result<RegisteredAgency, Error> {
        check_entry(&agency)?;
        agency.added_at = now;
        let mut transaction = self.store.pool().begin().await?;
        sqlx::query(
            "INSERT INTO agencies (agency_id, organisation_number, address, public_key, attributes, added_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (agency_id) DO UPDATE SET organisation_number = excluded.organisation_number,
               address = excluded.address, public_key = excluded.public_key,
               attributes = excluded.attributes, added_at = excluded.added_at",
        )
        .bind(&agency.agency_id)
        .bind(&agency.organisation_number)
        .bind(&agency.address)
        .bind(&agency.public_key)
        .bind(attributes_column(&agency.allowed_profile_attributes))
        .bind(agency.added_at)
        .execute(&mut *transaction)
        .await?;
        bump_revision(&mut transaction).await?;
        transaction.commit().await?;
        tracing::info!(agency = %agency.agency_id, "agency registered");
        Ok(agency)
    }

    /// Removes the agency `agency_id`.
    pub async fn remove(&self, agency_id: &str) -> Result<(), Error> {
        let mut transaction = self.store.pool().begin().await?;
        let removed = sqlx::query("DELETE FROM agencies WHERE agency_id = $1")
            .bind(agency_id)
            .execute(&mut *transaction)
            .await?;
        if removed.rows_affected() == 0 {
            return Err(Error::NotFound("agency"));
        }
        bump_revision(&mut transaction).await?;
        transaction.commit().await?;
        tracing::info!(agency = %agency_id, "agency removed from the registry");
        Ok(())
    }

    /// Every entry, by id, and the revision.
    pub async fn list(&self) -> Result<(Vec<RegisteredAgency>, u64), Error> {
        let rows = sqlx::query(
            "SELECT agency_id, organisation_number, address, public_key, attributes, added_at
             FROM agencies ORDER BY agency_id",
        )
        .fetch_all(self.store.pool())
        .await?;
        let agencies = rows
            .iter()
            .map(|row| {
                let attributes: String = row.try_get("attributes")?;
                Ok(RegisteredAgency {
                    agency_id: row.try_get("agency_id")?,
                    organisation_number: row.try_get("organisation_number")?,
                    address: row.try_get("address")?,
                    public_key: row.try_get("public_key")?,
                    allowed_profile_attributes: attributes_from_column(&attributes),
                    added_at: row.try_get("added_at")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let revision = sqlx::query("SELECT value FROM meta WHERE name = $1")
            .bind(REVISION)
            .fetch_optional(self.store.pool())
            .await?
            .map(|row| row.try_get::<String, _>("value"))
            .transpose()?
            .and_then(|value| value.parse().ok())
            .unwrap_or(0);
        Ok((agencies, revision))
    }

    /// The entry of `agency_id`, if it is registered.
    pub async fn entry(&self, agency_id: &str) -> Result<Option<RegisteredAgency>, Error> {
        let (agencies, _) = self.list().await?;
        Ok(agencies.into_iter().find(|a| a.agency_id == agency_id))
    }
}

/// Adds one to the revision in one statement, so two changes at once on
/// PostgreSQL cannot both write the same number.
async fn bump_revision(transaction: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO meta (name, value) VALUES ($1, '1')
         ON CONFLICT (name) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)",
    )
    .bind(REVISION)
    .execute(&mut **transaction)
    .await?;
    Ok(())
}

/// One rule per field; the message names the field and the rule, never the value.
fn check_entry(agency: &RegisteredAgency) -> Result<(), Error> {
    let invalid = |message: &str| Err(Error::InvalidArgument(message.to_string()));
    if !is_identifier(&agency.agency_id) {
        return invalid("agency_id must be 1–63 of a-z, 0-9 and '-'");
    }
    if !is_organisation_number(&agency.organisation_number) {
        return invalid("organisation_number must be 9 digits with a valid modulus-11 check digit");
    }
    let address = agency.address.as_str();
    let scheme_ok = address.starts_with("http://") || address.starts_with("https://");
    if !scheme_ok
        || address.len() > MAX_ADDRESS_CHARS
        || address.chars().any(char::is_whitespace)
        || address.contains('@')
        || address
            .parse::<tonic::codegen::http::Uri>()
            .map_or(true, |uri| uri.authority().is_none())
    {
        return invalid(
            "address must be an http:// or https:// URL with a host (and a port), no user name, at most 512 characters",
        );
    }
    if !is_public_key(&agency.public_key) {
        return invalid("public_key must be an Ed25519 public key: 32 bytes, base64url without padding");
    }
    let attributes = &agency.allowed_profile_attributes;
    if attributes.iter().any(|a| !PROFILE_ATTRIBUTES.contains(&a.as_str())) {
        return Err(Error::InvalidArgument(format!(
            "allowed_profile_attributes must be names from the vocabulary: {}",
            PROFILE_ATTRIBUTES.join(", ")
        )));
    }
    if attributes.iter().enumerate().any(|(i, a)| attributes[..i].contains(a)) {
        return invalid("allowed_profile_attributes must not name an attribute twice");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> RegisteredAgency {
        RegisteredAgency {
            agency_id: "bibliotek".into(),
            organisation_number: "926722387".into(),
            address: "http://127.0.0.1:50080".into(),
            public_key: "A".repeat(43),
            allowed_profile_attributes: vec!["name".into()],
            added_at: 0,
        }
    }

    async fn registry(key: Option<&str>) -> Registry {
        Registry::new(Store::open("sqlite::memory:").await.expect("store"), key)
    }

    #[tokio::test]
    async fn entries_are_added_replaced_listed_and_removed_with_a_growing_revision() {
        let registry = registry(Some("operator")).await;
        assert_eq!(registry.list().await.expect("list"), (vec![], 0));
        registry.add(entry(), 10).await.expect("added");
        let replaced = RegisteredAgency {
            address: "http://127.0.0.1:50081".into(),
            ..entry()
        };
        registry.add(replaced, 20).await.expect("replaced");
        let (agencies, revision) = registry.list().await.expect("list");
        assert_eq!(revision, 2);
        assert_eq!(agencies.len(), 1);
        assert_eq!(agencies[0].address, "http://127.0.0.1:50081");
        assert_eq!(agencies[0].added_at, 20);
        registry.remove("bibliotek").await.expect("removed");
        assert_eq!(registry.list().await.expect("list"), (vec![], 3));
        assert!(matches!(registry.remove("bibliotek").await, Err(Error::NotFound(_))));
    }

    #[tokio::test]
    async fn only_the_operator_key_changes_the_registry() {
        let registry = registry(Some("operator")).await;
        assert!(registry.authorise(Some("operator")).is_ok());
        assert!(matches!(registry.authorise(None), Err(Error::OperatorKey)));
        assert!(matches!(registry.authorise(Some("guess")), Err(Error::OperatorKey)));
        assert_eq!(
            registry.refusals(),
            [("missing-operator-key", 1), ("wrong-operator-key", 1)]
        );
        let closed = self::registry(None).await;
        assert!(matches!(closed.authorise(Some("operator")), Err(Error::RegistryClosed)));
    }

    #[test]
    fn each_field_has_its_rule_and_the_message_never_holds_the_value() {
        type Spoil = fn(&mut RegisteredAgency);
        let cases: [(&str, Spoil); 8] = [
            ("agency_id", |a| a.agency_id = "Bibliotek!!".into()),
            ("organisation_number", |a| a.organisation_number = "926722388".into()),
            ("address", |a| a.address = "ftp://bibliotek!!".into()),
            ("address", |a| a.address = "http://".into()),
            ("address", |a| {
                a.address = "http://bibliotek!!:secret@example.no:50080".into()
            }),
            ("public_key", |a| a.public_key = "bibliotek!!".into()),
            ("allowed_profile_attributes", |a| {
                a.allowed_profile_attributes = vec!["bibliotek!!".into()]
            }),
            ("allowed_profile_attributes", |a| {
                a.allowed_profile_attributes = vec!["name".into(), "name".into()]
            }),
        ];
        assert!(check_entry(&entry()).is_ok());
        for (field, spoil) in cases {
            let mut agency = entry();
            spoil(&mut agency);
            let Err(Error::InvalidArgument(message)) = check_entry(&agency) else {
                panic!("{field} accepted");
            };
            assert!(message.starts_with(field), "{message}");
            assert!(!message.contains("bibliotek!!"), "{message}");
        }
    }
}
