//! An agency's identity in the federation: the shape of agency ids and
//! organisation numbers, Ed25519 card keys, and signed cards (a compact JWS
//! over the encoded card, `veiviser.agency.v1.SignedCard`).
//!
//! The agency signs with [`CardKey::sign`]; the master checks with
//! [`verify_card`] against what the registry holds for the agency. Both live
//! here so that the two sides cannot disagree on a claim's name.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The longest id (agency, skill, life event, concept): 63 characters.
pub const MAX_ID_CHARS: usize = 63;
/// How long a card signature may be valid: `exp - iat` at most.
pub const MAX_SIGNATURE_LIFETIME_SECONDS: i64 = 3_600;
/// How long an agency's signature is valid when it signs.
pub const SIGNATURE_LIFETIME_SECONDS: i64 = 600;
/// Clock difference tolerated between agency and master.
const LEEWAY_SECONDS: u64 = 60;
/// Signatures longer than this are refused before they are parsed.
const MAX_SIGNATURE_BYTES: usize = 4 * 1024;

/// Lowercase ASCII letters, digits and '-', not empty and not too long.
pub fn is_identifier(text: &str) -> bool {
    (1..=MAX_ID_CHARS).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Nine digits whose last is the modulus-11 check digit of the first eight
/// (weights 3, 2, 7, 6, 5, 4, 3, 2), as Enhetsregisteret assigns them.
pub fn is_organisation_number(text: &str) -> bool {
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    if text.len() != 9 || digits.len() != 9 {
        return false;
    }
    let sum: u32 = digits[..8]
        .iter()
        .zip([3, 2, 7, 6, 5, 4, 3, 2])
        .map(|(d, w)| d * w)
        .sum();
    match 11 - sum % 11 {
        11 => digits[8] == 0,
        10 => false,
        check => digits[8] == check,
    }
}

/// An Ed25519 public key as the registry holds it: 32 bytes, base64url
/// without padding (a JWK's `x`).
pub fn is_public_key(text: &str) -> bool {
    text.len() == 43 && URL_SAFE_NO_PAD.decode(text).is_ok_and(|bytes| bytes.len() == 32)
}

/// The fixed start of a version-1 PKCS#8 document holding an Ed25519 seed
/// (RFC 8410): SEQUENCE { version 0, AlgorithmIdentifier id-Ed25519,
/// OCTET STRING { OCTET STRING (32 bytes) } }.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// A new Ed25519 private key as PKCS#8 DER, from the operating system's
/// random source; an error when there is none (never a fixed key).
pub fn new_ed25519_pkcs8() -> Result<Vec<u8>, KeyError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|_| KeyError::NoRandomness)?;
    let mut der = ED25519_PKCS8_PREFIX.to_vec();
    der.extend_from_slice(&seed);
    Ok(der)
}

/// Why a card key could not be made or read. Never holds key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the operating system gave no randomness for a key")]
    NoRandomness,
    #[error("not an Ed25519 private key in PKCS#8 PEM (\"BEGIN PRIVATE KEY\")")]
    NotAKey,
}

/// An agency's card-signing key.
#[derive(Clone)]
pub struct CardKey {
    encoding: EncodingKey,
    public_key: String,
}

impl fmt::Debug for CardKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The private half never reaches a log.
        f.debug_struct("CardKey").field("public_key", &self.public_key).finish()
    }
}

impl CardKey {
    /// A new random key, and its PKCS#8 PEM to store.
    pub fn generate() -> Result<(Self, String), KeyError> {
        let der = new_ed25519_pkcs8()?;
        let pem = pem("PRIVATE KEY", &der);
        Ok((Self::from_pem(&pem)?, pem))
    }

