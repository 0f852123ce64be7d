//! The generated v2 test (`tests/tests/it/v2_every_operation.rs`): every v2 operation sent
//! through the generated API to the spec-driven v2 test server
//! (`integration_tests::v2_server`), and every v2 schema's fullest examples decoded.
//!
//! For each v2 operation it writes two calls, filled by the stripe-mock test's value
//! synthesis (`emit::Samples`): one with the required parameters, one with every
//! optional top-level parameter set as well. Each answer must decode into the operation's
//! typed output. Then, for each `v2.*` component schema and each v2 operation's 200 schema,
//! one round trip through the generated type (`integration_tests::v2_server::breadth`).
//!
//! Names and paths come from the model, so the file follows whatever the types are called.

use crate::emit::Samples;
use crate::model::{Field, Host, Kind, Location, Model};
use crate::names::field_ident;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Where the generated file goes, from the workspace root.
pub const PATH: &str = "tests/tests/it/v2_every_operation.rs";

/// Optional parameters whose sample would be refused by the client's guards
/// (`stripe_client::meter::guard`) before it reaches the server, with the value to send
/// instead: a meter event's `timestamp` must lie within the last 35 days.
const GUARD_VALUES: &[(&str, &str, &str)] = &[(
    "PostV2BillingMeterEvents",
    "timestamp",
    "stripe_types::rt::DateTime::from(integration_tests::v2_server::rfc3339_now().as_str())",
)];

fn value_for(s: &Samples<'_>, op_id: &str, f: &Field) -> TokenStream {
    let value = GUARD_VALUES
        .iter()
        .find(|(o, name, _)| *o == op_id && *name == f.name)
        .map(|(_, _, expr)| expr.parse().expect("guard value parses"));
    s.set(f, value)
}

