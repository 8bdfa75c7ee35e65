//! report.html: one self-contained, print-friendly page rendered from report.json (inline CSS,
//! the lineage as inline SVG, no scripts, no external resources). Every string is escaped.

use serde_json::Value;

use super::model::TODO_PREFIX;
use super::svg::escape;

const CSS: &str = r#"
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;font-size:13px;line-height:1.45;color:#1b1d21;max-width:1000px;margin:24px auto;padding:0 20px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 2px;border-bottom:1px solid #ccd;padding-bottom:3px}
h3{font-size:13px;margin:14px 0 4px}.basis{color:#667;font-style:italic;font-size:11px;margin:0 0 10px}
dl{display:grid;grid-template-columns:minmax(160px,max-content) 1fr;gap:3px 14px;margin:6px 0}dt{color:#556}dd{margin:0;overflow-wrap:anywhere}
.mono,td.mono{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:11.5px;overflow-wrap:anywhere;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:12px}th,td{border:1px solid #d5d8de;padding:3px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#eef0f4}tr:nth-child(even) td{background:#f8f9fb}.empty{color:#778;font-style:italic}
.todo{border:1.5px dashed #c58b00;background:#fffaf0;padding:6px 10px;margin:8px 0;border-radius:4px}.todo b{color:#8a5a00}
pre{background:#f4f5f7;padding:8px;white-space:pre-wrap;word-break:break-all;font-size:11px}
.toc a{color:#2a4c8a;text-decoration:none}figure{margin:8px 0;overflow-x:auto}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,figure,.todo{break-inside:avoid}}
"#;

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn block(b: &Value, svg: Option<&str>, out: &mut String) {
    match str_of(&b["kind"]) {
        "facts" => {
            out.push_str("<dl>");
            for it in b["items"].as_array().into_iter().flatten() {
                let class = if it["mono"].as_bool() == Some(true) { " class=\"mono\"" } else { "" };
                out.push_str(&format!(
                    "<dt>{}</dt><dd{class}>{}</dd>",
                    escape(str_of(&it["label"])),
                    escape(str_of(&it["value"]))
                ));
            }
            out.push_str("</dl>\n");
        }
        "table" => {
            let mono: Vec<bool> = b["mono"].as_array().into_iter().flatten().map(|m| m.as_bool() == Some(true)).collect();
            if let Some(t) = b["title"].as_str().filter(|t| !t.is_empty()) {
                out.push_str(&format!("<h3>{}</h3>", escape(t)));
            }
            let rows = b["rows"].as_array().cloned().unwrap_or_default();
            if rows.is_empty() {
                out.push_str("<p class=\"empty\">None recorded.</p>\n");
                return;
            }
            out.push_str("<table><thead><tr>");
            for c in b["columns"].as_array().into_iter().flatten() {
                out.push_str(&format!("<th>{}</th>", escape(str_of(c))));
            }
            out.push_str("</tr></thead><tbody>");
            for r in &rows {
                out.push_str("<tr>");
                for (i, c) in r.as_array().into_iter().flatten().enumerate() {
                    let class = if mono.get(i) == Some(&true) { " class=\"mono\"" } else { "" };
                    out.push_str(&format!("<td{class}>{}</td>", escape(str_of(c))));
                }
                out.push_str("</tr>");
            }
            out.push_str("</tbody></table>\n");
        }
        "text" => out.push_str(&format!("<p>{}</p>\n", escape(str_of(&b["text"])))),
        "todo" => {
            let hint = str_of(&b["hint"]);
            let hint = hint.strip_prefix(TODO_PREFIX).unwrap_or(hint);
            out.push_str(&format!(
                "<div class=\"todo\"><b>{}</b> — to be completed by the provider<br>{}</div>\n",
                escape(str_of(&b["label"])),
                escape(hint)
            ))
        }
        "lineage" => match svg {
            Some(s) => out.push_str(&format!("<h3>Lineage</h3><figure>{s}</figure>\n")),
            None => out.push_str("<p class=\"empty\">(graph not available)</p>\n"),
        },
        _ => {}
    }
}

/// The whole document.
pub fn render(report: &Value, lineage_svg: Option<&str>) -> String {
    let title = escape(str_of(&report["title"]));
    let subj = &report["subject"];
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\
         <title>{title}</title><style>{CSS}</style></head><body>\n<h1>{title}</h1>\n"
    );
    out.push_str(&format!(
        "<dl><dt>Model</dt><dd>{}</dd><dt>Version</dt><dd>{}</dd><dt>Root digest</dt><dd class=\"mono\">{}</dd>\
         <dt>Generated</dt><dd>{} by {} with {} {}</dd></dl>\n",
        escape(str_of(&subj["model"])),
        escape(str_of(&subj["version"])),
        escape(str_of(&subj["rootDigest"])),
        escape(str_of(&report["generatedAt"])),
        escape(str_of(&report["generatedBy"])),
        escape(str_of(&report["tool"]["name"])),
        escape(str_of(&report["tool"]["version"])),
    ));
    let sections = report["sections"].as_array().cloned().unwrap_or_default();
    out.push_str("<nav class=\"toc\"><h2>Contents</h2><ol>");
    for s in &sections {
        out.push_str(&format!("<li><a href=\"#{}\">{}</a></li>", escape(str_of(&s["id"])), escape(str_of(&s["title"]))));
    }
    out.push_str("<li><a href=\"#integrity\">Integrity appendix</a></li></ol></nav>\n");
    for s in &sections {
        out.push_str(&format!(
            "<section id=\"{}\"><h2>{}. {}</h2><p class=\"basis\">{}</p>\n",
            escape(str_of(&s["id"])),
            escape(str_of(&s["number"])),
            escape(str_of(&s["title"])),
            escape(str_of(&s["basis"]))
        ));
        for b in s["blocks"].as_array().into_iter().flatten() {
            block(b, lineage_svg, &mut out);
        }
        out.push_str("</section>\n");
    }
    let i = &report["integrity"];
    out.push_str(&format!(
        "<section id=\"integrity\"><h2>Integrity appendix</h2><p class=\"basis\">How to verify this report offline</p>\
         <dl><dt>Audit log size</dt><dd>{} events</dd><dt>Merkle root (RFC 6962)</dt><dd class=\"mono\">{}</dd>\
         <dt>Signing key fingerprint</dt><dd class=\"mono\">{}</dd><dt>Cited events</dt><dd>{}</dd></dl>\
         <h3>Signed checkpoint</h3><pre>{}</pre>\
         <p>Run <code>pedigree verify DIR</code> on the bundle: it checks the signature of MANIFEST.intoto.json, the SHA-256 of every file, \
         the checkpoint signature, and the inclusion proof of every cited audit event (log/proofs.json) against the checkpoint.</p></section>\n",
        escape(str_of(&i["logSize"])),
        escape(str_of(&i["rootHash"])),
        escape(str_of(&i["fingerprint"])),
        report["citedEvents"].as_array().map_or(0, Vec::len),
        escape(str_of(&i["checkpoint"])),
    ));
    out.push_str("</body></html>\n");
    out
}
