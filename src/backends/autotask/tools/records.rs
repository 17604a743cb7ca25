//! The configuration item, contract, opportunity and resource tools: get and search for
//! all; create and update for configuration items and opportunities (Autotask has no delete
//! for them, and resources cannot be created through the API).
//!
//! Must not: know endpoint paths or Autotask's field names (`api/`, `models.rs` do).

use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::{tool, tool_router};

use super::super::api::entities::{CONFIGURATION_ITEMS, CONTRACTS, OPPORTUNITIES, RESOURCES};
use super::super::models::Given;
use super::engine::{Change, Op, fill_defaults, something_to_change};
use super::params::*;
use super::render::{self, AtObject};
use super::{
    CREATE_CONFIGURATION_ITEM, CREATE_OPPORTUNITY, GET_CONFIGURATION_ITEM, GET_CONTRACT,
    GET_OPPORTUNITY, GET_RESOURCE, SEARCH_CONFIGURATION_ITEMS, SEARCH_CONTRACTS,
    SEARCH_OPPORTUNITIES, SEARCH_RESOURCES, UPDATE_CONFIGURATION_ITEM, UPDATE_OPPORTUNITY,
};
use crate::autotask_given;
use crate::error::{Error, Result};
use crate::mcp::HelpdeskOperator;
use crate::mcp::guard::{CallCtx, Outcome, WriteRequest};
use crate::mcp::output::{read_tool, write_tool};
use crate::mcp::params::Parameters;

fn ci_given(f: &ConfigurationItemFields) -> Vec<(&'static str, Given)> {
    autotask_given![
        ("name", f.name),
        ("product", f.product),
        ("serial_number", f.serial_number),
        ("reference_number", f.reference_number),
        ("item_type", f.item_type),
        ("active", f.active),
        ("install_date", f.install_date),
        ("warranty_expiration", f.warranty_expiration),
        ("contact", f.contact),
        ("location", f.location),
        ("notes", f.notes),
    ]
}

fn opportunity_given(f: &OpportunityFields) -> Vec<(&'static str, Given)> {
    autotask_given![
        ("title", f.title),
        ("contact", f.contact),
        ("owner", f.owner),
        ("amount", f.amount),
        ("cost", f.cost),
        ("probability", f.probability),
        ("projected_close", f.projected_close),
        ("stage", f.stage),
        ("status", f.status),
        ("use_quote_totals", f.use_quote_totals),
        ("description", f.description),
    ]
}

#[tool_router(router = autotask_records_router, vis = "pub(super)")]
impl HelpdeskOperator {
    /// Get one Autotask configuration item (a managed device or asset) by id.
    #[tool(output_schema = render::object_schema())]
    pub async fn autotask_get_configuration_item(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.at_get(&GET_CONFIGURATION_ITEM, &CONFIGURATION_ITEMS, p.id)
        })
        .await
    }

    /// Search Autotask configuration items: query (reference title or serial number
    /// contains), company, active_only, and `conditions` (see autotask_search_tickets).
    #[tool(output_schema = render::list_schema())]
    pub async fn autotask_search_configuration_items(
        &self,
        Parameters(p): Parameters<SearchParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.at_search_with(&SEARCH_CONFIGURATION_ITEMS, &CONFIGURATION_ITEMS, p)
        })
        .await
    }

    /// Create an Autotask configuration item for a company: name (reference title) and
    /// product (id or name), serial number, type by label. Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_create_configuration_item(
        &self,
        Parameters(p): Parameters<CreateConfigurationItemParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| self.create_ci(p, call)).await
    }

    /// Change an Autotask configuration item: configuration_item_id plus the fields to change.
    /// Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_update_configuration_item(
        &self,
        Parameters(p): Parameters<UpdateConfigurationItemParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            let c = self.at_client().await?;
            let r = c
                .resolve_params(&CONFIGURATION_ITEMS, ci_given(&p.fields))
                .await?;
            something_to_change(&r, "configuration item")?;
            let id = p.configuration_item_id;
            let before = c.get_existing(&CONFIGURATION_ITEMS, id).await?;
            let mut change = Change::new(&CONFIGURATION_ITEMS, Op::Update { id }, r);
            change.before = Some(before);
            self.at_write(&UPDATE_CONFIGURATION_ITEM, &p, call, change)
                .await
        })
        .await
    }

    /// Get one Autotask contract by id, with type, category, status and company by label and
    /// name.
    #[tool(output_schema = render::object_schema())]
    pub async fn autotask_get_contract(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| self.at_get(&GET_CONTRACT, &CONTRACTS, p.id)).await
    }

    /// Search Autotask contracts: query (text in the name), company, and `conditions` (see
    /// autotask_search_tickets).
    #[tool(output_schema = render::list_schema())]
    pub async fn autotask_search_contracts(
        &self,
        Parameters(p): Parameters<SearchParams>,
    ) -> CallToolResult {
        read_tool(p, |p| self.at_search_with(&SEARCH_CONTRACTS, &CONTRACTS, p)).await
    }

    /// Get one Autotask opportunity by id, with stage, status, company and owner by label and
    /// name.
    #[tool(output_schema = render::object_schema())]
    pub async fn autotask_get_opportunity(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| self.at_get(&GET_OPPORTUNITY, &OPPORTUNITIES, p.id)).await
    }

    /// Search Autotask opportunities: query (text in the title), company, and `conditions`
    /// (see autotask_search_tickets).
    #[tool(output_schema = render::list_schema())]
    pub async fn autotask_search_opportunities(
        &self,
        Parameters(p): Parameters<SearchParams>,
    ) -> CallToolResult {
        read_tool(p, |p| {
            self.at_search_with(&SEARCH_OPPORTUNITIES, &OPPORTUNITIES, p)
        })
        .await
    }

    /// Create an Autotask opportunity for a company: title and projected_close (ISO date);
    /// amount, cost (default 0), probability (default 50), stage and status by label (default
    /// the instance's), owner (default the API user). Requires an intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_create_opportunity(
        &self,
        Parameters(p): Parameters<CreateOpportunityParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| self.create_opportunity(p, call)).await
    }

    /// Change an Autotask opportunity: opportunity_id plus the fields to change. Requires an
    /// intent.
    #[tool(output_schema = render::write_schema())]
    pub async fn autotask_update_opportunity(
        &self,
        Parameters(p): Parameters<UpdateOpportunityParams>,
        request: WriteRequest,
    ) -> CallToolResponse {
        write_tool(request, p, |p, call| async move {
            let c = self.at_client().await?;
            let r = c
                .resolve_params(&OPPORTUNITIES, opportunity_given(&p.fields))
                .await?;
            something_to_change(&r, "opportunity")?;
            let id = p.opportunity_id;
            let before = c.get_existing(&OPPORTUNITIES, id).await?;
            let mut change = Change::new(&OPPORTUNITIES, Op::Update { id }, r);
            change.before = Some(before);
            self.at_write(&UPDATE_OPPORTUNITY, &p, call, change).await
        })
        .await
    }

    /// Get one Autotask resource (a technician or other user) by id.
    #[tool(output_schema = render::object_schema())]
    pub async fn autotask_get_resource(
        &self,
        Parameters(p): Parameters<GetParams>,
    ) -> CallToolResult {
        read_tool(p, |p| self.at_get(&GET_RESOURCE, &RESOURCES, p.id)).await
    }

    /// Search Autotask resources: query (first name, last name, e-mail or username
    /// contains), active_only, and `conditions` (see autotask_search_tickets).
    #[tool(output_schema = render::list_schema())]
    pub async fn autotask_search_resources(
        &self,
        Parameters(p): Parameters<SearchParams>,
    ) -> CallToolResult {
        read_tool(p, |p| self.at_search_with(&SEARCH_RESOURCES, &RESOURCES, p)).await
    }
}

