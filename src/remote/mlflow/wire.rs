//! The MLflow REST shapes Pedigree reads (`/api/2.0/mlflow/...`, 2.x and 3.x). MLflow omits
//! empty fields, so every field has a default; unknown fields are ignored.

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct AliasRef {
    pub alias: String,
    pub version: String,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct RegisteredModel {
    pub name: String,
    pub description: String,
    pub creation_timestamp: i64,
    pub last_updated_timestamp: i64,
    pub tags: Vec<Tag>,
    pub aliases: Vec<AliasRef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ModelsPage {
    pub registered_models: Vec<RegisteredModel>,
    pub next_page_token: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct ModelVersion {
    pub name: String,
    pub version: String,
    pub creation_timestamp: i64,
    pub last_updated_timestamp: i64,
    pub description: String,
    pub source: String,
    pub run_id: String,
    pub status: String,
    pub current_stage: String,
    pub user_id: String,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct VersionsPage {
    pub model_versions: Vec<ModelVersion>,
    pub next_page_token: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DownloadUri {
    pub artifact_uri: String,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct ArtifactFile {
    pub path: String,
    pub is_dir: bool,
    pub file_size: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ArtifactList {
    pub files: Vec<ArtifactFile>,
}

/// MLflow's error body: `{error_code, message}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ErrorBody {
    pub error_code: String,
    pub message: String,
}
