//! When an agency's human advisors answer: the opening hours from its card,
//! read in the agency's time zone, closed on Norwegian public holidays and on
//! the card's own closed dates. The SDK checks a card with it before serving,
//! and the master asks it whether a desk is open, so both read hours alike.

use std::time::SystemTime;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, ZonedDateTime};
use veiviser_proto::agency::v1::AdvisorHours;

/// The hours a card gets for anything it leaves out: NAV's chat hours.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Oslo";
pub const DEFAULT_OPENS: &str = "09:00";
pub const DEFAULT_CLOSES: &str = "14:30";
const DEFAULT_DAYS: [&str; 5] = ["mon", "tue", "wed", "thu", "fri"];

/// How far ahead [`OpeningHours::next_opening`] looks: over a year, so even a
/// long closure listed day by day in `closed_dates` has an end in sight.
const LOOKAHEAD_DAYS: i32 = 400;

/// One agency's advisor hours, parsed.
#[derive(Debug, Clone)]
pub struct OpeningHours {
    zone: TimeZone,
    days: Vec<Weekday>,
    opens: Time,
    closes: Time,
    closed_dates: Vec<ClosedDate>,
}

/// A day the card closes besides the public holidays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClosedDate {
    /// "MM-DD": the same day every year, such as Christmas Eve.
    EveryYear { month: i8, day: i8 },
    /// "YYYY-MM-DD": one day.
    Once(Date),
}

impl ClosedDate {
    fn parse(text: &str) -> Option<Self> {
        let date = |full: &str| Date::strptime("%Y-%m-%d", full).ok();
        if has_shape(text, "dd-dd") {
            // Read against a leap year so "02-29" is allowed.
            date(&format!("2024-{text}")).map(|d| Self::EveryYear {
                month: d.month(),
                day: d.day(),
            })
        } else if has_shape(text, "dddd-dd-dd") {
            date(text).map(Self::Once)
        } else {
            None
        }
    }

    fn covers(self, date: Date) -> bool {
        match self {
            Self::EveryYear { month, day } => date.month() == month && date.day() == day,
            Self::Once(once) => once == date,
        }
    }
}

/// Advisor hours a card gives that cannot be read: which field, and the
/// value as the card wrote it (for the content owner, never for citizens).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("advisor_hours: invalid {what} \"{value}\"")]
pub struct HoursError {
    pub what: &'static str,
    pub value: String,
}

impl OpeningHours {
    /// Reads the card's hours; empty fields take the defaults above.
    pub fn from_card(hours: &AdvisorHours) -> Result<Self, HoursError> {
        let invalid = |what: &'static str, value: &str| HoursError {
            what,
            value: value.to_string(),
        };
        let zone_name = non_empty(&hours.time_zone, DEFAULT_TIME_ZONE);
        let zone = TimeZone::get(zone_name).map_err(|_| invalid("time zone", zone_name))?;
        let day_names: Vec<&str> = if hours.days.is_empty() {
            DEFAULT_DAYS.to_vec()
        } else {
            hours.days.iter().map(String::as_str).collect()
        };
        let days = day_names
            .iter()
            .map(|day| weekday(day).ok_or_else(|| invalid("day", day)))
            .collect::<Result<Vec<_>, _>>()?;
        let parse_time = |value: &str| -> Result<Time, HoursError> {
            has_shape(value, "dd:dd")
                .then(|| Time::strptime("%H:%M", value).ok())
                .flatten()
                .ok_or_else(|| invalid("time", value))
        };
        let closes_text = non_empty(&hours.closes, DEFAULT_CLOSES);
        let opens = parse_time(non_empty(&hours.opens, DEFAULT_OPENS))?;
        let closes = parse_time(closes_text)?;
        if closes <= opens {
            return Err(invalid("closing time", closes_text));
        }
        let closed_dates = hours
            .closed_dates
            .iter()
            .map(|text| ClosedDate::parse(text.trim()).ok_or_else(|| invalid("closed date", text)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            zone,
            days,
            opens,
            closes,
            closed_dates,
        })
    }

    fn local(&self, now: SystemTime) -> ZonedDateTime {
        Timestamp::try_from(now)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned_datetime(self.zone.clone())
    }

    fn is_open_day(&self, date: Date) -> bool {
        self.days.contains(&date.weekday())
            && !is_public_holiday(date)
            && !self.closed_dates.iter().any(|closed| closed.covers(date))
    }

    /// True when advisors answer at `now`: an open day, not a public holiday
    /// nor one of the card's closed dates, from the opening time up to (not including) the closing time.
    pub fn is_open(&self, now: SystemTime) -> bool {
        let local = self.local(now);
        let time = local.time();
        self.is_open_day(local.date()) && time >= self.opens && time < self.closes
    }

    /// The next moment the advisors open, after `now`.
    pub fn next_opening(&self, now: SystemTime) -> Option<ZonedDateTime> {
        let local = self.local(now);
        (0..=LOOKAHEAD_DAYS)
            .filter_map(|offset| local.date().checked_add(offset.days()).ok())
            .filter(|date| self.is_open_day(*date))
            .filter_map(|date| date.to_datetime(self.opens).to_zoned_datetime(self.zone.clone()).ok())
            .find(|opening| opening.timestamp() > local.timestamp())
    }

    /// Opening and closing time as written on the card, "HH:MM".
    pub fn opens(&self) -> String {
        self.opens.strftime("%H:%M").to_string()
    }

    pub fn closes(&self) -> String {
        self.closes.strftime("%H:%M").to_string()
    }

    /// The days with advisors, in the card's order.
    pub fn days(&self) -> &[Weekday] {
        &self.days
    }

    /// True for Monday to Friday exactly.
    pub fn is_weekdays(&self) -> bool {
        let weekdays = [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
        ];
        self.days.len() == weekdays.len() && weekdays.iter().all(|day| self.days.contains(day))
    }
}

