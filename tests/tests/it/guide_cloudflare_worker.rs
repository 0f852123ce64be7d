//! guides/cloudflare-workers.md shows the files of `examples/cloudflare-worker` byte for byte:
//! the code `cargo xtask test` builds for wasm32 and runs in Node and workerd is the code the
//! guide shows.

const GUIDE: &str = include_str!("../../../guides/cloudflare-workers.md");

fn assert_quoted(fence: &str, path: &str, file: &str) {
    let block = format!("```{fence}\n{file}```\n");
    assert!(
        GUIDE.contains(&block),
        "guides/cloudflare-workers.md does not quote {path} verbatim in a ```{fence} block; \
         paste the file's current text into the guide"
    );
}

#[test]
fn the_guide_quotes_the_worker_crate_verbatim() {
    let dir = "examples/cloudflare-worker";
    assert_quoted(
        "rust",
        &format!("{dir}/src/lib.rs"),
        include_str!("../../../examples/cloudflare-worker/src/lib.rs"),
    );
    assert_quoted(
        "js",
        &format!("{dir}/worker.mjs"),
        include_str!("../../../examples/cloudflare-worker/worker.mjs"),
    );
    assert_quoted(
        "toml",
        &format!("{dir}/Cargo.toml"),
        include_str!("../../../examples/cloudflare-worker/Cargo.toml"),
    );
    assert_quoted(
        "toml",
        &format!("{dir}/wrangler.toml"),
        include_str!("../../../examples/cloudflare-worker/wrangler.toml"),
    );
}
