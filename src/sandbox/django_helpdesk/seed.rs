//! Deterministic demo data: about 60 tickets with their follow-ups over the last two months,
//! the same on every run for the same users.
//!
//! Must not: use a random source other than its fixed seed, or depend on anything but the
//! users and the start time.

use chrono::{DateTime, Datelike, TimeDelta, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use super::state::{CLOSED, Db, FollowUp, RESOLVED, Ticket, status_name};

/// `(queue id, title, description, resolution note)`.
const SUBJECTS: [(u64, &str, &str, &str); 36] = [
    (
        1,
        "Printer on 3rd floor jams on every job",
        "The HP LaserJet next to the kitchen jams on every print job since this morning. The display says \"Paper jam in tray 2\" even after we cleared it.",
        "Replaced the worn pickup roller in tray 2; test prints come out clean.",
    ),
    (
        1,
        "VPN disconnects every 10 minutes",
        "Working from home, the VPN client drops the connection roughly every ten minutes and I have to log in again. Started after the last client update.",
        "Rolled the VPN client back to 5.2 and raised the idle timeout on the gateway.",
    ),
    (
        1,
        "Cannot reset my password",
        "The password reset link in the e-mail says it has expired as soon as I click it. I am locked out of my account.",
        "Reset links were expiring because of a clock skew on the mail relay; fixed the NTP config and sent a new link.",
    ),
    (
        1,
        "Outlook keeps asking for credentials",
        "Outlook prompts for my password every few minutes, even though I type it correctly each time.",
        "Cleared the cached credentials in Windows Credential Manager and re-created the profile.",
    ),
    (
        1,
        "Laptop battery drains overnight",
        "My laptop is at 100% when I close it in the evening and empty the next morning.",
        "Disabled modern standby network connectivity in the power settings; battery now holds overnight.",
    ),
    (
        1,
        "Wi-Fi in meeting room B is unreliable",
        "Video calls in meeting room B keep freezing. Other rooms are fine.",
        "The access point in room B was on a congested channel; moved it to channel 44 and updated its firmware.",
    ),
    (
        1,
        "Shared drive S: not mapped after reboot",
        "After every reboot the S: drive is missing and I have to map it again by hand.",
        "Fixed the group policy drive mapping and enabled 'Always wait for the network at startup'.",
    ),
    (
        1,
        "Second monitor for new desk",
        "I moved to desk 4.12 and there is only one monitor. Could I get a second one like before?",
        "Delivered and connected a second 27\" monitor.",
    ),
    (
        1,
        "Echo on the conference room speakerphone",
        "People on the other end hear themselves with a delay when we use the speakerphone in the large conference room.",
        "Enabled echo cancellation on the room system and moved the speaker away from the wall.",
    ),
    (
        1,
        "Blue screen after Windows update",
        "Since last night's update my PC shows a blue screen (DRIVER_IRQL_NOT_LESS_OR_EQUAL) a few minutes after login.",
        "Rolled back the faulty network driver and paused the update until the vendor's fix.",
    ),
    (
        1,
        "Printer shows offline for Mac users",
        "All Macs on the 2nd floor show the Canon printer as offline. Windows PCs can print.",
        "Re-added the printer on the Macs with the IPP driver instead of the old LPD queue.",
    ),
    (
        1,
        "MFA codes not arriving by SMS",
        "I don't receive the SMS with the sign-in code any more, so I cannot log in from my phone.",
        "Switched the account to the authenticator app; the SMS provider had blocked the number range.",
    ),
    (
        1,
        "Keyboard missing keys",
        "The E and R keys on my keyboard stopped working.",
        "Swapped the keyboard for a new one.",
    ),
    (
        1,
        "Request access to the marketing share",
        "I joined the marketing team and need read/write access to \\\\files\\marketing.",
        "Added the user to the Marketing-RW group; access confirmed.",
    ),
    (
        1,
        "Teams crashes when sharing screen",
        "Microsoft Teams closes as soon as I start sharing my screen.",
        "Cleared the Teams cache and updated the GPU driver.",
    ),
    (
        1,
        "Phishing e-mail received",
        "I received an e-mail asking me to confirm my payroll details on an external site. I did not click the link.",
        "Reported to security; the sender was blocked and the message purged from all mailboxes.",
    ),
    (
        2,
        "Invoice INV-2041 charged twice",
        "Our card was charged twice for invoice INV-2041 on the 3rd. Please refund the duplicate charge.",
        "Refunded the duplicate charge; it shows on the statement within 5 business days.",
    ),
    (
        2,
        "Update billing address for ACME Corp",
        "Please change our billing address to 22 Harbour Street, Leeds LS1 4AB from the next invoice on.",
        "Billing address updated; the next invoice will use it.",
    ),
    (
        2,
        "Refund for cancelled subscription",
        "We cancelled our subscription on the 1st but were billed for the whole month.",
        "Issued a pro-rata refund for the unused days.",
    ),
    (
        2,
        "VAT number missing on March invoice",
        "The March invoice does not show our VAT number, so our accounting cannot book it.",
        "Added the VAT number to the account and re-issued the March invoice.",
    ),
    (
        2,
        "Credit card declined on renewal",
        "The renewal payment failed with 'card declined', but the card is valid.",
        "The bank had flagged the charge; retried after the customer approved it.",
    ),
    (
        2,
        "Copies of last year's invoices",
        "Our auditors need PDF copies of all invoices from last year.",
        "Sent a zip with the twelve invoices.",
    ),
    (
        2,
        "Upgrade from Starter to Team plan",
        "We would like to upgrade to the Team plan from next month. How is the price difference billed?",
        "Upgraded the plan; the difference is pro-rated on the next invoice.",
    ),
    (
        2,
        "Wrong currency on quote Q-1187",
        "Quote Q-1187 is in USD, but our contract is in EUR.",
        "Re-issued the quote in EUR.",
    ),
    (
        2,
        "Payment reminder sent by mistake",
        "We received a payment reminder for an invoice we already paid on time.",
        "The payment had been matched to the wrong invoice; corrected and apologised.",
    ),
    (
        2,
        "Purchase order number on invoices",
        "Please add our PO number 4500012345 to all future invoices.",
        "PO number added to the account; it will appear on all invoices.",
    ),
    (
        2,
        "Change invoice recipient e-mail",
        "Invoices should go to accounts-payable@ instead of the CEO's address.",
        "Invoice recipient updated.",
    ),
    (
        3,
        "Accounts for new hire Dana Whitfield",
        "Dana Whitfield starts on Monday in Sales. She needs e-mail, CRM and VPN accounts.",
        "Accounts created and credentials handed over on the first day.",
    ),
    (
        3,
        "Laptop for incoming engineer",
        "A new backend engineer starts in two weeks; please order a laptop with 32 GB of RAM.",
        "Laptop ordered, imaged and delivered to the desk.",
    ),
    (
        3,
        "Add new starter to payroll and Slack",
        "Please add Tomás Rivera to payroll and invite him to the company Slack.",
        "Added to payroll and invited to Slack.",
    ),
    (
        3,
        "Badge access for contractor",
        "A contractor working on the 5th floor needs a building badge for three months.",
        "Temporary badge issued, valid until the end of the contract.",
    ),
    (
        3,
        "E-mail alias for the sales team",
        "Please create sales@ as an alias that reaches everyone in the sales team.",
        "Created the sales@ distribution list with the seven members.",
    ),
    (
        3,
        "Training session for the helpdesk tool",
        "Could someone give the new support hires a one-hour introduction to the helpdesk?",
        "Held the training on Thursday; slides shared in the wiki.",
    ),
    (
        3,
        "Offboarding checklist for departing employee",
        "Marco Bianchi leaves on Friday. Please disable his accounts and collect the laptop.",
        "Accounts disabled, mailbox forwarded to his manager, laptop collected.",
    ),
    (
        3,
        "Desk and chair for new team member",
        "Our new designer needs a desk near the design team and an ergonomic chair.",
        "Desk 3.07 prepared with an ergonomic chair.",
    ),
    (
        3,
        "Welcome pack for the March cohort",
        "Five people start on March 3rd. Please prepare welcome packs and the first-day schedule.",
        "Welcome packs prepared and the schedule sent to the managers.",
    ),
];

const CUSTOMERS: [&str; 12] = [
    "alice.martin@example.com",
    "bob.nguyen@example.org",
    "carla.rossi@acme.test",
    "dev.patel@globex.test",
    "erin.okafor@initech.test",
    "farid.haddad@example.com",
    "grace.kim@umbrella.test",
    "hugo.lefebvre@example.net",
    "ines.silva@acme.test",
    "jonas.berg@globex.test",
    "kate.obrien@example.com",
    "liam.walsh@initech.test",
];

const STAFF_NOTES: [&str; 10] = [
    "Thanks for reporting this. I'm looking into it now.",
    "Could you send a screenshot of the error message?",
    "I've restarted the service; please try again and let me know.",
    "Escalated to the second-line team.",
    "Waiting on the vendor to confirm a fix.",
    "I've applied a fix remotely. Can you confirm it's working?",
    "Scheduled a visit for tomorrow morning.",
    "Checked the logs: the problem started after Tuesday's change.",
    "Internal note: same issue as last month, see the runbook.",
    "Still investigating; next update by the end of the day.",
];

const CUSTOMER_REPLIES: [&str; 6] = [
    "Still happening this morning.",
    "Here is the screenshot you asked for.",
    "Works now, thanks!",
    "Any news on this?",
    "I tried again and got the same result.",
    "Thanks for the quick answer.",
];

/// About 60 tickets over the last two months, the same on every run for the same users.
pub(super) fn seed(db: &mut Db, at: DateTime<Utc>) {
    const TICKETS: usize = 60;
    let mut rng = StdRng::seed_from_u64(0x6a61_6e67_6f5f_6864);
    let staff: Vec<u64> = db.users.iter().filter(|u| u.staff).map(|u| u.id).collect();
    let mut ages: Vec<i64> = (0..TICKETS)
        .map(|_| rng.random_range(20 * 60..60 * 24 * 60))
        .collect();
    ages.sort_unstable_by(|a, b| b.cmp(a));
    for (i, age_minutes) in ages.into_iter().enumerate() {
        let (queue, title, description, resolution_note) = SUBJECTS[i % SUBJECTS.len()];
        let created =
            at - TimeDelta::minutes(age_minutes) - TimeDelta::seconds(rng.random_range(0..60));
        let status = match rng.random_range(0..100) {
            0..35 => 1,
            35..45 => 2,
            45..70 => RESOLVED,
            70..95 => CLOSED,
            _ => 5,
        };
        let priority = match rng.random_range(0..100) {
            0..8 => 1,
            8..28 => 2,
            28..78 => 3,
            78..93 => 4,
            _ => 5,
        };
        let assigned_to = if staff.is_empty() || rng.random_bool(0.25) {
            None
        } else {
            staff.choose(&mut rng).copied()
        };
        let submitter = CUSTOMERS.choose(&mut rng).copied().unwrap_or(CUSTOMERS[0]);
        let due_date = rng.random_bool(0.3).then(|| {
            let d = created + TimeDelta::days(rng.random_range(2..15));
            Utc.with_ymd_and_hms(d.year(), d.month(), d.day(), 17, 0, 0)
                .single()
                .unwrap_or(d)
        });
        let id = db.next_ticket;
        db.next_ticket += 1;
        let mut ticket = Ticket {
            id,
            queue,
            title: title.to_string(),
            description: Some(description.to_string()),
            resolution: None,
            submitter_email: Some(submitter.to_string()),
            assigned_to,
            status: 1,
            on_hold: status == 1 && rng.random_bool(0.08),
            priority,
            due_date,
            merged_to: None,
            created,
            modified: created,
            secret_key: uuid::Builder::from_random_bytes(rng.random())
                .into_uuid()
                .to_string(),
        };
        // The follow-ups, from "Ticket Opened" to the status the ticket ends in.
        let count = rng.random_range(1..=5usize);
        let mut plan: Vec<Option<i64>> = vec![None; count];
        if status != 1 {
            let n = plan.len();
            if n >= 2 {
                plan[n - 1] = Some(status);
                if (status == CLOSED || status == 2) && n >= 3 {
                    plan[n - 2] = Some(RESOLVED);
                }
            } else {
                plan.push(Some(status));
            }
        }
        let opener = if rng.random_bool(0.5) {
            None
        } else {
            staff.choose(&mut rng).copied()
        };
        let opened_title = match assigned_to.and_then(|u| db.user(u)) {
            Some(u) => format!("Ticket Opened & Assigned to {}", u.username),
            None => "Ticket Opened".to_string(),
        };
        let mut date = created;
        let latest = at - TimeDelta::minutes(5);
        for (n, change) in plan.into_iter().enumerate() {
            if n > 0 {
                date = (date + TimeDelta::minutes(rng.random_range(30..60 * 36))).min(latest);
            }
            let mut f = FollowUp {
                id: 0,
                ticket: id,
                user: None,
                title: Some(ticket.title.clone()),
                comment: None,
                public: true,
                new_status: None,
                time_spent: None,
                date,
                message_id: None,
                email_recipients: Vec::new(),
            };
            if n == 0 {
                f.title = Some(opened_title.clone());
                f.comment = Some(description.to_string());
                f.user = opener;
                f.email_recipients = vec![submitter.to_string()];
            } else if let Some(s) = change {
                let note = match s {
                    RESOLVED | CLOSED => resolution_note.to_string(),
                    2 => "The problem is back; reopening.".to_string(),
                    _ => format!("Duplicate of #{}.", id.saturating_sub(1).max(1)),
                };
                f.user = assigned_to.or_else(|| staff.first().copied());
                f.title = Some(format!("{} and {}", ticket.title, status_name(s)));
                f.comment = Some(note.clone());
                f.new_status = Some(s);
                f.email_recipients = vec![submitter.to_string()];
                f.time_spent = rng.random_bool(0.6).then(|| {
                    *[15i64, 20, 30, 45, 60, 90].choose(&mut rng).unwrap_or(&30) * 60_000_000
                });
                ticket.status = s;
                if s == RESOLVED || (s == CLOSED && ticket.resolution.is_none()) {
                    ticket.resolution = Some(note);
                }
            } else if staff.is_empty() || rng.random_bool(0.35) {
                f.comment = Some(
                    CUSTOMER_REPLIES
                        .choose(&mut rng)
                        .copied()
                        .unwrap_or("")
                        .to_string(),
                );
            } else {
                f.user = assigned_to.or_else(|| staff.choose(&mut rng).copied());
                f.comment = Some(
                    STAFF_NOTES
                        .choose(&mut rng)
                        .copied()
                        .unwrap_or("")
                        .to_string(),
                );
                f.public = rng.random_bool(0.7);
                if f.public {
                    f.email_recipients = vec![submitter.to_string()];
                }
                f.time_spent = rng.random_bool(0.5).then(|| {
                    *[5i64, 10, 15, 30, 45, 60, 120]
                        .choose(&mut rng)
                        .unwrap_or(&15)
                        * 60_000_000
                });
            }
            ticket.modified = date;
            db.add_followup(f);
        }
        db.tickets.insert(id, ticket);
    }
}
