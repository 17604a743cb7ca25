//! The documented shape of Freshdesk's objects, for the tools' output schemas.
//!
//! Owns: one schema-only type per Freshdesk object (ticket, conversation, contact, company,
//! agent, group, ticket field) listing the fields the reference documents, each optional and
//! nullable, plus the names this server adds next to ids. The tools pass Freshdesk's JSON
//! through unchanged, so these schemas stay open (`additionalProperties: true`): a field
//! Freshdesk adds later is kept, not rejected. The model reads them to know what to expect.
//! Must not: be used to parse or build values (they are never constructed), or declare a type
//! the reference does not give (a wrong type would make validating clients reject a result).

#![allow(dead_code)] // schema-only types: read by schemars, never constructed

use std::sync::Arc;

use rmcp::handler::server::common::{schema_for_output, schema_for_type};
use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde_json::{Map, Value};

use super::tools::{FdList, FdObject};
use crate::mcp::output::write_schema_of;

type Text = Option<String>;
type Id = Option<i64>;
type Flag = Option<bool>;
type Texts = Option<Vec<String>>;
type Ids = Option<Vec<i64>>;
type Open = Option<Map<String, Value>>;
type Opens = Option<Vec<Map<String, Value>>>;

/// A Freshdesk ticket (`GET /tickets/{id}`), with names added next to ids.
#[derive(JsonSchema)]
pub struct Ticket {
    id: Id,
    subject: Text,
    /// HTML. Lists omit it unless include_description is set.
    description: Text,
    description_text: Text,
    /// 2 open, 3 pending, 4 resolved, 5 closed, or a custom status; see status_name.
    status: Id,
    /// 1 low, 2 medium, 3 high, 4 urgent; see priority_name.
    priority: Id,
    /// 1 email, 2 portal, 3 phone, 7 chat, 9 feedback widget, 10 outbound email; see source_name.
    source: Id,
    /// The ticket type, e.g. "Incident".
    r#type: Text,
    requester_id: Id,
    /// The assigned agent; see agent_name.
    responder_id: Id,
    group_id: Id,
    company_id: Id,
    product_id: Id,
    email_config_id: Id,
    cc_emails: Texts,
    fwd_emails: Texts,
    reply_cc_emails: Texts,
    ticket_cc_emails: Texts,
    to_emails: Texts,
    due_by: Text,
    fr_due_by: Text,
    is_escalated: Flag,
    fr_escalated: Flag,
    spam: Flag,
    /// true when the ticket is in the trash.
    deleted: Flag,
    tags: Texts,
    /// Custom fields by their cf_ name.
    custom_fields: Open,
    attachments: Opens,
    created_at: Text,
    updated_at: Text,
    /// Added by this server: the status's name.
    status_name: Text,
    priority_name: Text,
    source_name: Text,
    /// Added by this server: the assigned agent's name.
    agent_name: Text,
    group_name: Text,
    company_name: Text,
    /// With include_requester: id, name, email, mobile, phone.
    requester: Open,
    /// With include_conversations: the oldest 10 conversations.
    conversations: Opens,
}

/// A reply or note (`GET /tickets/{id}/conversations`).
#[derive(JsonSchema)]
pub struct Conversation {
    id: Id,
    ticket_id: Id,
    /// HTML.
    body: Text,
    body_text: Text,
    /// true: written by the customer (or on their behalf).
    incoming: Flag,
    /// true: a private note agents only see.
    private: Flag,
    user_id: Id,
    support_email: Text,
    /// 0 reply, 2 note, 5 tweet, 6 survey feedback, 7 Facebook post, 8 forwarded e-mail, 9 phone.
    source: Id,
    category: Id,
    to_emails: Texts,
    from_email: Text,
    cc_emails: Texts,
    bcc_emails: Texts,
    attachments: Opens,
    created_at: Text,
    updated_at: Text,
    last_edited_at: Text,
    last_edited_user_id: Id,
}

