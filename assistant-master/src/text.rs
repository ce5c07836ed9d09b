//! Small text helpers used on every layer: picking a language's text from
//! a card, names in running text, checking a message's length before
//! anything else sees it, and taking masking's placeholders out before a
//! message is read.

use veiviser_proto::agency::v1::{AssistantCard, LocalizedText};

use crate::error::Error;

/// Names in running text: "NAV", "NAV og Skatteetaten", "NAV, kommunen og
/// Skatteetaten", with the language's word for `and` (or `or`).
pub fn in_words(names: &[String], and: &str) -> String {
    match names {
        [] => String::new(),
        [only] => only.clone(),
        [first @ .., last] => format!("{} {and} {last}", first.join(", ")),
    }
}

/// The text in `language`, else the first one given.
pub fn localized<'a>(texts: &'a [LocalizedText], language: &str) -> &'a str {
    texts
        .iter()
        .find(|t| t.language == language)
        .or_else(|| texts.first())
        .map(|t| t.text.as_str())
        .unwrap_or_default()
}

/// `text` with its first letter a capital ("pensjon …" → "Pensjon …").
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// An agency's name as written inside a sentence in `language`: its card's
/// `name_in_text` ("kommunen"), else its display name ("NAV").
pub fn name_in_text<'a>(card: &'a AssistantCard, language: &str) -> &'a str {
    card.name_in_text
        .iter()
        .find(|name| name.language == language && !name.text.trim().is_empty())
        .map_or_else(|| localized(&card.display_name, language), |name| name.text.as_str())
}

/// The masker at the door for a network of `cards`: the agencies' published
/// phone numbers stay readable, everything else that looks like personal
/// data is masked.
pub fn door_masker<'a>(cards: impl IntoIterator<Item = &'a AssistantCard>) -> veiviser_masking::Masker {
    veiviser_masking::Masker::default().allow_numbers(
        cards
            .into_iter()
            .filter_map(|card| card.contact.as_ref().map(|c| c.phone.clone())),
    )
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

/// The message without masking's placeholders (`⟨fødselsnummer⟩` …): what
/// was masked says nothing about where the question belongs.
pub fn without_placeholders(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('⟨') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('⟨') {
        out.push_str(&rest[..start]);
        match rest[start..].find('⟩') {
            Some(end) => {
                out.push(' ');
                rest = &rest[start + end + '⟩'.len_utf8()..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_read_as_a_sentence() {
        let names = |list: &[&str]| list.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(super::in_words(&names(&[]), "og"), "");
        assert_eq!(super::in_words(&names(&["NAV"]), "og"), "NAV");
        assert_eq!(
            super::in_words(&names(&["NAV", "Skatteetaten"]), "eller"),
            "NAV eller Skatteetaten"
        );
        assert_eq!(
            super::in_words(&names(&["NAV", "kommunen", "Skatteetaten"]), "og"),
            "NAV, kommunen og Skatteetaten"
        );
    }

    use super::without_placeholders;

    #[test]
    fn placeholders_are_removed_before_routing() {
        assert_eq!(
            without_placeholders("fødselsnummeret mitt er ⟨fødselsnummer⟩, har jeg krav?"),
            "fødselsnummeret mitt er  , har jeg krav?"
        );
        assert_eq!(without_placeholders("ingen her"), "ingen her");
    }
}
