//! Freeze windows: weekly ("Fri 16:00 - Mon 08:00 Europe/Berlin") or
//! absolute ("2026-12-20 00:00 - 2027-01-04 08:00 +01:00"). The time zone
//! is always explicit (UTC, ±HH:MM or an IANA name), so a window means the
//! same thing on every operator's machine. Named zones follow daylight
//! saving time: "Fri 16:00 Europe/Berlin" is 15:00 UTC in winter and 14:00
//! UTC in summer. The zone database is built into the binary (jiff), so the
//! answer does not depend on the host's tzdata either.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use jiff::tz::{Offset, TimeZone};
use jiff::ToSpan;

const WEEK_MIN: i64 = 7 * 24 * 60;

#[derive(Debug, Clone)]
pub enum FreezeWindow {
    /// Wall-clock minutes from Monday 00:00 in `zone`; wraps past Sunday
    /// when end <= start.
    Weekly {
        start: i64,
        end: i64,
        zone: TimeZone,
        text: String,
    },
    Absolute {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        text: String,
    },
}

/// The text says everything a window is.
impl PartialEq for FreezeWindow {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}
impl Eq for FreezeWindow {}

fn to_jiff(t: DateTime<Utc>) -> jiff::Timestamp {
    jiff::Timestamp::new(t.timestamp(), t.timestamp_subsec_nanos() as i32).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

fn to_chrono(t: jiff::Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp(t.as_second(), t.subsec_nanosecond().max(0) as u32).unwrap_or_default()
}

/// A wall-clock time in `zone` as an instant; a time skipped by a DST
/// change counts from the moment the clocks jumped to (as people mean it).
fn resolve(zone: &TimeZone, civil: jiff::civil::DateTime) -> Option<DateTime<Utc>> {
    let z = zone.to_ambiguous_zoned_datetime(civil).compatible().ok()?;
    Some(to_chrono(z.timestamp()))
}

impl FreezeWindow {
    pub fn text(&self) -> &str {
        match self {
            FreezeWindow::Weekly { text, .. } | FreezeWindow::Absolute { text, .. } => text,
        }
    }

    /// If `now` is inside the window, when it ends.
    pub fn active_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            FreezeWindow::Absolute { start, end, .. } => (now >= *start && now < *end).then_some(*end),
            FreezeWindow::Weekly { start, end, zone, .. } => {
                let local = to_jiff(now).to_zoned_datetime(zone.clone());
                let minute = i64::from(local.weekday().to_monday_zero_offset()) * 24 * 60
                    + i64::from(local.hour()) * 60
                    + i64::from(local.minute());
                let len = (end - start).rem_euclid(WEEK_MIN);
                let since_start = (minute - start).rem_euclid(WEEK_MIN);
                if since_start >= len {
                    return None;
                }
                // The end is a wall-clock time: count wall minutes, then ask
                // the zone which instant that is (DST may lie in between).
                let this_minute = local.datetime().with().second(0).subsec_nanosecond(0).build().ok()?;
                let end_civil = this_minute.checked_add((len - since_start).minutes()).ok()?;
                resolve(zone, end_civil)
            }
        }
    }

    pub fn parse(text: &str) -> Result<FreezeWindow, String> {
        let expected = "expected \"Fri 16:00 - Mon 08:00 UTC\" or \"2026-12-20 00:00 - 2027-01-04 08:00 Europe/Berlin\" (timezone UTC or ±HH:MM or an IANA name)";
        let trimmed = text.trim();
        let (range, tz) = trimmed
            .rsplit_once(' ')
            .ok_or_else(|| format!("freeze window {text:?}: {expected}"))?;
        let zone = parse_zone(tz).ok_or_else(|| {
            if NaiveTime::parse_from_str(tz, "%H:%M").is_ok() {
                format!("freeze window {text:?}: the timezone is missing; end it with UTC, ±HH:MM or a name like Europe/Berlin, e.g. \"{trimmed} UTC\"")
            } else {
                format!("freeze window {text:?}: timezone {tz:?} is not UTC or ±HH:MM or a known IANA name (e.g. Europe/Berlin); {expected}")
            }
        })?;
        let (a, b) = range
            .split_once(" - ")
            .ok_or_else(|| format!("freeze window {text:?}: {expected}"))?;
        let (a, b) = (a.trim(), b.trim());
        if let (Some(s), Some(e)) = (parse_weekly(a), parse_weekly(b)) {
            if s == e {
                return Err(format!("freeze window {text:?}: start and end are the same moment"));
            }
            return Ok(FreezeWindow::Weekly {
                start: s,
                end: e,
                zone,
                text: trimmed.to_string(),
            });
        }
        let abs = |s: &str| -> Option<DateTime<Utc>> {
            let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").ok().or_else(|| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .ok()
                    .map(|d| d.and_time(NaiveTime::MIN))
            })?;
            let civil = jiff::civil::date(
                i16::try_from(naive.year()).ok()?,
                naive.month() as i8,
                naive.day() as i8,
            )
            .at(naive.hour() as i8, naive.minute() as i8, 0, 0);
            resolve(&zone, civil)
        };
        match (abs(a), abs(b)) {
            (Some(s), Some(e)) if e > s => Ok(FreezeWindow::Absolute {
                start: s,
                end: e,
                text: trimmed.to_string(),
            }),
            (Some(_), Some(_)) => Err(format!("freeze window {text:?}: ends before it starts")),
            _ => Err(format!("freeze window {text:?}: {expected}")),
        }
    }
}

