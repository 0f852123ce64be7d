//! The `Stripe-Signature` header: parsing, signing and constant-time checking.

use super::error::{HeaderProblem, WebhookError};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

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
}

fn elements(raw: &str) -> impl Iterator<Item = Result<(&str, &str), HeaderProblem>> {
    raw.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| match e.split_once('=') {
            Some((k, v)) => Ok((k.trim(), v.trim())),
            None => Err(HeaderProblem::InvalidElement),
        })
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
                "v1" => v1_count += 1,
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
        })
    }

    /// The signing time (`t`), in Unix seconds.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The `v1` signatures, as sent (hex text).
    pub fn v1_signatures(&self) -> impl Iterator<Item = &'a str> {
        elements(self.raw).filter_map(|e| match e {
            Ok(("v1", v)) => Some(v),
            _ => None,
        })
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
                found |= bytes.ct_eq(&expected);
            }
        }
        found.into()
    }
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
/// `None` never happens in practice: HMAC accepts keys of every length.
pub(crate) fn sign(secret: &[u8], timestamp: i64, payload: &[u8]) -> Option<[u8; 32]> {
    let mut mac = HmacSha256::new_from_slice(secret).ok()?;
    let mut buf = [0u8; 20];
    mac.update(itoa(timestamp, &mut buf));
    mac.update(b".");
    mac.update(payload);
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
    fn seconds() {
        assert_eq!(parse_seconds("1700000000"), Some(1_700_000_000));
        assert_eq!(parse_seconds("-5"), Some(-5));
        assert_eq!(parse_seconds(""), None);
        assert_eq!(parse_seconds("+5"), None);
        assert_eq!(parse_seconds("1e9"), None);
        assert_eq!(parse_seconds("9999999999999999999"), None);
    }
}
