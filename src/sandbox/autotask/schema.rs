//! The entities the simulator serves and their fields: types, lengths, required and read-only
//! flags, references, picklists (this instance's values), user-defined fields and the verbs
//! each entity allows; and the metadata JSON of `entityInformation`.
//!
//! Owns: [`Entity`], [`Field`], [`Pick`] and the schema table, written in a compact notation
//! (`"companyID l ! >Companies"`: name, type, then flags) read once at start.
//! Must not: validate or store records (`validate` and `store` do).

use std::sync::LazyLock;

use serde_json::{Value, json};

pub(super) use super::picklists::Pick;
use super::picklists::picks;

/// A field's wire type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ty {
    Long,
    Integer,
    Str,
    DateTime,
    Boolean,
    Decimal,
}

impl Ty {
    pub(super) fn name(self) -> &'static str {
        match self {
            Ty::Long => "long",
            Ty::Integer => "integer",
            Ty::Str => "string",
            Ty::DateTime => "datetime",
            Ty::Boolean => "boolean",
            Ty::Decimal => "decimal",
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Field {
    pub(super) name: &'static str,
    pub(super) ty: Ty,
    pub(super) length: usize,
    pub(super) required: bool,
    pub(super) read_only: bool,
    pub(super) queryable: bool,
    /// The entity (path name) a reference points at.
    pub(super) reference: Option<&'static str>,
    pub(super) picklist: Option<&'static [Pick]>,
    /// The field whose value a picklist value's `parent` is.
    pub(super) parent_field: Option<&'static str>,
}

/// An entity as `/ATServicesRest/V1.0/{name}` serves it.
#[derive(Debug)]
pub(super) struct Entity {
    /// As the path and `count` name it: `Tickets`.
    pub(super) name: &'static str,
    /// As `entityInformation` and reference metadata name it: `Ticket`.
    pub(super) singular: &'static str,
    pub(super) fields: Vec<Field>,
    /// User-defined field names (Tickets and Companies have `Customer Ref`).
    pub(super) udfs: &'static [&'static str],
    pub(super) can_create: bool,
    pub(super) can_update: bool,
    pub(super) can_delete: bool,
    /// The first id a created row gets when the table is empty.
    pub(super) first_id: i64,
}

impl Entity {
    /// The field named `name`, case-insensitively.
    pub(super) fn field(&self, name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    pub(super) fn has(&self, name: &str) -> bool {
        self.fields.iter().any(|f| f.name == name)
    }

    /// `{"info": ...}`.
    pub(super) fn info(&self) -> Value {
        let access = |b: bool| if b { "All" } else { "None" };
        json!({"info": {
            "name": self.singular,
            "canCreate": self.can_create,
            "canDelete": self.can_delete,
            "canQuery": true,
            "canUpdate": self.can_update,
            "userAccessForCreate": access(self.can_create),
            "userAccessForDelete": access(self.can_delete),
            "userAccessForQuery": "All",
            "userAccessForUpdate": access(self.can_update),
            "hasUserDefinedFields": !self.udfs.is_empty(),
            "supportsWebhookCallouts": matches!(self.name, "Tickets" | "Companies" | "Contacts"),
        }})
    }

    /// `{"fields": [...]}` with full metadata.
    pub(super) fn fields_json(&self) -> Value {
        let fields: Vec<Value> = self.fields.iter().map(field_json).collect();
        json!({ "fields": fields })
    }

    /// `{"fields": [...]}` of the user-defined fields.
    pub(super) fn udfs_json(&self) -> Value {
        let fields: Vec<Value> = self
            .udfs
            .iter()
            .map(|name| {
                json!({
                    "name": name, "label": name, "type": "string", "dataType": "string",
                    "length": 100, "isRequired": false, "isReadOnly": false,
                    "isQueryable": true, "isReference": false, "referenceEntityType": "",
                    "isPickList": false, "picklistValues": null, "picklistParentValueField": "",
                    "isActive": true, "isVisibleToClientPortal": false, "sortOrder": 1,
                })
            })
            .collect();
        json!({ "fields": fields })
    }
}

fn field_json(f: &Field) -> Value {
    let picks = f.picklist.map(|p| {
        p.iter()
            .enumerate()
            .map(|(i, v)| {
                json!({
                    "value": v.value.to_string(),
                    "label": v.label,
                    "isDefaultValue": v.default,
                    "sortOrder": i + 1,
                    "parentValue": v.parent.map(|p| p.to_string()).unwrap_or_default(),
                    "isActive": v.active,
                    "isSystem": true,
                })
            })
            .collect::<Vec<_>>()
    });
    let reference = f.reference.and_then(entity).map_or("", |e| e.singular);
    json!({
        "name": f.name,
        "dataType": f.ty.name(),
        "length": f.length,
        "isRequired": f.required,
        "isReadOnly": f.read_only,
        "isQueryable": f.queryable,
        "isReference": f.reference.is_some(),
        "referenceEntityType": reference,
        "isPickList": f.picklist.is_some(),
        "picklistValues": picks,
        "picklistParentValueField": f.parent_field.unwrap_or(""),
        "isSupportedWebhookField": false,
    })
}

/// The entity served at `/{name}` (case-insensitive).
pub(super) fn entity(name: &str) -> Option<&'static Entity> {
    SCHEMA.iter().find(|e| e.name.eq_ignore_ascii_case(name))
}

/// Every entity.
#[cfg(test)]
pub(super) fn entities() -> &'static [Entity] {
    &SCHEMA
}

