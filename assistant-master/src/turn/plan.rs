//! Merging the agencies' checklist items for a life event into one plan:
//! deduplicated by item key, ordered by deadline, grouped into phases (by the
//! deadline, or the phase an agency gave a task without one), tasks that apply
//! only under a condition last, every item attributed to the agencies that
//! gave it.

use veiviser_proto::agency::v1::{ChecklistItem, DeadlineUnit, RelativeDeadline};
use veiviser_proto::master::v1::PlanItem;

use jiff::civil::Date;

use crate::content::{Texts, fill};
use crate::dates;

/// A phase of the plan, by how soon its deadline falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    FirstDays,
    FirstWeeks,
    SixMonths,
    Later,
    NoDeadline,
    /// Tasks that apply only under a condition the agency states.
    OnlyIf,
}

impl Phase {
    pub fn id(self) -> &'static str {
        match self {
            Self::FirstDays => "first-days",
            Self::FirstWeeks => "first-weeks",
            Self::SixMonths => "six-months",
            Self::Later => "later",
            Self::NoDeadline => "no-deadline",
            Self::OnlyIf => "only-if",
        }
    }

    fn label(self, texts: &Texts) -> &str {
        match self {
            Self::FirstDays => &texts.group_first_days,
            Self::FirstWeeks => &texts.group_first_weeks,
            Self::SixMonths => &texts.group_six_months,
            Self::Later => &texts.group_later,
            Self::NoDeadline => &texts.group_no_deadline,
            Self::OnlyIf => &texts.group_only_if,
        }
    }

    /// The phase an agency named for a task without a deadline.
    fn named(name: &str) -> Option<Self> {
        match name {
            "first-days" => Some(Self::FirstDays),
            "first-weeks" => Some(Self::FirstWeeks),
            "six-months" => Some(Self::SixMonths),
            "later" => Some(Self::Later),
            _ => None,
        }
    }

    /// A day in the phase, to order tasks without a deadline among those with one.
    fn typical_days(self) -> Option<u32> {
        match self {
            Self::FirstDays => Some(7),
            Self::FirstWeeks => Some(30),
            Self::SixMonths => Some(120),
            Self::Later => Some(365),
            Self::NoDeadline | Self::OnlyIf => None,
        }
    }

    fn of(days: Option<u32>) -> Self {
        match days {
            None => Self::NoDeadline,
            Some(0..=14) => Self::FirstDays,
            Some(15..=62) => Self::FirstWeeks,
            Some(63..=186) => Self::SixMonths,
            Some(_) => Self::Later,
        }
    }
}

/// The latest calendar day a deadline can fall on, counted from the date of
/// death, for ordering. Working days are counted as whole weeks of five plus
/// the rest, which is exact when no public holiday intervenes.
pub fn approximate_days(deadline: &RelativeDeadline) -> Option<u32> {
    let n = deadline.within;
    match DeadlineUnit::try_from(deadline.unit).ok()? {
        DeadlineUnit::Days => Some(n),
        DeadlineUnit::WorkingDays => Some(
            (n / 5)
                .saturating_mul(7)
                .saturating_add(n % 5 + if n.is_multiple_of(5) { 0 } else { 2 }),
        ),
        DeadlineUnit::Weeks => Some(n.saturating_mul(7)),
        DeadlineUnit::Months => Some(n.saturating_mul(31)),
        DeadlineUnit::Unspecified => None,
    }
}

/// The deadline in words, e.g. "innen 6 måneder".
pub fn deadline_text(deadline: &RelativeDeadline, texts: &Texts) -> String {
    let template = match DeadlineUnit::try_from(deadline.unit) {
        Ok(DeadlineUnit::Days) => &texts.deadline_days,
        Ok(DeadlineUnit::WorkingDays) => &texts.deadline_working_days,
        Ok(DeadlineUnit::Weeks) => &texts.deadline_weeks,
        Ok(DeadlineUnit::Months) => &texts.deadline_months,
        _ => return String::new(),
    };
    fill(template, &[("n", &deadline.within.to_string())])
}

