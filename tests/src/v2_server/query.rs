//! v2 query strings read back into JSON, as Stripe reads them: `a[b]=1` is an object,
//! arrays are indexed (`include[0]=x&include[1]=y`), and each value's text is read as the
//! type its parameter's schema names (`limit=10` is the integer 10).
//!
//! An array sent any other way (`include=x`, `include[]=x`, indexes with gaps) is an error
//! here rather than something to guess at: the official SDKs always index arrays.

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A parsed parameter before typing: text, or keyed children.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `key=text`
    Text(String),
    /// `key[child]=…`
    Keyed(BTreeMap<String, Node>),
}

fn decode(s: &str) -> String {
    let s = s.replace('+', " ");
    percent_decode_str(&s).decode_utf8_lossy().into_owned()
}

/// `name[a][b]` → `["name", "a", "b"]`.
fn key_path(key: &str) -> Result<Vec<String>, String> {
    let (head, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    if head.is_empty() {
        return Err(format!("query key `{key}` has no name"));
    }
    let mut out = vec![head.to_owned()];
    while !rest.is_empty() {
        let inner = rest
            .strip_prefix('[')
            .and_then(|r| r.find(']').map(|j| (&r[..j], &r[j + 1..])))
            .ok_or_else(|| format!("query key `{key}` has unbalanced brackets"))?;
        out.push(inner.0.to_owned());
        rest = inner.1;
    }
    Ok(out)
}

/// Parse a raw query string (without `?`) into its top-level parameters.
pub fn parse(query: &str) -> Result<BTreeMap<String, Node>, String> {
    let mut top = BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (decode(k), decode(v));
        let path = key_path(&k)?;
        insert(&mut top, &path, v, &k)?;
    }
    Ok(top)
}

fn insert(
    map: &mut BTreeMap<String, Node>,
    path: &[String],
    value: String,
    key: &str,
) -> Result<(), String> {
    let (first, rest) = path.split_first().expect("non-empty key path");
    if rest.is_empty() {
        if map.contains_key(first) {
            return Err(format!("query parameter `{key}` is sent twice"));
        }
        map.insert(first.clone(), Node::Text(value));
        return Ok(());
    }
    let child = map
        .entry(first.clone())
        .or_insert_with(|| Node::Keyed(BTreeMap::new()));
    match child {
        Node::Keyed(m) => insert(m, rest, value, key),
        Node::Text(_) => Err(format!(
            "query parameter `{key}` is sent both as a value and with keys"
        )),
    }
}

/// The schema's `type`, looking through `anyOf` (the first member that is not `null`).
fn schema_type(schema: &Value) -> Option<&str> {
    if let Some(t) = schema["type"].as_str() {
        return Some(t);
    }
    schema["anyOf"]
        .as_array()
        .or_else(|| schema["oneOf"].as_array())?
        .iter()
        .find_map(|m| schema_type(m).filter(|t| *t != "null"))
}

/// `node` as JSON typed by `schema` (OpenAPI form); `name` is its dotted path for messages.
pub fn typed(node: &Node, schema: &Value, name: &str) -> Result<Value, String> {
    match (schema_type(schema), node) {
        (Some("array"), Node::Keyed(children)) => {
            let mut items = Vec::with_capacity(children.len());
            for i in 0..children.len() {
                let child = children.get(&i.to_string()).ok_or_else(|| {
                    format!(
                        "array parameter `{name}` must be sent indexed from 0 without gaps \
                         (`{name}[0]=…&{name}[1]=…`); got keys {:?}",
                        children.keys().collect::<Vec<_>>()
                    )
                })?;
                items.push(typed(child, &schema["items"], &format!("{name}[{i}]"))?);
            }
            Ok(Value::Array(items))
        }
        (Some("array"), Node::Text(_)) => Err(format!(
            "array parameter `{name}` must be sent indexed (`{name}[0]=…`), not as one value"
        )),
        (_, Node::Keyed(children)) => {
            let mut out = Map::new();
            for (k, child) in children {
                let sub = &schema["properties"][k];
                let sub = if sub.is_null() {
                    &schema["additionalProperties"]
                } else {
                    sub
                };
                out.insert(k.clone(), typed(child, sub, &format!("{name}[{k}]"))?);
            }
            Ok(Value::Object(out))
        }
        (Some("integer"), Node::Text(t)) => Ok(t
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(t.clone()))),
        (Some("number"), Node::Text(t)) => Ok(t
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(t.clone()))),
        (Some("boolean"), Node::Text(t)) => Ok(match t.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(t.clone()),
        }),
        (_, Node::Text(t)) => Ok(Value::String(t.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn indexed_arrays_and_objects() {
        let q = parse("include[0]=a&include[1]=b%20c&created[gt]=2024-01-01T00%3A00%3A00Z&limit=5")
            .unwrap();
        let arr = json!({"type": "array", "items": {"type": "string"}});
        assert_eq!(
            typed(&q["include"], &arr, "include").unwrap(),
            json!(["a", "b c"])
        );
        assert_eq!(
            typed(&q["limit"], &json!({"type": "integer"}), "limit").unwrap(),
            json!(5)
        );
        let obj = json!({"type": "object", "properties": {"gt": {"type": "string"}}});
        assert_eq!(
            typed(&q["created"], &obj, "created").unwrap(),
            json!({"gt": "2024-01-01T00:00:00Z"})
        );
    }

    #[test]
    fn unindexed_arrays_are_refused() {
        let arr = json!({"type": "array", "items": {"type": "string"}});
        for q in [
            "include=a",
            "include[]=a",
            "include[1]=a",
            "include[0]=a&include[2]=b",
        ] {
            let p = parse(q).unwrap();
            assert!(typed(&p["include"], &arr, "include").is_err(), "{q}");
        }
        assert!(parse("a=1&a=2").is_err());
    }
}
