//! "Open demo workspace": fills an empty workspace with a realistic sample through the real
//! registration path — a base language model with versions, fine-tuned, distilled and
//! quantized children, an ensemble, an ONNX image classifier whose input shape changes, an
//! MLflow churn model, datasets with several versions, runs, code commits and environments.
//! Source files are written under `WORKSPACE/demo-data/` (datasets are referenced there).
//!
//! This module only writes the files and returns the [`Plan`]: the requests to make, in order.
//! `api::demo` carries it out through the same operations a user calls.

use std::io;
use std::path::{Path, PathBuf};

use crate::governance::evaluate::MetricInput;
use crate::registry::register::{ParentLink, RegisterRequest};

pub mod files;
mod history;

/// The demo's history: what happens, and when (days after the demo's start, spread over
/// months), in order. Approvals come from someone other than the registrant (maker ≠ checker).
#[derive(Debug, Clone)]
pub struct Plan {
    pub acts: Vec<Timed>,
}

/// One act of the history, `day` days after the start.
#[derive(Debug, Clone)]
pub struct Timed {
    pub day: f64,
    pub act: Act,
}

/// What the demo does, through the same operations a user calls.
#[derive(Debug, Clone)]
pub enum Act {
    Register(Box<RegisterRequest>),
    /// Evaluated, approved by a validator, promoted.
    Validate(Validated),
    Deploy(Rollout),
    /// Marks an environment as production.
    Production(&'static str),
    /// Monitoring snapshots imported (rules judged after).
    Monitor(Vec<crate::governance::monitor::Snapshot>),
    Rule {
        env: &'static str,
        rule: &'static str,
        auto: bool,
    },
    Attach {
        reference: &'static str,
        kind: &'static str,
        path: PathBuf,
    },
    /// A recovery drill of every environment.
    Drill,
    /// A composite system version pinning these components.
    System {
        system: &'static str,
        components: Vec<&'static str>,
    },
}

/// A version evaluated on `dataset` with `metrics`, then approved with `justification`.
#[derive(Debug, Clone)]
pub struct Validated {
    pub reference: String,
    pub dataset: &'static str,
    pub metrics: Vec<MetricInput>,
    pub justification: &'static str,
}

/// A deployment: `MODEL@VERSION`, environment, strategy, canary share, reason, and what carried
/// it when CI recorded it.
#[derive(Debug, Clone)]
pub struct Rollout {
    pub reference: String,
    pub env: &'static str,
    pub strategy: &'static str,
    pub traffic: Option<u32>,
    pub reason: &'static str,
    pub carrier: Option<String>,
}

struct Step {
    day: f64,
    model: &'static str,
    source: PathBuf,
    parents: Vec<(&'static str, &'static str)>,
    data: Vec<PathBuf>,
    run: &'static str,
    code: &'static str,
    env: &'static str,
    params: &'static [(&'static str, &'static str)],
    metrics: &'static [(&'static str, f64)],
    message: &'static str,
}

fn dataset(dir: &Path, name: &str, version: u32, rows: usize) -> io::Result<PathBuf> {
    let d = dir.join("data").join(format!("{name}-v{version}")).join(name);
    std::fs::create_dir_all(d.join("train"))?;
    let body: String = (0..rows).map(|i| format!("{i},sample text {i} v{version},{}\n", i % 3)).collect();
    std::fs::write(d.join("train/part-000.csv"), format!("id,text,label\n{body}"))?;
    std::fs::write(d.join("README.md"), format!("# {name}\nversion {version}, {rows} rows\n"))?;
    Ok(d)
}

const TRAIN: &str = "git+https://github.com/acme/llm-train";
const VISION: &str = "git+https://github.com/acme/vision";
const TABULAR: &str = "git+https://github.com/acme/churn";

