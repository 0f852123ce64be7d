//! The owned intermediate model between the OpenAPI document and the emitted Rust.
//!
//! `convert` builds it once from `openapiv3`; the passes in `passes` rewrite it; `emit`
//! reads only this model.

use std::collections::{BTreeMap, BTreeSet};

/// Index of an [`Item`] in [`Model::items`].
pub type ItemId = usize;

/// A type expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ty {
    /// `bool`
    Bool,
    /// `i64`
    I64,
    /// `f64`
    F64,
    /// `String`
    String,
    /// Unix seconds (`format: unix-time`).
    Timestamp,
    /// RFC 3339 text (`format: date-time`).
    DateTime,
    /// Exact decimal string (`format: decimal`).
    Decimal,
    /// A file part of a multipart request (`format: binary` in a request).
    File,
    /// Free-form JSON (`serde_json::Value`); reported as degraded by `--stats`.
    Json,
    /// A generated struct, enum or union.
    Named(ItemId),
    /// The typed id of a resource (`Id<Customer>`).
    Id(ItemId),
    /// `Vec<T>`
    Vec(Box<Ty>),
    /// `BTreeMap<String, T>`
    Map(Box<Ty>),
    /// `Metadata` (a string map).
    Metadata,
    /// `Expandable<T>`
    Expandable(Box<Ty>),
    /// `Clearable<T>`: the spec allows `""` (v1) or `null` (v2) to unset.
    Clearable(Box<Ty>),
    /// `Secret<T>`: redacted in `Debug`.
    Secret(Box<Ty>),
    /// `List<T>`
    List(Box<Ty>),
    /// `SearchList<T>`
    SearchList(Box<Ty>),
    /// `V2List<T>`
    V2List(Box<Ty>),
    /// Raw response bytes.
    Binary,
    /// An empty JSON object answer (`{}`).
    Unit,
}

impl Ty {
    /// The type a container wraps (`Vec<T>`, `BTreeMap<String, T>`, `Expandable<T>`,
    /// `Clearable<T>`, `Secret<T>`, `List<T>`, `SearchList<T>`, `V2List<T>`): `T`; `None`
    /// for every other type.
    ///
    /// The one list of container variants for code that walks into a type ([`Ty::refs`],
    /// [`Ty::refs_except_ids`], `passes::item_refs`). The match names every variant, so a new
    /// variant of `Ty` has to be placed here; code that rebuilds or spells out a container
    /// (`passes::map_ty`, `emit`) still names each one.
    pub fn inner(&self) -> Option<&Ty> {
        match self {
            Ty::Vec(t)
            | Ty::Map(t)
            | Ty::Expandable(t)
            | Ty::Clearable(t)
            | Ty::Secret(t)
            | Ty::List(t)
            | Ty::SearchList(t)
            | Ty::V2List(t) => Some(t),
            Ty::Bool
            | Ty::I64
            | Ty::F64
            | Ty::String
            | Ty::Timestamp
            | Ty::DateTime
            | Ty::Decimal
            | Ty::File
            | Ty::Json
            | Ty::Named(_)
            | Ty::Id(_)
            | Ty::Metadata
            | Ty::Binary
            | Ty::Unit => None,
        }
    }

    /// Every item this type contains (typed ids excluded).
    pub fn refs_except_ids(&self, out: &mut BTreeSet<ItemId>) {
        match self {
            Ty::Id(_) => {}
            Ty::Named(id) => {
                out.insert(*id);
            }
            _ => {
                if let Some(inner) = self.inner() {
                    inner.refs_except_ids(out)
                }
            }
        }
    }

    /// Every item this type refers to.
    pub fn refs(&self, out: &mut BTreeSet<ItemId>) {
        match self {
            Ty::Named(id) | Ty::Id(id) => {
                out.insert(*id);
            }
            _ => {
                if let Some(inner) = self.inner() {
                    inner.refs(out)
                }
            }
        }
    }
}

/// Where an operation parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Location {
    /// Substituted into the path (not serialised).
    Path,
    /// Query string (GET/DELETE) or body (POST).
    Params,
}