/// The generated v2 test.
pub fn v2_test(m: &Model, sha256: &str) -> Result<String, crate::Error> {
    let s = Samples::new(m);
    let mut fns = Vec::new();
    let mut table = Vec::new();
    for op in m.operations.iter().filter(|o| o.path.starts_with("/v2/")) {
        let Kind::Struct { fields, .. } = &m.items[m.resolve(op.params)].kind else {
            continue;
        };
        let base = field_ident(&op.id);
        let base = base.trim_start_matches("r#");
        let required_fn = format_ident!("op_{}_required", base);
        let full_fn = format_ident!("op_{}_full", base);
        let new = s.new_call(op.params, fields);
        let optional: Vec<&Field> = fields
            .iter()
            .filter(|f| !f.required && f.location == Location::Params)
            .collect();
        let setters: Vec<TokenStream> = optional.iter().map(|f| value_for(&s, &op.id, f)).collect();
        let optional_names: Vec<&str> = optional.iter().map(|f| f.name.as_str()).collect();
        let send = if op.host == Host::MeterEvents {
            quote! {
                let opts = integration_tests::v2_server::meter_session_options(client).await?;
                let _answer = req.send_with(client, opts).await?;
            }
        } else {
            quote!(let _answer = req.send(client).await?;)
        };
        fns.push(quote! {
            async fn #required_fn(client: &Client) -> Result<(), Error> {
                let req = #new;
                #send
                Ok(())
            }
            async fn #full_fn(client: &Client) -> Result<(), Error> {
                let req = #new #(#setters)*;
                #send
                Ok(())
            }
        });
        let id = &op.id;
        let label = format!("{} {} ({})", op.method, op.path, op.id);
        table.push(quote! {
            V2Op {
                id: #id,
                label: #label,
                optional: &[#(#optional_names),*],
                required: |c: Client| Box::pin(async move { #required_fn(&c).await }) as BoxFut,
                full: |c: Client| Box::pin(async move { #full_fn(&c).await }) as BoxFut,
            },
        });
    }
    let n_ops = table.len();
    // Breadth: every v2 component schema with a generated type, then every v2 operation's
    // 200 schema through its typed output.
    let mut breadth = Vec::new();
    for (name, &id) in &m.components {
        if !name.starts_with("v2.") || m.skipped.iter().any(|d| &d.at == name) {
            continue;
        }
        let item = &m.items[m.resolve(id)];
        if !item.roles.de || !matches!(item.kind, Kind::Struct { .. }) {
            continue;
        }
        let ty = s.type_path(id);
        breadth.push(quote! {
            (#name, || roundtrip::<#ty>(#name, component(#name)?)),
        });
    }
    for op in m.operations.iter().filter(|o| o.path.starts_with("/v2/")) {
        let ty = s.type_path(op.params);
        let id = &op.id;
        let label = format!("{id} 200");
        breadth.push(quote! {
            (#label, || roundtrip::<<#ty as StripeRequest>::Output>(#label, response_of(#id)?)),
        });
    }
    let n_breadth = breadth.len();
    let tokens = quote! {
        //! Every v2 operation of the pinned spec sent through the generated API to the
        //! spec-driven v2 test server (`integration_tests::v2_server`): once with the required
        //! parameters, once with every optional top-level parameter set; each answer decoded
        //! into the generated type. Then the fullest example of every v2 schema decoded and
        //! serialized back.
        #![allow(clippy::all, unused_imports)]
        // Laid out by prettyplease; `cargo fmt` leaves generated code alone.
        #![cfg_attr(rustfmt, rustfmt::skip)]
        use integration_tests::v2_server::breadth::{component, response_of, roundtrip, Counts};
        use std::future::Future;
        use std::pin::Pin;
        use stripe_client::{Client, Error, StripeRequestExt};
        use stripe_types::rt::StripeRequest;

        type BoxFut = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

        /// One v2 operation's two calls.
        struct V2Op {
            id: &'static str,
            label: &'static str,
            /// The optional top-level parameters the second call sets.
            optional: &'static [&'static str],
            required: fn(Client) -> BoxFut,
            full: fn(Client) -> BoxFut,
        }

        #(#fns)*

        /// Every v2 operation.
        fn operations() -> Vec<V2Op> {
            vec![#(#table)*]
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn v2_every_operation_against_the_v2_server() {
            let server = integration_tests::v2_server::V2Server::start().await;
            let client = server.client();
            let ops = operations();
            assert_eq!(ops.len(), #n_ops);
            let spec_ops = integration_tests::v2_server::spec().ops.len();
            assert_eq!(ops.len(), spec_ops, "every v2 operation of the spec is generated");
            let mut failures = Vec::new();
            let mut passed = 0usize;
            for op in &ops {
                let mut ok = true;
                for (call, which, sets) in [(op.required, "required parameters", &[][..]), (op.full, "every optional parameter", op.optional)] {
                    let before = server.requests().len();
                    let result = call(client.clone()).await;
                    let seen = server.requests();
                    let mine = seen.get(before..).unwrap_or_default();
                    // The request reached the operation it is generated for, and passed.
                    let reached = mine.iter().find(|s| s.operation.as_deref() == Some(op.id) && s.status == 200);
                    // ...with every optional parameter of the second call on the wire.
                    let missing: Vec<&&str> = match reached {
                        Some(s) => {
                            let sent = s.sent_params();
                            sets.iter().filter(|p| !sent.iter().any(|k| k == *p)).collect()
                        }
                        None => Vec::new(),
                    };
                    match result {
                        Ok(()) if reached.is_some() && missing.is_empty() => {}
                        Ok(()) if reached.is_some() => {
                            ok = false;
                            failures.push(format!("{} ({which}): parameters set but not sent: {missing:?}", op.label));
                        }
                        Ok(()) => {
                            ok = false;
                            failures.push(format!("{} ({which}): answered, but not by {}: {:?}", op.label, op.id, mine.iter().map(|s| (&s.method, &s.path, &s.operation)).collect::<Vec<_>>()));
                        }
                        Err(e) => {
                            ok = false;
                            let problems: Vec<&String> = mine.iter().flat_map(|s| &s.problems).collect();
                            failures.push(format!("{} ({which}): {e}; server: {problems:?}", op.label));
                        }
                    }
                }
                if ok {
                    passed += 1;
                    println!("ok {} (optional parameters set: {})", op.label, op.optional.len());
                }
            }
            for f in &failures {
                println!("FAILED {f}");
            }
            println!("v2 coverage: {passed}/{} operations", ops.len());
            assert!(failures.is_empty(), "{} v2 calls failed against the v2 server", failures.len());
            assert_eq!(passed, spec_ops);
        }

        /// Every v2 schema with a generated type, and every v2 operation's 200 schema.
        fn breadth() -> Vec<(&'static str, fn() -> Result<Counts, String>)> {
            vec![#(#breadth)*]
        }

        #[test]
        fn v2_fullest_examples_decode_and_serialize_back() {
            let cases = breadth();
            assert_eq!(cases.len(), #n_breadth);
            let mut failures = Vec::new();
            let mut covered = Counts::default();
            for (label, check) in &cases {
                match check() {
                    Ok(n) => covered += n,
                    Err(e) => failures.push(format!("{label}: {e}")),
                }
            }
            for f in &failures {
                println!("FAILED {f}");
            }
            println!(
                "v2 decoding breadth: {} of {} schemas, {} fullest examples, {} fields shown typed",
                cases.len() - failures.len(),
                cases.len(),
                covered.examples,
                covered.fields
            );
            assert!(failures.is_empty(), "{} v2 schemas do not round-trip", failures.len());
        }
    };
    let header = format!(
        "// Generated by cargo xtask codegen from Stripe API {} (spec sha256 {}). Do not edit.\n\n",
        m.api_version,
        &sha256[..12.min(sha256.len())]
    );
    s.file(header, tokens)
}
