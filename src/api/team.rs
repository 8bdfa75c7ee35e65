//! The team roster over the wire: list, start, add or change, remove (see `governance::team`),
//! and the identity of the person acting.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{ApiError, ErrorCode, Session};
use crate::governance::team::{self, Member};

/// The roster now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TeamResponse {
    pub members: Vec<Member>,
    /// The person acting (their key's fingerprint), when this process signs.
    pub me: Option<String>,
}

fn respond(members: Vec<Member>) -> TeamResponse {
    let me = crate::identity::current().ok().flatten().map(|id| id.fingerprint());
    TeamResponse { members, me }
}

/// The person acting: name, email, key fingerprint and the public key line a team owner adds.
pub fn identity_show(_s: &Session) -> Result<crate::identity::IdentityInfo, ApiError> {
    match crate::identity::current() {
        Ok(Some(id)) => Ok(id.info()),
        Err(e) => Err(ApiError::new(ErrorCode::Io, format!("cannot read or make your signing key: {e}"))),
        Ok(None) => Err(ApiError::new(ErrorCode::NotFound, "this program signs nothing (no identity)")),
    }
}

pub fn team_list(s: &Session) -> Result<TeamResponse, ApiError> {
    Ok(respond(team::list(s.ws.catalog.conn())?))
}

/// Starts the roster with the person acting as its owner.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TeamInitRequest {
    /// The owner's name in the roster [default: the actor].
    pub name: Option<String>,
}

pub fn team_init(s: &mut Session, req: &TeamInitRequest) -> Result<TeamResponse, ApiError> {
    let actor = s.actor.clone();
    let name = req.name.clone().unwrap_or_default();
    Ok(respond(s.ws.catalog.write(|tx| team::init(tx, &name, &actor))?))
}

/// Adds a member or changes one's name and roles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TeamSetRequest {
    /// `ssh-ed25519 AAAA…`, an `allowed_signers` line, or a file holding one.
    pub public_key: String,
    pub name: Option<String>,
    pub roles: Vec<String>,
}

pub fn team_set(s: &mut Session, req: &TeamSetRequest) -> Result<TeamResponse, ApiError> {
    let actor = s.actor.clone();
    Ok(respond(s.ws.catalog.write(|tx| team::set(tx, &req.public_key, req.name.as_deref(), &req.roles, &actor))?))
}

/// Removes a member (by key, fingerprint or name).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TeamRemoveRequest {
    pub member: String,
}

pub fn team_remove(s: &mut Session, req: &TeamRemoveRequest) -> Result<TeamResponse, ApiError> {
    if req.member.trim().is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidInput, "name the member to remove (key, fingerprint or name)"));
    }
    let actor = s.actor.clone();
    Ok(respond(s.ws.catalog.write(|tx| team::remove(tx, &req.member, &actor))?))
}

/// The digest of the shared state (`pedigree state-digest`): members who took in the same
/// ledger segments print the same one. Per part, its rows and digest, to find where two differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StateDigestResponse {
    pub digest: String,
    pub parts: Vec<StatePart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StatePart {
    pub name: String,
    pub rows: u32,
    pub digest: String,
}

pub fn state_digest(s: &Session) -> Result<StateDigestResponse, ApiError> {
    let conn = s.ws.catalog.conn();
    let shared = crate::catalog::state::shared(conn)?;
    let parts = shared
        .iter()
        .map(|(name, rows)| StatePart {
            name: name.clone(),
            rows: rows.as_array().map_or(0, |r| r.len() as u32),
            digest: crate::hash::sha256_hex(crate::audit::canonical(rows).as_bytes()),
        })
        .collect();
    let digest = crate::sync::team::state_digest(conn)?;
    Ok(StateDigestResponse { digest, parts })
}

/// Switch post-quantum co-signing on or off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PqSetRequest {
    pub on: bool,
}

fn my_pq_key() -> Result<Option<&'static crate::identity::pq::PqKey>, ApiError> {
    crate::identity::pq_key().map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot read or make your ML-DSA key: {e}")))
}

pub fn pq_set(s: &mut Session, req: &PqSetRequest) -> Result<crate::governance::pq::PqStatus, ApiError> {
    let key = if req.on { my_pq_key()?.map(|k| k.public_key_b64()) } else { None };
    let actor = s.actor.clone();
    Ok(s.ws.catalog.write(|tx| crate::governance::pq::set(tx, req.on, key.as_deref(), &actor))?)
}

pub fn pq_status(s: &Session) -> Result<crate::governance::pq::PqStatus, ApiError> {
    let mine = my_pq_key()?.map(|k| k.public_key_b64());
    Ok(crate::governance::pq::status(s.ws.catalog.conn(), mine.as_deref())?)
}
