//! A serde [`Serializer`](serde::Serializer) for Stripe's v1 form encoding.
//!
//! The serializer flattens any `Serialize` value into `(key, value)` pairs:
//!
//! - maps and structs nest as `parent[child]` (`a[b][c]=2`);
//! - sequences are **always indexed**: `items[0][price]=…`, `expand[0]=customer`;
//! - `bool` → `true`/`false`, numbers in decimal;
//! - `Option::None` is omitted; unit (`()`, [`Clearable::Clear`](stripe_types::Clearable),
//!   JSON `null`) becomes `key=` — Stripe's way to unset a field;
//! - an empty sequence emits nothing (as the Python and Node SDKs do);
//! - a [`FileUpload`](stripe_types::FileUpload) becomes a file part (multipart only).
//!
//! [`encode_pairs`] then writes the `application/x-www-form-urlencoded` text with brackets
//! left literal and spaces as `+`.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::ser::{self, Impossible, Serialize};
use std::fmt::{self, Display};
use stripe_types::rt::FILE_UPLOAD_STRUCT;

use super::Params;

/// One flattened parameter.
#[derive(Clone, PartialEq, Eq)]
pub enum Part {
    /// A text parameter `key=value`.
    Text(String, String),
    /// A file (multipart only).
    File {
        /// The form key (usually `file`).
        key: String,
        /// The file name.
        filename: String,
        /// The part's content type.
        content_type: String,
        /// The bytes.
        data: Vec<u8>,
    },
}

impl fmt::Debug for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Part::Text(k, v) => f.debug_tuple("Text").field(k).field(v).finish(),
            Part::File {
                key,
                filename,
                content_type,
                data,
            } => f
                .debug_struct("File")
                .field("key", key)
                .field("filename", filename)
                .field("content_type", content_type)
                .field("len", &data.len())
                .finish(),
        }
    }
}

/// An error while flattening parameters (a shape form encoding cannot express).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodeError(pub String);

impl Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for EncodeError {}
impl ser::Error for EncodeError {
    fn custom<T: Display>(msg: T) -> Self {
        EncodeError(msg.to_string())
    }
}

/// Flatten `value` (a struct or map) into form parameters.
///
/// Files are rejected unless `allow_files` is set (multipart bodies).
pub fn to_parts<T: Serialize + ?Sized>(
    value: &T,
    allow_files: bool,
) -> Result<Vec<Part>, EncodeError> {
    parts(&Erased(value), allow_files)
}

/// Flatten `value` into text pairs (files are an error).
pub fn to_pairs<T: Serialize + ?Sized>(value: &T) -> Result<Vec<(String, String)>, EncodeError> {
    pairs(&Erased(value))
}

/// Serialize `value` straight to a form-encoded string (`a[b]=c&d=e`).
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, EncodeError> {
    Ok(encode_pairs(&pairs(&Erased(value))?))
}

/// A `&T` as a sized `Serialize`, so that an unsized `T` (a `str`, a slice) can be erased.
struct Erased<'a, T: ?Sized>(&'a T);

impl<T: Serialize + ?Sized> Serialize for Erased<'_, T> {
    #[inline]
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// [`to_parts`] behind the vtable: the serializer is compiled once, here.
pub(crate) fn parts(value: &Params<'_>, allow_files: bool) -> Result<Vec<Part>, EncodeError> {
    let mut out = Vec::new();
    value.serialize(FormSerializer {
        out: &mut out,
        key: String::new(),
        allow_files,
    })?;
    Ok(out)
}

/// [`to_pairs`] behind the vtable.
pub(crate) fn pairs(value: &Params<'_>) -> Result<Vec<(String, String)>, EncodeError> {
    parts(value, false)?
        .into_iter()
        .map(|p| match p {
            Part::Text(k, v) => Ok((k, v)),
            Part::File { key, .. } => Err(EncodeError(format!(
                "`{key}`: a file can only be sent as multipart"
            ))),
        })
        .collect()
}

/// Write pairs as `application/x-www-form-urlencoded`, brackets literal, spaces as `+`.
pub fn encode_pairs(pairs: &[(String, String)]) -> String {
    let len: usize = pairs.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    // Room for some escapes (`%40` in an email) without growing.
    let mut out = String::with_capacity(len + len / 4);
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_component(k, &mut out);
        out.push('=');
        encode_component(v, &mut out);
    }
    out
}

/// Percent-encode one key or value into `out`: RFC 3986 unreserved characters and `[` `]`
/// stay literal, a space becomes `+`, every other byte is `%XX`.
pub fn encode_component(s: &str, out: &mut String) {
    for (i, piece) in s.split(' ').enumerate() {
        if i > 0 {
            out.push('+');
        }
        out.extend(utf8_percent_encode(piece, FORM_COMPONENT));
    }
}

