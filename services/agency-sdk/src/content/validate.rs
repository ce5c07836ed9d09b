//! The rules content must follow before it is served (listed in `CONTENT.md`).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::contract;
use crate::opening_hours::OpeningHours;

use super::error::ContentError;
use super::model::{CardFile, ChecklistFile, ConceptFile, LanguageFile, TailoringFile};

/// The fewest examples an intent or life event may have in each language.
pub const MIN_EXAMPLES: usize = 8;
const CARD: &str = "card.toml";

pub(super) fn content(card: &CardFile, languages: &BTreeMap<String, LanguageFile>) -> Result<(), ContentError> {
    card_file(card)?;
    let Some((first_tag, first)) = languages.iter().next() else {
        return Err(ContentError::new(
            CARD,
            "no language files (nb.toml, nn.toml, en.toml …)",
        ));
    };
    for (tag, language) in languages {
        let file = format!("{tag}.toml");
        language_file(&file, card, language)?;
        same_shape(&file, language, &format!("{first_tag}.toml"), first)?;
    }
    Ok(())
}

fn is_slug(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn card_file(card: &CardFile) -> Result<(), ContentError> {
    if !is_slug(&card.id) {
        return Err(ContentError::new(
            CARD,
            format!("id \"{}\" must be lowercase a-z, 0-9 and '-'", card.id),
        ));
    }
    if card.organisation_number.len() != 9 || !card.organisation_number.chars().all(|c| c.is_ascii_digit()) {
        return Err(ContentError::new(CARD, "organisation_number must be 9 digits"));
    }
    https_url(CARD, "homepage", &card.homepage)?;
    https_url(CARD, "contact.url", &card.contact.url)?;
    if card.contact.phone.trim().is_empty() {
        return Err(ContentError::new(CARD, "contact.phone must not be empty"));
    }
    if let Some(hours) = &card.advisor_hours {
        if hours.days.is_empty() {
            return Err(ContentError::new(CARD, "advisor_hours.days must name at least one day"));
        }
        OpeningHours::from_card(&hours.into()).map_err(|error| ContentError::new(CARD, error.to_string()))?;
    }
    Ok(())
}

fn language_file(file: &str, card: &CardFile, language: &LanguageFile) -> Result<(), ContentError> {
    for (field, text) in [
        ("display_name", &language.display_name),
        ("description", &language.description),
        ("fallback", &language.fallback),
    ] {
        if text.trim().is_empty() {
            return Err(ContentError::new(file, format!("{field} must not be empty")));
        }
    }
    for (field, text) in [("name_in_text", &language.name_in_text), ("topics", &language.topics)] {
        if text.as_ref().is_some_and(|text| text.trim().is_empty()) {
            return Err(ContentError::new(file, format!("{field} must not be empty when given")));
        }
    }
    let mut seen_examples = HashSet::new();
    let mut declared_events = BTreeSet::new();
    for event in &language.life_events {
        if !card.life_events.contains(&event.id) {
            return Err(ContentError::new(
                file,
                format!("life event \"{}\" is not listed in card.toml", event.id),
            ));
        }
        if event.answer.trim().is_empty() {
            return Err(ContentError::new(
                file,
                format!("life event \"{}\" has an empty answer", event.id),
            ));
        }
        examples(
            file,
            &format!("life event \"{}\"", event.id),
            &event.examples,
            &mut seen_examples,
        )?;
        declared_events.insert(event.id.as_str());
    }
    let mut intent_ids = HashSet::new();
    for (skill, topic) in &card.topics {
        if !language.intents.iter().any(|intent| &intent.id == skill) {
            return Err(ContentError::new(
                CARD,
                format!("topics: \"{skill}\" is not an intent in {file}"),
            ));
        }
        if !is_slug(topic) {
            return Err(ContentError::new(
                CARD,
                format!("topics: \"{topic}\" must be lowercase a-z, 0-9 and '-'"),
            ));
        }
    }
    for (skill, owner) in &card.stands_in_for {
        if !language.intents.iter().any(|intent| &intent.id == skill) {
            return Err(ContentError::new(
                CARD,
                format!("stands_in_for: \"{skill}\" is not an intent in {file}"),
            ));
        }
        if !crate::contract::is_identifier(owner) || owner == &card.id {
            return Err(ContentError::new(
                CARD,
                format!("stands_in_for: \"{skill}\" must name another agency's id"),
            ));
        }
    }
    for intent in &language.intents {
        let what = format!("intent \"{}\"", intent.id);
        if !intent_ids.insert(intent.id.as_str()) {
            return Err(ContentError::new(file, format!("{what} is declared twice")));
        }
        if intent.answer.trim().is_empty() || intent.name.trim().is_empty() {
            return Err(ContentError::new(file, format!("{what} needs a name and an answer")));
        }
        examples(file, &what, &intent.examples, &mut seen_examples)?;
        for event in &intent.life_events {
            if !declared_events.contains(event.as_str()) {
                return Err(ContentError::new(
                    file,
                    format!("{what} names life event \"{event}\", which the file does not declare"),
                ));
            }
        }
        for item in &intent.checklist {
            checklist_item(file, &what, item)?;
        }
        // What the master accepts in one answer, checked before anything is served.
        let tailored: usize = language
            .tailorings
            .iter()
            .filter(|t| t.applies_to.contains(&intent.id))
            .map(|t| t.text.chars().count() + 2)
            .sum();
        if intent.answer.chars().count() + tailored > contract::MAX_ANSWER_CHARS {
            return Err(ContentError::new(
                file,
                format!(
                    "{what}: the answer with its tailoring is longer than {} characters",
                    contract::MAX_ANSWER_CHARS
                ),
            ));
        }
        if intent.checklist.len() > contract::MAX_CHECKLIST_ITEMS || intent.referrals.len() > contract::MAX_REFERRALS {
            return Err(ContentError::new(
                file,
                format!(
                    "{what}: at most {} checklist items and {} referrals",
                    contract::MAX_CHECKLIST_ITEMS,
                    contract::MAX_REFERRALS
                ),
            ));
        }
        for referral in &intent.referrals {
            if !contract::is_identifier(&referral.agency)
                || referral.skill.as_deref().is_some_and(|s| !contract::is_identifier(s))
            {
                return Err(ContentError::new(
                    file,
                    format!("{what}: a referral's agency and skill must be lowercase a-z, 0-9 and '-'"),
                ));
            }
            https_url(file, &format!("{what} referral url"), &referral.url)?;
            if referral.agency == card.id {
                return Err(ContentError::new(file, format!("{what} refers to its own agency")));
            }
            if referral.reason.trim().is_empty() || referral.name.trim().is_empty() {
                return Err(ContentError::new(
                    file,
                    format!("{what} referral needs a name and a reason"),
                ));
            }
        }
    }
    for event in &language.life_events {
        let items: usize = language
            .intents
            .iter()
            .filter(|intent| intent.life_events.contains(&event.id))
            .map(|intent| intent.checklist.len())
            .sum();
        if items > contract::MAX_CHECKLIST_ITEMS {
            return Err(ContentError::new(
                file,
                format!(
                    "life event \"{}\": its intents give {items} checklist items, at most {} fit one answer",
                    event.id,
                    contract::MAX_CHECKLIST_ITEMS
                ),
            ));
        }
    }
    for (index, tailoring) in language.tailorings.iter().enumerate() {
        tailoring_rule(file, index + 1, card, language, tailoring)?;
    }
    concepts(
        file,
        &language.concepts,
        |intent| intent_ids.contains(intent),
        |event| declared_events.contains(event),
    )
}

/// The concept vocabulary of one language file: unique slug ids, a target
/// the file declares (an intent or a life event, not both), and terms that
/// are not empty and not written twice within the concept. The master's own
/// content is checked by the same rules.
pub fn concepts(
    file: &str,
    concepts: &[ConceptFile],
    is_intent: impl Fn(&str) -> bool,
    is_life_event: impl Fn(&str) -> bool,
) -> Result<(), ContentError> {
    let mut ids = HashSet::new();
    for concept in concepts {
        let what = format!("concept \"{}\"", concept.id);
        if !is_slug(&concept.id) {
            return Err(ContentError::new(
                file,
                format!("{what}: the id must be lowercase a-z, 0-9 and '-'"),
            ));
        }
        if !ids.insert(concept.id.as_str()) {
            return Err(ContentError::new(file, format!("{what} is declared twice")));
        }
        match (&concept.intent, &concept.life_event) {
            (Some(_), Some(_)) => {
                return Err(ContentError::new(
                    file,
                    format!("{what} names both an intent and a life event"),
                ));
            }
            (Some(intent), None) if !is_intent(intent) => {
                return Err(ContentError::new(
                    file,
                    format!("{what} names intent \"{intent}\", which the file does not declare"),
                ));
            }
            (None, Some(event)) if !is_life_event(event) => {
                return Err(ContentError::new(
                    file,
                    format!("{what} names life event \"{event}\", which the file does not declare"),
                ));
            }
            _ => {}
        }
        if concept.terms.is_empty() {
            return Err(ContentError::new(file, format!("{what} has no terms")));
        }
        // The same term twice is a slip; "gravferdsstønad" beside
        // "gravferdsstonad" is not (both are how people type it).
        let mut seen = HashSet::new();
        for term in &concept.terms {
            if veiviser_textmatch::normalize(term).is_empty() {
                return Err(ContentError::new(file, format!("{what} has an empty term")));
            }
            if !seen.insert(term.trim().to_lowercase()) {
                return Err(ContentError::new(
                    file,
                    format!("{what}: term \"{term}\" appears twice"),
                ));
            }
        }
    }
    Ok(())
}

/// The relations a tailoring may name (the profile vocabulary in CONSENT.md).
const RELATIONS: [&str; 7] = ["spouse", "partner", "cohabitant", "child", "parent", "sibling", "other"];

fn tailoring_rule(
    file: &str,
    number: usize,
    card: &CardFile,
    language: &LanguageFile,
    rule: &TailoringFile,
) -> Result<(), ContentError> {
    let what = format!("tailoring #{number}");
    let fail = |message: String| Err(ContentError::new(file, format!("{what} {message}")));
    if rule.applies_to.is_empty() {
        return fail("applies to nothing".into());
    }
    for target in &rule.applies_to {
        let known =
            language.intents.iter().any(|i| &i.id == target) || language.life_events.iter().any(|e| &e.id == target);
        if !known {
            return fail(format!("applies to \"{target}\", which the file does not declare"));
        }
    }
    for relation in &rule.relation_to_deceased {
        if !RELATIONS.contains(&relation.as_str()) {
            return fail(format!("names unknown relation \"{relation}\""));
        }
    }
    for number in &rule.municipality_number {
        if number.len() != 4 || !number.chars().all(|c| c.is_ascii_digit()) {
            return fail(format!("municipality number \"{number}\" must be 4 digits"));
        }
    }
    let needs = |attribute: &str| card.profile_attributes.iter().any(|a| a == attribute);
    let uses = [
        ("relation_to_deceased", !rule.relation_to_deceased.is_empty()),
        ("municipality_number", !rule.municipality_number.is_empty()),
        ("children_ages", rule.children_under.is_some()),
    ];
    for (attribute, used) in uses {
        if used && !needs(attribute) {
            return fail(format!(
                "uses {attribute}, which card.toml does not list in profile_attributes"
            ));
        }
    }
    if rule.text.trim().is_empty() {
        return fail("has no text".into());
    }
    if rule.per_child_amount.is_some() && rule.children_under.is_none() {
        return fail("has per_child_amount without children_under".into());
    }
    let mut rest = rule.text.as_str();
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').map(|e| start + e);
        let name = end.map(|end| &rest[start + 1..end]);
        match name {
            Some("children") if rule.children_under.is_some() => {}
            Some("children_amount") if rule.per_child_amount.is_some() => {}
            _ => {
                return fail(format!(
                    "text has an unknown or unfillable placeholder near \"{}\"",
                    &rest[start..]
                ));
            }
        }
        rest = &rest[end.unwrap_or(rest.len()) + 1..];
    }
    Ok(())
}

