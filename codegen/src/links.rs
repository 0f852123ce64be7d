//! What each parameter stands for, read from the spec's links rather than from its name.
//!
//! [`link_params`] walks every operation's parameters (path, query and body, top level and
//! nested) beside the resource the operation acts on, and records a [`LinkSite`] for each one
//! that names an object or carries a response enum's values:
//!
//! 1. **A path parameter** names the object of its path: what `GET` on the path up to it
//!    answers with (`{customer}` of `/v1/customers/{customer}/balance_transactions`; a test
//!    helper's path is read without `/test_helpers`), else, for the path's last parameter, what
//!    the operation itself answers with.
//! 2. **A body or query parameter** names what the operation's resource holds in the property
//!    of the same name: its `$ref`, `anyOf` or `x-expansionResources`
//!    (`ListIssuingTokens.card` → `issuing.token.card` → `issuing.card`;
//!    `CreatePaymentIntent.transfer_data.destination` → `payment_intent.transfer_data.destination`
//!    → `account`). The resource is the object the operation answers with (the item of a list),
//!    and the object `GET` on its path answers with.
//! 3. **Where the spec has no link**, the parameter names the resource its API area's paths
//!    name so: an `account` under `/v1/financial_connections/` is a
//!    `financial_connections.account`; else, for a v1 path, the resource of that name
//!    (`customer`). A name `spec/policy.toml` lists in `not_ids` holds a value, never an id
//!    (`tax_id`, a taxpayer's number). A v2 path only looks in its own namespace (`v2.core.account`): v1 and v2
//!    objects do not share ids (the spec's `v1_account_instead_of_v2_account` error says so).
//!
//! A property that holds an object or its deleted form (`customer` or `deleted_customer`)
//! links to the object; one that holds one of several objects (`balance_transaction.source`,
//! an external account's bank account or card) links to their union. An enum parameter links
//! to the enum of the same property (`CreatePaymentIntent.capture_method` →
//! `PaymentIntent.capture_method`).
//!
//! The links are recorded before deduplication (each inline type still has one use);
//! [`crate::checks`] compares them with the types the parameters get.

use crate::model::*;
use crate::names::singular;
use std::collections::BTreeMap;