/// What [`encode_component`] escapes (a space is handled apart, as `+`).
const FORM_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'[')
    .remove(b']');

fn child_key(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        let mut k = String::with_capacity(parent.len() + child.len() + 2);
        k.push_str(parent);
        k.push('[');
        k.push_str(child);
        k.push(']');
        k
    }
}

struct FormSerializer<'a> {
    out: &'a mut Vec<Part>,
    key: String,
    allow_files: bool,
}

impl FormSerializer<'_> {
    fn scalar(self, v: String) -> Result<(), EncodeError> {
        if self.key.is_empty() {
            return Err(EncodeError(
                "form parameters must be a struct or map at the top level".into(),
            ));
        }
        self.out.push(Part::Text(self.key, v));
        Ok(())
    }
}

impl<'a> ser::Serializer for FormSerializer<'a> {
    type Ok = ();
    type Error = EncodeError;
    type SerializeSeq = SeqSer<'a>;
    type SerializeTuple = SeqSer<'a>;
    type SerializeTupleStruct = SeqSer<'a>;
    type SerializeTupleVariant = SeqSer<'a>;
    type SerializeMap = MapSer<'a>;
    type SerializeStruct = StructSer<'a>;
    type SerializeStructVariant = MapSer<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), EncodeError> {
        self.scalar(if v { "true" } else { "false" }.to_owned())
    }
    fn serialize_i8(self, v: i8) -> Result<(), EncodeError> {
        self.scalar(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<(), EncodeError> {
        self.scalar(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<(), EncodeError> {
        self.scalar(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<(), EncodeError> {
        self.scalar(v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Result<(), EncodeError> {
        self.scalar(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<(), EncodeError> {
        self.scalar(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<(), EncodeError> {
        self.scalar(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<(), EncodeError> {
        self.scalar(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<(), EncodeError> {
        self.scalar(v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Result<(), EncodeError> {
        self.scalar(v.to_string())
    }
    fn serialize_f32(self, v: f32) -> Result<(), EncodeError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), EncodeError> {
        if !v.is_finite() {
            return Err(EncodeError(format!("`{}`: {v} cannot be sent", self.key)));
        }
        self.scalar(v.to_string())
    }
    fn serialize_char(self, v: char) -> Result<(), EncodeError> {
        self.scalar(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<(), EncodeError> {
        self.scalar(v.to_owned())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), EncodeError> {
        Err(EncodeError(format!(
            "`{}`: raw bytes cannot be form-encoded",
            self.key
        )))
    }
    fn serialize_none(self) -> Result<(), EncodeError> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), EncodeError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), EncodeError> {
        if self.key.is_empty() {
            // `()` / `null` as the whole parameter set: no parameters.
            return Ok(());
        }
        self.scalar(String::new())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), EncodeError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), EncodeError> {
        self.scalar(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        // Union parameters carry no tag on the wire: the variant's value is sent as is.
        value.serialize(self)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<SeqSer<'a>, EncodeError> {
        if self.key.is_empty() {
            return Err(EncodeError("form parameters cannot be a bare list".into()));
        }
        Ok(SeqSer {
            out: self.out,
            key: self.key,
            index: 0,
            allow_files: self.allow_files,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqSer<'a>, EncodeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqSer<'a>, EncodeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        len: usize,
    ) -> Result<SeqSer<'a>, EncodeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapSer<'a>, EncodeError> {
        Ok(MapSer {
            out: self.out,
            key: self.key,
            pending: None,
            allow_files: self.allow_files,
        })
    }
    fn serialize_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> Result<StructSer<'a>, EncodeError> {
        if name == FILE_UPLOAD_STRUCT {
            if !self.allow_files {
                return Err(EncodeError(format!(
                    "`{}`: a file can only be sent as multipart",
                    self.key
                )));
            }
            return Ok(StructSer::File {
                out: self.out,
                key: self.key,
                file: FileParts::default(),
            });
        }
        Ok(StructSer::Fields(MapSer {
            out: self.out,
            key: self.key,
            pending: None,
            allow_files: self.allow_files,
        }))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        len: usize,
    ) -> Result<MapSer<'a>, EncodeError> {
        self.serialize_map(Some(len))
    }
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<(), EncodeError> {
        self.scalar(value.to_string())
    }
}

struct SeqSer<'a> {
    out: &'a mut Vec<Part>,
    key: String,
    index: usize,
    allow_files: bool,
}

impl SeqSer<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        let key = format!("{}[{}]", self.key, self.index);
        self.index += 1;
        value.serialize(FormSerializer {
            out: self.out,
            key,
            allow_files: self.allow_files,
        })
    }
}

impl ser::SerializeSeq for SeqSer<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        self.element(value)
    }
    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}
impl ser::SerializeTuple for SeqSer<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        self.element(value)
    }
    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}
impl ser::SerializeTupleStruct for SeqSer<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        self.element(value)
    }
    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}
impl ser::SerializeTupleVariant for SeqSer<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        self.element(value)
    }
    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}

struct MapSer<'a> {
    out: &'a mut Vec<Part>,
    key: String,
    pending: Option<String>,
    allow_files: bool,
}

impl MapSer<'_> {
    fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), EncodeError> {
        let key = child_key(&self.key, name);
        value.serialize(FormSerializer {
            out: self.out,
            key,
            allow_files: self.allow_files,
        })
    }
}

impl ser::SerializeMap for MapSer<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), EncodeError> {
        self.pending = Some(key.serialize(KeySerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        let name = self
            .pending
            .take()
            .ok_or_else(|| EncodeError("map value without a key".into()))?;
        self.field(&name, value)
    }
    // The generated parameter types write every field with `serialize_entry`: go straight
    // to `field` (the default goes through `pending`, a copy more per field type).
    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), EncodeError> {
        let name = key.serialize(KeySerializer)?;
        self.field(&name, value)
    }
    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}
impl ser::SerializeStructVariant for MapSer<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), EncodeError> {
        Ok(())
    }
}

