//! The working-day calendar (工作日历) and how a time limit becomes a due instant.
//!
//! Official public holidays and make-up working days (调休) come from the State Council's yearly
//! notices: 2004–2026 are built in (`data/cn-calendar.csv`, with its source), and an
//! administrator enters each later year's notice, which replaces that year's built-in days.
//!
//! # Counting convention
//! - The start day is excluded: a limit of *N* days running from day *D* counts *D + 1* as day 1.
//! - **Calendar days** (日): the due date is *D + N*. Where the calendar rolls forward (the
//!   default, as for statutory periods), a due date that is not a working day moves to the
//!   next working day.
//! - **Working days** (工作日): the due date is the *N*-th working day after *D*. A day is a
//!   working day when a notice makes it one (调休), otherwise when it is Monday to Friday and no
//!   holiday.
//! - A limit in days is met by the end of its due date: 24:00 in the deployment's time zone.
//!   Zero days therefore means "the same day".
//! - **Hours**: exactly *N* hours after the start instant, around the clock.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The built-in notices, 2004–2026.
const BUILTIN: &str = include_str!("../data/cn-calendar.csv");

string_enum!(
    /// What a notice makes of a day.
    DayKind {
        /// 放假: a public holiday, including the weekend days inside a break.
        Off = "off",
        /// 调休上班: a weekend day made a working day.
        On = "on",
    }
);

string_enum!(
    /// What a time limit counts.
    LimitUnit {
        /// 自然日
        CalendarDays = "calendar_days",
        /// 工作日
        WorkingDays = "working_days",
        /// 小时
        Hours = "hours",
    }
);

/// A time limit: an amount of some unit.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Limit {
    pub amount: u32,
    pub unit: LimitUnit,
}

impl Limit {
    /// The longest limit accepted anywhere: ten years of days.
    pub const AMOUNT_MAX: u32 = 3_660;

    pub const fn calendar_days(amount: u32) -> Self {
        Self { amount, unit: LimitUnit::CalendarDays }
    }
    pub const fn working_days(amount: u32) -> Self {
        Self { amount, unit: LimitUnit::WorkingDays }
    }
    pub const fn hours(amount: u32) -> Self {
        Self { amount, unit: LimitUnit::Hours }
    }
}

/// One day a notice names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeDay {
    pub date: Date,
    pub kind: DayKind,
    /// The holiday it belongs to, e.g. 国庆节.
    pub name: String,
}

/// A year's notice as an administrator enters it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub year: i16,
    pub days: Vec<NoticeDay>,
}

/// What is wrong with a notice, or with the built-in data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("line {line}: {reason}")]
    BadLine { line: usize, reason: String },
    #[error("{date} is not in {year}")]
    OutsideYear { date: Date, year: i16 },
    #[error("{0} is named twice")]
    Twice(Date),
    #[error("{0} is already a working day")]
    AlreadyWorking(Date),
    #[error("{0} is outside the years a calendar can hold")]
    YearOutOfRange(i16),
}

/// The calendar: notices by day, the deployment's time zone, and whether calendar-day limits
/// roll forward off rest days.
#[derive(Clone, Debug)]
pub struct Calendar {
    days: BTreeMap<Date, (DayKind, String)>,
    tz: TimeZone,
    roll_forward: bool,
}

impl Calendar {
    pub const FIRST_YEAR: i16 = 2000;
    pub const LAST_YEAR: i16 = 2100;

