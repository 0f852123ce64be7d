//! Stripe's own method names for operations (`spec/operation_names.toml`).
//!
//! Stripe's SDK spec lists, on each resource schema, the methods its official SDKs generate
//! (`x-stripeOperations`: method name, HTTP verb, path) and the resource's class
//! (`x-stripeResource`). [`derive_table`] turns that into the committed table, one line per
//! HTTP verb and path; [`parse_table`] reads it back for the generator, which therefore needs
//! neither Go nor the network. `cargo xtask spec names` rewrites the table.
//!
//! A line reads
//!
//! ```text
//! "POST /v1/subscriptions/{subscription_exposed_id}/cancel" = { method = "cancel", object = "subscription", class = "Subscription" }
//! ```
//!
//! `method` is Stripe's method name, `object` the resource's schema (its `object` value) and
//! `class` its SDK class, package first (`Checkout.Session`).

use crate::names::{singular, type_ident};
use serde_json::Value;
use std::collections::BTreeMap;

/// Stripe's name for one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeName {
    /// The SDK method (`retrieve`, `cancel`, `create_preview`).
    pub method: String,
    /// The resource's schema name (`checkout.session`).
    pub object: String,
    /// The SDK class, package first (`Checkout.Session`).
    pub class: String,
}

/// `(HTTP verb, path template)` → Stripe's name.
pub type NameTable = BTreeMap<(String, String), StripeName>;

struct Candidate {
    name: StripeName,
    custom: bool,
    on_service: bool,
}

/// The table's text from the bytes of Stripe's SDK spec (`spec3.beta.sdk.json`).
///
/// Where several resources list a method for one path and verb, the first of these wins:
/// a standard method over a custom one (`list` on `capability` over `capabilities` on
/// `account`); a method on the service over one on a collection; the resource that the
/// path's `GET` answers with; the resource named by the path's last word; the first by
/// schema name. When several resources share the winning method and none is the one the
/// path's `GET` answers with, the line names that one instead.
pub fn derive_table(sdk_spec: &[u8]) -> Result<String, String> {
    let doc: Value =
        serde_json::from_slice(sdk_spec).map_err(|e| format!("not a JSON document: {e}"))?;
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .ok_or("no /components/schemas")?;
    let mut cands: BTreeMap<(String, String), Vec<Candidate>> = BTreeMap::new();
    for (object, schema) in schemas {
        let Some(ops) = schema.get("x-stripeOperations").and_then(Value::as_array) else {
            continue;
        };
        let res = schema.get("x-stripeResource");
        let text = |k: &str| {
            res.and_then(|r| r.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let class_name = match text("class_name") {
            c if c.is_empty() => type_ident(object),
            c => c,
        };
        let class = match text("in_package") {
            p if p.is_empty() => class_name,
            p => format!("{p}.{class_name}"),
        };
        for op in ops {
            let get = |k: &str| {
                op.get(k)
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{object}: an x-stripeOperations entry without `{k}`"))
            };
            let verb = get("operation")?.to_ascii_uppercase();
            let path = get("path")?.to_string();
            cands.entry((verb, path)).or_default().push(Candidate {
                name: StripeName {
                    method: get("method_name")?.to_string(),
                    object: object.clone(),
                    class: class.clone(),
                },
                custom: get("method_type")? == "custom",
                on_service: op.get("method_on").and_then(Value::as_str) == Some("service"),
            });
        }
    }
    let get_name: BTreeMap<String, StripeName> = cands
        .iter()
        .filter(|((verb, _), _)| verb == "GET")
        .filter_map(|((_, path), cs)| Some((path.clone(), best(cs, None, path)?.clone())))
        .collect();
    let mut out = String::from(
        "# Stripe's own SDK method names, one line per HTTP verb and path: the method, the\n\
         # resource's schema (`object`) and its SDK class. Derived from `x-stripeOperations` in\n\
         # Stripe's SDK spec (stripe-mock's embedded/openapi/spec3.beta.sdk.json) by\n\
         # `cargo xtask spec names`; read by `cargo xtask codegen`. Do not edit by hand.\n",
    );
    for ((verb, path), cs) in &cands {
        let get = get_name.get(path);
        let Some(mut n) = best(cs, get.map(|g| &g.object), path).cloned() else {
            continue;
        };
        // Several resources share the method and none is the one the path answers with
        // (`delete` on `bank_account` and `card` for a customer's sources): name the
        // resource that the path's `GET` answers with (`payment_source`).
        let shared = cs
            .iter()
            .any(|c| !c.custom && c.name.method == n.method && c.name.object != n.object);
        if let Some(g) = get.filter(|g| shared && g.object != n.object) {
            n.object = g.object.clone();
            n.class = g.class.clone();
        }
        out.push_str(&format!(
            "\"{verb} {path}\" = {{ method = \"{}\", object = \"{}\", class = \"{}\" }}\n",
            n.method, n.object, n.class
        ));
    }
    Ok(out)
}

fn best<'a>(
    cs: &'a [Candidate],
    get_object: Option<&String>,
    path: &str,
) -> Option<&'a StripeName> {
    let last = path
        .split('/')
        .rfind(|s| !s.is_empty() && !s.starts_with('{'))
        .map(singular)
        .unwrap_or_default();
    cs.iter()
        .min_by_key(|c| {
            (
                c.custom,
                !c.on_service,
                get_object != Some(&c.name.object),
                c.name.object.rsplit('.').next() != Some(last.as_str()),
                c.name.object.clone(),
            )
        })
        .map(|c| &c.name)
}

