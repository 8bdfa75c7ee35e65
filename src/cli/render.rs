//! Human renderings of API responses: aligned tables and short summaries.

use crate::api::{
    AuditLogResponse, InitResponse, ListModelsResponse, ListVersionsResponse, RegisterResponse, ShowVersionResponse,
};
use crate::audit::VerifyReport;
use crate::governance::aliases::{AliasChange, ModelAliases};
use crate::lineage::Subgraph;

/// Left-aligned columns separated by two spaces.
pub(super) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let mut s = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect::<Vec<_>>().join("  ");
        s.truncate(s.trim_end().len());
        s.push('\n');
        s
    };
    let mut out = line(header.iter().map(|h| h.to_string()).collect());
    for r in rows {
        out.push_str(&line(r.clone()));
    }
    out
}

pub use crate::progress::human_size as size;

pub(super) fn short(digest: &str) -> &str {
    &digest[..digest.len().min(12)]
}

pub fn init(r: &InitResponse) -> String {
    let verb = if r.created { "Created" } else { "Workspace already exists at" };
    format!("{verb} {}\n", r.workspace)
}

pub fn registered(r: &RegisterResponse) -> String {
    let mut s = format!(
        "Registered {}@{} ({}, {} file{}, {}; {} new)\n  root digest  {}\n  version      {} — {}\n",
        r.model,
        r.version,
        r.format,
        r.file_count,
        if r.file_count == 1 { "" } else { "s" },
        size(r.total_size),
        size(r.new_bytes),
        r.root_digest,
        r.bump.as_str(),
        r.bump_reason,
    );
    for d in &r.datasets {
        s.push_str(&format!("  trained on   {d}\n"));
    }
    s.push_str(&stored_as(&r.storage, Some(r.linked_files), 13));
    s
}

/// How a version's files were put in the store, when not by copy, as a line labelled in a
/// column `width` wide; for hard links, what that means for the source files.
fn stored_as(storage: &str, linked: Option<u32>, width: usize) -> String {
    let count = linked.map(|n| format!(" ({n} file{} linked)", if n == 1 { "" } else { "s" })).unwrap_or_default();
    let (label, indent) = (format!("  {:<width$}", "stored as"), " ".repeat(width + 2));
    match storage {
        "reflink" => format!("{label}copy-on-write clones (reflinks) of the registered files{count}\n"),
        "hardlink" => format!(
            "{label}hard links to the registered files{count}, now read-only: rewriting one in place would change\n\
             {indent}the stored object (`pedigree audit verify` re-hashes every object and names any that changed)\n"
        ),
        _ => String::new(),
    }
}

pub fn models(r: &ListModelsResponse) -> String {
    if r.models.is_empty() {
        return "No models yet. Register one: pedigree register PATH --model NAME\n".into();
    }
    let rows: Vec<Vec<String>> = r
        .models
        .iter()
        .map(|m| {
            vec![
                m.name.clone(),
                m.latest_version.clone().unwrap_or_else(|| "-".into()),
                m.version_count.to_string(),
                m.latest_at.clone().unwrap_or_default(),
                m.created_by.clone(),
            ]
        })
        .collect();
    let mut out = table(&["MODEL", "LATEST", "VERSIONS", "UPDATED", "CREATED BY"], &rows);
    if let Some(next) = &r.next_after {
        out.push_str(&format!("… more: --after {next}\n"));
    }
    out
}

pub fn versions(r: &ListVersionsResponse) -> String {
    let rows: Vec<Vec<String>> = r
        .versions
        .iter()
        .map(|v| {
            let metrics = v.metrics.iter().take(3).map(|(k, x)| format!("{k}={x}")).collect::<Vec<_>>().join(" ");
            vec![
                v.version.clone(),
                v.status.clone(),
                v.format.clone(),
                short(&v.root_digest).to_string(),
                size(v.total_size),
                metrics,
                v.created_by.clone(),
                v.created_at.clone(),
                v.message.chars().take(50).collect(),
            ]
        })
        .collect();
    let mut out = table(&["VERSION", "STATUS", "FORMAT", "DIGEST", "SIZE", "METRICS", "BY", "AT", "MESSAGE"], &rows);
    let shown = r.versions.len() as u32;
    if shown < r.total {
        out.push_str(&format!("{shown} of {} versions shown (use --offset / --limit)\n", r.total));
    }
    if !r.lines.is_empty() {
        let lines: Vec<String> = r
            .lines
            .iter()
            .map(|l| format!("{} ({}, latest {})", l.name, l.version_count, l.latest_version.as_deref().unwrap_or("none")))
            .collect();
        out.push_str(&format!("lines: {}\n", lines.join(", ")));
    }
    out
}

