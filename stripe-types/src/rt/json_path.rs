//! The path of the field a JSON decode failed at, found from the error's position (used by
//! `stripe-client` for its decode errors, and by the serde bridge of [`super::json`]).
//!
//! `serde_path_to_error` finds the path by wrapping the deserializer, which compiles every
//! response type's decoder a second time. The position `serde_json` reports is enough: the
//! document is scanned up to that point (a few hundred nanoseconds per KiB, and only on the
//! failure path), keeping the stack of object keys and array indexes that leads there.
//! The notation is `serde_path_to_error`'s: `data[3].customer`, `.` for the document itself.

/// The path of the value an error was raised at, from the error's 1-based `line` and
/// `column` in `doc` (the document it was decoded from), as `serde_json::Error` and
/// [`super::JsonError`] report them: `data[3].customer`, or `.` for the document itself.
pub fn error_path(doc: &[u8], line: usize, column: usize) -> String {
    if line == 0 {
        // No position (an error made outside the parser): the document itself.
        return ".".into();
    }
    // `offset_of` gives the index of the last byte the parser consumed.
    let consumed = (offset_of(doc, line, column) + 1).min(doc.len());
    path_at(&doc[..consumed])
}

/// The byte offset of a 1-based line and column in `doc` (as `serde_json::Error` and
/// [`super::JsonError`] report them), at most `doc.len()`.
pub fn offset_of(doc: &[u8], line: usize, column: usize) -> usize {
    let mut line_start = 0;
    let mut cur = 1;
    if line > 1 {
        for (i, &b) in doc.iter().enumerate() {
            if b == b'\n' {
                cur += 1;
                if cur == line {
                    line_start = i + 1;
                    break;
                }
            }
        }
    }
    (line_start + column.saturating_sub(1)).min(doc.len())
}

enum Frame {
    /// An object; `key` is the member being read, once its name has been read.
    Object { key: Option<String> },
    /// An array, at item `index`.
    Array { index: usize },
}

/// The path of the innermost value open (or just closed) at the end of `prefix`.
fn path_at(prefix: &[u8]) -> String {
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < prefix.len() {
        match prefix[i] {
            b'{' => stack.push(Frame::Object { key: None }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { key }) => *key = None,
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            b'"' => {
                let (text, end) = string_at(prefix, i + 1);
                if let Some(Frame::Object { key: key @ None }) = stack.last_mut() {
                    *key = Some(text);
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    render(&stack)
}

/// The string whose contents start at `start`, unescaped, and the index after its closing
/// quote (or the end of the input).
fn string_at(doc: &[u8], start: usize) -> (String, usize) {
    let mut out = Vec::new();
    let mut i = start;
    while i < doc.len() {
        match doc[i] {
            b'"' => return (String::from_utf8_lossy(&out).into_owned(), i + 1),
            b'\\' if i + 1 < doc.len() => {
                let c = doc[i + 1];
                match c {
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'r' => out.push(b'\r'),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    // `\uXXXX` is kept as written; keys with escapes are rare.
                    b'u' => out.extend_from_slice(b"\\u"),
                    other => out.push(other),
                }
                i += 2;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), doc.len())
}

/// Paths deeper than this many segments keep their first and last [`KEEP`] segments.
const MAX_SEGMENTS: usize = 32;
const KEEP: usize = 12;
/// Keys longer than this many characters are cut.
const MAX_KEY_CHARS: usize = 64;

fn render(stack: &[Frame]) -> String {
    // Only frames that add a segment (an object before its first key adds none).
    let frames: Vec<&Frame> = stack
        .iter()
        .filter(|f| !matches!(f, Frame::Object { key: None }))
        .collect();
    let mut out = String::new();
    for (i, frame) in frames.iter().enumerate() {
        if frames.len() > MAX_SEGMENTS && i >= KEEP && i < frames.len() - KEEP {
            if i == KEEP {
                out.push_str(&format!(".…{} more…", frames.len() - 2 * KEEP));
            }
            continue;
        }
        match frame {
            Frame::Object { key: Some(k) } => {
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
            Frame::Object { key: None } => {}
            Frame::Array { index } => {
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

    #[test]
    fn odd_input_gives_bounded_paths() {
        assert_eq!(path_at(b"{\"a\":[1,{\"b\":"), "a[1].b");
        // A hostile nesting depth gives a bounded path.
        let deep = "{\"a\":".repeat(100_000);
        let p = path_at(deep.as_bytes());
        assert!(p.len() < 200, "{p}");
        assert!(p.starts_with("a.a.") && p.contains("…99976 more…"), "{p}");
        let long_key = format!("{{\"{}\":", "k".repeat(10_000));
        assert_eq!(path_at(long_key.as_bytes()).chars().count(), 65);
        assert_eq!(path_at(b""), ".");
    }
}
