//! The company and contact tools: get, search, create, update; contacts can be deleted
//! (Autotask deletes contacts under their company's URL).
//!
//! Must not: know endpoint paths or Autotask's field names (`api/`, `models.rs` do).

use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::{tool, tool_router};

use super::super::api::entities::{COMPANIES, CONTACTS};
use super::super::models::Given;
use super::engine::{Change, Op, fill_defaults, something_to_change};
use super::params::*;
use super::render::{self, AtObject};
use super::{
    CREATE_COMPANY, CREATE_CONTACT, DELETE_CONTACT, GET_COMPANY, GET_CONTACT, SEARCH_COMPANIES,
    SEARCH_CONTACTS, UPDATE_COMPANY, UPDATE_CONTACT,
};
use crate::autotask_given;
use crate::error::{Error, Result};
use crate::mcp::HelpdeskOperator;
use crate::mcp::guard::{CallCtx, Outcome, WriteRequest};
use crate::mcp::output::{read_tool, write_tool};
use crate::mcp::params::Parameters;

fn company_given(f: &CompanyFields) -> Vec<(&'static str, Given)> {
    autotask_given![
        ("name", f.name),
        ("company_type", f.company_type),
        ("phone", f.phone),
        ("owner", f.owner),
        ("active", f.active),
        ("address1", f.address1),
        ("address2", f.address2),
        ("city", f.city),
        ("state", f.state),
        ("postal_code", f.postal_code),
        ("web_address", f.web_address),
        ("parent_company", f.parent_company),
    ]
}

fn contact_given(f: &ContactFields) -> Vec<(&'static str, Given)> {
    autotask_given![
        ("first_name", f.first_name),
        ("last_name", f.last_name),
        ("email", f.email),
        ("phone", f.phone),
        ("mobile_phone", f.mobile_phone),
        ("title", f.title),
        ("active", f.active),
        ("primary_contact", f.primary_contact),
    ]
}

#[tool_router(router = autotask_companies_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// Get one Autotask company by id, with its type, owner and parent by label and name.
    #[tool(output_schema = render::object_schema())]
    pub async fn autotask_get_company(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| self.at_get(&GET_COMPANY, &COMPANIES, p.id)).await
    }

    /// Search Autotask companies: query (text in the name), active_only, and `conditions`
    /// ({op, field, value}; see autotask_search_tickets). Up to 500 a page.
    #[tool(output_schema = render::list_schema())]
    pub async fn autotask_search_companies(
        &self,
        Parameters(p): Parameters<SearchParams>,
    ) -> CallToolResult {
        read_tool(p, |p| self.at_search_with(&SEARCH_COMPANIES, &COMPANIES, p)).await
    }

    /// Create an Autotask company: name, and phone, company_type (label; default the
    /// instance's), owner (default the API user). Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_create_company(
        &self,
        Parameters(p): Parameters<CreateCompanyParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| self.create_company(p, call)).await
    }

    /// Change an Autotask company: company_id plus the fields to change. Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_update_company(
        &self,
        Parameters(p): Parameters<UpdateCompanyParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            let c = self.at_client().await?;
            let r = c
                .resolve_params(&COMPANIES, company_given(&p.fields))
                .await?;
            something_to_change(&r, "company")?;
            let before = c.get_existing(&COMPANIES, p.company_id).await?;
            let mut change = Change::new(&COMPANIES, Op::Update { id: p.company_id }, r);
            change.before = Some(before);
            self.at_write(&UPDATE_COMPANY, &p, call, change).await
        })
        .await
    }

    /// Get one Autotask contact by id, with its company by name.
    #[tool(output_schema = render::object_schema())]
    pub async fn autotask_get_contact(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| self.at_get(&GET_CONTACT, &CONTACTS, p.id)).await
    }

    /// Search Autotask contacts: query (first name, last name or e-mail contains), company,
    /// active_only, and `conditions` (see autotask_search_tickets). Up to 500 a page.
    #[tool(output_schema = render::list_schema())]
    pub async fn autotask_search_contacts(
        &self,
        Parameters(p): Parameters<SearchParams>,
    ) -> CallToolResult {
        read_tool(p, |p| self.at_search_with(&SEARCH_CONTACTS, &CONTACTS, p)).await
    }

    /// Create a contact at an Autotask company: first_name, last_name, and e-mail, phones,
    /// title (active unless active=false). Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_create_contact(
        &self,
        Parameters(p): Parameters<CreateContactParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| self.create_contact(p, call)).await
    }

    /// Change an Autotask contact: contact_id plus the fields to change. Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_update_contact(
        &self,
        Parameters(p): Parameters<UpdateContactParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            let c = self.at_client().await?;
            let r = c
                .resolve_params(&CONTACTS, contact_given(&p.fields))
                .await?;
            something_to_change(&r, "contact")?;
            let before = c.get_existing(&CONTACTS, p.contact_id).await?;
            let mut change = Change::new(&CONTACTS, Op::Update { id: p.contact_id }, r);
            change.before = Some(before);
            self.at_write(&UPDATE_CONTACT, &p, call, change).await
        })
        .await
    }

    /// Delete an Autotask contact (it cannot be undone; asks for confirmation under the
    /// default policy). Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_delete_contact(
        &self,
        Parameters(p): Parameters<DeleteParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            self.at_delete(&DELETE_CONTACT, &p, call, &CONTACTS, p.id)
                .await
        })
        .await
    }
}

impl HelpdeskOperator {
    async fn create_company(
        &self,
        p: CreateCompanyParams,
        call: CallCtx,
    ) -> Result<Outcome<AtObject>> {
        if p.fields.name.is_none() {
            return Err(Error::invalid("name", "is required to create a company"));
        }
        let c = self.at_client().await?;
        let mut r = c
            .resolve_params(&COMPANIES, company_given(&p.fields))
            .await?;
        let mut notes = Vec::new();
        fill_defaults(&c, &COMPANIES, &mut r, &mut notes).await?;
        let mut change = Change::new(&COMPANIES, Op::Create { parent: None }, r);
        change.notes = notes;
        self.at_write(&CREATE_COMPANY, &p, call, change).await
    }

    async fn create_contact(
        &self,
        p: CreateContactParams,
        call: CallCtx,
    ) -> Result<Outcome<AtObject>> {
        for (name, v) in [
            ("first_name", &p.fields.first_name),
            ("last_name", &p.fields.last_name),
        ] {
            if v.is_none() {
                return Err(Error::invalid(name, "is required to create a contact"));
            }
        }
        let c = self.at_client().await?;
        let mut given = contact_given(&p.fields);
        if p.fields.active.is_none() {
            given.push(("active", Given::Bool(true)));
        }
        given.push(("company", Given::Named(p.company.clone())));
        let mut r = c.resolve_params(&CONTACTS, given).await?;
        let company = r.view.get("company").and_then(serde_json::Value::as_i64);
        let mut notes = Vec::new();
        fill_defaults(&c, &CONTACTS, &mut r, &mut notes).await?;
        let mut change = Change::new(&CONTACTS, Op::Create { parent: company }, r);
        change.notes = notes;
        self.at_write(&CREATE_CONTACT, &p, call, change).await
    }
}