fn examples(file: &str, what: &str, examples: &[String], seen: &mut HashSet<String>) -> Result<(), ContentError> {
    if examples.len() < MIN_EXAMPLES {
        return Err(ContentError::new(
            file,
            format!(
                "{what} has {} examples; at least {MIN_EXAMPLES} are needed",
                examples.len()
            ),
        ));
    }
    for example in examples {
        let folded = veiviser_textmatch::normalize(example);
        if folded.is_empty() {
            return Err(ContentError::new(file, format!("{what} has an empty example")));
        }
        if !seen.insert(folded) {
            return Err(ContentError::new(
                file,
                format!("{what}: example \"{example}\" appears twice in the file"),
            ));
        }
    }
    Ok(())
}

fn checklist_item(file: &str, what: &str, item: &ChecklistFile) -> Result<(), ContentError> {
    if item.key.trim().is_empty() || item.title.trim().is_empty() || item.action.trim().is_empty() {
        return Err(ContentError::new(
            file,
            format!("{what}: checklist items need a key, a title and an action"),
        ));
    }
    if item
        .only_if
        .as_deref()
        .is_some_and(|c| c.trim().is_empty() || c.chars().count() > contract::MAX_CONDITION_CHARS)
    {
        return Err(ContentError::new(
            file,
            format!(
                "{what}: checklist item \"{}\" needs an only_if of 1 to {} characters",
                item.key,
                contract::MAX_CONDITION_CHARS
            ),
        ));
    }
    if !contract::is_identifier(&item.key) {
        return Err(ContentError::new(
            file,
            format!("{what}: a checklist key must be lowercase a-z, 0-9 and '-'"),
        ));
    }
    if let Some(deadline) = &item.deadline
        && !(1..=contract::MAX_DEADLINE).contains(&deadline.within)
    {
        return Err(ContentError::new(
            file,
            format!(
                "{what}: checklist item \"{}\" needs a deadline from 1 to {}",
                item.key,
                contract::MAX_DEADLINE
            ),
        ));
    }
    https_url(
        file,
        &format!("{what} checklist item \"{}\" link", item.key),
        &item.link,
    )
}

