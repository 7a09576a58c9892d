//! The kubectl-style verbs against a real server: login, use, get, describe, apply,
//! delete, edit, deploy, token create; output shapes pinned by snapshots; the
//! config-as-code round trip.

use crate::support::{self, Server, ADMIN_EMAIL, ADMIN_PASSWORD};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// A client config file in a temp dir, and the commands run with it.
struct Ctl {
    dir: tempfile::TempDir,
}

impl Ctl {
    fn new() -> Ctl {
        Ctl {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("client.toml")
    }

    fn run_env(
        &self,
        args: &[&str],
        stdin: Option<&str>,
        env: &[(&str, &str)],
    ) -> (i32, String, String) {
        let mut c = support::command(self.dir.path());
        c.args(args)
            .env("TRACARDICTL_CLIENT_CONFIG", self.config())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c.spawn().unwrap();
        {
            let mut input = child.stdin.take().unwrap();
            if let Some(s) = stdin {
                input.write_all(s.as_bytes()).unwrap();
            }
        }
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        self.run_env(args, None, &[])
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    }

    fn login(&self, server: &Server, name: &str) {
        let (code, _, err) = self.run_env(
            &[
                "login",
                server.private_api(),
                "--name",
                name,
                "-u",
                ADMIN_EMAIL,
                "--password-stdin",
            ],
            Some(&format!("{ADMIN_PASSWORD}\n")),
            &[],
        );
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("logged in"), "{err}");
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

const SITE: &str = "\
kind: event-source
id: web
name: Website
type: rest
timestamp: 2026-01-01T00:00:00Z
tags: [site]
---
kind: rule
id: r1
name: Page views to flow
type: event-collect
event_type: {id: page-view}
source: {id: web}
flow: {id: f1}
enabled: true
---
kind: consent-type
id: marketing
name: Marketing
default_value: deny
enabled: false
";

#[tokio::test(flavor = "multi_thread")]
async fn verbs_and_output_shapes() {
    let server = Server::start();
    server.install().await;
    let ctl = Ctl::new();

    // Before login: exit 3 and a hint.
    let (code, _, err) = ctl.run(&["get", "rules"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("tracardictl login"), "{err}");

    let (code, _, err) = ctl.run_env(
        &[
            "login",
            server.private_api(),
            "-u",
            ADMIN_EMAIL,
            "--password-stdin",
        ],
        Some("wrong\n"),
        &[],
    );
    // Refused credentials are "not signed in" (3), as a refused token is.
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("Incorrect username or password"), "{err}");
    ctl.login(&server, "local");
    let saved = std::fs::read_to_string(ctl.config()).unwrap();
    assert!(saved.contains("current = \"local\""), "{saved}");

    let site = ctl.write("site.yaml", SITE);
    let out = ctl.ok(&["apply", "-f", site.to_str().unwrap()]);
    assert_eq!(
        out,
        "event-source/web created\nrule/r1 created\nconsent-type/marketing created\n"
    );
    let out = ctl.ok(&["apply", "-f", site.to_str().unwrap()]);
    assert_eq!(
        out,
        "event-source/web unchanged\nrule/r1 unchanged\nconsent-type/marketing unchanged\n"
    );

    let changed = ctl.write("change.json", r#"{"kind": "rule", "id": "r1", "name": "Renamed", "type": "event-collect", "event_type": {"id": "page-view"}, "source": {"id": "web"}, "flow": {"id": "f1"}, "enabled": true}"#);
    let out = ctl.ok(&["apply", "-f", changed.to_str().unwrap(), "--dry-run"]);
    insta::assert_snapshot!("apply_dry_run", out);
    let out = ctl.ok(&["get", "rule", "r1", "-o", "name"]);
    assert_eq!(out, "rule/r1\n", "dry run changed nothing");

    insta::assert_snapshot!("get_rules_table", ctl.ok(&["get", "rules"]));
    insta::assert_snapshot!(
        "get_rules_wide_no_headers",
        ctl.ok(&["get", "rules", "-o", "wide", "--no-headers"])
    );
    insta::assert_snapshot!(
        "get_rule_json",
        ctl.ok(&["get", "rule", "r1", "-o", "json"])
    );
    insta::assert_snapshot!(
        "get_consents_yaml",
        ctl.ok(&["get", "consent-types", "-o", "yaml"])
    );
    insta::assert_snapshot!("describe_source", ctl.ok(&["describe", "es", "web"]));
    let names = ctl.ok(&["get", "all", "-o", "name"]);
    assert!(
        names.contains("event-source/web\nrule/r1\nconsent-type/marketing\n"),
        "{names}"
    );

    // Failures: exit codes and messages on stderr, nothing on stdout.
    let (code, out, err) = ctl.run(&["get", "rule", "missing"]);
    assert_eq!((code, out.as_str()), (4, ""), "{err}");
    assert!(err.contains("no rule `missing`"), "{err}");
    let (code, _, err) = ctl.run(&["get", "gadgets"]);
    assert_eq!(code, 2, "{err}");
    let bad = ctl.write(
        "bad.yaml",
        "kind: rule\nid: r2\nname: x\nsource: {id: nope}\n---\nid: nokind\n",
    );
    let (code, out, err) = ctl.run(&["apply", "-f", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert!(err.contains("Incorrect source id: `nope`"), "{err}");
    assert!(err.contains("missing `kind`"), "{err}");

    // Apply from standard input, JSON list.
    let (code, out, err) = ctl.run_env(
        &["apply", "-f", "-"],
        Some(r#"[{"kind": "segment", "id": "pro", "name": "Pro", "condition": "profile@traits.plan == \"pro\""}]"#),
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "segment/pro created\n");

    // Edit through $EDITOR.
    let (code, out, err) = ctl.run_env(
        &["edit", "segment", "pro"],
        None,
        &[("EDITOR", "sed -i s/Pro$/Professionals/"), ("VISUAL", "")],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "segment/pro configured\n");
    let (code, _, err) = ctl.run_env(
        &["edit", "segment", "pro"],
        None,
        &[("EDITOR", "true"), ("VISUAL", "")],
    );
    assert_eq!(code, 0);
    assert!(err.contains("no changes"), "{err}");

    // Contexts and deploy.
    let (code, _, _) = ctl.run(&["get", "rule", "r1", "--context", "production"]);
    assert_eq!(code, 4);
    let out = ctl.ok(&["deploy", "rule", "event-source", "--dry-run"]);
    assert!(out.contains("rule/r1 created"), "{out}");
    let out = ctl.ok(&["deploy", "rule", "event-source"]);
    assert!(out.contains("rule/r1 created"), "{out}");
    ctl.ok(&["get", "rule", "r1", "--context", "production"]);

    // Delete.
    assert_eq!(
        ctl.ok(&["delete", "segment", "pro"]),
        "segment/pro deleted\n"
    );
    let (code, _, _) = ctl.run(&["delete", "segment", "pro"]);
    assert_eq!(code, 4);

    // A key whose secret cannot be written out is revoked again: nobody could hold it.
    let mut full = support::command(ctl.dir.path());
    let out = full
        .args(["token", "create", "--role", "maintainer", "--name", "lost"])
        .env("TRACARDICTL_CLIENT_CONFIG", ctl.config())
        .stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("it was revoked again"), "{err}");
    assert!(!ctl.ok(&["token", "list"]).contains("lost"));

    // API keys, and a second named connection that uses one.
    let key = ctl.ok(&["token", "create", "--role", "maintainer", "--name", "ci"]);
    let key = key.trim();
    assert!(key.starts_with("tct_"), "{key}");
    let (code, _, err) = ctl.run(&[
        "login",
        server.private_api(),
        "--name",
        "ci",
        "--token",
        key,
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = ctl.run(&["apply", "-f", site.to_str().unwrap()]);
    assert_eq!(code, 3, "a maintainer key may not configure: {err}");
    assert!(err.contains("403"), "{err}");
    ctl.ok(&["get", "profiles"]);
    let list = ctl.ok(&["use"]);
    assert!(list.contains("* ci") && list.contains("  local"), "{list}");
    ctl.ok(&["use", "local"]);
    let (code, _, _) = ctl.run(&["use", "nowhere"]);
    assert_eq!(code, 4);
    // An empty file applies nothing and says so; a byte-order mark is no error; a
    // connection URL must be http(s).
    let empty = ctl.write("empty.yaml", "---\n");
    let (code, _, err) = ctl.run(&["apply", "-f", empty.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no documents to apply"), "{err}");
    let bom = ctl.write(
        "bom.yaml",
        "\u{feff}kind: consent-type\nid: bom\nname: BOM\ndefault_value: deny\nenabled: false\n",
    );
    assert_eq!(
        ctl.ok(&["apply", "-f", bom.to_str().unwrap()]),
        "consent-type/bom created\n"
    );
    let (code, _, err) = ctl.run(&["login", "not-a-url", "--token", "x"]);
    assert_ne!(code, 0);
    assert!(err.contains("not an http:// or https:// URL"), "{err}");
    // A server that is not ours: one line saying so, not its page; exit 1.
    let foreign = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let foreign_url = format!("http://{}", foreign.local_addr().unwrap());
    std::thread::spawn(move || {
        use std::io::{Read as _, Write as _};
        for stream in foreign.incoming() {
            let Ok(mut stream) = stream else { break };
            let mut buf = [0u8; 8192];
            let _ = stream.read(&mut buf);
            let page = "<!DOCTYPE HTML><html><body>Error code: 404</body></html>";
            let _ = write!(
                stream,
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                page.len()
            );
        }
    });
    let (code, _, err) = ctl.run(&["login", &foreign_url, "--token", "x"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("a tracardictl private API?"), "{err}");
    assert!(!err.contains("DOCTYPE"), "{err}");
    // A connection name that is not saved is "not found", for every command.
    for args in [
        &["get", "event-sources", "--connection", "nope"][..],
        &["use", "nope"],
        &["dash", "--connection", "nope"],
    ] {
        let (code, _, err) = ctl.run(args);
        assert_eq!(code, 4, "{args:?}: {err}");
        assert!(err.contains("no connection named `nope`"), "{err}");
    }
    // Our own collector is not the private API either: said so, not "no such route".
    let (code, _, err) = ctl.run(&["login", server.collector(), "--token", key]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("not a tracardictl private API") && err.contains("127.0.0.1:8686"),
        "{err}"
    );
    // Nothing listening: the cause is named.
    let gone = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let (code, _, err) = ctl.run(&["login", &gone, "--token", "x"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.to_lowercase().contains("connection refused"), "{err}");
    // Keys are listed without secrets and revoked by id.
    let listed = ctl.ok(&["token", "list"]);
    assert!(listed.starts_with("ID "), "{listed}");
    assert!(!listed.contains(key), "never the secret: {listed}");
    let keys: serde_json::Value =
        serde_json::from_str(&ctl.ok(&["token", "list", "-o", "json"])).unwrap();
    let ci = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "ci")
        .expect("the ci key is listed");
    assert_eq!(ci["kind"], "api-key");
    let id = ci["id"].as_str().unwrap();
    assert_eq!(
        ctl.ok(&["token", "revoke", id]),
        format!("token/{id} revoked\n")
    );
    let (code, _, err) = ctl.run(&["get", "profiles", "--connection", "ci"]);
    assert_eq!(code, 3, "a revoked key signs in no more: {err}");
    let (code, _, _) = ctl.run(&["token", "revoke", id]);
    assert_eq!(code, 4);

    // Data: profiles, events.
    let r = support::client()
        .post(format!("{}/track", server.collector()))
        .json(&support::payload(
            server.source(),
            Some("s1"),
            None,
            &["page-view"],
        ))
        .send()
        .await
        .unwrap();
    let profile = r.json::<serde_json::Value>().await.unwrap()["profile"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = ctl.ok(&["get", "profiles", "--context", "production", "-o", "name"]);
    assert_eq!(out, format!("profile/{profile}\n"));
    let out = ctl.ok(&[
        "get",
        "events",
        "--context",
        "production",
        "--limit",
        "2",
        "--no-headers",
    ]);
    assert_eq!(out.lines().count(), 2, "{out}");
    let (_, _, err) = ctl.run(&["get", "events", "--context", "production", "--limit", "2"]);
    assert!(err.contains("--after"), "{err}");

    // --filter: the server evaluates it; an invalid one is an error, not everything.
    let out = ctl.ok(&[
        "get",
        "events",
        "--context",
        "production",
        "--filter",
        "type == \"page-view\"",
        "--no-headers",
    ]);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("page-view"), "{out}");
    let (code, out, err) = ctl.run(&[
        "get",
        "events",
        "--context",
        "production",
        "--filter",
        "type == \"nosuch\"",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.is_empty() && err.contains("No resources found"),
        "{out}{err}"
    );
    let (code, _, err) = ctl.run(&[
        "get",
        "profiles",
        "--context",
        "production",
        "--filter",
        "(((",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("invalid condition"), "{err}");
    let out = ctl.ok(&[
        "get",
        "event-sources",
        "--filter",
        "id == \"web\"",
        "-o",
        "name",
    ]);
    assert_eq!(out, "event-source/web\n");
    let (code, _, err) = ctl.run(&["get", "all", "--filter", "id == \"web\""]);
    assert_eq!(code, 2, "{err}");
    let (code, out, err) = ctl.run(&["delete", "profile", &profile, "--context", "production"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, format!("profile/{profile} deleted\n"));
    // What went with it, as counts, not the API's JSON.
    assert!(
        err.contains("deleted with it: ") && err.contains(" events") && !err.contains('{'),
        "{err}"
    );
}

/// `get all -o yaml` from one install, `apply -f` on a fresh one: the same configuration.
#[tokio::test(flavor = "multi_thread")]
async fn config_as_code_round_trip() {
    let first = Server::start();
    first.install().await;
    let second = Server::start();
    second.install().await;
    let ctl = Ctl::new();
    ctl.login(&first, "first");
    ctl.login(&second, "second");
    let site = ctl.write("site.yaml", SITE);
    ctl.ok(&[
        "apply",
        "-f",
        site.to_str().unwrap(),
        "--connection",
        "first",
    ]);
    ctl.ok(&["apply", "-f", ctl.write("more.yaml", "kind: resource\nid: crm\ntype: hubspot\nname: CRM\ncredentials: {production: {key: live}, test: {key: test}}\n---\nkind: destination\nid: d1\nname: Hook\ndestination: {package: webhook}\nresource: {id: crm}\n").to_str().unwrap(), "--connection", "first"]);

    let exported = ctl.ok(&["get", "all", "-o", "yaml", "--connection", "first"]);
    let dump = ctl.write("export.yaml", &exported);
    ctl.ok(&[
        "apply",
        "-f",
        dump.to_str().unwrap(),
        "--connection",
        "second",
    ]);
    let again = ctl.ok(&["get", "all", "-o", "yaml", "--connection", "second"]);
    // The second install has its own default source; everything exported is there as it was.
    let docs = |text: &str| -> Vec<serde_json::Value> {
        serde_yaml::Deserializer::from_str(text)
            .map(|d| serde::Deserialize::deserialize(d).unwrap())
            .collect()
    };
    let theirs = docs(&again);
    for d in docs(&exported) {
        assert!(theirs.contains(&d), "missing after the round trip: {d}");
    }
    // Applying the export again changes nothing.
    let out = ctl.ok(&[
        "apply",
        "-f",
        dump.to_str().unwrap(),
        "--connection",
        "second",
    ]);
    assert!(out.lines().all(|l| l.ends_with(" unchanged")), "{out}");
}

/// The examples of the README's "Operating from the terminal" run as written.
#[tokio::test(flavor = "multi_thread")]
async fn operating_guide_examples_run() {
    let server = Server::start();
    server.install().await;
    let ctl = Ctl::new();
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("## Operating from the terminal")
        .expect("README has the section");
    let rest = &readme[start + 2..];
    let doc = match rest.find("\n## ") {
        Some(end) => &rest[..end],
        None => rest,
    };
    let mut script = String::from("set -eu\n");
    let mut in_block = false;
    for line in doc.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block && line.trim() == "```sh";
            continue;
        }
        if in_block {
            script.push_str(line);
            script.push('\n');
        }
    }
    assert!(script.lines().count() > 10, "{script}");
    let bin_dir = Path::new(support::BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(ctl.dir.path())
        .env("PATH", path)
        .env("TRACARDICTL_CLIENT_CONFIG", ctl.config())
        .env("PRIVATE_API", server.private_api())
        .env("INSTALL_TOKEN", support::INSTALL_TOKEN)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("EDITOR", "true")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn config_show_redacts_the_installation_token() {
    let ctl = Ctl::new();
    let (code, out, err) = ctl.run_env(
        &["config", "show"],
        None,
        &[("TRACARDI_PRIVATE_API_INSTALLATION_TOKEN", "s3cret-install")],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("s3cret-install"), "{out}");
    assert!(out.contains("installation_token = \"<redacted>\""), "{out}");
}

/// Two dead letters made offline, then inspected, replayed and purged over the private
/// API and with `tracardictl dlq`; queue health in /queue and /metrics.
#[test]
fn dead_letters_over_http_and_cli() {
    use serde_json::{json, Value};
    use tracardictl::domain::{Context, Scope};
    use tracardictl::store::{self, NewItem, OpenOptions};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let seqs: Vec<u64> = support::block(async {
        let s = store::open(
            data.to_str().unwrap(),
            &OpenOptions {
                cache_bytes: 4 << 20,
            },
        )
        .unwrap();
        let now = chrono::Utc::now();
        let item = |n: i64| NewItem {
            scope: Scope::default_tenant(Context::Production),
            topic: "test".into(),
            key: None,
            payload: json!({"n": n}),
        };
        let seqs = s.enqueue(&[item(1), item(2)], now).await.unwrap();
        for l in s
            .lease("test", 10, chrono::Duration::seconds(30), 8, now)
            .await
            .unwrap()
        {
            s.nack(l.item.seq, &l.token, "boom", None, now)
                .await
                .unwrap();
        }
        s.durable().await.unwrap();
        seqs
    });
    let server = Server::start_at(&data, &[]);
    let admin = support::block(server.install());
    let api = server.private_api().to_string();
    let call = |m: reqwest::Method, path: String| {
        let api = api.clone();
        let admin = admin.clone();
        support::block(async move {
            let r = support::client()
                .request(m, format!("{api}{path}"))
                .bearer_auth(admin)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        })
    };
    use reqwest::Method;
    let (s, v) = call(Method::GET, "/queue".into());
    assert_eq!(
        (s, v["depth"].clone(), v["dead_letters"].clone()),
        (200, json!(0), json!(2)),
        "{v}"
    );
    let (s, v) = call(Method::GET, "/dlq".into());
    assert_eq!(s, 200);
    assert_eq!(v["items"][0]["last_error"], json!("boom"), "{v}");
    assert_eq!(v["items"][1]["payload"], json!({"n": 2}), "{v}");
    let (s, _) = call(Method::GET, "/dlq?limit=0".into());
    assert_eq!(s, 400);
    let (s, v) = call(Method::GET, format!("/dlq/{}", seqs[0]));
    assert_eq!((s, v["attempts"].clone()), (200, json!(1)));
    assert_eq!(call(Method::GET, "/dlq/12345".into()).0, 404);
    assert_eq!(call(Method::GET, "/dlq/abc".into()).0, 400);
    assert_eq!(call(Method::POST, "/dlq/12345/replay".into()).0, 404);
    assert_eq!(call(Method::DELETE, "/dlq/12345".into()).0, 404);

    let ctl = Ctl::new();
    ctl.login(&server, "local");
    let out = ctl.ok(&["dlq", "list"]);
    assert!(out.starts_with("ID\tTOPIC"), "{out}");
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(out.contains("boom"), "{out}");
    // Both dead letters are production's: a named context sees only its own.
    let out = ctl.ok(&["dlq", "list", "--context", "staging"]);
    assert_eq!(out.lines().count(), 1, "{out}");
    let out = ctl.ok(&["dlq", "list", "--context", "production"]);
    assert_eq!(out.lines().count(), 3, "{out}");
    let (code, _, err) = ctl.run(&["dlq", "show", &seqs[1].to_string(), "--context", "staging"]);
    assert_ne!(code, 0, "{err}");
    let (code, _, err) = ctl.run(&["dlq", "purge", "--all", "--context", "staging"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        ctl.ok(&["dlq", "list"]).lines().count(),
        3,
        "staging's purge left them"
    );
    let out = ctl.ok(&["dlq", "show", &seqs[1].to_string()]);
    assert!(out.contains("\"n\": 2"), "{out}");
    let (code, _, err) = ctl.run(&["dlq", "show", "12345"]);
    assert_ne!(code, 0, "{err}");
    let out = ctl.ok(&["dlq", "replay", &seqs[0].to_string()]);
    assert!(out.contains("queued again"), "{out}");
    let (s, v) = call(Method::GET, "/queue".into());
    assert_eq!(
        (s, v["depth"].clone(), v["dead_letters"].clone()),
        (200, json!(1), json!(1)),
        "{v}"
    );
    let metrics = support::block(async {
        support::client()
            .get(format!("{api}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert!(metrics.contains("tracardi_queue_depth 1"), "{metrics}");
    assert!(
        metrics.contains("tracardi_queue_dead_letters 1"),
        "{metrics}"
    );
    let out = ctl.ok(&["dlq", "purge", &seqs[1].to_string()]);
    assert!(out.starts_with("1 dead"), "{out}");
    let out = ctl.ok(&["dlq", "purge", "--all"]);
    assert!(out.starts_with("0 dead"), "{out}");
    let (code, _, _) = ctl.run(&["dlq", "purge"]);
    assert_eq!(code, 2, "purge needs an id or --all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_explain_merge_unmerge_from_the_terminal() {
    let server = Server::start();
    server.install().await;
    let ctl = Ctl::new();
    ctl.login(&server, "local");
    let mut ids = Vec::new();
    for s in ["s1", "s2"] {
        let r = support::client()
            .post(format!("{}/track", server.collector()))
            .json(&support::payload(
                server.source(),
                Some(s),
                None,
                &["page-view"],
            ))
            .send()
            .await
            .unwrap();
        let v: serde_json::Value = r.json().await.unwrap();
        ids.push(v["profile"]["id"].as_str().unwrap().to_string());
    }
    let (a, b) = (ids[0].as_str(), ids[1].as_str());
    let prod = ["--context", "production"];
    let with = |args: &[&str]| -> Vec<String> {
        args.iter()
            .chain(prod.iter())
            .map(|s| s.to_string())
            .collect()
    };
    let run = |args: Vec<String>| ctl.run(&args.iter().map(String::as_str).collect::<Vec<_>>());

    let (code, out, err) = run(with(&["profile", "merge", a, b, "--dry-run"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!("would merge: {b} into {a}")),
        "{out}"
    );
    let (code, out, _) = run(with(&["profile", "explain", b]));
    assert_eq!(code, 0);
    assert!(
        out.contains("(never merged)"),
        "dry run wrote nothing: {out}"
    );

    let (code, out, err) = run(with(&["profile", "merge", a, b]));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("merged ("), "{out}");
    let (code, out, _) = run(with(&["profile", "explain", b]));
    assert_eq!(code, 0);
    assert!(out.contains(&format!("Profile {a}")), "{out}");
    assert!(out.contains("operator"), "{out}");
    let (_, json_out, _) = run(with(&["profile", "explain", b, "-o", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json_out).unwrap();
    let merge_id = v["merges"][0]["id"].as_str().unwrap().to_string();

    let (code, out, err) = run(with(&["profile", "unmerge", a, "--merge", &merge_id]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("restored {b}")), "{out}");
    // Failures keep the documented exit codes: 4 not found, 1 refused.
    let (code, _, err) = run(with(&["profile", "explain", "nobody"]));
    assert_eq!(code, 4, "{err}");
    let (code, _, err) = run(with(&["profile", "unmerge", a, "--merge", &merge_id]));
    assert_eq!(code, 1, "already undone: {err}");
    assert!(err.contains("already undone"), "{err}");
    let (code, _, _) = ctl.run(&["profile", "merge", a]);
    assert_eq!(code, 2, "one id is a usage error");
}

/// The token of a saved connection, read from the client config file.
fn saved_token(ctl: &Ctl, name: &str) -> Option<String> {
    let text = std::fs::read_to_string(ctl.config()).unwrap_or_default();
    let t: toml::Table = toml::from_str(&text).unwrap();
    t.get("connections")?
        .get(name)?
        .get("token")?
        .as_str()
        .map(str::to_string)
}

async fn me_status(api: &str, token: &str) -> u16 {
    support::client()
        .get(format!("{api}/user/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Probe finding A16: `logout` forgets a saved connection's token and revokes it on
/// the server; an unreachable server is said, and the token is forgotten anyway.
#[tokio::test(flavor = "multi_thread")]
async fn logout_forgets_and_revokes_the_token() {
    let server = Server::start();
    server.install().await;
    let api = server.private_api().to_string();
    let ctl = Ctl::new();
    ctl.login(&server, "local");
    let token = saved_token(&ctl, "local").unwrap();
    assert_eq!(me_status(&api, &token).await, 200);

    // The current connection, when none is named.
    let (code, _, err) = ctl.run(&["logout"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("revoked"), "{err}");
    assert!(saved_token(&ctl, "local").is_none());
    assert_eq!(me_status(&api, &token).await, 401, "revoked on the server");
    let (code, _, err) = ctl.run(&["get", "rules"]);
    assert_eq!(code, 3, "{err}");

    // A named one; the other stays, and stays current.
    ctl.login(&server, "a");
    ctl.login(&server, "b");
    ctl.ok(&["use", "a"]);
    let b = saved_token(&ctl, "b").unwrap();
    let (code, _, err) = ctl.run(&["logout", "--name", "b"]);
    assert_eq!(code, 0, "{err}");
    assert!(saved_token(&ctl, "b").is_none());
    assert_eq!(me_status(&api, &b).await, 401);
    ctl.ok(&["get", "rules"]);

    // Only here: the token stays valid on the server.
    let a = saved_token(&ctl, "a").unwrap();
    let (code, _, err) = ctl.run(&["logout", "--name", "a", "--local-only"]);
    assert_eq!(code, 0, "{err}");
    assert!(saved_token(&ctl, "a").is_none());
    assert_eq!(me_status(&api, &a).await, 200);

    // A server that does not answer: forgotten here, and said.
    std::fs::write(
        ctl.config(),
        "current = \"gone\"\n[connections.gone]\nurl = \"http://127.0.0.1:1\"\ntoken = \"tct_x\"\n",
    )
    .unwrap();
    let (code, _, err) = ctl.run(&["logout"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("not revoked") && err.contains("http://127.0.0.1:1"),
        "{err}"
    );
    assert!(saved_token(&ctl, "gone").is_none());

    let (code, _, err) = ctl.run(&["logout", "--name", "nope"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("nope"), "{err}");
    let (code, _, err) = ctl.run(&["logout"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("no connection"), "{err}");
}

/// Probe finding A17: `login` on a terminal without a password asks for it (not
/// echoed); off a terminal it says how to give one, exit 2.
#[tokio::test(flavor = "multi_thread")]
async fn login_asks_for_the_password_on_a_terminal() {
    let server = Server::start();
    server.install().await;
    let ctl = Ctl::new();
    let (code, _, err) = ctl.run(&["login", server.private_api(), "-u", ADMIN_EMAIL]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("not a terminal") && err.contains("--password-stdin"),
        "{err}"
    );
    assert!(saved_token(&ctl, "default").is_none());

    let mut cmd = support::command(ctl.dir.path());
    cmd.args(["login", server.private_api(), "-u", ADMIN_EMAIL])
        .env("TRACARDICTL_CLIENT_CONFIG", ctl.config())
        .env_remove("TRACARDICTL_PASSWORD");
    let mut t = crate::init::Pty::spawn(cmd);
    t.expect("Password");
    t.send(&format!("{ADMIN_PASSWORD}\r"));
    t.expect("logged in");
    assert_eq!(t.wait(), 0, "{}", t.screen());
    assert!(
        !t.screen().contains(ADMIN_PASSWORD),
        "the password is never echoed"
    );
    assert!(saved_token(&ctl, "default").is_some());
}

/// Probe finding A34: the client config holds tokens: mode 0600 when created, and
/// when a file of a looser mode is rewritten.
#[tokio::test(flavor = "multi_thread")]
async fn the_token_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let server = Server::start();
    server.install().await;
    let ctl = Ctl::new();
    ctl.login(&server, "a");
    assert_eq!(mode(&ctl.config()), 0o600);
    std::fs::set_permissions(ctl.config(), std::fs::Permissions::from_mode(0o644)).unwrap();
    ctl.login(&server, "b");
    assert_eq!(mode(&ctl.config()), 0o600, "login rewrites it private");
    std::fs::set_permissions(ctl.config(), std::fs::Permissions::from_mode(0o664)).unwrap();
    ctl.ok(&["use", "a"]);
    assert_eq!(mode(&ctl.config()), 0o600, "use rewrites it private");
}
