//! The private API over real HTTP: auth and the role matrix, install, contexts and
//! deploy, configuration kinds, data access, the event stream, operational endpoints.

use crate::support::{self, client, login, payload, Server, ADMIN_EMAIL, INSTALL_TOKEN};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;

struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    fn new(server: &Server) -> Api {
        Api {
            base: server.private_api().to_string(),
            http: client(),
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        context: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(c) = context {
            req = req.header("x-context", c);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("request");
        let status = r.status();
        let text = r.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None, None).await
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), None, Some(body))
            .await
    }

    async fn user(&self, admin: &str, role: &str) -> String {
        let email = format!("{role}@example.com");
        let (s, v) = self
            .post(
                "/users",
                admin,
                json!({"email": email, "password": "short", "roles": [role]}),
            )
            .await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "short password refused: {v}"
        );
        assert!(
            v["message"].as_str().unwrap().starts_with("`password`"),
            "{v}"
        );
        let (s, v) = self
            .post(
                "/users",
                admin,
                json!({"email": email, "password": "password-of-user", "roles": [role]}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert!(v.get("password").is_none(), "no hash in answers: {v}");
        login(&self.base, &email, "password-of-user").await
    }
}

fn concrete(path: &str) -> String {
    path.replace("{id}", "no-such-id")
}

