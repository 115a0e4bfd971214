//! The rhythm of an event series: a subset of RFC 5545 recurrence rules
//! (RRULE), parsed with messages that say exactly what is wrong, expanded
//! into occurrences over a bounded range, built from the event form's
//! friendly "repeats" choice, and described in words ("every second
//! Tuesday").
//!
//! Supported parts: `FREQ` (DAILY, WEEKLY, MONTHLY, YEARLY), `INTERVAL`,
//! `BYDAY` (plain weekdays for WEEKLY and MONTHLY, with an ordinal such as
//! `2TU` or `-1FR` for MONTHLY), `BYMONTHDAY` (MONTHLY), `COUNT` and `UNTIL`
//! (UTC, `20270101T000000Z`, or a date, `20270101`, meaning the whole day).
//! Everything is in UTC, so there is no daylight-saving arithmetic: an
//! occurrence keeps the first start's time of day.
//!
//! As RFC 5545 says, the series' first start always counts as its first
//! occurrence (and towards `COUNT`), even if it does not match the rule.

use time::{Date, Month, OffsetDateTime, Weekday};

/// How often the rule's periods come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freq {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

impl Freq {
    fn as_str(self) -> &'static str {
        match self {
            Freq::Daily => "DAILY",
            Freq::Weekly => "WEEKLY",
            Freq::Monthly => "MONTHLY",
            Freq::Yearly => "YEARLY",
        }
    }
}

/// One `BYDAY` entry: a weekday, in a monthly rule possibly the nth
/// (1..=5) or nth from the end (-1..=-5) of the month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ByDay {
    pub ordinal: Option<i8>,
    pub weekday: Weekday,
}

/// A parsed, valid recurrence rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub freq: Freq,
    pub interval: u32,
    pub by_day: Vec<ByDay>,
    pub by_month_day: Vec<i8>,
    pub count: Option<u32>,
    /// Last instant (inclusive) an occurrence may start, UTC seconds.
    pub until: Option<i64>,
}

/// Largest `INTERVAL` accepted.
pub const INTERVAL_MAX: u32 = 1000;
/// Largest `COUNT` accepted.
pub const COUNT_MAX: u32 = 10_000;
/// Periods (days, weeks, months, years) looked at in one expansion at most,
/// whatever the range asked: a bound on work for any rule.
pub const PERIODS_MAX: u32 = 20_000;
/// Longest rule text accepted.
pub const RULE_MAX: usize = 300;

const DAY_CODES: [(&str, Weekday); 7] = [
    ("MO", Weekday::Monday),
    ("TU", Weekday::Tuesday),
    ("WE", Weekday::Wednesday),
    ("TH", Weekday::Thursday),
    ("FR", Weekday::Friday),
    ("SA", Weekday::Saturday),
    ("SU", Weekday::Sunday),
];

fn day_code(w: Weekday) -> &'static str {
    DAY_CODES
        .iter()
        .find(|(_, d)| *d == w)
        .map_or("MO", |(c, _)| c)
}

fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

fn parse_number<T: std::str::FromStr>(part: &str, v: &str) -> Result<T, String> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{part}={v}: {part} must be a positive whole number"
        ));
    }
    v.parse::<T>()
        .map_err(|_| format!("{part}={v}: the number is too large"))
}

