//! The generator: pinned spec → owned model → normalisation passes → Rust files.
//!
//! ```text
//! spec/openapi.spec3.json ──verify sha256 (spec/pin.toml)──▶ openapiv3::OpenAPI
//!   ──convert (areas, secrets: spec/policy.toml)──▶ model::Model
//!   ──passes::run_all──▶ emit::emit ──prettyplease──▶ files
//! ```
//!
//! # Rules of the generated API
//!
//! - **Operation names** follow Stripe's own SDKs: the method, then the resource
//!   (`CancelSubscription`, `CreatePreviewInvoice`, `ListCustomers`), from
//!   `spec/operation_names.toml` ([`stripe_names`]; rederive it with
//!   `cargo xtask spec names`). Operations the table does not cover get a name from their path
//!   that reads the same way ([`convert::operation_name`]). When two operations would get one
//!   name, the one on the resource's own path keeps it; the other is told apart by its path:
//!   a parent object it is nested under goes before the resource, for every operation under
//!   that parent's collection (`ListChargeRefunds`), and a path without an id takes `Current`
//!   (`RetrieveCurrentAccount` for `/v1/account`). A clash the rule cannot settle stops
//!   generation.
//! - **Ids** come from the spec's links, never from a parameter's name ([`links`]): a path
//!   parameter takes the id of its path's object (`DeleteCustomer::new(customer.id)`); a body
//!   or query parameter, top level or nested, the id of what the resource's property of the
//!   same name holds (`ListIssuingTokens::new(card)` takes an `IssuingCardId`, because
//!   `issuing.token.card` expands to an `issuing.card`); without a link, the resource its API
//!   area names so (an `account` under `/v1/financial_connections` is a
//!   `FinancialConnectionsAccountId`). A parameter that names one of several objects takes
//!   their union's id, which converts from each member's (`ExternalAccountId` from a
//!   `BankAccountId` or a `CardId`). Every object with an id has an id type, v1 and v2
//!   (`V2CoreAccountId`); a deleted object's id is the live object's (`DeletedCustomer.id` is
//!   a `CustomerId`). The same parameter shape names the same objects wherever it is used
//!   (`passes::dedup_inline_types`). Every typed id converts from `Id<T>`, `&Id<T>`, `&str`
//!   and `String`; a borrowed id also fills a plain `String` parameter. `--stats` and
//!   `tests/checks.rs` hold every linked parameter to its link ([`self_checks`]).
//! - **v1 and v2 objects do not share ids**: `V2CoreAccountId` is not an `AccountId`, nor
//!   `V2CoreEventId` an `EventId` or `V2CoreAccountPersonId` a `PersonId`. The spec keeps
//!   them apart: v2 objects have their own schemas, and its error
//!   `v1_account_instead_of_v2_account` ("V1 Account ID cannot be used in V2 Account APIs")
//!   refuses a v1 account's id in the v2 Account API. A v2 path never falls back to a v1
//!   resource. Where an id does work in both, the conversion is explicit
//!   (`AccountId::new(v2_account.id.as_str())`).
//! - **One enum per wire concept**: a request parameter that the spec links to a response
//!   enum (the same property of the resource) takes that very enum when every value it takes
//!   is one the response holds: `CreatePaymentIntent.capture_method` and
//!   `PaymentIntent.capture_method` are both `payment_intent::CaptureMethod`, what
//!   `CreateCustomer`, `UpdateCustomer` and `Customer` say of `tax_exempt` is one
//!   `customer::TaxExempt`. Enums linked so form groups, each one enum with every value of
//!   its members. A request enum that takes values the response never holds (a list filter's
//!   `all`) stays apart and converts both ways with `From`; unknown values survive as
//!   `Unknown` either way ([`links::share_enums`]).
//! - **No swappable arguments**: `new` takes the required parameters positionally, unless two
//!   of them would have one Rust type; then it takes one `<Name>Args` struct of named fields
//!   ([`emit::takes_args_struct`]).
//! - **Docs**: every generated item has one; an operation's names its HTTP method and path,
//!   Stripe's method, and links to Stripe's API reference.
//! - **Type names**: resources, the objects operations answer with, and operation structs
//!   keep their names at the crate root (`stripe_types::PaymentIntent`,
//!   `stripe_types::CreatePaymentIntent`), as do the few shapes several resources share
//!   under a short name (`Address`, `ApiErrors`). Every other type, inline or a component
//!   the spec writes once for reuse ([`nesting`]), lives in the module of its resource,
//!   named by the end of its field path (`payment_intent::CaptureMethod`,
//!   `payment_record::ThreeDSecure` for
//!   `payments_primitives_payment_records_resource_payment_method_card_details_resource_three_d_secure`).
//!   The schemas one schema's name heads (`v2.error.*`) share one enum per property
//!   ([`passes::merge_family_enums`]). No public type path passes 80 characters after
//!   `stripe_types::`. A type several operations
//!   share is named by the path its uses have in common, in the resource most of them belong
//!   to, never after one of them. A collision lengthens the name by one field at a time; types
//!   that share a whole field path move into a submodule named after the operation that owns
//!   them (`payment_intent::update::Card`). No name carries a collision number. The full rule
//!   is on [`passes::assign_names`]; `cargo xtask codegen --stats` measures it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod checks;
pub mod convert;
pub mod emit;
pub mod features_guide;
pub mod html;
pub mod links;
pub mod model;
pub mod names;
pub mod nesting;
pub mod passes;
pub mod policy;
pub mod secrets;
pub mod self_checks;

