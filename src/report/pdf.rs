//! Audit reports rendered as paginated PDF with an embedded Typst compiler.
//!
//! The canonical report JSON is never spliced into Typst markup. The template
//! (`report.typ`, compiled into the binary) reads it with `json("/report.json")`
//! from a virtual file served by [`ReportWorld`], so every user string is a
//! Typst string value and is displayed as text, never evaluated. The optional
//! lineage graph is served the same way as `/lineage.svg`. The world serves
//! nothing else: no file system, no packages, no system fonts (the fonts come
//! from `typst-assets` and are embedded in the PDF).

use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Dict, Duration, Smart, Value};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

/// The Typst template. It only reads data through `json("/report.json")`.
const TEMPLATE: &str = include_str!("report.typ");

const MAIN_PATH: &str = "/report.typ";
const REPORT_PATH: &str = "/report.json";
const LINEAGE_PATH: &str = "/lineage.svg";

/// A rendered report.
#[derive(Debug, Clone)]
pub struct RenderedPdf {
    /// The PDF file.
    pub bytes: Vec<u8>,
    /// `true` when the file was exported (and validated by Typst's exporter)
    /// as PDF/A-2b, `false` when it fell back to plain PDF 1.7.
    pub pdf_a: bool,
}

/// Renders the report as PDF (PDF/A-2b when typst accepts the document, else
/// plain PDF 1.7; say which in the returned struct).
///
/// `report` is the canonical `pedigree.report/v1` document; `lineage_svg` is
/// an optional SVG of the lineage graph shown by `{"kind": "lineage"}` blocks
/// ("(graph not available)" otherwise, and also when the SVG cannot be drawn).
pub fn render_pdf(report: &serde_json::Value, lineage_svg: Option<&str>) -> Result<RenderedPdf, String> {
    if !report.is_object() {
        return Err("report must be a JSON object".to_string());
    }
    let json = serde_json::to_vec(report).map_err(|e| format!("cannot serialize report: {e}"))?;
    let generated = report.get("generatedAt").and_then(|v| v.as_str()).and_then(parse_timestamp).unwrap_or_else(now_utc);

    let result = match lineage_svg {
        Some(svg) => match compile(&json, Some(svg), generated) {
            Ok(doc) => Ok(doc),
            // A graph that Typst cannot draw must not block the audit report:
            // render it again with the "(graph not available)" placeholder.
            Err(first) => compile(&json, None, generated).map_err(|_| first),
        },
        None => compile(&json, None, generated),
    };
    // Typst memoizes across compilations in process-wide caches; keep them
    // bounded in a long-running server.
    let out = result.and_then(|doc| export(&doc, report, generated));
    typst::comemo::evict(10);
    out
}

/// Civil UTC date and time: (year, month, day, hour, minute, second).
type Civil = (i32, u8, u8, u8, u8, u8);

fn compile(json: &[u8], lineage_svg: Option<&str>, generated: Civil) -> Result<PagedDocument, String> {
    let world = ReportWorld::new(json, lineage_svg, generated);
    let warned = typst::compile::<PagedDocument>(&world);
    warned.output.map_err(|errors| describe(&world, &errors))
}

fn export(doc: &PagedDocument, report: &serde_json::Value, generated: Civil) -> Result<RenderedPdf, String> {
    let (y, mo, d, h, mi, s) = generated;
    let timestamp = Datetime::from_ymd_hms(y, mo, d, h, mi, s).map(Timestamp::new_utc);
    let tool = report.get("tool");
    let tool_name = tool.and_then(|t| t.get("name")).and_then(|v| v.as_str()).unwrap_or("pedigree");
    let tool_version = tool.and_then(|t| t.get("version")).and_then(|v| v.as_str()).unwrap_or("");
    let creator = format!("{tool_name} {tool_version} (Typst)").replace("  ", " ");

    let options = |standards: PdfStandards| PdfOptions {
        creator: Smart::Custom(Some(creator.clone())),
        timestamp,
        standards,
        ..PdfOptions::default()
    };

    let pdf_a = PdfStandards::new(&[PdfStandard::A_2b]).map_err(|e| e.message().to_string())?;
    if let Ok(bytes) = typst_pdf::pdf(doc, &options(pdf_a)) {
        return Ok(RenderedPdf { bytes, pdf_a: true });
    }
    let plain = PdfStandards::new(&[PdfStandard::V_1_7]).map_err(|e| e.message().to_string())?;
    let bytes = typst_pdf::pdf(doc, &options(plain))
        .map_err(|errors| errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; "))?;
    Ok(RenderedPdf { bytes, pdf_a: false })
}

/// Formats compiler errors as "report.typ:LINE: message (hint: …)".
fn describe(world: &ReportWorld, errors: &[SourceDiagnostic]) -> String {
    let mut parts = Vec::new();
    for diag in errors {
        let mut text = String::new();
        if diag.span.id() == Some(world.main_id)
            && let Some(range) = world.range(diag.span)
            && let Some(line) = world.main.lines().byte_to_line(range.start)
        {
            text.push_str(&format!("report.typ:{}: ", line + 1));
        }
        text.push_str(&diag.message);
        for hint in &diag.hints {
            text.push_str(&format!(" (hint: {})", hint.v));
        }
        parts.push(text);
    }
    format!("typst: {}", parts.join("; "))
}

/// The bundled fonts, parsed once per process.
struct EmbeddedFonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<EmbeddedFonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
    let book = FontBook::from_fonts(&fonts);
    EmbeddedFonts { book: LazyHash::new(book), fonts }
});

