//! The report's sections, one function each, following EU AI Act Annex IV (with the NIST AI
//! RMF, SR 11-7/26-2, ISO/IEC 42001 and GDPR items they evidence). Each builds its blocks from
//! the gathered [`Sources`] only; what Pedigree cannot know is a "to be completed by the
//! provider" block, never invented.

use super::gather::Sources;
use super::model::Section;

mod history;
mod product;
mod record;

/// Column flags for [`super::model::table`]: body font or monospaced.
const PLAIN: bool = false;
const MONO: bool = true;

/// The builders, in report order.
const SECTIONS: [fn(&Sources) -> Section; 12] = [
    product::identity,
    product::purpose,
    product::context,
    product::development,
    product::design,
    record::data,
    record::validation,
    record::approvals,
    record::deployments,
    history::changes,
    history::erasure,
    history::provider,
];

/// Every section, numbered from 1.
pub(super) fn all(src: &Sources) -> Vec<Section> {
    SECTIONS.iter().enumerate().map(|(i, build)| build(src).numbered(i + 1)).collect()
}

/// `items` joined by ", ", or "(not recorded)" when there are none.
fn listed(items: &[String]) -> String {
    if items.is_empty() { "(not recorded)".to_string() } else { items.join(", ") }
}

/// `value`, or `fallback` when it is empty.
fn or_else(value: &str, fallback: &str) -> String {
    if value.is_empty() { fallback.to_string() } else { value.to_string() }
}
