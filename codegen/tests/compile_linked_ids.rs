//! The `linked_ids` snapshot compiles, and its parameters take the ids the spec links.
//!
//! A union's id converts from each member's id (`impl From<CardId> for ExternalAccountId`),
//! which Rust allows only in the crate that defines `Id`: here the runtime is compiled as a
//! module of this test, as it is a module of `stripe-types`.
#![allow(dead_code, unused_imports, clippy::all)]
extern crate serde_core as serde;
#[path = "../../stripe-types/src/rt/mod.rs"]
pub mod rt;
include!("snapshots/linked_ids.rs");

#[test]
fn parameters_take_the_linked_ids() {
    // `issuing.token.card` links `issuing.card`: the token list takes an issuing card's id.
    let card: IssuingCardId = rt::Id::new("ic_123");
    assert_eq!(ListIssuingTokens::new(&card).card, "ic_123");
    // A Financial Connections `account` is a `financial_connections.account`.
    let fc: FinancialConnectionsAccountId = rt::Id::new("fca_123");
    let _ = ListFinancialConnectionsTransactions::new(fc);
    // An external account is a bank account or a card: its id converts from either.
    let bank: BankAccountId = rt::Id::new("ba_123");
    let card: CardId = rt::Id::new("card_123");
    let account: AccountId = rt::Id::new("acct_123");
    assert_eq!(
        RetrieveAccountExternalAccount::new(&account, &bank).id,
        "ba_123"
    );
    assert_eq!(
        RetrieveAccountExternalAccount::new(&account, card).id,
        "card_123"
    );
    let _ = RetrieveAccountExternalAccount::new("acct_123", "ba_123");
    // v2 objects have ids of their own.
    let thing: V2CoreThingId = rt::Id::new("thing_123");
    let _ = RetrieveV2CoreThing::new(thing);
    // A filter that takes a value the response never holds (`all`) keeps its own enum and
    // converts both ways; values the other side does not know survive as `Unknown`.
    use financial_connections_transaction::{list::Status as Filter, Status};
    assert_eq!(Filter::from(Status::Posted), Filter::Posted);
    assert_eq!(Filter::from(Status::Void), Filter::Unknown("void".into()));
    assert_eq!(Status::from(Filter::All), Status::Unknown("all".into()));
    assert_eq!(
        Status::from(Filter::Unknown("new".into())),
        Status::Unknown("new".into())
    );
    let read: Status = "pending".parse().unwrap();
    let _ = ListFinancialConnectionsTransactions::new("fca_123").status(read);
    // A request enum whose values the response holds is that enum.
    let _ = ListIssuingTokens::new("ic_123").status(issuing_token::Status::Active);
}
