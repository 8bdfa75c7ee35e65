//! Composite systems and their wire types: pin components into a new system version (the
//! semver rule over the components' bumps), and the versions new components propose.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ApiError, ErrorCode, ParentLink, RegisterRequest, RegisterResponse, Session};
use crate::progress::OnProgress;
use crate::registry::system::{self, SystemError, SystemPlan};

impl From<SystemError> for ApiError {
    fn from(e: SystemError) -> Self {
        let code = match &e {
            SystemError::Catalog(_) => ErrorCode::Internal,
            SystemError::UnknownComponent(_) => ErrorCode::NotFound,
            SystemError::Unchanged(_) => ErrorCode::Conflict,
            SystemError::Name(_) | SystemError::Twice(_) | SystemError::Empty | SystemError::ItSelf(_) => ErrorCode::InvalidInput,
        };
        let field =
            matches!(e, SystemError::UnknownComponent(_) | SystemError::Twice(_) | SystemError::Empty | SystemError::ItSelf(_))
                .then_some("components");
        ApiError::new(code, e.to_string()).on(field)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SystemPinRequest {
    pub system: String,
    /// `MODEL@VERSION` per component line to pin (the others keep their pins); none: every
    /// component moves to its newest version.
    pub components: Vec<String>,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SystemPinned {
    pub plan: SystemPlan,
    pub registered: RegisterResponse,
}

/// Registers the next version of a system.
pub fn system_pin(s: &mut Session, req: &SystemPinRequest, progress: OnProgress<'_>) -> Result<SystemPinned, ApiError> {
    let plan = system::plan(s.ws.catalog.conn(), &req.system, &req.components)?;
    let dir = tempfile::TempDir::new_in(&s.ws.root).map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))?;
    let file = dir.path().join(system::FILE);
    std::fs::write(&file, system::file_bytes(&plan)).map_err(|e| ApiError::new(ErrorCode::Io, e.to_string()))?;
    let changed: Vec<String> = plan
        .changes
        .iter()
        .map(|c| format!("{} {}→{}", c.model, c.from.as_deref().unwrap_or("∅"), c.to.as_deref().unwrap_or("∅")))
        .collect();
    let message = if req.message.is_empty() { format!("system: {}", changed.join(", ")) } else { req.message.clone() };
    let reg = RegisterRequest {
        paths: vec![file.display().to_string()],
        model: plan.system.clone(),
        version: Some(plan.version.clone()),
        parents: plan
            .components
            .iter()
            .map(|p| ParentLink { parent: format!("{}@{}", p.model, p.version), relation: Some("component".into()) })
            .collect(),
        message,
        ..RegisterRequest::default()
    };
    let registered = super::register_version(s, &reg, progress)?;
    Ok(SystemPinned { plan, registered })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SystemProposals {
    pub proposals: Vec<SystemPlan>,
}

/// The system versions new component versions propose.
pub fn system_proposals(s: &Session) -> Result<SystemProposals, ApiError> {
    Ok(SystemProposals { proposals: system::proposals(s.ws.catalog.conn())? })
}
