//! The company tools: list, get, create, update.
//!
//! Must not: know endpoint paths or Freshdesk's field names (`api/`, `models.rs` do).

use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::{tool, tool_router};

use super::super::models::CompanyBody;
use super::super::session::FreshdeskSession;
use super::super::shapes;
use super::render::obj;
use super::{CREATE_COMPANY, GET_COMPANY, LIST_COMPANIES, UPDATE_COMPANY};
use super::{paging, params::*};
use crate::error::{Error, Result};
use crate::mcp::HelpdeskOperator;
use crate::mcp::guard::{WriteRequest, WriteSpec};
use crate::mcp::output::{read_tool, write_tool};
use crate::mcp::params::Parameters;
use crate::policy::catalog::PolicyView;
use crate::policy::catalog::ToolMeta;

const COMPANY_TOOLS: [&ToolMeta; 2] = [&CREATE_COMPANY, &UPDATE_COMPANY];
const NOTHING_TO_CHANGE: &str =
    "nothing to change: give at least one of name, description, domains, note";

/// Refuses create arguments that name a company, and update arguments that do not.
fn check_company_write(p: &CompanyParams, create: bool) -> Result<()> {
    if create && p.company_id.is_some() {
        let message = "is for updates; use freshdesk_update_company";
        return Err(Error::invalid("company_id", message));
    }
    if create && p.name.is_none() {
        return Err(Error::invalid("name", "is required to create a company"));
    }
    if !create && p.company_id.is_none() {
        return Err(Error::invalid(
            "company_id",
            "is required to update a company",
        ));
    }
    Ok(())
}

#[tool_router(router = freshdesk_companies_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// List Freshdesk companies, one page at a time.
    #[tool(
        output_schema = shapes::list::<shapes::Company>()
    )]
    pub async fn freshdesk_list_companies(
        &self,
        Parameters(p): Parameters<ListParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            let page = paging(p.page, p.per_page);
            self.list_page(&LIST_COMPANIES, "companies", move |c| async move {
                c.list_companies(page).await
            })
        })
        .await
    }

    /// Get one Freshdesk company by id: name, domains, description, note, custom fields.
    #[tool(
        output_schema = shapes::object::<shapes::Company>()
    )]
    pub async fn freshdesk_get_company(
        &self,
        Parameters(p): Parameters<IdParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            let id = p.id;
            self.get_one(&GET_COMPANY, "company", move |c| async move {
                c.get_company(id).await
            })
        })
        .await
    }

    /// Create a Freshdesk company (a unique name). Returns it with its id. Requires an intent.
    #[tool(
        output_schema = shapes::write::<shapes::Company>()
    )]
    pub async fn freshdesk_create_company(
        &self,
        Parameters(p): Parameters<CompanyParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        self.company_write(p, request, true).await
    }

    /// Change a Freshdesk company (company_id plus the fields to change). Requires an intent.
    #[tool(
        output_schema = shapes::write::<shapes::Company>()
    )]
    pub async fn freshdesk_update_company(
        &self,
        Parameters(p): Parameters<CompanyParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        self.company_write(p, request, false).await
    }
}

impl HelpdeskOperator {
    async fn company_write(
        &self,
        p: CompanyParams,
        request: WriteRequest,
        create: bool,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            check_company_write(&p, create)?;
            let body = CompanyBody {
                name: p.name.clone(),
                description: p.description.clone(),
                note: p.note.clone(),
                domains: p.domains.clone(),
            };
            if !create && body == CompanyBody::default() {
                return Err(Error::invalid("arguments", NOTHING_TO_CHANGE));
            }
            let id = p.company_id;
            let tool = super::create_or_update(create, COMPANY_TOOLS);
            let spec = WriteSpec::of(tool, &p, id, p.view()?);
            self.core
                .write(
                    spec,
                    call,
                    |s| async move {
                        match id {
                            Some(i) => Ok(Some(s.freshdesk()?.get_company(i).await?)),
                            None => Ok(None),
                        }
                    },
                    |s, _| async move {
                        let client = s.freshdesk()?;
                        let created = match id {
                            None => client.create_company_once(&body).await?,
                            Some(i) => super::updated(client.update_company(i, &body).await?),
                        };
                        let cid = created.id();
                        let message = super::saved_message(create, "company", cid);
                        let value = obj("company", created.object.clone(), message);
                        Ok(super::written(created, value, cid))
                    },
                )
                .await
        })
        .await
    }
}
