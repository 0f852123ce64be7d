//! Example values built from a schema (OpenAPI form, `$ref`s resolved).
//!
//! - [`minimal`]: what the server answers with — every required field and nothing else,
//!   the first member of each union, the first value of each enum; a required field that
//!   may be `null` is `null`.
//! - [`fullest`]: what the decoding-breadth test feeds the types — every field, optional
//!   ones included. Example `k` takes member `k` of each union and value `k` of each enum
//!   (wrapping), so [`fullest_all`] — examples `0..`[`variants`] — shows every member of
//!   every union and every value of every enum at least once.

use serde_json::{json, Map, Value};

/// The shape of an example.
#[derive(Debug, Clone, Copy)]
struct Mode {
    full: bool,
    k: usize,
}

/// The smallest valid value: required fields only.
pub fn minimal(schema: &Value) -> Value {
    build(schema, Mode { full: false, k: 0 }, "value", 0)
}

/// Example `k` of the fullest values: every field set.
pub fn fullest(schema: &Value, k: usize) -> Value {
    build(schema, Mode { full: true, k }, "value", 0)
}

/// How many fullest examples show every union member and enum value: the largest number of
/// members (or values) of any union (or enum) in the schema; at least 1.
pub fn variants(schema: &Value) -> usize {
    fn go(s: &Value, depth: usize) -> usize {
        if depth > 64 {
            return 1;
        }
        match s {
            Value::Object(o) => {
                let mut n = 1;
                for key in ["anyOf", "oneOf", "enum"] {
                    if let Some(a) = o.get(key).and_then(Value::as_array) {
                        n = n.max(a.iter().filter(|v| !is_null_schema(v)).count());
                    }
                }
                o.values().fold(n, |n, v| n.max(go(v, depth + 1)))
            }
            Value::Array(a) => a.iter().fold(1, |n, v| n.max(go(v, depth + 1))),
            _ => 1,
        }
    }
    go(schema, 0)
}

/// Every fullest example: `fullest(schema, k)` for `k` in `0..variants(schema)`.
pub fn fullest_all(schema: &Value) -> Vec<Value> {
    (0..variants(schema)).map(|k| fullest(schema, k)).collect()
}

fn is_null_schema(s: &Value) -> bool {
    s.get("type").and_then(Value::as_str) == Some("null") || s.is_null()
}

fn pick<T>(items: &[T], k: usize) -> Option<&T> {
    if items.is_empty() {
        None
    } else {
        items.get(k % items.len())
    }
}

fn build(schema: &Value, mode: Mode, hint: &str, depth: usize) -> Value {
    let Value::Object(o) = schema else {
        return Value::Null;
    };
    if depth > 32 {
        return json!({});
    }
    if let Some(members) = o
        .get("anyOf")
        .or_else(|| o.get("oneOf"))
        .and_then(Value::as_array)
    {
        let members: Vec<&Value> = members.iter().filter(|m| !is_null_schema(m)).collect();
        return match pick(&members, mode.k) {
            Some(m) => build(m, mode, hint, depth + 1),
            None => Value::Null,
        };
    }
    if let Some(values) = o.get("enum").and_then(Value::as_array) {
        let values: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
        let k = if mode.full { mode.k } else { 0 };
        return pick(&values, k)
            .map(|v| (*v).clone())
            .unwrap_or(Value::Null);
    }
    let ty = o.get("type").and_then(Value::as_str).unwrap_or_else(|| {
        if o.contains_key("properties") {
            "object"
        } else {
            ""
        }
    });
    match ty {
        "object" => {
            let required: Vec<&str> = o
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut out = Map::new();
            let props = o.get("properties").and_then(Value::as_object);
            for (name, sub) in props.into_iter().flatten() {
                let is_required = required.contains(&name.as_str());
                if !mode.full && !is_required {
                    continue;
                }
                let nullable = sub.get("nullable") == Some(&Value::Bool(true));
                let v = if !mode.full && nullable {
                    Value::Null
                } else {
                    build(sub, mode, name, depth + 1)
                };
                out.insert(name.clone(), v);
            }
            let has_props = props.is_some_and(|p| !p.is_empty());
            match o.get("additionalProperties") {
                Some(extra @ Value::Object(_)) if mode.full || !has_props => {
                    out.insert("key".into(), build(extra, mode, "key", depth + 1));
                }
                // A free-form object (`data` of an event): one field in the fullest example.
                None if mode.full && props.is_none() => {
                    out.insert("key".into(), json!("value"));
                }
                _ => {}
            }
            Value::Object(out)
        }
        "array" => {
            let item = o.get("items").cloned().unwrap_or_else(|| json!({}));
            Value::Array(vec![build(&item, mode, hint, depth + 1)])
        }
        "string" => match o.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2026-01-28T12:34:56.000Z"),
            Some("decimal") => json!("12.5"),
            Some("unix-time") => json!(1_769_600_000),
            _ => Value::String(format!("{hint}_1")),
        },
        "integer" => json!(if mode.full { 42 } else { 1 }),
        "number" => json!(1.5),
        "boolean" => json!(mode.full),
        _ => {
            if mode.full {
                json!({ "key": "value" })
            } else {
                json!({})
            }
        }
    }
}

/// `v` without the object keys whose value is `null`, recursively: "the same JSON, nulls
/// aside".
pub fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// The first place `a` and `b` differ, as `pointer: a vs b`; `None` when equal.
pub fn first_difference(a: &Value, b: &Value) -> Option<String> {
    fn go(a: &Value, b: &Value, at: &str) -> Option<String> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for (k, v) in x {
                    let here = format!("{at}/{k}");
                    match y.get(k) {
                        None => return Some(format!("{here}: {v} vs (absent)")),
                        Some(w) => {
                            if let Some(d) = go(v, w, &here) {
                                return Some(d);
                            }
                        }
                    }
                }
                y.iter()
                    .find(|(k, _)| !x.contains_key(*k))
                    .map(|(k, w)| format!("{at}/{k}: (absent) vs {w}"))
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (v, w))| go(v, w, &format!("{at}/{i}"))),
            (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => None,
            _ if a == b => None,
            _ => Some(format!(
                "{}: {a} vs {b}",
                if at.is_empty() { "/" } else { at }
            )),
        }
    }
    go(a, b, "")
}
