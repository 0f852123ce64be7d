//! `multipart/form-data` bodies (file uploads to `files.stripe.com`).

use super::Part;

/// A fresh random boundary.
pub fn new_boundary() -> String {
    format!("stripe-rs-{}", crate::random::uuid_v4().simple())
}

fn escape_quoted(s: &str) -> String {
    // Quotes, backslashes and line breaks cannot appear raw inside a quoted header value.
    s.chars()
        .map(|c| match c {
            '"' => "%22".to_owned(),
            '\\' => "%5C".to_owned(),
            '\r' => "%0D".to_owned(),
            '\n' => "%0A".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// Write `parts` as a `multipart/form-data` body with `boundary` (CRLF line ends).
/// Text parts are named with their form keys (`file_link_data[create]`), files get a
/// `filename` and their content type.
pub fn multipart_body(parts: &[Part], boundary: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(b"--");
        out.extend_from_slice(boundary.as_bytes());
        out.extend_from_slice(b"\r\n");
        match part {
            Part::Text(k, v) => {
                out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                        escape_quoted(k)
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(v.as_bytes());
            }
            Part::File {
                key,
                filename,
                content_type,
                data,
            } => {
                let ct: String = content_type.chars().filter(|c| !c.is_control()).collect();
                out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                        escape_quoted(key),
                        escape_quoted(filename),
                        ct
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(data);
            }
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--");
    out.extend_from_slice(boundary.as_bytes());
    out.extend_from_slice(b"--\r\n");
    out
}
