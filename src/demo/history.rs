//! The demo's production history: a fraud model retrained every week on monthly transaction
//! snapshots (a timeline of forty versions), deployed by CI to a production environment every
//! month with the image that carried it; daily monitoring of both production environments,
//! with a rule that rolled the fraud model back on its own and one that proposes a churn
//! rollback now; evidence attached to the churn model; a recovery drill; a composite system.

use std::io;
use std::path::Path;

use super::{Act, Rollout, Timed, Validated, dataset, files};
use crate::governance::evaluate::MetricInput;
use crate::governance::monitor::Snapshot;
use crate::registry::register::RegisterRequest;

/// Weekly fraud retrains.
const RETRAINS: u32 = 40;
/// The first retrain's day (the history ends by day 330: forty weeks fit before it).
const FIRST: f64 = 45.0;

/// A repeatable wobble in [-1, 1] (the same demo every time).
fn wobble(i: u32) -> f64 {
    let x = (i.wrapping_mul(2_654_435_761) >> 8) % 2001;
    x as f64 / 1000.0 - 1.0
}

/// Daily snapshots from day `from` to before `to`, imported a week at a time — and every day
/// while `urgent` (a monitoring export pushes at once when something is wrong).
fn daily_imports(from: f64, to: f64, urgent: impl Fn(f64) -> bool, of_day: impl Fn(f64) -> Vec<Snapshot>) -> Vec<Timed> {
    let mut out = Vec::new();
    let (mut day, mut batch, mut days) = (from, Vec::new(), 0);
    while day < to {
        batch.extend(of_day(day));
        days += 1;
        if days >= 7 || urgent(day) {
            out.push(Timed { day: day + 0.5, act: Act::Monitor(std::mem::take(&mut batch)) });
            days = 0;
        }
        day += 1.0;
    }
    if !batch.is_empty() {
        out.push(Timed { day: to - 0.5, act: Act::Monitor(batch) });
    }
    out
}

