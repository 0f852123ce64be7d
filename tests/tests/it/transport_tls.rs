//! The default transport (`HyperTransport`) over TLS against a local server with a
//! self-signed certificate: HTTP/2 through ALPN when the server offers it, HTTP/1.1 when it
//! does not, and typed errors for a certificate it does not trust or cannot read.

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
/// and recording the HTTP version of each request.
struct TlsServer {
    addr: SocketAddr,
    certificate: Vec<u8>,
    versions: Arc<Mutex<Vec<http::Version>>>,
}

async fn tls_server(alpn: &[&[u8]]) -> TlsServer {
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let certificate = cert.der().to_vec();
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
    let seen = versions.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                // A client that rejects the certificate ends the handshake: nothing to serve.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    seen.lock().unwrap().push(req.version());
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
        versions,
    }
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
