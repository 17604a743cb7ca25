//! The demo data: deterministic and realistic.

use super::*;

#[tokio::test]
async fn seed_is_deterministic_and_realistic() {
    let one = start(true, 0).await;
    let two = start(true, 0).await;
    let summary = |sim: &FreshdeskSim| {
        let s = lock(&sim.shared.store);
        let tickets: Vec<(i64, String, i64, i64, Option<i64>)> = s
            .tickets
            .values()
            .map(|t| {
                (
                    t.id,
                    t.subject.clone(),
                    t.status,
                    t.priority,
                    t.responder_id,
                )
            })
            .collect();
        (tickets, s.conversations.len(), s.contacts.len())
    };
    assert_eq!(summary(&one), summary(&two));
    assert_eq!(one.agent_me(), (USER_BASE + 1, "Ada Support".to_string()));
    let s = lock(&one.shared.store);
    assert_eq!(s.agents.len(), 6);
    assert_eq!(s.groups.len(), 4);
    assert_eq!(s.companies.len(), 12);
    assert_eq!(s.contacts.len(), 60);
    assert_eq!(s.tickets.len(), 300);
    assert!(
        s.contacts
            .values()
            .filter(|c| c.company_id.is_some())
            .count()
            >= 45
    );
    let now = Utc::now();
    let old = s
        .tickets
        .values()
        .filter(|t| t.created_at < now - chrono::Duration::days(30))
        .count();
    assert!(old > 150 && old < 250, "{old}");
    assert!(
        s.tickets
            .values()
            .all(|t| t.created_at > now - chrono::Duration::days(91))
    );
    for status in 2..=5 {
        assert!(s.tickets.values().any(|t| t.status == status));
    }
    assert!(s.tickets.values().any(|t| t.spam));
    assert!(s.tickets.values().any(|t| t.deleted));
    let mut per_ticket: BTreeMap<i64, usize> = BTreeMap::new();
    for c in s.conversations.values() {
        *per_ticket.entry(c.ticket_id).or_default() += 1;
    }
    assert!(per_ticket.values().all(|n| *n <= 6));
    assert!(s.conversations.values().any(|c| c.private));
    assert!(s.conversations.values().any(|c| c.incoming));
    assert!(s.tickets.values().all(|t| !t.subject.contains("{n}")));
}
