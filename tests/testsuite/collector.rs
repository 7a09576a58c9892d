//! The public collector: every route of TRACKING.md §1 that exists, with its success
//! and failure paths, over real HTTP.

use crate::support::{client, in_process, payload, sources, InProc, InProcOptions, Server};
use serde_json::{json, Value};
use std::collections::HashSet;

async fn server() -> InProc {
    in_process(InProcOptions::default()).await
}

fn pid(resp: &Value) -> String {
    resp["profile"]["id"]
        .as_str()
        .expect("profile id")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_visitor_gets_profile_session_and_system_events() {
    let s = server().await;
    let (status, resp) = s
        .track(&payload(
            sources::REST,
            Some("s1"),
            None,
            &["Page View", "purchase"],
        ))
        .await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["session"]["id"], "s1");
    assert_eq!(resp["errors"], json!([]));
    assert!(resp["task"].as_str().is_some_and(|t| t.len() == 36));
    let profile = pid(&resp);
    let events = s.events_of(&profile).await;
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "profile-created",
            "session-opened",
            "visit-started",
            "page-view",
            "purchase"
        ],
        "two events for a new visitor store five, in collection order"
    );
    let pv = &events[3];
    assert_eq!(pv.name.as_deref(), Some("Page View"));
    assert_eq!(pv.source.id, sources::REST);
    assert_eq!(events[0].source.id, "@internal");
    assert_eq!(pv.session.as_ref().map(|x| x.id.as_str()), Some("s1"));
    let p = s.store.profile(&s.scope, &profile).await.unwrap().unwrap();
    assert_eq!(p.metadata.time.visit.count, 1);
    assert!(p.ids.contains(&profile));
    let sess = s.store.session(&s.scope, "s1").await.unwrap().unwrap();
    assert_eq!(sess.metadata.status, "active");
    assert_eq!(sess.profile_id(), Some(profile.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_session_wins_over_payload_profile() {
    let s = server().await;
    let (_, first) = s
        .track(&payload(sources::REST, Some("s1"), None, &["a"]))
        .await;
    let p1 = pid(&first);
    let (_, other) = s
        .track(&payload(sources::REST, Some("s2"), None, &["a"]))
        .await;
    let p2 = pid(&other);
    let (status, again) = s
        .track(&payload(sources::REST, Some(" s1 "), Some(&p2), &["b"]))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        pid(&again),
        p1,
        "the session's profile, whatever the payload says"
    );
    let types: Vec<String> = s
        .events_of(&p1)
        .await
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(types.iter().filter(|t| *t == "visit-started").count(), 1);
    assert_eq!(types.last().map(String::as_str), Some("b"));
    let p = s.store.profile(&s.scope, &p1).await.unwrap().unwrap();
    assert_eq!(p.metadata.time.visit.count, 1, "same session, same visit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_profile_ids_are_never_adopted() {
    let s = server().await;
    let (status, resp) = s
        .track(&payload(
            sources::REST,
            Some("s1"),
            Some("forged-id"),
            &["a"],
        ))
        .await;
    assert_eq!(status, 200);
    assert_ne!(pid(&resp), "forged-id");
    assert!(s
        .store
        .profile(&s.scope, "forged-id")
        .await
        .unwrap()
        .is_none());
    // …except on a source that says so.
    let (_, resp) = s
        .track(&payload(
            sources::STATIC,
            Some("s2"),
            Some("crm-42"),
            &["a"],
        ))
        .await;
    assert_eq!(pid(&resp), "crm-42");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_session_finds_profile_by_any_of_its_ids_and_counts_the_visit() {
    let s = server().await;
    let (_, first) = s
        .track(&payload(sources::REST, Some("s1"), None, &["a"]))
        .await;
    let p1 = pid(&first);
    let mut p = s.store.profile(&s.scope, &p1).await.unwrap().unwrap();
    p.ids.push("emm-known".into());
    s.store.put_profile(&s.scope, &p).await.unwrap();
    let (_, second) = s
        .track(&payload(
            sources::REST,
            Some("s2"),
            Some("emm-known"),
            &["a"],
        ))
        .await;
    assert_eq!(pid(&second), p1);
    let p = s.store.profile(&s.scope, &p1).await.unwrap().unwrap();
    assert_eq!(p.metadata.time.visit.count, 2);
    assert!(p.metadata.time.visit.last.is_some());
    assert!(p.metadata.time.visit.current > p.metadata.time.visit.last);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merged_away_profile_is_followed_and_session_repointed() {
    let s = server().await;
    let (_, first) = s
        .track(&payload(sources::REST, Some("s1"), None, &["a"]))
        .await;
    let old = pid(&first);
    // Simulate a merge: the survivor holds the old id, the old profile is gone.
    s.store.delete_profile(&s.scope, &old).await.unwrap();
    let mut survivor = tracardictl::domain::Profile::new("survivor".into(), chrono::Utc::now());
    survivor.ids.push(old.clone());
    s.store.put_profile(&s.scope, &survivor).await.unwrap();
    let (_, resp) = s
        .track(&payload(sources::REST, Some("s1"), None, &["b"]))
        .await;
    assert_eq!(pid(&resp), "survivor");
    let sess = s.store.session(&s.scope, "s1").await.unwrap().unwrap();
    assert_eq!(sess.profile_id(), Some("survivor"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_control_what_is_saved() {
    let s = server().await;
    let mut body = payload(sources::REST, Some("no-session"), None, &["a"]);
    body["options"] = json!({"saveSession": false, "debugger": true});
    let (status, resp) = s.track(&body).await;
    assert_eq!(status, 200);
    assert!(resp["session"].is_null());
    assert!(s
        .store
        .session(&s.scope, "no-session")
        .await
        .unwrap()
        .is_none());
    let ids: Vec<String> = serde_json::from_value(resp["events"].clone()).unwrap();
    let e = s
        .store
        .event(&s.scope, &ids[ids.len() - 1])
        .await
        .unwrap()
        .unwrap();
    assert!(e.session.is_none());

    let mut body = payload(sources::REST, Some("s-ev"), None, &["a"]);
    body["options"] = json!({"saveEvents": false});
    let (_, resp) = s.track(&body).await;
    assert!(s.events_of(&pid(&resp)).await.is_empty());

    let mut body = payload(sources::REST, Some("s-prof"), None, &["a"]);
    body["options"] = json!({"saveProfile": false, "debugger": true});
    let (_, resp) = s.track(&body).await;
    assert!(resp["profile"].is_null());
    let ids: Vec<String> = serde_json::from_value(resp["events"].clone()).unwrap();
    for id in ids {
        let e = s.store.event(&s.scope, &id).await.unwrap().unwrap();
        assert!(e.profile.is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn debugger_ids_only_when_the_server_allows() {
    let s = in_process(InProcOptions {
        track_debug: false,
        ..InProcOptions::default()
    })
    .await;
    let mut body = payload(sources::REST, None, None, &["a"]);
    body["options"] = json!({"debugger": true});
    let (status, resp) = s.track(&body).await;
    assert_eq!(status, 200);
    assert_eq!(resp["events"], json!([]));
    assert!(
        resp["session"]["id"].as_str().is_some(),
        "a session id is generated"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_less_stores_bare_events() {
    let s = server().await;
    let mut body = payload(sources::REST, Some("s1"), None, &["a", "b"]);
    body["options"] = json!({"debugger": true});
    let (status, resp) = s.track_query(&body, "?profile_less=true").await;
    assert_eq!(status, 200, "{resp}");
    assert!(resp["profile"].is_null());
    let ids: Vec<String> = serde_json::from_value(resp["events"].clone()).unwrap();
    assert_eq!(ids.len(), 2, "no system events without a profile");
    for id in ids {
        let e = s.store.event(&s.scope, &id).await.unwrap().unwrap();
        assert!(e.profile.is_none() && e.session.is_none());
        assert!(e.metadata.profile_less);
    }
    assert!(s.store.session(&s.scope, "s1").await.unwrap().is_none());
    let (status, resp) = s.track_query(&body, "?profile_less=perhaps").await;
    assert_eq!(status, 422);
    assert!(resp["detail"].as_str().unwrap().contains("profile_less"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_moves_and_enrichment() {
    let s = server().await;
    let body = json!({
        "source": {"id": sources::REST},
        "session": {"id": "s1"},
        "context": {
            "utm": {"source": "newsletter", "campaign": "spring"},
            "location": {"country": {"code": "PL"}, "city": "Wroclaw"},
            "screen": {"width": 390, "height": 844},
            "time": {"tz": "Europe/Warsaw"},
            "page": {"url": "https://shop.example/p?id=7", "title": "Product", "referer": {"host": "google.com"}}
        },
        "events": [{"type": "page-view", "options": {"x": 1}, "tags": ["t1"]}],
        "options": {"debugger": true}
    });
    let r = client()
        .post(format!("{}/track", s.url))
        .header("user-agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1")
        .header("authorization", "Bearer secret")
        .header("cookie", "sid=secret")
        .header("x-forwarded-for", "203.0.113.9, 10.0.0.1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let resp: Value = r.json().await.unwrap();
    let sess = s.store.session(&s.scope, "s1").await.unwrap().unwrap();
    assert_eq!(sess.utm.source.as_deref(), Some("newsletter"));
    assert_eq!(sess.device.geo["city"], "Wroclaw");
    assert_eq!(sess.device.resolution.as_deref(), Some("390x844"));
    assert_eq!(sess.os.name.as_deref(), Some("iPhone"));
    assert_eq!(sess.device.brand.as_deref(), Some("Apple"));
    assert_eq!(sess.app.name.as_deref(), Some("Safari"));
    assert!(!sess.context.contains_key("utm") && !sess.context.contains_key("location"));
    let p = s
        .store
        .profile(&s.scope, &pid(&resp))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.metadata.time.visit.tz.as_deref(), Some("Europe/Warsaw"));
    let ids: Vec<String> = serde_json::from_value(resp["events"].clone()).unwrap();
    let e = s
        .store
        .event(&s.scope, ids.last().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.hit.url.as_deref(), Some("https://shop.example/p?id=7"));
    assert_eq!(e.hit.name.as_deref(), Some("Product"));
    assert_eq!(e.hit.query.as_deref(), Some("id=7"));
    assert_eq!(e.hit.referer.as_deref(), Some("google.com"));
    assert_eq!(e.utm.campaign.as_deref(), Some("spring"));
    assert_eq!(e.tags.values, ["t1"]);
    assert_eq!(e.metadata.ip.as_deref(), Some("203.0.113.9"));
    let headers = &e.request["headers"];
    assert!(headers.get("authorization").is_none());
    assert!(headers.get("cookie").is_none());
    assert!(headers["user-agent"].as_str().unwrap().contains("iPhone"));
    assert!(!e.context.contains_key("utm"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_status_and_visit_ended() {
    let s = server().await;
    let (_, resp) = s
        .track(&payload(sources::REST, Some("s1"), None, &["a"]))
        .await;
    let p = pid(&resp);
    let (_, _) = s
        .track(&payload(sources::REST, Some("s1"), None, &["visit-ended"]))
        .await;
    let sess = s.store.session(&s.scope, "s1").await.unwrap().unwrap();
    assert_eq!(sess.metadata.status, "ended");
    let count_started = |types: &[String]| types.iter().filter(|t| *t == "visit-started").count();
    let types: Vec<String> = s
        .events_of(&p)
        .await
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(
        count_started(&types),
        1,
        "visit-ended generates no system event"
    );
    // Back on an ended session: a new visit starts.
    s.track(&payload(sources::REST, Some("s1"), None, &["a"]))
        .await;
    let types: Vec<String> = s
        .events_of(&p)
        .await
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(count_started(&types), 2);
    let sess = s.store.session(&s.scope, "s1").await.unwrap().unwrap();
    assert_eq!(sess.metadata.status, "active");
    // A payload of only visit-started leaves the session `started`.
    s.track(&payload(sources::REST, Some("s9"), None, &[]))
        .await;
    let sess = s.store.session(&s.scope, "s9").await.unwrap().unwrap();
    assert_eq!(sess.metadata.status, "started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn track_rejections_have_tracardis_codes() {
    let s = server().await;
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            payload("unknown", None, None, &["a"]),
            401,
            "Invalid event source `unknown`",
        ),
        (
            payload("@internal", None, None, &["a"]),
            401,
            "Invalid event source `@internal`",
        ),
        (
            payload(sources::DISABLED, None, None, &["a"]),
            401,
            "Event source disabled.",
        ),
        (
            payload(sources::WEBHOOK, None, None, &["a"]),
            401,
            "type `webhook`",
        ),
        (json!({"events": []}), 422, "source"),
        (json!({"source": {"id": "  "}}), 422, "source.id"),
        (
            json!({"source": {"id": sources::REST}, "events": [{"type": ""}]}),
            422,
            "events[0].type",
        ),
        (
            json!({"source": {"id": sources::REST}, "events": [{"properties": {}}]}),
            422,
            "type",
        ),
        (
            json!({"source": {"id": sources::REST}, "events": "no"}),
            422,
            "events",
        ),
        (
            json!({"source": {"id": sources::REST}, "context": [1]}),
            422,
            "context",
        ),
        (json!([1, 2]), 422, "body"),
        // A long unknown id is quoted cut short, not echoed whole.
        (
            payload(&"k".repeat(10_000), None, None, &["a"]),
            401,
            "Invalid event source `kkkk",
        ),
    ];
    for (body, status, needle) in cases {
        let (got, resp) = s.track(&body).await;
        assert_eq!(got, status, "{body} → {resp}");
        let detail = resp["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(needle),
            "{detail:?} should mention {needle:?}"
        );
        assert!(detail.len() < 1000, "{}", detail.len());
        assert_eq!(resp["message"], resp["detail"]);
        assert!(resp["code"].as_str().is_some());
    }
    let r = client()
        .post(format!("{}/track", s.url))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // A whole payload followed by more than whitespace is not JSON either.
    let mut trailing = payload(sources::REST, Some("s1"), None, &["a"]).to_string();
    trailing.push_str(" {}");
    let r = client()
        .post(format!("{}/track", s.url))
        .header("content-type", "application/json")
        .body(trailing)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let resp: serde_json::Value = r.json().await.unwrap();
    assert!(
        resp["detail"]
            .as_str()
            .unwrap()
            .contains("after the JSON object"),
        "{resp}"
    );
    // Nested deeper than the input limit: stored, it could not be read back.
    let deep = format!(
        "{{\"source\":{{\"id\":\"{}\"}},\"context\":{{\"x\":{}1{}}},\"events\":[{{\"type\":\"a\"}}]}}",
        sources::REST,
        "[".repeat(100),
        "]".repeat(100)
    );
    let r = client()
        .post(format!("{}/track", s.url))
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let resp: serde_json::Value = r.json().await.unwrap();
    assert!(
        resp["detail"]
            .as_str()
            .unwrap()
            .contains("nested deeper than 64"),
        "{resp}"
    );
    let c = s.store.counts(&s.scope).await.unwrap();
    assert_eq!(c.events, 0, "nothing stored from rejected requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_body_is_413() {
    let s = in_process(InProcOptions {
        body_limit: 4096,
        ..InProcOptions::default()
    })
    .await;
    let mut body = payload(sources::REST, None, None, &["a"]);
    body["properties"] = json!({"blob": "x".repeat(8000)});
    let (status, resp) = s.track(&body).await;
    assert_eq!(status, 413);
    assert_eq!(resp["code"], "payload_too_large");

    // A declared length over the limit is refused at once, without waiting for a body
    // that may never come (it used to end in a 408 at the request timeout).
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = s.url.trim_start_matches("http://").to_string();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    conn.write_all(
        b"POST /track HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 10000000000\r\n\r\n{}",
    )
    .await
    .unwrap();
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), conn.read(&mut answer))
        .await
        .expect("answered before any timeout")
        .unwrap();
    let head = String::from_utf8_lossy(&answer[..n]);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bots_refused_only_when_configured() {
    let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    for (refuse, expected) in [(true, 401), (false, 200)] {
        let s = in_process(InProcOptions {
            refuse_bots: refuse,
            ..InProcOptions::default()
        })
        .await;
        let r = client()
            .post(format!("{}/track", s.url))
            .header("user-agent", googlebot)
            .json(&payload(sources::REST, None, None, &["a"]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transitional_source_stores_nothing() {
    let s = server().await;
    let (status, resp) = s
        .track(&payload(sources::TRANSITIONAL, Some("s1"), None, &["a"]))
        .await;
    assert_eq!(status, 200);
    assert!(resp["profile"]["id"].is_string());
    assert_eq!(s.store.counts(&s.scope).await.unwrap(), Default::default());
}

async fn collect(s: &InProc, path: &str, ct: Option<&str>, body: &str) -> (u16, Value) {
    let mut req = client()
        .post(format!("{}{path}", s.url))
        .body(body.to_string());
    if let Some(ct) = ct {
        req = req.header("content-type", ct);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn only_event(s: &InProc) -> tracardictl::domain::Event {
    let all = s
        .store
        .events_by_time(&s.scope, Default::default(), None, 100)
        .await
        .unwrap()
        .items;
    all.into_iter()
        .rfind(|e| e.source.id != "@internal")
        .expect("an event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_bodies_become_properties() {
    let s = server().await;
    let path = format!("/collect/Order Paid/{}", sources::WEBHOOK);
    let (status, resp) = collect(
        &s,
        &path,
        Some("application/json"),
        r#"{"order": {"total": 10}}"#,
    )
    .await;
    assert_eq!(status, 200, "{resp}");
    assert!(resp["profile"].is_null(), "profile-less by default");
    let e = only_event(&s).await;
    assert_eq!(e.event_type, "order-paid");
    assert_eq!(e.properties["order"]["total"], 10);
    assert!(e.metadata.profile_less);

    collect(
        &s,
        &path,
        Some("application/x-www-form-urlencoded"),
        "a=1&b=x&a=2",
    )
    .await;
    let e = only_event(&s).await;
    assert_eq!(e.properties["a"], json!(["1", "2"]));
    assert_eq!(e.properties["b"], "x");

    collect(&s, &path, Some("text/plain"), "hello").await;
    assert_eq!(only_event(&s).await.properties["raw"], "hello");
    // Bytes that are not UTF-8 are kept exactly, as base64, never with U+FFFD.
    let binary: &[u8] = &[0xff, 0xfe, 0x00, b'a', 0x80];
    let r = client()
        .post(format!("{}{path}", s.url))
        .header("content-type", "application/octet-stream")
        .body(binary.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let e = only_event(&s).await;
    assert!(e.properties.get("raw").is_none(), "{:?}", e.properties);
    assert_eq!(e.properties["raw_base64"], "//4AYYA=");

    let multipart = "--XX\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@b.c\r\n--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n\r\nabc\r\n--XX--\r\n";
    let (status, _) = collect(
        &s,
        &path,
        Some("multipart/form-data; boundary=XX"),
        multipart,
    )
    .await;
    assert_eq!(status, 200);
    let e = only_event(&s).await;
    assert_eq!(e.properties["email"], "a@b.c");
    assert_eq!(e.properties["f"]["filename"], "x.bin");

    let r = client()
        .get(format!(
            "{}/collect/signup/{}?plan=pro&n=2",
            s.url,
            sources::WEBHOOK
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let e = only_event(&s).await;
    assert_eq!(e.properties["plan"], "pro");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_profiles_and_sessions() {
    let s = server().await;
    let (_, resp) = collect(
        &s,
        &format!("/collect/a/{}/sess-1", sources::WEBHOOK),
        None,
        "",
    )
    .await;
    let p = pid(&resp);
    assert_eq!(resp["session"]["id"], "sess-1");
    assert!(s.store.session(&s.scope, "sess-1").await.unwrap().is_some());
    let r = client()
        .get(format!("{}/collect/b/{}/sess-1", s.url, sources::WEBHOOK))
        .send()
        .await
        .unwrap();
    let resp: Value = r.json().await.unwrap();
    assert_eq!(pid(&resp), p, "the session's profile");

    let (_, resp) = collect(
        &s,
        &format!("/collect/a/{}", sources::WEBHOOK_GENERATE),
        None,
        "",
    )
    .await;
    assert!(resp["profile"]["id"].is_string());

    let (status, resp) = collect(
        &s,
        &format!("/collect/a/{}", sources::WEBHOOK_REPLACE),
        Some("application/json"),
        r#"{"user": {"id": "crm-7"}}"#,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(pid(&resp), "crm-7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_rejections() {
    let s = server().await;
    let (status, _) = collect(&s, &format!("/collect/a/{}", sources::REST), None, "").await;
    assert_eq!(status, 401, "a rest source is not a webhook");
    let (status, _) = collect(&s, "/collect/a/nope", None, "").await;
    assert_eq!(status, 401);
    let (status, resp) = collect(
        &s,
        &format!("/collect/a/{}", sources::WEBHOOK),
        Some("application/json"),
        "{oops",
    )
    .await;
    assert_eq!(status, 422);
    assert!(resp["detail"].as_str().unwrap().contains("JSON"));
    let deep = format!("{{\"x\":{}1{}}}", "[".repeat(126), "]".repeat(126));
    let (status, resp) = collect(
        &s,
        &format!("/collect/a/{}", sources::WEBHOOK),
        Some("application/json"),
        &deep,
    )
    .await;
    assert_eq!(status, 422, "{resp}");
    assert!(
        resp["detail"].as_str().unwrap().contains("nested deeper"),
        "{resp}"
    );
    let r = client()
        .get(format!("{}/collect/a/{}", s.url, sources::DISABLED))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_on_one_new_session_make_one_profile() {
    let s = server().await;
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let url = s.url.clone();
        tasks.push(tokio::spawn(async move {
            let r = client()
                .post(format!("{url}/track"))
                .json(&payload(sources::REST, Some("shared"), None, &["a"]))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let v: Value = r.json().await.unwrap();
            pid(&v)
        }));
    }
    let mut ids = HashSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap());
    }
    assert_eq!(ids.len(), 1, "one session, one profile");
    let p = ids.into_iter().next().unwrap();
    let profile = s.store.profile(&s.scope, &p).await.unwrap().unwrap();
    assert_eq!(profile.metadata.time.visit.count, 1);
    assert_eq!(s.store.counts(&s.scope).await.unwrap().profiles, 1);
    assert_eq!(s.events_of(&p).await.len(), 43);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_new_sessions_of_one_profile_lose_no_visit() {
    let s = server().await;
    let (_, first) = s
        .track(&payload(sources::REST, Some("s0"), None, &["a"]))
        .await;
    let p = pid(&first);
    let mut tasks = Vec::new();
    for i in 1..=30 {
        let url = s.url.clone();
        let p = p.clone();
        tasks.push(tokio::spawn(async move {
            let r = client()
                .post(format!("{url}/track"))
                .json(&payload(
                    sources::REST,
                    Some(&format!("s{i}")),
                    Some(&p),
                    &["a"],
                ))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let profile = s.store.profile(&s.scope, &p).await.unwrap().unwrap();
    assert_eq!(profile.metadata.time.visit.count, 31);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hygiene_headers_cors_and_unknown_routes() {
    let s = server().await;
    let r = client()
        .get(format!("{}/healthcheck", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().contains_key("x-process-time"));
    let r = client()
        .get(format!("{}/info/version", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v, json!(tracardictl::VERSION));

    let r = client()
        .request(reqwest::Method::OPTIONS, format!("{}/track", s.url))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://shop.example"
    );

    // HEAD of a webhook URL answers and collects nothing.
    let r = client()
        .head(format!("{}/collect/probe/{}?a=1", s.url, sources::WEBHOOK))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(s.store.counts(&s.scope).await.unwrap().events, 0);

    for (method, path, status) in [
        (reqwest::Method::GET, "/nothing", 404),
        (reqwest::Method::GET, "/track", 405),
        (reqwest::Method::DELETE, "/healthcheck", 405),
        (reqwest::Method::GET, "/profiles", 404),
        (reqwest::Method::POST, "/user/token", 404),
    ] {
        let r = client()
            .request(method.clone(), format!("{}{path}", s.url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{method} {path}");
        assert!(r.headers().contains_key("x-process-time"));
        let v: Value = r.json().await.unwrap();
        assert!(v["code"].is_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_requests_time_out_with_408() {
    use axum::routing::get;
    let app = axum::Router::new()
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                "late"
            }),
        )
        .layer(axum::middleware::from_fn(
            tracardictl::daemon::http::timeout_layer(std::time::Duration::from_millis(200)),
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let r = client()
        .get(format!("http://{addr}/slow"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 408);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "request_timeout");
}

#[test]
fn serve_from_the_binary_first_start_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut srv = Server::start_at(&data, &[]);
    let source = srv.source().to_string();
    assert!(srv.banner.iter().any(|l| l.contains("created a new store")));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = srv.collector().to_string();
    let body = payload(&source, Some("s1"), None, &["page-view"]);
    let profile = rt.block_on(async {
        let r = client()
            .post(format!("{url}/track"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        pid(&v)
    });
    assert_eq!(srv.terminate(), Some(0), "graceful shutdown exits 0");

    // A second start finds the store: no new source, the same data.
    let mut again = Server::start_at(&data, &[]);
    assert!(
        again.default_source.is_none(),
        "the default source is printed once"
    );
    let url = again.collector().to_string();
    let body = payload(&source, Some("s1"), None, &["page-view"]);
    rt.block_on(async {
        let r = client()
            .post(format!("{url}/track"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap();
        assert_eq!(pid(&v), profile);
    });

    // The store is held: a second process on it fails clearly.
    let out = crate::support::command(dir.path())
        .args(["serve", "--collector-listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use by another process"), "{err}");
    // So does an offline command, naming the daemon to stop.
    let out = crate::support::command(dir.path())
        .args(["apm", "scan", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("a running daemon (`tracardictl serve`)") && err.contains("stop it first"),
        "{err}"
    );
    assert_eq!(again.terminate(), Some(0));
}

#[test]
fn port_in_use_is_reported() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = crate::support::command(dir.path())
        .args(["serve", "--data-dir", "data", "--collector-listen", &addr])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("collector cannot listen on {addr}")),
        "{err}"
    );
}
