//! openapiv3 → owned model. Runs once; everything after it reads only [`Model`].

use crate::html::to_markdown;
use crate::model::*;
use crate::names::{field_ident, singular, type_ident};
use crate::policy::{Policy, CORE};
use crate::stripe_names::{NameTable, StripeName};
use crate::units::Units;
use crate::Error;
use openapiv3::{
    AdditionalProperties, OpenAPI, Operation as OaOperation, Parameter, ReferenceOr, Schema,
    SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone)]
struct Ctx {
    /// Long name of the item being built (the parent of new inline items).
    parent: String,
    /// The field this schema sits in.
    field: String,
    /// Where, for reports.
    at: String,
    /// Request or response side.
    ser: bool,
    area: String,
    file: String,
    /// The component schema or operation the schema sits in (its Rust name).
    owner: String,
    /// The field path from the owner (PascalCase segments).
    path: Vec<String>,
}

impl Ctx {
    fn child(&self, field: &str) -> Ctx {
        let mut path = self.path.clone();
        path.push(type_ident(field));
        Ctx {
            path,
            parent: format!("{}{}", self.parent, type_ident(field)),
            field: field.to_string(),
            at: format!("{}.{}", self.at, field),
            ..self.clone()
        }
    }
}

struct Converter<'a> {
    api: &'a OpenAPI,
    policy: &'a Policy,
    model: Model,
    /// Singular path segment → area, for placing component schemas.
    area_of_resource: BTreeMap<String, String>,
    /// The resource features, learned from the paths.
    units: Units,
}

/// An operation between its answer's conversion and its parameters'.
struct Pending<'a> {
    path: String,
    method: &'static str,
    op: &'a OaOperation,
    path_level: &'a [ReferenceOr<Parameter>],
    output: Ty,
    /// The name [`operation_name`] gives it from its path.
    path_name: String,
    /// Stripe's name for it, when the table has one.
    stripe: Option<StripeName>,
}

/// Convert the parsed spec into the model: `policy` places paths and schemas in areas;
/// operations are named from Stripe's `stripe_names` table.
pub fn convert(api: &OpenAPI, policy: &Policy, stripe_names: &NameTable) -> Result<Model, Error> {
    let mut c = Converter {
        api,
        policy,
        model: Model::default(),
        area_of_resource: BTreeMap::new(),
        units: Units::from_paths(api.paths.paths.iter().map(|(path, item)| {
            let get = matches!(item, ReferenceOr::Item(i) if i.get.is_some());
            (path.as_str(), get)
        })),
    };
    c.model.api_version = api.info.version.clone();
    c.model.not_ids = policy.not_ids.clone();
    let components = api.components.as_ref().ok_or_else(|| Error::Unsupported {
        pointer: "/components".into(),
        reason: "the spec has no components".into(),
    })?;
    c.model.schema_total = components.schemas.len();

    // Areas of resources, learned from the paths that serve them.
    for path in api.paths.paths.keys() {
        let seg = Policy::path_segment(path);
        if policy.area_of(seg).is_none() {
            c.model
                .unmapped
                .insert(format!("path segment `{seg}` ({path})"));
        }
        let area = policy.area_for_path(path);
        for seg in path.split('/').skip(2).filter(|s| !s.starts_with('{')) {
            c.area_of_resource
                .entry(singular(seg))
                .or_insert_with(|| area.to_string());
        }
    }

    // Reserve an item for every component first, so that forward and cyclic refs resolve.
    let names: Vec<String> = components
        .schemas
        .keys()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // The files schemas are grouped in: each resource's (`x-resourceId`), and each schema's
    // that names a family of others (`v2.error` for `v2.error.url_invalid`).
    let heads: BTreeSet<&str> = names
        .iter()
        .filter_map(|n| crate::names::family_head(n, |h| components.schemas.contains_key(h)))
        .collect();
    let resources: Vec<String> = names
        .iter()
        .filter(|n| {
            matches!(&components.schemas[*n], ReferenceOr::Item(s) if s.schema_data.extensions.contains_key("x-resourceId"))
                || heads.contains(n.as_str())
        })
        .map(|n| n.replace('.', "_"))
        .collect();
    for name in &names {
        if let Some((prefix, _)) = name.split_once('.') {
            let prefix = prefix.trim_start_matches("deleted_");
            if policy.area_of(prefix).is_none() {
                c.model
                    .unmapped
                    .insert(format!("schema prefix `{prefix}` ({name})"));
            }
        }
        let area = c.area_for_schema(name);
        let id = c.model.items.len();
        c.model.items.push(Item {
            name: type_ident(name),
            long_name: type_ident(name),
            schema: Some(name.clone()),
            title: None,
            doc: None,
            kind: Kind::Struct {
                fields: vec![],
                object: None,
            },
            roles: Roles::default(),
            area: area.clone(),
            file: file_for_schema(name, &resources),
            cfg: BTreeSet::new(),
            unit: c.units.for_schema(name),
            gated: false,
            id_alias: None,
            merged_into: None,
            resource: matches!(&components.schemas[name], ReferenceOr::Item(s) if s.schema_data.extensions.contains_key("x-resourceId")),
            used_by: Vec::new(),
            module: Vec::new(),
            owner: type_ident(name),
            path: Vec::new(),
        });
        c.model.components.insert(name.clone(), id);
    }
    for name in &names {
        let schema = match &components.schemas[name] {
            ReferenceOr::Item(s) => s,
            ReferenceOr::Reference { reference } => {
                return Err(Error::Unsupported {
                    pointer: format!("/components/schemas/{name}"),
                    reason: format!("a component that is only a reference ({reference})"),
                })
            }
        };
        c.convert_component(name, schema)?;
    }

    // A deleted object's id is the id of the object it was (`DeletedCustomer.id` is a
    // `CustomerId`).
    for (name, &id) in &c.model.components {
        let Some(live) = name
            .strip_prefix("deleted_")
            .and_then(|l| c.model.components.get(l))
            .copied()
        else {
            continue;
        };
        if c.model.items[live].id_alias.is_none() || c.model.items[id].id_alias.is_none() {
            continue;
        }
        let item = &mut c.model.items[id];
        item.id_alias = None;
        if let Kind::Struct { fields, .. } = &mut item.kind {
            for f in fields.iter_mut().filter(|f| f.name == "id") {
                f.ty = Ty::Id(live);
            }
        }
    }

    // Operations, in path order: answers first (a name and a path id may depend on them),
    // then names (Stripe's where the table has one), then parameters.
    let mut paths: Vec<(&String, &ReferenceOr<openapiv3::PathItem>)> =
        api.paths.paths.iter().collect();
    paths.sort_by(|a, b| a.0.cmp(b.0));
    let get_paths: BTreeSet<String> = paths
        .iter()
        .filter_map(|(p, i)| match i {
            ReferenceOr::Item(i) if i.get.is_some() => Some((*p).clone()),
            _ => None,
        })
        .collect();
    let mut pending = Vec::new();
    for (path, item) in paths {
        let ReferenceOr::Item(item) = item else {
            c.model.skipped.push(Degraded {
                at: path.clone(),
                reason: "path item is a $ref".into(),
            });
            continue;
        };
        for (method, op) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("DELETE", &item.delete),
        ] {
            let Some(op) = op else { continue };
            c.model.operation_total += 1;
            let op_id = op
                .operation_id
                .clone()
                .unwrap_or_else(|| format!("{method} {path}"));
            let area = policy.area_for_path(path).to_string();
            let pointer = format!(
                "/paths/{}/{}",
                path.replace('~', "~0").replace('/', "~1"),
                method.to_ascii_lowercase()
            );
            let (output, output_schema) = c.operation_output(op, &op_id, &area, &pointer)?;
            let path_name =
                operation_name(method, path, &get_paths, output_schema.as_deref(), &output);
            let stripe = stripe_names
                .get(&(method.to_string(), path.clone()))
                .cloned();
            pending.push(Pending {
                path: path.clone(),
                method,
                op,
                path_level: &item.parameters,
                output,
                path_name,
                stripe,
            });
        }
        for (method, op) in [
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("HEAD", &item.head),
            ("OPTIONS", &item.options),
            ("TRACE", &item.trace),
        ] {
            if op.is_some() {
                c.model.operation_total += 1;
                c.model.skipped.push(Degraded {
                    at: format!("{method} {path}"),
                    reason: format!(
                        "method {method} is not used by Stripe's API and not supported"
                    ),
                });
            }
        }
    }
    let taken: BTreeSet<String> = c.model.components.keys().map(|k| type_ident(k)).collect();
    let final_names = operation_names(&pending, &taken)?;
    for (p, name) in pending.iter().zip(final_names) {
        c.convert_operation(p, name)?;
    }

    // Each area's resource features, from its operations.
    for op in &c.model.operations {
        c.model
            .units
            .entry(op.area.clone())
            .or_default()
            .insert(op.unit.clone());
    }

    // Event types from the webhook endpoint enum.
    c.model.event_types = c.event_types();
    Ok(c.model)
}

