//! v2 updates can remove a metadata key: where the spec lets a metadata value be `null`, the
//! parameter is an `rt::MetadataUpdate`, and `Clearable::Clear` goes out as `null`.
#![cfg(feature = "v2")]

use stripe_types::rt::{Clearable, MetadataUpdate};
use stripe_types::UpdateV2CoreEventDestination;

#[test]
fn a_v2_update_sets_and_removes_metadata_keys() {
    let update = UpdateV2CoreEventDestination::new("ed_123").metadata(MetadataUpdate::from([
        ("plan".to_owned(), Clearable::Set("pro".to_owned())),
        ("trial".to_owned(), Clearable::Clear),
    ]));
    let body = serde_json::to_value(&update).unwrap();
    assert_eq!(
        body["metadata"],
        serde_json::json!({"plan": "pro", "trial": null})
    );
}
