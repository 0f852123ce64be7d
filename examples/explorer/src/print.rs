//! Headings, calls, trees and tables.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use serde::Serialize;
use serde_json::Value;

/// Fields printed as `[redacted]` wherever they appear: client secrets, session tokens,
/// one-time URLs, meter event payloads.
const SECRET_KEYS: [&str; 5] = [
    "client_secret",
    "authentication_token",
    "secret",
    "url",
    "payload",
];
/// Objects whose `url` is a one-time link (the others, such as a list's `url`, are paths).
const SECRET_URL_OBJECTS: [&str; 3] = ["billing_portal.session", "account_link", "login_link"];
/// Fields per object level before `…`.
const MAX_FIELDS: usize = 10;

/// `── 2/9 Payments ───…`
pub fn heading(n: usize, total: usize, name: &str) {
    let title = format!("── {n}/{total} {name} ");
    let fill = 72usize.saturating_sub(title.chars().count());
    println!("\n{title}{}", "─".repeat(fill));
}

/// Print a call as it is written in the source, then evaluate it: the printed text is
/// the code that runs, so every printed call compiles exactly as shown. The value is the
/// call's own (a future stays a future: `call!(x.send(&client)).await`).
macro_rules! call {
    ($e:expr) => {
        // A tuple, not a block: the call's temporaries live as long as in plain code.
        ($crate::print::code(stringify!($e)), $e).1
    };
}

/// A call about to be made (its source text, from [`call!`]), on one line: line breaks
/// and indentation outside string literals become one space, which leaves the tokens as
/// they are.
pub fn code(source: &str) {
    println!("  → {}", crate::one_line::one_line(source));
}

/// A remark.
pub fn note(text: &str) {
    println!("    {text}");
}

/// An object as an indented tree of its non-null fields (secrets redacted).
pub fn tree<T: Serialize>(label: &str, value: &T) {
    match serde_json::to_value(value) {
        Ok(v) => {
            println!("    {label}");
            let object = v
                .get("object")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            walk(&v, 3, 0, &object);
        }
        Err(e) => println!("    {label}: (cannot show: {e})"),
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(format!("{s:?}")),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn redacted(key: &str, object: &str) -> bool {
    if key == "url" {
        return SECRET_URL_OBJECTS.contains(&object);
    }
    SECRET_KEYS.contains(&key)
}

fn walk(v: &Value, indent: usize, depth: usize, object: &str) {
    let pad = "  ".repeat(indent);
    match v {
        Value::Object(map) => {
            let fields: Vec<_> = map
                .iter()
                .filter(|(_, v)| !v.is_null() && !matches!(v, Value::Object(m) if m.is_empty()))
                .collect();
            for (shown, (k, val)) in fields.iter().enumerate() {
                if shown == MAX_FIELDS {
                    println!("{pad}… {} more fields", fields.len() - MAX_FIELDS);
                    break;
                }
                if redacted(k, object) {
                    println!("{pad}{k}: [redacted]");
                    continue;
                }
                match scalar(val) {
                    Some(s) => println!("{pad}{k}: {s}"),
                    None if depth >= 1 => println!("{pad}{k}: {}", summary(val)),
                    None => {
                        println!("{pad}{k}:");
                        let inner = val.get("object").and_then(Value::as_str).unwrap_or(object);
                        walk(val, indent + 1, depth + 1, inner);
                    }
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate().take(3) {
                match scalar(item) {
                    Some(s) => println!("{pad}- {s}"),
                    None => println!("{pad}- [{i}] {}", summary(item)),
                }
            }
            if items.len() > 3 {
                println!("{pad}… {} more", items.len() - 3);
            }
        }
        other => println!("{pad}{}", scalar(other).unwrap_or_default()),
    }
}

fn summary(v: &Value) -> String {
    match v {
        Value::Object(m) => match (
            m.get("object").and_then(Value::as_str),
            m.get("id").and_then(Value::as_str),
        ) {
            (Some(o), Some(id)) => format!("{{{o} {id}}}"),
            (Some("list"), None) => {
                let n = m.get("data").and_then(Value::as_array).map_or(0, Vec::len);
                format!("{{list of {n}}}")
            }
            _ => format!("{{{} fields}}", m.values().filter(|v| !v.is_null()).count()),
        },
        Value::Array(a) => format!("[{} items]", a.len()),
        other => scalar(other).unwrap_or_default(),
    }
}

/// A list as a table.
pub fn table(headers: &[&str], rows: Vec<Vec<String>>) {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(headers.to_vec());
    for r in rows {
        t.add_row(r);
    }
    for line in t.to_string().lines() {
        println!("    {line}");
    }
}
