//! Tool arguments: like rmcp's `Parameters<T>`, but a deserialization error names the field
//! that is wrong (`priority: unknown variant ...`), so the model can fix exactly that.
//!
//! The rmcp macros find this type by its name (`Parameters`) and derive the input schema from
//! `T`, as they do for rmcp's own.

use rmcp::ErrorData;
use rmcp::handler::server::common::FromContextPart;
use rmcp::handler::server::tool::ToolCallContext;
use serde::de::DeserializeOwned;

/// The tool's typed arguments; its schema is `T`'s.
pub struct Parameters<T>(pub T);

impl<T: schemars::JsonSchema> schemars::JsonSchema for Parameters<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

impl<S, T: DeserializeOwned> FromContextPart<ToolCallContext<'_, S>> for Parameters<T> {
    fn from_context_part(context: &mut ToolCallContext<S>) -> Result<Self, ErrorData> {
        let arguments = context.arguments.take().unwrap_or_default();
        let value = serde_json::Value::Object(arguments);
        serde_path_to_error::deserialize(value)
            .map(Parameters)
            .map_err(|e| ErrorData::invalid_params(describe(&e), None))
    }
}

fn describe(e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let path = e.path().to_string();
    let inner = e.inner().to_string();
    // Untagged enums (id or name) say "data did not match any variant": say what fits.
    let inner = if inner.contains("did not match any variant") {
        "expected a number (the id) or a name (a string)".to_string()
    } else {
        inner
    };
    if path == "." || path.is_empty() {
        format!("failed to deserialize parameters: {inner}")
    } else {
        format!("failed to deserialize parameters: {path}: {inner}")
    }
}

/// A number (the id) or a name.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, schemars::JsonSchema, PartialEq)]
#[serde(untagged, try_from = "RawIdOrName")]
pub enum IdOrName {
    Id(i64),
    Name(String),
}

/// What the wire carries before [`IdOrName`]'s checks: ids are positive, names not blank.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
enum RawIdOrName {
    Id(i64),
    Name(String),
}

impl TryFrom<RawIdOrName> for IdOrName {
    type Error = String;

    fn try_from(raw: RawIdOrName) -> Result<Self, Self::Error> {
        match raw {
            RawIdOrName::Id(n) if n < 1 => Err(format!(
                "{n} is not an id: ids are positive numbers (or give the name)"
            )),
            RawIdOrName::Name(s) if s.trim().is_empty() => {
                Err("a name must not be blank: give the id or the name".into())
            }
            RawIdOrName::Id(n) => Ok(IdOrName::Id(n)),
            RawIdOrName::Name(s) => Ok(IdOrName::Name(s)),
        }
    }
}

/// One value or a list of values.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    pub fn to_vec(&self) -> Vec<T> {
        match self {
            OneOrMany::One(t) => vec![t.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

impl OneOrMany<IdOrName> {
    /// The values, with a comma-separated name ("open,reopened" or "2,3", as prompts written
    /// for other helpdesk servers send a list) split into its parts; digits become ids.
    pub fn split_commas(&self) -> Vec<IdOrName> {
        self.to_vec()
            .into_iter()
            .flat_map(|v| match v {
                IdOrName::Name(s) if s.contains(',') => s
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| match p.parse::<i64>() {
                        Ok(n) => IdOrName::Id(n),
                        Err(_) => IdOrName::Name(p.to_string()),
                    })
                    .collect(),
                other => vec![other],
            })
            .collect()
    }
}

/// Most tags one call may set.
pub const MAX_TAGS: usize = 100;
/// Most addresses one recipient list (cc, bcc, notify) may hold.
pub const MAX_ADDRESSES: usize = 50;

/// `validator` rule for a list of tags: at most [`MAX_TAGS`], each 1-255 characters.
pub fn tag_list(tags: &[String]) -> Result<(), validator::ValidationError> {
    let fail = |msg: String| {
        let mut e = validator::ValidationError::new("tags");
        e.message = Some(msg.into());
        Err(e)
    };
    if tags.len() > MAX_TAGS {
        return fail(format!(
            "{} tags in one call; at most {MAX_TAGS}",
            tags.len()
        ));
    }
    if let Some(t) = tags
        .iter()
        .find(|t| t.trim().is_empty() || t.chars().count() > 255)
    {
        let shown: String = t.chars().take(40).collect();
        return fail(format!(
            "\"{shown}\" is not a tag: each tag is 1 to 255 characters"
        ));
    }
    Ok(())
}

/// `validator` rule for a list of e-mail addresses: at most [`MAX_ADDRESSES`], each valid.
pub fn address_list(addresses: &[String]) -> Result<(), validator::ValidationError> {
    use validator::ValidateEmail;
    let fail = |msg: String| {
        let mut e = validator::ValidationError::new("email");
        e.message = Some(msg.into());
        Err(e)
    };
    if addresses.len() > MAX_ADDRESSES {
        return fail(format!(
            "{} addresses; at most {MAX_ADDRESSES}",
            addresses.len()
        ));
    }
    if let Some(a) = addresses.iter().find(|a| !a.validate_email()) {
        let shown: String = a.chars().take(80).collect();
        return fail(format!(
            "\"{shown}\" is not an e-mail address (name@example.com)"
        ));
    }
    Ok(())
}

/// Runs the `validator` rules of a tool's arguments; the error names each bad field.
pub fn validated<T: validator::Validate>(p: &T) -> crate::error::Result<()> {
    p.validate().map_err(crate::error::Error::from)
}

/// A tool's arguments as recorded in the audit log and bound by confirmations: what the agent
/// asked for, without the output format, the confirmation token or absent fields.
pub fn args_of<T: serde::Serialize>(p: &T) -> serde_json::Value {
    let mut v = serde_json::to_value(p).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(m) = &mut v {
        m.remove("response_format");
        m.remove("confirmation_token");
        m.retain(|_, v| !v.is_null());
    }
    v
}

/// Implements `PolicyView` for read tools' argument structs: policy sees the arguments as
/// given.
macro_rules! as_given_view {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::policy::catalog::PolicyView for $t {
            fn view(&self) -> $crate::error::Result<serde_json::Value> {
                Ok($crate::mcp::params::args_of(self))
            }
        }
    )*};
}
pub(crate) use as_given_view;
