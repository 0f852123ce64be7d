//! The pinned spec's v2 operations, as the server checks them: routes, parameters, request
//! and response schemas (`$ref`s resolved), and the JSON Schema validators built from them.
//!
//! OpenAPI 3.0 schemas are not JSON Schema: [`to_json_schema`] converts them (`nullable`
//! becomes a `null` alternative, `oneOf` becomes `anyOf`, descriptions and vendor keys go)
//! and, for what a client sends, closes every object that lists its properties
//! (`additionalProperties: false`), as Stripe rejects unknown parameters.

use jsonschema::Validator;
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The pinned spec in the repository (never `../shared`).
pub fn spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/openapi.spec3.json")
}

/// The spec, read and checked once per process.
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = spec_path();
        let text = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("v2 server: cannot read {}: {e}", path.display()));
        let doc: Value = serde_json::from_slice(&text)
            .unwrap_or_else(|e| panic!("v2 server: {} is not JSON: {e}", path.display()));
        Spec::from_doc(&doc).unwrap_or_else(|e| panic!("v2 server: {e}"))
    })
}

/// The v2 part of the spec.
pub struct Spec {
    /// `info.version`: the `Stripe-Version` a client must send.
    pub api_version: String,
    /// Every v2 operation (method and path), in the spec's order.
    pub ops: Vec<Op>,
    /// Every `v2.*` component schema, resolved (OpenAPI form), by name.
    pub components: Vec<(String, Value)>,
    /// Error schemas of the `default` responses, resolved (OpenAPI form), by name.
    pub errors: Vec<(String, Value)>,
}

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Matches itself.
    Literal(String),
    /// `{name}`: any non-empty segment.
    Param(String),
}

/// One query parameter.
pub struct QueryParam {
    /// Its name.
    pub name: String,
    /// Whether it must be sent.
    pub required: bool,
    /// Its schema (OpenAPI form, resolved): how its text is read back into JSON.
    pub schema: Value,
}

/// One v2 operation.
pub struct Op {
    /// `operationId`.
    pub id: String,
    /// `GET`, `POST` or `DELETE`.
    pub method: String,
    /// The path template.
    pub path: String,
    /// The template's segments.
    pub segments: Vec<Segment>,
    /// Query parameters.
    pub query: Vec<QueryParam>,
    /// The validator of the query (as one JSON object; unknown parameters rejected).
    pub query_validator: Validator,
    /// The JSON body's schema (OpenAPI form, resolved) and its validator; `None` when the
    /// operation takes no body.
    pub body: Option<(Value, Validator)>,
    /// The 200 response's schema (OpenAPI form, resolved).
    pub response: Value,
    /// The validator of the 200 response (open objects: extra fields allowed).
    pub response_validator: Validator,
    /// The `default` (error) response's schema, resolved, and its validator.
    pub error_validator: Validator,
}

impl Op {
    /// `METHOD path (operationId)`.
    pub fn label(&self) -> String {
        format!("{} {} ({})", self.method, self.path, self.id)
    }

    /// The path parameters when `path` matches the template; literal segments must match
    /// exactly, parameters must be non-empty.
    pub fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (seg, part) in self.segments.iter().zip(parts) {
            match seg {
                Segment::Literal(l) if l == part => {}
                Segment::Literal(_) => return None,
                Segment::Param(_) if part.is_empty() => return None,
                Segment::Param(name) => params.push((name.clone(), part.to_owned())),
            }
        }
        Some(params)
    }

    /// How many literal segments the template has (the most specific match wins).
    pub fn literal_segments(&self) -> usize {
        self.segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count()
    }
}

