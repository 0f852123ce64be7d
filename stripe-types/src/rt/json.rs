//! The JSON reader every response type decodes with.
//!
//! A small pull parser over the response bytes ([`Reader`]) and one trait ([`Decode`]) that
//! every generated type implements as a plain function: read `{`, match each key, decode
//! the field with its type's own `decode`, keep unknown keys in `extra`. Nothing here is
//! generic over a deserializer, so each type's decoder is one function, compiled once, in
//! this crate. serde's `Deserialize`, by contrast, is a visitor generic over the
//! deserializer, and the copies of those visitors were most of what a release build of this
//! crate compiled (`cargo llvm-lines`: 83% of its LLVM IR). The generated `Deserialize`
//! impls stay, for code that decodes these types with serde: they buffer the input as a
//! `serde_json::Value` and run this decoder on it ([`deserialize`]).
//!
//! The reader follows RFC 8259 as `serde_json` does: strict grammar, UTF-8 checked, escapes
//! (surrogate pairs included) decoded, nesting limited to [`MAX_DEPTH`], trailing characters
//! rejected. Errors carry the position they were raised at, in `serde_json`'s terms (line
//! and column of the byte concerned) and as a byte offset, so the client can point at the
//! field.

use crate::rt::json_path::{render, Segment};
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::mem::ManuallyDrop;

/// Objects and arrays may nest this deep, and no deeper, so that hostile input cannot
/// exhaust the stack: `serde_json`'s limit (it accepts 127 nested arrays and rejects 128).
pub const MAX_DEPTH: u32 = 127;

/// The result of a decode.
pub type Result<T> = std::result::Result<T, JsonError>;

/// Why a JSON document did not decode, and where: the byte position and the path of the
/// field (`data[3].customer`).
///
/// Boxed, so that every decoder's `Result` stays small on the path that succeeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError(Box<ErrorInner>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct ErrorInner {
    message: Cow<'static, str>,
    offset: usize,
    line: usize,
    column: usize,
    /// The keys and indexes from the failing value out to the document, innermost first:
    /// each object and array the error leaves adds its own (see [`JsonError::in_key`]).
    path: Vec<Segment>,
}

impl JsonError {
    #[cold]
    fn at(offset: usize, message: impl Into<Cow<'static, str>>) -> JsonError {
        JsonError(Box::new(ErrorInner {
            message: message.into(),
            offset,
            line: 0,
            column: 0,
            path: Vec::new(),
        }))
    }

    /// The error, raised while reading the value of `key`, as seen from the object that
    /// holds it: the path grows by one segment as the error leaves each value.
    #[cold]
    #[inline(never)]
    pub fn in_key(mut self, key: &str) -> JsonError {
        self.0.path.push(Segment::Key(key.into()));
        self
    }

    /// The error, raised while reading item `index`, as seen from its array.
    #[cold]
    #[inline(never)]
    pub fn in_index(mut self, index: usize) -> JsonError {
        self.0.path.push(Segment::Index(index));
        self
    }

    /// Fill in the line and column of the offset, in `doc`.
    fn locate(mut self, doc: &[u8]) -> JsonError {
        let e = &mut *self.0;
        let at = e.offset.min(doc.len());
        let before = &doc[..at];
        e.line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        e.column = at - line_start + 1;
        self
    }

    /// What went wrong, without the position.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The byte offset the error concerns (the first byte of the offending value, or the
    /// byte the reader stopped at); `0` for an error without a position.
    pub fn offset(&self) -> usize {
        self.0.offset
    }

    /// The 1-based line of [`JsonError::offset`]; `0` when the error has no position.
    pub fn line(&self) -> usize {
        self.0.line
    }

    /// The 1-based column of [`JsonError::offset`] in its line; `0` without a position.
    pub fn column(&self) -> usize {
        self.0.column
    }

    /// The path of the value the error was raised in, in `serde_path_to_error`'s notation:
    /// `data[3].customer`, or `.` for the document itself. Paths deeper than 32 segments
    /// keep their first and last 12, and keys are cut at 64 characters.
    pub fn path(&self) -> String {
        render(&self.0.path)
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &*self.0;
        if e.line == 0 {
            f.write_str(&e.message)
        } else {
            write!(f, "{} at line {} column {}", e.message, e.line, e.column)
        }
    }
}

impl std::error::Error for JsonError {}