/// Reads `"name type flags..."`: type `l i s<len> d b n`; flags `!` required, `r` read-only,
/// `~` not queryable, `#` picklist, `^field` picklist parent, `>Entity` reference.
fn parse(entity: &'static str, spec: &'static str) -> Field {
    let mut parts = spec.split_whitespace();
    let name = parts.next().unwrap_or("");
    let ty = parts.next().unwrap_or("s");
    let (ty, length) = match ty.as_bytes().first() {
        Some(b'l') => (Ty::Long, 0),
        Some(b'i') => (Ty::Integer, 0),
        Some(b'd') => (Ty::DateTime, 0),
        Some(b'b') => (Ty::Boolean, 0),
        Some(b'n') => (Ty::Decimal, 0),
        _ => (Ty::Str, ty[1..].parse().unwrap_or(100)),
    };
    let mut f = Field {
        name,
        ty,
        length,
        required: false,
        read_only: name == "id",
        queryable: true,
        reference: None,
        picklist: None,
        parent_field: None,
    };
    for flag in parts {
        match flag {
            "!" => f.required = true,
            "r" => f.read_only = true,
            "~" => f.queryable = false,
            "#" => f.picklist = Some(picks(entity, name)),
            _ if flag.starts_with('>') => f.reference = Some(&flag[1..]),
            _ if flag.starts_with('^') => f.parent_field = Some(&flag[1..]),
            _ => {}
        }
    }
    f
}

struct Def {
    name: &'static str,
    singular: &'static str,
    /// Create, update, delete.
    verbs: (bool, bool, bool),
    udfs: &'static [&'static str],
    first_id: i64,
    fields: &'static [&'static str],
}

const UDF: &[&str] = &["Customer Ref"];
const CREATE_UPDATE: (bool, bool, bool) = (true, true, false);
const READ_ONLY: (bool, bool, bool) = (false, false, false);

const TICKET: &[&str] = &[
    "id l",
    "ticketNumber s50 r",
    "title s255 !",
    "description s8000",
    "status i ! #",
    "priority i ! #",
    "queueID i #",
    "companyID l ! >Companies",
    "contactID l >Contacts",
    "assignedResourceID l >Resources",
    "assignedResourceRoleID l >Roles",
    "ticketType i #",
    "issueType i #",
    "subIssueType i # ^issueType",
    "source i #",
    "configurationItemID l >ConfigurationItems",
    "contractID l >Contracts",
    "projectID l >Projects",
    "opportunityID l >Opportunities",
    "dueDateTime d",
    "estimatedHours n",
    "resolution s32000 ~",
    "purchaseOrderNumber s50",
    "externalID s50",
    "createDate d r",
    "creatorResourceID l r >Resources",
    "creatorType i r",
    "impersonatorCreatorResourceID l r >Resources",
    "lastActivityDate d r",
    "lastActivityResourceID l r >Resources",
    "completedDate d r",
    "completedByResourceID l r >Resources",
];

