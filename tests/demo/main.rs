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
    assert_eq!((summary.models, summary.versions, summary.dataset_versions), (7, 12, 6));
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
    assert_eq!(info.models, 7);
}