impl Spec {
    /// Read the v2 operations of an OpenAPI document.
    pub fn from_doc(doc: &Value) -> Result<Spec, String> {
        let api_version = doc["info"]["version"]
            .as_str()
            .ok_or("spec without info.version")?
            .to_owned();
        let paths = doc["paths"].as_object().ok_or("spec without paths")?;
        let mut ops = Vec::new();
        let mut errors: Vec<(String, Value)> = Vec::new();
        for (path, item) in paths {
            if !path.starts_with("/v2/") {
                continue;
            }
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                if !matches!(method.as_str(), "get" | "post" | "delete") {
                    continue;
                }
                ops.push(read_op(doc, path, method, op)?);
                // The error schemas this operation can answer with.
                let default = &op["responses"]["default"]["content"]["application/json"]["schema"];
                for member in default["oneOf"].as_array().into_iter().flatten() {
                    if let Some(name) = member["$ref"]
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    {
                        if !errors.iter().any(|(n, _)| n == name) {
                            errors.push((name.to_owned(), resolve(doc, member)?));
                        }
                    }
                }
            }
        }
        errors.sort_by(|a, b| a.0.cmp(&b.0));
        let mut components = Vec::new();
        for (name, schema) in doc["components"]["schemas"]
            .as_object()
            .ok_or("spec without components.schemas")?
        {
            if name.starts_with("v2.") {
                components.push((name.clone(), resolve(doc, schema)?));
            }
        }
        Ok(Spec {
            api_version,
            ops,
            components,
            errors,
        })
    }

    /// The operation for `method` + `path`: the one with the most literal segments among
    /// those that match.
    pub fn find(&self, method: &str, path: &str) -> Option<(&Op, Vec<(String, String)>)> {
        self.ops
            .iter()
            .filter(|o| o.method == method)
            .filter_map(|o| o.matches(path).map(|p| (o, p)))
            .max_by_key(|(o, _)| o.literal_segments())
    }

    /// Whether any operation (of any method) has this path.
    pub fn knows_path(&self, path: &str) -> bool {
        self.ops.iter().any(|o| o.matches(path).is_some())
    }

    /// The operation with this `operationId`.
    pub fn op(&self, id: &str) -> Option<&Op> {
        self.ops.iter().find(|o| o.id == id)
    }

    /// A component schema (resolved, OpenAPI form) by name.
    pub fn component(&self, name: &str) -> Option<&Value> {
        self.components
            .iter()
            .chain(&self.errors)
            .find(|(n, _)| n == name)
            .map(|(_, s)| s)
    }
}

fn read_op(doc: &Value, path: &str, method: &str, op: &Value) -> Result<Op, String> {
    let id = op["operationId"]
        .as_str()
        .ok_or_else(|| format!("{method} {path}: no operationId"))?
        .to_owned();
    let segments = path
        .trim_start_matches('/')
        .split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(p) => Segment::Param(p.to_owned()),
                None => Segment::Literal(s.to_owned()),
            },
        )
        .collect();
    let mut query = Vec::new();
    let mut props = Map::new();
    let mut required = Vec::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        let p = resolve(doc, p)?;
        if p["in"] != "query" {
            continue;
        }
        let name = p["name"].as_str().unwrap_or_default().to_owned();
        let schema = p.get("schema").cloned().unwrap_or_else(|| json!({}));
        let is_required = p["required"].as_bool().unwrap_or(false);
        props.insert(name.clone(), to_json_schema(&schema, true));
        if is_required {
            required.push(Value::String(name.clone()));
        }
        query.push(QueryParam {
            name,
            required: is_required,
            schema,
        });
    }
    let query_schema = json!({
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": false,
    });
    let query_validator = validator(&query_schema).map_err(|e| format!("{id} query: {e}"))?;
    let body = match op["requestBody"]["content"].as_object() {
        None => None,
        Some(content) => {
            let schema = content
                .get("application/json")
                .map(|c| &c["schema"])
                .ok_or_else(|| format!("{id}: a v2 body that is not application/json"))?;
            let schema = resolve(doc, schema)?;
            let v =
                validator(&to_json_schema(&schema, true)).map_err(|e| format!("{id} body: {e}"))?;
            Some((schema, v))
        }
    };
    let response = resolve(
        doc,
        &op["responses"]["200"]["content"]["application/json"]["schema"],
    )?;
    let response_validator =
        validator(&to_json_schema(&response, false)).map_err(|e| format!("{id} 200: {e}"))?;
    let error = resolve(
        doc,
        &op["responses"]["default"]["content"]["application/json"]["schema"],
    )?;
    let error_validator =
        validator(&to_json_schema(&error, false)).map_err(|e| format!("{id} default: {e}"))?;
    Ok(Op {
        id,
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        segments,
        query,
        query_validator,
        body,
        response,
        response_validator,
        error_validator,
    })
}

