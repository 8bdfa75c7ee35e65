//! `pedigree verify DIR`: checks a report bundle offline and names every check that fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::bundle::{MANIFEST, PAYLOAD_TYPE, fingerprint, pae};
use crate::audit::wire::WireEvent;
use crate::audit::{self, checkpoint, merkle};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BundleVerification {
    pub ok: bool,
    /// Hex SHA-256 of the signing key.
    pub fingerprint: Option<String>,
    pub checks: Vec<Check>,
}

struct Checks(Vec<Check>);

impl Checks {
    fn add(&mut self, name: &str, ok: bool, detail: impl Into<String>) -> bool {
        self.0.push(Check { name: name.into(), ok, detail: detail.into() });
        ok
    }
}

fn files_under(dir: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.path().strip_prefix(dir).ok().map(|p| p.to_string_lossy().replace('\\', "/")))
        .collect()
}

/// The envelope's signatures beyond the workspace's: the person's (`keys/person.pub`) and the
/// ML-DSA-65 co-signature (`keys/mldsa65.pub`), each checked over the same PAE bytes when its key
/// is in the bundle (both keys are listed files, vouched for by the first signature). Returns the
/// ML-DSA key by name, for the checkpoint's co-signature line.
fn co_signatures(dir: &Path, envelope: &Value, signed: &[u8], c: &mut Checks) -> std::collections::HashMap<String, Vec<u8>> {
    let sig_of = |keyid: &str| {
        envelope["signatures"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["keyid"] == keyid)
            .and_then(|s| s["sig"].as_str())
            .and_then(|s| B64.decode(s).ok())
    };
    if let Ok(line) = std::fs::read_to_string(dir.join("keys/person.pub")) {
        let ok = crate::identity::ssh::parse_public_key_line(line.trim()).ok().map(|pk| {
            let fp = crate::identity::ssh::fingerprint(&pk);
            let good = sig_of(&fp).is_some_and(|sig| {
                ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, pk).verify(signed, &sig).is_ok()
            });
            (good, fp)
        });
        match ok {
            Some((good, fp)) => {
                c.add("person's signature", good, format!("the manifest signed by the person who made the report, {fp}"))
            }
            None => c.add("person's signature", false, "keys/person.pub is not an ssh-ed25519 key line"),
        };
    }
    let mut keys = std::collections::HashMap::new();
    if let Ok(text) = std::fs::read_to_string(dir.join("keys/mldsa65.pub")) {
        let pk = B64.decode(text.trim()).unwrap_or_default();
        let name = crate::identity::pq::key_name(&pk);
        let good = sig_of(&name).is_some_and(|sig| crate::identity::pq::verify(&pk, signed, &sig).is_ok());
        c.add("ML-DSA-65 co-signature", good, format!("the manifest co-signed (post-quantum) by {name}"));
        keys.insert(name, pk);
    }
    keys
}

/// Verifies the bundle in `dir`; `key` (hex) pins the signer's public key.
pub fn verify(dir: &Path, key: Option<&str>) -> BundleVerification {
    let mut c = Checks(Vec::new());
    let fp = run(dir, key, &mut c);
    let ok = !c.0.is_empty() && c.0.iter().all(|k| k.ok);
    BundleVerification { ok, fingerprint: fp, checks: c.0 }
}

