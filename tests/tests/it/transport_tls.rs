//! The default transport (`HyperTransport`) over TLS against a local server with a
//! self-signed certificate: HTTP/2 through ALPN when the server offers it, HTTP/1.1 when it
//! does not, typed errors for a certificate it does not trust or cannot read, a root added
//! beside the built-in ones (DER or PEM), and the system's roots (`native-roots`, through
//! `SSL_CERT_FILE` in a child process).

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use integration_tests::reqs::RetrieveCustomer;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stripe_client::{Client, Error, HyperTransport, StripeRequestExt};

/// A TLS server for `127.0.0.1` offering `alpn`, answering every request with a customer
/// and recording the HTTP version and the headers of each request.
pub(crate) struct TlsServer {
    pub(crate) addr: SocketAddr,
    /// Its self-signed certificate, DER.
    pub(crate) certificate: Vec<u8>,
    /// The same, PEM.
    pub(crate) pem: String,
    pub(crate) versions: Arc<Mutex<Vec<http::Version>>>,
    pub(crate) headers: Arc<Mutex<Vec<http::HeaderMap>>>,
}

pub(crate) async fn tls_server(alpn: &[&[u8]]) -> TlsServer {
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let certificate = cert.der().to_vec();
    let pem = pem(&certificate);
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(key_pair.serialize_der().into());
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert.der().clone()], key)
    .unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let versions = Arc::new(Mutex::new(Vec::new()));
    let headers = Arc::new(Mutex::new(Vec::new()));
    let (seen, seen_headers) = (versions.clone(), headers.clone());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let seen = seen.clone();
            let seen_headers = seen_headers.clone();
            tokio::spawn(async move {
                // A client that rejects the certificate ends the handshake: nothing to serve.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    seen.lock().unwrap().push(req.version());
                    seen_headers.lock().unwrap().push(req.headers().clone());
                    let id = req.uri().path().rsplit('/').next().unwrap_or("").to_owned();
                    async move {
                        let body = format!(r#"{{"id":"{id}","object":"customer"}}"#);
                        http::Response::builder()
                            .header("content-type", "application/json")
                            .header("request-id", "req_tls")
                            .body(Full::new(Bytes::from(body)))
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    TlsServer {
        addr,
        certificate,
        pem,
        versions,
        headers,
    }
}

/// Standard base64 (RFC 4648, with padding).
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A DER certificate as PEM.
fn pem(der: &[u8]) -> String {
    let body = base64(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn client_trusting(server: &TlsServer) -> Client {
    let transport = HyperTransport::with_root_certificates(
        [&server.certificate],
        Duration::from_secs(5),
        1 << 20,
    )
    .unwrap();
    Client::builder("sk_test_123")
        .base_url(format!("https://{}", server.addr))
        .transport(transport)
        .build()
        .unwrap()
}

#[tokio::test]
async fn http2_through_alpn_when_the_server_offers_it() {
    let server = tls_server(&[b"h2", b"http/1.1"]).await;
    let client = client_trusting(&server);
    for i in 0..3 {
        let customer = RetrieveCustomer::new(format!("cus_{i}"))
            .send(&client)
            .await
            .unwrap();
        assert_eq!(customer.id, format!("cus_{i}"));
    }
    assert_eq!(
        *server.versions.lock().unwrap(),
        vec![http::Version::HTTP_2; 3]
    );
}

#[tokio::test]
async fn http1_when_the_server_offers_only_http1() {
    let server = tls_server(&[b"http/1.1"]).await;
    let client = client_trusting(&server);
    let customer = RetrieveCustomer::new("cus_1").send(&client).await.unwrap();
    assert_eq!(customer.id, "cus_1");
    assert_eq!(
        *server.versions.lock().unwrap(),
        vec![http::Version::HTTP_11]
    );
}

#[tokio::test]
async fn a_certificate_the_default_roots_do_not_trust_is_a_connection_error() {
    let server = tls_server(&[b"h2", b"http/1.1"]).await;
    // The default transport trusts the webpki roots only.
    let client = Client::builder("sk_test_123")
        .base_url(format!("https://{}", server.addr))
        .max_retries(0)
        .build()
        .unwrap();
    let err = RetrieveCustomer::new("cus_1")
        .send(&client)
        .await
        .unwrap_err();
    match &err {
        Error::Connection { message, .. } => {
            assert!(message.contains("certificate"), "{message}");
            assert!(!message.contains("sk_test_123"), "{message}");
        }
        other => panic!("expected a connection error, got {other:?}"),
    }
    assert!(server.versions.lock().unwrap().is_empty());
}

#[test]
fn a_root_certificate_that_cannot_be_read_is_a_config_error() {
    let err = HyperTransport::with_root_certificates(
        [b"not a certificate"],
        Duration::from_secs(5),
        1024,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
}

#[tokio::test]
async fn a_root_added_to_the_built_in_ones_is_trusted_der_or_pem() {
    let server = tls_server(&[b"http/1.1"]).await;
    for root in [server.certificate.clone(), server.pem.clone().into_bytes()] {
        let client = Client::builder("sk_test_123")
            .base_url(format!("https://{}", server.addr))
            .add_root_certificate(&root)
            .max_retries(0)
            .build()
            .unwrap();
        let customer = RetrieveCustomer::new("cus_1").send(&client).await.unwrap();
        assert_eq!(customer.id, "cus_1");
    }
    // The same through the transport's own builder, and with the built-in roots off.
    let transport = HyperTransport::builder()
        .add_root_certificate(&server.pem)
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    let client = Client::builder("sk_test_123")
        .base_url(format!("https://{}", server.addr))
        .transport(transport)
        .build()
        .unwrap();
    RetrieveCustomer::new("cus_2").send(&client).await.unwrap();
    assert_eq!(server.versions.lock().unwrap().len(), 3);
}

#[test]
fn a_root_that_cannot_be_read_or_no_root_at_all_is_a_config_error_at_build() {
    for bad in [
        &b"not a certificate"[..],
        b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
    ] {
        let err = Client::builder("sk_test_123")
            .add_root_certificate(bad)
            .build()
            .unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains("root certificate 1")),
            "{err}"
        );
    }
    let err = Client::builder("sk_test_123")
        .tls_built_in_root_certs(false)
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("no root certificates")),
        "{err}"
    );
}

/// Settings only the client's own transport can apply are refused, not ignored, next to a
/// transport of the caller's own.
#[test]
fn root_and_proxy_settings_next_to_a_transport_of_your_own_are_a_config_error() {
    let own = || stripe_client::MockTransport::new();
    let builders = [
        Client::builder("sk_test_123").add_root_certificate(b"x"),
        Client::builder("sk_test_123").tls_built_in_root_certs(true),
        Client::builder("sk_test_123").proxy("http://127.0.0.1:1"),
        Client::builder("sk_test_123").no_proxy(),
    ];
    for builder in builders {
        let err = builder.transport(own()).build().unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if m.contains("transport of your own")),
            "{err}"
        );
    }
    let err = Client::builder("sk_test_123")
        .proxy("http://127.0.0.1:1")
        .http_client(stripe_client::reqwest::Client::new())
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("reqwest::Client")),
        "{err}"
    );
}