pub use policy::Policy;
pub mod stripe_names;
pub mod test_objects;
pub mod units;
pub mod v2_test;

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Everything that can stop generation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The pin file is malformed.
    #[error("spec pin {path}: {reason}")]
    Pin {
        /// The pin file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The policy file is malformed.
    #[error("generator policy {path}: {reason}")]
    Policy {
        /// The policy file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The spec's hash is not the pinned one.
    #[error(
        "spec sha256 mismatch: {path} has sha256 {actual}, but spec/pin.toml pins {expected}. \
         Refresh deliberately with `cargo xtask spec fetch --tag <tag>` (which updates the pin), \
         or restore the pinned file."
    )]
    HashMismatch {
        /// The spec file.
        path: PathBuf,
        /// The pinned hash.
        expected: String,
        /// The file's hash.
        actual: String,
    },
    /// The spec is not valid OpenAPI JSON.
    #[error("malformed spec at JSON pointer {pointer}: {message}")]
    Malformed {
        /// Where the document fails to parse.
        pointer: String,
        /// Why.
        message: String,
    },
    /// A construct the generator cannot map at all.
    #[error("unsupported construct at {pointer}: {reason}")]
    Unsupported {
        /// Where.
        pointer: String,
        /// Why.
        reason: String,
    },
    /// Emitted tokens did not parse (a generator bug).
    #[error("internal error: emitted code does not parse: {0}")]
    Emit(String),
}

/// The contents of `spec/pin.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// stripe/openapi release tag.
    pub tag: String,
    /// `info.version` of the spec.
    pub api_version: String,
    /// sha256 of the spec file.
    pub sha256: String,
}

impl Pin {
    /// Read a pin file (`key = "value"` lines).
    pub fn read(path: &Path) -> Result<Pin, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.into(),
            source,
        })?;
        Pin::parse(&text).map_err(|reason| Error::Pin {
            path: path.into(),
            reason,
        })
    }

    /// Parse the pin file's text.
    pub fn parse(text: &str) -> Result<Pin, String> {
        let mut kv = BTreeMap::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (k, v) = line
                .split_once('=')
                .ok_or_else(|| format!("not a `key = \"value\"` line: {line}"))?;
            kv.insert(k.trim().to_string(), v.trim().trim_matches('"').to_string());
        }
        let get = |k: &str| kv.get(k).cloned().ok_or_else(|| format!("missing `{k}`"));
        Ok(Pin {
            tag: get("tag")?,
            api_version: get("api_version")?,
            sha256: get("sha256")?,
        })
    }

    /// Write the pin file.
    pub fn render(&self) -> String {
        format!(
            "# The pinned Stripe OpenAPI spec. Written by `cargo xtask spec fetch`; verified by `cargo xtask codegen`.\n\
             tag = \"{tag}\"\n\
             api_version = \"{v}\"\n\
             sha256 = \"{sha}\"\n\
             file = \"openapi.spec3.json\"\n\
             source = \"https://raw.githubusercontent.com/stripe/openapi/{tag}/latest/openapi.spec3.json\"\n\
             license = \"MIT (c) Stripe, Inc.; see README.md\"\n",
            tag = self.tag,
            v = self.api_version,
            sha = self.sha256
        )
    }
}

/// Hex sha256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// What a generation produced.
pub struct Generated {
    /// Files relative to `stripe-types/src/generated/`.
    pub files: BTreeMap<String, String>,
    /// Files relative to the workspace root (the generated stripe-mock and v2 tests).
    pub workspace_files: BTreeMap<String, String>,
    /// The `[features]` table for `stripe-types/Cargo.toml`.
    pub features_toml: String,
    /// Coverage figures and everything skipped or degraded.
    pub stats: Stats,
}