fn parse_until(v: &str) -> Result<i64, String> {
    let bad = || {
        format!("UNTIL={v}: write a UTC time such as 20270101T000000Z or a date such as 20270101")
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let (date, time) = match v.len() {
        8 if digits(v) => (v, None),
        16 if v.ends_with('Z') && v.as_bytes().get(8) == Some(&b'T') => {
            let (d, t) = (&v[..8], &v[9..15]);
            if !digits(d) || !digits(t) {
                return Err(bad());
            }
            (d, Some(t))
        }
        15 if v.as_bytes().get(8) == Some(&b'T') => {
            return Err(format!(
                "UNTIL={v}: a time must be in UTC, ending with Z (e.g. {v}Z)"
            ));
        }
        _ => return Err(bad()),
    };
    let num = |s: &str| s.parse::<u32>().map_err(|_| bad());
    let year = num(&date[..4])? as i32;
    let month = Month::try_from(num(&date[4..6])? as u8)
        .map_err(|_| format!("UNTIL={v}: there is no such month"))?;
    let day = num(&date[6..8])? as u8;
    let d = Date::from_calendar_date(year, month, day)
        .map_err(|_| format!("UNTIL={v}: there is no such date"))?;
    let (h, m, s) = match time {
        // A date covers its whole day.
        None => (23, 59, 59),
        Some(t) => (
            num(&t[..2])? as u8,
            num(&t[2..4])? as u8,
            num(&t[4..6])? as u8,
        ),
    };
    let t = time::Time::from_hms(h, m, s)
        .map_err(|_| format!("UNTIL={v}: there is no such time of day"))?;
    Ok(d.with_time(t).assume_utc().unix_timestamp())
}

fn parse_by_day(v: &str, freq: Freq) -> Result<Vec<ByDay>, String> {
    let mut out = Vec::new();
    for item in v.split(',') {
        let item = item.trim();
        if item.len() < 2 || !item.is_char_boundary(item.len() - 2) {
            return Err(format!(
                "BYDAY={v}: '{item}' is not a weekday (MO, TU, WE, TH, FR, SA, SU)"
            ));
        }
        let (ord, code) = item.split_at(item.len() - 2);
        let weekday = DAY_CODES
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, d)| *d)
            .ok_or_else(|| {
                format!("BYDAY={v}: '{item}' is not a weekday (MO, TU, WE, TH, FR, SA, SU)")
            })?;
        let ordinal = if ord.is_empty() {
            None
        } else {
            let n: i8 = ord.strip_prefix('+').unwrap_or(ord).parse().map_err(|_| {
                format!("BYDAY={v}: '{ord}' in '{item}' is not an ordinal such as 2 or -1")
            })?;
            if n == 0 || !(-5..=5).contains(&n) {
                return Err(format!(
                    "BYDAY={v}: the ordinal in '{item}' must be 1 to 5 or -1 to -5"
                ));
            }
            if freq != Freq::Monthly {
                return Err(format!(
                    "BYDAY={v}: an ordinal such as '{item}' is only allowed with FREQ=MONTHLY"
                ));
            }
            Some(n)
        };
        let b = ByDay { ordinal, weekday };
        if out.contains(&b) {
            return Err(format!("BYDAY={v}: '{item}' is listed twice"));
        }
        out.push(b);
    }
    Ok(out)
}

