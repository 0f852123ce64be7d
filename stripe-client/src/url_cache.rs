//! Parse a request URL without parsing its origin again.
//!
//! A client sends every request to one of a few origins (`https://api.stripe.com`, …), but
//! `Url::parse` re-parses the scheme and host of each one, host normalisation included:
//! about 6,300 instructions of the request's 138,000 on the loopback bench, three times
//! over (reqwest parses the URL twice more). [`Origins`] keeps each origin it has seen
//! parsed, and builds a request's URL from a copy of it with `set_path` and `set_query`,
//! which run the same parser on the path and query only.
//!
//! A URL whose origin does not serialize back to the same text (upper-case scheme, a
//! default port, user info), or that has a fragment, is parsed whole, as before.

use reqwest::Url;
use std::sync::RwLock;
use url::ParseError;

/// How many origins a transport keeps.
const MAX_ORIGINS: usize = 8;

/// The parsed origins a transport has sent to; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct Origins {
    parsed: RwLock<Vec<(String, Url)>>,
}

impl Origins {
    /// `Url::parse(url)`, from a cached origin when there is one.
    pub(crate) fn parse(&self, url: &str) -> Result<Url, ParseError> {
        let Some((origin, path, query)) = split(url) else {
            return Url::parse(url);
        };
        let cached = {
            let parsed = self.parsed.read().unwrap_or_else(|p| p.into_inner());
            parsed
                .iter()
                .find(|(o, _)| o == origin)
                .map(|(_, u)| u.clone())
        };
        if let Some(mut u) = cached {
            u.set_path(path);
            u.set_query(query);
            return Ok(u);
        }
        let u = Url::parse(url)?;
        // Cache the origin only when its text is exactly the start of the parsed URL.
        let serialized = u.as_str();
        if serialized.len() > origin.len()
            && serialized.starts_with(origin)
            && serialized.as_bytes()[origin.len()] == b'/'
        {
            let mut base = u.clone();
            base.set_path("/");
            base.set_query(None);
            let mut parsed = self.parsed.write().unwrap_or_else(|p| p.into_inner());
            if parsed.len() < MAX_ORIGINS && !parsed.iter().any(|(o, _)| o == origin) {
                parsed.push((origin.to_owned(), base));
            }
        }
        Ok(u)
    }
}

/// `scheme://authority`, the path (from its `/`) and the query of `url`; `None` for a URL
/// with a fragment, with user info, without a path, or that starts or ends with a space or
/// control character (which a full parse trims).
fn split(url: &str) -> Option<(&str, &str, Option<&str>)> {
    let trimmed = |b: Option<&u8>| b.is_some_and(|&b| b <= b' ');
    if trimmed(url.as_bytes().first()) || trimmed(url.as_bytes().last()) {
        return None;
    }
    let authority = url.find("://")? + 3;
    let path_at = authority + url[authority..].find('/')?;
    let origin = &url[..path_at];
    if url.contains('#') || origin.contains(['@', '\\', '?']) {
        return None;
    }
    let rest = &url[path_at..];
    Some(match rest.split_once('?') {
        Some((path, query)) => (origin, path, Some(query)),
        None => (origin, rest, None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_url_as_a_full_parse() {
        let origins = Origins::default();
        let urls = [
            "http://127.0.0.1:12111/v1/customers",
            "http://127.0.0.1:12111/v1/customers?limit=3&expand[0]=data.default_source",
            "http://127.0.0.1:12111/v1/customers/cus_123",
            "http://127.0.0.1:12111/v1/customers/cus%20123?",
            "http://127.0.0.1:12111/v1/a b/é/%zz/../x/./y?q=a b&r=é&s=%2F#frag",
            "http://127.0.0.1:12111/v1/back\\slash?x=\\",
            "http://127.0.0.1:12111/",
            "http://127.0.0.1:12111//double//slash;p=1/%2e%2e/%2E/x",
            "http://127.0.0.1:12111/v1/tab\tnew\nline\r?q=\t1\n",
            "http://127.0.0.1:12111/v1/ctl\u{0}\u{1f}\u{7f}?q=\u{0}",
            " http://127.0.0.1:12111/lead-and-trail ",
            "http://127.0.0.1:12111/v1/x?a=[]{}|^`\"<>'",
            "http://127.0.0.1:12111/?",
            "https://api.stripe.com/v1/charges?created[gte]=1&starting_after=ch_1",
            "https://api.stripe.com/v2/core/events?page=abc%3D%3D",
            "https://API.Stripe.com/v1/charges",
            "https://api.stripe.com:443/v1/charges",
            "https://user:pw@api.stripe.com/v1/charges",
            "https://files.stripe.com/v1/files",
            "https://[::1]:8080/v1/x?y",
            "https://xn--bcher-kva.example/v1/x",
            "https://bücher.example/v1/x",
            "not a url",
            "http://",
            "http://host",
        ];
        // Twice: the first pass fills the cache, the second reads from it.
        for _ in 0..2 {
            for url in urls {
                let ours = origins.parse(url).map(String::from);
                let full = Url::parse(url).map(String::from);
                assert_eq!(ours, full, "{url}");
            }
        }
        let cached: Vec<String> = origins
            .parsed
            .read()
            .unwrap()
            .iter()
            .map(|(o, _)| o.clone())
            .collect();
        assert_eq!(
            cached,
            [
                "http://127.0.0.1:12111",
                "https://api.stripe.com",
                "https://files.stripe.com",
                "https://[::1]:8080",
                "https://xn--bcher-kva.example"
            ]
        );
    }

    #[test]
    fn same_url_as_a_full_parse_for_random_paths_and_queries() {
        let origins = Origins::default();
        let alphabet = [
            "a", "Z", "0", "/", "/", "?", "#", "%", "%2e", "%2F", ".", "..", "\\", " ", "\t", "\n",
            "\u{0}", "\u{1f}", "é", "€", "[", "]", ":", "@", ";", "=", "&", "+", "~", "'", "\"",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        for _ in 0..20_000 {
            let mut url = String::from("http://127.0.0.1:12111/");
            for _ in 0..next(12) {
                url.push_str(alphabet[next(alphabet.len())]);
            }
            let ours = origins.parse(&url).map(String::from);
            let full = Url::parse(&url).map(String::from);
            assert_eq!(ours, full, "{url:?}");
        }
    }
}
