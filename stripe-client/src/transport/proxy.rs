//! Which proxy a request goes through, as reqwest decides it: hyper-util's proxy matcher
//! (`hyper_util::client::proxy::matcher`, the code reqwest itself uses since 0.12.23) over the
//! environment, or a proxy URL set on the builder.
//!
//! From the environment (the default):
//! - `HTTPS_PROXY` for `https://` destinations, `HTTP_PROXY` for `http://` ones, `ALL_PROXY`
//!   for both where the specific one is unset; each in upper case, else lower case (the first
//!   one set wins, even when empty).
//! - `NO_PROXY` (or `no_proxy`): a comma-separated list of domains (each matches itself and
//!   its subdomains, with or without a leading dot), IP addresses, CIDR blocks (`10.0.0.0/8`)
//!   and `*`. `*` alone turns the proxy off for every host, IP addresses included (curl's
//!   rule; reqwest's matcher applies it to domain names only, seanmonstar/reqwest#2579).
//! - `user:password@` in a proxy URL is sent as `Proxy-Authorization: Basic …`: on the
//!   `CONNECT` that opens an `https://` tunnel, on each request of a plain `http://` one.
//! - In a CGI process (`REQUEST_METHOD` set) the environment is ignored: there `HTTP_PROXY`
//!   can come from a request's `Proxy:` header ("httpoxy").
//! - A proxy URL without a scheme is `http://`. `https://` proxies are reached over TLS.
//!   SOCKS proxies are not supported (the request fails with a connection error saying so).

use crate::Error;
use hyper_util::client::proxy::matcher::Matcher;
use std::fmt;

/// Where a transport's proxy comes from.
#[derive(Clone, Default)]
pub(crate) enum ProxyChoice {
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (the default).
    #[default]
    Environment,
    /// No proxy, whatever the environment says.
    Disabled,
    /// This proxy for every request (the environment is not read).
    Url(String),
}

impl fmt::Debug for ProxyChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyChoice::Environment => f.write_str("Environment"),
            ProxyChoice::Disabled => f.write_str("Disabled"),
            ProxyChoice::Url(url) => f
                .debug_tuple("Url")
                .field(&format_args!("{}", Redacted(url)))
                .finish(),
        }
    }
}

/// A proxy URL as `scheme://host:port`: never its user or password.
pub(crate) struct Redacted<'a>(pub(crate) &'a str);

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.0.trim();
        let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
        // Everything up to the last `@` is taken for credentials, even a password with a
        // `/` or `@` that should have been percent-encoded: none of it is shown.
        let (credentials, rest) = match rest.rsplit_once('@') {
            Some((_, host)) => (true, host),
            None => (false, rest),
        };
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if credentials {
            write!(f, "{scheme}://[credentials]@{host}")
        } else {
            write!(f, "{scheme}://{host}")
        }
    }
}

/// The environment variables read, each name upper case first (as reqwest and curl).
const ALL: [&str; 2] = ["ALL_PROXY", "all_proxy"];
const HTTP: [&str; 2] = ["HTTP_PROXY", "http_proxy"];
const HTTPS: [&str; 2] = ["HTTPS_PROXY", "https_proxy"];
const NO: [&str; 2] = ["NO_PROXY", "no_proxy"];

