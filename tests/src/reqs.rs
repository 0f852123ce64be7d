//! Hand-written requests and resources, standing in for the generated ones in tests.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use stripe_types::rt::{
    encode_path_segment, Binary, Clearable, Decode, Encoding, Endpoint, FileUpload, HasId, Host,
    List, Method, Pagination, ResponseKind, SearchList, StripeRequest, V2List,
};
use stripe_types::Metadata;

/// A customer, as much of it as the tests read.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Customer {
    /// `cus_...`
    pub id: String,
    /// `customer`
    #[serde(default)]
    pub object: String,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Metadata.
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

impl HasId for Customer {
    fn id_str(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// How an output type of your own is decoded: a one-line `Decode` impl that reads the value
/// with its serde `Deserialize` (lists of it, and the response body, follow).
macro_rules! json_output {
    ($($t:ty),*) => {$(
        impl Decode for $t {
            fn decode(r: &mut stripe_types::rt::json::Reader<'_>) -> stripe_types::rt::json::Result<Self> {
                r.serde()
            }
        }
    )*};
}
json_output!(Customer, Deleted, Thing, File);

/// A deleted object.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Deleted {
    /// Its id.
    pub id: String,
    /// `true`.
    pub deleted: bool,
}

fn endpoint(
    operation_id: &'static str,
    method: Method,
    path: impl Into<Cow<'static, str>>,
    pagination: Pagination,
) -> Endpoint {
    let path = path.into();
    let encoding = if path.starts_with("/v2/") && method == Method::Post {
        Encoding::Json
    } else {
        Encoding::Form
    };
    Endpoint {
        operation_id,
        method,
        path,
        host: Host::Api,
        encoding,
        response: ResponseKind::Json,
        pagination,
    }
}

/// `POST /v1/customers`
#[derive(Debug, Clone, Default, Serialize)]
pub struct CreateCustomer {
    /// Email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Description (clearable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Clearable<String>>,
    /// Metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// Fields to expand.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expand: Vec<String>,
}

impl CreateCustomer {
    /// No parameters.
    pub fn new() -> Self {
        Self::default()
    }
    /// Set the email.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }
    /// Add a metadata pair.
    pub fn metadata(mut self, k: &str, v: &str) -> Self {
        self.metadata
            .get_or_insert_with(Default::default)
            .insert(k.into(), v.into());
        self
    }
}

impl StripeRequest for CreateCustomer {
    type Output = Customer;
    fn endpoint(&self) -> Endpoint {
        endpoint(
            "PostCustomers",
            Method::Post,
            "/v1/customers",
            Pagination::None,
        )
    }
}

/// `GET /v1/customers/{customer}`
#[derive(Debug, Clone, Serialize)]
pub struct RetrieveCustomer {
    /// The id (path parameter).
    #[serde(skip)]
    pub id: String,
    /// Fields to expand.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expand: Vec<String>,
}

impl RetrieveCustomer {
    /// Retrieve `id`.
    pub fn new(id: impl Into<String>) -> Self {
        RetrieveCustomer {
            id: id.into(),
            expand: Vec::new(),
        }
    }
}

impl StripeRequest for RetrieveCustomer {
    type Output = Customer;
    fn endpoint(&self) -> Endpoint {
        endpoint(
            "GetCustomersCustomer",
            Method::Get,
            format!("/v1/customers/{}", encode_path_segment(&self.id)),
            Pagination::None,
        )
    }
}

/// `DELETE /v1/customers/{customer}`
#[derive(Debug, Clone, Serialize)]
pub struct DeleteCustomer {
    /// The id (path parameter).
    #[serde(skip)]
    pub id: String,
}

impl StripeRequest for DeleteCustomer {
    type Output = Deleted;
    fn endpoint(&self) -> Endpoint {
        endpoint(
            "DeleteCustomersCustomer",
            Method::Delete,
            format!("/v1/customers/{}", encode_path_segment(&self.id)),
            Pagination::None,
        )
    }
}

/// `GET /v1/customers`
#[derive(Debug, Clone, Default, Serialize)]
pub struct ListCustomers {
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Forward cursor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting_after: Option<String>,
    /// Backward cursor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ending_before: Option<String>,
    /// Filter by email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl ListCustomers {
    /// No filters.
    pub fn new() -> Self {
        Self::default()
    }
    /// Page size.
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }
    /// Page backwards from this id.
    pub fn ending_before(mut self, id: &str) -> Self {
        self.ending_before = Some(id.into());
        self
    }
    /// Page forwards from this id.
    pub fn starting_after(mut self, id: &str) -> Self {
        self.starting_after = Some(id.into());
        self
    }
}

