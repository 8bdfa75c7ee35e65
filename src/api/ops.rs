//! The operation table: every operation the UI can call, by name, with its request and response
//! types. `dispatch` is what the HTTP server (`POST /api/<op>`) and the desktop shell (one Tauri
//! command) call, so neither holds any logic; `ops_typescript` emits the matching `Ops` map so
//! the UI's `backend.call(op, req)` is typed end to end.

use serde_json::Value;
use ts_rs::{Config, TS};

use super::explore::{self, Empty, NodeDetailsRequest, SearchNodesRequest};
use super::*;
use crate::progress::OnProgress;

macro_rules! operations {
    ($( $name:ident ( $req:ty ) -> $res:ty = |$s:ident, $r:ident, $p:ident| $body:expr ;)*) => {
        /// Names of every operation.
        pub const NAMES: &[&str] = &[$(stringify!($name)),*];

        /// Runs operation `op` with a JSON request; returns its JSON response. The request is
        /// borrowed: an operation run again (after fetching a version it needed) reads it again.
        pub fn dispatch(session: &mut Session, op: &str, request: &Value, progress: OnProgress<'_>) -> Result<Value, ApiError> {
            match op {
                $(stringify!($name) => {
                    let $r: $req = <$req as serde::Deserialize>::deserialize(request)
                        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("bad request for {}: {e}", stringify!($name))))?;
                    let $s = session;
                    let $p = progress;
                    let _ = (&$p, &$r, &$s);
                    let out: $res = $body?;
                    Ok(serde_json::to_value(out).expect("responses serialise"))
                })*
                _ => Err(ApiError::new(ErrorCode::NotFound, format!("unknown operation {op:?}"))),
            }
        }

        /// Visits every request and response type (the generated TypeScript starts from these).
        pub fn visit_types(v: &mut impl ts_rs::TypeVisitor) {
            $( v.visit::<$req>(); <$req as TS>::visit_generics(v); v.visit::<$res>(); <$res as TS>::visit_generics(v); )*
        }

        /// `export type Ops = { op: { req: …, res: … }, … }` for the UI.
        pub fn ops_typescript(cfg: &Config) -> String {
            let mut out = String::from("export type Ops = {\n");
            $(out.push_str(&format!("  {}: {{ req: {}, res: {} }},\n", stringify!($name), <$req as TS>::name(cfg), <$res as TS>::name(cfg)));)*
            out.push_str("};\n\nexport type OpName = keyof Ops;\n");
            out
        }
    };
}