/// A type this module can decode: every generated response type, the `rt` value types,
/// the standard containers of them, and `serde_json::Value`.
///
/// For a type of your own with a serde `Deserialize` impl (an item of a hand-written list
/// request, say), one line is enough:
///
/// ```
/// # use serde::Deserialize;
/// use stripe_types::rt::json::{Decode, Reader, Result};
///
/// #[derive(Deserialize)]
/// struct Thing { id: String }
///
/// impl Decode for Thing {
///     fn decode(r: &mut Reader<'_>) -> Result<Self> {
///         r.serde()
///     }
/// }
/// ```
pub trait Decode: Sized {
    /// Read one value of `Self` at the reader's position.
    fn decode(r: &mut Reader<'_>) -> Result<Self>;
}

/// Decode a complete document: one value of `T`, then nothing but whitespace.
pub fn from_slice<T: Decode>(doc: &[u8]) -> Result<T> {
    let mut r = Reader::new(doc);
    T::decode(&mut r)
        .and_then(|v| r.end().map(|()| v))
        .map_err(|e| e.locate(doc))
}

/// The generated `serde::Deserialize` impls: buffer the input as a `serde_json::Value`,
/// then decode its JSON text with `T`'s [`Decode`] impl. One decoder per type, whichever
/// way it is called; the direct way ([`from_slice`], or the client) skips the buffering.
pub fn deserialize<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Decode,
{
    use serde::de::Error as _;
    let v = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
    let text = serde_json::to_vec(&v).map_err(D::Error::custom)?;
    from_slice(&text).map_err(|e| {
        // The position is in the re-written text, not the caller's input: give the path.
        match e.path().as_str() {
            "." => D::Error::custom(e.message()),
            path => D::Error::custom(format_args!("{path}: {}", e.message())),
        }
    })
}

/// The byte offset of a 1-based line and column in `doc` (as `serde_json::Error` reports
/// them), at most `doc.len()`.
fn offset_of(doc: &[u8], line: usize, column: usize) -> usize {
    let mut line_start = 0;
    if line > 1 {
        let mut newlines = doc.iter().enumerate().filter(|&(_, &b)| b == b'\n');
        if let Some((i, _)) = newlines.nth(line - 2) {
            line_start = i + 1;
        }
    }
    (line_start + column.saturating_sub(1)).min(doc.len())
}

/// A position to come back to (see [`Reader::checkpoint`]).
#[derive(Clone, Copy, Debug)]
pub struct Checkpoint {
    pos: usize,
    depth: u32,
}

/// How many entries of a struct's key table [`Reader::fields`] tries, from the one after
/// the last key found, before a binary search.
const LOOK_AHEAD: usize = 4;

/// A pull parser over one JSON document.
#[derive(Debug)]
pub struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    depth: u32,
}

/// The index of the first byte at or after `i` that ends the fast scan of a string (`"`,
/// `\\` or a control character), or the end: eight bytes at a time, the last few padded.
#[inline]
fn scan(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if let Some(at) = first_stop(word) {
            return i + at;
        }
        i += 8;
    }
    let rest = b.get(i..).unwrap_or_default();
    // Pad with a byte that is not a stop, so only the real bytes can stop the scan.
    let mut word = [b'a'; 8];
    word[..rest.len()].copy_from_slice(rest);
    first_stop(word).map_or(b.len(), |at| i + at)
}

/// The index in `word` of its first `"`, `\\` or byte below 0x20.
///
/// The zero-byte test `(x - 0x01..) & !x & 0x80..` flags exactly the bytes that are zero
/// up to the first one; above it a borrow may flag others. The same holds for `< 0x20`
/// with `0x20..`. So the lowest flag of the three tests together is exact.
#[inline(always)]
fn first_stop(word: [u8; 8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let w = u64::from_le_bytes(word);
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    let stop = ((quote.wrapping_sub(ONES) & !quote)
        | (backslash.wrapping_sub(ONES) & !backslash)
        | (w.wrapping_sub(ONES * 0x20) & !w))
        & HIGH;
    (stop != 0).then(|| (stop.trailing_zeros() / 8) as usize)
}

/// The kind of value starting with `b`, for "invalid type" messages.
fn kind_of(b: u8) -> &'static str {
    match b {
        b'"' => "string",
        b'{' => "map",
        b'[' => "sequence",
        b't' | b'f' => "boolean",
        b'n' => "null",
        b'-' | b'0'..=b'9' => "number",
        _ => "",
    }
}