/// A struct field.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Field {
    /// The JSON name.
    pub name: String,
    /// The Rust identifier.
    pub ident: String,
    /// The type (without the `Option` for optional fields).
    pub ty: Ty,
    /// `true` when the field is always present (not `Option`).
    pub required: bool,
    /// Documentation (Markdown).
    pub doc: Option<String>,
    /// Path parameter or body/query parameter.
    pub location: Location,
    /// Hold the value in `rt::Boxed`: the field closes a cycle of direct containment.
    pub boxed: bool,
    /// The field only names its object, as an expandable field does (`spec/policy.toml`'s
    /// `[names_only]`): the object's features are not followed, and where they may be off
    /// the field holds its `crate::gated` stand-in.
    pub names_only: bool,
}

/// A variant of a union.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Variant {
    /// Rust variant name.
    pub name: String,
    /// Payload type.
    pub ty: Ty,
    /// The `object` discriminator value, when the member has one.
    pub object: Option<String>,
    /// `true` for a deleted-object member (`"deleted": true`).
    pub deleted: bool,
}

/// What an item is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A struct with named fields.
    Struct {
        /// Fields in spec order (sorted by name).
        fields: Vec<Field>,
        /// The constant `object` value, when the spec pins one.
        object: Option<String>,
    },
    /// An open string enum (`Unknown(String)` is added by the emitter).
    Enum {
        /// The known values, sorted.
        values: Vec<String>,
    },
    /// A polymorphic `anyOf`/`oneOf`.
    Union {
        /// Members.
        variants: Vec<Variant>,
    },
}

/// Whether an item is read from responses, written into requests, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Roles {
    /// Decoded from responses.
    pub de: bool,
    /// Encoded into requests.
    pub ser: bool,
}

/// A generated type.
#[derive(Debug, Clone)]
pub struct Item {
    /// Rust type name (unique after the naming pass).
    pub name: String,
    /// A name hint used when the item is inline (parent + field), for collision repair.
    pub long_name: String,
    /// The component schema name, for component schemas.
    pub schema: Option<String>,
    /// The inline schema's `title`, used to deduplicate identical inline types.
    pub title: Option<String>,
    /// Documentation (Markdown).
    pub doc: Option<String>,
    /// The type.
    pub kind: Kind,
    /// How the item is used.
    pub roles: Roles,
    /// The area (cargo feature) that owns the item.
    pub area: String,
    /// The module file (within the area) that holds it.
    pub file: String,
    /// The public module path (from the crate root) the type is named in; empty: the root.
    pub module: Vec<String>,
    /// The component schema or operation (its Rust name) an inline type sits in.
    pub owner: String,
    /// The field path from `owner` to an inline type (PascalCase segments); empty for
    /// component schemas and operation parameter structs.
    pub path: Vec<String>,
    /// The schemas and operations (Rust names) whose fields use an inline type, sorted;
    /// set when names are assigned.
    pub used_by: Vec<String>,
    /// The features that compile it (empty: always compiled).
    pub cfg: BTreeSet<String>,
    /// The resource feature of a component schema that a resource claims
    /// ([`crate::units`]); such a component is compiled whenever that feature is on.
    pub unit: Option<String>,
    /// Another item's expandable field or typed id refers to it from a build where it may be
    /// off: such references go through `crate::gated`, which holds the type or, when its
    /// features are off, a stand-in that keeps the object's JSON.
    pub gated: bool,
    /// `x-resourceId` resources with a string `id` get a typed id alias.
    pub id_alias: Option<String>,
    /// Replaced by another item during deduplication.
    pub merged_into: Option<ItemId>,
    /// A component schema the spec marks as an API resource (`x-resourceId`).
    pub resource: bool,
}

/// How a parameter struct is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Form (v1) — query for GET/DELETE.
    Form,
    /// JSON (v2 POST).
    Json,
    /// multipart/form-data.
    Multipart,
}

/// Which host serves an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// api.stripe.com
    Api,
    /// files.stripe.com
    Files,
    /// meter-events.stripe.com
    MeterEvents,
}

