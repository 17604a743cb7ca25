//! Tool output: `response_format` (markdown or json), structuredContent, and the cap near
//! 25,000 characters with guidance to narrow the query when a result is cut; and the frame of
//! every backend tool ([`read_tool`], [`write_tool`]): validate the arguments, run the body,
//! finish its answer in the format asked for.

use std::future::Future;
use std::sync::Arc;

use rmcp::handler::server::common::schema_for_output;
use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock as Content, JsonObject};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::mcp::guard::{CallCtx, ConfirmationRequired, Outcome, WriteRequest};

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

/// A tool's arguments: checked by `validator`, naming the format of the answer.
pub trait ToolArgs: validator::Validate {
    fn response_format(&self) -> ResponseFormat;
}

/// A write tool's arguments: also the token that confirms a gated call.
pub trait WriteArgs: ToolArgs {
    fn confirmation_token(&self) -> Option<String>;
}

/// Implements [`ToolArgs`] (`read:`), [`WriteArgs`] (`token:`) or both (`write:`) for
/// argument structs with a `response_format` (and a `confirmation_token`) field.
macro_rules! tool_args {
    (read: $($name:ident),* $(,)?) => {$(
        impl $crate::mcp::output::ToolArgs for $name {
            fn response_format(&self) -> $crate::mcp::output::ResponseFormat {
                self.response_format
            }
        }
    )*};
    (write: $($name:ident),* $(,)?) => {$(
        $crate::mcp::output::tool_args!(read: $name);
        $crate::mcp::output::tool_args!(token: $name);
    )*};
    (token: $($name:ident),* $(,)?) => {$(
        impl $crate::mcp::output::WriteArgs for $name {
            fn confirmation_token(&self) -> Option<String> {
                self.confirmation_token.clone()
            }
        }
    )*};
}
pub(crate) use tool_args;

/// A read tool's argument struct: the fields given, then `response_format` (with the derives
/// every tool's arguments have: serde, schemars, validator; unknown fields refused).
macro_rules! read_params {
    ($(#[$m:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        $(#[$m])*
        #[derive(
            Debug,
            Clone,
            ::serde::Deserialize,
            ::serde::Serialize,
            ::schemars::JsonSchema,
            ::validator::Validate,
        )]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($fields)*
            /// "markdown" (default) or "json".
            #[serde(default)]
            pub response_format: $crate::mcp::output::ResponseFormat,
        }
        $crate::mcp::output::tool_args!(read: $name);
    };
}
pub(crate) use read_params;

/// A write tool's argument struct: the fields given, then `confirmation_token` and
/// `response_format`.
macro_rules! write_params {
    ($(#[$m:meta])* pub struct $name:ident { $($fields:tt)* }) => {
        $crate::mcp::output::read_params! {
            $(#[$m])* pub struct $name {
                $($fields)*
                /// Only to confirm: when this exact call answered status
                /// "confirmation_required", repeat it with the same arguments plus the
                /// confirmation_token it returned.
                #[serde(default)]
                #[validate(length(min = 16, max = 200))]
                pub confirmation_token: Option<String>,
            }
        }
        $crate::mcp::output::tool_args!(token: $name);
    };
}
pub(crate) use write_params;

/// A read tool's frame: `body` gets the arguments once they validate; its answer is finished
/// in the format they ask for.
pub async fn read_tool<P, T, F, Fut>(p: P, body: F) -> CallToolResult
where
    P: ToolArgs,
    T: Render,
    F: FnOnce(P) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let format = p.response_format();
    let result = match crate::mcp::params::validated(&p) {
        Ok(()) => body(p).await,
        Err(e) => Err(e),
    };
    finish(result, format)
}

/// A write tool's frame: `body` gets the arguments once they validate, and the call's
/// confirmation context; its outcome is finished in the format they ask for.
pub async fn write_tool<P, T, F, Fut>(request: WriteRequest, p: P, body: F) -> CallToolResponse
where
    P: WriteArgs,
    T: Render,
    F: FnOnce(P, CallCtx) -> Fut,
    Fut: Future<Output = Result<Outcome<T>>>,
{
    let format = p.response_format();
    let call = request.call(p.confirmation_token());
    let result = match crate::mcp::params::validated(&p) {
        Ok(()) => body(p, call).await,
        Err(e) => Err(e),
    };
    finish_write(result, format)
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

/// A failed call as structuredContent: `{"error": {"kind", "message"}}` (every tool's output
/// schema has this branch, see [`with_error_branch`]).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ToolError {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ErrorBody {
    /// What kind of failure: invalid_input, not_found, unauthorized, forbidden, conflict,
    /// rate_limited, upstream, unavailable, ambiguous (the outcome of a write is unknown: check
    /// before repeating it), audit_unavailable, intent_required, policy_denied,
    /// confirmation_refused, confirmation_expired, config, internal.
    pub kind: crate::error::ErrorKind,
    /// What went wrong and what to do next.
    pub message: String,
}

/// An `isError` result with the message as text and its kind in structuredContent.
pub fn error_result(e: crate::error::Error) -> CallToolResult {
    let structured = serde_json::to_value(ToolError {
        error: ErrorBody {
            kind: e.kind,
            message: e.message.clone(),
        },
    })
    .unwrap_or_default();
    let mut r = CallToolResult::error(vec![Content::text(e.message)]);
    r.structured_content = Some(structured);
    r
}

