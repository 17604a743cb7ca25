//! The contact tools: list, get, search, create, update.
//!
//! Must not: know endpoint paths or Freshdesk's field names (`api/`, `models.rs` do).

use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::{tool, tool_router};
use serde_json::json;

use super::super::api::ContactQuery;
use super::super::api::search::{self, ContactCriteria, Quoted};
use super::super::models::ContactBody;
use super::super::session::FreshdeskSession;
use super::super::{resolve, shapes};
use super::render::{obj, search_out};
use super::{CREATE_CONTACT, GET_CONTACT, LIST_CONTACTS, SEARCH_CONTACTS, UPDATE_CONTACT};
use super::{paging, params::*};
use crate::error::{Error, Result};
use crate::mcp::HelpdeskOperator;
use crate::mcp::guard::{WriteRequest, WriteSpec};
use crate::mcp::output::{read_tool, write_tool};
use crate::mcp::params::Parameters;
use crate::policy::catalog::PolicyView;
use crate::policy::catalog::ToolMeta;

const CONTACT_TOOLS: [&ToolMeta; 2] = [&CREATE_CONTACT, &UPDATE_CONTACT];
const NEEDS_A_WAY_TO_REACH: &str = "a contact needs an email, phone or mobile";
const NOTHING_TO_CHANGE: &str =
    "nothing to change: give at least one of name, email, phone, mobile, company, job_title, tags";

/// Refuses create arguments that name a contact, and update arguments that do not.
fn check_contact_write(p: &ContactParams, create: bool) -> Result<()> {
    if !create {
        return match p.contact_id {
            None => Err(Error::invalid(
                "contact_id",
                "is required to update a contact",
            )),
            Some(_) => Ok(()),
        };
    }
    if p.contact_id.is_some() {
        let message = "is for updates; use freshdesk_update_contact";
        return Err(Error::invalid("contact_id", message));
    }
    if p.name.is_none() {
        return Err(Error::invalid("name", "is required to create a contact"));
    }
    if p.email.is_none() && p.phone.is_none() && p.mobile.is_none() {
        return Err(Error::invalid("email", NEEDS_A_WAY_TO_REACH));
    }
    Ok(())
}

#[tool_router(router = freshdesk_contacts_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// List Freshdesk contacts, filtered by e-mail, phone, company or state.
    #[tool(
        output_schema = shapes::list::<shapes::Contact>()
    )]
    pub async fn freshdesk_list_contacts(
        &self,
        Parameters(p): Parameters<ListContactsParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.list_page(&LIST_CONTACTS, "contacts", move |c| async move {
                let company = match &p.company {
                    Some(co) => Some(resolve::company(&*c.refs(false).await?, co)?),
                    None => None,
                };
                let q = ContactQuery {
                    email: p.email.clone(),
                    phone: p.phone.clone(),
                    company,
                    state: p.state,
                };
                c.list_contacts(&q, paging(p.page, p.per_page)).await
            })
        })
        .await
    }

    /// Get one Freshdesk contact by id: name, e-mail, phones, company, tags, custom fields.
    #[tool(
        output_schema = shapes::object::<shapes::Contact>()
    )]
    pub async fn freshdesk_get_contact(
        &self,
        Parameters(p): Parameters<IdParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            let id = p.id;
            self.get_one(&GET_CONTACT, "contact", move |c| async move {
                c.get_contact(id).await
            })
        })
        .await
    }

    /// Search Freshdesk contacts by e-mail, phone, company or creation date.
    #[tool(
        output_schema = shapes::list::<shapes::Contact>()
    )]
    pub async fn freshdesk_search_contacts(
        &self,
        Parameters(p): Parameters<SearchContactsParams>,
    ) -> CallToolResult {
        read_tool(p, |p| async move {
            if let Some(d) = &p.created_after {
                parse_day("created_after", d)?;
            }
            self.core
                .read(&SEARCH_CONTACTS, |s| async move {
                    let c = s.freshdesk()?;
                    let phone = p.phone.as_deref().map(Quoted::phone);
                    let criteria = ContactCriteria {
                        email: p.email.clone(),
                        phone: phone.transpose()?,
                        company: match &p.company {
                            Some(co) => Some(resolve::company(&*c.refs(false).await?, co)?),
                            None => None,
                        },
                        created_after: p
                            .created_after
                            .as_deref()
                            .map(|d| parse_day("created_after", d))
                            .transpose()?,
                    };
                    let query = search::contact_query(&criteria)?;
                    let page = p.page.unwrap_or(1);
                    let found = c.search_contacts(&query, page).await?;
                    Ok(search_out("contacts", found, page, query))
                })
                .await
        })
        .await
    }

    /// Create a Freshdesk contact (name and an e-mail or phone). Returns it with its id.
    /// Requires an intent.
    #[tool(
        output_schema = shapes::write::<shapes::Contact>()
    )]
    pub async fn freshdesk_create_contact(
        &self,
        Parameters(p): Parameters<ContactParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        self.contact_write(p, request, true).await
    }

    /// Change a Freshdesk contact (contact_id plus the fields to change). Requires an intent.
    #[tool(
        output_schema = shapes::write::<shapes::Contact>()
    )]
    pub async fn freshdesk_update_contact(
        &self,
        Parameters(p): Parameters<ContactParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        self.contact_write(p, request, false).await
    }
}

impl HelpdeskOperator {
    async fn contact_write(
        &self,
        p: ContactParams,
        request: WriteRequest,
        create: bool,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            check_contact_write(&p, create)?;
            let session = self.core.session().await?;
            let client = session.freshdesk()?.clone();
            let mut body = ContactBody {
                name: p.name.clone(),
                email: p.email.clone(),
                phone: p.phone.clone(),
                mobile: p.mobile.clone(),
                job_title: p.job_title.clone(),
                tags: p.tags.clone(),
                company: None,
            };
            let mut view = p.view()?;
            if let Some(co) = &p.company {
                let id = resolve::company(&*client.refs(false).await?, co)?;
                body.company = Some(id);
                view["company"] = json!(id);
            }
            if !create && body == ContactBody::default() {
                return Err(Error::invalid("arguments", NOTHING_TO_CHANGE));
            }
            let id = p.contact_id;
            let tool = super::create_or_update(create, CONTACT_TOOLS);
            let spec = WriteSpec::of(tool, &p, id, view);
            let reader = client.clone();
            self.core
                .write(
                    spec,
                    call,
                    |_| async move {
                        match id {
                            Some(i) => Ok(Some(reader.get_contact(i).await?)),
                            None => Ok(None),
                        }
                    },
                    |_, _| async move {
                        let created = match id {
                            None => client.create_contact_once(&body).await?,
                            Some(i) => super::updated(client.update_contact(i, &body).await?),
                        };
                        let cid = created.id();
                        let message = super::saved_message(create, "contact", cid);
                        let value = obj("contact", created.object.clone(), message);
                        Ok(super::written(created, value, cid))
                    },
                )
                .await
        })
        .await
    }
}