/// A path with its parameters' names erased (`/v1/customers/{}`).
pub fn path_shape(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether a component is an object with an id of its own: a v1 resource (`x-resourceId`)
/// or a v2 object (an `object` name and an `id`).
pub fn identified(m: &Model, id: ItemId) -> bool {
    let item = &m.items[m.resolve(id)];
    item.id_alias.is_some() || is_v2_object(item)
}

/// A v2 object with an id (`v2.core.account`): a component named `v2.*` with a constant
/// `object` and a string `id`, other than the generic `v2.deleted_object`.
pub fn is_v2_object(item: &Item) -> bool {
    let Some(schema) = &item.schema else {
        return false;
    };
    let Kind::Struct {
        fields,
        object: Some(_),
    } = &item.kind
    else {
        return false;
    };
    schema.starts_with("v2.")
        && schema != "v2.deleted_object"
        && fields
            .iter()
            .any(|f| f.name == "id" && matches!(f.ty, Ty::String | Ty::Id(_)))
}

/// The object a union of resources names: its one member that is not a deleted object
/// (`customer` of `customer` or `deleted_customer`), or, with several such members that all
/// have ids, the union itself.
pub fn union_target(m: &Model, u: ItemId) -> Option<ItemId> {
    let u = m.resolve(u);
    let Kind::Union { variants } = &m.items[u].kind else {
        return None;
    };
    let mut live = Vec::new();
    for v in variants.iter().filter(|v| !v.deleted) {
        match v.ty {
            Ty::Named(i) if identified(m, i) => live.push(m.resolve(i)),
            _ => return None,
        }
    }
    match live.len() {
        0 => None,
        1 => Some(live[0]),
        _ => Some(u),
    }
}

/// The object a response type names or holds, if it is one with an id (or a union of them).
pub fn id_target(m: &Model, t: &Ty) -> Option<ItemId> {
    match t {
        Ty::Id(c) => Some(m.resolve(*c)),
        Ty::Named(c) => {
            let c = m.resolve(*c);
            if identified(m, c) {
                Some(c)
            } else {
                union_target(m, c)
            }
        }
        _ => t.inner().and_then(|i| id_target(m, i)),
    }
}

/// The structs a response type holds (through lists, expandable fields and the live members
/// of a union), whose properties nested parameters link through.
fn held_structs(m: &Model, t: &Ty, out: &mut Vec<ItemId>) {
    match t {
        Ty::Named(c) => {
            let c = m.resolve(*c);
            match &m.items[c].kind {
                Kind::Struct { .. } => out.push(c),
                Kind::Union { variants } => {
                    for v in variants.iter().filter(|v| !v.deleted) {
                        if let Ty::Named(i) = v.ty {
                            let i = m.resolve(i);
                            if matches!(m.items[i].kind, Kind::Struct { .. }) {
                                out.push(i);
                            }
                        }
                    }
                }
                Kind::Enum { .. } => {}
            }
        }
        _ => {
            if let Some(i) = t.inner() {
                held_structs(m, i, out)
            }
        }
    }
}

/// The enum a response type holds (through lists and `Clearable`).
fn held_enum(m: &Model, t: &Ty) -> Option<ItemId> {
    match t {
        Ty::Named(c) => {
            let c = m.resolve(*c);
            matches!(m.items[c].kind, Kind::Enum { .. }).then_some(c)
        }
        Ty::Vec(i) | Ty::Clearable(i) | Ty::List(i) => held_enum(m, i),
        _ => None,
    }
}

/// What a parameter's type is, under `Clearable` and `Vec`.
pub enum Leaf {
    /// An id: `String`, or an already typed id.
    Id {
        /// In a list.
        list: bool,
    },
    /// An enum.
    Enum(ItemId),
    /// A nested parameter struct.
    Struct(ItemId),
    /// A union of parameter shapes.
    Union(ItemId),
    /// Anything else.
    Other,
}

/// The leaf of a parameter type.
pub fn param_leaf(m: &Model, t: &Ty) -> Leaf {
    fn go(m: &Model, t: &Ty, list: bool) -> Leaf {
        match t {
            Ty::String | Ty::Id(_) => Leaf::Id { list },
            Ty::Clearable(i) => go(m, i, list),
            Ty::Vec(i) => go(m, i, true),
            Ty::Named(c) => {
                let c = m.resolve(*c);
                match &m.items[c].kind {
                    Kind::Enum { .. } => Leaf::Enum(c),
                    Kind::Struct { .. } => Leaf::Struct(c),
                    Kind::Union { .. } => Leaf::Union(c),
                }
            }
            _ => Leaf::Other,
        }
    }
    go(m, t, false)
}

/// The component of an identified object named `name` in the namespace of `path`'s API
/// area, else (v1 only) at the top level.
fn area_resource(m: &Model, path: &str, name: &str) -> Option<ItemId> {
    let segs: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && !s.starts_with('{'))
        .collect();
    let v2 = segs.first() == Some(&"v2");
    let rest: Vec<&str> = segs
        .iter()
        .skip(1)
        .copied()
        .filter(|s| *s != "test_helpers")
        .collect();
    let mut candidates = Vec::new();
    if let Some(first) = rest.first() {
        let ns = if v2 {
            format!("v2.{first}")
        } else {
            first.to_string()
        };
        candidates.push(format!("{ns}.{name}"));
    }
    if !v2 {
        candidates.push(name.to_string());
    }
    candidates
        .iter()
        .filter_map(|c| m.components.get(c).copied())
        .find(|&c| identified(m, c))
}