/// `schema` (a tool's result) or a [`ToolError`]: what every tool's outputSchema says, so
/// validating clients accept the error's structuredContent.
pub fn with_error_branch(schema: &JsonObject) -> JsonObject {
    let mut result = schema.clone();
    let dialect = result.remove("$schema");
    let mut defs = match result.remove("$defs") {
        Some(serde_json::Value::Object(d)) => d,
        _ => JsonObject::new(),
    };
    let mut error = (*schema_for_output::<ToolError>()).clone();
    error.remove("$schema");
    if let Some(serde_json::Value::Object(d)) = error.remove("$defs") {
        defs.extend(d);
    }
    let mut out = JsonObject::new();
    if let Some(d) = dialect {
        out.insert("$schema".into(), d);
    }
    out.insert("type".into(), "object".into());
    out.insert(
        "anyOf".into(),
        serde_json::Value::Array(vec![result.into(), error.into()]),
    );
    if !defs.is_empty() {
        out.insert("$defs".into(), defs.into());
    }
    out
}

/// Turns a tool's outcome into an MCP result: errors become `isError` results with the
/// message (the model can act on it) and its kind, successes carry structuredContent and text.
pub fn finish<T: Render>(result: Result<T>, format: ResponseFormat) -> CallToolResult {
    match result {
        Ok(value) => success(value, format),
        Err(e) => error_result(e),
    }
}

fn text_of<T: Render>(value: &T, format: ResponseFormat) -> String {
    match format {
        ResponseFormat::Markdown => value.markdown(),
        ResponseFormat::Json => serde_json::to_string_pretty(value).unwrap_or_default(),
    }
}

/// How long `v` is as JSON text, without building the text.
fn json_len<T: Serialize + ?Sized>(v: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    let _ = serde_json::to_writer(&mut c, v);
    c.0
}

/// The guidance a cut result carries, in the text and in structuredContent.
const NARROW: &str = "ask for less, e.g. a smaller page_size or per_page, a narrower filter, or without descriptions and conversations";

fn success<T: Render>(mut value: T, format: ResponseFormat) -> CallToolResult {
    let mut text = text_of(&value, format);
    let mut shrunk = false;
    // Whole items go first (a list keeps fewer records, each of them complete) until both
    // the text and structuredContent fit.
    // A list keeps at least one record for structuredContent; a record too big on its own is
    // fitted below instead.
    loop {
        let over_text = text.len() > CHARACTER_LIMIT;
        let over_json = json_len(&value) > CHARACTER_LIMIT && value.items() > 1;
        if !(over_text || over_json) || !value.shrink() {
            break;
        }
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
        text.push_str(&format!("\n\n[Output cut at 25,000 characters: {NARROW}.]"));
    }
    let mut structured = serde_json::to_value(&value).unwrap_or(serde_json::Value::Null);
    // A single record still too big: its longest texts are shortened, each saying so, so the
    // record stays whole JSON with every field.
    if json_len(&structured) > CHARACTER_LIMIT {
        fit_strings(&mut structured, CHARACTER_LIMIT);
        if let serde_json::Value::Object(m) = &mut structured {
            m.insert("truncated".into(), true.into());
            let note = format!(
                "Long texts were shortened to fit the output limit (each cut text says how much is missing): {NARROW}."
            );
            let note = match m.get("note").and_then(serde_json::Value::as_str) {
                Some(n) if !n.is_empty() => format!("{n} {note}"),
                _ => note,
            };
            m.insert("note".into(), note.into());
        }
    }
    let mut result = CallToolResult::structured(structured);
    result.content = vec![Content::text(text)];
    result
}

/// Shortens the longest strings in `v` until its JSON fits `budget` (leaving room for the
/// note), each cut string ending with how many characters were left out.
fn fit_strings(v: &mut serde_json::Value, budget: usize) {
    let target = budget.saturating_sub(600);
    for _ in 0..64 {
        let len = json_len(v);
        if len <= target {
            return;
        }
        let Some(longest) = longest_string(v) else {
            return;
        };
        let chars = longest.chars().count();
        let keep = chars.saturating_sub(len - target + 80).max(200).min(chars);
        if keep >= chars {
            return;
        }
        let kept: String = longest.chars().take(keep).collect();
        *longest = format!("{kept}… [cut: {} more characters]", chars - keep);
    }
}

fn longest_string(v: &mut serde_json::Value) -> Option<&mut String> {
    match v {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Array(items) => items
            .iter_mut()
            .filter_map(longest_string)
            .max_by_key(|s| s.len()),
        serde_json::Value::Object(m) => m
            .values_mut()
            .filter_map(longest_string)
            .max_by_key(|s| s.len()),
        _ => None,
    }
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
        Err(e) => error_result(e).into(),
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
    if let Some(r) = &c.preview.recipients {
        let list = |v: &[String]| {
            if v.is_empty() {
                "-".to_string()
            } else {
                v.join(", ")
            }
        };
        s.push_str(&format!(
            "\n**Who receives it:** to {}; cc {}; bcc {}\n",
            list(&r.to),
            list(&r.cc),
            list(&r.bcc)
        ));
    }
    if let Some(l) = &c.preview.loses {
        s.push_str(&format!("\n**Goes with it:** {l}\n"));
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