const NOTE: &[&str] = &[
    "id l",
    "ticketID l ! >Tickets",
    "title s250 !",
    "description s32000 !",
    "noteType i ! #",
    "publish i ! #",
    "createDateTime d r",
    "creatorResourceID l r >Resources",
    "impersonatorCreatorResourceID l r >Resources",
    "lastActivityDate d r",
];

const COMPANY: &[&str] = &[
    "id l",
    "companyName s100 !",
    "companyNumber s50",
    "companyType i ! #",
    "phone s25 !",
    "ownerResourceID l ! >Resources",
    "isActive b",
    "address1 s128",
    "city s30",
    "state s25",
    "postalCode s10",
    "webAddress s255",
    "parentCompanyID l >Companies",
    "createDate d r",
    "createdByResourceID l r >Resources",
    "impersonatorCreatorResourceID l r >Resources",
    "lastActivityDate d r",
];

const CONTACT: &[&str] = &[
    "id l",
    "companyID l ! >Companies",
    "firstName s50 !",
    "lastName s50 !",
    "emailAddress s254",
    "phone s25",
    "mobilePhone s25",
    "title s50",
    "isActive i !",
    "primaryContact b",
    "createDate d r",
    "impersonatorCreatorResourceID l r >Resources",
    "lastActivityDate d r",
];

const PROJECT: &[&str] = &[
    "id l",
    "projectName s100 !",
    "companyID l ! >Companies",
    "projectType i ! #",
    "status i ! #",
    "startDateTime d !",
    "endDateTime d !",
    "projectLeadResourceID l >Resources",
    "contractID l >Contracts",
    "description s2000",
    "createDateTime d r",
    "creatorResourceID l r >Resources",
    "impersonatorCreatorResourceID l r >Resources",
    "completedDateTime d r",
    "lastActivityDateTime d r",
];

const TASK: &[&str] = &[
    "id l",
    "projectID l ! >Projects",
    "title s255 !",
    "description s8000",
    "status i ! #",
    "taskType i ! #",
    "assignedResourceID l >Resources",
    "assignedResourceRoleID l >Roles",
    "estimatedHours n",
    "startDateTime d",
    "endDateTime d",
    "createDateTime d r",
    "creatorResourceID l r >Resources",
    "impersonatorCreatorResourceID l r >Resources",
    "lastActivityDateTime d r",
];

const TIME_ENTRY: &[&str] = &[
    "id l",
    "resourceID l ! >Resources",
    "ticketID l >Tickets",
    "taskID l >Tasks",
    "roleID l >Roles",
    "dateWorked d !",
    "startDateTime d",
    "endDateTime d",
    "hoursWorked n",
    "hoursToBill n",
    "summaryNotes s8000 !",
    "internalNotes s8000",
    "isNonBillable b",
    "timeEntryType i r #",
    "createDateTime d r",
    "creatorUserID l r",
    "impersonatorCreatorResourceID l r >Resources",
    "lastModifiedDateTime d r",
];

const CI: &[&str] = &[
    "id l",
    "companyID l ! >Companies",
    "productID l ! >Products",
    "referenceTitle s200 !",
    "configurationItemType i #",
    "serialNumber s100",
    "isActive b !",
    "installDate d",
    "contactID l >Contacts",
    "createDate d r",
    "impersonatorCreatorResourceID l r >Resources",
];

const CONTRACT: &[&str] = &[
    "id l",
    "contractName s100 !",
    "companyID l ! >Companies",
    "contractType i ! #",
    "contractCategory i #",
    "status i ! #",
    "startDate d !",
    "endDate d !",
    "isDefaultContract b",
    "description s2000",
    "impersonatorCreatorResourceID l r >Resources",
];

const OPPORTUNITY: &[&str] = &[
    "id l",
    "title s128 !",
    "companyID l ! >Companies",
    "contactID l >Contacts",
    "ownerResourceID l ! >Resources",
    "amount n !",
    "cost n !",
    "probability i !",
    "projectedCloseDate d !",
    "stage i ! #",
    "status i ! #",
    "useQuoteTotals b !",
    "description s8000",
    "createDate d r",
    "impersonatorCreatorResourceID l r >Resources",
];

