//! `cargo xtask modules [--faces] [<src dir>]`: which files of a crate import each other in a
//! loop ("circles": the strongly connected components of the import graph, files as nodes).
//!
//! An arrow `a.rs → b.rs` is a `use` of, or a path through, an item that `b.rs` defines:
//! `use crate::x::Y`, `crate::x::y()` and `super::…` in code (not in comments, strings or
//! `#[cfg(test)]` modules). A re-export (`pub use`) is followed to the file that defines the
//! item, so `crate::Error` is an arrow to `error.rs`, not to `lib.rs`. With `--faces`, a
//! re-export in a folder's `mod.rs` is not followed: a `mod.rs` is a file of its own that
//! imports its children, as a reader opening it sees (Rust's usual `mod.rs` ↔ child loops then
//! show as circles too).
//!
//! The default directory is `stripe-client/src`; its test below keeps it free of circles.

use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path from the crate root (`["pipeline", "send"]`; `[]` is `lib.rs`).
type ModPath = Vec<String>;

/// The import graph of one crate's source tree.
pub struct Graph {
    /// File of each module.
    files: BTreeMap<ModPath, PathBuf>,
    /// Arrows: module → the modules it imports from.
    edges: BTreeMap<ModPath, BTreeSet<ModPath>>,
    root: PathBuf,
}

pub fn cli(args: &[String]) -> Result<()> {
    let faces = args.iter().any(|a| a == "--faces");
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::root().join("stripe-client/src"));
    let g = Graph::read(&dir, faces)?;
    print!("{}", g.report());
    Ok(())
}

impl Graph {
    /// Read every `.rs` file under `dir` (a crate's `src`).
    pub fn read(dir: &Path, faces: bool) -> Result<Graph> {
        let mut files = BTreeMap::new();
        collect(dir, dir, &mut files)?;
        let mut texts = BTreeMap::new();
        for (m, p) in &files {
            let text = std::fs::read_to_string(p).with_context(|| p.display().to_string())?;
            texts.insert(m.clone(), code_only(&text));
        }
        let mut g = Graph {
            files,
            edges: BTreeMap::new(),
            root: dir.to_path_buf(),
        };
        // Re-exports: module → name → the absolute path it stands for.
        let mut reexports: BTreeMap<ModPath, BTreeMap<String, ModPath>> = BTreeMap::new();
        let mut paths: BTreeMap<ModPath, Vec<(ModPath, bool)>> = BTreeMap::new();
        for (m, text) in &texts {
            let mut found = Vec::new();
            for (path, public) in uses(text) {
                if let Some(abs) = g.absolute(m, &path) {
                    if public {
                        if let Some(last) = abs.last() {
                            reexports
                                .entry(m.clone())
                                .or_default()
                                .insert(last.clone(), abs.clone());
                        }
                    }
                    found.push((abs, public));
                }
            }
            paths.insert(m.clone(), found);
        }
        let follow = |m: &ModPath| !faces || m.is_empty();
        for (m, found) in &paths {
            let mut to = BTreeSet::new();
            for (abs, public) in found {
                let target = g.resolve(abs, &reexports, &follow, 0);
                // A module's own children, re-exported: not an import of theirs.
                let child = target.len() > m.len() && target.starts_with(m);
                if target != *m && !(*public && child) {
                    to.insert(target);
                }
            }
            if faces && !m.is_empty() {
                for abs in reexports.get(m).into_iter().flat_map(BTreeMap::values) {
                    let target = g.resolve(abs, &reexports, &|_| false, 0);
                    if target != *m {
                        to.insert(target);
                    }
                }
            }
            g.edges.insert(m.clone(), to);
        }
        Ok(g)
    }

    /// `path` as seen from module `from`, from the crate root; `None` for other crates.
    fn absolute(&self, from: &ModPath, path: &[String]) -> Option<ModPath> {
        let first = path.first()?;
        match first.as_str() {
            "crate" => Some(path[1..].to_vec()),
            "self" => Some(from.iter().chain(&path[1..]).cloned().collect()),
            "super" => {
                let mut base = from.clone();
                let mut rest = path;
                while rest.first().map(String::as_str) == Some("super") {
                    base.pop();
                    rest = &rest[1..];
                }
                Some(base.into_iter().chain(rest.iter().cloned()).collect())
            }
            _ => {
                let mut child = from.clone();
                child.push(first.clone());
                self.files
                    .contains_key(&child)
                    .then(|| from.iter().chain(path).cloned().collect())
            }
        }
    }

    /// The file (module) that defines what `abs` names, following re-exports where `follow`
    /// says so.
    fn resolve(
        &self,
        abs: &[String],
        reexports: &BTreeMap<ModPath, BTreeMap<String, ModPath>>,
        follow: &dyn Fn(&ModPath) -> bool,
        depth: usize,
    ) -> ModPath {
        let mut cur: ModPath = Vec::new();
        for seg in abs {
            let mut next = cur.clone();
            next.push(seg.clone());
            if self.files.contains_key(&next) {
                cur = next;
                continue;
            }
            if depth < 8 && follow(&cur) {
                if let Some(target) = reexports.get(&cur).and_then(|r| r.get(seg)) {
                    if target.as_slice() != next.as_slice() {
                        return self.resolve(target, reexports, follow, depth + 1);
                    }
                }
            }
            break;
        }
        cur
    }

