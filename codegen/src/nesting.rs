//! Which component schemas are nested types: the shapes the spec gives a component of their
//! own (`payments_primitives_payment_records_resource_payment_method_card_details_resource_three_d_secure`)
//! only because Stripe's API writes them once, though they are a field of a resource's
//! object (`PaymentRecord.payment_method_details.card.three_d_secure`).
//!
//! Such a component is named as an inline type is ([`crate::passes::assign_names`]): by the
//! field path that leads to it from the resources and operations that use it, in the module
//! of the resource most of them belong to (`payment_record::ThreeDSecure`). So are the types
//! nested in it, whose field paths now start at the resource.
//!
//! A component stays at the crate root when it is
//! - a resource (`x-resourceId`) or an object with an id of its own (v2 objects,
//!   `reserve_transaction`), or a deleted object (its `deleted` property);
//! - what an operation answers;
//! - used by no resource or operation at all;
//! - or shared: used under more than one resource's module and named in at most
//!   [`ROOT_NAME_MAX`] characters (`Address`, `ApiErrors`, `Shipping`). A shared component
//!   with a longer name is nested in the module most of its uses belong to.

use crate::model::{Kind, Model, Ty};
use std::collections::{BTreeMap, BTreeSet};

use crate::model::ItemId;

/// The longest name a component shared by several resources keeps at the root.
pub const ROOT_NAME_MAX: usize = 40;

/// Field paths longer than this are not followed (a recursive shape would be endless).
const PATH_MAX: usize = 10;

/// Uses kept per type: enough to name it and to pick its module.
const USES_MAX: usize = 64;

/// Where a type is used: from a resource, a shared root component or an operation (its Rust
/// name and module file), along a field path (PascalCase segments).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Use {
    /// The resource, root component or operation.
    pub owner: String,
    /// Its module file.
    pub file: String,
    /// The field path from it.
    pub path: Vec<String>,
}

/// The nested components and where each is used.
#[derive(Debug, Default)]
pub struct Nesting {
    /// The components named as nested types.
    pub nested: BTreeSet<ItemId>,
    /// Where each nested component is used, sorted.
    pub uses: BTreeMap<ItemId, Vec<Use>>,
    /// Component (by its name as an owner of inline types) → item.
    by_owner: BTreeMap<String, ItemId>,
    /// Root components' and operations' module files, by name.
    files: BTreeMap<String, String>,
}

impl Nesting {
    /// Whether `owner` (the owner name of an inline type) is a nested component.
    pub fn owner_nested(&self, owner: &str) -> bool {
        self.by_owner
            .get(owner)
            .is_some_and(|c| self.nested.contains(c))
    }

    /// Where the use site `u` (an inline item, or an item merged into one) is used: its own
    /// owner and path, or, when its owner is a nested component, that component's uses
    /// followed by its path.
    pub fn expand(&self, m: &Model, u: ItemId) -> Vec<Use> {
        let item = &m.items[u];
        match self.by_owner.get(&item.owner) {
            Some(c) if self.nested.contains(c) => self
                .uses
                .get(c)
                .into_iter()
                .flatten()
                .map(|cu| Use {
                    owner: cu.owner.clone(),
                    file: cu.file.clone(),
                    path: cu.path.iter().chain(&item.path).cloned().collect(),
                })
                .collect(),
            _ => vec![Use {
                owner: item.owner.clone(),
                file: self
                    .files
                    .get(&item.owner)
                    .cloned()
                    .unwrap_or_else(|| item.file.clone()),
                path: item.path.clone(),
            }],
        }
    }
}

