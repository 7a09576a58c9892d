//! Every screen drawn with ratatui's `TestBackend` at 80×24 and 160×48, pinned by
//! `insta` snapshots. The state is built from fixed data, so frames are stable.

use super::app::{update, Action, App, Data, Kind, Loaded, Mode, Screen};
use super::dashboard::{DashData, MetricsSummary};
use super::health::HealthData;
use crate::domain::Context;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde_json::{json, Value};

fn frame(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| super::ui::draw(f, app)).unwrap();
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn both(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), frame(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x48"), frame(app, 160, 48));
}

fn load(app: &mut App, data: Data) {
    update(
        app,
        Action::Loaded(Loaded {
            context: app.context,
            data: Ok(data),
        }),
    );
}

fn app_on(screen: Screen) -> App {
    let mut a = App::new(
        "http://10.0.0.5:8686",
        "admin@example.com",
        Context::Production,
        false,
    );
    a.screen = screen;
    a
}

fn stats() -> Value {
    json!({
        "tenant": "default",
        "disk_bytes": 4_718_592,
        "schema_version": 3,
        "contexts": {
            "staging": {"profiles": 0, "sessions": 0, "events": 0, "config": {"event-source": 2, "rule": 1}},
            "production": {"profiles": 1284, "sessions": 2210, "events": 18_342, "config": {"event-source": 2, "rule": 3, "flow": 2}}
        }
    })
}

fn dash() -> DashData {
    DashData {
        stats: stats(),
        metrics: MetricsSummary {
            events_total: 18_342,
            requests_total: 9_120,
            profiles_created: 1284,
            sessions_created: 2210,
            collector_errors: 12,
            collector_requests: 9_120,
            collector_p99: Some(0.025),
            queue_depth: Some(3),
            dead_letters: Some(2),
            apm_merges: 41,
        },
        today: 3_412,
        today_capped: false,
        per_source: vec![
            ("web-shop".into(), 2_900),
            ("mobile-app".into(), 480),
            ("segment-bridge".into(), 32),
        ],
        active_sessions: 57,
        active_capped: false,
        at_ms: 60_000,
        rate: vec![
            3, 4, 6, 5, 8, 12, 9, 7, 6, 10, 14, 18, 15, 11, 9, 8, 7, 9, 12, 16, 21, 17, 13, 10, 8,
            6, 5, 7, 9, 11,
        ],
    }
}

fn profile() -> Value {
    json!({
        "id": "6f1c2a9e-1111-4c3b-9a7e-0a5e2b9d1c01",
        "ids": ["6f1c2a9e-1111-4c3b-9a7e-0a5e2b9d1c01", "ann@example.com"],
        "metadata": {"time": {"insert": "2026-11-27T09:15:02Z", "visit": {"last": "2026-11-27T21:40:11Z", "count": 4}}},
        "stats": {"visits": 4, "views": 17},
        "traits": {"email": "ann@example.com", "plan": "pro", "age": 34},
        "data": {"contact": {"email": {"main": "ann@example.com"}, "phone": {"main": "+48600100200"}}, "pii": {"name": "Ann"}},
        "segments": ["frequent-visitors"],
        "consents": {"marketing": {"revoke": null}},
    })
}

fn event(i: usize, t: &str) -> Value {
    json!({
        "id": format!("ev-{i:04}"),
        "type": t,
        "source": {"id": "web-shop"},
        "session": {"id": "sess-01"},
        "profile": {"id": "6f1c2a9e-1111-4c3b-9a7e-0a5e2b9d1c01"},
        "metadata": {"time": {"insert": format!("2026-11-27T21:40:{:02}Z", i % 60)}},
        "properties": {"url": "https://shop.example.com/"}
    })
}

#[test]
fn dashboard() {
    let mut a = app_on(Screen::Dashboard);
    load(&mut a, Data::Dashboard(Box::new(dash())));
    both("dashboard", &a);
}

#[test]
fn dashboard_staging_empty_readonly() {
    let mut a = app_on(Screen::Dashboard);
    a.readonly = true;
    a.context = Context::Staging;
    load(
        &mut a,
        Data::Dashboard(Box::new(DashData {
            stats: stats(),
            ..DashData::default()
        })),
    );
    both("dashboard_staging_empty_readonly", &a);
}

