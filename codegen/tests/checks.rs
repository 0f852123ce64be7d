//! The generator checks itself (Deliver 8 of issue 28): over the pinned spec, every parameter
//! the spec links to an object takes that object's id type, every request enum linked to a
//! response enum is it or converts with it, and no generated doc names a missing type. The
//! figures are the ones `cargo xtask codegen --stats` prints; each finding is listed there.
//! The checks themselves are tested on a small spec, by breaking what they look for.

use codegen::model::{Kind, Link, Ty};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn list(items: &[String]) -> String {
    items.join("\n")
}

#[test]
fn pinned_spec_passes_the_generators_own_checks() {
    let g = codegen::generate(
        &root().join("spec/openapi.spec3.json"),
        &root().join("spec/pin.toml"),
    )
    .expect("pinned spec generates");
    let c = &g.stats.checks;
    assert!(c.wrong_ids.is_empty(), "{}", list(&c.wrong_ids));
    let untyped: Vec<String> = c.untyped_ids.iter().map(|(_, u)| u.clone()).collect();
    assert!(untyped.is_empty(), "{}", list(&untyped));
    let pairs: Vec<String> = c.enum_pairs.iter().map(|(_, p)| p.clone()).collect();
    assert!(pairs.is_empty(), "{}", list(&pairs));
    // Request enums that take values the response never holds convert both ways.
    assert!(c.enum_links > 0);
    // Every legacy alias of an SDK-named operation is deprecated in favour of it.
    assert!(c.duplicates.len() >= 31, "{:?}", c.duplicates);
    let undeprecated: Vec<String> = c
        .duplicates
        .iter()
        .filter(|d| !d.2)
        .map(|d| format!("{} (duplicates {})", d.0, d.1))
        .collect();
    assert!(undeprecated.is_empty(), "{}", list(&undeprecated));
    // Ratchets: each figure may only fall (issue 28 takes them to zero).
    assert!(c.dangling_docs.is_empty(), "{}", list(&c.dangling_docs));
    // Short paths (Deliver 6): no public type path past 80 characters after
    // `stripe_types::`, and a p90 of at most 45.
    assert!(c.path_len.2 <= 80, "{:?}", c.longest_paths);
    assert_eq!(c.paths_over_80, 0, "{:?}", c.longest_paths);
    assert!(c.path_len.1 <= 45, "p90 {}", c.path_len.1);
    // A component that is a field of a resource's object is named by that field, in the
    // resource's module; it used to be the longest path at the root.
    let file = |f: &str| g.files.get(f).map(String::as_str).unwrap_or_default();
    assert!(file("nested/payment_attempt_record.rs").contains("pub struct ThreeDSecure {"));
    assert!(!g.files.values().any(|f| f.contains(
        "pub struct PaymentsPrimitivesPaymentRecordsResourcePaymentMethodCardDetailsResourceThreeDSecure {"
    )));
    // A scope submodule is never its module's own name, nor that name joined with an
    // owner's (`tax_registration::tax_registration_create`).
    for (path, text) in &g.files {
        if let Some(top) = path
            .strip_prefix("nested/")
            .and_then(|p| p.strip_suffix(".rs"))
        {
            let own = format!("pub mod {top} ");
            let joined = format!("pub mod {top}_");
            assert!(
                !text.contains(&own) && !text.contains(&joined),
                "{path} has a scope named after its module"
            );
        }
    }
    // The `v2.error.*` family: one `error.code` enum, not one per error.
    assert_eq!(
        file("nested/v2_error.rs")
            .matches("pub enum Code {")
            .count(),
        1
    );
}

/// The `linked_ids` fixture through conversion and the passes.
fn fixture_model() -> codegen::model::Model {
    let bytes =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/linked_ids.json"))
            .unwrap();
    let api = codegen::parse_spec(&bytes).unwrap();
    let mut m = codegen::convert::convert(
        &api,
        &codegen::policy::workspace_policy(),
        &Default::default(),
    )
    .unwrap();
    codegen::passes::run_all(&mut m);
    m
}

