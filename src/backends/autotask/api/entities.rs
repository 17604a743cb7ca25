//! The Autotask entities the tools use: their paths, how a child is created and changed under
//! its parent (`Tickets/{id}/Notes`, `Companies/{id}/Contacts`, `Projects/{id}/Tasks`), which
//! can be deleted, the names Autotask's metadata gives them (`referenceEntityType`) and the
//! fields that name one of them to a person.
//!
//! Must not: send anything (the other `api/` files do).

/// Where a child entity is created, changed and deleted: under its parent's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parent {
    /// The parent's path: `Tickets`.
    pub path: &'static str,
    /// The child's field that holds the parent's id: `ticketID`.
    pub field: &'static str,
    /// The child's segment under the parent: `Notes`.
    pub segment: &'static str,
}

/// One entity of the REST API.
#[derive(Debug, PartialEq, Eq)]
pub struct Entity {
    /// Its path: `Tickets` (also the endpoint of the concurrency gate).
    pub path: &'static str,
    /// As a person says it: `ticket`, `ticket note`.
    pub one: &'static str,
    pub many: &'static str,
    /// As `referenceEntityType` in field metadata names it: `Ticket`.
    pub reference: &'static str,
    /// Fields whose values, joined by a space, name one to a person.
    pub name_fields: &'static [&'static str],
    /// Fields customers may write (shown marked as untrusted).
    pub customer_text: &'static [&'static str],
    /// Created and changed under a parent (None: at its own path).
    pub parent: Option<Parent>,
    /// Whether the API can create, change and delete it.
    pub create: bool,
    pub update: bool,
    pub delete: bool,
}

const fn entity(path: &'static str, one: &'static str, many: &'static str) -> Entity {
    Entity {
        path,
        one,
        many,
        reference: "",
        name_fields: &[],
        customer_text: &[],
        parent: None,
        create: true,
        update: true,
        delete: false,
    }
}

pub static TICKETS: Entity = Entity {
    reference: "Ticket",
    name_fields: &["ticketNumber", "title"],
    customer_text: &["title", "description"],
    ..entity("Tickets", "ticket", "tickets")
};
pub static TICKET_NOTES: Entity = Entity {
    reference: "TicketNote",
    name_fields: &["title"],
    customer_text: &["title", "description"],
    parent: Some(Parent {
        path: "Tickets",
        field: "ticketID",
        segment: "Notes",
    }),
    ..entity("TicketNotes", "ticket note", "ticket notes")
};
pub static COMPANIES: Entity = Entity {
    reference: "Company",
    name_fields: &["companyName"],
    ..entity("Companies", "company", "companies")
};
pub static CONTACTS: Entity = Entity {
    reference: "Contact",
    name_fields: &["firstName", "lastName"],
    parent: Some(Parent {
        path: "Companies",
        field: "companyID",
        segment: "Contacts",
    }),
    delete: true,
    ..entity("Contacts", "contact", "contacts")
};
pub static PROJECTS: Entity = Entity {
    reference: "Project",
    name_fields: &["projectName"],
    ..entity("Projects", "project", "projects")
};
pub static TASKS: Entity = Entity {
    reference: "Task",
    name_fields: &["title"],
    parent: Some(Parent {
        path: "Projects",
        field: "projectID",
        segment: "Tasks",
    }),
    ..entity("Tasks", "task", "tasks")
};
pub static TIME_ENTRIES: Entity = Entity {
    reference: "TimeEntry",
    name_fields: &["summaryNotes"],
    delete: true,
    ..entity("TimeEntries", "time entry", "time entries")
};
pub static CONFIGURATION_ITEMS: Entity = Entity {
    reference: "ConfigurationItem",
    name_fields: &["referenceTitle"],
    ..entity(
        "ConfigurationItems",
        "configuration item",
        "configuration items",
    )
};
pub static CONTRACTS: Entity = Entity {
    reference: "Contract",
    name_fields: &["contractName"],
    ..entity("Contracts", "contract", "contracts")
};
pub static OPPORTUNITIES: Entity = Entity {
    reference: "Opportunity",
    name_fields: &["title"],
    ..entity("Opportunities", "opportunity", "opportunities")
};
pub static RESOURCES: Entity = Entity {
    reference: "Resource",
    name_fields: &["firstName", "lastName"],
    create: false,
    ..entity("Resources", "resource", "resources")
};
pub static ROLES: Entity = Entity {
    reference: "Role",
    name_fields: &["name"],
    create: false,
    update: false,
    ..entity("Roles", "role", "roles")
};
pub static SERVICE_DESK_ROLES: Entity = Entity {
    reference: "ResourceServiceDeskRole",
    create: false,
    update: false,
    ..entity(
        "ResourceServiceDeskRoles",
        "service desk role",
        "service desk roles",
    )
};
pub static PRODUCTS: Entity = Entity {
    reference: "Product",
    name_fields: &["name"],
    create: false,
    update: false,
    ..entity("Products", "product", "products")
};