const RESOURCE: &[&str] = &[
    "id l",
    "userName s50 r",
    "email s254 !",
    "firstName s50 !",
    "lastName s50 !",
    "title s50",
    "isActive b",
    "resourceType s50 r",
    "userType i r",
    "defaultServiceDeskRoleID l >Roles",
];

const ROLE: &[&str] = &[
    "id l",
    "name s200",
    "description s200",
    "isActive b",
    "hourlyRate n",
];

const SD_ROLE: &[&str] = &[
    "id l",
    "resourceID l >Resources",
    "roleID l >Roles",
    "isActive b",
    "isDefault b",
];

const PRODUCT: &[&str] = &["id l", "name s100", "description s2000", "isActive b"];

const DEFS: &[Def] = &[
    Def {
        name: "Tickets",
        singular: "Ticket",
        verbs: CREATE_UPDATE,
        udfs: UDF,
        first_id: 47001,
        fields: TICKET,
    },
    Def {
        name: "TicketNotes",
        singular: "TicketNote",
        verbs: CREATE_UPDATE,
        udfs: &[],
        first_id: 51200001,
        fields: NOTE,
    },
    Def {
        name: "Companies",
        singular: "Company",
        verbs: CREATE_UPDATE,
        udfs: UDF,
        first_id: 174,
        fields: COMPANY,
    },
    Def {
        name: "Contacts",
        singular: "Contact",
        verbs: (true, true, true),
        udfs: &[],
        first_id: 30682901,
        fields: CONTACT,
    },
    Def {
        name: "Projects",
        singular: "Project",
        verbs: CREATE_UPDATE,
        udfs: &[],
        first_id: 3101,
        fields: PROJECT,
    },
    Def {
        name: "Tasks",
        singular: "Task",
        verbs: CREATE_UPDATE,
        udfs: &[],
        first_id: 8201,
        fields: TASK,
    },
    Def {
        name: "TimeEntries",
        singular: "TimeEntry",
        verbs: (true, true, true),
        udfs: &[],
        first_id: 91001,
        fields: TIME_ENTRY,
    },
    Def {
        name: "ConfigurationItems",
        singular: "ConfigurationItem",
        verbs: CREATE_UPDATE,
        udfs: &[],
        first_id: 4401,
        fields: CI,
    },
    Def {
        name: "Contracts",
        singular: "Contract",
        verbs: CREATE_UPDATE,
        udfs: &[],
        first_id: 29684001,
        fields: CONTRACT,
    },
    Def {
        name: "Opportunities",
        singular: "Opportunity",
        verbs: CREATE_UPDATE,
        udfs: &[],
        first_id: 6001,
        fields: OPPORTUNITY,
    },
    Def {
        name: "Resources",
        singular: "Resource",
        verbs: (false, true, false),
        udfs: &[],
        first_id: 29682885,
        fields: RESOURCE,
    },
    Def {
        name: "Roles",
        singular: "Role",
        verbs: READ_ONLY,
        udfs: &[],
        first_id: 29682801,
        fields: ROLE,
    },
    Def {
        name: "ResourceServiceDeskRoles",
        singular: "ResourceServiceDeskRole",
        verbs: READ_ONLY,
        udfs: &[],
        first_id: 1001,
        fields: SD_ROLE,
    },
    Def {
        name: "Products",
        singular: "Product",
        verbs: READ_ONLY,
        udfs: &[],
        first_id: 232,
        fields: PRODUCT,
    },
];

static SCHEMA: LazyLock<Vec<Entity>> = LazyLock::new(|| {
    DEFS.iter()
        .map(|d| Entity {
            name: d.name,
            singular: d.singular,
            fields: d.fields.iter().map(|s| parse(d.name, s)).collect(),
            udfs: d.udfs,
            can_create: d.verbs.0,
            can_update: d.verbs.1,
            can_delete: d.verbs.2,
            first_id: d.first_id,
        })
        .collect()
});