/// Coverage report (`cargo xtask codegen --stats`).
#[derive(Debug, Default)]
pub struct Stats {
    /// Operations emitted.
    pub operations: usize,
    /// Operations in the spec.
    pub operation_total: usize,
    /// Component schemas emitted.
    pub schemas: usize,
    /// Component schemas in the spec.
    pub schema_total: usize,
    /// Items not generated, with the reason.
    pub skipped: Vec<model::Degraded>,
    /// Items mapped imprecisely, with the reason.
    pub degraded: Vec<model::Degraded>,
    /// Generated types (after deduplication).
    pub types: usize,
    /// Webhook event types.
    pub event_types: usize,
    /// Generated source compiled with the default features (unformatted bytes).
    pub default_bytes: usize,
    /// Generated source compiled with no feature (unformatted bytes).
    pub always_bytes: usize,
    /// Each emitted item's features and unformatted size, for [`Stats::compiled_for`].
    pub item_bytes: Vec<(BTreeSet<String>, usize)>,
    /// Each area's resource features.
    pub units: BTreeMap<String, BTreeSet<String>>,
    /// Generated source compiled with `full` (unformatted bytes).
    pub full_bytes: usize,
    /// Path segments and schema prefixes the policy names no area for.
    pub unmapped: Vec<String>,
    /// Operations named from Stripe's table (`spec/operation_names.toml`).
    pub names_from_table: usize,
    /// Of those, names whose verb is not Stripe's method.
    pub verb_mismatches: usize,
    /// Of those, path-based names (the naming before the table) whose verb is not Stripe's.
    pub path_verb_mismatches: usize,
    /// Path parameters of all operations.
    pub path_params: usize,
    /// Path parameters typed plain `String` (no id type for the object they name).
    pub string_path_params: usize,
    /// Those parameters, as `Operation.parameter`.
    pub string_path_param_list: Vec<String>,
    /// Constructors whose required parameters would have two of one type as positional
    /// arguments, and so take a struct of named fields instead.
    pub args_structs: usize,
    /// Constructors that still take two positional arguments of one type (swappable).
    pub swappable_constructors: usize,
    /// How readable the type names are.
    pub naming: NamingStats,
    /// The generator's checks of itself ([`self_checks`]).
    pub checks: self_checks::Checks,
    /// Every field typed `Secret<_>`, and why ([`secrets`]).
    pub secrets: Vec<secrets::Marked>,
    /// The reviewed exceptions to the secret rule: `(field, why it is no secret)`.
    pub not_secret: Vec<(String, String)>,
    /// Operations `spec/policy.toml`'s `[checks]` names that the spec does not have (an
    /// error under `cargo xtask codegen --check`).
    pub stale_checks: Vec<String>,
}

/// Type-name figures (`cargo xtask codegen --stats`).
#[derive(Debug, Default)]
pub struct NamingStats {
    /// (operation, type of one of its parameters) pairs.
    pub direct_pairs: usize,
    /// Of those, pairs whose type is named after a different operation.
    pub direct_foreign: usize,
    /// (operation, type reachable from its parameters) pairs.
    pub pairs: usize,
    /// Of those, pairs whose type is named after a different operation.
    pub foreign: usize,
    /// Type names that end in a digit (collision numbers).
    pub numbered: Vec<String>,
    /// Median, 90th percentile and maximum length of the type names, in characters.
    pub len_median: usize,
    /// 90th percentile of the name lengths.
    pub len_p90: usize,
    /// Longest type name.
    pub len_max: usize,
}