#[test]
fn profiles_list_and_search() {
    let mut a = app_on(Screen::Profiles);
    let mut second = profile();
    second["id"] = json!("0b7d0c44-2222-4f6e-8d2a-7c1e9f3a2b02");
    second["traits"] = json!({});
    second["data"] = json!({});
    second["segments"] = json!([]);
    load(
        &mut a,
        Data::Profiles {
            query: String::new(),
            after: None,
            items: vec![profile(), second],
            next: Some("cursor".into()),
        },
    );
    both("profiles_list", &a);
    a.mode = Mode::Filter("traits.plan == \"pro\"".into());
    both("profiles_search_prompt", &a);
}

#[test]
fn profile_detail_tabs() {
    let mut a = app_on(Screen::Profiles);
    load(
        &mut a,
        Data::Profiles {
            query: String::new(),
            after: None,
            items: vec![profile()],
            next: None,
        },
    );
    update(&mut a, Action::Enter);
    load(
        &mut a,
        Data::Profile {
            profile: profile(),
            events: vec![
                event(1, "page-view"),
                event(2, "add-to-cart"),
                event(3, "purchase"),
            ],
            sessions: vec![
                json!({"id": "sess-01", "metadata": {"time": {"insert": "2026-11-27T21:40:00Z"}}, "os": {"name": "Linux"}, "app": {"name": "Firefox"}}),
            ],
            more: Default::default(),
            explain: Ok(explain()),
        },
    );
    both("profile_detail_traits", &a);
    update(&mut a, Action::NextTab);
    both("profile_detail_data", &a);
    update(&mut a, Action::NextTab);
    both("profile_detail_events", &a);
    update(&mut a, Action::Enter);
    both("profile_event_json", &a);
    update(&mut a, Action::Back);
    update(&mut a, Action::NextTab);
    update(&mut a, Action::NextTab);
    both("profile_detail_merges", &a);
    update(&mut a, Action::Enter);
    assert_eq!(
        a.raw.as_ref().map(|r| r.title.as_str()),
        Some("merge/m-0001")
    );
}

fn explain() -> Value {
    json!({
        "profile": profile(),
        "keys": [
            {"field": "traits.email", "key": "email:9f2c41d07a"},
            {"field": "data.contact.phone.main", "key": "phone:51be08aa3c"}
        ],
        "other_ids": ["0b7d0c44-2222-4f6e-8d2a-7c1e9f3a2b02"],
        "merges": [{
            "id": "m-0001",
            "time": "2026-11-27T21:41:07Z",
            "action": "merge",
            "trigger": {"kind": "key", "detail": "email:9f2c41d07a", "keys": ["email:9f2c41d07a"]},
            "survivor": "6f1c2a9e-1111-4c3b-9a7e-0a5e2b9d1c01",
            "merged": ["0b7d0c44-2222-4f6e-8d2a-7c1e9f3a2b02"],
            "moved_events": {"0b7d0c44-2222-4f6e-8d2a-7c1e9f3a2b02": ["ev-0101", "ev-0102", "ev-0103"]},
            "moved_sessions": {"0b7d0c44-2222-4f6e-8d2a-7c1e9f3a2b02": ["sess-02"]}
        }],
        "events": 20,
        "sessions": 2
    })
}

#[test]
fn profile_merges_empty_and_unavailable() {
    let mut a = app_on(Screen::Profiles);
    load(
        &mut a,
        Data::Profiles {
            query: String::new(),
            after: None,
            items: vec![profile()],
            next: None,
        },
    );
    update(&mut a, Action::Enter);
    let mut never = explain();
    never["merges"] = json!([]);
    never["other_ids"] = json!([]);
    load(
        &mut a,
        Data::Profile {
            profile: profile(),
            events: Vec::new(),
            sessions: Vec::new(),
            more: Default::default(),
            explain: Ok(never),
        },
    );
    for _ in 0..4 {
        update(&mut a, Action::NextTab);
    }
    both("profile_merges_empty", &a);
    load(
        &mut a,
        Data::Profile {
            profile: profile(),
            events: Vec::new(),
            sessions: Vec::new(),
            more: Default::default(),
            explain: Err("profile merging is not configured on this server".into()),
        },
    );
    both("profile_merges_unavailable", &a);
}

