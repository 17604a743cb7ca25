//! The deterministic demo tenant. The backend's tests rely on these facts:
//!
//! - The API user: resource **29682885** ("API User", `userName` = the configured username,
//!   `resourceType` "APIUser", active), service desk role 29682801 (default). It exists even
//!   without `seed`, with the roles, its role link and company 0.
//! - Roles: 29682801 Helpdesk Tier 1, 29682802 Helpdesk Tier 2, 29682803 Engineer,
//!   29682804 Project Manager.
//! - Technicians (email `first.last@zeta-msp.example`, ASCII-folded), with their service desk
//!   roles, default first: 29682886 Jana Nováková (29682801, 29682802), 29682887 Lukas Müller
//!   (29682802, 29682803), 29682888 Priya Raman (29682801), 29682889 Tom Becker (29682803,
//!   29682804), 29682890 Sofia Alvarez (29682804, 29682802), 29682891 Mark Dunn (**inactive**,
//!   29682801). ResourceServiceDeskRoles ids from 1001.
//! - Companies: 0 "Zeta Managed Services" (the home company, type 18 Partner), customers 174
//!   "Acme Dental" (UDF "Customer Ref" = "AD-2291"), 175 "Northwind Logistics", 176 "Pivovar
//!   Bohemia s.r.o.", 177 "Müller & Söhne GmbH", 178 "Harbor View Medical", 179 "Pinecrest Law
//!   Group", 180 "Redwood Accounting", 181 "Lakeside Schools", 182 "Summit Architects"; 183
//!   "Ingram Supply Co." (17 Vendor), 184 "Keystone Realty" (13 Prospect), 185 "Orchard Vets"
//!   (12 Lead). Owner of each: a technician.
//! - Contacts: 40, ids 30682901..=30682940, over companies 174..=185 in turn (30682901 is at
//!   174, 30682902 at 175, ...); **30682905 is inactive** (`isActive` 0), the rest 1.
//! - Tickets: 650, ids 47001..=47650, created over the past 90 days in id order (so a 500-row
//!   page has a next page), numbers `TYYYYMMDD.NNNN`; every fourth (47001, 47005, ...)
//!   unassigned, the rest assigned to a technician with that technician's default role (Mark
//!   Dunn, inactive, only among 47001..=47301); each has a queue; 0-4 notes (ids from
//!   51200001, publish 2, 5 or 8); every ninth (47001, 47010, ...) has "Customer Ref" =
//!   "CR-<id>". Hostile text: 47003 (`<script>`), 47010 (`&amp;`), 47020 (German and emoji),
//!   47030 (Czech). Statuses mix 2, 7, 9, 11, 14 and a few 16 (inactive: no ticket can be set
//!   to it again).
//! - Projects 3101..=3105 (3102 Complete, 3105 internal, at company 0), 3-8 tasks each (ids from
//!   8201); 60 time entries (ids from 91001): 40 on tickets, 20 on tasks, by technicians with
//!   their roles.
//! - Products 232 "Dell OptiPlex 7010", 233 "Cisco Meraki MX68", 234 "HP LaserJet Pro M404",
//!   235 "Dell PowerEdge R650", 236 "Ubiquiti UniFi AP AC Pro", 237 "Lenovo ThinkPad T14", 238
//!   "Synology DS920+", 239 "APC Smart-UPS 1500"; 20 configuration items 4401..=4420 (4420
//!   inactive); contracts 29684001..=29684008 (29684008 inactive); opportunities 6001..=6010.
//!
//! Picklists are in `picklists` (status 2 New, 7 In Progress, 9 Waiting Customer, 11 Complete,
//! 14 On Hold, 16 Cancelled inactive; priority 1 Critical .. 4 Low; queues 29682833, 29682969,
//! 8, 5; and so on, as the task brief lists).

mod data;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use self::data::*;
use super::schema::entity;
use super::store::{Row, Store};
use crate::sandbox::kit::time::ts;

