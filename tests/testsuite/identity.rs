//! Identity end to end: identification points in the collector, and automatic merging
//! while the collector keeps serving the same profiles.

use crate::support::{client, in_process, payload, sources, InProcOptions, IN_PROC_SALT};
use serde_json::{json, Value};
use std::sync::Arc;
use tracardictl::identity::{Apm, IdentitySettings, KeyPolicy, MergeOptions};

fn policy() -> KeyPolicy {
    KeyPolicy {
        salt: IN_PROC_SALT.into(),
        blocked: vec![],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identification_point_returns_the_known_profile() {
    let s = in_process(InProcOptions::default()).await;
    // A known customer, as a CRM import or an earlier login left them.
    let mut known = tracardictl::domain::Profile::new("known-customer".into(), chrono::Utc::now());
    known.data.contact.email.main = Some("ada@example.com".into());
    policy().refresh(&mut known);
    s.store.put_profile(&s.scope, &known).await.unwrap();
    s.store
        .put_config(
            &s.scope,
            tracardictl::tracking::IDENTIFICATION_POINT,
            "login",
            &json!({"id": "login", "name": "Login", "source": {"id": sources::REST},
                    "event_type": {"id": "login"}, "enabled": true,
                    "fields": [{"event_property": "properties.email", "profile_trait": "data.contact.email.main"}]}),
        )
        .await
        .unwrap();
    // An anonymous visit first…
    let (_, anon) = s
        .track(&payload(sources::REST, Some("visit"), None, &["page-view"]))
        .await;
    assert_ne!(anon["profile"]["id"], "known-customer");
    // …then the login names the customer: the tracker gets their id back at once.
    let body = json!({"source": {"id": sources::REST}, "session": {"id": "visit"},
        "events": [{"type": "login", "properties": {"email": " Ada@Example.com "}}]});
    let (status, resp) = s.track(&body).await;
    assert_eq!(status, 200);
    assert_eq!(resp["profile"]["id"], "known-customer");
    let sess = s.store.session(&s.scope, "visit").await.unwrap().unwrap();
    assert_eq!(sess.profile_id(), Some("known-customer"));
    // An unknown e-mail identifies nobody.
    let body = json!({"source": {"id": sources::REST}, "session": {"id": "v2"},
        "events": [{"type": "login", "properties": {"email": "nobody@example.com"}}]});
    let (_, resp) = s.track(&body).await;
    assert_ne!(resp["profile"]["id"], "known-customer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_tracking_during_merges_loses_nothing() {
    let s = in_process(InProcOptions::default()).await;
    let url = s.url.clone();
    // Two profiles of one person, each with a session.
    let (_, a) = s
        .track(&payload(sources::REST, Some("sa"), None, &["a"]))
        .await;
    let (_, b) = s
        .track(&payload(sources::REST, Some("sb"), None, &["b"]))
        .await;
    let ids = [
        a["profile"]["id"].as_str().unwrap().to_string(),
        b["profile"]["id"].as_str().unwrap().to_string(),
    ];
    for id in &ids {
        let mut p = s.store.profile(&s.scope, id).await.unwrap().unwrap();
        p.data.contact.email.main = Some("same@example.com".into());
        policy().refresh(&mut p);
        s.store.put_profile(&s.scope, &p).await.unwrap();
        s.store.mark_for_merge(&s.scope, id).await.unwrap();
    }
    // The APM shares the collector's per-profile locks, as `serve` runs them.
    let apm = Arc::new(Apm::new(
        s.store.clone(),
        s.locks.clone(),
        Arc::new(IdentitySettings {
            policy: policy(),
            merge: MergeOptions::default(),
            max_profiles_per_merge: 50,
            never_merge_different_identifier: false,
        }),
    ));
    let traffic: Vec<_> = (0..8)
        .map(|c| {
            let url = url.clone();
            tokio::spawn(async move {
                let mut acked = Vec::new();
                for n in 0..15 {
                    let session = if (c + n) % 2 == 0 { "sa" } else { "sb" };
                    let id = format!("t{c}-{n}");
                    let body = json!({"source": {"id": sources::REST}, "session": {"id": session},
                        "events": [{"id": id, "type": "page-view"}]});
                    let r = client()
                        .post(format!("{url}/track"))
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200);
                    acked.push(id);
                }
                acked
            })
        })
        .collect();
    let merger = {
        let apm = apm.clone();
        let scope = s.scope.clone();
        tokio::spawn(async move {
            let mut merges = 0;
            for _ in 0..50 {
                merges += apm.run_marked(&scope, 10).await.unwrap().merges;
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
            merges
        })
    };
    let mut acked = Vec::new();
    for t in traffic {
        acked.extend(t.await.unwrap());
    }
    assert_eq!(merger.await.unwrap(), 1);
    let survivor = s.store.profile(&s.scope, &ids[1]).await.unwrap().unwrap();
    assert_eq!(
        survivor.id,
        s.store
            .profile(&s.scope, &ids[0])
            .await
            .unwrap()
            .unwrap()
            .id
    );
    for id in &acked {
        let e = s.store.event(&s.scope, id).await.unwrap();
        let e = e.unwrap_or_else(|| panic!("acknowledged event {id} lost"));
        assert_eq!(
            e.profile_id(),
            Some(survivor.id.as_str()),
            "event {id} left on a merged-away profile"
        );
    }
    assert_eq!(s.store.counts(&s.scope).await.unwrap().profiles, 1);
    for sid in ["sa", "sb"] {
        let sess = s.store.session(&s.scope, sid).await.unwrap().unwrap();
        assert_eq!(sess.profile_id(), Some(survivor.id.as_str()));
    }
    assert_eq!(
        survivor.metadata.time.visit.count, 2,
        "each visit counted once"
    );
    let explained = apm.explain(&s.scope, &survivor.id).await.unwrap();
    assert_eq!(explained.merges.len(), 1);
    let _: Value = serde_json::to_value(&explained).unwrap();
}

const SALT: &str = "a-salt-of-more-than-twenty-characters";

/// A store with two profiles sharing an e-mail and one other, installed with `SALT`.
fn store_with_duplicates(data: &std::path::Path) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let st = tracardictl::store::open(data.to_str().unwrap(), &Default::default()).unwrap();
        st.set_schema_version(tracardictl::store::SCHEMA_VERSION)
            .await
            .unwrap();
        st.set_meta("merge_key_salt", SALT).await.unwrap();
        let scope =
            tracardictl::domain::Scope::default_tenant(tracardictl::domain::Context::Production);
        let p = KeyPolicy {
            salt: SALT.into(),
            blocked: vec![],
        };
        for (id, email) in [
            ("p1", "dup@example.com"),
            ("p2", "DUP@example.com"),
            ("p3", "solo@example.com"),
        ] {
            let mut prof = tracardictl::domain::Profile::new(id.into(), chrono::Utc::now());
            prof.data.contact.email.main = Some(email.into());
            p.refresh(&mut prof);
            st.put_profile(&scope, &prof).await.unwrap();
        }
        st.durable().await.unwrap();
    });
}

