//! The `Stripe-Signature` header: parsing, signing and constant-time checking.

use super::error::{HeaderProblem, WebhookError};
use subtle::ConstantTimeEq;

/// The longest `Stripe-Signature` header accepted (Stripe's are about 150 bytes; a few
/// signatures while a secret rolls stay far below this).
pub const MAX_HEADER_LEN: usize = 8 * 1024;

/// A parsed `Stripe-Signature` header: `t=<unix seconds>,v1=<hex>[,v1=<hex>...][,v0=...]`.
///
/// Parsing borrows the header and allocates nothing. Whitespace around elements, keys and
/// values is ignored, elements may come in any order, empty elements are skipped and schemes
/// other than `v1` are ignored. A header without `t`, with two `t`, with a `t` that is not an
/// integer or with an element that is not `key=value` is malformed; one without any `v1` is
/// [`WebhookError::NoV1Signature`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureHeader<'a> {
    raw: &'a str,
    timestamp: i64,
    v1_count: usize,
    /// The first `v1` signatures, kept from the parse so that checking them needs no second
    /// scan of the header (which would cost about as much as the check).
    v1: [&'a str; KEPT_V1],
}

/// How many `v1` signatures [`SignatureHeader`] keeps from its parse: a header carries one,
/// or two while a secret rolls. Further ones are found by scanning the header again.
const KEPT_V1: usize = 4;

/// The header's `key=value` elements, in one forward scan of its bytes.
///
/// The header is ASCII (an HTTP field value), so only ASCII whitespace is trimmed. A plain
/// byte loop: `str::split` + `split_once` + `trim` cost about 35 ns an element, which was
/// the larger part of `verify`'s cost beyond the HMAC itself.
fn elements(raw: &str) -> Elements<'_> {
    Elements { rest: raw }
}

struct Elements<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Result<(&'a str, &'a str), HeaderProblem>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let bytes = self.rest.as_bytes();
            let end = memchr::memchr(b',', bytes).unwrap_or(bytes.len());
            // `,` is ASCII, so both cuts fall on character boundaries.
            let element = self.rest[..end].trim_ascii();
            self.rest = self.rest.get(end + 1..).unwrap_or("");
            if element.is_empty() {
                continue;
            }
            // Keys are a byte or two: a plain loop beats `split_once`'s searcher here.
            return Some(match element.bytes().position(|b| b == b'=') {
                Some(eq) => Ok((element[..eq].trim_ascii(), element[eq + 1..].trim_ascii())),
                None => Err(HeaderProblem::InvalidElement),
            });
        }
    }
}

impl<'a> SignatureHeader<'a> {
    /// Parse a header value.
    pub fn parse(raw: &'a str) -> Result<Self, WebhookError> {
        if raw.trim().is_empty() {
            return Err(WebhookError::MissingHeader);
        }
        if raw.len() > MAX_HEADER_LEN {
            return Err(WebhookError::MalformedHeader(HeaderProblem::TooLong));
        }
        let mut timestamp = None;
        let mut v1_count = 0usize;
        let mut v1 = [""; KEPT_V1];
        for el in elements(raw) {
            let (k, v) = el.map_err(WebhookError::MalformedHeader)?;
            match k {
                "t" => {
                    if timestamp.is_some() {
                        return Err(WebhookError::MalformedHeader(
                            HeaderProblem::DuplicateTimestamp,
                        ));
                    }
                    timestamp = Some(parse_seconds(v).ok_or(WebhookError::MalformedHeader(
                        HeaderProblem::InvalidTimestamp,
                    ))?);
                }
                "v1" => {
                    if let Some(slot) = v1.get_mut(v1_count) {
                        *slot = v;
                    }
                    v1_count += 1;
                }
                _ => {}
            }
        }
        let timestamp = timestamp.ok_or(WebhookError::MalformedHeader(
            HeaderProblem::MissingTimestamp,
        ))?;
        if v1_count == 0 {
            return Err(WebhookError::NoV1Signature);
        }
        Ok(SignatureHeader {
            raw,
            timestamp,
            v1_count,
            v1,
        })
    }

    /// The signing time (`t`), in Unix seconds.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The `v1` signatures, as sent (hex text).
    pub fn v1_signatures(&self) -> impl Iterator<Item = &'a str> {
        let kept = self.v1.into_iter().take(self.v1_count);
        let more = (self.v1_count > KEPT_V1).then(|| {
            elements(self.raw)
                .filter_map(|e| match e {
                    Ok(("v1", v)) => Some(v),
                    _ => None,
                })
                .skip(KEPT_V1)
        });
        kept.chain(more.into_iter().flatten())
    }

    /// How many `v1` signatures the header carries.
    pub fn v1_count(&self) -> usize {
        self.v1_count
    }

    /// `true` when one of the `v1` signatures is the HMAC-SHA256 of `"{t}.{payload}"` under
    /// `secret`. The comparison is constant-time; signatures that are not 64 hex digits never
    /// match.
    pub fn matches(&self, payload: &[u8], secret: &[u8]) -> bool {
        let Some(expected) = sign(secret, self.timestamp, payload) else {
            return false;
        };
        let mut found = subtle::Choice::from(0u8);
        for sig in self.v1_signatures() {
            if let Some(bytes) = decode_hex32(sig) {
                found |= ct_eq32(&bytes, &expected);
            }
        }
        found.into()
    }
}

/// Constant-time equality of two 32-byte values: the differences are folded into one byte
/// with no early exit, and only that byte goes through `subtle`'s optimisation barrier
/// (`subtle`'s slice comparison puts every byte through it, a third of `verify`'s overhead).
fn ct_eq32(a: &[u8; 32], b: &[u8; 32]) -> subtle::Choice {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    diff.ct_eq(&0)
}