impl StripeRequest for ListCustomers {
    type Output = List<Customer>;
    fn endpoint(&self) -> Endpoint {
        endpoint(
            "GetCustomers",
            Method::Get,
            "/v1/customers",
            Pagination::List,
        )
    }
}

/// `GET /v1/customers/search`
#[derive(Debug, Clone, Serialize)]
pub struct SearchCustomers {
    /// The query.
    pub query: String,
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl StripeRequest for SearchCustomers {
    type Output = SearchList<Customer>;
    fn endpoint(&self) -> Endpoint {
        endpoint(
            "GetCustomersSearch",
            Method::Get,
            "/v1/customers/search",
            Pagination::Search,
        )
    }
}

/// A v2 object for list tests.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Thing {
    /// Its id.
    pub id: String,
}

/// `GET /v2/test/things` (a v2 list against a local server).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ListThings {
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// v2 `include[]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
}

impl StripeRequest for ListThings {
    type Output = V2List<Thing>;
    fn endpoint(&self) -> Endpoint {
        endpoint(
            "GetTestThings",
            Method::Get,
            "/v2/test/things",
            Pagination::V2List,
        )
    }
}

/// `POST /v2/test/things` (a v2 JSON body).
#[derive(Debug, Clone, Default, Serialize)]
pub struct CreateThing {
    /// A name.
    pub name: String,
    /// Explicitly cleared field.
    pub note: Option<Clearable<String>>,
}

impl StripeRequest for CreateThing {
    type Output = Thing;
    fn endpoint(&self) -> Endpoint {
        endpoint(
            "PostTestThings",
            Method::Post,
            "/v2/test/things",
            Pagination::None,
        )
    }
}

/// `DELETE /v2/test/things/{id}`
#[derive(Debug, Clone, Serialize)]
pub struct DeleteThing {
    /// The id (path parameter).
    #[serde(skip)]
    pub id: String,
}

impl StripeRequest for DeleteThing {
    type Output = serde_json::Value;
    fn endpoint(&self) -> Endpoint {
        endpoint(
            "DeleteTestThingsId",
            Method::Delete,
            format!("/v2/test/things/{}", encode_path_segment(&self.id)),
            Pagination::None,
        )
    }
}

/// `POST /v1/files` (multipart on the files host).
#[derive(Debug, Clone, Serialize)]
pub struct CreateFile {
    /// The file.
    pub file: FileUpload,
    /// Purpose.
    pub purpose: String,
    /// Nested parameters, sent as `file_link_data[create]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_link_data: Option<FileLinkData>,
}

/// `file_link_data` of [`CreateFile`].
#[derive(Debug, Clone, Serialize)]
pub struct FileLinkData {
    /// Create a link.
    pub create: bool,
}

/// A file object.
#[derive(Debug, Clone, Deserialize)]
pub struct File {
    /// `file_...`
    pub id: String,
    /// The purpose.
    #[serde(default)]
    pub purpose: Option<String>,
}

impl StripeRequest for CreateFile {
    type Output = File;
    fn endpoint(&self) -> Endpoint {
        Endpoint {
            operation_id: "PostFiles",
            method: Method::Post,
            path: Cow::Borrowed("/v1/files"),
            host: Host::Files,
            encoding: Encoding::Multipart,
            response: ResponseKind::Json,
            pagination: Pagination::None,
        }
    }
}

/// `GET /v1/quotes/{quote}/pdf` (binary, on the files host).
#[derive(Debug, Clone, Serialize)]
pub struct QuotePdf {
    /// The quote id.
    #[serde(skip)]
    pub id: String,
}

impl StripeRequest for QuotePdf {
    type Output = Binary;
    fn endpoint(&self) -> Endpoint {
        Endpoint {
            operation_id: "GetQuotesQuotePdf",
            method: Method::Get,
            path: Cow::Owned(format!("/v1/quotes/{}/pdf", encode_path_segment(&self.id))),
            host: Host::Files,
            encoding: Encoding::Form,
            response: ResponseKind::Binary,
            pagination: Pagination::None,
        }
    }
}