#[derive(Default)]
struct FileParts {
    filename: Option<String>,
    content_type: Option<String>,
    data: Option<Vec<u8>>,
}

enum StructSer<'a> {
    Fields(MapSer<'a>),
    File {
        out: &'a mut Vec<Part>,
        key: String,
        file: FileParts,
    },
}

impl ser::SerializeStruct for StructSer<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        match self {
            StructSer::Fields(m) => m.field(name, value),
            StructSer::File { file, .. } => {
                let v = value.serialize(FileFieldSerializer)?;
                match (name, v) {
                    ("filename", FileField::Text(s)) => file.filename = Some(s),
                    ("content_type", FileField::Text(s)) => file.content_type = Some(s),
                    ("data", FileField::Bytes(b)) => file.data = Some(b),
                    _ => {}
                }
                Ok(())
            }
        }
    }
    fn skip_field(&mut self, _key: &'static str) -> Result<(), EncodeError> {
        Ok(())
    }
    fn end(self) -> Result<(), EncodeError> {
        match self {
            StructSer::Fields(_) => Ok(()),
            StructSer::File { out, key, file } => {
                let key = if key.is_empty() {
                    "file".to_owned()
                } else {
                    key
                };
                out.push(Part::File {
                    key,
                    filename: file.filename.unwrap_or_default(),
                    content_type: file
                        .content_type
                        .unwrap_or_else(|| "application/octet-stream".to_owned()),
                    data: file.data.unwrap_or_default(),
                });
                Ok(())
            }
        }
    }
}

/// Map keys: strings, integers, booleans and unit enum variants.
struct KeySerializer;

