//! List envelopes and the one abstraction the client pages through.

use super::json::{discard, Decode, JsonError, Reader, Result, Slot};
use super::{DecodeBody, HasId};
use serde::{Deserialize, Serialize};

/// A v1 list: `{"object":"list","data":[...],"has_more":...,"url":...}`.
/// Unknown envelope fields are ignored (the items keep theirs).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct List<T> {
    /// The items of this page, in the API's order.
    pub data: Vec<T>,
    /// Whether more items follow this page.
    pub has_more: bool,
    /// The URL this list was fetched from.
    pub url: String,
}

/// A v1 search result: `{"object":"search_result","data":[...],"has_more":...,"next_page":...}`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SearchList<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// Whether more items follow this page.
    pub has_more: bool,
    /// The cursor to pass as `page` for the next page.
    pub next_page: Option<String>,
    /// The total number of matches (only accurate up to 10,000), when present.
    pub total_count: Option<u64>,
    /// The URL this search was fetched from.
    pub url: String,
}

/// A v2 list: `{"data":[...],"next_page_url":...,"previous_page_url":...}`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct V2List<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// The URL of the next page, to be requested as-is.
    pub next_page_url: Option<String>,
    /// The URL of the previous page.
    pub previous_page_url: Option<String>,
}

// serde: through the decoders (`json::deserialize`), and a map of the fields. Hand-written:
// stripe-types depends on `serde_core` alone, without the derive macros.
macro_rules! envelope_serde {
    ($($name:ident { $($field:ident),* }),*) => {$(
        impl<'de, T: Decode> Deserialize<'de> for $name<T> {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                super::json::deserialize(d)
            }
        }
        impl<T: Serialize> Serialize for $name<T> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                use serde::ser::SerializeStruct;
                let mut st = s.serialize_struct(stringify!($name), [$(stringify!($field)),*].len())?;
                $(st.serialize_field(stringify!($field), &self.$field)?;)*
                st.end()
            }
        }
    )*};
}
envelope_serde!(
    List {
        data,
        has_more,
        url
    },
    SearchList {
        data,
        has_more,
        next_page,
        total_count,
        url
    },
    V2List {
        data,
        next_page_url,
        previous_page_url
    }
);

// The envelopes keep their fields in `Slot`s and discard them through `json::discard`,
// as generated decoders do, so that no `Vec<T>` is dropped in this module's codegen unit.

impl<T: Decode> Decode for List<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let mut o = r.object("a list object")?;
        let (mut data, mut has_more, mut url) = (Slot::new(), Slot::new(), Slot::new());
        while let Some(k) = o.next_key(r)? {
            let read = match &*k {
                "data" => r.required(&mut data),
                "has_more" => r.required(&mut has_more),
                "url" => r.optional(&mut url),
                _ => r.skip(),
            };
            read.map_err(|e| e.in_key(&k))?;
        }
        match (data.take(), has_more.take()) {
            (Some(data), Some(has_more)) => Ok(List {
                data,
                has_more,
                url: url.take().unwrap_or_default(),
            }),
            taken => Err(missing(r, taken)),
        }
    }
}

impl<T: Decode> Decode for SearchList<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let mut o = r.object("a search_result object")?;
        let (mut data, mut has_more, mut next_page, mut total_count, mut url) = (
            Slot::new(),
            Slot::new(),
            Slot::new(),
            Slot::new(),
            Slot::new(),
        );
        while let Some(k) = o.next_key(r)? {
            let read = match &*k {
                "data" => r.required(&mut data),
                "has_more" => r.required(&mut has_more),
                "next_page" => r.optional(&mut next_page),
                "total_count" => r.optional(&mut total_count),
                "url" => r.optional(&mut url),
                _ => r.skip(),
            };
            read.map_err(|e| e.in_key(&k))?;
        }
        match (data.take(), has_more.take()) {
            (Some(data), Some(has_more)) => Ok(SearchList {
                data,
                has_more,
                next_page: next_page.take(),
                total_count: total_count.take(),
                url: url.take().unwrap_or_default(),
            }),
            taken => Err(missing(r, taken)),
        }
    }
}

impl<T: Decode> Decode for V2List<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let mut o = r.object("a v2 list object")?;
        let (mut data, mut next_page_url, mut previous_page_url) =
            (Slot::new(), Slot::new(), Slot::new());
        while let Some(k) = o.next_key(r)? {
            let read = match &*k {
                "data" => r.required(&mut data),
                "next_page_url" => r.optional(&mut next_page_url),
                "previous_page_url" => r.optional(&mut previous_page_url),
                _ => r.skip(),
            };
            read.map_err(|e| e.in_key(&k))?;
        }
        match data.take() {
            Some(data) => Ok(V2List {
                data,
                next_page_url: next_page_url.take(),
                previous_page_url: previous_page_url.take(),
            }),
            None => Err(r.missing("data")),
        }
    }
}

/// The error for an envelope without `data` (else without `has_more`); what was read is
/// discarded out of line.
fn missing<T>(r: &Reader<'_>, taken: (Option<Vec<T>>, Option<bool>)) -> JsonError {
    let name = if taken.0.is_none() {
        "data"
    } else {
        "has_more"
    };
    discard(taken);
    r.missing(name)
}

/// One decoded page, taken apart for the pagination stream.
#[derive(Debug)]
pub struct PageParts<T> {
    /// The items, in the API's order.
    pub items: Vec<T>,
    /// Whether the API says more items follow.
    pub has_more: bool,
    /// Id of the first item (cursor for backward paging).
    pub first_id: Option<String>,
    /// Id of the last item (cursor for forward paging).
    pub last_id: Option<String>,
    /// Search: the `page` token of the next page.
    pub next_page: Option<String>,
    /// v2: the URL of the next page.
    pub next_page_url: Option<String>,
}

/// A list-shaped response the client can page through; every page is decoded with its
/// [`DecodeBody`] impl.
pub trait Paginated: DecodeBody + Send + 'static {
    /// The item type.
    type Item: Send + 'static;
    /// Take the page apart.
    fn into_parts(self) -> PageParts<Self::Item>;
}

impl<T: HasId + Send + 'static> Paginated for List<T>
where
    List<T>: DecodeBody,
{
    type Item = T;
    fn into_parts(self) -> PageParts<T> {
        let first_id = self
            .data
            .first()
            .and_then(|x| x.id_str())
            .map(str::to_owned);
        let last_id = self.data.last().and_then(|x| x.id_str()).map(str::to_owned);
        PageParts {
            items: self.data,
            has_more: self.has_more,
            first_id,
            last_id,
            next_page: None,
            next_page_url: None,
        }
    }
}

impl<T: Send + 'static> Paginated for SearchList<T>
where
    SearchList<T>: DecodeBody,
{
    type Item = T;
    fn into_parts(self) -> PageParts<T> {
        PageParts {
            items: self.data,
            has_more: self.has_more,
            first_id: None,
            last_id: None,
            next_page: self.next_page,
            next_page_url: None,
        }
    }
}

impl<T: Send + 'static> Paginated for V2List<T>
where
    V2List<T>: DecodeBody,
{
    type Item = T;
    fn into_parts(self) -> PageParts<T> {
        PageParts {
            has_more: self.next_page_url.is_some(),
            items: self.data,
            first_id: None,
            last_id: None,
            next_page: None,
            next_page_url: self.next_page_url,
        }
    }
}
