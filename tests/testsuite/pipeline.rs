//! Event pipeline stages through `/track`: reshaping, validation (406 or stored invalid),
//! data compliance, event-to-profile mappings and consent-gated rules — configured
//! through the private API of the real binary, and in-process for the details.

use crate::support::{client, in_process, sources, InProc, InProcOptions, Server};
use serde_json::{json, Value};
use tracardictl::workflow::engine::kinds;

async fn put(s: &InProc, kind: &str, doc: Value) {
    let id = doc["id"].as_str().unwrap().to_string();
    s.store.put_config(&s.scope, kind, &id, &doc).await.unwrap();
    // What the private API does after every configuration write.
    tracardictl::tracking::config_changed();
}

fn body(session: &str, events: Value) -> Value {
    json!({"source": {"id": sources::REST}, "session": {"id": session}, "events": events})
}

const PRICE_SCHEMA: &str = r#"{"type": "object", "required": ["price"],
    "properties": {"price": {"type": "number"}}}"#;

fn validator(id: &str, on_failure: &str) -> Value {
    let schema: Value = serde_json::from_str(PRICE_SCHEMA).unwrap();
    json!({"id": id, "event_type": "purchase", "enabled": true,
           "validation": {"json_schema": {"event@properties": schema}, "on_failure": on_failure}})
}

