//! Metric thresholds: "> 0.01", "< 0.99", ">= 2s", "> 500ms".

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub cmp: Cmp,
    /// In the metric's unit; durations are in seconds.
    pub value: f64,
    pub text: String,
}

impl Threshold {
    pub fn parse(s: &str) -> Result<Threshold, String> {
        let t = s.trim();
        let (cmp, rest) = if let Some(r) = t.strip_prefix(">=") {
            (Cmp::Ge, r)
        } else if let Some(r) = t.strip_prefix("<=") {
            (Cmp::Le, r)
        } else if let Some(r) = t.strip_prefix('>') {
            (Cmp::Gt, r)
        } else if let Some(r) = t.strip_prefix('<') {
            (Cmp::Lt, r)
        } else {
            return Err(format!(
                "threshold {s:?}: expected a comparison like \"> 0.01\", \"< 0.99\" or \"> 2s\""
            ));
        };
        let rest = rest.trim();
        let value = match rest.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => humantime::parse_duration(rest)
                .map(|d| d.as_secs_f64())
                .map_err(|_| format!("threshold {s:?}: {rest:?} is not a number or a duration like \"2s\""))?,
        };
        Ok(Threshold {
            cmp,
            value,
            text: t.to_string(),
        })
    }

    pub fn breached(&self, v: f64) -> bool {
        match self.cmp {
            Cmp::Gt => v > self.value,
            Cmp::Ge => v >= self.value,
            Cmp::Lt => v < self.value,
            Cmp::Le => v <= self.value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_compares() {
        let cases = [
            ("> 0.01", 0.02, true),
            ("> 0.01", 0.01, false),
            (">= 0.01", 0.01, true),
            ("< 0.99", 0.98, true),
            ("<= 0.99", 1.0, false),
            ("> 2s", 2.5, true),
            ("> 500ms", 0.4, false),
        ];
        for (t, v, want) in cases {
            assert_eq!(Threshold::parse(t).unwrap().breached(v), want, "{t} {v}");
        }
        assert!(Threshold::parse("0.01").is_err());
        assert!(Threshold::parse("> lots").is_err());
    }
}
