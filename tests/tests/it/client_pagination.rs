//! Auto-pagination against a local axum server: v1 lists forward and backward, search,
//! v2 lists; laziness, `take`, and options kept on every page.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::{StreamExt, TryStreamExt};
use integration_tests::reqs::{ListCustomers, ListThings, SearchCustomers};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use stripe_client::prelude::*;

const N: usize = 25;

/// (path and query, `Stripe-Account` header) of every request.
type Log = Arc<Mutex<Vec<(String, Option<String>)>>>;

#[derive(Clone, Default)]
struct Seen(Log);

impl Seen {
    fn record(&self, uri: &Uri, headers: &HeaderMap) {
        let account = headers
            .get("stripe-account")
            .map(|v| v.to_str().unwrap().to_owned());
        self.0.lock().unwrap().push((uri.to_string(), account));
    }
    fn all(&self) -> Vec<(String, Option<String>)> {
        self.0.lock().unwrap().clone()
    }
}

/// Newest first: cus_24, cus_23, …, cus_00.
fn ids() -> Vec<String> {
    (0..N).rev().map(|i| format!("cus_{i:02}")).collect()
}

fn limit(q: &HashMap<String, String>) -> usize {
    q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(10)
}

async fn list(
    State(seen): State<Seen>,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    seen.record(&uri, &headers);
    let ids = ids();
    let n = limit(&q);
    let (page, has_more) = if let Some(after) = q.get("starting_after") {
        let p = ids.iter().position(|i| i == after).unwrap() + 1;
        let end = (p + n).min(ids.len());
        (ids[p..end].to_vec(), end < ids.len())
    } else if let Some(before) = q.get("ending_before") {
        let p = ids.iter().position(|i| i == before).unwrap();
        let start = p.saturating_sub(n);
        (ids[start..p].to_vec(), start > 0)
    } else {
        let end = n.min(ids.len());
        (ids[..end].to_vec(), end < ids.len())
    };
    let data: Vec<Value> = page
        .iter()
        .map(|id| json!({"id": id, "object": "customer"}))
        .collect();
    Json(json!({"object": "list", "url": "/v1/customers", "has_more": has_more, "data": data}))
}

async fn search(
    State(seen): State<Seen>,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    seen.record(&uri, &headers);
    let ids = ids();
    let n = limit(&q);
    let start: usize = q
        .get("page")
        .map(|p| p.trim_start_matches("pg_").parse().unwrap())
        .unwrap_or(0);
    let end = (start + n).min(ids.len());
    let data: Vec<Value> = ids[start..end]
        .iter()
        .map(|id| json!({"id": id, "object": "customer"}))
        .collect();
    let has_more = end < ids.len();
    Json(json!({
        "object": "search_result", "url": "/v1/customers/search", "has_more": has_more,
        "next_page": if has_more { Value::from(format!("pg_{end}")) } else { Value::Null },
        "total_count": N, "data": data
    }))
}

async fn things(
    State(seen): State<Seen>,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    seen.record(&uri, &headers);
    let n = limit(&q);
    let start: usize = q.get("page").map(|p| p.parse().unwrap()).unwrap_or(0);
    let end = (start + n).min(N);
    let data: Vec<Value> = (start..end)
        .map(|i| json!({"id": format!("thing_{i:02}")}))
        .collect();
    // The first page's link is absolute (as the API sends it), the others relative; the
    // client must fetch both from its configured host.
    let next = if end < N {
        let path = format!("/v2/test/things?limit={n}&page={end}");
        if start == 0 {
            Value::from(format!("https://api.stripe.com{path}"))
        } else {
            Value::from(path)
        }
    } else {
        Value::Null
    };
    Json(json!({"data": data, "next_page_url": next, "previous_page_url": null}))
}

async fn start() -> (Client, Seen) {
    let seen = Seen::default();
    let app = Router::new()
        .route("/v1/customers", get(list))
        .route("/v1/customers/search", get(search))
        .route("/v2/test/things", get(things))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (integration_tests::client_for(&url), seen)
}

fn item_ids<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|i| id(i).to_owned()).collect()
}

#[tokio::test]
async fn forward_list_pages_with_starting_after() {
    let (client, seen) = start().await;
    let all: Vec<_> = ListCustomers::new()
        .limit(10)
        .stream(&client)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(item_ids(&all, |c| &c.id), ids());
    let queries: Vec<String> = seen.all().into_iter().map(|(q, _)| q).collect();
    assert_eq!(
        queries,
        vec![
            "/v1/customers?limit=10",
            "/v1/customers?limit=10&starting_after=cus_15",
            "/v1/customers?limit=10&starting_after=cus_05",
        ]
    );
}