operations! {
    workspace_info(Empty) -> explore::WorkspaceInfo = |s, r, p| explore::workspace_info(s, &r);
    open_demo(Empty) -> demo::DemoSummary = |s, r, p| demo::open_demo(s, p);
    list_models(ListModelsRequest) -> ListModelsResponse = |s, r, p| list_models(s, &r);
    list_versions(ListVersionsRequest) -> ListVersionsResponse = |s, r, p| list_versions(s, &r);
    model_timeline(timeline::ModelTimelineRequest) -> timeline::ModelTimeline = |s, r, p| timeline::model_timeline(s, &r);
    show_version(ShowVersionRequest) -> ShowVersionResponse = |s, r, p| show_version(s, &r);
    set_alias(aliases::SetAliasRequest) -> crate::governance::aliases::AliasChange = |s, r, p| aliases::set_alias(s, &r);
    remove_alias(aliases::RemoveAliasRequest) -> crate::governance::aliases::AliasChange = |s, r, p| aliases::remove_alias(s, &r);
    list_aliases(aliases::AliasesRequest) -> crate::governance::aliases::ModelAliases = |s, r, p| aliases::list_aliases(s, &r);
    annotations(annotations::AnnotationsRequest) -> crate::governance::annotations::Annotations = |s, r, p| annotations::annotations(s, &r);
    annotate(annotations::AnnotateRequest) -> crate::governance::annotations::Annotations = |s, r, p| annotations::annotate(s, &r);
    attach_file(attachments::AttachRequest) -> attachments::AttachResponse = |s, r, p| attachments::attach_file(s, &r);
    attachments(attachments::AttachmentsRequest) -> attachments::AttachmentList = |s, r, p| attachments::attachments(s, &r);
    diff_versions(diff::DiffRequest) -> crate::registry::diff::VersionDiff = |s, r, p| diff::diff_versions(s, &r);
    search_nodes(SearchNodesRequest) -> explore::SearchNodesResponse = |s, r, p| explore::search_nodes(s, &r);
    node_details(NodeDetailsRequest) -> explore::NodeDetails = |s, r, p| explore::node_details(s, &r);
    lineage(LineageRequest) -> Subgraph = |s, r, p| lineage(s, &r);
    lineage_path(PathRequest) -> Subgraph = |s, r, p| lineage_path(s, &r);
    export_lineage(interchange::ExportLineageRequest) -> interchange::ExportedLineage = |s, r, p| interchange::export_lineage(s, &r);
    import_openlineage(interchange::ImportOpenLineageRequest) -> crate::lineage::openlineage::ImportReport = |s, r, p| interchange::import_openlineage(s, &r);
    lineage_closure(ClosureRequest) -> Vec<String> = |s, r, p| lineage_closure(s, &r);
    impact(ImpactRequest) -> Impact = |s, r, p| impact(s, &r);
    inspect_paths(InspectRequest) -> crate::registry::inspect::InspectResponse = |s, r, p| inspect_paths(s, &r, p);
    register_version(RegisterRequest) -> RegisterResponse = |s, r, p| register_version(s, &r, p);
    record_run(runs::RecordRunRequest) -> runs::RunRecorded = |s, r, p| runs::record_run(s, &r, p);
    recipe(runs::RecipeRequest) -> crate::runs::reproduce::Recipe = |s, r, p| runs::recipe(s, &r);
    system_pin(systems::SystemPinRequest) -> systems::SystemPinned = |s, r, p| systems::system_pin(s, &r, p);
    system_proposals(explore::Empty) -> systems::SystemProposals = |s, r, p| systems::system_proposals(s);
    audit_log(AuditLogRequest) -> AuditLogResponse = |s, r, p| audit_log(s, &r);
    audit_verify(Empty) -> VerifyReport = |s, r, p| audit_verify(s);
    identity_show(Empty) -> crate::identity::IdentityInfo = |s, r, p| team::identity_show(s);
    team_list(Empty) -> team::TeamResponse = |s, r, p| team::team_list(s);
    team_init(team::TeamInitRequest) -> team::TeamResponse = |s, r, p| team::team_init(s, &r);
    team_set(team::TeamSetRequest) -> team::TeamResponse = |s, r, p| team::team_set(s, &r);
    team_remove(team::TeamRemoveRequest) -> team::TeamResponse = |s, r, p| team::team_remove(s, &r);
    remote_add(remotes::RemoteAddRequest) -> crate::remote::RemoteInfo = |s, r, p| remotes::remote_add(s, &r);
    remote_list(Empty) -> remotes::RemoteListResponse = |s, r, p| remotes::remote_list(s);
    remote_remove(remotes::RemoteNameRequest) -> remotes::RemoteListResponse = |s, r, p| remotes::remote_remove(s, &r);
    remote_schedule(remotes::RemoteScheduleRequest) -> crate::remote::RemoteInfo = |s, r, p| remotes::remote_schedule(s, &r);
    remote_test(remotes::RemoteNameRequest) -> crate::remote::RemoteTest = |s, r, p| remotes::remote_test(s, &r);
    list_conflicts(Empty) -> remotes::ConflictList = |s, r, p| remotes::list_conflicts(s);
    resolve_conflict(remotes::ResolveConflictRequest) -> crate::catalog::remotes::Conflict = |s, r, p| remotes::resolve_conflict(s, &r);
    versions_not_here(Empty) -> remotes::NotHereList = |s, r, p| remotes::versions_not_here(s);
    push_version(remotes::PushRequest) -> remotes::PushResponse = |s, r, p| remotes::push_version(s, &r);
    pull_artifact(remotes::PullRequest) -> crate::sync::oneoff::Pulled = |s, r, p| remotes::pull_artifact(s, &r);
    fetch_remote(remotes::FetchRequest) -> crate::sync::SyncReport = |s, r, p| remotes::fetch_remote(s, &r, p);
    sync_remote(remotes::SyncRequest) -> crate::sync::SyncReport = |s, r, p| remotes::sync_remote(s, &r, p);
    store_add(stores::StoreAddRequest) -> crate::index::StoreInfo = |s, r, p| stores::store_add(s, &r);
    store_list(Empty) -> stores::StoreListResponse = |s, r, p| stores::store_list(s);
    store_remove(stores::StoreNameRequest) -> stores::StoreListResponse = |s, r, p| stores::store_remove(s, &r);
    index_stores(stores::IndexRequest) -> stores::IndexResponse = |s, r, p| stores::index_stores(s, &r, p);
    list_artifacts(stores::ListArtifactsRequest) -> stores::ListArtifactsResponse = |s, r, p| stores::list_artifacts(s, &r);
    stage_artifact(stores::ArtifactRequest) -> crate::index::StagedArtifact = |s, r, p| stores::stage_artifact(s, &r, p);
    approve_version(governance::ApproveRequest) -> crate::governance::Gate = |s, r, p| governance::approve(s, &r);
    set_policy(governance::PolicyRequest) -> Vec<String> = |s, r, p| governance::set_policy(s, &r);
    promote_version(governance::PromoteRequest) -> String = |s, r, p| governance::promote(s, &r);
    evaluate_version(governance::EvaluateRequest) -> governance::EvaluateResponse = |s, r, p| governance::evaluate(s, &r);
    version_governance(governance::VersionRequest) -> governance::VersionGovernance = |s, r, p| governance::version_governance(s, &r);
    deploy_version(deploy::DeployRequest) -> Vec<crate::governance::deploy::Deployment> = |s, r, p| deploy::deploy(s, &r);
    rollback_env(deploy::RollbackRequest) -> Vec<crate::governance::deploy::Deployment> = |s, r, p| deploy::rollback(s, &r);
    set_environment(deploy::EnvRequest) -> crate::governance::deploy::Environment = |s, r, p| deploy::set_environment(s, &r);
    serving_at(deploy::ServingRequest) -> deploy::Serving = |s, r, p| deploy::serving(s, &r);
    deploy_manifest(deploy::DeployManifestRequest) -> deploy::ManifestDeployed = |s, r, p| deploy::deploy_manifest(s, &r);
    decision(deploy::DecisionRequest) -> crate::governance::decision::Decision = |s, r, p| deploy::decision(s, &r);
    monitor_import(monitor::MonitorImportRequest) -> crate::governance::monitor::Imported = |s, r, p| monitor::monitor_import(s, &r);
    monitor_rule_add(monitor::MonitorRuleRequest) -> monitor::MonitorRuleAdded = |s, r, p| monitor::monitor_rule_add(s, &r);
    monitor_rule_remove(monitor::MonitorRuleRequest) -> crate::governance::monitor::Rule = |s, r, p| monitor::monitor_rule_remove(s, &r);
    decide_proposal(monitor::ProposalDecision) -> crate::governance::monitor::Proposal = |s, r, p| monitor::decide_proposal(s, &r);
    monitor_overview(monitor::MonitorRequest) -> monitor::MonitorOverview = |s, r, p| monitor::monitor_overview(s, &r);
    drill(deploy::DrillRequest) -> deploy::DrillResponse = |s, r, p| deploy::drill(s, &r);
    drills(deploy::DrillRequest) -> deploy::DrillResponse = |s, r, p| deploy::drills(s, &r);
    deployments(deploy::TimelineRequest) -> deploy::Timeline = |s, r, p| deploy::deployments(s, &r);
    erase_subject(erasure::EraseRequest) -> crate::governance::erasure::Erasure = |s, r, p| erasure::erase(s, &r);
    resolve_erasure(erasure::ResolveErasureRequest) -> crate::governance::erasure::Erasure = |s, r, p| erasure::resolve_erasure(s, &r);
    erasures(Empty) -> erasure::ErasureList = |s, r, p| erasure::erasures(s);
    audit_checkpoint(Empty) -> crate::audit::checkpoint::Checkpoint = |s, r, p| report::checkpoint(s);
    report_preview(governance::VersionRequest) -> report::ReportPreview = |s, r, p| report::report_preview(s, &r);
    build_report(report::ReportRequest) -> crate::report::bundle::ReportBundle = |s, r, p| report::build_report(s, &r, p);
    verify_bundle(report::VerifyBundleRequest) -> crate::report::verify::BundleVerification = |s, r, p| report::verify_bundle(&r);
}