/// The resource the API user is.
pub const API_USER: i64 = 29682885;
const HOME_ROLE: i64 = 29682801;
const QUEUES: &[i64] = &[29682833, 29682969, 8, 5];
const SOURCES: &[i64] = &[2, 4, 6, 9];
const PUBLISH: &[i64] = &[2, 5, 8];
const NOTE_TYPES: &[i64] = &[1, 3, 13, 18];
const TICKETS: usize = 650;
const FIRST_TICKET: i64 = 47001;
const FIRST_CONTACT: i64 = 30682901;
const CONTACTS: i64 = 40;

use crate::sandbox::kit::seeded as r;

fn put(store: &mut Store, entity_name: &str, id: i64, fields: Value) {
    let Some(def) = entity(entity_name) else {
        return;
    };
    let mut row: Row = Store::blank(def, id);
    if let Value::Object(map) = fields {
        row.extend(map);
    }
    store.insert(def, row);
}

fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'á' => 'a',
            'č' | 'Č' => 'c',
            'é' | 'ě' => 'e',
            'í' => 'i',
            'ó' | 'ö' => 'o',
            'ř' => 'r',
            'š' => 's',
            'ü' | 'ú' | 'ů' => 'u',
            'ý' => 'y',
            'ž' => 'z',
            c => c.to_ascii_lowercase(),
        })
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// Loads the tenant: always the API user, the roles and the home company; the rest with `full`.
pub(super) fn tenant(store: &mut Store, username: &str, full: bool, now: DateTime<Utc>) {
    let long_ago = ts(now - Duration::days(400));
    for (id, name, rate) in ROLES {
        put(
            store,
            "Roles",
            *id,
            json!({"name": name, "description": name,
            "isActive": true, "hourlyRate": rate}),
        );
    }
    put(
        store,
        "Resources",
        API_USER,
        json!({"userName": username, "email": username,
        "firstName": "API", "lastName": "User", "title": "API User", "isActive": true,
        "resourceType": "APIUser", "userType": 1, "defaultServiceDeskRoleID": HOME_ROLE}),
    );
    let mut link = 1001;
    put(
        store,
        "ResourceServiceDeskRoles",
        link,
        json!({"resourceID": API_USER,
        "roleID": HOME_ROLE, "isActive": true, "isDefault": true}),
    );
    let (home, home_name, home_type, home_phone, home_city) = COMPANIES[0];
    put(
        store,
        "Companies",
        home,
        json!({"companyName": home_name, "companyType": home_type,
        "phone": home_phone, "city": home_city, "ownerResourceID": API_USER, "isActive": true,
        "createDate": long_ago, "lastActivityDate": long_ago}),
    );
    if !full {
        return;
    }
    for (id, first, last, title, active, roles) in TECHNICIANS {
        let email = format!("{}.{}@zeta-msp.example", ascii(first), ascii(last));
        put(
            store,
            "Resources",
            *id,
            json!({"userName": ascii(first), "email": email,
            "firstName": first, "lastName": last, "title": title, "isActive": active,
            "resourceType": "Employee", "userType": 1, "defaultServiceDeskRoleID": roles[0]}),
        );
        for (k, role) in roles.iter().enumerate() {
            link += 1;
            put(
                store,
                "ResourceServiceDeskRoles",
                link,
                json!({"resourceID": id,
                "roleID": role, "isActive": true, "isDefault": k == 0}),
            );
        }
    }
    companies(store, now);
    for (id, name) in PRODUCTS {
        put(
            store,
            "Products",
            *id,
            json!({"name": name, "description": name, "isActive": true}),
        );
    }
    tickets(store, now);
    projects(store, now);
    assets(store, now);
}

fn tech(i: usize, salt: u64, active_only: bool) -> (i64, i64) {
    let pool: Vec<_> = TECHNICIANS.iter().filter(|t| t.4 || !active_only).collect();
    let t = pool[r(i, salt) % pool.len()];
    (t.0, t.5[0])
}