impl NamingStats {
    /// Measure the names of a model after the passes.
    pub fn measure(m: &model::Model) -> NamingStats {
        use std::collections::BTreeSet;
        let skipped = |i: &model::Item| {
            i.schema
                .as_ref()
                .is_some_and(|s| m.skipped.iter().any(|d| &d.at == s))
        };
        let live: Vec<&model::Item> = m
            .items
            .iter()
            .filter(|i| i.merged_into.is_none() && !skipped(i))
            .collect();
        let mut lens: Vec<usize> = live.iter().map(|i| i.name.len()).collect();
        lens.sort_unstable();
        let pct = |p: usize| {
            lens.get((lens.len() * p / 100).min(lens.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0)
        };
        let numbered = live
            .iter()
            .filter(|i| {
                // Digits the spec's own names carry (`P24`, `V2`) are not collision numbers.
                let given = [
                    Some(i.long_name.as_str()),
                    i.schema.as_deref(),
                    i.title.as_deref(),
                    i.path.last().map(String::as_str),
                ];
                let digit = |s: &str| s.ends_with(|c: char| c.is_ascii_digit());
                digit(&i.name) && !given.iter().flatten().any(|g| digit(g))
            })
            .map(|i| i.name.clone())
            .collect();
        // A type is named after an operation when its name, or a module it sits in, starts
        // with that operation's struct name; the longest such operation name counts.
        let op_names: Vec<&str> = m.operations.iter().map(|o| o.name.as_str()).collect();
        let named_after = |item: &model::Item| -> Option<&str> {
            let mut segs: Vec<String> = item.module.iter().map(|s| names::type_ident(s)).collect();
            segs.push(item.name.clone());
            op_names
                .iter()
                .filter(|o| segs.iter().any(|s| s.starts_with(**o)))
                .max_by_key(|o| o.len())
                .copied()
        };
        let (mut pairs, mut foreign, mut direct_pairs, mut direct_foreign) = (0, 0, 0, 0);
        for op in &m.operations {
            let mut seen = BTreeSet::new();
            let mut stack = vec![m.resolve(op.params)];
            while let Some(id) = stack.pop() {
                let id = m.resolve(id);
                if !seen.insert(id) {
                    continue;
                }
                let mut refs = BTreeSet::new();
                match &m.items[id].kind {
                    model::Kind::Struct { fields, .. } => {
                        fields.iter().for_each(|f| f.ty.refs_except_ids(&mut refs))
                    }
                    model::Kind::Union { variants } => variants
                        .iter()
                        .for_each(|v| v.ty.refs_except_ids(&mut refs)),
                    model::Kind::Enum { .. } => {}
                }
                stack.extend(refs);
            }
            seen.remove(&m.resolve(op.params));
            let mut direct = BTreeSet::new();
            if let model::Kind::Struct { fields, .. } = &m.items[m.resolve(op.params)].kind {
                fields
                    .iter()
                    .for_each(|f| f.ty.refs_except_ids(&mut direct));
            }
            let direct: BTreeSet<usize> = direct.into_iter().map(|i| m.resolve(i)).collect();
            for id in seen {
                let is_foreign = named_after(&m.items[id]).is_some_and(|o| o != op.name);
                pairs += 1;
                foreign += usize::from(is_foreign);
                if direct.contains(&id) {
                    direct_pairs += 1;
                    direct_foreign += usize::from(is_foreign);
                }
            }
        }
        NamingStats {
            direct_pairs,
            direct_foreign,
            pairs,
            foreign,
            numbered,
            len_median: pct(50),
            len_p90: pct(90),
            len_max: lens.last().copied().unwrap_or(0),
        }
    }

    /// The report lines.
    pub fn render(&self) -> String {
        format!(
            "type names: named after another operation: {} of {} (operation, parameter type) pairs, \
             {} of {} (operation, type its parameters reach)\n\
             type names: {} end in a collision number{}\n\
             type names: length median {}, p90 {}, max {} characters\n",
            self.direct_foreign,
            self.direct_pairs,
            self.foreign,
            self.pairs,
            self.numbered.len(),
            if self.numbered.is_empty() {
                String::new()
            } else {
                format!(" ({})", self.numbered.join(", "))
            },
            self.len_median,
            self.len_p90,
            self.len_max
        )
    }
}

impl Stats {
    /// Generated source (unformatted bytes) that a build with `features` (areas or resource
    /// features) compiles.
    pub fn compiled_for(&self, features: &[String]) -> usize {
        compiled_bytes(&self.item_bytes, &enabled_features(features, &self.units))
    }

    /// Fill in the naming, path-id and constructor figures from the final model.
    fn with_names_and_args(mut self, m: &model::Model) -> Stats {
        for op in &m.operations {
            if let Some(s) = &op.stripe {
                self.names_from_table += 1;
                // Stripe's method, in full or less a repeat of its resource
                // (`FinalizeInvoice` for `finalize_invoice` on an invoice).
                let (full, verb) = (names::type_ident(&s.method), s.verb());
                let differs = |n: &str| !n.starts_with(&full) && !n.starts_with(&verb);
                let name = &m.items[m.resolve(op.params)].name;
                self.verb_mismatches += usize::from(differs(name));
                self.path_verb_mismatches += usize::from(differs(&op.path_name));
            }
            if let model::Kind::Struct { fields, .. } = &m.items[m.resolve(op.params)].kind {
                for f in fields
                    .iter()
                    .filter(|f| f.location == model::Location::Path)
                {
                    self.path_params += 1;
                    if f.ty == model::Ty::String {
                        self.string_path_params += 1;
                        self.string_path_param_list.push(format!(
                            "{}.{}",
                            m.items[m.resolve(op.params)].name,
                            f.name
                        ));
                    }
                }
            }
        }
        self.args_structs = emit::args_struct_count(m);
        self
    }