pub(super) fn acts(dir: &Path, start: chrono::DateTime<chrono::Utc>) -> io::Result<Vec<Timed>> {
    let snapshot = |env: &str, day: f64, metric: &str, value: f64| Snapshot {
        env: env.into(),
        at: super::instant(start, day),
        metric: metric.into(),
        value: (value * 1000.0).round() / 1000.0,
    };
    let mut acts = Vec::new();
    let models = dir.join("models");
    let mut data = Vec::new();
    for v in 1..=4 {
        data.push(dataset(dir, "transactions", v, 100 + 20 * v as usize)?);
    }
    acts.push(Timed { day: FIRST - 1.0, act: Act::Production("payments") });
    let image = |i: u32| format!("registry.acme.com/fraud-server@sha256:{:064x}", 0xf7a0_0000_u64 + i as u64);
    let mut deployed_days = Vec::new();
    for i in 0..RETRAINS {
        let day = FIRST + 7.0 * i as f64;
        let d = models.join(format!("fraud-{i}"));
        std::fs::create_dir_all(&d)?;
        std::fs::write(
            d.join("model.safetensors"),
            files::safetensors(&[("encoder.weight", &[32, 16]), ("head.weight", &[2, 32])], 20 + i as u8),
        )?;
        let auc = 0.90 + 0.002 * i as f64 / 4.0 + 0.004 * wobble(i);
        let month = (i / 10) as usize;
        let req = RegisterRequest {
            paths: vec![d.join("model.safetensors").display().to_string()],
            model: "fraud".into(),
            trained_on: vec![data[month].display().to_string()],
            params: [("schedule".to_string(), "weekly".to_string()), ("window_days".to_string(), "90".to_string())].into(),
            metrics: [
                ("auc".to_string(), (auc * 1000.0).round() / 1000.0),
                ("precision_at_1pct".to_string(), ((0.61 + 0.01 * wobble(i + 7)) * 1000.0).round() / 1000.0),
            ]
            .into(),
            message: format!("Scheduled weekly retrain {} on transactions v{}", i + 1, month + 1),
            code: Some(format!("git+https://github.com/acme/fraud@{:012x}", 0xfa00 + i)),
            environment: Some("python-3.11+lightgbm-4.5".into()),
            run: Some(format!("fraud-weekly-{:02}", i + 1)),
            ..Default::default()
        };
        acts.push(Timed { day, act: Act::Register(Box::new(req)) });
        // CI deploys every fourth retrain to production, after validation.
        if i % 4 == 3 {
            let reference = format!("fraud@1.{i}.0");
            acts.push(Timed {
                day: day + 1.0,
                act: Act::Validate(Validated {
                    reference: reference.clone(),
                    dataset: "transactions@1",
                    metrics: vec![MetricInput {
                        metric: "auc".into(),
                        value: (auc * 1000.0).round() / 1000.0,
                        slice: None,
                        threshold: Some(">= 0.85".into()),
                    }],
                    justification: "weekly validation job: holdout AUC above 0.85",
                }),
            });
            acts.push(Timed {
                day: day + 2.0,
                act: Act::Deploy(Rollout {
                    reference,
                    env: "payments",
                    strategy: "blue-green",
                    traffic: None,
                    reason: "monthly release from the fraud pipeline",
                    carrier: Some(image(i)),
                }),
            });
            deployed_days.push(day + 2.0);
        }
    }
    // The fraud rule rolls back on its own; the last release's AUC dips for three days.
    acts.push(Timed { day: FIRST + 10.0, act: Act::Rule { env: "payments", rule: "auc < 0.85 for 3", auto: true } });
    let last_release = *deployed_days.last().unwrap_or(&FIRST);
    let end = FIRST + 7.0 * RETRAINS as f64;
    let dip = |day: f64| day > last_release + 1.0 && day <= last_release + 4.0;
    acts.extend(daily_imports(FIRST + 3.0, end, dip, |day| {
        let v = if dip(day) { 0.83 - 0.005 * (day - last_release) } else { 0.905 + 0.006 * wobble(day as u32) };
        vec![
            snapshot("payments", day, "auc", v),
            snapshot("payments", day, "drift_psi", 0.08 + 0.03 * wobble(day as u32 + 3).abs()),
        ]
    }));
    // Churn in prod: a proposing rule, daily AUC, which falls in the last days of the canary.
    acts.push(Timed { day: 31.0, act: Act::Rule { env: "prod", rule: "auc < 0.8 for 3", auto: false } });
    let churn_end = 326.0;
    let falling = |day: f64| day > churn_end - 3.0;
    acts.extend(daily_imports(32.0, churn_end + 1.0, falling, |day| {
        let v = if falling(day) { 0.79 - 0.01 * (day - (churn_end - 3.0)) } else { 0.84 + 0.01 * wobble(day as u32 + 11) };
        vec![snapshot("prod", day, "auc", v)]
    }));
    // Evidence for the churn model that went to production.
    let evidence = dir.join("evidence");
    std::fs::create_dir_all(&evidence)?;
    let fair = evidence.join("churn-2.0.0-fairness.json");
    std::fs::write(
        &fair,
        r#"{"metric": "demographic_parity_difference", "groups": {"age=65+": 0.031, "region=eu": 0.012}, "threshold": 0.05}"#,
    )?;
    let shap = evidence.join("churn-2.0.0-shap-summary.html");
    std::fs::write(
        &shap,
        "<!doctype html><title>SHAP summary</title><h1>churn 2.0.0</h1><ol><li>contract_months</li><li>tenure</li><li>support_calls</li></ol>",
    )?;
    let card = evidence.join("churn-model-card.md");
    std::fs::write(&card, "# churn model card\n\nIntended use: retention offers. Not for credit decisions.\n")?;
    acts.push(Timed { day: 263.0, act: Act::Attach { reference: "churn@2.0.0", kind: "fairness", path: fair } });
    acts.push(Timed { day: 263.0, act: Act::Attach { reference: "churn@2.0.0", kind: "explainability", path: shap } });
    acts.push(Timed { day: 21.0, act: Act::Attach { reference: "churn@1.0.0", kind: "documentation", path: card } });
    // A composite system for claims: images and text.
    acts.push(Timed {
        day: 245.0,
        act: Act::System { system: "claims-triage", components: vec!["resnet@2.0.0", "llm-legal/q4@1.0.0"] },
    });
    // Later, a smaller quantization of llm-legal: the system pinning the Q8_0 one has a new
    // version to propose.
    let q4km = models.join("llm-legal-q4km");
    std::fs::create_dir_all(&q4km)?;
    let gguf = files::gguf("llama", "llm-legal Q4_K_M", &[("token_embd.weight", &[64, 256]), ("output.weight", &[64, 256])]);
    std::fs::write(q4km.join("llm-legal.Q4_K_M.gguf"), gguf)?;
    let q4 = RegisterRequest {
        paths: vec![q4km.display().to_string()],
        model: "llm-legal/q4".into(),
        parents: vec![crate::registry::register::ParentLink {
            parent: "llm-legal@1.0.1".into(),
            relation: Some("quantized".into()),
        }],
        params: [("quant".to_string(), "Q4_K_M".to_string())].into(),
        metrics: [("f1".to_string(), 0.85)].into(),
        message: "Q4_K_M GGUF: half the memory of Q8_0".into(),
        code: Some("git+https://github.com/acme/llm-train@e5f6a1b2c3d5".into()),
        environment: Some("llama.cpp@b3900".into()),
        run: Some("quantize-q4km".into()),
        ..Default::default()
    };
    acts.push(Timed { day: 290.0, act: Act::Register(Box::new(q4)) });
    acts.push(Timed { day: 328.0, act: Act::Drill });
    Ok(acts)
}
