//! Masking personal data in chat messages at the door: before the master
//! classifies, stores, logs or forwards a message, every national identity
//! number, account number, card number, phone number, e-mail address, IP
//! address, person name and address in it is replaced by its type, e.g.
//! `⟨fødselsnummer⟩`.
//!
//! Numbers are recognised by their check digits, not by their length alone,
//! so amounts, dates, case numbers and form numbers are left as they are.
//! Names are recognised from lists of names and from their context.
//! Masking is idempotent: masking masked text changes nothing.
#![forbid(unsafe_code)]

mod address;
mod checks;
mod email;
pub mod evaluation;
mod gazetteer;
mod iban;
mod ip;
mod kinds;
mod masker;
mod names;
mod numbers;
mod post_box;
mod public_figures;
mod word_set;
mod words;

pub use checks::{is_account_number, is_iban, is_luhn, is_national_identity_number};
pub use kinds::{EntityKind, Found, Masked};
pub use masker::Masker;

/// Masks `text` with the default [`Masker`].
pub fn mask(text: &str) -> Masked {
    Masker::default().mask(text)
}