    /// The lines of the generator's checks ([`self_checks`]): each finding, then the figures.
    pub fn checks_render(&self) -> String {
        let c = &self.checks;
        let mut s = String::new();
        for w in &c.wrong_ids {
            s.push_str(&format!("check: wrong id type: {w}\n"));
        }
        for (slot, u) in &c.untyped_ids {
            s.push_str(&format!("check: plain String id ({slot:?}): {u}\n"));
        }
        for (_, p) in &c.enum_pairs {
            s.push_str(&format!("check: enum pair without a conversion: {p}\n"));
        }
        for d in &c.dangling_docs {
            s.push_str(&format!("check: doc names a missing type: {d}\n"));
        }
        for (legacy, sdk, deprecated) in &c.duplicates {
            s.push_str(&format!(
                "check: legacy {legacy} duplicates {sdk}{}\n",
                if *deprecated { " (deprecated)" } else { "" }
            ));
        }
        let count = |slot, top: bool| {
            c.untyped_ids
                .iter()
                .filter(|(s, u)| *s == slot && (!top || c.top_level(u)))
                .count()
        };
        s.push_str(&format!(
            "ids: parameters the spec links to an object: typed with another object's id {}; plain String {} ({} path, {} single, {} lists; top level {} path, {} single, {} lists)\n",
            c.wrong_ids.len(),
            c.untyped_ids.len(),
            count(self_checks::Slot::Path, false),
            count(self_checks::Slot::Single, false),
            count(self_checks::Slot::List, false),
            count(self_checks::Slot::Path, true),
            count(self_checks::Slot::Single, true),
            count(self_checks::Slot::List, true),
        ));
        s.push_str(&format!(
            "enums: request/response pairs without a conversion: {} ({} at the top level) of {} linked pairs ({} one enum, {} convert with From)\n",
            c.enum_pairs.len(),
            c.enum_pairs.iter().filter(|(t, _)| *t).count(),
            c.enum_links,
            c.enum_shared,
            c.enum_converted
        ));
        s.push_str(&format!(
            "docs: doc lines naming a missing type: {}\n",
            c.dangling_docs.len()
        ));
        s.push_str(&format!(
            "legacy: v1 operations no SDK names: {}; duplicating an SDK-named one: {}, of which deprecated: {}\n",
            c.legacy.len(),
            c.duplicates.len(),
            c.duplicates.iter().filter(|d| d.2).count()
        ));
        s.push_str(&format!(
            "type paths after stripe_types::: median {}, p90 {}, max {} characters; longer than 80: {} (longest: {})\n",
            c.path_len.0,
            c.path_len.1,
            c.path_len.2,
            c.paths_over_80,
            c.longest_paths.first().map(String::as_str).unwrap_or("")
        ));
        s
    }