#[test]
fn live_events() {
    let mut a = app_on(Screen::Live);
    load(&mut a, Data::StreamState(true));
    for (i, t) in [
        "page-view",
        "page-view",
        "add-to-cart",
        "purchase",
        "page-view",
    ]
    .iter()
    .enumerate()
    {
        load(&mut a, Data::Event(event(i, t)));
    }
    both("live", &a);
    update(&mut a, Action::TogglePause);
    a.live.filter = "purchase".into();
    both("live_paused_filtered", &a);
}

fn sample(k: Kind) -> Vec<Value> {
    match k {
        Kind::Sources => vec![
            json!({"id": "web-shop", "name": "Web shop", "type": "javascript", "enabled": true}),
            json!({"id": "mobile-app", "name": "Mobile app", "type": "rest", "enabled": false}),
        ],
        Kind::Rules => vec![
            json!({"id": "welcome", "name": "Welcome new visitors", "event_type": {"id": "page-view"}, "source": {"id": "web-shop"}, "flow": {"id": "welcome-flow"}, "enabled": true}),
        ],
        Kind::Flows => vec![flow()],
        Kind::Segments => vec![
            json!({"id": "frequent-visitors", "name": "Frequent visitors", "condition": "profile@stats.visits > 3", "enabled": true}),
        ],
        Kind::Consents => vec![
            json!({"id": "marketing", "name": "Marketing", "required": false, "enabled": true}),
        ],
        Kind::Destinations => vec![
            json!({"id": "crm", "name": "CRM webhook", "resource": {"id": "crm-api"}, "enabled": true}),
        ],
        Kind::Resources => {
            vec![json!({"id": "crm-api", "name": "CRM API", "type": "api", "enabled": true})]
        }
        Kind::Users => vec![
            json!({"id": "u1", "email": "admin@example.com", "name": "Admin", "roles": ["admin"], "enabled": true}),
        ],
    }
}

fn flow() -> Value {
    json!({
        "id": "welcome-flow", "name": "Welcome", "type": "collection", "enabled": true,
        "flowGraph": {
            "nodes": [
                {"id": "n1", "data": {"name": "Start", "spec": {"className": "StartAction", "inputs": ["payload"], "outputs": ["payload"]}}},
                {"id": "n2", "data": {"name": "If new visitor", "spec": {"className": "IfAction", "inputs": ["payload"], "outputs": ["true", "false"]}}},
                {"id": "n3", "data": {"name": "Add segment", "spec": {"className": "AddSegment", "inputs": ["payload"], "outputs": ["payload"]}}},
                {"id": "n4", "data": {"name": "End", "spec": {"className": "EndAction", "inputs": ["payload"], "outputs": []}}}
            ],
            "edges": [
                {"id": "e1", "source": "n1", "sourceHandle": "payload", "target": "n2", "targetHandle": "payload"},
                {"id": "e2", "source": "n2", "sourceHandle": "true", "target": "n3", "targetHandle": "payload"},
                {"id": "e3", "source": "n3", "sourceHandle": "payload", "target": "n4", "targetHandle": "payload"},
                {"id": "e4", "source": "n2", "sourceHandle": "false", "target": "n4", "targetHandle": "payload"}
            ]
        }
    })
}

#[test]
fn configuration_screens() {
    for k in Kind::ALL {
        let mut a = app_on(Screen::Config(k));
        load(&mut a, Data::Config(k, sample(k)));
        both(&format!("config_{}", k.api()), &a);
    }
}

#[test]
fn configuration_empty_delete_confirm_and_raw() {
    let mut a = app_on(Screen::Config(Kind::Segments));
    load(&mut a, Data::Config(Kind::Segments, Vec::new()));
    both("config_empty", &a);
    let mut a = app_on(Screen::Config(Kind::Rules));
    load(&mut a, Data::Config(Kind::Rules, sample(Kind::Rules)));
    update(&mut a, Action::Delete);
    both("config_delete_confirm", &a);
    update(&mut a, Action::ConfirmNo);
    update(&mut a, Action::Raw);
    update(&mut a, Action::Raw);
    both("config_raw_yaml", &a);
}