/// Decide which components are nested types, and where each is used.
pub fn nesting(m: &Model) -> Nesting {
    let op_params: BTreeSet<ItemId> = m.operations.iter().map(|o| m.resolve(o.params)).collect();
    let skipped: BTreeSet<&str> = m.skipped.iter().map(|d| d.at.as_str()).collect();
    let mut answers = BTreeSet::new();
    for op in &m.operations {
        op.output.refs_except_ids(&mut answers);
    }
    let mut n = Nesting::default();
    let mut candidates = BTreeSet::new();
    for (name, &id) in &m.components {
        let item = &m.items[id];
        if item.merged_into.is_some() || skipped.contains(name.as_str()) {
            continue;
        }
        n.by_owner.insert(item.owner.clone(), id);
        n.files.insert(item.owner.clone(), item.file.clone());
        // A deleted object says so with its `deleted` property (`"deleted": true`).
        let deleted = matches!(&item.kind, Kind::Struct { fields, .. } if fields.iter().any(|f| f.name == "deleted"));
        let keeps_root = item.resource
            || crate::links::identified(m, id)
            || deleted
            || answers.contains(&id)
            || matches!(item.kind, Kind::Union { .. });
        if !keeps_root {
            candidates.insert(id);
        }
    }
    for &p in &op_params {
        n.files
            .insert(m.items[p].owner.clone(), m.items[p].file.clone());
    }
    // Every use site of each surviving inline item.
    let mut sites: BTreeMap<ItemId, Vec<ItemId>> = BTreeMap::new();
    for (id, item) in m.items.iter().enumerate() {
        if item.schema.is_none() && !op_params.contains(&id) {
            sites.entry(m.resolve(id)).or_default().push(id);
        }
    }
    // What each live item holds directly: (field path segment, component).
    let mut edges: Vec<(ItemId, Vec<String>, ItemId)> = Vec::new();
    for (id, item) in m.items.iter().enumerate() {
        if item.merged_into.is_some() {
            continue;
        }
        let mut add = |seg: String, ty: &Ty| {
            let seg: Vec<String> = if seg.is_empty() {
                Vec::new()
            } else {
                vec![seg]
            };
            let mut r = BTreeSet::new();
            ty.refs_except_ids(&mut r);
            for t in r {
                let t = m.resolve(t);
                if candidates.contains(&t) && t != id {
                    edges.push((id, seg.clone(), t));
                }
            }
        };
        match &item.kind {
            Kind::Struct { fields, .. } => {
                for f in fields {
                    add(crate::names::type_ident(&f.name), &f.ty);
                }
            }
            Kind::Union { variants } => {
                // A member is the union's field, less what its uses already say: the words
                // of its name that neither the field path nor the owner has
                // (`TypeSpecificClient` for the `payment_intent_type_specific_payment_method_options_client`
                // member of `PaymentIntent.payment_method_options.acss_debit`).
                let said: BTreeSet<String> = std::iter::once(&item.owner)
                    .chain(&item.path)
                    .flat_map(|s| words(s))
                    .collect();
                // When its name says nothing more (it is the object the field is about), the
                // last word of its name that the field's own does not have (`Options` for
                // `payment_intent_payment_method_options_acss_debit`), so that it and the
                // union are told apart.
                let field: BTreeSet<String> = item
                    .path
                    .last()
                    .map(|s| words(s))
                    .unwrap_or_default()
                    .into_iter()
                    .collect();
                for v in variants {
                    let mut rest: String = words(&v.name)
                        .into_iter()
                        .filter(|w| !said.contains(w))
                        .map(|w| crate::names::type_ident(&w))
                        .collect();
                    if rest.is_empty() {
                        rest = (words(&v.name).into_iter().rev())
                            .find(|w| !field.contains(w))
                            .map(|w| crate::names::type_ident(&w))
                            .unwrap_or_default();
                    }
                    add(rest, &v.ty);
                }
            }
            Kind::Enum { .. } => {}
        }
    }
    // Nest every candidate, then keep at the root those shared and short, until that settles.
    n.nested = candidates;
    for _ in 0..8 {
        propagate(m, &mut n, &edges, &sites, &op_params);
        let keep: BTreeSet<ItemId> = n
            .nested
            .iter()
            .copied()
            .filter(|id| {
                let uses = n.uses.get(id).map(Vec::as_slice).unwrap_or_default();
                let files: BTreeSet<&str> = uses.iter().map(|u| u.file.as_str()).collect();
                !uses.is_empty() && (files.len() == 1 || m.items[*id].name.len() > ROOT_NAME_MAX)
            })
            .collect();
        if keep == n.nested {
            break;
        }
        n.nested = keep;
    }
    n.uses.retain(|id, _| n.nested.contains(id));
    n
}

/// The lower-case words of a PascalCase or snake_case name.
fn words(s: &str) -> Vec<String> {
    heck::ToSnakeCase::to_snake_case(s)
        .split('_')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The uses of every nested component (`n.uses`), followed from the roots along `edges` to
/// a fixed point (paths and use counts capped). Each round reads the uses the last one
/// ended with.
fn propagate(
    m: &Model,
    n: &mut Nesting,
    edges: &[(ItemId, Vec<String>, ItemId)],
    sites: &BTreeMap<ItemId, Vec<ItemId>>,
    op_params: &BTreeSet<ItemId>,
) {
    let mut uses: BTreeMap<ItemId, BTreeSet<Use>> = BTreeMap::new();
    loop {
        n.uses = uses
            .iter()
            .map(|(k, v)| (*k, v.iter().cloned().collect()))
            .collect();
        let current = &*n;
        let uses_of = |id: ItemId| -> Vec<Use> {
            let item = &m.items[id];
            if current.nested.contains(&id) {
                current.uses.get(&id).cloned().unwrap_or_default()
            } else if item.schema.is_none() && !op_params.contains(&id) {
                let mut out: Vec<Use> = sites
                    .get(&id)
                    .into_iter()
                    .flatten()
                    .flat_map(|&u| current.expand(m, u))
                    .collect();
                out.sort();
                out.dedup();
                out
            } else {
                vec![Use {
                    owner: item.owner.clone(),
                    file: item.file.clone(),
                    path: Vec::new(),
                }]
            }
        };
        let mut changed = false;
        for (from, seg, to) in edges {
            if !n.nested.contains(to) {
                continue;
            }
            for u in uses_of(*from) {
                if u.path.len() >= PATH_MAX {
                    continue;
                }
                let set = uses.entry(*to).or_default();
                if set.len() >= USES_MAX {
                    break;
                }
                let mut path = u.path;
                path.extend(seg.iter().cloned());
                changed |= set.insert(Use {
                    owner: u.owner,
                    file: u.file,
                    path,
                });
            }
        }
        if !changed {
            break;
        }
    }
}
