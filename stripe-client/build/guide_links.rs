//! The guides' links for rustdoc: used by the build script (`build.rs`), unit-tested with the
//! crate (`src/lib.rs`).
use std::collections::BTreeSet;

/// `text` with its relative links (`[text](target)`, `[label]: target`) made rustdoc's,
/// outside fenced code blocks and code spans. Lines stay where they are, so doctests keep
/// their line numbers.
pub fn rustdoc_links(text: &str, guides: &BTreeSet<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    // The open fence (its first three characters) while inside a fenced code block.
    let mut fence: Option<&str> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (Some(open), Some(m)) if m == open => fence = None,
            (Some(_), _) => {}
            (None, Some(m)) => fence = Some(m),
            (None, None) => {
                out.push_str(&line_links(line, guides)?);
                continue;
            }
        }
        out.push_str(line);
    }
    Ok(out)
}

/// One line of prose with its links made rustdoc's; code spans are copied as they are.
fn line_links(line: &str, guides: &BTreeSet<String>) -> Result<String, String> {
    // A link reference definition: `[label]: target`.
    let definition = line
        .trim_start()
        .strip_prefix('[')
        .and_then(|l| l.split_once(']'))
        .and_then(|(label, rest)| Some((label, rest.strip_prefix(':')?)));
    if let Some((label, rest)) = definition {
        let target = rest.split_whitespace().next().unwrap_or_default();
        if let Some(new) = rustdoc_target(target, guides)? {
            let indent = &line[..line.len() - line.trim_start().len()];
            return Ok(format!(
                "{indent}[{label}]: {new}{}",
                &rest.trim_start()[target.len()..]
            ));
        }
        return Ok(line.to_owned());
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while !rest.is_empty() {
        if rest.starts_with('`') {
            // A code span: the run of backticks up to the next run as long.
            let ticks = &rest[..rest.len() - rest.trim_start_matches('`').len()];
            let end = rest[ticks.len()..]
                .find(ticks)
                .map_or(ticks.len(), |i| i + 2 * ticks.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else if let Some(after) = rest.strip_prefix("](") {
            let inner = &after[..after.find(')').unwrap_or(after.len())];
            let start = inner.len() - inner.trim_start().len();
            let target = inner[start..].split_whitespace().next().unwrap_or_default();
            out.push_str("](");
            match rustdoc_target(target, guides)? {
                Some(new) => {
                    out.push_str(&after[..start]);
                    out.push_str(&new);
                    rest = &after[start + target.len()..];
                }
                None => rest = after,
            }
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(out)
}

/// The rustdoc link for a relative file link, `None` for one rustdoc already resolves (a URL,
/// a fragment, an item path).
fn rustdoc_target(target: &str, guides: &BTreeSet<String>) -> Result<Option<String>, String> {
    let (path, fragment) = target.split_at(target.find('#').unwrap_or(target.len()));
    let path = path.strip_prefix("./").unwrap_or(path);
    // `https:`, `mailto:`, `crate::Client`; an item path has neither `.` nor `/` (`Client`).
    let file = !path.contains(':') && (path.contains('.') || path.contains('/'));
    if !file {
        return Ok(None);
    }
    if let Some(guide) = path.strip_suffix(".md").filter(|g| !g.contains('/')) {
        if !guides.contains(guide) {
            return Err(format!("the link `{target}` names no guide"));
        }
        // The module the `guides!` macro makes of `guides/<name>.md`.
        return Ok(Some(format!(
            "crate::guides::{}{fragment}",
            guide.replace('-', "_")
        )));
    }
    if path == "../README.md" {
        return Ok(Some(format!("crate{fragment}")));
    }
    Err(format!(
        "the link `{target}` would be broken on docs.rs: link a guide (`name.md`), the crate \
         docs (`../README.md`) or an absolute URL"
    ))
}

#[cfg(test)]
mod tests {
    use super::rustdoc_links;
    use std::collections::BTreeSet;

    fn page(text: &str) -> Result<String, String> {
        let guides: BTreeSet<String> = ["webhooks", "error-handling", "payments"]
            .map(String::from)
            .into();
        rustdoc_links(text, &guides)
    }

    #[test]
    fn links_to_guides_become_their_pages_with_the_fragment() {
        assert_eq!(
            page("see [w](webhooks.md) and [e](./error-handling.md#retries).\n").unwrap(),
            "see [w](crate::guides::webhooks) and [e](crate::guides::error_handling#retries).\n"
        );
        assert_eq!(
            page("[w]( webhooks.md \"title\")\n").unwrap(),
            "[w]( crate::guides::webhooks \"title\")\n"
        );
        assert_eq!(
            page("  [w]: webhooks.md#a \"title\"\n").unwrap(),
            "  [w]: crate::guides::webhooks#a \"title\"\n"
        );
        assert_eq!(
            page("[readme](../README.md)\n").unwrap(),
            "[readme](crate)\n"
        );
    }

    #[test]
    fn urls_fragments_item_paths_and_code_are_left_alone() {
        let text = "[a](https://x.y/a.md) [b](#frag) [c](crate::Client) [d](Client) \
                    [m](mailto:a@b.c) `[w](webhooks.md)` [x] (a.md) é\n\
                    ```rust\n// [w](webhooks.md)\n```\n";
        assert_eq!(page(text).unwrap(), text);
        assert_eq!(
            page("`` a ` b `` [w](webhooks.md) `unclosed [p](payments.md)\n").unwrap(),
            "`` a ` b `` [w](crate::guides::webhooks) `unclosed [p](crate::guides::payments)\n"
        );
    }

    #[test]
    fn a_link_that_docs_rs_could_not_follow_is_an_error() {
        let err = page("[x](../examples/cloudflare-worker/src/lib.rs)\n").unwrap_err();
        assert!(err.contains("broken on docs.rs"), "{err}");
        let err = page("[x](nope.md)\n").unwrap_err();
        assert!(err.contains("names no guide"), "{err}");
    }
}