#[test]
fn flow_graph() {
    let mut a = app_on(Screen::Config(Kind::Flows));
    load(&mut a, Data::Config(Kind::Flows, vec![flow()]));
    update(&mut a, Action::Enter);
    both("flow_graph", &a);
}

#[test]
fn deploy_plan_and_confirm() {
    let mut a = app_on(Screen::Deploy);
    a.context = Context::Staging;
    load(
        &mut a,
        Data::DeployPlan(json!({
            "from": "staging", "to": "production", "dry_run": true,
            "summary": {"created": 1, "configured": 1, "unchanged": 1},
            "changes": [
                {"kind": "event-source", "id": "web-shop", "result": "unchanged"},
                {"kind": "rule", "id": "welcome", "result": "configured"},
                {"kind": "segment", "id": "frequent-visitors", "result": "created"}
            ]
        })),
    );
    both("deploy", &a);
    load(
        &mut a,
        Data::Diff(
            "rule/welcome · production → staging".into(),
            "--- production\n+++ staging\n@@ -1,3 +1,3 @@\n id: welcome\n-name: Welcome\n+name: Welcome new visitors\n enabled: true\n".into(),
        ),
    );
    both("deploy_diff", &a);
    update(&mut a, Action::Back);
    update(&mut a, Action::Deploy);
    both("deploy_confirm", &a);
}

#[test]
fn health() {
    let mut a = app_on(Screen::Health);
    load(
        &mut a,
        Data::Health(Box::new(HealthData {
            alive: true,
            version: "0.1.0".into(),
            stats: stats(),
            metrics: dash().metrics,
            queue: json!({"depth": 3, "in_flight": 1, "oldest": "2026-11-27T21:39:50Z", "oldest_age_seconds": 74.2, "dead_letters": 2}),
            dead: vec![
                json!({"id": 17, "tenant": "default", "context": "production", "topic": "destination", "key": "crm", "attempts": 5, "enqueued_at": "2026-11-27T20:02:11Z", "last_error": "crm-api answered 503 Service Unavailable", "payload": {"event": "ev-0042"}}),
                json!({"id": 23, "tenant": "default", "context": "production", "topic": "workflow", "key": "welcome-flow", "attempts": 5, "enqueued_at": "2026-11-27T21:15:40Z", "last_error": "flow welcome-flow: node Add segment timed out", "payload": {"event": "ev-0077"}}),
            ],
            dead_more: false,
        })),
    );
    both("health", &a);
    update(&mut a, Action::Down);
    update(&mut a, Action::Replay);
    both("health_replay_confirm", &a);
    update(&mut a, Action::ConfirmNo);
    update(&mut a, Action::Enter);
    both("health_dead_letter_json", &a);
    let mut ro = app_on(Screen::Health);
    ro.readonly = true;
    load(
        &mut ro,
        Data::Health(Box::new(HealthData {
            alive: true,
            version: "0.1.0".into(),
            stats: stats(),
            metrics: MetricsSummary::default(),
            queue: json!({"depth": 0, "in_flight": 0, "oldest": null, "oldest_age_seconds": null, "dead_letters": 0}),
            dead: Vec::new(),
            dead_more: false,
        })),
    );
    update(&mut ro, Action::Help);
    both("health_empty_readonly_help", &ro);
}

