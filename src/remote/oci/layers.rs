//! What a layer holds: one file (ModelPack `.raw`, or a file ORAS pushed), or the files of an
//! archive (ModelPack and KitOps `.tar`, `.tar+gzip`, `.tar+zstd`, ORAS folders). From an archive only
//! regular files are taken, at paths inside the model; a link, a device, an absolute or `..`
//! path, or a file named twice refuses the layer.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use crate::remote::safe_rel;

/// Largest total of files taken from one archive (a decompression bomb stops here).
const MAX_UNPACKED: u64 = 256 << 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    File,
    Tar(Compression),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Compression {
    None,
    Gzip,
    Zstd,
}

/// How to read a layer of this media type.
pub(super) fn kind(media: &str, notes: &Value) -> Kind {
    let compression = if media.ends_with("+gzip") || media.ends_with(".gzip") {
        Compression::Gzip
    } else if media.ends_with("+zstd") || media.ends_with(".zstd") {
        Compression::Zstd
    } else {
        Compression::None
    };
    let packed = (media.contains("vnd.cncf.model.") || media.contains("vnd.kitops.")) && media.contains(".tar");
    let folder = notes["io.deis.oras.content.unpack"].as_str() == Some("true");
    // ORAS gives single files `application/vnd.oci.image.layer.v1.tar` though they are not
    // archives; only its folders say so.
    if packed || folder || compression != Compression::None { Kind::Tar(compression) } else { Kind::File }
}

/// Takes the regular files of the tar at `archive` into `dir`; returns how many. A zstd frame's
/// window is held to the decoder's default limit, so a hostile frame cannot ask for gigabytes.
pub(super) fn extract(archive: &Path, compression: Compression, dir: &Path) -> Result<u32, String> {
    let file = std::io::BufReader::new(std::fs::File::open(archive).map_err(|e| e.to_string())?);
    let reader: Box<dyn Read> = match compression {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::read::GzDecoder::new(file)),
        Compression::Zstd => {
            Box::new(ruzstd::decoding::StreamingDecoder::new(file).map_err(|e| format!("not a zstd stream: {e}"))?)
        }
    };
    let mut tar = tar::Archive::new(reader);
    let mut count = 0;
    let mut total = 0u64;
    for entry in tar.entries().map_err(|e| format!("not a tar archive: {e}"))? {
        let mut entry = entry.map_err(|e| format!("a damaged tar archive: {e}"))?;
        let path = entry.path().map_err(|e| e.to_string())?.to_string_lossy().trim_start_matches("./").to_string();
        match entry.header().entry_type() {
            tar::EntryType::Directory => continue,
            tar::EntryType::Regular | tar::EntryType::Continuous => {}
            // pax/GNU headers are read by the tar reader itself.
            tar::EntryType::XHeader | tar::EntryType::XGlobalHeader | tar::EntryType::GNULongName => continue,
            other => return Err(format!("{path}: a {other:?} entry; only regular files are taken")),
        }
        let rel = safe_rel(&path).ok_or_else(|| format!("the archive names {path:?}, which is not a path inside the model"))?;
        let dest = dir.join(rel);
        if dest.exists() {
            return Err(format!("{path} is in the model twice"));
        }
        total += entry.size();
        if total > MAX_UNPACKED {
            return Err(format!("the archive unpacks to more than {} GiB", MAX_UNPACKED >> 30));
        }
        std::fs::create_dir_all(dest.parent().expect("joined path has a parent")).map_err(|e| e.to_string())?;
        let mut out = std::fs::File::create(&dest).map_err(|e| format!("{}: {e}", dest.display()))?;
        std::io::copy(&mut entry, &mut out).map_err(|e| format!("{path}: {e}"))?;
        count += 1;
    }
    Ok(count)
}

/// The layer digests a ModelPack config lists (`modelfs.diffIds`, or `diff_ids` as configs
/// written before model-spec v0.0.7 spell it).
pub(super) fn diff_ids(config: &Value) -> Option<Vec<String>> {
    let fs = &config["modelfs"];
    let ids = fs.get("diffIds").or_else(|| fs.get("diff_ids"))?.as_array()?;
    Some(ids.iter().filter_map(|d| d.as_str().map(str::to_string)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_are_read_by_their_type() {
        let none = Value::Null;
        assert_eq!(kind("application/vnd.cncf.model.weight.v1.raw", &none), Kind::File);
        assert_eq!(kind("application/vnd.oci.image.layer.v1.tar", &none), Kind::File, "an ORAS file");
        assert_eq!(kind("application/vnd.kitops.modelkit.model.v1.tar", &none), Kind::Tar(Compression::None));
        assert_eq!(kind("application/vnd.cncf.model.weight.v1.tar+gzip", &none), Kind::Tar(Compression::Gzip));
        let folder = serde_json::json!({"io.deis.oras.content.unpack": "true"});
        assert_eq!(kind("application/vnd.oci.image.layer.v1.tar+gzip", &folder), Kind::Tar(Compression::Gzip));
        assert_eq!(kind("application/vnd.kitops.modelkit.model.v1.tar+zstd", &none), Kind::Tar(Compression::Zstd));
        let camel = serde_json::json!({"modelfs": {"type": "layers", "diffIds": ["sha256:a"]}});
        let snake = serde_json::json!({"modelfs": {"type": "layers", "diff_ids": ["sha256:b"]}});
        assert_eq!((diff_ids(&camel), diff_ids(&snake)), (Some(vec!["sha256:a".into()]), Some(vec!["sha256:b".into()])));
    }

    #[test]
    fn only_regular_files_inside_the_model_come_out_of_an_archive() {
        let d = tempfile::tempdir().unwrap();
        let make = |name: &str, entries: &[(&str, tar::EntryType)]| {
            let path = d.path().join(name);
            let mut b = tar::Builder::new(std::fs::File::create(&path).unwrap());
            for (p, t) in entries {
                let mut h = tar::Header::new_gnu();
                h.set_entry_type(*t);
                h.set_size(if *t == tar::EntryType::Regular { 3 } else { 0 });
                h.set_mode(0o644);
                if *t == tar::EntryType::Symlink {
                    h.set_link_name("/etc/passwd").unwrap();
                }
                // Raw names, as a hostile archive would carry them.
                let bytes = p.as_bytes();
                h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
                h.set_cksum();
                b.append(&h, &b"abc"[..if *t == tar::EntryType::Regular { 3 } else { 0 }]).unwrap();
            }
            b.finish().unwrap();
            path
        };
        let good = make("good.tar", &[("model/", tar::EntryType::Directory), ("model/w.bin", tar::EntryType::Regular)]);
        let out = d.path().join("out");
        assert_eq!(extract(&good, Compression::None, &out), Ok(1));
        assert_eq!(std::fs::read(out.join("model/w.bin")).unwrap(), b"abc");
        for (name, entries) in [
            ("up.tar", vec![("../evil", tar::EntryType::Regular)]),
            ("abs.tar", vec![("/etc/evil", tar::EntryType::Regular)]),
            ("link.tar", vec![("ln", tar::EntryType::Symlink)]),
            ("twice.tar", vec![("a", tar::EntryType::Regular), ("a", tar::EntryType::Regular)]),
        ] {
            let bad = make(name, &entries);
            let out = d.path().join(format!("out-{name}"));
            assert!(extract(&bad, Compression::None, &out).is_err(), "{name}");
            assert!(!d.path().join("evil").exists());
        }
    }
}
