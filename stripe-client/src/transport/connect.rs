//! The connector under [`HyperTransport`](super::HyperTransport)'s pool: straight to the
//! destination (hyper-rustls over hyper-util's `HttpConnector`), or through a proxy when the
//! proxy matcher says so:
//!
//! - an `https://` destination through a `CONNECT` tunnel (hyper-util's `Tunnel`, with
//!   `Proxy-Authorization` when the proxy URL has credentials), then TLS to the destination
//!   inside it;
//! - an `http://` destination as a request in absolute form (`GET http://host/path`) to the
//!   proxy; the transport adds `Proxy-Authorization` to such requests.
//!
//! Without a proxy the connector asks nothing and hands over the direct connection: the same
//! stream type as before proxies existed, in an enum whose direct variant is not boxed.

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::net::TcpStream;
use tower_service::Service;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// A TCP connection, with TLS for `https://` (to the destination, or to an `https://` proxy).
type Plain = MaybeHttpsStream<TokioIo<TcpStream>>;

/// Connects to a destination, directly or through the proxy the matcher picks.
#[derive(Clone)]
pub(crate) struct Connector {
    direct: HttpsConnector<HttpConnector>,
    proxy: Option<Arc<ProxyRoute>>,
}

/// What connecting through a proxy needs.
pub(crate) struct ProxyRoute {
    pub(crate) matcher: Matcher,
    /// TCP (and TLS for an `https://` proxy, ALPN `http/1.1`) to the proxy itself.
    to_proxy: HttpsConnector<HttpConnector>,
    /// TLS to the destination inside a tunnel: the direct path's settings and ALPN.
    tunnel_tls: Arc<rustls::ClientConfig>,
}

impl ProxyRoute {
    pub(crate) fn new(
        matcher: Matcher,
        http: HttpConnector,
        proxy_tls: rustls::ClientConfig,
        tunnel_tls: rustls::ClientConfig,
    ) -> Self {
        ProxyRoute {
            matcher,
            to_proxy: HttpsConnector::from((http, proxy_tls)),
            tunnel_tls: Arc::new(tunnel_tls),
        }
    }
}

impl Connector {
    pub(crate) fn new(
        direct: HttpsConnector<HttpConnector>,
        proxy: Option<Arc<ProxyRoute>>,
    ) -> Self {
        Connector { direct, proxy }
    }
}

impl Service<Uri> for Connector {
    type Response = Conn;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Conn, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.direct.poll_ready(cx)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let via = self
            .proxy
            .as_ref()
            .and_then(|route| Some((route.clone(), route.matcher.intercept(&dst)?)));
        match via {
            None => {
                let connecting = self.direct.call(dst);
                Box::pin(async move { connecting.await.map(Conn::Direct) })
            }
            Some((route, proxy)) => Box::pin(route.connect(dst, proxy)),
        }
    }
}

impl ProxyRoute {
    async fn connect(self: Arc<Self>, dst: Uri, proxy: Intercept) -> Result<Conn, BoxError> {
        match proxy.uri().scheme_str() {
            Some("http" | "https") => {}
            other => {
                return Err(io::Error::other(format!(
                    "the proxy {}://{} is not an http:// or https:// proxy (SOCKS proxies are \
                     not supported): set HTTPS_PROXY to an HTTP proxy, or use \
                     ClientBuilder::proxy / no_proxy",
                    other.unwrap_or_default(),
                    proxy.uri().authority().map_or("", |a| a.as_str()),
                ))
                .into())
            }
        }
        if dst.scheme() == Some(&http::uri::Scheme::HTTPS) {
            let mut tunnel = Tunnel::new(proxy.uri().clone(), self.to_proxy.clone());
            if let Some(auth) = proxy.basic_auth() {
                tunnel = tunnel.with_auth(auth.clone());
            }
            let mut tls = HttpsConnector::from((tunnel, self.tunnel_tls.clone()));
            tls.enforce_https();
            let stream = tls.call(dst).await?;
            Ok(Conn::Tunnel(Box::new(stream)))
        } else {
            let stream = self.to_proxy.clone().call(proxy.uri().clone()).await?;
            Ok(Conn::Forward(stream))
        }
    }
}

/// One pooled connection.
pub(crate) enum Conn {
    /// Straight to the destination.
    Direct(Plain),
    /// To a proxy that forwards `http://` requests sent in absolute form.
    Forward(Plain),
    /// TLS to the destination inside a `CONNECT` tunnel through a proxy.
    Tunnel(Box<MaybeHttpsStream<Plain>>),
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        match self {
            Conn::Direct(s) => s.connected(),
            // Absolute-form requests, and a pool that knows the connection is a proxy's.
            Conn::Forward(s) => s.connected().proxy(true),
            Conn::Tunnel(s) => s.connected(),
        }
    }
}

/// `$method` on whichever stream `$self` holds.
macro_rules! each {
    ($self:expr, $s:ident => $e:expr) => {
        match $self {
            Conn::Direct($s) | Conn::Forward($s) => $e,
            Conn::Tunnel($s) => {
                let $s = &mut **$s;
                $e
            }
        }
    };
}

impl Read for Conn {
    #[inline]
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        each!(self.get_mut(), s => Pin::new(s).poll_read(cx, buf))
    }
}

impl Write for Conn {
    #[inline]
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        each!(self.get_mut(), s => Pin::new(s).poll_write(cx, buf))
    }

    #[inline]
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self.get_mut(), s => Pin::new(s).poll_flush(cx))
    }

    #[inline]
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self.get_mut(), s => Pin::new(s).poll_shutdown(cx))
    }

    #[inline]
    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Direct(s) | Conn::Forward(s) => s.is_write_vectored(),
            Conn::Tunnel(s) => s.is_write_vectored(),
        }
    }

    #[inline]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        each!(self.get_mut(), s => Pin::new(s).poll_write_vectored(cx, bufs))
    }
}