/// UTC, ±HH:MM, or an IANA zone name (`Europe/Berlin`) — a name with a
/// slash only, so the ambiguous abbreviations (`PST`, `EST`, `CET`) are
/// refused rather than guessed.
fn parse_zone(tz: &str) -> Option<TimeZone> {
    if tz.eq_ignore_ascii_case("utc") || tz == "Z" {
        return Some(TimeZone::UTC);
    }
    if tz.contains('/') {
        return TimeZone::get(tz).ok();
    }
    let sign = match tz.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, m) = tz[1..].split_once(':')?;
    let h: i32 = h.parse().ok()?;
    let m: i32 = m.parse().ok()?;
    if h > 14 || m > 59 {
        return None;
    }
    Offset::from_seconds(sign * (h * 3600 + m * 60))
        .ok()
        .map(TimeZone::fixed)
}

fn parse_weekly(s: &str) -> Option<i64> {
    let (day, time) = s.split_once(' ')?;
    let day = match day.to_ascii_lowercase().get(..3)? {
        "mon" => 0,
        "tue" => 1,
        "wed" => 2,
        "thu" => 3,
        "fri" => 4,
        "sat" => 5,
        "sun" => 6,
        _ => return None,
    };
    let t = NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
    Some(day * 24 * 60 + i64::from(t.hour()) * 60 + i64::from(t.minute()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn weekend_freeze_wraps_the_week() {
        let w = FreezeWindow::parse("Fri 16:00 - Mon 08:00 UTC").unwrap();
        // 2026-11-20 is a Friday.
        let cases = [
            ("2026-11-20T15:59:00Z", None),
            ("2026-11-20T16:00:00Z", Some("2026-11-23T08:00:00Z")),
            ("2026-11-22T12:30:00Z", Some("2026-11-23T08:00:00Z")),
            ("2026-11-23T07:59:00Z", Some("2026-11-23T08:00:00Z")),
            ("2026-11-23T08:00:00Z", None),
            ("2026-11-25T12:00:00Z", None),
        ];
        for (now, want) in cases {
            assert_eq!(w.active_until(at(now)), want.map(at), "{now}");
        }
    }

    #[test]
    fn offsets_are_honoured() {
        let w = FreezeWindow::parse("Fri 16:00 - Mon 08:00 +02:00").unwrap();
        assert_eq!(
            w.active_until(at("2026-11-20T14:30:00Z")),
            Some(at("2026-11-23T06:00:00Z"))
        );
        assert_eq!(w.active_until(at("2026-11-20T13:59:00Z")), None);
    }

    #[test]
    fn absolute_windows() {
        let w = FreezeWindow::parse("2026-12-20 00:00 - 2027-01-04 08:00 UTC").unwrap();
        assert!(w.active_until(at("2026-12-19T23:59:00Z")).is_none());
        assert_eq!(
            w.active_until(at("2026-12-25T10:00:00Z")),
            Some(at("2027-01-04T08:00:00Z"))
        );
        assert!(w.active_until(at("2027-01-04T08:00:00Z")).is_none());
    }

    /// The DST week of 2026 in Berlin: clocks go forward on Sunday
    /// 2026-03-29 at 02:00 (UTC+1 → UTC+2). A window written in Berlin
    /// time keeps its wall-clock times on both sides of the change.
    #[test]
    fn a_dst_week_in_berlin() {
        let w = FreezeWindow::parse("Fri 16:00 - Mon 08:00 Europe/Berlin").unwrap();
        let cases = [
            // Friday before the change: 16:00 CET = 15:00 UTC.
            ("2026-03-27T14:59:00Z", None),
            ("2026-03-27T15:00:00Z", Some("2026-03-30T06:00:00Z")),
            // Sunday 02:30 does not exist in Berlin; 00:30 UTC is 01:30 CET, 01:30 UTC is 03:30 CEST.
            ("2026-03-29T00:30:00Z", Some("2026-03-30T06:00:00Z")),
            ("2026-03-29T01:30:00Z", Some("2026-03-30T06:00:00Z")),
            // Monday 08:00 CEST = 06:00 UTC, not 07:00.
            ("2026-03-30T05:59:00Z", Some("2026-03-30T06:00:00Z")),
            ("2026-03-30T06:00:00Z", None),
            // The next Friday is summer time: 16:00 CEST = 14:00 UTC.
            ("2026-04-03T13:59:00Z", None),
            ("2026-04-03T14:00:00Z", Some("2026-04-06T06:00:00Z")),
        ];
        for (now, want) in cases {
            assert_eq!(w.active_until(at(now)), want.map(at), "{now}");
        }
        // New York changes on a different weekend (2026-03-08) and goes back on 2026-11-01.
        let ny = FreezeWindow::parse("Sat 22:00 - Sun 06:00 America/New_York").unwrap();
        // Sat 2026-10-31 22:00 EDT = Sun 02:00 UTC; Sun 06:00 EST = 11:00 UTC (a 9-hour night).
        assert_eq!(ny.active_until(at("2026-11-01T01:59:00Z")), None);
        assert_eq!(
            ny.active_until(at("2026-11-01T02:00:00Z")),
            Some(at("2026-11-01T11:00:00Z"))
        );
        assert_eq!(
            ny.active_until(at("2026-11-01T10:59:00Z")),
            Some(at("2026-11-01T11:00:00Z"))
        );
        assert_eq!(ny.active_until(at("2026-11-01T11:00:00Z")), None);
    }

    #[test]
    fn absolute_windows_in_a_named_zone() {
        // Christmas in Berlin is winter time (UTC+1).
        let w = FreezeWindow::parse("2026-12-20 00:00 - 2027-01-04 08:00 Europe/Berlin").unwrap();
        assert!(w.active_until(at("2026-12-19T22:59:00Z")).is_none());
        assert_eq!(
            w.active_until(at("2026-12-19T23:00:00Z")),
            Some(at("2027-01-04T07:00:00Z"))
        );
    }

    #[test]
    fn bad_windows_say_what_is_expected() {
        for bad in [
            "Fri 16:00 - Mon 08:00",
            "Fri 16:00 - Mon 08:00 Europe/Bxrlin",
            "Fri 16:00 - Mon 08:00 CET",
            "Friday-ish",
            "Fri 25:00 - Mon 08:00 UTC",
            "2027-01-04 00:00 - 2026-12-20 00:00 UTC",
            "Fri 16:00 - Fri 16:00 UTC",
        ] {
            let err = FreezeWindow::parse(bad).unwrap_err();
            assert!(err.contains("freeze window"), "{bad}: {err}");
        }
    }
}
