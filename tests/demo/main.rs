//! The demo workspace is built through the real registration path and shows what the app is
//! for: semver bumps with reasons, parents with relations, datasets with versions, impact.

use pedigree::api::explore::Empty;
use pedigree::api::{self, Session};

#[test]
fn the_demo_registers_a_realistic_lineage() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    api::init_workspace(&root).unwrap();
    let mut s = Session::open(&root, "demo".into()).unwrap();
    let summary = pedigree::api::demo::open_demo(&mut s, &pedigree::progress::ignore).unwrap();
    assert_eq!((summary.models, summary.versions, summary.dataset_versions), (9, 54, 10));
    let show = |r: &str| api::show_version(&s, &api::ShowVersionRequest { reference: r.into(), ..Default::default() }).unwrap();
    // Policy decisions on real files.
    let legal = show("llm-legal@1.0.1");
    assert_eq!(legal.version.summary.bump, "patch", "only the model card changed: {}", legal.version.bump_reason);
    assert_eq!(legal.version.summary.format, "huggingface");
    let resnet = show("resnet@2.0.0");
    assert_eq!(resnet.version.summary.bump, "major");
    assert!(resnet.version.bump_reason.contains("pixels"), "{}", resnet.version.bump_reason);
    assert_eq!(show("resnet@1.1.0").version.summary.bump, "minor");
    let churn = show("churn@2.0.0");
    assert!(churn.version.bump_reason.contains("contract_months"), "{}", churn.version.bump_reason);
    assert_eq!(show("llm-legal/q4@1.0.0").version.summary.format, "gguf");
    // Lineage: relations and transitive impact.
    let q4 = show("llm-legal/q4@1.0.0");
    assert!(q4.upstream.iter().any(|e| e.to == "version:llm-legal@1.0.1" && e.relation.as_deref() == Some("quantized")));
    let imp = api::impact(&s, &api::ImpactRequest { dataset: "web-text@2".into() }).unwrap();
    for v in ["llm-base@1.1.0", "llm-legal@1.0.0", "llm-legal@1.0.1", "llm-small@1.0.0", "llm-legal/q4@1.0.0", "router@1.0.0"] {
        assert!(imp.versions.contains(&format!("version:{v}")), "{v} missing from {:?}", imp.versions);
    }
    assert!(!imp.versions.iter().any(|v| v.contains("resnet") || v.contains("churn") || v.contains("llm-base@1.0.0")));
    // A second demo into a non-empty workspace is refused; the chain is intact.
    assert_eq!(pedigree::api::demo::open_demo(&mut s, &pedigree::progress::ignore).unwrap_err().code, api::ErrorCode::Conflict);
    assert!(api::audit_verify(&s).unwrap().ok);
    let info = api::explore::workspace_info(&s, &Empty {}).unwrap();
    assert_eq!(info.models, 9);
}

/// The demo's history is spread over months: retrains, monthly releases by CI, monitoring that
/// rolled one model back on its own and proposes a rollback of another now, evidence, a drill,
/// a composite system.
#[test]
fn the_demo_history_spans_months() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("ws");
    api::init_workspace(&root).unwrap();
    let mut s = Session::open(&root, "demo".into()).unwrap();
    pedigree::api::demo::open_demo(&mut s, &pedigree::progress::ignore).unwrap();
    let t = api::timeline::model_timeline(&s, &api::timeline::ModelTimelineRequest { model: "fraud".into() }).unwrap();
    assert_eq!(t.points.len(), 40);
    let days = |a: &str, b: &str| {
        let p = |x: &str| chrono::DateTime::parse_from_rfc3339(x).unwrap();
        (p(b) - p(a)).num_days()
    };
    assert!(days(&t.points[0].created_at, &t.points[39].created_at) >= 270, "weekly for 40 weeks");
    let data: std::collections::BTreeSet<&String> = t.points.iter().flat_map(|p| &p.data).collect();
    assert_eq!(data.len(), 4, "monthly transaction snapshots: {data:?}");
    // CI released every fourth retrain with the image that carried it; the last release's AUC
    // dipped and the rule rolled it back by itself.
    let releases: Vec<_> = t.deployments.iter().filter(|d| d.env == "payments").collect();
    assert!(releases.iter().filter(|d| d.carrier.is_some()).count() >= 10, "{releases:?}");
    let monitor = |env: &str| {
        let req = api::monitor::MonitorRequest { env: Some(env.into()), metric: None, limit: None };
        api::monitor::monitor_overview(&s, &req).unwrap()
    };
    let pay = monitor("payments");
    assert_eq!((pay.proposals.len(), pay.proposals[0].status.as_str()), (1, "executed"), "{:?}", pay.proposals);
    assert!(pay.series.len() > 200);
    let prod = monitor("prod");
    assert_eq!((prod.proposals[0].status.as_str(), prod.proposals[0].from.as_str()), ("open", "churn@2.0.0"));
    // "Which model decided this" a hundred days ago in prod: churn 1.0.0 alone, with its evidence.
    let at = (chrono::Utc::now() - chrono::Duration::days(100)).to_rfc3339();
    let d = api::deploy::decision(&s, &api::deploy::DecisionRequest { env: "prod".into(), at: Some(at) }).unwrap();
    assert_eq!(d.deciders.len(), 1);
    assert_eq!((d.deciders[0].deployment.version.as_str(), d.deciders[0].attachments.len()), ("1.0.0", 1));
    let show = |r: &str| api::show_version(&s, &api::ShowVersionRequest { reference: r.into(), ..Default::default() }).unwrap();
    let churn2 = show("churn@2.0.0");
    assert_eq!(churn2.attachments.len(), 2);
    let drills = api::deploy::drills(&s, &api::deploy::DrillRequest { env: None }).unwrap();
    assert!(drills.drills.len() >= 2, "{drills:?}");
    let claims = show("claims-triage@1.0.0");
    assert_eq!(claims.upstream.iter().filter(|e| e.relation.as_deref() == Some("component")).count(), 2);
    // A newer quantization proposes the system's next version.
    let proposals = api::systems::system_proposals(&s).unwrap().proposals;
    assert_eq!((proposals.len(), proposals[0].system.as_str()), (1, "claims-triage"), "{proposals:?}");
    // The history ends before now.
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let log = api::audit_log(&s, &api::AuditLogRequest { limit: Some(1), ..Default::default() }).unwrap();
    assert!(log.events[0].ts < now, "the demo's last event is in the past: {}", log.events[0].ts);
    assert!(t.points.iter().all(|p| p.created_at < now));
    assert!(api::audit_verify(&s).unwrap().ok);
}