    /// The report: skipped and degraded items, then the two coverage lines last.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for d in &self.skipped {
            s.push_str(&format!("skipped {}: {}\n", d.at, d.reason));
        }
        for d in &self.degraded {
            s.push_str(&format!("degraded {}: {}\n", d.at, d.reason));
        }
        for op in &self.stale_checks {
            s.push_str(&format!(
                "stale check {op}: spec/policy.toml [checks] names an operation the spec does not have\n"
            ));
        }
        for u in &self.unmapped {
            s.push_str(&format!(
                "unmapped {u}: placed in `core`; name its area in spec/policy.toml\n"
            ));
        }
        s.push_str(&format!(
            "types {} (after deduplication), event types {}\n",
            self.types, self.event_types
        ));
        s.push_str(&format!(
            "generated source compiled: no feature {:.1} MiB, default features {:.1} MiB, full {:.1} MiB (unformatted)\n",
            self.always_bytes as f64 / 1048576.0,
            self.default_bytes as f64 / 1048576.0,
            self.full_bytes as f64 / 1048576.0
        ));
        s.push_str(&self.naming.render());
        s.push_str(&format!(
            "operation names from Stripe's table: {} of {}; verb differs from Stripe's method: {} (path-based names: {})\n",
            self.names_from_table, self.operations, self.verb_mismatches, self.path_verb_mismatches
        ));
        s.push_str(&self.checks_render());
        for p in &self.string_path_param_list {
            s.push_str(&format!(
                "path parameter typed String (no single resource with an id): {p}\n"
            ));
        }
        s.push_str(&format!(
            "path parameters typed plain String: {} of {}\n",
            self.string_path_params, self.path_params
        ));
        s.push_str(&format!(
            "constructors with swappable arguments: {} (positional form would have {}; those take an args struct)\n",
            self.swappable_constructors, self.args_structs
        ));
        for m in &self.secrets {
            s.push_str(&format!(
                "secret {}.{} ({}): {}\n",
                m.holder, m.field, m.side, m.why
            ));
        }
        for (field, why) in &self.not_secret {
            s.push_str(&format!("not secret (reviewed) {field}: {why}\n"));
        }
        s.push_str(&format!(
            "secret fields: {} (by the rule or spec/policy.toml; {} reviewed exceptions)\n",
            self.secrets.len(),
            self.not_secret.len()
        ));
        s.push_str(&format!(
            "operations {}/{}\n",
            self.operations, self.operation_total
        ));
        s.push_str(&format!("schemas {}/{}\n", self.schemas, self.schema_total));
        s
    }
}

/// Parse spec bytes; a malformed document names the JSON pointer where it fails.
pub fn parse_spec(bytes: &[u8]) -> Result<openapiv3::OpenAPI, Error> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let mut pointer = json_pointer(e.path());
        let mut message = e.inner().to_string();
        // openapiv3 decodes `$ref`-or-item nodes as untagged enums, which hide the inner path:
        // look again, node by node, for the deepest part that does not decode.
        if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(bytes) {
            if let Some((p, m)) = locate(&doc) {
                pointer = p;
                message = m;
            }
        }
        Error::Malformed { pointer, message }
    })
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Decode `v` as `T`; on failure, the pointer (base + inner path) and message.
fn check_at<T: serde::de::DeserializeOwned>(
    v: &serde_json::Value,
    base: &str,
) -> Option<(String, String)> {
    match serde_path_to_error::deserialize::<_, T>(v) {
        Ok(_) => None,
        Err(e) => {
            let inner = json_pointer(e.path());
            let p = if inner == "/" {
                base.to_string()
            } else {
                format!("{base}{inner}")
            };
            Some((p, e.inner().to_string()))
        }
    }
}

fn locate(doc: &serde_json::Value) -> Option<(String, String)> {
    use serde_json::Value;
    let obj = |v: &Value| v.as_object().cloned().unwrap_or_default();
    for (path, item) in obj(doc.get("paths")?) {
        let base = format!("/paths/{}", escape(&path));
        for (method, op) in obj(&item) {
            let base = format!("{base}/{method}");
            for (i, p) in op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if let Some(hit) =
                    check_at::<openapiv3::Parameter>(p, &format!("{base}/parameters/{i}"))
                {
                    return Some(hit);
                }
            }
            if let Some(rb) = op.get("requestBody") {
                if let Some(hit) =
                    check_at::<openapiv3::RequestBody>(rb, &format!("{base}/requestBody"))
                {
                    return Some(hit);
                }
            }
            for (code, r) in op.get("responses").map(obj).unwrap_or_default() {
                if r.get("$ref").is_none() {
                    if let Some(hit) = check_at::<openapiv3::Response>(
                        &r,
                        &format!("{base}/responses/{}", escape(&code)),
                    ) {
                        return Some(hit);
                    }
                }
            }
            if method != "parameters"
                && method != "servers"
                && method != "summary"
                && method != "description"
            {
                if let Some(hit) = check_at::<openapiv3::Operation>(&op, &base) {
                    return Some(hit);
                }
            }
        }
    }
    for (name, schema) in doc
        .get("components")
        .and_then(|c| c.get("schemas"))
        .map(obj)
        .unwrap_or_default()
    {
        if let Some(hit) = check_at::<openapiv3::Schema>(
            &schema,
            &format!("/components/schemas/{}", escape(&name)),
        ) {
            return Some(hit);
        }
    }
    None
}

fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        out.push('/');
        match seg {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push_str(&key.replace('~', "~0").replace('/', "~1"))
            }
            Segment::Unknown => out.push('?'),
        }
    }
    if out.is_empty() {
        "/".into()
    } else {
        out
    }
}