/// Merges items given in agency order into one plan. An item whose key was
/// already given keeps its first version and gains the later agency in its
/// attribution. The result is ordered by phase, then by deadline within it
/// (a task with a phase and no deadline after the dated ones of its phase),
/// keeping the given order among equals; tasks with a condition come last.
///
/// With a date of death, each deadline gets its calendar day (`due_date`) and
/// says it in words.
pub fn merge(items: impl IntoIterator<Item = ChecklistItem>, texts: &Texts, death: Option<Date>) -> Vec<PlanItem> {
    let mut merged: Vec<((Phase, u32), PlanItem)> = Vec::new();
    for item in items {
        if let Some((_, existing)) = merged
            .iter_mut()
            .find(|(_, p)| !item.key.is_empty() && p.key == item.key)
        {
            if !existing.agency_ids.contains(&item.agency_id) {
                existing.agency_ids.push(item.agency_id);
            }
            continue;
        }
        let deadline_days = item.deadline.as_ref().and_then(approximate_days);
        let phase = match (deadline_days, Phase::named(&item.phase)) {
            _ if !item.only_if.trim().is_empty() => Phase::OnlyIf,
            (Some(_), _) | (None, None) => Phase::of(deadline_days),
            (None, Some(named)) => named,
        };
        let order = (phase, deadline_days.or(phase.typical_days()).unwrap_or(u32::MAX));
        let due = death
            .zip(item.deadline.as_ref())
            .and_then(|(death, d)| dates::due(death, d));
        let in_words = item
            .deadline
            .as_ref()
            .map(|d| deadline_text(d, texts))
            .unwrap_or_default();
        merged.push((
            order,
            PlanItem {
                deadline_text: match due {
                    Some(day) => fill(
                        &texts.deadline_due,
                        &[("deadline", &in_words), ("date", &dates::in_words(day, texts))],
                    ),
                    None => in_words,
                },
                due_date: due.map(|day| day.to_string()).unwrap_or_default(),
                key: item.key,
                title: item.title,
                action: item.action,
                deadline: item.deadline,
                when: item.when,
                link: item.link,
                agency_ids: vec![item.agency_id],
                group: phase.id().to_string(),
                group_label: phase.label(texts).to_string(),
                only_if: item.only_if,
            },
        ));
    }
    merged.sort_by_key(|(order, _)| *order);
    merged.into_iter().map(|(_, item)| item).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::MasterContent;

    fn item(key: &str, agency: &str, deadline: Option<(u32, DeadlineUnit)>) -> ChecklistItem {
        ChecklistItem {
            key: key.into(),
            title: format!("title {key}"),
            agency_id: agency.into(),
            deadline: deadline.map(|(within, unit)| RelativeDeadline {
                within,
                unit: unit.into(),
            }),
            ..Default::default()
        }
    }

    fn texts() -> Texts {
        MasterContent::embedded()
            .expect("valid")
            .language("en")
            .expect("en")
            .texts
            .clone()
    }

    #[test]
    fn orders_by_deadline_and_puts_open_items_last() {
        let plan = merge(
            [
                item("grant", "nav", Some((6, DeadlineUnit::Months))),
                item("tax", "skatteetaten", None),
                item("funeral", "kommune", Some((10, DeadlineUnit::WorkingDays))),
                item("settle", "skatteetaten", Some((60, DeadlineUnit::Days))),
            ],
            &texts(),
            None,
        );
        let keys: Vec<&str> = plan.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["funeral", "settle", "grant", "tax"]);
        let groups: Vec<&str> = plan.iter().map(|p| p.group.as_str()).collect();
        assert_eq!(groups, ["first-days", "first-weeks", "six-months", "no-deadline"]);
        assert!(plan[0].deadline_text.contains("10"), "{}", plan[0].deadline_text);
        assert!(plan.iter().all(|p| p.due_date.is_empty()), "no date of death, no days");
    }

    #[test]
    fn with_a_date_of_death_each_deadline_gets_its_day() {
        let plan = merge(
            [
                item("funeral", "kommune", Some((10, DeadlineUnit::WorkingDays))),
                item("tax", "skatteetaten", None),
            ],
            &texts(),
            Some(jiff::civil::date(2026, 11, 30)),
        );
        assert_eq!(plan[0].due_date, "2026-12-14");
        assert!(
            plan[0].deadline_text.contains("10") && plan[0].deadline_text.contains("Monday 14 December 2026"),
            "{}",
            plan[0].deadline_text
        );
        assert_eq!(plan[1].due_date, "", "no deadline, no day");
    }

    #[test]
    fn same_key_from_two_agencies_is_one_item_attributed_to_both() {
        let plan = merge(
            [
                item("settle", "skatteetaten", Some((60, DeadlineUnit::Days))),
                item("settle", "kommune", Some((60, DeadlineUnit::Days))),
                item("settle", "kommune", Some((60, DeadlineUnit::Days))),
            ],
            &texts(),
            None,
        );
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].agency_ids, ["skatteetaten", "kommune"]);
    }

    #[test]
    fn a_phase_places_an_undated_task_and_a_condition_puts_it_last() {
        let mut abroad = item("abroad", "nav", None);
        abroad.only_if = "Bare ved dødsfall i utlandet".into();
        abroad.phase = "first-days".into();
        let mut arranger = item("arranger", "kommune", None);
        arranger.phase = "first-days".into();
        let mut services = item("services", "kommune", None);
        services.phase = "first-weeks".into();
        let plan = merge(
            [
                abroad,
                item("open", "skatteetaten", None),
                item("settle", "skatteetaten", Some((60, DeadlineUnit::Days))),
                services,
                item("funeral", "kommune", Some((10, DeadlineUnit::WorkingDays))),
                arranger,
            ],
            &texts(),
            None,
        );
        let keys: Vec<&str> = plan.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["arranger", "funeral", "services", "settle", "open", "abroad"]);
        let groups: Vec<&str> = plan.iter().map(|p| p.group.as_str()).collect();
        assert_eq!(
            groups,
            [
                "first-days",
                "first-days",
                "first-weeks",
                "first-weeks",
                "no-deadline",
                "only-if"
            ]
        );
        assert_eq!(plan[5].only_if, "Bare ved dødsfall i utlandet");
    }

    #[test]
    fn working_days_skip_weekends() {
        let days = |n| {
            approximate_days(&RelativeDeadline {
                within: n,
                unit: DeadlineUnit::WorkingDays.into(),
            })
        };
        assert_eq!(days(5), Some(7));
        assert_eq!(days(10), Some(14));
        assert_eq!(days(1), Some(3), "a death on a Friday: Monday is the first working day");
    }
}
