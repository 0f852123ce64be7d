//! Objects for tests: `rt::TestDefault` for every type the API answers with, so that a test
//! builds any resource with its required fields filled (`Customer::test_default()`) from the
//! spec alone, with no fixture files.
//!
//! The impls go into `stripe-types/src/generated/test_objects/<area>.rs`, which
//! `stripe-types/src/lib.rs` compiles only with its `test_objects` feature: a default build
//! does not even parse them. Each impl carries its type's own features.
//!
//! What a test object holds:
//! - every optional field `None`, `extra` empty;
//! - a required field its type's `TestDefault`: `0`, `false`, `""`, an empty list or map,
//!   Unix second 1,700,000,000 for times, the id of an expandable field, the first value of an
//!   enum, the first shape of a union (one that is not a deleted object or a stand-in, where
//!   there is one);
//! - an `id` of `<object>_test` (`customer_test`); a `currency` of `usd`.
//!
//! A required field that would contain its own type again cannot be filled; [`emit`] reports
//! such a cycle instead of generating a test object that never ends.

use crate::model::*;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use std::collections::{BTreeMap, BTreeSet};

/// The files of `generated/test_objects/`, relative to `generated/`: one per area, and its
/// `mod.rs`.
pub fn emit(m: &Model, header: &str) -> Result<BTreeMap<String, String>, crate::Error> {
    let mut by_area: BTreeMap<&str, Vec<ItemId>> = BTreeMap::new();
    for id in objects(m) {
        by_area.entry(&m.items[id].area).or_default().push(id);
    }
    let mut out = BTreeMap::new();
    for (area, ids) in &by_area {
        let mut ids = ids.clone();
        ids.sort_by_key(|a| path_text(m, *a));
        let impls = ids
            .iter()
            .map(|&id| test_default(m, id))
            .collect::<Result<Vec<_>, _>>()?;
        out.insert(
            format!("test_objects/{area}.rs"),
            file(header, quote!(#(#impls)*))?,
        );
    }
    let mods = by_area.keys().map(|a| ident(a));
    out.insert(
        "test_objects/mod.rs".into(),
        file(
            header,
            quote! {
                //! `TestDefault` for every response type, by API area (feature `test_objects`).
                #(mod #mods;)*
            },
        )?,
    );
    Ok(out)
}

/// The items that get a test object: every live type read from responses.
fn objects(m: &Model) -> Vec<ItemId> {
    let params: BTreeSet<ItemId> = m.operations.iter().map(|o| m.resolve(o.params)).collect();
    (0..m.items.len())
        .filter(|&id| {
            let item = &m.items[id];
            item.merged_into.is_none()
                && item.roles.de
                && !params.contains(&id)
                && !item
                    .schema
                    .as_ref()
                    .is_some_and(|s| m.skipped.iter().any(|d| &d.at == s))
        })
        .collect()
}

fn ident(s: &str) -> Ident {
    match s.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(s, Span::call_site()),
    }
}

/// `crate::module::Name` of an item.
fn path(m: &Model, id: ItemId) -> TokenStream {
    let item = &m.items[m.resolve(id)];
    let mods = item.module.iter().map(|s| ident(s));
    let n = ident(&item.name);
    quote!(crate #(::#mods)* :: #n)
}

fn path_text(m: &Model, id: ItemId) -> String {
    let item = &m.items[id];
    let mut s = item.module.join("::");
    s.push_str("::");
    s.push_str(&item.name);
    s
}

/// A union's variant that a test object takes: not a deleted object, not one the union only
/// names (a stand-in where its feature is off), a scalar before an object; else the first.
fn chosen_variant<'a>(m: &Model, union: &Item, variants: &'a [Variant]) -> Option<&'a Variant> {
    let names_only = crate::passes::union_names_variants(union);
    let rank = |v: &Variant| {
        let gated = names_only && matches!(v.ty, Ty::Named(i) if m.items[m.resolve(i)].gated);
        let object = matches!(v.ty, Ty::Named(_));
        (v.deleted, gated, object)
    };
    variants.iter().min_by_key(|v| rank(v))
}

