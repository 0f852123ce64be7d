//! Generator policy: the decisions the spec cannot make (which cargo feature serves a path,
//! the exceptions to the secret rule, which requests run a hand-written check), read from
//! `spec/policy.toml` beside the spec.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The area whose items are always compiled (it has no cargo feature).
pub const CORE: &str = "core";

/// The contents of `spec/policy.toml`.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Area → the first path segments it serves (`billing` → `invoices`, `prices`, …).
    pub areas: BTreeMap<String, BTreeSet<String>>,
    /// Areas `stripe-types` enables by default.
    pub default_areas: Vec<String>,
    /// Fields that hold a secret wherever they appear, beyond the rule of [`crate::secrets`].
    pub secret_fields: BTreeSet<String>,
    /// `(schema, field)` pairs that hold a secret.
    pub secret_schema_fields: BTreeSet<(String, String)>,
    /// Reviewed exceptions to the secret rule: `field` or `schema.field` → why it is not a
    /// secret.
    pub not_secret: BTreeMap<String, String>,
    /// Operation id → the hand-written check (a path under `stripe_types::rt::check`) its
    /// request's `validate` calls.
    pub checks: BTreeMap<String, String>,
    /// `(schema, field)` pairs whose object is only named, as an expandable field's is.
    pub names_only: BTreeSet<(String, String)>,
    /// Parameter names that hold a value, never the id of the resource of that name
    /// (`not_ids`; [`crate::links`]).
    pub not_ids: BTreeSet<String>,
    /// First path segment → area (the inverse of `areas`).
    segment_area: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    default_areas: Vec<String>,
    areas: BTreeMap<String, Vec<String>>,
    secrets: Secrets,
    #[serde(default)]
    names_only: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    not_ids: Vec<String>,
    #[serde(default)]
    checks: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Secrets {
    fields: Vec<String>,
    schema_fields: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    not_secret: BTreeMap<String, String>,
}

impl Policy {
    /// Read a policy file.
    pub fn read(path: &Path) -> Result<Policy, crate::Error> {
        let text = std::fs::read_to_string(path).map_err(|source| crate::Error::Io {
            path: path.into(),
            source,
        })?;
        Policy::parse(&text).map_err(|reason| crate::Error::Policy {
            path: path.into(),
            reason,
        })
    }

    /// Parse and validate the policy's text.
    pub fn parse(text: &str) -> Result<Policy, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut segment_area = BTreeMap::new();
        let mut areas = BTreeMap::new();
        for (area, segments) in file.areas {
            for seg in &segments {
                if let Some(other) = segment_area.insert(seg.clone(), area.clone()) {
                    return Err(format!(
                        "path segment `{seg}` is listed in two areas: `{other}` and `{area}`"
                    ));
                }
            }
            areas.insert(area, segments.into_iter().collect());
        }
        if !areas.contains_key(CORE) {
            return Err(format!("the `{CORE}` area is missing from [areas]"));
        }
        for d in &file.default_areas {
            if !areas.contains_key(d) || d == CORE {
                return Err(format!(
                    "default area `{d}` is not a feature area listed in [areas]"
                ));
            }
        }
        for (op, check) in &file.checks {
            let path_ok = !check.is_empty()
                && check.split("::").all(|s| {
                    s.chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                });
            if !path_ok {
                return Err(format!(
                    "[checks] {op} = {check:?} is not a path like `meter::meter_event`"
                ));
            }
        }
        for (key, why) in &file.secrets.not_secret {
            if why.trim().is_empty() {
                return Err(format!("[secrets.not_secret] {key:?} needs its reason"));
            }
        }
        Ok(Policy {
            areas,
            default_areas: file.default_areas,
            secret_fields: file.secrets.fields.into_iter().collect(),
            secret_schema_fields: schema_field_pairs(file.secrets.schema_fields),
            not_secret: file.secrets.not_secret,
            checks: file.checks,
            names_only: schema_field_pairs(file.names_only),
            not_ids: file.not_ids.into_iter().collect(),
            segment_area,
        })
    }

    /// The area that lists a first path segment (or schema prefix), if any.
    pub fn area_of(&self, segment: &str) -> Option<&str> {
        self.segment_area.get(segment).map(String::as_str)
    }

    /// The first segment that decides a path's area: `v2` for every `/v2/…` path, else the
    /// segment after the version, skipping `test_helpers`.
    pub fn path_segment(path: &str) -> &str {
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if segs.first() == Some(&"v2") {
            return "v2";
        }
        let mut first = segs.get(1).copied().unwrap_or("");
        if first == "test_helpers" {
            first = segs.get(2).copied().unwrap_or("");
        }
        first
    }

    /// The area that serves a path; an unlisted path lands in `core` (and is reported).
    pub fn area_for_path(&self, path: &str) -> &str {
        self.area_of(Self::path_segment(path)).unwrap_or(CORE)
    }

    /// Every area with a cargo feature (all but `core`), whether or not it has items: the
    /// feature set is public API and survives a refresh that empties an area.
    pub fn features(&self) -> impl Iterator<Item = &str> {
        self.areas.keys().map(String::as_str).filter(|a| *a != CORE)
    }

    /// Whether a component schema's field only names its object (`[names_only]`).
    pub fn is_names_only(&self, schema: Option<&str>, field: &str) -> bool {
        schema.is_some_and(|s| {
            self.names_only
                .contains(&(s.to_string(), field.to_string()))
        })
    }

    /// Whether the policy lists a field as secret (beyond the rule of [`crate::secrets`]).
    pub fn lists_secret(&self, schema: Option<&str>, field: &str) -> bool {
        self.secret_fields.contains(field)
            || schema.is_some_and(|s| {
                self.secret_schema_fields
                    .contains(&(s.to_string(), field.to_string()))
            })
    }

    /// Why a field the secret rule names is not a secret, when the policy says so.
    pub fn not_secret(&self, schema: Option<&str>, field: &str) -> Option<&str> {
        let scoped = schema.and_then(|s| self.not_secret.get(&format!("{s}.{field}")));
        scoped
            .or_else(|| self.not_secret.get(field))
            .map(String::as_str)
    }
}