/// Unix seconds: optional `-`, then 1 to 18 ASCII digits (never overflows `i64`).
fn parse_seconds(v: &str) -> Option<i64> {
    let (neg, digits) = match v.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, v),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = digits
        .bytes()
        .fold(0i64, |acc, b| acc * 10 + i64::from(b - b'0'));
    Some(if neg { -n } else { n })
}

/// Decode exactly 64 hex digits (either case) into 32 bytes.
pub(crate) fn decode_hex32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    let mut bad = 0u8;
    for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
        let (hi, lo) = (HEX_VALUE[pair[0] as usize], HEX_VALUE[pair[1] as usize]);
        bad |= (hi | lo) & 0x80;
        *o = (hi << 4) | (lo & 0x0f);
    }
    (bad == 0).then_some(out)
}

/// The value of each hex digit; 0x80 marks a byte that is not one.
const HEX_VALUE: [u8; 256] = {
    let mut t = [0x80u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Format an `i64` in decimal into a stack buffer.
fn itoa(v: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// HMAC-SHA256 of `"{timestamp}.{payload}"` under `secret`.
///
/// On native targets through ring, the crypto library that rustls already builds for the
/// transport; the `hmac` and `sha2` crates (and `digest`, `typenum`, `generic-array`) would be
/// about 2 CPU-seconds more of every clean build of an app, ahead of stripe-types. On wasm32,
/// where there is no TLS stack, through `hmac` and `sha2`.
///
/// `None` never happens in practice: HMAC accepts keys of every length.
pub(crate) fn sign(secret: &[u8], timestamp: i64, payload: &[u8]) -> Option<[u8; 32]> {
    let mut buf = [0u8; 20];
    let parts: [&[u8]; 3] = [itoa(timestamp, &mut buf), b".", payload];
    hmac_sha256(secret, parts)
}

#[cfg(not(target_arch = "wasm32"))]
fn hmac_sha256(secret: &[u8], parts: [&[u8]; 3]) -> Option<[u8; 32]> {
    use ring::hmac;
    let mut mac = hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, secret));
    for part in parts {
        mac.update(part);
    }
    mac.sign().as_ref().try_into().ok()
}

#[cfg(target_arch = "wasm32")]
fn hmac_sha256(secret: &[u8], parts: [&[u8]; 3]) -> Option<[u8; 32]> {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).ok()?;
    for part in parts {
        mac.update(part);
    }
    Some(mac.finalize().into_bytes().into())
}

/// Lowercase hex of 32 bytes.
pub(crate) fn hex32(bytes: &[u8; 32]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(64);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn itoa_formats() {
        let mut b = [0u8; 20];
        assert_eq!(itoa(0, &mut b), b"0");
        assert_eq!(itoa(1_700_000_000, &mut b), b"1700000000");
        assert_eq!(itoa(-42, &mut b), b"-42");
        assert_eq!(itoa(i64::MIN, &mut b), i64::MIN.to_string().as_bytes());
        assert_eq!(itoa(i64::MAX, &mut b), i64::MAX.to_string().as_bytes());
    }

    #[test]
    fn hex_round_trip() {
        let mut x = [0u8; 32];
        for (i, b) in x.iter_mut().enumerate() {
            *b = (i * 37) as u8;
        }
        let h = hex32(&x);
        assert_eq!(decode_hex32(&h), Some(x));
        assert_eq!(decode_hex32(&h.to_uppercase()), Some(x));
        assert_eq!(decode_hex32(&h[1..]), None);
        assert_eq!(decode_hex32(&format!("{}g", &h[1..])), None);
    }

    #[test]
    fn v1_signatures_beyond_the_kept_ones() {
        let body = b"{}";
        let good = hex32(&sign(b"whsec_k", 1_700_000_000, body).unwrap());
        let other = hex32(&[7u8; 32]);
        for n in [1, KEPT_V1 - 1, KEPT_V1, KEPT_V1 + 1, KEPT_V1 + 3] {
            // `n` v1 signatures, the good one last, with other schemes and spaces between.
            let mut raw = String::from(" t=1700000000 ");
            for i in 0..n {
                let sig = if i + 1 == n { &good } else { &other };
                raw.push_str(&format!(", v0=ab ,v1= {sig}"));
            }
            let header = SignatureHeader::parse(&raw).unwrap();
            assert_eq!(header.v1_count(), n);
            let sigs: Vec<&str> = header.v1_signatures().collect();
            assert_eq!(sigs.len(), n, "{raw}");
            assert_eq!(sigs[n - 1], good);
            assert!(sigs[..n - 1].iter().all(|s| *s == other));
            assert!(header.matches(body, b"whsec_k"), "{n} signatures");
            assert!(!header.matches(body, b"whsec_other"));
        }
    }

    #[test]
    fn ct_eq32_compares_every_byte() {
        let a = [9u8; 32];
        for i in 0..32 {
            let mut b = a;
            b[i] ^= 1;
            assert!(!bool::from(ct_eq32(&a, &b)));
        }
        assert!(bool::from(ct_eq32(&a, &a)));
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("1700000000"), Some(1_700_000_000));
        assert_eq!(parse_seconds("-5"), Some(-5));
        assert_eq!(parse_seconds(""), None);
        assert_eq!(parse_seconds("+5"), None);
        assert_eq!(parse_seconds("1e9"), None);
        assert_eq!(parse_seconds("9999999999999999999"), None);
    }
}