/// The object a path parameter names (rule 1, then rule 3 with its name and the path word
/// before it).
fn path_link(
    m: &Model,
    name: &str,
    op: &Operation,
    get_answers: &BTreeMap<String, Ty>,
) -> Option<(ItemId, LinkHow)> {
    let placeholder = format!("{{{name}}}");
    let segs: Vec<&str> = op.path.split('/').collect();
    let at = segs.iter().position(|s| *s == placeholder)?;
    let prefix = path_shape(&segs[..=at].join("/"));
    let live_prefix = prefix.replacen("/v1/test_helpers/", "/v1/", 1);
    // A path of one of several objects, on which the operation answers with one of them
    // (`/v1/customers/{}/sources/{id}/verify` answers with a bank account), names that one.
    let narrow = |t: ItemId| -> ItemId {
        let answer = id_target(m, &op.output).filter(|&a| a != t);
        match (&m.items[t].kind, answer) {
            (Kind::Union { variants }, Some(a))
                if variants
                    .iter()
                    .any(|v| !v.deleted && matches!(v.ty, Ty::Named(i) if m.resolve(i) == a)) =>
            {
                a
            }
            _ => t,
        }
    };
    for p in [&prefix, &live_prefix] {
        if let Some(id) = get_answers.get(p).and_then(|t| id_target(m, t)) {
            return Some((narrow(id), LinkHow::Path));
        }
    }
    if at + 1 == segs.len() {
        if let Some(id) = id_target(m, &op.output) {
            return Some((id, LinkHow::Path));
        }
    }
    let before = at
        .checked_sub(1)
        .map(|i| singular(segs[i]))
        .unwrap_or_default();
    area_resource(m, &op.path, name)
        .or_else(|| area_resource(m, &op.path, &before))
        .map(|id| (id, LinkHow::Area))
}

/// The structs whose properties an operation's parameters set or filter: what it answers
/// with (a list's items; a union's live members), then what `GET` on its path answers with.
fn subjects(m: &Model, op: &Operation, get_answers: &BTreeMap<String, Ty>) -> Vec<ItemId> {
    let mut out = Vec::new();
    held_structs(m, &op.output, &mut out);
    let shape = path_shape(&op.path);
    for p in [
        shape.clone(),
        shape.replacen("/v1/test_helpers/", "/v1/", 1),
    ] {
        if let Some(t) = get_answers.get(&p) {
            held_structs(m, t, &mut out);
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|i| seen.insert(*i));
    out
}

/// The property `name` of the first of `structs` that has one.
fn property<'m>(m: &'m Model, structs: &[ItemId], name: &str) -> Vec<&'m Ty> {
    structs
        .iter()
        .filter_map(|&s| match &m.items[s].kind {
            Kind::Struct { fields, .. } => fields.iter().find(|f| f.name == name).map(|f| &f.ty),
            _ => None,
        })
        .collect()
}

struct Walk<'a> {
    m: &'a Model,
    op: usize,
    sites: Vec<LinkSite>,
}

impl Walk<'_> {
    /// Link the fields of parameter struct `item` through the response structs `resp`.
    fn fields(&mut self, item: ItemId, at: &str, resp: &[ItemId], depth: usize) {
        let m = self.m;
        if depth > 12 {
            return;
        }
        let Kind::Struct { fields, .. } = &m.items[item].kind else {
            return;
        };
        let op = &m.operations[self.op];
        for (index, f) in fields.iter().enumerate() {
            if f.location == Location::Path {
                continue;
            }
            let here = if at.is_empty() {
                f.name.clone()
            } else {
                format!("{at}.{}", f.name)
            };
            let props = property(m, resp, &f.name);
            let mut next = Vec::new();
            for t in &props {
                held_structs(m, t, &mut next);
            }
            let found = match param_leaf(m, &f.ty) {
                Leaf::Id { list } => {
                    let linked = props.iter().find_map(|t| id_target(m, t));
                    match linked {
                        Some(t) => Some((Link::Id(t), LinkHow::Property)),
                        None if f.name == "id" || m.not_ids.contains(&f.name) => None,
                        None => area_resource(m, &op.path, &f.name)
                            .or_else(|| {
                                list.then(|| area_resource(m, &op.path, &singular(&f.name)))
                                    .flatten()
                            })
                            .map(|t| (Link::Id(t), LinkHow::Area)),
                    }
                }
                Leaf::Enum(_) => props
                    .iter()
                    .find_map(|t| held_enum(m, t))
                    .map(|e| (Link::Enum(e), LinkHow::Property)),
                Leaf::Struct(s) => {
                    self.fields(s, &here, &next, depth + 1);
                    None
                }
                Leaf::Union(u) => {
                    if let Kind::Union { variants } = &m.items[u].kind {
                        for v in variants {
                            if let Leaf::Struct(s) = param_leaf(m, &v.ty) {
                                self.fields(s, &here, &next, depth + 1);
                            }
                        }
                    }
                    None
                }
                Leaf::Other => None,
            };
            if let Some((link, how)) = found {
                self.sites.push(LinkSite {
                    op: self.op,
                    at: here,
                    item,
                    index,
                    link,
                    how,
                });
            }
        }
    }
}

