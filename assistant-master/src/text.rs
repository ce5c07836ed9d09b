//! Small text helpers used on every layer: picking a language's text from
//! a card, and checking a message's length before anything else sees it.

use veiviser_proto::agency::v1::LocalizedText;

use crate::error::Error;

/// The text in `language`, else the first one given.
pub fn localized<'a>(texts: &'a [LocalizedText], language: &str) -> &'a str {
    texts
        .iter()
        .find(|t| t.language == language)
        .or_else(|| texts.first())
        .map(|t| t.text.as_str())
        .unwrap_or_default()
}

/// Checks a citizen's message or an advisor's reply (`what`) and returns it
/// trimmed: not empty, at most `limit` characters.
pub(crate) fn checked_text<'a>(text: &'a str, limit: usize, what: &str) -> Result<&'a str, Error> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::InvalidArgument(format!("the {what} is empty")));
    }
    // Counting characters is linear: anything over 4 bytes a character is too long anyway.
    if text.len() > limit * 4 || text.chars().count() > limit {
        return Err(Error::InvalidArgument(format!(
            "the {what} is longer than {limit} characters"
        )));
    }
    Ok(text)
}