fn companies(store: &mut Store, now: DateTime<Utc>) {
    for (k, (id, name, kind, phone, city)) in COMPANIES.iter().enumerate().skip(1) {
        let created = ts(now - Duration::days(200 + k as i64 * 17));
        let udf = if *id == 174 {
            json!("AD-2291")
        } else {
            Value::Null
        };
        put(
            store,
            "Companies",
            *id,
            json!({"companyName": name, "companyType": kind,
            "phone": phone, "city": city, "ownerResourceID": tech(k, 1, true).0,
            "isActive": true, "address1": format!("{} Main Street", 100 + k), "createDate": created,
            "createdByResourceID": API_USER, "lastActivityDate": created,
            "webAddress": format!("https://{}.example", ascii(name)),
            "userDefinedFields": [{"name": "Customer Ref", "value": udf}]}),
        );
    }
    for k in 0..CONTACTS {
        let id = FIRST_CONTACT + k;
        let company = COMPANIES[1 + (k as usize % 12)].0;
        let (first, last) = (
            FIRST_NAMES[k as usize % 20],
            LAST_NAMES[(k as usize * 7) % 20],
        );
        let email = format!("{}.{}@{}.example", ascii(first), ascii(last), company);
        put(
            store,
            "Contacts",
            id,
            json!({"companyID": company, "firstName": first,
            "lastName": last, "emailAddress": email, "phone": format!("+1 555 01{k:02}"),
            "title": "Office Manager", "isActive": i64::from(id != FIRST_CONTACT + 4),
            "primaryContact": k < 12, "createDate": ts(now - Duration::days(180)),
            "lastActivityDate": ts(now - Duration::days(30))}),
        );
    }
}

fn contacts_of(company: i64) -> Vec<i64> {
    (0..CONTACTS)
        .filter(|k| COMPANIES[1 + (*k as usize % 12)].0 == company)
        .map(|k| FIRST_CONTACT + k)
        .collect()
}

