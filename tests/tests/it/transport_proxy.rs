//! Proxies on the default transport (`HyperTransport`), as reqwest does them: a local proxy
//! on 127.0.0.1 tunnels `CONNECT` (for `https://`) and forwards absolute-form requests (for
//! `http://`), and records what it was sent. It carries requests with the credentials of the
//! proxy URL; `NO_PROXY` (domains, IPs, CIDRs, `*`) and `no_proxy()` bypass it; the
//! credentials never print. The environment is read in child processes (`child.rs`).

use crate::transport_tls::{base64, tls_server, TlsServer};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use integration_tests::fault::FaultServer;
use integration_tests::reqs::RetrieveCustomer;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use stripe_client::{Client, Error, HyperTransport, StripeRequestExt};

/// What the proxy was asked.
#[derive(Debug, Clone)]
pub(crate) struct ProxySeen {
    pub(crate) method: String,
    /// The request target as sent: `host:port` for a CONNECT, an absolute URL otherwise.
    pub(crate) target: String,
    pub(crate) authorization: Option<String>,
}

/// An HTTP proxy on 127.0.0.1: CONNECT tunnels and absolute-form forwarding, answering 407
/// unless `Proxy-Authorization` is `required` (when set).
pub(crate) struct TestProxy {
    pub(crate) addr: SocketAddr,
    seen: Arc<Mutex<Vec<ProxySeen>>>,
}

impl TestProxy {
    pub(crate) fn seen(&self) -> Vec<ProxySeen> {
        self.seen.lock().unwrap().clone()
    }
}

type ProxyResponse = http::Response<Full<Bytes>>;

pub(crate) async fn test_proxy(required: Option<&str>) -> TestProxy {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let required = required.map(str::to_owned);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let record = record.clone();
            let required = required.clone();
            tokio::spawn(async move {
                let service =
                    service_fn(move |req| proxy_one(req, record.clone(), required.clone()));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .with_upgrades()
                    .await;
            });
        }
    });
    TestProxy { addr, seen }
}

async fn proxy_one(
    mut req: http::Request<hyper::body::Incoming>,
    record: Arc<Mutex<Vec<ProxySeen>>>,
    required: Option<String>,
) -> Result<ProxyResponse, hyper::Error> {
    let authorization = req
        .headers()
        .get(http::header::PROXY_AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    record.lock().unwrap().push(ProxySeen {
        method: req.method().to_string(),
        target: req.uri().to_string(),
        authorization: authorization.clone(),
    });
    let respond = |status: u16| {
        http::Response::builder()
            .status(status)
            .header("proxy-authenticate", "Basic realm=\"test\"")
            .body(Full::new(Bytes::new()))
            .unwrap()
    };
    if required.is_some() && authorization != required {
        return Ok(respond(407));
    }
    if req.method() == http::Method::CONNECT {
        let target = req
            .uri()
            .authority()
            .map(|a| a.to_string())
            .unwrap_or_default();
        tokio::spawn(async move {
            let Ok(upgraded) = hyper::upgrade::on(req).await else {
                return;
            };
            if let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await {
                let _ =
                    tokio::io::copy_bidirectional(&mut TokioIo::new(upgraded), &mut upstream).await;
            }
        });
        return Ok(http::Response::new(Full::new(Bytes::new())));
    }
    // Absolute form: forward to the origin, without the proxy's credentials.
    req.headers_mut().remove(http::header::PROXY_AUTHORIZATION);
    let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .build_http::<hyper::body::Incoming>();
    match client.request(req).await {
        Ok(resp) => {
            let (parts, body) = resp.into_parts();
            let body = body.collect().await?.to_bytes();
            Ok(http::Response::from_parts(parts, Full::new(body)))
        }
        Err(_) => Ok(respond(502)),
    }
}

/// `Basic base64(user:password)`.
fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64(format!("{user}:{password}").as_bytes()))
}

/// The password of the tests' proxy URLs, percent-encoded in them as `%40` and `%3A`.
const PASSWORD: &str = "pr0xy@pass:word";
const USER: &str = "stripe user";