impl<'a> Reader<'a> {
    /// A reader at the start of `input`.
    pub fn new(input: &'a [u8]) -> Reader<'a> {
        Reader {
            input,
            pos: 0,
            depth: 0,
        }
    }

    /// The current position, to [`Reader::restore`] after a failed attempt.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            pos: self.pos,
            depth: self.depth,
        }
    }

    /// Go back to a [`Reader::checkpoint`].
    pub fn restore(&mut self, c: Checkpoint) {
        self.pos = c.pos;
        self.depth = c.depth;
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(&b) = self.input.get(self.pos) {
            if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// The next significant byte, not consumed.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.input.get(self.pos).copied()
    }

    /// The first byte of the next value (after whitespace), not consumed; `None` at the end.
    #[inline]
    pub fn peek_byte(&mut self) -> Option<u8> {
        self.peek()
    }

    fn eof(&self, what: &'static str) -> JsonError {
        JsonError::at(self.input.len(), what)
    }

    /// The error for a value that is not what the caller expected, at that value.
    #[cold]
    #[inline(never)]
    pub fn invalid_type(&mut self, expected: &str) -> JsonError {
        match self.peek() {
            None => self.eof("EOF while parsing a value"),
            Some(b) => match kind_of(b) {
                "" => JsonError::at(self.pos, "expected value"),
                kind => JsonError::at(
                    self.pos,
                    format!("invalid type: {kind}, expected {expected}"),
                ),
            },
        }
    }

    /// The error for a required field that is absent, at the end of its object.
    #[cold]
    #[inline(never)]
    pub fn missing(&self, field: &'static str) -> JsonError {
        JsonError::at(
            self.pos.saturating_sub(1),
            format!("missing field `{field}`"),
        )
    }

    /// An error at the reader's position (for example an unknown enum value a decoder
    /// rejects).
    #[cold]
    pub fn error(&self, message: impl fmt::Display) -> JsonError {
        JsonError::at(self.pos.saturating_sub(1), message.to_string())
    }

    /// After the document's value: only whitespace may follow.
    pub fn end(&mut self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(JsonError::at(self.pos, "trailing characters")),
        }
    }

    fn literal(&mut self, lit: &'static [u8]) -> Result<()> {
        let end = self.pos + lit.len();
        match self.input.get(self.pos..end) {
            Some(s) if s == lit => {
                self.pos = end;
                Ok(())
            }
            Some(_) => Err(JsonError::at(self.pos, "expected ident")),
            None => Err(self.eof("EOF while parsing a value")),
        }
    }

    /// `true` (and consumed) when the next value is `null`.
    #[inline]
    pub fn null(&mut self) -> Result<bool> {
        if self.peek() == Some(b'n') {
            self.literal(b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// A boolean.
    pub fn bool(&mut self) -> Result<bool> {
        match self.peek() {
            Some(b't') => self.literal(b"true").map(|()| true),
            Some(b'f') => self.literal(b"false").map(|()| false),
            _ => Err(self.invalid_type("a boolean")),
        }
    }

    fn enter(&mut self) -> Result<()> {
        if self.depth >= MAX_DEPTH {
            return Err(JsonError::at(self.pos, "recursion limit exceeded"));
        }
        self.depth += 1;
        self.pos += 1;
        Ok(())
    }

    /// Start reading an object; `expected` names it in the error when the value is not one.
    #[inline]
    pub fn object(&mut self, expected: &str) -> Result<Object> {
        if self.peek() != Some(b'{') {
            return Err(self.invalid_type(expected));
        }
        self.enter()?;
        Ok(Object { first: true })
    }

    /// Start reading an array.
    #[inline]
    pub fn array(&mut self, expected: &str) -> Result<Array> {
        if self.peek() != Some(b'[') {
            return Err(self.invalid_type(expected));
        }
        self.enter()?;
        Ok(Array { first: true })
    }

    /// Scan a number; its text and whether it is an integer (no fraction or exponent).
    fn number(&mut self) -> Result<(&'a str, bool)> {
        let b = self.input;
        let start = self.pos;
        let mut i = start;
        let digits = |i: &mut usize| {
            let s = *i;
            while *i < b.len() && b[*i].is_ascii_digit() {
                *i += 1;
            }
            *i - s
        };
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                digits(&mut i);
            }
            None => return Err(self.eof("EOF while parsing a value")),
            Some(_) => return Err(JsonError::at(i, "invalid number")),
        }
        let mut integer = true;
        if b.get(i) == Some(&b'.') {
            i += 1;
            integer = false;
            if digits(&mut i) == 0 {
                return Err(JsonError::at(i, "invalid number"));
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            integer = false;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                return Err(JsonError::at(i, "invalid number"));
            }
        }
        self.pos = i;
        // The bytes are ASCII digits and signs.
        let text = std::str::from_utf8(&b[start..i]).unwrap_or("0");
        Ok((text, integer))
    }

    /// The text of an integer (no fraction or exponent) and where it starts; `expected`
    /// names the type in errors.
    fn integer(&mut self, expected: &'static str) -> Result<(&'a str, usize)> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => {}
            _ => return Err(self.invalid_type(expected)),
        }
        let start = self.pos;
        let (text, integer) = self.number()?;
        // serde_json reads `-0` as the float `-0.0`, so no integer type takes it.
        if !integer || text == "-0" {
            return Err(JsonError::at(
                start,
                format!("invalid type: floating point, expected {expected}"),
            ));
        }
        Ok((text, start))
    }

    /// A signed 64-bit integer.
    pub fn i64(&mut self) -> Result<i64> {
        let (text, start) = self.integer("i64")?;
        text.parse()
            .map_err(|_| JsonError::at(start, "number out of range for i64"))
    }

    /// An unsigned 64-bit integer.
    pub fn u64(&mut self) -> Result<u64> {
        let (text, start) = self.integer("u64")?;
        text.parse()
            .map_err(|_| JsonError::at(start, "number out of range for u64"))
    }

    /// A 64-bit float (an integer is accepted).
    pub fn f64(&mut self) -> Result<f64> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => {}
            _ => return Err(self.invalid_type("f64")),
        }
        let start = self.pos;
        let (text, _) = self.number()?;
        // serde_json's own conversion, so that a float is in range (and rounds) exactly
        // when serde_json says so.
        serde_json::from_str::<f64>(text).map_err(|_| JsonError::at(start, "number out of range"))
    }

    /// A string, borrowed from the input when it has no escapes.
    #[inline]
    pub fn str(&mut self) -> Result<Cow<'a, str>> {
        if self.peek() != Some(b'"') {
            return Err(self.invalid_type("a string"));
        }
        self.pos += 1;
        self.string_body()
    }

    /// The rest of a string whose opening quote has been consumed.
    fn string_body(&mut self) -> Result<Cow<'a, str>> {
        let b = self.input;
        let start = self.pos;
        let i = scan(b, start);
        match b.get(i) {
            Some(b'"') => {
                self.pos = i + 1;
                std::str::from_utf8(&b[start..i])
                    .map(Cow::Borrowed)
                    .map_err(|e| {
                        JsonError::at(start + e.valid_up_to(), "invalid unicode code point")
                    })
            }
            Some(b'\\') => {
                self.pos = i;
                self.escaped(start)
            }
            Some(_) => Err(JsonError::at(
                i,
                "control character (\\u0000-\\u001F) found while parsing a string",
            )),
            None => Err(self.eof("EOF while parsing a string")),
        }
    }

    /// The rest of a string whose opening quote has been consumed, as bytes: borrowed and
    /// unchecked when it has no escapes, decoded (and so checked) when it has.
    #[inline]
    fn raw_string_body(&mut self) -> Result<Cow<'a, [u8]>> {
        let b = self.input;
        let start = self.pos;
        let i = scan(b, start);
        if b.get(i) == Some(&b'"') {
            self.pos = i + 1;
            return Ok(Cow::Borrowed(&b[start..i]));
        }
        Ok(match self.string_body()? {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        })
    }

    /// The `:` after an object's key.
    #[inline]
    fn colon(&mut self) -> Result<()> {
        match self.peek() {
            Some(b':') => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(JsonError::at(self.pos, "expected `:`")),
            None => Err(self.eof("EOF while parsing an object")),
        }
    }

    /// The slow path of a string with escapes: `start` is its first byte, `self.pos` the
    /// first backslash.
    #[inline(never)]
    fn escaped(&mut self, start: usize) -> Result<Cow<'a, str>> {
        let b = self.input;
        let mut out: Vec<u8> = Vec::with_capacity(self.pos - start + 16);
        out.extend_from_slice(&b[start..self.pos]);
        let mut i = self.pos;
        loop {
            let run = i;
            i = scan(b, i);
            out.extend_from_slice(&b[run..i]);
            match b.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return String::from_utf8(out)
                        .map(Cow::Owned)
                        .map_err(|_| JsonError::at(start, "invalid unicode code point"));
                }
                Some(b'\\') => {
                    let esc = *b
                        .get(i + 1)
                        .ok_or_else(|| self.eof("EOF while parsing a string"))?;
                    i += 2;
                    match esc {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let hi = self.hex4(i)?;
                            i += 4;
                            let c = match hi {
                                0xD800..=0xDBFF => {
                                    if b.get(i) != Some(&b'\\') || b.get(i + 1) != Some(&b'u') {
                                        return Err(JsonError::at(
                                            i,
                                            "lone leading surrogate in hex escape",
                                        ));
                                    }
                                    let lo = self.hex4(i + 2)?;
                                    if !(0xDC00..=0xDFFF).contains(&lo) {
                                        return Err(JsonError::at(
                                            i,
                                            "lone leading surrogate in hex escape",
                                        ));
                                    }
                                    i += 6;
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                }
                                0xDC00..=0xDFFF => {
                                    return Err(JsonError::at(
                                        i - 6,
                                        "unexpected end of hex escape",
                                    ))
                                }
                                c => c,
                            };
                            let c = char::from_u32(c)
                                .ok_or_else(|| JsonError::at(i, "invalid unicode code point"))?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return Err(JsonError::at(i - 1, "invalid escape")),
                    }
                }
                Some(_) => {
                    return Err(JsonError::at(
                        i,
                        "control character (\\u0000-\\u001F) found while parsing a string",
                    ))
                }
                None => return Err(self.eof("EOF while parsing a string")),
            }
        }
    }

    fn hex4(&self, at: usize) -> Result<u32> {
        let digits = self
            .input
            .get(at..at + 4)
            .ok_or_else(|| self.eof("EOF while parsing a string"))?;
        let mut v = 0u32;
        for &d in digits {
            let n = (d as char)
                .to_digit(16)
                .ok_or_else(|| JsonError::at(at, "invalid escape"))?;
            v = v * 16 + n;
        }
        Ok(v)
    }

    /// Skip one value of any kind, checking it as `serde_json` reads a `Value`: grammar,
    /// UTF-8, escapes, nesting depth and number range.
    pub fn skip(&mut self) -> Result<()> {
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                self.string_body().map(drop)
            }
            Some(b'{') => {
                let mut o = self.object("a map")?;
                while o.next_key(self)?.is_some() {
                    self.skip()?;
                }
                Ok(())
            }
            Some(b'[') => {
                let mut a = self.array("a sequence")?;
                while a.next(self)? {
                    self.skip()?;
                }
                Ok(())
            }
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.pos;
                let (text, integer) = self.number()?;
                // What serde_json would not read as a number (a float or a long integer
                // beyond f64's range), skipped or not, is an error.
                if (!integer || text.len() > 19) && serde_json::from_str::<f64>(text).is_err() {
                    return Err(JsonError::at(start, "number out of range"));
                }
                Ok(())
            }
            Some(_) => Err(JsonError::at(self.pos, "expected value")),
            None => Err(self.eof("EOF while parsing a value")),
        }
    }

    /// The text of the next value, checked and skipped.
    pub fn raw(&mut self) -> Result<&'a [u8]> {
        self.ws();
        let start = self.pos;
        self.skip()?;
        Ok(&self.input[start..self.pos])
    }

    /// Decode the next value with serde (for a type of your own: see [`Decode`]).
    pub fn serde<T: DeserializeOwned>(&mut self) -> Result<T> {
        self.ws();
        let start = self.pos;
        let text = self.raw()?;
        serde_json::from_slice(text).map_err(|e| {
            let at = start + offset_of(text, e.line(), e.column());
            let mut err = JsonError::at(at, crate::rt::de::error_message(&e));
            // serde_json's error has no path: on this failure path only, the value (not
            // the document) is decoded again through serde_path_to_error for the path
            // inside it.
            let mut de = serde_json::Deserializer::from_slice(text);
            if let Err(e) = serde_path_to_error::deserialize::<_, T>(&mut de) {
                for segment in e.path().iter().collect::<Vec<_>>().into_iter().rev() {
                    use serde_path_to_error::Segment as S;
                    err = match segment {
                        S::Seq { index } => err.in_index(*index),
                        S::Map { key } => err.in_key(key),
                        S::Enum { variant } => err.in_key(variant),
                        S::Unknown => err,
                    };
                }
            }
            err
        })
    }

    /// The `object` and `deleted` fields of the object at the reader's position, read
    /// ahead without moving: what a union picks its variant by. `object` is `None` when
    /// absent or not a string (or the value is not an object); `deleted` is `true` only for
    /// a literal `true`.
    pub fn discriminator(&mut self) -> Result<(Option<Cow<'a, str>>, bool)> {
        let back = self.checkpoint();
        let (mut object, mut deleted) = (None, false);
        if self.peek() == Some(b'{') {
            let mut o = self.object("an object")?;
            while let Some(k) = o.next_key(self)? {
                match &*k {
                    "object" if self.peek() == Some(b'"') => object = Some(self.str()?),
                    "deleted" if self.peek() == Some(b't') => {
                        self.literal(b"true")?;
                        deleted = true;
                    }
                    _ => self.skip()?,
                }
            }
        }
        self.restore(back);
        Ok((object, deleted))
    }

    /// An open string enum, through its infallible `FromStr`.
    pub fn str_enum<E: std::str::FromStr<Err = std::convert::Infallible>>(&mut self) -> Result<E> {
        let s = self.str()?;
        match E::from_str(&s) {
            Ok(e) => Ok(e),
            Err(never) => match never {},
        }
    }

    /// Read the object of a generated struct: for each key found in `keys` (sorted, as
    /// `str` orders them), `field(reader, index)` decodes its value; every other key is
    /// kept, as raw JSON, in the [`Extra`](crate::rt::Extra) returned.
    ///
    /// This loop is the same for every struct, so it is written once, here: a generated
    /// decoder is its key table, a `match` from index to field slot, and the final move
    /// into the struct. Per-field code (string compares, error branches, drops) in every
    /// struct's decoder was most of what this crate's release build compiled.
    pub fn fields(
        &mut self,
        expected: &str,
        keys: &[&str],
        field: &mut dyn FnMut(&mut Reader<'a>, usize) -> Result<()>,
    ) -> Result<crate::rt::Extra> {
        let mut extra = crate::rt::Extra::default();
        let mut o = self.object(expected)?;
        // Stripe writes an object's keys in sorted order, so the keys just after the last
        // one found are checked first; the table is searched only when they miss.
        let mut next = 0;
        loop {
            let at = self.pos;
            let Some(k) = o.next_raw_key(self)? else {
                break;
            };
            // Fields the object leaves out sit between two it has: look a few entries past
            // the guess before searching the whole table.
            let mut ahead = keys.get(next..).unwrap_or_default().iter().take(LOOK_AHEAD);
            let found = match ahead.position(|guess| guess.as_bytes() == &*k) {
                Some(skip) => Ok(next + skip),
                None => keys.binary_search_by(|probe| probe.as_bytes().cmp(&k)),
            };
            match found {
                Ok(i) => {
                    next = i + 1;
                    field(self, i).map_err(|e| e.in_key(keys[i]))?
                }
                Err(_) => {
                    let k = String::from_utf8(k.into_owned()).map_err(|e| {
                        // Only a borrowed key can fail (a decoded one is a `String`); it
                        // starts after the first quote from `at`.
                        let quote = self.input[at..].iter().position(|&c| c == b'"');
                        let start = at + quote.map_or(0, |q| q + 1);
                        JsonError::at(
                            start + e.utf8_error().valid_up_to(),
                            "invalid unicode code point",
                        )
                    })?;
                    let v = serde_json::Value::decode(self).map_err(|e| e.in_key(&k))?;
                    extra.insert(k, v);
                }
            }
        }
        Ok(extra)
    }

    /// Decode an optional field of a generated struct into its slot (`null` leaves it
    /// empty).
    ///
    /// Generated decoders read every field through this function or [`Reader::required`]
    /// instead of inlining the field type's decoder and the store into the slot: one copy
    /// per field type, called from every struct with such a field, which keeps the crate's
    /// build small.
    #[inline(never)]
    pub fn optional<T: Decode>(&mut self, slot: &mut Slot<T>) -> Result<()> {
        if self.null()? {
            slot.clear();
        } else {
            slot.set(T::decode(self)?);
        }
        Ok(())
    }

    /// Decode a required field of a generated struct into its slot (see
    /// [`Reader::optional`]).
    #[inline(never)]
    pub fn required<T: Decode>(&mut self, slot: &mut Slot<T>) -> Result<()> {
        slot.set(T::decode(self)?);
        Ok(())
    }

    /// Decode a value of `T` (`T::decode(self)`).
    #[inline]
    pub fn decode<T: Decode>(&mut self) -> Result<T> {
        T::decode(self)
    }
}

