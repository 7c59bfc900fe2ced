//! Prometheus instant queries: the answer's JSON and the thresholds.

use serde_json::Value;

use super::state::State;
use crate::config::Metric;

/// `data.result[0].value[1]` (a string) of a vector, or `data.result[1]` of
/// a scalar. Ok(None) when the query returned no series. Errors name
/// Prometheus' `errorType` and `error`.
pub fn parse_query_response(body: &[u8]) -> Result<Option<f64>, String> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| format!("unreadable prometheus answer: {e}"))?;
    if doc.get("status").and_then(Value::as_str) == Some("error") {
        let kind = doc.get("errorType").and_then(Value::as_str).unwrap_or("error");
        let msg = doc.get("error").and_then(Value::as_str).unwrap_or("");
        return Err(format!("prometheus {kind}: {msg}"));
    }
    let data = doc.get("data").ok_or("prometheus answer has no data")?;
    let result = data.get("result").ok_or("prometheus answer has no result")?;
    let value = match data.get("resultType").and_then(Value::as_str) {
        Some("scalar") => result.get(1),
        _ => match result.as_array().and_then(|a| a.first()) {
            None => return Ok(None),
            Some(series) => series.get("value").and_then(|v| v.get(1)),
        },
    };
    let text = value.and_then(Value::as_str).ok_or("prometheus result has no value")?;
    match text {
        "NaN" => Ok(None),
        "+Inf" => Ok(Some(f64::INFINITY)),
        "-Inf" => Ok(Some(f64::NEG_INFINITY)),
        t => t
            .parse::<f64>()
            .map(Some)
            .map_err(|_| format!("prometheus value {t:?} is not a number")),
    }
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

    #[test]
    fn parses_vectors_scalars_and_errors() {
        let v = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.1,"0.0123"]}]}}"#;
        assert_eq!(parse_query_response(v), Ok(Some(0.0123)));
        let s = br#"{"status":"success","data":{"resultType":"scalar","result":[1700000000.1,"2.5"]}}"#;
        assert_eq!(parse_query_response(s), Ok(Some(2.5)));
        let empty = br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert_eq!(parse_query_response(empty), Ok(None));
        let err = br#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#;
        assert_eq!(
            parse_query_response(err),
            Err("prometheus bad_data: parse error at char 5".into())
        );
        assert!(parse_query_response(b"<html>").is_err());
    }

    #[test]
    fn thresholds_pick_the_state() {
        let m = Metric {
            name: "error rate".into(),
            query: "q".into(),
            warn: Some(Threshold::parse("> 0.005").unwrap()),
            fail: Some(Threshold::parse("> 0.01").unwrap()),
        };
        assert_eq!(evaluate_metric(&m, 0.001).0, State::Healthy);
        assert_eq!(evaluate_metric(&m, 0.007).0, State::Degraded);
        let (s, r) = evaluate_metric(&m, 0.02);
        assert_eq!(s, State::Unhealthy);
        assert_eq!(r.as_deref(), Some("error rate = 0.0200 (fail > 0.01)"));
    }
}
