//! A scripted HTTP/1.1 server on 127.0.0.1 for fault injection.
//!
//! Each connection serves one request (`Connection: close`) with the next [`Action`] of the
//! script; once the script is used up it answers `200` with the fallback body. Written on
//! raw tokio sockets rather than axum because resets and half-sent bodies need control below
//! the HTTP layer.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What to do with one request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Answer with a status, extra headers and a body.
    Respond {
        /// Status.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// Body.
        body: String,
    },
    /// Read the request, then close the connection without answering.
    Reset,
    /// Send the headers and half the body, wait, then send the rest.
    SlowBody(Duration),
    /// Read the request and never answer (until the client gives up).
    Hang,
}

impl Action {
    /// A JSON answer.
    pub fn status(status: u16, body: &str) -> Action {
        Action::Respond {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }
    /// A JSON answer with one extra header.
    pub fn status_with(status: u16, header: (&str, &str), body: &str) -> Action {
        Action::Respond {
            status,
            headers: vec![(header.0.to_owned(), header.1.to_owned())],
            body: body.to_owned(),
        }
    }
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Method.
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Headers, names lower-cased.
    pub headers: BTreeMap<String, String>,
    /// Body.
    pub body: String,
}

impl Recorded {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// A running fault server.
pub struct FaultServer {
    /// `http://127.0.0.1:<port>`
    pub url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

/// The default success body: a customer.
pub const OK_CUSTOMER: &str = r#"{"id":"cus_ok","object":"customer","email":"a@b.com"}"#;

impl FaultServer {
    /// Start a server playing `script`, then answering `200 OK_CUSTOMER`.
    pub async fn start(script: Vec<Action>) -> FaultServer {
        Self::start_with_fallback(script, OK_CUSTOMER).await
    }

    /// Start a server playing `script`, then answering `200 fallback`.
    pub async fn start_with_fallback(script: Vec<Action>, fallback: &str) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let fallback = fallback.to_owned();
        let rec = requests.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let rec = rec.clone();
                let script = script.clone();
                let fallback = fallback.clone();
                tokio::spawn(async move {
                    let _ = serve(sock, rec, script, fallback).await;
                });
            }
        });
        FaultServer {
            url,
            requests,
            task,
        }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Number of requests received.
    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Read one HTTP/1.1 request (head and `content-length` body); `None` when the peer closed.
pub(crate) async fn read_request(sock: &mut TcpStream) -> std::io::Result<Option<Recorded>> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or_default();
    let mut parts = first.split(' ');
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = BTreeMap::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&tmp[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..]).into_owned();
    Ok(Some(Recorded {
        method,
        target,
        headers,
        body,
    }))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        402 => "Payment Required",
        404 => "Not Found",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

async fn serve(
    mut sock: TcpStream,
    rec: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Mutex<VecDeque<Action>>>,
    fallback: String,
) -> std::io::Result<()> {
    let Some(req) = read_request(&mut sock).await? else {
        return Ok(());
    };
    let n = {
        let mut r = rec.lock().unwrap();
        r.push(req);
        r.len()
    };
    let action = script.lock().unwrap().pop_front();
    let action = action.unwrap_or(Action::Respond {
        status: 200,
        headers: vec![],
        body: fallback,
    });
    let request_id = format!("req_fault_{n}");
    match action {
        Action::Respond {
            status,
            headers,
            body,
        } => {
            let mut out = format!(
                "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nRequest-Id: {request_id}\r\nContent-Length: {}\r\nConnection: close\r\n",
                reason(status),
                body.len()
            );
            for (k, v) in headers {
                out.push_str(&format!("{k}: {v}\r\n"));
            }
            out.push_str("\r\n");
            out.push_str(&body);
            sock.write_all(out.as_bytes()).await?;
            sock.shutdown().await?;
        }
        Action::Reset => {
            // Drop the socket without a byte of answer.
            drop(sock);
        }
        Action::SlowBody(delay) => {
            let body = OK_CUSTOMER;
            let (a, b) = body.split_at(body.len() / 2);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nRequest-Id: {request_id}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{a}",
                body.len()
            );
            sock.write_all(head.as_bytes()).await?;
            sock.flush().await?;
            tokio::time::sleep(delay).await;
            sock.write_all(b.as_bytes()).await?;
            sock.shutdown().await?;
        }
        Action::Hang => {
            tokio::time::sleep(Duration::from_secs(120)).await;
        }
    }
    Ok(())
}
