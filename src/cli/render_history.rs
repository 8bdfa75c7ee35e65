//! Human renderings of production history: attachments, runs and recipes, deployments and
//! decisions, monitoring, drills, systems.

use super::render::{size, table};
use crate::api::attachments::AttachResponse;
use crate::catalog::attachments::Attachment;

pub fn attached(r: &AttachResponse) -> String {
    let a = &r.attachment;
    let what = if r.created { "attached" } else { "already attached" };
    format!("{what} {} ({}, {}) to {}@{}\n  sha256 {}\n", a.name, a.kind, size(a.size), a.model, a.version, a.sha256)
}

/// The ATTACHMENTS part of `show`.
pub fn attachments(list: &[Attachment]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> =
        list.iter().map(|a| vec![a.kind.clone(), a.name.clone(), size(a.size), a.sha256.clone(), a.created_by.clone()]).collect();
    format!("\nATTACHMENTS\n{}", table(&["KIND", "NAME", "SIZE", "SHA256", "BY"], &rows))
}

pub fn deployments(d: &[crate::governance::deploy::Deployment]) -> String {
    if d.is_empty() {
        return "nothing serves\n".into();
    }
    let rows: Vec<Vec<String>> = d
        .iter()
        .map(|d| {
            vec![
                d.env.clone(),
                d.reference(),
                d.role.clone(),
                format!("{} %", d.traffic),
                d.strategy.clone(),
                d.started_at.clone(),
                d.ended_at.clone().unwrap_or_else(|| "(serving)".into()),
                d.reason.clone(),
            ]
        })
        .collect();
    table(&["ENV", "VERSION", "ROLE", "TRAFFIC", "STRATEGY", "FROM", "UNTIL", "REASON"], &rows)
}

pub fn manifest_deployed(m: &crate::api::deploy::ManifestDeployed) -> String {
    let what = if m.deployments == 0 {
        "it served so already: nothing recorded".to_string()
    } else {
        format!("{} deployment(s) recorded", m.deployments)
    };
    format!("{}: {} — {what}\n  carried by {}\n{}", m.recorded_from, m.versions.join(", "), m.carrier, deployments(&m.serving))
}

pub fn decision(d: &crate::governance::decision::Decision) -> String {
    let prod = if d.production { " (production)" } else { "" };
    let mut out = format!("{}{prod} at {}:\n", d.env, d.at);
    if d.deciders.is_empty() {
        out.push_str("  nothing served then\n");
        return out;
    }
    for x in &d.deciders {
        let dep = &x.deployment;
        out.push_str(&format!(
            "\n{}@{}  {} {} %  [{}]  since {}{}\n  root digest   {}\n",
            dep.model,
            dep.version,
            dep.role,
            dep.traffic,
            x.status,
            dep.started_at,
            dep.ended_at.as_deref().map(|t| format!(" until {t}")).unwrap_or_default(),
            x.root_digest
        ));
        out.push_str(&format!("  deployed      by {} ({}): {}\n", dep.created_by, dep.strategy, dep.reason));
        if let Some(c) = &dep.carrier {
            out.push_str(&format!(
                "  carried by    {c}{}\n",
                dep.recorded_from.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
            ));
        }
        let gate = if x.gate.ok { "met".to_string() } else { format!("NOT met (missing {})", x.gate.missing.join(", ")) };
        out.push_str(&format!("  approvals     policy {gate}\n"));
        for a in &x.approvals {
            out.push_str(&format!("    {} {} as {} at {}: {}\n", a.actor, a.decision, a.role, a.created_at, a.justification));
        }
        for e in &x.evaluations {
            let slice = if e.slice.is_empty() { String::new() } else { format!(" [{}]", e.slice) };
            let verdict = match e.passed {
                Some(true) => " pass",
                Some(false) => " FAIL",
                None => "",
            };
            out.push_str(&format!(
                "  evaluation    {}={}{slice} on {}{verdict}\n",
                e.metric,
                e.value,
                e.dataset.trim_start_matches("dataset:")
            ));
        }
        for a in &x.attachments {
            out.push_str(&format!("  attachment    {} {} sha256:{}\n", a.kind, a.name, a.sha256));
        }
    }
    out
}

