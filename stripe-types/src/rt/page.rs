//! List envelopes and the one abstraction the client pages through.

use super::json::{Decode, Reader, Result};
use super::{DecodeBody, HasId};
use serde::{Deserialize, Serialize};

/// A v1 list: `{"object":"list","data":[...],"has_more":...,"url":...}`.
/// Unknown envelope fields are ignored (the items keep theirs).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct List<T> {
    /// The items of this page, in the API's order.
    pub data: Vec<T>,
    /// Whether more items follow this page.
    pub has_more: bool,
    /// The URL this list was fetched from.
    #[serde(default)]
    pub url: String,
}

/// A v1 search result: `{"object":"search_result","data":[...],"has_more":...,"next_page":...}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SearchList<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// Whether more items follow this page.
    pub has_more: bool,
    /// The cursor to pass as `page` for the next page.
    #[serde(default)]
    pub next_page: Option<String>,
    /// The total number of matches (only accurate up to 10,000), when present.
    #[serde(default)]
    pub total_count: Option<u64>,
    /// The URL this search was fetched from.
    #[serde(default)]
    pub url: String,
}

/// A v2 list: `{"data":[...],"next_page_url":...,"previous_page_url":...}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct V2List<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// The URL of the next page, to be requested as-is.
    #[serde(default)]
    pub next_page_url: Option<String>,
    /// The URL of the previous page.
    #[serde(default)]
    pub previous_page_url: Option<String>,
}

impl<T: Decode> Decode for List<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let mut o = r.object("a list object")?;
        let (mut data, mut has_more, mut url) = (None, None, None);
        while let Some(k) = o.next_key(r)? {
            match &*k {
                "data" => data = Some(r.decode()?),
                "has_more" => has_more = Some(r.decode()?),
                "url" => url = r.decode()?,
                _ => r.skip()?,
            }
        }
        Ok(List {
            data: data.ok_or_else(|| r.missing("data"))?,
            has_more: has_more.ok_or_else(|| r.missing("has_more"))?,
            url: url.unwrap_or_default(),
        })
    }
}

impl<T: Decode> Decode for SearchList<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let mut o = r.object("a search_result object")?;
        let (mut data, mut has_more, mut next_page, mut total_count, mut url) =
            (None, None, None, None, None);
        while let Some(k) = o.next_key(r)? {
            match &*k {
                "data" => data = Some(r.decode()?),
                "has_more" => has_more = Some(r.decode()?),
                "next_page" => next_page = r.decode()?,
                "total_count" => total_count = r.decode()?,
                "url" => url = r.decode()?,
                _ => r.skip()?,
            }
        }
        Ok(SearchList {
            data: data.ok_or_else(|| r.missing("data"))?,
            has_more: has_more.ok_or_else(|| r.missing("has_more"))?,
            next_page,
            total_count,
            url: url.unwrap_or_default(),
        })
    }
}

impl<T: Decode> Decode for V2List<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let mut o = r.object("a v2 list object")?;
        let (mut data, mut next_page_url, mut previous_page_url) = (None, None, None);
        while let Some(k) = o.next_key(r)? {
            match &*k {
                "data" => data = Some(r.decode()?),
                "next_page_url" => next_page_url = r.decode()?,
                "previous_page_url" => previous_page_url = r.decode()?,
                _ => r.skip()?,
            }
        }
        Ok(V2List {
            data: data.ok_or_else(|| r.missing("data"))?,
            next_page_url,
            previous_page_url,
        })
    }
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
