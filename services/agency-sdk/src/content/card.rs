//! The assistant card an agency serves, built from its card file and every
//! language file.

use veiviser_proto::agency::v1::{self as pb, AssistantCard, LocalizedText};

use super::model::{Content, IntentFile, LanguageFile};
use crate::contract::CONTRACT_VERSION;

/// The assistant card, from the card file and every language file.
pub(super) fn assistant_card(content: &Content) -> AssistantCard {
    let card = content.card();
    let languages = content.languages();
    let per_language = |pick: &dyn Fn(&LanguageFile) -> Vec<String>| -> Vec<LocalizedText> {
        languages
            .iter()
            .flat_map(|(tag, file)| {
                pick(file).into_iter().map(|text| LocalizedText {
                    language: tag.clone(),
                    text,
                })
            })
            .collect()
    };
    let first = languages.values().next();
    let skills = first
        .map(|file| {
            file.intents
                .iter()
                .map(|intent| pb::Skill {
                    id: intent.id.clone(),
                    name: per_language(&|l| intent_of(l, &intent.id).map(|i| i.name.clone()).into_iter().collect()),
                    examples: per_language(&|l| {
                        intent_of(l, &intent.id).map(|i| i.examples.clone()).unwrap_or_default()
                    }),
                    life_events: intent.life_events.clone(),
                    topic: card.topics.get(&intent.id).cloned().unwrap_or_default(),
                    stands_in_for: card.stands_in_for.get(&intent.id).cloned().unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let life_events = first
        .map(|file| {
            file.life_events
                .iter()
                .map(|event| {
                    let of = |l: &LanguageFile| l.life_events.iter().find(|e| e.id == event.id).cloned();
                    pb::LifeEvent {
                        id: event.id.clone(),
                        name: per_language(&|l| of(l).map(|e| e.name).into_iter().collect()),
                        examples: per_language(&|l| of(l).map(|e| e.examples).unwrap_or_default()),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let concepts = first
        .map(|file| {
            file.concepts
                .iter()
                .map(|concept| pb::Concept {
                    id: concept.id.clone(),
                    skill: concept.intent.clone().unwrap_or_default(),
                    life_event: concept.life_event.clone().unwrap_or_default(),
                    terms: per_language(&|l| {
                        l.concepts
                            .iter()
                            .find(|c| c.id == concept.id)
                            .map(|c| c.terms.clone())
                            .unwrap_or_default()
                    }),
                })
                .collect()
        })
        .unwrap_or_default();
    AssistantCard {
        agency_id: card.id.clone(),
        display_name: per_language(&|l| vec![l.display_name.clone()]),
        organisation_number: card.organisation_number.clone(),
        description: per_language(&|l| vec![l.description.clone()]),
        languages: languages.keys().cloned().collect(),
        skills,
        life_events,
        profile_attributes: card.profile_attributes.clone(),
        advisor_hours: card.advisor_hours.as_ref().map(pb::AdvisorHours::from),
        contact: Some(pb::Contact {
            phone: card.contact.phone.clone(),
            url: card.contact.url.clone(),
        }),
        contract_version: CONTRACT_VERSION.to_string(),
        homepage: card.homepage.clone(),
        content_version: content.version().to_string(),
        concepts,
        name_in_text: per_language(&|l| l.name_in_text.iter().cloned().collect()),
        topics: per_language(&|l| l.topics.iter().cloned().collect()),
    }
}

fn intent_of<'a>(language: &'a LanguageFile, id: &str) -> Option<&'a IntentFile> {
    language.intents.iter().find(|i| i.id == id)
}