pub fn show(r: &ShowVersionResponse) -> String {
    let v = &r.version;
    let s = &v.summary;
    let mut out = format!(
        "{}@{}  [{}]\n  format        {}\n  root digest   {}\n  weights       {}\n  version       {} — {}\n  created       {} by {}\n",
        s.model,
        s.version,
        s.status,
        s.format,
        s.root_digest,
        v.weights_digest,
        s.bump,
        v.bump_reason,
        s.created_at,
        s.created_by
    );
    if !s.message.is_empty() {
        out.push_str(&format!("  message       {}\n", s.message));
    }
    let a = &r.annotations;
    if a.description != s.message && !a.description.is_empty() {
        out.push_str(&format!("  description   {}\n", a.description));
    }
    if let Some(stage) = &a.stage {
        out.push_str(&format!("  stage         {stage}\n"));
    }
    for (k, x) in &a.tags {
        out.push_str(&format!("  tag           {k}={x}\n"));
    }
    if !r.aliases.is_empty() {
        out.push_str(&format!("  aliases       {}\n", r.aliases.join(", ")));
    }
    for b in &r.bindings {
        let deleted = if b.state == "deleted" { " (deleted there)" } else { "" };
        out.push_str(&format!("  remote        {}: {}{deleted}\n", b.remote, b.key));
    }
    let i = &v.interface;
    if let Some(t) = &i.task {
        out.push_str(&format!("  task          {t}\n"));
    }
    for (label, list) in [("input", &i.inputs), ("output", &i.outputs)] {
        for t in list {
            out.push_str(&format!("  {label:<13} {} {}[{}]\n", t.name, t.dtype, t.shape.join(",")));
        }
    }
    if !i.tensors.is_empty() {
        out.push_str(&format!("  tensors       {} (first: {})\n", i.tensors.len(), i.tensors[0].name));
    }
    out.push_str(&load_verdicts(&v.sniffed));
    out.push_str(&stored_as(&v.storage, None, 14));
    for (k, x) in &v.params {
        out.push_str(&format!("  param         {k}={x}\n"));
    }
    for (k, x) in &s.metrics {
        out.push_str(&format!("  metric        {k}={x}\n"));
    }
    for e in &r.upstream {
        let rel = e.relation.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
        out.push_str(&format!("  {:<13} {}{rel}\n", e.kind, e.to));
    }
    for e in &r.downstream {
        out.push_str(&format!("  {:<13} {}\n", format!("← {}", e.kind), e.from));
    }
    out.push_str(&super::render_history::attachments(&r.attachments));
    out.push_str("\nFILES\n");
    let rows: Vec<Vec<String>> =
        v.files.iter().map(|f| vec![f.path.clone(), size(f.size), f.format.clone(), f.sha256.clone()]).collect();
    out.push_str(&table(&["PATH", "SIZE", "FORMAT", "SHA256"], &rows));
    out
}

pub fn alias_change(c: &AliasChange) -> String {
    match (&c.version, &c.previous) {
        (Some(v), Some(p)) if v == p => format!("{}@{} already points to {v}\n", c.model, c.alias),
        (Some(v), Some(p)) => format!("{}@{} moved from {p} to {v}\n", c.model, c.alias),
        (Some(v), None) => format!("{}@{} now points to {v}\n", c.model, c.alias),
        (None, p) => format!("{}@{} removed (it pointed to {})\n", c.model, c.alias, p.as_deref().unwrap_or("-")),
    }
}

pub fn aliases(a: &ModelAliases) -> String {
    if a.aliases.is_empty() && a.moves.is_empty() {
        return format!("{} has no aliases. Set one: pedigree alias set {}@VERSION champion\n", a.model, a.model);
    }
    let rows: Vec<Vec<String>> =
        a.aliases.iter().map(|x| vec![x.alias.clone(), x.version.clone(), x.set_at.clone(), x.set_by.clone()]).collect();
    let mut out = table(&["ALIAS", "VERSION", "SET AT", "BY"], &rows);
    out.push_str("\nMOVES (newest first)\n");
    let rows: Vec<Vec<String>> = a
        .moves
        .iter()
        .map(|m| vec![m.at.clone(), m.alias.clone(), m.version.clone().unwrap_or_else(|| "(removed)".into()), m.actor.clone()])
        .collect();
    out.push_str(&table(&["AT", "ALIAS", "VERSION", "BY"], &rows));
    out
}