/// The value of a required field.
fn field_value(f: &Field, object: Option<&str>) -> TokenStream {
    let text = |s: String| quote!(::core::convert::From::from(#s));
    match (f.name.as_str(), &f.ty) {
        ("id", Ty::String | Ty::Id(_)) => text(match object {
            Some(o) => format!("{}_test", o.replace('.', "_")),
            None => "id_test".to_owned(),
        }),
        ("currency", Ty::String) => text("usd".to_owned()),
        _ => quote!(crate::rt::TestDefault::test_default()),
    }
}

/// `impl TestDefault for <item>`.
fn test_default(m: &Model, id: ItemId) -> Result<TokenStream, crate::Error> {
    let item = &m.items[id];
    if let Some(cycle) = required_cycle(m, id) {
        return Err(crate::Error::Unsupported {
            pointer: item
                .schema
                .clone()
                .unwrap_or_else(|| item.long_name.clone()),
            reason: format!(
                "no test object: its required fields contain it again ({})",
                cycle.join(" → ")
            ),
        });
    }
    let name = path(m, id);
    let body = match &item.kind {
        Kind::Struct { fields, object } => {
            let inits = fields.iter().map(|f| {
                let fi = ident(&f.ident);
                let v = if f.required {
                    field_value(f, object.as_deref())
                } else {
                    quote!(None)
                };
                quote!(#fi: #v,)
            });
            quote!(Self { #(#inits)* extra: crate::rt::Extra::default() })
        }
        Kind::Enum { values } => match values.first() {
            Some(v) => {
                quote!(<Self as ::core::str::FromStr>::from_str(#v).unwrap_or_else(|e| match e {}))
            }
            None => quote!(Self::Unknown(String::new())),
        },
        Kind::Union { variants } => match chosen_variant(m, item, variants) {
            Some(v) => {
                let vn = ident(&v.name);
                quote!(Self::#vn(crate::rt::TestDefault::test_default()))
            }
            None => quote!(Self::Unknown(serde_json::Value::Null)),
        },
    };
    // The item's own features, as `emit` writes them.
    let fs: Vec<TokenStream> = item.cfg.iter().map(|f| quote!(feature = #f)).collect();
    let cfg = match fs.as_slice() {
        [] => quote!(),
        [one] => quote!(#[cfg(#one)]),
        more => quote!(#[cfg(any(#(#more),*))]),
    };
    Ok(quote! {
        #cfg
        impl crate::rt::TestDefault for #name {
            fn test_default() -> Self { #body }
        }
    })
}

/// The items a test object of `id` builds in turn: the types of its required fields (an
/// expandable field is an id, a list or map is empty, so neither goes further) or the payload
/// of its chosen union variant.
fn required_parts(m: &Model, id: ItemId) -> Vec<ItemId> {
    fn direct(t: &Ty) -> Option<ItemId> {
        match t {
            Ty::Named(i) => Some(*i),
            Ty::Clearable(t) | Ty::Secret(t) => direct(t),
            _ => None,
        }
    }
    let item = &m.items[id];
    match &item.kind {
        Kind::Struct { fields, .. } => fields
            .iter()
            .filter(|f| f.required)
            .filter_map(|f| direct(&f.ty))
            .map(|i| m.resolve(i))
            .collect(),
        Kind::Union { variants } => chosen_variant(m, item, variants)
            .and_then(|v| direct(&v.ty))
            .map(|i| vec![m.resolve(i)])
            .unwrap_or_default(),
        Kind::Enum { .. } => Vec::new(),
    }
}

/// A chain of required parts from `id` back to `id`, by name, when there is one.
fn required_cycle(m: &Model, id: ItemId) -> Option<Vec<String>> {
    fn walk(
        m: &Model,
        at: ItemId,
        target: ItemId,
        seen: &mut BTreeSet<ItemId>,
        chain: &mut Vec<ItemId>,
    ) -> bool {
        for next in required_parts(m, at) {
            if next == target {
                chain.push(next);
                return true;
            }
            if seen.insert(next) {
                chain.push(next);
                if walk(m, next, target, seen, chain) {
                    return true;
                }
                chain.pop();
            }
        }
        false
    }
    let mut chain = vec![id];
    walk(m, id, id, &mut BTreeSet::new(), &mut chain)
        .then(|| chain.iter().map(|&i| m.items[i].name.clone()).collect())
}

fn file(header: &str, tokens: TokenStream) -> Result<String, crate::Error> {
    let parsed: syn::File = syn::parse2(tokens).map_err(|e| crate::Error::Emit(e.to_string()))?;
    Ok(format!("{header}{}", prettyplease::unparse(&parsed)))
}
