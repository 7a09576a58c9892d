//! The Segment-compatible bridge over real HTTP: every route, every write-key form, gzip
//! on and off, limits, malformed bodies, deduplication (also across a restart of the
//! real binary), clock skew and the mapping onto profiles.

use crate::support::{client, in_process, sources, InProc, InProcOptions, Server};
use base64::Engine as _;
use serde_json::{json, Value};
use std::io::Write;
use tracardictl::domain::Event;

async fn server() -> InProc {
    in_process(InProcOptions::default()).await
}

fn basic(key: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// POSTs raw bytes with the given headers; answers status and JSON body.
async fn post(url: &str, body: Vec<u8>, headers: &[(&str, String)]) -> (u16, Value) {
    let mut r = client().post(url).body(body);
    for (k, v) in headers {
        r = r.header(*k, v);
    }
    let resp = r.send().await.expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn post_json(s: &InProc, path: &str, body: &Value) -> (u16, Value) {
    post(
        &format!("{}{path}", s.url),
        body.to_string().into_bytes(),
        &[
            ("content-type", "application/json".into()),
            ("authorization", basic(&format!("{}:", sources::SEGMENT))),
        ],
    )
    .await
}

fn assert_error(status: u16, body: &Value, expected: u16) {
    assert_eq!(status, expected, "{body}");
    assert!(
        body["code"].as_str().is_some_and(|c| !c.is_empty()),
        "{body}"
    );
    assert!(
        body["message"].as_str().is_some_and(|c| !c.is_empty()),
        "{body}"
    );
}

async fn segment_events(s: &InProc) -> Vec<Event> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = s
            .store
            .events_by_time(&s.scope, Default::default(), after.as_deref(), 1000)
            .await
            .unwrap();
        all.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    all.into_iter()
        .filter(|e| e.source.id == sources::SEGMENT)
        .collect()
}

fn message(kind: &str, n: usize) -> Value {
    let mut m = json!({
        "type": kind,
        "messageId": format!("node-next-1700000000000-{kind}-{n}"),
        "anonymousId": format!("anon-{n}"),
        "userId": null,
        "timestamp": "2024-03-01T10:00:00.000Z",
        "context": {"library": {"name": "analytics-node-next", "version": "1.0"}},
        "integrations": {},
        "_metadata": {"nodeVersion": "20"},
    });
    match kind {
        "track" => m["event"] = json!("Order Completed"),
        "page" | "screen" => m["name"] = json!("Home"),
        "identify" => m["traits"] = json!({"email": format!("u{n}@x.io")}),
        "group" => {
            m["groupId"] = json!("g1");
            m["traits"] = json!({"name": "ACME"});
        }
        "alias" => {
            m["previousId"] = json!(format!("anon-{n}"));
            m["userId"] = json!(format!("user-{n}"));
        }
        _ => {}
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_succeeds_and_refuses_a_missing_key() {
    let s = server().await;
    let routes: &[(&str, &str)] = &[
        ("/v1/track", "track"),
        ("/v1/page", "page"),
        ("/v1/screen", "screen"),
        ("/v1/identify", "identify"),
        ("/v1/group", "group"),
        ("/v1/alias", "alias"),
        ("/v1/t", "track"),
        ("/v1/p", "page"),
        ("/v1/s", "screen"),
        ("/v1/i", "identify"),
        ("/v1/g", "group"),
        ("/v1/a", "alias"),
        ("/v1/batch", "batch"),
        ("/v1/import", "batch"),
        ("/v1/b", "batch"),
    ];
    for (i, (path, kind)) in routes.iter().enumerate() {
        let body = if *kind == "batch" {
            json!({"batch": [message("track", 1000 + i), message("identify", 1000 + i)]})
        } else {
            message(kind, i)
        };
        let (status, resp) = post_json(&s, path, &body).await;
        assert_eq!(status, 200, "{path}: {resp}");
        assert_eq!(resp, json!({"success": true}), "{path}");
        let (status, resp) = post(
            &format!("{}{path}", s.url),
            body.to_string().into_bytes(),
            &[("content-type", "application/json".into())],
        )
        .await;
        assert_error(status, &resp, 401);
    }
    let events = segment_events(&s).await;
    // 12 single messages and 3 batches of 2.
    assert_eq!(events.len(), 18);
    let types: std::collections::HashSet<&str> =
        events.iter().map(|e| e.event_type.as_str()).collect();
    for t in [
        "order-completed",
        "page-view",
        "screen-view",
        "identify",
        "group",
        "alias",
    ] {
        assert!(types.contains(t), "{t} missing in {types:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_route() {
    let s = server().await;
    let r = client()
        .get(format!(
            "{}/v1/projects/{}/settings",
            s.url,
            sources::SEGMENT
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let doc: Value = r.json().await.unwrap();
    assert_eq!(
        doc["integrations"]["Segment.io"]["apiKey"],
        sources::SEGMENT
    );
    assert!(doc["integrations"]["Segment.io"]["apiHost"]
        .as_str()
        .unwrap()
        .ends_with("/v1"));
    let r = client()
        .get(format!("{}/v1/projects/nope/settings", s.url))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    assert_error(status, &r.json().await.unwrap(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_key_form_is_accepted() {
    let s = server().await;
    let key = sources::SEGMENT;
    let url = format!("{}/v1/batch", s.url);
    let batch = |n: usize| json!({"batch": [message("track", n)]});
    type Form<'a> = (String, Vec<(&'a str, String)>, Value);
    let forms: Vec<Form> = vec![
        (
            url.clone(),
            vec![("authorization", basic(&format!("{key}:")))],
            batch(1),
        ),
        (url.clone(), vec![("authorization", basic(key))], batch(2)),
        (
            url.clone(),
            vec![("x-write-key", key.to_string())],
            batch(3),
        ),
        (format!("{url}?writekey={key}"), vec![], batch(4)),
        (format!("{url}?writeKey={key}"), vec![], batch(5)),
        (url.clone(), vec![], {
            let mut b = batch(6);
            b["writeKey"] = json!(key);
            b
        }),
    ];
    for (u, headers, body) in forms {
        let (status, resp) = post(&u, body.to_string().into_bytes(), &headers).await;
        assert_eq!(
            (status, &resp),
            (200, &json!({"success": true})),
            "{headers:?} {u}"
        );
    }
    assert_eq!(segment_events(&s).await.len(), 6);

    for bad in ["nope", sources::SEGMENT_DISABLED, sources::REST] {
        let (status, resp) = post(
            &url,
            batch(7).to_string().into_bytes(),
            &[("authorization", basic(&format!("{bad}:")))],
        )
        .await;
        assert_error(status, &resp, 401);
    }
    let (status, resp) = post(
        &url,
        batch(8).to_string().into_bytes(),
        &[("authorization", "Basic !!!not-base64".into())],
    )
    .await;
    assert_error(status, &resp, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_and_content_types() {
    let s = server().await;
    let url = format!("{}/v1/batch", s.url);
    let body = json!({"batch": (0..50).map(|n| message("track", n)).collect::<Vec<_>>(), "writeKey": sources::SEGMENT});
    // Gzipped JSON labelled as a form, as one SDK sends it.
    let (status, resp) = post(
        &url,
        gzip(body.to_string().as_bytes()),
        &[
            ("content-encoding", "gzip".into()),
            ("content-type", "application/x-www-form-urlencoded".into()),
        ],
    )
    .await;
    assert_eq!((status, resp), (200, json!({"success": true})));
    // Plain JSON labelled text/plain, as the browser library sends it.
    let single = {
        let mut m = message("page", 99);
        m["writeKey"] = json!(sources::SEGMENT);
        m
    };
    let (status, _) = post(
        &format!("{}/v1/p", s.url),
        single.to_string().into_bytes(),
        &[("content-type", "text/plain".into())],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(segment_events(&s).await.len(), 51);

    // Not gzip although it says so; an unknown encoding.
    let (status, resp) = post(
        &url,
        body.to_string().into_bytes(),
        &[("content-encoding", "gzip".into())],
    )
    .await;
    assert_error(status, &resp, 400);
    let (status, resp) = post(
        &url,
        body.to_string().into_bytes(),
        &[("content-encoding", "br".into())],
    )
    .await;
    assert_error(status, &resp, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_and_malformed_bodies_answer_400() {
    let s = server().await;
    let url = format!("{}/v1/batch", s.url);
    let auth = vec![("authorization", basic(&format!("{}:", sources::SEGMENT)))];
    let send = |body: Vec<u8>, gz: bool| {
        let mut h = auth.clone();
        if gz {
            h.push(("content-encoding", "gzip".into()));
        }
        let url = url.clone();
        async move { post(&url, body, &h).await }
    };

    // One message over 32 KB.
    let mut big = message("track", 1);
    big["properties"] = json!({"blob": "x".repeat(33 * 1024)});
    let (status, resp) = send(
        json!({"batch": [big.clone()]}).to_string().into_bytes(),
        false,
    )
    .await;
    assert_error(status, &resp, 400);
    assert_eq!(resp["code"], "message_too_large");
    let (status, resp) = post_json(&s, "/v1/track", &big).await;
    assert_error(status, &resp, 400);

    // A batch over 500 KB once decompressed, though small on the wire.
    let many: Vec<Value> = (0..40)
        .map(|n| {
            let mut m = message("track", n);
            m["properties"] = json!({"blob": "y".repeat(20 * 1024)});
            m
        })
        .collect();
    let body = json!({"batch": many}).to_string();
    assert!(body.len() > 500 * 1024);
    let (status, resp) = send(gzip(body.as_bytes()), true).await;
    assert_error(status, &resp, 400);
    assert_eq!(resp["code"], "payload_too_large");
    let (status, resp) = send(body.into_bytes(), false).await;
    assert_error(status, &resp, 400);

    // A gzip bomb: 64 MiB of zeros in well under 100 KB.
    let bomb = gzip(&vec![b' '; 64 << 20]);
    assert!(bomb.len() < 100 * 1024);
    let (status, resp) = send(bomb, true).await;
    assert_error(status, &resp, 400);

    // More than 2,500 messages.
    let tiny: Vec<Value> = (0..2501).map(|_| json!({})).collect();
    let (status, resp) = send(json!({"batch": tiny}).to_string().into_bytes(), false).await;
    assert_error(status, &resp, 400);
    assert_eq!(resp["code"], "too_many_messages");

    // Malformed: not JSON, not an object, no batch, a wrong type.
    for body in [
        b"{not json".to_vec(),
        b"[1,2]".to_vec(),
        br#"{"sentAt": "x"}"#.to_vec(),
        br#"{"batch": 3}"#.to_vec(),
        Vec::new(),
    ] {
        let (status, resp) = send(body.clone(), false).await;
        assert_error(status, &resp, 400);
    }
    let (status, resp) = post_json(&s, "/v1/track", &json!({"anonymousId": "a"})).await;
    assert_error(status, &resp, 400);
    let (status, resp) = post_json(&s, "/v1/identify", &json!({"traits": {}})).await;
    assert_error(status, &resp, 400);
    // Nested deeper than the input limit: stored, it could not be read back.
    let deep = format!(
        "{{\"userId\":\"u\",\"messageId\":\"g-1\",\"groupId\":\"g\",\"traits\":{{\"x\":{}1{}}}}}",
        "[".repeat(100),
        "]".repeat(100)
    );
    let (status, resp) = post(&format!("{}/v1/group", s.url), deep.into_bytes(), &auth).await;
    assert_error(status, &resp, 400);
    assert!(
        resp["message"].as_str().unwrap().contains("nested deeper"),
        "{resp}"
    );
    assert!(segment_events(&s).await.is_empty(), "nothing stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_without_ids_is_rejected_and_the_rest_kept() {
    let s = server().await;
    let mut anonymous = message("track", 2);
    anonymous["anonymousId"] = Value::Null;
    let body = json!({"batch": [message("track", 1), anonymous, {"type": "bogus"}, 7, message("page", 3)]});
    let (status, resp) = post_json(&s, "/v1/batch", &body).await;
    assert_eq!((status, resp), (200, json!({"success": true})));
    assert_eq!(segment_events(&s).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resent_batch_stores_nothing_twice() {
    let s = server().await;
    let body = json!({"batch": (0..20).map(|n| message("track", n)).collect::<Vec<_>>()});
    for _ in 0..3 {
        let (status, _) = post_json(&s, "/v1/batch", &body).await;
        assert_eq!(status, 200);
    }
    // Also a duplicate inside one batch.
    let dup = json!({"batch": [message("page", 1), message("page", 1)]});
    post_json(&s, "/v1/batch", &dup).await;
    let events = segment_events(&s).await;
    assert_eq!(events.len(), 21);
    let all: Vec<Event> = s
        .store
        .events_by_time(&s.scope, Default::default(), None, 10_000)
        .await
        .unwrap()
        .items;
    let created = all
        .iter()
        .filter(|e| e.event_type == "profile-created")
        .count();
    assert_eq!(created, 20, "one profile per anonymous id, not per resend");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_skew_and_batch_context() {
    let s = server().await;
    let now = chrono::Utc::now();
    // The sender's clock runs two hours fast; the event happened a minute before sending.
    let sent = now + chrono::Duration::hours(2);
    let happened = sent - chrono::Duration::minutes(1);
    let mut m = message("track", 1);
    m["timestamp"] = json!(happened.to_rfc3339());
    m["context"] = json!({"locale": "pl-PL"});
    let body = json!({
        "batch": [m],
        "sentAt": sent.to_rfc3339(),
        "context": {"library": {"name": "analytics-python"}, "locale": "en-US"},
    });
    let (status, _) = post_json(&s, "/v1/batch", &body).await;
    assert_eq!(status, 200);
    let e = segment_events(&s).await.pop().unwrap();
    let created = e.metadata.time.create.unwrap();
    let expected = now - chrono::Duration::minutes(1);
    assert!(
        (created - expected).num_seconds().abs() < 10,
        "corrected {created}, expected about {expected}"
    );
    assert_eq!(e.context["library"]["name"], "analytics-python");
    assert_eq!(
        e.context["locale"], "pl-PL",
        "the message's own context wins"
    );
    assert_eq!(
        e.context["segment"]["messageId"],
        "node-next-1700000000000-track-1"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identify_alias_and_group_shape_the_profile() {
    let s = server().await;
    // Anonymous browsing, then identify with traits only in context.traits.
    let page = json!({"type": "page", "anonymousId": "anon-1", "messageId": "m1", "name": "Home"});
    let identify = json!({"type": "identify", "anonymousId": "anon-1", "userId": "user-1", "messageId": "m2",
        "context": {"traits": {"email": "Ann@X.io", "phone": "+48 600", "plan": "pro"}}});
    let (status, _) = post_json(&s, "/v1/batch", &json!({"batch": [page, identify]})).await;
    assert_eq!(status, 200);
    let p = s.store.profile(&s.scope, "anon-1").await.unwrap().unwrap();
    assert_eq!(p.traits["plan"], "pro");
    assert_eq!(p.data.contact.email.main.as_deref(), Some("Ann@X.io"));
    assert_eq!(p.data.contact.phone.main.as_deref(), Some("+48 600"));
    assert_eq!(p.data.identifier.id.as_deref(), Some("user-1"));
    assert!(p.ids.contains(&"user-1".to_string()));

    // A server-side track by user id only reaches the same profile.
    let (status, _) = post_json(
        &s,
        "/v1/track",
        &json!({"userId": "user-1", "event": "Signed Up", "messageId": "m3"}),
    )
    .await;
    assert_eq!(status, 200);
    let events = s.events_of(&p.id).await;
    assert!(events.iter().any(|e| e.event_type == "signed-up"));

    // Group: a group event and traits.groups.
    let (status, _) = post_json(
        &s,
        "/v1/group",
        &json!({"userId": "user-1", "groupId": "acme", "traits": {"employees": 10}, "messageId": "m4"}),
    )
    .await;
    assert_eq!(status, 200);
    let p = s.store.profile(&s.scope, "user-1").await.unwrap().unwrap();
    assert_eq!(p.traits["groups"]["acme"]["employees"], 10);

    // Alias: another device's anonymous id now resolves to the user's profile.
    let (status, _) = post_json(
        &s,
        "/v1/track",
        &json!({"anonymousId": "anon-2", "event": "Viewed", "messageId": "m5"}),
    )
    .await;
    assert_eq!(status, 200);
    let other = s.store.profile(&s.scope, "anon-2").await.unwrap().unwrap();
    assert_ne!(other.id, p.id);
    let (status, _) = post_json(
        &s,
        "/v1/alias",
        &json!({"previousId": "anon-2", "userId": "user-1", "messageId": "m6"}),
    )
    .await;
    assert_eq!(status, 200);
    let merged = s.store.profile(&s.scope, "anon-2").await.unwrap().unwrap();
    assert_eq!(
        merged.id, p.id,
        "previousId now points at the user's profile"
    );
}

/// The real binary: a batch is stored, the process is SIGKILLed, restarted, and the
/// same batch resent stores nothing twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dedup_survives_a_restart_of_the_real_binary() {
    use tracardictl::domain::{Context, EventSource, Scope};
    use tracardictl::store;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let scope = Scope::default_tenant(Context::Production);
    {
        let st = store::open(data.to_str().unwrap(), &store::OpenOptions::default()).unwrap();
        let mut src = EventSource::new_rest("wk-real", "segment");
        src.source_type = "segment".into();
        store::put_event_source(st.as_ref(), &scope, &src)
            .await
            .unwrap();
        st.durable().await.unwrap();
    }
    let body = json!({"batch": (0..30).map(|n| message("track", n)).collect::<Vec<_>>()});
    let headers = [("authorization", basic("wk-real:"))];
    let mut srv = Server::start_at(&data, &[]);
    let url = format!("{}/v1/batch", srv.collector());
    let (status, _) = post(&url, gzip(body.to_string().as_bytes()), &{
        let mut h = headers.to_vec();
        h.push(("content-encoding", "gzip".into()));
        h
    })
    .await;
    assert_eq!(status, 200);
    srv.kill();
    let mut srv = Server::start_at(&data, &[]);
    let url = format!("{}/v1/batch", srv.collector());
    let (status, _) = post(&url, body.to_string().into_bytes(), &headers).await;
    assert_eq!(status, 200);
    srv.kill();
    drop(srv);
    let st = store::open(data.to_str().unwrap(), &store::OpenOptions::default()).unwrap();
    let all = st
        .events_by_time(&scope, Default::default(), None, 10_000)
        .await
        .unwrap()
        .items;
    let ours = all.iter().filter(|e| e.source.id == "wk-real").count();
    assert_eq!(ours, 30);
}

/// What a store holds of the Segment bridge's work, independent of generated ids and
/// times: each profile (ids, traits, merge-key fields, visits) with the types of its
/// events and the ids of the events the messages made.
async fn outcome(s: &InProc) -> Vec<Value> {
    let profiles = s
        .store
        .list_profiles(&s.scope, None, 1000)
        .await
        .unwrap()
        .items;
    let mut out = Vec::new();
    for p in profiles {
        let mut ids = p.ids.clone();
        ids.sort();
        let events = s.events_of(&p.id).await;
        let mut types: Vec<String> = events.iter().map(|e| e.event_type.clone()).collect();
        types.sort();
        let mut message_events: Vec<String> = events
            .iter()
            .filter(|e| e.source.id == sources::SEGMENT)
            .map(|e| e.id.clone())
            .collect();
        message_events.sort();
        out.push(json!({
            "id": p.id, "ids": ids, "traits": p.traits,
            "email": p.data.contact.email.main, "user": p.data.identifier.id,
            "merge": p.metadata.system.aux.auto_merge, "visits": p.metadata.time.visit.count,
            "types": types, "events": message_events,
        }));
    }
    out.sort_by_key(|v| v["id"].as_str().unwrap_or_default().to_string());
    out
}

/// The batch path keeps the semantics of message-by-message: one batch mixing visitors,
/// an identify followed by a track by user id only, an alias then a track by the
/// aliased id, a duplicate messageId and a bad message leaves the same profiles and
/// events as the same messages sent one request each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_stores_what_the_same_messages_one_by_one_store() {
    let messages = vec![
        json!({"type": "track", "event": "Viewed", "anonymousId": "anon-a", "messageId": "b1"}),
        json!({"type": "page", "name": "Home", "anonymousId": "anon-b", "messageId": "b2"}),
        json!({"type": "identify", "anonymousId": "anon-a", "userId": "user-a", "messageId": "b3",
               "traits": {"email": "a@x.io", "plan": "pro"}}),
        json!({"type": "track", "event": "Paid", "userId": "user-a", "messageId": "b4",
               "properties": {"total": 5}}),
        json!({"type": "page", "name": "Home", "anonymousId": "anon-b", "messageId": "b2"}),
        json!({"type": "track", "event": "Lost", "messageId": "b5"}),
        json!({"type": "alias", "previousId": "anon-c", "userId": "user-a", "messageId": "b6"}),
        json!({"type": "track", "event": "Came Back", "anonymousId": "anon-c", "messageId": "b7"}),
        json!({"type": "group", "groupId": "g1", "traits": {"name": "ACME"},
               "anonymousId": "anon-b", "messageId": "b8"}),
        json!({"type": "track", "event": "Viewed", "anonymousId": "anon-a", "messageId": "b9"}),
    ];
    let batched = server().await;
    let (status, resp) =
        post_json(&batched, "/v1/batch", &json!({"batch": messages.clone()})).await;
    assert_eq!((status, resp), (200, json!({"success": true})));

    let one_by_one = server().await;
    for m in &messages {
        let path = format!("/v1/{}", m["type"].as_str().unwrap());
        let (status, body) = post_json(&one_by_one, &path, m).await;
        let bad = m["messageId"] == "b5";
        assert_eq!(status, if bad { 400 } else { 200 }, "{m}: {body}");
    }
    let (a, b) = (outcome(&batched).await, outcome(&one_by_one).await);
    assert_eq!(a, b);

    // And what that is: two profiles; user-a's holds both anonymous ids and all of its
    // messages, the duplicate is stored once and the message without ids not at all.
    assert_eq!(a.len(), 2, "{a:#?}");
    let user = a.iter().find(|p| p["user"] == "user-a").unwrap();
    for id in ["anon-a", "anon-c", "user-a"] {
        assert!(
            user["ids"].as_array().unwrap().contains(&json!(id)),
            "{user}"
        );
    }
    assert_eq!(user["traits"]["plan"], "pro");
    assert_eq!(user["events"].as_array().unwrap().len(), 6);
    let other = a.iter().find(|p| p["user"].is_null()).unwrap();
    assert_eq!(other["events"].as_array().unwrap().len(), 2);
    assert_eq!(other["traits"]["groups"]["g1"]["name"], "ACME");
    assert_eq!(segment_events(&batched).await.len(), 8);
}