fn tickets(store: &mut Store, now: DateTime<Utc>) {
    let start = now - Duration::days(90);
    let step = Duration::days(90).num_seconds() / TICKETS as i64;
    let mut note_id = 51200001;
    for i in 0..TICKETS {
        let id = FIRST_TICKET + i as i64;
        let created = start + Duration::seconds(step * i as i64 + (r(i, 2) % 600) as i64);
        let company = COMPANIES[1 + r(i, 3) % 12].0;
        let contacts = contacts_of(company);
        let contact = match r(i, 4) % 5 {
            0 => Value::Null,
            n => json!(contacts[n % contacts.len()]),
        };
        let x = if i > 560 { r(i, 5) % 10 } else { r(i, 5) % 20 };
        let status = [2, 2, 2, 7, 7, 7, 9, 9, 14, 16][x.min(10) % 10];
        let status = if x >= 10 { 11 } else { status };
        let (resource, role) = if i % 4 == 0 {
            (Value::Null, Value::Null)
        } else {
            let (t, ro) = tech(i, 6, i > 300);
            (json!(t), json!(ro))
        };
        let (mut title, mut description, issue, sub) = TICKET_TEXTS[r(i, 7) % TICKET_TEXTS.len()];
        if let Some(h) = HOSTILE.iter().find(|h| h.0 == i) {
            (title, description) = (h.1, h.2);
        }
        let done = (status == 11).then(|| ts(created + Duration::hours(4 + (r(i, 8) % 40) as i64)));
        let last = done
            .clone()
            .unwrap_or_else(|| ts(created + Duration::hours(2)));
        let udf = if i % 9 == 0 {
            json!(format!("CR-{id}"))
        } else {
            Value::Null
        };
        let number = store.ticket_number(created);
        put(
            store,
            "Tickets",
            id,
            json!({
                "ticketNumber": number, "title": title, "description": description,
                "status": status, "priority": 1 + r(i, 9) % 4, "queueID": QUEUES[r(i, 10) % 4],
                "companyID": company, "contactID": contact, "assignedResourceID": resource,
                "assignedResourceRoleID": role, "ticketType": 1 + r(i, 11) % 5,
                "issueType": issue, "subIssueType": sub, "source": SOURCES[r(i, 12) % 4],
                "dueDateTime": ts(created + Duration::days(3)), "createDate": ts(created),
                "creatorResourceID": if i % 3 == 0 { json!(API_USER) } else { resource.clone() },
                "creatorType": 1, "lastActivityDate": last, "completedDate": done,
                "completedByResourceID": if status == 11 { resource.clone() } else { Value::Null },
                "userDefinedFields": [{"name": "Customer Ref", "value": udf}],
            }),
        );
        for k in 0..(r(i, 13) % 5) {
            let (t, d) = NOTE_TEXTS[r(i * 5 + k, 14) % NOTE_TEXTS.len()];
            let at = ts(created + Duration::minutes(30 * (k as i64 + 1)));
            put(
                store,
                "TicketNotes",
                note_id,
                json!({"ticketID": id, "title": t,
                "description": d, "noteType": NOTE_TYPES[r(i * 5 + k, 15) % 4],
                "publish": PUBLISH[r(i * 5 + k, 16) % 3], "createDateTime": at,
                "creatorResourceID": tech(i * 5 + k, 17, false).0, "lastActivityDate": at}),
            );
            note_id += 1;
        }
    }
    // 40 time entries on assigned tickets.
    for (entry, k) in (91001..).zip(0..40) {
        let i = 1 + (k * 16) % (TICKETS - 1);
        let i = if i.is_multiple_of(4) { i + 1 } else { i };
        let ticket = FIRST_TICKET + i as i64;
        let (res, role) = {
            let t = store.get("Tickets", ticket).cloned().unwrap_or_default();
            (
                t["assignedResourceID"].clone(),
                t["assignedResourceRoleID"].clone(),
            )
        };
        let day = start + Duration::seconds(step * i as i64);
        time_entry(
            store,
            entry,
            json!({"ticketID": ticket, "timeEntryType": 2}),
            &res,
            &role,
            day,
            k,
        );
    }
}

fn time_entry(
    s: &mut Store,
    id: i64,
    on: Value,
    res: &Value,
    role: &Value,
    day: DateTime<Utc>,
    k: usize,
) {
    let hours = 0.25 * (1 + r(k, 18) % 16) as f64;
    let date = ts(day
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(day, |d| d.and_utc()));
    let mut fields = json!({"resourceID": res, "roleID": role, "dateWorked": date,
        "hoursWorked": hours, "hoursToBill": hours, "summaryNotes": NOTE_TEXTS[k % 6].1,
        "isNonBillable": k.is_multiple_of(7), "createDateTime": ts(day), "creatorUserID": res,
        "lastModifiedDateTime": ts(day)});
    if let (Some(f), Value::Object(o)) = (fields.as_object_mut(), on) {
        f.extend(o);
    }
    put(s, "TimeEntries", id, fields);
}