impl HelpdeskOperator {
    async fn create_ci(
        &self,
        p: CreateConfigurationItemParams,
        call: CallCtx,
    ) -> Result<Outcome<AtObject>> {
        for (name, given) in [
            ("name", p.fields.name.is_some()),
            ("product", p.fields.product.is_some()),
        ] {
            if !given {
                return Err(Error::invalid(
                    name,
                    "is required to create a configuration item",
                ));
            }
        }
        let c = self.at_client().await?;
        let mut given = ci_given(&p.fields);
        if p.fields.active.is_none() {
            given.push(("active", Given::Bool(true)));
        }
        given.push(("company", Given::Named(p.company.clone())));
        let mut r = c.resolve_params(&CONFIGURATION_ITEMS, given).await?;
        let mut notes = Vec::new();
        fill_defaults(&c, &CONFIGURATION_ITEMS, &mut r, &mut notes).await?;
        let mut change = Change::new(&CONFIGURATION_ITEMS, Op::Create { parent: None }, r);
        change.notes = notes;
        self.at_write(&CREATE_CONFIGURATION_ITEM, &p, call, change)
            .await
    }

    async fn create_opportunity(
        &self,
        p: CreateOpportunityParams,
        call: CallCtx,
    ) -> Result<Outcome<AtObject>> {
        let f = &p.fields;
        if f.title.is_none() {
            return Err(Error::invalid(
                "title",
                "is required to create an opportunity",
            ));
        }
        if f.projected_close.is_none() {
            return Err(Error::invalid(
                "projected_close",
                "is required to create an opportunity (an ISO date)",
            ));
        }
        let c = self.at_client().await?;
        let mut given = opportunity_given(f);
        let mut notes = Vec::new();
        for (name, value, default) in [
            ("amount", f.amount.is_none(), Given::Number(0.0)),
            ("cost", f.cost.is_none(), Given::Number(0.0)),
            ("probability", f.probability.is_none(), Given::Int(50)),
            (
                "use_quote_totals",
                f.use_quote_totals.is_none(),
                Given::Bool(false),
            ),
        ] {
            if value {
                notes.push(format!("{name} {}", shown(&default)));
                given.push((name, default));
            }
        }
        given.push(("company", Given::Named(p.company.clone())));
        let mut r = c.resolve_params(&OPPORTUNITIES, given).await?;
        fill_defaults(&c, &OPPORTUNITIES, &mut r, &mut notes).await?;
        let mut change = Change::new(&OPPORTUNITIES, Op::Create { parent: None }, r);
        change.notes = notes;
        self.at_write(&CREATE_OPPORTUNITY, &p, call, change).await
    }
}

fn shown(g: &Given) -> String {
    match g {
        Given::Number(n) => n.to_string(),
        Given::Int(n) => n.to_string(),
        Given::Bool(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}
