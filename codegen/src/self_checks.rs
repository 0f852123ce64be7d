//! The generator checks itself: figures that `cargo xtask codegen --stats` prints and that
//! codegen's tests (`tests/checks.rs`) hold at zero.
//!
//! - **Ids**: every parameter the spec links to an object ([`crate::links`]) takes that
//!   object's id type: none typed with another object's id (`wrong`), none left a plain
//!   `String` (`untyped`: path, single and list parameters).
//! - **Enums**: every request enum that the spec links to a response enum (the same property
//!   of the resource) is that enum, or converts to and from it with `From`.
//! - **Docs**: no generated doc names a type (`` `Name` ``, `` [`path::Name`] ``) that the
//!   generated code does not define.
//! - **Legacy operations**: a v1 operation that Stripe's SDKs do not name, and that does what
//!   an SDK-named one does (same verb, same answer), is deprecated in favour of it.
//! - **Type paths**: the length of every public type's path after `stripe_types::`.

use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};

/// What a parameter that should hold an id holds instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Slot {
    /// A path parameter.
    Path,
    /// A single body or query value.
    Single,
    /// A list of ids.
    List,
}

/// The figures of the checks.
#[derive(Debug, Default, Clone)]
pub struct Checks {
    /// Parameters typed with the id of another object than the one the spec links.
    pub wrong_ids: Vec<String>,
    /// Parameters the spec links to an object, typed plain `String`.
    pub untyped_ids: Vec<(Slot, String)>,
    /// Request enums linked to a response enum that are neither it nor convert with it:
    /// `(top level, description)`.
    pub enum_pairs: Vec<(bool, String)>,
    /// Request enums linked to a response enum, by `(request, response)` pair.
    pub enum_links: usize,
    /// Of those, pairs that are one enum.
    pub enum_shared: usize,
    /// Of those, pairs that convert both ways with `From`.
    pub enum_converted: usize,
    /// Generated doc lines that name a type the generated code does not define.
    pub dangling_docs: Vec<String>,
    /// v1 operations that Stripe's SDKs do not name.
    pub legacy: Vec<String>,
    /// Of those, the ones that do what an SDK-named operation does: `(legacy, SDK-named,
    /// deprecated)`.
    pub duplicates: Vec<(String, String, bool)>,
    /// Lengths of every public type path after `stripe_types::`: median, 90th percentile,
    /// maximum.
    pub path_len: (usize, usize, usize),
    /// The longest type paths, longest first (up to 5).
    pub longest_paths: Vec<String>,
    /// Public type paths longer than 80 characters.
    pub paths_over_80: usize,
}

impl Checks {
    /// Whether a finding (`Operation.parameter: ...`) is about a top-level parameter.
    pub fn top_level(&self, finding: &str) -> bool {
        finding
            .split(':')
            .next()
            .is_some_and(|at| at.matches('.').count() == 1)
    }
}

/// The `Ty` with every item reference resolved through merges.
fn resolved(m: &Model, t: &Ty) -> Ty {
    match t {
        Ty::Named(i) => Ty::Named(m.resolve(*i)),
        Ty::Id(i) => Ty::Id(m.resolve(*i)),
        Ty::Vec(i) => Ty::Vec(Box::new(resolved(m, i))),
        Ty::Map(i) => Ty::Map(Box::new(resolved(m, i))),
        Ty::Expandable(i) => Ty::Expandable(Box::new(resolved(m, i))),
        Ty::Clearable(i) => Ty::Clearable(Box::new(resolved(m, i))),
        Ty::Secret(i) => Ty::Secret(Box::new(resolved(m, i))),
        Ty::List(i) => Ty::List(Box::new(resolved(m, i))),
        Ty::SearchList(i) => Ty::SearchList(Box::new(resolved(m, i))),
        Ty::V2List(i) => Ty::V2List(Box::new(resolved(m, i))),
        other => other.clone(),
    }
}

/// The field a link site names, after the passes.
fn site_field<'m>(m: &'m Model, s: &LinkSite) -> Option<&'m Field> {
    match &m.items[m.resolve(s.item)].kind {
        Kind::Struct { fields, .. } => fields.get(s.index),
        _ => None,
    }
}

/// The innermost type of a parameter under `Clearable` and `Vec`.
fn leaf(t: &Ty) -> &Ty {
    match t {
        Ty::Clearable(i) | Ty::Vec(i) => leaf(i),
        t => t,
    }
}