/// A field of a generated struct while its object is read: empty until its key is seen.
///
/// A slot drops what it holds out of line, through one shared function per type, never
/// with inline drop code. Drop code is what a release build of this crate spent most of its
/// machine code on: rustc copies a type's drop glue into every codegen unit that drops
/// it, and every struct decoder that could fail dropped its partly read fields, so the
/// glue of the large resources was compiled up to 16 times. Through slots (and
/// [`discard`] for the missing-field path) a decoder drops nothing itself.
pub struct Slot<T>(ManuallyDrop<Option<T>>);

impl<T> Slot<T> {
    /// An empty slot.
    #[inline]
    pub const fn new() -> Self {
        Slot(ManuallyDrop::new(None))
    }

    /// What the slot holds, leaving it empty.
    #[inline]
    pub fn take(&mut self) -> Option<T> {
        self.0.take()
    }

    /// `true` when the key has not been seen (or its value was `null`).
    #[inline]
    pub fn is_none(&self) -> bool {
        self.0.is_none()
    }

    /// Store `v` (a key that came twice: the last value wins, as in serde_json's
    /// `Value`).
    #[inline]
    fn set(&mut self, v: T) {
        self.clear();
        self.0 = ManuallyDrop::new(Some(v));
    }

    /// Empty the slot.
    #[inline]
    fn clear(&mut self) {
        if self.0.is_some() {
            clear(&mut self.0);
        }
    }
}

