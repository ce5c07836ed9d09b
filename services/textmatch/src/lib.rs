//! Matching short chat messages against labelled example utterances.
//!
//! Messages are folded to a canonical form ([`normalize`]), turned into sparse
//! TF-IDF vectors of character n-grams and whole words ([`features`]), and
//! ranked by cosine similarity against every example ([`Index`]). Character
//! n-grams make the match robust to inflection ("gravferden"), compounds
//! ("gravferdsstønaden") and typos ("gravferdstønad") in bokmål, nynorsk and
//! English alike; stemmed words ([`words`], Snowball's Norwegian rules) add
//! features that inflections share. A [`Vocabulary`] finds the terms of a
//! concept vocabulary in a message.
#![forbid(unsafe_code)]

mod features;
mod index;
mod normalize;
mod vocabulary;
mod words;

pub use features::{FeatureId, features};
pub use index::{Index, Match};
pub use normalize::normalize;
pub use vocabulary::{Found, MIN_PREFIX, Vocabulary};
pub use words::{Word, stem, words};