fn is_list(t: &Ty) -> bool {
    match t {
        Ty::Vec(_) => true,
        Ty::Clearable(i) => is_list(i),
        _ => false,
    }
}

/// The name a user reads for an item: `module::Name`.
pub fn type_path(m: &Model, id: ItemId) -> String {
    let item = &m.items[m.resolve(id)];
    let mut s: Vec<String> = item.module.clone();
    s.push(item.name.clone());
    s.join("::")
}

/// What a linked object is called in a report: its schema name.
fn target_name(m: &Model, id: ItemId) -> String {
    let item = &m.items[m.resolve(id)];
    item.schema
        .clone()
        .unwrap_or_else(|| format!("union {}", type_path(m, id)))
}

/// The (verb, answer) of an operation: what it does, for telling duplicates apart.
fn verb(name: &str) -> &str {
    let cut = name[1..]
        .find(|c: char| c.is_ascii_uppercase())
        .map_or(name.len(), |i| i + 1);
    &name[..cut]
}

/// Run the checks over the model after the passes.
pub fn measure(m: &Model) -> Checks {
    let mut c = Checks::default();
    let op_name = |i: usize| m.items[m.resolve(m.operations[i].params)].name.clone();
    // Ids.
    for s in &m.links {
        let Link::Id(target) = s.link else { continue };
        let Some(f) = site_field(m, s) else { continue };
        let target = m.resolve(target);
        let at = format!("{}.{}", op_name(s.op), s.at);
        let slot = if f.location == Location::Path {
            Slot::Path
        } else if is_list(&f.ty) {
            Slot::List
        } else {
            Slot::Single
        };
        match leaf(&f.ty) {
            Ty::Id(x) if m.items[m.resolve(*x)].id_alias.is_none() => {
                c.untyped_ids.push((
                    slot,
                    format!("{at}: names {} ({:?})", target_name(m, target), s.how),
                ));
            }
            Ty::Id(x) if m.resolve(*x) != target => c.wrong_ids.push(format!(
                "{at}: takes {}, the spec links {} ({:?})",
                m.items[m.resolve(*x)].id_alias.clone().unwrap_or_default(),
                target_name(m, target),
                s.how
            )),
            Ty::Id(_) => {}
            _ => c.untyped_ids.push((
                slot,
                format!("{at}: names {} ({:?})", target_name(m, target), s.how),
            )),
        }
    }
    c.untyped_ids.sort();
    // Enums.
    let mut pairs: BTreeMap<(ItemId, ItemId), (bool, String)> = BTreeMap::new();
    for s in &m.links {
        let Link::Enum(resp) = s.link else { continue };
        let Some(f) = site_field(m, s) else { continue };
        let Ty::Named(req) = leaf(&f.ty) else {
            continue;
        };
        let (req, resp) = (m.resolve(*req), m.resolve(resp));
        let top = !s.at.contains('.');
        let e = pairs.entry((req, resp)).or_insert_with(|| {
            (
                top,
                format!(
                    "{} ({}.{}) and {}",
                    type_path(m, req),
                    op_name(s.op),
                    s.at,
                    type_path(m, resp)
                ),
            )
        });
        e.0 |= top;
    }
    c.enum_links = pairs.len();
    c.enum_shared = pairs.keys().filter(|(r, s)| r == s).count();
    c.enum_converted = pairs
        .keys()
        .filter(|p| m.enum_conversions.contains(p))
        .count();
    for ((req, resp), v) in pairs {
        if req != resp && !m.enum_conversions.contains(&(req, resp)) {
            c.enum_pairs.push(v);
        }
    }
    // Legacy operations.
    let dups: BTreeMap<usize, usize> = legacy_duplicates(m).into_iter().collect();
    for (i, o) in m.operations.iter().enumerate() {
        if !o.path.starts_with("/v1/") || o.stripe.is_some() {
            continue;
        }
        let name = m.items[m.resolve(o.params)].name.clone();
        c.legacy.push(name.clone());
        if let Some(&best) = dups.get(&i) {
            let best_name = m.items[m.resolve(m.operations[best].params)].name.clone();
            c.duplicates.push((
                name,
                best_name.clone(),
                o.deprecated_for.as_deref() == Some(best_name.as_str()),
            ));
        }
    }
    // Type paths.
    let mut paths = public_type_paths(m);
    paths.sort_by_key(|p| std::cmp::Reverse(p.len()));
    c.longest_paths = paths.iter().take(5).cloned().collect();
    c.paths_over_80 = paths.iter().filter(|p| p.len() > 80).count();
    let mut lens: Vec<usize> = paths.iter().map(String::len).collect();
    lens.sort_unstable();
    let pct = |p: usize| {
        lens.get((lens.len() * p / 100).min(lens.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    c.path_len = (pct(50), pct(90), lens.last().copied().unwrap_or(0));
    c
}

/// Every public type's path after `stripe_types::`: the generated items, their id aliases
/// and the constructors' args structs.
pub fn public_type_paths(m: &Model) -> Vec<String> {
    let skipped: BTreeSet<&str> = m.skipped.iter().map(|d| d.at.as_str()).collect();
    let op_params: BTreeSet<ItemId> = m.operations.iter().map(|o| m.resolve(o.params)).collect();
    let mut out = Vec::new();
    for (id, item) in m.items.iter().enumerate() {
        if item.merged_into.is_some() || item.schema.as_deref().is_some_and(|s| skipped.contains(s))
        {
            continue;
        }
        let path = type_path(m, id);
        let module = &path[..path.len() - item.name.len()];
        if let Some(a) = &item.id_alias {
            out.push(format!("{module}{a}"));
        }
        if let Kind::Struct { fields, .. } = &item.kind {
            if (item.roles.ser || op_params.contains(&id))
                && crate::emit::takes_args_struct(m, fields)
            {
                out.push(format!("{path}Args"));
            }
        }
        out.push(path);
    }
    out
}

/// Names the generated docs may use that the generated files do not define: the runtime's
/// and the standard library's.
const KNOWN: &[&str] = &[
    "String",
    "Option",
    "Vec",
    "Box",
    "Result",
    "Default",
    "Debug",
    "Display",
    "Serialize",
    "Deserialize",
    "FromStr",
    "From",
    "Into",
    "Id",
    "Expandable",
    "Expanded",
    "LiveObject",
    "TestDefault",
    "Clearable",
    "Secret",
    "Metadata",
    "Timestamp",
    "DateTime",
    "Decimal",
    "FileUpload",
    "Binary",
    "Extra",
    "List",
    "SearchList",
    "V2List",
    "Unavailable",
    "Boxed",
    "Int64String",
    "StripeRequest",
    "SessionRequest",
    "Self",
    "Unknown",
];

/// The lines of the docs that the spec wrote (descriptions and summaries), as the emitter
/// lays them out: Stripe's prose names its objects by their class names (`Authorization`),
/// which [`dangling_docs`] does not read as Rust types.
pub fn spec_prose(m: &Model) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |d: &Option<String>| {
        for l in d.iter().flat_map(|d| d.lines()) {
            out.insert(l.replace("```", "\'\'\'").trim().to_string());
        }
    };
    let params: BTreeSet<ItemId> = m.operations.iter().map(|o| o.params).collect();
    for (id, item) in m.items.iter().enumerate() {
        if !params.contains(&id) {
            add(&item.doc);
        }
        if let Kind::Struct { fields, .. } = &item.kind {
            fields.iter().for_each(|f| add(&f.doc));
        }
    }
    // An operation's doc ends in the generator's own line (method, path, Stripe's method).
    for op in &m.operations {
        let doc = op.doc.as_deref().unwrap_or("");
        let body = doc.rsplit_once("\n\n").map_or("", |(b, _)| b);
        add(&Some(body.to_string()));
    }
    out.remove("");
    out
}

/// Doc lines of the generated files that name a type no generated file (nor the runtime)
/// defines: a backticked PascalCase name, or a path ending in one (`` `payment_intent::Status` ``,
/// `` [`CreateTransferArgs`] ``, `` [`X::new`] ``). Each as `file: line`. Lines of Stripe's
/// own prose (`prose`, [`spec_prose`]) and an enum variant's wire value (`` `Zulu` ``) are
/// not read as naming types.
pub fn dangling_docs(files: &BTreeMap<String, String>, prose: &BTreeSet<String>) -> Vec<String> {
    let mut known: BTreeSet<String> = KNOWN.iter().map(|s| s.to_string()).collect();
    for text in files.values() {
        for line in text.lines() {
            let t = line.trim_start();
            for kw in [
                "pub struct ",
                "pub enum ",
                "pub type ",
                "pub use ",
                "pub mod ",
            ] {
                if let Some(rest) = t.strip_prefix(kw) {
                    let name: String = rest
                        .rsplit("::")
                        .next()
                        .unwrap_or(rest)
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    known.insert(name);
                }
            }
            // `crate::rt::stand_in!(#[doc = ".."] Name);`
            if t.starts_with("crate::rt::stand_in!") || t.ends_with(");") && t.contains(']') {
                if let Some(name) = t
                    .trim_end_matches(");")
                    .rsplit([' ', ']'])
                    .next()
                    .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric()))
                {
                    known.insert(name.to_string());
                }
            }
        }
    }
    let mut out = Vec::new();
    for (file, text) in files {
        for line in text.lines() {
            let t = line.trim_start();
            let doc = if let Some(d) = t.strip_prefix("///").or_else(|| t.strip_prefix("//!")) {
                d.to_string()
            } else if let Some(d) = t.strip_prefix("#[doc = \"") {
                d.to_string()
            } else {
                continue;
            };
            let line = doc.trim();
            let wire_value =
                line.starts_with('`') && line.ends_with('`') && line.matches('`').count() == 2;
            if wire_value || prose.contains(line) {
                continue;
            }
            let missing: Vec<String> = named_types(&doc)
                .into_iter()
                .filter(|n| !known.contains(n))
                .collect();
            if !missing.is_empty() {
                out.push(format!("{file}: {} ({})", doc.trim(), missing.join(", ")));
            }
        }
    }
    out
}

