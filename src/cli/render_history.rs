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

