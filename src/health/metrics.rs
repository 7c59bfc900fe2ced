//! Prometheus instant queries: the answer's JSON and the thresholds.

use serde_json::Value;

use super::state::State;
use crate::config::Metric;
use crate::domain::threshold::Cmp;

/// One series of an instant query's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesValue {
    /// Its labels as Prometheus writes them: `{code="500",instance="b"}`
    /// (`{}` for a scalar or an aggregate without labels).
    pub labels: String,
    pub value: f64,
}

/// Every series of a vector (`data.result[*].value[1]`, a string), or the
/// one value of a scalar. Series whose value is NaN carry no data and are
/// left out; an empty list means the query returned no data. Errors name
/// Prometheus' `errorType` and `error`.
pub fn parse_query_response(body: &[u8]) -> Result<Vec<SeriesValue>, String> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| format!("unreadable prometheus answer: {e}"))?;
    if doc.get("status").and_then(Value::as_str) == Some("error") {
        let kind = doc.get("errorType").and_then(Value::as_str).unwrap_or("error");
        let msg = doc.get("error").and_then(Value::as_str).unwrap_or("");
        return Err(format!("prometheus {kind}: {msg}"));
    }
    let data = doc.get("data").ok_or("prometheus answer has no data")?;
    let result = data.get("result").ok_or("prometheus answer has no result")?;
    let raw: Vec<(String, Option<&Value>)> = match data.get("resultType").and_then(Value::as_str) {
        Some("scalar") => vec![("{}".into(), result.get(1))],
        _ => result
            .as_array()
            .ok_or("prometheus result is not a list")?
            .iter()
            .map(|series| (labels(series.get("metric")), series.get("value").and_then(|v| v.get(1))))
            .collect(),
    };
    let mut out = Vec::with_capacity(raw.len());
    for (labels, value) in raw {
        let text = value.and_then(Value::as_str).ok_or("prometheus result has no value")?;
        let value = match text {
            "NaN" => continue,
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            t => t
                .parse::<f64>()
                .map_err(|_| format!("prometheus value {t:?} is not a number"))?,
        };
        out.push(SeriesValue { labels, value });
    }
    Ok(out)
}

/// `name{label="value",…}`, labels sorted, values quoted with escapes (so a
/// label cannot carry a control character to a terminal).
fn labels(metric: Option<&Value>) -> String {
    let Some(Value::Object(map)) = metric else {
        return "{}".into();
    };
    let name = map.get("__name__").and_then(Value::as_str).unwrap_or("");
    let mut pairs: Vec<String> = map
        .iter()
        .filter(|(k, _)| k.as_str() != "__name__")
        .map(|(k, v)| format!("{}={:?}", k.escape_debug(), v.as_str().unwrap_or_default()))
        .collect();
    pairs.sort();
    format!("{}{{{}}}", name.escape_debug(), pairs.join(","))
}

/// Judge every series and keep the worst: the highest state, and among
/// equal states the value furthest in the direction the thresholds watch
/// (`>` — the highest; `<` — the lowest). None when there is no data. With
/// several series the reason names the worst one by its labels.
pub fn evaluate_series(m: &Metric, series: &[SeriesValue]) -> Option<(State, f64, Option<String>)> {
    let lower_is_worse = matches!(
        m.fail.as_ref().or(m.warn.as_ref()).map(|t| t.cmp),
        Some(Cmp::Lt | Cmp::Le)
    );
    let judged = series.iter().map(|s| (evaluate_metric(m, s.value), s));
    let ((state, reason), worst) = judged.max_by(|((a, _), x), ((b, _), y)| {
        let (xv, yv) = if lower_is_worse {
            (-x.value, -y.value)
        } else {
            (x.value, y.value)
        };
        a.severity().cmp(&b.severity()).then(xv.total_cmp(&yv))
    })?;
    let reason = match (reason, series.len()) {
        (Some(r), n) if n > 1 => Some(format!("{r} in {}, the worst of {n} series", worst.labels)),
        (r, _) => r,
    };
    Some((state, worst.value, reason))
}

/// fail threshold → unhealthy, warn → degraded, else healthy.
pub fn evaluate_metric(m: &Metric, v: f64) -> (State, Option<String>) {
    if let Some(f) = m.fail.as_ref().filter(|t| t.breached(v)) {
        return (
            State::Unhealthy,
            Some(format!("{} = {} (fail {})", m.name, fmt(v), f.text)),
        );
    }
    if let Some(w) = m.warn.as_ref().filter(|t| t.breached(v)) {
        return (
            State::Degraded,
            Some(format!("{} = {} (warn {})", m.name, fmt(v), w.text)),
        );
    }
    (State::Healthy, None)
}