/// The module file of a component schema: the longest resource name that prefixes it
/// (`payment_intent_next_action` lives in `payment_intent.rs`), else its own name.
fn file_for_schema(name: &str, resources: &[String]) -> String {
    let flat = name.replace('.', "_");
    let bare = flat.strip_prefix("deleted_").unwrap_or(&flat);
    resources
        .iter()
        .filter(|r| bare == r.as_str() || bare.starts_with(&format!("{r}_")))
        .max_by_key(|r| r.len())
        .cloned()
        .unwrap_or(flat)
}

fn schema_doc(s: &Schema) -> Option<String> {
    let d = s.schema_data.description.as_deref().unwrap_or("").trim();
    if d.is_empty() {
        None
    } else {
        Some(to_markdown(d))
    }
}

fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

fn is_empty_string_enum(s: &ReferenceOr<Schema>) -> bool {
    match s {
        ReferenceOr::Item(s) => match &s.schema_kind {
            SchemaKind::Type(Type::String(st)) => {
                !st.enumeration.is_empty()
                    && st.enumeration.iter().all(|v| v.as_deref() == Some(""))
            }
            _ => false,
        },
        _ => false,
    }
}

impl<'a> Converter<'a> {
    fn area_for_schema(&self, name: &str) -> String {
        if let Some((prefix, _)) = name.split_once('.') {
            let prefix = prefix.trim_start_matches("deleted_");
            return self.policy.area_of(prefix).unwrap_or(CORE).to_string();
        }
        let name = name.trim_start_matches("deleted_");
        // Longest resource name that prefixes the schema name.
        let mut best: Option<(&String, &String)> = None;
        for (res, area) in &self.area_of_resource {
            if (name == res || name.starts_with(&format!("{res}_")))
                && best.is_none_or(|(b, _)| res.len() > b.len())
            {
                best = Some((res, area));
            }
        }
        best.map(|(_, a)| a.clone()).unwrap_or_else(|| CORE.into())
    }

