//! Identifier sanitisation: one place for Rust keywords, case and odd characters.

use heck::{ToPascalCase, ToSnakeCase};

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// `true` when `s` is a Rust keyword (strict or reserved).
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// A snake_case field or function name; keywords become raw identifiers (`r#type`) except
/// the few that cannot be raw (`self`, `Self`, `super`, `crate`), which get a trailing `_`.
pub fn field_ident(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut s = cleaned.to_snake_case();
    if s.is_empty() {
        s = "field".into();
    }
    if s.as_bytes()[0].is_ascii_digit() {
        s = format!("_{s}");
    }
    if matches!(s.as_str(), "self" | "super" | "crate") {
        s.push('_');
    } else if is_keyword(&s) {
        s = format!("r#{s}");
    }
    s
}

/// A PascalCase type or variant name. Dots and other separators are word breaks; a leading
/// digit gets a `V` prefix; the result is never a keyword.
pub fn type_ident(name: &str) -> String {
    let mut out = String::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        if part.is_empty() {
            continue;
        }
        // Keep a part made only of digits glued as-is (`2023` stays `2023`).
        out.push_str(&part.to_pascal_case());
    }
    if out.is_empty() {
        out = "Empty".into();
    }
    if out.as_bytes()[0].is_ascii_digit() {
        out = format!("V{out}");
    }
    if out == "Self" {
        out = "Self_".into();
    }
    out
}

/// The schema that heads the family `name` belongs to, when the spec has one: `v2.error`
/// for `v2.error.url_invalid`.
pub fn family_head(name: &str, is_schema: impl Fn(&str) -> bool) -> Option<&str> {
    let (head, _) = name.rsplit_once('.')?;
    is_schema(head).then_some(head)
}

/// A crude English singular for path segments (`customers` → `customer`).
pub fn singular(word: &str) -> String {
    let irregular = [
        ("countries", "country"),
        ("addresses", "address"),
        ("statuses", "status"),
        ("businesses", "business"),
        ("taxes", "tax"),
        ("boxes", "box"),
        ("matches", "match"),
        ("batches", "batch"),
        ("searches", "search"),
        ("aliases", "alias"),
        ("analyses", "analysis"),
        ("persons", "person"),
        ("people", "person"),
        ("data", "data"),
        ("settings", "settings"),
        ("details", "details"),
    ];
    for (pl, sg) in irregular {
        if let Some(stem) = word.strip_suffix(pl) {
            return format!("{stem}{sg}");
        }
    }
    if let Some(stem) = word.strip_suffix("ies") {
        return format!("{stem}y");
    }
    if word.ends_with("sses") || word.ends_with("xes") || word.ends_with("ches") {
        return word[..word.len() - 2].to_string();
    }
    if word.ends_with("ss") || word.ends_with("us") {
        return word.to_string();
    }
    word.strip_suffix('s').unwrap_or(word).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idents() {
        assert_eq!(field_ident("type"), "r#type");
        assert_eq!(field_ident("self"), "self_");
        assert_eq!(field_ident("3d_secure"), "_3d_secure");
        assert_eq!(field_ident("card.brand"), "card_brand");
        assert_eq!(type_ident("v2.billing.meter_event"), "V2BillingMeterEvent");
        assert_eq!(type_ident("2023-10-16"), "V20231016");
        assert_eq!(
            type_ident("payment_intent.succeeded"),
            "PaymentIntentSucceeded"
        );
        assert_eq!(type_ident(""), "Empty");
        assert_eq!(singular("customers"), "customer");
        assert_eq!(singular("payment_intents"), "payment_intent");
        assert_eq!(singular("country_specs"), "country_spec");
        assert_eq!(singular("tax_ids"), "tax_id");
        assert_eq!(singular("entries"), "entry");
        assert_eq!(singular("addresses"), "address");
    }
}
