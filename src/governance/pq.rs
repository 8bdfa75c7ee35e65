//! Post-quantum co-signing, switched on per workspace — or per team, since the switch is an
//! audit event the ledger carries: `pedigree pq on` records `pq_cosign` (an owner's, once there
//! is a roster), after which checkpoints, ledger segments and federated bundles carry an
//! ML-DSA-65 co-signature beside Ed25519. Each person's ML-DSA public key is announced in the log
//! (in `pq_cosign`, or in `pq_key` the first time someone else co-signs), inside an event their
//! Ed25519 key signs: that binds the two keys, and lets `audit verify` find the key a
//! checkpoint's co-signature names.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;

use super::GovError;
use crate::audit;
use crate::catalog::{CatalogError, audit_rows, roster};
use crate::identity::pq::{self, PqKey};

/// Whether co-signing is on, and with which keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PqStatus {
    pub on: bool,
    pub alg: String,
    /// Announced ML-DSA keys by name (`mldsa65:…`).
    pub keys: Vec<String>,
    /// This person's key name, when they have one.
    pub mine: Option<String>,
}

/// Whether co-signing is on here (the newest `pq_cosign` event says so).
pub fn is_on(conn: &Connection) -> Result<bool, CatalogError> {
    Ok(audit_rows::latest_of(conn, "pq_cosign")?
        .and_then(|r| serde_json::from_str::<Value>(&r.payload).ok())
        .is_some_and(|p| p["on"] == true))
}

/// The key this process's person co-signs with: theirs when co-signing is on here, else `None`.
/// Checkpoints, report bundles, ledger segments and federated bundles all ask this.
pub fn co_signer(conn: &Connection) -> Result<Option<&'static PqKey>, CatalogError> {
    match is_on(conn)? {
        true => crate::identity::pq_key().map_err(|e| CatalogError::Signer(format!("your ML-DSA key: {e}"))),
        false => Ok(None),
    }
}

/// Switches co-signing on or off (an owner, once there is a roster). `public_key` (base64) is the
/// switching person's ML-DSA key, announced with it.
pub fn set(conn: &Connection, on: bool, public_key: Option<&str>, actor: &str) -> Result<PqStatus, GovError> {
    if roster::exists(conn)? {
        super::team::require_owner(conn, "switches co-signing")?;
    }
    if is_on(conn)? != on {
        let mut payload = json!({"on": on, "alg": pq::ALG});
        if let (true, Some(k)) = (on, public_key) {
            payload["publicKey"] = json!(k);
        }
        audit::append(conn, &audit::now(), actor, "pq_cosign", "team", &payload)?;
    }
    status(conn, public_key)
}

/// Announces `key` in the log (a `pq_key` event) unless it is already.
pub fn announce(conn: &Connection, key: &PqKey, actor: &str) -> Result<(), CatalogError> {
    let name = pq::key_name(&key.public_key());
    if !keys(conn)?.contains_key(&name) {
        audit::append(conn, &audit::now(), actor, "pq_key", "team", &json!({"alg": pq::ALG, "publicKey": key.public_key_b64()}))?;
    }
    Ok(())
}

/// Every ML-DSA key announced in the log, by name.
pub fn keys(conn: &Connection) -> Result<HashMap<String, Vec<u8>>, CatalogError> {
    let mut out = HashMap::new();
    for (_, payload) in audit_rows::payloads_of(conn, &["pq_cosign", "pq_key"])? {
        let p: Value = serde_json::from_str(&payload).unwrap_or_default();
        if let Some(bytes) = p["publicKey"].as_str().and_then(|k| B64.decode(k).ok()) {
            out.insert(pq::key_name(&bytes), bytes);
        }
    }
    Ok(out)
}

pub fn status(conn: &Connection, mine: Option<&str>) -> Result<PqStatus, GovError> {
    let mut names: Vec<String> = keys(conn)?.into_keys().collect();
    names.sort();
    Ok(PqStatus {
        on: is_on(conn)?,
        alg: pq::ALG.into(),
        keys: names,
        mine: mine.and_then(|k| B64.decode(k).ok()).map(|b| pq::key_name(&b)),
    })
}