/// A `schema = [fields]` table as `(schema, field)` pairs.
fn schema_field_pairs(table: BTreeMap<String, Vec<String>>) -> BTreeSet<(String, String)> {
    table
        .into_iter()
        .flat_map(|(schema, fields)| fields.into_iter().map(move |f| (schema.clone(), f)))
        .collect()
}

/// The repository's own policy, compiled in (the snapshot fixtures use it).
pub fn workspace_policy() -> Policy {
    Policy::parse(include_str!("../../spec/policy.toml"))
        .expect("spec/policy.toml is valid (checked by codegen's tests)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_policy_parses() {
        let p = workspace_policy();
        assert_eq!(p.area_for_path("/v1/customers/{customer}"), "payments");
        assert_eq!(p.area_for_path("/v1/test_helpers/test_clocks"), "billing");
        assert_eq!(p.area_for_path("/v2/core/events"), "v2");
        assert_eq!(p.area_for_path("/v1/events"), "core");
        assert_eq!(p.area_of("not_a_resource"), None);
        assert!(p.lists_secret(Some("login_link"), "url"));
        assert!(!p.lists_secret(Some("customer"), "url"));
        assert!(p
            .not_secret(Some("invoice"), "confirmation_secret")
            .is_some());
        assert!(p
            .not_secret(Some("customer"), "confirmation_secret")
            .is_none());
        assert!(p.not_secret(None, "private_key_file").is_some());
        assert_eq!(
            p.checks.get("PostBillingMeters").map(String::as_str),
            Some("meter::meter")
        );
        assert!(p.is_names_only(Some("api_errors"), "payment_method"));
        assert!(!p.is_names_only(Some("api_errors"), "code"));
    }

    #[test]
    fn a_segment_in_two_areas_is_refused() {
        let err = Policy::parse(
            "default_areas = []\n[areas]\ncore = [\"a\"]\nb = [\"a\"]\n\
             [secrets]\nfields = []\nschema_fields = {}\n",
        )
        .unwrap_err();
        assert!(err.contains("two areas"), "{err}");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = Policy::parse(
            "default_areas = []\nextra = 1\n[areas]\ncore = []\n\
             [secrets]\nfields = []\nschema_fields = {}\n",
        )
        .unwrap_err();
        assert!(err.contains("extra"), "{err}");
    }
}
