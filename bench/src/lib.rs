//! The benches of `stripe-client` and `stripe-types` (`benches/`, run by `cargo xtask bench`),
//! and what those against a local server share: the canned customer, a minimal hand-written
//! `CreateCustomer` request with its `Customer` response (the floor the client's generated
//! types are measured against), and the server's own thread and runtime.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::future::Future;
use std::net::SocketAddr;
use stripe_client::prelude::*;
use stripe_types::rt::{Decode, Encoding, Endpoint, Host, Pagination, ResponseKind, StripeRequest};

/// The customer every canned server answers with.
pub const CUSTOMER: &str = r#"{"id":"cus_NffrFeUfNV2Hib","object":"customer","address":null,"balance":0,"created":1680893993,"currency":null,"default_source":null,"delinquent":false,"description":null,"discount":null,"email":"jennyrosen@example.com","invoice_prefix":"0759376C","invoice_settings":{"custom_fields":null,"default_payment_method":null,"footer":null,"rendering_options":null},"livemode":false,"metadata":{"order_id":"6735"},"name":"Jenny Rosen","next_invoice_sequence":1,"phone":null,"preferred_locales":[],"shipping":null,"tax_exempt":"none","test_clock":null}"#;

/// The fields of [`CUSTOMER`] a hand-written client would read, decoded with serde.
#[derive(Debug, Deserialize)]
pub struct Customer {
    pub id: String,
    pub object: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub balance: i64,
    pub created: i64,
    pub metadata: std::collections::BTreeMap<String, String>,
}

impl Decode for Customer {
    fn decode(r: &mut stripe_types::rt::json::Reader<'_>) -> stripe_types::rt::json::Result<Self> {
        r.serde()
    }
}

/// `POST /v1/customers` with an email, a name and one metadata entry.
#[derive(Serialize)]
pub struct CreateCustomer {
    pub email: &'static str,
    pub name: &'static str,
    pub metadata: Meta,
}

#[derive(Serialize)]
pub struct Meta {
    pub order_id: &'static str,
}

impl StripeRequest for CreateCustomer {
    type Output = Customer;
    fn endpoint(&self) -> Endpoint {
        Endpoint {
            operation_id: "PostCustomers",
            method: Method::Post,
            path: Cow::Borrowed("/v1/customers"),
            host: Host::Api,
            encoding: Encoding::Form,
            response: ResponseKind::Json,
            pagination: Pagination::None,
        }
    }
}

impl CreateCustomer {
    /// The request for [`CUSTOMER`]: Jenny Rosen, order 6735.
    pub fn jenny_rosen() -> Self {
        CreateCustomer {
            email: "jennyrosen@example.com",
            name: "Jenny Rosen",
            metadata: Meta { order_id: "6735" },
        }
    }
}

/// Bind a server on 127.0.0.1 and run `serve` on it in its own thread and one-worker runtime,
/// like a server in another process: its tasks do not compete with the client's for the
/// client runtime's workers. Returns the address it listens on.
pub fn spawn_server<F, Fut>(serve: F) -> SocketAddr
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            serve(listener).await
        });
    });
    addr
}