fn proxy_url(proxy: &TestProxy) -> String {
    format!("http://stripe%20user:pr0xy%40pass%3Aword@{}", proxy.addr)
}

/// Nothing that prints may show the password or its Basic encoding.
fn assert_hidden(shown: &str) {
    assert!(!shown.contains("pr0xy"), "{shown}");
    assert!(!shown.contains(&basic(USER, PASSWORD)[6..]), "{shown}");
}

fn customer_client(base: &str, proxy: &TestProxy, origin: Option<&TlsServer>) -> Client {
    let mut builder = Client::builder("sk_test_123")
        .base_url(base)
        .proxy(proxy_url(proxy))
        .max_retries(0);
    if let Some(origin) = origin {
        builder = builder.add_root_certificate(&origin.certificate);
    }
    builder.build().unwrap()
}

#[test]
fn basic_encodes_as_rfc_7617_says() {
    assert_eq!(
        basic("Aladdin", "open sesame"),
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
    );
}

#[tokio::test]
async fn an_https_request_goes_through_a_connect_tunnel_with_the_proxy_credentials() {
    // HTTP/2 inside the tunnel when the origin offers it (the tunnel's TLS keeps the ALPN).
    let origin = tls_server(&[b"h2", b"http/1.1"]).await;
    let proxy = test_proxy(Some(&basic(USER, PASSWORD))).await;
    let client = customer_client(&format!("https://{}", origin.addr), &proxy, Some(&origin));
    for id in ["cus_1", "cus_2"] {
        let customer = RetrieveCustomer::new(id).send(&client).await.unwrap();
        assert_eq!(customer.id, id);
    }
    // One tunnel, kept in the pool for both requests.
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].method, "CONNECT");
    assert_eq!(seen[0].target, origin.addr.to_string());
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(&*basic(USER, PASSWORD))
    );
    assert_eq!(
        *origin.versions.lock().unwrap(),
        vec![http::Version::HTTP_2; 2]
    );
    // The credentials went to the proxy, not through the tunnel to the origin.
    for headers in origin.headers.lock().unwrap().iter() {
        assert!(headers.get("proxy-authorization").is_none(), "{headers:?}");
        assert_eq!(headers["authorization"], "Bearer sk_test_123");
    }
}

#[tokio::test]
async fn an_http_request_goes_to_the_proxy_in_absolute_form_with_the_proxy_credentials() {
    let origin = FaultServer::start(vec![]).await;
    let proxy = test_proxy(Some(&basic(USER, PASSWORD))).await;
    let client = customer_client(&origin.url, &proxy, None);
    let customer = RetrieveCustomer::new("cus_1").send(&client).await.unwrap();
    assert_eq!(customer.id, "cus_ok");
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].target, format!("{}/v1/customers/cus_1", origin.url));
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(&*basic(USER, PASSWORD))
    );
    let requests = origin.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].target, "/v1/customers/cus_1");
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer sk_test_123")
    );
}

#[tokio::test]
async fn wrong_proxy_credentials_fail_without_printing_them() {
    let origin = tls_server(&[b"http/1.1"]).await;
    let proxy = test_proxy(Some("Basic c29tZW9uZTplbHNl")).await;
    let client = customer_client(&format!("https://{}", origin.addr), &proxy, Some(&origin));
    let err = RetrieveCustomer::new("cus_1")
        .send(&client)
        .await
        .unwrap_err();
    match &err {
        Error::Connection { message, .. } => {
            assert!(
                message.contains("proxy authorization required"),
                "{message}"
            )
        }
        other => panic!("expected a connection error, got {other:?}"),
    }
    assert_hidden(&format!("{err} {err:?}"));
    assert!(origin.versions.lock().unwrap().is_empty());
    // Plain http: the proxy's 407 is its answer, and it prints no credential either.
    let origin = FaultServer::start(vec![]).await;
    let client = customer_client(&origin.url, &proxy, None);
    let err = RetrieveCustomer::new("cus_1")
        .send(&client)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(407), "{err:?}");
    assert_hidden(&format!("{err} {err:?}"));
    assert_eq!(origin.count(), 0);
}