pub fn run_recorded(r: &crate::api::runs::RunRecorded) -> String {
    let c = &r.run;
    let mut out = format!(
        "run {} {} (exit {}, {:.1} s){}\n",
        c.id,
        if c.exit_code == 0 { "finished" } else { "FAILED" },
        c.exit_code,
        c.duration_ms as f64 / 1000.0,
        if r.created { "" } else { " — recorded already" }
    );
    out.push_str(&environment(c));
    for o in &c.outputs {
        out.push_str(&format!("  output        {} ({}) {}\n", o.path, size(o.size), o.sha256));
    }
    if c.outputs_truncated {
        out.push_str("  (its folder holds too many files to compare them all: outputs may be missing)\n");
    }
    if let Some(reg) = &r.registered {
        out.push_str(&format!("registered {}@{} (produced_by run:{})\n", reg.model, reg.version, c.id));
    }
    out
}

/// The environment lines of a capture.
fn environment(c: &crate::runs::RunCapture) -> String {
    let e = &c.environment;
    let mut out = format!("  command       {}\n  folder        {}\n", c.command.join(" "), c.cwd);
    if let Some(g) = &e.git {
        let dirty = g.uncommitted_digest.as_deref().map(|d| format!(" + uncommitted changes sha256:{d}")).unwrap_or_default();
        out.push_str(&format!("  code          {}{dirty}\n", c.code_ref().unwrap_or_else(|| g.commit.clone())));
    }
    for l in &e.locks {
        out.push_str(&format!("  lock file     {} sha256:{}\n", l.path, l.sha256));
    }
    if let Some(i) = &e.interpreter {
        out.push_str(&format!("  python        {} ({} packages, sha256:{})\n", i.version, i.package_count, i.packages_digest));
        let libs: Vec<String> = i.libraries.iter().map(|(k, v)| format!("{k} {v}")).collect();
        if !libs.is_empty() {
            out.push_str(&format!("  libraries     {}\n", libs.join(", ")));
        }
    }
    let h = &e.hardware;
    out.push_str(&format!(
        "  hardware      {} × {} cores, {}, {} on {}\n",
        h.cpu,
        h.cores,
        size(h.memory_bytes),
        h.os,
        e.hostname
    ));
    for g in &h.gpus {
        out.push_str(&format!("  gpu           {} (driver {}, {})\n", g.name, g.driver, g.memory));
    }
    for (k, v) in &e.seeds {
        out.push_str(&format!("  seed          {k}={v}\n"));
    }
    for (k, v) in &c.params {
        out.push_str(&format!("  param         {k}={v}\n"));
    }
    out
}

pub fn recipe(r: &crate::runs::reproduce::Recipe) -> String {
    let c = &r.run;
    let mut out = format!("{} was made by run {} (recorded by {}, {})\n", r.reference, c.id, r.recorded_by, c.started_at);
    out.push_str(&environment(c));
    if let Some(env) = &r.environment_id {
        out.push_str(&format!("  environment   {env}\n"));
    }
    for d in &r.data {
        out.push_str(&format!("  data          {} sha256:{} ({})\n", d.dataset, d.root_digest, d.source_uri));
    }
    out.push_str("\nTO MAKE IT AGAIN\n");
    if let (Some(g), Some(code)) = (&c.environment.git, r.code.as_deref()) {
        out.push_str(&format!(
            "  check out {} at {}{}\n",
            code.rsplit_once('@').map_or(code, |x| x.0),
            g.commit,
            if g.dirty { " (it ran with uncommitted changes: the digest above says which)" } else { "" }
        ));
    }
    if let Some(i) = &c.environment.interpreter {
        out.push_str(&format!("  install the packages whose list has sha256:{} (Python {})\n", i.packages_digest, i.version));
    }
    let env: String = r.set_env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
    out.push_str(&format!("  cd {} && {env}{}\n", c.cwd, c.command.join(" ")));
    out.push_str("\nEXPECTED FILES\n");
    let rows: Vec<Vec<String>> = r.expected.iter().map(|f| vec![f.path.clone(), size(f.size), f.sha256.clone()]).collect();
    out.push_str(&table(&["PATH", "SIZE", "SHA256"], &rows));
    out
}

pub fn check(r: &crate::runs::reproduce::CheckReport) -> String {
    let mut out = format!(
        "{}: {} (run {} again as run {})\n",
        r.reference,
        if r.identical { "REPRODUCED byte for byte" } else { "NOT reproduced" },
        r.run,
        r.rerun.id
    );
    let rows: Vec<Vec<String>> = r
        .outputs
        .iter()
        .map(|o| {
            vec![
                o.path.clone(),
                if o.same { "same".into() } else { "DIFFERENT".into() },
                o.recorded.clone(),
                o.now.clone().unwrap_or_else(|| "(missing)".into()),
            ]
        })
        .collect();
    out.push_str(&table(&["OUTPUT", "RESULT", "RECORDED", "NOW"], &rows));
    for d in &r.differences {
        out.push_str(&format!("  differs: {} — recorded {}, now {}\n", d.what, d.recorded, d.now));
    }
    out
}