#[test]
fn apm_scan_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    store_with_duplicates(&data);
    let out = crate::support::command(dir.path())
        .args(["apm", "scan", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("scanned 3 profiles"), "{stdout}");
    assert!(
        stdout.contains("1 merges, 1 profiles merged away"),
        "{stdout}"
    );
    // Scanning again finds nothing more.
    let out = crate::support::command(dir.path())
        .args(["apm", "scan", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 merges"));
    // What the store holds afterwards: the survivor with the merged id, and the other
    // profile; the merge is in the journal.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let st = tracardictl::store::open(data.to_str().unwrap(), &Default::default()).unwrap();
        let scope =
            tracardictl::domain::Scope::default_tenant(tracardictl::domain::Context::Production);
        assert_eq!(st.counts(&scope).await.unwrap().profiles, 2);
        let survivor = st.profile(&scope, "p1").await.unwrap().expect("survivor");
        assert!(
            survivor.ids.contains(&"p2".to_string()),
            "{:?}",
            survivor.ids
        );
        assert_eq!(
            st.profile_id(&scope, "p2").await.unwrap().as_deref(),
            Some("p1")
        );
        assert!(st.profile(&scope, "p3").await.unwrap().is_some());
        assert_eq!(st.merge_records_of(&scope, "p1").await.unwrap().len(), 1);
    });
}

/// Deleting a profile erases the merge journal's snapshots of it too: its merge record
/// is gone from `GET /merges/{id}`.
#[test]
fn deleting_a_profile_deletes_its_merge_records() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    store_with_duplicates(&data);
    let out = crate::support::command(dir.path())
        .args(["apm", "scan", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let scope =
        tracardictl::domain::Scope::default_tenant(tracardictl::domain::Context::Production);
    let merge_id = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let st = tracardictl::store::open(data.to_str().unwrap(), &Default::default()).unwrap();
        let records = st.merge_records_of(&scope, "p1").await.unwrap();
        assert_eq!(records.len(), 1);
        records[0].id.clone()
    });
    let server = crate::support::Server::start_at(&data, &["private-api"]);
    let token = crate::support::block(server.install());
    let api = server.private_api().to_string();
    let call = |method: reqwest::Method, path: String| {
        let (api, token) = (api.clone(), token.clone());
        crate::support::block(async move {
            let r = client()
                .request(method, format!("{api}{path}"))
                .bearer_auth(token)
                .header("x-context", "production")
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        })
    };
    let (s, v) = call(reqwest::Method::GET, format!("/merges/{merge_id}"));
    assert_eq!(s, 200, "{v}");
    let (s, v) = call(reqwest::Method::DELETE, "/profiles/p2".into());
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["deleted"]["profile"], "p1",
        "the merged id names the survivor: {v}"
    );
    assert_eq!(v["deleted"]["merges"], 1, "{v}");
    let (s, v) = call(reqwest::Method::GET, format!("/merges/{merge_id}"));
    assert_eq!(s, 404, "{v}");
    let (s, _) = call(reqwest::Method::GET, "/profiles/p1".into());
    assert_eq!(s, 404);
}

