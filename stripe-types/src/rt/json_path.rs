//! The path of the field a JSON decode failed at (`data[3].customer`), as
//! [`JsonError::path`](super::JsonError::path) gives it.
//!
//! The path is built as the error unwinds: the decoder of an object adds the key whose
//! value failed, the decoder of an array the index (see
//! [`JsonError::in_key`](super::JsonError::in_key)). Nothing is rescanned and nothing is
//! paid on success. The notation is `serde_path_to_error`'s: `data[3].customer`, `.` for
//! the document itself.

/// One step from a value to the one that holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    /// The value of this key of an object.
    Key(Box<str>),
    /// The item at this index of an array.
    Index(usize),
}

/// Paths deeper than this many segments keep their first and last [`KEEP`] segments.
const MAX_SEGMENTS: usize = 32;
const KEEP: usize = 12;
/// Keys longer than this many characters are cut.
const MAX_KEY_CHARS: usize = 64;

/// The path of `innermost_first` (the segments in the order an unwinding error adds them).
pub(crate) fn render(innermost_first: &[Segment]) -> String {
    let n = innermost_first.len();
    let mut out = String::new();
    for (i, segment) in innermost_first.iter().rev().enumerate() {
        if n > MAX_SEGMENTS && i >= KEEP && i < n - KEEP {
            if i == KEEP {
                out.push_str(&format!(".…{} more…", n - 2 * KEEP));
            }
            continue;
        }
        match segment {
            Segment::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                // A hostile key is cut short too.
                match k.char_indices().nth(MAX_KEY_CHARS) {
                    Some((cut, _)) => {
                        out.push_str(&k[..cut]);
                        out.push('…');
                    }
                    None => out.push_str(k),
                }
            }
            Segment::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(outermost_first: &[Segment]) -> String {
        let mut v = outermost_first.to_vec();
        v.reverse();
        render(&v)
    }

    #[test]
    fn renders_serde_path_to_error_notation_bounded() {
        let key = |k: &str| Segment::Key(k.into());
        assert_eq!(path(&[]), ".");
        assert_eq!(
            path(&[key("data"), Segment::Index(3), key("customer")]),
            "data[3].customer"
        );
        assert_eq!(path(&[Segment::Index(0), key("a")]), "[0].a");
        // A hostile nesting depth gives a bounded path.
        let deep = vec![key("a"); 100_000];
        let p = path(&deep);
        assert!(p.len() < 200, "{p}");
        assert!(p.starts_with("a.a.") && p.contains("…99976 more…"), "{p}");
        assert_eq!(path(&[key(&"k".repeat(10_000))]).chars().count(), 65);
    }
}