/// The proxy matcher the environment describes, read through `var` (for the process
/// environment: `|name| std::env::var(name).ok()`); `None` when it names no proxy, so that
/// the transport connects directly without asking a matcher.
pub(crate) fn from_env(var: impl Fn(&str) -> Option<String>) -> Option<Matcher> {
    if var("REQUEST_METHOD").is_some() {
        return None;
    }
    let first = |names: [&str; 2]| names.into_iter().find_map(&var).unwrap_or_default();
    // A proxy URL that cannot be read whole is dropped, like one that is not a URL.
    let proxy = |names: [&str; 2]| {
        let value = first(names);
        match check_url(&value) {
            Ok(()) => value,
            Err(why) => {
                tracing::warn!(
                    variable = names[0],
                    "stripe_client: ignoring the proxy variable: {why}"
                );
                String::new()
            }
        }
    };
    let (all, http, https, no) = (proxy(ALL), proxy(HTTP), proxy(HTTPS), first(NO));
    // `NO_PROXY=*` alone is "no proxy for any host", IP addresses included, as curl
    // documents it; the matcher's `*` covers domain names only (seanmonstar/reqwest#2579).
    if [&all, &http, &https].iter().all(|v| v.trim().is_empty()) || no.trim() == "*" {
        return None;
    }
    // Values that are not URLs are ignored (as reqwest does): nothing may be left. (Asked of
    // a matcher without `NO_PROXY`, which could exclude the probe's host.)
    let probe = Matcher::builder()
        .all(all.as_str())
        .http(http.as_str())
        .https(https.as_str())
        .build();
    let any = ["http://example.invalid/", "https://example.invalid/"]
        .iter()
        .any(|u| probe.intercept(&http::Uri::from_static(u)).is_some());
    any.then(|| {
        Matcher::builder()
            .all(all)
            .http(http)
            .https(https)
            .no(no)
            .build()
    })
}

/// `Ok` for a proxy URL (or an empty value) that reads as one authority: credentials, if
/// any, all before the host (a `/`, `?`, `#` or `@` in them percent-encoded). Otherwise a
/// password could be read as a host or a path, and printed as one.
fn check_url(url: &str) -> Result<(), &'static str> {
    let url = url.trim();
    if url.is_empty() {
        return Ok(());
    }
    let Ok(uri) = url.parse::<http::Uri>() else {
        return Err("not a valid URL");
    };
    let Some(authority) = uri.authority() else {
        return Err("no host");
    };
    if url.matches('@').count() != authority.as_str().matches('@').count() {
        return Err("a `/`, `?`, `#` or `@` in the user or password must be percent-encoded");
    }
    Ok(())
}

