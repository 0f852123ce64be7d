//! Auto-pagination: one `try_unfold` stream serves v1 lists (forward with `starting_after`,
//! backward with `ending_before`), v1 search (`page` = `next_page`) and v2 lists
//! (`next_page_url`). Request options (account, context, version, expand, ...) apply to
//! every page, and a client's [governor](crate::governor) paces the pages (each waits for a
//! slot in the read bucket, a search's also in the Search bucket).

use crate::error::Error;
use crate::options::RequestOptions;
use crate::pipeline::{decode_body, send_with_retries, Prepared};
use crate::settings::Settings;
use futures_util::stream::{self, Stream, StreamExt, TryStreamExt};
use std::pin::Pin;
use std::sync::Arc;
use stripe_types::rt::{Paginated, Pagination};

/// A lazy stream of items; pages are fetched as the stream is polled.
///
/// Use `futures_util::StreamExt::take` / `TryStreamExt::try_collect` (re-exported in the
/// prelude) to bound and collect it.
pub type ItemStream<T> = Pin<Box<dyn Stream<Item = Result<T, Error>> + Send + 'static>>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Forward,
    Backward,
}

/// Page through `first` and its successors with the client's `settings`.
pub(crate) fn paginate<P: Paginated>(
    client: Arc<Settings>,
    first: Prepared,
    opts: RequestOptions,
    pagination: Pagination,
) -> ItemStream<P::Item> {
    let direction = if first.has_query("ending_before") && !first.has_query("starting_after") {
        Direction::Backward
    } else {
        Direction::Forward
    };
    let state = Some(first);
    let pages = stream::try_unfold(state, move |state| {
        let client = client.clone();
        let opts = opts.clone();
        async move {
            let Some(mut req) = state else {
                return Ok::<_, Error>(None);
            };
            let raw = send_with_retries(&client, &req, &opts).await?;
            let page: P = decode_body(&raw)?;
            let mut parts = page.into_parts();
            let next = match pagination {
                Pagination::None => None,
                Pagination::List => {
                    let cursor = match direction {
                        Direction::Forward => parts.last_id.take().map(|c| ("starting_after", c)),
                        Direction::Backward => parts.first_id.take().map(|c| ("ending_before", c)),
                    };
                    match cursor {
                        Some((key, c)) if parts.has_more && !parts.items.is_empty() => {
                            req.set_query(key, c);
                            Some(req)
                        }
                        _ => None,
                    }
                }
                Pagination::Search => match parts.next_page.take() {
                    Some(page) if parts.has_more && !parts.items.is_empty() => {
                        req.set_query("page", page);
                        Some(req)
                    }
                    _ => None,
                },
                Pagination::V2List => match parts.next_page_url.take() {
                    Some(url) if !parts.items.is_empty() => {
                        req.path = relative_url(&url);
                        req.query.clear();
                        Some(req)
                    }
                    _ => None,
                },
            };
            let mut items = parts.items;
            if direction == Direction::Backward && pagination == Pagination::List {
                items.reverse();
            }
            Ok(Some((items, next)))
        }
    });
    Box::pin(
        pages
            .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
            .try_flatten(),
    )
}

/// `https://api.stripe.com/v2/x?page=…` → `/v2/x?page=…`; relative URLs stay as they are.
/// The page is fetched from the client's configured host.
fn relative_url(url: &str) -> String {
    if let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    {
        match rest.find('/') {
            Some(i) => rest[i..].to_owned(),
            None => "/".to_owned(),
        }
    } else if url.starts_with('/') {
        url.to_owned()
    } else {
        format!("/{url}")
    }
}

/// Collect at most `max` items of a stream.
pub async fn collect_at_most<T>(stream: ItemStream<T>, max: usize) -> Result<Vec<T>, Error> {
    stream.take(max).try_collect().await
}

#[cfg(test)]
mod tests {
    #[test]
    fn relative_urls() {
        assert_eq!(
            super::relative_url("https://api.stripe.com/v2/a?page=x"),
            "/v2/a?page=x"
        );
        assert_eq!(super::relative_url("/v2/a?page=x"), "/v2/a?page=x");
    }
}