    fn schema_of(&self, name: &str) -> Option<&'a Schema> {
        match self.api.components.as_ref()?.schemas.get(name)? {
            ReferenceOr::Item(s) => Some(s),
            _ => None,
        }
    }

    fn component_id(&self, reference: &str, at: &str) -> Result<ItemId, Error> {
        self.model
            .components
            .get(ref_name(reference))
            .copied()
            .ok_or_else(|| Error::Unsupported {
                pointer: at.to_string(),
                reason: format!("unresolved reference {reference}"),
            })
    }

    fn convert_component(&mut self, name: &str, schema: &Schema) -> Result<(), Error> {
        let id = self.model.components[name];
        let area = self.model.items[id].area.clone();
        let ctx = Ctx {
            parent: type_ident(name),
            field: name.to_string(),
            at: name.to_string(),
            ser: false,
            area,
            file: self.model.items[id].file.clone(),
            owner: type_ident(name),
            path: Vec::new(),
        };
        let kind = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(_)) | SchemaKind::Any(_) => {
                self.object_kind(schema, &ctx, Some(name))?
            }
            SchemaKind::AnyOf { any_of: m } | SchemaKind::OneOf { one_of: m } => Kind::Union {
                variants: self.variants(m, &ctx)?,
            },
            _ => {
                self.model.skipped.push(Degraded {
                    at: name.to_string(),
                    reason: "component schema is neither an object nor a union".into(),
                });
                return Ok(());
            }
        };
        let has_id = matches!(&kind, Kind::Struct { fields, .. } if fields.iter().any(|f| f.name == "id" && f.ty == Ty::String));
        // An object with an id of its own: a v1 resource (`x-resourceId`), or any object that
        // names itself (`object`) and has an id (v2 objects, `reserve_transaction`); not the
        // generic `v2.deleted_object`.
        let object_named = matches!(
            &kind,
            Kind::Struct {
                object: Some(_),
                ..
            }
        );
        let identified = schema.schema_data.extensions.contains_key("x-resourceId")
            || (object_named && name != "v2.deleted_object");
        let item = &mut self.model.items[id];
        item.doc = schema_doc(schema);
        if let Some(title) = &schema.schema_data.title {
            if item.doc.is_none() {
                item.doc = Some(title.clone());
            }
        }
        item.kind = kind;
        if has_id && identified {
            item.id_alias = Some(format!("{}Id", item.name));
            if let Kind::Struct { fields, .. } = &mut item.kind {
                for f in fields.iter_mut().filter(|f| f.name == "id") {
                    f.ty = Ty::Id(id);
                }
            }
        }
        Ok(())
    }

    /// A struct kind from an object schema.
    #[allow(clippy::type_complexity)]
    fn object_kind(
        &mut self,
        s: &Schema,
        ctx: &Ctx,
        component: Option<&str>,
    ) -> Result<Kind, Error> {
        let (props, required): (Vec<(&String, &ReferenceOr<Box<Schema>>)>, &Vec<String>) =
            match &s.schema_kind {
                SchemaKind::Type(Type::Object(o)) => (o.properties.iter().collect(), &o.required),
                SchemaKind::Any(a) => (a.properties.iter().collect(), &a.required),
                _ => unreachable_kind(),
            };
        let mut props = props;
        props.sort_by(|a, b| a.0.cmp(b.0));
        let mut fields = Vec::new();
        let mut object = None;
        for (pname, pschema) in props {
            let unboxed: ReferenceOr<Schema> = match pschema {
                ReferenceOr::Item(b) => ReferenceOr::Item((**b).clone()),
                ReferenceOr::Reference { reference } => ReferenceOr::Reference {
                    reference: reference.clone(),
                },
            };
            if pname == "object" && !ctx.ser {
                if let ReferenceOr::Item(ps) = &unboxed {
                    if let SchemaKind::Type(Type::String(st)) = &ps.schema_kind {
                        let vals: Vec<&str> = st
                            .enumeration
                            .iter()
                            .flatten()
                            .map(String::as_str)
                            .collect();
                        if vals.len() == 1 {
                            object = Some(vals[0].to_string());
                            continue;
                        }
                    }
                }
            }
            let child = ctx.child(pname);
            let mut ty = self.ty(&unboxed, &child)?;
            let nullable = matches!(&unboxed, ReferenceOr::Item(ps) if ps.schema_data.nullable);
            ty = crate::secrets::mark(self.policy, component, pname, ty, &child.at)?;
            let doc = match &unboxed {
                ReferenceOr::Item(ps) => schema_doc(ps),
                ReferenceOr::Reference { .. } => None,
            };
            fields.push(Field {
                name: pname.clone(),
                ident: field_ident(pname),
                ty,
                required: required.contains(pname) && !nullable,
                doc,
                location: Location::Params,
                boxed: false,
                names_only: self.policy.is_names_only(component, pname),
            });
        }
        Ok(Kind::Struct { fields, object })
    }

    fn new_item(
        &mut self,
        ctx: &Ctx,
        title: Option<&String>,
        kind: Kind,
        doc: Option<String>,
    ) -> ItemId {
        let id = self.model.items.len();
        self.model.items.push(Item {
            name: ctx.parent.clone(),
            long_name: ctx.parent.clone(),
            schema: None,
            title: title.cloned(),
            doc,
            kind,
            roles: Roles {
                de: !ctx.ser,
                ser: ctx.ser,
            },
            area: ctx.area.clone(),
            file: ctx.file.clone(),
            cfg: BTreeSet::new(),
            gated: false,
            unit: None,
            id_alias: None,
            merged_into: None,
            resource: false,
            used_by: Vec::new(),
            module: Vec::new(),
            owner: ctx.owner.clone(),
            path: ctx.path.clone(),
        });
        id
    }

    fn degrade(&mut self, ctx: &Ctx, reason: &str) -> Ty {
        self.model.degraded.push(Degraded {
            at: ctx.at.clone(),
            reason: reason.to_string(),
        });
        Ty::Json
    }

    fn ty(&mut self, s: &ReferenceOr<Schema>, ctx: &Ctx) -> Result<Ty, Error> {
        match s {
            ReferenceOr::Reference { reference } => {
                Ok(Ty::Named(self.component_id(reference, &ctx.at)?))
            }
            ReferenceOr::Item(s) => self.schema_ty(s, ctx),
        }
    }

    fn boxed_ty(&mut self, s: &ReferenceOr<Box<Schema>>, ctx: &Ctx) -> Result<Ty, Error> {
        match s {
            ReferenceOr::Reference { reference } => {
                Ok(Ty::Named(self.component_id(reference, &ctx.at)?))
            }
            ReferenceOr::Item(s) => self.schema_ty(s, ctx),
        }
    }

    fn schema_ty(&mut self, s: &Schema, ctx: &Ctx) -> Result<Ty, Error> {
        let title = s.schema_data.title.as_ref();
        Ok(match &s.schema_kind {
            SchemaKind::Type(Type::String(st)) => {
                let mut values: Vec<String> = st.enumeration.iter().flatten().cloned().collect();
                values.sort();
                values.dedup();
                if !values.is_empty() && values != [""] {
                    values.retain(|v| !v.is_empty());
                    Ty::Named(self.new_item(ctx, title, Kind::Enum { values }, None))
                } else {
                    match &st.format {
                        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Ty::DateTime,
                        VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => {
                            if ctx.ser {
                                Ty::File
                            } else {
                                Ty::Binary
                            }
                        }
                        VariantOrUnknownOrEmpty::Unknown(f) if f == "decimal" => Ty::Decimal,
                        VariantOrUnknownOrEmpty::Unknown(f) if f == "date-time" => Ty::DateTime,
                        _ => Ty::String,
                    }
                }
            }
            SchemaKind::Type(Type::Integer(it)) => match &it.format {
                VariantOrUnknownOrEmpty::Unknown(f) if f == "unix-time" => Ty::Timestamp,
                _ => Ty::I64,
            },
            SchemaKind::Type(Type::Number(_)) => Ty::F64,
            SchemaKind::Type(Type::Boolean(_)) => Ty::Bool,
            SchemaKind::Type(Type::Array(at)) => match &at.items {
                Some(items) => Ty::Vec(Box::new(self.boxed_ty(items, ctx)?)),
                None => Ty::Vec(Box::new(self.degrade(ctx, "array without an item schema"))),
            },
            SchemaKind::Type(Type::Object(o)) => {
                if o.properties.is_empty() {
                    match &o.additional_properties {
                        Some(AdditionalProperties::Schema(v)) => {
                            let vt = self.ty(&v.as_ref().clone(), &ctx.child("value"))?;
                            let null_value = matches!(
                                v.as_ref(),
                                ReferenceOr::Item(vs) if vs.schema_data.nullable
                            );
                            if vt == Ty::String && ctx.ser && null_value {
                                // A value may be `null` (v2 updates: remove that key).
                                Ty::Map(Box::new(Ty::Clearable(Box::new(Ty::String))))
                            } else if vt == Ty::String
                                && (ctx.field == "metadata" || ctx.field.ends_with("metadata"))
                            {
                                Ty::Metadata
                            } else {
                                Ty::Map(Box::new(vt))
                            }
                        }
                        Some(AdditionalProperties::Any(true)) => self.degrade(
                            ctx,
                            "object with arbitrary properties (additionalProperties: true)",
                        ),
                        _ => {
                            if ctx.ser {
                                // An empty parameter object: send `{}`-equivalent (nothing).
                                Ty::Named(self.new_item(
                                    ctx,
                                    title,
                                    Kind::Struct {
                                        fields: vec![],
                                        object: None,
                                    },
                                    None,
                                ))
                            } else {
                                self.degrade(
                                    ctx,
                                    "free-form object: the spec declares no properties",
                                )
                            }
                        }
                    }
                } else if let Some(t) = self.inline_list(o, ctx)? {
                    t
                } else {
                    let id = self.new_item(
                        ctx,
                        title,
                        Kind::Struct {
                            fields: vec![],
                            object: None,
                        },
                        None,
                    );
                    let kind = self.object_kind(s, ctx, None)?;
                    self.model.items[id].kind = kind;
                    Ty::Named(id)
                }
            }
            SchemaKind::AnyOf { any_of: m } | SchemaKind::OneOf { one_of: m } => {
                self.union_ty(m, s, ctx)?
            }
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => self.ty(&all_of[0], ctx)?,
            SchemaKind::Any(a) => {
                if !a.any_of.is_empty() {
                    self.union_ty(&a.any_of, s, ctx)?
                } else if !a.one_of.is_empty() {
                    self.union_ty(&a.one_of, s, ctx)?
                } else if !a.properties.is_empty() {
                    let id = self.new_item(
                        ctx,
                        title,
                        Kind::Struct {
                            fields: vec![],
                            object: None,
                        },
                        None,
                    );
                    let kind = self.object_kind(s, ctx, None)?;
                    self.model.items[id].kind = kind;
                    Ty::Named(id)
                } else {
                    self.degrade(ctx, "schema without a type")
                }
            }
            _ => self.degrade(ctx, "allOf/not composition"),
        })
    }

    /// A response object shaped `{object: "list", data: [T], has_more, url}` is `List<T>`.
    fn inline_list(&mut self, o: &openapiv3::ObjectType, ctx: &Ctx) -> Result<Option<Ty>, Error> {
        if ctx.ser {
            return Ok(None);
        }
        let keys: BTreeSet<&str> = o.properties.keys().map(String::as_str).collect();
        if keys != BTreeSet::from(["data", "has_more", "object", "url"]) {
            return Ok(None);
        }
        let is_list = matches!(o.properties.get("object"), Some(ReferenceOr::Item(p)) if matches!(&p.schema_kind,
            SchemaKind::Type(Type::String(st)) if st.enumeration.len() == 1 && st.enumeration[0].as_deref() == Some("list")));
        if !is_list {
            return Ok(None);
        }
        match o.properties.get("data") {
            Some(ReferenceOr::Item(d)) => match &d.schema_kind {
                SchemaKind::Type(Type::Array(a)) => match &a.items {
                    Some(items) => Ok(Some(Ty::List(Box::new(
                        self.boxed_ty(items, &ctx.child("data"))?,
                    )))),
                    None => Ok(None),
                },
                _ => Ok(None),
            },
            _ => Ok(None),
        }
    }

    fn union_ty(
        &mut self,
        members: &[ReferenceOr<Schema>],
        s: &Schema,
        ctx: &Ctx,
    ) -> Result<Ty, Error> {
        if let Some(exp) = s.schema_data.extensions.get("x-expansionResources") {
            let targets: Vec<String> = exp
                .get("oneOf")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|r| r.get("$ref")?.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let target = if targets.len() == 1 {
                Ty::Named(self.component_id(&targets[0], &ctx.at)?)
            } else {
                let refs: Vec<ReferenceOr<Schema>> = targets
                    .iter()
                    .map(|r| ReferenceOr::Reference {
                        reference: r.clone(),
                    })
                    .collect();
                let variants = self.variants(&refs, ctx)?;
                let title = union_title(&variants);
                Ty::Named(self.new_item(ctx, title.as_ref(), Kind::Union { variants }, None))
            };
            return Ok(Ty::Expandable(Box::new(target)));
        }
        let clearable = members.iter().any(is_empty_string_enum);
        let rest: Vec<ReferenceOr<Schema>> = members
            .iter()
            .filter(|m| !is_empty_string_enum(m))
            .cloned()
            .collect();
        let inner = match rest.len() {
            0 => Ty::String,
            1 => self.ty(&rest[0], ctx)?,
            _ => {
                let id = self.new_item(
                    ctx,
                    s.schema_data.title.as_ref(),
                    Kind::Union { variants: vec![] },
                    None,
                );
                let variants = self.variants(&rest, ctx)?;
                if let Some(t) = union_title(&variants) {
                    self.model.items[id].title = Some(t);
                }
                self.model.items[id].kind = Kind::Union { variants };
                Ty::Named(id)
            }
        };
        Ok(if clearable {
            Ty::Clearable(Box::new(inner))
        } else {
            inner
        })
    }

    fn variants(
        &mut self,
        members: &[ReferenceOr<Schema>],
        ctx: &Ctx,
    ) -> Result<Vec<Variant>, Error> {
        let mut out: Vec<Variant> = Vec::new();
        for (i, m) in members.iter().enumerate() {
            let (name, object, deleted) = match m {
                ReferenceOr::Reference { reference } => {
                    let n = ref_name(reference);
                    let (object, deleted) = self
                        .schema_of(n)
                        .map(object_and_deleted)
                        .unwrap_or((None, false));
                    (type_ident(n), object, deleted)
                }
                ReferenceOr::Item(s) => {
                    let name = match (&s.schema_data.title, &s.schema_kind) {
                        (Some(t), _) => type_ident(t),
                        (None, SchemaKind::Type(Type::String(_))) => "String".into(),
                        (None, SchemaKind::Type(Type::Integer(_))) => "Integer".into(),
                        (None, SchemaKind::Type(Type::Number(_))) => "Number".into(),
                        (None, SchemaKind::Type(Type::Boolean(_))) => "Bool".into(),
                        (None, SchemaKind::Type(Type::Array(_))) => "Array".into(),
                        (None, _) => format!("Variant{i}"),
                    };
                    let (object, deleted) = object_and_deleted(s);
                    (name, object, deleted)
                }
            };
            let mut path = ctx.path.clone();
            path.push(name.clone());
            let vctx = Ctx {
                parent: format!("{}{}", ctx.parent, name),
                path,
                ..ctx.clone()
            };
            let ty = self.ty(m, &vctx)?;
            let mut name = name;
            while out.iter().any(|v| v.name == name) {
                name.push('_');
            }
            out.push(Variant {
                name,
                ty,
                object,
                deleted,
            });
        }
        Ok(out)
    }

    fn convert_operation(&mut self, pending: &Pending<'a>, name: String) -> Result<(), Error> {
        let Pending {
            path,
            method,
            op,
            path_level,
            output,
            stripe,
            path_name,
            ..
        } = pending;
        let (path, method, op, output) = (path.as_str(), *method, *op, output.clone());
        let op_id = op
            .operation_id
            .clone()
            .unwrap_or_else(|| format!("{method} {path}"));
        let area = self.policy.area_for_path(path).to_string();
        let pointer = format!(
            "/paths/{}/{}",
            path.replace('~', "~0").replace('/', "~1"),
            method.to_ascii_lowercase()
        );
        // Endpoints sit beside the resource they answer with, else in a file named by path.
        let answered = match &output {
            Ty::Named(id) => Some(*id),
            Ty::List(t) | Ty::SearchList(t) | Ty::V2List(t) => match t.as_ref() {
                Ty::Named(id) => Some(*id),
                _ => None,
            },
            _ => None,
        };
        let file = match answered {
            Some(id) if self.model.items[id].schema.is_some() => self.model.items[id].file.clone(),
            _ => path
                .split('/')
                .filter(|s| !s.is_empty() && !s.starts_with('{'))
                .skip(1)
                .take(2)
                .map(singular)
                .collect::<Vec<_>>()
                .join("_"),
        };
        let ctx = Ctx {
            parent: name.clone(),
            field: name.clone(),
            at: op_id.clone(),
            ser: true,
            area: area.clone(),
            file: file.clone(),
            owner: name.clone(),
            path: Vec::new(),
        };

        let mut fields = Vec::new();
        for p in path_level.iter().chain(op.parameters.iter()) {
            let ReferenceOr::Item(p) = p else {
                self.model.skipped.push(Degraded {
                    at: op_id.clone(),
                    reason: "parameter given as $ref".into(),
                });
                continue;
            };
            let (data, location) = match p {
                Parameter::Path { parameter_data, .. } => (parameter_data, Location::Path),
                Parameter::Query { parameter_data, .. } => (parameter_data, Location::Params),
                Parameter::Header { parameter_data, .. }
                | Parameter::Cookie { parameter_data, .. } => {
                    self.model.degraded.push(Degraded {
                        at: format!("{op_id}.{}", parameter_data.name),
                        reason: "header/cookie parameter: set it through RequestOptions".into(),
                    });
                    continue;
                }
            };
            let schema = match &data.format {
                openapiv3::ParameterSchemaOrContent::Schema(s) => s.clone(),
                openapiv3::ParameterSchemaOrContent::Content(_) => {
                    self.model.degraded.push(Degraded {
                        at: format!("{op_id}.{}", data.name),
                        reason: "parameter given as content".into(),
                    });
                    continue;
                }
            };
            // Ids come from the spec's links, after conversion (`links`).
            let child = ctx.child(&data.name);
            let mut ty = self.ty(&schema, &child)?;
            if location == Location::Params {
                ty = crate::secrets::mark(self.policy, None, &data.name, ty, &child.at)?;
            }
            fields.push(Field {
                name: data.name.clone(),
                ident: field_ident(&data.name),
                ty,
                required: data.required || location == Location::Path,
                doc: data
                    .description
                    .as_deref()
                    .map(to_markdown)
                    .filter(|d| !d.is_empty()),
                location,
                boxed: false,
                names_only: false,
            });
        }
        let mut encoding = if path.starts_with("/v2/") && method == "POST" {
            Encoding::Json
        } else {
            Encoding::Form
        };
        if let Some(body) = &op.request_body {
            let ReferenceOr::Item(body) = body else {
                return Err(Error::Unsupported {
                    pointer: format!("{pointer}/requestBody"),
                    reason: "requestBody given as $ref".into(),
                });
            };
            let (ct, media) = body
                .content
                .iter()
                .next()
                .ok_or_else(|| Error::Unsupported {
                    pointer: format!("{pointer}/requestBody"),
                    reason: "request body without content".into(),
                })?;
            encoding = match ct.as_str() {
                "application/x-www-form-urlencoded" => Encoding::Form,
                "application/json" => Encoding::Json,
                "multipart/form-data" => Encoding::Multipart,
                other => {
                    return Err(Error::Unsupported {
                        pointer: format!("{pointer}/requestBody/content"),
                        reason: format!("request content type {other}"),
                    })
                }
            };
            if let Some(ReferenceOr::Item(schema)) = &media.schema {
                if let SchemaKind::Type(Type::Object(_)) = &schema.schema_kind {
                    if let Kind::Struct {
                        fields: body_fields,
                        ..
                    } = self.object_kind(schema, &ctx, None)?
                    {
                        for mut f in body_fields {
                            if op_id.contains("MeterEvent") && f.name == "payload" {
                                f.ty = Ty::Secret(Box::new(f.ty));
                            }
                            fields.push(f);
                        }
                    }
                } else {
                    self.model.degraded.push(Degraded {
                        at: op_id.clone(),
                        reason: "request body is not an object".into(),
                    });
                }
            }
        }
        // Path parameters first (constructor order follows the path), the rest by name.
        fields.sort_by(|a, b| (a.location, &a.name).cmp(&(b.location, &b.name)));
        fields.sort_by_key(|f| {
            if f.location == Location::Path {
                path.find(&format!("{{{}}}", f.name)).unwrap_or(0)
            } else {
                usize::MAX
            }
        });
        for f in fields.iter_mut() {
            if op_id.contains("MeterEvent") && f.name == "events" {
                // v2 stream events carry payloads too.
                mark_payload_secret(&mut self.model, &f.ty);
            }
        }
        let doc = {
            let mut d = String::new();
            if let Some(s) = &op.summary {
                d.push_str(&to_markdown(s));
                d.push_str("\n\n");
            }
            if let Some(s) = &op.description {
                let md = to_markdown(s);
                if !d.contains(md.trim()) {
                    d.push_str(&md);
                    d.push_str("\n\n");
                }
            }
            d.push_str(&format!("`{method} {path}`"));
            if let Some(s) = stripe {
                // `Class.method`, as Stripe's SDKs spell it (the class is theirs, not a type here).
                d.push_str(&format!(" · Stripe's SDKs: `{}.{}`", s.class, s.method));
            }
            let answered_schema = answered.and_then(|id| self.model.items[id].schema.clone());
            d.push_str(&format!(
                " · [API reference]({})",
                reference_url(stripe.as_ref(), path, answered_schema.as_deref())
            ));
            Some(d)
        };
        let params = self.new_item(
            &ctx,
            None,
            Kind::Struct {
                fields,
                object: None,
            },
            doc.clone(),
        );
        self.model.items[params].file = file.clone();
        let host = match op.servers.first().map(|s| s.url.as_str()) {
            Some(u) if u.contains("files.") => Host::Files,
            Some(u) if u.contains("meter-events.") => Host::MeterEvents,
            _ => Host::Api,
        };
        self.model.operations.push(Operation {
            id: op_id,
            name,
            method: method.to_string(),
            path: path.to_string(),
            params,
            output,
            host,
            encoding,
            doc,
            unit: self.units.for_path(path),
            area,
            stripe: stripe.clone(),
            path_name: path_name.clone(),
            deprecated_for: None,
            session_auth: answers_session_expired(op),
        });
        Ok(())
    }

    fn operation_output(
        &mut self,
        op: &OaOperation,
        op_id: &str,
        area: &str,
        pointer: &str,
    ) -> Result<(Ty, Option<String>), Error> {
        let resp = op
            .responses
            .responses
            .get(&openapiv3::StatusCode::Code(200))
            .ok_or_else(|| Error::Unsupported {
                pointer: format!("{pointer}/responses"),
                reason: "no 200 response".into(),
            })?;
        let ReferenceOr::Item(resp) = resp else {
            return Err(Error::Unsupported {
                pointer: format!("{pointer}/responses/200"),
                reason: "response given as $ref".into(),
            });
        };
        let Some((ct, media)) = resp.content.iter().next() else {
            return Ok((Ty::Unit, None));
        };
        if ct != "application/json" {
            return Ok((Ty::Binary, None));
        }
        let Some(schema) = &media.schema else {
            return Ok((Ty::Unit, None));
        };
        let ctx = Ctx {
            parent: format!("{}Response", type_ident(op_id)),
            field: "response".into(),
            at: format!("{op_id}.response"),
            ser: false,
            area: area.to_string(),
            file: "responses".into(),
            owner: type_ident(op_id),
            path: vec!["Response".into()],
        };
        if let ReferenceOr::Reference { reference } = schema {
            let n = ref_name(reference).to_string();
            return Ok((Ty::Named(self.component_id(reference, pointer)?), Some(n)));
        }
        let ReferenceOr::Item(s) = schema else {
            unreachable_kind()
        };
        if let SchemaKind::Type(Type::Object(o)) = &s.schema_kind {
            let item_ty = |c: &mut Self| -> Result<Option<Ty>, Error> {
                match o.properties.get("data") {
                    Some(ReferenceOr::Item(d)) => match &d.schema_kind {
                        SchemaKind::Type(Type::Array(a)) => match &a.items {
                            Some(items) => Ok(Some(c.boxed_ty(items, &ctx.child("data"))?)),
                            None => Ok(None),
                        },
                        _ => Ok(None),
                    },
                    _ => Ok(None),
                }
            };
            let object_const = o.properties.get("object").and_then(|p| match p {
                ReferenceOr::Item(p) => match &p.schema_kind {
                    SchemaKind::Type(Type::String(st)) => st.enumeration.first().cloned().flatten(),
                    _ => None,
                },
                _ => None,
            });
            if object_const.as_deref() == Some("list") && o.properties.contains_key("has_more") {
                if let Some(t) = item_ty(self)? {
                    return Ok((Ty::List(Box::new(t)), None));
                }
            }
            if object_const.as_deref() == Some("search_result") {
                if let Some(t) = item_ty(self)? {
                    return Ok((Ty::SearchList(Box::new(t)), None));
                }
            }
            if o.properties.contains_key("next_page_url") && o.properties.contains_key("data") {
                if let Some(t) = item_ty(self)? {
                    return Ok((Ty::V2List(Box::new(t)), None));
                }
            }
            if o.properties.is_empty() {
                return Ok((Ty::Unit, None));
            }
        }
        Ok((self.schema_ty(s, &ctx)?, None))
    }

    fn event_types(&self) -> Vec<String> {
        let Some(ReferenceOr::Item(item)) = self.api.paths.paths.get("/v1/webhook_endpoints")
        else {
            return vec![];
        };
        let Some(post) = &item.post else {
            return vec![];
        };
        let Some(ReferenceOr::Item(body)) = &post.request_body else {
            return vec![];
        };
        let Some(media) = body.content.values().next() else {
            return vec![];
        };
        let Some(ReferenceOr::Item(schema)) = &media.schema else {
            return vec![];
        };
        let SchemaKind::Type(Type::Object(o)) = &schema.schema_kind else {
            return vec![];
        };
        let Some(ReferenceOr::Item(ee)) = o.properties.get("enabled_events") else {
            return vec![];
        };
        let SchemaKind::Type(Type::Array(a)) = &ee.schema_kind else {
            return vec![];
        };
        let Some(ReferenceOr::Item(items)) = &a.items else {
            return vec![];
        };
        let SchemaKind::Type(Type::String(st)) = &items.schema_kind else {
            return vec![];
        };
        let mut v: Vec<String> = st
            .enumeration
            .iter()
            .flatten()
            .filter(|s| s.as_str() != "*")
            .cloned()
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// A union of up to three component schemas is named after them (`CustomerOrDeletedCustomer`),
/// so that the same union in many places becomes one type.
fn union_title(variants: &[Variant]) -> Option<String> {
    if variants.len() > 3
        || !variants
            .iter()
            .all(|v| matches!(v.ty, Ty::Named(_)) && v.object.is_some())
    {
        return None;
    }
    Some(
        variants
            .iter()
            .map(|v| v.name.as_str())
            .collect::<Vec<_>>()
            .join("Or"),
    )
}

fn mark_payload_secret(model: &mut Model, ty: &Ty) {
    let mut refs = BTreeSet::new();
    ty.refs(&mut refs);
    for id in refs {
        if let Kind::Struct { fields, .. } = &mut model.items[id].kind {
            for f in fields.iter_mut().filter(|f| f.name == "payload") {
                if !matches!(f.ty, Ty::Secret(_)) {
                    f.ty = Ty::Secret(Box::new(f.ty.clone()));
                }
            }
        }
    }
}

fn object_and_deleted(s: &Schema) -> (Option<String>, bool) {
    let props = match &s.schema_kind {
        SchemaKind::Type(Type::Object(o)) => &o.properties,
        SchemaKind::Any(a) => &a.properties,
        _ => return (None, false),
    };
    let object = props.get("object").and_then(|p| match p {
        ReferenceOr::Item(p) => match &p.schema_kind {
            SchemaKind::Type(Type::String(st)) if st.enumeration.len() == 1 => {
                st.enumeration[0].clone()
            }
            _ => None,
        },
        _ => None,
    });
    (object, props.contains_key("deleted"))
}

/// The page of Stripe's API reference for an operation: `api/<resources>/<method>` for
/// one in Stripe's table (`https://docs.stripe.com/api/subscriptions/cancel`), else the page
/// of the resource it answers with, else of its path.
fn reference_url(stripe: Option<&StripeName>, path: &str, answered: Option<&str>) -> String {
    let page = |object: &str| -> String {
        let mut parts: Vec<String> = object.split('.').map(str::to_string).collect();
        if let Some(last) = parts.last_mut() {
            *last = crate::stripe_names::plural(last);
        }
        parts.join("/")
    };
    let base = "https://docs.stripe.com/api";
    match (stripe, answered) {
        (Some(s), _) => format!("{base}/{}/{}", page(&s.object), s.method),
        (None, Some(object)) if !object.starts_with("v2.") => {
            format!("{base}/{}", page(object.trim_start_matches("deleted_")))
        }
        _ => {
            let words: Vec<&str> = path
                .split('/')
                .filter(|s| !s.is_empty() && !s.starts_with('{'))
                .collect();
            let (version, rest) = words.split_first().unwrap_or((&"v1", &[]));
            let rest = rest.iter().take(2).copied().collect::<Vec<_>>().join("/");
            if *version == "v2" {
                format!("{base}/v2/{rest}")
            } else {
                format!("{base}/{rest}")
            }
        }
    }
}

/// The final struct names of `ops`, in order; `taken` are the component types' names.
///
/// An operation in Stripe's table is named by [`StripeName::struct_name`], any other by
/// [`operation_name`]. Where two operations would get the same name, the one on the
/// resource's own path keeps it, and the other is told apart by its path:
/// - nested under a parent object, the parent goes before the resource (unless it is there
///   already), for every operation under that parent's collection (`/v1/charges/{charge}/refunds/..` gives
///   `ListChargeRefunds`, `RetrieveChargeRefund`, beside `ListRefunds` of `/v1/refunds`);
/// - a path without an id (`/v1/account`, the account of the API key) takes `Current`
///   (`RetrieveCurrentAccount`, beside `RetrieveAccount` of `/v1/accounts/{account}`).
///
/// A clash the rule cannot settle is an error, never a number.
fn operation_names(ops: &[Pending<'_>], taken: &BTreeSet<String>) -> Result<Vec<String>, Error> {
    // (verb, resource): the parts a qualifier goes between.
    let parts: Vec<(String, String)> = ops
        .iter()
        .map(|p| {
            let name = match &p.stripe {
                Some(s) => {
                    let verb = s.verb();
                    let full = s.struct_name(&p.path);
                    return (verb.clone(), full[verb.len()..].to_string());
                }
                None => &p.path_name,
            };
            let cut = name[1..]
                .find(|c: char| c.is_ascii_uppercase())
                .map_or(name.len(), |i| i + 1);
            (name[..cut].to_string(), name[cut..].to_string())
        })
        .collect();
    let mut names: Vec<String> = parts.iter().map(|(v, r)| format!("{v}{r}")).collect();
    let clashes = |names: &[String]| -> Vec<usize> {
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for n in names {
            *count.entry(n.as_str()).or_default() += 1;
        }
        (0..names.len())
            .filter(|&i| count[names[i].as_str()] > 1 || taken.contains(&names[i]))
            .collect()
    };
    // Nested under a parent: `/v1/charges/{charge}/refunds` of `/v1/charges/{charge}/refunds/{refund}`.
    let nested = |path: &str| -> Option<(String, String)> {
        let segs: Vec<&str> = path.split('/').collect();
        let first_param = segs.iter().position(|s| s.starts_with('{'))?;
        let collection = segs[first_param + 1..]
            .iter()
            .position(|s| !s.starts_with('{'))?
            + first_param
            + 1;
        let parent = type_ident(&singular(segs[first_param - 1]));
        Some((segs[..=collection].join("/"), parent))
    };
    let qualified: BTreeSet<String> = clashes(&names)
        .into_iter()
        .filter_map(|i| nested(&ops[i].path).map(|(c, _)| c))
        .collect();
    for (i, p) in ops.iter().enumerate() {
        if let Some((collection, parent)) = nested(&p.path) {
            if qualified.contains(&collection) && !parts[i].1.starts_with(&parent) {
                names[i] = format!("{}{parent}{}", parts[i].0, parts[i].1);
            }
        }
    }
    for i in clashes(&names) {
        if !ops[i].path.contains('{') {
            names[i] = format!("{}Current{}", parts[i].0, parts[i].1);
        }
    }
    let left = clashes(&names);
    if !left.is_empty() {
        return Err(Error::Unsupported {
            pointer: "/paths".into(),
            reason: format!(
                "operation names clash and the naming rule cannot settle it: {}",
                left.iter()
                    .map(|&i| format!("{} {} → {}", ops[i].method, ops[i].path, names[i]))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        });
    }
    Ok(names)
}

/// The Rust name of an operation's parameter struct, from its method and path shape.
pub fn operation_name(
    method: &str,
    path: &str,
    get_paths: &BTreeSet<String>,
    output_schema: Option<&str>,
    output: &Ty,
) -> String {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let v2 = segs.first() == Some(&"v2");
    let segs = &segs[1..];
    let is_param = |s: &str| s.starts_with('{');
    let last = segs.last().copied().unwrap_or("");
    // Literal words, singular where a path parameter follows them.
    let mut words: Vec<String> = Vec::new();
    for (i, s) in segs.iter().enumerate() {
        if is_param(s) {
            continue;
        }
        let followed_by_param = segs.get(i + 1).is_some_and(|n| is_param(n));
        words.push(if followed_by_param {
            singular(s)
        } else {
            s.to_string()
        });
    }
    let prefix = if v2 { "V2" } else { "" };
    let noun = |ws: &[String]| -> String {
        format!(
            "{prefix}{}",
            ws.iter().map(|w| type_ident(w)).collect::<String>()
        )
    };
    if is_param(last) {
        let verb = match method {
            "GET" => "Retrieve",
            "POST" => "Update",
            _ => "Delete",
        };
        return format!("{verb}{}", noun(&words));
    }
    let prev_is_param = segs.len() >= 2 && is_param(segs[segs.len() - 2]);
    let mut ws = words.clone();
    match method {
        "GET" => {
            let verb = match output {
                Ty::List(_) | Ty::V2List(_) => "List",
                Ty::SearchList(_) => "Search",
                _ => "Retrieve",
            };
            if verb == "Search" && last == "search" {
                ws.pop();
            }
            format!("{verb}{}", noun(&ws))
        }
        "POST" => {
            let answers_last =
                output_schema.is_some_and(|o| singular(last) == o.rsplit('.').next().unwrap_or(o));
            if prev_is_param && !get_paths.contains(path) && !answers_last {
                let action = ws.pop().unwrap_or_default();
                format!("{}{}", type_ident(&action), noun(&ws))
            } else {
                if let Some(l) = ws.last_mut() {
                    *l = singular(l);
                }
                format!("Create{}", noun(&ws))
            }
        }
        _ => {
            if let Some(l) = ws.last_mut() {
                *l = singular(l);
            }
            format!("Delete{}", noun(&ws))
        }
    }
}

fn unreachable_kind() -> ! {
    // Only called on kinds checked by the caller's match.
    panic!("internal error: schema kind changed between checks")
}

/// `true` when an error answer of `op` is a `billing_meter_event_session_expired` error: the
/// operation authenticates with a meter event session's token, not the API key (the spec has
/// no `security` of its own for it; this error is how it says so).
fn answers_session_expired(op: &OaOperation) -> bool {
    fn names(s: &ReferenceOr<Schema>) -> bool {
        match s {
            ReferenceOr::Reference { reference } => {
                ref_name(reference).ends_with("billing_meter_event_session_expired")
            }
            ReferenceOr::Item(s) => match &s.schema_kind {
                SchemaKind::OneOf { one_of: v } | SchemaKind::AnyOf { any_of: v } => {
                    v.iter().any(names)
                }
                _ => false,
            },
        }
    }
    op.responses
        .default
        .iter()
        .chain(op.responses.responses.values())
        .filter_map(|r| match r {
            ReferenceOr::Item(r) => Some(r),
            ReferenceOr::Reference { .. } => None,
        })
        .flat_map(|r| r.content.values())
        .filter_map(|m| m.schema.as_ref())
        .any(names)
}