    /// Reads a PKCS#8 PEM Ed25519 private key (what [`CardKey::generate`] writes,
    /// or `openssl genpkey -algorithm ed25519`).
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let der = pem_body(pem, "PRIVATE KEY").ok_or(KeyError::NotAKey)?;
        // Exactly a seed in the fixed PKCS#8 frame, as RFC 8410 encodes it.
        if der.len() != ED25519_PKCS8_PREFIX.len() + 32 || !der.starts_with(&ED25519_PKCS8_PREFIX) {
            return Err(KeyError::NotAKey);
        }
        let encoding = EncodingKey::from_ed_der(&der);
        let jwk = Jwk::from_encoding_key(&encoding, Algorithm::EdDSA).map_err(|_| KeyError::NotAKey)?;
        let AlgorithmParameters::OctetKeyPair(pair) = jwk.algorithm else {
            return Err(KeyError::NotAKey);
        };
        // A well-formed PEM around something that is not a 32-byte seed.
        if !is_public_key(&pair.x) {
            return Err(KeyError::NotAKey);
        }
        Ok(Self {
            encoding,
            public_key: pair.x,
        })
    }

    /// The public key to register (base64url, 43 characters).
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// Signs an encoded card for `agency_id` and `organisation_number` at
    /// `now` (seconds since the epoch), valid for [`SIGNATURE_LIFETIME_SECONDS`].
    pub fn sign(&self, agency_id: &str, organisation_number: &str, card: &[u8], now: i64) -> String {
        let claims = CardClaims {
            iss: agency_id.to_string(),
            org: organisation_number.to_string(),
            card_sha256: digest(card),
            iat: now,
            exp: now + SIGNATURE_LIFETIME_SECONDS,
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(CARD_SIGNATURE_TYPE.to_string());
        // Signing a serialisable struct with a valid key cannot fail; an empty
        // signature would be refused by every master, never accepted.
        jsonwebtoken::encode(&header, &claims, &self.encoding).unwrap_or_default()
    }
}

/// The `typ` header of a card signature, so a card signature is never taken
/// for a profile token or the reverse.
pub const CARD_SIGNATURE_TYPE: &str = "veiviser-card+jwt";

/// The claims of a card signature (`veiviser.agency.v1.SignedCard`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CardClaims {
    iss: String,
    org: String,
    card_sha256: String,
    iat: i64,
    exp: i64,
}

fn digest(card: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(card))
}

/// Who the registry says an agency is.
#[derive(Debug, Clone, Copy)]
pub struct Registration<'a> {
    pub agency_id: &'a str,
    pub organisation_number: &'a str,
    pub public_key: &'a str,
}

/// Why a signed card was refused; each a rule with a stable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureRefusal {
    #[error("the agency serves no signed card")]
    Unsigned,
    #[error("the card signature is not a compact EdDSA JWS of a card")]
    Malformed,
    #[error("the card is not signed with the registered key")]
    WrongKey,
    #[error("the card signature has expired or is valid for too long")]
    Expired,
    #[error("the signed card does not match the signature")]
    CardDigest,
    #[error("the card's agency_id is not the registered one")]
    WrongAgency,
    #[error("the card's organisation number is not the registered one")]
    WrongOrganisation,
    #[error("the card asks for profile attributes not registered for the agency")]
    AttributesNotAllowed,
}

impl SignatureRefusal {
    /// A short stable name, for logs, metrics and `veiviser agencies`.
    pub fn rule(self) -> &'static str {
        match self {
            Self::Unsigned => "unsigned-card",
            Self::Malformed => "card-signature-malformed",
            Self::WrongKey => "card-signature-key",
            Self::Expired => "card-signature-expired",
            Self::CardDigest => "card-digest",
            Self::WrongAgency => "registered-agency-id",
            Self::WrongOrganisation => "registered-organisation-number",
            Self::AttributesNotAllowed => "registered-profile-attributes",
        }
    }
}

