//! Tool output: `response_format` (markdown or json), structuredContent, and the cap near
//! 25,000 characters with guidance to narrow the query when a result is cut.

use std::sync::Arc;

use rmcp::handler::server::common::schema_for_output;
use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock as Content, JsonObject};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::mcp::core::{ConfirmationRequired, Outcome};

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

/// Turns a write's outcome into an MCP response: the change made, a confirmation request
/// (a normal result with `status: confirmation_required`), or the 2026-07-28 input round trip.
pub fn finish_write<T: Render>(
    result: Result<Outcome<T>>,
    format: ResponseFormat,
) -> CallToolResponse {
    match result {
        Ok(Outcome::Done(v)) => finish(Ok(v), format).into(),
        Ok(Outcome::Confirm(c)) => {
            let text = match format {
                ResponseFormat::Markdown => confirmation_markdown(&c),
                ResponseFormat::Json => serde_json::to_string_pretty(&c).unwrap_or_default(),
            };
            let mut r = CallToolResult::structured(serde_json::to_value(&*c).unwrap_or_default());
            r.content = vec![Content::text(text)];
            r.into()
        }
        Ok(Outcome::Input(i)) => i.into(),
        Err(e) => CallToolResult::error(vec![Content::text(e.message)]).into(),
    }
}

fn confirmation_markdown(c: &ConfirmationRequired) -> String {
    let mut s = format!(
        "## Confirmation required: nothing was sent\n- **Tool:** {}\n- **Rule:** {} ({})\n- **Target:** {}\n",
        c.tool, c.rule, c.reason, c.preview.target
    );
    if !c.preview.changes.is_empty() {
        s.push_str("\n| field | now | after the change |\n|---|---|---|\n");
        for ch in &c.preview.changes {
            s.push_str(&format!(
                "| {} | {} | {} |\n",
                ch.field, ch.before, ch.after
            ));
        }
    }
    if let Some(o) = &c.preview.object {
        s.push_str(&format!(
            "\n**Would create:**\n```json\n{}\n```\n",
            serde_json::to_string_pretty(o).unwrap_or_default()
        ));
    }
    if let Some(l) = &c.preview.will_be_lost {
        let text = serde_json::to_string_pretty(l).unwrap_or_default();
        let short: String = text.chars().take(4000).collect();
        s.push_str(&format!("\n**Would be lost:**\n```json\n{short}\n```\n"));
    }
    s.push_str(&format!(
        "\n- **confirmation_token:** `{}`\n- **confirmation id:** {} (via {})\n- **Expires:** {}\n\n{}\n",
        c.confirmation_token,
        c.confirmation_id,
        c.via,
        c.expires_at.to_rfc3339(),
        c.next_step
    ));
    s
}

/// The output schema of a write tool: its result, or a confirmation request.
pub fn write_schema<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    write_schema_of(&schema_for_output::<T>())
}

/// [`write_schema`] for a result schema built by hand (e.g. a pass-through object whose
/// documented fields are described separately).
pub fn write_schema_of(done: &JsonObject) -> Arc<JsonObject> {
    let confirm = schema_for_output::<ConfirmationRequired>();
    let mut defs = JsonObject::new();
    let mut strip = |s: &JsonObject| {
        let mut s = s.clone();
        if let Some(serde_json::Value::Object(d)) = s.remove("$defs") {
            defs.extend(d);
        }
        s.remove("$schema");
        serde_json::Value::Object(s)
    };
    let a = strip(done);
    let b = strip(&confirm);
    let mut out = JsonObject::new();
    if let Some(v) = done.get("$schema") {
        out.insert("$schema".into(), v.clone());
    }
    out.insert("type".into(), "object".into());
    out.insert("anyOf".into(), serde_json::Value::Array(vec![a, b]));
    if !defs.is_empty() {
        out.insert("$defs".into(), serde_json::Value::Object(defs));
    }
    Arc::new(out)
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
