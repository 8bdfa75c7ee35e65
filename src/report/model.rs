//! The typed shape of report.json (`pedigree.report/v1`). Serialised through
//! [`crate::audit::canonical`] it is the same document the untyped builder wrote before, key for
//! key: every number is a string, a fact has `mono` only when it is monospaced, and a block names
//! its `kind` next to its fields. The HTML, PDF, ML-BOM and card renderers and the offline
//! verifier read that JSON, so these types only ever gain optional fields.

use serde::{Deserialize, Serialize};

use crate::audit::checkpoint::Checkpoint;

/// Prefix of every "to be completed by the provider" hint (the renderers strip it).
pub const TODO_PREFIX: &str = "To be completed by the provider: ";

/// The whole report.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Always [`super::SCHEMA`].
    pub schema: String,
    /// "Audit report — MODEL@VERSION".
    pub title: String,
    /// The version the report is about.
    pub subject: Subject,
    /// RFC 3339 time the facts were gathered.
    pub generated_at: String,
    /// Actor who asked for the report.
    pub generated_by: String,
    /// The program that wrote it.
    pub tool: Tool,
    /// The Annex IV sections, in order.
    pub sections: Vec<Section>,
    /// Seqs of the audit events the report cites, ascending, as decimal strings.
    pub cited_events: Vec<String>,
    /// The signed checkpoint the cited events are proven against; absent until a bundle or a
    /// preview adds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity: Option<Integrity>,
}

/// The version a report is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    /// Model name.
    pub model: String,
    /// Semantic version.
    pub version: String,
    /// Lineage node id (`version:MODEL@VERSION`).
    pub node: String,
    /// model-signing v1.0 root digest of the files.
    pub root_digest: String,
    /// SHA-256 of the canonical manifest.
    pub manifest_digest: String,
    /// Sniffed format (safetensors, onnx, …).
    pub format: String,
    /// Lifecycle status when the report was made.
    pub status: String,
}

/// Name and version of the program that wrote the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// "pedigree".
    pub name: String,
    /// The crate version.
    pub version: String,
}

impl Tool {
    /// This build of Pedigree.
    pub fn this() -> Tool {
        Tool { name: "pedigree".into(), version: env!("CARGO_PKG_VERSION").into() }
    }
}

/// How a bundle's report can be verified offline: the checkpoint and the key that signed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Integrity {
    /// Tree size of the checkpoint, as a decimal string.
    pub log_size: String,
    /// Base64 RFC 6962 root hash of the checkpoint.
    pub root_hash: String,
    /// The C2SP signed note, verbatim.
    pub checkpoint: String,
    /// Hex Ed25519 public key of the workspace.
    pub public_key: String,
    /// Hex SHA-256 of the public key.
    pub fingerprint: String,
}

impl Integrity {
    /// The integrity block for `checkpoint`, signed by `public_key` (raw bytes).
    pub fn new(checkpoint: &Checkpoint, public_key: &[u8]) -> Integrity {
        Integrity {
            log_size: checkpoint.size.to_string(),
            root_hash: checkpoint.root.clone(),
            checkpoint: checkpoint.note.clone(),
            public_key: hex::encode(public_key),
            fingerprint: super::bundle::fingerprint(public_key),
        }
    }
}

/// One numbered section (an Annex IV item, with the frameworks it also evidences).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// Stable id (`identity`, `purpose`, …), used as the HTML anchor.
    pub id: String,
    /// 1-based position, as a decimal string.
    pub number: String,
    /// Heading.
    pub title: String,
    /// The legal and framework references the section answers.
    pub basis: String,
    /// Its content.
    pub blocks: Vec<Block>,
}

impl Section {
    /// A section not yet numbered ([`Section::numbered`] sets its position).
    pub fn new(id: &str, title: &str, basis: &str, blocks: Vec<Block>) -> Section {
        Section { id: id.into(), number: String::new(), title: title.into(), basis: basis.into(), blocks }
    }

    /// The same section at 1-based position `n`.
    pub fn numbered(self, n: usize) -> Section {
        Section { number: n.to_string(), ..self }
    }
}

