//! DRF's browsable API page, with the ticket form's `<select>`s the product's client reads queues
//! and users from; the HTML lives in the simulator's `templates/`.
//!
//! Must not: show the forms to non-staff or on an error, or leave a value unescaped.

use axum::http::StatusCode;
use serde_json::Value;

use super::super::encoding::{esc, percent_decode, pretty_json};
use super::super::http::Cx;
use super::super::state::{Db, PRIORITIES, Queue, STATUSES, Ticket};
use super::super::urls::{Route, url_id};
use super::request::Api;

const SELECT_CUTOFF: usize = 1000;

/// One labelled control of DRF's horizontal form.
fn form_group(label: &str, control: &str) -> String {
    format!(
        include_str!("../templates/form_group.html"),
        label = label,
        control = control
    )
}

fn select_html(
    name: &str,
    nullable: bool,
    options: &[(String, String)],
    selected: Option<&str>,
) -> String {
    let mut s = format!("<select class=\"form-control\" name=\"{name}\">\n");
    if nullable {
        let sel = if selected.is_none() { " selected" } else { "" };
        s.push_str(&format!(
            "      <option value=\"\"{sel}>---------</option>\n"
        ));
    }
    for (i, (value, text)) in options.iter().enumerate() {
        if i >= SELECT_CUTOFF {
            s.push_str(&format!(
                "      <option value=\"\" disabled>More than {SELECT_CUTOFF} items...</option>\n"
            ));
            break;
        }
        let sel = if selected == Some(value.as_str()) {
            " selected"
        } else {
            ""
        };
        s.push_str(&format!(
            "      <option value=\"{}\"{sel}>{}</option>\n",
            esc(value),
            esc(text)
        ));
    }
    s.push_str("    </select>");
    s
}

/// DRF's HTML form for `TicketSerializer` (horizontal template pack).
fn ticket_form(db: &Db, token: &str, action: &str, method: &str, cur: Option<&Ticket>) -> String {
    let mut queues: Vec<&Queue> = db.queues.iter().collect();
    queues.sort_by(|a, b| a.title.cmp(&b.title).then(a.id.cmp(&b.id)));
    let queue_opts: Vec<(String, String)> = queues
        .iter()
        .map(|q| (q.id.to_string(), q.title.clone()))
        .collect();
    let user_opts: Vec<(String, String)> = db
        .users
        .iter()
        .map(|u| (u.id.to_string(), u.username.clone()))
        .collect();
    let status_opts: Vec<(String, String)> = STATUSES
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    let priority_opts: Vec<(String, String)> = PRIORITIES
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    let ticket_opts: Vec<(String, String)> = db
        .tickets
        .values()
        .map(|t| (t.id.to_string(), format!("{} {}", t.id, t.title)))
        .collect();
    let text = |name: &str, kind: &str, value: Option<String>| {
        format!(
            "<input name=\"{name}\" class=\"form-control\" type=\"{kind}\" value=\"{}\">",
            esc(&value.unwrap_or_default())
        )
    };
    let area = |name: &str, value: Option<String>| {
        format!(
            "<textarea name=\"{name}\" class=\"form-control\">{}</textarea>",
            esc(&value.unwrap_or_default())
        )
    };
    let selected = |v: Option<u64>| v.map(|x| x.to_string());
    let mut f = format!(
        include_str!("../templates/ticket_form.html"),
        action = esc(action),
        method = method,
        token = token
    );
    f.push_str(&form_group(
        "Queue",
        &select_html(
            "queue",
            false,
            &queue_opts,
            selected(cur.map(|t| t.queue)).as_deref(),
        ),
    ));
    f.push_str(&form_group(
        "Title",
        &text("title", "text", cur.map(|t| t.title.clone())),
    ));
    f.push_str(&form_group(
        "Description",
        &area("description", cur.and_then(|t| t.description.clone())),
    ));
    f.push_str(&form_group(
        "Resolution",
        &area("resolution", cur.and_then(|t| t.resolution.clone())),
    ));
    f.push_str(&form_group(
        "Submitter E-Mail",
        &text(
            "submitter_email",
            "email",
            cur.and_then(|t| t.submitter_email.clone()),
        ),
    ));
    f.push_str(&form_group(
        "Assigned to",
        &select_html(
            "assigned_to",
            true,
            &user_opts,
            selected(cur.and_then(|t| t.assigned_to)).as_deref(),
        ),
    ));
    f.push_str(&form_group(
        "Status",
        &select_html(
            "status",
            false,
            &status_opts,
            Some(cur.map(|t| t.status).unwrap_or(1).to_string().as_str()),
        ),
    ));
    let checked = if cur.is_some_and(|t| t.on_hold) {
        " checked"
    } else {
        ""
    };
    f.push_str(&form_group(
        "On Hold",
        &format!("<input type=\"checkbox\" name=\"on_hold\" value=\"true\"{checked}>"),
    ));
    f.push_str(&form_group(
        "Priority",
        &select_html(
            "priority",
            false,
            &priority_opts,
            Some(cur.map(|t| t.priority).unwrap_or(3).to_string().as_str()),
        ),
    ));
    f.push_str(&form_group(
        "Due on",
        &text(
            "due_date",
            "datetime-local",
            cur.and_then(|t| t.due_date)
                .map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string()),
        ),
    ));
    f.push_str(&form_group(
        "Merged to",
        &select_html(
            "merged_to",
            true,
            &ticket_opts,
            selected(cur.and_then(|t| t.merged_to)).as_deref(),
        ),
    ));
    let resource = if method == "POST" {
        "Ticket List"
    } else {
        "Ticket Instance"
    };
    f.push_str(&format!(
        include_str!("../templates/ticket_form_actions.html"),
        method = method,
        resource = resource
    ));
    f
}

/// DRF's BrowsableAPIRenderer: the response as HTML, with the ticket forms for staff.
pub(super) fn browsable_page(db: &Db, cx: &mut Cx, api: &Api, status: u16, body: &Value) -> String {
    let token = cx.get_token();
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let user_menu = match api.user.and_then(|u| db.user(u)) {
        Some(u) => format!(
            include_str!("../templates/user_menu.html"),
            username = esc(&u.username),
            token = token
        ),
        None => "<li><a href=\"/login/?next=/api/\">Log in</a></li>".to_string(),
    };
    let staff = api.user.is_some_and(|u| db.is_staff(u));
    let form = match &api.route {
        Route::Tickets if staff && (200..300).contains(&status) => {
            ticket_form(db, &token, "/api/tickets/", "POST", None)
        }
        Route::Ticket(pk) if staff && (200..300).contains(&status) => url_id(pk)
            .and_then(|i| db.tickets.get(&i))
            .map(|t| {
                ticket_form(
                    db,
                    &token,
                    &format!("/api/tickets/{}/", t.id),
                    "PUT",
                    Some(t),
                )
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    let forms = if form.is_empty() {
        String::new()
    } else {
        format!(
            include_str!("../templates/browsable_forms.html"),
            form = form,
            path = esc(&cx.raw_path),
            token = token
        )
    };
    format!(
        include_str!("../templates/browsable.html"),
        name = esc(api.name),
        user_menu = user_menu,
        path = esc(&cx.raw_path),
        method = cx.method,
        full_path = esc(&percent_decode(&cx.full_path())),
        status = status,
        reason = reason,
        allow = api.allow,
        vary = "Accept",
        json = esc(&pretty_json(body)),
        forms = forms,
    )
}
