//! `cargo xtask spec fetch --from <file>` replaces the spec and its pin; codegen then
//! accepts it, and refuses it once the file changes behind the pin's back.

use std::process::Command;

#[test]
fn spec_fetch_from_file_updates_spec_and_pin() {
    let dir = std::env::temp_dir().join(format!("xtask-spec-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("download.json");
    let body = br#"{"openapi":"3.0.0","info":{"title":"t","version":"2099-01-01.test"},"paths":{},"components":{"schemas":{"thing":{"type":"object","properties":{"id":{"type":"string"}}}}}}"#;
    std::fs::write(&source, body).unwrap();
    let spec_dir = dir.join("spec");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["spec", "fetch", "--tag", "v9999", "--from"])
        .arg(&source)
        .arg("--dir")
        .arg(&spec_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pin = std::fs::read_to_string(spec_dir.join("pin.toml")).unwrap();
    assert!(pin.contains("tag = \"v9999\""), "{pin}");
    assert!(pin.contains("api_version = \"2099-01-01.test\""), "{pin}");
    let sha = codegen::sha256_hex(body);
    assert!(pin.contains(&sha), "{pin}");
    assert_eq!(
        std::fs::read(spec_dir.join("openapi.spec3.json")).unwrap(),
        body
    );

    // The generator accepts the fetched pair (under the policy that lives beside it)...
    let policy = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/policy.toml");
    std::fs::copy(policy, spec_dir.join("policy.toml")).unwrap();
    let spec = spec_dir.join("openapi.spec3.json");
    let pinf = spec_dir.join("pin.toml");
    assert!(codegen::generate(&spec, &pinf).is_ok());
    // ...and refuses a spec edited behind the pin's back.
    std::fs::write(&spec, [body.as_slice(), b" "].concat()).unwrap();
    assert!(matches!(
        codegen::generate(&spec, &pinf),
        Err(codegen::Error::HashMismatch { .. })
    ));

    // A malformed download is refused before anything is replaced.
    std::fs::write(&source, b"{not json").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["spec", "fetch", "--tag", "v10000", "--from"])
        .arg(&source)
        .arg("--dir")
        .arg(&spec_dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(std::fs::read_to_string(spec_dir.join("pin.toml"))
        .unwrap()
        .contains("v9999"));
    std::fs::remove_dir_all(&dir).ok();
}