/// `schema` with every `$ref` (`#/...`) replaced by what it points to. A reference back into
/// a schema being resolved (a cycle) becomes `{}`: any value.
pub fn resolve(doc: &Value, schema: &Value) -> Result<Value, String> {
    fn go(doc: &Value, s: &Value, stack: &mut Vec<String>) -> Result<Value, String> {
        match s {
            Value::Object(o) => {
                if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                    if stack.iter().any(|x| x == r) {
                        return Ok(json!({}));
                    }
                    let pointer = r
                        .strip_prefix('#')
                        .ok_or_else(|| format!("reference outside the document: {r}"))?;
                    let target = doc
                        .pointer(pointer)
                        .ok_or_else(|| format!("dangling reference {r}"))?;
                    stack.push(r.to_owned());
                    let out = go(doc, target, stack);
                    stack.pop();
                    return out;
                }
                let mut out = Map::new();
                for (k, v) in o {
                    out.insert(k.clone(), go(doc, v, stack)?);
                }
                Ok(Value::Object(out))
            }
            Value::Array(a) => a.iter().map(|v| go(doc, v, stack)).collect(),
            other => Ok(other.clone()),
        }
    }
    go(doc, schema, &mut Vec::new())
}

/// An OpenAPI 3.0 schema (resolved) as JSON Schema (draft 2020-12).
///
/// - `nullable: true` → `anyOf: [schema, {"type": "null"}]`;
/// - `oneOf` → `anyOf` (Stripe's members are not written to exclude each other);
/// - descriptions, titles and `x-*` vendor keys are dropped;
/// - `strict` (what a client sends): an object that lists its `properties` and says nothing
///   of `additionalProperties` accepts no other key.
pub fn to_json_schema(schema: &Value, strict: bool) -> Value {
    let Value::Object(o) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (k, v) in o {
        match k.as_str() {
            "nullable" | "description" | "title" | "example" | "deprecated" | "readOnly"
            | "writeOnly" | "discriminator" | "xml" | "externalDocs" => {}
            k if k.starts_with("x-") => {}
            "properties" => {
                let props = v
                    .as_object()
                    .map(|p| {
                        p.iter()
                            .map(|(name, s)| (name.clone(), to_json_schema(s, strict)))
                            .collect::<Map<_, _>>()
                    })
                    .unwrap_or_default();
                out.insert(k.to_owned(), Value::Object(props));
            }
            "items" | "not" => {
                out.insert(k.to_owned(), to_json_schema(v, strict));
            }
            "additionalProperties" if v.is_object() => {
                out.insert(k.to_owned(), to_json_schema(v, strict));
            }
            "anyOf" | "oneOf" | "allOf" => {
                let members = v
                    .as_array()
                    .map(|a| a.iter().map(|s| to_json_schema(s, strict)).collect())
                    .unwrap_or_default();
                let key = if k == "allOf" { "allOf" } else { "anyOf" };
                out.insert(key.to_owned(), Value::Array(members));
            }
            _ => {
                out.insert(k.to_owned(), v.clone());
            }
        }
    }
    if strict && o.contains_key("properties") && !o.contains_key("additionalProperties") {
        out.insert("additionalProperties".into(), Value::Bool(false));
    }
    let converted = Value::Object(out);
    if o.get("nullable") == Some(&Value::Bool(true)) {
        json!({ "anyOf": [converted, { "type": "null" }] })
    } else {
        converted
    }
}

/// `format: decimal`: an exact decimal number written as a string (`"12.5"`, `"-3"`).
pub fn is_decimal(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// A draft 2020-12 validator that checks formats (`date-time`, and the spec's `decimal`).
pub fn validator(schema: &Value) -> Result<Validator, String> {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .with_format("decimal", is_decimal)
        .build(schema)
        .map_err(|e| e.to_string())
}

/// Every error of `instance` against `v`, one line each: `/pointer: message`.
pub fn errors(v: &Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| {
            let at = e.instance_path().to_string();
            if at.is_empty() {
                e.to_string()
            } else {
                format!("{at}: {e}")
            }
        })
        .collect()
}