fn bad_key() -> EncodeError {
    EncodeError("form map keys must be strings, integers or booleans".into())
}

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = EncodeError;
    type SerializeSeq = Impossible<String, EncodeError>;
    type SerializeTuple = Impossible<String, EncodeError>;
    type SerializeTupleStruct = Impossible<String, EncodeError>;
    type SerializeTupleVariant = Impossible<String, EncodeError>;
    type SerializeMap = Impossible<String, EncodeError>;
    type SerializeStruct = Impossible<String, EncodeError>;
    type SerializeStructVariant = Impossible<String, EncodeError>;

    fn serialize_bool(self, v: bool) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, _v: f32) -> Result<String, EncodeError> {
        Err(bad_key())
    }
    fn serialize_f64(self, _v: f64) -> Result<String, EncodeError> {
        Err(bad_key())
    }
    fn serialize_char(self, v: char) -> Result<String, EncodeError> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, EncodeError> {
        Ok(v.to_owned())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, EncodeError> {
        Err(bad_key())
    }
    fn serialize_none(self) -> Result<String, EncodeError> {
        Err(bad_key())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, EncodeError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<String, EncodeError> {
        Err(bad_key())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, EncodeError> {
        Err(bad_key())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, EncodeError> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, EncodeError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, EncodeError> {
        Err(bad_key())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, EncodeError> {
        Err(bad_key())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, EncodeError> {
        Err(bad_key())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, EncodeError> {
        Err(bad_key())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, EncodeError> {
        Err(bad_key())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, EncodeError> {
        Err(bad_key())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, EncodeError> {
        Err(bad_key())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, EncodeError> {
        Err(bad_key())
    }
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<String, EncodeError> {
        Ok(value.to_string())
    }
}

/// The fields of a `FileUpload`: text or bytes.
enum FileField {
    Text(String),
    Bytes(Vec<u8>),
    Other,
}

struct FileFieldSerializer;

impl ser::Serializer for FileFieldSerializer {
    type Ok = FileField;
    type Error = EncodeError;
    type SerializeSeq = Impossible<FileField, EncodeError>;
    type SerializeTuple = Impossible<FileField, EncodeError>;
    type SerializeTupleStruct = Impossible<FileField, EncodeError>;
    type SerializeTupleVariant = Impossible<FileField, EncodeError>;
    type SerializeMap = Impossible<FileField, EncodeError>;
    type SerializeStruct = Impossible<FileField, EncodeError>;
    type SerializeStructVariant = Impossible<FileField, EncodeError>;

    fn serialize_bool(self, _v: bool) -> Result<FileField, EncodeError> {
        Ok(FileField::Other)
    }
    fn serialize_i8(self, _v: i8) -> Result<FileField, EncodeError> {
        Ok(FileField::Other)
    }
    fn serialize_i16(self, _v: i16) -> Result<FileField, EncodeError> {
        Ok(FileField::Other)
    }
    fn serialize_i32(self, _v: i32) -> Result<FileField, EncodeError> {
        Ok(FileField::Other)
    }
    fn serialize_i64(self, _v: i64) -> Result<FileField, EncodeError> {
        Ok(FileField::Other)
    }
    fn serialize_u8(self, _v: u8) -> Result<FileField, EncodeError> {
        Ok(FileField::Other)
    }
    fn serialize_u16(self, _v: u16) -> Result<FileField, EncodeError> {
        Ok(FileField::Other)
    }
    fn serialize_u32(self, _v: u32) -> Result<FileField, EncodeError> {
        Ok(FileField::Other)
    }
    fn serialize_u64(self, _v: u64) -> Result<FileField, EncodeError> {
        Ok(FileField::Other)
    }
    fn serialize_f32(self, _v: f32) -> Result<FileField, EncodeError> {
        Ok(FileField::Other)
    }
    fn serialize_f64(self, _v: f64) -> Result<FileField, EncodeError> {
        Ok(FileField::Other)
    }
    fn serialize_char(self, v: char) -> Result<FileField, EncodeError> {
        Ok(FileField::Text(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<FileField, EncodeError> {
        Ok(FileField::Text(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<FileField, EncodeError> {
        Ok(FileField::Bytes(v.to_vec()))
    }
    fn serialize_none(self) -> Result<FileField, EncodeError> {
        Ok(FileField::Other)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<FileField, EncodeError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<FileField, EncodeError> {
        Ok(FileField::Other)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<FileField, EncodeError> {
        Ok(FileField::Other)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
    ) -> Result<FileField, EncodeError> {
        Ok(FileField::Other)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<FileField, EncodeError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<FileField, EncodeError> {
        Ok(FileField::Other)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, EncodeError> {
        Err(EncodeError("unexpected list in a file upload".into()))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, EncodeError> {
        Err(EncodeError("unexpected tuple in a file upload".into()))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, EncodeError> {
        Err(EncodeError("unexpected tuple in a file upload".into()))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, EncodeError> {
        Err(EncodeError("unexpected tuple in a file upload".into()))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, EncodeError> {
        Err(EncodeError("unexpected map in a file upload".into()))
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, EncodeError> {
        Err(EncodeError("unexpected struct in a file upload".into()))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, EncodeError> {
        Err(EncodeError("unexpected struct in a file upload".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_and_indexed() {
        let v = json!({"a": [{"b": "c"}, {"b": "d"}]});
        assert_eq!(to_string(&v).unwrap(), "a[0][b]=c&a[1][b]=d");
    }

    #[test]
    fn top_level_scalar_is_an_error() {
        assert!(to_string(&1).is_err());
        assert!(to_string(&vec![1]).is_err());
        assert_eq!(to_string(&()).unwrap(), "");
    }

    #[test]
    fn escapes() {
        let v = json!({"q": "email:'a b'&c=d/é"});
        assert_eq!(
            to_string(&v).unwrap(),
            "q=email%3A%27a+b%27%26c%3Dd%2F%C3%A9"
        );
    }

    #[test]
    fn encode_component_matches_byte_by_byte_encoding() {
        let reference = |s: &str| {
            let mut out = String::new();
            for b in s.bytes() {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => out.push(b as char),
                    b'-' | b'_' | b'.' | b'~' | b'[' | b']' => out.push(b as char),
                    b' ' => out.push('+'),
                    _ => out.push_str(&format!("%{b:02X}")),
                }
            }
            out
        };
        let every_char: String = (0u32..0x300).filter_map(char::from_u32).collect();
        for s in ["", "a", " ", "é", "ab cd", "x€y", "[]", every_char.as_str()] {
            let mut out = String::from("prefix");
            encode_component(s, &mut out);
            assert_eq!(out, format!("prefix{}", reference(s)), "{s:?}");
        }
    }
}