pub fn lineage(g: &Subgraph) -> String {
    let mut out = format!("{} nodes, {} edges around {}\n", g.nodes.len(), g.edges.len(), g.focus);
    for e in &g.edges {
        let rel = e.relation.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
        out.push_str(&format!("  {} --{}{rel}--> {}\n", e.from, e.kind, e.to));
    }
    out
}

/// `Bob (SHA256:dSTPTccm…)`, the key alone when not a member, `-` when unsigned.
fn signer_label(s: Option<&crate::api::Signer>) -> String {
    match s {
        None => "-".into(),
        Some(s) => {
            let fp: String = s.fingerprint.chars().take(15).collect();
            match &s.member {
                Some(m) => format!("{m} ({fp}…)"),
                None => format!("{fp}…"),
            }
        }
    }
}

pub fn audit_log(r: &AuditLogResponse) -> String {
    if r.events.is_empty() {
        return "No audit events yet.\n".into();
    }
    let rows: Vec<Vec<String>> = r
        .events
        .iter()
        .map(|e| {
            vec![
                e.seq.to_string(),
                e.ts.clone(),
                e.actor.clone(),
                e.action.clone(),
                e.subject.clone(),
                short(&e.hash).to_string(),
                signer_label(r.signed_by.iter().find(|s| s.seq == e.seq)),
            ]
        })
        .collect();
    table(&["SEQ", "TIME", "ACTOR", "ACTION", "SUBJECT", "HASH", "SIGNED BY"], &rows)
}

pub fn verify(r: &VerifyReport) -> String {
    if r.ok {
        let signed = match (r.signed_events, r.signers.len()) {
            (0, _) => "no event signatures (written before identities)".to_string(),
            (n, k) => format!("{n} event signature(s) by {k} key(s) verify"),
        };
        format!(
            "Audit chain OK: {} events, head {}; {signed}; {} signed checkpoint(s) match ({} also by the person who made it, {} co-signed ML-DSA-65); stored objects re-hashed OK\n",
            r.events,
            r.head.as_deref().map(short).unwrap_or("-"),
            r.checkpoints,
            r.person_signed_checkpoints,
            r.pq_checkpoints
        )
    } else {
        String::new()
    }
}

pub fn stores(stores: &[crate::index::StoreInfo]) -> String {
    if stores.is_empty() {
        return "No stores yet. Add one: pedigree store add NAME file:///path | s3://bucket/prefix | https://host/path/\n".into();
    }
    let rows: Vec<Vec<String>> = stores
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                s.kind.clone(),
                s.uri.clone(),
                s.files.to_string(),
                format!("{} ({} unregistered)", s.artifacts, s.unregistered),
                s.last_indexed_at.clone().unwrap_or_else(|| "never".into()),
                s.credentials.clone(),
            ]
        })
        .collect();
    table(&["STORE", "KIND", "URI", "FILES", "ARTIFACTS", "INDEXED", "CREDENTIALS"], &rows)
}

pub fn index_reports(r: &crate::api::stores::IndexResponse) -> String {
    let mut out = String::new();
    for rep in &r.reports {
        out.push_str(&format!(
            "{}: {} files ({} read, {}; {} unchanged; +{} ~{} -{}), {} artifacts ({} new) in {:.2} s{}\n",
            rep.store,
            rep.files,
            rep.hashed_files,
            size(rep.hashed_bytes),
            rep.unchanged,
            rep.added,
            rep.changed,
            rep.removed,
            rep.artifacts,
            rep.new_artifacts,
            rep.elapsed_ms as f64 / 1000.0,
            if rep.complete { "" } else { " — INCOMPLETE: nothing was dropped; index again when the store is reachable" },
        ));
        for e in &rep.errors {
            let path = if e.path.is_empty() { "(store)" } else { e.path.as_str() };
            out.push_str(&format!("  ! {path}: {}\n", e.message));
        }
    }
    out
}

