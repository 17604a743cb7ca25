//! The demo data's fixed tables: agents, groups, companies, names, job titles, ticket templates
//! and conversation texts.
//!
//! Owns: only constants; `seed` draws from them with a fixed random seed.
//! Must not: hold logic or real people's data (every address is on an `.example` domain).

/// (name, email, phone, job title, occasional). The first owns the API key.
pub(super) const AGENTS: &[(&str, &str, &str, &str, bool)] = &[
    (
        "Ada Support",
        "ada@sandbox.example",
        "+1 555 0100",
        "Support Lead",
        false,
    ),
    (
        "Ben Okafor",
        "ben.okafor@sandbox.example",
        "+1 555 0101",
        "Billing Specialist",
        false,
    ),
    (
        "Chloe Martin",
        "chloe.martin@sandbox.example",
        "+1 555 0102",
        "Support Engineer",
        false,
    ),
    (
        "Diego Alvarez",
        "diego.alvarez@sandbox.example",
        "+1 555 0103",
        "Network Engineer",
        false,
    ),
    (
        "Emma Lindqvist",
        "emma.lindqvist@sandbox.example",
        "+1 555 0104",
        "Onboarding Manager",
        false,
    ),
    (
        "Farid Haddad",
        "farid.haddad@sandbox.example",
        "+1 555 0105",
        "Escalation Engineer",
        true,
    ),
];

/// (name, description, member agent indexes).
pub(super) const GROUPS: &[(&str, &str, &[usize])] = &[
    (
        "Billing",
        "Invoices, payments, refunds and plan changes",
        &[0, 1],
    ),
    (
        "Technical",
        "Hardware, network, access and software problems",
        &[0, 2, 3],
    ),
    (
        "Onboarding",
        "New customers: setup, data imports and training",
        &[1, 4],
    ),
    ("Escalations", "Urgent and high-impact problems", &[0, 3, 5]),
];

/// (name, domain, industry, account tier, health score).
pub(super) const COMPANIES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "Northwind Traders",
        "northwind.example",
        "Retail",
        "Premium",
        "Happy",
    ),
    (
        "Globex Logistics",
        "globex.example",
        "Transportation",
        "Enterprise",
        "Doing okay",
    ),
    (
        "Initech Software",
        "initech.example",
        "Technology",
        "Basic",
        "At risk",
    ),
    (
        "Umbrella Health Clinics",
        "umbrella-health.example",
        "Healthcare",
        "Enterprise",
        "Happy",
    ),
    (
        "Stark Manufacturing",
        "stark-mfg.example",
        "Manufacturing",
        "Premium",
        "Doing okay",
    ),
    (
        "Wayne Foundation",
        "wayne-foundation.example",
        "Non Profit",
        "Basic",
        "Happy",
    ),
    (
        "Blue Harbor Hotels",
        "blueharbor.example",
        "Hospitality",
        "Premium",
        "At risk",
    ),
    (
        "Pioneer Credit Union",
        "pioneer-cu.example",
        "Banking & Finance",
        "Enterprise",
        "Doing okay",
    ),
    (
        "Greenfield School District",
        "greenfield-schools.example",
        "Education",
        "Basic",
        "Happy",
    ),
    (
        "Acme Media Group",
        "acme-media.example",
        "Media",
        "Premium",
        "Doing okay",
    ),
    (
        "Riverside Energy",
        "riverside-energy.example",
        "Energy & Utilities",
        "Enterprise",
        "Happy",
    ),
    (
        "Summit Legal Partners",
        "summit-legal.example",
        "Consulting",
        "Basic",
        "Doing okay",
    ),
];

pub(super) const FIRST: &[&str] = &[
    "Olivia", "Liam", "Sofia", "Noah", "Amara", "Lucas", "Mei", "Ethan", "Priya", "Mateo",
    "Hannah", "Kenji", "Zara", "Jonas", "Isabel", "Omar", "Freya", "Daniel", "Leila", "Tomas",
    "Grace", "Ravi", "Nora", "Samuel", "Ines", "Felix", "Yara", "Hugo", "Chiara", "Adrian",
];

pub(super) const LAST: &[&str] = &[
    "Patel",
    "Nguyen",
    "Schmidt",
    "Garcia",
    "Kowalski",
    "Mensah",
    "Johansson",
    "Rossi",
    "Dubois",
    "Tanaka",
    "Murphy",
    "Silva",
    "Novak",
    "Khalil",
    "Fischer",
    "Moreau",
    "Kim",
    "Andersen",
    "Costa",
    "Walsh",
];

pub(super) const JOBS: &[&str] = &[
    "Office Manager",
    "IT Coordinator",
    "Finance Lead",
    "Operations Director",
    "Accountant",
    "Customer Success Manager",
    "HR Generalist",
    "Project Manager",
];

