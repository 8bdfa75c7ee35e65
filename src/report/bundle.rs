//! Writing a report bundle: every file, then MANIFEST.intoto.json — a DSSE envelope, signed with
//! the workspace's Ed25519 key, of an in-toto Statement whose subjects are all the other files
//! with their SHA-256. The bundle is written into a temp folder and renamed into place, so a
//! killed process never leaves a half bundle under the final name.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ring::signature::Ed25519KeyPair;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;

use super::model::Integrity;
use super::{Facts, ReportError, bom, card, html, pdf, svg};
use crate::audit::checkpoint::Checkpoint;
use crate::audit::{self, merkle};
use crate::catalog::audit_rows;
use crate::progress::{OnProgress, Progress, Unit};
use crate::workspace::Workspace;

pub const MANIFEST: &str = "MANIFEST.intoto.json";
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
pub const PREDICATE_TYPE: &str = "https://pedigree.dev/audit-report/v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BundleFile {
    pub path: String,
    #[ts(type = "number")]
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReportBundle {
    /// Absolute folder of the bundle.
    pub dir: String,
    /// Its folder name (the HTTP server serves bundles under the workspace's reports/ by name).
    pub name: String,
    pub files: Vec<BundleFile>,
    /// Whether the PDF was produced as PDF/A-2b.
    pub pdf_a: bool,
}

