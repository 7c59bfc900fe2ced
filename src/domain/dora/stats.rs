//! Small statistics and the DORA performance bands.

/// Median of sorted seconds (the mean of the two middle ones when even).
pub(super) fn median(v: &[i64]) -> Option<i64> {
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2),
    }
}

/// Nearest-rank percentile of sorted seconds.
pub(super) fn percentile(v: &[i64], p: f64) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    Some(v[rank - 1])
}

pub(super) fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| ((a as f64 / b as f64) * 10_000.0).round() / 10_000.0)
}

pub(super) const DAY: i64 = 86_400;

pub(super) fn frequency_band(per_week: f64) -> &'static str {
    match per_week {
        w if w >= 7.0 => "elite",
        w if w >= 1.0 => "high",
        w if w >= 12.0 / 52.0 => "medium",
        _ => "low",
    }
}

pub(super) fn lead_band(s: i64) -> &'static str {
    match s {
        s if s < DAY => "elite",
        s if s < 7 * DAY => "high",
        s if s < 30 * DAY => "medium",
        _ => "low",
    }
}

pub(super) fn fail_band(r: f64) -> &'static str {
    match r {
        r if r <= 0.05 => "elite",
        r if r <= 0.10 => "high",
        r if r <= 0.15 => "medium",
        _ => "low",
    }
}

pub(super) fn recovery_band(s: i64) -> &'static str {
    match s {
        s if s < 3_600 => "elite",
        s if s < DAY => "high",
        s if s < 7 * DAY => "medium",
        _ => "low",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_percentiles() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5]), Some(5));
        assert_eq!(median(&[1, 3]), Some(2));
        assert_eq!(median(&[1, 2, 9]), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), Some(9));
        assert_eq!(percentile(&[7], 0.9), Some(7));
        assert_eq!(ratio(1, 4), Some(0.25));
        assert_eq!(ratio(1, 0), None);
    }
}