pub fn artifacts(r: &crate::api::stores::ListArtifactsResponse) -> String {
    if r.artifacts.is_empty() {
        return "No artifacts. Add a store and run `pedigree index`.\n".into();
    }
    let rows: Vec<Vec<String>> = r
        .artifacts
        .iter()
        .map(|a| {
            let data = a.hints.iter().filter(|h| h.kind == "trained_on").count();
            let bases: Vec<&str> = a.hints.iter().filter(|h| h.kind == "base_model").map(|h| h.path.as_str()).collect();
            let hints = match (data, bases.is_empty()) {
                (0, true) => String::new(),
                (0, false) => format!("base model {}", bases.join(", ")),
                (n, _) => format!("{n} data deps (DVC)"),
            };
            // In the Hugging Face cache the name (ORG/NAME@REV) says more than the path.
            let path = if a.name.contains('@') { a.name.clone() } else { a.path.clone() };
            vec![
                a.id.to_string(),
                a.store.clone(),
                path,
                a.format.clone(),
                size(a.size),
                a.registered_as.clone().unwrap_or_else(|| "-".into()),
                hints,
            ]
        })
        .collect();
    let mut out = table(&["ID", "STORE", "PATH", "FORMAT", "SIZE", "REGISTERED", "HINTS"], &rows);
    if r.total > r.artifacts.len() as u64 {
        out.push_str(&format!("({} of {} shown; use --offset)\n", r.artifacts.len(), r.total));
    }
    out
}

pub fn store_event(e: &crate::index::StoreEvent) -> String {
    let sign = match e.change.as_str() {
        "added" => "+",
        "changed" => "~",
        "removed" => "-",
        "artifact" => "*",
        "error" => "!",
        _ => "=",
    };
    let detail = e.detail.as_deref().map(|d| format!("  ({d})")).unwrap_or_default();
    format!("{sign} {}:{}{detail}", e.store, e.path)
}

pub fn gate(reference: &str, g: &crate::governance::Gate) -> String {
    let state = if g.ok {
        "all required approvals present".to_string()
    } else if !g.rejected.is_empty() {
        format!("rejected by {}", g.rejected.join(", "))
    } else {
        format!("still needs {}", g.missing.join(", "))
    };
    format!("Recorded. {reference}: {state} (policy: {})\n", g.required.join(", "))
}

pub fn evaluations(r: &crate::api::governance::EvaluateResponse) -> String {
    let rows: Vec<Vec<String>> = r
        .evaluations
        .iter()
        .map(|e| {
            vec![
                e.metric.clone(),
                if e.slice.is_empty() { "(all)".into() } else { e.slice.clone() },
                format!("{}", e.value),
                e.threshold.clone().unwrap_or_default(),
                match e.passed {
                    Some(true) => "pass".into(),
                    Some(false) => "FAIL".into(),
                    None => "-".into(),
                },
                match (&e.baseline_version, e.baseline, &e.vs_baseline) {
                    (Some(v), Some(b), Some(vs)) => format!("{vs} than {v} ({b})"),
                    _ => "-".into(),
                },
            ]
        })
        .collect();
    let mut out = table(&["METRIC", "SLICE", "VALUE", "THRESHOLD", "RESULT", "BASELINE"], &rows);
    out.push_str(if r.passed {
        "passed\n"
    } else {
        "FAILED: a threshold failed or a metric is worse than the previous version\n"
    });
    out
}

pub fn erasures(list: &[crate::governance::erasure::Erasure]) -> String {
    if list.is_empty() {
        return "No erasure requests.\n".into();
    }
    let mut out = String::new();
    for e in list {
        out.push_str(&format!("#{} {} on {} ({}): {}\n", e.id, e.status, e.dataset, short(&e.subject_hash), e.reason));
        for i in &e.impacts {
            let state = match (&i.resolution, &i.resolution_ref) {
                (Some(r), Some(x)) => format!("{r}: {x}"),
                _ if i.kind == "deployment" => "affected deployment".into(),
                _ => "OPEN (tainted)".into(),
            };
            out.push_str(&format!("  {}  {state}\n", i.node));
        }
    }
    out
}

pub fn bundle(b: &crate::report::bundle::ReportBundle) -> String {
    let mut out = format!("Wrote {} ({} files{})\n", b.dir, b.files.len(), if b.pdf_a { "; PDF/A-2b" } else { "" });
    for f in &b.files {
        out.push_str(&format!("  {:<22} {:>10}  {}\n", f.path, size(f.size), short(&f.sha256)));
    }
    out.push_str("Check it anywhere with: pedigree verify DIR\n");
    out
}

pub fn bundle_verification(v: &crate::report::verify::BundleVerification) -> String {
    let mut out = String::new();
    for c in &v.checks {
        out.push_str(&format!("{} {:<24} {}\n", if c.ok { "ok  " } else { "FAIL" }, c.name, c.detail));
    }
    if let Some(fp) = &v.fingerprint {
        out.push_str(&format!("signing key fingerprint (sha256): {fp}\n"));
    }
    out.push_str(if v.ok { "bundle verified\n" } else { "bundle does NOT verify\n" });
    out
}