/// Generate from spec bytes already verified against `pin`'s hash; `policy` places paths and
/// schemas in areas and names the secret fields; operations are named from Stripe's `names`
/// table (see [`stripe_names`]).
pub fn generate_from_bytes(
    bytes: &[u8],
    pin: &Pin,
    policy: &Policy,
    names: &stripe_names::NameTable,
) -> Result<Generated, Error> {
    let api = parse_spec(bytes)?;
    if api.info.version != pin.api_version {
        return Err(Error::Pin {
            path: "spec/pin.toml".into(),
            reason: format!(
                "pins API version {} but the spec is {}; refresh with `cargo xtask spec fetch`",
                pin.api_version, api.info.version
            ),
        });
    }
    let sha256 = pin.sha256.as_str();
    let mut model = convert::convert(&api, policy, names)?;
    passes::run_all(&mut model);
    let (checks, stale_checks) = checks::for_model(&model, policy);
    model.checks = checks;
    let mut emitted = emit::emit(&model, sha256)?;
    // Objects for tests (stripe-types' `test_objects` feature).
    let header = emit::header(&model, sha256);
    emitted.files.extend(test_objects::emit(&model, &header)?);
    let stats = Stats {
        operations: model.operations.len(),
        operation_total: model.operation_total,
        schemas: model
            .components
            .keys()
            .filter(|c| !model.skipped.iter().any(|s| &s.at == *c))
            .count(),
        schema_total: model.schema_total,
        skipped: model.skipped.clone(),
        degraded: {
            let mut d = model.degraded.clone();
            d.sort();
            d.dedup();
            d
        },
        types: model
            .items
            .iter()
            .filter(|i| i.merged_into.is_none())
            .count(),
        event_types: model.event_types.len(),
        default_bytes: compiled_bytes(
            &emitted.item_bytes,
            &enabled_features(&policy.default_areas, &model.units),
        ),
        always_bytes: compiled_bytes(&emitted.item_bytes, &BTreeSet::new()),
        item_bytes: emitted.item_bytes.clone(),
        units: model.units.clone(),
        full_bytes: emitted.item_bytes.iter().map(|(_, b)| b).sum(),
        naming: NamingStats::measure(&model),
        unmapped: model.unmapped.iter().cloned().collect(),
        secrets: secrets::marked(&model, policy),
        not_secret: secrets::exceptions(policy),
        stale_checks,
        ..Stats::default()
    };
    let mut stats = stats.with_names_and_args(&model);
    stats.swappable_constructors = emitted
        .files
        .values()
        .map(|f| emit::swappable_constructors(f))
        .sum();
    stats.checks = self_checks::measure(&model);
    stats.checks.dangling_docs =
        self_checks::dangling_docs(&emitted.files, &self_checks::spec_prose(&model));
    let features_toml = features_toml(policy, &model.units);
    let mut workspace_files = BTreeMap::new();
    workspace_files.insert(
        "tests/tests/it/stripe_mock_every_operation.rs".to_string(),
        emit::mock_test(&model, sha256)?,
    );
    workspace_files.insert(v2_test::PATH.to_string(), v2_test::v2_test(&model, sha256)?);
    workspace_files.insert(
        "tests/tests/it/secrets_debug.rs".to_string(),
        secrets::debug_test(&model, sha256)?,
    );
    workspace_files.insert(
        "guides/features.md".to_string(),
        features_guide::render(&model, &policy.default_areas),
    );
    Ok(Generated {
        files: emitted.files,
        workspace_files,
        features_toml,
        stats,
    })
}

/// The `[features]` table of `stripe-types/Cargo.toml`: every area of the policy, whether or
/// not the spec still has items in it (the feature set is public API), each followed by its
/// resource features ([`units`]).
fn features_toml(policy: &Policy, units: &BTreeMap<String, BTreeSet<String>>) -> String {
    let quoted = |fs: &mut dyn Iterator<Item = &str>| {
        fs.map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut t = String::from("[features]\n");
    t.push_str(
        "# Generated by `cargo xtask codegen` from spec/policy.toml and the spec's paths: one feature per\n\
         # API area, each followed by its resources' features (`customers`, `billing_meters`, ...), which an\n\
         # app can enable alone. `core` items are always compiled. The table of resources per feature:\n\
         # guides/features.md.\n",
    );
    t.push_str(&format!(
        "default = [{}]\n",
        quoted(&mut policy.default_areas.iter().map(String::as_str))
    ));
    t.push_str(&format!("full = [{}]\n", quoted(&mut policy.features())));
    t.push_str(
        "# Serialize impls for response types (request types always serialize).\nserialize = []\n\
         # `rt::TestDefault`: every response type with its required fields filled, for tests.\n\
         test_objects = []\n",
    );
    for area in policy.features() {
        let own: Vec<&str> = units
            .get(area)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|u| *u != area)
            .collect();
        t.push_str(&format!(
            "{area} = [{}]\n",
            quoted(&mut own.iter().copied())
        ));
        for u in own {
            t.push_str(&format!("{u} = []\n"));
        }
    }
    t
}

