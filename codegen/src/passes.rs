//! Named normalisation passes over the model, run in order by [`run_all`].

use crate::model::*;
use crate::nesting::Use;
use crate::policy::CORE;
use std::collections::{BTreeMap, BTreeSet};

/// Run every pass in order.
pub fn run_all(m: &mut Model) {
    crate::links::link_params(m);
    crate::links::type_links(m);
    merge_family_enums(m);
    dedup_inline_types(m);
    crate::links::share_enums(m);
    assign_roles(m);
    box_recursive_fields(m);
    assign_names(m);
    assign_features(m);
    mark_legacy_aliases(m);
}

/// A legacy alias (a v1 operation no Stripe SDK names that does what an SDK-named one does)
/// is deprecated in favour of that one ([`crate::self_checks::legacy_duplicates`]).
///
/// Every v1 operation no SDK names says so in its first doc line.
fn mark_legacy_aliases(m: &mut Model) {
    for (legacy, sdk) in crate::self_checks::legacy_duplicates(m) {
        let name = m.items[m.resolve(m.operations[sdk].params)].name.clone();
        m.operations[legacy].deprecated_for = Some(name);
    }
    // Without Stripe's names (a spec of a test), nothing is known of what the SDKs expose.
    if m.operations.iter().all(|o| o.stripe.is_none()) {
        return;
    }
    for i in 0..m.operations.len() {
        let o = &m.operations[i];
        if !o.path.starts_with("/v1/") || o.stripe.is_some() {
            continue;
        }
        let first = match &o.deprecated_for {
            Some(sdk) => format!(
                "Not exposed by Stripe's official SDKs: a legacy alias of `{sdk}`, which they name; use that."
            ),
            None => "Not exposed by Stripe's official SDKs.".to_string(),
        };
        let params = m.resolve(o.params);
        let doc = m.items[params].doc.take().unwrap_or_default();
        m.items[params].doc = Some(format!("{first}\n\n{doc}"));
        let o = &mut m.operations[i];
        o.doc = Some(format!("{first}\n\n{}", o.doc.take().unwrap_or_default()));
    }
}

fn live(m: &Model) -> impl Iterator<Item = ItemId> + '_ {
    (0..m.items.len()).filter(|&i| m.items[i].merged_into.is_none())
}

fn map_ty(ty: &Ty, f: &impl Fn(ItemId) -> ItemId) -> Ty {
    match ty {
        Ty::Named(i) => Ty::Named(f(*i)),
        Ty::Id(i) => Ty::Id(f(*i)),
        Ty::Vec(t) => Ty::Vec(Box::new(map_ty(t, f))),
        Ty::Map(t) => Ty::Map(Box::new(map_ty(t, f))),
        Ty::Expandable(t) => Ty::Expandable(Box::new(map_ty(t, f))),
        Ty::Clearable(t) => Ty::Clearable(Box::new(map_ty(t, f))),
        Ty::Secret(t) => Ty::Secret(Box::new(map_ty(t, f))),
        Ty::List(t) => Ty::List(Box::new(map_ty(t, f))),
        Ty::SearchList(t) => Ty::SearchList(Box::new(map_ty(t, f))),
        Ty::V2List(t) => Ty::V2List(Box::new(map_ty(t, f))),
        other => other.clone(),
    }
}

/// Rewrite every reference through `resolve` (after merges).
pub(crate) fn rewrite_refs(m: &mut Model) {
    let resolved: Vec<ItemId> = (0..m.items.len()).map(|i| m.resolve(i)).collect();
    let f = |i: ItemId| resolved[i];
    for item in m.items.iter_mut() {
        match &mut item.kind {
            Kind::Struct { fields, .. } => {
                fields.iter_mut().for_each(|fl| fl.ty = map_ty(&fl.ty, &f))
            }
            Kind::Union { variants } => variants.iter_mut().for_each(|v| v.ty = map_ty(&v.ty, &f)),
            Kind::Enum { .. } => {}
        }
    }
    for op in m.operations.iter_mut() {
        op.params = f(op.params);
        op.output = map_ty(&op.output, &f);
    }
}