/// (category, type, subject, body, tags); `{n}` becomes a number.
pub(super) const TEMPLATES: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "Hardware",
        "Incident",
        "Printer on floor {n} keeps jamming",
        "The printer next to the kitchen on floor {n} jams on almost every second page. We replaced the paper and cleaned the rollers, but it still happens. Our monthly reports have to go out on Friday.",
        &["printer", "hardware"],
    ),
    (
        "Hardware",
        "Problem",
        "Laptop battery drains in under an hour",
        "My laptop (asset tag LT-{n}) goes from full to empty in about 50 minutes, even with only email and the browser open. It started after last week's firmware update.",
        &["laptop", "battery"],
    ),
    (
        "Hardware",
        "Incident",
        "External monitor not detected after docking station update",
        "Since the docking station update yesterday my second monitor stays black. Unplugging the dock and restarting does not help. The monitor works when connected directly over HDMI.",
        &["monitor", "docking-station"],
    ),
    (
        "Hardware",
        "Question",
        "Replacement headsets for the front desk",
        "Three headsets at our front desk have broken microphones. Can we order replacements under the current hardware contract, and how long does delivery take?",
        &["headset", "purchase"],
    ),
    (
        "Network",
        "Incident",
        "VPN disconnects every few minutes when working from home",
        "The VPN client drops the connection roughly every 10 minutes and I have to log in again. Colleagues on the same internet provider have the same problem. It started on Monday.",
        &["vpn", "remote-work"],
    ),
    (
        "Network",
        "Incident",
        "Branch office cannot reach the shared drive",
        "Nobody at the branch office can open the shared drive since this morning. Internet access works. The error says: 'The network path was not found'.",
        &["network", "file-share"],
    ),
    (
        "Network",
        "Problem",
        "Wi-Fi drops in meeting room {n} during video calls",
        "Video calls in meeting room {n} freeze and disconnect after a few minutes. The Wi-Fi icon shows full signal. Calls over the wired port in the same room are fine.",
        &["wifi", "meetings"],
    ),
    (
        "Network",
        "Question",
        "VPN asks for a certificate after the client update",
        "After updating the VPN client it asks me to choose a certificate, and none of the options work. Which certificate should I pick?",
        &["vpn", "certificate"],
    ),
    (
        "Access",
        "Incident",
        "Locked out after password reset",
        "I reset my password this morning and now the portal says my account is locked. I need access today to approve {n} purchase orders.",
        &["login", "password"],
    ),
    (
        "Access",
        "Incident",
        "Two-factor codes not arriving by SMS",
        "I am not receiving the SMS codes for two-factor login. My phone number in the profile is correct and other text messages arrive.",
        &["login", "2fa"],
    ),
    (
        "Access",
        "Question",
        "Access to the finance reporting dashboard",
        "Please give me read access to the finance reporting dashboard. My manager has approved it, see the forwarded email below.",
        &["access-request"],
    ),
    (
        "Access",
        "Problem",
        "Single sign-on loops back to the login page",
        "When I log in with single sign-on, the page redirects back to the login screen over and over. Clearing cookies did not help. It happens in every browser I tried.",
        &["login", "sso"],
    ),
    (
        "Software",
        "Incident",
        "Email client crashes when opening attachments",
        "The desktop email client closes without an error whenever I open a PDF attachment. Opening the same files from web mail works.",
        &["email", "crash"],
    ),
    (
        "Software",
        "Problem",
        "Export to CSV produces an empty file",
        "Exporting the customer report to CSV produces a file with only the header row, although the report shows {n} rows on screen.",
        &["export", "reports"],
    ),
    (
        "Software",
        "Incident",
        "Calendar does not sync to my phone",
        "Meetings I accept on my laptop no longer show up in my phone's calendar. The last synced event is from three days ago.",
        &["calendar", "mobile"],
    ),
    (
        "Software",
        "Feature Request",
        "Feature request: dark mode for the customer portal",
        "Several of our staff work night shifts and would like a dark theme for the customer portal. Is that on your roadmap?",
        &["feature-request", "portal"],
    ),
    (
        "Software",
        "Question",
        "How do I restore a deleted report?",
        "I accidentally deleted the 'Weekly backlog' report. Is there a way to restore it, or do I have to rebuild it?",
        &["reports"],
    ),
    (
        "Billing",
        "Refund",
        "Invoice INV-{n} was charged twice",
        "Our credit card was charged twice for invoice INV-{n}. Please refund the duplicate payment and confirm by email.",
        &["invoice", "refund"],
    ),
    (
        "Billing",
        "Question",
        "Please update the billing address on our invoices",
        "We moved offices. Please use the new billing address on all future invoices: 42 Harbour Street, Suite {n}.",
        &["invoice", "billing-address"],
    ),
    (
        "Billing",
        "Question",
        "Pro-rated charges after adding seats",
        "We added 5 seats in the middle of the month and the invoice shows a charge we don't understand. Can you explain how the pro-rated amount was calculated?",
        &["invoice", "seats"],
    ),
    (
        "Billing",
        "Incident",
        "Card payment declined but the amount was taken",
        "The checkout page said the payment was declined, but our bank statement shows the amount as paid. Order reference ORD-{n}.",
        &["payment"],
    ),
    (
        "Billing",
        "Question",
        "Copies of last quarter's invoices for our audit",
        "Our auditors need PDF copies of all invoices from last quarter. Can you send them or tell me where to download them?",
        &["invoice", "audit"],
    ),
    (
        "Billing",
        "Refund",
        "Remove the unused add-on and refund this month",
        "We never used the reporting add-on that was added to our plan. Please remove it and refund this month's charge.",
        &["refund", "plan-change"],
    ),
    (
        "Onboarding",
        "Question",
        "Importing our existing customer list",
        "We have about {n} customers in a spreadsheet. What is the best way to import them, and which columns are required?",
        &["onboarding", "import"],
    ),
    (
        "Onboarding",
        "Question",
        "Forwarding our support mailbox into the helpdesk",
        "We want emails sent to our support mailbox to become tickets. Which forwarding address should we use, and do we need to verify the domain?",
        &["onboarding", "email-setup"],
    ),
    (
        "Onboarding",
        "Question",
        "Training session for new team members",
        "Four new agents join us next week. Could we book a one-hour training session on the basics?",
        &["onboarding", "training"],
    ),
    (
        "Onboarding",
        "Question",
        "Business hours for two time zones",
        "Our team works from Berlin and Toronto. How do we configure business hours so SLAs are calculated correctly for both offices?",
        &["onboarding", "sla"],
    ),
    (
        "Onboarding",
        "Problem",
        "Welcome emails to new users land in spam",
        "The welcome emails for the {n} users we invited yesterday landed in their spam folders. Is there something we need to configure on our side?",
        &["onboarding", "email-deliverability"],
    ),
];

