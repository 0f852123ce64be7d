//! `rt::Boxed`, the crate's one `unsafe` type: ownership, drops and the traits it forwards.
//! Also run under Miri, by `cargo xtask test`:
//! `cargo +nightly miri test -p stripe-types --features customers --test boxed`.
//! The test through a generated resource needs feature `customers`; the rest need no feature.

use std::cell::Cell;
use std::rc::Rc;
use stripe_types::rt::{Boxed, Decode, DecodeBody};

/// Counts its drops.
#[derive(Clone, Debug, PartialEq)]
struct Tracked(Rc<Cell<u32>>, String);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

fn tracked(name: &str) -> (Rc<Cell<u32>>, Tracked) {
    let drops = Rc::new(Cell::new(0));
    (drops.clone(), Tracked(drops, name.to_owned()))
}

#[test]
fn drops_its_value_exactly_once() {
    let (drops, t) = tracked("a");
    let b = Boxed::new(t);
    assert_eq!(b.1, "a");
    assert_eq!(drops.get(), 0);
    drop(b);
    assert_eq!(drops.get(), 1);

    // Taken out: the value drops once, where its new owner drops it.
    let (drops, t) = tracked("b");
    let inner = Boxed::new(t).into_inner();
    assert_eq!(drops.get(), 0);
    drop(inner);
    assert_eq!(drops.get(), 1);

    let (drops, t) = tracked("c");
    let as_box: Box<Tracked> = Boxed::from_box(Box::new(t)).into_box();
    assert_eq!(drops.get(), 0);
    drop(as_box);
    assert_eq!(drops.get(), 1);
}

#[test]
fn clone_owns_a_separate_value() {
    let (drops, t) = tracked("x");
    let a = Boxed::new(t);
    let mut b = a.clone();
    b.1.push('y');
    assert_eq!(a.1, "x");
    assert_eq!(b.1, "xy");
    assert_ne!(a, b);
    drop(a);
    assert_eq!(drops.get(), 1);
    drop(b);
    assert_eq!(drops.get(), 2);
}

#[test]
fn forwards_deref_eq_debug_hash_and_conversions() {
    let mut b: Boxed<Vec<u32>> = vec![1, 2].into();
    b.push(3);
    assert_eq!(b.len(), 3);
    assert_eq!(*b, vec![1, 2, 3]);
    assert_eq!(format!("{b:?}"), "[1, 2, 3]");
    assert_eq!(b, Boxed::from(Box::new(vec![1, 2, 3])));
    let set: std::collections::HashSet<Boxed<u8>> = [Boxed::new(1), Boxed::new(1)].into();
    assert_eq!(set.len(), 1);
    let r: &Vec<u32> = b.as_ref();
    assert_eq!(r[2], 3);
}

fn is_send_sync_unpin<T: Send + Sync + Unpin + std::panic::UnwindSafe>() {}

fn decodes<T: Decode>() {}

#[test]
fn is_send_sync_and_unpin_when_its_value_is() {
    is_send_sync_unpin::<Boxed<String>>();
}

#[test]
fn decodes_and_drops_what_it_decoded() {
    let v: Vec<Boxed<String>> = Vec::decode_body(br#"["a","bc"]"#).unwrap();
    assert_eq!(*v[1], "bc");
    // A failed decode after a boxed value: the value is dropped, nothing leaks (Miri checks).
    assert!(Vec::<Boxed<String>>::decode_body(br#"["a",1]"#).is_err());
    decodes::<Boxed<String>>();
}

/// A generated resource behind `Expandable` and `Boxed`.
#[cfg(feature = "customers")]
#[test]
fn holds_and_decodes_a_resource() {
    use stripe_types::rt::Expandable;
    use stripe_types::Customer;

    is_send_sync_unpin::<Expandable<Customer>>();
    decodes::<Boxed<Customer>>();
    let e: Expandable<Customer> = Expandable::decode_body(
        br#"{"id":"cus_1","object":"customer","created":1,"livemode":false}"#,
    )
    .unwrap();
    assert_eq!(e.id(), "cus_1");
    let c = e.into_object().unwrap();
    assert_eq!(c.id.as_str(), "cus_1");
}

#[test]
fn serde_round_trip() {
    let b: Boxed<Vec<String>> = serde_json::from_str(r#"["x"]"#).unwrap();
    assert_eq!(serde_json::to_string(&b).unwrap(), r#"["x"]"#);
}