/// Read the table's text.
pub fn parse_table(text: &str) -> Result<NameTable, String> {
    let mut table = NameTable::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || {
            format!(
                "line {}: not a `\"VERB /path\" = {{ .. }}` line: {line}",
                i + 1
            )
        };
        let (key, value) = line.split_once(" = ").ok_or_else(bad)?;
        let (verb, path) = key.trim_matches('"').split_once(' ').ok_or_else(bad)?;
        let field = |k: &str| -> Result<String, String> {
            let start = value.find(&format!("{k} = \"")).ok_or_else(bad)? + k.len() + 4;
            let len = value[start..].find('"').ok_or_else(bad)?;
            Ok(value[start..start + len].to_string())
        };
        table.insert(
            (verb.to_string(), path.to_string()),
            StripeName {
                method: field("method")?,
                object: field("object")?,
                class: field("class")?,
            },
        );
    }
    Ok(table)
}

impl StripeName {
    /// The resource as a Rust name: package and class (`CheckoutSession`).
    pub fn resource(&self) -> String {
        type_ident(&self.class)
    }

    /// The method as a Rust word: Stripe's method without a trailing repeat of the resource
    /// (`finalize_invoice` on an invoice is `Finalize`, `void_grant` on a credit grant `Void`).
    pub fn verb(&self) -> String {
        let object = self.object.rsplit('.').next().unwrap_or(&self.object);
        let words: Vec<&str> = self.method.split('_').collect();
        for cut in 1..words.len() {
            let tail = words[cut..].join("_");
            if object == tail || object.ends_with(&format!("_{tail}")) {
                return type_ident(&words[..cut].join("_"));
            }
        }
        type_ident(&self.method)
    }

    /// The struct name: the method followed by the resource, plural for `list` and
    /// `search` (`CancelSubscription`, `ListCustomers`, `CreatePreviewInvoice`). Test-helper
    /// paths put `TestHelpers` before the resource, as Stripe's SDKs do.
    pub fn struct_name(&self, path: &str) -> String {
        let mut resource = self.resource();
        if path.starts_with("/v1/test_helpers/") && !resource.starts_with("TestHelpers") {
            resource = format!("TestHelpers{resource}");
        }
        if matches!(self.method.as_str(), "list" | "search") {
            resource = plural(&resource);
        }
        format!("{}{resource}", self.verb())
    }
}