    /// The circles: groups of two or more files that import each other in a loop, largest
    /// first, each sorted.
    pub fn circles(&self) -> Vec<Vec<ModPath>> {
        let mut t = Tarjan {
            g: self,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            on: BTreeSet::new(),
            next: 0,
            out: Vec::new(),
        };
        for m in self.files.keys() {
            if !t.index.contains_key(m) {
                t.visit(m);
            }
        }
        let mut out: Vec<Vec<ModPath>> = t.out.into_iter().filter(|c| c.len() > 1).collect();
        for c in &mut out {
            c.sort();
        }
        out.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        out
    }

    /// A module's file, relative to the source directory.
    fn name(&self, m: &ModPath) -> String {
        self.files[m]
            .strip_prefix(&self.root)
            .unwrap_or(&self.files[m])
            .display()
            .to_string()
    }

    /// The figures and every circle with its arrows.
    pub fn report(&self) -> String {
        let arrows: usize = self.edges.values().map(BTreeSet::len).sum();
        let circles = self.circles();
        let in_circles: usize = circles.iter().map(Vec::len).sum();
        let mut s = format!(
            "{}: {} files, {} imports between them; {} circle(s), {} files in circles\n",
            self.root.display(),
            self.files.len(),
            arrows,
            circles.len(),
            in_circles
        );
        for c in &circles {
            let names: Vec<String> = c.iter().map(|m| self.name(m)).collect();
            s += &format!("circle of {}: {}\n", c.len(), names.join(" "));
            for m in c {
                let to: Vec<String> = self.edges[m]
                    .iter()
                    .filter(|t| c.contains(t))
                    .map(|t| self.name(t))
                    .collect();
                s += &format!("  {} -> {}\n", self.name(m), to.join(", "));
            }
        }
        s
    }
}

struct Tarjan<'a> {
    g: &'a Graph,
    index: BTreeMap<ModPath, usize>,
    low: BTreeMap<ModPath, usize>,
    stack: Vec<ModPath>,
    on: BTreeSet<ModPath>,
    next: usize,
    out: Vec<Vec<ModPath>>,
}

impl Tarjan<'_> {
    fn visit(&mut self, v: &ModPath) {
        self.index.insert(v.clone(), self.next);
        self.low.insert(v.clone(), self.next);
        self.next += 1;
        self.stack.push(v.clone());
        self.on.insert(v.clone());
        let g = self.g;
        for w in g.edges.get(v).into_iter().flatten() {
            if !self.index.contains_key(w) {
                self.visit(w);
                let lw = self.low[w];
                let lv = self.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if self.on.contains(w) {
                let iw = self.index[w];
                let lv = self.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if self.low[v] == self.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on.remove(&w);
                let done = w == *v;
                comp.push(w);
                if done {
                    break;
                }
            }
            self.out.push(comp);
        }
    }
}

/// Every `.rs` file under `dir`, by module path (`a/mod.rs` and `a.rs` are `a`).
fn collect(root: &Path, dir: &Path, out: &mut BTreeMap<ModPath, PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| dir.display().to_string())? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).unwrap_or(&path).with_extension("");
            let mut m: ModPath = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(m.last().map(String::as_str), Some("mod" | "lib")) {
                m.pop();
            }
            out.insert(m, path);
        }
    }
    Ok(())
}