fn parse_month_days(v: &str) -> Result<Vec<i8>, String> {
    let mut out = Vec::new();
    for item in v.split(',') {
        let item = item.trim();
        let n: i8 = item
            .strip_prefix('+')
            .unwrap_or(item)
            .parse()
            .map_err(|_| format!("BYMONTHDAY={v}: '{item}' is not a day of the month"))?;
        if n == 0 || !(-31..=31).contains(&n) {
            return Err(format!(
                "BYMONTHDAY={v}: '{item}' must be 1 to 31 or -1 to -31 (counting from the end)"
            ));
        }
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Ok(out)
}

impl Rule {
    /// Parses a rule such as `FREQ=WEEKLY;INTERVAL=2;BYDAY=TU` (an `RRULE:`
    /// prefix is allowed; names and values are case-insensitive).
    pub fn parse(text: &str) -> Result<Rule, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the rule is empty; start with FREQ=, e.g. FREQ=WEEKLY;BYDAY=TU".into());
        }
        if text.chars().count() > RULE_MAX {
            return Err(format!("the rule must be at most {RULE_MAX} characters"));
        }
        let upper = text.to_ascii_uppercase();
        let body = upper.strip_prefix("RRULE:").unwrap_or(&upper);
        let mut seen: Vec<&str> = Vec::new();
        let (mut freq, mut interval, mut by_day, mut by_month_day, mut count, mut until) =
            (None, None, None, None, None, None);
        for part in body.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((name, value)) = part.split_once('=') else {
                return Err(format!("'{part}' is not of the form NAME=VALUE"));
            };
            let (name, value) = (name.trim(), value.trim());
            if seen.contains(&name) {
                return Err(format!("{name} is given twice"));
            }
            seen.push(name);
            match name {
                "FREQ" => {
                    freq = Some(match value {
                        "DAILY" => Freq::Daily,
                        "WEEKLY" => Freq::Weekly,
                        "MONTHLY" => Freq::Monthly,
                        "YEARLY" => Freq::Yearly,
                        "SECONDLY" | "MINUTELY" | "HOURLY" => {
                            return Err(format!(
                                "FREQ={value} is not supported; use DAILY, WEEKLY, MONTHLY or YEARLY"
                            ));
                        }
                        _ => {
                            return Err(format!(
                                "FREQ={value}: FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY"
                            ));
                        }
                    })
                }
                "INTERVAL" => {
                    let n: u32 = parse_number("INTERVAL", value)?;
                    if n == 0 || n > INTERVAL_MAX {
                        return Err(format!(
                            "INTERVAL={value}: INTERVAL must be 1 to {INTERVAL_MAX}"
                        ));
                    }
                    interval = Some(n);
                }
                "BYDAY" => by_day = Some(value.to_owned()),
                "BYMONTHDAY" => by_month_day = Some(parse_month_days(value)?),
                "COUNT" => {
                    let n: u32 = parse_number("COUNT", value)?;
                    if n == 0 || n > COUNT_MAX {
                        return Err(format!("COUNT={value}: COUNT must be 1 to {COUNT_MAX}"));
                    }
                    count = Some(n);
                }
                "UNTIL" => until = Some(parse_until(value)?),
                "WKST" | "BYSECOND" | "BYMINUTE" | "BYHOUR" | "BYYEARDAY" | "BYWEEKNO"
                | "BYMONTH" | "BYSETPOS" => {
                    return Err(format!(
                        "{name} is not supported; use FREQ, INTERVAL, BYDAY, BYMONTHDAY, COUNT and UNTIL"
                    ));
                }
                other => {
                    return Err(format!(
                        "unknown part '{other}'; use FREQ, INTERVAL, BYDAY, BYMONTHDAY, COUNT and UNTIL"
                    ));
                }
            }
        }
        let freq = freq.ok_or("FREQ is missing, e.g. FREQ=WEEKLY")?;
        if count.is_some() && until.is_some() {
            return Err("COUNT and UNTIL cannot be used together; keep one".into());
        }
        let by_day = match by_day {
            None => Vec::new(),
            Some(v) => {
                if !matches!(freq, Freq::Weekly | Freq::Monthly) {
                    return Err(format!(
                        "BYDAY is only supported with FREQ=WEEKLY or FREQ=MONTHLY, not FREQ={}",
                        freq.as_str()
                    ));
                }
                parse_by_day(&v, freq)?
            }
        };
        let by_month_day = by_month_day.unwrap_or_default();
        if !by_month_day.is_empty() && freq != Freq::Monthly {
            return Err(format!(
                "BYMONTHDAY is only supported with FREQ=MONTHLY, not FREQ={}",
                freq.as_str()
            ));
        }
        Ok(Rule {
            freq,
            interval: interval.unwrap_or(1),
            by_day,
            by_month_day,
            count,
            until,
        })
    }

    /// The rule in canonical RRULE form (without the `RRULE:` prefix);
    /// `UNTIL` always as a UTC date-time, as RFC 5545 asks when the start
    /// is a UTC date-time.
    pub fn to_rrule(&self) -> String {
        let mut s = format!("FREQ={}", self.freq.as_str());
        if self.interval != 1 {
            s.push_str(&format!(";INTERVAL={}", self.interval));
        }
        if !self.by_day.is_empty() {
            let days: Vec<String> = self
                .by_day
                .iter()
                .map(|b| match b.ordinal {
                    Some(n) => format!("{n}{}", day_code(b.weekday)),
                    None => day_code(b.weekday).to_owned(),
                })
                .collect();
            s.push_str(&format!(";BYDAY={}", days.join(",")));
        }
        if !self.by_month_day.is_empty() {
            let days: Vec<String> = self.by_month_day.iter().map(i8::to_string).collect();
            s.push_str(&format!(";BYMONTHDAY={}", days.join(",")));
        }
        if let Some(n) = self.count {
            s.push_str(&format!(";COUNT={n}"));
        }
        if let Some(u) = self.until
            && let Ok(t) = OffsetDateTime::from_unix_timestamp(u)
        {
            s.push_str(&format!(
                ";UNTIL={:04}{:02}{:02}T{:02}{:02}{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ));
        }
        s
    }

    /// The starts of the series that began at `start` which fall in
    /// `[from, to)`, in order, at most `limit` of them. Work is bounded by
    /// [`PERIODS_MAX`] periods whatever the range.
    pub fn occurrences(&self, start: i64, from: i64, to: i64, limit: usize) -> Vec<i64> {
        let mut out = Vec::new();
        let Ok(first) = OffsetDateTime::from_unix_timestamp(start) else {
            return out;
        };
        let (date0, clock) = (first.date(), first.time());
        let at = |d: Date| d.with_time(clock).assume_utc().unix_timestamp();
        let mut counted: u32 = 0;
        let mut push = |t: i64, out: &mut Vec<i64>| -> bool {
            // Returns false when the series has ended.
            if self.until.is_some_and(|u| t > u) || t >= to {
                return false;
            }
            counted += 1;
            if t >= from {
                out.push(t);
            }
            !(self.count.is_some_and(|c| counted >= c) || out.len() >= limit)
        };
        if limit == 0 || !push(start, &mut out) {
            return out;
        }
        let mut days = Vec::with_capacity(31);
        for k in 0..PERIODS_MAX {
            let Some(step) = k.checked_mul(self.interval) else {
                break;
            };
            days.clear();
            if !self.period_days(date0, step, &mut days) {
                break;
            }
            for d in &days {
                let t = at(*d);
                if t <= start {
                    continue;
                }
                if !push(t, &mut out) {
                    return out;
                }
            }
        }
        out
    }

    /// Fills `days` with the candidate days of the period `step` periods
    /// after the one holding `date0`, sorted; false when out of calendar.
    fn period_days(&self, date0: Date, step: u32, days: &mut Vec<Date>) -> bool {
        let step = i64::from(step);
        match self.freq {
            Freq::Daily => match date0.checked_add(time::Duration::days(step)) {
                Some(d) => days.push(d),
                None => return false,
            },
            Freq::Weekly => {
                let monday = date0.checked_sub(time::Duration::days(i64::from(
                    date0.weekday().number_days_from_monday(),
                )));
                let Some(week) = monday.and_then(|m| m.checked_add(time::Duration::weeks(step)))
                else {
                    return false;
                };
                for i in 0..7 {
                    let Some(d) = week.checked_add(time::Duration::days(i)) else {
                        return false;
                    };
                    let wanted = if self.by_day.is_empty() {
                        d.weekday() == date0.weekday()
                    } else {
                        self.by_day.iter().any(|b| b.weekday == d.weekday())
                    };
                    if wanted {
                        days.push(d);
                    }
                }
            }
            Freq::Monthly => {
                let months = i64::from(u8::from(date0.month())) - 1 + step;
                let Ok(year) = i32::try_from(i64::from(date0.year()) + months.div_euclid(12))
                else {
                    return false;
                };
                let Ok(month) = Month::try_from((months.rem_euclid(12) + 1) as u8) else {
                    return false;
                };
                if Date::from_calendar_date(year, month, 1).is_err() {
                    return false;
                }
                let len = time::util::days_in_month(month, year);
                for day in 1..=len {
                    let Ok(d) = Date::from_calendar_date(year, month, day) else {
                        continue;
                    };
                    if self.month_day_matches(date0, d, day, len) {
                        days.push(d);
                    }
                }
            }
            Freq::Yearly => {
                let Ok(year) = i32::try_from(i64::from(date0.year()) + step) else {
                    return false;
                };
                if Date::from_calendar_date(year, Month::January, 1).is_err() {
                    return false;
                }
                // 29 February exists only in leap years; other years skip it.
                if let Ok(d) = Date::from_calendar_date(year, date0.month(), date0.day()) {
                    days.push(d);
                }
            }
        }
        true
    }

    fn month_day_matches(&self, date0: Date, d: Date, day: u8, len: u8) -> bool {
        let (day, len) = (i16::from(day), i16::from(len));
        let by_month_day = self.by_month_day.iter().any(|n| {
            let n = i16::from(*n);
            if n > 0 { n == day } else { len + 1 + n == day }
        });
        let by_day = self.by_day.iter().any(|b| {
            b.weekday == d.weekday()
                && match b.ordinal {
                    None => true,
                    Some(n) if n > 0 => (day - 1) / 7 + 1 == i16::from(n),
                    Some(n) => (len - day) / 7 + 1 == -i16::from(n),
                }
        });
        match (self.by_day.is_empty(), self.by_month_day.is_empty()) {
            // Neither: the first start's day of the month (months without
            // it, such as 31 April, are skipped).
            (true, true) => day == i16::from(date0.day()),
            (false, true) => by_day,
            (true, false) => by_month_day,
            (false, false) => by_day && by_month_day,
        }
    }

    /// The rule in words, e.g. "every second Tuesday" or "every month on
    /// the last Friday, 10 times"; `start` gives the weekday or day of the
    /// month when the rule does not name one.
    pub fn describe(&self, start: i64) -> String {
        let first = OffsetDateTime::from_unix_timestamp(start).ok();
        let n = self.interval;
        let every = |unit: &str, units: &str| match n {
            1 => format!("every {unit}"),
            2 => format!("every second {unit}"),
            3 => format!("every third {unit}"),
            _ => format!("every {n} {units}"),
        };
        let mut s = match self.freq {
            Freq::Daily => every("day", "days"),
            Freq::Weekly => {
                let days: Vec<Weekday> = if self.by_day.is_empty() {
                    first.map(|f| vec![f.weekday()]).unwrap_or_default()
                } else {
                    self.by_day.iter().map(|b| b.weekday).collect()
                };
                let names = join_words(days.iter().map(|d| weekday_name(*d).to_owned()).collect());
                match (n, days.len()) {
                    (1, _) => format!("every {names}"),
                    (2 | 3, 1) => every(&names, ""),
                    _ => format!("{} on {names}", every("week", "weeks")),
                }
            }
            Freq::Monthly => {
                let mut parts: Vec<String> = self
                    .by_day
                    .iter()
                    .map(|b| match b.ordinal {
                        Some(o) => format!("the {} {}", ordinal_word(o), weekday_name(b.weekday)),
                        None => format!("every {}", weekday_name(b.weekday)),
                    })
                    .collect();
                let month_days: Vec<String> = self
                    .by_month_day
                    .iter()
                    .map(|d| match d {
                        -1 => "the last day".to_owned(),
                        d if *d < 0 => format!("the {} day", ordinal_word(*d)),
                        d => format!("the {}", day_ordinal(*d)),
                    })
                    .collect();
                if parts.is_empty() && month_days.is_empty() {
                    if let Some(f) = first {
                        parts.push(format!("the {}", day_ordinal(f.day() as i8)));
                    }
                } else if parts.is_empty() {
                    parts = month_days;
                } else if !month_days.is_empty() {
                    let days = join_words(month_days);
                    parts = vec![format!("{} falling on {days}", join_words(parts))];
                }
                format!("{} on {}", every("month", "months"), join_words(parts))
            }
            Freq::Yearly => match first {
                Some(f) => format!(
                    "{} on {} {}",
                    every("year", "years"),
                    f.day(),
                    month_name(f.month())
                ),
                None => every("year", "years"),
            },
        };
        if let Some(c) = self.count {
            s.push_str(&if c == 1 {
                ", once".to_owned()
            } else {
                format!(", {c} times")
            });
        }
        if let Some(u) = self.until {
            s.push_str(&format!(", until {}", crate::Timestamp(u).date()));
        }
        s
    }
}

fn join_words(mut items: Vec<String>) -> String {
    match items.len() {
        0 => String::new(),
        1 => items.remove(0),
        _ => {
            let last = items.pop().unwrap_or_default();
            format!("{} and {last}", items.join(", "))
        }
    }
}

fn ordinal_word(n: i8) -> String {
    let word = |k: i8| match k {
        1 => "first".to_owned(),
        2 => "second".to_owned(),
        3 => "third".to_owned(),
        4 => "fourth".to_owned(),
        5 => "fifth".to_owned(),
        k => day_ordinal(k),
    };
    match n {
        -1 => "last".to_owned(),
        n if n < 0 => format!("{} to last", word(-n)),
        n => word(n),
    }
}

fn day_ordinal(d: i8) -> String {
    let suffix = match (d % 10, d % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{d}{suffix}")
}

fn month_name(m: Month) -> &'static str {
    match m {
        Month::January => "January",
        Month::February => "February",
        Month::March => "March",
        Month::April => "April",
        Month::May => "May",
        Month::June => "June",
        Month::July => "July",
        Month::August => "August",
        Month::September => "September",
        Month::October => "October",
        Month::November => "November",
        Month::December => "December",
    }
}

/// The event form's "repeats" choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeats {
    No,
    Weekly,
    EverySecondWeek,
    MonthlyNthWeekday,
    Custom,
}