/// Generated source (unformatted bytes) that a build with the features `on` compiles.
fn compiled_bytes(item_bytes: &[(BTreeSet<String>, usize)], on: &BTreeSet<String>) -> usize {
    item_bytes
        .iter()
        .filter(|(cfg, _)| cfg.is_empty() || cfg.iter().any(|f| on.contains(f)))
        .map(|(_, b)| b)
        .sum()
}

/// The features a build with `enabled` turns on: those areas and their resources'.
pub fn enabled_features(
    enabled: &[String],
    units: &BTreeMap<String, BTreeSet<String>>,
) -> BTreeSet<String> {
    let mut on: BTreeSet<String> = enabled.iter().cloned().collect();
    for e in enabled {
        on.extend(units.get(e).into_iter().flatten().cloned());
    }
    on
}

/// Generate a spec into one file, without a pin, under the workspace's policy (the snapshot
/// tests' fixtures).
pub fn generate_single_file(bytes: &[u8]) -> Result<(String, Stats), Error> {
    let api = parse_spec(bytes)?;
    let policy = policy::workspace_policy();
    let mut model = convert::convert(&api, &policy, &stripe_names::NameTable::new())?;
    passes::run_all(&mut model);
    model.checks = checks::for_model(&model, &policy).0;
    // One file, no API-area features: every item is compiled.
    for item in model.items.iter_mut() {
        item.cfg.clear();
        item.gated = false;
    }
    let sha = sha256_hex(bytes);
    let text = emit::emit_single(&model, &sha)?;
    let stats = Stats {
        operations: model.operations.len(),
        operation_total: model.operation_total,
        schemas: model
            .components
            .keys()
            .filter(|c| !model.skipped.iter().any(|s| &s.at == *c))
            .count(),
        schema_total: model.schema_total,
        skipped: model.skipped.clone(),
        degraded: model.degraded.clone(),
        types: model
            .items
            .iter()
            .filter(|i| i.merged_into.is_none())
            .count(),
        event_types: model.event_types.len(),
        default_bytes: 0,
        always_bytes: 0,
        item_bytes: Vec::new(),
        units: BTreeMap::new(),
        full_bytes: text.len(),
        naming: NamingStats::measure(&model),
        unmapped: model.unmapped.iter().cloned().collect(),
        ..Stats::default()
    };
    let mut stats = stats.with_names_and_args(&model);
    stats.swappable_constructors = emit::swappable_constructors(&text);
    stats.checks = self_checks::measure(&model);
    stats.checks.dangling_docs = self_checks::dangling_docs(
        &BTreeMap::from([("lib.rs".to_string(), text.clone())]),
        &self_checks::spec_prose(&model),
    );
    Ok((text, stats))
}

/// The file of Stripe's operation names, beside the spec.
pub const NAMES_FILE: &str = "operation_names.toml";

/// Verify the spec against its pin, then generate under the policy beside the pin
/// (`policy.toml`), with the operation names of [`NAMES_FILE`] beside the spec (operations
/// keep path-based names without it).
pub fn generate(spec_path: &Path, pin_path: &Path) -> Result<Generated, Error> {
    let pin = Pin::read(pin_path)?;
    let bytes = std::fs::read(spec_path).map_err(|source| Error::Io {
        path: spec_path.into(),
        source,
    })?;
    let actual = sha256_hex(&bytes);
    if actual != pin.sha256 {
        return Err(Error::HashMismatch {
            path: spec_path.into(),
            expected: pin.sha256,
            actual,
        });
    }
    let policy = Policy::read(&pin_path.with_file_name("policy.toml"))?;
    let names_path = spec_path.with_file_name(NAMES_FILE);
    let names = match std::fs::read_to_string(&names_path) {
        Ok(text) => stripe_names::parse_table(&text).map_err(|reason| Error::Pin {
            path: names_path.clone(),
            reason,
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => stripe_names::NameTable::new(),
        Err(source) => {
            return Err(Error::Io {
                path: names_path,
                source,
            })
        }
    };
    generate_from_bytes(&bytes, &pin, &policy, &names)
}
