//! Dates in a plan: the date of death a message gives ("i går", "yesterday",
//! "12. mars", "14.02.2026", "last Sunday"), and the calendar day each
//! deadline falls on counted from it, working days skipping weekends and
//! Norway's public holidays.

use jiff::civil::{Date, Weekday};
use jiff::{Span, ToSpan};
use veiviser_agency_sdk::opening_hours::is_public_holiday;
use veiviser_proto::agency::v1::{DeadlineUnit, RelativeDeadline};

use crate::content::Texts;

/// How far back a date of death is believed: further back, it is more likely
/// another date in the message (a letter, an earlier death).
const OLDEST_DAYS: i64 = 366;

/// The words the master knows for naming a day, in every language it speaks.
#[derive(Debug, Clone, Default)]
pub struct DayWords {
    /// Phrases for a day counted back from today ("i går" → 1), longest first.
    days_ago: Vec<(String, i64)>,
    /// Month names by number (1–12), each language's.
    months: Vec<(String, i8)>,
    /// Weekday names, Monday first, each language's.
    weekdays: Vec<(String, Weekday)>,
    /// Words that put a weekday in the past: "sist", "forrige", "last".
    past_markers: Vec<String>,
}

impl DayWords {
    /// The words of every language's texts.
    pub fn new<'a>(all: impl IntoIterator<Item = &'a Texts>) -> Self {
        const WEEK: [Weekday; 7] = [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
            Weekday::Saturday,
            Weekday::Sunday,
        ];
        let mut words = Self::default();
        for texts in all {
            words.days_ago.extend(
                texts
                    .days_ago
                    .iter()
                    .map(|(phrase, days)| (phrase.to_lowercase(), i64::from(*days))),
            );
            for (number, name) in (1i8..=12).zip(&texts.month_names) {
                words.months.push((name.to_lowercase(), number));
            }
            words.weekdays.extend(
                WEEK.iter()
                    .zip(&texts.day_names)
                    .map(|(day, name)| (name.to_lowercase(), *day)),
            );
            words
                .past_markers
                .extend(texts.past_day_markers.iter().map(|w| w.to_lowercase()));
        }
        words
            .days_ago
            .sort_by_key(|(phrase, _)| std::cmp::Reverse(phrase.len()));
        words
    }

    /// The date of death `text` gives, seen from `today`: the first day it
    /// names that is not in the future and at most a year back.
    pub fn date_of_death(&self, text: &str, today: Date) -> Option<Date> {
        let lower = text.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !(c.is_alphanumeric() || c == '.' || c == '/'))
            .filter(|w| !w.is_empty())
            .collect();
        let mut found: Vec<(usize, Date)> = Vec::new();
        // Phrases counted back from today, by where they stand in the text.
        for (phrase, days) in &self.days_ago {
            if let (Some(at), Ok(day)) = (find_phrase(&lower, phrase), today.checked_sub(days.days())) {
                found.push((at, day));
            }
        }
        let mut at = 0;
        for (i, word) in words.iter().enumerate() {
            let position = lower[at..].find(word).map_or(at, |p| at + p);
            at = position + word.len();
            let word = word.trim_end_matches('.');
            // "kl. 10.05" and "kr 12.50" are a time and an amount, not a day.
            let after_time_or_amount =
                i > 0 && matches!(words[i - 1].trim_end_matches('.'), "kl" | "kr" | "nok" | "at");
            if let Some(date) = self.numeric(word, today).filter(|_| !after_time_or_amount) {
                found.push((position, date));
            } else if let Some(month) = self.month(word) {
                // "12. mars", "12 March 2026", "March 12", "March 12th".
                let before = i.checked_sub(1).and_then(|p| day_number(words[p]));
                let after = words.get(i + 1).and_then(|w| day_number(w));
                let year = words
                    .get(i + 1 + usize::from(after.is_some()))
                    .and_then(|w| year_number(w));
                // A day to come ("begravelsen er 10. desember") is no date of death,
                // and leaves the others found standing.
                if let Some(date) = before.or(after).and_then(|day| most_recent(year, month, day, today)) {
                    found.push((position, date));
                }
            } else if let Some(weekday) = self.weekday(word)
                && i > 0
                && self.past_markers.iter().any(|m| m == words[i - 1])
            {
                // "sist søndag", "last Sunday": the latest such day before today.
                let back = (today.weekday().to_monday_zero_offset() - weekday.to_monday_zero_offset() + 7) % 7;
                let back = if back == 0 { 7 } else { back };
                if let Ok(day) = today.checked_sub(i64::from(back).days()) {
                    found.push((position, day));
                }
            }
        }
        found.sort_by_key(|(position, _)| *position);
        let Ok(oldest) = today.checked_sub(OLDEST_DAYS.days()) else {
            return None;
        };
        found
            .into_iter()
            .map(|(_, date)| date)
            .find(|date| *date <= today && *date >= oldest)
    }

    fn month(&self, word: &str) -> Option<i8> {
        self.months.iter().find(|(name, _)| name == word).map(|(_, n)| *n)
    }

    fn weekday(&self, word: &str) -> Option<Weekday> {
        self.weekdays.iter().find(|(name, _)| name == word).map(|(_, d)| *d)
    }

    /// "14.02.2026", "14.02.26", "14/2": a date in digits, day first.
    fn numeric(&self, word: &str, today: Date) -> Option<Date> {
        let parts: Vec<&str> = word.split(['.', '/']).collect();
        let number = |s: &str| s.parse::<i16>().ok();
        match parts.as_slice() {
            [day, month] if day.len() <= 2 && month.len() <= 2 => most_recent(
                None,
                i8::try_from(number(month)?).ok()?,
                i8::try_from(number(day)?).ok()?,
                today,
            ),
            [day, month, year] if day.len() <= 2 && month.len() <= 2 && matches!(year.len(), 2 | 4) => {
                let year = number(year)?;
                let year = if year < 100 { 2000 + year } else { year };
                Date::new(
                    year,
                    i8::try_from(number(month)?).ok()?,
                    i8::try_from(number(day)?).ok()?,
                )
                .ok()
            }
            _ => None,
        }
    }
}