/// True when `text` matches `shape` character by character, `d` standing for
/// an ASCII digit: the parser underneath also takes one digit, signs and spaces.
fn has_shape(text: &str, shape: &str) -> bool {
    text.len() == shape.len()
        && text.bytes().zip(shape.bytes()).all(|(c, s)| match s {
            b'd' => c.is_ascii_digit(),
            other => c == other,
        })
}

fn non_empty<'a>(value: &'a str, default: &'a str) -> &'a str {
    if value.trim().is_empty() { default } else { value.trim() }
}

fn weekday(name: &str) -> Option<Weekday> {
    Some(match name {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return None,
    })
}

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian
/// algorithm of Meeus, Jones and Butcher).
pub fn easter_sunday(year: i16) -> Date {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // Both are small positive numbers by construction (March or April, 1–31).
    Date::new(year, month as i8, day as i8).expect("Easter falls in March or April")
}

/// Norway's public holidays (helligdager and offentlige høytidsdager, Lov om
/// helligdager og helligdagsfred and Lov om 1. og 17. mai som høgtidsdager):
/// New Year's Day, Maundy Thursday, Good Friday, Easter Sunday and Monday,
/// 1 May, 17 May, Ascension Day, Whit Sunday and Monday, Christmas Day and
/// Boxing Day. Ordinary Sundays are not counted here.
pub fn is_public_holiday(date: Date) -> bool {
    let fixed = [(1, 1), (5, 1), (5, 17), (12, 25), (12, 26)];
    if fixed.contains(&(date.month(), date.day())) {
        return true;
    }
    let easter = easter_sunday(date.year());
    [-3, -2, 0, 1, 39, 49, 50]
        .iter()
        .filter_map(|offset: &i32| easter.checked_add(offset.days()).ok())
        .any(|holiday| holiday == date)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn nav_hours() -> OpeningHours {
        OpeningHours::from_card(&AdvisorHours {
            time_zone: "Europe/Oslo".into(),
            days: DEFAULT_DAYS.iter().map(|d| d.to_string()).collect(),
            opens: "09:00".into(),
            closes: "14:30".into(),
            closed_dates: Vec::new(),
        })
        .expect("valid hours")
    }

    fn at(rfc3339: &str) -> SystemTime {
        SystemTime::try_from(rfc3339.parse::<Timestamp>().expect("valid time")).expect("in range")
    }

    #[test]
    fn easter_matches_the_almanac() {
        assert_eq!(easter_sunday(2024), date(2024, 3, 31));
        assert_eq!(easter_sunday(2025), date(2025, 4, 20));
        assert_eq!(easter_sunday(2026), date(2026, 4, 5));
        assert_eq!(easter_sunday(2027), date(2027, 3, 28));
        assert_eq!(easter_sunday(2038), date(2038, 4, 25));
    }

    #[test]
    fn norwegian_public_holidays_of_2026() {
        let holidays = [
            date(2026, 1, 1),
            date(2026, 4, 2),
            date(2026, 4, 3),
            date(2026, 4, 5),
            date(2026, 4, 6),
            date(2026, 5, 1),
            date(2026, 5, 14),
            date(2026, 5, 17),
            date(2026, 5, 24),
            date(2026, 5, 25),
            date(2026, 12, 25),
            date(2026, 12, 26),
        ];
        for holiday in holidays {
            assert!(is_public_holiday(holiday), "{holiday} is a public holiday");
        }
        let mut count = 0;
        let mut day = date(2026, 1, 1);
        while day.year() == 2026 {
            count += usize::from(is_public_holiday(day));
            day = day.tomorrow().expect("in range");
        }
        assert_eq!(count, holidays.len(), "no other day of 2026 is a holiday");
    }

    #[test]
    fn open_on_weekdays_between_nine_and_half_past_two_oslo_time() {
        let hours = nav_hours();
        // Tuesday 24 November 2026; Oslo is UTC+1 in winter.
        assert!(!hours.is_open(at("2026-11-24T07:59:59Z")));
        assert!(hours.is_open(at("2026-11-24T08:00:00Z")));
        assert!(hours.is_open(at("2026-11-24T13:29:59Z")));
        assert!(!hours.is_open(at("2026-11-24T13:30:00Z")));
        // Summer time: UTC+2.
        assert!(hours.is_open(at("2026-06-16T07:00:00Z")));
        assert!(!hours.is_open(at("2026-06-16T06:59:00Z")));
        // Saturday, and 17 May 2027 (a Monday).
        assert!(!hours.is_open(at("2026-11-28T10:00:00Z")));
        assert!(!hours.is_open(at("2027-05-17T09:00:00Z")));
    }

    #[test]
    fn next_opening_skips_weekends_and_easter() {
        let hours = nav_hours();
        let after_closing = hours.next_opening(at("2026-11-24T15:00:00Z")).expect("opens");
        assert_eq!(after_closing.to_string(), "2026-11-25T09:00:00+01:00[Europe/Oslo]");
        let friday_evening = hours.next_opening(at("2026-11-27T18:00:00Z")).expect("opens");
        assert_eq!(friday_evening.date(), date(2026, 11, 30));
        // Wednesday before Easter 2026, after closing: Thursday to Monday are holidays.
        let before_easter = hours.next_opening(at("2026-04-01T14:00:00Z")).expect("opens");
        assert_eq!(before_easter.to_string(), "2026-04-07T09:00:00+02:00[Europe/Oslo]");
        let morning = hours.next_opening(at("2026-11-24T07:00:00Z")).expect("opens");
        assert_eq!(morning.date(), date(2026, 11, 24));
    }

    #[test]
    fn empty_fields_take_the_defaults_and_nonsense_is_refused() {
        let hours = OpeningHours::from_card(&AdvisorHours::default()).expect("defaults");
        assert_eq!((hours.opens().as_str(), hours.closes().as_str()), ("09:00", "14:30"));
        assert!(hours.is_weekdays());
        for broken in [
            AdvisorHours {
                time_zone: "Europe/Atlantis".into(),
                ..Default::default()
            },
            AdvisorHours {
                days: vec!["fredag".into()],
                ..Default::default()
            },
            AdvisorHours {
                opens: "9".into(),
                ..Default::default()
            },
            AdvisorHours {
                opens: "9:00".into(),
                ..Default::default()
            },
            AdvisorHours {
                opens: "09: 0".into(),
                ..Default::default()
            },
            AdvisorHours {
                opens: "15:00".into(),
                closes: "14:00".into(),
                ..Default::default()
            },
        ] {
            assert!(OpeningHours::from_card(&broken).is_err(), "{broken:?}");
        }
    }

    #[test]
    fn closed_dates_close_every_year_or_once() {
        let hours = OpeningHours::from_card(&AdvisorHours {
            closed_dates: vec!["12-24".into(), "12-31".into(), "2026-12-28".into()],
            ..Default::default()
        })
        .expect("valid hours");
        // Christmas Eve 2026 is a Thursday, 2027 a Friday; 28 December 2026 a Monday.
        assert!(!hours.is_open(at("2026-12-24T10:00:00Z")));
        assert!(!hours.is_open(at("2027-12-24T10:00:00Z")));
        assert!(!hours.is_open(at("2026-12-28T10:00:00Z")));
        assert!(hours.is_open(at("2027-12-28T10:00:00Z")), "a one-off date closes once");
        assert!(hours.is_open(at("2026-12-23T10:00:00Z")));
        // From the 23rd: 24th closed, 25th and 26th holidays, 27th Sunday,
        // 28th closed once, so the 29th.
        let next = hours.next_opening(at("2026-12-23T14:00:00Z")).expect("opens");
        assert_eq!(next.date(), date(2026, 12, 29));
        let without = nav_hours().next_opening(at("2026-12-23T14:00:00Z")).expect("opens");
        assert_eq!(
            without.date(),
            date(2026, 12, 24),
            "the statutory holidays alone keep the 24th open"
        );
    }

    #[test]
    fn closed_dates_must_be_real_days() {
        for (text, valid) in [
            ("02-29", true),
            ("2028-02-29", true),
            ("12-32", false),
            ("2027-02-29", false),
            ("24.12", false),
            ("1224", false),
            ("", false),
            ("1-24", false),
            ("1- 24", false),
            ("+026-12-28", false),
        ] {
            let hours = AdvisorHours {
                closed_dates: vec![text.into()],
                ..Default::default()
            };
            assert_eq!(OpeningHours::from_card(&hours).is_ok(), valid, "{text:?}");
        }
    }

    #[test]
    fn a_summer_closure_listed_day_by_day_still_has_a_next_opening() {
        let july: Vec<String> = (1..=31).map(|day| format!("07-{day:02}")).collect();
        let hours = OpeningHours::from_card(&AdvisorHours {
            closed_dates: july,
            ..Default::default()
        })
        .expect("valid hours");
        // Tuesday 30 June 2026 after closing: July is closed, Monday 3 August opens.
        let next = hours
            .next_opening(at("2026-06-30T15:00:00Z"))
            .expect("opens after the summer");
        assert_eq!(next.date(), date(2026, 8, 3));
    }
}
