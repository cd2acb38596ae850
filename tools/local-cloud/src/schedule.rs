//! EventBridge schedule expressions: `rate(N unit)` and the six-field `cron(...)`, and the
//! Scheduled Event a rule hands to its target.
//!
//! cron fields are minutes, hours, day-of-month, month, day-of-week (1-7 = SUN-SAT) and year,
//! in UTC; one of the two day fields must be `?`. Supported: `*`, `?`, numbers and names
//! (JAN-DEC, SUN-SAT), lists `a,b`, ranges `a-b` and steps `*/n`, `a/n`, `a-b/n`. The forms `L`,
//! `W` and `#` are refused with a message (the local scheduler does not compute them).

use chrono::{DateTime, Datelike, Duration as Span, NaiveDate, TimeZone, Timelike, Utc};
use serde_json::{Value, json};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expression {
    Rate(Duration),
    Cron(Cron),
}

impl Expression {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Some(inner) = text.strip_prefix("rate(").and_then(|t| t.strip_suffix(')')) {
            return rate(inner).map(Self::Rate);
        }
        if let Some(inner) = text.strip_prefix("cron(").and_then(|t| t.strip_suffix(')')) {
            return Cron::parse(inner).map(Self::Cron);
        }
        Err(format!("{text:?} is neither rate(...) nor cron(...)"))
    }

    /// The first time strictly after `after` at which the schedule fires.
    pub fn next_after(&self, after: DateTime<Utc>, started: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            // A rate rule fires every period from its creation.
            Self::Rate(period) => {
                let period = Span::from_std(*period).ok()?;
                let elapsed = after - started;
                let periods = elapsed.num_milliseconds().div_euclid(period.num_milliseconds().max(1)) + 1;
                Some(started + period * i32::try_from(periods).ok()?)
            }
            Self::Cron(cron) => cron.next_after(after),
        }
    }
}

fn rate(inner: &str) -> Result<Duration, String> {
    let mut parts = inner.split_whitespace();
    let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("rate({inner}): expected rate(<value> <unit>)"));
    };
    let n: u64 = n
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("rate({inner}): {n:?} is not a positive whole number"))?;
    let seconds = match unit {
        "minute" | "minutes" => 60,
        "hour" | "hours" => 3600,
        "day" | "days" => 86_400,
        other => {
            return Err(format!("rate({inner}): unit {other:?} is not minute(s), hour(s) or day(s)"));
        }
    };
    // EventBridge insists on the singular for 1 and the plural otherwise.
    if (n == 1) == unit.ends_with('s') {
        return Err(format!("rate({inner}): use the singular unit for 1 and the plural otherwise"));
    }
    Ok(Duration::from_secs(n * seconds))
}

/// A parsed cron expression: for each field, the values it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: Vec<u32>,
    hours: Vec<u32>,
    /// `None` is `?`.
    days_of_month: Option<Vec<u32>>,
    months: Vec<u32>,
    /// 1-7 = Sunday-Saturday; `None` is `?`.
    days_of_week: Option<Vec<u32>>,
    years: Vec<u32>,
}

const MONTHS: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl Cron {
    pub fn parse(inner: &str) -> Result<Self, String> {
        let fields: Vec<&str> = inner.split_whitespace().collect();
        let [minutes, hours, dom, month, dow, year] = fields[..] else {
            return Err(format!(
                "cron({inner}): expected 6 fields (minutes hours day-of-month month day-of-week year)"
            ));
        };
        let field = |text: &str, name: &str, lo: u32, hi: u32, names: &[&str]| {
            values(text, lo, hi, names).map_err(|e| format!("cron({inner}): {name} {text:?}: {e}"))
        };
        let optional = |text: &str, name: &str, lo: u32, hi: u32, names: &[&str]| {
            if text == "?" { Ok(None) } else { field(text, name, lo, hi, names).map(Some) }
        };
        let cron = Self {
            minutes: field(minutes, "minutes", 0, 59, &[])?,
            hours: field(hours, "hours", 0, 23, &[])?,
            days_of_month: optional(dom, "day-of-month", 1, 31, &[])?,
            months: field(month, "month", 1, 12, &MONTHS)?,
            days_of_week: optional(dow, "day-of-week", 1, 7, &WEEKDAYS)?,
            years: field(year, "year", 1970, 2199, &[])?,
        };
        if cron.days_of_month.is_some() == cron.days_of_week.is_some() {
            return Err(format!("cron({inner}): exactly one of day-of-month and day-of-week must be ?"));
        }
        Ok(cron)
    }

    fn day_matches(&self, date: NaiveDate) -> bool {
        let dom = self.days_of_month.as_ref().is_none_or(|d| d.contains(&date.day()));
        let dow = self.days_of_week.as_ref().is_none_or(|d| d.contains(&(date.weekday().num_days_from_sunday() + 1)));
        self.months.contains(&date.month()) && self.years.contains(&(date.year() as u32)) && dom && dow
    }

    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = after.with_second(0)?.with_nanosecond(0)? + Span::minutes(1);
        let mut date = start.date_naive();
        // A valid expression fires within a few years; past its last year it never does.
        let last = NaiveDate::from_ymd_opt(*self.years.iter().max()? as i32, 12, 31)?;
        while date <= last {
            if self.day_matches(date) {
                for &h in &self.hours {
                    for &m in &self.minutes {
                        let at = Utc.from_utc_datetime(&date.and_hms_opt(h, m, 0)?);
                        if at >= start {
                            return Some(at);
                        }
                    }
                }
            }
            date = date.succ_opt()?;
        }
        None
    }
}

