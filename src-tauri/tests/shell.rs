//! The desktop shell's security configuration, read from the files Tauri builds from.

/// The desktop shell has no HTTP server; its IPC bridge is reachable only from the app's own
/// pages: no capability names a `remote` origin, and the main window gets just the one command
/// and event listening. (That the window cannot navigate to remote content is checked in the
/// desktop end-to-end test against the real app.)
#[test]
fn desktop_ipc_is_granted_to_the_apps_own_origin_only() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities");
    let mut seen = 0;
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        let cap: serde_json::Value = serde_json::from_str(&text).unwrap();
        seen += 1;
        assert!(cap.get("remote").is_none(), "{}: grants IPC to remote origins", e.path().display());
        let perms: Vec<&str> = cap["permissions"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
        assert_eq!(perms, ["allow-call", "core:event:allow-listen", "core:event:allow-unlisten"], "{}", e.path().display());
    }
    assert_eq!(seen, 1, "one capability file");
    let conf: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.parent().unwrap().join("tauri.conf.json")).unwrap()).unwrap();
    let csp = conf["app"]["security"]["csp"].as_str().unwrap();
    assert!(csp.contains("default-src 'self'") && !csp.contains("http://*") && !csp.contains("https:"), "{csp}");
    assert!(conf["app"]["security"].get("dangerousRemoteDomainIpcAccess").is_none());
    let shell = std::fs::read_to_string(dir.parent().unwrap().join("src/main.rs")).unwrap();
    assert!(shell.contains(".on_navigation(|_, url| app_url(url))"), "the shell installs its navigation guard");
}