/// A contact (a customer).
#[derive(JsonSchema)]
pub struct Contact {
    id: Id,
    name: Text,
    email: Text,
    other_emails: Texts,
    phone: Text,
    mobile: Text,
    twitter_id: Text,
    unique_external_id: Text,
    company_id: Id,
    view_all_tickets: Flag,
    active: Flag,
    address: Text,
    description: Text,
    job_title: Text,
    language: Text,
    time_zone: Text,
    tags: Texts,
    custom_fields: Open,
    deleted: Flag,
    created_at: Text,
    updated_at: Text,
}

/// A company.
#[derive(JsonSchema)]
pub struct Company {
    id: Id,
    name: Text,
    description: Text,
    domains: Texts,
    note: Text,
    health_score: Text,
    account_tier: Text,
    renewal_date: Text,
    industry: Text,
    custom_fields: Open,
    created_at: Text,
    updated_at: Text,
}

/// An agent (`GET /agents/{id}`, `/agents/me`).
#[derive(JsonSchema)]
pub struct Agent {
    id: Id,
    available: Flag,
    occasional: Flag,
    signature: Text,
    /// 1 global, 2 group, 3 restricted.
    ticket_scope: Id,
    group_ids: Ids,
    role_ids: Ids,
    /// 1 support, 2 field, 3 collaborator.
    agent_type: Id,
    /// name, email, phone, mobile, job_title, language, time_zone, ...
    contact: Open,
    created_at: Text,
    updated_at: Text,
}

/// A group of agents.
#[derive(JsonSchema)]
pub struct Group {
    id: Id,
    name: Text,
    description: Text,
    escalate_to: Id,
    unassigned_for: Text,
    business_hour_id: Id,
    group_type: Text,
    agent_ids: Ids,
    #[schemars(default, schema_with = "crate::mcp::schema::any_value")]
    auto_ticket_assign: Option<Value>,
    created_at: Text,
    updated_at: Text,
}

/// A ticket field (`GET /ticket_fields`): what the account's tickets carry.
#[derive(JsonSchema)]
pub struct TicketField {
    id: Id,
    /// The field's name (custom fields start with cf_).
    name: Text,
    label: Text,
    description: Text,
    position: Id,
    required_for_closure: Flag,
    required_for_agents: Flag,
    /// default_status, default_priority, custom_text, custom_dropdown, ...
    r#type: Text,
    customers_can_edit: Flag,
    /// Statuses: {"2": ["Open", "Being Processed"]}; priorities and sources: {"Low": 1};
    /// dropdowns: a list of values.
    #[schemars(default, schema_with = "crate::mcp::schema::any_value")]
    choices: Option<Value>,
    created_at: Text,
    updated_at: Text,
}

/// The schema of `S` as an open object: its documented fields typed, any other field kept.
fn shape<S: JsonSchema + 'static>() -> Value {
    let mut s = (*schema_for_type::<S>()).clone();
    s.remove("$schema");
    s.remove("title");
    s.insert("additionalProperties".into(), Value::Bool(true));
    Value::Object(s)
}

fn with_property(mut base: JsonObject, name: &str, schema: Value) -> JsonObject {
    if let Some(Value::Object(props)) = base.get_mut("properties") {
        let description = props.get(name).and_then(|p| p.get("description")).cloned();
        let mut schema = schema;
        if let (Some(d), Value::Object(m)) = (description, &mut schema) {
            m.insert("description".into(), d);
        }
        props.insert(name.into(), schema);
    }
    base
}

fn object_of<S: JsonSchema + 'static>() -> JsonObject {
    with_property(
        (*schema_for_output::<FdObject>()).clone(),
        "object",
        shape::<S>(),
    )
}

/// The output schema of a read that returns one `S`.
pub fn object<S: JsonSchema + 'static>() -> Arc<JsonObject> {
    Arc::new(object_of::<S>())
}

/// The output schema of a write that returns one `S` (or asks for confirmation).
pub fn write<S: JsonSchema + 'static>() -> Arc<JsonObject> {
    write_schema_of(&object_of::<S>())
}

/// The output schema of a list of `S`.
pub fn list<S: JsonSchema + 'static>() -> Arc<JsonObject> {
    let items = serde_json::json!({"type": "array", "items": shape::<S>()});
    Arc::new(with_property(
        (*schema_for_output::<FdList>()).clone(),
        "items",
        items,
    ))
}
