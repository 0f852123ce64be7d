//! The hand-written runtime every generated item builds on.
//!
//! Nothing in here is generated: these are the shared value types (typed ids, expandable
//! fields, exact decimals and times, secrets), the list envelopes and the [`StripeRequest`]
//! contract between generated operations and `stripe-client`.

mod boxed;
pub mod check;
pub mod de;
mod gated;
pub mod json;
mod json_path;
mod page;
mod request;
#[cfg(feature = "test_objects")]
mod test_default;
mod values;

pub use boxed::Boxed;
pub use check::{CheckContext, GuardError, GuardKind};
pub use de::DecodeBody;
#[allow(unused_imports)]
pub(crate) use gated::stand_in;
pub use gated::Unavailable;
pub use json::{Decode, JsonError};
pub use page::{List, PageParts, Paginated, SearchList, V2List};
pub use request::{
    encode_path_segment, Auth, Encoding, Endpoint, Host, Method, Pagination, ResponseKind,
    StripeRequest,
};
#[cfg(feature = "test_objects")]
pub use test_default::{TestDefault, TEST_TIME};
pub use values::{
    Binary, Clearable, DateTime, Decimal, Empty, Expandable, Expanded, Extra, FileUpload, HasId,
    Id, Int64String, LiveObject, Metadata, MetadataUpdate, Secret, Timestamp, FILE_UPLOAD_STRUCT,
};
