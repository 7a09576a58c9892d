//! TQL throughput: parsing a 3-clause condition, and evaluating it against an in-memory
//! profile. `native` is the same check written by hand against `serde_json`, measured in
//! the same run as the baseline, so figures can be read as ratios on a noisy machine.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};
use tracardictl::workflow::notation::DotContext;
use tracardictl::workflow::tql::{eval, evaluate, parse};

const CONDITION: &str = r#"profile@traits.age >= 18 AND profile@data.pii.firstname == "Ada" AND event@type == ["purchase", "order"]"#;
const TIME_CONDITION: &str = r#"event@type EXISTS AND datetime(profile@metadata.time.insert) > now.offset("-1d") AND profile@traits.tags CONTAINS "vip""#;

fn context() -> DotContext {
    DotContext {
        profile: json!({
            "id": "0a1b2c3d",
            "metadata": {"time": {"insert": "2024-04-30T18:00:00Z", "visit": {"count": 12}}},
            "data": {
                "pii": {"firstname": "Ada", "lastname": "Lovelace", "email": "ada@example.com"},
                "contact": {"phone": "+44 20 0000 0000", "address": {"town": "London"}},
            },
            "traits": {"age": 36, "tags": ["vip", "eu", "beta"], "score": 7.5},
            "segments": ["customers", "newsletter"],
        }),
        event: json!({"type": "purchase", "properties": {"value": 120.5, "currency": "EUR"}}),
        session: json!({"id": "s-1"}),
        payload: json!({}),
        flow: Value::Null,
        memory: Value::Null,
        now: chrono::DateTime::from_timestamp(1_714_564_800, 0),
    }
}

fn native(ctx: &DotContext) -> bool {
    let age = ctx
        .profile
        .get("traits")
        .and_then(|t| t.get("age"))
        .and_then(Value::as_f64);
    let name = ctx
        .profile
        .get("data")
        .and_then(|d| d.get("pii"))
        .and_then(|p| p.get("firstname"))
        .and_then(Value::as_str);
    let kind = ctx.event.get("type").and_then(Value::as_str);
    age.is_some_and(|a| a >= 18.0)
        && name == Some("Ada")
        && kind.is_some_and(|k| k == "purchase" || k == "order")
}

fn benches(c: &mut Criterion) {
    let ctx = context();
    let expr = match parse(CONDITION) {
        Ok(expr) => expr,
        Err(e) => panic!("bench condition does not parse: {e}"),
    };
    let time_expr = match parse(TIME_CONDITION) {
        Ok(expr) => expr,
        Err(e) => panic!("bench condition does not parse: {e}"),
    };
    assert_eq!(eval(&expr, &ctx), Ok(true));
    assert_eq!(eval(&time_expr, &ctx), Ok(true));
    assert!(native(&ctx));

    let mut group = c.benchmark_group("tql");
    group.throughput(Throughput::Elements(1));
    group.bench_function("native_baseline", |b| b.iter(|| native(black_box(&ctx))));
    group.bench_function("eval_3_clauses", |b| {
        b.iter(|| eval(black_box(&expr), black_box(&ctx)))
    });
    group.bench_function("eval_3_clauses_with_datetimes", |b| {
        b.iter(|| eval(black_box(&time_expr), black_box(&ctx)))
    });
    group.bench_function("parse_3_clauses", |b| {
        b.iter(|| parse(black_box(CONDITION)))
    });
    group.bench_function("parse_and_eval_3_clauses", |b| {
        b.iter(|| evaluate(black_box(CONDITION), black_box(&ctx)))
    });
    group.finish();
}

criterion_group!(tql_benches, benches);
criterion_main!(tql_benches);
