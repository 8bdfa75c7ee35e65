//! The one error type every operation returns: a stable `code` for programs and a `message`
//! for people (one line, says what to do).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::catalog::CatalogError;
use crate::registry::RegisterError;
use crate::sniff::SniffError;
use crate::workspace::WorkspaceError;

/// Machine-readable error class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed (bad name, bad version, bad reference).
    InvalidInput,
    /// A named thing does not exist.
    NotFound,
    /// The request conflicts with what exists (duplicate or older version).
    Conflict,
    /// An input file is corrupt or unsafe (would run code).
    BadFile,
    /// Reading or writing failed.
    Io,
    /// A bug or a damaged catalog.
    Internal,
    /// The server refused the request before any operation ran: wrong host, another web page's
    /// origin, or no session secret.
    Denied,
}

/// An operation's failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// The request field at fault (camelCase, as sent), when one is: the UI marks it, the CLI
    /// names its flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
    /// The version reference (`MODEL@VERSION`, `MODEL@ALIAS`) that is not here, when that is
    /// the failure: its files may be on a remote a `--metadata-only` sync recorded, and are then
    /// fetched and the operation run again (`remotes::fetch_needed`). Not sent.
    #[serde(skip)]
    #[ts(skip)]
    pub missing: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), field: None, missing: None }
    }

    /// The same error, about request field `field` (when there is one).
    pub fn on(mut self, field: Option<&str>) -> ApiError {
        self.field = field.map(str::to_string);
        self
    }
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        ApiError::new(ErrorCode::Internal, e.to_string())
    }
}

impl From<WorkspaceError> for ApiError {
    fn from(e: WorkspaceError) -> Self {
        let code = match &e {
            WorkspaceError::NotFound(_) => ErrorCode::NotFound,
            WorkspaceError::Io { .. } | WorkspaceError::Key(_) | WorkspaceError::Cas(_) => ErrorCode::Io,
            WorkspaceError::Catalog(_) => ErrorCode::Internal,
        };
        ApiError::new(code, e.to_string())
    }
}

impl From<crate::ids::NameError> for ApiError {
    fn from(e: crate::ids::NameError) -> Self {
        ApiError::new(ErrorCode::InvalidInput, e.to_string())
    }
}

impl From<RegisterError> for ApiError {
    fn from(e: RegisterError) -> Self {
        use RegisterError as R;
        let code = match &e {
            R::Name(_)
            | R::NoFiles
            | R::DuplicatePath(_)
            | R::InvalidRelation(_)
            | R::RelationCount { .. }
            | R::KeyValue { .. }
            | R::UnsafeWithoutReason => ErrorCode::InvalidInput,
            R::MissingExternalData { .. } => ErrorCode::BadFile,
            R::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => ErrorCode::NotFound,
            R::Io { .. } | R::Cas(_) => ErrorCode::Io,
            R::Sniff(SniffError::Io { .. }) => ErrorCode::Io,
            R::Sniff(_) => ErrorCode::BadFile,
            R::Catalog(_) => ErrorCode::Internal,
            R::VersionExists { .. } | R::VersionNotGreater { .. } | R::ChangedSinceIndexed(_) => ErrorCode::Conflict,
            R::UnknownParent(_) | R::UnknownDataset(_) => ErrorCode::NotFound,
        };
        ApiError::new(code, e.to_string()).on(e.field())
    }
}

impl From<crate::index::StoreError> for ApiError {
    fn from(e: crate::index::StoreError) -> Self {
        use crate::index::StoreError as S;
        let code = match &e {
            S::Catalog(_) | S::Workspace(_) => ErrorCode::Internal,
            S::Name(_) | S::BadUri(_) | S::BadEndpoint(_) | S::HalfCredentials | S::DvcFile { .. } | S::RemoteWatch(_) => {
                ErrorCode::InvalidInput
            }
            S::Exists(_) => ErrorCode::Conflict,
            S::Unknown(_) | S::UnknownArtifact(_) => ErrorCode::NotFound,
            S::Local { .. } | S::Remote { .. } | S::Watch(_) | S::Sealed { .. } => ErrorCode::Io,
        };
        ApiError::new(code, e.to_string()).on(e.field())
    }
}