#[test]
fn id_checks_find_a_parameter_typed_otherwise_than_its_link() {
    let mut m = fixture_model();
    let c = codegen::self_checks::measure(&m);
    assert!(c.wrong_ids.is_empty() && c.untyped_ids.is_empty(), "{c:?}");
    // The link: the token list's `card` names an `issuing.card` (through the token's property).
    let site = m
        .links
        .iter()
        .find(|s| s.at == "card")
        .cloned()
        .expect("the token list's card is linked");
    let issuing_card = m.components["issuing.card"];
    assert_eq!(site.link, Link::Id(issuing_card));
    let set = |m: &mut codegen::model::Model, ty: Ty| {
        let Kind::Struct { fields, .. } = &mut m.items[site.item].kind else {
            unreachable!()
        };
        fields[site.index].ty = ty;
    };
    // Typed by its name, as before issue 28: a `CardId`.
    let card = m.components["card"];
    set(&mut m, Ty::Id(card));
    let c = codegen::self_checks::measure(&m);
    assert_eq!(c.wrong_ids.len(), 1, "{c:?}");
    assert!(c.wrong_ids[0]
        .starts_with("ListIssuingTokens.card: takes CardId, the spec links issuing.card"));
    // Left a `String`.
    set(&mut m, Ty::String);
    let c = codegen::self_checks::measure(&m);
    assert_eq!(c.untyped_ids.len(), 1, "{c:?}");
    assert!(c.untyped_ids[0]
        .1
        .starts_with("ListIssuingTokens.card: names issuing.card"));
}

#[test]
fn doc_check_finds_a_doc_naming_a_missing_type() {
    let file = "/// A payment intent.\npub struct PaymentIntent;\n\
                /// One of several shapes of `ListPaymentIntentsCreated`.\npub enum Created {}\n\
                /// Values of `status` in [`PaymentIntent`].\npub enum Status {}\n\
                /// `requires_action`\n\
                /// Stripe's prose names the `Authorization` object.\n";
    let files = BTreeMap::from([("a.rs".to_string(), file.to_string())]);
    let prose = BTreeSet::from(["Stripe's prose names the `Authorization` object.".to_string()]);
    let found = codegen::self_checks::dangling_docs(&files, &prose);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("ListPaymentIntentsCreated"), "{found:?}");
}

#[test]
fn enum_check_finds_a_request_enum_that_does_not_meet_its_response_enum() {
    let mut m = fixture_model();
    // `ListIssuingTokens.status` is the enum `IssuingToken.status` holds.
    let site = m
        .links
        .iter()
        .find(|s| s.at == "status" && m.operations[s.op].path == "/v1/issuing/tokens")
        .cloned()
        .expect("the token list's status is linked");
    let Link::Enum(resp) = site.link else {
        panic!("{site:?}")
    };
    let field_ty = |m: &codegen::model::Model| {
        let Kind::Struct { fields, .. } = &m.items[m.resolve(site.item)].kind else {
            unreachable!()
        };
        fields[site.index].ty.clone()
    };
    assert_eq!(field_ty(&m), Ty::Named(m.resolve(resp)));
    assert!(codegen::self_checks::measure(&m).enum_pairs.is_empty());
    // A request enum of its own, as before issue 28, with no conversion: the check names it.
    let mut own = m.items[m.resolve(resp)].clone();
    own.name = "ListStatus".into();
    own.merged_into = None;
    m.items.push(own);
    let own = m.items.len() - 1;
    let item = m.resolve(site.item);
    let Kind::Struct { fields, .. } = &mut m.items[item].kind else {
        unreachable!()
    };
    fields[site.index].ty = Ty::Named(own);
    let c = codegen::self_checks::measure(&m);
    assert_eq!(c.enum_pairs.len(), 1, "{c:?}");
    assert!(c.enum_pairs[0].0, "a top-level parameter");
    // With `From` both ways, the pair meets.
    m.enum_conversions.insert((own, m.resolve(resp)));
    assert!(codegen::self_checks::measure(&m).enum_pairs.is_empty());
}
