//! The synthetic people of the demo login, with the profile attributes the
//! life event needs. A real deployment reads these from the population
//! register; the demo fixture only ever holds invented people.

use serde::Deserialize;
use veiviser_runtime::tokens::Profile;

use crate::Error;

const EMBEDDED: &str = include_str!("../fixtures/people.toml");

/// One synthetic person.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub person_id: String,
    pub display_name: String,
    pub situation_nb: String,
    pub situation_en: String,
    #[serde(flatten)]
    pub profile: Profile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PeopleFile {
    person: Vec<Person>,
}

/// The people who can log in with the demo login.
#[derive(Debug, Clone)]
pub struct People {
    people: Vec<Person>,
}

impl People {
    /// The fixture compiled into the binary.
    pub fn embedded() -> Result<Self, Error> {
        Self::parse(EMBEDDED)
    }

    pub fn parse(text: &str) -> Result<Self, Error> {
        let file: PeopleFile = toml::from_str(text).map_err(|e| Error::Config(format!("people fixture: {e}")))?;
        for person in &file.person {
            if !veiviser_masking::is_national_identity_number(&person.person_id) {
                return Err(Error::Config(format!(
                    "people fixture: {} has no valid identity number",
                    person.display_name
                )));
            }
            let month: u32 = person.person_id[2..4].parse().unwrap_or(0);
            if !(81..=92).contains(&month) {
                return Err(Error::Config(format!(
                    "people fixture: {} must have a synthetic (Tenor, month + 80) number",
                    person.display_name
                )));
            }
        }
        Ok(Self { people: file.person })
    }

    pub fn find(&self, person_id: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.person_id == person_id)
    }

    pub fn all(&self) -> &[Person] {
        &self.people
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_holds_only_synthetic_people() {
        let people = People::embedded().expect("valid fixture");
        assert!(people.all().len() >= 4);
        let kari = people.find("14838512047").expect("Kari");
        assert_eq!(kari.profile.children_ages, Some(vec![8, 12]));
        assert_eq!(kari.profile.relation_to_deceased.as_deref(), Some("spouse"));
    }

    #[test]
    fn a_real_looking_number_is_refused() {
        let text = r#"
[[person]]
person_id = "14038512047"
display_name = "X"
situation_nb = "x"
situation_en = "x"
"#;
        assert!(People::parse(text).is_err());
    }
}