/// Drop what `slot` holds, in place and out of line (see [`Slot`]).
#[cold]
#[inline(never)]
fn clear<T>(slot: &mut Option<T>) {
    *slot = None;
}

impl<T> Default for Slot<T> {
    #[inline]
    fn default() -> Self {
        Slot::new()
    }
}

impl<T> Drop for Slot<T> {
    #[inline]
    fn drop(&mut self) {
        self.clear();
    }
}

impl<T: fmt::Debug> fmt::Debug for Slot<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Slot").field(&*self.0).finish()
    }
}

/// The index of `s` in `names` (sorted, as `str` orders them): the generated enums'
/// `FromStr` looks its wire name up here and maps the index to a variant.
#[inline(never)]
pub fn variant(s: &str, names: &[&str]) -> Option<usize> {
    names.binary_search(&s).ok()
}

/// Drop `v` out of line: one copy of `T`'s drop glue for the whole crate instead of one
/// in every codegen unit that drops a `T` (see [`Slot`]). Generated decoders discard the
/// fields they read before finding a required one missing.
#[cold]
#[inline(never)]
pub fn discard<T>(v: T) {
    drop(v);
}

/// The first name in `fields` whose flag (`slot.is_none()`) is set: the required field a
/// generated decoder reports missing.
pub fn first_missing(fields: &[(bool, &'static str)]) -> &'static str {
    fields
        .iter()
        .find(|(absent, _)| *absent)
        .map_or("", |(_, name)| name)
}

/// An object being read: see [`Reader::object`].
#[derive(Debug)]
pub struct Object {
    first: bool,
}

impl Object {
    /// The next key (its value is next on the reader), or `None` after the closing `}`.
    #[inline]
    pub fn next_key<'a>(&mut self, r: &mut Reader<'a>) -> Result<Option<Cow<'a, str>>> {
        if !self.key_next(r)? {
            return Ok(None);
        }
        let key = r.string_body()?;
        r.colon()?;
        Ok(Some(key))
    }

    /// [`Self::next_key`] as bytes, not yet checked to be UTF-8: a struct's keys are
    /// compared with its key table (whose entries are text), and only a key found in no
    /// table is checked, when it is kept.
    #[inline]
    fn next_raw_key<'a>(&mut self, r: &mut Reader<'a>) -> Result<Option<Cow<'a, [u8]>>> {
        if !self.key_next(r)? {
            return Ok(None);
        }
        let key = r.raw_string_body()?;
        r.colon()?;
        Ok(Some(key))
    }

    /// Past the `,` (or `{`) and the opening quote of the next key: `true`; past the
    /// closing `}`: `false`.
    #[inline]
    fn key_next(&mut self, r: &mut Reader<'_>) -> Result<bool> {
        match r.peek() {
            Some(b'}') => {
                r.pos += 1;
                r.depth -= 1;
                return Ok(false);
            }
            Some(b',') if !self.first => {
                r.pos += 1;
            }
            Some(_) if self.first => {}
            Some(_) => return Err(JsonError::at(r.pos, "expected `,` or `}`")),
            None => return Err(r.eof("EOF while parsing an object")),
        }
        self.first = false;
        match r.peek() {
            Some(b'"') => {
                r.pos += 1;
                Ok(true)
            }
            Some(_) => Err(JsonError::at(r.pos, "key must be a string")),
            None => Err(r.eof("EOF while parsing an object")),
        }
    }
}