pub fn imported(r: &crate::governance::monitor::Imported) -> String {
    let mut out = format!("{} snapshot(s) added, {} already there\n", r.added, r.unchanged);
    for c in &r.conflicting {
        out.push_str(&format!("  kept the first value of {} {} at {} (this import says {})\n", c.env, c.metric, c.at, c.value));
    }
    out.push_str(&proposals(&r.proposals));
    out
}

pub fn rules(list: &[crate::governance::monitor::Rule]) -> String {
    if list.is_empty() {
        return "no monitoring rules (add one: pedigree monitor rule --env prod 'auc < 0.7 for 3')\n".into();
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.env.clone(),
                r.expr.clone(),
                if r.auto { "auto rollback".into() } else { "propose".into() },
                r.created_by.clone(),
            ]
        })
        .collect();
    table(&["ID", "ENV", "RULE", "ON BREAK", "BY"], &rows)
}

pub fn proposals(list: &[crate::governance::monitor::Proposal]) -> String {
    let mut out = String::new();
    for p in list {
        let to = p.to.as_deref().map(|t| format!(" → {t}")).unwrap_or_else(|| " (nothing earlier to restore)".into());
        out.push_str(&format!(
            "rollback proposal {} [{}] {}: {}{to} — rule '{}' at {}\n",
            p.id, p.status, p.env, p.from, p.rule, p.created_at
        ));
        for s in &p.evidence {
            out.push_str(&format!("    {} {}={}\n", s.at, s.metric, s.value));
        }
        if let Some(r) = &p.resolution {
            out.push_str(&format!("    resolved: {r}\n"));
        }
    }
    out
}

pub fn monitor(o: &crate::api::monitor::MonitorOverview) -> String {
    let mut out = String::new();
    let Some(metric) = &o.metric else {
        return format!("{}: no monitoring snapshots yet (pedigree monitor import FILE)\n", o.env.as_deref().unwrap_or(""));
    };
    out.push_str(&format!("{} {} — {} snapshot(s)\n", o.env.as_deref().unwrap_or(""), metric, o.series.len()));
    let rows: Vec<Vec<String>> = o
        .series
        .iter()
        .map(|s| {
            let serving = o
                .deployments
                .iter()
                .filter(|d| {
                    d.role != "shadow"
                        && d.started_at.as_str() <= s.at.as_str()
                        && d.ended_at.as_deref().is_none_or(|e| e > s.at.as_str())
                })
                .map(|d| format!("{}@{} {} %", d.model, d.version, d.traffic))
                .collect::<Vec<_>>()
                .join(", ");
            vec![s.at.clone(), format!("{}", s.value), serving]
        })
        .collect();
    out.push_str(&table(&["AT", "VALUE", "SERVING"], &rows));
    out.push_str(&rules(&o.rules));
    out.push_str(&proposals(&o.proposals));
    out
}

pub fn drills(r: &crate::api::deploy::DrillResponse) -> String {
    if r.drills.is_empty() {
        return "nothing serves anywhere: no environment to drill\n".into();
    }
    let mut out = String::new();
    for d in &r.drills {
        let restore = d.restore.as_deref().unwrap_or("(nothing)");
        out.push_str(&format!(
            "{}: {} — restore {} in place of {} ({})\n",
            d.env,
            if d.ok { "PASSED" } else { "FAILED" },
            restore,
            d.current,
            d.at
        ));
        for c in &d.checks {
            out.push_str(&format!("  [{}] {:<11} {}\n", if c.ok { "ok" } else { "FAIL" }, c.name, c.detail));
        }
    }
    out
}

pub fn system_plans(list: &[crate::registry::system::SystemPlan]) -> String {
    if list.is_empty() {
        return "every system pins its components' newest versions\n".into();
    }
    let mut out = String::new();
    for p in list {
        let from = p.from.as_deref().map(|f| format!("{f} → ")).unwrap_or_default();
        out.push_str(&format!("{} {from}{} ({})\n", p.system, p.version, p.bump));
        for c in &p.changes {
            out.push_str(&format!(
                "  {:<24} {} → {} ({})\n",
                c.model,
                c.from.as_deref().unwrap_or("(new)"),
                c.to.as_deref().unwrap_or("(removed)"),
                c.bump
            ));
        }
    }
    out
}
