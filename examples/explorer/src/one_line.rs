//! A call's source text on one line (what the explorer prints before each call). Its own
//! file, so that `tests/printed_calls.rs` tests it without compiling the explorer twice.

/// Line breaks and indentation outside string literals become one space (none next to
/// brackets and dots), which leaves the tokens as they are.
pub fn one_line(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let (mut in_str, mut escaped, mut pending_space) = (false, false, false);
    for c in source.chars() {
        if in_str {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        if c == '\n' || (pending_space && c.is_whitespace()) {
            pending_space = true;
            continue;
        }
        if pending_space {
            let joins = matches!(out.chars().last(), Some('(' | '[' | '.') | None)
                || matches!(c, ')' | ']' | '.');
            if !joins {
                out.push(' ');
            }
            pending_space = false;
        }
        if c == '"' {
            in_str = true;
        }
        out.push(c);
    }
    out
}
