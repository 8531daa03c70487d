//! The UI's TypeScript types are generated from the Rust commands and events and checked in;
//! this fails when they drift. `KEYWARD_WRITE_BINDINGS=1 cargo test -p keyward-app --test
//! bindings` rewrites them.

use std::path::Path;

#[test]
fn checked_in_bindings_match_the_commands() {
    let checked_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts");
    let dir = tempfile::tempdir().expect("temp dir");
    let fresh = dir.path().join("bindings.ts");
    keyward_app::specta_builder::<tauri::Wry>()
        .export(
            specta_typescript::Typescript::default()
                .header("// Generated from src-tauri by tauri-specta: do not edit."),
            &fresh,
        )
        .expect("export the bindings");
    let fresh = std::fs::read_to_string(&fresh).expect("read fresh bindings");
    if std::env::var_os("KEYWARD_WRITE_BINDINGS").is_some() {
        std::fs::write(&checked_in, &fresh).expect("write bindings");
        return;
    }
    let old = std::fs::read_to_string(&checked_in).unwrap_or_default();
    assert!(
        old == fresh,
        "ui/src/lib/bindings.ts is out of date with the Rust commands; run \
         KEYWARD_WRITE_BINDINGS=1 cargo test -p keyward-app --test bindings"
    );
}