/// A crude English plural for a PascalCase name (`Capability` → `Capabilities`).
pub fn plural(word: &str) -> String {
    if word.ends_with('s') {
        return word.to_string();
    }
    let b = word.as_bytes();
    if word.ends_with('y') && b.len() > 1 && !b"aeiou".contains(&b[b.len() - 2]) {
        return format!("{}ies", &word[..word.len() - 1]);
    }
    if word.ends_with('x') || word.ends_with("ch") || word.ends_with("sh") {
        return format!("{word}es");
    }
    format!("{word}s")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(method: &str, object: &str, class: &str) -> StripeName {
        StripeName {
            method: method.into(),
            object: object.into(),
            class: class.into(),
        }
    }

    #[test]
    fn struct_names() {
        let n = name("cancel", "subscription", "Subscription");
        assert_eq!(
            n.struct_name("/v1/subscriptions/{id}"),
            "CancelSubscription"
        );
        let n = name("create_preview", "invoice", "Invoice");
        assert_eq!(
            n.struct_name("/v1/invoices/create_preview"),
            "CreatePreviewInvoice"
        );
        let n = name("finalize_invoice", "invoice", "Invoice");
        assert_eq!(
            n.struct_name("/v1/invoices/{i}/finalize"),
            "FinalizeInvoice"
        );
        let n = name("void_grant", "billing.credit_grant", "Billing.CreditGrant");
        assert_eq!(
            n.struct_name("/v1/billing/credit_grants/{id}/void"),
            "VoidBillingCreditGrant"
        );
        let n = name("list", "capability", "Capability");
        assert_eq!(
            n.struct_name("/v1/accounts/{a}/capabilities"),
            "ListCapabilities"
        );
        let n = name("capture", "issuing.authorization", "Issuing.Authorization");
        assert_eq!(
            n.struct_name("/v1/test_helpers/issuing/authorizations/{a}/capture"),
            "CaptureTestHelpersIssuingAuthorization"
        );
        let n = name(
            "list",
            "billing.meter_event_summary",
            "Billing.MeterEventSummary",
        );
        assert_eq!(
            n.struct_name("/v1/billing/meters/{id}/event_summaries"),
            "ListBillingMeterEventSummaries"
        );
    }

    #[test]
    fn table_round_trip() {
        let sdk = br#"{"components":{"schemas":{
          "account":{"x-stripeResource":{"class_name":"Account","in_package":""},
            "x-stripeOperations":[
              {"method_name":"retrieve","method_on":"service","method_type":"retrieve","operation":"get","path":"/v1/account"},
              {"method_name":"capabilities","method_on":"service","method_type":"custom","operation":"get","path":"/v1/accounts/{account}/capabilities"}]},
          "capability":{"x-stripeResource":{"class_name":"Capability","in_package":""},
            "x-stripeOperations":[
              {"method_name":"list","method_on":"collection","method_type":"list","operation":"get","path":"/v1/accounts/{account}/capabilities"},
              {"method_name":"list","method_on":"service","method_type":"list","operation":"get","path":"/v1/accounts/{account}/capabilities"}]},
          "checkout.session":{"x-stripeResource":{"class_name":"Session","in_package":"Checkout"},
            "x-stripeOperations":[
              {"method_name":"create","method_on":"service","method_type":"create","operation":"post","path":"/v1/checkout/sessions"}]}
        }}}"#;
        let text = derive_table(sdk).unwrap();
        let t = parse_table(&text).unwrap();
        assert_eq!(t.len(), 3);
        let caps = &t[&("GET".into(), "/v1/accounts/{account}/capabilities".into())];
        assert_eq!(caps, &name("list", "capability", "Capability"));
        let cs = &t[&("POST".into(), "/v1/checkout/sessions".into())];
        assert_eq!(
            cs.struct_name("/v1/checkout/sessions"),
            "CreateCheckoutSession"
        );
        assert!(parse_table("GET /v1/x retrieve").is_err());
    }
}