fn https_url(file: &str, field: &str, url: &str) -> Result<(), ContentError> {
    let rest = url.strip_prefix("https://").unwrap_or_default();
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return Err(ContentError::new(
            file,
            format!("{field} must be an https:// URL, not \"{url}\""),
        ));
    }
    Ok(())
}

/// Every language must offer the same intents, plan items and referrals, so
/// that a citizen gets the same plan whichever language they write in.
fn same_shape(file: &str, language: &LanguageFile, first_file: &str, first: &LanguageFile) -> Result<(), ContentError> {
    let shape = |l: &LanguageFile| -> Vec<String> {
        let mut lines: Vec<String> = l.life_events.iter().map(|e| format!("life event {}", e.id)).collect();
        for concept in &l.concepts {
            lines.push(format!(
                "concept {} {:?} {:?}",
                concept.id, concept.intent, concept.life_event
            ));
        }
        for intent in &l.intents {
            lines.push(format!(
                "intent {} {:?} human={}",
                intent.id, intent.life_events, intent.human_needed
            ));
            for item in &intent.checklist {
                lines.push(format!(
                    "  item {} {:?} {} phase={:?} conditional={}",
                    item.key,
                    item.deadline,
                    item.link,
                    item.phase,
                    item.only_if.is_some()
                ));
            }
            for referral in &intent.referrals {
                lines.push(format!(
                    "  referral {} {} {:?}",
                    referral.agency, referral.url, referral.skill
                ));
            }
        }
        lines.sort();
        lines
    };
    let (ours, theirs) = (shape(language), shape(first));
    if let Some(difference) = ours
        .iter()
        .find(|line| !theirs.contains(line))
        .or_else(|| theirs.iter().find(|line| !ours.contains(line)))
    {
        return Err(ContentError::new(
            file,
            format!(
                "differs from {first_file} in intents, checklist items or referrals: {}",
                difference.trim()
            ),
        ));
    }
    Ok(())
}