/// One enum per wire concept across a family of schemas: the schemas that one schema's name
/// heads (`v2.error.url_invalid`, `v2.error.token_expired`, ... under `v2.error`) say the
/// same property with the same field path (`error.code`), each with its own values. Their
/// enums become one, with every member's values, so one `match` reads any of them; then the
/// structs at one field path become one too, with every member's fields ([`union_struct`]).
pub fn merge_family_enums(m: &mut Model) {
    // Each family member's owner name → its family's head.
    let owners: BTreeMap<String, String> = m
        .components
        .iter()
        .filter_map(|(s, &id)| {
            let head = crate::names::family_head(s, |h| m.components.contains_key(h))?;
            Some((m.items[id].owner.clone(), head.to_string()))
        })
        .collect();
    // (family, field path) -> the enums, or the structs.
    let group = |m: &Model, enums: bool| {
        let mut groups: BTreeMap<(String, Vec<String>), Vec<ItemId>> = BTreeMap::new();
        for id in live(m) {
            let item = &m.items[id];
            let is_enum = matches!(item.kind, Kind::Enum { .. });
            let is_struct = matches!(item.kind, Kind::Struct { .. });
            if item.schema.is_some() || !(if enums { is_enum } else { is_struct }) {
                continue;
            }
            if let Some(family) = owners.get(&item.owner) {
                groups
                    .entry((family.clone(), item.path.clone()))
                    .or_default()
                    .push(id);
            }
        }
        groups
    };
    let mut merged = false;
    for ids in group(m, true).into_values().filter(|ids| ids.len() > 1) {
        let mut all: BTreeSet<String> = BTreeSet::new();
        for &id in &ids {
            if let Kind::Enum { values } = &m.items[id].kind {
                all.extend(values.iter().cloned());
            }
        }
        m.items[ids[0]].kind = Kind::Enum {
            values: all.into_iter().collect(),
        };
        for &id in &ids[1..] {
            m.items[id].merged_into = Some(ids[0]);
            merged = true;
        }
    }
    if merged {
        rewrite_refs(m);
        // The structs around them: one struct with every member's fields, each required
        // where every member requires it.
        // Deepest first: a struct's fields are merged before it is.
        let depth = group(m, false)
            .keys()
            .map(|(_, p)| p.len())
            .max()
            .unwrap_or(0);
        for level in (1..=depth).rev() {
            for ((_, path), ids) in group(m, false) {
                if path.len() != level || ids.len() < 2 {
                    continue;
                }
                if let Some(kind) = union_struct(m, &ids) {
                    m.items[ids[0]].kind = kind;
                    for &id in &ids[1..] {
                        m.items[id].merged_into = Some(ids[0]);
                    }
                }
            }
            rewrite_refs(m);
        }
    }
}

/// One struct with the fields of every struct in `ids`, each required where all of them
/// require it; `None` when two give one field different types.
fn union_struct(m: &Model, ids: &[ItemId]) -> Option<Kind> {
    let mut fields: BTreeMap<String, Field> = BTreeMap::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut object = None;
    for &id in ids {
        let Kind::Struct {
            fields: fs,
            object: o,
        } = &m.items[id].kind
        else {
            return None;
        };
        object = object.or_else(|| o.clone());
        for f in fs {
            *seen.entry(f.name.clone()).or_default() += 1;
            match fields.get_mut(&f.name) {
                Some(g) if g.ty != f.ty => return None,
                Some(g) => {
                    g.required &= f.required;
                    if g.doc.is_none() {
                        g.doc = f.doc.clone();
                    }
                }
                None => {
                    fields.insert(f.name.clone(), f.clone());
                }
            }
        }
    }
    for (name, f) in fields.iter_mut() {
        f.required &= seen[name] == ids.len();
    }
    Some(Kind::Struct {
        fields: fields.into_values().collect(),
        object,
    })
}

/// Inline types that are structurally identical (same fields and types, ignoring docs) and
/// share a title — or, untitled, the field name they stand in — become one type. Repeats
/// until nothing merges, because merging children makes parents identical.
///
/// The same parameter shape names the same objects wherever it is used: where one use's
/// field holds a typed id ([`crate::links`]) and another's a `String` (no link reached it,
/// as with `schedule_details.phases` of `CreatePreviewInvoice`, whose answer has no such
/// property), they merge and keep the typed id. Two different ids keep them apart.
pub fn dedup_inline_types(m: &mut Model) {
    loop {
        let mut seen: BTreeMap<(String, bool, Kind), Vec<ItemId>> = BTreeMap::new();
        let mut merged = 0;
        let ids: Vec<ItemId> = live(m).filter(|&i| m.items[i].schema.is_none()).collect();
        let op_params: BTreeSet<ItemId> = m.operations.iter().map(|o| o.params).collect();
        for id in ids {
            if op_params.contains(&id) {
                continue;
            }
            let item = &m.items[id];
            let key_name = item
                .title
                .clone()
                .unwrap_or_else(|| field_part(&item.long_name));
            let mut kind = item.kind.clone();
            match &mut kind {
                Kind::Struct { fields, .. } => {
                    for f in fields.iter_mut() {
                        f.doc = None;
                        f.ty = without_ids(&f.ty);
                    }
                }
                Kind::Union { variants } => {
                    for v in variants.iter_mut() {
                        v.ty = without_ids(&v.ty);
                    }
                }
                Kind::Enum { .. } => {}
            }
            let key = (key_name, item.roles.ser, kind);
            let group = seen.entry(key).or_default();
            let found = group.iter().find_map(|&first| {
                merged_kind(&m.items[first].kind, &m.items[id].kind).map(|k| (first, k))
            });
            match found {
                Some((first, kind)) => {
                    m.items[first].kind = kind;
                    m.items[id].merged_into = Some(first);
                    let r = m.items[id].roles;
                    m.items[first].roles.de |= r.de;
                    m.items[first].roles.ser |= r.ser;
                    // A union that parameters name keeps its id type.
                    if m.items[first].id_alias.is_none() {
                        m.items[first].id_alias = m.items[id].id_alias.take();
                    }
                    merged += 1;
                }
                None => group.push(id),
            }
        }
        if merged == 0 {
            break;
        }
        rewrite_refs(m);
    }
}

/// A type with its typed ids read as `String` (the deduplication key).
fn without_ids(t: &Ty) -> Ty {
    match t {
        Ty::Id(_) => Ty::String,
        Ty::Vec(i) => Ty::Vec(Box::new(without_ids(i))),
        Ty::Map(i) => Ty::Map(Box::new(without_ids(i))),
        Ty::Clearable(i) => Ty::Clearable(Box::new(without_ids(i))),
        Ty::Secret(i) => Ty::Secret(Box::new(without_ids(i))),
        other => other.clone(),
    }
}