/// An array being read: see [`Reader::array`].
#[derive(Debug)]
pub struct Array {
    first: bool,
}

impl Array {
    /// `true` when another element is next on the reader; `false` after the closing `]`.
    #[inline]
    pub fn next(&mut self, r: &mut Reader<'_>) -> Result<bool> {
        match r.peek() {
            Some(b']') => {
                r.pos += 1;
                r.depth -= 1;
                Ok(false)
            }
            Some(b',') if !self.first => {
                r.pos += 1;
                Ok(true)
            }
            Some(_) if self.first => {
                self.first = false;
                Ok(true)
            }
            Some(_) => Err(JsonError::at(r.pos, "expected `,` or `]`")),
            None => Err(r.eof("EOF while parsing a list")),
        }
    }
}

/// `Decode` for the scalars, each through the reader method of the same name.
macro_rules! scalars {
    ($($t:ident),*) => {$(
        impl Decode for $t {
            fn decode(r: &mut Reader<'_>) -> Result<Self> {
                r.$t()
            }
        }
    )*};
}
scalars!(bool, i64, u64, f64);

impl Decode for String {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.str().map(Cow::into_owned)
    }
}

impl Decode for serde_json::Value {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.serde()
    }
}

/// A type decoded with its serde `Deserialize` impl (see [`Reader::serde`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Serde<T>(pub T);

