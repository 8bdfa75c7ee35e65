//! `register --link`: copy-on-write clones where the filesystem has them, hard links only when
//! asked (`--link=hard`), recorded with the version and in its audit event; a refusal that says
//! what to do and leaves nothing behind where neither can be made.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use super::common::{Ws, s, stdout};

fn object(w: &Ws, sha256: &str) -> std::path::PathBuf {
    w.path().join("objects-v1").join(&sha256[..2]).join(&sha256[2..])
}

/// Whether `dir` can hold reflinks (`cp --reflink=always` succeeds there).
fn reflinks_work(dir: &Path) -> bool {
    let (a, b) = (dir.join(".reflink-probe-a"), dir.join(".reflink-probe-b"));
    std::fs::write(&a, b"probe").unwrap();
    let ok = std::process::Command::new("cp")
        .arg("--reflink=always")
        .arg(&a)
        .arg(&b)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let _ = (std::fs::remove_file(&a), std::fs::remove_file(&b));
    ok
}

#[test]
fn hard_links_share_the_file_make_it_read_only_are_recorded_and_a_rewrite_is_caught_by_audit_verify() {
    let w = Ws::new();
    let f = w.write("model.safetensors", &super::st(&[("w", "F32", &[64, 64])]));
    let r = w.json(&["register", s(&f), "--model", "big", "--link=hard"]);
    assert_eq!((r["storage"].as_str(), r["linkedFiles"].as_u64()), (Some("hardlink"), Some(1)), "{r}");
    let sha = w.json(&["show", "big@1.0.0"])["version"]["files"][0]["sha256"].as_str().unwrap().to_string();
    let (src, obj) = (std::fs::metadata(&f).unwrap(), std::fs::metadata(object(&w, &sha)).unwrap());
    assert_eq!((src.dev(), src.ino()), (obj.dev(), obj.ino()), "the object is the registered file itself");
    assert_eq!(src.permissions().mode() & 0o222, 0, "the source is read-only now");
    let human = stdout(&w.run(&["show", "big@1.0.0"]));
    assert!(human.contains("hard links to the registered files") && human.contains("audit verify"), "{human}");
    let event = w.json(&["audit", "log"]);
    let reg = event["events"].as_array().unwrap().iter().find(|e| e["action"] == "register_version").unwrap().clone();
    let payload: serde_json::Value = serde_json::from_str(reg["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["link"], serde_json::json!({"mode": "hardlink", "files": ["model.safetensors"]}), "{reg}");
    assert_eq!(w.json(&["audit", "verify"])["badObjects"].as_array().map(Vec::len), Some(0));

    // Someone rewrites the source in place: the stored object changes with it, and verify says so.
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut bytes = std::fs::read(&f).unwrap();
    *bytes.last_mut().unwrap() ^= 0xff;
    std::fs::OpenOptions::new().write(true).open(&f).and_then(|mut o| std::io::Write::write_all(&mut o, &bytes)).unwrap();
    let out = w.run(&["audit", "verify", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["badObjects"][0], sha.as_str(), "{report}");
}

#[test]
fn a_file_already_stored_is_not_linked_and_keeps_its_permissions() {
    let w = Ws::new();
    let bytes = super::st(&[("w", "F32", &[8])]);
    let first = w.write("a/model.safetensors", &bytes);
    w.json(&["register", s(&first), "--model", "m"]);
    let again = w.write("b/model.safetensors", &bytes);
    let r = w.json(&["register", s(&again), "--model", "n", "--link=hard"]);
    assert_eq!(r["linkedFiles"], 0, "{r}");
    assert_ne!(std::fs::metadata(&again).unwrap().permissions().mode() & 0o200, 0, "left writable");
}

#[test]
fn where_no_clone_or_link_can_be_made_the_refusal_says_what_to_do_and_nothing_is_written() {
    let w = Ws::new();
    let f = w.write("model.safetensors", &super::st(&[("w", "F32", &[4])]));
    let before = w.snapshot();
    if reflinks_work(&w.path()) {
        // On btrfs/XFS the clone succeeds: it is recorded, and the source stays writable.
        let r = w.json(&["register", s(&f), "--model", "m", "--link"]);
        assert_eq!(r["storage"], "reflink");
        assert_ne!(std::fs::metadata(&f).unwrap().permissions().mode() & 0o200, 0);
    } else {
        let err = w.fails(&["register", s(&f), "--model", "m", "--link"]);
        assert!(err.contains("copy-on-write") && err.contains("--link=hard") && err.contains("without --link"), "{err}");
        assert_eq!(w.snapshot(), before, "a refused registration changed the catalog");
    }
    assert_eq!(std::fs::read_dir(w.path().join("objects-v1/tmp")).unwrap().count(), 0, "a temp file was left");

    // A hard link cannot cross filesystems: /dev/shm (tmpfs) is not where the workspace is.
    let shm = Path::new("/dev/shm");
    if shm.is_dir() && std::fs::metadata(shm).unwrap().dev() != std::fs::metadata(w.path()).unwrap().dev() {
        let other = tempfile::tempdir_in(shm).unwrap();
        let g = other.path().join("model.safetensors");
        std::fs::write(&g, super::st(&[("v", "F32", &[5])])).unwrap();
        let before = w.snapshot();
        let err = w.fails(&["register", s(&g), "--model", "x", "--link=hard"]);
        assert!(err.contains("another filesystem") && err.contains("without --link"), "{err}");
        assert_eq!(w.snapshot(), before);
    }
    let err = w.fails(&["register", s(&f), "--model", "m", "--link=soft"]);
    assert!(err.contains("--link=hard"), "{err}");
}

/// An XFS image mounted on a loop device, unmounted on drop.
struct Xfs {
    _dir: tempfile::TempDir,
    mount: std::path::PathBuf,
}

impl Xfs {
    /// `None` (with the reason) where this machine cannot make one: no mkfs.xfs, not root, no loop.
    fn mount() -> Result<Xfs, String> {
        let dir = tempfile::tempdir().unwrap();
        let (image, mount) = (dir.path().join("xfs.img"), dir.path().join("mnt"));
        std::fs::create_dir(&mount).unwrap();
        std::fs::File::create(&image).unwrap().set_len(512 << 20).unwrap();
        let run = |cmd: &mut std::process::Command| match cmd.output() {
            Ok(o) if o.status.success() => Ok(()),
            Ok(o) => Err(String::from_utf8_lossy(&o.stderr).trim().to_string()),
            Err(e) => Err(e.to_string()),
        };
        run(std::process::Command::new("mkfs.xfs").args(["-q", "-m", "reflink=1"]).arg(&image))?;
        run(std::process::Command::new("mount").arg("-o").arg("loop").arg(&image).arg(&mount))?;
        Ok(Xfs { _dir: dir, mount })
    }
}

impl Drop for Xfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.mount).status();
    }
}

