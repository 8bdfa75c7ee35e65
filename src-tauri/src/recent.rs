//! Recent workspaces: the folders the desktop app opened, most recent first, without duplicates,
//! at most [`CAP`], kept in `recent.json` under the user's config dir
//! (`$XDG_CONFIG_HOME/pedigree/`). The list logic is pure ([`remember`], [`entries`]); reading
//! and writing the file never fails the app: a missing or damaged file reads as an empty list.

use std::path::{Path, PathBuf};

use pedigree::api::host::{RecentWorkspace, is_workspace};

/// How many workspaces the list keeps.
pub const CAP: usize = 10;

/// The list's file: `$XDG_CONFIG_HOME/pedigree/recent.json` (else `~/.config/…`).
pub fn file() -> PathBuf {
    dirs::config_dir().unwrap_or_else(|| PathBuf::from(".")).join("pedigree").join("recent.json")
}

/// The path as the list keeps it: canonical when the folder exists (so `a/`, `a` and a symlink
/// to it are one entry), as given otherwise.
pub fn normalize(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `list` with `path` moved (or added) to the front, duplicates removed, cut to [`CAP`].
pub fn remember(list: &[PathBuf], path: &Path) -> Vec<PathBuf> {
    let path = normalize(path);
    let mut out = vec![path.clone()];
    out.extend(list.iter().filter(|p| normalize(p) != path).cloned());
    dedupe(&mut out);
    out.truncate(CAP);
    out
}

/// Keeps the first of equal entries.
fn dedupe(list: &mut Vec<PathBuf>) {
    let mut seen = std::collections::HashSet::new();
    list.retain(|p| seen.insert(normalize(p)));
}

/// `list` without the folders that no longer hold a workspace, keeping `current`.
pub fn without_missing(list: &[PathBuf], current: &Path) -> Vec<PathBuf> {
    list.iter().filter(|p| *p == current || is_workspace(p)).cloned().collect()
}

/// The list as the UI and the menu show it: missing folders marked, the open one flagged.
pub fn entries(list: &[PathBuf], current: &Path) -> Vec<RecentWorkspace> {
    let current = normalize(current);
    list.iter()
        .map(|p| RecentWorkspace { path: p.display().to_string(), exists: is_workspace(p), current: normalize(p) == current })
        .collect()
}

/// Reads the list; a missing or unreadable file is an empty list (a warning for the latter).
pub fn load(file: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(file) else { return Vec::new() };
    match serde_json::from_str::<Vec<PathBuf>>(&text) {
        Ok(mut list) => {
            dedupe(&mut list);
            list.truncate(CAP);
            list
        }
        Err(e) => {
            eprintln!("warning: ignoring the recent workspaces in {} ({e}); it is rewritten on the next open", file.display());
            Vec::new()
        }
    }
}

/// Writes the list atomically (temp file, then rename); failure is a warning, not an error.
pub fn save(file: &Path, list: &[PathBuf]) {
    let write = || -> std::io::Result<()> {
        let dir = file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = file.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(list).map_err(std::io::Error::other)?)?;
        std::fs::rename(&tmp, file)
    };
    if let Err(e) = write() {
        eprintln!("warning: cannot save the recent workspaces to {}: {e}", file.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace(root: &Path, name: &str) -> PathBuf {
        let dir = root.join(name);
        pedigree::api::init_workspace(&dir).unwrap();
        dir.canonicalize().unwrap()
    }

    #[test]
    fn the_latest_open_comes_first_and_appears_once() {
        let t = tempfile::tempdir().unwrap();
        let (a, b) = (workspace(t.path(), "a"), workspace(t.path(), "b"));
        let list = remember(&[], &a);
        let list = remember(&list, &b);
        assert_eq!(list, [b.clone(), a.clone()]);
        // Reopening `a`, spelled differently (trailing slash), moves it to the front.
        let list = remember(&list, &PathBuf::from(format!("{}/", a.display())));
        assert_eq!(list, [a, b]);
    }

    #[test]
    fn the_list_keeps_the_ten_most_recent() {
        let list = (0..25).fold(Vec::new(), |l, i| remember(&l, &PathBuf::from(format!("/nonexistent/ws{i}"))));
        assert_eq!(list.len(), CAP);
        assert_eq!(list[0], PathBuf::from("/nonexistent/ws24"));
        assert_eq!(list[CAP - 1], PathBuf::from("/nonexistent/ws15"));
    }

    #[test]
    fn missing_folders_are_marked_and_can_be_dropped() {
        let t = tempfile::tempdir().unwrap();
        let (a, b) = (workspace(t.path(), "a"), workspace(t.path(), "b"));
        let plain = t.path().join("plain");
        std::fs::create_dir(&plain).unwrap();
        let list = vec![b.clone(), PathBuf::from("/nonexistent/gone"), plain.clone(), a.clone()];
        let shown = entries(&list, &a);
        let flags: Vec<(bool, bool)> = shown.iter().map(|e| (e.exists, e.current)).collect();
        assert_eq!(flags, [(true, false), (false, false), (false, false), (true, true)], "{shown:?}");
        assert_eq!(without_missing(&list, &a), [b, a]);
    }

    #[test]
    fn the_file_round_trips_and_a_damaged_one_reads_as_empty() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("cfg/pedigree/recent.json");
        assert!(load(&f).is_empty(), "no file yet");
        let list = vec![PathBuf::from("/x/one"), PathBuf::from("/x/two")];
        save(&f, &list);
        assert_eq!(load(&f), list);
        std::fs::write(&f, "{not json").unwrap();
        assert!(load(&f).is_empty());
        std::fs::write(&f, r#"["/x/a", "/x/a", "/x/b"]"#).unwrap();
        assert_eq!(load(&f), [PathBuf::from("/x/a"), PathBuf::from("/x/b")], "duplicates in the file are dropped");
    }
}