fn projects(store: &mut Store, now: DateTime<Utc>) {
    let mut task = 8201;
    let mut entry = 91041;
    for (p, (id, name, company, kind, status, from, days)) in PROJECTS.iter().enumerate() {
        let start = now + Duration::days(*from);
        let end = start + Duration::days(*days);
        let lead = tech(p, 19, true).0;
        put(
            store,
            "Projects",
            *id,
            json!({"projectName": name, "companyID": company,
            "projectType": kind, "status": status, "startDateTime": ts(start),
            "endDateTime": ts(end), "projectLeadResourceID": lead,
            "description": format!("{name}: plan, deliver, hand over."),
            "createDateTime": ts(start - Duration::days(7)), "creatorResourceID": lead,
            "completedDateTime": if *status == 5 { json!(ts(end)) } else { Value::Null },
            "lastActivityDateTime": ts(start)}),
        );
        for t in 0..(3 + r(p, 20) % 6) {
            let (res, role) = tech(p * 10 + t, 21, true);
            let state = if *status == 5 {
                5
            } else {
                [1, 4, 5][r(p * 10 + t, 22) % 3]
            };
            put(
                store,
                "Tasks",
                task,
                json!({"projectID": id, "title": TASK_TITLES[t],
                "status": state, "taskType": 1 + (t % 2), "assignedResourceID": res,
                "assignedResourceRoleID": role, "estimatedHours": 2 + t,
                "startDateTime": ts(start + Duration::days(t as i64 * 3)),
                "endDateTime": ts(start + Duration::days(t as i64 * 3 + 2)),
                "createDateTime": ts(start - Duration::days(7)), "creatorResourceID": lead,
                "lastActivityDateTime": ts(start)}),
            );
            for d in 0..2 {
                if entry >= 91061 {
                    break;
                }
                let day = start + Duration::days(t as i64 * 3 + d);
                time_entry(
                    store,
                    entry,
                    json!({"taskID": task, "timeEntryType": 6}),
                    &json!(res),
                    &json!(role),
                    day,
                    entry as usize,
                );
                entry += 1;
            }
            task += 1;
        }
    }
}

fn assets(store: &mut Store, now: DateTime<Utc>) {
    for k in 0..20usize {
        let company = COMPANIES[1 + k % 9].0;
        let (product, pname) = PRODUCTS[k % PRODUCTS.len()];
        let kind = match product {
            235 | 238 => 2,
            233 | 236 | 239 => 3,
            _ => 1,
        };
        let prefix: String = ascii(COMPANIES[1 + k % 9].1).chars().take(4).collect();
        put(
            store,
            "ConfigurationItems",
            4401 + k as i64,
            json!({"companyID": company,
            "productID": product, "referenceTitle": format!("{}-{:02} {pname}",
            prefix.to_uppercase(), k + 1), "configurationItemType": kind,
            "serialNumber": format!("SN{:08}", r(k, 23)), "isActive": k != 19,
            "installDate": ts(now - Duration::days(300 - k as i64 * 9)),
            "createDate": ts(now - Duration::days(300))}),
        );
    }
    let types = [1, 3, 4, 7, 8, 1, 4, 8];
    for k in 0..8usize {
        let company = COMPANIES[1 + k].0;
        let start = now - Duration::days(365 - k as i64 * 20);
        put(
            store,
            "Contracts",
            29684001 + k as i64,
            json!({
            "contractName": format!("{} {}", COMPANIES[1 + k].1,
                ["T&M", "Fixed", "Block Hours", "Retainer", "Managed"][k % 5]),
            "companyID": company, "contractType": types[k], "contractCategory": 1 + k % 2,
            "status": i64::from(k != 7), "startDate": ts(start),
            "endDate": ts(start + Duration::days(365 * 2)), "isDefaultContract": k < 3}),
        );
    }
    for k in 0..10usize {
        let company = COMPANIES[1 + k].0;
        let amount = 1500.0 * (k + 1) as f64;
        let status = [1, 1, 1, 2, 3, 4, 0, 1, 1, 1][k];
        put(
            store,
            "Opportunities",
            6001 + k as i64,
            json!({
            "title": format!("{} – {}", COMPANIES[1 + k].1, ["Laptops", "Firewall", "M365",
                "Backup", "Wi-Fi"][k % 5]),
            "companyID": company, "ownerResourceID": tech(k, 24, true).0, "amount": amount,
            "cost": amount * 0.6, "probability": 10 * (k + 1), "useQuoteTotals": false,
            "projectedCloseDate": ts(now + Duration::days(10 + k as i64 * 7)),
            "stage": 1 + k % 3, "status": status,
            "createDate": ts(now - Duration::days(20 + k as i64))}),
        );
    }
}
