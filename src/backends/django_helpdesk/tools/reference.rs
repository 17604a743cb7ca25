//! The django-helpdesk reference tools: the queues and users other tools take by id or name.
//!
//! Owns: the two list tools. Must not: name URL paths or upstream fields.

use rmcp::handler::server::common::schema_for_output;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::super::session::DjangoSession;
use super::params::ChoicesParams;
use super::render::{ChoiceList, choice_list};
use super::{GET_QUEUES, GET_USERS};
use crate::mcp::HelpdeskOperator;
use crate::mcp::output::read_tool;
use crate::mcp::params::Parameters;
use crate::policy::catalog::ToolMeta;

/// Which list a tool shows.
#[derive(Debug, Clone, Copy)]
enum List {
    Queues,
    Users,
}

impl HelpdeskOperator {
    async fn django_helpdesk_choices(
        &self,
        tool: &'static ToolMeta,
        p: ChoicesParams,
        list: List,
    ) -> CallToolResult {
        read_tool(p, |p| async move {
            self.core
                .read(tool, |s| async move {
                    let c = s.django()?.choices(p.refresh).await?;
                    let search = p.search.as_deref();
                    Ok(match list {
                        List::Queues => choice_list("queues", &c.queues, search),
                        List::Users => choice_list("users", &c.users, search),
                    })
                })
                .await
        })
        .await
    }
}

#[tool_router(router = django_helpdesk_reference_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// List django-helpdesk queues (id and title), to use their names or ids in other tools.
    /// Read from the ticket form (the API has no queue endpoint) and cached for 60 seconds.
    #[tool(
        output_schema = schema_for_output::<ChoiceList>()
    )]
    pub async fn django_helpdesk_get_queues(
        &self,
        Parameters(p): Parameters<ChoicesParams>,
    ) -> CallToolResult {
        self.django_helpdesk_choices(&GET_QUEUES, p, List::Queues)
            .await
    }

    /// List django-helpdesk users that tickets can be assigned to (id and username). Read
    /// from the ticket form (the API has no user list) and cached for 60 seconds.
    #[tool(
        output_schema = schema_for_output::<ChoiceList>()
    )]
    pub async fn django_helpdesk_get_users(
        &self,
        Parameters(p): Parameters<ChoicesParams>,
    ) -> CallToolResult {
        self.django_helpdesk_choices(&GET_USERS, p, List::Users)
            .await
    }
}
