//! Report operations and their wire types: signed checkpoints of the audit log, report bundles
//! (build, preview), and offline verification of a bundle.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::governance::VersionRequest;
use super::{ApiError, ErrorCode, Session};
use crate::audit::checkpoint::{self, Checkpoint};

/// Signs a checkpoint of the audit log as it is now (reused when nothing was appended since).
/// Signed by the workspace's key, by the person's (a second signature line) and, with
/// post-quantum co-signing on, by their ML-DSA-65 key (announced in the log first).
pub fn checkpoint(s: &mut Session) -> Result<Checkpoint, ApiError> {
    let key = s.ws.signing_key()?;
    let person = crate::identity::current().map_err(|e| ApiError::new(ErrorCode::Io, format!("your signing key: {e}")))?;
    let pq = crate::governance::pq::co_signer(s.ws.catalog.conn())?;
    if let Some(k) = pq {
        let actor = s.actor.clone();
        s.ws.catalog.write(|tx| crate::governance::pq::announce(tx, k, &actor))?;
    }
    let conn = s.ws.catalog.conn();
    let leaves = checkpoint::leaves(conn)?;
    if let Some(c) = checkpoint::latest(conn)? {
        if c.size == leaves.len() as u64 {
            return Ok(c);
        }
    }
    let mut c = checkpoint::sign(&key, leaves.len() as u64, &crate::audit::merkle::root(&leaves));
    if let Some(me) = person {
        c = checkpoint::co_sign(c, me, pq);
    }
    let now = crate::audit::now();
    s.ws.catalog.write(|tx| checkpoint::store(tx, &c, &now))?;
    Ok(c)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReportRequest {
    /// `MODEL@VERSION`.
    pub reference: String,
    /// Folder to create; default `<workspace>/reports/<model>@<version>-<timestamp>`.
    pub out_dir: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReportPreview {
    pub html: String,
}

impl From<crate::report::ReportError> for ApiError {
    fn from(e: crate::report::ReportError) -> Self {
        use crate::report::ReportError;
        match e {
            ReportError::Gov(g) => g.into(),
            ReportError::Catalog(c) => c.into(),
            ReportError::Exists { .. }
            | ReportError::NoParent { .. }
            | ReportError::Io { .. }
            | ReportError::SigningKey(_)
            | ReportError::PersonalKey(_)
            | ReportError::NoPublicKey
            | ReportError::CheckpointMismatch { .. }
            | ReportError::Pdf { .. } => ApiError::new(ErrorCode::Io, e.to_string()),
        }
    }
}

/// Folder holding bundles written without an explicit `outDir`.
pub const REPORTS_DIR: &str = "reports";

/// Builds the report bundle (signing a checkpoint of the log first).
pub fn build_report(
    s: &mut Session,
    req: &ReportRequest,
    progress: crate::progress::OnProgress<'_>,
) -> Result<crate::report::bundle::ReportBundle, ApiError> {
    let now = crate::audit::now();
    let facts = crate::report::gather(s.ws.catalog.conn(), &req.reference, &s.actor, &now)?;
    let cp = checkpoint(s)?;
    let out = match &req.out_dir {
        Some(d) if !d.trim().is_empty() => std::path::PathBuf::from(d),
        _ => {
            let subj = &facts.report.subject;
            let stamp = now.replace([':', '-'], "").replace('.', "");
            s.ws.root.join(REPORTS_DIR).join(format!("{}@{}-{}", subj.model.replace('/', "~"), subj.version, stamp))
        }
    };
    Ok(crate::report::bundle::write(&s.ws, facts, &cp, &out, progress)?)
}

/// The report as HTML, for a preview (nothing written).
pub fn report_preview(s: &Session, req: &VersionRequest) -> Result<ReportPreview, ApiError> {
    let facts = crate::report::gather(s.ws.catalog.conn(), &req.reference, &s.actor, &crate::audit::now())?;
    let cp = crate::audit::checkpoint::latest(s.ws.catalog.conn())?;
    Ok(ReportPreview { html: crate::report::bundle::preview(&s.ws, facts, cp.as_ref()) })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct VerifyBundleRequest {
    pub dir: String,
    /// Hex public key the signer must have (pinning); otherwise the bundle's own key is used and
    /// its fingerprint reported.
    pub key: Option<String>,
}

/// Verifies a report bundle offline (needs nothing but the folder).
pub fn verify_bundle(req: &VerifyBundleRequest) -> Result<crate::report::verify::BundleVerification, ApiError> {
    Ok(crate::report::verify::verify(std::path::Path::new(&req.dir), req.key.as_deref()))
}
