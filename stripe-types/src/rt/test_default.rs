//! Objects for tests (feature `test_objects`): [`TestDefault`].

use super::{
    Binary, Boxed, DateTime, Decimal, Expandable, Extra, Id, Int64String, List, SearchList, Secret,
    Timestamp, Unavailable, V2List,
};
use std::collections::BTreeMap;

/// The time test objects carry: Unix second 1,700,000,000 (2023-11-14T22:13:20Z).
pub const TEST_TIME: i64 = 1_700_000_000;

/// Objects for tests: any object the API answers with, its required fields filled, built
/// from the spec alone — no fixture files (feature `test_objects`).
///
/// ```
/// # #[cfg(feature = "customers")] {
/// use stripe_types::rt::TestDefault;
/// use stripe_types::Customer;
///
/// let mut customer = Customer::test_default();
/// assert_eq!(customer.id, "customer_test");
/// customer.email = Some("jenny@example.com".into());
/// # }
/// ```
///
/// The impls for the generated types are generated (`codegen/src/test_objects.rs`): optional
/// fields are `None`; a required field holds its type's test default (`0`, `false`, `""`,
/// an empty list, Unix second [`TEST_TIME`], the id of an expandable field, the first value
/// of an enum, the first shape of a union); an `id` reads `<object>_test` and a `currency`
/// `usd`. Fields are public: set the ones a test cares about.
pub trait TestDefault {
    /// The test value.
    fn test_default() -> Self;
}

macro_rules! plain {
    ($($t:ty => $v:expr),* $(,)?) => {$(
        impl TestDefault for $t {
            fn test_default() -> Self { $v }
        }
    )*};
}

plain! {
    bool => false,
    i64 => 0,
    u64 => 0,
    f64 => 0.0,
    String => String::new(),
    Timestamp => Timestamp(TEST_TIME),
    DateTime => DateTime::from_unix_seconds(TEST_TIME),
    Decimal => Decimal::from("0"),
    Int64String => Int64String(0),
    Extra => Extra::default(),
    Binary => Binary::default(),
    serde_json::Value => serde_json::Value::Object(serde_json::Map::new()),
    Unavailable => Unavailable::of(serde_json::Value::Object(serde_json::Map::new())),
}

impl<T> TestDefault for Option<T> {
    fn test_default() -> Self {
        None
    }
}

impl<T> TestDefault for Vec<T> {
    fn test_default() -> Self {
        Vec::new()
    }
}

impl<T> TestDefault for BTreeMap<String, T> {
    fn test_default() -> Self {
        BTreeMap::new()
    }
}

impl<T: ?Sized> TestDefault for Id<T> {
    fn test_default() -> Self {
        Id::new("id_test")
    }
}

/// The id form: an expanded object is the test's to build.
impl<T, I: TestDefault> TestDefault for Expandable<T, I> {
    fn test_default() -> Self {
        Expandable::Id(I::test_default())
    }
}

impl<T: TestDefault> TestDefault for Secret<T> {
    fn test_default() -> Self {
        Secret::new(T::test_default())
    }
}

impl<T: TestDefault> TestDefault for Boxed<T> {
    fn test_default() -> Self {
        Boxed::new(T::test_default())
    }
}

/// An empty last page.
impl<T> TestDefault for List<T> {
    fn test_default() -> Self {
        List::of(Vec::new())
    }
}

/// An empty last page.
impl<T> TestDefault for SearchList<T> {
    fn test_default() -> Self {
        SearchList::of(Vec::new())
    }
}

/// An empty last page.
impl<T> TestDefault for V2List<T> {
    fn test_default() -> Self {
        V2List::of(Vec::new())
    }
}

impl<T> List<T> {
    /// A last page holding `data` (`has_more: false`), for tests; set `has_more` and `url`
    /// to page on.
    pub fn of(data: Vec<T>) -> Self {
        List {
            data,
            has_more: false,
            url: String::new(),
        }
    }
}

impl<T> SearchList<T> {
    /// A last page holding `data` (`has_more: false`), for tests.
    pub fn of(data: Vec<T>) -> Self {
        SearchList {
            data,
            has_more: false,
            next_page: None,
            total_count: None,
            url: String::new(),
        }
    }
}

impl<T> V2List<T> {
    /// A last page holding `data` (no `next_page_url`), for tests.
    pub fn of(data: Vec<T>) -> Self {
        V2List {
            data,
            next_page_url: None,
            previous_page_url: None,
        }
    }
}