/// The instant `day` days after `start`, in the catalog's form.
pub fn instant(start: chrono::DateTime<chrono::Utc>, day: f64) -> String {
    (start + chrono::Duration::milliseconds((day * 86_400_000.0) as i64)).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Writes the demo's files under `dir` and returns what to register and do with them, `start`
/// being its first day.
pub fn plan(dir: &Path, start: chrono::DateTime<chrono::Utc>) -> io::Result<Plan> {
    let m = |name: &str| dir.join("models").join(name);
    let web1 = dataset(&dir, "web-text", 1, 200)?;
    let web2 = dataset(&dir, "web-text", 2, 260)?;
    let legal = dataset(&dir, "legal-contracts", 1, 80)?;
    let img1 = dataset(&dir, "imagenet-mini", 1, 120)?;
    let img2 = dataset(&dir, "imagenet-mini", 2, 150)?;
    let cust = dataset(&dir, "customers", 1, 90)?;
    let llm = [
        ("model.embed_tokens.weight", &[256u64, 64][..]),
        ("model.layers.0.mlp.weight", &[64, 64][..]),
        ("lm_head.weight", &[256, 64][..]),
    ];
    let small = [("model.embed_tokens.weight", &[256u64, 32][..]), ("lm_head.weight", &[256, 32][..])];
    files::hf_folder(&m("llm-base-1"), "LlamaForCausalLM", None, &llm, 1)?;
    files::hf_folder(&m("llm-base-2"), "LlamaForCausalLM", None, &llm, 2)?;
    files::hf_folder(&m("llm-legal-1"), "LlamaForCausalLM", Some("acme/llm-base"), &llm, 3)?;
    files::hf_folder(&m("llm-legal-2"), "LlamaForCausalLM", Some("acme/llm-base"), &llm, 3)?;
    std::fs::write(
        m("llm-legal-2").join("README.md"),
        "---\nlicense: apache-2.0\nbase_model: acme/llm-base\nbase_model_relation: finetune\n---\n\n# llm-legal\nFine-tuned on contracts. Not for legal advice.\n",
    )?;
    files::hf_folder(&m("llm-small"), "LlamaForCausalLM", Some("acme/llm-base"), &small, 4)?;
    std::fs::create_dir_all(m("llm-legal-q4"))?;
    std::fs::write(
        m("llm-legal-q4").join("llm-legal.Q8_0.gguf"),
        files::gguf("llama", "llm-legal", &[("token_embd.weight", &[64, 256]), ("output.weight", &[64, 256])]),
    )?;
    std::fs::create_dir_all(m("router"))?;
    std::fs::write(m("router").join("router.safetensors"), files::safetensors(&[("gate.weight", &[2, 64])], 5))?;
    std::fs::write(
        m("router").join("ensemble.json"),
        r#"{"members": ["llm-legal", "llm-small"], "strategy": "route-by-topic"}"#,
    )?;
    for (i, (dims, fill)) in
        [(["batch", "3", "224", "224"], 6u8), (["batch", "3", "224", "224"], 7), (["batch", "3", "256", "256"], 8)]
            .iter()
            .enumerate()
    {
        let d = m(&format!("resnet-{i}"));
        std::fs::create_dir_all(&d)?;
        std::fs::write(d.join("model.onnx"), files::onnx(("pixels", dims), ("logits", &["batch", "1000"]), 512, *fill))?;
        std::fs::write(d.join("labels.txt"), "tench\ngoldfish\ngreat white shark\n")?;
    }
    files::mlflow_folder(&m("churn-1"), &["tenure", "monthly_charges", "support_calls"], 9)?;
    files::mlflow_folder(&m("churn-2"), &["tenure", "monthly_charges", "support_calls", "contract_months"], 10)?;

    let env_gpu = "docker.io/pytorch/pytorch@sha256:7d5e1c9a2b4f";
    let steps = vec![
        Step {
            day: 55.0,
            model: "llm-base",
            source: m("llm-base-1"),
            parents: vec![],
            data: vec![web1],
            run: "pretrain-2026-03-01",
            code: "a1b2c3d4e5f6",
            env: env_gpu,
            params: &[("lr", "3e-4"), ("epochs", "3"), ("batch_size", "512")],
            metrics: &[("perplexity", 14.2), ("mmlu", 0.41)],
            message: "Pre-training on web-text v1",
        },
        Step {
            day: 127.0,
            model: "llm-base",
            source: m("llm-base-2"),
            parents: vec![],
            data: vec![web2.clone()],
            run: "pretrain-2026-05-12",
            code: "b2c3d4e5f6a1",
            env: env_gpu,
            params: &[("lr", "3e-4"), ("epochs", "4"), ("batch_size", "512")],
            metrics: &[("perplexity", 12.9), ("mmlu", 0.44)],
            message: "Retrained on web-text v2 (deduplicated)",
        },
        Step {
            day: 148.0,
            model: "llm-legal",
            source: m("llm-legal-1"),
            parents: vec![("llm-base@1.1.0", "finetune")],
            data: vec![legal.clone()],
            run: "ft-legal-2026-06-02",
            code: "c3d4e5f6a1b2",
            env: env_gpu,
            params: &[("lr", "2e-5"), ("epochs", "2"), ("lora_r", "16")],
            metrics: &[("f1", 0.87), ("exact_match", 0.71)],
            message: "Legal fine-tune for contract review",
        },
        Step {
            day: 150.0,
            model: "llm-legal",
            source: m("llm-legal-2"),
            parents: vec![("llm-base@1.1.0", "finetune")],
            data: vec![legal],
            run: "ft-legal-2026-06-02",
            code: "c3d4e5f6a1b2",
            env: env_gpu,
            params: &[("lr", "2e-5"), ("epochs", "2"), ("lora_r", "16")],
            metrics: &[("f1", 0.87), ("exact_match", 0.71)],
            message: "Model card: intended use and limitations",
        },
        Step {
            day: 166.0,
            model: "llm-small",
            source: m("llm-small"),
            parents: vec![("llm-base@1.1.0", "distilled")],
            data: vec![web2],
            run: "distill-2026-06-20",
            code: "d4e5f6a1b2c3",
            env: env_gpu,
            params: &[("temperature", "2.0"), ("alpha", "0.5")],
            metrics: &[("perplexity", 15.8), ("mmlu", 0.38)],
            message: "Distilled 2-layer student for edge",
        },
        Step {
            day: 177.0,
            model: "llm-legal/q4",
            source: m("llm-legal-q4"),
            parents: vec![("llm-legal@1.0.1", "quantized")],
            data: vec![],
            run: "quantize-2026-07-01",
            code: "e5f6a1b2c3d4",
            env: "llama.cpp@b3600",
            params: &[("quant", "Q8_0")],
            metrics: &[("f1", 0.86)],
            message: "Q8_0 GGUF for CPU serving",
        },
        Step {
            day: 191.0,
            model: "router",
            source: m("router"),
            parents: vec![("llm-legal@1.0.1", "ensemble"), ("llm-small@1.0.0", "ensemble")],
            data: vec![],
            run: "router-2026-07-15",
            code: "f6a1b2c3d4e5",
            env: env_gpu,
            params: &[("strategy", "route-by-topic")],
            metrics: &[("win_rate", 0.63)],
            message: "Routes legal questions to llm-legal, the rest to llm-small",
        },
        Step {
            day: 36.0,
            model: "resnet",
            source: m("resnet-0"),
            parents: vec![],
            data: vec![img1],
            run: "vision-2026-02-10",
            code: "0a1b2c3d4e5f",
            env: "docker.io/nvidia/pytorch@sha256:1f2e3d4c5b6a",
            params: &[("lr", "0.1"), ("epochs", "90")],
            metrics: &[("top1", 0.761), ("top5", 0.929)],
            message: "ResNet-50 baseline",
        },
        Step {
            day: 107.0,
            model: "resnet",
            source: m("resnet-1"),
            parents: vec![],
            data: vec![img2.clone()],
            run: "vision-2026-04-22",
            code: "1b2c3d4e5f0a",
            env: "docker.io/nvidia/pytorch@sha256:1f2e3d4c5b6a",
            params: &[("lr", "0.1"), ("epochs", "120")],
            metrics: &[("top1", 0.779), ("top5", 0.937)],
            message: "Longer schedule on imagenet-mini v2",
        },
        Step {
            day: 237.0,
            model: "resnet",
            source: m("resnet-2"),
            parents: vec![],
            data: vec![img2],
            run: "vision-2026-08-30",
            code: "2c3d4e5f0a1b",
            env: "docker.io/nvidia/pytorch@sha256:1f2e3d4c5b6a",
            params: &[("lr", "0.1"), ("epochs", "120"), ("resolution", "256")],
            metrics: &[("top1", 0.792), ("top5", 0.944)],
            message: "Higher input resolution (breaking: 256x256 input)",
        },
        Step {
            day: 0.0,
            model: "churn",
            source: m("churn-1"),
            parents: vec![],
            data: vec![cust.clone()],
            run: "churn-2026-01-05",
            code: "3d4e5f0a1b2c",
            env: "python-3.11+sklearn-1.5.2",
            params: &[("max_depth", "6"), ("n_estimators", "300")],
            metrics: &[("auc", 0.84)],
            message: "Gradient-boosted churn model",
        },
        Step {
            day: 252.0,
            model: "churn",
            source: m("churn-2"),
            parents: vec![],
            data: vec![cust],
            run: "churn-2026-09-14",
            code: "4e5f0a1b2c3d",
            env: "python-3.11+sklearn-1.5.2",
            params: &[("max_depth", "6"), ("n_estimators", "400")],
            metrics: &[("auc", 0.87)],
            message: "Adds contract length as a feature",
        },
    ];
    let mut acts: Vec<Timed> =
        steps.into_iter().map(|st| Timed { day: st.day, act: Act::Register(Box::new(registration(st))) }).collect();
    acts.extend(governance());
    acts.extend(history::acts(dir, start)?);
    // Stable: acts of the same day keep the order they were listed in.
    acts.sort_by(|a, b| a.day.total_cmp(&b.day));
    Ok(Plan { acts })
}

fn registration(st: Step) -> RegisterRequest {
    let code_repo = match st.model {
        "resnet" => VISION,
        "churn" => TABULAR,
        _ => TRAIN,
    };
    RegisterRequest {
        paths: vec![st.source.display().to_string()],
        model: st.model.into(),
        version: None,
        parents: st.parents.iter().map(|(p, r)| ParentLink { parent: p.to_string(), relation: Some(r.to_string()) }).collect(),
        trained_on: st.data.iter().map(|d| d.display().to_string()).collect(),
        params: st.params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        metrics: st.metrics.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        message: st.message.into(),
        code: Some(format!("{code_repo}@{}", st.code)),
        environment: Some(st.env.into()),
        run: Some(st.run.into()),
        ..Default::default()
    }
}

/// Governance history for the demo: the churn models are evaluated per group, approved by a
/// validator (another person than the registrant) and promoted; churn 1.0.0 serves in prod from
/// the spring and 2.0.0 takes a canary share in the autumn; resnet 2.0.0 is in staging.
fn governance() -> Vec<Timed> {
    let metric = |m: &str, v: f64, slice: Option<&str>| MetricInput {
        metric: m.into(),
        value: v,
        slice: slice.map(str::to_string),
        threshold: Some(">= 0.75".into()),
    };
    let mut acts: Vec<Timed> = [("churn@1.0.0", 0.84, 0.79, 20.0), ("churn@2.0.0", 0.87, 0.83, 262.0)]
        .into_iter()
        .map(|(reference, auc, auc65, day)| Timed {
            day,
            act: Act::Validate(Validated {
                reference: reference.into(),
                dataset: "customers@1",
                metrics: vec![
                    metric("auc", auc, None),
                    metric("auc", auc65, Some("age=65+")),
                    metric("auc", auc - 0.02, Some("region=eu")),
                ],
                justification: "independent validation on the customers holdout; all groups above 0.75",
            }),
        })
        .collect();
    let rollout = |day, reference: &str, env, strategy, traffic, reason| Timed {
        day,
        act: Act::Deploy(Rollout { reference: reference.into(), env, strategy, traffic, reason, carrier: None }),
    };
    acts.extend([
        rollout(30.0, "churn@1.0.0", "prod", "full", None, "first production release"),
        rollout(300.0, "churn@2.0.0", "prod", "canary", Some(20), "canary of the contract-length model"),
        rollout(240.0, "resnet@2.0.0", "staging", "full", None, "try the 256 px input"),
    ]);
    acts
}
