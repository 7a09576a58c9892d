//! A 10-node flow run (start, if, set, increment, segment, interest, make payload,
//! data exists, create response, end) over an in-memory profile. `native` does the same
//! changes by hand on the same JSON (including the state reset every run costs), measured
//! in the same run as the baseline, so figures can be read as ratios on a noisy machine.
//! The target is ≥ 50,000 runs/s per core (≤ 20 µs a run).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};
use tracardictl::workflow::flow::{compile, FlowDocument};
use tracardictl::workflow::notation::DotContext;
use tracardictl::workflow::plugins::RunState;
use tracardictl::workflow::runtime::{run_flow, RunOptions};

const FLOW: &str = r#"
id: bench
name: Ten nodes
nodes:
  - {id: start, plugin: start}
  - {id: adult, plugin: if, init: {condition: "profile@traits.age >= 18 AND event@type == \"purchase\""}}
  - {id: keep, plugin: set, init: {set: {"profile@traits.last_value": "payload@value"}}}
  - {id: count, plugin: increment, init: {field: profile@stats.counters.purchases}}
  - {id: seg, plugin: add-segment, init: {segment: buyers}}
  - {id: interest, plugin: increase-interest, init: {interest: shoes, value: 2}}
  - {id: make, plugin: make-payload, init: {template: {"value": "payload@value", "name": "profile@data.pii.firstname"}}}
  - {id: has, plugin: data-exists, init: {value: payload@name}}
  - {id: answer, plugin: create-response, init: {key: offer}}
  - {id: end, plugin: end}
edges:
  - start -> adult
  - adult.true -> keep
  - keep -> count
  - count -> seg
  - seg -> interest
  - interest -> make
  - make -> has
  - has.true -> answer
  - answer -> end
"#;

fn context() -> DotContext {
    DotContext {
        profile: json!({
            "id": "0a1b2c3d",
            "data": {"pii": {"firstname": "Ada", "lastname": "Lovelace"}},
            "traits": {"age": 36, "tags": ["vip"]},
            "stats": {"visits": 3, "views": 10, "counters": {"purchases": 4}},
            "segments": ["customers"],
            "interests": {"shoes": 1.0},
        }),
        event: json!({"id": "e1", "type": "purchase", "properties": {"value": 120.5, "currency": "EUR"}}),
        session: json!({"id": "s-1"}),
        ..DotContext::default()
    }
}

fn native(ctx: &mut DotContext, initial: Value) -> Value {
    let adult = ctx.profile["traits"]["age"]
        .as_f64()
        .is_some_and(|a| a >= 18.0)
        && ctx.event["type"] == "purchase";
    if !adult {
        return Value::Null;
    }
    ctx.profile["traits"]["last_value"] = initial["value"].clone();
    let n = ctx.profile["stats"]["counters"]["purchases"]
        .as_f64()
        .unwrap_or(0.0);
    ctx.profile["stats"]["counters"]["purchases"] = json!(n + 1.0);
    if let Some(segs) = ctx.profile["segments"].as_array_mut() {
        if !segs.iter().any(|s| s == "buyers") {
            segs.push(json!("buyers"));
        }
    }
    let i = ctx.profile["interests"]["shoes"].as_f64().unwrap_or(0.0);
    ctx.profile["interests"]["shoes"] = json!(i + 2.0);
    let payload = json!({"value": initial["value"].clone(), "name": ctx.profile["data"]["pii"]["firstname"].clone()});
    if payload["name"].is_null() {
        return Value::Null;
    }
    json!({"offer": payload})
}

fn benches(c: &mut Criterion) {
    let doc = match FlowDocument::from_text(FLOW) {
        Ok(d) => d,
        Err(e) => panic!("bench flow does not read: {e}"),
    };
    let flow = match compile(&doc) {
        Ok(f) => f,
        Err(e) => panic!("bench flow does not compile: {e}"),
    };
    let rt = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => panic!("no runtime: {e}"),
    };
    let base = context();
    let initial = base.event["properties"].clone();
    let options = RunOptions::default();

    // Check once that the flow does what `native` does.
    let mut state = RunState::new(base.clone());
    let result = rt.block_on(run_flow(&flow, &mut state, initial.clone(), &options));
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(
        result.response.get("offer").map(|o| &o["name"]),
        Some(&json!("Ada"))
    );

    let mut group = c.benchmark_group("flow");
    group.throughput(Throughput::Elements(1));
    group.bench_function("native_10_steps", |b| {
        b.iter(|| {
            let mut ctx = base.clone();
            black_box(native(&mut ctx, initial.clone()))
        })
    });
    group.bench_function("run_10_nodes", |b| {
        b.iter(|| {
            let mut state = RunState::new(base.clone());
            let r = rt.block_on(run_flow(&flow, &mut state, initial.clone(), &options));
            black_box(r.response.len())
        })
    });
    group.bench_function("run_10_nodes_traced", |b| {
        let traced = RunOptions {
            trace: true,
            ..RunOptions::default()
        };
        b.iter(|| {
            let mut state = RunState::new(base.clone());
            let r = rt.block_on(run_flow(&flow, &mut state, initial.clone(), &traced));
            black_box(r.trace.len())
        })
    });
    group.finish();
}

criterion_group!(flow_benches, benches);
criterion_main!(flow_benches);
