//! A charge as the API sends it, with `CUSTOMER` (an id string or an expanded customer) and
//! `STATUS` to fill in; shared by `tests/decode.rs` and `tests/gated.rs`.

pub const CHARGE: &str = r#"{
  "id": "ch_1", "object": "charge", "amount": 100, "amount_captured": 0, "amount_refunded": 0,
  "balance_transaction": null, "billing_details": {"address": null, "email": null, "name": null, "phone": null},
  "calculated_statement_descriptor": null, "captured": false, "created": 1700000000, "currency": "usd",
  "customer": CUSTOMER, "description": null, "disputed": false, "failure_balance_transaction": null,
  "failure_code": null, "failure_message": null, "fraud_details": {}, "livemode": false, "metadata": {},
  "on_behalf_of": null, "outcome": null, "paid": true, "payment_intent": null, "payment_method": null,
  "payment_method_details": null, "receipt_email": null, "receipt_number": null, "receipt_url": null,
  "refunded": false, "review": null, "shipping": null, "source_transfer": null,
  "statement_descriptor": null, "statement_descriptor_suffix": null, "status": "STATUS",
  "transfer_group": null
}"#;

/// An expanded customer, to put in `CUSTOMER`.
pub const CUSTOMER: &str = r#"{"id": "cus_1", "object": "customer", "created": 1700000000, "livemode": false, "email": "jenny@example.com"}"#;
