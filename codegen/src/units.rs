//! Resource features: the cargo features finer than an API area, one per resource the API
//! serves, so that an app compiles only the resources it calls.
//!
//! A resource's feature is named after its path, as Stripe's URLs spell it:
//! - `/v1/customers/...` → `customers`; `/v1/test_helpers/<x>/...` counts as `/v1/<x>/...`;
//! - a *namespace*, a first segment with no path of its own (`/v1/billing/meters`,
//!   `/v1/checkout/sessions`), adds its second segment: `billing_meters`, `checkout_sessions`;
//! - a *sub-resource*, a segment after a resource's id that the API can read (a `GET` on it
//!   or on one of its ids), is a feature of its own, the resource in the singular first:
//!   `/v1/customers/{customer}/tax_ids` → `customer_tax_ids`,
//!   `/v1/billing/meters/{id}/event_summaries` → `billing_meter_event_summaries`. A segment
//!   that is only an action (`/v1/payment_intents/{intent}/confirm`) stays with its resource;
//! - every `/v2/...` path is one feature, `v2`.
//!
//! A component schema belongs to the resource whose singular name prefixes its own
//! (`payment_intent_next_action` → `payment_intents`, `billing.meter` → `billing_meters`); a
//! schema no resource claims has no feature of its own and is compiled where it is used.
//! An area's feature enables all of its resources' features. Everything here is read from
//! the spec's paths, so a refresh needs no policy edit for a new resource.

use crate::names::singular;
use std::collections::{BTreeMap, BTreeSet};

/// The resource features of a spec, learned from its paths.
#[derive(Debug, Clone, Default)]
pub struct Units {
    /// First segments with no path of their own (`billing`, `issuing`).
    namespaces: BTreeSet<String>,
    /// Sub-resources, as the segments of their path with ids as `{}`:
    /// `["customers", "{}", "tax_ids"]`.
    subresources: BTreeSet<Vec<String>>,
    /// (namespace or `""`, a path's resources in the singular joined by `_`) → the feature
    /// of the path, with its rank (shorter paths, then plural segments, first):
    /// `("", customer_balance_transaction)` → `customers` from
    /// `/v1/customers/{customer}/balance_transactions`, `(billing, meter)` → `billing_meters`.
    claims: BTreeMap<(String, String), ((usize, bool), String)>,
}

/// The segments of a path after the version, `test_helpers` skipped.
fn segments(path: &str) -> Vec<&str> {
    let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).skip(1).collect();
    if segs.first() == Some(&"test_helpers") {
        segs.remove(0);
    }
    segs
}

/// A path's segments after the version (`test_helpers` skipped), each id as `{}`.
fn shape(path: &str) -> Vec<String> {
    segments(path)
        .into_iter()
        .map(|s| {
            if is_param(s) {
                "{}".to_string()
            } else {
                s.to_string()
            }
        })
        .collect()
}

fn is_param(seg: &str) -> bool {
    seg.starts_with('{')
}

