//! Webhook signature verification through the public API: the reference vector, every
//! header and signature error, rotation, and a bounded randomized run over the header parser
//! and `construct_event` (the same logic as the cargo-fuzz target in `fuzz/`).

use std::time::Duration;
use stripe_client::webhook::{HeaderProblem, SignatureHeader, Webhook, WebhookError};
use stripe_types::Timestamp;

const SECRET: &str = "whsec_test_secret";
const T: i64 = 1_700_000_000;
const BODY: &[u8] = br#"{"id":"evt_test","object":"event"}"#;
const SIG: &str = "8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724";

fn at(t: i64) -> Webhook {
    Webhook::new().clock(Timestamp(t))
}

fn check(header: &str) -> Result<(), WebhookError> {
    at(T).verify(BODY, header, SECRET)
}

#[test]
fn reference_vector_verifies() {
    check(&format!("t={T},v1={SIG}")).unwrap();
    assert_eq!(
        Webhook::generate_test_signature(BODY, SECRET, T),
        format!("t={T},v1={SIG}")
    );
}

#[test]
fn tampered_body() {
    for body in [
        &br#"{"id":"evt_test","object":"event"} "#[..],
        br#"{"id":"evt_tesT","object":"event"}"#,
        b"",
    ] {
        assert_eq!(
            at(T).verify(body, &format!("t={T},v1={SIG}"), SECRET),
            Err(WebhookError::NoMatchingSignature)
        );
    }
}

#[test]
fn tampered_signature() {
    for i in [0, 31, 63] {
        let mut s = SIG.as_bytes().to_vec();
        s[i] = if s[i] == b'0' { b'1' } else { b'0' };
        let s = String::from_utf8(s).unwrap();
        assert_eq!(
            check(&format!("t={T},v1={s}")),
            Err(WebhookError::NoMatchingSignature)
        );
    }
    // Truncated, extended, non-hex: never match, never panic.
    for s in [&SIG[..63], &format!("{SIG}0"), &SIG.replace('8', "x"), ""] {
        assert_eq!(
            check(&format!("t={T},v1={s}")),
            Err(WebhookError::NoMatchingSignature)
        );
    }
}

#[test]
fn wrong_secret() {
    for secret in ["whsec_test_secreT", "whsec_test_secre", "test_secret"] {
        assert_eq!(
            at(T).verify(BODY, &format!("t={T},v1={SIG}"), secret),
            Err(WebhookError::NoMatchingSignature)
        );
    }
    // A secret that can never be right says so (webhook_secret_checks.rs has every entry
    // point).
    assert_eq!(
        at(T).verify(BODY, &format!("t={T},v1={SIG}"), "whsec_test_secret "),
        Err(WebhookError::SecretWhitespace)
    );
    assert_eq!(
        at(T).verify(BODY, &format!("t={T},v1={SIG}"), ""),
        Err(WebhookError::EmptySecret)
    );
}

#[test]
fn expired_and_future_timestamps() {
    let h = format!("t={T},v1={SIG}");
    at(T + 300).verify(BODY, &h, SECRET).unwrap();
    assert_eq!(
        at(T + 301).verify(BODY, &h, SECRET),
        Err(WebhookError::TimestampOutsideTolerance {
            timestamp: T,
            now: T + 301,
            tolerance_secs: 300
        })
    );
    // Future timestamps are accepted by default, as stripe-python and stripe-node do
    // (they reject only `timestamp < now - tolerance`)...
    at(T - 301).verify(BODY, &h, SECRET).unwrap();
    at(T - 30 * 86_400).verify(BODY, &h, SECRET).unwrap();
    // ...and bounded when asked.
    assert!(matches!(
        at(T - 301)
            .future_tolerance(Duration::from_secs(300))
            .verify(BODY, &h, SECRET),
        Err(WebhookError::TimestampOutsideTolerance {
            tolerance_secs: 300,
            ..
        })
    ));
    at(T + 86_400)
        .tolerance(Duration::from_secs(86_400))
        .verify(BODY, &h, SECRET)
        .unwrap();
    assert!(matches!(
        at(T + 1).tolerance(Duration::ZERO).verify(BODY, &h, SECRET),
        Err(WebhookError::TimestampOutsideTolerance { .. })
    ));
    // A signature over a different t does not match even inside the tolerance.
    assert_eq!(
        check(&format!("t={},v1={SIG}", T - 1)),
        Err(WebhookError::NoMatchingSignature)
    );
}