impl Repeats {
    pub const ALL: &'static [Repeats] = &[
        Repeats::No,
        Repeats::Weekly,
        Repeats::EverySecondWeek,
        Repeats::MonthlyNthWeekday,
        Repeats::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Repeats::No => "no",
            Repeats::Weekly => "weekly",
            Repeats::EverySecondWeek => "fortnightly",
            Repeats::MonthlyNthWeekday => "monthly",
            Repeats::Custom => "custom",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Repeats::No => "Does not repeat",
            Repeats::Weekly => "Every week, same weekday",
            Repeats::EverySecondWeek => "Every second week, same weekday",
            Repeats::MonthlyNthWeekday => "Monthly, on the same nth weekday (e.g. second Tuesday)",
            Repeats::Custom => "Custom rule (RRULE)",
        }
    }

    pub fn parse(s: &str) -> Result<Repeats, String> {
        match s.trim() {
            "" | "no" => Ok(Repeats::No),
            "weekly" => Ok(Repeats::Weekly),
            "fortnightly" => Ok(Repeats::EverySecondWeek),
            "monthly" => Ok(Repeats::MonthlyNthWeekday),
            "custom" => Ok(Repeats::Custom),
            other => Err(format!(
                "'{other}' is not one of: no, weekly, fortnightly, monthly, custom"
            )),
        }
    }

    /// The rule this choice gives for a series starting at `start`; `None`
    /// for a one-off event. `custom` is the rule typed for [`Repeats::Custom`].
    pub fn rule(self, start: i64, custom: &str) -> Result<Option<Rule>, String> {
        let first = OffsetDateTime::from_unix_timestamp(start)
            .map_err(|_| "the start time is out of range".to_owned())?;
        let weekly = |interval| Rule {
            freq: Freq::Weekly,
            interval,
            by_day: vec![ByDay {
                ordinal: None,
                weekday: first.weekday(),
            }],
            by_month_day: Vec::new(),
            count: None,
            until: None,
        };
        Ok(match self {
            Repeats::No => None,
            Repeats::Weekly => Some(weekly(1)),
            Repeats::EverySecondWeek => Some(weekly(2)),
            Repeats::MonthlyNthWeekday => {
                // The fifth weekday of a month is its last; most months
                // have no fifth, so "last" keeps the series monthly.
                let nth = (first.day() - 1) / 7 + 1;
                let ordinal = if nth >= 5 { -1 } else { nth as i8 };
                Some(Rule {
                    freq: Freq::Monthly,
                    interval: 1,
                    by_day: vec![ByDay {
                        ordinal: Some(ordinal),
                        weekday: first.weekday(),
                    }],
                    by_month_day: Vec::new(),
                    count: None,
                    until: None,
                })
            }
            Repeats::Custom => Some(Rule::parse(custom)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

    fn t(s: &str) -> i64 {
        Timestamp::parse_rfc3339(s).expect("valid time").0
    }

    fn dates(v: &[i64]) -> Vec<String> {
        v.iter().map(|x| Timestamp(*x).to_rfc3339()).collect()
    }

    fn err(rule: &str) -> String {
        Rule::parse(rule).expect_err("should be rejected")
    }

    #[test]
    fn every_second_tuesday() {
        // 6 January 2026 is a Tuesday.
        let start = t("2026-01-06T17:00:00Z");
        let r = Rule::parse("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU").expect("valid");
        let got = r.occurrences(start, start, t("2026-03-01T00:00:00Z"), 100);
        assert_eq!(
            dates(&got),
            [
                "2026-01-06T17:00:00Z",
                "2026-01-20T17:00:00Z",
                "2026-02-03T17:00:00Z",
                "2026-02-17T17:00:00Z",
            ]
        );
        assert_eq!(r.describe(start), "every second Tuesday");
        assert_eq!(
            Repeats::EverySecondWeek
                .rule(start, "")
                .expect("rule")
                .expect("series"),
            r
        );
    }

    #[test]
    fn monthly_last_friday() {
        let start = t("2026-01-30T12:00:00Z"); // last Friday of January
        let r = Rule::parse("RRULE:FREQ=MONTHLY;BYDAY=-1FR").expect("valid");
        let got = r.occurrences(start, start, t("2026-06-01T00:00:00Z"), 100);
        assert_eq!(
            dates(&got),
            [
                "2026-01-30T12:00:00Z",
                "2026-02-27T12:00:00Z",
                "2026-03-27T12:00:00Z",
                "2026-04-24T12:00:00Z",
                "2026-05-29T12:00:00Z",
            ]
        );
        assert_eq!(r.describe(start), "every month on the last Friday");
        // The friendly choice on a fifth Friday gives the last Friday.
        assert_eq!(
            Repeats::MonthlyNthWeekday
                .rule(start, "")
                .expect("rule")
                .expect("series")
                .to_rrule(),
            "FREQ=MONTHLY;BYDAY=-1FR"
        );
    }

    #[test]
    fn monthly_second_tuesday_and_month_days() {
        let start = t("2026-01-13T09:00:00Z"); // second Tuesday
        let r = Repeats::MonthlyNthWeekday
            .rule(start, "")
            .expect("rule")
            .expect("series");
        assert_eq!(r.to_rrule(), "FREQ=MONTHLY;BYDAY=2TU");
        let got = r.occurrences(start, start, t("2026-04-01T00:00:00Z"), 100);
        assert_eq!(
            dates(&got),
            [
                "2026-01-13T09:00:00Z",
                "2026-02-10T09:00:00Z",
                "2026-03-10T09:00:00Z"
            ]
        );
        assert_eq!(r.describe(start), "every month on the second Tuesday");
        // The 31st only in months that have one.
        let start = t("2026-01-31T09:00:00Z");
        let r = Rule::parse("FREQ=MONTHLY").expect("valid");
        let got = r.occurrences(start, start, t("2026-06-01T00:00:00Z"), 100);
        assert_eq!(
            dates(&got),
            [
                "2026-01-31T09:00:00Z",
                "2026-03-31T09:00:00Z",
                "2026-05-31T09:00:00Z"
            ]
        );
        let r = Rule::parse("FREQ=MONTHLY;BYMONTHDAY=-1").expect("valid");
        let got = r.occurrences(start, start, t("2026-04-01T00:00:00Z"), 100);
        assert_eq!(
            dates(&got),
            [
                "2026-01-31T09:00:00Z",
                "2026-02-28T09:00:00Z",
                "2026-03-31T09:00:00Z"
            ]
        );
    }

    #[test]
    fn count_and_until_end_the_series() {
        let start = t("2026-01-05T08:00:00Z"); // Monday
        let r = Rule::parse("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5").expect("valid");
        let all = r.occurrences(start, start, t("2027-01-01T00:00:00Z"), 100);
        assert_eq!(all.len(), 5);
        assert_eq!(
            dates(&all).last().map(String::as_str),
            Some("2026-01-19T08:00:00Z")
        );
        // COUNT counts from the first start even when the range starts later.
        let later = r.occurrences(
            start,
            t("2026-01-13T00:00:00Z"),
            t("2027-01-01T00:00:00Z"),
            100,
        );
        assert_eq!(
            dates(&later),
            ["2026-01-14T08:00:00Z", "2026-01-19T08:00:00Z"]
        );
        assert_eq!(r.describe(start), "every Monday and Wednesday, 5 times");

        let r = Rule::parse("FREQ=DAILY;UNTIL=20260108T080000Z").expect("valid");
        assert_eq!(
            r.occurrences(start, start, t("2027-01-01T00:00:00Z"), 100)
                .len(),
            4,
            "UNTIL is inclusive"
        );
        // A date as UNTIL covers its whole day, and is written back in UTC.
        let r = Rule::parse("FREQ=DAILY;UNTIL=20260108").expect("valid");
        assert_eq!(
            r.occurrences(start, start, t("2027-01-01T00:00:00Z"), 100)
                .len(),
            4
        );
        assert_eq!(r.to_rrule(), "FREQ=DAILY;UNTIL=20260108T235959Z");
        // The limit caps the answer.
        let r = Rule::parse("FREQ=DAILY").expect("valid");
        assert_eq!(r.occurrences(start, start, i64::MAX, 10).len(), 10);
    }

    #[test]
    fn utc_arithmetic_ignores_daylight_saving() {
        // Across the March and October changes in Europe and the US the
        // time of day stays the same in UTC.
        let start = t("2026-03-01T09:30:00Z");
        let r = Rule::parse("FREQ=WEEKLY").expect("valid");
        let got = r.occurrences(start, start, t("2026-11-30T00:00:00Z"), 100);
        assert!(got.windows(2).all(|w| w[1] - w[0] == 7 * 86_400));
        assert!(dates(&got).iter().all(|d| d.ends_with("T09:30:00Z")));
        // Leap day yearly: only leap years.
        let start = t("2024-02-29T10:00:00Z");
        let r = Rule::parse("FREQ=YEARLY").expect("valid");
        let got = r.occurrences(start, start, t("2033-01-01T00:00:00Z"), 100);
        assert_eq!(
            dates(&got),
            [
                "2024-02-29T10:00:00Z",
                "2028-02-29T10:00:00Z",
                "2032-02-29T10:00:00Z"
            ]
        );
    }

    #[test]
    fn range_is_half_open_and_bounded() {
        let start = t("2026-01-01T00:00:00Z");
        let r = Rule::parse("FREQ=DAILY;INTERVAL=3").expect("valid");
        let got = r.occurrences(
            start,
            t("2026-01-04T00:00:00Z"),
            t("2026-01-10T00:00:00Z"),
            100,
        );
        assert_eq!(
            dates(&got),
            ["2026-01-04T00:00:00Z", "2026-01-07T00:00:00Z"]
        );
        // A range far beyond the bounded work answers (empty) rather than spinning.
        let far = r.occurrences(start, t("9000-01-01T00:00:00Z"), i64::MAX, 100);
        assert!(far.is_empty());
        assert_eq!(r.describe(start), "every third day");
    }

    #[test]
    fn malformed_rules_say_what_is_wrong() {
        assert!(err("").contains("empty"));
        assert!(err("FREQ=HOURLY").contains("FREQ=HOURLY is not supported"));
        assert!(err("FREQ=SOMETIMES").contains("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY"));
        assert!(err("INTERVAL=2").contains("FREQ is missing"));
        assert!(err("FREQ=WEEKLY;COLOR=RED").contains("unknown part 'COLOR'"));
        assert!(err("FREQ=WEEKLY;BYSETPOS=1").contains("BYSETPOS is not supported"));
        assert!(err("FREQ=WEEKLY;INTERVAL=0").contains("INTERVAL must be 1 to"));
        assert!(err("FREQ=WEEKLY;INTERVAL=two").contains("positive whole number"));
        assert!(err("FREQ=WEEKLY;BYDAY=XX").contains("'XX' is not a weekday"));
        assert!(err("FREQ=WEEKLY;BYDAY=2TU").contains("only allowed with FREQ=MONTHLY"));
        assert!(err("FREQ=MONTHLY;BYDAY=6TU").contains("1 to 5 or -1 to -5"));
        assert!(err("FREQ=MONTHLY;BYDAY=0TU").contains("1 to 5 or -1 to -5"));
        assert!(
            err("FREQ=DAILY;BYDAY=TU").contains("only supported with FREQ=WEEKLY or FREQ=MONTHLY")
        );
        assert!(
            err("FREQ=WEEKLY;BYMONTHDAY=3")
                .contains("BYMONTHDAY is only supported with FREQ=MONTHLY")
        );
        assert!(err("FREQ=MONTHLY;BYMONTHDAY=32").contains("1 to 31"));
        assert!(
            err("FREQ=DAILY;COUNT=3;UNTIL=20270101")
                .contains("COUNT and UNTIL cannot be used together")
        );
        assert!(err("FREQ=DAILY;COUNT=0").contains("COUNT must be 1 to"));
        assert!(err("FREQ=DAILY;UNTIL=20270101T000000").contains("must be in UTC"));
        assert!(err("FREQ=DAILY;UNTIL=20271301").contains("no such month"));
        assert!(err("FREQ=DAILY;UNTIL=20270230").contains("no such date"));
        assert!(err("FREQ=DAILY;UNTIL=tomorrow").contains("UNTIL=TOMORROW"));
        assert!(err("FREQ=DAILY;FREQ=WEEKLY").contains("FREQ is given twice"));
        assert!(err("FREQ").contains("NAME=VALUE"));
        assert!(err("FREQ=WEEKLY;BYDAY=TU,TU").contains("listed twice"));
        assert!(err("FREQ=WEEKLY;BYDAY=é").contains("not a weekday"));
    }

    #[test]
    fn canonical_form_round_trips() {
        for rule in [
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            "FREQ=MONTHLY;BYDAY=-1FR;COUNT=12",
            "FREQ=MONTHLY;BYMONTHDAY=1,15",
            "FREQ=DAILY;UNTIL=20270101T000000Z",
            "FREQ=YEARLY",
        ] {
            let r = Rule::parse(rule).expect("valid");
            assert_eq!(r.to_rrule(), rule);
            assert_eq!(Rule::parse(&r.to_rrule()).expect("valid"), r);
        }
        assert_eq!(
            Rule::parse("rrule:freq=weekly;byday=tu;")
                .expect("valid")
                .to_rrule(),
            "FREQ=WEEKLY;BYDAY=TU"
        );
    }

    #[test]
    fn friendly_choices() {
        let start = t("2026-01-06T17:00:00Z");
        assert_eq!(Repeats::No.rule(start, "").expect("ok"), None);
        assert_eq!(
            Repeats::Weekly
                .rule(start, "")
                .expect("ok")
                .expect("series")
                .to_rrule(),
            "FREQ=WEEKLY;BYDAY=TU"
        );
        assert!(
            Repeats::Custom
                .rule(start, "FREQ=NEVER")
                .expect_err("bad")
                .contains("FREQ=NEVER")
        );
        for r in Repeats::ALL {
            assert_eq!(Repeats::parse(r.as_str()), Ok(*r));
        }
        assert!(Repeats::parse("sometimes").is_err());
        assert_eq!(
            Rule::parse("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH")
                .expect("valid")
                .describe(start),
            "every second week on Tuesday and Thursday"
        );
        assert_eq!(
            Rule::parse("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1")
                .expect("valid")
                .describe(start),
            "every third month on the 1st"
        );
    }
}