async fn api_post(api: &str, token: &str, path: &str, doc: Value) -> (u16, Value) {
    let r = client()
        .post(format!("{api}{path}"))
        .bearer_auth(token)
        .header("x-context", "production")
        .json(&doc)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn api_get(api: &str, token: &str, path: &str) -> Value {
    let r = client()
        .get(format!("{api}{path}"))
        .bearer_auth(token)
        .header("x-context", "production")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn post_track(collector: &str, body: &Value) -> (u16, Value) {
    let r = client()
        .post(format!("{collector}/track"))
        .json(body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stages_applied_through_the_private_api_take_effect_at_once() {
    let server = Server::start();
    let token = server.install().await;
    let api = server.private_api().to_string();
    let collector = server.collector().to_string();
    let source = server.source().to_string();

    // Documents are compiled at apply time: a bad JSON Schema or condition is a 422
    // naming the field.
    let mut bad = validator("v1", "reject");
    bad["validation"]["json_schema"] = json!({"event@properties": {"type": 12}});
    let (status, v) = api_post(&api, &token, "/config/event-validator", bad).await;
    assert_eq!(status, 422, "{v}");
    let msg = v["message"].as_str().unwrap();
    assert!(
        msg.contains("validation.json_schema.event@properties") && msg.contains("JSON Schema"),
        "{v}"
    );
    let bad_mapping = json!({"id": "m0", "event_type": "purchase", "config": {"condition": "event@x =="},
        "event_to_profile": [{"event": "properties.a", "op": "equals", "profile": "traits.a"}]});
    let (status, v) = api_post(&api, &token, "/config/event-to-profile", bad_mapping).await;
    assert_eq!(status, 422, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("config.condition"),
        "{v}"
    );
    let bad_on_failure = json!({"id": "v9", "event_type": "purchase",
        "validation": {"json_schema": {}, "on_failure": "drop"}});
    let (status, v) = api_post(&api, &token, "/config/event-validator", bad_on_failure).await;
    assert_eq!(status, 422, "{v}");

    // A valid validator applies to the very next request.
    let (status, v) = api_post(
        &api,
        &token,
        "/config/event-validator",
        validator("v1", "reject"),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    let track = |props: Value| {
        json!({"source": {"id": source}, "session": {"id": "bb-1"},
               "events": [{"type": "page-view"}, {"type": "Purchase", "properties": props}]})
    };
    let (status, v) = post_track(&collector, &track(json!({"price": "ten"}))).await;
    assert_eq!(status, 406, "{v}");
    assert_eq!(v["code"], "validation_failed");
    assert_eq!(v["errors"][0]["path"], "event@properties");
    assert_eq!(v["errors"][0]["instance_path"], "/price");
    assert_eq!(v["errors"][0]["validator"], "v1");
    assert!(v["message"].as_str().unwrap().contains("/price"), "{v}");
    // Nothing of the refused request was stored: no profile, session or event.
    let counts = api_get(&api, &token, "/events/count").await;
    assert_eq!(counts["count"], 0, "{counts}");
    let profiles = api_get(&api, &token, "/profiles/count").await;
    assert_eq!(profiles["count"], 0, "{profiles}");

    let (status, v) = post_track(&collector, &track(json!({"price": 10}))).await;
    assert_eq!(status, 200, "{v}");

    // Switched to storing invalid events: accepted, stored marked invalid.
    let (status, v) = api_post(
        &api,
        &token,
        "/config/event-validator",
        validator("v1", "store"),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = post_track(&collector, &track(json!({"price": "ten"}))).await;
    assert_eq!(status, 200, "{v}");
    assert!(
        v["warnings"][0].as_str().unwrap().contains("invalid"),
        "{v}"
    );
    let pid = v["profile"]["id"].as_str().unwrap().to_string();
    let events = api_get(&api, &token, &format!("/profiles/{pid}/events")).await;
    let purchases: Vec<&Value> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "purchase")
        .collect();
    assert_eq!(purchases.len(), 2, "{events}");
    assert_eq!(purchases[0]["metadata"]["valid"], true);
    assert_eq!(purchases[1]["metadata"]["valid"], false);
    assert_eq!(purchases[1]["metadata"]["error"], true);
    assert!(purchases[1]["metadata"]["validation_errors"][0]
        .as_str()
        .unwrap()
        .contains("/price"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_request_stores_nothing_and_profile_less_requests_are_validated_too() {
    let s = in_process(InProcOptions::default()).await;
    put(&s, "event-validator", validator("v-pl", "reject")).await;
    let before = s.store.counts(&s.scope).await.unwrap();
    let (status, v) = s
        .track_query(
            &body("pl-1", json!([{"type": "purchase", "properties": {}}])),
            "?profile_less=true",
        )
        .await;
    assert_eq!(status, 406, "{v}");
    assert!(v["message"].as_str().unwrap().contains("price"), "{v}");
    let (status, _) = s
        .track(&body(
            "pl-2",
            json!([{"type": "purchase", "properties": {}}]),
        ))
        .await;
    assert_eq!(status, 406);
    // A webhook's body is validated as the event's properties.
    let r = client()
        .post(format!("{}/collect/purchase/{}", s.url, sources::WEBHOOK))
        .json(&json!({"price": "ten"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 406);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["errors"][0]["instance_path"], "/price", "{v}");
    assert_eq!(s.store.counts(&s.scope).await.unwrap(), before);
    assert!(s.store.session(&s.scope, "pl-2").await.unwrap().is_none());
    let r = client()
        .post(format!("{}/collect/purchase/{}", s.url, sources::WEBHOOK))
        .json(&json!({"price": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // A disabled validator does nothing.
    let mut off = validator("v-pl", "reject");
    off["enabled"] = json!(false);
    put(&s, "event-validator", off).await;
    let (status, v) = s
        .track(&body(
            "pl-2",
            json!([{"type": "purchase", "properties": {}}]),
        ))
        .await;
    assert_eq!(status, 200, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reshaping_rewrites_properties_context_and_session_before_storing() {
    let s = in_process(InProcOptions::default()).await;
    put(
        &s,
        "event-reshaping",
        json!({"id": "rs", "event_type": "add-to-cart", "event_source": sources::REST,
               "reshaping": {"condition": "event@properties.item.sku EXISTS", "reshape_schema": {
                   "properties": {"sku": "event@properties.item.sku", "qty": "`1`",
                                  "label": "{{event@properties.item.sku}} x1"},
                   "context": {"page?": "event@context.page.url"},
                   "session": {"cart": "event@properties.item.sku"}}}}),
    )
    .await;
    let (status, v) = s
        .track(&body(
            "rs-1",
            json!([{"type": "add-to-cart", "properties": {"item": {"sku": "Z9", "noise": true}},
                    "context": {"page": {"url": "https://shop.example/z9"}}},
                   {"type": "add-to-cart", "properties": {"other": 1}}]),
        ))
        .await;
    assert_eq!(status, 200, "{v}");
    let pid = v["profile"]["id"].as_str().unwrap();
    let events = s.events_of(pid).await;
    let carts: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "add-to-cart")
        .collect();
    assert_eq!(
        Value::Object(carts[0].properties.clone()),
        json!({"sku": "Z9", "qty": 1, "label": "Z9 x1"})
    );
    assert_eq!(
        Value::Object(carts[0].context.clone()),
        json!({"page": "https://shop.example/z9"})
    );
    // The condition does not hold for the second: it is stored as sent.
    assert_eq!(
        Value::Object(carts[1].properties.clone()),
        json!({"other": 1})
    );
    let session = s.store.session(&s.scope, "rs-1").await.unwrap().unwrap();
    assert_eq!(session.context["cart"], json!("Z9"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mappings_copy_event_values_to_the_profile_and_refresh_merge_keys() {
    let s = in_process(InProcOptions::default()).await;
    put(
        &s,
        "event-to-profile",
        json!({"id": "m1", "event_type": "sign-up", "config": {"condition": "event@properties.email EXISTS"},
               "event_to_profile": [
                   {"event": "properties.email", "op": "equals", "profile": "data.contact.email.main"},
                   {"event": "properties.name", "op": "equals_if_not_exists", "profile": "data.pii.firstname"},
                   {"event": "properties.topic", "op": "append", "profile": "traits.topics"}]}),
    )
    .await;
    let (status, v) = s
        .track(&body(
            "m-1",
            json!([{"type": "sign-up", "properties": {"email": "Ann@Example.com", "name": "Ann", "topic": "shoes"}}]),
        ))
        .await;
    assert_eq!(status, 200, "{v}");
    let pid = v["profile"]["id"].as_str().unwrap().to_string();
    let (status, _) = s
        .track(&body(
            "m-1",
            json!([{"type": "sign-up", "properties": {"email": "ann@example.com", "name": "Bob", "topic": ["hats", "shoes"]}},
                   {"type": "sign-up", "properties": {"name": "Carl", "topic": "never"}}]),
        ))
        .await;
    assert_eq!(status, 200);
    let p = s.store.profile(&s.scope, &pid).await.unwrap().unwrap();
    assert_eq!(
        p.data.contact.email.main.as_deref(),
        Some("ann@example.com")
    );
    assert_eq!(
        p.data.pii.firstname.as_deref(),
        Some("Ann"),
        "not overwritten"
    );
    assert_eq!(p.traits["topics"], json!(["shoes", "hats"]));
    // The merge key of the mapped e-mail: the profile is found by it.
    let key = p
        .ids
        .iter()
        .find(|i| i.starts_with("emm-"))
        .expect("email key");
    let found = s.store.profile(&s.scope, key).await.unwrap().unwrap();
    assert_eq!(found.id, pid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compliance_hashes_or_removes_until_consents_are_granted_and_gates_rules() {
    let s = in_process(InProcOptions::default()).await;
    put(
        &s,
        "data-compliance",
        json!({"id": "dc", "event_type": "purchase", "settings": [
            {"action": "hash", "field": "properties.email", "consents": [{"id": "marketing", "name": "Marketing"}]},
            {"action": "remove", "field": "properties.card", "consents": ["marketing"]},
            {"action": "remove", "field": "properties.ssn"}]}),
    )
    .await;
    // Consent is granted by an opt-in event mapped onto the profile.
    put(
        &s,
        "event-to-profile",
        json!({"id": "grant", "event_type": "opt-in", "event_to_profile": [
            {"event": "properties.grant", "op": "equals", "profile": "consents.marketing"}]}),
    )
    .await;
    // A rule that requires the consent, running a flow that answers.
    let flow = r#"
id: thanks
nodes:
  - {id: start, plugin: start}
  - {id: answer, plugin: create-response, init: {key: thanks, body: {ok: "`true`"}}}
edges: ["start -> answer"]
"#;
    let flow = tracardictl::workflow::flow::FlowDocument::from_text(flow)
        .unwrap()
        .to_value();
    put(&s, kinds::FLOW, flow).await;
    put(
        &s,
        kinds::RULE,
        json!({"id": "gated", "name": "gated", "type": "event-collect",
               "event_type": {"id": "purchase", "name": "purchase"},
               "source": {"id": sources::REST, "name": "rest"}, "flow": {"id": "thanks", "name": "thanks"},
               "enabled": true, "properties": {"consents": [{"id": "marketing", "name": "Marketing"}]}}),
    )
    .await;
    let purchase = json!([{"type": "purchase",
        "properties": {"email": "a@x.io", "card": "4111", "ssn": "1", "sku": "A"}}]);

    let (status, v) = s.track(&body("dc-1", purchase.clone())).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["response"], json!({}), "rule gated without consent: {v}");
    let pid = v["profile"]["id"].as_str().unwrap().to_string();
    let events = s.events_of(&pid).await;
    let p = &events
        .iter()
        .find(|e| e.event_type == "purchase")
        .unwrap()
        .properties;
    assert_eq!(
        p["email"],
        json!(tracardictl::tracking::stages::hash_value(&json!("a@x.io")))
    );
    assert_ne!(p["email"], json!("a@x.io"));
    assert!(!p.contains_key("card") && !p.contains_key("ssn"), "{p:?}");
    assert_eq!(p["sku"], json!("A"));

    let (status, _) = s
        .track(&body(
            "dc-1",
            json!([{"type": "opt-in", "properties": {"grant": {"revoke": null}}}]),
        ))
        .await;
    assert_eq!(status, 200);
    let (status, v) = s.track(&body("dc-1", purchase)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["response"], json!({"thanks": {"ok": true}}), "{v}");
    let events = s.events_of(&pid).await;
    let last = events
        .iter()
        .rev()
        .find(|e| e.event_type == "purchase")
        .unwrap();
    assert_eq!(last.properties["email"], json!("a@x.io"));
    assert_eq!(last.properties["card"], json!("4111"));
    assert!(
        !last.properties.contains_key("ssn"),
        "no consents listed: always"
    );
    assert_eq!(last.metadata.processed_by.rules, vec!["gated".to_string()]);
}

/// Segment batches go through the same stages: with a validator configured, the invalid
/// message of a batch is refused and the rest of the batch stored, as if sent one by one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn segment_batches_pass_through_the_stages() {
    let s = in_process(InProcOptions::default()).await;
    let v = validator("v-seg", "reject");
    put(&s, "event-validator", v).await;
    let batch = json!({"batch": [
        {"type": "track", "event": "Purchase", "anonymousId": "anon-1", "messageId": "ok-1",
         "properties": {"price": 10}},
        {"type": "track", "event": "Purchase", "anonymousId": "anon-1", "messageId": "bad-1",
         "properties": {"price": "ten"}},
        {"type": "track", "event": "Purchase", "anonymousId": "anon-2", "messageId": "ok-2",
         "properties": {"price": 3}}
    ]});
    let r = client()
        .post(format!("{}/v1/batch", s.url))
        .header("x-write-key", sources::SEGMENT)
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let id =
        |m: &str| tracardictl::daemon::bridges::derived_id(&["segment-event", sources::SEGMENT, m]);
    for (m, stored) in [("ok-1", true), ("bad-1", false), ("ok-2", true)] {
        let found = s.store.event(&s.scope, &id(m)).await.unwrap();
        assert_eq!(found.is_some(), stored, "{m}");
    }
    // A single message that fails validation is refused with the reason.
    let r = client()
        .post(format!("{}/v1/track", s.url))
        .header("x-write-key", sources::SEGMENT)
        .json(
            &json!({"event": "Purchase", "anonymousId": "anon-3", "messageId": "bad-2",
                      "properties": {}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("price"),
        "{body}"
    );
}
