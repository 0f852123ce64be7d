//! Decoding breadth: the fullest examples of a schema ([`super::synth::fullest_all`]) must
//! decode into the generated type and serialize back to the same JSON, nulls aside.

use super::spec;
use super::synth::{first_difference, fullest_all, without_nulls};
use serde_json::Value;
use stripe_types::rt::DecodeBody;

/// What a breadth check covered.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Fullest examples round-tripped.
    pub examples: usize,
    /// Fields shown to be typed ([`typed_fields`]).
    pub fields: usize,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.examples += o.examples;
        self.fields += o.fields;
    }
}

/// Round-trip every fullest example of `schema` (OpenAPI form, resolved) through `T`, and
/// show with the first one that `T` types every field ([`typed_fields`]). `label` names the
/// schema.
///
/// Each example is first checked against the schema itself (a bad example is a bug of the
/// example builder, not of the type).
pub fn roundtrip<T: DecodeBody + serde::Serialize>(
    label: &str,
    schema: &Value,
) -> Result<Counts, String> {
    let validator = spec::validator(&spec::to_json_schema(schema, false))
        .map_err(|e| format!("{label}: schema does not compile: {e}"))?;
    let examples = fullest_all(schema);
    for (k, example) in examples.iter().enumerate() {
        let bad = spec::errors(&validator, example);
        if !bad.is_empty() {
            return Err(format!(
                "{label} example {k}: the example builder made a value its schema rejects: {}",
                bad.join("; ")
            ));
        }
        roundtrip_value::<T>(&format!("{label} example {k}"), example)?;
    }
    let fields = match examples.first() {
        Some(first) => typed_fields::<T>(label, schema, first)?,
        None => 0,
    };
    Ok(Counts {
        examples: examples.len(),
        fields,
    })
}

/// Show that `T` types every field of `example` that `schema` gives a type: with a value of
/// the wrong JSON type in any one of them, decoding must fail. (A round trip alone cannot
/// tell: a field the type does not know is kept in its `extra` map and written back.)
/// Free-form fields (no `type`, or an object without properties), union members and the
/// constant `object` are not mutated. The number of fields checked.
pub fn typed_fields<T: DecodeBody>(
    label: &str,
    schema: &Value,
    example: &Value,
) -> Result<usize, String> {
    let mut targets = Vec::new();
    collect_typed(schema, example, String::new(), &mut targets);
    for (pointer, wrong) in &targets {
        let mut mutated = example.clone();
        if let Some(slot) = mutated.pointer_mut(pointer) {
            *slot = wrong.clone();
        }
        let bytes = serde_json::to_vec(&mutated).expect("JSON value serializes");
        if T::decode_body(&bytes).is_ok() {
            return Err(format!(
                "{label}: `{pointer}` decodes even as {wrong}: the type does not type it \
                 (an unknown field kept in `extra`, or a field typed as free JSON)"
            ));
        }
    }
    Ok(targets.len())
}

/// The pointers of the typed values in `value` (laid out by `schema`), each with a value of
/// the wrong JSON type for it.
fn collect_typed(schema: &Value, value: &Value, at: String, out: &mut Vec<(String, Value)>) {
    if value.is_null() || schema.get("anyOf").is_some() || schema.get("oneOf").is_some() {
        return;
    }
    let ty = schema.get("type").and_then(Value::as_str);
    let wrong = match (ty, value) {
        (_, Value::Array(_)) | (_, Value::Object(_)) => Value::String("wrong".into()),
        _ => serde_json::json!({ "wrong": [1] }),
    };
    // `"object": "v2.core.account"`: a constant the types write back, not a field they keep.
    let constant = at.ends_with("/object")
        && schema
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.len() == 1);
    let free_form = match ty {
        None => schema.get("enum").is_none(),
        Some("object") => {
            schema.get("properties").is_none() && !schema["additionalProperties"].is_object()
        }
        Some(_) => false,
    };
    if free_form {
        return;
    }
    if !at.is_empty() && !constant {
        out.push((at.clone(), wrong));
    }
    match value {
        Value::Object(o) => {
            for (k, v) in o {
                let sub = schema
                    .get("properties")
                    .and_then(|p| p.get(k))
                    .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()));
                if let Some(sub) = sub {
                    let key = k.replace('~', "~0").replace('/', "~1");
                    collect_typed(sub, v, format!("{at}/{key}"), out);
                }
            }
        }
        Value::Array(a) => {
            if let (Some(first), Some(items)) = (a.first(), schema.get("items")) {
                collect_typed(items, first, format!("{at}/0"), out);
            }
        }
        _ => {}
    }
}

/// Decode `example` as `T` and serialize it back: equal JSON, nulls aside.
pub fn roundtrip_value<T: DecodeBody + serde::Serialize>(
    label: &str,
    example: &Value,
) -> Result<(), String> {
    let bytes = serde_json::to_vec(example).expect("JSON value serializes");
    let typed = T::decode_body(&bytes)
        .map_err(|e| format!("{label}: does not decode at `{}`: {e}", e.path()))?;
    let back = serde_json::to_value(&typed)
        .map_err(|e| format!("{label}: does not serialize back: {e}"))?;
    match first_difference(&without_nulls(example), &without_nulls(&back)) {
        None => Ok(()),
        Some(d) => Err(format!(
            "{label}: serializes back to other JSON (sent vs read back) at {d}"
        )),
    }
}

/// The resolved schema of component `name` (a `v2.*` schema or a v2 error), or an error.
pub fn component(name: &str) -> Result<&'static Value, String> {
    spec::spec()
        .component(name)
        .ok_or_else(|| format!("{name}: not a v2 component schema of the pinned spec"))
}

/// The resolved 200 schema of operation `id`, or an error.
pub fn response_of(id: &str) -> Result<&'static Value, String> {
    spec::spec()
        .op(id)
        .map(|o| &o.response)
        .ok_or_else(|| format!("{id}: not a v2 operation of the pinned spec"))
}