impl<T: DeserializeOwned> Decode for Serde<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.serde().map(Serde)
    }
}

// The container impls below are `#[inline]` shims over `#[inline(never)]` functions of
// this module, so that every drop of a decoded value (a partly read array, a value whose
// box could not be allocated) happens in this module's codegen unit: see `Slot`.

impl<T: Decode> Decode for Option<T> {
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        if r.null()? {
            Ok(None)
        } else {
            T::decode(r).map(Some)
        }
    }
}

impl<T: Decode> Decode for Box<T> {
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        boxed(r)
    }
}

impl<T: Decode> Decode for Vec<T> {
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        vec(r)
    }
}

impl<T: Decode> Decode for BTreeMap<String, T> {
    #[inline]
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        map(r)
    }
}

#[inline(never)]
pub(crate) fn boxed<T: Decode>(r: &mut Reader<'_>) -> Result<Box<T>> {
    let v = T::decode(r)?;
    Ok(Box::new(v))
}

#[inline(never)]
fn vec<T: Decode>(r: &mut Reader<'_>) -> Result<Vec<T>> {
    let mut a = r.array("a sequence")?;
    let mut v = Vec::new();
    while a.next(r)? {
        let item = T::decode(r).map_err(|e| e.in_index(v.len()))?;
        v.push(item);
    }
    Ok(v)
}