fn project_file(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("static virtual path is valid");
    FileId::new(RootedPath::new(VirtualRoot::Project, vpath))
}

/// A closed Typst world: the template, the report JSON, the optional SVG and
/// the embedded fonts. Every other file access fails.
struct ReportWorld {
    library: LazyHash<Library>,
    main_id: FileId,
    main: Source,
    report_id: FileId,
    report: Bytes,
    lineage_id: FileId,
    lineage: Option<Bytes>,
    today: Option<Datetime>,
}

impl ReportWorld {
    fn new(json: &[u8], lineage_svg: Option<&str>, generated: Civil) -> Self {
        let mut inputs = Dict::new();
        inputs.insert("lineage".into(), Value::Bool(lineage_svg.is_some()));
        let library = Library::builder().with_inputs(inputs).build();
        let main_id = project_file(MAIN_PATH);
        let (y, mo, d, ..) = generated;
        Self {
            library: LazyHash::new(library),
            main_id,
            main: Source::new(main_id, TEMPLATE.to_string()),
            report_id: project_file(REPORT_PATH),
            report: Bytes::new(json.to_vec()),
            lineage_id: project_file(LINEAGE_PATH),
            lineage: lineage_svg.map(|svg| Bytes::from_string(svg.to_string())),
            today: Datetime::from_ymd(y, mo, d),
        }
    }

    fn not_found(id: FileId) -> FileError {
        FileError::NotFound(PathBuf::from(id.vpath().get_with_slash()))
    }
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main_id
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main_id { Ok(self.main.clone()) } else { Err(Self::not_found(id)) }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.report_id {
            Ok(self.report.clone())
        } else if id == self.lineage_id
            && let Some(svg) = &self.lineage
        {
            Ok(svg.clone())
        } else if id == self.main_id {
            Ok(Bytes::from_string(TEMPLATE))
        } else {
            Err(Self::not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    /// The report's own date, so that output depends only on its input.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

/// Parses the leading `YYYY-MM-DDTHH:MM:SS` of an RFC 3339 UTC timestamp.
fn parse_timestamp(s: &str) -> Option<Civil> {
    let b = s.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) { part.parse().ok() } else { None }
    };
    let civil =
        (num(0..4)? as i32, num(5..7)? as u8, num(8..10)? as u8, num(11..13)? as u8, num(14..16)? as u8, num(17..19)? as u8);
    // Reject impossible dates and times.
    Datetime::from_ymd_hms(civil.0, civil.1, civil.2, civil.3, civil.4, civil.5)?;
    Some(civil)
}

/// The current UTC time as a civil date (days-to-civil, proleptic Gregorian).
fn now_utc() -> Civil {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year as i32, month as u8, day as u8, (rem / 3600) as u8, (rem % 3600 / 60) as u8, (rem % 60) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_prefix() {
        assert_eq!(parse_timestamp("2026-11-27T03:40:00.000Z"), Some((2026, 11, 27, 3, 40, 0)));
        assert_eq!(parse_timestamp("2026-13-27T03:40:00Z"), None);
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn renders_hostile_strings_as_pdf_a() {
        let digest = "ab".repeat(32);
        let report = serde_json::json!({
            "schema": "pedigree.report/v1",
            "title": "#set page(width: 1pt)",
            "subject": {"model": "\"]); #panic()", "version": "2.0.0", "rootDigest": digest},
            "generatedAt": "2026-11-27T03:40:00.000Z",
            "generatedBy": "<script>alert(1)</script>",
            "sections": [{"number": "1", "title": "מודל نموذج", "blocks": [
                {"kind": "facts", "items": [{"label": "]", "value": "x".repeat(2000), "mono": true}]},
                {"kind": "table", "columns": ["a"], "mono": [true], "rows": [["#{"], ["nul\u{0}\u{202E}"]]},
                {"kind": "todo", "label": "Risk", "hint": "*not bold*"},
                {"kind": "lineage"},
            ]}],
            "integrity": {"checkpoint": "origin\n1\nroot\n\n— sig"},
        });
        let pdf = render_pdf(&report, None).expect("renders");
        assert!(pdf.bytes.starts_with(b"%PDF-"));
        assert!(pdf.pdf_a, "expected PDF/A-2b");
        // A broken SVG falls back to the placeholder instead of failing.
        assert!(render_pdf(&report, Some("<svg")).is_ok());
        assert!(render_pdf(&serde_json::json!("not an object"), None).is_err());
    }

    #[test]
    fn now_is_a_valid_date() {
        let (y, mo, d, h, mi, s) = now_utc();
        assert!(y >= 2024);
        assert!(Datetime::from_ymd_hms(y, mo, d, h, mi, s).is_some());
    }
}