#[test]
fn missing_and_malformed_timestamp() {
    use HeaderProblem::*;
    let cases = [
        (format!("v1={SIG}"), MissingTimestamp),
        (format!("t=,v1={SIG}"), InvalidTimestamp),
        (format!("t=17e8,v1={SIG}"), InvalidTimestamp),
        (format!("t=99999999999999999999,v1={SIG}"), InvalidTimestamp),
        (format!("t={T},t={T},v1={SIG}"), DuplicateTimestamp),
        (format!("t={T};v1={SIG}"), InvalidTimestamp),
        (format!("t={T},v1{SIG}"), InvalidElement),
    ];
    for (h, problem) in cases {
        assert_eq!(
            check(&h),
            Err(WebhookError::MalformedHeader(problem)),
            "{h}"
        );
    }
}

#[test]
fn missing_header() {
    assert_eq!(check(""), Err(WebhookError::MissingHeader));
    assert_eq!(check(" \t "), Err(WebhookError::MissingHeader));
}

#[test]
fn duplicate_and_unknown_schemes() {
    // Only v0 / unknown schemes: no v1.
    assert_eq!(
        check(&format!("t={T},v0={SIG}")),
        Err(WebhookError::NoV1Signature)
    );
    assert_eq!(
        check(&format!("t={T},v2={SIG},x=y")),
        Err(WebhookError::NoV1Signature)
    );
    // Unknown schemes next to v1 are ignored.
    check(&format!("t={T},v0=deadbeef,v1={SIG},scheme=whatever")).unwrap();
    // Duplicate v1 (the same twice, or a wrong one first) pass.
    check(&format!("t={T},v1={SIG},v1={SIG}")).unwrap();
    check(&format!("t={T},v1={},v1={SIG}", "0".repeat(64))).unwrap();
    assert_eq!(
        check(&format!(
            "t={T},v1={},v1={}",
            "0".repeat(64),
            "f".repeat(64)
        )),
        Err(WebhookError::NoMatchingSignature)
    );
}

#[test]
fn whitespace_and_ordering_variants() {
    for h in [
        format!("t={T},v1={SIG}"),
        format!("v1={SIG},t={T}"),
        format!("t={T}, v1={SIG}"),
        format!(" t = {T} ,\tv1 = {SIG} "),
        format!("v0=abc,v1={SIG},t={T}"),
        format!("t={T},,v1={SIG},"),
        format!("t={T},v1={}", SIG.to_uppercase()),
    ] {
        check(&h).unwrap_or_else(|e| panic!("{h:?}: {e}"));
    }
    let raw = format!(" v1 = {SIG} , t = {T} ");
    let parsed = SignatureHeader::parse(&raw).unwrap();
    assert_eq!(parsed.timestamp(), T);
    assert_eq!(parsed.v1_signatures().collect::<Vec<_>>(), [SIG]);
}

#[test]
fn rotation_with_two_v1_signatures() {
    let new = Webhook::generate_test_signature(BODY, "whsec_new", T);
    let new_sig = new.rsplit_once('=').unwrap().1;
    let header = format!("t={T},v1={new_sig},v1={SIG}");
    // Stripe signs with both secrets while one rolls: either secret verifies.
    at(T).verify(BODY, &header, SECRET).unwrap();
    at(T).verify(BODY, &header, "whsec_new").unwrap();
    // Our side holds both secrets: either signature verifies.
    at(T)
        .verify_with_secrets(BODY, &format!("t={T},v1={SIG}"), ["whsec_new", SECRET])
        .unwrap();
    at(T)
        .verify_with_secrets(BODY, &new, [SECRET, "whsec_new"])
        .unwrap();
    assert_eq!(
        at(T).verify_with_secrets(BODY, &header, ["whsec_a", "whsec_b"]),
        Err(WebhookError::NoMatchingSignature)
    );
    assert_eq!(
        at(T).verify_with_secrets(BODY, &header, [""; 0]),
        Err(WebhookError::NoSecret)
    );
}

