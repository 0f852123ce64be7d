//! The network settings of `ClientBuilder` (proxy, roots, plain HTTP), kept here so the
//! builder holds one field and hands it to whichever transport it builds.

use crate::Error;
use std::fmt;
use std::net::IpAddr;

#[cfg(not(target_arch = "wasm32"))]
use super::proxy::ProxyChoice;

/// What the caller set on the builder; `None` fields were left at their defaults.
#[derive(Clone, Default)]
pub(crate) struct NetOptions {
    /// `http://` base URLs to hosts that are not loopback are accepted.
    pub(crate) allow_insecure_http: bool,
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) proxy: Option<ProxyChoice>,
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) built_in_roots: Option<bool>,
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) added_roots: Vec<Vec<u8>>,
}

impl fmt::Debug for NetOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("NetOptions");
        d.field("allow_insecure_http", &self.allow_insecure_http);
        #[cfg(not(target_arch = "wasm32"))]
        d.field("proxy", &self.proxy)
            .field("built_in_roots", &self.built_in_roots)
            .field("added_roots", &self.added_roots.len());
        d.finish()
    }
}

impl NetOptions {
    /// Whether a proxy or root setting was made, which only the built-in transports can
    /// apply.
    fn has_transport_settings(&self) -> bool {
        #[cfg(not(target_arch = "wasm32"))]
        return self.proxy.is_some()
            || self.built_in_roots.is_some()
            || !self.added_roots.is_empty();
        #[cfg(target_arch = "wasm32")]
        false
    }

    /// `Ok` when nothing was set that `what` (a transport or client of the caller's own)
    /// would silently ignore.
    pub(crate) fn check_unused_by(&self, what: &str) -> Result<(), Error> {
        if self.has_transport_settings() {
            return Err(Error::Config(format!(
                "proxy, no_proxy, add_root_certificate and tls_built_in_root_certs apply to the \
                 client's own transport, not to {what}: configure them there"
            )));
        }
        Ok(())
    }

    /// A base URL is `https://`, or `http://` to a loopback host (`localhost`, 127.0.0.0/8,
    /// `::1`: a local stripe-mock or test server), or `http://` anywhere after
    /// `allow_insecure_http`.
    pub(crate) fn check_base_url(&self, name: &str, url: &str) -> Result<(), Error> {
        if !url.starts_with("http://") || self.allow_insecure_http {
            return Ok(());
        }
        let host = url
            .parse::<http::Uri>()
            .ok()
            .and_then(|u| u.host().map(str::to_owned))
            .unwrap_or_default();
        if is_loopback(&host) {
            return Ok(());
        }
        Err(Error::Config(format!(
            "{name} is plain http:// to {host:?}, which is not a loopback host: the API key \
             and every request would cross the network unencrypted. Use https://, or call \
             ClientBuilder::allow_insecure_http() for a test server on another machine"
        )))
    }

    /// The default native transport with these settings.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn hyper_transport(
        &self,
        connect_timeout: std::time::Duration,
        max_response_bytes: u64,
    ) -> Result<super::HyperTransport, Error> {
        let mut builder = super::HyperTransport::builder()
            .connect_timeout(connect_timeout)
            .max_response_bytes(max_response_bytes)
            .tls_built_in_root_certs(self.built_in_roots.unwrap_or(true));
        if let Some(proxy) = &self.proxy {
            builder.set_proxy(proxy.clone());
        }
        for root in &self.added_roots {
            builder = builder.add_root_certificate(root);
        }
        builder.build()
    }

    /// The caller's reqwest builder with these settings applied (the environment's proxy is
    /// reqwest's own default).
    #[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
    pub(crate) fn apply_to_reqwest(
        &self,
        mut builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, Error> {
        match &self.proxy {
            None | Some(ProxyChoice::Environment) => {}
            Some(ProxyChoice::Disabled) => builder = builder.no_proxy(),
            Some(choice @ ProxyChoice::Url(url)) => {
                // The same checks as the hyper transport's, and errors without credentials.
                super::proxy::matcher(choice, |_| None)?;
                let proxy = reqwest::Proxy::all(url.trim()).map_err(|_| {
                    Error::Config(format!(
                        "proxy {}: not a valid proxy URL",
                        super::proxy::Redacted(url)
                    ))
                })?;
                builder = builder.proxy(proxy);
            }
        }
        if let Some(on) = self.built_in_roots {
            builder = builder.tls_built_in_root_certs(on);
        }
        for (i, bytes) in self.added_roots.iter().enumerate() {
            let what = format!("root certificate {}", i + 1);
            for der in super::roots::parse_certificates(bytes, &what)? {
                let certificate = reqwest::Certificate::from_der(&der)
                    .map_err(|e| Error::Config(format!("{what}: {e}")))?;
                builder = builder.add_root_certificate(certificate);
            }
        }
        Ok(builder)
    }
}

/// `localhost`, or an IP address of the loopback range (`127.0.0.0/8`, `::1`, and `127.x`
/// mapped into IPv6).
pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.8.9.10",
            "[::1]",
            "::1",
            "[::ffff:127.0.0.1]",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "api.stripe.com",
            "10.0.0.1",
            "0.0.0.0",
            "[::]",
            "128.0.0.1",
            "localhost.evil.com",
            "mylocalhost",
            "",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn plain_http_only_to_loopback_unless_allowed() {
        let strict = NetOptions::default();
        strict
            .check_base_url("api_base", "https://api.stripe.com")
            .unwrap();
        strict
            .check_base_url("api_base", "http://127.0.0.1:12111")
            .unwrap();
        strict
            .check_base_url("api_base", "http://localhost:12111")
            .unwrap();
        strict
            .check_base_url("api_base", "http://[::1]:12111")
            .unwrap();
        strict
            .check_base_url("api_base", "http://u:p@127.0.0.1:1")
            .unwrap();
        for url in [
            "http://api.stripe.com",
            "http://10.0.0.5:12111",
            "http://127.0.0.1.nip.io",
        ] {
            let err = strict.check_base_url("api_base", url).unwrap_err();
            assert!(
                matches!(&err, Error::Config(m) if m.contains("allow_insecure_http")),
                "{url}: {err}"
            );
        }
        let lax = NetOptions {
            allow_insecure_http: true,
            ..NetOptions::default()
        };
        lax.check_base_url("api_base", "http://api.stripe.com")
            .unwrap();
    }
}