fn trace() -> Value {
    json!({
        "id": "0006447a1b2c3d4e-9f8e7d6c",
        "run_id": "0006447a1b2c3d4e-9f8e7d6c",
        "flow_id": "welcome-flow",
        "flow_name": "Welcome",
        "started": "2026-11-27T21:40:03Z",
        "duration_us": 2350,
        "event_id": "ev-0003",
        "profile_id": "6f1c2a9e-1111-4c3b-9a7e-0a5e2b9d1c01",
        "errors": [{"node": "n3", "name": "Add segment", "message": "segment `vip` does not exist"}],
        "logs": [], "ux": [], "response": {}, "merge_keys": [],
        "profile_update": {}, "session_update": false,
        "trace": [
            {"node": "n1", "name": "Start", "plugin": "start", "input_port": "payload", "input": {"type": "page-view"}, "outputs": [{"port": "payload", "value": {"type": "page-view"}}], "duration_us": 40},
            {"node": "n2", "name": "If new visitor", "plugin": "if", "input_port": "payload", "input": {"type": "page-view"}, "outputs": [{"port": "true", "value": {"type": "page-view"}}], "duration_us": 120},
            {"node": "n3", "name": "Add segment", "plugin": "add_segment", "input_port": "payload", "input": {"type": "page-view"}, "outputs": [], "duration_us": 1900, "error": "segment `vip` does not exist"}
        ]
    })
}

#[test]
fn flow_traces_and_dry_run() {
    let mut a = app_on(Screen::Config(Kind::Flows));
    load(&mut a, Data::Config(Kind::Flows, vec![flow()]));
    update(&mut a, Action::Enter);
    let fx = update(&mut a, Action::NextTab);
    assert_eq!(
        fx,
        vec![super::app::Effect::Call(
            Context::Production,
            super::app::Request::Traces("welcome-flow".into())
        )]
    );
    let mut ok_run = trace();
    ok_run["run_id"] = json!("00064479ffee0011-1a2b3c4d");
    ok_run["started"] = json!("2026-11-27T21:12:44Z");
    ok_run["errors"] = json!([]);
    load(
        &mut a,
        Data::Traces("welcome-flow".into(), vec![trace(), ok_run]),
    );
    both("flow_traces", &a);
    update(&mut a, Action::Enter);
    update(&mut a, Action::Down);
    update(&mut a, Action::Down);
    both("flow_trace_error_node", &a);
    update(&mut a, Action::Back);
    update(&mut a, Action::DryRun);
    for c in "ev-0003".chars() {
        update(&mut a, Action::Input(c));
    }
    both("flow_dry_run_prompt", &a);
    let fx = update(&mut a, Action::Enter);
    assert_eq!(
        fx,
        vec![super::app::Effect::Call(
            Context::Production,
            super::app::Request::DryRun {
                flow: "welcome-flow".into(),
                input: "ev-0003".into()
            }
        )]
    );
    let mut result = trace();
    result["errors"] = json!([]);
    result["trace"][2]["error"] = Value::Null;
    result["trace"][2]["outputs"] =
        json!([{"port": "payload", "value": {"type": "page-view", "segments": ["vip"]}}]);
    load(
        &mut a,
        Data::DryRun(
            "welcome-flow".into(),
            json!({"result": result, "profile": profile(), "session": {}, "event": event(3, "page-view")}),
        ),
    );
    both("flow_dry_run_result", &a);
    let mut empty = app_on(Screen::Config(Kind::Flows));
    load(&mut empty, Data::Config(Kind::Flows, vec![flow()]));
    update(&mut empty, Action::Enter);
    update(&mut empty, Action::NextTab);
    load(&mut empty, Data::Traces("welcome-flow".into(), Vec::new()));
    both("flow_traces_empty", &empty);
}

#[test]
fn help_command_line_and_error() {
    let mut a = app_on(Screen::Dashboard);
    load(&mut a, Data::Dashboard(Box::new(dash())));
    update(&mut a, Action::Help);
    both("help_dashboard", &a);
    let mut a = app_on(Screen::Profiles);
    a.mode = Mode::Command("prof".into());
    update(
        &mut a,
        Action::Loaded(Loaded {
            context: Context::Production,
            data: Err("cannot reach http://10.0.0.5:8686/profiles: connection refused — is `tracardictl serve` running there? (r retries)".into()),
        }),
    );
    both("command_line", &a);
    a.mode = Mode::Normal;
    both("error_status", &a);
}