/// With `native-roots`, the system's store is trusted: rustls-native-certs reads
/// `SSL_CERT_FILE`, so a child process whose `SSL_CERT_FILE` holds the test server's
/// certificate reaches it with the default settings, and one without does not.
#[tokio::test]
async fn native_roots_trust_the_system_store() {
    let server = tls_server(&[b"http/1.1"]).await;
    let file = std::env::temp_dir().join(format!("stripe-client-roots-{}.pem", std::process::id()));
    std::fs::write(&file, &server.pem).unwrap();
    let url = format!("https://{}", server.addr);
    let trusted = crate::child::run(
        "transport_tls::native_roots_child",
        &[
            ("SSL_CERT_FILE", file.to_str().unwrap()),
            ("TEST_HTTPS_ORIGIN", &url),
        ],
    )
    .await;
    let other = std::env::temp_dir().join(format!(
        "stripe-client-roots-{}-empty.pem",
        std::process::id()
    ));
    let unrelated = rcgen::generate_simple_self_signed(vec!["x".into()]).unwrap();
    std::fs::write(&other, pem(unrelated.cert.der())).unwrap();
    let untrusted = crate::child::run(
        "transport_tls::native_roots_child",
        &[
            ("SSL_CERT_FILE", other.to_str().unwrap()),
            ("TEST_HTTPS_ORIGIN", &url),
        ],
    )
    .await;
    let _ = std::fs::remove_file(&file);
    let _ = std::fs::remove_file(&other);
    assert!(trusted.contains("child: ok cus_native"), "{trusted}");
    assert!(untrusted.contains("child: error"), "{untrusted}");
    assert!(untrusted.contains("certificate"), "{untrusted}");
    assert_eq!(server.versions.lock().unwrap().len(), 1);
}

#[tokio::test]
#[ignore = "a child process of native_roots_trust_the_system_store (SSL_CERT_FILE)"]
async fn native_roots_child() {
    let Some(url) = crate::child::var("TEST_HTTPS_ORIGIN") else {
        return;
    };
    let client = Client::builder("sk_test_123")
        .base_url(url)
        .max_retries(0)
        .build()
        .unwrap();
    match RetrieveCustomer::new("cus_native").send(&client).await {
        Ok(c) => println!("child: ok {}", c.id),
        Err(e) => println!("child: error {e}"),
    }
}

/// Plain `http://` carries the API key unencrypted: accepted for loopback hosts (a local
/// stripe-mock, these tests' servers), refused elsewhere unless the builder opts in.
#[test]
fn plain_http_is_accepted_only_for_loopback_hosts_unless_allowed() {
    for base in [
        "http://api.stripe.com",
        "http://10.1.2.3:12111",
        "http://stripe-mock:12111",
        "http://127.0.0.1.example.com",
    ] {
        let setters: [fn(stripe_client::ClientBuilder, &str) -> stripe_client::ClientBuilder; 4] = [
            |b, u| b.base_url(u),
            |b, u| b.api_base(u),
            |b, u| b.files_base(u),
            |b, u| b.meter_events_base(u),
        ];
        for set in setters {
            let err = set(Client::builder("sk_live_123"), base)
                .build()
                .unwrap_err();
            assert!(
                matches!(&err, Error::Config(m) if m.contains("allow_insecure_http")),
                "{base}: {err}"
            );
            set(Client::builder("sk_live_123"), base)
                .allow_insecure_http()
                .build()
                .unwrap();
        }
    }
    for base in [
        "http://127.0.0.1:12111",
        "http://127.3.2.1",
        "http://localhost:12111",
        "http://[::1]:12111",
        "https://api.stripe.com",
        "https://10.1.2.3",
    ] {
        Client::builder("sk_live_123")
            .base_url(base)
            .build()
            .unwrap();
    }
}