#[tokio::test]
async fn forward_from_a_given_cursor() {
    let (client, _seen) = start().await;
    let all: Vec<_> = ListCustomers::new()
        .limit(7)
        .starting_after("cus_10")
        .stream(&client)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(item_ids(&all, |c| &c.id), ids()[15..].to_vec());
}

#[tokio::test]
async fn backward_list_pages_with_ending_before() {
    let (client, seen) = start().await;
    let all: Vec<_> = ListCustomers::new()
        .limit(10)
        .ending_before("cus_00")
        .stream(&client)
        .try_collect()
        .await
        .unwrap();
    let want: Vec<String> = (1..N).map(|i| format!("cus_{i:02}")).collect();
    assert_eq!(
        item_ids(&all, |c| &c.id),
        want,
        "oldest first when paging backwards"
    );
    let queries: Vec<String> = seen.all().into_iter().map(|(q, _)| q).collect();
    assert_eq!(
        queries,
        vec![
            "/v1/customers?limit=10&ending_before=cus_00",
            "/v1/customers?limit=10&ending_before=cus_10",
            "/v1/customers?limit=10&ending_before=cus_20",
        ]
    );
}

#[tokio::test]
async fn streams_are_lazy_and_take_stops_fetching() {
    let (client, seen) = start().await;
    let first: Vec<_> = ListCustomers::new()
        .limit(10)
        .stream(&client)
        .take(12)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 12);
    assert_eq!(seen.all().len(), 2, "only the pages needed");
    let s = ListCustomers::new().stream(&client);
    drop(s);
    assert_eq!(seen.all().len(), 2, "nothing fetched before polling");
    let some = client
        .list_all(&ListCustomers::new().limit(5), Some(7))
        .await
        .unwrap();
    assert_eq!(some.len(), 7);
    let all = client
        .list_all(&ListCustomers::new().limit(100), None)
        .await
        .unwrap();
    assert_eq!(all.len(), N);
}

#[tokio::test]
async fn options_apply_to_every_page() {
    let (client, seen) = start().await;
    let opts = RequestOptions::new()
        .stripe_account("acct_123")
        .expand(["data.default_source"]);
    let all: Vec<_> = ListCustomers::new()
        .limit(10)
        .stream_with(&client, opts)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), N);
    let pages = seen.all();
    assert_eq!(pages.len(), 3);
    for (q, account) in pages {
        assert_eq!(account.as_deref(), Some("acct_123"), "{q}");
        assert!(q.contains("expand[0]=data.default_source"), "{q}");
    }
}

#[tokio::test]
async fn search_pages_with_next_page() {
    let (client, seen) = start().await;
    let req = SearchCustomers {
        query: "email:'a b'".into(),
        limit: Some(10),
    };
    let all: Vec<_> = req.stream(&client).try_collect().await.unwrap();
    assert_eq!(item_ids(&all, |c| &c.id), ids());
    let queries: Vec<String> = seen.all().into_iter().map(|(q, _)| q).collect();
    assert_eq!(
        queries,
        vec![
            "/v1/customers/search?query=email%3A%27a+b%27&limit=10",
            "/v1/customers/search?query=email%3A%27a+b%27&limit=10&page=pg_10",
            "/v1/customers/search?query=email%3A%27a+b%27&limit=10&page=pg_20",
        ]
    );
}

#[tokio::test]
async fn v2_list_follows_next_page_url() {
    let (client, seen) = start().await;
    let req = ListThings {
        limit: Some(10),
        include: vec![],
    };
    let all: Vec<_> = req.stream(&client).try_collect().await.unwrap();
    let want: Vec<String> = (0..N).map(|i| format!("thing_{i:02}")).collect();
    assert_eq!(item_ids(&all, |t| &t.id), want);
    let queries: Vec<String> = seen.all().into_iter().map(|(q, _)| q).collect();
    assert_eq!(
        queries,
        vec![
            "/v2/test/things?limit=10",
            "/v2/test/things?limit=10&page=10",
            "/v2/test/things?limit=10&page=20",
        ]
    );
}

#[tokio::test]
async fn errors_end_the_stream() {
    let (client, _seen) = start().await;
    // Unknown route on the local server: 404 with an empty body.
    #[derive(serde::Serialize)]
    struct Missing;
    impl stripe_types::rt::StripeRequest for Missing {
        type Output = stripe_types::rt::List<integration_tests::reqs::Customer>;
        fn endpoint(&self) -> stripe_types::rt::Endpoint {
            let mut e = ListCustomers::new().endpoint();
            e.path = "/v1/nothing".into();
            e
        }
    }
    let items: Vec<Result<_, _>> = Missing.stream(&client).collect().await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].as_ref().unwrap_err().status(), Some(404));
}