impl Units {
    /// Learn the resources from the spec's paths, each with whether it has a `GET`.
    pub fn from_paths<'p>(paths: impl IntoIterator<Item = (&'p str, bool)>) -> Units {
        let v1: Vec<(&str, bool)> = paths
            .into_iter()
            .filter(|(p, _)| !p.starts_with("/v2/"))
            .collect();
        let mut own_path: BTreeSet<&str> = BTreeSet::new();
        let mut firsts: BTreeSet<&str> = BTreeSet::new();
        for (p, _) in &v1 {
            let segs = segments(p);
            let Some(first) = segs.first().copied() else {
                continue;
            };
            firsts.insert(first);
            if segs.get(1).is_none_or(|s| is_param(s)) {
                own_path.insert(first);
            }
        }
        let mut u = Units::default();
        for first in &firsts {
            if !own_path.contains(first) {
                u.namespaces.insert(first.to_string());
            }
        }
        // A readable segment after a resource's id: `GET .../{id}/<sub>` or `.../<sub>/{id}`.
        for (p, get) in &v1 {
            let shape = shape(p);
            let root = u.root_len(&shape);
            let end = root + 2;
            if !get || shape.len() < end || shape[root] != "{}" || shape[root + 1] == "{}" {
                continue;
            }
            if shape.len() == end || (shape.len() == end + 1 && shape[end] == "{}") {
                u.subresources.insert(shape[..end].to_vec());
            }
        }
        let v1: Vec<&str> = v1.into_iter().map(|(p, _)| p).collect();
        for p in &v1 {
            let unit = u.for_path(p);
            let segs = segments(p);
            let (ns, rest) = match segs.split_first() {
                Some((ns, rest)) if u.namespaces.contains(*ns) => (ns.to_string(), rest),
                _ => (String::new(), segs.as_slice()),
            };
            let words: Vec<&str> = rest.iter().copied().filter(|s| !is_param(s)).collect();
            let Some(first) = words.first() else {
                continue;
            };
            let rank = (words.len(), singular(first) == *first);
            for n in 1..=words.len() {
                let key = words[..n]
                    .iter()
                    .map(|w| singular(w))
                    .collect::<Vec<_>>()
                    .join("_");
                let e = u
                    .claims
                    .entry((ns.clone(), key))
                    .or_insert_with(|| (rank, unit.clone()));
                if rank < e.0 {
                    *e = (rank, unit.clone());
                }
            }
        }
        u
    }

    /// The feature of the resource a path serves.
    pub fn for_path(&self, path: &str) -> String {
        if path.starts_with("/v2/") {
            return "v2".into();
        }
        let shape = shape(path);
        let root = self.root_len(&shape);
        let (ns, resource) = match shape.as_slice() {
            [ns, resource, ..] if root == 2 => (format!("{ns}_"), resource),
            [resource, ..] => (String::new(), resource),
            [] => return String::new(),
        };
        match shape.get(..root + 2) {
            Some(sub) if self.subresources.contains(sub) => {
                // `/v1/sources/{source}/source_transactions` → `source_transactions`.
                let (one, sub) = (singular(resource), &sub[root + 1]);
                if sub.starts_with(&format!("{one}_")) {
                    format!("{ns}{sub}")
                } else {
                    format!("{ns}{one}_{sub}")
                }
            }
            _ => format!("{ns}{resource}"),
        }
    }

    /// How many leading segments name the resource: two under a namespace
    /// (`billing/meters`), else one.
    fn root_len(&self, shape: &[String]) -> usize {
        match shape {
            [ns, second, ..] if self.namespaces.contains(ns) && second != "{}" => 2,
            _ => 1,
        }
    }

    /// The feature of the resource a component schema belongs to: the path whose resources,
    /// in the singular, spell the longest prefix of its name. `None` if no path does.
    pub fn for_schema(&self, name: &str) -> Option<String> {
        if name.starts_with("v2.") {
            return Some("v2".into());
        }
        let (ns, rest) = match name.split_once('.') {
            Some((prefix, rest)) => {
                let prefix = prefix.trim_start_matches("deleted_");
                if self.namespaces.contains(prefix) {
                    (prefix.to_string(), rest.to_string())
                } else {
                    (String::new(), format!("{prefix}_{rest}"))
                }
            }
            None => (
                String::new(),
                name.trim_start_matches("deleted_").to_string(),
            ),
        };
        self.claims
            .iter()
            .filter(|((n, key), _)| {
                *n == ns && (rest == *key || rest.starts_with(&format!("{key}_")))
            })
            .max_by_key(|((_, key), _)| key.len())
            .map(|(_, (_, unit))| unit.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units() -> Units {
        // (path, has a GET)
        Units::from_paths([
            ("/v1/account", true),
            ("/v1/accounts", true),
            ("/v1/accounts/{account}", true),
            ("/v1/customers", true),
            ("/v1/customers/{customer}", true),
            ("/v1/customers/{customer}/balance_transactions", true),
            ("/v1/customers/{customer}/tax_ids/{id}", true),
            ("/v1/customers/{customer}/funding_instructions", false),
            (
                "/v1/test_helpers/customers/{customer}/fund_cash_balance",
                false,
            ),
            ("/v1/payment_intents/{intent}/confirm", false),
            ("/v1/payment_methods", true),
            ("/v1/payment_method_configurations", true),
            ("/v1/billing/meters", true),
            ("/v1/billing/meters/{id}/event_summaries", true),
            ("/v1/billing/meter_events", false),
            ("/v1/charges/{charge}/refunds", true),
            ("/v1/refunds", true),
            ("/v1/test_helpers/issuing/cards/{card}/shipping/ship", false),
            ("/v2/core/accounts", true),
        ])
    }

    #[test]
    fn paths() {
        let u = units();
        assert_eq!(u.for_path("/v1/customers/{customer}"), "customers");
        assert_eq!(
            u.for_path("/v1/test_helpers/customers/{c}/fund_cash_balance"),
            "customers"
        );
        assert_eq!(u.for_path("/v1/billing/meters/{id}"), "billing_meters");
        // Sub-resources: readable segments after an id. Actions stay with their resource.
        assert_eq!(
            u.for_path("/v1/customers/{customer}/balance_transactions/{t}"),
            "customer_balance_transactions"
        );
        assert_eq!(
            u.for_path("/v1/customers/{customer}/tax_ids"),
            "customer_tax_ids"
        );
        assert_eq!(
            u.for_path("/v1/customers/{customer}/funding_instructions"),
            "customers"
        );
        assert_eq!(
            u.for_path("/v1/payment_intents/{intent}/confirm"),
            "payment_intents"
        );
        assert_eq!(
            u.for_path("/v1/billing/meters/{id}/event_summaries"),
            "billing_meter_event_summaries"
        );
        assert_eq!(u.for_path("/v1/charges/{charge}/refunds"), "charge_refunds");
        assert_eq!(
            u.for_path("/v1/test_helpers/issuing/cards/{c}/shipping/ship"),
            "issuing_cards"
        );
        assert_eq!(u.for_path("/v1/account"), "account");
        assert_eq!(u.for_path("/v2/core/accounts"), "v2");
    }

    #[test]
    fn schemas() {
        let u = units();
        assert_eq!(u.for_schema("customer").as_deref(), Some("customers"));
        assert_eq!(
            u.for_schema("deleted_customer").as_deref(),
            Some("customers")
        );
        assert_eq!(
            u.for_schema("customer_balance_transaction").as_deref(),
            Some("customer_balance_transactions")
        );
        assert_eq!(
            u.for_schema("payment_intent_next_action").as_deref(),
            Some("payment_intents")
        );
        assert_eq!(
            u.for_schema("payment_method_configuration_result")
                .as_deref(),
            Some("payment_method_configurations")
        );
        assert_eq!(u.for_schema("account").as_deref(), Some("accounts"));
        assert_eq!(
            u.for_schema("billing.meter").as_deref(),
            Some("billing_meters")
        );
        assert_eq!(
            u.for_schema("billing.meter_event").as_deref(),
            Some("billing_meter_events")
        );
        assert_eq!(
            u.for_schema("issuing.card").as_deref(),
            Some("issuing_cards")
        );
        assert_eq!(u.for_schema("v2.core.account").as_deref(), Some("v2"));
        assert_eq!(u.for_schema("address"), None);
    }
}
