//! Reading monitoring snapshots: JSON lines (`{"env": "prod", "at": "…", "metrics": {"auc":
//! 0.61}}`, one object per line, several metrics each) or CSV (`env,at,metric,value` with that
//! header). Every line is checked; the first bad one is named by its number.

use super::{GovError, Snapshot};

/// Lines read at most.
pub const MAX_LINES: usize = 1_000_000;

fn bad_line(n: usize, why: &str) -> GovError {
    GovError::BadInput(format!("monitoring line {n}: {why}"))
}

/// Snapshots from JSON lines or CSV text (told apart by the first non-blank character).
pub fn parse(text: &str) -> Result<Vec<Snapshot>, GovError> {
    let lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let csv = text.trim_start().starts_with(|c: char| c != '{');
    let mut out = Vec::new();
    for (i, (n, line)) in lines.enumerate() {
        if i >= MAX_LINES {
            return Err(bad_line(n + 1, &format!("more than {MAX_LINES} lines: split the file")));
        }
        if csv {
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            if i == 0 {
                if cells != ["env", "at", "metric", "value"] {
                    return Err(bad_line(n + 1, "CSV starts with the header env,at,metric,value"));
                }
                continue;
            }
            let [env, at, metric, value] = cells[..] else {
                return Err(bad_line(n + 1, "four cells: env,at,metric,value"));
            };
            let value: f64 = value.parse().map_err(|_| bad_line(n + 1, &format!("{value:?} is not a number")))?;
            out.push(Snapshot { env: env.into(), at: at.into(), metric: metric.into(), value });
        } else {
            let v: serde_json::Value = serde_json::from_str(line).map_err(|e| bad_line(n + 1, &format!("not JSON: {e}")))?;
            let env = v["env"].as_str().ok_or_else(|| bad_line(n + 1, "no \"env\""))?;
            let at = v["at"].as_str().ok_or_else(|| bad_line(n + 1, "no \"at\""))?;
            let metrics = v["metrics"].as_object().ok_or_else(|| bad_line(n + 1, "no \"metrics\" object"))?;
            for (metric, value) in metrics {
                let value = value.as_f64().ok_or_else(|| bad_line(n + 1, &format!("{metric} is not a number")))?;
                out.push(Snapshot { env: env.into(), at: at.into(), metric: metric.clone(), value });
            }
        }
    }
    if out.is_empty() {
        return Err(GovError::BadInput("no monitoring snapshots in the input".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_and_csv_give_the_same_snapshots_and_bad_lines_are_named() {
        let j = "{\"env\": \"prod\", \"at\": \"2026-12-01T10:00:00Z\", \"metrics\": {\"auc\": 0.61, \"drift_psi\": 0.3}}\n\n";
        let c = "env,at,metric,value\nprod,2026-12-01T10:00:00Z,auc,0.61\nprod,2026-12-01T10:00:00Z,drift_psi,0.3\n";
        assert_eq!(parse(j).unwrap(), parse(c).unwrap());
        assert_eq!(parse(j).unwrap().len(), 2);
        let e = parse("env,at,metric,value\nprod,t,auc,high\n").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("not a number"), "{e}");
        assert!(parse("a,b\n").unwrap_err().to_string().contains("header"));
        assert!(parse("{\"env\": \"prod\"}\n").unwrap_err().to_string().contains("line 1"));
        assert!(parse("").is_err());
    }
}
