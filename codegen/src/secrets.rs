//! Which fields hold secrets: a written rule over field names, for response fields and
//! request parameters alike, with the reviewed exceptions of `spec/policy.toml`.
//!
//! A marked field is typed `Secret<_>`: `Debug` and `Display` print `[redacted]`, and
//! `Secret::expose` reads it on purpose. The rule ([`rule`]) names a field as secret when
//! its name
//! - contains `secret` (`client_secret`, `signing_secret`, `secret`),
//! - contains `password` (`password`, `private_key_file_password`),
//! - starts with `private_key`,
//! - is a session or bearer token: `authentication_token`, `access_token`,
//!   `refresh_token`, `session_token`, `client_token`, `bearer_token`, `ephemeral_token`, or
//!   contains `api_key`,
//! - is a card security code (`cvc`), or a card number (`number` in an object named `card`,
//!   `card_present` or `interac_present`, request or response).
//!
//! `spec/policy.toml`'s `[secrets]` adds fields the rule cannot see by name (one-time URLs,
//! meter event payloads) and lists the reviewed exceptions (`[secrets.not_secret]`, each with
//! its reason). A field the rule names that `Secret<_>` cannot hold (an object) and that is
//! not an exception fails generation, so every match is looked at.
//!
//! `cargo xtask codegen --stats` lists every marked field and why ([`marked`]); the
//! generated test `tests/tests/it/secrets_debug.rs` ([`debug_test`]) formats every type that
//! holds one with `{:?}` and looks for the secret.

use crate::emit::Samples;
use crate::model::{Field, ItemId, Kind, Location, Model, Ty};
use crate::policy::Policy;
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::{json, Map, Value};

/// Objects whose `number` is a card number.
const CARD_OBJECTS: &[&str] = &["card", "card_present", "interac_present"];

/// The rule: why a field of this name, in an object named `parent` (the field or schema it
/// sits in, when known), holds a secret, or `None`.
pub fn rule_in(name: &str, parent: Option<&str>) -> Option<&'static str> {
    if name == "number" && parent.is_some_and(|p| CARD_OBJECTS.contains(&p)) {
        return Some("a card number");
    }
    rule(name)
}

/// The rule for a field of this name wherever it sits: why it holds a secret, or `None`.
pub fn rule(name: &str) -> Option<&'static str> {
    const TOKENS: &[&str] = &[
        "authentication_token",
        "access_token",
        "refresh_token",
        "session_token",
        "client_token",
        "bearer_token",
        "ephemeral_token",
    ];
    if name.contains("secret") {
        Some("name contains `secret`")
    } else if name.contains("password") {
        Some("name contains `password`")
    } else if name.starts_with("private_key") {
        Some("name starts with `private_key`")
    } else if TOKENS.iter().any(|t| name.ends_with(t)) {
        Some("a session or bearer token")
    } else if name.contains("api_key") {
        Some("name contains `api_key`")
    } else if name == "cvc" {
        Some("a card security code")
    } else {
        None
    }
}

/// Whether `Secret<_>` can hold a value of this type (text, or a map of text).
fn holdable(ty: &Ty) -> bool {
    matches!(ty, Ty::String | Ty::Map(_) | Ty::Metadata | Ty::Id(_))
}