/// DSSE pre-authentication encoding.
pub fn pae(payload_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!("DSSEv1 {} {payload_type} {} ", payload_type.len(), body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// Fingerprint of a public key: hex SHA-256 of its raw bytes.
pub fn fingerprint(public_key: &[u8]) -> String {
    crate::hash::sha256_hex(public_key)
}

const VERIFY_MD: &str = "# Verifying this report bundle offline

Everything needed is in this folder. With Pedigree installed:

    pedigree verify .                 # or: pedigree verify . --key <hex public key you trust>

It checks, and names anything that fails:

1. `MANIFEST.intoto.json` is a DSSE envelope signed (Ed25519) by the key in `keys/ed25519.pub`;
   compare that key's fingerprint with the one printed in the report (or pin it with `--key`).
2. Every file listed in the manifest has the SHA-256 recorded there; no file is missing or unlisted.
3. `log/checkpoint.txt` is a C2SP signed note by the same key: tree size and RFC 6962 root of
   the audit log when the report was made; it matches the report's integrity block.
4. Each line of `log/entries.jsonl` is one event as it is hashed:
   `{\"seq\", \"record\", \"hash\", \"signer\", \"signature\"}`. `record` is the RFC 8785 canonical
   JSON text of `{\"action\", \"actor\", \"payload\" (an object), \"prev_hash\", \"seq\", \"subject\",
   \"ts\"}`; `hash` is the hex SHA-256 of the record's UTF-8 bytes; consecutive events chain by the
   record's `prev_hash`; `log/proofs.json` proves each one's inclusion in the checkpoint's tree
   (leaf = SHA-256(0x00 ‖ record)). `signer` (an `ssh-ed25519 AAAA…` key) and `signature`
   (base64 Ed25519 over `pedigree audit event v1\\n` followed by the hash, ASCII) say who wrote
   the event; events from before identities have neither. (Bundles made before this form list
   the stored rows instead: `prevHash`, and the payload as a string to parse back into the record.)
5. Every event the report cites is among them.
6. When `keys/person.pub` is there (an `ssh-ed25519 AAAA…` line: the person who made the
   report), the envelope carries their Ed25519 signature too, keyid `SHA256:…` (as `ssh-keygen -l`
   prints it); when `keys/mldsa65.pub` is there (base64 ML-DSA-65 public key: post-quantum
   co-signing was on), an ML-DSA-65 signature (FIPS 204, deterministic, empty context) over the
   same DSSE PAE bytes, keyid `mldsa65:<16 hex of the key's SHA-256>`. Both keys are listed files,
   so the manifest's first signature vouches for them. `log/checkpoint.txt` may carry the same
   two as extra signature lines (`pedigree-person/…`, `pedigree-pq/…`).

Without Pedigree: the same steps need only SHA-256, Ed25519 and base64 (see the formats above).
";

/// Bundle files: path relative to the bundle, content.
type Files = Vec<(String, Vec<u8>)>;

/// Maps an I/O failure of `operation` on `path` to a [`ReportError`].
fn io<'p>(operation: &'static str, path: &'p Path) -> impl Fn(std::io::Error) -> ReportError + 'p {
    move |source| ReportError::Io { operation, path: path.to_path_buf(), source }
}

/// Writes the bundle for `facts` into `out` (which must not exist yet).
pub fn write(
    ws: &Workspace,
    mut facts: Facts,
    checkpoint: &Checkpoint,
    out: &Path,
    progress: OnProgress<'_>,
) -> Result<ReportBundle, ReportError> {
    if out.exists() {
        return Err(ReportError::Exists { path: out.to_path_buf() });
    }
    let step = |done: u64, what: &str| {
        progress(&Progress { task: "report".into(), done, total: 7, unit: Unit::Files, detail: Some(what.into()) })
    };
    step(0, "audit proofs");
    let key = ws.signing_key().map_err(ReportError::SigningKey)?;
    let public = ws.public_key_bytes().ok_or(ReportError::NoPublicKey)?;
    let log = cited_log(ws, checkpoint, &mut facts.cited)?;
    facts.report.integrity = Some(Integrity::new(checkpoint, &public));
    let (mut files, pdf_a) = render(&facts, &step)?;
    files.extend(log);
    files.push(("keys/ed25519.pub".into(), format!("{}\n", hex::encode(&public)).into_bytes()));
    // The person who makes it signs it too, and co-signs with ML-DSA-65 when that is on.
    let person = crate::identity::current().map_err(ReportError::PersonalKey)?;
    let pq = crate::governance::pq::co_signer(ws.catalog.conn())?;
    if let Some(me) = person {
        files.push(("keys/person.pub".into(), format!("{}\n", me.public_key_line()).into_bytes()));
    }
    if let Some(k) = pq {
        files.push(("keys/mldsa65.pub".into(), format!("{}\n", k.public_key_b64()).into_bytes()));
    }
    files.push(("VERIFY.md".into(), VERIFY_MD.as_bytes().to_vec()));
    for a in &facts.attachments {
        let object = ws.cas.object_path(&a.sha256);
        files.push((super::attachment_path(a), std::fs::read(&object).map_err(io("read attachment", &object))?));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));

    step(5, "writing");
    let parent = out.parent().ok_or_else(|| ReportError::NoParent { path: out.to_path_buf() })?;
    std::fs::create_dir_all(parent).map_err(io("create folder", parent))?;
    let tmp: PathBuf =
        parent.join(format!(".{}.tmp-{}", out.file_name().and_then(|n| n.to_str()).unwrap_or("report"), std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let listed = write_files(&tmp, &files)?;
    step(6, "signing");
    let envelope = manifest(&key, &fingerprint(&public), &listed, &facts, checkpoint, person, pq);
    let mp = tmp.join(MANIFEST);
    std::fs::write(&mp, serde_json::to_vec_pretty(&envelope).expect("envelope serialises")).map_err(io("write", &mp))?;
    std::fs::rename(&tmp, out).map_err(io("rename to", out))?;
    step(7, "done");
    let dir = out.canonicalize().unwrap_or_else(|_| out.to_path_buf());
    Ok(ReportBundle {
        name: dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
        dir: dir.display().to_string(),
        files: listed,
        pdf_a,
    })
}

/// The log/ files: the checkpoint, the cited events (those `cited` keeps: the ones inside the
/// checkpoint) and their RFC 6962 inclusion proofs. Fails when the stored log no longer gives
/// the checkpoint's root.
fn cited_log(ws: &Workspace, checkpoint: &Checkpoint, cited: &mut Vec<i64>) -> Result<Files, ReportError> {
    let mut rows = Vec::new();
    audit_rows::for_each(ws.catalog.conn(), |r| {
        let inside = (r.seq as u64) <= checkpoint.size;
        if inside {
            rows.push(r);
        }
        inside
    })?;
    let leaves: Vec<merkle::Hash> = rows.iter().map(|r| merkle::leaf_hash(audit::record_json(r).as_bytes())).collect();
    let root = B64.encode(merkle::root(&leaves));
    if root != checkpoint.root {
        return Err(ReportError::CheckpointMismatch {
            size: checkpoint.size,
            checkpoint_root: checkpoint.root.clone(),
            log_root: root,
        });
    }
    cited.retain(|s| (*s as u64) <= checkpoint.size);
    let mut entries = String::new();
    let mut proofs = Vec::new();
    let signatures = audit_rows::signatures(ws.catalog.conn())?;
    for &seq in cited.iter() {
        let i = (seq - 1) as usize;
        let event = audit::wire::WireEvent::of(&rows[i], signatures.get(&seq));
        entries.push_str(&serde_json::to_string(&event).expect("events serialise"));
        entries.push('\n');
        proofs.push(json!({
            "seq": seq, "index": i, "leafHash": hex::encode(leaves[i]),
            "path": merkle::inclusion_proof(&leaves, i).iter().map(hex::encode).collect::<Vec<_>>(),
        }));
    }
    let proofs = json!({"treeSize": checkpoint.size, "rootHash": checkpoint.root, "leaf": "sha256(0x00 || RFC 8785 record)", "proofs": proofs});
    Ok(vec![
        ("log/checkpoint.txt".into(), checkpoint.note.clone().into_bytes()),
        ("log/entries.jsonl".into(), entries.into_bytes()),
        ("log/proofs.json".into(), serde_json::to_vec_pretty(&proofs).expect("proofs serialise")),
    ])
}

/// The rendered files: report.json, HTML, PDF, ML-BOM, model card and the lineage SVG; and
/// whether the PDF is PDF/A.
fn render(facts: &Facts, step: &dyn Fn(u64, &str)) -> Result<(Files, bool), ReportError> {
    step(1, "lineage graph");
    let lineage_svg = (!facts.lineage.nodes.is_empty()).then(|| svg::render(&facts.lineage));
    let report = facts.report.to_value();
    let report_json = audit::canonical(&report);
    step(2, "HTML");
    let html_doc = html::render(&report, lineage_svg.as_deref());
    step(3, "PDF");
    let pdf_doc = pdf::render_pdf(&report, lineage_svg.as_deref()).map_err(|reason| ReportError::Pdf { reason })?;
    step(4, "ML-BOM and model card");
    let bom_doc = serde_json::to_string_pretty(&bom::render(facts, &report)).expect("BOM serialises");
    let card_doc = card::render(facts, &report);
    let mut files: Files = vec![
        ("report.json".into(), report_json.into_bytes()),
        ("report.html".into(), html_doc.into_bytes()),
        ("report.pdf".into(), pdf_doc.bytes),
        ("mlbom.cdx.json".into(), bom_doc.into_bytes()),
        ("model-card.md".into(), card_doc.into_bytes()),
    ];
    if let Some(svg) = lineage_svg {
        files.push(("lineage.svg".into(), svg.into_bytes()));
    }
    Ok((files, pdf_doc.pdf_a))
}

/// Writes `files` under `dir`, returning each with its size and SHA-256.
fn write_files(dir: &Path, files: &Files) -> Result<Vec<BundleFile>, ReportError> {
    let mut listed = Vec::new();
    for (rel, bytes) in files {
        let p = dir.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).map_err(io("create folder", d))?;
        }
        std::fs::write(&p, bytes).map_err(io("write", &p))?;
        listed.push(BundleFile { path: rel.clone(), size: bytes.len() as u64, sha256: crate::hash::sha256_hex(bytes) });
    }
    Ok(listed)
}

/// MANIFEST.intoto.json: the DSSE envelope of an in-toto Statement over `listed`, signed by `key`.
fn manifest(
    key: &Ed25519KeyPair,
    fp: &str,
    listed: &[BundleFile],
    facts: &Facts,
    checkpoint: &Checkpoint,
    person: Option<&crate::identity::Identity>,
    pq: Option<&crate::identity::pq::PqKey>,
) -> Value {
    let (r, subj) = (&facts.report, &facts.report.subject);
    let statement = json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": listed.iter().map(|f| json!({"name": f.path, "digest": {"sha256": f.sha256}})).collect::<Vec<_>>(),
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "model": subj.model, "version": subj.version, "rootDigest": subj.root_digest,
            "manifestDigest": subj.manifest_digest, "reportSchema": super::SCHEMA,
            "checkpoint": {"origin": checkpoint.origin, "size": checkpoint.size, "rootHash": checkpoint.root},
            "generatedAt": r.generated_at, "generatedBy": r.generated_by,
        },
    });
    let body = audit::canonical(&statement).into_bytes();
    let signed = pae(PAYLOAD_TYPE, &body);
    let mut signatures = vec![json!({"keyid": fp, "sig": B64.encode(key.sign(&signed).as_ref())})];
    if let Some(me) = person {
        signatures.push(json!({"keyid": me.fingerprint(), "sig": B64.encode(me.sign_raw(&signed))}));
    }
    if let Some(k) = pq {
        signatures.push(json!({"keyid": crate::identity::pq::key_name(&k.public_key()), "sig": B64.encode(k.sign(&signed))}));
    }
    json!({"payload": B64.encode(&body), "payloadType": PAYLOAD_TYPE, "signatures": signatures})
}

/// The HTML alone (the UI's preview), with the integrity block of the latest checkpoint.
pub fn preview(ws: &Workspace, mut facts: Facts, checkpoint: Option<&Checkpoint>) -> String {
    facts.report.integrity = checkpoint.map(|c| Integrity::new(c, &ws.public_key_bytes().unwrap_or_default()));
    let svg = (!facts.lineage.nodes.is_empty()).then(|| svg::render(&facts.lineage));
    html::render(&facts.report.to_value(), svg.as_deref())
}