#[test]
fn a_changed_salt_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    store_with_duplicates(&data);
    let out = crate::support::command(dir.path())
        .args(["serve", "--collector-listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .env(
            "TRACARDI_IDENTITY_MERGE_KEY_SALT",
            "another-salt-of-more-than-twenty",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("differs from the salt this store was installed with"),
        "{err}"
    );
    let out = crate::support::command(dir.path())
        .args(["config", "validate"])
        .env("TRACARDI_IDENTITY_MERGE_KEY_SALT", "short")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 20 characters"));
}

/// A customer id or phone sent as a JSON number is stored as its text, so it makes the
/// same merge key as the string form (and is not dropped with a warning).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numeric_identifiers_are_stored_as_text_and_become_merge_keys() {
    let s = in_process(InProcOptions::default()).await;
    let doc = json!({"id": "ids", "event_type": "set", "enabled": true, "event_to_profile": [
        {"event": "properties.cid", "op": "equals", "profile": "data.identifier.id"},
        {"event": "properties.phone", "op": "equals", "profile": "data.contact.phone.main"},
        {"event": "properties.plan", "op": "equals", "profile": "traits.plan"}]});
    s.store
        .put_config(&s.scope, "event-to-profile", "ids", &doc)
        .await
        .unwrap();
    tracardictl::tracking::config_changed();
    let track = |session: &str, props: Value| {
        json!({"source": {"id": sources::REST}, "session": {"id": session},
               "events": [{"type": "set", "properties": props}]})
    };
    let (status, num) = s
        .track(&track(
            "num1",
            json!({"cid": 12345, "phone": 48111222333u64, "plan": 3}),
        ))
        .await;
    assert_eq!(status, 200, "{num}");
    assert!(
        num.get("warnings")
            .is_none_or(|w| w.as_array().is_some_and(|w| w.is_empty())),
        "{num}"
    );
    let (_, text) = s.track(&track("num2", json!({"cid": "12345"}))).await;
    let a = s
        .store
        .profile(&s.scope, num["profile"]["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    let b = s
        .store
        .profile(&s.scope, text["profile"]["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.data.identifier.id.as_deref(), Some("12345"));
    assert_eq!(a.data.contact.phone.main.as_deref(), Some("48111222333"));
    assert_eq!(
        a.traits["plan"],
        json!(3),
        "a free-form trait keeps its number"
    );
    let key =
        |p: &tracardictl::domain::Profile| p.ids.iter().find(|i| i.starts_with("iid-")).cloned();
    assert!(key(&a).is_some(), "{:?}", a.ids);
    assert_eq!(key(&a), key(&b), "the same merge key as the string form");
}

/// An erasure request handled in the wrong context is told which context was searched,
/// and where the profile is.
#[test]
fn a_profile_not_found_names_the_context_and_where_it_is() {
    use crate::support::{block, Server};
    let server = Server::start();
    block(async {
        let token = server.install().await;
        let c = client();
        let body = json!({"source": {"id": server.source()}, "session": {"id": "ctx-1"},
                          "events": [{"type": "page-view", "properties": {}}]});
        let v: Value = c
            .post(format!("{}/track", server.collector()))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let pid = v["profile"]["id"].as_str().unwrap().to_string();
        let call = |method: reqwest::Method, path: String, ctx: &'static str| {
            c.request(method, format!("{}{path}", server.private_api()))
                .bearer_auth(&token)
                .header("x-context", ctx)
                .send()
        };
        let r = call(
            reqwest::Method::DELETE,
            format!("/profiles/{pid}"),
            "staging",
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 404);
        let v: Value = r.json().await.unwrap();
        let message = v["message"].as_str().unwrap();
        assert!(
            message.contains("in staging") && message.contains("it is in production"),
            "{message}"
        );
        let r = call(
            reqwest::Method::GET,
            "/profiles/nobody".into(),
            "production",
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 404);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["message"], "no profile `nobody` in production");
        let r = call(
            reqwest::Method::GET,
            format!("/profiles/{pid}"),
            "production",
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 200, "still there");
    });
}
