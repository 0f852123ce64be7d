//! A request's own checks: the `StripeRequest::validate` the generator writes for an
//! operation that has something to check.
//!
//! - Every path parameter must be a non-blank id (`stripe_types::rt::check::path_id`): an
//!   empty one would send the request to another path (`DELETE /v1/customers/`).
//! - An operation listed in `spec/policy.toml`'s `[checks]` calls its hand-written check by
//!   name (`crate::rt::check::meter::meter_event(self, cx)`): the link is made at compile
//!   time, so a check that is renamed or removed fails the build instead of being skipped.
//!
//! Operations with neither keep the trait's default (nothing to check).

use crate::model::{Field, Location, Model, Operation};
use crate::policy::Policy;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use std::collections::BTreeMap;

/// The `[checks]` of `policy` for the operations of `m`, and the operations it names that
/// the spec does not have (reported by `--stats`, an error under `cargo xtask codegen
/// --check`).
pub fn for_model(m: &Model, policy: &Policy) -> (BTreeMap<String, String>, Vec<String>) {
    let mut out = BTreeMap::new();
    let mut stale = Vec::new();
    for (op, check) in &policy.checks {
        if m.operations.iter().any(|o| &o.id == op) {
            out.insert(op.clone(), check.clone());
        } else {
            stale.push(op.clone());
        }
    }
    (out, stale)
}

/// The `validate` method of `op`'s request, or nothing when it has nothing to check.
pub fn validate_fn(m: &Model, op: &Operation, fields: &[Field]) -> TokenStream {
    let mut steps = Vec::new();
    // Path parameters in path order, as the endpoint substitutes them.
    for seg in op.path.split('/') {
        let Some(p) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            continue;
        };
        let Some(f) = fields
            .iter()
            .find(|f| f.name == p && f.location == Location::Path)
        else {
            continue;
        };
        let fi = ident(&f.ident);
        steps.push(quote!(crate::rt::check::path_id(#p, &self.#fi)?;));
    }
    let check = m.checks.get(&op.id).map(|path| {
        let segs = path.split("::").map(ident);
        quote!(crate::rt::check #(::#segs)* (self, cx))
    });
    if steps.is_empty() && check.is_none() {
        return quote!();
    }
    let (cx, last) = match check {
        Some(c) => (quote!(cx), c),
        None => (quote!(_cx), quote!(Ok(()))),
    };
    quote! {
        fn validate(&self, #cx: &crate::rt::CheckContext) -> Result<(), crate::rt::GuardError> {
            #(#steps)*
            #last
        }
    }
}

fn ident(s: &str) -> Ident {
    match s.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(s, Span::call_site()),
    }
}

#[cfg(test)]
mod tests {
    /// A path parameter gets its empty-id check; an operation of `[checks]` calls its check by
    /// name; an operation with neither keeps the trait's default.
    #[test]
    fn validate_is_written_where_there_is_something_to_check() {
        let spec = br##"{"openapi":"3.0.0","info":{"title":"t","version":"2099-01-01.test"},
          "paths":{
            "/v1/customers/{customer}":{"delete":{"operationId":"DeleteCustomersCustomer",
              "parameters":[{"name":"customer","in":"path","required":true,"schema":{"type":"string"}}],
              "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/customer"}}}}}}},
            "/v1/customers":{"get":{"operationId":"GetCustomers",
              "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/customer"}}}}}}},
            "/v1/billing/meters":{"post":{"operationId":"PostBillingMeters",
              "requestBody":{"content":{"application/x-www-form-urlencoded":{"schema":{"type":"object","properties":{"event_name":{"type":"string"}}}}}},
              "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/customer"}}}}}}}},
          "components":{"schemas":{"customer":{"type":"object","properties":{"id":{"type":"string"}}}}}}"##;
        let (text, _) = crate::generate_single_file(spec).expect("generates");
        let compact: String = text.split_whitespace().collect();
        assert!(
            compact.contains("crate::rt::check::path_id(\"customer\",&self.customer)?;Ok(())"),
            "{text}"
        );
        assert!(
            compact.contains("crate::rt::check::meter::meter(self,cx)"),
            "{text}"
        );
        assert_eq!(text.matches("fn validate").count(), 2, "{text}");
    }
}
