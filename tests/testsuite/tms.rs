//! Tenants: the TMS routes (success and failure of each), the `tenant` commands,
//! collection routing by source id and host name, suspension, rate limits, and
//! isolation between tenants over every private-API route.

use crate::support::{client, command, payload, Server};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

const KEY: &str = "tms-test-key-0123456789";

/// `serve collector private-api tms` on a temp dir whose config holds the TMS key and
/// the host pattern `{tenant}.collect.test`.
fn start() -> (Server, tempfile::TempDir) {
    start_with(&[])
}

fn start_with(extra: &[&str]) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tracardi.toml"),
        format!("[tms]\napi_key = \"{KEY}\"\n\n[collector]\ntenant_host = \"{{tenant}}.collect.test\"\n"),
    )
    .unwrap();
    let mut args = vec![
        "collector",
        "private-api",
        "tms",
        "--tms-listen=127.0.0.1:0",
    ];
    args.extend_from_slice(extra);
    let server = Server::start_at(&dir.path().join("data"), &args);
    (server, dir)
}

async fn call(
    base: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut req = client().request(method, format!("{base}{path}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let h = r.headers().clone();
    let bytes = r.bytes().await.unwrap();
    let text = if path == "/backup" && status.is_success() {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .unwrap();
        s
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    };
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        h,
    )
}

async fn tms(
    server: &Server,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (s, v, _) = call(
        &server.urls["tms"],
        method,
        path,
        &[("x-api-key", KEY)],
        body,
    )
    .await;
    (s, v)
}

struct Created {
    token: String,
    source: String,
}

async fn create(server: &Server, name: &str, rate_limit: Value) -> Created {
    let (s, v) = tms(
        server,
        Method::POST,
        "/tenants",
        Some(json!({
            "name": name,
            "admin_email": format!("admin@{name}.test"),
            "admin_password": format!("{name}-password-1"),
            "rate_limit": rate_limit,
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["tenant"]["state"], "active");
    assert!(v["installation_token"]
        .as_str()
        .unwrap()
        .starts_with("tit_"));
    Created {
        token: v["api_token"].as_str().unwrap().to_string(),
        source: v["default_source"].as_str().unwrap().to_string(),
    }
}

async fn api(
    server: &Server,
    method: Method,
    path: &str,
    token: &str,
    context: &str,
) -> (StatusCode, Value) {
    let auth = format!("Bearer {token}");
    let (s, v, _) = call(
        server.private_api(),
        method,
        path,
        &[("authorization", &auth), ("x-context", context)],
        None,
    )
    .await;
    (s, v)
}

async fn track(server: &Server, body: &Value, host: Option<&str>) -> (StatusCode, Value, String) {
    let mut headers = vec![];
    if let Some(h) = host {
        headers.push(("x-forwarded-host", h));
    }
    let (s, v, h) = call(
        server.collector(),
        Method::POST,
        "/track",
        &headers,
        Some(body.clone()),
    )
    .await;
    let retry = h
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (s, v, retry)
}

fn ids_of(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

/// Every TMS route: without a key and with a wrong one 401; then its success path and
/// a failure path.
#[tokio::test]
async fn tms_routes_success_and_failure() {
    let (server, _dir) = start();
    let base = server.urls["tms"].clone();
    let table = tracardictl::daemon::tms::route_specs();
    for r in &table {
        if !r.needs_key {
            continue;
        }
        let path = r.path.replace("{name}", "acme");
        let (s, v, _) = call(&base, r.method.clone(), &path, &[], None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{} {path}: {v}", r.method);
        assert_eq!(v["code"], "unauthenticated");
        let (s, _, _) = call(
            &base,
            r.method.clone(),
            &path,
            &[("x-api-key", "wrong")],
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{} {path} wrong key", r.method);
    }
    let mut covered = BTreeSet::new();
    let mut cover = |m: &str, p: &str| {
        covered.insert(format!("{m} {p}"));
    };

    let (s, v, _) = call(&base, Method::GET, "/healthcheck", &[], None).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (s, _, _) = call(&base, Method::POST, "/healthcheck", &[], None).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    cover("GET", "/healthcheck");

    create(&server, "acme", Value::Null).await;
    let bearer = format!("Bearer {KEY}");
    let (s, v, _) = call(
        &base,
        Method::GET,
        "/tenants",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the key also works as a bearer token: {v}"
    );
    assert_eq!(v["items"][0]["name"], "acme");
    assert!(v["items"][0].get("installation_token_sha256").is_none());
    cover("GET", "/tenants");
    for (body, status) in [
        (
            json!({"name": "Bad_Name", "admin_email": "a@b.test"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"name": "acme", "admin_email": "a@b.test"}),
            StatusCode::CONFLICT,
        ),
        // The install's own tenant holds data (its default source).
        (
            json!({"name": "default", "admin_email": "a@b.test"}),
            StatusCode::CONFLICT,
        ),
        (
            json!({"name": "x1", "admin_email": "a@b.test", "rate_limit": {"events_per_second": 0, "burst": 1}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"admin_email": "a@b.test"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (s, v) = tms(&server, Method::POST, "/tenants", Some(body.clone())).await;
        assert_eq!(s, status, "{body}: {v}");
    }
    // A generated admin password is answered once.
    let (s, v) = tms(
        &server,
        Method::POST,
        "/tenants",
        Some(json!({"name": "beta", "admin_email": "ops@beta.test"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert!(v["admin"]["password"].as_str().unwrap().len() >= 16);
    cover("POST", "/tenants");

    let (s, v) = tms(&server, Method::GET, "/tenants/acme", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["storage"]["production"]["profiles"], 0);
    assert!(
        v["storage"]["production"]["configuration"]
            .as_u64()
            .unwrap()
            >= 1,
        "{v}"
    );
    let (s, v) = tms(&server, Method::GET, "/tenants/nope", None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    cover("GET", "/tenants/{name}");

    for verb in ["suspend", "resume"] {
        let (s, v) = tms(
            &server,
            Method::POST,
            &format!("/tenants/acme/{verb}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let want = if verb == "suspend" {
            "suspended"
        } else {
            "active"
        };
        assert_eq!(v["state"], want);
        let (s, _) = tms(
            &server,
            Method::POST,
            &format!("/tenants/nope/{verb}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        cover("POST", &format!("/tenants/{{name}}/{verb}"));
    }

    let (s, v) = tms(
        &server,
        Method::PUT,
        "/tenants/acme/rate-limit",
        Some(json!({"events_per_second": 10.0, "burst": 20})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["rate_limit"]["burst"], 20);
    let (s, _) = tms(
        &server,
        Method::PUT,
        "/tenants/acme/rate-limit",
        Some(json!({"events_per_second": 10.0, "burst": 0})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = tms(
        &server,
        Method::PUT,
        "/tenants/nope/rate-limit",
        Some(Value::Null),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = tms(
        &server,
        Method::PUT,
        "/tenants/acme/rate-limit",
        Some(Value::Null),
    )
    .await;
    assert_eq!((s, &v["rate_limit"]), (StatusCode::OK, &Value::Null));
    cover("PUT", "/tenants/{name}/rate-limit");

    let (s, v) = tms(&server, Method::DELETE, "/tenants/acme", None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "no confirmation: {v}");
    let (s, _) = tms(&server, Method::DELETE, "/tenants/nope?confirm=true", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = tms(&server, Method::DELETE, "/tenants/acme?confirm=true", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["deleted"], "acme");
    assert!(
        v["removed"]["total"]["configuration"].as_u64().unwrap() >= 2,
        "{v}"
    );
    assert!(v["removed"]["index_entries"].as_u64().unwrap() >= 2, "{v}");
    let (s, _) = tms(&server, Method::GET, "/tenants/acme", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    cover("DELETE", "/tenants/{name}");

    let all: BTreeSet<String> = table
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        covered, all,
        "every TMS route has its success and failure cases here"
    );
}

/// With no key configured the TMS refuses everything.
#[tokio::test]
async fn tms_without_a_key_refuses_every_call() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_at(
        &dir.path().join("data"),
        &["tms", "--tms-listen=127.0.0.1:0"],
    );
    let (s, v, _) = call(
        &server.urls["tms"],
        Method::GET,
        "/tenants",
        &[("x-api-key", "anything")],
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(v["message"].as_str().unwrap().contains("no API key"), "{v}");
}

fn tenant_cmd(cwd: &Path, server: &Server, args: &[&str]) -> (i32, String, String) {
    let out = command(cwd)
        .arg("tenant")
        .args(args)
        .arg("--tms-url")
        .arg(&server.urls["tms"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `tenant` commands against a running TMS (the key read from the config file).
#[test]
fn tenant_commands() {
    let (server, dir) = start();
    let cwd = dir.path();
    let (code, out, err) = tenant_cmd(
        cwd,
        &server,
        &[
            "create",
            "acme",
            "--admin-email",
            "admin@acme.test",
            "--events-per-second",
            "5",
            "--burst",
            "10",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("tenant acme created"), "{out}");
    assert!(
        out.contains("admin password:"),
        "generated password shown: {out}"
    );
    assert!(out.contains("tct_"), "admin API token shown: {out}");
    assert!(out.contains("burst 10"), "{out}");
    let (code, out, _) = tenant_cmd(cwd, &server, &["list"]);
    assert_eq!(code, 0);
    assert!(
        out.lines()
            .any(|l| l.starts_with("acme\tactive\tadmin@acme.test")),
        "{out}"
    );
    let (code, out, _) = tenant_cmd(cwd, &server, &["get", "acme"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("storage:") && out.contains("production: 0 profiles"),
        "{out}"
    );
    let (code, out, _) = tenant_cmd(cwd, &server, &["get", "acme", "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["storage"]["total"]["events"], 0);
    let (code, out, _) = tenant_cmd(cwd, &server, &["suspend", "acme"]);
    assert_eq!((code, out.trim()), (0, "tenant acme is suspended"));
    let (code, out, _) = tenant_cmd(cwd, &server, &["resume", "acme"]);
    assert_eq!((code, out.trim()), (0, "tenant acme is active"));
    let (code, out, _) = tenant_cmd(cwd, &server, &["rate-limit", "acme", "--off"]);
    assert_eq!((code, out.trim()), (0, "tenant acme rate limit: none"));
    let (code, _, err) = tenant_cmd(cwd, &server, &["delete", "acme"]);
    assert_eq!(code, 2, "--yes is required: {err}");
    assert!(err.contains("--yes"), "{err}");
    let (code, out, err) = tenant_cmd(cwd, &server, &["delete", "acme", "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("tenant acme deleted; removed:"), "{out}");
    assert!(out.contains("index entries"), "{out}");
    let (code, _, err) = tenant_cmd(cwd, &server, &["get", "acme"]);
    assert_eq!(code, 4, "{err}");
    let (code, _, err) = tenant_cmd(cwd, &server, &["list", "--api-key", "wrong"]);
    assert_eq!(code, 3, "{err}");
    // No key anywhere: refused before any call.
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, _, err) = tenant_cmd(elsewhere.path(), &server, &["list"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("no TMS API key"), "{err}");
}

/// The collector finds the tenant from the source id or the host name; a suspended
/// tenant's collection gets 403 and its tokens 403; a rate limit answers 429 with
/// Retry-After on /track, /collect and the Segment routes.
#[tokio::test]
async fn collection_routing_suspension_and_rate_limit() {
    let (server, _dir) = start();
    let acme = create(&server, "acme", Value::Null).await;
    let beta = create(&server, "beta", Value::Null).await;

    // By source id.
    let (s, v, _) = track(
        &server,
        &payload(&acme.source, None, Some("acme-p1"), &["page-view"]),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = api(
        &server,
        Method::GET,
        "/events/count",
        &acme.token,
        "production",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["count"].as_u64().unwrap() >= 1, "{v}");
    let (s, v) = api(
        &server,
        Method::GET,
        "/events/count",
        &beta.token,
        "production",
    )
    .await;
    assert_eq!((s, v["count"].as_u64()), (StatusCode::OK, Some(0)), "{v}");
    // The install's own tenant and its source keep working.
    let (s, v, _) = track(
        &server,
        &payload(server.source(), None, None, &["page-view"]),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    // By host name: the host's tenant must own the source.
    let (s, _, _) = track(
        &server,
        &payload(&acme.source, None, None, &["page-view"]),
        Some("acme.collect.test"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v, _) = track(
        &server,
        &payload(&acme.source, None, None, &["page-view"]),
        Some("beta.collect.test:443"),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "acme's source is not beta's: {v}"
    );
    let (s, v, _) = track(
        &server,
        &payload(&acme.source, None, None, &["page-view"]),
        Some("nobody.collect.test"),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("unknown tenant"),
        "{v}"
    );

    // A tenant's user signs in naming the tenant; the token sees that tenant's data.
    let form = [
        ("username", "admin@acme.test"),
        ("password", "acme-password-1"),
        ("tenant", "acme"),
    ];
    let r = client()
        .post(format!("{}/user/token", server.private_api()))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    let login_token = v["access_token"].as_str().unwrap().to_string();
    let (s, v) = api(
        &server,
        Method::GET,
        "/events/count",
        &login_token,
        "production",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["count"].as_u64().unwrap() >= 1, "acme's events: {v}");
    let r = client()
        .post(format!("{}/user/token", server.private_api()))
        .form(&[
            ("username", "admin@acme.test"),
            ("password", "acme-password-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "not a user of the install's tenant"
    );

    // Suspension.
    let (s, _) = tms(&server, Method::POST, "/tenants/acme/suspend", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = api(&server, Method::GET, "/profiles", &acme.token, "production").await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("tenant_suspended")),
        "{v}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (s, v, _) = track(
            &server,
            &payload(&acme.source, None, None, &["page-view"]),
            None,
        )
        .await;
        if s == StatusCode::FORBIDDEN {
            assert_eq!(v["code"], "tenant_suspended", "{v}");
            break;
        }
        assert!(Instant::now() < deadline, "still collecting: {s} {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Beta is not affected.
    let (s, _) = api(&server, Method::GET, "/profiles", &beta.token, "production").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = track(
        &server,
        &payload(&beta.source, None, None, &["page-view"]),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = tms(&server, Method::POST, "/tenants/acme/resume", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = api(&server, Method::GET, "/profiles", &acme.token, "production").await;
    assert_eq!(s, StatusCode::OK);
    let deadline = Instant::now() + Duration::from_secs(5);
    while track(
        &server,
        &payload(&acme.source, None, None, &["page-view"]),
        None,
    )
    .await
    .0 != StatusCode::OK
    {
        assert!(Instant::now() < deadline, "collection did not resume");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Rate limit: a burst of 2, refilled at one event every 20 s.
    let gamma = create(
        &server,
        "gamma",
        json!({"events_per_second": 0.05, "burst": 2}),
    )
    .await;
    let (s, v, _) = track(
        &server,
        &payload(&gamma.source, None, None, &["a", "b"]),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v, retry) = track(&server, &payload(&gamma.source, None, None, &["c"]), None).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")),
        "{v}"
    );
    let secs: u64 = retry.parse().unwrap();
    assert!((1..=20).contains(&secs), "Retry-After {retry}");
    let (s, v, h) = call(
        server.collector(),
        Method::POST,
        &format!("/collect/page-view/{}", gamma.source),
        &[],
        Some(json!({"a": 1})),
    )
    .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert!(h.get("retry-after").is_some());
    let (s, v, h) = call(
        server.collector(),
        Method::POST,
        "/v1/track",
        &[],
        Some(json!({"writeKey": gamma.source, "event": "Clicked", "userId": "u1"})),
    )
    .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert_eq!(v["code"], "rate_limited");
    assert!(h.get("retry-after").is_some());
    // Other tenants have their own buckets.
    let (s, _, _) = track(
        &server,
        &payload(&beta.source, None, None, &["page-view"]),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // Lifting the limit takes effect within the cache time.
    let (s, _) = tms(
        &server,
        Method::PUT,
        "/tenants/gamma/rate-limit",
        Some(Value::Null),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let deadline = Instant::now() + Duration::from_secs(5);
    while track(&server, &payload(&gamma.source, None, None, &["d"]), None)
        .await
        .0
        != StatusCode::OK
    {
        assert!(Instant::now() < deadline, "limit not lifted");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, v) = tms(&server, Method::GET, "/tenants/gamma", None).await;
    assert!(
        v["storage"]["production"]["events"].as_u64().unwrap() >= 3,
        "{v}"
    );
}

/// A path of the route table with `{id}` (or `{kind}`) filled in.
fn concrete(path: &str, id: &str) -> String {
    path.replace("{id}", id)
}

async fn data_ids(server: &Server, token: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for what in ["profiles", "sessions", "events"] {
        let (s, v) = api(
            server,
            Method::GET,
            &format!("/{what}?limit=1000"),
            token,
            "production",
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        ids.extend(ids_of(&v));
    }
    ids
}

/// A token of tenant A reads, lists, changes and deletes nothing of tenant B through
/// any private-API route (both contexts, every route of the table, B's ids in the path
/// and the body); an event sent to A's source never appears in B; deleting B leaves a
/// backup of A byte-for-byte the same.
#[tokio::test]
async fn tenants_are_isolated_on_every_private_route() {
    let (server, _dir) = start();
    let acme = create(&server, "acme", Value::Null).await;
    let beta = create(&server, "beta", Value::Null).await;
    for (source, tag) in [(&acme.source, "acme"), (&beta.source, "beta")] {
        for n in 0..2 {
            let body = payload(
                source,
                Some(&format!("{tag}-session-{n}")),
                Some(&format!("{tag}-profile-{n}")),
                &[&format!("{tag}-only-type")],
            );
            let (s, v, _) = track(&server, &body, None).await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
    }
    // B's identifiers: data ids, its source, its user and token ids, its event type.
    let b_data = data_ids(&server, &beta.token).await;
    assert!(b_data.len() >= 6, "{b_data:?}");
    let mut b_ids = b_data.clone();
    let mut b_counts = json!({});
    for what in ["profiles", "sessions", "events"] {
        let (_, v) = api(
            &server,
            Method::GET,
            &format!("/{what}/count"),
            &beta.token,
            "production",
        )
        .await;
        b_counts[what] = v["count"].clone();
    }
    assert_eq!(b_counts["profiles"], 2, "{b_counts}");
    b_ids.push(beta.source.clone());
    b_ids.push("admin@beta.test".into());
    b_ids.push("beta-only-type".into());
    let (_, users) = api(&server, Method::GET, "/users", &beta.token, "production").await;
    b_ids.extend(ids_of(&users));
    let (_, tokens) = api(&server, Method::GET, "/tokens", &beta.token, "production").await;
    b_ids.extend(ids_of(&tokens));
    let a_ids = data_ids(&server, &acme.token).await;
    assert!(a_ids.iter().all(|i| !b_ids.contains(i)));
    // A's token does see A's data (the checks below are not vacuous).
    assert!(a_ids.len() >= 6, "{a_ids:?}");
    let backup_a = |server: &Server, token: String| {
        let base = server.private_api().to_string();
        async move {
            let auth = format!("Bearer {token}");
            let (s, v, _) = call(
                &base,
                Method::GET,
                "/backup",
                &[("authorization", &auth)],
                None,
            )
            .await;
            assert_eq!(s, StatusCode::OK);
            let text = v.as_str().unwrap().to_string();
            // Line one is the header with the backup's own time.
            text.lines().skip(1).collect::<Vec<_>>().join("\n")
        }
    };
    let before = backup_a(&server, acme.token.clone()).await;
    assert!(before.contains("acme-only-type"));

    let (_, doc, _) = call(
        server.private_api(),
        Method::GET,
        "/openapi.json",
        &[],
        None,
    )
    .await;
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            if op.get("x-roles").is_none() || path == "/user/logout" || path == "/events/stream" {
                continue;
            }
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let candidates: Vec<String> = if path.contains("{id}") {
                b_ids.clone()
            } else {
                vec![String::new()]
            };
            for id in &candidates {
                let url = concrete(path, id);
                for ctx in ["staging", "production"] {
                    let auth = format!("Bearer {}", acme.token);
                    let body = json!({"id": id, "ids": [id], "profile_id": id, "profiles": [id], "source": {"id": id}, "kinds": ["event-source"]});
                    let (s, v, _) = call(
                        server.private_api(),
                        m.clone(),
                        &url,
                        &[("authorization", &auth), ("x-context", ctx)],
                        Some(body),
                    )
                    .await;
                    assert!(
                        s != StatusCode::UNAUTHORIZED && s != StatusCode::FORBIDDEN,
                        "{method} {url} as acme's admin: {s} {v}"
                    );
                    let text = v.to_string().replace(id.as_str(), "");
                    for b in &b_ids {
                        assert!(
                            !text.contains(b.as_str()),
                            "{method} {url} ({ctx}) as acme shows beta's `{b}`: {text}"
                        );
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 200, "only {checked} calls");

    // Everything of B is still there, seen with B's token.
    assert_eq!(data_ids(&server, &beta.token).await, b_data);
    for what in ["profiles", "sessions", "events"] {
        let (_, v) = api(
            &server,
            Method::GET,
            &format!("/{what}/count"),
            &beta.token,
            "production",
        )
        .await;
        assert_eq!(v["count"], b_counts[what], "{what}: {v}");
    }
    for ctx in ["staging", "production"] {
        let (s, v) = api(
            &server,
            Method::GET,
            &format!("/config/event-source/{}", beta.source),
            &beta.token,
            ctx,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (_, v) = api(&server, Method::GET, "/users", &beta.token, "production").await;
    assert_eq!(v["items"][0]["email"], "admin@beta.test");

    // An event sent to A's source is in A only (not in B, not in the install's tenant).
    let (s, _, _) = track(
        &server,
        &payload(&acme.source, None, Some("shared-id"), &["acme-late"]),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = api(
        &server,
        Method::GET,
        "/profiles/shared-id",
        &beta.token,
        "production",
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = api(
        &server,
        Method::GET,
        "/events?limit=1000",
        &beta.token,
        "production",
    )
    .await;
    assert!(!v.to_string().contains("acme-late"));
    let default_admin = server.install().await;
    let (_, v) = api(
        &server,
        Method::GET,
        "/events?limit=1000",
        &default_admin,
        "production",
    )
    .await;
    assert!(!v.to_string().contains("acme-"), "{v}");
    // A's source id cannot be taken by B.
    let auth = format!("Bearer {}", beta.token);
    let (s, v, _) = call(
        server.private_api(),
        Method::POST,
        "/config/event-source",
        &[("authorization", &auth)],
        Some(json!({"id": acme.source, "name": "stolen", "type": "rest"})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");

    // Deleting B leaves A byte-for-byte intact.
    let before = backup_a(&server, acme.token.clone()).await;
    let (s, v) = tms(&server, Method::DELETE, "/tenants/beta?confirm=true", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["removed"]["production"]["events"], b_counts["events"],
        "{v}"
    );
    assert_eq!(v["removed"]["production"]["profiles"], 2, "{v}");
    let after = backup_a(&server, acme.token.clone()).await;
    assert_eq!(before, after);
    let (s, _) = api(&server, Method::GET, "/profiles", &beta.token, "production").await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "a deleted tenant's token is refused"
    );
    let (s, _, _) = track(&server, &payload(&beta.source, None, None, &["x"]), None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

/// The same on a PostgreSQL store: tenants are created, collect into their own scopes,
/// and deleting one leaves the other's figures as they were.
#[tokio::test]
async fn tenants_on_postgres() {
    let Some(db) =
        tracardictl::store::postgres::testing::TestStore::create("tms_tenants_on_postgres").await
    else {
        return;
    };
    let store = format!("--store={}", db.uri());
    let (server, _dir) = start_with(&[&store]);
    let acme = create(&server, "acme", Value::Null).await;
    let beta = create(&server, "beta", Value::Null).await;
    for c in [&acme, &beta] {
        let (s, v, _) = track(
            &server,
            &payload(&c.source, None, None, &["page-view"]),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (_, before) = tms(&server, Method::GET, "/tenants/acme", None).await;
    assert!(
        before["storage"]["production"]["events"].as_u64().unwrap() >= 1,
        "{before}"
    );
    let (s, v) = tms(&server, Method::DELETE, "/tenants/beta?confirm=true", None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        v["removed"]["production"]["events"].as_u64().unwrap() >= 1,
        "{v}"
    );
    let (_, after) = tms(&server, Method::GET, "/tenants/acme", None).await;
    assert_eq!(before["storage"], after["storage"]);
    let (s, _) = api(
        &server,
        Method::GET,
        "/events/count",
        &beta.token,
        "production",
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = api(
        &server,
        Method::GET,
        "/events/count",
        &acme.token,
        "production",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}
