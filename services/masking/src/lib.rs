//! Masking personal data in chat messages at the door: before the master
//! classifies, stores, logs or forwards a message, every national identity
//! number, account number, card number, phone number, e-mail address, IP
//! address, person name given by context and street address in it is replaced
//! by its type, e.g. `⟨fødselsnummer⟩`.
//!
//! Numbers are recognised by their check digits, not by their length alone,
//! so amounts, dates, case numbers and form numbers are left as they are.
//! Masking is idempotent: masking masked text changes nothing.
#![forbid(unsafe_code)]

mod checks;
mod detect;

pub use checks::{is_account_number, is_iban, is_luhn, is_national_identity_number};
pub use detect::{EntityKind, Found, Masked, Masker};

/// Masks `text` with the default [`Masker`].
pub fn mask(text: &str) -> Masked {
    Masker::default().mask(text)
}