pub fn fmt(v: f64) -> String {
    if v.abs() >= 100.0 || v == v.trunc() {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::threshold::Threshold;

    fn one(value: f64) -> Vec<SeriesValue> {
        vec![SeriesValue {
            labels: "{}".into(),
            value,
        }]
    }

    fn metric(warn: &str, fail: &str) -> Metric {
        Metric {
            name: "error rate".into(),
            query: "q".into(),
            warn: Some(Threshold::parse(warn).unwrap()),
            fail: Some(Threshold::parse(fail).unwrap()),
        }
    }

    #[test]
    fn parses_vectors_scalars_and_errors() {
        let v = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.1,"0.0123"]}]}}"#;
        assert_eq!(parse_query_response(v), Ok(one(0.0123)));
        let s = br#"{"status":"success","data":{"resultType":"scalar","result":[1700000000.1,"2.5"]}}"#;
        assert_eq!(parse_query_response(s), Ok(one(2.5)));
        let empty = br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert_eq!(parse_query_response(empty), Ok(vec![]));
        let nan = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}}"#;
        assert_eq!(parse_query_response(nan), Ok(vec![]));
        let err = br#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#;
        assert_eq!(
            parse_query_response(err),
            Err("prometheus bad_data: parse error at char 5".into())
        );
        assert!(parse_query_response(b"<html>").is_err());
    }

    #[test]
    fn every_series_is_read_with_its_labels() {
        let v = br#"{"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"instance":"a","__name__":"up","code":"200"},"value":[1,"0.001"]},
            {"metric":{"instance":"b\u001b]0;x","code":"500"},"value":[1,"0.02"]},
            {"metric":{"instance":"c"},"value":[1,"NaN"]}]}}"#;
        let got = parse_query_response(v).unwrap();
        assert_eq!(got.len(), 2, "the NaN series carries no data");
        assert_eq!(got[0].labels, r#"up{code="200",instance="a"}"#);
        assert_eq!(got[1].labels, r#"{code="500",instance="b\u{1b}]0;x"}"#);
        assert_eq!(got[1].value, 0.02);
    }

    #[test]
    fn the_worst_series_is_judged_and_named() {
        let series = |vals: &[(&str, f64)]| -> Vec<SeriesValue> {
            vals.iter()
                .map(|(l, v)| SeriesValue {
                    labels: l.to_string(),
                    value: *v,
                })
                .collect()
        };
        let m = metric("> 0.005", "> 0.01");
        // The first series is fine; the second fails: the metric fails.
        let s = series(&[("{i=\"a\"}", 0.001), ("{i=\"b\"}", 0.02), ("{i=\"c\"}", 0.007)]);
        let (state, value, reason) = evaluate_series(&m, &s).unwrap();
        assert_eq!((state, value), (State::Unhealthy, 0.02));
        assert_eq!(
            reason.as_deref(),
            Some("error rate = 0.0200 (fail > 0.01) in {i=\"b\"}, the worst of 3 series")
        );
        // All healthy: the value shown is the one nearest the threshold.
        let s = series(&[("a", 0.001), ("b", 0.004), ("c", 0.002)]);
        assert_eq!(evaluate_series(&m, &s), Some((State::Healthy, 0.004, None)));
        // "<" thresholds watch the lowest value.
        let m = metric("< 0.99", "< 0.9");
        let s = series(&[("a", 0.999), ("b", 0.95), ("c", 0.97)]);
        let (state, value, reason) = evaluate_series(&m, &s).unwrap();
        assert_eq!((state, value), (State::Degraded, 0.95));
        assert!(reason.unwrap().contains("in b, the worst of 3"));
        // One series: no labels in the reason; none: no data.
        let (_, _, reason) = evaluate_series(&m, &one(0.5)).unwrap();
        assert_eq!(reason.as_deref(), Some("error rate = 0.5000 (fail < 0.9)"));
        assert_eq!(evaluate_series(&m, &[]), None);
    }

    #[test]
    fn thresholds_pick_the_state() {
        let m = metric("> 0.005", "> 0.01");
        assert_eq!(evaluate_metric(&m, 0.001).0, State::Healthy);
        assert_eq!(evaluate_metric(&m, 0.007).0, State::Degraded);
        let (s, r) = evaluate_metric(&m, 0.02);
        assert_eq!(s, State::Unhealthy);
        assert_eq!(r.as_deref(), Some("error rate = 0.0200 (fail > 0.01)"));
    }
}