/// The sorted values a cron field allows.
fn values(text: &str, lo: u32, hi: u32, names: &[&str]) -> Result<Vec<u32>, String> {
    let number = |s: &str| -> Result<u32, String> {
        let n = match names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            Some(i) => i as u32 + lo,
            None if s.contains(['L', 'W', '#']) => {
                return Err("L, W and # are not supported by the local scheduler".into());
            }
            None => s.parse().map_err(|_| format!("{s:?} is not a number"))?,
        };
        if (lo..=hi).contains(&n) { Ok(n) } else { Err(format!("{n} is outside {lo}-{hi}")) }
    };
    let mut out = Vec::new();
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => (range, step.parse::<u32>().ok().filter(|s| *s > 0).ok_or("bad step")?),
            None => (part, 1),
        };
        let (from, to) = match range {
            "*" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (number(a)?, number(b)?),
                // `a/n` runs from a to the end of the field.
                None if part.contains('/') => (number(r)?, hi),
                None => (number(r)?, number(r)?),
            },
        };
        if from > to {
            return Err(format!("range {from}-{to} is backwards"));
        }
        out.extend((from..=to).step_by(step as usize));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// The event an EventBridge rule gives its Lambda target (the template's `Input` replaces it).
pub fn scheduled_event(account: &str, region: &str, rule_arn: &str, at: DateTime<Utc>) -> Value {
    json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn rates() {
        assert_eq!(Expression::parse("rate(1 minute)").unwrap(), Expression::Rate(Duration::from_secs(60)));
        assert_eq!(Expression::parse("rate(5 minutes)").unwrap(), Expression::Rate(Duration::from_secs(300)));
        assert_eq!(Expression::parse("rate(2 hours)").unwrap(), Expression::Rate(Duration::from_secs(7200)));
        assert_eq!(Expression::parse(" rate(1 day) ").unwrap(), Expression::Rate(Duration::from_secs(86400)));
        for bad in [
            "rate(1 minutes)",
            "rate(2 minute)",
            "rate(0 minutes)",
            "rate(1 second)",
            "rate(x minutes)",
            "rate()",
            "every minute",
        ] {
            assert!(Expression::parse(bad).is_err(), "{bad}");
        }
        let started = at("2026-01-01T00:00:00Z");
        let every = Expression::parse("rate(1 minute)").unwrap();
        assert_eq!(every.next_after(started, started), Some(at("2026-01-01T00:01:00Z")));
        assert_eq!(every.next_after(at("2026-01-01T00:01:00Z"), started), Some(at("2026-01-01T00:02:00Z")));
        assert_eq!(every.next_after(at("2026-01-01T00:01:30Z"), started), Some(at("2026-01-01T00:02:00Z")));
    }

    #[test]
    fn crons() {
        let next = |expr: &str, after: &str| match Expression::parse(expr).unwrap() {
            Expression::Cron(c) => c.next_after(at(after)),
            _ => unreachable!(),
        };
        assert_eq!(next("cron(0 10 * * ? *)", "2026-03-01T09:59:59Z"), Some(at("2026-03-01T10:00:00Z")));
        assert_eq!(next("cron(0 10 * * ? *)", "2026-03-01T10:00:00Z"), Some(at("2026-03-02T10:00:00Z")));
        assert_eq!(next("cron(0/15 * * * ? *)", "2026-03-01T10:16:00Z"), Some(at("2026-03-01T10:30:00Z")));
        // 2026-03-02 is a Monday; MON-FRI = 2-6.
        assert_eq!(next("cron(0 18 ? * MON-FRI *)", "2026-02-28T12:00:00Z"), Some(at("2026-03-02T18:00:00Z")));
        assert_eq!(next("cron(0 8 1 JAN,JUL ? 2026-2027)", "2026-02-01T00:00:00Z"), Some(at("2026-07-01T08:00:00Z")));
        assert_eq!(next("cron(0 8 1 1 ? 2026)", "2026-02-01T00:00:00Z"), None, "past its last year");
        for bad in [
            "cron(0 10 * * * *)",
            "cron(0 10 ? * ? *)",
            "cron(0 10 L * ? *)",
            "cron(0 10 ? * 6#3 *)",
            "cron(60 10 * * ? *)",
            "cron(0 10 * * ?)",
            "cron(0 5-2 * * ? *)",
            "cron(0 10 * FOO ? *)",
        ] {
            assert!(Expression::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_event_is_eventbridges() {
        let e = scheduled_event(
            "000000000000",
            "us-east-1",
            "arn:aws:events:us-east-1:000000000000:rule/r",
            at("2026-01-01T00:01:00Z"),
        );
        assert_eq!(e["detail-type"], "Scheduled Event");
        assert_eq!(e["source"], "aws.events");
        assert_eq!(e["time"], "2026-01-01T00:01:00Z");
        assert_eq!(e["resources"][0], "arn:aws:events:us-east-1:000000000000:rule/r");
        assert_eq!((e["version"].as_str(), e["detail"].as_object().map(|d| d.len())), (Some("0"), Some(0)));
    }
}
