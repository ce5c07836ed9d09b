//! Tailoring answers to a citizen's verified profile: the `[[tailoring]]`
//! rules of a language file whose conditions the profile meets add their
//! text to the answer.

use veiviser_proto::agency::v1::AskResponse;

use crate::content::{LanguageFile, TailoringFile};
use veiviser_runtime::tokens::Profile;

/// Thousands grouped with a space, as Norwegian (and NAV) writes amounts.
fn amount(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(digit);
    }
    out
}

/// The rule's text for `profile`, or `None` when a condition is not met.
fn apply(rule: &TailoringFile, profile: &Profile) -> Option<String> {
    if !rule.relation_to_deceased.is_empty() {
        let relation = profile.relation_to_deceased.as_ref()?;
        if !rule.relation_to_deceased.contains(relation) {
            return None;
        }
    }
    if !rule.municipality_number.is_empty() {
        let number = profile.municipality_number.as_ref()?;
        if !rule.municipality_number.contains(number) {
            return None;
        }
    }
    let mut text = rule.text.trim().to_string();
    if let Some(under) = rule.children_under {
        let children = profile
            .children_ages
            .as_ref()?
            .iter()
            .filter(|age| **age < under)
            .count();
        if children == 0 {
            return None;
        }
        text = text.replace("{children}", &children.to_string());
        if let Some(per_child) = rule.per_child_amount {
            text = text.replace("{children_amount}", &amount(per_child * children as u64));
        }
    }
    Some(text)
}

/// Adds the matching rules' texts to `response`, which answers `target` (an
/// intent or life-event id), and marks it personalised if any applied.
pub(crate) fn tailor(language: &LanguageFile, target: &str, profile: &Profile, response: &mut AskResponse) {
    let additions: Vec<String> = language
        .tailorings
        .iter()
        .filter(|rule| rule.applies_to.iter().any(|t| t == target))
        .filter_map(|rule| apply(rule, profile))
        .collect();
    if additions.is_empty() {
        return;
    }
    for addition in additions {
        response.text.push_str("\n\n");
        response.text.push_str(&addition);
    }
    response.personalised = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> TailoringFile {
        TailoringFile {
            applies_to: vec!["barnepensjon".into()],
            relation_to_deceased: vec!["spouse".into(), "cohabitant".into()],
            municipality_number: Vec::new(),
            children_under: Some(20),
            per_child_amount: Some(130_160),
            text: "{children} barn: opptil {children_amount} kr i året.".into(),
        }
    }

    #[test]
    fn fills_counts_and_amounts_for_a_matching_profile() {
        let profile = Profile {
            relation_to_deceased: Some("spouse".into()),
            children_ages: Some(vec![8, 12, 23]),
            ..Profile::default()
        };
        assert_eq!(
            apply(&rule(), &profile).as_deref(),
            Some("2 barn: opptil 260 320 kr i året.")
        );
    }

    #[test]
    fn a_missing_or_different_attribute_never_matches() {
        let no_children = Profile {
            relation_to_deceased: Some("spouse".into()),
            ..Profile::default()
        };
        assert_eq!(apply(&rule(), &no_children), None);
        let sibling = Profile {
            relation_to_deceased: Some("sibling".into()),
            children_ages: Some(vec![3]),
            ..Profile::default()
        };
        assert_eq!(apply(&rule(), &sibling), None);
        let grown_up = Profile {
            relation_to_deceased: Some("spouse".into()),
            children_ages: Some(vec![20, 25]),
            ..Profile::default()
        };
        assert_eq!(apply(&rule(), &grown_up), None);
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(amount(292_860), "292 860");
        assert_eq!(amount(1_301_600), "1 301 600");
        assert_eq!(amount(999), "999");
    }
}