/// One line per file whose loading runs code (pickles, joblib, TorchScript, skops, Keras): what
/// loading it would run (never run here).
fn load_verdicts(sniffed: &std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>) -> String {
    crate::sniff::verdicts(sniffed).iter().map(|v| format!("  on load       {}: {}\n", v.path, v.summary())).collect()
}

/// `pedigree diff`: one section per kind of change, only those that changed.
pub fn diff(d: &crate::registry::diff::VersionDiff) -> String {
    let mut out = format!("{} → {}\n  bump          {} — {}\n", d.a, d.b, d.bump.bump.as_str(), d.bump.reason);
    let mut list = |label: &str, items: &[String]| {
        if !items.is_empty() {
            out.push_str(&format!("  {label:<13} {}\n", items.join(", ")));
        }
    };
    list("files +", &d.files.added);
    list("files -", &d.files.removed);
    list("files ~", &d.files.changed);
    list("tensors +", &d.tensors.added);
    list("tensors -", &d.tensors.removed);
    list("reshaped", &d.tensors.reshaped);
    list("bytes changed", &d.tensors.changed);
    list("imports +", &d.imports.added);
    list("imports -", &d.imports.removed);
    list("links +", &d.links.added);
    list("links -", &d.links.removed);
    if !d.tensors.digests_known {
        out.push_str("  (one of the versions has no per-tensor digests: which tensors' bytes changed is unknown)\n");
    }
    for p in &d.params {
        let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "—".into());
        out.push_str(&format!("  param         {}: {} → {}\n", p.name, v(&p.a), v(&p.b)));
    }
    for m in &d.metrics {
        let v = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_else(|| "—".into());
        let delta = m.delta.map(|x| format!(" ({x:+})")).unwrap_or_default();
        out.push_str(&format!("  metric        {}: {} → {}{delta}\n", m.name, v(m.a), v(m.b)));
    }
    out
}

pub fn openlineage_import(r: &crate::lineage::openlineage::ImportReport) -> String {
    let mut out = format!(
        "Recorded {} run event{} ({} run{}, {} dataset version{}).\n",
        r.events,
        if r.events == 1 { "" } else { "s" },
        r.runs.len(),
        if r.runs.len() == 1 { "" } else { "s" },
        r.datasets.len(),
        if r.datasets.len() == 1 { "" } else { "s" },
    );
    for v in &r.linked {
        out.push_str(&format!("  {v} is produced by its run now\n"));
    }
    if r.already_imported > 0 {
        out.push_str(&format!("{} event(s) were imported before: skipped.\n", r.already_imported));
    }
    if r.not_run_events > 0 {
        out.push_str(&format!("{} dataset or job event(s) carry no run: skipped.\n", r.not_run_events));
    }
    out
}

pub fn identity(i: &crate::identity::IdentityInfo) -> String {
    format!(
        "name         {}\nemail        {}\nfingerprint  {}\npublic key   {}\nkey          {} ({})\n",
        i.name,
        if i.email.is_empty() { "-" } else { &i.email },
        i.fingerprint,
        i.public_key,
        i.key_path,
        if i.source == "ssh" { "your SSH key" } else { "made by Pedigree" },
    )
}

pub fn team(r: &crate::api::team::TeamResponse) -> String {
    if r.members.is_empty() {
        return "No team roster: this workspace is one person's. Start one with `pedigree team init` (you become its owner).\n"
            .into();
    }
    let rows: Vec<Vec<String>> = r
        .members
        .iter()
        .map(|m| {
            let me = if r.me.as_deref() == Some(m.fingerprint.as_str()) { " (you)" } else { "" };
            vec![format!("{}{me}", m.name), m.roles.join(","), m.fingerprint.clone()]
        })
        .collect();
    table(&["MEMBER", "ROLES", "KEY"], &rows)
}

pub fn pq_status(p: &crate::governance::pq::PqStatus) -> String {
    let state = if p.on {
        format!("on: checkpoints, ledger segments and bundles carry an {} co-signature beside Ed25519", p.alg)
    } else {
        "off (pedigree team pq on)".into()
    };
    let mut out = format!("post-quantum co-signing {state}\n");
    if let Some(m) = &p.mine {
        out.push_str(&format!("  your key   {m}\n"));
    }
    for k in &p.keys {
        out.push_str(&format!("  announced  {k}\n"));
    }
    out
}