/// Checks `signature` over the encoded `card` against `registered`, at `now`
/// (seconds since the epoch): the algorithm, the key, the time claims, the
/// digest, and the identity claims. The card's own fields are the caller's
/// to compare once it is decoded ([`check_identity`]).
pub fn verify_card(
    signature: &str,
    card: &[u8],
    registered: Registration<'_>,
    now: i64,
) -> Result<(), SignatureRefusal> {
    if signature.is_empty() {
        return Err(SignatureRefusal::Unsigned);
    }
    if signature.len() > MAX_SIGNATURE_BYTES {
        return Err(SignatureRefusal::Malformed);
    }
    let header = jsonwebtoken::decode_header(signature).map_err(|_| SignatureRefusal::Malformed)?;
    if header.alg != Algorithm::EdDSA || header.typ.as_deref() != Some(CARD_SIGNATURE_TYPE) {
        return Err(SignatureRefusal::Malformed);
    }
    let key = DecodingKey::from_ed_components(registered.public_key).map_err(|_| SignatureRefusal::WrongKey)?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    // Time is checked below against the caller's clock, not the system's.
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<CardClaims>(signature, &key, &validation)
        .map_err(|error| match error.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => SignatureRefusal::WrongKey,
            _ => SignatureRefusal::Malformed,
        })?
        .claims;
    let leeway = LEEWAY_SECONDS as i64;
    // Checked arithmetic: claims are the agency's numbers, and a wrapped sum
    // must not turn a signature valid for ever into one that passes.
    let lifetime = claims.exp.checked_sub(claims.iat);
    let expired = claims.exp.checked_add(leeway).is_none_or(|until| until < now);
    let from_the_future = claims.iat.checked_sub(leeway).is_none_or(|since| since > now);
    if expired || from_the_future || lifetime.is_none_or(|l| !(0..=MAX_SIGNATURE_LIFETIME_SECONDS).contains(&l)) {
        return Err(SignatureRefusal::Expired);
    }
    if claims.card_sha256 != digest(card) {
        return Err(SignatureRefusal::CardDigest);
    }
    if claims.iss != registered.agency_id {
        return Err(SignatureRefusal::WrongAgency);
    }
    if claims.org != registered.organisation_number {
        return Err(SignatureRefusal::WrongOrganisation);
    }
    Ok(())
}

/// Compares a decoded card's identity and requested attributes with the registration.
pub fn check_identity<'a>(
    agency_id: &str,
    organisation_number: &str,
    requested_attributes: impl IntoIterator<Item = &'a String>,
    registered: Registration<'_>,
    allowed_attributes: &[String],
) -> Result<(), SignatureRefusal> {
    if agency_id != registered.agency_id {
        return Err(SignatureRefusal::WrongAgency);
    }
    if organisation_number != registered.organisation_number {
        return Err(SignatureRefusal::WrongOrganisation);
    }
    if requested_attributes
        .into_iter()
        .any(|attribute| !allowed_attributes.contains(attribute))
    {
        return Err(SignatureRefusal::AttributesNotAllowed);
    }
    Ok(())
}

/// `der` in PEM armour with `label`, 64 characters a line.
fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut text = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        text.push_str(std::str::from_utf8(line).unwrap_or_default());
        text.push('\n');
    }
    text.push_str(&format!("-----END {label}-----\n"));
    text
}