#[test]
fn on_a_filesystem_with_reflinks_link_clones_and_a_later_rewrite_of_the_source_leaves_the_object_intact() {
    let xfs = match Xfs::mount() {
        Ok(x) => x,
        Err(why) => {
            eprintln!("SKIPPED: cannot mount an XFS image here ({why}); the refusal path is tested on this filesystem");
            return;
        }
    };
    let w = Ws { dir: tempfile::tempdir_in(&xfs.mount).unwrap() };
    assert!(w.run(&["init"]).status.success());
    let f = w.write("model.safetensors", &super::st(&[("w", "F32", &[256, 256])]));
    let r = w.json(&["register", s(&f), "--model", "m", "--link"]);
    assert_eq!((r["storage"].as_str(), r["linkedFiles"].as_u64()), (Some("reflink"), Some(1)), "{r}");
    let sha = w.json(&["show", "m@1.0.0"])["version"]["files"][0]["sha256"].as_str().unwrap().to_string();
    let (src, obj) = (std::fs::metadata(&f).unwrap(), std::fs::metadata(object(&w, &sha)).unwrap());
    assert_ne!(src.ino(), obj.ino(), "a clone is its own file");
    assert_ne!(src.permissions().mode() & 0o200, 0, "the source stays writable");
    let shared = std::process::Command::new("filefrag").arg("-v").arg(object(&w, &sha)).output().unwrap();
    assert!(String::from_utf8_lossy(&shared.stdout).contains("shared"), "blocks are shared with the source");
    // Copy-on-write: rewriting the source in place does not touch the stored object.
    let mut bytes = std::fs::read(&f).unwrap();
    *bytes.last_mut().unwrap() ^= 0xff;
    std::fs::OpenOptions::new().write(true).open(&f).and_then(|mut o| std::io::Write::write_all(&mut o, &bytes)).unwrap();
    assert_eq!(w.json(&["audit", "verify"])["badObjects"].as_array().map(Vec::len), Some(0));
    drop(w);
}