/// Record every parameter's link ([`Model::links`]); see the module docs for the rules.
/// Runs before deduplication.
pub fn link_params(m: &mut Model) {
    let get_answers: BTreeMap<String, Ty> = m
        .operations
        .iter()
        .filter(|o| o.method == "GET")
        .map(|o| (path_shape(&o.path), o.output.clone()))
        .collect();
    let mut sites = Vec::new();
    for (i, op) in m.operations.iter().enumerate() {
        let params = m.resolve(op.params);
        let Kind::Struct { fields, .. } = &m.items[params].kind else {
            continue;
        };
        for (index, f) in fields.iter().enumerate() {
            if f.location != Location::Path {
                continue;
            }
            if let Some((t, how)) = path_link(m, &f.name, op, &get_answers) {
                sites.push(LinkSite {
                    op: i,
                    at: f.name.clone(),
                    item: params,
                    index,
                    link: Link::Id(t),
                    how,
                });
            }
        }
        let mut w = Walk {
            m,
            op: i,
            sites: Vec::new(),
        };
        let resp = subjects(m, op, &get_answers);
        w.fields(params, "", &resp, 0);
        sites.extend(w.sites);
    }
    m.links = sites;
}

/// The type under `Clearable` (an expandable field is never in a list).
fn strip_option(t: &Ty) -> &Ty {
    match t {
        Ty::Clearable(i) => strip_option(i),
        t => t,
    }
}

/// Give every linked parameter the id type of what it names: a `String` (alone, in a list or
/// `Clearable`) becomes the typed id, an id of another object the right one. A union of
/// objects that parameters name gets an id type of its own ([`Item::id_alias`], named with
/// the union), which converts from each member's id. Runs after [`link_params`], before
/// deduplication.
pub fn type_links(m: &mut Model) {
    fn retype(t: &Ty, target: ItemId) -> Ty {
        match t {
            Ty::String | Ty::Id(_) => Ty::Id(target),
            Ty::Clearable(i) => Ty::Clearable(Box::new(retype(i, target))),
            Ty::Vec(i) => Ty::Vec(Box::new(retype(i, target))),
            other => other.clone(),
        }
    }
    // A union of several objects an expandable field holds: its id type, for `id()`.
    let mut unions = std::collections::BTreeSet::new();
    for item in &m.items {
        if let Kind::Struct { fields, .. } = &item.kind {
            for f in fields {
                if let Ty::Expandable(inner) = strip_option(&f.ty) {
                    if let Ty::Named(u) = **inner {
                        if union_target(m, u) == Some(m.resolve(u)) {
                            unions.insert(m.resolve(u));
                        }
                    }
                }
            }
        }
    }
    for u in unions {
        if m.items[u].id_alias.is_none() {
            m.items[u].id_alias = Some(String::new());
        }
    }
    let sites = m.links.clone();
    for s in sites {
        let Link::Id(target) = s.link else { continue };
        if matches!(m.items[target].kind, Kind::Union { .. }) && m.items[target].id_alias.is_none()
        {
            // Named with the union by `passes::assign_names`.
            m.items[target].id_alias = Some(String::new());
        }
        if let Kind::Struct { fields, .. } = &mut m.items[s.item].kind {
            if let Some(f) = fields.get_mut(s.index) {
                f.ty = retype(&f.ty, target);
            }
        }
    }
}