/// Every kind of screen state, drawn at many small and odd sizes: nothing panics (a
/// trace on a short terminal once did, in a layout `clamp`).
#[test]
fn small_terminals_never_panic() {
    let mut states = Vec::new();
    let mut a = app_on(Screen::Dashboard);
    load(&mut a, Data::Dashboard(Box::new(dash())));
    states.push(a.clone());
    update(&mut a, Action::Help);
    states.push(a);
    let mut a = app_on(Screen::Profiles);
    load(
        &mut a,
        Data::Profiles {
            query: String::new(),
            after: None,
            items: vec![profile()],
            next: Some("c1".into()),
        },
    );
    states.push(a.clone());
    update(&mut a, Action::Enter);
    load(
        &mut a,
        Data::Profile {
            profile: profile(),
            events: (0..5).map(|i| event(i, "page-view")).collect(),
            sessions: vec![json!({"id": "sess-01"})],
            more: Default::default(),
            explain: Ok(explain()),
        },
    );
    for _ in 0..5 {
        states.push(a.clone());
        update(&mut a, Action::NextTab);
    }
    let mut a = app_on(Screen::Health);
    load(
        &mut a,
        Data::Health(Box::new(HealthData {
            alive: true,
            stats: stats(),
            dead: vec![json!({"id": 1_795_914_840_076_541_u64, "topic": "destination"})],
            ..HealthData::default()
        })),
    );
    states.push(a);
    let mut a = app_on(Screen::Config(Kind::Flows));
    load(&mut a, Data::Config(Kind::Flows, vec![flow()]));
    states.push(a.clone());
    update(&mut a, Action::Enter);
    states.push(a.clone());
    update(&mut a, Action::NextTab);
    load(&mut a, Data::Traces("welcome-flow".into(), vec![trace()]));
    states.push(a.clone());
    update(&mut a, Action::Enter);
    states.push(a.clone());
    update(&mut a, Action::Back);
    load(
        &mut a,
        Data::DryRun("welcome-flow".into(), json!({"result": trace()})),
    );
    states.push(a.clone());
    update(&mut a, Action::Enter);
    states.push(a);
    for (i, s) in states.iter().enumerate() {
        for w in [1, 10, 40, 80, 119, 120] {
            for h in [1, 2, 3, 5, 8, 10, 11, 12, 16, 24] {
                let drawn = std::panic::catch_unwind(|| frame(s, w, h));
                assert!(drawn.is_ok(), "state {i} panicked at {w}×{h}");
            }
        }
    }
}

#[test]
fn a_failed_profile_search_is_drawn_as_failed() {
    let mut a = app_on(Screen::Profiles);
    a.mode = Mode::Filter("traits.value >".into());
    update(&mut a, Action::Enter);
    load(
        &mut a,
        Data::ProfilesFailed {
            query: "traits.value >".into(),
            error: "query parameter `filter`: invalid condition".into(),
        },
    );
    let drawn = frame(&a, 80, 24);
    assert!(!drawn.contains("loading…"), "{drawn}");
    assert!(drawn.contains("could not be fetched"), "{drawn}");
    assert!(drawn.contains("invalid condition"), "{drawn}");
}

/// A flow applied in the concise YAML form is drawn with its nodes and edges, as one in
/// Tracardi's shape is.
#[test]
fn flow_graph_of_a_concise_flow() {
    let concise = json!({
        "kind": "flow", "id": "main-flow", "name": "Main flow", "trace": true,
        "nodes": [
            {"id": "start", "plugin": "start"},
            {"id": "merge", "plugin": "merge-properties"},
            {"id": "tag", "plugin": "add-segment", "init": {"segment": "buyers"}}
        ],
        "edges": ["start -> merge", "merge -> tag"]
    });
    let mut a = app_on(Screen::Config(Kind::Flows));
    load(&mut a, Data::Config(Kind::Flows, vec![concise]));
    update(&mut a, Action::Enter);
    let drawn = frame(&a, 100, 24);
    assert!(drawn.contains("Nodes (3)"), "{drawn}");
    assert!(drawn.contains("Edges (2)"), "{drawn}");
    assert!(!drawn.contains("no edges"), "{drawn}");
    assert!(drawn.contains("→ [payload] "), "{drawn}");
    // One that cannot be read says why instead of looking empty.
    let broken =
        json!({"id": "bad", "nodes": [{"id": "a", "plugin": "no-such-plugin"}], "edges": []});
    let mut a = app_on(Screen::Config(Kind::Flows));
    load(&mut a, Data::Config(Kind::Flows, vec![broken]));
    update(&mut a, Action::Enter);
    let drawn = frame(&a, 100, 24);
    assert!(drawn.contains("cannot draw this flow"), "{drawn}");
}