/// Where `phrase` stands in `text` as whole words.
fn find_phrase(text: &str, phrase: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find(phrase) {
        let at = from + found;
        let end = at + phrase.len();
        let starts = text[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let ends = text[end..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if starts && ends {
            return Some(at);
        }
        from = end;
    }
    None
}

/// "12", "12.", "12th", "3rd": a day of the month.
fn day_number(word: &str) -> Option<i8> {
    let digits = word.trim_end_matches('.').trim_end_matches(|c: char| c.is_alphabetic());
    let day: i8 = digits.parse().ok()?;
    (1..=31).contains(&day).then_some(day)
}

fn year_number(word: &str) -> Option<i16> {
    let year: i16 = word.trim_end_matches('.').parse().ok()?;
    (1900..=2100).contains(&year).then_some(year)
}

/// The date of `day` and `month` in `year`, or, without a year, the latest
/// one that is not after `today`; none when this year's falls within the
/// coming month ("begravelsen er 20. desember" is a day to come).
fn most_recent(year: Option<i16>, month: i8, day: i8, today: Date) -> Option<Date> {
    match year {
        Some(year) => Date::new(year, month, day).ok(),
        None => {
            let this_year = Date::new(today.year(), month, day).ok()?;
            if this_year <= today {
                Some(this_year)
            } else if this_year <= today.checked_add(31.days()).ok()? {
                None
            } else {
                Date::new(today.year() - 1, month, day).ok()
            }
        }
    }
}

/// The last day of `deadline` counted from `death`.
pub fn due(death: Date, deadline: &RelativeDeadline) -> Option<Date> {
    let n = i64::from(deadline.within);
    match DeadlineUnit::try_from(deadline.unit).ok()? {
        DeadlineUnit::Days => death.checked_add(n.days()).ok(),
        DeadlineUnit::Weeks => death.checked_add(n.weeks()).ok(),
        DeadlineUnit::Months => death.checked_add(Span::new().months(n)).ok(),
        DeadlineUnit::WorkingDays => {
            let mut day = death;
            let mut left = n;
            while left > 0 {
                day = day.tomorrow().ok()?;
                if is_working_day(day) {
                    left -= 1;
                }
            }
            Some(day)
        }
        DeadlineUnit::Unspecified => None,
    }
}

/// Not a Saturday, a Sunday or a Norwegian public holiday (the SDK's calendar,
/// which the agencies' advisor hours use too).
pub fn is_working_day(day: Date) -> bool {
    !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) && !is_public_holiday(day)
}

/// `day` in words in the session language: "tirsdag 15. desember 2026".
pub fn in_words(day: Date, texts: &Texts) -> String {
    let weekday = texts.day_name(day.weekday());
    let month = texts
        .month_names
        .get(usize::try_from(day.month() - 1).unwrap_or(0))
        .map_or("", String::as_str);
    crate::content::fill(
        &texts.date,
        &[
            ("weekday", weekday),
            ("day", &day.day().to_string()),
            ("month", month),
            ("year", &day.year().to_string()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::content::MasterContent;

    fn words() -> DayWords {
        let content = MasterContent::embedded().expect("content");
        DayWords::new(content.languages().map(|l| &l.texts))
    }

    #[test]
    fn the_date_of_death_as_people_write_it() {
        let today = date(2026, 12, 1); // a Tuesday
        let words = words();
        for (text, expected) in [
            ("Far døde i går, hva må vi gjøre?", Some(date(2026, 11, 30))),
            ("mor døydde i forgårs", Some(date(2026, 11, 29))),
            ("My mum died yesterday", Some(date(2026, 11, 30))),
            ("Han døde 12. mars", Some(date(2026, 3, 12))),
            ("she passed away on 3 March 2026", Some(date(2026, 3, 3))),
            ("she passed away on March 3rd", Some(date(2026, 3, 3))),
            ("Mamma døde 14.02.2026 på sykehjemmet", Some(date(2026, 2, 14))),
            ("Far døde 3.5, og vi er fortsatt ikke ferdige", Some(date(2026, 5, 3))),
            // Within the coming month without a year: a day to come, not the death.
            ("he died, the funeral is on 24 December", None),
            ("he died on 24 January", Some(date(2026, 1, 24))),
            ("bror min døde sist søndag", Some(date(2026, 11, 29))),
            ("my husband died last Tuesday", Some(date(2026, 11, 24))),
            // A funeral next week and a death long ago give no date of death.
            ("Begravelsen er 20. desember", None),
            ("Far døde i går, begravelsen er 10. desember", Some(date(2026, 11, 30))),
            ("Mor døde 31. april, nei, 30. april", Some(date(2026, 4, 30))),
            (
                "jeg ringte kl. 10.05 og betalte kr 12.50, far døde 3.5",
                Some(date(2026, 5, 3)),
            ),
            ("Far døde i 2019, nå er mor død også", None),
            ("Hva må vi gjøre når noen dør?", None),
        ] {
            assert_eq!(words.date_of_death(text, today), expected, "{text}");
        }
    }

    #[test]
    fn deadlines_fall_on_working_days_around_weekends_and_holidays() {
        let working = |within| RelativeDeadline {
            within,
            unit: DeadlineUnit::WorkingDays.into(),
        };
        // Died on Friday 11 December 2026: Christmas Day is a holiday (Christmas
        // Eve is not), so the tenth working day is Monday 28 December.
        assert_eq!(due(date(2026, 12, 11), &working(10)), Some(date(2026, 12, 28)));
        // Easter 2027 is 28 March: Thursday 25 March to Monday 29 March are off.
        assert_eq!(due(date(2027, 3, 23), &working(2)), Some(date(2027, 3, 30)));
        let months = RelativeDeadline {
            within: 6,
            unit: DeadlineUnit::Months.into(),
        };
        assert_eq!(due(date(2026, 8, 31), &months), Some(date(2027, 2, 28)));
        assert!(!is_working_day(date(2026, 5, 17)), "Constitution Day");
        assert!(is_working_day(date(2026, 5, 18)));
    }
}