/// The DER inside PEM armour with `label`, if `text` is one such block.
fn pem_body(text: &str, label: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    let body = text
        .strip_prefix(&format!("-----BEGIN {label}-----"))?
        .strip_suffix(&format!("-----END {label}-----"))?;
    let joined: String = body.split_whitespace().collect();
    STANDARD.decode(joined).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn registration(key: &CardKey) -> Registration<'_> {
        Registration {
            agency_id: "bibliotek",
            organisation_number: "926722387",
            public_key: key.public_key(),
        }
    }

    #[test]
    fn a_card_signed_with_the_registered_key_is_accepted() {
        let (key, pem) = CardKey::generate().expect("key");
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert_eq!(
            CardKey::from_pem(&pem).expect("reads back").public_key(),
            key.public_key()
        );
        assert!(is_public_key(key.public_key()));
        let signature = key.sign("bibliotek", "926722387", b"card bytes", NOW);
        assert_eq!(
            verify_card(&signature, b"card bytes", registration(&key), NOW + 30),
            Ok(())
        );
    }

    #[test]
    fn every_mismatch_has_its_own_rule() {
        let (key, _) = CardKey::generate().expect("key");
        let (other, _) = CardKey::generate().expect("key");
        let card = b"card bytes";
        let signed = key.sign("bibliotek", "926722387", card, NOW);
        let registered = registration(&key);
        let check = |signature: &str, card: &[u8], registered, now| verify_card(signature, card, registered, now);
        assert_eq!(check("", card, registered, NOW), Err(SignatureRefusal::Unsigned));
        assert_eq!(
            check("not.a.jws", card, registered, NOW),
            Err(SignatureRefusal::Malformed)
        );
        let by_other = other.sign("bibliotek", "926722387", card, NOW);
        assert_eq!(check(&by_other, card, registered, NOW), Err(SignatureRefusal::WrongKey));
        assert_eq!(
            check(&signed, b"another card", registered, NOW),
            Err(SignatureRefusal::CardDigest)
        );
        let late = NOW + SIGNATURE_LIFETIME_SECONDS + 61;
        assert_eq!(check(&signed, card, registered, late), Err(SignatureRefusal::Expired));
        let for_other_id = key.sign("nav", "926722387", card, NOW);
        assert_eq!(
            check(&for_other_id, card, registered, NOW),
            Err(SignatureRefusal::WrongAgency)
        );
        let for_other_org = key.sign("bibliotek", "889640782", card, NOW);
        assert_eq!(
            check(&for_other_org, card, registered, NOW),
            Err(SignatureRefusal::WrongOrganisation)
        );
    }

    /// A signature with the given time claims, signed with `key` over `card`.
    fn signed_at(key: &CardKey, card: &[u8], iat: i64, exp: i64, typ: &str, alg: Algorithm) -> String {
        let claims = CardClaims {
            iss: "bibliotek".into(),
            org: "926722387".into(),
            card_sha256: digest(card),
            iat,
            exp,
        };
        let mut header = Header::new(alg);
        header.typ = Some(typ.into());
        let encoding = match alg {
            Algorithm::HS256 => EncodingKey::from_secret(b"secret"),
            _ => key.encoding.clone(),
        };
        jsonwebtoken::encode(&header, &claims, &encoding).expect("signed")
    }

    #[test]
    fn time_claims_that_overflow_or_run_backwards_are_refused() {
        let (key, _) = CardKey::generate().expect("key");
        let card = b"card bytes";
        let registered = registration(&key);
        let eddsa = |iat, exp| signed_at(&key, card, iat, exp, CARD_SIGNATURE_TYPE, Algorithm::EdDSA);
        assert_eq!(verify_card(&eddsa(NOW, NOW + 600), card, registered, NOW), Ok(()));
        for (iat, exp) in [
            (i64::MIN + 10, i64::MAX),
            (NOW, i64::MAX),
            (i64::MIN, NOW),
            (NOW + 600, NOW),
            (NOW, NOW + MAX_SIGNATURE_LIFETIME_SECONDS + 1),
        ] {
            assert_eq!(
                verify_card(&eddsa(iat, exp), card, registered, NOW),
                Err(SignatureRefusal::Expired),
                "iat {iat}, exp {exp}"
            );
        }
        let untyped = signed_at(&key, card, NOW, NOW + 600, "JWT", Algorithm::EdDSA);
        assert_eq!(
            verify_card(&untyped, card, registered, NOW),
            Err(SignatureRefusal::Malformed)
        );
        let shared = signed_at(&key, card, NOW, NOW + 600, CARD_SIGNATURE_TYPE, Algorithm::HS256);
        assert_eq!(
            verify_card(&shared, card, registered, NOW),
            Err(SignatureRefusal::Malformed)
        );
    }

    #[test]
    fn a_card_cannot_widen_its_registration() {
        let (key, _) = CardKey::generate().expect("key");
        let allowed = vec!["name".to_string()];
        let asks = |attributes: &[&str]| attributes.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        let registered = registration(&key);
        assert_eq!(
            check_identity("bibliotek", "926722387", &asks(&["name"]), registered, &allowed),
            Ok(())
        );
        assert_eq!(
            check_identity(
                "bibliotek",
                "926722387",
                &asks(&["name", "address"]),
                registered,
                &allowed
            ),
            Err(SignatureRefusal::AttributesNotAllowed)
        );
        assert_eq!(
            check_identity("nav", "926722387", &asks(&[]), registered, &allowed),
            Err(SignatureRefusal::WrongAgency)
        );
        assert_eq!(
            check_identity("bibliotek", "889640782", &asks(&[]), registered, &allowed),
            Err(SignatureRefusal::WrongOrganisation)
        );
    }

    #[test]
    fn ids_organisation_numbers_and_public_keys_have_their_shapes() {
        assert!(is_identifier("bibliotek-2"));
        assert!(!is_identifier("Bibliotek"));
        assert!(!is_identifier(""));
        assert!(!is_identifier(&"a".repeat(64)));
        assert!(is_organisation_number("926722387"));
        assert!(!is_organisation_number("926722388"));
        assert!(!is_organisation_number("92672238"));
        assert!(!is_public_key("short"));
        assert!(!is_public_key(&"A".repeat(44)));
        assert!(CardKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").is_err());
    }
}