/// An API operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId`.
    pub id: String,
    /// The Rust name of its parameter struct (`CreateCustomer`).
    pub name: String,
    /// `GET` | `POST` | `DELETE`.
    pub method: String,
    /// The path template.
    pub path: String,
    /// The parameter struct.
    pub params: ItemId,
    /// The decoded answer.
    pub output: Ty,
    /// Host.
    pub host: Host,
    /// Body encoding.
    pub encoding: Encoding,
    /// Summary + description.
    pub doc: Option<String>,
    /// Area (cargo feature).
    pub area: String,
    /// Resource feature ([`crate::units`]).
    pub unit: String,
    /// Stripe's own name for it (method and resource), when `spec/operation_names.toml` has one.
    pub stripe: Option<crate::stripe_names::StripeName>,
    /// The name its path alone would give it (`convert::operation_name`), for `--stats`.
    pub path_name: String,
    /// A legacy alias: the SDK-named operation to use instead.
    pub deprecated_for: Option<String>,
    /// Authenticates with a meter event session's token, never the API key: its error
    /// answers include `billing_meter_event_session_expired` ([`crate::convert`]).
    pub session_auth: bool,
}

/// What a parameter stands for, by the spec's links ([`crate::links`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Link {
    /// It names an object: the id of this resource, or of this union of resources.
    Id(ItemId),
    /// It carries the values of this response enum (the same property of the resource).
    Enum(ItemId),
}

/// A parameter the spec links to something ([`crate::links::link_params`]): where it sits
/// and what it stands for. Recorded before deduplication; [`Model::resolve`] finds the item
/// that holds the field afterwards (a merged item has the same fields, in the same order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSite {
    /// The operation (its index in [`Model::operations`]).
    pub op: usize,
    /// The parameter's path from the operation's parameters (`transfer_data.destination`).
    pub at: String,
    /// The struct that holds it.
    pub item: ItemId,
    /// The field's index in it.
    pub index: usize,
    /// What it stands for.
    pub link: Link,
    /// How the spec links it.
    pub how: LinkHow,
}

/// How a link was found, most specific first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LinkHow {
    /// The path's own resource (`{customer}` of `/v1/customers/{customer}`).
    Path,
    /// The resource's property of the same name (its `$ref`, `anyOf` or
    /// `x-expansionResources`).
    Property,
    /// No link in the spec: the resource the operation's API area names so
    /// (`financial_connections.account` for an `account` under `/v1/financial_connections`).
    Area,
}

/// A construct that could not be mapped precisely.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Degraded {
    /// Where (`schema.field` or `operation`).
    pub at: String,
    /// Why.
    pub reason: String,
}

/// The whole API.
#[derive(Debug, Default)]
pub struct Model {
    /// `info.version`.
    pub api_version: String,
    /// Every type.
    pub items: Vec<Item>,
    /// Component schema name → item.
    pub components: BTreeMap<String, ItemId>,
    /// Every operation.
    pub operations: Vec<Operation>,
    /// Webhook event types (`enabled_events` of `POST /v1/webhook_endpoints`, minus `*`).
    pub event_types: Vec<String>,
    /// Constructs mapped imprecisely.
    pub degraded: Vec<Degraded>,
    /// Operations or schemas not generated at all, with the reason.
    pub skipped: Vec<Degraded>,
    /// Count of component schemas in the spec.
    pub schema_total: usize,
    /// Count of operations in the spec.
    pub operation_total: usize,
    /// Path segments and schema prefixes that `spec/policy.toml` names no area for (placed
    /// in `core`; an error under `cargo xtask codegen --check`).
    pub unmapped: BTreeSet<String>,
    /// Each area's resource features ([`crate::units`]); `core`'s are always compiled.
    pub units: BTreeMap<String, BTreeSet<String>>,
    /// Every parameter the spec links to an object or a response enum ([`crate::links`]).
    pub links: Vec<LinkSite>,
    /// Parameter names that hold a value, never an id (`spec/policy.toml`'s `not_ids`).
    pub not_ids: BTreeSet<String>,
    /// Parameters whose enum, shared with the response ([`crate::links::share_enums`]), has
    /// values the parameter does not take: the values it takes, by (struct, field name).
    pub accepts: BTreeMap<(ItemId, String), Vec<String>>,
    /// `(request enum, response enum)` pairs that convert both ways with `From`.
    pub enum_conversions: BTreeSet<(ItemId, ItemId)>,
    /// Operation id → the hand-written check its request's `validate` calls
    /// (`spec/policy.toml`'s `[checks]`, see [`crate::checks`]).
    pub checks: BTreeMap<String, String>,
}

impl Model {
    /// Follow deduplication merges to the surviving item.
    pub fn resolve(&self, mut id: ItemId) -> ItemId {
        while let Some(next) = self.items[id].merged_into {
            id = next;
        }
        id
    }
}