/// Dead letters with real (16-digit) ids and keys, and a staging line long enough to
/// wrap: every id is whole, the keys tell the rows apart, and both contexts show.
#[test]
fn health_shows_whole_dead_letter_ids_and_every_context() {
    let mut stats = stats();
    stats["contexts"]["staging"]["config"] = json!({
        "event-source": 2, "resource": 1, "flow": 1, "rule": 1, "segment": 1,
        "consent-type": 1, "destination": 1
    });
    stats["contexts"]["production"]["config"] = stats["contexts"]["staging"]["config"].clone();
    let dead: Vec<Value> = (1..=6_u64)
        .map(|i| {
            json!({
                "id": 1_795_914_840_076_540_u64 + i, "context": "production",
                "topic": "destination", "key": format!("crm-hook:profile-{i}"),
                "attempts": 8, "enqueued_at": "2026-11-29T01:14:12Z",
                "last_error": "http://127.0.0.1:19199/hook: error sending request"
            })
        })
        .collect();
    let mut a = app_on(Screen::Health);
    load(
        &mut a,
        Data::Health(Box::new(HealthData {
            alive: true,
            stats,
            dead,
            ..HealthData::default()
        })),
    );
    for (w, h) in [(80, 30), (120, 40), (200, 40)] {
        let drawn = frame(&a, w, h);
        for i in 1..=6_u64 {
            let id = (1_795_914_840_076_540_u64 + i).to_string();
            assert!(drawn.contains(&id), "{w}×{h}: {id}\n{drawn}");
            assert!(drawn.contains(&format!("profile-{i}")), "{w}×{h}\n{drawn}");
        }
        assert!(drawn.contains("staging:"), "{w}×{h}\n{drawn}");
        assert!(
            drawn.contains("production: 1284 profiles"),
            "{w}×{h}\n{drawn}"
        );
    }
}

/// With the API gone, Health says it is down (not "ok") and since when, and both polled
/// screens mark their figures as from before; the next answer clears it.
#[test]
fn an_unreachable_api_is_shown_down_and_the_figures_stale() {
    let unreachable = || Data::Unreachable {
        error: "connection refused".into(),
        at: "01:38:10".into(),
    };
    let mut a = app_on(Screen::Health);
    load(
        &mut a,
        Data::Health(Box::new(HealthData {
            alive: true,
            version: "0.1.0".into(),
            stats: stats(),
            ..HealthData::default()
        })),
    );
    load(&mut a, unreachable());
    load(
        &mut a,
        Data::Unreachable {
            error: "connection refused".into(),
            at: "01:38:12".into(),
        },
    );
    both("health_api_down", &a);
    let s = frame(&a, 120, 30);
    assert!(s.contains("private API: DOWN since 01:38:10"), "{s}");
    assert!(!s.contains("private API: ok"), "{s}");
    let mut d = app_on(Screen::Dashboard);
    load(&mut d, Data::Dashboard(Box::new(dash())));
    load(&mut d, unreachable());
    let s = frame(&d, 120, 30);
    assert!(s.contains("API unreachable since 01:38:10"), "{s}");
    load(&mut d, Data::Dashboard(Box::new(dash())));
    assert_eq!(d.down, None);
    assert!(!frame(&d, 120, 30).contains("unreachable"));
}

/// An empty live screen says which events can come (this context, the configured
/// tenant), and the dashboard's collector counters say they are the whole install's.
#[test]
fn live_and_dashboard_say_whose_events_they_show() {
    let a = app_on(Screen::Live);
    let s = frame(&a, 300, 30);
    assert!(s.contains("stream stays empty"), "{s}");
    let mut d = app_on(Screen::Dashboard);
    load(&mut d, Data::Dashboard(Box::new(dash())));
    assert!(frame(&d, 120, 30).contains("Traffic (all tenants)"));
}
