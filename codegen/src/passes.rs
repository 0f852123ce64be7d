//! Named normalisation passes over the model, run in order by [`run_all`].

use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};

/// Run every pass in order.
pub fn run_all(m: &mut Model) {
    dedup_inline_types(m);
    assign_roles(m);
    box_recursive_fields(m);
    assign_names(m);
    assign_features(m);
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

fn kind_refs(k: &Kind) -> BTreeSet<ItemId> {
    let mut out = BTreeSet::new();
    match k {
        Kind::Struct { fields, .. } => fields.iter().for_each(|f| f.ty.refs(&mut out)),
        Kind::Union { variants } => variants.iter().for_each(|v| v.ty.refs(&mut out)),
        Kind::Enum { .. } => {}
    }
    out
}

/// Rewrite every reference through `resolve` (after merges).
fn rewrite_refs(m: &mut Model) {
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

/// Inline types that are structurally identical (same fields and types, ignoring docs) and
/// share a title — or, untitled, the field name they stand in — become one type. Repeats
/// until nothing merges, because merging children makes parents identical.
pub fn dedup_inline_types(m: &mut Model) {
    loop {
        let mut seen: BTreeMap<(String, bool, Kind), ItemId> = BTreeMap::new();
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
            if let Kind::Struct { fields, .. } = &mut kind {
                for f in fields.iter_mut() {
                    f.doc = None;
                }
            }
            let key = (key_name, item.roles.ser, kind);
            match seen.get(&key) {
                Some(&first) => {
                    m.items[id].merged_into = Some(first);
                    let r = m.items[id].roles;
                    m.items[first].roles.de |= r.de;
                    m.items[first].roles.ser |= r.ser;
                    merged += 1;
                }
                None => {
                    seen.insert(key, id);
                }
            }
        }
        if merged == 0 {
            break;
        }
        rewrite_refs(m);
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

/// Unique Rust names: component schemas and operations keep theirs; inline types take
/// their title when it is free, else their long (parent + field) name, else a numbered one.
pub fn assign_names(m: &mut Model) {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let reserved = [
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
    taken.extend(reserved.iter().map(|s| s.to_string()));
    let op_params: BTreeSet<ItemId> = m.operations.iter().map(|o| o.params).collect();
    // Components first, then operations, then inline items (in creation order).
    let mut order: Vec<ItemId> = m.components.values().copied().collect();
    order.extend(m.operations.iter().map(|o| o.params));
    order.extend(live(m).filter(|i| m.items[*i].schema.is_none() && !op_params.contains(i)));
    for id in order {
        let item = &m.items[id];
        let mut candidates: Vec<String> = Vec::new();
        if item.schema.is_some() || op_params.contains(&id) {
            candidates.push(item.name.clone());
        } else {
            if let Some(t) = &item.title {
                candidates.push(crate::names::type_ident(t));
            }
            candidates.push(item.long_name.clone());
        }
        let mut chosen = None;
        for c in &candidates {
            let alias_free = |n: &str| !taken.contains(&format!("{n}Id"));
            if !taken.contains(c) && (item.id_alias.is_none() || alias_free(c)) {
                chosen = Some(c.clone());
                break;
            }
        }
        let name = chosen.unwrap_or_else(|| {
            let base = candidates.last().cloned().unwrap_or_else(|| "Item".into());
            let mut k = 2;
            while taken.contains(&format!("{base}{k}")) {
                k += 1;
            }
            format!("{base}{k}")
        });
        taken.insert(name.clone());
        let item = &mut m.items[id];
        if item.id_alias.is_some() {
            let alias = format!("{name}Id");
            taken.insert(alias.clone());
            item.id_alias = Some(alias);
        }
        item.name = name;
    }
}

/// Which cargo features compile each item: an item is compiled when any area that reaches
/// it (through its operations and component schemas) is enabled. Items reached from `core`
/// are always compiled.
pub fn assign_features(m: &mut Model) {
    let mut roots: BTreeMap<String, Vec<ItemId>> = BTreeMap::new();
    for &id in m.components.values() {
        roots.entry(m.items[id].area.clone()).or_default().push(id);
    }
    for op in &m.operations {
        let e = roots.entry(op.area.clone()).or_default();
        e.push(op.params);
        let mut r = BTreeSet::new();
        op.output.refs(&mut r);
        e.extend(r);
    }
    let mut sets: Vec<BTreeSet<String>> = vec![BTreeSet::new(); m.items.len()];
    for (area, start) in roots {
        let mut stack = start;
        while let Some(id) = stack.pop() {
            let id = m.resolve(id);
            if !sets[id].insert(area.clone()) {
                continue;
            }
            stack.extend(kind_refs(&m.items[id].kind));
        }
    }
    for (id, set) in sets.into_iter().enumerate() {
        m.items[id].cfg = if set.contains("core") {
            BTreeSet::new()
        } else {
            set
        };
    }
}
