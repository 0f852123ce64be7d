//! `cargo xtask codegen --check` refuses a spec with a top-level path that spec/policy.toml
//! names no area for; plain `codegen` warns and places it in `core`.

use std::process::Command;

#[test]
fn an_unmapped_top_level_path_fails_the_check() {
    let dir = std::env::temp_dir().join(format!("xtask-policy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("openapi.spec3.json");
    let body = br##"{"openapi":"3.0.0","info":{"title":"t","version":"2099-01-01.test"},
      "paths":{"/v1/brand_new_things":{"get":{"operationId":"GetBrandNewThings",
        "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/brand_new_thing"}}}}}}}},
      "components":{"schemas":{"brand_new_thing":{"type":"object","properties":{"id":{"type":"string"}}}}}}"##;
    std::fs::write(&spec, body).unwrap();
    let pin = dir.join("pin.toml");
    let pinned = codegen::Pin {
        tag: "t".into(),
        api_version: "2099-01-01.test".into(),
        sha256: codegen::sha256_hex(body),
    };
    std::fs::write(&pin, pinned.render()).unwrap();
    let policy = concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/policy.toml");
    std::fs::copy(policy, dir.join("policy.toml")).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["codegen", "--check", "--spec"])
        .arg(&spec)
        .arg("--pin")
        .arg(&pin)
        .arg("--out")
        .arg(dir.join("generated"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("spec/policy.toml names no area for: path segment `brand_new_things`"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
