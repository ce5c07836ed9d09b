//! Where verification keys come from: a JWKS fetched over HTTP and cached,
//! refreshed when a token names a key id the cache does not know (at most
//! once per [`REFRESH_GAP`], so unknown ids cannot flood the issuer), or a
//! fixed set given in code.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::JwkSet;

use super::TokenError;
use crate::clock::Clock;

/// The largest JWKS document accepted.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;
/// The shortest time between two fetches of the JWKS.
const REFRESH_GAP: Duration = Duration::from_secs(5);
const FETCH_TIMEOUT: Duration = Duration::from_secs(3);

/// Where a verifier gets its keys.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// `GET` this URL for a JWKS (e.g. `http://consent:8080/.well-known/jwks.json`).
    Url(String),
    /// A fixed key set.
    Static(JwkSet),
}

#[derive(Debug)]
struct Cached {
    keys: JwkSet,
    fetched: Option<SystemTime>,
}

/// A JWKS cache.
#[derive(Debug)]
pub(super) struct KeyCache {
    source: KeySource,
    cached: Mutex<Cached>,
    refresh: tokio::sync::Mutex<()>,
    /// Only for [`KeySource::Url`].
    http: Option<reqwest::Client>,
    clock: Arc<dyn Clock>,
}

impl KeyCache {
    pub(super) fn new(source: KeySource, clock: Arc<dyn Clock>) -> Self {
        let keys = match &source {
            KeySource::Static(keys) => keys.clone(),
            KeySource::Url(_) => JwkSet { keys: Vec::new() },
        };
        Self {
            cached: Mutex::new(Cached { keys, fetched: None }),
            refresh: tokio::sync::Mutex::new(()),
            http: matches!(source, KeySource::Url(_)).then(|| {
                reqwest::Client::builder()
                    .timeout(FETCH_TIMEOUT)
                    .build()
                    .unwrap_or_default()
            }),
            source,
            clock,
        }
    }

    fn lookup(&self, kid: &str) -> Option<Result<DecodingKey, TokenError>> {
        let cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        cached
            .keys
            .find(kid)
            .map(|jwk| DecodingKey::from_jwk(jwk).map_err(|_| TokenError::UnknownKey))
    }

    /// The key with id `kid`, fetching the JWKS again if it is not known.
    pub(super) async fn key(&self, kid: &str) -> Result<DecodingKey, TokenError> {
        if let Some(found) = self.lookup(kid) {
            return found;
        }
        let KeySource::Url(url) = &self.source else {
            return Err(TokenError::UnknownKey);
        };
        let _one_fetch_at_a_time = self.refresh.lock().await;
        if let Some(found) = self.lookup(kid) {
            return found;
        }
        let recently = {
            let cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
            let now = self.clock.now();
            cached
                .fetched
                .is_some_and(|at| now.duration_since(at).unwrap_or_default() < REFRESH_GAP)
        };
        if recently {
            return Err(TokenError::UnknownKey);
        }
        let fetched = self.fetch(url).await;
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        cached.fetched = Some(self.clock.now());
        match fetched {
            Ok(keys) => {
                tracing::debug!(keys = keys.keys.len(), "jwks refreshed");
                cached.keys = keys;
            }
            Err(error) => {
                tracing::warn!(%error, "jwks could not be fetched");
                return Err(TokenError::KeysUnavailable);
            }
        }
        drop(cached);
        self.lookup(kid).unwrap_or(Err(TokenError::UnknownKey))
    }

    async fn fetch(&self, url: &str) -> Result<JwkSet, String> {
        let http = self.http.as_ref().ok_or("no http client")?;
        let response = http.get(url).send().await.map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        if body.len() > MAX_JWKS_BYTES {
            return Err(format!("jwks of {} bytes is too large", body.len()));
        }
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    }
}
