//! The checked-in TypeScript bindings match the Rust API types. Regenerate with
//! `cargo run -- dev gen-types` (or run this test with PEDIGREE_UPDATE_TYPES=1).

#[test]
fn generated_typescript_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(pedigree::api::typescript::PATH);
    let want = pedigree::api::typescript::bindings();
    if std::env::var("PEDIGREE_UPDATE_TYPES").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(have == want, "{} is stale: run `cargo run -- dev gen-types` and commit the result", pedigree::api::typescript::PATH);
    for t in ["RegisterRequest", "Subgraph", "VerifyReport", "ApiError", "Progress"] {
        assert!(want.contains(&format!("export type {t} =")), "{t} missing");
    }
}
