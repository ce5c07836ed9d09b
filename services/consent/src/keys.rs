//! The service's signing keys: Ed25519, stored in the database, rotated
//! without downtime. The newest key signs; a retired key stays in the JWKS
//! until every token it signed has expired, so verifiers never see a valid
//! token they cannot check.

use std::sync::RwLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey};
use veiviser_runtime::tokens::MAX_TOKEN_LIFETIME_SECONDS;

use crate::Error;
use crate::store::{KeyRow, Store};

/// How long a retired key is still published: the longest token lifetime
/// plus a minute for clock differences.
pub const RETIRED_KEY_GRACE_SECONDS: i64 = MAX_TOKEN_LIFETIME_SECONDS + 60;

#[derive(Debug, Clone)]
struct LoadedKey {
    kid: String,
    encoding: EncodingKey,
    jwk: Jwk,
    created_at: i64,
    retired_at: Option<i64>,
}

/// The keys in use.
#[derive(Debug)]
pub struct SigningKeys {
    store: Store,
    keys: RwLock<Vec<LoadedKey>>,
}

fn load(row: &KeyRow) -> Result<LoadedKey, Error> {
    let der = STANDARD
        .decode(&row.private_key)
        .map_err(|_| Error::Config(format!("signing key {} is not base64", row.kid)))?;
    let encoding = EncodingKey::from_ed_der(&der);
    let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::EdDSA)
        .map_err(|e| Error::Config(format!("signing key {}: {e}", row.kid)))?;
    jwk.common.key_id = Some(row.kid.clone());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    Ok(LoadedKey {
        kid: row.kid.clone(),
        encoding,
        jwk,
        created_at: row.created_at,
        retired_at: row.retired_at,
    })
}

fn generate(now: i64) -> Result<KeyRow, Error> {
    let der = veiviser_runtime::cards::new_ed25519_pkcs8().map_err(|e| Error::Config(e.to_string()))?;
    Ok(KeyRow {
        kid: format!("k{now}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
        private_key: STANDARD.encode(&der),
        created_at: now,
        retired_at: None,
    })
}

impl SigningKeys {
    /// Loads the keys from the store, creating the first one if there is none.
    pub async fn open(store: Store, now: i64) -> Result<Self, Error> {
        let keys = Self {
            store,
            keys: RwLock::new(Vec::new()),
        };
        keys.reload(now).await?;
        if keys.current().is_none() {
            keys.rotate(now).await?;
        }
        Ok(keys)
    }

    pub async fn reload(&self, now: i64) -> Result<(), Error> {
        let rows = self.store.keys(now - RETIRED_KEY_GRACE_SECONDS).await?;
        let loaded = rows.iter().map(load).collect::<Result<Vec<_>, _>>()?;
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = loaded;
        Ok(())
    }

    /// Makes a new key the signing key and retires the others.
    pub async fn rotate(&self, now: i64) -> Result<String, Error> {
        let row = generate(now)?;
        self.store.insert_key(&row).await?;
        self.store.retire_keys_except(&row.kid, now).await?;
        self.reload(now).await?;
        tracing::info!(kid = %row.kid, "signing key rotated");
        Ok(row.kid)
    }

    /// Re-reads the keys (another instance may have rotated) and rotates if
    /// the signing key is at least `max_age` seconds old.
    pub async fn rotate_if_older_than(&self, now: i64, max_age: i64) -> Result<(), Error> {
        self.reload(now).await?;
        let newest = {
            let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
            keys.iter()
                .filter(|k| k.retired_at.is_none())
                .map(|k| k.created_at)
                .max()
        };
        if newest.is_none_or(|created| now - created >= max_age) {
            self.rotate(now).await?;
        }
        Ok(())
    }

    /// The key that signs now, with its id.
    pub fn current(&self) -> Option<(String, EncodingKey)> {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        keys.iter()
            .rev()
            .find(|k| k.retired_at.is_none())
            .map(|k| (k.kid.clone(), k.encoding.clone()))
    }

    /// The public keys verifiers need at `now`: the signing key and keys
    /// retired within the grace period.
    pub fn jwks(&self, now: i64) -> JwkSet {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        JwkSet {
            keys: keys
                .iter()
                .filter(|k| k.retired_at.is_none_or(|at| at > now - RETIRED_KEY_GRACE_SECONDS))
                .map(|k| k.jwk.clone())
                .collect(),
        }
    }
}
