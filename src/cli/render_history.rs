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
                format!("{}@{}", d.model, d.version),
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
    format!(
        "{}: {} — {what}\n  carried by {}\n{}",
        m.recorded_from,
        m.versions.join(", "),
        m.carrier,
        deployments(&m.serving)
    )
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
            out.push_str(&format!("  carried by    {c}{}\n", dep.recorded_from.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()));
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
            out.push_str(&format!("  evaluation    {}={}{slice} on {}{verdict}\n", e.metric, e.value, e.dataset.trim_start_matches("dataset:")));
        }
        for a in &x.attachments {
            out.push_str(&format!("  attachment    {} {} sha256:{}\n", a.kind, a.name, a.sha256));
        }
    }
    out
}