/// One block of a section; `kind` in the JSON names the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Block {
    /// Label–value pairs.
    Facts {
        /// The pairs, in order.
        items: Vec<Fact>,
    },
    /// A titled table ("None recorded." when it has no rows).
    Table(Table),
    /// A paragraph.
    Text {
        /// Plain text (the renderers escape it).
        text: String,
    },
    /// What only the provider can state: never invented, always visible.
    Todo {
        /// What is missing.
        label: String,
        /// What to write, prefixed by [`TODO_PREFIX`].
        hint: String,
    },
    /// Where the lineage graph is drawn.
    Lineage,
}

/// One label–value pair of a facts block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// What the value is.
    pub label: String,
    /// The value, as text.
    pub value: String,
    /// Whether the value is set in a monospaced font (digests); omitted when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mono: bool,
}

/// A table block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Heading above the table.
    pub title: String,
    /// Column headings.
    pub columns: Vec<String>,
    /// Per column: whether its cells are monospaced.
    pub mono: Vec<bool>,
    /// The cells, row by row.
    pub rows: Vec<Vec<String>>,
}

/// A fact in the body font.
pub fn fact(label: &str, value: impl ToString) -> Fact {
    Fact { label: label.into(), value: value.to_string(), mono: false }
}

/// A fact in a monospaced font.
pub fn mono(label: &str, value: impl ToString) -> Fact {
    Fact { mono: true, ..fact(label, value) }
}

/// A facts block.
pub fn facts(items: Vec<Fact>) -> Block {
    Block::Facts { items }
}

/// A table block; `columns` pairs each heading with whether its cells are monospaced.
pub fn table(title: &str, columns: &[(&str, bool)], rows: Vec<Vec<String>>) -> Block {
    Block::Table(Table {
        title: title.into(),
        columns: columns.iter().map(|(c, _)| c.to_string()).collect(),
        mono: columns.iter().map(|(_, m)| *m).collect(),
        rows,
    })
}

/// A paragraph block.
pub fn text(t: impl ToString) -> Block {
    Block::Text { text: t.to_string() }
}

/// A "to be completed by the provider" block.
pub fn todo(label: &str, hint: &str) -> Block {
    Block::Todo { label: label.into(), hint: format!("{TODO_PREFIX}{hint}") }
}

impl Report {
    /// The report as a JSON value (what the renderers read).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("reports serialise")
    }

    /// report.json: RFC 8785 canonical JSON.
    pub fn canonical(&self) -> String {
        crate::audit::canonical(&self.to_value())
    }

    /// The section ids with the kinds of their blocks, in order (what the structure test pins).
    pub fn outline(&self) -> Vec<(String, Vec<&'static str>)> {
        self.sections.iter().map(|s| (s.id.clone(), s.blocks.iter().map(Block::kind).collect())).collect()
    }
}

impl Block {
    /// The block's `kind` in the JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Block::Facts { .. } => "facts",
            Block::Table(_) => "table",
            Block::Text { .. } => "text",
            Block::Todo { .. } => "todo",
            Block::Lineage => "lineage",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_serialise_with_the_keys_report_json_always_had() {
        let blocks = vec![
            facts(vec![fact("A", 1), mono("B", "x")]),
            table("T", &[("C", false), ("D", true)], vec![vec!["1".into(), "2".into()]]),
            text("t"),
            todo("L", "h"),
            Block::Lineage,
        ];
        let json = crate::audit::canonical(&serde_json::to_value(&blocks).unwrap());
        assert_eq!(
            json,
            concat!(
                r#"[{"items":[{"label":"A","value":"1"},{"label":"B","mono":true,"value":"x"}],"kind":"facts"},"#,
                r#"{"columns":["C","D"],"kind":"table","mono":[false,true],"rows":[["1","2"]],"title":"T"},"#,
                r#"{"kind":"text","text":"t"},{"hint":"To be completed by the provider: h","kind":"todo","label":"L"},"#,
                r#"{"kind":"lineage"}]"#
            )
        );
        let kinds: Vec<&str> = blocks.iter().map(Block::kind).collect();
        assert_eq!(kinds, ["facts", "table", "text", "todo", "lineage"]);
    }

    #[test]
    fn a_section_is_numbered_as_a_string() {
        let s = Section::new("x", "X", "basis", vec![]).numbered(3);
        let json = crate::audit::canonical(&serde_json::to_value(&s).unwrap());
        assert_eq!(json, r#"{"basis":"basis","blocks":[],"id":"x","number":"3","title":"X"}"#);
    }
}