#[inline(never)]
fn map<T: Decode>(r: &mut Reader<'_>) -> Result<BTreeMap<String, T>> {
    let mut o = r.object("a map")?;
    let mut m = BTreeMap::new();
    while let Some(k) = o.next_key(r)? {
        let v = T::decode(r).map_err(|e| e.in_key(&k))?;
        m.insert(k.into_owned(), v);
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn both<T: Decode + DeserializeOwned + PartialEq + fmt::Debug>(doc: &str) {
        let ours = from_slice::<T>(doc.as_bytes());
        let theirs = serde_json::from_str::<T>(doc);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{doc}"),
            (Err(_), Err(_)) => {}
            _ => panic!("{doc}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }

    #[test]
    fn fields_check_only_unknown_keys_for_utf8() {
        let read = |doc: &[u8]| {
            let mut r = Reader::new(doc);
            let mut seen = Vec::new();
            let extra = r.fields("a struct", &["a", "b\u{e9}"], &mut |r, i| {
                seen.push(i);
                r.skip()
            })?;
            Ok::<_, JsonError>((seen, extra.iter().count()))
        };
        assert_eq!(
            read(br#"{"a":1,"b\u00e9":2,"c":3}"#).unwrap(),
            (vec![0, 1], 1)
        );
        assert_eq!(read("{\"b\u{e9}\":2}".as_bytes()).unwrap(), (vec![1], 0));
        let err = read(b"{\"a\":1, \"x\xff\":2}").unwrap_err();
        assert_eq!(err.offset(), 10, "{err}");
        assert!(err.to_string().contains("invalid unicode"), "{err}");
    }

    #[test]
    fn scan_stops_at_the_first_quote_backslash_or_control_byte() {
        let naive = |b: &[u8], i: usize| {
            (i..b.len())
                .find(|&j| b[j] == b'"' || b[j] == b'\\' || b[j] < 0x20)
                .unwrap_or(b.len())
        };
        // Every stop byte and its neighbours in every position of words and tails, after
        // bytes that could borrow into it (0x00, 0x1f, 0x20, 0x21, 0x5c ± 1, 0x80, 0xff).
        let fill = [
            b'a',
            0x00,
            0x1f,
            0x20,
            0x21,
            b'"' + 1,
            b'[',
            b']',
            0x80,
            0xa0,
            0xff,
        ];
        let stops = [b'"', b'\\', 0x00, 0x01, 0x1f];
        for len in 0..20 {
            for &f in &fill {
                for at in 0..=len {
                    for &stop in &stops {
                        let mut b = vec![b'x'; len];
                        if at < len {
                            b[at] = stop;
                        }
                        for (j, byte) in b.iter_mut().enumerate().skip(at + 1) {
                            *byte = if j % 2 == 0 { f } else { b'x' };
                        }
                        for i in 0..=len {
                            assert_eq!(scan(&b, i), naive(&b, i), "{b:?} from {i}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn agrees_with_serde_json() {
        for doc in [
            r#""plain""#,
            r#""esc \" \\ \/ \b \f \n \r \t""#,
            r#""\u00e9\u4e2d\ud83d\ude00""#,
            r#""\ud83d""#,
            r#""\udc00""#,
            r#""\ud83dx""#,
            "\"ctl \u{1}\"",
            r#""unterminated"#,
            r#""bad \q""#,
            r#""\u12""#,
            "\"h\u{e9}llo\"",
            r#"  "ws"  "#,
            r#""a" x"#,
        ] {
            both::<String>(doc);
        }
        for doc in [
            "0",
            "12",
            "-12",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "1.5",
            "1e3",
            "01",
            "-",
            "1.",
            "1e",
            "+1",
            "x",
            "\"1\"",
            "",
            "-0",
            "0.0",
            "-9223372036854775809",
            "123456789012345678901234567890",
            "1e400",
        ] {
            both::<i64>(doc);
        }
        for doc in [
            "0",
            "1.5",
            "-2.25e-3",
            "1E10",
            "1e400",
            "18446744073709551615",
            "1.",
            "-0",
            "-0.0",
            "-1e400",
            "1e-400",
            "1e99999999999999999999",
            "1e-99999999999999999999",
            "0e99999999999999999999",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.797693134862315807e308",
            "1.7976931348623159e308",
            "4.9e-324",
            "2.4703282292062328e-324",
            "2.4703282292062327e-324",
            "123456789012345678901234567890",
            "0.30000000000000004441",
            "9007199254740993",
            "1e309",
            "00.5",
            "-.5",
            ".5",
            "1.5e+",
            "1.5E-2",
        ] {
            both::<f64>(doc);
        }
        // Digits beyond the range of any integer type.
        let long = format!("1{}", "0".repeat(400));
        both::<f64>(&long);
        both::<f64>(&format!("{long}e-400"));
        both::<f64>(&format!("0.{}1", "0".repeat(400)));
        both::<i64>(&long);
        both::<u64>(&long);
        for doc in [
            "0",
            "18446744073709551615",
            "18446744073709551616",
            "-1",
            "1.0",
            "-0",
            "1e2",
        ] {
            both::<u64>(doc);
        }
        for doc in ["true", "false", "null", "tru", "1"] {
            both::<bool>(doc);
            both::<Option<bool>>(doc);
        }
        for doc in [
            "[]",
            "[1,2,3]",
            "[1,]",
            "[,1]",
            "[1 2]",
            "[",
            "[1",
            " [ 1 , 2 ] ",
        ] {
            both::<Vec<i64>>(doc);
        }
        for doc in [
            "{}",
            r#"{"a":"b","c":"d"}"#,
            r#"{"a":"b",}"#,
            r#"{"a" "b"}"#,
            r#"{a:"b"}"#,
            r#"{"a":"b""c":"d"}"#,
            r#"{"\u0061":"b"}"#,
            "{",
        ] {
            both::<BTreeMap<String, String>>(doc);
        }
        for doc in [
            r#"{"a":[1,{"b":null,"c":[true,false,"x\n"]}],"d":-1.5e2}"#,
            r#"{"a":1}x"#,
        ] {
            both::<Value>(doc);
        }
    }

    /// Strings of every length up to 40 with a special byte (quote, escape, control
    /// character, multi-byte character) at every position: the eight-bytes-at-a-time scan
    /// must stop exactly where serde_json does.
    #[test]
    fn string_scan_agrees_with_serde_json_at_every_offset() {
        let specials = [
            "\\\"", "\\\\", "\\n", "\\u00e9", "\u{1}", "\u{1f}", "\"", "é", "中", "\u{7f}",
        ];
        for len in 0..40 {
            for at in 0..=len {
                for sp in specials {
                    let body: String = (0..len)
                        .map(|i| {
                            if i == at {
                                sp.to_owned()
                            } else {
                                ((b'a' + (i % 26) as u8) as char).to_string()
                            }
                        })
                        .collect();
                    let doc = format!("\"{body}\"");
                    both::<String>(&doc);
                    both::<Value>(&format!("{{\"k{body}\":1}}"));
                }
            }
        }
    }

    #[test]
    fn nesting_limit_is_serde_json_s() {
        for depth in [1, 126, 127, 128, 129] {
            let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
            let mixed = format!(
                "{}{}",
                "[{\"a\":".repeat(depth / 2),
                "[]".to_owned() + &"}]".repeat(depth / 2)
            );
            for doc in [&arrays, &objects, &mixed] {
                let theirs = serde_json::from_str::<Value>(doc).is_ok();
                assert_eq!(
                    from_slice::<Value>(doc.as_bytes()).is_ok(),
                    theirs,
                    "depth {depth}"
                );
                let mut r = Reader::new(doc.as_bytes());
                assert_eq!(
                    r.skip().and_then(|()| r.end()).is_ok(),
                    theirs,
                    "depth {depth}"
                );
            }
            assert_eq!(serde_json::from_str::<Value>(&arrays).is_ok(), depth <= 127);
        }
    }

    #[test]
    fn nesting_is_bounded_and_positions_are_reported() {
        let deep = "[".repeat(100_000);
        let e = from_slice::<Value>(deep.as_bytes()).unwrap_err();
        assert!(e.message().contains("recursion limit"), "{e}");
        let mut r = Reader::new(deep.as_bytes());
        assert!(r.skip().unwrap_err().message().contains("recursion limit"));

        let e =
            from_slice::<BTreeMap<String, i64>>(b"{\n  \"a\": 1,\n  \"b\": \"x\"\n}").unwrap_err();
        assert_eq!(
            (e.message(), e.line(), e.column()),
            ("invalid type: string, expected i64", 3, 8)
        );
        assert_eq!(
            e.to_string(),
            "invalid type: string, expected i64 at line 3 column 8"
        );
    }

    #[test]
    fn discriminator_reads_ahead_without_moving() {
        let doc = br#"{"id":"x","nested":{"object":"no"},"deleted":true,"object":"customer"}"#;
        let mut r = Reader::new(doc);
        let (object, deleted) = r.discriminator().unwrap();
        assert_eq!((object.as_deref(), deleted), (Some("customer"), true));
        let v: Value = r.decode().unwrap();
        assert_eq!(v["id"], "x");
        let mut r = Reader::new(b"\"id\"");
        assert_eq!(r.discriminator().unwrap(), (None, false));
    }
}