/// The type a field `field` of `schema` (a component schema; `None` for an inline object or
/// a parameter) gets: `Secret<ty>` when the rule or the policy marks it, else `ty` as it is.
/// `at` says where, for the error when the rule names a field that cannot be held.
pub fn mark(
    policy: &Policy,
    schema: Option<&str>,
    field: &str,
    ty: Ty,
    at: &str,
) -> Result<Ty, crate::Error> {
    if matches!(ty, Ty::Secret(_)) {
        return Ok(ty);
    }
    // `at` is a dotted path (`PostTokens.card.number`, `issuing.card.number`).
    let parent = at.rsplit('.').nth(1);
    let listed = policy.lists_secret(schema, field);
    let ruled = rule_in(field, parent).filter(|_| policy.not_secret(schema, field).is_none());
    if !(listed || ruled.is_some()) {
        return Ok(ty);
    }
    if holdable(&ty) {
        return Ok(Ty::Secret(Box::new(ty)));
    }
    if listed {
        // The policy's own fields are reviewed already; a map of JSON and the like stays.
        return Ok(ty);
    }
    let key = schema.map_or_else(|| field.to_owned(), |s| format!("{s}.{field}"));
    Err(crate::Error::Unsupported {
        pointer: at.to_owned(),
        reason: format!(
            "the secret rule names `{field}` ({}), but it holds {ty:?}, which Secret<_> cannot \
             hold: mark what it contains, and list it in spec/policy.toml \
             [secrets.not_secret] as \"{key}\" = \"<why it is no secret>\"",
            ruled.unwrap_or_default()
        ),
    })
}

/// One marked field, for `--stats`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Marked {
    /// The type that holds it (`V2CoreEventDestinationWebhookEndpoint`), with its module.
    pub holder: String,
    /// The field's wire name.
    pub field: String,
    /// `response`, `request` or both.
    pub side: &'static str,
    /// Why it is secret.
    pub why: String,
}

/// Every marked field of the final model, sorted.
pub fn marked(m: &Model, policy: &Policy) -> Vec<Marked> {
    let mut out = Vec::new();
    for (id, fields) in holders(m) {
        let item = &m.items[id];
        let side = side(m, id);
        let mut holder = item.module.join("::");
        if !holder.is_empty() {
            holder.push_str("::");
        }
        holder.push_str(&item.name);
        for f in fields.iter().filter(|f| matches!(f.ty, Ty::Secret(_))) {
            let why = match rule(&f.name) {
                Some(r) => r.to_owned(),
                None if f.name == "number" => "a card number".to_owned(),
                None if policy.lists_secret(item.schema.as_deref(), &f.name) => {
                    "listed in spec/policy.toml [secrets]".to_owned()
                }
                None => "a meter event payload".to_owned(),
            };
            out.push(Marked {
                holder: holder.clone(),
                field: f.name.clone(),
                side,
                why,
            });
        }
    }
    out.sort();
    out
}

/// The rule's matches that the policy exempts, for `--stats`: `(field, reason)`.
pub fn exceptions(policy: &Policy) -> Vec<(String, String)> {
    policy
        .not_secret
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The live structs that hold a marked field directly.
fn holders(m: &Model) -> Vec<(ItemId, &[Field])> {
    m.items
        .iter()
        .enumerate()
        .filter(|(_, item)| item.merged_into.is_none())
        .filter(|(_, item)| {
            !item
                .schema
                .as_ref()
                .is_some_and(|s| m.skipped.iter().any(|d| &d.at == s))
        })
        .filter_map(|(id, item)| match &item.kind {
            Kind::Struct { fields, .. } if fields.iter().any(|f| matches!(f.ty, Ty::Secret(_))) => {
                Some((id, fields.as_slice()))
            }
            _ => None,
        })
        .collect()
}

fn is_request(m: &Model, id: ItemId) -> bool {
    m.items[id].roles.ser || m.operations.iter().any(|o| m.resolve(o.params) == id)
}

fn side(m: &Model, id: ItemId) -> &'static str {
    match (m.items[id].roles.de, is_request(m, id)) {
        (true, true) => "response and request",
        (false, true) => "request",
        _ => "response",
    }
}

/// What the generated test puts in every secret field, and looks for in `Debug`.
pub const SENTINEL: &str = "secret-sentinel-4f2a9c";