/// Every route refuses a missing token and a bad token with 401, and a token of a role
/// the route does not admit with 403.
#[tokio::test]
async fn role_matrix_every_route() {
    let server = Server::start();
    let api = Api::new(&server);
    let admin = server.install().await;
    let mut tokens = std::collections::HashMap::new();
    tokens.insert("admin".to_string(), admin.clone());
    for role in ["developer", "marketer", "maintainer"] {
        tokens.insert(role.to_string(), api.user(&admin, role).await);
    }
    let (_, doc) = api
        .call(Method::GET, "/openapi.json", None, None, None)
        .await;
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, ops) in paths {
        for (method, op) in ops.as_object().expect("ops") {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let roles: Vec<&str> = match op.get("x-roles") {
                None => continue,
                Some(r) => r
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap())
                    .collect(),
            };
            let url = concrete(path);
            let (s, v) = api.call(m.clone(), &url, None, None, None).await;
            assert_eq!(
                s,
                StatusCode::UNAUTHORIZED,
                "{method} {path} without token: {v}"
            );
            assert_eq!(v["code"], "unauthenticated");
            let (s, _) = api
                .call(m.clone(), &url, Some("tct_forged"), None, None)
                .await;
            assert_eq!(
                s,
                StatusCode::UNAUTHORIZED,
                "{method} {path} with a bad token"
            );
            if let Some(outsider) = ["maintainer", "marketer", "developer"]
                .iter()
                .find(|r| !roles.contains(r))
            {
                let (s, v) = api
                    .call(m.clone(), &url, Some(&tokens[*outsider]), None, None)
                    .await;
                assert_eq!(
                    s,
                    StatusCode::FORBIDDEN,
                    "{method} {path} as {outsider}: {v}"
                );
                assert_eq!(v["code"], "forbidden");
            }
            // An admitted role gets past authorization (whatever the handler says next).
            if path != "/user/logout" && path != "/events/stream" {
                let insider = roles.last().unwrap();
                let (s, v) = api
                    .call(m.clone(), &url, Some(&tokens[*insider]), None, None)
                    .await;
                assert!(
                    s != StatusCode::UNAUTHORIZED && s != StatusCode::FORBIDDEN,
                    "{method} {path} as {insider}: {s} {v}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 60, "only {checked} protected routes");
}

#[tokio::test]
async fn openapi_lists_every_route() {
    let server = Server::start();
    let api = Api::new(&server);
    let (s, doc) = api
        .call(Method::GET, "/openapi.json", None, None, None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let mut expected = vec![
        "get /health",
        "get /version",
        "get /metrics",
        "get /openapi.json",
        "get /stats",
        "get /bridges",
        "get /backup",
        "post /user/token",
        "post /user/logout",
        "get /user/me",
        "get /users",
        "post /users",
        "get /users/{id}",
        "delete /users/{id}",
        "get /tokens",
        "post /tokens",
        "delete /tokens/{id}",
        "get /install",
        "post /install",
        "get /config",
        "post /deploy",
        "get /profiles",
        "get /profiles/count",
        "get /profiles/{id}",
        "delete /profiles/{id}",
        "get /profiles/{id}/events",
        "post /profiles/merge",
        "get /profiles/{id}/explain",
        "post /profiles/{id}/unmerge",
        "get /merges/{id}",
        "get /sessions",
        "get /sessions/count",
        "get /sessions/{id}",
        "delete /sessions/{id}",
        "get /events",
        "get /events/count",
        "get /events/stream",
        "get /events/{id}",
        "delete /events/{id}",
        "get /plugins",
        "get /flows/{id}/draft",
        "put /flows/{id}/draft",
        "post /flows/{id}/deploy",
        "post /flows/{id}/lock",
        "post /flows/{id}/unlock",
        "post /flows/{id}/run",
        "get /flows/{id}/traces",
        "get /traces/{id}",
        "get /queue",
        "get /destinations/{id}/log",
        "get /dlq",
        "delete /dlq",
        "get /dlq/{id}",
        "delete /dlq/{id}",
        "post /dlq/{id}/replay",
        "post /segments/refresh",
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    for kind in [
        "event-source",
        "resource",
        "flow",
        "rule",
        "segment",
        "consent-type",
        "destination",
        "event-to-profile",
        "event-validator",
        "event-reshaping",
        "event-redirect",
        "identification-point",
        "data-compliance",
    ] {
        for m in ["get", "post"] {
            expected.push(format!("{m} /config/{kind}"));
        }
        for m in ["get", "delete"] {
            expected.push(format!("{m} /config/{kind}/{{id}}"));
        }
    }
    let mut listed = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for m in ops.as_object().unwrap().keys() {
            listed.push(format!("{m} {path}"));
        }
    }
    expected.sort();
    listed.sort();
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn install_login_logout() {
    let server = Server::start();
    let api = Api::new(&server);
    let (s, v) = api.call(Method::GET, "/install", None, None, None).await;
    assert_eq!(s, 200);
    assert_eq!(v["installed"], false);
    let body = |token: &str| json!({"token": token, "email": ADMIN_EMAIL, "password": support::ADMIN_PASSWORD});
    let (s, v) = api
        .call(Method::POST, "/install", None, None, Some(body("wrong")))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    let (s, v) = api
        .call(
            Method::POST,
            "/install",
            None,
            None,
            Some(body(INSTALL_TOKEN)),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["admin_created"], true);
    assert_eq!(v["contexts_created"], json!(["staging", "production"]));
    let (s, v) = api
        .call(
            Method::POST,
            "/install",
            None,
            None,
            Some(body(INSTALL_TOKEN)),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["admin_created"], false, "idempotent");
    let (_, v) = api.call(Method::GET, "/install", None, None, None).await;
    assert_eq!(v["installed"], true);

    let r = client()
        .post(format!("{}/user/token", api.base))
        .form(&[("username", ADMIN_EMAIL), ("password", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["detail"], "Incorrect username or password");

    let r = client()
        .post(format!("{}/user/token", api.base))
        .form(&[
            ("username", ADMIN_EMAIL),
            ("password", support::ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["roles"], json!(["admin"]));
    let token = v["access_token"].as_str().unwrap().to_string();
    let (s, v) = api.get("/user/me", &token).await;
    assert_eq!(s, 200);
    assert_eq!(v["email"], ADMIN_EMAIL);
    let (s, _) = api
        .call(Method::POST, "/user/logout", Some(&token), None, None)
        .await;
    assert_eq!(s, 200);
    let (s, _) = api.get("/user/me", &token).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "logout revokes");
}

#[tokio::test]
async fn users_and_api_keys() {
    let server = Server::start();
    let api = Api::new(&server);
    let admin = server.install().await;
    let (s, v) = api
        .post(
            "/users",
            &admin,
            json!({"email": "not-an-email", "password": "longenough", "roles": ["marketer"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["message"].as_str().unwrap().starts_with("`email`"));
    let (s, v) = api
        .post(
            "/users",
            &admin,
            json!({"email": "m@example.com", "password": "longenough", "roles": ["wizard"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("roles"), "{v}");
    let (s, v) = api
        .post(
            "/users",
            &admin,
            json!({"email": "m@example.com", "password": "longenough", "roles": ["marketer"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = v["id"].as_str().unwrap().to_string();
    let (s, _) = api
        .post(
            "/users",
            &admin,
            json!({"email": "m@example.com", "password": "longenough", "roles": ["marketer"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, v) = api.get("/users", &admin).await;
    assert_eq!(s, 200);
    assert_eq!(v["total"], 2);
    let (s, v) = api.get("/users/m@example.com", &admin).await;
    assert_eq!(s, 200);
    assert_eq!(v["id"], id.as_str());
    let marketer = login(&api.base, "m@example.com", "longenough").await;
    let (s, v) = api
        .call(
            Method::DELETE,
            &format!("/users/{id}"),
            Some(&admin),
            None,
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["tokens_revoked"], 1);
    let (s, _) = api.get("/user/me", &marketer).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = api.get(&format!("/users/{id}"), &admin).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The last admin cannot be deleted: nobody could manage users again.
    let (_, me) = api.get("/user/me", &admin).await;
    let me = me["id"].as_str().expect("my id").to_string();
    let (s, v) = api
        .call(
            Method::DELETE,
            &format!("/users/{me}"),
            Some(&admin),
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("last enabled admin"),
        "{v}"
    );
    let (s, _) = api.get("/users", &admin).await;
    assert_eq!(s, 200, "the admin still signs in");

    let (s, v) = api
        .post(
            "/tokens",
            &admin,
            json!({"roles": ["maintainer"], "name": "nightly export"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let key = v["access_token"].as_str().unwrap().to_string();
    let key_id = v["id"].as_str().unwrap().to_string();
    let (s, _) = api.get("/profiles", &key).await;
    assert_eq!(s, 200);
    let (s, _) = api.post("/config/rule", &key, json!({})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, v) = api.post("/tokens", &admin, json!({"roles": []})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // A lifetime past any date is refused naming the field (it used to panic: 500).
    let (s, v) = api
        .post(
            "/tokens",
            &admin,
            json!({"roles": ["maintainer"], "expires_in_days": 100_000_000}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("expires_in_days"),
        "{v}"
    );
    // A body nested past the input limit is refused before it is stored.
    let deep = serde_json::from_str::<Value>(&format!(
        "{{\"roles\":[\"maintainer\"],\"name\":\"x\",\"x\":{}1{}}}",
        "[".repeat(100),
        "]".repeat(100)
    ))
    .unwrap();
    let (s, v) = api.post("/tokens", &admin, deep).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("nested deeper"),
        "{v}"
    );
    let (_, v) = api.get("/tokens", &admin).await;
    let listed = v.to_string();
    assert!(!listed.contains(&key), "secrets never listed");
    assert!(listed.contains("nightly export"));
    let (s, _) = api
        .call(
            Method::DELETE,
            &format!("/tokens/{key_id}"),
            Some(&admin),
            None,
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = api.get("/profiles", &key).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = api
        .call(Method::DELETE, "/tokens/nope", Some(&admin), None, None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

fn source(id: &str) -> Value {
    json!({"id": id, "name": format!("Source {id}"), "type": "rest", "enabled": true, "tags": [], "config": {}})
}

#[tokio::test]
async fn configuration_kinds_crud() {
    let server = Server::start();
    let api = Api::new(&server);
    let t = server.install().await;

    let (s, v) = api.post("/config/event-source", &t, source("web")).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["result"], "created");
    let (s, v) = api.post("/config/event-source", &t, source("web")).await;
    assert_eq!(s, 200);
    assert_eq!(v["result"], "unchanged");
    let mut changed = source("web");
    changed["name"] = json!("Website");
    let (_, v) = api
        .post("/config/event-source?dry_run=true", &t, changed.clone())
        .await;
    assert_eq!(v["result"], "configured");
    assert_eq!(v["dry_run"], true);
    let (_, v) = api.get("/config/event-source/web", &t).await;
    assert_eq!(v["name"], "Source web", "dry run writes nothing");
    let (_, v) = api.post("/config/event-source", &t, changed).await;
    assert_eq!(v["result"], "configured");

    let mut bad = source("x");
    bad["type"] = json!("carrier-pigeon");
    let (s, v) = api.post("/config/event-source", &t, bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("`type`: unknown value `carrier-pigeon`"),
        "{v}"
    );
    let mut bad = source("x");
    bad["enabled"] = json!("yes");
    let (s, v) = api.post("/config/event-source", &t, bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        v["message"].as_str().unwrap().starts_with("`enabled`"),
        "{v}"
    );
    let (s, v) = api.post("/config/event-source", &t, json!("text")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    let rule = json!({"id": "r1", "name": "Page views", "type": "event-collect", "event_type": {"id": "page-view"}, "source": {"id": "nope"}, "flow": {"id": "f1"}, "enabled": true});
    let (s, v) = api.post("/config/rule", &t, rule.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["detail"], "Incorrect source id: `nope`");
    let mut rule = rule;
    rule["source"] = json!({"id": "web"});
    let (s, _) = api.post("/config/rule", &t, rule).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, v) = api.get("/config/rule/missing", &t).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["code"], "not_found");

    // Every kind accepts a valid document and refuses one missing a required field.
    let valid = [
        (
            "resource",
            json!({"id": "crm", "type": "hubspot", "name": "CRM", "credentials": {"production": {"api_key": "live-secret"}, "test": {"api_key": "test-secret"}}}),
        ),
        (
            "flow",
            json!({"id": "f1", "name": "Flow", "flowGraph": {"nodes": [], "edges": []}}),
        ),
        (
            "segment",
            json!({"id": "s1", "name": "Pro", "condition": "profile@traits.plan == \"pro\""}),
        ),
        (
            "consent-type",
            json!({"id": "c1", "name": "Marketing", "default_value": "deny"}),
        ),
        (
            "destination",
            json!({"id": "d1", "name": "Hook", "destination": {"package": "webhook", "init": {}}, "resource": {"id": "crm"}}),
        ),
        (
            "event-to-profile",
            json!({"id": "m1", "event_type": "purchase", "event_to_profile": [{"event": "properties.email", "op": "equals", "profile": "data.contact.email.main"}]}),
        ),
        (
            "event-validator",
            json!({"id": "v1", "event_type": "purchase", "validation": {"json_schema": {}}}),
        ),
        (
            "event-reshaping",
            json!({"id": "rs1", "event_type": "purchase", "reshaping": {"reshape_schema": {}}}),
        ),
        (
            "event-redirect",
            json!({"id": "rd1", "source": {"id": "web"}, "url": "https://example.com", "event_type": "click"}),
        ),
        (
            "identification-point",
            json!({"id": "ip1", "source": {"id": "web"}, "event_type": "login", "fields": [{"event_property": "properties.email", "profile_trait": "data.contact.email.main"}]}),
        ),
        (
            "data-compliance",
            json!({"id": "dc1", "event_type": "purchase", "settings": [{"action": "hash", "field": "properties.card"}]}),
        ),
    ];
    for (kind, doc) in &valid {
        let (s, v) = api.post(&format!("/config/{kind}"), &t, doc.clone()).await;
        assert_eq!(s, StatusCode::CREATED, "{kind}: {v}");
        let mut broken = doc.as_object().unwrap().clone();
        let required = ["name", "event_type", "source", "url", "type", "condition"]
            .into_iter()
            .find(|f| broken.contains_key(*f))
            .unwrap();
        broken.remove(required);
        let (s, v) = api
            .post(&format!("/config/{kind}"), &t, Value::Object(broken))
            .await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{kind} without {required}: {v}"
        );
        assert!(
            v["message"].as_str().unwrap().contains(required),
            "{kind}: {v}"
        );
    }

    // Each kind lists and reads what it stored (and deletes it, at the end).
    for (kind, doc) in &valid {
        let id = doc["id"].as_str().unwrap();
        let (s, v) = api.get(&format!("/config/{kind}"), &t).await;
        assert_eq!(s, 200, "{kind}");
        assert!(
            v["items"].as_array().unwrap().iter().any(|d| d["id"] == id),
            "{kind}: {v}"
        );
        let (s, v) = api.get(&format!("/config/{kind}/{id}"), &t).await;
        assert_eq!(s, 200, "{kind}");
        assert_eq!(v["id"], id);
    }

    // Secrets are write-only, and applying the masked document keeps them.
    let (_, v) = api.get("/config/resource/crm", &t).await;
    assert_eq!(v["credentials"]["production"], "<write-only>");
    assert!(!v.to_string().contains("live-secret"));
    let (_, v) = api.post("/config/resource", &t, v.clone()).await;
    assert_eq!(v["result"], "unchanged", "{v}");

    // Paging and filtering.
    for id in ["a", "b", "c"] {
        api.post("/config/event-source", &t, source(id)).await;
    }
    // Four sources plus the default one created on first start, in id order.
    let (_, all) = api.get("/config/event-source?limit=1000", &t).await;
    assert_eq!(all["total"], 5);
    let all: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            Some(a) => format!("/config/event-source?limit=2&after={a}"),
            None => "/config/event-source?limit=2".into(),
        };
        let (s, v) = api.get(&path, &t).await;
        assert_eq!(s, 200);
        assert!(v["items"].as_array().unwrap().len() <= 2);
        paged.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_string()),
        );
        match v["next"].as_str() {
            Some(n) => after = Some(n.to_string()),
            None => break,
        }
    }
    assert_eq!(paged, all);
    let (_, v) = api.get("/config/event-source?q=website", &t).await;
    assert_eq!(v["total"], 1);
    let (_, v) = api
        .get(
            "/config/event-source?filter=name%20%3D%3D%20%22Website%22",
            &t,
        )
        .await;
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["items"][0]["id"], "web");
    let (s, _) = api.get("/config/event-source?limit=0", &t).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = api.get("/config", &t).await;
    assert_eq!(s, 200);
    assert_eq!(v["items"].as_array().unwrap().len(), 13);

    let (s, _) = api
        .call(
            Method::DELETE,
            "/config/event-source/a",
            Some(&t),
            None,
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = api
        .call(
            Method::DELETE,
            "/config/event-source/a",
            Some(&t),
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    for (kind, doc) in valid.iter().rev() {
        let path = format!("/config/{kind}/{}", doc["id"].as_str().unwrap());
        let (s, v) = api.call(Method::DELETE, &path, Some(&t), None, None).await;
        assert_eq!(s, 200, "{kind}: {v}");
        let (s, _) = api.get(&path, &t).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{kind}");
    }
}

#[tokio::test]
async fn contexts_and_deploy() {
    let server = Server::start();
    let api = Api::new(&server);
    let t = server.install().await;
    let (s, _) = api.post("/config/event-source", &t, source("web")).await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = api
        .call(
            Method::GET,
            "/config/event-source/web",
            Some(&t),
            Some("production"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "staging is the default context");
    let (s, v) = api
        .call(
            Method::GET,
            "/config/event-source/web",
            Some(&t),
            Some("qa"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");

    let (s, v) = api
        .post(
            "/deploy",
            &t,
            json!({"kinds": ["sources"], "dry_run": true}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["summary"]["created"], 1);
    let (s, _) = api
        .call(
            Method::GET,
            "/config/event-source/web",
            Some(&t),
            Some("production"),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "dry run deploys nothing");
    let (_, v) = api
        .post(
            "/deploy",
            &t,
            json!({"ids": [{"kind": "event-source", "id": "web"}]}),
        )
        .await;
    assert_eq!(
        v["changes"],
        json!([{"kind": "event-source", "id": "web", "result": "created"}])
    );
    let (s, _) = api
        .call(
            Method::GET,
            "/config/event-source/web",
            Some(&t),
            Some("production"),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (_, v) = api.post("/deploy", &t, json!({})).await;
    assert_eq!(v["summary"]["created"], 0);
    assert!(v["summary"]["unchanged"].as_u64().unwrap() >= 1);
    let (s, v) = api.post("/deploy", &t, json!({"kinds": ["gadgets"]})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(v["message"].as_str().unwrap().starts_with("`kinds[0]`"));
    let (s, _) = api
        .post(
            "/deploy",
            &t,
            json!({"ids": [{"kind": "rule", "id": "missing"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn production_only_ignores_the_header() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_at(&dir.path().join("data"), &["--production-only"]);
    let api = Api::new(&server);
    let t = server.install().await;
    api.post("/config/event-source", &t, source("web")).await;
    let (s, _) = api
        .call(
            Method::GET,
            "/config/event-source/web",
            Some(&t),
            Some("staging"),
            None,
        )
        .await;
    assert_eq!(
        s, 200,
        "written to and read from production whatever the header says"
    );
}

async fn track(server: &Server, session: &str, types: &[&str]) -> Value {
    let r = client()
        .post(format!("{}/track", server.collector()))
        .json(&payload(server.source(), Some(session), None, types))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn data_access() {
    let server = Server::start();
    let api = Api::new(&server);
    let t = server.install().await;
    let p = |path: &str| {
        let api = &api;
        let t = t.clone();
        let path = path.to_string();
        async move {
            api.call(Method::GET, &path, Some(&t), Some("production"), None)
                .await
        }
    };
    let first = track(&server, "s1", &["page-view"]).await;
    track(&server, "s2", &["page-view", "purchase"]).await;
    let profile = first["profile"]["id"].as_str().unwrap().to_string();

    let (s, v) = p(&format!("/profiles/{profile}")).await;
    assert_eq!(s, 200);
    assert_eq!(v["id"], profile.as_str());
    let (s, _) = p("/profiles/nobody").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = p("/profiles/count").await;
    assert_eq!(v["count"], 2);
    let (_, v) = api.get("/profiles/count", &t).await;
    assert_eq!(v["count"], 0, "staging holds no collected data");
    let (_, v) = p("/profiles?limit=1").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    let next = v["next"].as_str().unwrap().to_string();
    let (_, v2) = p(&format!("/profiles?limit=1&after={next}")).await;
    assert_eq!(v2["items"].as_array().unwrap().len(), 1);
    assert_ne!(v2["items"][0]["id"], v["items"][0]["id"]);
    assert_eq!(v2["next"], Value::Null);
    let q = |cond: &str| form_urlencoded::byte_serialize(cond.as_bytes()).collect::<String>();
    let (s, v) = p(&format!(
        "/profiles?filter={}",
        q(r#"metadata.time.insert > now.offset("-1d")"#)
    ))
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    let (_, v) = p(&format!(
        "/profiles?filter={}",
        q(r#"traits.plan == "pro""#)
    ))
    .await;
    assert_eq!(v["items"], json!([]));
    let (_, v) = p(&format!(
        "/events?filter={}",
        q(r#"event@type == "purchase""#)
    ))
    .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(
        v["filter"], "scan",
        "the embedded store reads every record: {v}"
    );
    let (_, v) = p(&format!(
        "/events/count?filter={}",
        q(r#"type == "page-view""#)
    ))
    .await;
    assert_eq!(v["count"], 2);
    let (_, v) = p(&format!("/sessions/count?filter={}", q(r#"id == "s1""#))).await;
    assert_eq!(v["count"], 1);
    let (s, v) = p(&format!("/events?filter={}", q("type =="))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        v["message"].as_str().unwrap().contains("invalid condition"),
        "{v}"
    );

    // 1 + 2 events sent, plus system events (profile-created, session-opened, visit-started).
    let (_, v) = p("/events/count").await;
    let total = v["count"].as_u64().unwrap();
    assert_eq!(total, 9);
    let mut seen = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/events?limit=2&after={c}"),
            None => "/events?limit=2".into(),
        };
        let (s, v) = p(&path).await;
        assert_eq!(s, 200, "{v}");
        seen += v["items"].as_array().unwrap().len() as u64;
        match v["next"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, total);
    let (s, _) = p("/events?from=yesterday").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = p("/profiles/nobody/events").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = p(&format!("/profiles/{profile}/events")).await;
    let events = v["items"].as_array().unwrap();
    assert_eq!(events.len(), 4);
    let event_id = events[0]["id"].as_str().unwrap().to_string();
    let (s, v) = p(&format!("/events/{event_id}")).await;
    assert_eq!(s, 200);
    assert_eq!(v["profile"]["id"], profile.as_str());
    let (s, _) = p("/events/none").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = p("/sessions/s1").await;
    assert_eq!(s, 200);
    assert_eq!(v["profile"]["id"], profile.as_str());
    let (_, v) = p("/sessions").await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    let (_, v) = p("/sessions/count").await;
    assert_eq!(v["count"], 2);
    let (s, _) = p("/sessions/none").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let del = |path: String| {
        let api = &api;
        let t = t.clone();
        async move {
            api.call(Method::DELETE, &path, Some(&t), Some("production"), None)
                .await
        }
    };
    let (s, v) = del(format!("/profiles/{profile}")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        v["deleted"],
        json!({"profile": profile, "sessions": 1, "events": 4, "merges": 0})
    );
    let (s, _) = del(format!("/profiles/{profile}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = p("/events/count").await;
    assert_eq!(v["count"], 5);
    let (s, _) = del("/sessions/s2".into()).await;
    assert_eq!(s, 200);
    let (s, _) = del("/sessions/s2".into()).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = p("/events?limit=1").await;
    let id = v["items"][0]["id"].as_str().unwrap().to_string();
    let (s, _) = del(format!("/events/{id}")).await;
    assert_eq!(s, 200);
    let (s, _) = del(format!("/events/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn event_stream_tails_collected_events() {
    let server = Server::start();
    let api = Api::new(&server);
    let t = server.install().await;
    let (s, v) = api
        .call(Method::GET, "/events/stream", Some(&t), Some("qa"), None)
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let resp = client()
        .get(format!("{}/events/stream?type=purchase", api.base))
        .bearer_auth(&t)
        .header("x-context", "production")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut resp = resp;
    track(&server, "s1", &["page-view", "purchase"]).await;
    let mut text = String::new();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(chunk)) = resp.chunk().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains("\"type\":\"purchase\"") {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(found, "stream: {text}");
    assert!(text.contains("event: event"));
    assert!(
        !text.contains("\"type\":\"page-view\""),
        "type filter applies"
    );
}

#[tokio::test]
async fn operational_endpoints() {
    let server = Server::start();
    let api = Api::new(&server);
    let t = server.install().await;
    track(&server, "s1", &["page-view"]).await;
    let (s, v) = api.call(Method::GET, "/health", None, None, None).await;
    assert_eq!((s, v), (StatusCode::OK, json!({"status": "ok"})));
    let (_, v) = api.call(Method::GET, "/version", None, None, None).await;
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    let (s, v) = api.get("/stats", &t).await;
    assert_eq!(s, 200);
    assert_eq!(v["contexts"]["production"]["events"], 4);
    assert_eq!(v["contexts"]["production"]["config"]["event-source"], 1);
    assert!(v["disk_bytes"].as_u64().unwrap() > 0);
    // One error to count.
    let (s, _) = api.call(Method::GET, "/nowhere", None, None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let r = client()
        .get(format!("{}/metrics", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = r.text().await.unwrap();
    assert!(text.contains("tracardi_events_collected_total 4"), "{text}");
    assert!(
        text.contains("tracardi_http_errors_total{service=\"private-api\",code=\"not_found\"} 1")
    );
    assert!(text.contains("tracardi_http_request_duration_seconds_count{service=\"collector\"} 1"));
    assert!(
        text.contains("tracardi_bridge_up{bridge=\"segment\"} 1"),
        "{text}"
    );
    // The Segment bridge answers on the collector this serve runs.
    let (s, v) = api.get("/bridges", &t).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["items"][0]["name"], "segment", "{v}");
    assert_eq!(v["items"][0]["state"], "serving", "{v}");
    assert_eq!(v["items"][0]["received"], 0, "{v}");
    for path in ["/metrics", "/health", "/version", "/openapi.json", "/stats"] {
        let r = client()
            .post(format!("{}{path}", api.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["code"], "method_not_allowed");
    }
}

/// A redirect configured over the private API works on the collector's `/redirect`.
#[tokio::test]
async fn redirects_configured_here_work_on_the_collector() {
    let server = Server::start();
    let api = Api::new(&server);
    let t = server.install().await;
    let redirect = json!({"id": "promo", "source": {"id": server.source()}, "url": "https://example.com/sale?x=1", "event_type": "promo-click", "props": {"campaign": "spring"}, "tags": ["email"]});
    let (s, v) = api
        .call(
            Method::POST,
            "/config/event-redirect",
            Some(&t),
            Some("production"),
            Some(redirect),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .get(format!("{}/redirect/promo/visit-9", server.collector()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(r.headers()["location"], "https://example.com/sale?x=1");
    let r = http
        .get(format!("{}/redirect/promo", server.collector()))
        .header("cookie", "other=1; tracardi-session-id=visit-9")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    let (_, v) = api
        .call(
            Method::GET,
            "/sessions/visit-9",
            Some(&t),
            Some("production"),
            None,
        )
        .await;
    let profile = v["profile"]["id"].as_str().unwrap().to_string();
    let (_, v) = api
        .call(
            Method::GET,
            &format!("/profiles/{profile}/events"),
            Some(&t),
            Some("production"),
            None,
        )
        .await;
    let clicks: Vec<&Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "promo-click")
        .collect();
    assert_eq!(clicks.len(), 2, "{v}");
    assert_eq!(clicks[0]["properties"]["campaign"], "spring");
    let r = http
        .get(format!("{}/redirect/nope", server.collector()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["detail"], "Redirect `nope` not found");
}

const FLOW_YAML: &str = r#"
id: greet
name: Greet
nodes:
  - {id: start, plugin: start}
  - {id: keep, plugin: set, init: {set: {"profile@traits.greeted": "event@properties.name"}}}
edges: ["start -> keep"]
"#;

/// Drafts, deploys, locks, debug runs, traces and the plugin list, each with a success
/// and a failure.
#[tokio::test]
async fn flow_routes() {
    let server = Server::start();
    let api = Api::new(&server);
    let admin = server.install().await;
    let marketer = api.user(&admin, "marketer").await;
    let flow = tracardictl::workflow::flow::FlowDocument::from_text(FLOW_YAML)
        .unwrap()
        .to_value();
    let put = |path: String, body: Value| {
        let api = &api;
        let admin = admin.clone();
        async move {
            api.call(Method::PUT, &path, Some(&admin), None, Some(body))
                .await
        }
    };

    // Plugins: listed for any reader; an unknown method is refused.
    let (s, v) = api.get("/plugins", &marketer).await;
    assert_eq!(s, 200, "{v}");
    let ids: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"increment") && ids.contains(&"start"),
        "{ids:?}"
    );
    let (s, _) = api.post("/plugins", &admin, json!({})).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);

    // Draft: none yet; a bad flow names what is wrong; a good one is saved.
    let (s, v) = api.get("/flows/greet/draft", &admin).await;
    assert_eq!(s, 404, "{v}");
    let mut bad = flow.clone();
    bad["flowGraph"]["edges"][0]["target"] = json!("nowhere");
    let (s, v) = put("/flows/greet/draft".into(), bad).await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = put("/flows/other/draft".into(), flow.clone()).await;
    assert_eq!(s, 400, "{v}");
    let (s, v) = put("/flows/greet/draft".into(), flow.clone()).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = api.get("/flows/greet/draft", &admin).await;
    assert_eq!((s, v["id"].clone()), (StatusCode::OK, json!("greet")));
    let (s, _) = api.get("/flows/greet/draft", &marketer).await;
    assert_eq!(s, 403);

    // Deploy: the draft becomes the deployed flow; an unknown flow is 404.
    let (s, v) = api.post("/flows/greet/deploy", &admin, json!({})).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = api.get("/config/flow/greet", &admin).await;
    assert_eq!(s, 200, "{v}");
    // Written directly as configuration (`apply -f`), a flow passes the same checks.
    let mut bad = flow.clone();
    bad["id"] = json!("broken");
    bad["flowGraph"]["edges"][0]["target"] = json!("nowhere");
    let (s, v) = api.post("/config/flow", &admin, bad).await;
    assert_eq!(s, 422, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("invalid flow"),
        "{v}"
    );
    let (s, _) = api.get("/config/flow/broken", &admin).await;
    assert_eq!(s, 404, "nothing stored");
    let (s, _) = api.post("/flows/nope/deploy", &admin, json!({})).await;
    assert_eq!(s, 404);

    // Lock: a locked flow refuses a locked draft; unlock frees it; unknown is 404.
    let (s, v) = api.post("/flows/greet/lock", &admin, json!({})).await;
    assert_eq!(s, 200, "{v}");
    let mut locked = flow.clone();
    locked["lock"] = json!(true);
    let (s, v) = put("/flows/greet/draft".into(), locked).await;
    assert_eq!(s, 409, "{v}");
    let (s, _) = api.post("/flows/greet/unlock", &admin, json!({})).await;
    assert_eq!(s, 200);
    let (s, _) = api.post("/flows/nope/lock", &admin, json!({})).await;
    assert_eq!(s, 404);

    // Debug run: the draft runs over the given data, nothing stored.
    let (s, v) = api
        .post(
            "/flows/greet/run",
            &admin,
            json!({"event": {"type": "hello", "properties": {"name": "Ada"}}, "profile": {"id": "p1"}}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["profile"]["traits"]["greeted"], json!("Ada"), "{v}");
    assert_eq!(v["result"]["flow_id"], json!("greet"));
    let (s, v) = api
        .post("/flows/greet/run", &admin, json!({"unknown": 1}))
        .await;
    assert_eq!(s, 422, "{v}");
    let (s, _) = api.post("/flows/nope/run", &admin, json!({})).await;
    assert_eq!(s, 404);

    // Traces: none stored for this flow yet; an unknown run is 404; bad limit is 400.
    let (s, v) = api.get("/flows/greet/traces", &marketer).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["items"], json!([]));
    let (s, _) = api.get("/flows/greet/traces?limit=0", &marketer).await;
    assert_eq!(s, 400);
    let (s, _) = api.get("/traces/no-such-run", &marketer).await;
    assert_eq!(s, 404);

    // A traced flow run by a rule in production leaves a trace to read back.
    let prod = Some("production");
    let mut traced = flow.clone();
    traced["trace"] = json!(true);
    let call = |m: Method, path: &'static str, body: Option<Value>| {
        let api = &api;
        let admin = admin.clone();
        async move { api.call(m, path, Some(&admin), prod, body).await }
    };
    let (s, v) = call(Method::PUT, "/flows/greet/draft", Some(traced)).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = call(Method::POST, "/flows/greet/deploy", None).await;
    assert_eq!(s, 200, "{v}");
    let rule = json!({"id": "on-hello", "name": "on-hello", "type": "event-collect",
        "event_type": {"id": "hello", "name": "hello"},
        "source": {"id": server.source(), "name": "rest"},
        "flow": {"id": "greet", "name": "greet"}, "enabled": true});
    let (s, v) = call(Method::POST, "/config/rule", Some(rule)).await;
    assert!(s.is_success(), "{s} {v}");
    let r = client()
        .post(format!("{}/track", server.collector()))
        .json(
            &json!({"source": {"id": server.source()}, "session": {"id": "flow-routes"},
            "events": [{"type": "hello", "properties": {"name": "Ada"}}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let (s, v) = call(Method::GET, "/flows/greet/traces", None).await;
    assert_eq!(s, 200, "{v}");
    let run_id = v["items"][0]["id"].as_str().expect("a trace").to_string();
    let (s, v) = api
        .call(
            Method::GET,
            &format!("/traces/{run_id}"),
            Some(&marketer),
            prod,
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["flow_id"], json!("greet"));
}

/// A locked production flow is not overwritten by `POST /deploy` (staging → production)
/// nor by `POST /flows/{id}/deploy` (its draft): both answer 409 naming the flow and
/// change nothing, until the flow is unlocked there.
#[tokio::test]
async fn deploys_refuse_to_overwrite_a_locked_flow() {
    let server = Server::start();
    let api = Api::new(&server);
    let t = server.install().await;
    let prod = Some("production");
    let flow = tracardictl::workflow::flow::FlowDocument::from_text(FLOW_YAML)
        .unwrap()
        .to_value();
    let call = |m: Method, path: &str, ctx: Option<&str>, body: Option<Value>| {
        let api = &api;
        let t = t.clone();
        let path = path.to_string();
        let ctx = ctx.map(str::to_string);
        async move { api.call(m, &path, Some(&t), ctx.as_deref(), body).await }
    };
    // The same flow in both contexts; production's is locked.
    for ctx in [None, prod] {
        let (s, v) = call(Method::POST, "/config/flow", ctx, Some(flow.clone())).await;
        assert!(s.is_success(), "{s} {v}");
    }
    // A changed draft in production, saved before the lock.
    let mut changed = flow.clone();
    changed["name"] = json!("Greet v2");
    let (s, v) = call(
        Method::PUT,
        "/flows/greet/draft",
        prod,
        Some(changed.clone()),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = call(Method::POST, "/flows/greet/lock", prod, None).await;
    assert_eq!(s, 200, "{v}");
    let (_, locked) = call(Method::GET, "/config/flow/greet", prod, None).await;
    assert_eq!(locked["lock"], true, "{locked}");
    // Staging changes it, and adds an event source.
    let (s, v) = call(Method::POST, "/config/flow", None, Some(changed.clone())).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = call(
        Method::POST,
        "/config/event-source",
        None,
        Some(source("web")),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // Deploying everything, or the flow alone, or as a dry run: refused, nothing written.
    for body in [
        json!({}),
        json!({"ids": [{"kind": "flow", "id": "greet"}]}),
        json!({"dry_run": true}),
    ] {
        let (s, v) = api.post("/deploy", &t, body.clone()).await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}: {v}");
        let message = v["message"].as_str().unwrap();
        assert!(
            message.contains("flow `greet` is locked in production"),
            "{v}"
        );
        assert!(message.contains("/flows/greet/unlock"), "{v}");
    }
    let (_, now) = call(Method::GET, "/config/flow/greet", prod, None).await;
    assert_eq!(now, locked, "the locked flow is unchanged");
    let (s, _) = call(Method::GET, "/config/event-source/web", prod, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a refused deploy writes nothing");
    // What does not touch the locked flow deploys.
    let (s, v) = api
        .post("/deploy", &t, json!({"kinds": ["event-source"]}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["summary"]["created"], 1, "{v}");

    // While locked, the draft cannot change, even by a document saying `lock: false`.
    let (s, v) = call(
        Method::PUT,
        "/flows/greet/draft",
        prod,
        Some(changed.clone()),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(v["message"].as_str().unwrap().contains("is locked"), "{v}");
    // The flow's own deploy: the draft saved before the lock is not published over it.
    let (s, v) = call(Method::POST, "/flows/greet/deploy", prod, None).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("flow `greet` is locked in production"),
        "{v}"
    );
    let (_, now) = call(Method::GET, "/config/flow/greet", prod, None).await;
    assert_eq!(now, locked, "the deployed flow is kept");

    // Unlocked there, both deploys go through.
    let (s, v) = call(Method::POST, "/flows/greet/unlock", prod, None).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = call(Method::POST, "/flows/greet/deploy", prod, None).await;
    assert_eq!(s, 200, "{v}");
    let (_, now) = call(Method::GET, "/config/flow/greet", prod, None).await;
    assert_eq!(now["name"], "Greet v2", "{now}");
    let (s, v) = call(Method::POST, "/flows/greet/lock", prod, None).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = call(Method::POST, "/flows/greet/unlock", prod, None).await;
    assert_eq!(s, 200, "{v}");
    changed["name"] = json!("Greet v3");
    let (s, v) = call(Method::POST, "/config/flow", None, Some(changed)).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = api.post("/deploy", &t, json!({"kinds": ["flow"]})).await;
    assert_eq!(s, 200, "{v}");
    let (_, now) = call(Method::GET, "/config/flow/greet", prod, None).await;
    assert_eq!(now["name"], "Greet v3", "{now}");
}

/// Probe finding D27: a destination naming a resource that does not exist is refused
/// with 422 naming `resource.id`; one naming a resource of the context is saved, and a
/// dry run may take a resource of the same batch as existing.
#[tokio::test]
async fn a_destination_must_name_an_existing_resource() {
    let server = Server::start();
    let api = Api::new(&server);
    let t = server.install().await;
    let dest = json!({"id": "d1", "name": "Hook", "destination": {"package": "webhook"},
        "resource": {"id": "crm"}});
    let (s, v) = api.post("/config/destination", &t, dest.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let message = v["message"].as_str().unwrap();
    assert!(
        message.starts_with("`resource.id`: no resource `crm` in staging"),
        "{v}"
    );
    let (s, _) = api.get("/config/destination/d1", &t).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "nothing stored");
    // A dry run too; unless the batch creates the resource first.
    let (s, v) = api
        .post("/config/destination?dry_run=true", &t, dest.clone())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = api
        .post(
            "/config/destination?dry_run=true&assume_resources=crm",
            &t,
            dest.clone(),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    // Another context's resource does not count.
    let resource = json!({"id": "crm", "type": "webhook", "name": "CRM",
        "credentials": {"production": {"url": "https://crm.example.com/hook"}}});
    let (s, v) = api
        .call(
            Method::POST,
            "/config/resource",
            Some(&t),
            Some("production"),
            Some(resource.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = api.post("/config/destination", &t, dest.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = api.post("/config/resource", &t, resource).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = api.post("/config/destination", &t, dest).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // `apply`: a batch that creates the resource before the destination previews and
    // applies; a destination alone naming a missing resource is refused by name.
    let dir = tempfile::tempdir().unwrap();
    let ctl = |args: &[&str]| {
        let out = support::command(dir.path())
            .env("TRACARDICTL_CLIENT_CONFIG", dir.path().join("client.toml"))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, _, err) = ctl(&["login", server.private_api(), "--token", &t]);
    assert_eq!(code, 0, "{err}");
    let batch = dir.path().join("batch.yaml");
    std::fs::write(
        &batch,
        "kind: resource\nid: erp\ntype: webhook\nname: ERP\n\
         credentials: {production: {url: \"https://erp.example.com/hook\"}}\n---\n\
         kind: destination\nid: d2\nname: ERP\ndestination: {package: webhook}\nresource: {id: erp}\n",
    )
    .unwrap();
    let file = batch.to_str().unwrap();
    let (code, out, err) = ctl(&["apply", "-f", file, "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("destination/d2 created (dry run)"), "{out}");
    let (code, out, err) = ctl(&["apply", "-f", file]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("destination/d2 created"), "{out}");
    let alone = dir.path().join("alone.yaml");
    std::fs::write(
        &alone,
        "kind: destination\nid: d3\nname: Nowhere\ndestination: {package: webhook}\nresource: {id: nowhere}\n",
    )
    .unwrap();
    let (code, _, err) = ctl(&["apply", "-f", alone.to_str().unwrap(), "--dry-run"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("`resource.id`: no resource `nowhere` in staging"),
        "{err}"
    );
}

/// Merging by hand, explaining, undoing: success and failure over HTTP.
#[tokio::test]
async fn merge_explain_unmerge() {
    let server = Server::start();
    let api = Api::new(&server);
    let t = server.install().await;
    let a = track(&server, "sa", &["page-view"]).await["profile"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b = track(&server, "sb", &["page-view", "purchase"]).await["profile"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let prod = Some("production");
    let call = |m: Method, path: String, body: Option<Value>| {
        let api = &api;
        let t = t.clone();
        async move { api.call(m, &path, Some(&t), prod, body).await }
    };

    // A dry run shows the result and writes nothing.
    let (s, v) = call(
        Method::POST,
        "/profiles/merge".into(),
        Some(json!({"ids": [a, b], "dry_run": true})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["outcome"], "merged");
    assert_eq!(v["dry_run"], true);
    assert_eq!(
        v["record"]["result"]["metadata"]["time"]["visit"]["count"],
        2
    );
    let (_, v) = call(Method::GET, "/profiles/count".into(), None).await;
    assert_eq!(v["count"], 2);

    let (s, v) = call(
        Method::POST,
        "/profiles/merge".into(),
        Some(json!({"ids": [a, b], "survivor": b})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let merge_id = v["record"]["id"].as_str().unwrap().to_string();
    assert_eq!(v["record"]["survivor"], b.as_str());
    let (s, v) = call(Method::GET, format!("/profiles/{a}"), None).await;
    assert_eq!(s, 200);
    assert_eq!(
        v["id"],
        b.as_str(),
        "the merged-away id resolves to the survivor"
    );
    let (s, v) = call(Method::GET, format!("/profiles/{a}/explain"), None).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["merges"][0]["trigger"]["kind"], "operator");
    assert_eq!(v["merges"][0]["trigger"]["detail"], "admin@example.com");
    assert_eq!(
        v["events"], 9,
        "both profiles' events on the survivor (3 system events each)"
    );
    let (s, v) = call(Method::GET, format!("/merges/{merge_id}"), None).await;
    assert_eq!(s, 200);
    assert_eq!(v["merged"], json!([a]));

    let (s, v) = call(
        Method::POST,
        format!("/profiles/{b}/unmerge"),
        Some(json!({"merge": merge_id})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["unmerge"]["action"], "unmerge");
    let (_, v) = call(Method::GET, format!("/profiles/{a}"), None).await;
    assert_eq!(v["id"], a.as_str(), "restored");

    // Failures.
    let (s, _) = call(
        Method::POST,
        format!("/profiles/{b}/unmerge"),
        Some(json!({"merge": merge_id})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "already undone");
    let (s, _) = call(
        Method::POST,
        format!("/profiles/{b}/unmerge"),
        Some(json!({"merge": "nope"})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = call(
        Method::POST,
        "/profiles/x/unmerge".into(),
        Some(json!({"merge": merge_id})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = call(
        Method::POST,
        "/profiles/merge".into(),
        Some(json!({"ids": [a]})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = call(
        Method::POST,
        "/profiles/merge".into(),
        Some(json!({"ids": [a, "nobody"]})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(
        Method::POST,
        "/profiles/merge".into(),
        Some(json!({"ids": [a, a]})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "one profile: nothing to merge");
    let (s, _) = call(
        Method::POST,
        "/profiles/merge".into(),
        Some(json!({"ids": [a, b], "bogus": 1})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = call(Method::GET, "/profiles/nobody/explain".into(), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(Method::GET, "/merges/nope".into(), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

/// On PostgreSQL a filtered listing runs its condition as SQL where it can, and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_filters_run_in_postgres() {
    use tracardictl::store::postgres::testing::TestStore;
    let Some(db) = TestStore::create("data_filters_run_in_postgres").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = format!("--store={}", db.uri());
    let server = Server::start_at(
        &dir.path().join("data"),
        &["collector", "private-api", &store],
    );
    let api = Api::new(&server);
    let t = server.install().await;
    track(&server, "s1", &["page-view"]).await;
    track(&server, "s2", &["page-view", "purchase"]).await;
    let q = |cond: &str| form_urlencoded::byte_serialize(cond.as_bytes()).collect::<String>();
    let get = |path: String| {
        let (api, t) = (&api, t.clone());
        async move {
            api.call(Method::GET, &path, Some(&t), Some("production"), None)
                .await
        }
    };
    let (s, v) = get(format!(
        "/events?filter={}",
        q(r#"event@type == "purchase""#)
    ))
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["filter"], "sql", "{v}");
    let (_, v) = get(format!(
        "/events?filter={}",
        q(r#"type == "page-view" and type starts with "page""#)
    ))
    .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["filter"], "partial", "{v}");
    let (_, v) = get(format!("/profiles?filter={}", q(r#"traits.plan == "pro""#))).await;
    assert_eq!(v["items"], json!([]));
    assert_eq!(v["filter"], "sql", "{v}");
    let (_, v) = get(format!(
        "/profiles?filter={}",
        q(r#"metadata.time.insert > now.offset("-1d")"#)
    ))
    .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["filter"], "scan", "{v}");
    let (_, v) = get(format!(
        "/events/count?filter={}",
        q(r#"type == "page-view""#)
    ))
    .await;
    assert_eq!(v["count"], 2, "{v}");
    let (s, v) = get(format!("/profiles?filter={}", q("traits.plan =="))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}

#[tokio::test]
async fn a_deleted_event_source_leaves_no_tenant_index_entry() {
    let mut server = Server::start();
    let data = server.data_dir.clone();
    let t = server.install().await;
    let api = Api::new(&server);
    for ctx in ["staging", "production"] {
        let (s, v) = api
            .call(
                Method::POST,
                "/config/event-source",
                Some(&t),
                Some(ctx),
                Some(source("gone")),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let indexed = || async {
        let store = tracardictl::store::open(data.to_str().unwrap(), &Default::default()).unwrap();
        tracardictl::store::tenants::source_tenant(store.as_ref(), "gone")
            .await
            .unwrap()
    };
    // Deleted from one context: the other still holds it, and its index entry stays.
    let (s, _) = api
        .call(
            Method::DELETE,
            "/config/event-source/gone",
            Some(&t),
            Some("staging"),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(server.terminate(), Some(0));
    assert!(indexed().await.is_some());
    // Deleted from the last one: the entry goes with it.
    let mut server = Server::start_at(&data, &[]);
    let api = Api::new(&server);
    let (s, _) = api
        .call(
            Method::DELETE,
            "/config/event-source/gone",
            Some(&t),
            Some("production"),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(server.terminate(), Some(0));
    assert_eq!(indexed().await, None);
}

#[tokio::test]
async fn rules_take_the_wildcard_and_plain_string_forms() {
    let server = Server::start();
    let api = Api::new(&server);
    let t = server.install().await;
    let rule = |id: &str, extra: Value| {
        let mut r = json!({"id": id, "name": id, "type": "event-collect", "flow": {"id": "f"}, "enabled": true});
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        r
    };
    for (id, extra) in [
        ("plain", json!({"event_type": "Page View"})),
        (
            "any-source",
            json!({"event_type": {"id": "purchase"}, "source": {"id": "*"}}),
        ),
        (
            "empty-source",
            json!({"event_type": "*", "source": {"id": ""}}),
        ),
        (
            "system",
            json!({"event_type": {"id": "visit-ended"}, "source": {"id": "@internal"}}),
        ),
        (
            "plain-source",
            json!({"event_type": "purchase", "source": "*"}),
        ),
    ] {
        let (s, v) = api.post("/config/rule", &t, rule(id, extra)).await;
        assert_eq!(s, StatusCode::CREATED, "{id}: {v}");
    }
    // A source that is named must exist, in either form.
    for extra in [json!({"source": {"id": "nope"}}), json!({"source": "nope"})] {
        let (s, v) = api.post("/config/rule", &t, rule("bad", extra)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v["message"].as_str().unwrap().contains("nope"), "{v}");
    }
    let (s, v) = api
        .post("/config/rule", &t, rule("bad", json!({"event_type": 5})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}

async fn source_name(api: &Api, t: &str) -> Value {
    api.get("/config/event-source/web", t).await.1["name"].clone()
}

/// The path of the file an `edit` kept the user's text in, from its message.
fn kept_file(stderr: &str) -> std::path::PathBuf {
    let at = stderr.find("kept in ").expect("a kept file") + "kept in ".len();
    let rest = &stderr[at..];
    let end = rest.find(".yaml").expect("a .yaml file") + ".yaml".len();
    std::path::PathBuf::from(&rest[..end])
}

/// Probe findings B15 and B25, with `$EDITOR` scripts acting as the user: a refused edit
/// reopens with the error above the user's text (and a fixed one then applies); giving
/// up keeps the text in a file (exit 1); a document changed on the server while it was
/// being edited is not overwritten (exit 1, the edit kept in a file).
#[tokio::test]
async fn edit_keeps_refused_text_and_never_overwrites_a_change_made_meanwhile() {
    let server = Server::start();
    let api = Api::new(&server);
    let t = server.install().await;
    let (s, v) = api.post("/config/event-source", &t, source("web")).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let ctl = move |args: &[&str], editor: &str| {
        let script = d.join("editor.sh");
        std::fs::write(&script, format!("#!/bin/sh\nset -e\n{editor}\n")).unwrap();
        let _ = std::fs::remove_file(d.join("count"));
        let out = support::command(&d)
            .env("TRACARDICTL_CLIENT_CONFIG", d.join("client.toml"))
            .env("VISUAL", format!("sh {}", script.display()))
            .env("DIR", &d)
            .env("BIN", support::BIN)
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Each editor run is numbered; what it was opened on is kept as seen-N.
    const ROUND: &str = "n=$(cat \"$DIR/count\" 2>/dev/null || echo 0); n=$((n+1)); \
        echo $n > \"$DIR/count\"; cp \"$1\" \"$DIR/seen-$n\"";
    let (code, _, err) = ctl(&["login", server.private_api(), "--token", &t], "true");
    assert_eq!(code, 0, "{err}");

    // Not YAML, then quit without saving: nothing applied, the text kept.
    let (code, _, err) = ctl(
        &["edit", "event-source", "web"],
        &format!("{ROUND}\nif [ $n = 1 ]; then sed -i 's/^name: .*/name: [unclosed/' \"$1\"; fi"),
    );
    assert_eq!(code, 1, "{err}");
    let reopened = std::fs::read_to_string(dir.path().join("seen-2")).unwrap();
    assert!(
        reopened.starts_with("# tracardictl: this change was NOT applied:\n#   edited file: document 1: invalid YAML"),
        "{reopened}"
    );
    assert!(reopened.contains("\nname: [unclosed\n"), "{reopened}");
    assert!(err.contains("edit cancelled; nothing applied"), "{err}");
    let kept = kept_file(&err);
    let text = std::fs::read_to_string(&kept).unwrap();
    assert!(
        text.contains("name: [unclosed") && !text.starts_with('#'),
        "{text}"
    );
    std::fs::remove_file(kept).unwrap();
    assert_eq!(source_name(&api, &t).await, "Source web");

    // Refused by the API, then fixed in the reopened editor: applied.
    let (code, out, err) = ctl(
        &["edit", "event-source", "web"],
        &format!(
            "{ROUND}\nif [ $n = 1 ]; then sed -i 's/^enabled: true/enabled: maybe/' \"$1\"; \
             else sed -i 's/^enabled: maybe/enabled: false/; s/^name: .*/name: Fixed/' \"$1\"; fi"
        ),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "event-source/web configured\n");
    let reopened = std::fs::read_to_string(dir.path().join("seen-2")).unwrap();
    assert!(
        reopened.contains("#   `enabled`: must be true or false"),
        "{reopened}"
    );
    assert!(reopened.contains("\nenabled: maybe\n"), "{reopened}");
    let (_, v) = api.get("/config/event-source/web", &t).await;
    assert_eq!(
        (v["name"].clone(), v["enabled"].clone()),
        (json!("Fixed"), json!(false))
    );

    // Changed on the server while the editor was open: refused, theirs kept, mine kept
    // in a file.
    let theirs = dir.path().join("theirs.yaml");
    std::fs::write(
        &theirs,
        "kind: event-source\nid: web\nname: Theirs\ntype: rest\nenabled: true\n",
    )
    .unwrap();
    let (code, out, err) = ctl(
        &["edit", "event-source", "web"],
        "\"$BIN\" apply -f \"$DIR/theirs.yaml\" >/dev/null\nsed -i 's/^name: .*/name: Mine/' \"$1\"",
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "");
    assert!(
        err.contains("event-source/web was changed on the server since the edit began"),
        "{err}"
    );
    assert!(err.contains("+name: Theirs"), "the change is shown: {err}");
    assert!(err.contains("Nothing was applied"), "{err}");
    assert_eq!(source_name(&api, &t).await, "Theirs", "their change stays");
    let kept = kept_file(&err);
    let mine = std::fs::read_to_string(&kept).unwrap();
    assert!(mine.contains("name: Mine"), "{mine}");
    // As the message says, applying the kept file puts the edit over theirs.
    let (code, _, err) = ctl(&["apply", "-f", kept.to_str().unwrap()], "true");
    assert_eq!(code, 0, "{err}");
    assert_eq!(source_name(&api, &t).await, "Mine");
    std::fs::remove_file(kept).unwrap();

    // Saved unchanged: nothing to do.
    let (code, _, err) = ctl(&["edit", "event-source", "web"], "true");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("no changes made"), "{err}");
}
