//! Stripe's descriptions are HTML fragments mixed with Markdown; rustdoc wants Markdown.

/// Turn a spec description into Markdown suitable for a `///` doc comment.
pub fn to_markdown(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut link_stack: Vec<String> = Vec::new();
    while let Some(pos) = rest.find('<') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos..];
        let Some(end) = after.find('>') else {
            out.push_str(after);
            rest = "";
            break;
        };
        let tag = &after[1..end];
        let lower = tag.to_ascii_lowercase();
        let name = lower
            .trim_start_matches('/')
            .split_whitespace()
            .next()
            .unwrap_or("");
        let closing = lower.starts_with('/');
        match (name, closing) {
            ("p", false) => {}
            ("p", true) => out.push_str("\n\n"),
            ("br" | "br/", _) => out.push('\n'),
            ("code", _) => out.push('`'),
            ("strong" | "b", _) => out.push_str("**"),
            ("em" | "i", _) => out.push('*'),
            ("ul" | "ol", _) => out.push('\n'),
            ("li", false) => out.push_str("\n- "),
            ("li", true) => {}
            ("a", false) => {
                let href = attr(tag, "href").unwrap_or_default();
                link_stack.push(href);
                out.push('[');
            }
            ("a", true) => {
                let href = link_stack.pop().unwrap_or_default();
                out.push_str(&format!("]({})", absolute(&href)));
            }
            _ => {
                // Not a tag we know (or a literal `<`): keep the text.
                if !is_tag_name(name) {
                    out.push_str(&after[..=end]);
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    let out = out
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .replace("&nbsp;", " ");
    // Collapse runs of blank lines and trim.
    let mut result = String::new();
    let mut blank = 0;
    for line in out.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank += 1;
            if blank == 1 && !result.is_empty() {
                result.push('\n');
            }
            continue;
        }
        blank = 0;
        result.push_str(line);
        result.push('\n');
    }
    result.trim().to_string()
}

fn is_tag_name(name: &str) -> bool {
    matches!(
        name,
        "span"
            | "div"
            | "table"
            | "tr"
            | "td"
            | "th"
            | "tbody"
            | "thead"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "pre"
            | "u"
            | "small"
            | "sup"
            | "sub"
    )
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let idx = tag.find(&format!("{name}="))?;
    let rest = &tag[idx + name.len() + 1..];
    let quote = rest.chars().next()?;
    if quote == '"' || quote == '\'' {
        let rest = &rest[1..];
        let end = rest.find(quote)?;
        Some(rest[..end].to_string())
    } else {
        Some(rest.split_whitespace().next()?.to_string())
    }
}

fn absolute(href: &str) -> String {
    if href.starts_with('/') {
        format!("https://docs.stripe.com{href}")
    } else {
        href.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::to_markdown;

    #[test]
    fn converts_common_tags() {
        assert_eq!(
            to_markdown("<p>Use <code>expand</code> and <a href=\"/api\">the API</a>.</p><ul><li>one</li><li>two</li></ul>"),
            "Use `expand` and [the API](https://docs.stripe.com/api).\n\n- one\n- two"
        );
        assert_eq!(to_markdown("a < b &amp; c"), "a < b & c");
    }
}
