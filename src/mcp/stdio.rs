//! The stdio transport, with a guard in front of rmcp's line reader.
//!
//! Owns: [`transport`], stdin and stdout for rmcp with one check on every incoming line: a
//! message nested deeper than [`MAX_DEPTH`] levels is answered at once with a JSON-RPC error
//! naming the problem (rmcp's reader would drop it, since serde_json stops at 128 levels, and
//! the client would wait for an answer that never comes). The answer carries the request's id,
//! read from the top level of the line without parsing the deep part.
//! Must not: change any other message, or write to stdout except whole lines (rmcp's output
//! and these answers never interleave).

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// Deepest nesting of arrays and objects accepted in one message (the JSON-RPC envelope
/// takes three of them).
pub const MAX_DEPTH: usize = 64;

/// (reader, writer) for `rmcp::ServiceExt::serve`: stdin through the depth guard, stdout.
pub fn transport() -> (
    impl AsyncRead + Unpin + Send,
    impl AsyncWrite + Unpin + Send,
) {
    guarded(tokio::io::stdin(), tokio::io::stdout())
}

/// [`transport`] over any byte streams (tests use in-memory pipes).
pub fn guarded<R, W>(input: R, output: W) -> (tokio::io::DuplexStream, tokio::io::DuplexStream)
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (rmcp_in, mut feed) = tokio::io::duplex(1 << 20);
    let (rmcp_out, from_rmcp) = tokio::io::duplex(1 << 20);
    let (answers, mut answer_rx) = mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        let mut lines = BufReader::new(input);
        let mut line = Vec::new();
        loop {
            line.clear();
            match lines.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let depth = max_depth(&line);
            if depth > MAX_DEPTH {
                let id = top_level_id(&line).unwrap_or_else(|| "null".into());
                let message = format!(
                    "the message is nested {depth} levels deep; at most {MAX_DEPTH} levels of arrays and objects are accepted: send flatter arguments"
                );
                let answer = serde_json::json!({
                    "jsonrpc": "2.0",
                    "id": serde_json::from_str::<serde_json::Value>(&id).unwrap_or_default(),
                    "error": {"code": -32600, "message": message},
                });
                if answers.send(answer.to_string()).is_err() {
                    break;
                }
                continue;
            }
            if feed.write_all(&line).await.is_err() {
                break;
            }
        }
        // stdin closed: rmcp sees EOF and shuts down.
        let _ = feed.shutdown().await;
    });
    tokio::spawn(async move {
        let mut output = output;
        let mut from_rmcp = BufReader::new(from_rmcp);
        let mut line = Vec::new();
        loop {
            tokio::select! {
                read = from_rmcp.read_until(b'\n', &mut line) => {
                    match read {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {
                            if output.write_all(&line).await.is_err()
                                || output.flush().await.is_err()
                            {
                                break;
                            }
                            line.clear();
                        }
                    }
                }
                Some(answer) = answer_rx.recv() => {
                    let out = format!("{answer}\n");
                    if output.write_all(out.as_bytes()).await.is_err()
                        || output.flush().await.is_err()
                    {
                        break;
                    }
                }
            }
        }
    });
    (rmcp_in, rmcp_out)
}

/// The deepest nesting of `[` and `{` outside strings.
fn max_depth(line: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in line {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// The raw JSON of the top-level `"id"` member (a number or a string), if there is one.
fn top_level_id(line: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(line).ok()?;
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let end = string_end(bytes, i)?;
                if depth == 1 && &text[i..=end] == "\"id\"" {
                    let rest = text[end + 1..].trim_start();
                    let rest = rest.strip_prefix(':')?.trim_start();
                    return scalar(rest);
                }
                i = end;
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'"' => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

fn scalar(rest: &str) -> Option<String> {
    if rest.starts_with('"') {
        let end = string_end(rest.as_bytes(), 0)?;
        return Some(rest[..=end].to_string());
    }
    let n: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    (!n.is_empty()).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_ignores_brackets_in_strings() {
        assert_eq!(max_depth(br#"{"a":"[[[[","b":[1,[2]]}"#), 3);
        assert_eq!(max_depth(br#"{"a":"\"[[","b":{}}"#), 2);
    }

    #[test]
    fn the_id_is_read_from_the_top_level_only() {
        let deep = format!(
            r#"{{"jsonrpc":"2.0","params":{{"id":99,"x":{}1{}}},"id":7}}"#,
            "[".repeat(300),
            "]".repeat(300)
        );
        assert_eq!(top_level_id(deep.as_bytes()).as_deref(), Some("7"));
        assert_eq!(
            top_level_id(br#"{"id":"abc","method":"x"}"#).as_deref(),
            Some("\"abc\"")
        );
        assert_eq!(top_level_id(br#"{"method":"x"}"#), None);
    }
}
