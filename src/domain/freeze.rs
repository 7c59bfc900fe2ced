//! Freeze windows: weekly ("Fri 16:00 - Mon 08:00 UTC") or absolute
//! ("2026-12-20 00:00 - 2027-01-04 08:00 +01:00"). The timezone is always
//! explicit, so a window means the same thing on every operator's machine.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};

const WEEK_MIN: i64 = 7 * 24 * 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FreezeWindow {
    /// Minutes from Monday 00:00 in `offset`; wraps past Sunday when end <= start.
    Weekly {
        start: i64,
        end: i64,
        offset: FixedOffset,
        text: String,
    },
    Absolute {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        text: String,
    },
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
            FreezeWindow::Weekly { start, end, offset, .. } => {
                let local = now.with_timezone(offset);
                let minute = i64::from(local.weekday().num_days_from_monday()) * 24 * 60
                    + i64::from(local.hour()) * 60
                    + i64::from(local.minute());
                let len = (end - start).rem_euclid(WEEK_MIN);
                let since_start = (minute - start).rem_euclid(WEEK_MIN);
                if since_start < len {
                    let remaining = len - since_start;
                    // Round to the minute the window ends at.
                    let base = now
                        - Duration::seconds(i64::from(local.second()))
                        - Duration::nanoseconds(i64::from(local.nanosecond()));
                    Some(base + Duration::minutes(remaining))
                } else {
                    None
                }
            }
        }
    }

    pub fn parse(text: &str) -> Result<FreezeWindow, String> {
        let expected = "expected \"Fri 16:00 - Mon 08:00 UTC\" or \"2026-12-20 00:00 - 2027-01-04 08:00 +01:00\" (timezone UTC or ±HH:MM)";
        let trimmed = text.trim();
        let (range, tz) = trimmed
            .rsplit_once(' ')
            .ok_or_else(|| format!("freeze window {text:?}: {expected}"))?;
        let offset = parse_offset(tz).ok_or_else(|| {
            if NaiveTime::parse_from_str(tz, "%H:%M").is_ok() {
                format!("freeze window {text:?}: the timezone is missing; end it with UTC or ±HH:MM, e.g. \"{trimmed} UTC\"")
            } else {
                format!("freeze window {text:?}: timezone {tz:?} is not UTC or ±HH:MM; {expected}")
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
                offset,
                text: trimmed.to_string(),
            });
        }
        let abs = |s: &str| -> Option<DateTime<Utc>> {
            let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").ok().or_else(|| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .ok()
                    .map(|d| d.and_time(NaiveTime::MIN))
            })?;
            offset
                .from_local_datetime(&naive)
                .single()
                .map(|d| d.with_timezone(&Utc))
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

fn parse_offset(tz: &str) -> Option<FixedOffset> {
    if tz.eq_ignore_ascii_case("utc") || tz == "Z" {
        return FixedOffset::east_opt(0);
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
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
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

    #[test]
    fn bad_windows_say_what_is_expected() {
        for bad in [
            "Fri 16:00 - Mon 08:00",
            "Fri 16:00 - Mon 08:00 Europe/Berlin",
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