/// The one type of two that differ at most in `String` against a typed id: the typed id
/// wins; two different ids do not merge.
fn merged_ty(a: &Ty, b: &Ty) -> Option<Ty> {
    match (a, b) {
        _ if a == b => Some(a.clone()),
        (Ty::Id(_), Ty::String) => Some(a.clone()),
        (Ty::String, Ty::Id(_)) => Some(b.clone()),
        (Ty::Vec(x), Ty::Vec(y)) => merged_ty(x, y).map(|t| Ty::Vec(Box::new(t))),
        (Ty::Map(x), Ty::Map(y)) => merged_ty(x, y).map(|t| Ty::Map(Box::new(t))),
        (Ty::Clearable(x), Ty::Clearable(y)) => merged_ty(x, y).map(|t| Ty::Clearable(Box::new(t))),
        (Ty::Secret(x), Ty::Secret(y)) => merged_ty(x, y).map(|t| Ty::Secret(Box::new(t))),
        _ => None,
    }
}

/// The kind of `a` with `b`'s typed ids where `a` has a `String`, if they merge.
fn merged_kind(a: &Kind, b: &Kind) -> Option<Kind> {
    match (a, b) {
        (Kind::Struct { fields: fa, object }, Kind::Struct { fields: fb, .. }) => {
            let fields = fa
                .iter()
                .zip(fb)
                .map(|(x, y)| merged_ty(&x.ty, &y.ty).map(|ty| Field { ty, ..x.clone() }))
                .collect::<Option<Vec<Field>>>()?;
            Some(Kind::Struct {
                fields,
                object: object.clone(),
            })
        }
        (Kind::Union { variants: va }, Kind::Union { variants: vb }) => {
            let variants = va
                .iter()
                .zip(vb)
                .map(|(x, y)| merged_ty(&x.ty, &y.ty).map(|ty| Variant { ty, ..x.clone() }))
                .collect::<Option<Vec<Variant>>>()?;
            Some(Kind::Union { variants })
        }
        _ => (a == b).then(|| a.clone()),
    }
}

/// The trailing PascalCase word group of a long name — a stand-in for the field name.
fn field_part(long: &str) -> String {
    let starts: Vec<usize> = long
        .char_indices()
        .filter(|(_, c)| c.is_ascii_uppercase())
        .map(|(i, _)| i)
        .collect();
    match starts.len() {
        0 | 1 => long.to_string(),
        n => long[starts[n.saturating_sub(2)]..].to_string(),
    }
}

/// Components are response types; operation parameters are request types; everything they
/// reach inherits the role.
pub fn assign_roles(m: &mut Model) {
    let mut de: Vec<ItemId> = m.components.values().copied().collect();
    let mut ser: Vec<ItemId> = Vec::new();
    for op in &m.operations {
        ser.push(op.params);
        let mut r = BTreeSet::new();
        op.output.refs(&mut r);
        de.extend(r);
    }
    mark_role(m, ser, true);
    mark_role(m, de, false);
}

fn mark_role(m: &mut Model, start: Vec<ItemId>, ser: bool) {
    let mut visited = vec![false; m.items.len()];
    let mut stack = start;
    while let Some(id) = stack.pop() {
        let id = m.resolve(id);
        if std::mem::replace(&mut visited[id], true) {
            continue;
        }
        let roles = &mut m.items[id].roles;
        if ser {
            roles.ser = true;
        } else {
            roles.de = true;
        }
        // A typed id does not make the identified type part of a request or response.
        let mut refs = BTreeSet::new();
        match &m.items[id].kind {
            Kind::Struct { fields, .. } => {
                fields.iter().for_each(|f| f.ty.refs_except_ids(&mut refs))
            }
            Kind::Union { variants } => variants
                .iter()
                .for_each(|v| v.ty.refs_except_ids(&mut refs)),
            Kind::Enum { .. } => {}
        }
        stack.extend(refs);
    }
}

/// Box struct fields that close a cycle of direct containment (`Option<T>` is direct;
/// `Vec`, maps and `Expandable` already indirect).
pub fn box_recursive_fields(m: &mut Model) {
    fn direct(ty: &Ty) -> Option<ItemId> {
        match ty {
            Ty::Named(i) => Some(*i),
            Ty::Clearable(t) | Ty::Secret(t) => direct(t),
            _ => None,
        }
    }
    let n = m.items.len();
    let edges: Vec<Vec<ItemId>> = (0..n)
        .map(|i| match &m.items[i].kind {
            Kind::Struct { fields, .. } => fields.iter().filter_map(|f| direct(&f.ty)).collect(),
            // Union payloads are boxed by the emitter.
            _ => vec![],
        })
        .collect();
    let reaches = |from: ItemId, to: ItemId| -> bool {
        let mut seen = vec![false; n];
        let mut stack = vec![from];
        while let Some(x) = stack.pop() {
            if x == to {
                return true;
            }
            if std::mem::replace(&mut seen[x], true) {
                continue;
            }
            stack.extend(edges[x].iter().copied());
        }
        false
    };
    let mut to_box = Vec::new();
    for i in live(m) {
        if let Kind::Struct { fields, .. } = &m.items[i].kind {
            for (fi, f) in fields.iter().enumerate() {
                if let Some(t) = direct(&f.ty) {
                    if reaches(t, i) {
                        to_box.push((i, fi));
                    }
                }
            }
        }
    }
    for (i, fi) in to_box {
        if let Kind::Struct { fields, .. } = &mut m.items[i].kind {
            fields[fi].boxed = true;
        }
    }
}

