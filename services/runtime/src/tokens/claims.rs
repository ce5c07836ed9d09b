//! The claim sets Veiviser signs: a citizen's login and a per-agency profile.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// The JOSE `typ` of a profile token.
pub const PROFILE_TOKEN_TYPE: &str = "veiviser-profile+jwt";
/// The RFC 9396 `type` of the authorization detail in a profile token.
pub const PROFILE_AUTHORIZATION_TYPE: &str = "veiviser-profile";
/// The longest a profile token may live (`exp - iat`).
pub const MAX_TOKEN_LIFETIME_SECONDS: i64 = 300;

/// The profile attributes that exist, in the order they are documented.
pub const PROFILE_ATTRIBUTES: [&str; 8] = [
    "name",
    "municipality_number",
    "marital_status",
    "relation_to_deceased",
    "date_of_death",
    "children_ages",
    "birth_date",
    "national_identity_number",
];

/// The claims of a profile token (see `CONSENT.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileClaims {
    pub iss: String,
    /// Exactly one audience, the agency id: an array is refused when parsed.
    pub aud: String,
    /// Pairwise: the same citizen has a different `sub` at every agency.
    pub sub: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
    /// The party acting for the citizen (RFC 8693), the master assistant.
    pub act: Actor,
    /// RFC 9396 authorization details: one entry of type `veiviser-profile`.
    pub authorization_details: Vec<AuthorizationDetail>,
    /// The attributes themselves; only those in `datatypes` may be present.
    #[serde(default)]
    pub profile: Profile,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub sub: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationDetail {
    #[serde(rename = "type")]
    pub kind: String,
    pub consent_id: String,
    pub purpose: String,
    pub datatypes: Vec<String>,
    pub actions: Vec<String>,
}

/// The claims of a citizen login token (ID-porten style).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CitizenClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    /// The person identifier (fødselsnummer; synthetic in the demo).
    pub pid: String,
    /// Level of assurance, e.g. "idporten-loa-high".
    pub acr: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
}

/// A citizen's profile attributes; absent ones are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Four digits, e.g. "0301" (Oslo).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub municipality_number: Option<String>,
    /// "married", "partner", "cohabitant", "single", "widowed", "divorced".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marital_status: Option<String>,
    /// "spouse", "partner", "cohabitant", "child", "parent", "sibling", "other".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation_to_deceased: Option<String>,
    /// ISO 8601 date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_death: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children_ages: Option<Vec<u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_identity_number: Option<String>,
}

impl Profile {
    /// The names of the attributes present.
    pub fn present(&self) -> BTreeSet<&'static str> {
        let flags = [
            self.name.is_some(),
            self.municipality_number.is_some(),
            self.marital_status.is_some(),
            self.relation_to_deceased.is_some(),
            self.date_of_death.is_some(),
            self.children_ages.is_some(),
            self.birth_date.is_some(),
            self.national_identity_number.is_some(),
        ];
        PROFILE_ATTRIBUTES
            .iter()
            .zip(flags)
            .filter_map(|(name, present)| present.then_some(*name))
            .collect()
    }

    /// A copy holding only the attributes named in `allowed`.
    pub fn restricted_to(&self, allowed: &BTreeSet<String>) -> Profile {
        let keep = |name: &str| allowed.contains(name);
        Profile {
            name: self.name.clone().filter(|_| keep("name")),
            municipality_number: self.municipality_number.clone().filter(|_| keep("municipality_number")),
            marital_status: self.marital_status.clone().filter(|_| keep("marital_status")),
            relation_to_deceased: self
                .relation_to_deceased
                .clone()
                .filter(|_| keep("relation_to_deceased")),
            date_of_death: self.date_of_death.clone().filter(|_| keep("date_of_death")),
            children_ages: self.children_ages.clone().filter(|_| keep("children_ages")),
            birth_date: self.birth_date.clone().filter(|_| keep("birth_date")),
            national_identity_number: self
                .national_identity_number
                .clone()
                .filter(|_| keep("national_identity_number")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restriction_keeps_only_the_allowed_attributes() {
        let profile = Profile {
            name: Some("Kari".into()),
            children_ages: Some(vec![8, 12]),
            relation_to_deceased: Some("spouse".into()),
            ..Profile::default()
        };
        let allowed = BTreeSet::from(["children_ages".to_string(), "birth_date".to_string()]);
        let restricted = profile.restricted_to(&allowed);
        assert_eq!(restricted.present(), BTreeSet::from(["children_ages"]));
        assert_eq!(restricted.children_ages, Some(vec![8, 12]));
    }

    #[test]
    fn an_audience_array_is_not_a_profile_token() {
        let json = r#"{"iss":"i","aud":["nav","kommune"],"sub":"s","iat":0,"nbf":0,"exp":1,"jti":"j",
            "act":{"sub":"m"},"authorization_details":[]}"#;
        assert!(serde_json::from_str::<ProfileClaims>(json).is_err());
    }
}
