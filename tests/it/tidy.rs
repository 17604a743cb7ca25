//! House rules that rustfmt and clippy do not hold: files that fit in a head, and code lines
//! rustfmt gave up on.
//!
//! rustfmt leaves a whole statement unformatted when a string literal in it cannot fit in 100
//! columns, and `cargo fmt --check` still passes. So a line over 100 characters is allowed
//! only when it is a literal: a line inside a multi-line string, or a line whose code is one
//! string literal (a `const`, a field or an argument). Put long messages in a `const`, or
//! continue the string with `\` at the end of a line, and rustfmt formats the code around it.

use std::path::{Path, PathBuf};

/// The widest code line the house allows (rustfmt's max_width).
const MAX_WIDTH: usize = 100;
/// The longest source file the house allows.
const MAX_LINES: usize = 800;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            if !path.ends_with("node_modules") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

fn house_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches"] {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    files
}

/// Where a line starts and ends, for the string-literal state that crosses lines.
#[derive(Clone, Copy, PartialEq)]
enum Lex {
    Code,
    /// Inside `"..."`.
    Str,
    /// Inside `r#"..."#` with this many `#`.
    Raw(usize),
}

/// Lexes one line from state `at`; returns the state at its end.
fn lex(line: &str, mut at: Lex) -> Lex {
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match at {
            Lex::Str => match b[i] {
                b'\\' => i += 2,
                b'"' => {
                    at = Lex::Code;
                    i += 1;
                }
                _ => i += 1,
            },
            Lex::Raw(n) => {
                let end = format!("\"{}", "#".repeat(n));
                match line[i..].find(&end) {
                    Some(k) => {
                        i += k + end.len();
                        at = Lex::Code;
                    }
                    None => return at,
                }
            }
            Lex::Code => {
                if line[i..].starts_with("//") {
                    return at;
                }
                let word_before = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
                if !word_before && let Some(n) = raw_start(&line[i..]) {
                    at = Lex::Raw(n);
                    i += n + 2 + usize::from(b[i] == b'b');
                    continue;
                }
                match b[i] {
                    b'"' => at = Lex::Str,
                    b'\'' => {
                        // A char literal ('"', '\'', 'x'), not a lifetime.
                        let rest = &line[i..];
                        let len = if let Some(escaped) = rest.strip_prefix("'\\") {
                            escaped.find('\'').map(|k| k + 3)
                        } else {
                            rest.char_indices()
                                .nth(2)
                                .filter(|(_, c)| *c == '\'')
                                .map(|(k, _)| k + 1)
                        };
                        if let Some(len) = len {
                            i += len;
                            continue;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
    }
    at
}

/// `r"`, `r#"`, `br##"`...: the number of `#`.
fn raw_start(s: &str) -> Option<usize> {
    let s = s.strip_prefix('b').unwrap_or(s);
    let s = s.strip_prefix('r')?;
    let n = s.bytes().take_while(|c| *c == b'#').count();
    s[n..].starts_with('"').then_some(n)
}

/// A line whose code is one string literal, e.g. `"..." ,`, `const X: &str = "...";`,
/// `let html = r#"...`, `next: "...",` or `about = "...",`.
fn is_literal_line(trimmed: &str) -> bool {
    let lit = |s: &str| s.starts_with('"') || raw_start(s).is_some();
    if lit(trimmed) {
        return true;
    }
    // `name: "..."`, `name = "..."`, `const NAME: &str = "..."`.
    let code = trimmed
        .trim_start_matches("pub ")
        .trim_start_matches("const ")
        .trim_start_matches("static ")
        .trim_start_matches("let ");
    let head_len = code
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(code.len());
    let rest = code[head_len..].trim_start();
    let rest = rest
        .strip_prefix(": &str =")
        .or_else(|| rest.strip_prefix(": &'static str ="))
        .or_else(|| rest.strip_prefix(':'))
        .or_else(|| rest.strip_prefix('='));
    head_len > 0 && rest.is_some_and(|r| lit(r.trim_start()))
}

#[test]
fn no_code_line_is_wider_than_rustfmt_allows() {
    let mut wide = Vec::new();
    for path in house_files() {
        let text = std::fs::read_to_string(&path).expect("source file");
        let mut at = Lex::Code;
        for (n, line) in text.lines().enumerate() {
            let started = at;
            at = lex(line, at);
            if line.chars().count() > MAX_WIDTH
                && started == Lex::Code
                && !is_literal_line(line.trim())
            {
                wide.push(format!("{}:{}", path.display(), n + 1));
            }
        }
    }
    assert!(
        wide.is_empty(),
        "{} code line(s) over {MAX_WIDTH} characters (rustfmt gave up on them; move the long \
         literal to a const or continue it with `\\`):\n{}",
        wide.len(),
        wide.join("\n")
    );
}

#[test]
fn no_source_file_is_longer_than_a_head_holds() {
    let long: Vec<String> = house_files()
        .into_iter()
        .filter_map(|p| {
            let n = std::fs::read_to_string(&p)
                .expect("source file")
                .lines()
                .count();
            (n > MAX_LINES).then(|| format!("{}: {n} lines", p.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines (make them folders):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_lexer_knows_literals_from_code() {
    assert!(lex(r#"let s = "open"#, Lex::Code) == Lex::Str);
    assert!(lex(r#"still a string" + x"#, Lex::Str) == Lex::Code);
    assert!(lex(r###"let s = r#"a "quoted" word"#;"###, Lex::Code) == Lex::Code);
    assert!(lex(r#"let c = '"'; let d = "x"#, Lex::Code) == Lex::Str);
    assert!(lex("fn f<'a>(x: &'a str) {", Lex::Code) == Lex::Code);
    assert!(lex(r#"// a "comment"#, Lex::Code) == Lex::Code);
    assert!(is_literal_line(r#"const NOTE: &str = "long text";"#));
    assert!(is_literal_line(r#"next: "The session is closed.","#));
    assert!(is_literal_line(r#"about = "An MCP server","#));
    assert!(is_literal_line(r##"let html = r#"<form>"#;"##));
    assert!(!is_literal_line(
        r#"tracing::info!(tool = %name, "tool call");"#
    ));
    assert!(!is_literal_line(
        r#"return Err(Error::invalid("x", "long"));"#
    ));
}