/// Names the root may not use: the runtime's own types and the prelude's.
const ROOT_RESERVED: &[&str] = &[
    "Event",
    "EventObject",
    "EventType",
    "List",
    "SearchList",
    "V2List",
    "Expandable",
    "Id",
    "Timestamp",
    "DateTime",
    "Decimal",
    "Metadata",
    "Secret",
    "Clearable",
    "FileUpload",
    "Binary",
    "Extra",
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
];

/// Names a resource module may not use: the generated code names these unqualified.
const MODULE_RESERVED: &[&str] = &[
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Default",
    "Clone",
    "Debug",
    "From",
    "Into",
    "IntoIterator",
    "Iterator",
    "Send",
    "Sync",
    "Sized",
    "Copy",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "Hash",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "AsRef",
    "AsMut",
    "ToString",
    "ToOwned",
    "Some",
    "None",
    "Ok",
    "Err",
    "Self_",
];

/// The longest public path (after `stripe_types::`) a nested type's name may give it, when
/// some name keeps it shorter.
const PATH_MAX: usize = 80;

/// The longest scope module joined from two owners' names (`create_update`).
const SCOPE_MAX: usize = 24;

/// The scope of a type several owners share: their names joined while that stays short
/// (two of them, `create_update`); past that, the words all their names share, else `params` for request
/// types and `shared` for response types.
fn scope_of(owners: &[String], requests: bool) -> String {
    let scope = scope_words(owners, requests);
    // A verb that Rust reserves (`return`) takes a trailing `_`, as field names do.
    if crate::names::is_keyword(&scope) {
        format!("{scope}_")
    } else {
        scope
    }
}

fn scope_words(owners: &[String], requests: bool) -> String {
    let joined = owners.join("_");
    if owners.len() == 1 || (owners.len() == 2 && joined.len() <= SCOPE_MAX) {
        joined
    } else if let Some(common) = common_words(owners) {
        common
    } else if requests {
        "params".to_string()
    } else {
        "shared".to_string()
    }
}

/// The words all owners' names end with, or else begin with (`card_mandate_options` for
/// `payment_method_options_card_mandate_options` and `setup_intent_card_mandate_options`),
/// when that is at most 40 characters.
fn common_words(owners: &[String]) -> Option<String> {
    let words: Vec<Vec<&str>> = owners.iter().map(|o| o.split('_').collect()).collect();
    let first = words.first()?;
    let shared = |ends: &dyn Fn(&Vec<&str>, usize) -> Option<String>| {
        (1..=first.len())
            .rev()
            .filter_map(|n| {
                let c = ends(first, n)?;
                words
                    .iter()
                    .all(|w| ends(w, n).as_deref() == Some(c.as_str()))
                    .then_some(c)
            })
            .next()
    };
    let suffix = shared(&|w, n| (n <= w.len()).then(|| w[w.len() - n..].join("_")));
    let prefix = shared(&|w, n| (n <= w.len()).then(|| w[..n].join("_")));
    suffix
        .or(prefix)
        .filter(|c| c.len() <= 40 && !owners.contains(c))
}

/// The owners (schema or operation names) of the uses `uses`, sorted, each once.
fn owners_of(uses: &[Use]) -> Vec<String> {
    let mut owners: Vec<String> = uses.iter().map(|u| u.owner.clone()).collect();
    owners.sort();
    owners.dedup();
    owners
}

/// Module names the generated root already uses.
const ROOT_MODULES: &[&str] = &["rt", "events", "nested", "generated"];

/// The resource module of a file name (`payment_intent`), clear of the root's own modules
/// and the API-area modules.
fn module_ident(file: &str, areas: &BTreeSet<String>) -> String {
    let m = crate::names::field_ident(file)
        .trim_start_matches("r#")
        .to_string();
    if ROOT_MODULES.contains(&m.as_str()) || areas.contains(&m) {
        format!("{m}_types")
    } else {
        m
    }
}