/// The code of a file without comments, the contents of strings and chars, and
/// `#[cfg(test)]` modules.
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_before(&b, i) {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (1..=hashes).all(|k| b.get(j + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                i += if b[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}'), or a lifetime ('a).
            if next == Some('\\') {
                let mut j = i + 2;
                while j < b.len() && b[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                out.push_str("' '");
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    drop_test_modules(&out)
}

fn ident_before(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

/// The code without `#[cfg(test)] mod x { … }` (and `#[cfg(all(test, …))]`).
fn drop_test_modules(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(") {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let attr_end = from.find(']').map_or(from.len(), |e| e + 1);
        let attr = &from[..attr_end];
        let after = from[attr_end..].trim_start();
        let is_test = attr.starts_with("#[cfg(test)") || attr.starts_with("#[cfg(all(test");
        if is_test && (after.starts_with("mod ") || after.starts_with("pub mod ")) {
            let body = &from[attr_end..];
            match (body.find('{'), body.find(';')) {
                (Some(open), semi) if semi.is_none_or(|s| s > open) => {
                    let mut depth = 0usize;
                    let mut end = body.len();
                    for (k, ch) in body[open..].char_indices() {
                        match ch {
                            '{' => depth += 1,
                            '}' => {
                                depth -= 1;
                                if depth == 0 {
                                    end = open + k + 1;
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                    rest = &body[end..];
                }
                (_, Some(semi)) => rest = &body[semi + 1..],
                _ => rest = "",
            }
        } else {
            out.push_str(attr);
            rest = &from[attr_end..];
        }
    }
    out.push_str(rest);
    out
}

/// The paths a file names: each `use` tree's leaves (with whether the `use` is `pub`), then
/// each `crate::…` / `super::…` path in the code.
fn uses(code: &str) -> Vec<(Vec<String>, bool)> {
    let mut out = Vec::new();
    let mut rest_code = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = find_word(rest, "use") {
        let (before, from) = rest.split_at(at);
        rest_code.push_str(before);
        let t = before.trim_end();
        let public = t.ends_with("pub")
            || (t.ends_with(')') && t.rfind('(').is_some_and(|o| t[..o].ends_with("pub")));
        let end = from.find(';').unwrap_or(from.len());
        let tree = &from[3..end];
        let mut leaves = Vec::new();
        expand(&[], tree, &mut leaves);
        out.extend(leaves.into_iter().map(|p| (p, public)));
        rest = from.get(end + 1..).unwrap_or("");
    }
    rest_code.push_str(rest);
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = rest_code[from..].find(start) {
            let at = from + at;
            from = at + start.len();
            if ident_at(&rest_code, at) {
                continue;
            }
            let path: Vec<String> = rest_code[at..]
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or("")
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            out.push((path, false));
        }
    }
    out
}

/// Whether the character before `at` continues an identifier.
fn ident_at(s: &str, at: usize) -> bool {
    s[..at]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// The next `word` standing alone.
fn find_word(s: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = s[from..].find(word) {
        let at = from + at;
        let after = s[at + word.len()..].chars().next();
        if !ident_at(s, at) && after.is_some_and(char::is_whitespace) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// The leaves of a use tree (`a::{b, c::{d, e as f}}`), each as a path.
fn expand(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    for item in split_top(tree) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        if let Some(open) = item.find('{') {
            let head = item[..open].trim().trim_end_matches("::");
            let inner = &item[open + 1..item.rfind('}').unwrap_or(item.len())];
            let mut p = prefix.to_vec();
            p.extend(segments(head));
            expand(&p, inner, out);
        } else {
            let item = item.split(" as ").next().unwrap_or(item);
            let mut p = prefix.to_vec();
            p.extend(segments(item));
            out.push(p);
        }
    }
}

fn segments(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "*")
        .map(str::to_owned)
}

/// Split at the commas outside braces.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_trees_and_inline_paths() {
        let code = code_only(
            "use crate::a::{B, c::{D, E as F}};\npub use super::g::H;\n\
             fn f() { crate::x::y(); let s = \"crate::not::this\"; } // crate::nor::this\n\
             #[cfg(test)]\nmod tests { use crate::only::in_tests; }\n",
        );
        let got: Vec<(String, bool)> = uses(&code)
            .into_iter()
            .map(|(p, public)| (p.join("::"), public))
            .collect();
        let want = [
            ("crate::a::B", false),
            ("crate::a::c::D", false),
            ("crate::a::c::E", false),
            ("super::g::H", true),
            ("crate::x::y", false),
        ];
        assert_eq!(got, want.map(|(p, b)| (p.to_owned(), b)).to_vec(), "{code}");
    }

    /// The client's modules import each other in one direction only: shared state (clock,
    /// config, settings, errors, the retry policy) at the bottom, the client and its builder
    /// at the top. (At e15e7e8, 11 files were one circle: builder ↔ client, the error enum
    /// through `meter::GuardError`, `retry` and `pipeline/` back to both.)
    #[test]
    fn stripe_client_has_no_import_circle() {
        let g = Graph::read(&crate::root().join("stripe-client/src"), false).unwrap();
        assert!(g.circles().is_empty(), "{}", g.report());
    }

    /// The request pipeline and the shared state under it know nothing of metering: a
    /// request's checks come from the request itself (`StripeRequest::validate`). (At
    /// e15e7e8, `pipeline/prepare.rs` called `meter::guard::check` by operation id, and the
    /// error enum imported `meter::GuardError`.) The client and its builder, at the top, may:
    /// `Client::execute` hands a request that authenticates with a meter event session
    /// (`Auth::MeterEventSession`, from the spec) to the session code, and the client holds
    /// that session, not its settings.
    #[test]
    fn the_core_does_not_import_metering() {
        let g = Graph::read(&crate::root().join("stripe-client/src"), false).unwrap();
        let core = ["pipeline", "settings", "retry", "error", "config", "clock"];
        for (m, to) in &g.edges {
            if !m.first().is_some_and(|f| core.contains(&f.as_str())) {
                continue;
            }
            let metering: Vec<String> = to
                .iter()
                .filter(|t| t.first().map(String::as_str) == Some("meter"))
                .map(|t| g.name(t))
                .collect();
            assert!(metering.is_empty(), "{} imports {metering:?}", g.name(m));
        }
    }
}