/// The type names a doc line names in backticks: `Name`, `path::Name`, `Name::method`.
fn named_types(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    let parts: Vec<&str> = doc.split('`').collect();
    // Inside backticks: the odd parts.
    for code in parts.iter().skip(1).step_by(2) {
        let segs: Vec<&str> = code.split("::").collect();
        if segs.is_empty()
            || !segs
                .iter()
                .all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            continue;
        }
        let pascal = |s: &str| {
            s.starts_with(|c: char| c.is_ascii_uppercase())
                && s.chars().any(|c| c.is_ascii_lowercase())
                && !s.contains('_')
        };
        // The last PascalCase segment: the type (`X::new` names `X`).
        if let Some(t) = segs.iter().rev().find(|s| pascal(s)) {
            // A lone word is a type only where it reads like one (two capitals, or a link).
            out.push(t.to_string());
        }
    }
    out
}

/// The v1 operations that Stripe's SDKs do not name and that do what an SDK-named one does
/// (same HTTP method, same verb in the name, same answer): `(legacy, SDK-named)` indices
/// into `m.operations`. Of several, the one whose path is the legacy path without the parent
/// it is nested under (`/v1/subscriptions/{}/discount` for
/// `/v1/customers/{}/subscriptions/{}/discount`), else the one sharing the longest start of
/// the path.
pub fn legacy_duplicates(m: &Model) -> Vec<(usize, usize)> {
    let answer = |o: &Operation| resolved(m, &o.output);
    let mut out = Vec::new();
    for (i, o) in m.operations.iter().enumerate() {
        if !o.path.starts_with("/v1/") || o.stripe.is_some() {
            continue;
        }
        let name = &m.items[m.resolve(o.params)].name;
        let shape = crate::links::path_shape(&o.path);
        let unnested = {
            let segs: Vec<&str> = shape.split('/').collect();
            match segs.get(3) {
                Some(&"{}") if segs.len() > 4 => format!("/v1/{}", segs[4..].join("/")),
                _ => shape.clone(),
            }
        };
        let best = m
            .operations
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.stripe.is_some()
                    && s.method == o.method
                    && verb(&m.items[m.resolve(s.params)].name) == verb(name)
                    && answer(s) == answer(o)
                    && !matches!(answer(o), Ty::Unit | Ty::Json | Ty::Binary)
            })
            .max_by_key(|(_, s)| {
                let common = s
                    .path
                    .bytes()
                    .zip(o.path.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                let tail = crate::links::path_shape(&s.path) == unnested;
                (tail, common, std::cmp::Reverse(s.path.len()))
            });
        if let Some((j, _)) = best {
            out.push((i, j));
        }
    }
    out
}