/// Rust names and module paths. The rule (also in the crate docs of `stripe-types`):
///
/// 1. Component schemas and operation parameter structs keep their names and live at the
///    crate root, but for the components [`crate::nesting`] names as nested types (a
///    field of one resource's object, or a long-named one several share), which are named
///    by rules 2–4 from their field paths. One whose name the runtime reserves (`Event`)
///    lives in its resource module instead (`event::Event`).
/// 2. Every other (inline) type lives in the module of its resource (`payment_intent`,
///    `checkout_session`): the module file of the schemas and operations that use it,
///    the one most of its uses share when several resources use it.
/// 3. Its name is the end of its field path, as short as the module allows:
///    `capture_method` → `CaptureMethod`; when two types of a module would share a name,
///    each takes one more field of its path (`PaymentMethodOptionsCard` beside
///    `PaymentMethodDataCard`). A type several operations share is named by the path its
///    uses have in common, never after one of them.
/// 4. When types share their whole field path (the `card` options of two operations that
///    differ), the type of the resource's own object keeps the plain name, else the one with
///    the most uses; each other moves into a submodule named after its owners: an operation's
///    verb (`payment_intent::update::Card`, also for `CreateCustomerSubscription` in
///    `subscription`), or its name without the module's resource when verbs still collide
///    (`create_customer`); a schema's name without the module's resource.
///    Two owners join their names while that stays short (`create_update`); past that,
///    the words all their names share, else `params` for request types and `shared` for
///    response types, never the name of one of them.
/// 5. A union of up to three components is named after them (`CustomerOrDeletedCustomer`)
///    and sits at the root.
///
/// A name that would pass 40 characters takes the scope of rule 4 instead, and no name is
/// taken whose path would pass [`PATH_MAX`] characters while another is shorter (the last
/// resort is the owners' name before the field, in the module itself). A scope is never the
/// module's own name: the resource's own types take their longer paths instead.
///
/// No name carries a collision number: a collision only lengthens names, by a rule that
/// looks at every colliding type at once, so the order of the spec does not matter.
pub fn assign_names(m: &mut Model) {
    let areas: BTreeSet<String> = m.items.iter().map(|i| i.area.clone()).collect();
    let op_params: BTreeSet<ItemId> = m.operations.iter().map(|o| o.params).collect();
    let op_names: BTreeSet<String> = m.operations.iter().map(|o| o.name.clone()).collect();
    let mut root: BTreeSet<String> = ROOT_RESERVED.iter().map(|s| s.to_string()).collect();
    // Names fixed in each module before the inline types are named there.
    let mut fixed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // Components that are fields of resources are named as nested types, below.
    let nest = crate::nesting::nesting(m);
    let mut order: Vec<ItemId> = (m.components.values().copied())
        .filter(|id| !nest.nested.contains(id))
        .collect();
    order.extend(m.operations.iter().map(|o| o.params));
    for id in order {
        let item = &m.items[id];
        let name = item.name.clone();
        let alias = format!("{name}Id");
        let clash = root.contains(&name) || (item.id_alias.is_some() && root.contains(&alias));
        let item = &mut m.items[id];
        if clash {
            let module = module_ident(&item.file, &areas);
            let f = fixed.entry(module.clone()).or_default();
            f.insert(name.clone());
            f.insert(alias.clone());
            item.module = vec![module];
        } else {
            root.insert(name.clone());
            if item.id_alias.is_some() {
                root.insert(alias.clone());
            }
        }
        if item.id_alias.is_some() {
            item.id_alias = Some(alias);
        }
    }

    // Every use of each surviving inline type (itself and the items merged into it, from
    // the resource when its owner is a nested component) and of each nested component.
    let inline = |i: &Item, id: ItemId| i.schema.is_none() && !op_params.contains(&id);
    let mut sites: BTreeMap<ItemId, Vec<Use>> = BTreeMap::new();
    // The owner and field path an item's docs name, when nesting moved it under a resource.
    let mut moved: BTreeMap<ItemId, Use> = BTreeMap::new();
    for (id, item) in m.items.iter().enumerate() {
        if inline(item, id) {
            let uses = nest.expand(m, id);
            if nest.owner_nested(&item.owner) {
                if let Some(first) = uses.first() {
                    moved.insert(id, first.clone());
                }
            }
            sites.entry(m.resolve(id)).or_default().extend(uses);
        }
    }
    for (&id, uses) in &nest.uses {
        sites.insert(id, uses.clone());
        if let Some(first) = uses.first() {
            moved.insert(id, first.clone());
        }
    }
    for uses in sites.values_mut() {
        uses.sort();
        uses.dedup();
    }
    // A union of components is named after them (`CustomerOrDeletedCustomer`): that names
    // what it is wherever it is used, so it sits at the root beside its variants.
    sites.retain(|&id, uses| {
        let item = &m.items[id];
        let title = match (&item.kind, &item.title) {
            (Kind::Union { .. }, Some(t)) => crate::names::type_ident(t),
            _ => return true,
        };
        if root.contains(&title) {
            return true;
        }
        root.insert(title.clone());
        let used_by = owners_of(uses);
        let item = &mut m.items[id];
        if item.id_alias.is_some() {
            let alias = format!("{title}Id");
            root.insert(alias.clone());
            item.id_alias = Some(alias);
        }
        item.name = title;
        item.used_by = used_by;
        item.module = Vec::new();
        false
    });
    struct Naming {
        id: ItemId,
        used_by: Vec<String>,
        module: String,
        /// Who keeps the plain name in a collision: a type of the resource's own object
        /// first, then the one whose field path is shortest (the resource's own `type` over
        /// `credit.type`), then a nested component (the object a union of it and others is
        /// about), then the type with the most uses.
        owners: (bool, std::cmp::Reverse<usize>, bool, usize),
        candidates: Vec<(String, String)>,
        level: usize,
    }
    let mut namings: Vec<Naming> = Vec::new();
    for (&id, uses) in &sites {
        let paths: Vec<&Vec<String>> = uses.iter().map(|u| &u.path).collect();
        // The field path every use shares, from the end.
        let mut common: Vec<String> = paths[0].clone();
        for p in &paths[1..] {
            let n = common
                .iter()
                .rev()
                .zip(p.iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            common = common[common.len() - n..].to_vec();
        }
        // Past the shared part, the path of the first use tells types apart.
        let mut candidates: Vec<String> = Vec::new();
        if common.is_empty() {
            if let Some(t) = &m.items[id].title {
                candidates.push(crate::names::type_ident(t));
            } else if nest.nested.contains(&id)
                && m.items[id].name.len() <= crate::nesting::ROOT_NAME_MAX
            {
                // A nested component whose uses share no field: its own name, when short.
                candidates.push(m.items[id].name.clone());
            }
        }
        // Only the path every use shares names the type; past it, a longer name would be the
        // path of one use (`PaymentIntentDataCaptureMethod` for the capture method that
        // checkout's `payment_intent_data` shares with `ConfirmPaymentIntent`).
        let segs: Vec<String> = if !common.is_empty() {
            common.clone()
        } else if paths[0].is_empty() {
            vec!["Item".into()]
        } else {
            paths[0].clone()
        };
        candidates.extend((1..=segs.len()).map(|k| segs[segs.len() - k..].concat()));
        let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
        for u in uses {
            *votes.entry(u.file.as_str()).or_default() += 1;
        }
        let top = votes.values().copied().max().unwrap_or(0);
        let file = votes
            .iter()
            .find(|(_, &n)| n == top)
            .map(|(f, _)| f.to_string())
            .unwrap_or_default();
        let module = module_ident(&file, &areas);
        // The owners' scope, for types whose whole path is not unique in the module: the
        // owner without the module's resource (`update` for `UpdatePaymentIntent` in
        // `payment_intent`), every owner's for a shared type (`create_confirm`).
        let resource = crate::names::type_ident(&module);
        let used_by = owners_of(uses);
        // An operation's scope is its verb (`create` for `CreateSubscription` and for
        // `CreateCustomerSubscription`), and if that does not settle a collision, its name
        // without the resource (`create_customer`); a schema's is its name without the
        // resource.
        // Schemas' names come before operations' (`person_create_update`).
        let mut verbs: Vec<(bool, String)> = Vec::new();
        let mut owners: Vec<(bool, String)> = Vec::new();
        for u in uses {
            let owner = &u.owner;
            // The resource in the plural too (`ListBillingMeters` → `list`).
            let plural = match resource.strip_suffix('y') {
                Some(stem) => format!("{stem}ies"),
                None => format!("{resource}s"),
            };
            let short = if owner.contains(&plural) {
                owner.replacen(&plural, "", 1)
            } else {
                owner.replacen(&resource, "", 1)
            };
            let short = if short.is_empty() {
                owner.clone()
            } else {
                short
            };
            let short = crate::names::field_ident(&short)
                .trim_start_matches("r#")
                .to_string();
            let op = op_names.contains(owner);
            let verb = if op {
                short.split('_').next().unwrap_or(&short).to_string()
            } else {
                short.clone()
            };
            if !owners.contains(&(op, short.clone())) {
                owners.push((op, short));
            }
            if !verbs.contains(&(op, verb.clone())) {
                verbs.push((op, verb));
            }
        }
        owners.sort();
        verbs.sort();
        let owners: Vec<String> = owners.into_iter().map(|(_, o)| o).collect();
        let verbs: Vec<String> = verbs.into_iter().map(|(_, o)| o).collect();
        // A type of one owner moves into the owner's scope when its whole path collides; a
        // shared type keeps the plain name (the shared `card` options stay `Card`, the one
        // operation's own variant becomes `update::Card`).
        // Names past 40 characters come after the scoped ones: a scope is shorter to read.
        let fits = |k: usize, c: &String| k == 0 || c.len() <= 40;
        let short_names: Vec<&String> = (candidates.iter().enumerate())
            .filter(|(k, c)| fits(*k, c))
            .map(|(_, c)| c)
            .collect();
        let long_names: Vec<&String> = (candidates.iter().enumerate())
            .filter(|(k, c)| !fits(*k, c))
            .map(|(_, c)| c)
            .collect();
        let mut scoped: Vec<(String, String)> = short_names
            .iter()
            .map(|c| (String::new(), (*c).clone()))
            .collect();
        // A path that is only a reserved word is named with the field above it
        // (`EndDateString`), or at the top of an object, after its owner
        // (`ThreeDSecureDetailsResult`).
        if MODULE_RESERVED.contains(&segs.concat().as_str()) {
            let first = &paths[0];
            let name = match first.len() {
                0 | 1 => used_by.first().cloned().unwrap_or_default() + &segs.concat(),
                n => first[n - 2..].concat(),
            };
            scoped.push((String::new(), name));
        }
        // Two shared types with one path: each moves into the scope of its owners
        // (`create_update::CaptureMethod`, see `scope_of`), never one owner's name.
        let requests = uses.iter().all(|u| op_names.contains(&u.owner));
        // The resource's own object among several owners: their scope is `shared`, not the
        // module's name joined with another's (`tax_registration_create`).
        let scope_with = |owners: &[String]| {
            if owners.len() > 1 && owners.contains(&module) {
                "shared".to_string()
            } else {
                scope_of(owners, requests)
            }
        };
        let scope = scope_with(&owners);
        let verb_scope = scope_with(&verbs);
        scoped.extend(candidates.iter().map(|c| (verb_scope.clone(), c.clone())));
        if scope != verb_scope {
            scoped.extend(candidates.iter().map(|c| (scope.clone(), c.clone())));
        }
        // A path that is only a reserved word (`Result`): the owners' name goes first.
        let owner = crate::names::type_ident(&scope);
        scoped.push((scope.clone(), format!("{owner}{}", segs.concat())));
        // Last, the longer path of the use with the longest one, when the shared part
        // settles nothing.
        let first = paths
            .iter()
            .max_by_key(|p| p.len())
            .copied()
            .unwrap_or(paths[0]);
        scoped.extend(
            (segs.len() + 1..=first.len())
                .map(|k| (scope.clone(), first[first.len() - k..].concat())),
        );
        scoped.extend(long_names.iter().map(|c| (String::new(), (*c).clone())));
        // Last of all, the owners' name before the field, in the module itself
        // (`PurposeOfFundsDescriptionMustBeEmptyForNonOtherPurposeOfFundsCode`).
        if let Some(last) = segs.last() {
            scoped.push((String::new(), format!("{owner}{last}")));
        }
        // The resource's own types have no scope but the module itself
        // (`financial_connections_account::financial_connections_account::Status`): they
        // take their longer paths in the module (`BalanceRefreshStatus`).
        let owner_named = format!("{owner}{}", segs.concat());
        scoped = scoped
            .into_iter()
            .filter_map(|(sub, name)| match sub == module {
                true if name == owner_named => None,
                true => Some((String::new(), name)),
                false => Some((sub, name)),
            })
            .collect();
        // A candidate whose path would pass PATH_MAX characters is kept only when every one
        // would.
        let len = |(sub, name): &(String, String)| {
            module.len() + 2 + name.len() + if sub.is_empty() { 0 } else { sub.len() + 2 }
        };
        if scoped.iter().any(|c| len(c) <= PATH_MAX) {
            scoped.retain(|c| len(c) <= PATH_MAX);
        }
        let own = used_by.contains(&resource);
        namings.push(Naming {
            used_by,
            id,
            module,
            owners: (
                own,
                std::cmp::Reverse(paths.iter().map(|p| p.len()).min().unwrap_or(0)),
                nest.nested.contains(&id),
                uses.len(),
            ),
            candidates: scoped,
            level: 0,
        });
    }
    // Every type of a colliding group takes its next candidate, until no group collides.
    loop {
        let mut groups: BTreeMap<(&str, &str, &str), Vec<usize>> = BTreeMap::new();
        for (k, n) in namings.iter().enumerate() {
            let (sub, name) = &n.candidates[n.level];
            groups
                .entry((n.module.as_str(), sub.as_str(), name.as_str()))
                .or_default()
                .push(k);
        }
        let mut advance = Vec::new();
        for ((module, sub, name), members) in &groups {
            let blocked = MODULE_RESERVED.contains(name)
                || (sub.is_empty() && fixed.get(*module).is_some_and(|f| f.contains(*name)));
            // The resource's own type, else the one with the most uses, keeps the plain name.
            let most = members
                .iter()
                .map(|&k| namings[k].owners)
                .max()
                .unwrap_or_default();
            let with_most = members
                .iter()
                .filter(|&&k| namings[k].owners == most)
                .count();
            for &k in members {
                let n = &namings[k];
                let into_scope = n
                    .candidates
                    .get(n.level + 1)
                    .is_some_and(|(s, _)| !s.is_empty() && sub.is_empty());
                // Within a scope too, the one with the most uses keeps the name and the
                // others take their longer paths.
                let stays = n.owners == most
                    && with_most == 1
                    && (into_scope || !sub.is_empty())
                    && !blocked;
                if (members.len() > 1 || blocked) && !stays {
                    advance.push(k);
                }
            }
        }
        let mut moved = false;
        for k in advance {
            let n = &mut namings[k];
            if n.level + 1 < n.candidates.len() {
                n.level += 1;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    // Candidates run out only if two types share owners and field path; a number then
    // keeps them apart (`--stats` counts it).
    let mut used: BTreeSet<(String, String, String)> = BTreeSet::new();
    for n in namings {
        let (sub, base) = n.candidates[n.level].clone();
        let mut name = base.clone();
        let mut k = 2;
        while used.contains(&(n.module.clone(), sub.clone(), name.clone()))
            || MODULE_RESERVED.contains(&name.as_str())
            || (sub.is_empty() && fixed.get(&n.module).is_some_and(|f| f.contains(&name)))
        {
            name = format!("{base}{k}");
            k += 1;
        }
        used.insert((n.module.clone(), sub.clone(), name.clone()));
        let item = &mut m.items[n.id];
        if item.id_alias.is_some() {
            // A union of objects that parameters name: its id type beside it.
            item.id_alias = Some(format!("{name}Id"));
        }
        item.name = name;
        item.used_by = n.used_by;
        item.module = vec![n.module];
        if !sub.is_empty() {
            item.module.push(sub);
        }
        if let Some(u) = moved.remove(&n.id) {
            item.owner = u.owner;
            item.path = u.path;
        }
        // A nested component whose doc is only its schema's title (the name it no longer
        // has) is described by its field path instead, as inline types are.
        if item.schema.is_some()
            && item
                .doc
                .as_deref()
                .is_some_and(|d| !d.trim().contains(char::is_whitespace))
        {
            item.doc = None;
        }
    }
}

/// Which cargo features compile each item: an item is compiled when any resource feature
/// ([`crate::units`]) that reaches it is on, through the resource's operations and the
/// component schemas it claims. Items reached from a `core` resource are always compiled; an
/// item no resource reaches is compiled with its area.
///
/// Reach follows what a type contains, not what it only names: an expandable field's object
/// and a typed id's resource are not followed. Such a target is marked `gated` when it may be
/// off where the referring item is on; the emitter then names it through `crate::gated`,
/// whose stand-in keeps an expanded object as JSON (its id stays typed).
pub fn assign_features(m: &mut Model) {
    let area_of_unit: BTreeMap<&str, &str> = m
        .units
        .iter()
        .flat_map(|(area, units)| units.iter().map(move |u| (u.as_str(), area.as_str())))
        .collect();
    // A resource feature of `core` is always compiled: its items are `core`'s.
    let key = |unit: &str| match area_of_unit.get(unit) {
        Some(&CORE) | None => CORE.to_string(),
        Some(_) => unit.to_string(),
    };
    let mut roots: BTreeMap<String, Vec<ItemId>> = BTreeMap::new();
    for &id in m.components.values() {
        if let Some(unit) = &m.items[id].unit {
            roots.entry(key(unit)).or_default().push(id);
        }
    }
    for op in &m.operations {
        let e = roots.entry(key(&op.unit)).or_default();
        e.push(op.params);
        let mut r = BTreeSet::new();
        op.output.refs(&mut r);
        e.extend(r);
    }
    let mut sets: Vec<BTreeSet<String>> = vec![BTreeSet::new(); m.items.len()];
    let reach = |sets: &mut Vec<BTreeSet<String>>, roots: BTreeMap<String, Vec<ItemId>>| {
        for (feature, start) in roots {
            let mut stack = start;
            while let Some(id) = stack.pop() {
                let id = m.resolve(id);
                if !sets[id].insert(feature.clone()) {
                    continue;
                }
                stack.extend(item_refs(m, &m.items[id]).0);
            }
        }
    };
    reach(&mut sets, roots);
    // A component claimed by no resource and used by none is compiled with its area.
    let mut unused: BTreeMap<String, Vec<ItemId>> = BTreeMap::new();
    for &id in m.components.values() {
        if sets[id].is_empty() && m.items[id].merged_into.is_none() {
            unused.entry(m.items[id].area.clone()).or_default().push(id);
        }
    }
    reach(&mut sets, unused);
    for (id, set) in sets.into_iter().enumerate() {
        m.items[id].cfg = if set.contains(CORE) {
            BTreeSet::new()
        } else {
            set
        };
    }
    // A named-only target is safe when every build that compiles the referrer compiles it.
    let mut gated = BTreeSet::new();
    for (id, item) in m.items.iter().enumerate() {
        if item.merged_into.is_some() {
            continue;
        }
        for t in item_refs(m, item).1 {
            let t = m.resolve(t);
            let (from, to) = (&m.items[id].cfg, &m.items[t].cfg);
            if !to.is_empty() && (from.is_empty() || !from.is_subset(to)) {
                gated.insert(t);
            }
        }
    }
    for t in gated {
        m.items[t].gated = true;
    }
}

/// Whether a union only names its component variants (a decoded-only union, such as an
/// expandable field's `CustomerOrDeletedCustomer`): their types are not followed for
/// features, and a variant whose features may be off is a `crate::gated` stand-in.
pub fn union_names_variants(item: &Item) -> bool {
    matches!(item.kind, Kind::Union { .. }) && item.roles.de && !item.roles.ser
}

/// Whether `id` is a component schema (compiled by its own area, whoever refers to it).
fn is_component(m: &Model, id: ItemId) -> bool {
    m.items[m.resolve(id)].schema.is_some()
}

/// The items an item contains (`hard`) and those it only names (`soft`): a typed id's
/// resource, an expandable field's component object, a [`Field::names_only`] field's
/// component object, and a component variant of a union that
/// [only names its variants](union_names_variants).
fn item_refs(m: &Model, item: &Item) -> (BTreeSet<ItemId>, BTreeSet<ItemId>) {
    fn walk(
        m: &Model,
        t: &Ty,
        variant: bool,
        hard: &mut BTreeSet<ItemId>,
        soft: &mut BTreeSet<ItemId>,
    ) {
        match t {
            Ty::Named(id) if variant && is_component(m, *id) => {
                soft.insert(*id);
            }
            Ty::Named(id) => {
                hard.insert(*id);
            }
            // A component's id names it; the id of a union of objects (an inline type) is
            // compiled with whoever uses it.
            Ty::Id(id) if is_component(m, *id) => {
                soft.insert(*id);
            }
            Ty::Id(id) => {
                hard.insert(*id);
            }
            Ty::Expandable(inner) => match &**inner {
                Ty::Named(id) if is_component(m, *id) => {
                    soft.insert(*id);
                }
                inner => walk(m, inner, false, hard, soft),
            },
            _ => {
                if let Some(inner) = t.inner() {
                    walk(m, inner, false, hard, soft)
                }
            }
        }
    }
    let (mut hard, mut soft) = (BTreeSet::new(), BTreeSet::new());
    match &item.kind {
        Kind::Struct { fields, .. } => {
            for f in fields {
                walk(m, &f.ty, f.names_only, &mut hard, &mut soft);
            }
        }
        Kind::Union { variants } => {
            let names = union_names_variants(item);
            for v in variants {
                walk(m, &v.ty, names, &mut hard, &mut soft);
            }
        }
        Kind::Enum { .. } => {}
    }
    (hard, soft)
}