pub(super) const SPAM: &[(&str, &str)] = &[
    (
        "Congratulations! You have been selected for a $500 gift card",
        "Click the link below within 24 hours to claim your reward. Offer valid while supplies last.",
    ),
    (
        "Guaranteed first page ranking for your website",
        "We are an SEO agency with 10 years of experience. Reply to this email for a free audit of your website.",
    ),
];

pub(super) const AGENT_REPLIES: &[&str] = &[
    "Hi {first},\n\nThanks for reporting this. I have reproduced the problem on our side and I am working on a fix. I will update you by the end of the day.\n\nBest regards,\n{agent}",
    "Hi {first},\n\nCould you send us a screenshot of the error and the time it happened? That will help us find the right log entries.\n\nThanks,\n{agent}",
    "Hi {first},\n\nWe have applied a fix. Could you try again and let us know whether it works for you now?\n\nBest,\n{agent}",
    "Hi {first},\n\nI have passed this on to our specialist team and raised the priority. You will hear from us within 24 hours.\n\nKind regards,\n{agent}",
    "Hi {first},\n\nThe refund has been issued and should appear on your statement within 5 to 7 business days.\n\nBest regards,\n{agent}",
    "Hi {first},\n\nI have scheduled a technician visit for tomorrow morning. Please make sure someone can let them into the office.\n\nThanks,\n{agent}",
];

pub(super) const CUSTOMER_REPLIES: &[&str] = &[
    "Thanks, that fixed it. You can close the ticket.",
    "It is still happening this morning. I restarted twice, same result.",
    "Here is the screenshot you asked for. The error appeared at around 9:40.",
    "Any update on this? It is blocking our team.",
    "That works for us, thank you for the quick help!",
];

pub(super) const PRIVATE_NOTES: &[&str] = &[
    "Checked the logs: repeated authentication failures from the same device since yesterday. Resetting the session tokens.",
    "Vendor confirmed a known issue in the latest firmware; fix expected next week. Keep the customer posted.",
    "Customer is on the Enterprise plan, handle within the priority SLA.",
    "Looks like a duplicate of an earlier ticket from the same company; linking for context.",
    "Waiting for the finance team to approve the refund.",
];

pub(super) const PUBLIC_NOTES: &[&str] = &[
    "Status update shared with the account manager.",
    "Added the customer's IT contact for the follow-up.",
];
