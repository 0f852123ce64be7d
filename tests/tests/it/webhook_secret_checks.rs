//! A webhook secret that cannot be trusted is refused at every entry point, before the
//! delivery is looked at: empty or blank ([`WebhookError::EmptySecret`]: with an empty key
//! anyone can sign an event), or with leading or trailing whitespace
//! ([`WebhookError::SecretWhitespace`]: a newline read from a file would otherwise fail every
//! delivery with "no signature matches" and no hint).
//!
//! Each case signs the payload with the very secret it passes, so a verifier that let the
//! secret through would accept it: the test fails on a build without the checks.

use stripe_client::webhook::axum::WebhookSecret;
use stripe_client::webhook::{self, check_secret, Webhook, WebhookError};
use stripe_types::Timestamp;

const EVENT: &[u8] = br#"{"id":"evt_1","object":"event","created":1700000000,"livemode":false,"pending_webhooks":1,"type":"customer.created","data":{"object":{"id":"cus_1","object":"customer","created":1700000000,"livemode":false}}}"#;
const THIN: &[u8] = br#"{"id":"evt_2","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered","created":"2024-09-17T06:20:52.246Z","livemode":false}"#;

/// Secrets that must be refused, with the error each gets.
fn untrusted() -> Vec<(&'static str, WebhookError)> {
    vec![
        ("", WebhookError::EmptySecret),
        (" ", WebhookError::EmptySecret),
        ("\n", WebhookError::EmptySecret),
        ("\t \r\n", WebhookError::EmptySecret),
        ("whsec_x\n", WebhookError::SecretWhitespace),
        ("whsec_x\r\n", WebhookError::SecretWhitespace),
        (" whsec_x", WebhookError::SecretWhitespace),
        ("whsec_x ", WebhookError::SecretWhitespace),
        ("\twhsec_x", WebhookError::SecretWhitespace),
    ]
}

fn signed(payload: &[u8], secret: &str) -> String {
    Webhook::generate_test_signature(payload, secret, Timestamp::now())
}

#[test]
fn construct_event_refuses_untrusted_secrets() {
    for (secret, want) in untrusted() {
        let header = signed(EVENT, secret);
        assert_eq!(
            Webhook::construct_event(EVENT, &header, secret).unwrap_err(),
            want,
            "{secret:?}"
        );
        assert_eq!(
            webhook::construct_event(EVENT, &header, secret).unwrap_err(),
            want,
            "{secret:?}"
        );
    }
}

#[test]
fn with_secrets_refuses_any_untrusted_secret_even_beside_a_good_one() {
    for (secret, want) in untrusted() {
        // The delivery is signed with the good secret, which comes first: still refused,
        // because the list itself is misconfigured.
        let header = signed(EVENT, "whsec_good");
        assert_eq!(
            Webhook::construct_event_with_secrets(EVENT, &header, ["whsec_good", secret])
                .unwrap_err(),
            want,
            "{secret:?}"
        );
    }
}

#[test]
fn the_verifier_refuses_untrusted_secrets_before_the_header() {
    let webhook = Webhook::new();
    for (secret, want) in untrusted() {
        let header = signed(EVENT, secret);
        assert_eq!(webhook.verify(EVENT, &header, secret).unwrap_err(), want);
        assert_eq!(
            webhook
                .verify_with_secrets(EVENT, &header, [secret])
                .unwrap_err(),
            want
        );
        assert_eq!(webhook.event(EVENT, &header, secret).unwrap_err(), want);
        // The secret is the app's error, whatever the delivery: a missing or malformed
        // header does not hide it.
        assert_eq!(webhook.verify(EVENT, "", secret).unwrap_err(), want);
        assert_eq!(webhook.verify(EVENT, "garbage", secret).unwrap_err(), want);
        assert!(want.is_secret_error());
    }
}

#[test]
fn v2_notification_parser_refuses_untrusted_secrets() {
    for (secret, want) in untrusted() {
        let header = signed(THIN, secret);
        assert_eq!(
            webhook::parse_event_notification(THIN, &header, secret).unwrap_err(),
            want
        );
        assert_eq!(
            Webhook::parse_event_notification(THIN, &header, secret).unwrap_err(),
            want
        );
        assert_eq!(
            Webhook::new()
                .event_notification(THIN, &header, secret)
                .unwrap_err(),
            want
        );
    }
}

#[test]
fn axum_config_refuses_untrusted_secrets_when_built() {
    for (secret, want) in untrusted() {
        assert_eq!(WebhookSecret::new(secret).unwrap_err(), want, "{secret:?}");
        assert_eq!(
            WebhookSecret::with_secrets(["whsec_good", secret]).unwrap_err(),
            want
        );
    }
    assert_eq!(
        WebhookSecret::with_secrets(Vec::<String>::new()).unwrap_err(),
        WebhookError::NoSecret
    );
    assert!(WebhookSecret::new("whsec_good").is_ok());
}

#[test]
fn the_errors_say_what_is_wrong_and_hold_no_secret() {
    let blank = WebhookError::EmptySecret.to_string();
    assert!(blank.contains("empty or blank"), "{blank}");
    let spaced = WebhookError::SecretWhitespace.to_string();
    assert!(
        spaced.contains("leading or trailing whitespace"),
        "{spaced}"
    );
    assert!(spaced.contains("trim"), "{spaced}");
    let e = Webhook::construct_event(
        EVENT,
        &signed(EVENT, "whsec_SECRETVALUE\n"),
        "whsec_SECRETVALUE\n",
    )
    .unwrap_err();
    assert!(!format!("{e} {e:?}").contains("SECRETVALUE"));
}

#[test]
fn check_secret_and_good_secrets() {
    for (secret, want) in untrusted() {
        assert_eq!(check_secret(secret), Err(want));
    }
    // Inner characters are the secret's own business; only the ends are refused.
    assert_eq!(check_secret("whsec_a b"), Ok(()));
    let header = signed(EVENT, "whsec_good");
    let event = Webhook::construct_event(EVENT, &header, "whsec_good").unwrap();
    assert_eq!(event.id.as_str(), "evt_1");
}