#[tokio::test]
async fn proxy_credentials_never_print() {
    let proxy = test_proxy(None).await;
    let url = proxy_url(&proxy);
    let builder = Client::builder("sk_test_123").proxy(&url);
    assert_hidden(&format!("{builder:?}"));
    let client = builder.build().unwrap();
    assert_hidden(&format!("{client:?}"));
    let transport_builder = HyperTransport::builder().proxy(&url);
    assert_hidden(&format!("{transport_builder:?}"));
    let transport = transport_builder.build().unwrap();
    let shown = format!("{transport:?}");
    assert_hidden(&shown);
    assert!(shown.contains(&proxy.addr.to_string()), "{shown}");
    // A proxy URL that cannot be used: a configuration error that names it without them.
    for bad in [
        format!("socks5://stripe%20user:pr0xy%40pass@{}", proxy.addr),
        "http://stripe:pr0xy@".to_owned(),
        format!("ftp://stripe:pr0xy@{}", proxy.addr),
    ] {
        let err = Client::builder("sk_test_123")
            .proxy(&bad)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert_hidden(&format!("{err} {err:?}"));
    }
    // Through reqwest (a builder of the caller's own), the same settings and the same rule.
    let err = Client::builder("sk_test_123")
        .proxy(format!("socks5://stripe:pr0xy@{}", proxy.addr))
        .http_client_builder(stripe_client::reqwest::Client::builder())
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert_hidden(&format!("{err} {err:?}"));
}

#[tokio::test]
async fn a_reqwest_builder_of_your_own_gets_the_builders_proxy() {
    let origin = FaultServer::start(vec![]).await;
    let proxy = test_proxy(Some(&basic(USER, PASSWORD))).await;
    let client = Client::builder("sk_test_123")
        .base_url(&origin.url)
        .proxy(proxy_url(&proxy))
        .http_client_builder(stripe_client::reqwest::Client::builder())
        .build()
        .unwrap();
    RetrieveCustomer::new("cus_1").send(&client).await.unwrap();
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].target, format!("{}/v1/customers/cus_1", origin.url));
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some(&*basic(USER, PASSWORD))
    );
}

/// A case of the environment test: its name, its variables (`{proxy}` stands for the proxy's
/// URL, `{dead}` for a port nothing listens on), and whether the proxy carries the requests.
type EnvCase<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);