#[test]
fn generated_signatures_are_accepted_by_construct_event() {
    let body = format!(
        r#"{{"id":"evt_1","object":"event","type":"customer.created","created":{},"livemode":false,"pending_webhooks":0,"data":{{"object":{{"object":"customer","id":"cus_1"}}}}}}"#,
        Timestamp::now().seconds()
    );
    let header = Webhook::generate_test_signature(body.as_bytes(), SECRET, Timestamp::now());
    let event = Webhook::construct_event(body.as_bytes(), &header, SECRET).unwrap();
    assert_eq!(event.type_.as_str(), "customer.created");
    let event =
        Webhook::construct_event_with_secrets(body.as_bytes(), &header, ["x", SECRET]).unwrap();
    assert_eq!(event.id, "evt_1");
}

#[test]
fn errors_reveal_no_secret() {
    let secret = "whsec_0123456789abcdefSECRET";
    let good = Webhook::generate_test_signature(BODY, secret, T);
    let errors = [
        at(T).verify(BODY, "", secret),
        at(T).verify(BODY, "t=x", secret),
        at(T).verify(b"{}", &good, secret),
        at(T + 999).verify(BODY, &good, secret),
        at(T).event(BODY, &good, secret).map(drop),
        at(T).event_notification(BODY, &good, secret).map(drop),
    ];
    let expected_sig = good.rsplit_once('=').unwrap().1;
    for e in errors {
        let e = e.unwrap_err();
        for text in [e.to_string(), format!("{e:?}"), e.reason().to_owned()] {
            assert!(
                !text.contains("SECRET") && !text.contains(expected_sig),
                "{text}"
            );
        }
    }
}

/// xorshift64*: a small deterministic generator so the run is reproducible without a crate.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The fuzz target's logic, run over structured random inputs: the header parser and
/// `construct_event` never panic, and a header that verifies always names a valid signature.
#[test]
fn randomized_headers_and_payloads_never_panic() {
    const PIECES: &[&str] = &[
        "t=",
        "v1=",
        "v0=",
        ",",
        " ",
        "=",
        "1700000000",
        "-1",
        "99999999999999999999",
        SIG,
        "t=1700000000",
        "\t",
        "x",
        "é",
        "\0",
        "0",
        "ff",
        "v1",
        "t",
        ",,",
        "==",
    ];
    let wh = at(T);
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let iterations = 200_000;
    let mut accepted = 0;
    for _ in 0..iterations {
        let mut h = String::new();
        for _ in 0..rng.below(8) {
            h.push_str(PIECES[rng.below(PIECES.len())]);
        }
        let mut body = BODY.to_vec();
        if rng.below(4) == 0 {
            let i = rng.below(body.len());
            body[i] = rng.next() as u8;
        }
        let _ = SignatureHeader::parse(&h);
        let _ = wh.event(&body, &h, SECRET);
        let _ = wh.event_notification(&body, &h, SECRET);
        if wh.verify(&body, &h, SECRET).is_ok() {
            accepted += 1;
            assert_eq!(body, BODY, "{h}");
            assert!(h.contains(SIG), "{h}");
        }
    }
    // Also random bytes as payloads with a valid signature: decoding never panics.
    for _ in 0..20_000 {
        let len = rng.below(64);
        let body: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let h = Webhook::generate_test_signature(&body, SECRET, T);
        assert!(wh.verify(&body, &h, SECRET).is_ok());
        let _ = wh.event(&body, &h, SECRET);
        let _ = wh.event_notification(&body, &h, SECRET);
    }
    println!("{iterations} random headers, {accepted} accepted");
}