/// Every entity, for `autotask_get_field_info` and for naming references.
pub static ALL: &[&Entity] = &[
    &TICKETS,
    &TICKET_NOTES,
    &COMPANIES,
    &CONTACTS,
    &PROJECTS,
    &TASKS,
    &TIME_ENTRIES,
    &CONFIGURATION_ITEMS,
    &CONTRACTS,
    &OPPORTUNITIES,
    &RESOURCES,
    &ROLES,
    &SERVICE_DESK_ROLES,
    &PRODUCTS,
];

/// The entity a `referenceEntityType` names, when the tools know it.
pub fn by_reference(reference: &str) -> Option<&'static Entity> {
    ALL.iter()
        .copied()
        .find(|e| e.reference.eq_ignore_ascii_case(reference))
}

/// The entity a person names: `tickets`, `Ticket`, `ticket note`, `TimeEntries`.
pub fn by_name(name: &str) -> Option<&'static Entity> {
    let n: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    ALL.iter().copied().find(|e| {
        let squash = |s: &str| s.replace(' ', "").to_ascii_lowercase();
        e.path.eq_ignore_ascii_case(&n)
            || e.reference.eq_ignore_ascii_case(&n)
            || squash(e.one) == n
            || squash(e.many) == n
    })
}

impl Entity {
    /// Where it is created and changed: `Tickets`, or `Tickets/5/Notes` under its parent.
    pub fn write_path(&self, parent_id: Option<i64>) -> Option<String> {
        match (self.parent, parent_id) {
            (None, _) => Some(self.path.to_string()),
            (Some(p), Some(id)) => Some(format!("{}/{id}/{}", p.path, p.segment)),
            (Some(_), None) => None,
        }
    }

    /// Where one is deleted.
    pub fn delete_path(&self, parent_id: Option<i64>, id: i64) -> Option<String> {
        self.write_path(parent_id).map(|p| format!("{p}/{id}"))
    }
}

/// The text fields a search's `query` looks in, per entity.
pub fn search_fields(entity: &Entity) -> &'static [&'static str] {
    match entity.path {
        "Companies" => &["companyName"],
        "Contacts" => &["firstName", "lastName", "emailAddress"],
        "Resources" => &["firstName", "lastName", "email", "userName"],
        "Projects" => &["projectName"],
        "Tasks" | "Opportunities" => &["title"],
        "TimeEntries" => &["summaryNotes"],
        "ConfigurationItems" => &["referenceTitle", "serialNumber"],
        "Contracts" => &["contractName"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths() {
        assert_eq!(by_name("ticket notes").map(|e| e.path), Some("TicketNotes"));
        assert_eq!(by_name("TimeEntries").map(|e| e.path), Some("TimeEntries"));
        assert_eq!(by_name("Company").map(|e| e.path), Some("Companies"));
        assert_eq!(by_reference("Resource").map(|e| e.path), Some("Resources"));
        assert_eq!(
            CONTACTS.write_path(Some(5)).as_deref(),
            Some("Companies/5/Contacts")
        );
        assert_eq!(CONTACTS.write_path(None), None);
        assert_eq!(
            TIME_ENTRIES.delete_path(None, 9).as_deref(),
            Some("TimeEntries/9")
        );
    }
}
