//! Snapshot tests of the generator: one small hand-written spec per construct in
//! `tests/fixtures/`, its expected output in `tests/snapshots/<name>.rs`.
//!
//! Bless new output with `BLESS=1 cargo test -p codegen --test snapshots`, then review the
//! diff with `git diff codegen/tests/snapshots`. Each snapshot is also compiled by
//! `tests/compile_<name>.rs`.

use std::path::Path;

const FIXTURES: &[&str] = &[
    "expandable_field",
    "deleted_union",
    "open_enum",
    "nested_params",
    "name_collision",
    "reserved_word",
    "recursive_type",
    "v2_json_body",
    "multipart_body",
    "operation_server",
    "type_names",
    "linked_ids",
];

fn check(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let spec = std::fs::read(dir.join("fixtures").join(format!("{name}.json"))).expect("fixture");
    let (out, _) = codegen::generate_single_file(&spec).expect("fixture generates");
    let path = dir.join("snapshots").join(format!("{name}.rs"));
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, &out).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != out {
        let diff = similar::TextDiff::from_lines(&expected, &out);
        let file = format!("tests/snapshots/{name}.rs");
        panic!(
            "snapshot {name} differs; rerun with BLESS=1 and review `git diff`\n{}",
            diff.unified_diff()
                .context_radius(3)
                .header(&file, &format!("{file} (generated now)"))
        );
    }
}

macro_rules! snapshots {
    ($($name:ident),*) => { $( #[test] fn $name() { check(stringify!($name)); } )* };
}
snapshots!(
    expandable_field,
    deleted_union,
    open_enum,
    nested_params,
    name_collision,
    reserved_word,
    recursive_type,
    v2_json_body,
    multipart_body,
    operation_server,
    type_names,
    linked_ids
);

#[test]
fn fixture_list_matches_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".json")
                .to_string()
        })
        .collect();
    files.sort();
    let mut listed: Vec<String> = FIXTURES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(files, listed);
}