fn run(dir: &Path, pinned: Option<&str>, c: &mut Checks) -> Option<String> {
    if !dir.is_dir() {
        c.add("bundle", false, format!("{} is not a folder", dir.display()));
        return None;
    }
    // 1. Key and manifest signature.
    let key_hex = std::fs::read_to_string(dir.join("keys/ed25519.pub")).unwrap_or_default().trim().to_string();
    let public = match hex::decode(&key_hex) {
        Ok(k) if k.len() == 32 => k,
        _ => {
            c.add("signing key", false, "keys/ed25519.pub is missing or not a 32-byte hex Ed25519 key");
            return None;
        }
    };
    let fp = fingerprint(&public);
    if let Some(pin) = pinned {
        if !c.add("pinned key", pin.trim().eq_ignore_ascii_case(&key_hex), "the bundle's key must equal the pinned key") {
            return Some(fp);
        }
    }
    let envelope: Value = match std::fs::read(dir.join(MANIFEST)).ok().and_then(|b| serde_json::from_slice(&b).ok()) {
        Some(v) => v,
        None => {
            c.add("manifest", false, format!("{MANIFEST} is missing or not JSON"));
            return Some(fp);
        }
    };
    let body = B64.decode(envelope["payload"].as_str().unwrap_or_default()).unwrap_or_default();
    let sig = envelope["signatures"][0]["sig"].as_str().and_then(|s| B64.decode(s).ok()).unwrap_or_default();
    let pk = ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &public);
    let signed = envelope["payloadType"] == PAYLOAD_TYPE && pk.verify(&pae(PAYLOAD_TYPE, &body), &sig).is_ok();
    if !c.add("manifest signature", signed, format!("DSSE envelope signed by key {}", &fp[..16])) {
        return Some(fp);
    }
    let statement: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let pq_keys = co_signatures(dir, &envelope, &pae(PAYLOAD_TYPE, &body), c);

    // 2. Every file's digest; nothing missing or unlisted.
    let mut listed = BTreeMap::new();
    for s in statement["subject"].as_array().into_iter().flatten() {
        listed.insert(
            s["name"].as_str().unwrap_or_default().to_string(),
            s["digest"]["sha256"].as_str().unwrap_or_default().to_string(),
        );
    }
    let present = files_under(dir);
    let mut bad = Vec::new();
    for (name, want) in &listed {
        match std::fs::read(dir.join(name)) {
            Ok(bytes) if crate::hash::sha256_hex(&bytes) == *want => {}
            Ok(_) => bad.push(format!("{name}: content changed (SHA-256 differs from the manifest)")),
            Err(_) => bad.push(format!("{name}: missing")),
        }
    }
    for extra in present.iter().filter(|p| *p != MANIFEST && !listed.contains_key(*p)) {
        bad.push(format!("{extra}: not listed in the manifest"));
    }
    c.add(
        "file digests",
        bad.is_empty(),
        if bad.is_empty() { format!("{} files match the signed manifest", listed.len()) } else { bad.join("; ") },
    );

    // 3. Checkpoint and the report's integrity block.
    let note = std::fs::read_to_string(dir.join("log/checkpoint.txt")).unwrap_or_default();
    let cp = match checkpoint::verify(&note, &public) {
        Ok(cp) => {
            c.add("checkpoint signature", true, format!("tree of {} events, root {}", cp.size, cp.root));
            // Its other signature lines: the person who made it, an ML-DSA-65 co-signature by the
            // bundle's ML-DSA key (others cannot be checked here and are left alone).
            match checkpoint::co_signatures(&note, &pq_keys) {
                Ok((None, false)) => {}
                Ok((person, pq)) => {
                    let by =
                        person.map(|p| format!("signed by {p}")).into_iter().chain(pq.then(|| "co-signed ML-DSA-65".to_string()));
                    c.add("checkpoint co-signatures", true, by.collect::<Vec<_>>().join(", "));
                }
                Err(e) if e.contains("never announced") => {}
                Err(e) => {
                    c.add("checkpoint co-signatures", false, e);
                }
            }
            Some(cp)
        }
        Err(e) => {
            c.add("checkpoint signature", false, e);
            None
        }
    };
    let report: Value =
        std::fs::read(dir.join("report.json")).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or(Value::Null);
    if let Some(cp) = &cp {
        let i = &report["integrity"];
        c.add(
            "report integrity block",
            i["logSize"] == cp.size.to_string()
                && i["rootHash"] == cp.root.as_str()
                && statement["predicate"]["checkpoint"]["rootHash"] == cp.root.as_str(),
            "report.json and the manifest name the checkpoint's tree size and root",
        );
        c.add(
            "report subject",
            report["subject"]["rootDigest"] == statement["predicate"]["rootDigest"],
            "report.json and the manifest name the same model root digest",
        );
    }

    // 4. Cited events: hashes, chain links, inclusion proofs.
    let entries: Vec<WireEvent> = std::fs::read_to_string(dir.join("log/entries.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(audit::wire::read_line)
        .collect();
    let proofs: Value =
        std::fs::read(dir.join("log/proofs.json")).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or(Value::Null);
    let by_seq: BTreeMap<i64, &Value> =
        proofs["proofs"].as_array().into_iter().flatten().map(|p| (p["seq"].as_i64().unwrap_or(-1), p)).collect();
    let mut problems = Vec::new();
    let root = cp.as_ref().and_then(|cp| B64.decode(&cp.root).ok()).and_then(|r| <[u8; 32]>::try_from(r).ok());
    let mut signers = BTreeSet::new();
    for (k, e) in entries.iter().enumerate() {
        let prev_hash = match e.check() {
            Ok(p) => p,
            Err(why) => {
                problems.push(format!("event {}: {why}", e.seq));
                continue;
            }
        };
        signers.extend(e.signer.clone());
        if let Some(prev) = k.checked_sub(1).map(|j| &entries[j])
            && prev.seq + 1 == e.seq
            && prev.hash != prev_hash
        {
            problems.push(format!("event {}: prev_hash does not link to event {}", e.seq, prev.seq));
        }
        let leaf = merkle::leaf_hash(e.record.as_bytes());
        let Some(p) = by_seq.get(&e.seq) else {
            problems.push(format!("event {}: no inclusion proof", e.seq));
            continue;
        };
        let path: Vec<merkle::Hash> = p["path"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h.as_str().and_then(|h| hex::decode(h).ok()).and_then(|b| <[u8; 32]>::try_from(b).ok()))
            .collect();
        let size = cp.as_ref().map_or(0, |cp| cp.size);
        let proven = root.is_some_and(|r| merkle::verify_inclusion(&leaf, (e.seq - 1) as u64, size, &path, &r));
        if !proven {
            problems.push(format!("event {}: inclusion proof does not lead to the checkpoint root", e.seq));
        }
    }
    let have: BTreeSet<i64> = entries.iter().map(|e| e.seq).collect();
    for cited in report["citedEvents"].as_array().into_iter().flatten() {
        let seq: i64 = cited.as_str().and_then(|s| s.parse().ok()).unwrap_or(-1);
        if !have.contains(&seq) {
            problems.push(format!("cited event {seq} is not in log/entries.jsonl"));
        }
    }
    c.add(
        "audit events",
        problems.is_empty() && !entries.is_empty(),
        if problems.is_empty() {
            let signed = entries.iter().filter(|e| e.signer.is_some()).count();
            let by = if signed == 0 {
                String::new()
            } else {
                format!("; {signed} carry their author's signature ({} key(s)), all verify", signers.len())
            };
            format!("{} cited events hash, chain and prove inclusion in the signed checkpoint{by}", entries.len())
        } else {
            problems.join("; ")
        },
    );
    Some(fp)
}
