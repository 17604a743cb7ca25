//! `TicketSearch`: flags, union, phrase and words, the cap, the verbs.
//!
//! Must not: depend on the product's clients.

use super::*;

async fn found(api: &Api, fields: &[(&str, &str)]) -> Vec<u32> {
    let doc = api.post("/Tickets/TicketSearch", fields).await.xml();
    assert_eq!(doc.name, "tickets");
    doc.all("ticket")
        .iter()
        .map(|t| t.attr("id").parse().expect("id"))
        .collect()
}

#[tokio::test]
async fn flags_choose_the_fields_and_their_matches_are_merged() {
    let sim = start().await;
    let api = Api::new(&sim);
    // No flag: nothing searched.
    assert!(found(&api, &[("query", "printer")]).await.is_empty());
    // A flag counts only when exactly "1".
    assert!(
        found(&api, &[("query", "printer"), ("contents", "true")])
            .await
            .is_empty()
    );
    assert!(
        found(&api, &[("query", "printer"), ("searchcontents", "1,2")])
            .await
            .is_empty()
    );
    let contents = found(&api, &[("query", "printer"), ("contents", "1")]).await;
    assert!(contents.contains(&TICKET_WITH_POSTS), "{contents:?}");
    // The display id (case-insensitive) with `ticketid=1`, and the subject too.
    let by_mask = found(
        &api,
        &[
            ("query", &TICKET_WITH_POSTS_DISPLAY_ID.to_lowercase()),
            ("ticketid", "1"),
        ],
    )
    .await;
    assert_eq!(by_mask, vec![TICKET_WITH_POSTS]);
    assert_eq!(
        found(&api, &[("query", "00123"), ("ticketid", "1")]).await,
        vec![NUMERIC_SUBJECT_TICKET]
    );
    // Union: the subject search and the user search together.
    let user = found(&api, &[("query", "true@example.net"), ("user", "1")]).await;
    assert!(user.len() >= 3);
    let both = found(
        &api,
        &[
            ("query", "true@example.net"),
            ("user", "1"),
            ("ticketid", "1"),
        ],
    )
    .await;
    assert_eq!(both, user);
    let union = found(
        &api,
        &[
            ("query", "Acme"),
            ("userorganization", "1"),
            ("contents", "1"),
        ],
    )
    .await;
    let orgs = found(&api, &[("query", "Acme"), ("userorganization", "1")]).await;
    assert!(union.len() >= orgs.len() && orgs.iter().all(|t| union.contains(t)));
    assert!(
        union.windows(2).all(|w| w[0] < w[1]),
        "no duplicates, id order"
    );
    // Notes and tags.
    let notes = found(&api, &[("query", "voicemail"), ("notes", "1")]).await;
    assert!(!notes.is_empty());
    let tags = found(&api, &[("query", "firmware"), ("tags", "1")]).await;
    assert!(!tags.is_empty());
    // Results carry posts.
    let doc = api
        .post(
            "/Tickets/TicketSearch",
            &[("query", "printer broken"), ("contents", "1")],
        )
        .await
        .xml();
    assert!(!doc.child("ticket").child("posts").all("post").is_empty());
}

#[tokio::test]
async fn phrase_or_all_words() {
    let sim = start().await;
    let api = Api::new(&sim);
    let words = found(&api, &[("query", "fire printer"), ("contents", "1")]).await;
    assert!(words.contains(&TICKET_WITH_POSTS));
    let phrase = found(
        &api,
        &[
            ("query", "fire printer"),
            ("contents", "1"),
            ("phrase", "1"),
        ],
    )
    .await;
    assert!(phrase.is_empty());
    let phrase = found(
        &api,
        &[("query", "ON FIRE"), ("contents", "1"), ("phrase", "1")],
    )
    .await;
    assert_eq!(phrase, vec![TICKET_WITH_POSTS]);
    // Non-ASCII text is found too.
    let czech = found(&api, &[("query", "žluťoučký"), ("contents", "1")]).await;
    assert_eq!(czech, vec![CZECH_TICKET]);
}

#[tokio::test]
async fn results_are_capped_and_only_post_searches() {
    let sim = start_with(true, 5).await;
    let api = Api::new(&sim);
    let capped = found(&api, &[("query", "@"), ("email", "1")]).await;
    assert_eq!(capped, vec![1, 2, 3, 4, 5]);
    for verb in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let mut q = vec![("e", "/Tickets/TicketSearch")];
        q.extend_from_slice(&signed());
        let a = api
            .send(api.http.request(verb.clone(), &api.base).query(&q))
            .await;
        assert_eq!(
            (a.status, a.body.as_str()),
            (
                400,
                "Not Implemented, Call POST /Tickets/TicketSearch instead."
            ),
            "{verb}"
        );
    }
}