    /// The built-in notices in the given time zone, rolling forward.
    pub fn builtin(tz: TimeZone) -> Result<Self, CalendarError> {
        let mut days = BTreeMap::new();
        for (i, line) in BUILTIN.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with("date,") {
                continue;
            }
            let bad = |reason: &str| CalendarError::BadLine { line: i + 1, reason: reason.into() };
            let mut cols = line.splitn(3, ',');
            let (Some(date), Some(kind), Some(name)) = (cols.next(), cols.next(), cols.next()) else {
                return Err(bad("expected date,kind,name"));
            };
            let date: Date = date.parse().map_err(|_| bad("not a date"))?;
            let kind = DayKind::parse(kind).ok_or_else(|| bad("kind is neither off nor on"))?;
            if days.insert(date, (kind, name.to_string())).is_some() {
                return Err(CalendarError::Twice(date));
            }
        }
        Ok(Self { days, tz, roll_forward: true })
    }

    /// Whether calendar-day limits ending on a rest day move to the next working day.
    pub fn rolling_forward(mut self, roll: bool) -> Self {
        self.roll_forward = roll;
        self
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    pub fn rolls_forward(&self) -> bool {
        self.roll_forward
    }

    /// Checks a notice: every day inside its year, none named twice, each one changing the day.
    pub fn check_notice(notice: &Notice) -> Result<(), CalendarError> {
        if !(Self::FIRST_YEAR..=Self::LAST_YEAR).contains(&notice.year) {
            return Err(CalendarError::YearOutOfRange(notice.year));
        }
        let mut seen = std::collections::BTreeSet::new();
        for day in &notice.days {
            if day.date.year() != notice.year {
                return Err(CalendarError::OutsideYear { date: day.date, year: notice.year });
            }
            if !seen.insert(day.date) {
                return Err(CalendarError::Twice(day.date));
            }
            let weekend = matches!(day.date.weekday(), Weekday::Saturday | Weekday::Sunday);
            if day.kind == DayKind::On && !weekend {
                return Err(CalendarError::AlreadyWorking(day.date));
            }
        }
        Ok(())
    }

    /// Replaces a year's days with an administrator's notice (checked first).
    pub fn apply(&mut self, notice: &Notice) -> Result<(), CalendarError> {
        Self::check_notice(notice)?;
        let (Ok(first), Ok(last)) = (Date::new(notice.year, 1, 1), Date::new(notice.year, 12, 31)) else {
            return Err(CalendarError::YearOutOfRange(notice.year));
        };
        let stale: Vec<Date> = self.days.range(first..=last).map(|(d, _)| *d).collect();
        for d in stale {
            self.days.remove(&d);
        }
        for day in &notice.days {
            self.days.insert(day.date, (day.kind, day.name.clone()));
        }
        Ok(())
    }

    /// The days a year's notice names, in date order.
    pub fn notice(&self, year: i16) -> Notice {
        let days = match (Date::new(year, 1, 1), Date::new(year, 12, 31)) {
            (Ok(first), Ok(last)) => self
                .days
                .range(first..=last)
                .map(|(date, (kind, name))| NoticeDay { date: *date, kind: *kind, name: name.clone() })
                .collect(),
            _ => vec![],
        };
        Notice { year, days }
    }

    /// Whether any notice covers the year; without one only weekends rest.
    pub fn knows(&self, year: i16) -> bool {
        !self.notice(year).days.is_empty()
    }

    pub fn is_working_day(&self, date: Date) -> bool {
        match self.days.get(&date) {
            Some((DayKind::On, _)) => true,
            Some((DayKind::Off, _)) => false,
            None => !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday),
        }
    }

    /// The holiday a date belongs to, if a notice names it.
    pub fn holiday(&self, date: Date) -> Option<(DayKind, &str)> {
        self.days.get(&date).map(|(k, n)| (*k, n.as_str()))
    }

    fn next_working_day(&self, mut date: Date) -> Date {
        // Holidays never run for more than a few weeks; a year bounds the walk regardless.
        for _ in 0..366 {
            if self.is_working_day(date) {
                return date;
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => return date,
            }
        }
        date
    }

    /// The due date of a limit in days running from `start` (see the module's convention).
    /// Hours are not days: an `Hours` limit is answered as calendar days of `amount / 24`.
    pub fn due_date(&self, start: Date, limit: Limit) -> Date {
        let amount = limit.amount.min(Limit::AMOUNT_MAX);
        match limit.unit {
            LimitUnit::CalendarDays | LimitUnit::Hours => {
                let days = if limit.unit == LimitUnit::Hours { amount / 24 } else { amount };
                let due = start.checked_add(i64::from(days).days()).unwrap_or(start);
                if self.roll_forward && days > 0 { self.next_working_day(due) } else { due }
            }
            LimitUnit::WorkingDays => {
                let mut date = start;
                let mut counted = 0;
                while counted < amount {
                    match date.tomorrow() {
                        Ok(next) => date = next,
                        Err(_) => break,
                    }
                    if self.is_working_day(date) {
                        counted += 1;
                    }
                }
                date
            }
        }
    }

    /// The instant by which a limit running from `start` must be met.
    pub fn due(&self, start: Timestamp, limit: Limit) -> Timestamp {
        if limit.unit == LimitUnit::Hours {
            let hours = i64::from(limit.amount.min(Limit::AMOUNT_MAX * 24));
            return start.checked_add(hours.hours()).unwrap_or(start);
        }
        let local = start.to_zoned(self.tz.clone()).date();
        let due = self.due_date(local, limit);
        self.end_of(due).unwrap_or(start)
    }

    /// 24:00 of a date in the deployment's time zone: the first instant of the next day.
    pub fn end_of(&self, date: Date) -> Option<Timestamp> {
        let next = date.tomorrow().ok()?;
        next.to_zoned(self.tz.clone()).ok().map(|z| z.timestamp())
    }

    /// The date an instant falls on, in the deployment's time zone.
    pub fn date_of(&self, at: Timestamp) -> Date {
        at.to_zoned(self.tz.clone()).date()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use jiff::tz::Offset;
    use proptest::prelude::*;

    fn cal() -> Calendar {
        Calendar::builtin(TimeZone::fixed(Offset::constant(8))).unwrap()
    }

    #[test]
    fn the_builtin_data_covers_2004_to_2026() {
        let c = cal();
        for year in 2004..=2026 {
            assert!(c.knows(year), "{year}");
        }
        assert!(!c.knows(2027));
        assert_eq!(c.holiday(date(2026, 10, 1)), Some((DayKind::Off, "国庆节")));
        assert_eq!(c.holiday(date(2026, 10, 10)), Some((DayKind::On, "国庆节")));
    }

    #[test]
    fn fifteen_working_days_from_28_september_2026_cross_national_day() {
        // 29, 30 Sep; 1–7 Oct off; 8, 9 Oct; Saturday 10 Oct made a working day; 12–16; 19–23.
        let c = cal();
        assert_eq!(c.due_date(date(2026, 9, 28), Limit::working_days(15)), date(2026, 10, 23));
        assert!(c.is_working_day(date(2026, 10, 10)));
        assert!(!c.is_working_day(date(2026, 10, 5)));
    }

    #[test]
    fn calendar_days_exclude_the_start_day_and_roll_off_holidays() {
        let c = cal();
        assert_eq!(c.due_date(date(2026, 3, 2), Limit::calendar_days(15)), date(2026, 3, 17));
        // 15 days after 18 Sep 2026 is 3 Oct, inside the break: due on 8 Oct.
        assert_eq!(c.due_date(date(2026, 9, 18), Limit::calendar_days(15)), date(2026, 10, 8));
        let strict = cal().rolling_forward(false);
        assert_eq!(strict.due_date(date(2026, 9, 18), Limit::calendar_days(15)), date(2026, 10, 3));
        // Ending on a Saturday rolls to Monday.
        assert_eq!(c.due_date(date(2026, 3, 6), Limit::calendar_days(15)), date(2026, 3, 23));
    }

    #[test]
    fn a_day_limit_ends_at_midnight_local_time_and_hours_run_around_the_clock() {
        let c = cal();
        let start: Timestamp = "2026-03-02T09:30:00+08:00".parse().unwrap();
        let due = c.due(start, Limit::working_days(3));
        assert_eq!(due, "2026-03-06T00:00:00+08:00".parse::<Timestamp>().unwrap());
        let same_day = c.due(start, Limit::calendar_days(0));
        assert_eq!(same_day, "2026-03-03T00:00:00+08:00".parse::<Timestamp>().unwrap());
        let hours = c.due(start, Limit::hours(2));
        assert_eq!(hours, "2026-03-02T11:30:00+08:00".parse::<Timestamp>().unwrap());
        // A start late in the evening UTC is already the next day in China.
        let late: Timestamp = "2026-03-01T17:00:00Z".parse().unwrap();
        assert_eq!(c.date_of(late), date(2026, 3, 2));
    }

    #[test]
    fn a_notice_replaces_its_year_and_is_checked() {
        let mut c = cal();
        let day = |d, kind, name: &str| NoticeDay { date: d, kind, name: name.into() };
        let notice = Notice {
            year: 2027,
            days: vec![
                day(date(2027, 1, 1), DayKind::Off, "元旦"),
                day(date(2027, 2, 20), DayKind::On, "春节"),
            ],
        };
        c.apply(&notice).unwrap();
        assert!(!c.is_working_day(date(2027, 1, 1)));
        assert!(c.is_working_day(date(2027, 2, 20)));
        assert_eq!(c.notice(2027), notice);
        let wrong = |days| Calendar::check_notice(&Notice { year: 2027, days });
        assert_eq!(
            wrong(vec![day(date(2028, 1, 1), DayKind::Off, "元旦")]),
            Err(CalendarError::OutsideYear { date: date(2028, 1, 1), year: 2027 })
        );
        assert_eq!(
            wrong(vec![day(date(2027, 3, 3), DayKind::On, "x")]),
            Err(CalendarError::AlreadyWorking(date(2027, 3, 3)))
        );
        let twice =
            vec![day(date(2027, 1, 1), DayKind::Off, "元旦"), day(date(2027, 1, 1), DayKind::Off, "元旦")];
        assert_eq!(wrong(twice), Err(CalendarError::Twice(date(2027, 1, 1))));
    }

    fn naive_working_days(c: &Calendar, start: Date, n: u32) -> Date {
        // Independent reference: walk days, reading the CSV-derived classification directly.
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = d.tomorrow().unwrap();
            let rest = match c.holiday(d) {
                Some((DayKind::On, _)) => false,
                Some((DayKind::Off, _)) => true,
                None => d.weekday().to_monday_zero_offset() >= 5,
            };
            if !rest {
                left -= 1;
            }
        }
        d
    }

    proptest! {
        #[test]
        fn working_day_limits_land_on_working_days_after_exactly_n_of_them(
            offset in 0i64..8_000, n in 0u32..80
        ) {
            let c = cal();
            let start = date(2004, 1, 1).checked_add(offset.days()).unwrap();
            let due = c.due_date(start, Limit::working_days(n));
            prop_assert_eq!(due, naive_working_days(&c, start, n));
            if n > 0 {
                prop_assert!(c.is_working_day(due));
                prop_assert!(due > start);
            }
            // One more working day never ends earlier.
            prop_assert!(c.due_date(start, Limit::working_days(n + 1)) > due);
        }

        #[test]
        fn calendar_day_limits_never_end_on_a_rest_day_or_before_n_days(
            offset in 0i64..8_000, n in 1u32..120
        ) {
            let c = cal();
            let start = date(2004, 1, 1).checked_add(offset.days()).unwrap();
            let due = c.due_date(start, Limit::calendar_days(n));
            let plain = start.checked_add(i64::from(n).days()).unwrap();
            prop_assert!(due >= plain);
            prop_assert!(c.is_working_day(due));
            // Rolling moves only across rest days.
            let mut d = plain;
            while d < due {
                prop_assert!(!c.is_working_day(d));
                d = d.tomorrow().unwrap();
            }
        }
    }
}
