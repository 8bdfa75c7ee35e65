//! Aliases: named pointers to a model's versions (`churn@champion`), moved by people and synced
//! with registries that have them (MLflow). `MODEL@ALIAS` is accepted wherever `MODEL@VERSION`
//! is ([`super::resolve`]); every move is an audit event, and the moves are kept so that what an
//! alias pointed to at a past instant can be answered.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use super::{GovError, resolve};
use crate::audit;
use crate::catalog::aliases::{self, Alias, AliasMove};
use crate::catalog::models;
use crate::ids;

/// What a set or remove did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AliasChange {
    pub model: String,
    pub alias: String,
    /// Where the alias points now (none: removed).
    pub version: Option<String>,
    /// Where it pointed before (none: it is new).
    pub previous: Option<String>,
    #[ts(type = "number")]
    pub audit_seq: i64,
}

/// A model's aliases now, and every move of them, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ModelAliases {
    pub model: String,
    pub aliases: Vec<Alias>,
    pub moves: Vec<AliasMove>,
}

/// An alias name: a letter, then letters, digits, `_` or `-` (at most 64). Not something a
/// version could be (`v3` is reserved by MLflow for its version numbers, `latest` by both).
pub fn validate_alias(alias: &str) -> Result<(), GovError> {
    let bad = |expected| Err(GovError::BadValue { field: "alias", value: alias.to_string(), expected });
    let mut chars = alias.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        || alias.len() > 64
        || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return bad("an alias starts with a letter, then letters, digits, '_' or '-' (at most 64), e.g. champion");
    }
    let numbered = alias.strip_prefix(['v', 'V']).is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
    if numbered || alias.eq_ignore_ascii_case("latest") {
        return bad("'latest' and v<number> are reserved (they name versions in MLflow); choose another name");
    }
    Ok(())
}

/// Points `alias` at the version `reference` names (itself `MODEL@VERSION` or `MODEL@ALIAS`).
pub fn set(conn: &Connection, reference: &str, alias: &str, actor: &str) -> Result<AliasChange, GovError> {
    validate_alias(alias)?;
    let v = resolve(conn, reference)?;
    let current = aliases::target(conn, v.model_id, alias)?;
    if current.as_deref() == Some(v.version.as_str()) {
        let seq = aliases::of_model(conn, v.model_id)?.into_iter().find(|a| a.alias == alias).map_or(0, |a| a.audit_seq);
        return Ok(AliasChange {
            model: v.model,
            alias: alias.into(),
            version: current.clone(),
            previous: current,
            audit_seq: seq,
        });
    }
    let now = audit::now();
    let payload = json!({"alias": alias, "version": v.version, "previous": current});
    let seq = audit::append(conn, &now, actor, "set_alias", &ids::model_node(&v.model), &payload)?;
    let previous = aliases::set(conn, v.model_id, alias, v.id, actor, &now, seq)?;
    Ok(AliasChange { model: v.model, alias: alias.into(), version: Some(v.version), previous, audit_seq: seq })
}

/// Removes an alias of a model.
pub fn remove(conn: &Connection, model: &str, alias: &str, actor: &str) -> Result<AliasChange, GovError> {
    let model_id = model_id(conn, model)?;
    let Some(current) = aliases::target(conn, model_id, alias)? else {
        return Err(GovError::BadValue {
            field: "alias",
            value: alias.into(),
            expected: "name an alias the model has (see `pedigree aliases MODEL`)",
        });
    };
    let now = audit::now();
    let payload = json!({"alias": alias, "previous": current});
    let seq = audit::append(conn, &now, actor, "remove_alias", &ids::model_node(model), &payload)?;
    let previous = aliases::remove(conn, model_id, alias, actor, &now, seq)?;
    Ok(AliasChange { model: model.into(), alias: alias.into(), version: None, previous, audit_seq: seq })
}

/// A model's aliases and their moves.
pub fn of_model(conn: &Connection, model: &str) -> Result<ModelAliases, GovError> {
    let model_id = model_id(conn, model)?;
    Ok(ModelAliases { model: model.into(), aliases: aliases::of_model(conn, model_id)?, moves: aliases::moves(conn, model_id)? })
}

/// The version `name` stands for: itself when it is a version (an alias cannot look like one),
/// else where the alias points now or pointed at instant `at`.
pub(super) fn version_of(conn: &Connection, model_id: i64, name: &str, at: Option<&str>) -> Result<Option<String>, GovError> {
    if validate_alias(name).is_err() {
        return Ok(Some(name.to_string()));
    }
    Ok(match at {
        Some(at) => aliases::target_at(conn, model_id, name, at)?,
        None => aliases::target(conn, model_id, name)?,
    })
}

/// A lineage node id with a version node's alias resolved (`version:churn@champion` →
/// `version:churn@2.0.0`); other ids as given.
pub fn canonical_node(conn: &Connection, node: &str) -> Result<String, GovError> {
    match node.strip_prefix("version:") {
        Some(r) if ids::split_ref(r).is_ok_and(|(_, name)| validate_alias(name).is_ok()) => Ok(resolve(conn, r)?.node),
        _ => Ok(node.to_string()),
    }
}

fn model_id(conn: &Connection, model: &str) -> Result<i64, GovError> {
    models::model_id(conn, model)?.ok_or_else(|| GovError::UnknownModel(model.to_string()))
}
