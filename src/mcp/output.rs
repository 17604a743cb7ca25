//! Tool output: `response_format` (markdown or json), structuredContent, and the cap near
//! 25,000 characters with guidance to narrow the query when a result is cut.

use rmcp::model::{CallToolResult, ContentBlock as Content};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// Most characters a tool's text output may have.
pub const CHARACTER_LIMIT: usize = 25_000;

/// How the text content of a result is written; structuredContent is always JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ResponseFormat {
    /// Readable Markdown (default).
    #[default]
    Markdown,
    /// The same data as the structured content, as JSON text.
    Json,
}

/// A tool result that can be shown as Markdown and shrunk to fit the cap.
pub trait Render: Serialize {
    fn markdown(&self) -> String;

    /// Drops one item (the last) to make the output smaller; false when nothing can go.
    fn shrink(&mut self) -> bool {
        false
    }

    /// Records that items were dropped and how to get the rest.
    fn mark_truncated(&mut self, _kept: usize) {}

    /// How many items the result holds (for the truncation note).
    fn items(&self) -> usize {
        0
    }
}

/// Turns a tool's outcome into an MCP result: errors become `isError` results with the
/// message (the model can act on it), successes carry structuredContent and text.
pub fn finish<T: Render>(result: Result<T>, format: ResponseFormat) -> CallToolResult {
    match result {
        Ok(value) => success(value, format),
        Err(e) => CallToolResult::error(vec![Content::text(e.message)]),
    }
}

fn text_of<T: Render>(value: &T, format: ResponseFormat) -> String {
    match format {
        ResponseFormat::Markdown => value.markdown(),
        ResponseFormat::Json => serde_json::to_string_pretty(value).unwrap_or_default(),
    }
}

fn success<T: Render>(mut value: T, format: ResponseFormat) -> CallToolResult {
    let mut text = text_of(&value, format);
    let mut shrunk = false;
    while text.len() > CHARACTER_LIMIT && value.shrink() {
        shrunk = true;
        text = text_of(&value, format);
    }
    if shrunk {
        let kept = value.items();
        value.mark_truncated(kept);
        text = text_of(&value, format);
    }
    if text.len() > CHARACTER_LIMIT {
        let mut cut = CHARACTER_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("\n\n[Output cut at 25,000 characters: ask for less, e.g. a smaller page_size or a narrower filter.]");
    }
    let structured = serde_json::to_value(&value).unwrap_or(serde_json::Value::Null);
    let mut result = CallToolResult::structured(structured);
    result.content = vec![Content::text(text)];
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Many {
        items: Vec<String>,
        truncated: bool,
        note: Option<String>,
    }

    impl Render for Many {
        fn markdown(&self) -> String {
            self.items.join("\n")
        }
        fn shrink(&mut self) -> bool {
            self.items.pop().is_some()
        }
        fn mark_truncated(&mut self, kept: usize) {
            self.truncated = true;
            self.note = Some(format!("kept {kept}"));
        }
        fn items(&self) -> usize {
            self.items.len()
        }
    }

    #[test]
    fn long_lists_are_cut_and_say_so() {
        let many = Many {
            items: (0..1000).map(|i| format!("{i:0>100}")).collect(),
            truncated: false,
            note: None,
        };
        let r = finish(Ok(many), ResponseFormat::Json);
        let text = r.content[0].as_text().unwrap().text.clone();
        assert!(text.len() <= CHARACTER_LIMIT);
        let s = r.structured_content.unwrap();
        assert_eq!(s["truncated"], true);
        assert!(s["items"].as_array().unwrap().len() < 1000);
    }
}