/// The matcher for `choice` (the environment read through `var`), or a configuration error
/// for a proxy URL that cannot be used. The error never repeats the URL's credentials.
pub(crate) fn matcher(
    choice: &ProxyChoice,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<Matcher>, Error> {
    match choice {
        ProxyChoice::Environment => Ok(from_env(var)),
        ProxyChoice::Disabled => Ok(None),
        ProxyChoice::Url(url) => {
            let invalid = |why: &str| Error::Config(format!("proxy {}: {why}", Redacted(url)));
            check_url(url).map_err(invalid)?;
            let uri: http::Uri = url.trim().parse().map_err(|_| invalid("not a valid URL"))?;
            match uri.scheme_str() {
                None | Some("http" | "https") => {}
                Some(s) if s.starts_with("socks") => {
                    return Err(invalid(
                        "SOCKS proxies are not supported; use an http:// proxy",
                    ))
                }
                Some(_) => return Err(invalid("the scheme must be http:// or https://")),
            }
            if uri.host().is_none_or(str::is_empty) {
                return Err(invalid("no host"));
            }
            let matcher = Matcher::builder().all(url.trim()).build();
            let probe = http::Uri::from_static("https://api.stripe.com/");
            if matcher.intercept(&probe).is_none() {
                return Err(invalid("not a valid proxy URL"));
            }
            Ok(Some(matcher))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    /// The proxy (`scheme://host:port/`) a request to `url` goes through.
    fn via(m: &Option<Matcher>, url: &str) -> Option<String> {
        let uri: http::Uri = url.parse().unwrap();
        m.as_ref()?.intercept(&uri).map(|i| i.uri().to_string())
    }

    #[test]
    fn nothing_set_is_no_matcher() {
        assert!(from_env(env(&[])).is_none());
        assert!(from_env(env(&[("NO_PROXY", "*")])).is_none());
        assert!(from_env(env(&[("HTTPS_PROXY", "  ")])).is_none());
    }

    #[test]
    fn https_http_and_all_by_destination_scheme() {
        let m = from_env(env(&[
            ("HTTPS_PROXY", "http://secure.proxy:3128"),
            ("HTTP_PROXY", "http://plain.proxy:8080"),
        ]));
        assert_eq!(
            via(&m, "https://api.stripe.com/v1/customers").as_deref(),
            Some("http://secure.proxy:3128/")
        );
        assert_eq!(
            via(&m, "http://api.stripe.com/").as_deref(),
            Some("http://plain.proxy:8080/")
        );
        let m = from_env(env(&[("ALL_PROXY", "http://all.proxy:1")]));
        assert_eq!(
            via(&m, "https://api.stripe.com/").as_deref(),
            Some("http://all.proxy:1/")
        );
        assert_eq!(
            via(&m, "http://api.stripe.com/").as_deref(),
            Some("http://all.proxy:1/")
        );
        // The specific variable wins over ALL_PROXY.
        let m = from_env(env(&[
            ("ALL_PROXY", "http://all.proxy:1"),
            ("HTTPS_PROXY", "http://secure.proxy:2"),
        ]));
        assert_eq!(
            via(&m, "https://api.stripe.com/").as_deref(),
            Some("http://secure.proxy:2/")
        );
        assert_eq!(
            via(&m, "http://api.stripe.com/").as_deref(),
            Some("http://all.proxy:1/")
        );
    }

    #[test]
    fn upper_case_first_then_lower_case() {
        let m = from_env(env(&[("https_proxy", "http://lower:1")]));
        assert_eq!(
            via(&m, "https://api.stripe.com/").as_deref(),
            Some("http://lower:1/")
        );
        let m = from_env(env(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:1"),
        ]));
        assert_eq!(
            via(&m, "https://api.stripe.com/").as_deref(),
            Some("http://upper:1/")
        );
        let m = from_env(env(&[
            ("HTTPS_PROXY", "http://p:1"),
            ("no_proxy", "stripe.com"),
        ]));
        assert_eq!(via(&m, "https://api.stripe.com/"), None);
        let m = from_env(env(&[
            ("all_proxy", "http://p:1"),
            ("http_proxy", "http://q:2"),
        ]));
        assert_eq!(via(&m, "http://x.test/").as_deref(), Some("http://q:2/"));
    }

    #[test]
    fn no_proxy_domains_subdomains_ips_cidrs_and_star() {
        let m = from_env(env(&[
            ("HTTPS_PROXY", "http://p:1"),
            ("HTTP_PROXY", "http://p:1"),
            (
                "NO_PROXY",
                "internal.example, .corp.test,10.1.0.0/16, 192.168.7.7,::1, fd00::/8",
            ),
        ]));
        for bypassed in [
            "https://internal.example/",
            "https://api.internal.example/",
            "https://corp.test/",
            "https://a.b.corp.test/",
            "http://10.1.200.3:8080/",
            "http://192.168.7.7/",
            "http://[::1]:12111/",
            "http://[fd00::5]/",
        ] {
            assert_eq!(via(&m, bypassed), None, "{bypassed}");
        }
        for proxied in [
            "https://api.stripe.com/",
            "https://notinternal.example/",
            "https://internal.example.com/",
            "http://10.2.0.1/",
            "http://192.168.7.8/",
            "http://127.0.0.1:12111/",
            "http://localhost:12111/",
        ] {
            assert_eq!(
                via(&m, proxied).as_deref(),
                Some("http://p:1/"),
                "{proxied}"
            );
        }
        let m = from_env(env(&[("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "*")]));
        assert_eq!(via(&m, "https://api.stripe.com/"), None);
        // `*` alone: IP addresses too (curl's rule).
        let m = from_env(env(&[("HTTP_PROXY", "http://p:1"), ("NO_PROXY", " * ")]));
        assert_eq!(via(&m, "http://127.0.0.1:12111/"), None);
        // A NO_PROXY entry that happens to match the probe host does not hide the proxy.
        let m = from_env(env(&[
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", ".invalid"),
        ]));
        assert_eq!(
            via(&m, "https://api.stripe.com/").as_deref(),
            Some("http://p:1/")
        );
    }

    #[test]
    fn credentials_go_to_proxy_authorization_not_to_the_uri() {
        let m = from_env(env(&[("HTTPS_PROXY", "http://us%40er:p%3Ass@p.test:3128")]));
        let i = m
            .as_ref()
            .unwrap()
            .intercept(&"https://api.stripe.com/".parse().unwrap())
            .unwrap();
        assert_eq!(i.uri().to_string(), "http://p.test:3128/");
        // base64("us@er:p:ss")
        assert_eq!(i.basic_auth().unwrap(), "Basic dXNAZXI6cDpzcw==");
        assert!(i.basic_auth().unwrap().is_sensitive());
        let debug = format!("{m:?}");
        assert!(
            !debug.contains("p%3Ass") && !debug.contains("dXNAZXI"),
            "{debug}"
        );
    }

    #[test]
    fn a_cgi_process_ignores_the_environment() {
        let m = from_env(env(&[
            ("REQUEST_METHOD", "GET"),
            ("HTTP_PROXY", "http://evil:1"),
            ("HTTPS_PROXY", "http://evil:1"),
        ]));
        assert!(m.is_none());
    }

    #[test]
    fn a_value_that_is_not_a_url_is_ignored() {
        assert!(from_env(env(&[("HTTPS_PROXY", "not a url")])).is_none());
        // A password with an unencoded `/` would make the rest a path and `u:secret` the
        // host: dropped, so that it is never shown as one.
        for value in ["http://u:secret/pw@p:1", "http://u:secret?pw@p:1"] {
            let m = from_env(env(&[("HTTPS_PROXY", value)]));
            assert!(m.is_none(), "{value}: {m:?}");
        }
        // Without a scheme, http:// is meant.
        let m = from_env(env(&[("HTTPS_PROXY", "p.test:3128")]));
        assert_eq!(
            via(&m, "https://api.stripe.com/").as_deref(),
            Some("http://p.test:3128/")
        );
    }

    #[test]
    fn an_explicit_proxy_ignores_the_environment() {
        let set = env(&[("NO_PROXY", "*"), ("HTTPS_PROXY", "http://from-env:1")]);
        let m = matcher(&ProxyChoice::Url("http://u:pw@explicit:2".into()), &set).unwrap();
        assert_eq!(
            via(&m, "https://api.stripe.com/").as_deref(),
            Some("http://explicit:2/")
        );
        assert_eq!(
            via(&m, "http://127.0.0.1:1/").as_deref(),
            Some("http://explicit:2/")
        );
        assert!(matcher(&ProxyChoice::Disabled, &set).unwrap().is_none());
        let m = matcher(&ProxyChoice::Environment, &set).unwrap();
        assert_eq!(via(&m, "https://api.stripe.com/"), None);
    }

    #[test]
    fn an_explicit_proxy_that_cannot_be_used_is_a_config_error_without_its_password() {
        for url in [
            "socks5://u:secret-pw@p:1080",
            "ftp://u:secret-pw@p:21",
            "http://u:secret-pw@",
            "http://u:secret-pw@p:1:2",
            "http://u:secret/pw@p:1",
            "socks5h://u:secret-pw@p:1",
        ] {
            let err = matcher(&ProxyChoice::Url(url.into()), |_| None).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(matches!(err, Error::Config(_)), "{url}: {shown}");
            assert!(!shown.contains("secret-pw"), "{shown}");
        }
    }

    #[test]
    fn debug_and_redaction_hide_credentials() {
        let c = ProxyChoice::Url("http://user:hunter2@proxy.internal:3128/path".into());
        let shown = format!("{c:?}");
        assert_eq!(
            shown, "Url(http://[credentials]@proxy.internal:3128)",
            "{shown}"
        );
        assert_eq!(
            Redacted("proxy.internal:3128").to_string(),
            "http://proxy.internal:3128"
        );
        // Unencoded `/` and `@` in a password: still hidden.
        assert_eq!(
            Redacted("http://u:pa/ss@w@proxy:1/x").to_string(),
            "http://[credentials]@proxy:1"
        );
        assert_eq!(
            Redacted("u:secret@proxy:1").to_string(),
            "http://[credentials]@proxy:1"
        );
    }
}
