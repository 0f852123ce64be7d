//! Stage 4, decode: a 2xx body becomes the output type, with the response's metadata.

use crate::error::{snippet, DecodeError};
use crate::response::Response;
use crate::Error;
use bytes::Bytes;
use reqwest::header::HeaderMap;
use stripe_types::rt::DecodeBody;

/// A 2xx response, before decoding.
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) request_id: Option<String>,
    pub(crate) attempts: u32,
}

impl RawResponse {
    /// Decode the body into `T` with its [`DecodeBody`] impl (compiled once, in
    /// stripe-types), keeping the metadata.
    pub(crate) fn decode<T: DecodeBody>(self) -> Result<Response<T>, Error> {
        let value = decode_body(&self)?;
        Ok(Response {
            value,
            status: self.status,
            headers: self.headers,
            request_id: self.request_id,
            attempts: self.attempts,
        })
    }
}

/// Decode the body alone (pagination keeps only the page).
pub(crate) fn decode_body<T: DecodeBody>(raw: &RawResponse) -> Result<T, Error> {
    T::decode_body(&raw.body).map_err(|e| {
        let at = e.offset();
        Error::Decode(Box::new(DecodeError {
            path: stripe_types::rt::json_path::error_path(&raw.body, e.line(), e.column()),
            message: e.to_string(),
            snippet: snippet(&raw.body, at),
            status: raw.status,
            request_id: raw.request_id.clone(),
            body: raw.body.clone(),
        }))
    })
}

/// The path a decode error reports is the one `serde_path_to_error` would give.
#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use stripe_types::rt::json_path::error_path;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Item {
        id: String,
        amount: i64,
        #[serde(default)]
        nested: Option<Nested>,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Nested {
        flag: bool,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Page {
        data: Vec<Item>,
        has_more: bool,
    }

    /// The path the scanner finds, and the one `serde_path_to_error` finds, for `doc`.
    fn both(doc: &str) -> (String, String) {
        let err = serde_json::from_slice::<Page>(doc.as_bytes()).unwrap_err();
        let mut de = serde_json::Deserializer::from_str(doc);
        let reference = serde_path_to_error::deserialize::<_, Page>(&mut de)
            .unwrap_err()
            .path()
            .to_string();
        (
            error_path(doc.as_bytes(), err.line(), err.column()),
            reference,
        )
    }

    #[test]
    fn matches_serde_path_to_error() {
        let docs = [
            // wrong type, nested in an array
            r#"{"data":[{"id":"a","amount":1},{"id":"b","amount":"x"}],"has_more":false}"#,
            // missing field in the second item
            r#"{"data":[{"id":"a","amount":1},{"id":"b"}],"has_more":false}"#,
            // missing field at the top
            r#"{"data":[]}"#,
            // deeper object, wrong type
            r#"{"data":[{"id":"a","amount":1,"nested":{"flag":"yes"}}],"has_more":true}"#,
            // missing field in a nested object, keys with escapes and strings with brackets
            r#"{"data":[{"id":"[{,\"}","amount":1,"nested":{"x\"y":"]"}}],"has_more":true}"#,
            // pretty-printed, over several lines
            "{\n  \"data\": [\n    {\"id\": \"a\",\n     \"amount\": 1.5}\n  ],\n  \"has_more\": false\n}",
            // wrong type at the top
            r#"{"data":[],"has_more":"no"}"#,
            // not an object at all
            r#"[1,2]"#,
        ];
        for doc in docs {
            let (ours, reference) = both(doc);
            assert_eq!(ours, reference, "{doc}");
        }
    }

    #[test]
    fn truncated_and_odd_input_never_panics() {
        for doc in [
            "",
            "{",
            "{\"a",
            "{\"a\\",
            "[[[",
            "}}]]",
            "\"\\u12",
            "{\"data\":[{",
        ] {
            let err = serde_json::from_slice::<Page>(doc.as_bytes()).unwrap_err();
            let _ = error_path(doc.as_bytes(), err.line(), err.column());
        }
    }
}