/// The environment, read in child processes: each case starts a fresh proxy, runs
/// [`environment_child`] with the case's variables, and checks what the proxy saw. The
/// child sends one `https://` and one `http://` request with the default settings (the
/// test server's root added).
#[tokio::test]
async fn proxies_from_the_environment_as_reqwest_reads_them() {
    let https_origin = tls_server(&[b"http/1.1"]).await;
    let http_origin = FaultServer::start(vec![]).await;
    let https_url = format!("https://{}", https_origin.addr);
    let root = hex(&https_origin.certificate);
    let dead = "http://127.0.0.1:9".to_owned();
    let cases: &[EnvCase] = &[
        (
            "upper case",
            &[("HTTPS_PROXY", "{proxy}"), ("HTTP_PROXY", "{proxy}")],
            true,
        ),
        (
            "lower case",
            &[("https_proxy", "{proxy}"), ("http_proxy", "{proxy}")],
            true,
        ),
        ("ALL_PROXY", &[("ALL_PROXY", "{proxy}")], true),
        ("all_proxy", &[("all_proxy", "{proxy}")], true),
        (
            "NO_PROXY with other hosts",
            &[
                ("ALL_PROXY", "{proxy}"),
                ("NO_PROXY", "example.com, .internal, 10.0.0.0/8, ::1"),
            ],
            true,
        ),
        (
            "NO_PROXY names the IP",
            &[
                ("ALL_PROXY", "{proxy}"),
                ("NO_PROXY", "example.com,127.0.0.1"),
            ],
            false,
        ),
        (
            "no_proxy names the network",
            &[("ALL_PROXY", "{proxy}"), ("no_proxy", "127.0.0.0/8")],
            false,
        ),
        (
            "NO_PROXY is *",
            &[
                ("HTTPS_PROXY", "{proxy}"),
                ("HTTP_PROXY", "{proxy}"),
                ("NO_PROXY", "*"),
            ],
            false,
        ),
        (
            "a CGI process ignores HTTP_PROXY (httpoxy)",
            &[
                ("REQUEST_METHOD", "POST"),
                ("HTTP_PROXY", "{dead}"),
                ("HTTPS_PROXY", "{dead}"),
            ],
            false,
        ),
        (
            "the builder's no_proxy() wins",
            &[("ALL_PROXY", "{dead}"), ("TEST_BUILDER", "no_proxy")],
            false,
        ),
        (
            "the builder's proxy() wins over the environment",
            &[
                ("ALL_PROXY", "{dead}"),
                ("NO_PROXY", "*"),
                ("TEST_BUILDER", "proxy"),
            ],
            true,
        ),
    ];
    for (case, vars, proxied) in cases {
        let proxy = test_proxy(Some(&basic(USER, PASSWORD))).await;
        let url = proxy_url(&proxy);
        let mut env: Vec<(&str, String)> = vars
            .iter()
            .map(|(k, v)| (*k, v.replace("{proxy}", &url).replace("{dead}", &dead)))
            .collect();
        env.push(("TEST_PROXY", url.clone()));
        env.push(("TEST_HTTPS_ORIGIN", https_url.clone()));
        env.push(("TEST_HTTP_ORIGIN", http_origin.url.clone()));
        env.push(("TEST_ROOT_DER_HEX", root.clone()));
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let output = crate::child::run("transport_proxy::environment_child", &env).await;
        assert!(
            output.contains("child: https ok, http ok"),
            "{case}: {output}"
        );
        assert_hidden(&output);
        let seen = proxy.seen();
        if *proxied {
            let targets: Vec<(&str, &str)> = seen
                .iter()
                .map(|s| (s.method.as_str(), s.target.as_str()))
                .collect();
            assert_eq!(
                targets,
                [
                    ("CONNECT", &*https_origin.addr.to_string()),
                    ("GET", &*format!("{}/v1/customers/cus_env", http_origin.url)),
                ],
                "{case}"
            );
            assert!(
                seen.iter()
                    .all(|s| s.authorization.as_deref() == Some(&*basic(USER, PASSWORD))),
                "{case}: {seen:?}"
            );
        } else {
            assert!(seen.is_empty(), "{case}: {seen:?}");
        }
    }
}

#[tokio::test]
#[ignore = "a child process of proxies_from_the_environment_as_reqwest_reads_them"]
async fn environment_child() {
    use crate::child::var;
    let Some(https) = var("TEST_HTTPS_ORIGIN") else {
        return;
    };
    let http = var("TEST_HTTP_ORIGIN").unwrap();
    let root = unhex(&var("TEST_ROOT_DER_HEX").unwrap());
    let builder = |base: &str| {
        let b = Client::builder("sk_test_123")
            .base_url(base)
            .add_root_certificate(&root)
            .max_retries(0);
        match var("TEST_BUILDER").as_deref() {
            Some("no_proxy") => b.no_proxy(),
            Some("proxy") => b.proxy(var("TEST_PROXY").unwrap()),
            _ => b,
        }
    };
    let https_client = builder(&https).build().unwrap();
    let http_client = builder(&http).build().unwrap();
    println!("child: client {https_client:?} transport built");
    let a = RetrieveCustomer::new("cus_env").send(&https_client).await;
    let b = RetrieveCustomer::new("cus_env").send(&http_client).await;
    match (a, b) {
        (Ok(_), Ok(_)) => println!("child: https ok, http ok"),
        (a, b) => println!("child: https {:?}, http {:?}", a.err(), b.err()),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}