/// One enum per wire concept: a request enum that the spec links to a response enum (the
/// same property of the resource) becomes that enum, when every value it takes is one the
/// response carries (`CreatePaymentIntent.capture_method` takes `payment_intent::CaptureMethod`,
/// the type `PaymentIntent.capture_method` holds). Enums linked so form groups (one request
/// enum, deduplicated, may stand for the same property of several resources, and several
/// request enums for one response enum); each group becomes one enum with every value of its
/// members; a parameter that takes fewer of them says which in its doc
/// ([`Model::accepts`]). A request enum that takes values the response never holds (a list filter's `all`)
/// stays apart and converts both ways with `From` ([`Model::enum_conversions`]); an unknown
/// value survives either way. Runs after deduplication.
pub fn share_enums(m: &mut Model) {
    let values = |m: &Model, i: ItemId| -> Vec<String> {
        match &m.items[i].kind {
            Kind::Enum { values } => values.clone(),
            _ => Vec::new(),
        }
    };
    let pairs = |m: &Model| -> std::collections::BTreeSet<(ItemId, ItemId)> {
        let mut out = std::collections::BTreeSet::new();
        for s in &m.links {
            let Link::Enum(resp) = s.link else { continue };
            let Kind::Struct { fields, .. } = &m.items[m.resolve(s.item)].kind else {
                continue;
            };
            let Some(f) = fields.get(s.index) else {
                continue;
            };
            if let Leaf::Enum(req) = param_leaf(m, &f.ty) {
                out.insert((m.resolve(req), m.resolve(resp)));
            }
        }
        out
    };
    // Union-find over the pairs whose request values the response carries.
    let mut parent: BTreeMap<ItemId, ItemId> = BTreeMap::new();
    fn find(parent: &mut BTreeMap<ItemId, ItemId>, x: ItemId) -> ItemId {
        let p = *parent.entry(x).or_insert(x);
        if p == x {
            return x;
        }
        let r = find(parent, p);
        parent.insert(x, r);
        r
    }
    for (r, s) in pairs(m) {
        let (vr, vs) = (values(m, r), values(m, s));
        if r != s && vr.iter().all(|v| vs.contains(v)) {
            let (a, b) = (find(&mut parent, r), find(&mut parent, s));
            if a != b {
                parent.insert(a.max(b), a.min(b));
            }
        }
    }
    let mut groups: BTreeMap<ItemId, Vec<ItemId>> = BTreeMap::new();
    for x in parent.keys().copied().collect::<Vec<_>>() {
        let root = find(&mut parent, x);
        groups.entry(root).or_default().push(x);
    }
    // What each parameter of a merged request enum takes, before it takes the group's enum.
    let merging: std::collections::BTreeSet<ItemId> = groups
        .values()
        .filter(|g| g.len() > 1)
        .flatten()
        .copied()
        .collect();
    let mut takes: Vec<((ItemId, String), ItemId)> = Vec::new();
    for (id, item) in m.items.iter().enumerate() {
        if item.merged_into.is_some() || !item.roles.ser {
            continue;
        }
        if let Kind::Struct { fields, .. } = &item.kind {
            for f in fields {
                if let Leaf::Enum(e) = param_leaf(m, &f.ty) {
                    if merging.contains(&e) {
                        takes.push(((id, f.name.clone()), e));
                    }
                }
            }
        }
    }
    let takes: Vec<((ItemId, String), Vec<String>)> =
        takes.into_iter().map(|(k, e)| (k, values(m, e))).collect();
    for members in groups.values().filter(|g| g.len() > 1) {
        // The response enum with the most values (then the first) stands for the group.
        let rep = *members
            .iter()
            .max_by_key(|&&i| {
                (
                    m.items[i].roles.de,
                    values(m, i).len(),
                    std::cmp::Reverse(i),
                )
            })
            .expect("a group has members");
        let mut all: Vec<String> = members.iter().flat_map(|&i| values(m, i)).collect();
        all.sort();
        all.dedup();
        for &i in members.iter().filter(|&&i| i != rep) {
            let r = m.items[i].roles;
            m.items[rep].roles.de |= r.de;
            m.items[rep].roles.ser |= r.ser;
            m.items[i].merged_into = Some(rep);
        }
        m.items[rep].kind = Kind::Enum { values: all };
    }
    crate::passes::rewrite_refs(m);
    for ((item, field), took) in takes {
        let now = match &m.items[item].kind {
            Kind::Struct { fields, .. } => {
                fields
                    .iter()
                    .find(|f| f.name == field)
                    .and_then(|f| match param_leaf(m, &f.ty) {
                        Leaf::Enum(e) => Some(values(m, e)),
                        _ => None,
                    })
            }
            _ => None,
        };
        if now.is_some_and(|v| v != took) {
            m.accepts.insert((item, field), took);
        }
    }
    m.enum_conversions = pairs(m).into_iter().filter(|(r, s)| r != s).collect();
}