/// The generated test `tests/tests/it/secrets_debug.rs`: every type that holds a marked
/// field, with the field set, formatted with `{:?}`: the secret must not show. A response
/// type is decoded from a JSON sample; a request type is built with its constructor and
/// setters (and must still send the secret).
pub fn debug_test(m: &Model, sha256: &str) -> Result<String, crate::Error> {
    let samples = Samples::new(m);
    let mut decoded = Vec::new();
    let mut built = Vec::new();
    for (id, fields) in holders(m) {
        let item = &m.items[id];
        let path = samples.type_path(id);
        let label = format!("{}.{}", item.name, marked_names(fields));
        if item.roles.de {
            let doc = json_struct(m, id, 0, true).to_string();
            decoded.push(quote!(decoded::<#path>(#label, #doc);));
        }
        if is_request(m, id) {
            let new = samples.new_call_with(id, fields, |f| {
                matches!(f.ty, Ty::Secret(_)).then(|| secret_value(&f.ty))
            });
            let setters = fields
                .iter()
                .filter(|f| !f.required && f.location == Location::Params)
                .filter(|f| matches!(f.ty, Ty::Secret(_)))
                .map(|f| samples.set(f, Some(secret_value(&f.ty))));
            built.push(quote!(built(#label, #new #(#setters)*);));
        }
    }
    let tokens = quote! {
        //! Every generated type that holds a field marked secret (codegen/src/secrets.rs), with
        //! the field set, formatted with `{:?}`: the secret must not show. Response types are
        //! decoded from a JSON sample; request types are built with their constructor and
        //! setters, and must still send the secret.
        #![allow(clippy::all, unused_imports)]
        // Laid out by prettyplease; `cargo fmt` leaves generated code alone.
        #![cfg_attr(rustfmt, rustfmt::skip)]

        const SENTINEL: &str = #SENTINEL;

        fn decoded<T: serde::de::DeserializeOwned + std::fmt::Debug>(label: &str, json: &str) {
            assert!(json.contains(SENTINEL));
            let value: T = serde_json::from_str(json).unwrap_or_else(|e| panic!("{label}: {e}"));
            let shown = format!("{value:?}");
            assert!(!shown.contains(SENTINEL), "{label} prints a secret: {shown}");
            assert!(shown.contains("[redacted]"), "{label}: {shown}");
        }

        fn built<T: serde::Serialize + std::fmt::Debug>(label: &str, value: T) {
            let shown = format!("{value:?}");
            assert!(!shown.contains(SENTINEL), "{label} prints a secret: {shown}");
            let sent = serde_json::to_string(&value).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert!(sent.contains(SENTINEL), "{label} does not send the secret: {sent}");
        }

        #[test]
        fn response_types_holding_a_secret_do_not_print_it() {
            #(#decoded)*
        }

        #[test]
        fn request_types_holding_a_secret_do_not_print_it() {
            #(#built)*
        }
    };
    let header = format!(
        "// Generated by cargo xtask codegen from Stripe API {} (spec sha256 {}). Do not edit.\n\n",
        m.api_version,
        &sha256[..12.min(sha256.len())]
    );
    samples.file(header, tokens)
}

fn marked_names(fields: &[Field]) -> String {
    fields
        .iter()
        .filter(|f| matches!(f.ty, Ty::Secret(_)))
        .map(|f| f.name.as_str())
        .collect::<Vec<_>>()
        .join("+")
}

/// `Secret<…>` holding the sentinel.
fn secret_value(t: &Ty) -> TokenStream {
    let inner = match t {
        Ty::Secret(inner) => inner.as_ref(),
        other => other,
    };
    let v = match inner {
        Ty::Map(_) => {
            quote!(std::collections::BTreeMap::from([(String::from("k"), String::from(#SENTINEL))]))
        }
        Ty::Metadata => {
            quote!(stripe_types::rt::Metadata::from([(String::from("k"), String::from(#SENTINEL))]))
        }
        Ty::Id(_) => quote!(stripe_types::rt::Id::new(#SENTINEL)),
        _ => quote!(String::from(#SENTINEL)),
    };
    quote!(stripe_types::rt::Secret::new(#v))
}

/// A JSON document a response struct decodes from: every required field, every secret one
/// (holding the sentinel), and the `object` tag.
fn json_struct(m: &Model, id: ItemId, depth: usize, top: bool) -> Value {
    let id = m.resolve(id);
    let Kind::Struct { fields, object } = &m.items[id].kind else {
        return json_ty(m, &Ty::Named(id), depth, false);
    };
    let mut doc = Map::new();
    if let Some(o) = object {
        doc.insert("object".into(), json!(o));
    }
    for f in fields {
        let secret = matches!(f.ty, Ty::Secret(_));
        if f.required || (top && secret) {
            doc.insert(f.name.clone(), json_ty(m, &f.ty, depth + 1, false));
        }
    }
    Value::Object(doc)
}

/// A JSON value of type `t`; text inside a secret is the sentinel.
fn json_ty(m: &Model, t: &Ty, depth: usize, secret: bool) -> Value {
    if depth > 16 {
        return json!({});
    }
    match t {
        Ty::Bool => json!(true),
        Ty::I64 => json!(1),
        Ty::F64 => json!(1.5),
        Ty::String | Ty::Id(_) | Ty::File => {
            json!(if secret { SENTINEL } else { "x_123" })
        }
        Ty::Timestamp => json!(1_700_000_000),
        Ty::DateTime => json!("2024-01-01T00:00:00Z"),
        Ty::Decimal => json!("1.5"),
        Ty::Json | Ty::Unit | Ty::Binary => json!({}),
        Ty::Metadata => json!({"k": if secret { SENTINEL } else { "v" }}),
        Ty::Vec(inner) => json!([json_ty(m, inner, depth + 1, secret)]),
        Ty::Map(inner) => json!({"k": json_ty(m, inner, depth + 1, secret)}),
        Ty::Expandable(_) => json!("x_123"),
        Ty::Clearable(inner) => json_ty(m, inner, depth, secret),
        Ty::Secret(inner) => json_ty(m, inner, depth, true),
        Ty::List(_) | Ty::SearchList(_) | Ty::V2List(_) => {
            json!({"object": "list", "data": [], "has_more": false, "url": "/v1/x"})
        }
        Ty::Named(id) => {
            let id = m.resolve(*id);
            match &m.items[id].kind {
                Kind::Struct { .. } => json_struct(m, id, depth, false),
                Kind::Enum { values } => json!(values.first().cloned().unwrap_or_default()),
                Kind::Union { variants } => match variants.first() {
                    Some(v) => json_ty(m, &v.ty, depth + 1, secret),
                    None => json!({}),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule() {
        for name in [
            "client_secret",
            "signing_secret",
            "secret",
            "password",
            "private_key_file_password",
            "private_key",
            "authentication_token",
            "client_token",
            "access_token",
            "cvc",
            "api_key",
        ] {
            assert!(rule(name).is_some(), "{name}");
        }
        assert!(rule_in("number", Some("card")).is_some());
        assert!(rule_in("number", Some("invoice")).is_none());
        for name in [
            "account_token",
            "person_token",
            "confirmation_token",
            "cvc_check",
            "idempotency_key",
            "session",
            "url",
            "token",
        ] {
            assert!(rule(name).is_none(), "{name}");
        }
    }

    #[test]
    fn exceptions_and_objects() {
        let p = crate::policy::workspace_policy();
        let at = "test";
        assert_eq!(
            mark(&p, None, "client_secret", Ty::String, at).unwrap(),
            Ty::Secret(Box::new(Ty::String))
        );
        // Reviewed exceptions stay as they are.
        assert_eq!(
            mark(&p, None, "private_key_file", Ty::String, at).unwrap(),
            Ty::String
        );
        assert_eq!(
            mark(&p, Some("invoice"), "confirmation_secret", Ty::Named(0), at).unwrap(),
            Ty::Named(0)
        );
        // An object the rule names, not reviewed: generation stops and says what to do.
        let err = mark(
            &p,
            Some("customer"),
            "confirmation_secret",
            Ty::Named(0),
            at,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("[secrets.not_secret]"), "{err}");
        // The policy's own list, beside the rule.
        assert_eq!(
            mark(&p, Some("login_link"), "url", Ty::String, at).unwrap(),
            Ty::Secret(Box::new(Ty::String))
        );
    }
}
