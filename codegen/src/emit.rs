//! Model → Rust tokens → formatted files. Reads only the model.

use crate::model::*;
use crate::names::{field_ident, type_ident};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use std::collections::{BTreeMap, BTreeSet};

/// Setter names that would shadow the client's extension methods or the constructor.
const RESERVED_METHODS: &[&str] = &[
    "new",
    "send",
    "send_with",
    "send_with_response",
    "stream",
    "endpoint",
    "build",
];

/// The files of `stripe-types/src/generated`, relative to it, plus the features list.
pub struct Emitted {
    /// Relative path → formatted source.
    pub files: BTreeMap<String, String>,
    /// Area features in use (besides `core`, which is always compiled).
    pub features: BTreeSet<String>,
    /// Unformatted source bytes of every item, with the features that compile it.
    pub item_bytes: Vec<(BTreeSet<String>, usize)>,
}

fn ident(s: &str) -> Ident {
    if let Some(raw) = s.strip_prefix("r#") {
        Ident::new_raw(raw, Span::call_site())
    } else {
        Ident::new(s, Span::call_site())
    }
}

fn doc_attrs(doc: Option<&str>) -> TokenStream {
    let Some(doc) = doc else { return quote!() };
    let lines = doc.lines().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {}", l.replace("```", "'''"))
        };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

fn cfg_attr(cfg: &BTreeSet<String>) -> TokenStream {
    if cfg.is_empty() {
        return quote!();
    }
    let p = cfg_pred(cfg);
    quote!(#[cfg(#p)])
}

/// The predicate "one of the features `cfg` is on" (`cfg` is not empty).
fn cfg_pred(cfg: &BTreeSet<String>) -> TokenStream {
    let fs = cfg.iter().map(|f| quote!(feature = #f));
    if cfg.len() == 1 {
        quote!(#(#fs)*)
    } else {
        quote!(any(#(#fs),*))
    }
}

/// The path of item `id` from `root` (`crate` or `stripe_types`): `root::Name` for the
/// root's types, `root::payment_intent::CaptureMethod` for a resource module's.
fn item_path(m: &Model, id: ItemId, root: TokenStream) -> TokenStream {
    let item = &m.items[m.resolve(id)];
    let mods = item.module.iter().map(|s| ident(s));
    let n = ident(&item.name);
    quote!(#root #(::#mods)* :: #n)
}

/// The attribute that declares a file of `ids` only where one of them is compiled, so that a
/// build with none of their features on does not even parse it; nothing when one of them is
/// always compiled, or names its id where it is off (a gated resource's id alias).
///
/// It applies outside docs.rs only: there every feature is on, and the badge of each item
/// names the features of the item itself, not of the file it sits in.
fn file_gate(m: &Model, ids: &[ItemId]) -> TokenStream {
    let mut on = BTreeSet::new();
    for &id in ids {
        let item = &m.items[id];
        if item.cfg.is_empty() || (item.gated && item.id_alias.is_some()) {
            return quote!();
        }
        on.extend(item.cfg.iter().cloned());
    }
    if on.is_empty() {
        return quote!();
    }
    let p = cfg_pred(&on);
    quote!(#[cfg_attr(not(docsrs), cfg(#p))])
}

/// The features under which an item's id alias is declared (empty: always): a gated item's
/// alias is always declared.
fn alias_cfg(item: &Item) -> BTreeSet<String> {
    if item.gated {
        BTreeSet::new()
    } else {
        item.cfg.clone()
    }
}

/// `#[cfg(..)]` for code that needs every one of `sets` (each: one of its features on; empty:
/// always).
fn cfg_all(sets: &[BTreeSet<String>]) -> TokenStream {
    let preds: Vec<TokenStream> = sets
        .iter()
        .filter(|s| !s.is_empty())
        .map(cfg_pred)
        .collect();
    match preds.len() {
        0 => quote!(),
        1 => quote!(#[cfg(#(#preds)*)]),
        _ => quote!(#[cfg(all(#(#preds),*))]),
    }
}

/// The path of item `id` through `crate::gated`, for references that only name it.
fn gated_path(m: &Model, id: ItemId) -> TokenStream {
    let n = ident(&m.items[m.resolve(id)].name);
    quote!(crate::gated::#n)
}

/// `crate::gated`: each gated item, re-exported where its features are on, and a stand-in
/// that keeps the object's JSON where they are off.
fn gated_module(m: &Model) -> TokenStream {
    let mut ids: Vec<ItemId> = (0..m.items.len())
        .filter(|&i| m.items[i].gated && m.items[i].merged_into.is_none())
        .collect();
    ids.sort_by(|a, b| m.items[*a].name.cmp(&m.items[*b].name));
    let defs = ids.iter().map(|&id| {
        let item = &m.items[id];
        let n = ident(&item.name);
        let path = item_path(m, id, quote!(crate));
        let on = cfg_pred(&item.cfg);
        let names: Vec<String> = item.cfg.iter().map(|f| format!("`{f}`")).collect();
        let turn_on = match names.as_slice() {
            [one] => format!("feature {one}"),
            more => format!("one of the features {}", more.join(", ")),
        };
        let d = format!(
            " Stand-in for `{}`, which this build leaves out: turn on {turn_on} for the typed \
             object. An expanded object keeps its JSON \
             ([`Unavailable`](crate::rt::Unavailable)); the id stays typed.",
            item.name
        );
        quote! {
            #[cfg(#on)]
            pub use #path;
            #[cfg(not(#on))]
            crate::rt::stand_in!(#[doc = #d] #n);
        }
    });
    quote! {
        //! Resources that an enabled type names (an expandable field's object, a typed id's
        //! resource) but that other features compile.
        //!
        //! Each is re-exported here when one of its features is on. When they are all off, a
        //! stand-in of the same name takes its place: the id stays typed, and an expanded
        //! object decodes into [`Unavailable`](crate::rt::Unavailable) with its JSON.
        #(#defs)*
    }
}

/// The path of the typed-id alias of item `id` (beside the item).
fn alias_path(m: &Model, id: ItemId, alias: &str) -> TokenStream {
    let item = &m.items[m.resolve(id)];
    let mods = item.module.iter().map(|s| ident(s));
    let a = ident(alias);
    quote!(crate #(::#mods)* :: #a)
}

struct Emitter<'a> {
    m: &'a Model,
    header: String,
}

impl<'a> Emitter<'a> {
    fn ty(&self, t: &Ty) -> TokenStream {
        match t {
            Ty::Bool => quote!(bool),
            Ty::I64 => quote!(i64),
            Ty::F64 => quote!(f64),
            Ty::String => quote!(String),
            Ty::Timestamp => quote!(crate::rt::Timestamp),
            Ty::DateTime => quote!(crate::rt::DateTime),
            Ty::Decimal => quote!(crate::rt::Decimal),
            Ty::File => quote!(crate::rt::FileUpload),
            Ty::Json | Ty::Unit => quote!(serde_json::Value),
            Ty::Binary => quote!(crate::rt::Binary),
            Ty::Metadata => quote!(crate::rt::Metadata),
            Ty::Named(id) => item_path(self.m, *id, quote!(crate)),
            Ty::Id(id) => {
                let item = &self.m.items[self.m.resolve(*id)];
                match &item.id_alias {
                    Some(a) => alias_path(self.m, *id, a),
                    None => quote!(String),
                }
            }
            Ty::Vec(t) => {
                let t = self.ty(t);
                quote!(Vec<#t>)
            }
            Ty::Map(t) if matches!(&**t, Ty::Clearable(v) if **v == Ty::String) => {
                quote!(crate::rt::MetadataUpdate)
            }
            Ty::Map(t) => {
                let t = self.ty(t);
                quote!(std::collections::BTreeMap<String, #t>)
            }
            Ty::Expandable(inner) => {
                let t = self.named_ty(inner);
                // An object that may come deleted: the live object's id.
                match &**inner {
                    Ty::Named(u) => match crate::links::union_target(self.m, *u) {
                        Some(live) if live != self.m.resolve(*u) => {
                            let id = self.ty(&Ty::Id(live));
                            quote!(crate::rt::Expandable<#t, #id>)
                        }
                        _ => quote!(crate::rt::Expandable<#t>),
                    },
                    _ => quote!(crate::rt::Expandable<#t>),
                }
            }
            Ty::Clearable(t) => {
                let t = self.ty(t);
                quote!(crate::rt::Clearable<#t>)
            }
            Ty::Secret(t) => {
                let t = self.ty(t);
                quote!(crate::rt::Secret<#t>)
            }
            Ty::List(t) => {
                let t = self.ty(t);
                quote!(crate::rt::List<#t>)
            }
            Ty::SearchList(t) => {
                let t = self.ty(t);
                quote!(crate::rt::SearchList<#t>)
            }
            Ty::V2List(t) => {
                let t = self.ty(t);
                quote!(crate::rt::V2List<#t>)
            }
        }
    }

    /// The type of a reference that only names its target (an expandable field's object, a
    /// names-only field's): through `crate::gated` when the target may be off.
    fn named_ty(&self, t: &Ty) -> TokenStream {
        match t {
            Ty::Named(id) if self.m.items[self.m.resolve(*id)].gated => gated_path(self.m, *id),
            t => self.ty(t),
        }
    }

    /// A field's type as stored: `rt::Boxed` when the field closes a cycle; through
    /// `crate::gated` when the field only names an object that may be off.
    fn stored_ty(&self, f: &Field) -> TokenStream {
        let t = if f.names_only {
            self.named_ty(&f.ty)
        } else {
            self.ty(&f.ty)
        };
        if f.boxed {
            quote!(crate::rt::Boxed<#t>)
        } else {
            t
        }
    }

    fn field_ty(&self, f: &Field) -> TokenStream {
        let t = self.stored_ty(f);
        if f.required {
            t
        } else {
            quote!(Option<#t>)
        }
    }

    fn item(&self, id: ItemId, ops: &BTreeMap<ItemId, &Operation>) -> TokenStream {
        let item = &self.m.items[id];
        match &item.kind {
            Kind::Struct { fields, object } => {
                self.strukt(id, fields, object.as_deref(), ops.get(&id).copied())
            }
            Kind::Enum { values } => self.enumeration(id, values),
            Kind::Union { variants } => self.union(id, variants),
        }
    }

    fn strukt(
        &self,
        id: ItemId,
        fields: &[Field],
        object: Option<&str>,
        op: Option<&Operation>,
    ) -> TokenStream {
        let item = &self.m.items[id];
        let name = ident(&item.name);
        let cfg = cfg_attr(&item.cfg);
        let de = item.roles.de && op.is_none();
        let ser = item.roles.ser || op.is_some();
        let what = if de { "field" } else { "parameter" };
        let fallback = match &item.schema {
            // A nested component ([`crate::nesting`]): its field path, and the spec's name.
            Some(schema) if !item.path.is_empty() => format!(
                "`{}` of {} (the spec's `{schema}`).",
                field_path(item),
                used_by(self.m, item)
            ),
            Some(schema) => format!("The `{schema}` object."),
            None if de => format!("`{}` of {}.", field_path(item), used_by(self.m, item)),
            None => format!(
                "`{}` in the parameters of {}.",
                field_path(item),
                used_by(self.m, item)
            ),
        };
        let doc = doc_attrs(Some(item.doc.as_deref().unwrap_or(&fallback)));
        let decls = fields.iter().map(|f| {
            let fd = doc_attrs(Some(&self.param_doc(id, f, what)));
            let fi = ident(&f.ident);
            let ft = self.field_ty(f);
            quote!(#fd pub #fi: #ft,)
        });
        let extra = if de {
            quote!(
                /// Fields the pinned spec does not name, kept as raw JSON.
                pub extra: crate::rt::Extra,
            )
        } else {
            quote!()
        };
        let derive_default = if !de && fields.iter().all(|f| !f.required) {
            quote!(Default,)
        } else {
            quote!()
        };
        // A legacy alias says which operation to use instead.
        let deprecated = match op.and_then(|o| o.deprecated_for.as_ref()) {
            Some(sdk) => {
                let note = format!("use `{sdk}`: this operation's path is a legacy alias that Stripe's SDKs do not expose");
                quote!(#[deprecated(note = #note)])
            }
            None => quote!(),
        };
        let mut out = quote! {
            #doc
            #cfg
            #deprecated
            #[derive(Clone, Debug, #derive_default)]
            #[non_exhaustive]
            pub struct #name { #(#decls)* #extra }
        };
        if let Some(obj) = object {
            out.extend(quote! {
                #cfg
                impl #name {
                    /// The value of this object's `object` field.
                    pub const OBJECT_NAME: &'static str = #obj;
                }
            });
        }
        if let Some(alias) = &item.id_alias {
            let a = ident(alias);
            let d = format!(" The id of a [`{}`].", item.name);
            // A gated resource's id is named even where the resource is off.
            out.extend(if item.gated {
                let g = gated_path(self.m, id);
                quote! { #[doc = #d] pub type #a = crate::rt::Id<#g>; }
            } else {
                quote! { #[doc = #d] #cfg pub type #a = crate::rt::Id<#name>; }
            });
        }
        if de {
            out.extend(self.struct_de(id, fields, object));
            let id_expr = match fields.iter().find(|f| f.name == "id") {
                Some(f) if f.required && matches!(f.ty, Ty::String | Ty::Id(_)) => {
                    quote!(Some(&self.id))
                }
                Some(f) if matches!(f.ty, Ty::String | Ty::Id(_)) => quote!(self.id.as_deref()),
                _ => quote!(None),
            };
            out.extend(quote! {
                #cfg
                impl crate::rt::HasId for #name {
                    fn id_str(&self) -> Option<&str> { #id_expr }
                }
            });
        }
        if ser || de {
            out.extend(self.struct_ser(id, fields, object, ser, de));
        }
        if ser {
            out.extend(self.builder(id, fields));
        }
        if let Some(op) = op {
            out.extend(self.endpoint(op, fields));
            if op.deprecated_for.is_some() {
                return allow_deprecated(out);
            }
        }
        out
    }

    fn struct_de(&self, id: ItemId, fields: &[Field], object: Option<&str>) -> TokenStream {
        let item = &self.m.items[id];
        let name = ident(&item.name);
        let cfg = cfg_attr(&item.cfg);
        let expecting = format!("a {} object", item.schema.as_deref().unwrap_or(&item.name));
        let vars: Vec<Ident> = (0..fields.len()).map(|i| format_ident!("f{}", i)).collect();
        // The slots live in one local struct, so that an error drops them with one call
        // (`drop_in_place::<Slots>`) instead of a ladder of drops per exit. A `Slot` drops
        // its value out of line (one shared function per type, in `rt::json`), so no field
        // type's drop glue is compiled into the decoder's codegen unit.
        let decl = fields.iter().zip(&vars).map(|(f, v)| {
            let t = self.stored_ty(f);
            quote!(#v: crate::rt::json::Slot<#t>,)
        });
        // The key table, sorted as `str` orders (`Reader::fields` binary-searches it), and
        // for each key the slot its value goes to.
        let mut table: Vec<(&str, TokenStream)> = fields
            .iter()
            .zip(&vars)
            .map(|(f, v)| {
                let read = if f.required {
                    quote!(r.required(&mut b.#v))
                } else {
                    quote!(r.optional(&mut b.#v))
                };
                (f.name.as_str(), read)
            })
            .collect();
        if object.is_some() && !fields.iter().any(|f| f.name == "object") {
            table.push(("object", quote!(r.skip())));
        }
        table.sort_by(|a, b| a.0.cmp(b.0));
        let keys = table.iter().map(|(k, _)| *k);
        let arms = table.iter().enumerate().map(|(i, (_, read))| {
            let i = proc_macro2::Literal::usize_unsuffixed(i);
            quote!(#i => #read,)
        });
        // The required fields are taken together; the optional ones are taken as the
        // struct is built. When a required one is missing, what was taken is discarded
        // out of line (`rt::json::discard`) and the error names the first one missing.
        let req: Vec<(&Field, &Ident)> = fields
            .iter()
            .zip(&vars)
            .filter(|(f, _)| f.required)
            .collect();
        let build = fields.iter().zip(&vars).map(|(f, v)| {
            let fi = ident(&f.ident);
            if f.required {
                quote!(#fi: #v,)
            } else {
                quote!(#fi: b.#v.take(),)
            }
        });
        let finish = if req.is_empty() {
            quote!(Ok(#name { #(#build)* extra }))
        } else {
            let rv: Vec<&Ident> = req.iter().map(|(_, v)| *v).collect();
            let idx = (0..req.len()).map(syn::Index::from);
            let rk = req.iter().map(|(f, _)| &f.name);
            quote! {
                match (#(b.#rv.take(),)*) {
                    (#(Some(#rv),)*) => Ok(#name { #(#build)* extra }),
                    taken => {
                        let name = crate::rt::json::first_missing(&[#((taken.#idx.is_none(), #rk)),*]);
                        crate::rt::json::discard((taken, extra));
                        Err(r.missing(name))
                    }
                }
            }
        };
        let slots = if fields.is_empty() {
            quote!()
        } else {
            quote! {
                struct Slots { #(#decl)* }
                let mut b = Slots { #(#vars: crate::rt::json::Slot::new()),* };
            }
        };
        quote! {
            #cfg
            impl crate::rt::Decode for #name {
                // Out of line: the field decoders that call it would each inline a copy.
                #[inline(never)]
                fn decode(r: &mut crate::rt::json::Reader<'_>) -> crate::rt::json::Result<Self> {
                    #slots
                    let extra = r.fields(#expecting, &[#(#keys),*], &mut |r, i| match i {
                        #(#arms)*
                        _ => r.skip(),
                    })?;
                    #finish
                }
            }
            #cfg
            impl<'de> serde::Deserialize<'de> for #name {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    crate::rt::json::deserialize(d)
                }
            }
        }
    }

    fn struct_ser(
        &self,
        id: ItemId,
        fields: &[Field],
        object: Option<&str>,
        ser: bool,
        de: bool,
    ) -> TokenStream {
        let item = &self.m.items[id];
        let name = ident(&item.name);
        let cfg = cfg_attr(&item.cfg);
        let gate = if ser {
            quote!()
        } else {
            quote!(#[cfg(feature = "serialize")])
        };
        let entries = fields
            .iter()
            .filter(|f| f.location == Location::Params)
            .map(|f| {
                let fi = ident(&f.ident);
                let key = &f.name;
                if f.required {
                    quote!(map.serialize_entry(#key, &self.#fi)?;)
                } else {
                    quote!(if let Some(v) = &self.#fi { map.serialize_entry(#key, v)?; })
                }
            });
        let obj = match object {
            Some(o) if de => quote!(map.serialize_entry("object", #o)?;),
            _ => quote!(),
        };
        let extra = if de {
            quote!(for (k, v) in self.extra.iter() {
                map.serialize_entry(k, v)?;
            })
        } else {
            quote!()
        };
        let has_entries =
            de || object.is_some() || fields.iter().any(|f| f.location == Location::Params);
        let map_decl = if has_entries {
            quote!(let mut map)
        } else {
            quote!(let map)
        };
        quote! {
            #cfg
            #gate
            impl serde::Serialize for #name {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    use serde::ser::SerializeMap;
                    #map_decl = s.serialize_map(None)?;
                    #(#entries)*
                    #obj
                    #extra
                    map.end()
                }
            }
        }
    }

    fn setter_arg(&self, t: &Ty) -> (TokenStream, TokenStream) {
        // (argument type, conversion expression of `v`)
        match t {
            Ty::Vec(inner) => {
                let it = self.ty(inner);
                (
                    quote!(impl IntoIterator<Item = impl Into<#it>>),
                    quote!(v.into_iter().map(Into::into).collect()),
                )
            }
            _ => {
                let tt = self.ty(t);
                (quote!(impl Into<#tt>), quote!(v.into()))
            }
        }
    }

    fn builder(&self, id: ItemId, fields: &[Field]) -> TokenStream {
        let item = &self.m.items[id];
        let name = ident(&item.name);
        let cfg = cfg_attr(&item.cfg);
        let de = item.roles.de && !self.m.operations.iter().any(|o| o.params == id);
        let required: Vec<&Field> = fields.iter().filter(|f| f.required).collect();
        let by_name = takes_args_struct(self.m, fields);
        let args_name = format_ident!("{}Args", item.name);
        let args = required.iter().map(|f| {
            let fi = ident(&f.ident);
            let (at, _) = self.setter_arg(&f.ty);
            quote!(#fi: #at)
        });
        let inits = fields.iter().map(|f| {
            let fi = ident(&f.ident);
            if f.required {
                let conv = match (&f.ty, by_name) {
                    (_, true) => quote!(args.#fi),
                    (Ty::Vec(_), false) => quote!(#fi.into_iter().map(Into::into).collect()),
                    _ => quote!(#fi.into()),
                };
                if f.boxed {
                    quote!(#fi: crate::rt::Boxed::new(#conv),)
                } else {
                    quote!(#fi: #conv,)
                }
            } else {
                quote!(#fi: None,)
            }
        });
        let extra_init = if de {
            quote!(extra: Default::default(),)
        } else {
            quote!()
        };
        let listed = required
            .iter()
            .map(|f| format!("`{}`", f.name))
            .collect::<Vec<_>>()
            .join(", ");
        let (new_doc, signature, args_struct) = if by_name {
            let decls = required.iter().map(|f| {
                let fd = doc_attrs(Some(&self.param_doc(id, f, "parameter")));
                let fi = ident(&f.ident);
                let ft = self.ty(&f.ty);
                quote!(#fd pub #fi: #ft,)
            });
            let d = format!(
                " The required parameters of [`{0}::new`], by name: two of them have one type, \
                 so a positional call could swap them unnoticed.",
                item.name
            );
            (
                format!(" Start with the required parameters, named in [`{args_name}`]: {listed}."),
                quote!(args: #args_name),
                quote! {
                    #[doc = #d]
                    #cfg
                    #[derive(Clone, Debug)]
                    pub struct #args_name { #(#decls)* }
                },
            )
        } else if required.is_empty() {
            (
                " Start with no parameters set.".to_string(),
                quote!(),
                quote!(),
            )
        } else {
            (
                format!(" Start with the required parameters: {listed}."),
                quote!(#(#args),*),
                quote!(),
            )
        };
        let setters = fields.iter().filter(|f| !f.required).map(|f| {
            let method = setter_ident(f);
            let fi = ident(&f.ident);
            let (at, conv) = self.setter_arg(&f.ty);
            let fd = doc_attrs(Some(&self.param_doc(id, f, "parameter")));
            let val = if f.boxed {
                quote!(crate::rt::Boxed::new(#conv))
            } else {
                conv
            };
            quote! {
                #fd
                pub fn #method(mut self, v: #at) -> Self { self.#fi = Some(#val); self }
            }
        });
        quote! {
            #args_struct
            #cfg
            impl #name {
                #[doc = #new_doc]
                #[allow(clippy::new_without_default, clippy::too_many_arguments)]
                pub fn new(#signature) -> Self {
                    Self { #(#inits)* #extra_init }
                }
                #(#setters)*
            }
        }
    }

    fn endpoint(&self, op: &Operation, fields: &[Field]) -> TokenStream {
        let item = &self.m.items[op.params];
        let name = ident(&item.name);
        let cfg = cfg_attr(&item.cfg);
        // An empty object's answer (`{}`) is `rt::Empty`, not untyped JSON.
        let output = match op.output {
            Ty::Unit => quote!(crate::rt::Empty),
            _ => self.ty(&op.output),
        };
        let op_id = &op.id;
        let method = match op.method.as_str() {
            "GET" => quote!(crate::rt::Method::Get),
            "POST" => quote!(crate::rt::Method::Post),
            _ => quote!(crate::rt::Method::Delete),
        };
        let host = match op.host {
            Host::Api => quote!(crate::rt::Host::Api),
            Host::Files => quote!(crate::rt::Host::Files),
            Host::MeterEvents => quote!(crate::rt::Host::MeterEvents),
        };
        let encoding = match op.encoding {
            Encoding::Form => quote!(crate::rt::Encoding::Form),
            Encoding::Json => quote!(crate::rt::Encoding::Json),
            Encoding::Multipart => quote!(crate::rt::Encoding::Multipart),
        };
        let response = if op.output == Ty::Binary {
            quote!(crate::rt::ResponseKind::Binary)
        } else {
            quote!(crate::rt::ResponseKind::Json)
        };
        let pagination = match &op.output {
            Ty::List(_) => quote!(crate::rt::Pagination::List),
            Ty::SearchList(_) => quote!(crate::rt::Pagination::Search),
            Ty::V2List(_) => quote!(crate::rt::Pagination::V2List),
            _ => quote!(crate::rt::Pagination::None),
        };
        // Path: literal or format! with encoded segments.
        let mut fmt = String::new();
        let mut args = Vec::new();
        for seg in op.path.split('/').filter(|s| !s.is_empty()) {
            fmt.push('/');
            if let Some(p) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                fmt.push_str("{}");
                let f = fields
                    .iter()
                    .find(|f| f.name == p)
                    .map(|f| ident(&f.ident))
                    .unwrap_or_else(|| ident(&field_ident(p)));
                args.push(quote!(crate::rt::encode_path_segment(&self.#f)));
            } else {
                fmt.push_str(seg);
            }
        }
        let path = if args.is_empty() {
            quote!(std::borrow::Cow::Borrowed(#fmt))
        } else {
            quote!(std::borrow::Cow::Owned(format!(#fmt, #(#args),*)))
        };
        let validate = crate::checks::validate_fn(self.m, op, fields);
        let auth = if op.session_auth {
            quote! {
                fn auth(&self) -> crate::rt::Auth {
                    crate::rt::Auth::MeterEventSession
                }
            }
        } else {
            quote!()
        };
        quote! {
            #cfg
            impl crate::rt::StripeRequest for #name {
                type Output = #output;
                #validate
                #auth
                fn endpoint(&self) -> crate::rt::Endpoint {
                    crate::rt::Endpoint {
                        operation_id: #op_id,
                        method: #method,
                        path: #path,
                        host: #host,
                        encoding: #encoding,
                        response: #response,
                        pagination: #pagination,
                    }
                }
            }
        }
    }

    fn enumeration(&self, id: ItemId, values: &[String]) -> TokenStream {
        let item = &self.m.items[id];
        let name = ident(&item.name);
        let cfg = cfg_attr(&item.cfg);
        let doc = doc_attrs(Some(item.doc.as_deref().unwrap_or(&format!(
            "Values of `{}` in {}.",
            field_path(item),
            used_by(self.m, item)
        ))));
        let mut used = BTreeSet::new();
        let variants: Vec<Ident> = values
            .iter()
            .map(|v| {
                let mut n = type_ident(v);
                if n == "Unknown" {
                    n = "UnknownValue".into();
                }
                while !used.insert(n.clone()) {
                    n.push('_');
                }
                ident(&n)
            })
            .collect();
        let docs = values.iter().map(|v| format!(" `{v}`"));
        let as_str = variants
            .iter()
            .zip(values)
            .map(|(v, s)| quote!(#name::#v => #s,));
        let (names, from) = from_table(&quote!(#name), &variants, values);
        let conversions = self.enum_conversions(id);
        // Only response enums are decoded (a non-generic impl is always compiled).
        let decode = if item.roles.de {
            quote! {
                #cfg
                impl crate::rt::Decode for #name {
                    fn decode(r: &mut crate::rt::json::Reader<'_>) -> crate::rt::json::Result<Self> { r.str_enum() }
                }
            }
        } else {
            quote!()
        };
        quote! {
            #doc
            #cfg
            #[derive(Clone, Debug, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum #name {
                #(#[doc = #docs] #variants,)*
                /// A value this version of the SDK does not know; kept as sent.
                Unknown(String),
            }
            #cfg
            impl #name {
                /// The value as sent on the wire.
                pub fn as_str(&self) -> &str {
                    match self { #(#as_str)* #name::Unknown(v) => v }
                }
            }
            #cfg
            impl std::str::FromStr for #name {
                type Err = std::convert::Infallible;
                // Out of line: the decoder calls it too, and a copy of the match there
                // would double this enum's code.
                #[inline(never)]
                fn from_str(s: &str) -> Result<Self, Self::Err> {
                    Ok(match crate::rt::json::variant(s, &[#(#names),*]) {
                        #(#from)*
                        _ => #name::Unknown(s.to_owned()),
                    })
                }
            }
            #cfg
            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
            }
            #cfg
            impl serde::Serialize for #name {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { s.serialize_str(self.as_str()) }
            }
            #cfg
            impl<'de> serde::Deserialize<'de> for #name {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> { crate::rt::de::str_enum(d) }
            }
            #decode
            #conversions
        }
    }

    /// A field's doc ([`field_doc`]); for a parameter that takes fewer values than its enum
    /// holds, which ones it takes.
    fn param_doc(&self, id: ItemId, f: &Field, what: &str) -> String {
        let has_doc = f.doc.as_deref().is_some_and(|d| !d.trim().is_empty());
        let doc = match (&f.ty, f.location) {
            // A path id the spec does not describe: what it names, by its link.
            (Ty::Id(t), Location::Path) if !has_doc => format!(
                "The id of the `{}` (the `{}` path parameter).",
                self.m.items[self.m.resolve(*t)].name,
                f.name
            ),
            _ => field_doc(f, what),
        };
        match self.m.accepts.get(&(id, f.name.clone())) {
            Some(values) => {
                let listed: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
                format!("{doc}\n\nThis parameter takes {}.", listed.join(", "))
            }
            None => doc,
        }
    }

    /// `From` both ways between a request enum and the response enum of the same property
    /// that it cannot be (it takes values the response never holds): by wire value, so an
    /// unknown value survives.
    fn enum_conversions(&self, id: ItemId) -> TokenStream {
        let mut out = TokenStream::new();
        for &(req, resp) in self.m.enum_conversions.iter().filter(|(r, _)| *r == id) {
            let (a, b) = (self.ty(&Ty::Named(req)), self.ty(&Ty::Named(resp)));
            let cfg = cfg_all(&[
                self.m.items[req].cfg.clone(),
                self.m.items[resp].cfg.clone(),
            ]);
            for (from, to) in [(&a, &b), (&b, &a)] {
                out.extend(quote! {
                    #cfg
                    impl From<#from> for #to {
                        fn from(v: #from) -> Self {
                            <#to as std::str::FromStr>::from_str(v.as_str()).unwrap_or_else(|e| match e {})
                        }
                    }
                });
            }
        }
        out
    }

    /// A union variant's type: through `crate::gated` when the union only names it.
    fn variant_ty(&self, union: &Item, v: &Variant) -> TokenStream {
        if crate::passes::union_names_variants(union) {
            self.named_ty(&v.ty)
        } else {
            self.ty(&v.ty)
        }
    }

    fn variant_payload(&self, union: &Item, v: &Variant) -> TokenStream {
        let t = self.variant_ty(union, v);
        if boxed_variant(self.m, v) {
            quote!(crate::rt::Boxed<#t>)
        } else {
            t
        }
    }

    fn union(&self, id: ItemId, variants: &[Variant]) -> TokenStream {
        let item = &self.m.items[id];
        let name = ident(&item.name);
        let cfg = cfg_attr(&item.cfg);
        let de = item.roles.de;
        let fallback = if de {
            format!(
                "`{}` of {}: one of several shapes.",
                field_path(item),
                used_by(self.m, item)
            )
        } else {
            format!(
                "`{}` in the parameters of {}: one of several shapes.",
                field_path(item),
                used_by(self.m, item)
            )
        };
        let doc = doc_attrs(Some(item.doc.as_deref().unwrap_or(&fallback)));
        let vnames: Vec<Ident> = variants.iter().map(|v| ident(&v.name)).collect();
        let payloads: Vec<TokenStream> = variants
            .iter()
            .map(|v| self.variant_payload(item, v))
            .collect();
        let boxed: Vec<bool> = variants.iter().map(|v| boxed_variant(self.m, v)).collect();
        let vdocs = variants.iter().map(|v| variant_doc(self.m, v));
        let unknown = if de {
            quote!(
                /// A shape this version of the SDK does not know; kept as raw JSON.
                Unknown(serde_json::Value),
            )
        } else {
            quote!()
        };
        let mut out = quote! {
            #doc
            #cfg
            #[derive(Clone, Debug)]
            #[non_exhaustive]
            pub enum #name {
                #(#[doc = #vdocs] #vnames(#payloads),)*
                #unknown
            }
        };
        out.extend(self.union_id(id, variants));
        out.extend(self.live_object(id, variants));
        // Serialize (untagged).
        let ser_arms = vnames
            .iter()
            .map(|v| quote!(#name::#v(x) => x.serialize(s),));
        let ser_unknown = if de {
            quote!(#name::Unknown(v) => v.serialize(s),)
        } else {
            quote!()
        };
        let gate = if item.roles.ser {
            quote!()
        } else {
            quote!(#[cfg(feature = "serialize")])
        };
        out.extend(quote! {
            #cfg
            #gate
            impl serde::Serialize for #name {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    match self { #(#ser_arms)* #ser_unknown }
                }
            }
        });
        // From impls for payloads that are unique within the union.
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for p in &payloads {
            *counts.entry(p.to_string()).or_default() += 1;
        }
        for ((v, p), b) in vnames.iter().zip(&payloads).zip(&boxed) {
            if counts[&p.to_string()] != 1 {
                continue;
            }
            let (from_ty, wrap) = if *b {
                let inner = &variants[vnames.iter().position(|x| x == v).unwrap_or(0)];
                let it = self.variant_ty(item, inner);
                (it, quote!(crate::rt::Boxed::new(v)))
            } else {
                (p.clone(), quote!(v))
            };
            out.extend(quote! {
                #cfg
                impl From<#from_ty> for #name {
                    // Inline: compiled where it is used, not here (with the payload's
                    // drop glue, which `Boxed::new` points to).
                    #[inline]
                    fn from(v: #from_ty) -> Self { #name::#v(#wrap) }
                }
            });
        }
        if de {
            let discriminated = variants.iter().all(|v| v.object.is_some());
            let body = if discriminated {
                let arms = variants.iter().zip(&vnames).map(|(v, vn)| {
                    let obj = v.object.as_deref().unwrap_or_default();
                    let sibling_deleted = variants
                        .iter()
                        .any(|o| o.object == v.object && o.deleted != v.deleted);
                    let pat = if sibling_deleted {
                        let d = v.deleted;
                        quote!((Some(#obj), #d))
                    } else {
                        quote!((Some(#obj), _))
                    };
                    // A boxed payload decodes as `Boxed<T>` (one shared impl): a
                    // `Boxed::new` here would compile the payload's drop glue (for
                    // the unwind path) into this decoder's codegen unit.
                    quote!(#pat => r.decode().map(#name::#vn),)
                });
                quote! {
                    let (object, deleted) = r.discriminator()?;
                    match (object.as_deref(), deleted) {
                        #(#arms)*
                        _ => r.decode().map(#name::Unknown),
                    }
                }
            } else {
                let tries = vnames.iter().map(|vn| {
                    quote! {
                        match r.decode() {
                            Ok(x) => return Ok(#name::#vn(x)),
                            Err(_) => r.restore(back),
                        }
                    }
                });
                quote! {
                    let back = r.checkpoint();
                    #(#tries)*
                    r.decode().map(#name::Unknown)
                }
            };
            let id_arms = vnames
                .iter()
                .zip(variants)
                .zip(&boxed)
                .map(|((vn, v), b)| match &v.ty {
                    Ty::Named(_) if *b => {
                        quote!(#name::#vn(x) => crate::rt::HasId::id_str(x.as_ref()),)
                    }
                    Ty::Named(_) => quote!(#name::#vn(x) => crate::rt::HasId::id_str(x),),
                    _ => quote!(#name::#vn(_) => None,),
                });
            out.extend(quote! {
                #cfg
                impl crate::rt::Decode for #name {
                    #[inline(never)]
                    fn decode(r: &mut crate::rt::json::Reader<'_>) -> crate::rt::json::Result<Self> {
                        #body
                    }
                }
                #cfg
                impl<'de> serde::Deserialize<'de> for #name {
                    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                        crate::rt::json::deserialize(d)
                    }
                }
                #cfg
                impl crate::rt::HasId for #name {
                    fn id_str(&self) -> Option<&str> {
                        match self { #(#id_arms)* #name::Unknown(v) => v.get("id").and_then(|i| i.as_str()) }
                    }
                }
            });
        }
        out
    }

    /// The id type of a union of objects that parameters name (`ExternalAccountId`), and a
    /// `From` for each member's id, owned and borrowed (`BankAccountId`, `CardId`).
    fn union_id(&self, id: ItemId, variants: &[Variant]) -> TokenStream {
        let item = &self.m.items[id];
        let Some(alias) = &item.id_alias else {
            return quote!();
        };
        let a = ident(alias);
        let name = ident(&item.name);
        let d = format!(
            " The id of a [`{}`]: the id of one of its objects, which each convert into it.",
            item.name
        );
        let mut out = if item.gated {
            let g = gated_path(self.m, id);
            quote! { #[doc = #d] pub type #a = crate::rt::Id<#g>; }
        } else {
            let cfg = cfg_attr(&item.cfg);
            quote! { #[doc = #d] #cfg pub type #a = crate::rt::Id<#name>; }
        };
        let mut seen = BTreeSet::new();
        for v in variants.iter().filter(|v| !v.deleted) {
            let Ty::Named(member) = v.ty else { continue };
            let member = self.m.resolve(member);
            if self.m.items[member].id_alias.is_none() || !seen.insert(member) {
                continue;
            }
            let mid = self.ty(&Ty::Id(member));
            let cfg = cfg_all(&[alias_cfg(item), alias_cfg(&self.m.items[member])]);
            out.extend(quote! {
                #cfg
                impl From<#mid> for #a {
                    #[inline]
                    fn from(v: #mid) -> Self { crate::rt::Id::new(v.into_inner()) }
                }
                #cfg
                impl From<&#mid> for #a {
                    #[inline]
                    fn from(v: &#mid) -> Self { crate::rt::Id::new(v.as_str()) }
                }
            });
        }
        out
    }

    /// `rt::LiveObject` for a union of one object and its deleted form
    /// (`CustomerOrDeletedCustomer`): the live object, one call away from an expanded field.
    fn live_object(&self, id: ItemId, variants: &[Variant]) -> TokenStream {
        let item = &self.m.items[id];
        let live: Vec<&Variant> = variants.iter().filter(|v| !v.deleted).collect();
        let [v] = live.as_slice() else {
            return quote!();
        };
        if variants.len() < 2 || !boxed_variant(self.m, v) {
            return quote!();
        }
        let name = ident(&item.name);
        let cfg = cfg_attr(&item.cfg);
        let vn = ident(&v.name);
        let t = self.variant_ty(item, v);
        quote! {
            #cfg
            impl crate::rt::LiveObject for #name {
                type Live = #t;
                fn live(&self) -> Option<&#t> {
                    match self { #name::#vn(x) => Some(x), _ => None }
                }
            }
        }
    }

    /// The objects a webhook event can carry: every component with a constant `object`
    /// (lists and search results aside), keyed by `(object, deleted)`, preferring resources.
    fn event_objects(&self) -> BTreeMap<(String, bool), ItemId> {
        let mut by_object: BTreeMap<(String, bool), ItemId> = BTreeMap::new();
        for (schema, &id) in &self.m.components {
            let item = &self.m.items[id];
            let Kind::Struct {
                object: Some(obj),
                fields,
            } = &item.kind
            else {
                continue;
            };
            if obj == "list" || obj == "search_result" {
                continue;
            }
            let deleted = fields.iter().any(|f| f.name == "deleted") && schema.contains("deleted");
            let key = (obj.clone(), deleted);
            let better = match by_object.get(&key) {
                None => true,
                Some(&cur) => item.id_alias.is_some() && self.m.items[cur].id_alias.is_none(),
            };
            if better {
                by_object.insert(key, id);
            }
        }
        by_object
    }

    fn events(&self) -> TokenStream {
        let types = &self.m.event_types;
        let variants: Vec<Ident> = types.iter().map(|t| ident(&type_ident(t))).collect();
        let docs = types.iter().map(|t| format!(" `{t}`"));
        let as_str = variants
            .iter()
            .zip(types)
            .map(|(v, s)| quote!(EventType::#v => #s,));
        let (wire, from) = from_table(&quote!(EventType), &variants, types);
        let n = types.len();
        let by_object = self.event_objects();
        let mut vdefs = Vec::new();
        let mut arms = Vec::new();
        let mut names = Vec::new();
        for ((obj, deleted), id) in &by_object {
            let item = &self.m.items[*id];
            let cfg = cfg_attr(&item.cfg);
            let vname = if *deleted {
                ident(&format!("Deleted{}", type_ident(obj)))
            } else {
                ident(&type_ident(obj))
            };
            let tn = item_path(self.m, *id, quote!(crate));
            let d = format!(
                " A `{obj}`{} object.",
                if *deleted { " (deleted)" } else { "" }
            );
            vdefs.push(quote!(#[doc = #d] #cfg #vname(crate::rt::Boxed<#tn>),));
            let has_sibling = by_object.contains_key(&(obj.clone(), !deleted));
            let pat = if has_sibling {
                quote!((Some(#obj), #deleted))
            } else {
                quote!((Some(#obj), _))
            };
            arms.push(
                quote!(#cfg #pat => r.decode::<crate::rt::Boxed<#tn>>().map(EventObject::#vname),),
            );
            names.push(quote!(#cfg EventObject::#vname(_) => Some(#obj),));
        }
        quote! {
            /// The type of a webhook event (`payment_intent.succeeded`, ...): every type the
            /// pinned spec lists, and `Unknown` for newer ones.
            #[derive(Clone, Debug, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum EventType {
                #(#[doc = #docs] #variants,)*
                /// An event type this version of the SDK does not know; kept as sent.
                Unknown(String),
            }
            impl EventType {
                /// Every event type the pinned spec lists.
                pub const ALL: [EventType; #n] = [#(EventType::#variants),*];
                /// The type as sent on the wire.
                pub fn as_str(&self) -> &str {
                    match self { #(#as_str)* EventType::Unknown(v) => v }
                }
            }
            impl std::str::FromStr for EventType {
                type Err = std::convert::Infallible;
                fn from_str(s: &str) -> Result<Self, Self::Err> {
                    Ok(match crate::rt::json::variant(s, &[#(#wire),*]) {
                        #(#from)*
                        _ => EventType::Unknown(s.to_owned()),
                    })
                }
            }
            impl std::fmt::Display for EventType {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
            }
            impl serde::Serialize for EventType {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { s.serialize_str(self.as_str()) }
            }
            impl<'de> serde::Deserialize<'de> for EventType {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> { crate::rt::de::str_enum(d) }
            }
            impl crate::rt::Decode for EventType {
                fn decode(r: &mut crate::rt::json::Reader<'_>) -> crate::rt::json::Result<Self> { r.str_enum() }
            }

            /// The object an event carries in `data.object`, chosen by its own `object` field.
            ///
            /// Variants exist for the resources of the enabled API-area features; any other
            /// object decodes as `Unknown` with its raw JSON.
            #[derive(Clone, Debug)]
            #[non_exhaustive]
            pub enum EventObject {
                #(#vdefs)*
                /// An object this build does not know (new, or its feature is off).
                Unknown(serde_json::Value),
            }
            impl EventObject {
                /// The `object` name of the payload.
                pub fn object_name(&self) -> Option<&str> {
                    match self {
                        #(#names)*
                        EventObject::Unknown(v) => v.get("object").and_then(|o| o.as_str()),
                    }
                }
            }
            impl crate::rt::Decode for EventObject {
                /// Picks the variant by the object's `object` (and `deleted`) fields, read
                /// ahead; an unknown object is kept as JSON.
                fn decode(r: &mut crate::rt::json::Reader<'_>) -> crate::rt::json::Result<Self> {
                    let (object, deleted) = r.discriminator()?;
                    match (object.as_deref(), deleted) {
                        #(#arms)*
                        _ => r.decode().map(EventObject::Unknown),
                    }
                }
            }
            impl<'de> serde::Deserialize<'de> for EventObject {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    crate::rt::json::deserialize(d)
                }
            }
        }
    }

    /// The contents of a resource module: its types, then each scope's as a submodule.
    fn module_body(
        &self,
        top: &str,
        groups: &BTreeMap<Vec<String>, Vec<ItemId>>,
        ops: &BTreeMap<ItemId, &Operation>,
        item_bytes: &mut Vec<(BTreeSet<String>, usize)>,
    ) -> TokenStream {
        let mut own = TokenStream::new();
        let mut subs = TokenStream::new();
        for (path, ids) in groups.iter().filter(|(p, _)| p[0] == top) {
            let mut ids = ids.clone();
            ids.sort_by(|a, b| self.m.items[*a].name.cmp(&self.m.items[*b].name));
            let mut body = TokenStream::new();
            for &id in &ids {
                let t = self.item(id, ops);
                item_bytes.push((self.m.items[id].cfg.clone(), t.to_string().len()));
                body.extend(t);
            }
            match path.as_slice() {
                [_] => own.extend(body),
                [_, sub] => {
                    let i = ident(sub);
                    let d = format!(
                        " Types of `{sub}` whose field path another type of `{top}` also has."
                    );
                    subs.extend(quote!(#[doc = #d] pub mod #i { #body }));
                }
                _ => {}
            }
        }
        quote!(#own #subs)
    }

    fn file(&self, tokens: TokenStream) -> Result<String, crate::Error> {
        let parsed: syn::File =
            syn::parse2(tokens).map_err(|e| crate::Error::Emit(e.to_string()))?;
        Ok(format!("{}{}", self.header, prettyplease::unparse(&parsed)))
    }
}

/// Emit everything into one file (for the generator's snapshot tests): items sorted by
/// name, then the event types.
pub fn emit_single(m: &Model, sha256: &str) -> Result<String, crate::Error> {
    let e = Emitter {
        m,
        header: header(m, sha256),
    };
    let ops: BTreeMap<ItemId, &Operation> = m.operations.iter().map(|o| (o.params, o)).collect();
    let mut ids: Vec<ItemId> = (0..m.items.len())
        .filter(|&i| m.items[i].merged_into.is_none())
        .collect();
    ids.retain(|&i| {
        !(m.items[i].schema.is_some()
            && m.skipped
                .iter()
                .any(|s| Some(&s.at) == m.items[i].schema.as_ref()))
    });
    let mut groups: BTreeMap<Vec<String>, Vec<ItemId>> = BTreeMap::new();
    for &id in &ids {
        if !m.items[id].module.is_empty() {
            groups
                .entry(m.items[id].module.clone())
                .or_default()
                .push(id);
        }
    }
    ids.retain(|&i| m.items[i].module.is_empty());
    ids.sort_by(|a, b| m.items[*a].name.cmp(&m.items[*b].name));
    let items = ids.iter().map(|&id| e.item(id, &ops));
    let tops: BTreeSet<&String> = groups.keys().map(|p| &p[0]).collect();
    let mut bytes = Vec::new();
    let modules = tops.iter().map(|top| {
        let body = e.module_body(top, &groups, &ops, &mut bytes);
        let i = ident(top);
        quote!(pub mod #i { #body })
    });
    let modules: Vec<TokenStream> = modules.collect();
    let events = e.events();
    e.file(quote!(#(#items)* #(#modules)* #events))
}

/// The first line of every generated file.
pub(crate) fn header(m: &Model, sha256: &str) -> String {
    format!(
        "// Generated by cargo xtask codegen from Stripe API {} (spec sha256 {}). Do not edit.\n\n",
        m.api_version,
        &sha256[..12.min(sha256.len())]
    )
}

/// Emit every generated file.
pub fn emit(m: &Model, sha256: &str) -> Result<Emitted, crate::Error> {
    let header = format!(
        "// Generated by cargo xtask codegen from Stripe API {} (spec sha256 {}). Do not edit.\n\n",
        m.api_version,
        &sha256[..12.min(sha256.len())]
    );
    let e = Emitter { m, header };
    let ops: BTreeMap<ItemId, &Operation> = m.operations.iter().map(|o| (o.params, o)).collect();
    // Group live items by (area, file).
    let mut files: BTreeMap<(String, String), Vec<ItemId>> = BTreeMap::new();
    let mut groups: BTreeMap<Vec<String>, Vec<ItemId>> = BTreeMap::new();
    for (id, item) in m.items.iter().enumerate() {
        if item.merged_into.is_some() {
            continue;
        }
        if !item.module.is_empty() {
            groups.entry(item.module.clone()).or_default().push(id);
            continue;
        }
        if item.schema.is_some()
            && m.skipped
                .iter()
                .any(|s| Some(&s.at) == item.schema.as_ref())
        {
            continue;
        }
        files
            .entry((item.area.clone(), item.file.clone()))
            .or_default()
            .push(id);
    }
    let mut out = BTreeMap::new();
    let mut item_bytes = Vec::new();
    let mut areas: BTreeMap<String, BTreeMap<String, TokenStream>> = BTreeMap::new();
    for ((area, file), mut ids) in files {
        ids.sort_by(|a, b| m.items[*a].name.cmp(&m.items[*b].name));
        let items: Vec<TokenStream> = ids.iter().map(|&id| e.item(id, &ops)).collect();
        for (id, t) in ids.iter().zip(&items) {
            item_bytes.push((m.items[*id].cfg.clone(), t.to_string().len()));
        }
        let tokens = quote!(#(#items)*);
        let mod_name = field_ident(&file).trim_start_matches("r#").to_string();
        out.insert(format!("{area}/{mod_name}.rs"), e.file(tokens)?);
        let gate = file_gate(m, &ids);
        areas.entry(area).or_default().insert(mod_name, gate);
    }
    for (area, mods) in &areas {
        let decls = mods.iter().map(|(m, gate)| {
            let i = ident(m);
            quote!(#gate mod #i; #gate pub use #i::*;)
        });
        out.insert(format!("{area}/mod.rs"), e.file(quote!(#(#decls)*))?);
    }
    let tops: BTreeSet<String> = groups.keys().map(|p| p[0].clone()).collect();
    for top in &tops {
        let body = e.module_body(top, &groups, &ops, &mut item_bytes);
        out.insert(format!("nested/{top}.rs"), e.file(body)?);
    }
    let decls = tops.iter().map(|t| {
        let i = ident(t);
        let d = format!(" Types nested in the `{t}` resource's objects and parameters.");
        let ids: Vec<ItemId> = groups
            .iter()
            .filter(|(p, _)| p[0] == *t)
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect();
        let gate = file_gate(m, &ids);
        quote!(#[doc = #d] #gate pub mod #i;)
    });
    out.insert("nested/mod.rs".into(), e.file(quote!(#(#decls)*))?);
    out.insert("events.rs".into(), e.file(e.events())?);
    out.insert("gated.rs".into(), e.file(gated_module(m))?);
    let area_decls = areas.keys().map(|a| {
        let i = ident(a);
        let d = format!(" The `{a}` API area.");
        quote!(#[doc = #d] pub mod #i; pub use #i::*;)
    });
    let api_version = &m.api_version;
    out.insert(
        "mod.rs".into(),
        e.file(quote! {
            /// The Stripe API version these types were generated from (`spec/pin.toml`);
            /// `stripe-client` sends it as `Stripe-Version`.
            pub const API_VERSION: &str = #api_version;
            #(#area_decls)*
            mod events;
            pub use events::*;
            mod nested;
            pub use nested::*;
            pub mod gated;
        })?,
    );
    let features = areas
        .keys()
        .filter(|a| a.as_str() != "core")
        .cloned()
        .collect();
    Ok(Emitted {
        files: out,
        features,
        item_bytes,
    })
}

/// `stripe_types::Name::new(..)` with a value for each required field, positional or in its
/// args struct as [`takes_args_struct`] decides.
fn constructor_call(
    m: &Model,
    id: ItemId,
    fields: &[Field],
    mut value: impl FnMut(&Field) -> TokenStream,
) -> TokenStream {
    let path = item_path(m, id, quote!(stripe_types));
    let required: Vec<&Field> = fields.iter().filter(|f| f.required).collect();
    if takes_args_struct(m, fields) {
        let item = &m.items[m.resolve(id)];
        let mods = item.module.iter().map(|s| ident(s));
        let args = format_ident!("{}Args", item.name);
        let inits = required.iter().map(|f| {
            let fi = ident(&f.ident);
            let v = value(f);
            quote!(#fi: #v)
        });
        quote!(#path::new(stripe_types #(::#mods)* :: #args { #(#inits),* }))
    } else {
        let vals = required.iter().map(|f| value(f));
        quote!(#path::new(#(#vals),*))
    }
}

/// The field path of an inline type, as on the wire (`payment_method_options.card`).
fn field_path(item: &Item) -> String {
    let segs: Vec<String> = item
        .path
        .iter()
        .map(|s| heck::ToSnakeCase::to_snake_case(s.as_str()))
        .collect();
    segs.join(".")
}

/// The schemas and operations that use an inline type, for its doc: "`A`, `B` and 3 more".
fn used_by(m: &Model, item: &Item) -> String {
    // An operation's own types name it by its operation id (`GetTerminalReadersReader`): the
    // operation's Rust name instead (`RetrieveTerminalReader`), a type that exists.
    let name = |n: &String| {
        m.operations
            .iter()
            .find(|o| crate::names::type_ident(&o.id) == *n)
            .map(|o| m.items[m.resolve(o.params)].name.clone())
            .unwrap_or_else(|| n.clone())
    };
    let mut names: Vec<String> = item
        .used_by
        .iter()
        .map(|n| format!("`{}`", name(n)))
        .collect();
    names.dedup();
    match names.len() {
        0 => format!("`{}`", item.owner),
        1 => names[0].clone(),
        2 | 3 => format!(
            "{} and {}",
            names[..names.len() - 1].join(", "),
            names[names.len() - 1]
        ),
        n => format!("{} and {} more", names[..2].join(", "), n - 2),
    }
}

/// A field's doc, or a plain one naming it (`what`: "field" or "parameter").
fn field_doc(f: &Field, what: &str) -> String {
    match &f.doc {
        Some(d) if !d.trim().is_empty() => d.clone(),
        _ => format!("The `{}` {what}.", f.name),
    }
}

/// The rule against swappable arguments: a constructor whose required parameters include
/// two of one Rust type takes them all in one `<Name>Args` struct of named fields instead of
/// positionally (`ListBillingMeterEventSummaries::new(ListBillingMeterEventSummariesArgs {
/// id, customer, start_time, end_time })`). Types are compared as declared: two typed ids of
/// different resources, or an id and a `String`, are different types.
pub fn takes_args_struct(m: &Model, fields: &[Field]) -> bool {
    let e = Emitter {
        m,
        header: String::new(),
    };
    let mut seen = BTreeSet::new();
    fields
        .iter()
        .filter(|f| f.required)
        .any(|f| !seen.insert(e.ty(&f.ty).to_string()))
}

/// Constructors that take an args struct, over every generated struct with a constructor.
pub fn args_struct_count(m: &Model) -> usize {
    let op_params: BTreeSet<ItemId> = m.operations.iter().map(|o| m.resolve(o.params)).collect();
    let mut args = 0;
    for (id, item) in m.items.iter().enumerate() {
        if item.merged_into.is_some() || !(item.roles.ser || op_params.contains(&id)) {
            continue;
        }
        if let Kind::Struct { fields, .. } = &item.kind {
            args += usize::from(takes_args_struct(m, fields));
        }
    }
    args
}

/// Constructors in generated source (`pub fn new(..) -> Self`) that take two positional
/// arguments of one type: what the args-struct rule prevents, counted in the output.
pub fn swappable_constructors(source: &str) -> usize {
    let mut count = 0;
    for piece in source.split("pub fn new(").skip(1) {
        let Some(end) = piece.find(") -> Self") else {
            continue;
        };
        let sig: String = piece[..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        // Split at top-level commas (generic arguments hold commas too).
        let (mut depth, mut start, mut types) = (0i32, 0, BTreeSet::new());
        let mut dup = false;
        for (i, ch) in sig.char_indices().chain([(sig.len(), ',')]) {
            match ch {
                '<' | '(' => depth += 1,
                '>' | ')' => depth -= 1,
                ',' if depth == 0 => {
                    let arg = sig[start..i].trim();
                    if let Some((_, ty)) = arg.split_once(':') {
                        dup |= !types.insert(ty.trim().to_string());
                    }
                    start = i + 1;
                }
                _ => {}
            }
        }
        count += usize::from(dup);
    }
    count
}

/// A union variant whose payload is a struct: held in `rt::Boxed`.
fn boxed_variant(m: &Model, v: &Variant) -> bool {
    matches!(&v.ty, Ty::Named(id) if matches!(m.items[m.resolve(*id)].kind, Kind::Struct { .. }))
}

/// A value of type `t` with valid contents, for the generated stripe-mock test.
fn sample(e: &Emitter<'_>, t: &Ty, depth: usize) -> TokenStream {
    let m = e.m;
    match t {
        Ty::Bool => quote!(true),
        Ty::I64 => quote!(1i64),
        Ty::F64 => quote!(1.0f64),
        Ty::String => quote!(String::from("x")),
        Ty::Timestamp => quote!(stripe_types::rt::Timestamp(1_700_000_000)),
        Ty::DateTime => quote!(stripe_types::rt::DateTime::from("2024-01-01T00:00:00Z")),
        Ty::Decimal => quote!(stripe_types::rt::Decimal::from("1.5")),
        Ty::File => quote!(stripe_types::rt::FileUpload::from_bytes(
            "receipt.txt",
            b"hello".to_vec()
        )),
        Ty::Json | Ty::Unit => quote!(serde_json::json!({})),
        Ty::Binary => quote!(stripe_types::rt::Binary::default()),
        Ty::Metadata => quote!(stripe_types::rt::Metadata::from([(
            String::from("key"),
            String::from("1")
        )])),
        Ty::Id(id) => {
            let item = &m.items[m.resolve(*id)];
            match &item.id_alias {
                Some(a) => {
                    let mods = item.module.iter().map(|s| ident(s));
                    let a = ident(a);
                    quote!(stripe_types #(::#mods)* :: #a::new("id_123"))
                }
                None => quote!(String::from("id_123")),
            }
        }
        Ty::Vec(inner) => {
            let v = sample(e, inner, depth + 1);
            quote!(vec![#v])
        }
        Ty::Map(inner) => {
            let v = sample(e, inner, depth + 1);
            quote!(std::collections::BTreeMap::from([(String::from("key"), #v)]))
        }
        Ty::Expandable(inner) | Ty::Secret(inner) | Ty::Clearable(inner) => {
            let v = sample(e, inner, depth + 1);
            match t {
                Ty::Secret(_) => quote!(stripe_types::rt::Secret::new(#v)),
                Ty::Clearable(_) => quote!(stripe_types::rt::Clearable::Set(#v)),
                _ => quote!(stripe_types::rt::Expandable::Id(
                    String::from("id_123").into()
                )),
            }
        }
        Ty::List(_) | Ty::SearchList(_) | Ty::V2List(_) => quote!(unreachable!()),
        Ty::Named(id) => {
            let id = m.resolve(*id);
            let item = &m.items[id];
            let name = item_path(m, id, quote!(stripe_types));
            match &item.kind {
                Kind::Enum { values } => {
                    let v = values.first().cloned().unwrap_or_default();
                    quote!(<#name as std::str::FromStr>::from_str(#v).unwrap_or_else(|e| match e {}))
                }
                Kind::Union { variants } => {
                    // Prefer a scalar variant: the smallest valid value.
                    let v = variants
                        .iter()
                        .find(|v| !matches!(v.ty, Ty::Named(_)))
                        .or_else(|| variants.first())
                        .expect("union has variants");
                    let payload = sample(e, &v.ty, depth + 1);
                    let vn = ident(&v.name);
                    if boxed_variant(m, v) {
                        quote!(#name::#vn(stripe_types::rt::Boxed::new(#payload)))
                    } else {
                        quote!(#name::#vn(#payload))
                    }
                }
                Kind::Struct { fields, .. } => {
                    let args: Vec<TokenStream> = fields
                        .iter()
                        .filter(|f| f.required && f.location == Location::Params)
                        .map(|f| sample_field(e, id, f, depth + 1))
                        .collect();
                    let mut expr =
                        constructor_call(m, id, fields, |f| sample_field(e, id, f, depth + 1));
                    // An object with only optional fields would encode to nothing, which the
                    // API reads as absent: set one field, preferring a scalar one.
                    if args.is_empty() && depth > 0 && depth < 8 {
                        let scalar = |f: &&Field| match &f.ty {
                            Ty::Bool | Ty::String | Ty::I64 => true,
                            Ty::Named(i) => {
                                matches!(m.items[m.resolve(*i)].kind, Kind::Enum { .. })
                            }
                            _ => false,
                        };
                        if let Some(f) = fields.iter().find(scalar).or_else(|| fields.first()) {
                            let method = setter_ident(f);
                            let v = sample_field(e, id, f, depth + 1);
                            expr = quote!(#expr.#method(#v));
                        }
                    }
                    expr
                }
            }
        }
    }
}

/// A value for field `f` of struct `id`: [`sample`], but an enum the field shares with the
/// response takes a value the parameter takes ([`Model::accepts`]).
fn sample_field(e: &Emitter<'_>, id: ItemId, f: &Field, depth: usize) -> TokenStream {
    fn with_value(e: &Emitter<'_>, t: &Ty, value: &str, depth: usize) -> TokenStream {
        match t {
            Ty::Named(i) if matches!(e.m.items[e.m.resolve(*i)].kind, Kind::Enum { .. }) => {
                let name = item_path(e.m, *i, quote!(stripe_types));
                quote!(<#name as std::str::FromStr>::from_str(#value).unwrap_or_else(|e| match e {}))
            }
            Ty::Vec(inner) => {
                let v = with_value(e, inner, value, depth + 1);
                quote!(vec![#v])
            }
            Ty::Clearable(inner) => {
                let v = with_value(e, inner, value, depth + 1);
                quote!(stripe_types::rt::Clearable::Set(#v))
            }
            t => sample(e, t, depth),
        }
    }
    match e
        .m
        .accepts
        .get(&(e.m.resolve(id), f.name.clone()))
        .and_then(|v| v.first())
    {
        Some(value) => with_value(e, &f.ty, value, depth),
        None => sample(e, &f.ty, depth),
    }
}

/// The setter of optional field `f`: its name, or `set_<name>` where that would shadow a
/// method of the client's extension trait or the constructor.
fn setter_ident(f: &Field) -> Ident {
    let raw = f.ident.trim_start_matches("r#");
    if RESERVED_METHODS.contains(&raw) {
        ident(&format!("set_{raw}"))
    } else {
        ident(&f.ident)
    }
}

/// The stripe-mock test's value synthesis, for the generators of other tests
/// ([`crate::v2_test`]), so that every generated test fills parameters the same way.
pub(crate) struct Samples<'a>(Emitter<'a>);

impl<'a> Samples<'a> {
    /// Samples of the types of `m`.
    pub(crate) fn new(m: &'a Model) -> Self {
        Samples(Emitter {
            m,
            header: String::new(),
        })
    }
    /// `stripe_types::Name::new(..)` for item `id`, a value for each required field.
    pub(crate) fn new_call(&self, id: ItemId, fields: &[Field]) -> TokenStream {
        constructor_call(self.0.m, id, fields, |f| sample_field(&self.0, id, f, 1))
    }
    /// [`Samples::new_call`] with each required field's value from `value` (a sample where it
    /// gives none).
    pub(crate) fn new_call_with(
        &self,
        id: ItemId,
        fields: &[Field],
        mut value: impl FnMut(&Field) -> Option<TokenStream>,
    ) -> TokenStream {
        constructor_call(self.0.m, id, fields, |f| {
            value(f).unwrap_or_else(|| sample_field(&self.0, id, f, 1))
        })
    }
    /// `.setter(value)` for optional field `f`: `value`, or a sample of its type.
    pub(crate) fn set(&self, f: &Field, value: Option<TokenStream>) -> TokenStream {
        let method = setter_ident(f);
        let v = value.unwrap_or_else(|| sample(&self.0, &f.ty, 1));
        quote!(.#method(#v))
    }
    /// The path of item `id` from `stripe_types`.
    pub(crate) fn type_path(&self, id: ItemId) -> TokenStream {
        item_path(self.0.m, id, quote!(stripe_types))
    }
    /// The generated file's text: `tokens` laid out, under `header`.
    pub(crate) fn file(
        mut self,
        header: String,
        tokens: TokenStream,
    ) -> Result<String, crate::Error> {
        self.0.header = header;
        self.0.file(tokens)
    }
}

/// Optional parameters that the client's guards (`stripe_client::meter::guard`) require,
/// by operation: the stripe-mock test sets them, so its request passes the guard and
/// reaches the server.
const GUARD_REQUIRED: &[(&str, &str)] = &[("PostBillingMeterEventAdjustments", "cancel")];

/// The generated stripe-mock test: every v1 operation, called with synthesised required
/// parameters, its answer decoded into the generated type.
pub fn mock_test(m: &Model, sha256: &str) -> Result<String, crate::Error> {
    let e = Emitter {
        m,
        header: format!(
            "// Generated by cargo xtask codegen from Stripe API {} (spec sha256 {}). Do not edit.\n\n",
            m.api_version,
            &sha256[..12.min(sha256.len())]
        ),
    };
    let mut fns = Vec::new();
    let mut table = Vec::new();
    for op in m.operations.iter().filter(|o| o.path.starts_with("/v1/")) {
        let Kind::Struct { fields, .. } = &m.items[op.params].kind else {
            continue;
        };
        let fname = format_ident!("op_{}", field_ident(&op.id).trim_start_matches("r#"));
        let call = constructor_call(m, op.params, fields, |f| sample_field(&e, op.params, f, 1));
        let guarded = fields
            .iter()
            .filter(|f| !f.required && GUARD_REQUIRED.contains(&(op.id.as_str(), f.name.as_str())))
            .map(|f| {
                let method = ident(&f.ident);
                let v = sample_field(&e, op.params, f, 1);
                quote!(.#method(#v))
            });
        let op_id = &op.id;
        let method = &op.method;
        let path = &op.path;
        let label = format!("{method} {path} ({op_id})");
        fns.push(quote! {
            async fn #fname(client: &Client) -> Result<(), Error> {
                let req = #call #(#guarded)*;
                let _answer = req.send(client).await?;
                Ok(())
            }
        });
        table.push(
            quote!((#label, |c: Client| Box::pin(async move { #fname(&c).await }) as BoxFut),),
        );
    }
    let n = table.len();
    let tokens = quote! {
        //! Every v1 operation of the pinned spec against stripe-mock: required parameters
        //! synthesised from the spec, the answer decoded into the generated type. The legacy
        //! aliases (deprecated in favour of the operations Stripe's SDKs name) are called too.
        #![allow(clippy::all, unused_imports, deprecated)]
        // Laid out by prettyplease; `cargo fmt` leaves generated code alone.
        #![cfg_attr(rustfmt, rustfmt::skip)]
        use std::future::Future;
        use std::pin::Pin;
        use stripe_client::{Client, Error, StripeRequestExt};

        type BoxFut = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

        #(#fns)*

        /// `(label, call)` for every v1 operation.
        fn operations() -> Vec<(&'static str, fn(Client) -> BoxFut)> {
            vec![#(#table)*]
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn every_v1_operation_against_stripe_mock() {
            let url = integration_tests::stripe_mock();
            let client = integration_tests::client_for(&url);
            let ops = operations();
            assert_eq!(ops.len(), #n);
            let excluded = integration_tests::mock_coverage::EXCLUDED;
            let mut failures = Vec::new();
            let mut passed = 0usize;
            let total = ops.len();
            for (label, call) in ops {
                if let Some((_, why)) = excluded.iter().find(|(l, _)| label.ends_with(&format!("({l})"))) {
                    println!("excluded {label}: {why}");
                    continue;
                }
                match call(client.clone()).await {
                    Ok(()) => passed += 1,
                    Err(e) => failures.push(format!("{label}: {e}")),
                }
            }
            for f in &failures {
                println!("FAILED {f}");
            }
            println!("stripe-mock coverage: {passed}/{total} operations");
            assert!(failures.is_empty(), "{} operations failed against stripe-mock", failures.len());
            assert_eq!(passed + excluded.len(), total, "every operation passes or is excluded with a reason");
        }
    };
    e.file(tokens)
}

/// The sorted wire names of an enum (the table `rt::json::variant` binary-searches) and,
/// for each index, the arm that builds its variant. A table lookup and a jump table
/// compile to a fraction of the code of a `match` on strings.
fn from_table(
    name: &TokenStream,
    variants: &[Ident],
    values: &[String],
) -> (Vec<String>, Vec<TokenStream>) {
    let mut pairs: Vec<(&String, &Ident)> = values.iter().zip(variants).collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    let names = pairs.iter().map(|(s, _)| (*s).clone()).collect();
    let arms = pairs
        .iter()
        .enumerate()
        .map(|(i, (_, v))| {
            let i = proc_macro2::Literal::usize_unsuffixed(i);
            quote!(Some(#i) => #name::#v,)
        })
        .collect();
    (names, arms)
}

/// `#[allow(deprecated)]` before every top-level `impl` of `ts`: a deprecated operation's own
/// impls do not warn.
fn allow_deprecated(ts: TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    for tt in ts {
        if matches!(&tt, proc_macro2::TokenTree::Ident(i) if i == "impl") {
            out.extend(quote!(#[allow(deprecated)]));
        }
        out.extend(std::iter::once(tt));
    }
    out
}

/// A union variant's doc: the object it holds (`` A `customer`. ``), else its type in words
/// or by name (never a name that is not a type).
fn variant_doc(m: &Model, v: &Variant) -> String {
    if let Some(o) = &v.object {
        return format!(" A `{o}`.");
    }
    fn words(m: &Model, t: &Ty) -> String {
        match t {
            Ty::Bool => "a boolean".into(),
            Ty::I64 => "an integer".into(),
            Ty::F64 => "a number".into(),
            Ty::String => "a string".into(),
            Ty::Timestamp => "a Unix timestamp".into(),
            Ty::DateTime => "a date-time".into(),
            Ty::Decimal => "a decimal string".into(),
            Ty::Named(i) => format!("a [`{}`]", m.items[m.resolve(*i)].name),
            Ty::Id(i) => format!("the id of a [`{}`]", m.items[m.resolve(*i)].name),
            Ty::Vec(t) => format!("a list of {}", words(m, t).trim_start_matches("a ")),
            Ty::Secret(t) | Ty::Clearable(t) | Ty::Expandable(t) => words(m, t),
            Ty::Metadata | Ty::Map(_) => "a map".into(),
            _ => "a value".into(),
        }
    }
    let w = words(m, &v.ty);
    let mut c = w.chars();
    match c.next() {
        Some(f) => format!(" {}{}.", f.to_uppercase(), c.as_str()),
        None => String::new(),
    }
}
