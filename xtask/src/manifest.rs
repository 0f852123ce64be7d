//! Edits to `Cargo.toml` files, through `toml_edit` so everything else in them is kept.

use anyhow::{Context, Result};
use toml_edit::{DocumentMut, Item};

/// Replace the `[features]` table of a manifest with the generated one (`features_toml` holds
/// a `[features]` table and its comments). Every other table, and every comment outside
/// `[features]`, stays as written; the table keeps its place in the file.
pub fn with_features(manifest: &str, features_toml: &str) -> Result<String> {
    let mut doc: DocumentMut = manifest.parse().context("the manifest is not valid TOML")?;
    let generated: DocumentMut = features_toml
        .parse()
        .context("the generated [features] table is not valid TOML")?;
    let mut table = generated
        .get("features")
        .and_then(Item::as_table)
        .context("the generated text has no [features] table")?
        .clone();
    match doc.get("features").and_then(Item::as_table) {
        Some(old) => {
            table.set_position(old.position());
            *table.decor_mut() = old.decor().clone();
        }
        None => table.set_position(None),
    }
    doc.insert("features", Item::Table(table));
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEATURES: &str = "[features]\n# generated\ndefault = [\"a\"]\na = []\n";

    #[test]
    fn tables_after_features_survive() {
        let manifest = "[package]\nname = \"x\" # kept\n\n[features]\nold = []\n\n\
                        [dependencies]\nserde = \"1\"\n\n[[bench]]\nname = \"b\"\n";
        let out = with_features(manifest, FEATURES).unwrap();
        assert_eq!(
            out,
            "[package]\nname = \"x\" # kept\n\n[features]\n# generated\ndefault = [\"a\"]\na = []\n\n\
             [dependencies]\nserde = \"1\"\n\n[[bench]]\nname = \"b\"\n"
        );
    }

    #[test]
    fn features_last_is_replaced_in_place_and_idempotent() {
        let manifest = "[package]\nname = \"x\"\n\n[features]\nold = []\n";
        let once = with_features(manifest, FEATURES).unwrap();
        assert_eq!(once, format!("[package]\nname = \"x\"\n\n{FEATURES}"));
        assert_eq!(with_features(&once, FEATURES).unwrap(), once);
    }

    #[test]
    fn a_manifest_without_features_gets_them_at_the_end() {
        let out = with_features("[package]\nname = \"x\"\n", FEATURES).unwrap();
        assert_eq!(out, format!("[package]\nname = \"x\"\n{FEATURES}"));
    }

    #[test]
    fn invalid_toml_is_an_error_not_a_cut() {
        assert!(with_features("[package\n", FEATURES).is_err());
    }
}
