//! File upload (multipart to the files host) from bytes and from a path, and the quote PDF
//! as bytes — against a local axum server that checks the multipart body.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use std::sync::{Arc, Mutex};
use stripe_client::prelude::*;
use stripe_client::Client;
use stripe_types::rt::FileUpload;
use stripe_types::{file::Purpose, CreateFile, PdfQuote};

/// One upload as received: its `Content-Type` header and raw body.
type Upload = (String, Vec<u8>);

#[derive(Default, Clone)]
struct Seen {
    uploads: Arc<Mutex<Vec<Upload>>>,
}

const PDF: &[u8] = b"%PDF-1.4\n\x00\x01\x02\xff binary quote\n%%EOF";

fn file_json(filename: &str, size: usize) -> String {
    serde_json::json!({
        "id": "file_123", "object": "file", "created": 1_700_000_000, "expires_at": null,
        "filename": filename, "links": null, "purpose": "dispute_evidence", "size": size,
        "title": null, "type": "txt", "url": null
    })
    .to_string()
}

/// Split a multipart body into (headers, content) per part, checking the framing.
fn parts(body: &[u8], boundary: &str) -> Vec<(String, Vec<u8>)> {
    let delim = format!("--{boundary}").into_bytes();
    let mut out = Vec::new();
    let mut rest = body;
    assert!(rest.starts_with(&delim), "body starts with the boundary");
    loop {
        rest = &rest[delim.len()..];
        if rest.starts_with(b"--") {
            break; // closing delimiter
        }
        assert!(rest.starts_with(b"\r\n"), "CRLF after the boundary");
        rest = &rest[2..];
        let head_end = rest
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("part headers end");
        let head = String::from_utf8(rest[..head_end].to_vec()).unwrap();
        rest = &rest[head_end + 4..];
        let mut next = delim.clone();
        next.splice(0..0, b"\r\n".iter().copied());
        let end = rest
            .windows(next.len())
            .position(|w| w == next.as_slice())
            .expect("next boundary");
        out.push((head, rest[..end].to_vec()));
        rest = &rest[end + 2..];
    }
    out
}

async fn upload(seen: Seen, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let Some(boundary) = ct.strip_prefix("multipart/form-data; boundary=") else {
        return (StatusCode::BAD_REQUEST, format!("content-type {ct}"));
    };
    let ps = parts(&body, boundary);
    let mut filename = String::new();
    let mut size = 0;
    for (head, content) in &ps {
        if head.contains("name=\"file\"") {
            filename = head
                .split("filename=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or("")
                .to_owned();
            size = content.len();
        }
    }
    seen.uploads
        .lock()
        .unwrap()
        .push((ct.clone(), body.to_vec()));
    (StatusCode::OK, file_json(&filename, size))
}

/// A server for the files host; the API host points at a closed port, so a request sent
/// to the wrong host fails.
async fn start() -> (Client, Seen) {
    let seen = Seen::default();
    let s = seen.clone();
    let app = Router::new()
        .route(
            "/v1/files",
            post(move |h: HeaderMap, b: Bytes| upload(s.clone(), h, b)),
        )
        .route(
            "/v1/quotes/{quote}/pdf",
            get(|| async { ([("content-type", "application/pdf")], PDF) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let client = Client::builder("sk_test_123")
        .api_base(closed)
        .files_base(url)
        .max_retries(0)
        .build()
        .unwrap();
    (client, seen)
}

fn check_body(ct: &str, body: &[u8], filename: &str, content_type: &str, data: &[u8]) {
    let boundary = ct
        .strip_prefix("multipart/form-data; boundary=")
        .expect("multipart content type");
    let ps = parts(body, boundary);
    let by_name = |name: &str| {
        ps.iter()
            .find(|(h, _)| h.contains(&format!("name=\"{name}\"")))
            .unwrap_or_else(|| panic!("part {name} in {ps:?}"))
    };
    let (head, value) = by_name("purpose");
    assert_eq!(head, "Content-Disposition: form-data; name=\"purpose\"");
    assert_eq!(value, b"dispute_evidence");
    let (head, content) = by_name("file");
    assert_eq!(
        head,
        &format!("Content-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}")
    );
    assert_eq!(content, data);
}

#[tokio::test]
async fn upload_from_bytes_is_multipart_to_the_files_host() {
    let (client, seen) = start().await;
    let data = b"receipt\r\n--not-a-boundary\r\n\x00\xff bytes".to_vec();
    let file = CreateFile::new(
        FileUpload::from_bytes("receipt.bin", data.clone()),
        Purpose::DisputeEvidence,
    )
    .send(&client)
    .await
    .unwrap();
    assert_eq!(file.id.as_str(), "file_123");
    assert_eq!(file.filename.as_deref(), Some("receipt.bin"));
    assert_eq!(file.size, data.len() as i64);
    let uploads = seen.uploads.lock().unwrap().clone();
    assert_eq!(uploads.len(), 1);
    check_body(
        &uploads[0].0,
        &uploads[0].1,
        "receipt.bin",
        "application/octet-stream",
        &data,
    );
}

#[tokio::test]
async fn upload_from_a_path_with_a_content_type_and_expand() {
    let (client, seen) = start().await;
    let dir = std::env::temp_dir().join(format!("stripe-rs-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("evidence.txt");
    std::fs::write(&path, b"the customer signed for the parcel").unwrap();
    let upload = FileUpload::from_path(&path)
        .unwrap()
        .content_type("text/plain");
    let file = CreateFile::new(upload, Purpose::DisputeEvidence)
        .expand(["links"])
        .send(&client)
        .await
        .unwrap();
    assert_eq!(file.filename.as_deref(), Some("evidence.txt"));
    let uploads = seen.uploads.lock().unwrap().clone();
    check_body(
        &uploads[0].0,
        &uploads[0].1,
        "evidence.txt",
        "text/plain",
        b"the customer signed for the parcel",
    );
    let body = String::from_utf8_lossy(&uploads[0].1).into_owned();
    assert!(
        body.contains("Content-Disposition: form-data; name=\"expand[0]\"\r\n\r\nlinks\r\n"),
        "{body}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn missing_path_is_an_io_error() {
    assert!(FileUpload::from_path("/definitely/not/here.pdf").is_err());
}

#[tokio::test]
async fn quote_pdf_downloads_as_bytes() {
    let (client, _) = start().await;
    let pdf = PdfQuote::new("qt_123").send(&client).await.unwrap();
    assert_eq!(pdf.0, PDF);
}

#[tokio::test]
async fn upload_and_pdf_against_stripe_mock() {
    let client = integration_tests::client_for(&integration_tests::stripe_mock());
    let file = CreateFile::new(
        FileUpload::from_bytes("a.txt", b"hello".to_vec()),
        Purpose::DisputeEvidence,
    )
    .send(&client)
    .await
    .unwrap();
    assert!(file.id.as_str().starts_with("file_"));
    let pdf = PdfQuote::new("qt_123").send(&client).await.unwrap();
    assert!(!pdf.0.is_empty());
}
