//! The XML as written: CDATA and its split terminator read back intact by quick-xml, hostile
//! text, stripped control and format characters, the large post.
//!
//! Must not: depend on the product's clients.

use super::*;

async fn ticket(api: &Api, id: u32) -> (String, Node) {
    let a = api.get(&format!("/Tickets/Ticket/{id}")).await;
    let doc = a.xml();
    (a.body, doc.child("ticket").clone())
}

fn first_post(t: &Node) -> Node {
    t.child("posts").all("post")[0].clone()
}

#[tokio::test]
async fn a_cdata_terminator_is_split_and_reads_back_intact() {
    let sim = start().await;
    let api = Api::new(&sim);
    let (raw, t) = ticket(&api, CDATA_TICKET).await;
    assert!(raw.contains("]]]]><![CDATA[>"), "split terminator");
    assert_eq!(first_post(&t).value("contents"), texts::CDATA_BODY);
    // Every value is CDATA: no text is written outside it.
    assert!(raw.contains("<ticketid><![CDATA["));
}

#[tokio::test]
async fn hostile_text_round_trips() {
    let sim = start().await;
    let api = Api::new(&sim);
    let (raw, t) = ticket(&api, MARKUP_TICKET).await;
    assert_eq!(t.value("subject"), texts::MARKUP_SUBJECT);
    assert!(raw.contains("<subject><![CDATA[<b>Invoice</b> for R&D shows &amp; instead of &]]>"));
    let p = first_post(&t);
    assert_eq!(
        (p.value("contents"), p.value("ishtml")),
        (texts::MARKUP_BODY.to_string(), "1".to_string())
    );
    let (raw, t) = ticket(&api, NUMERIC_SUBJECT_TICKET).await;
    assert_eq!(t.value("subject"), texts::NUMERIC_SUBJECT);
    assert!(raw.contains("<subject><![CDATA[00123]]></subject>"));
    let (_, t) = ticket(&api, EMOJI_TICKET).await;
    assert_eq!(t.value("subject"), texts::EMOJI_SUBJECT);
    assert!(t.value("subject").contains('\u{200d}'));
    assert_eq!(first_post(&t).value("contents"), texts::EMOJI_BODY);
    let (_, t) = ticket(&api, CZECH_TICKET).await;
    assert_eq!(t.value("subject"), texts::CZECH_SUBJECT);
    assert_eq!(first_post(&t).value("contents"), texts::CZECH_BODY);
    let (_, t) = ticket(&api, JAPANESE_TICKET).await;
    assert_eq!(t.value("subject"), texts::JAPANESE_SUBJECT);
    assert_eq!(first_post(&t).value("contents"), texts::JAPANESE_BODY);
    let doc = api.get("/Base/User/11").await.xml();
    assert_eq!(doc.child("user").value("fullname"), "Seán O'Brien");
    // Attributes are HTML-escaped and read back as written.
    let (raw, t) = ticket(&api, TICKET_WITH_POSTS).await;
    assert!(raw.contains("<workflow id=\"1\" title=\"Close &amp; Survey\" />"));
    assert_eq!(t.child("workflow").attr("title"), "Close & Survey");
    let (_, t) = ticket(&api, 6).await;
    assert_eq!(t.child("watcher").attr("name"), "Dana Whitfield");
}

#[tokio::test]
async fn control_characters_are_stripped_everywhere() {
    let sim = start().await;
    let api = Api::new(&sim);
    let (raw, t) = ticket(&api, CONTROL_TICKET).await;
    let expected: String = texts::CONTROL_BODY
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    assert_eq!(first_post(&t).value("contents"), expected);
    assert!(!raw.contains('\u{1b}') && !raw.contains('\u{7}'));
}

#[tokio::test]
async fn format_characters_are_stripped_in_the_post_listing_only() {
    let sim = start().await;
    let api = Api::new(&sim);
    let doc = api
        .get(&format!("/Tickets/TicketPost/ListAll/{EMOJI_TICKET}"))
        .await
        .xml();
    let listed = doc.all("post")[0].value("contents");
    assert_eq!(listed, texts::EMOJI_BODY.replace('\u{200d}', ""));
    assert!(!listed.contains('\u{200d}'));
    let id = doc.all("post")[0].value("id");
    let one = api
        .get(&format!("/Tickets/TicketPost/{EMOJI_TICKET}/{id}"))
        .await
        .xml();
    assert_eq!(one.child("post").value("contents"), texts::EMOJI_BODY);
}

#[tokio::test]
async fn the_large_post_arrives_whole() {
    let sim = start().await;
    let api = Api::new(&sim);
    let (_, t) = ticket(&api, LARGE_TICKET).await;
    let contents = first_post(&t).value("contents");
    assert!(contents.len() >= LARGE_POST_BYTES, "{}", contents.len());
    assert!(contents.ends_with("error -71\n"));
    let listed = api
        .get(&format!("/Tickets/TicketPost/ListAll/{LARGE_TICKET}"))
        .await
        .xml();
    assert_eq!(listed.all("post")[0].value("contents"), contents);
}

#[tokio::test]
async fn display_ids_are_unique_and_in_kayakos_form() {
    let sim = start().await;
    let api = Api::new(&sim);
    let doc = api
        .get("/Tickets/Ticket/ListAll/1,2,3/1,2,3,4/-1/-1")
        .await
        .xml();
    let ids: Vec<String> = doc
        .all("ticket")
        .iter()
        .map(|t| t.value("displayid"))
        .collect();
    assert_eq!(ids.len(), TICKETS);
    let re = regex::Regex::new(r"^[A-Z]{3}-\d{3}-\d{5}$").expect("regex");
    assert!(ids.iter().all(|d| re.is_match(d)), "{ids:?}");
    let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), TICKETS);
}
