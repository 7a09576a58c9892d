#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use serde_json::{json, Value};

use super::parser::MAX_DEPTH;
use super::*;
use crate::workflow::notation::{DotSource, Segment};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn ctx() -> DotContext {
    DotContext {
        profile: json!({
            "id": "p-1",
            "data": {"pii": {"firstname": "Ada", "lastname": null}},
            "traits": {"age": 36, "score": 7.5, "tags": ["vip", "eu", "beta"],
                       "my key": "spaced", "empty_list": [], "empty_obj": {}, "blank": "",
                       "vip": true},
            "metadata": {"time": {"insert": "2024-04-30T12:00:00Z",
                                  "local": "2024-05-01T13:30:00"}},
        }),
        session: json!({"id": "s-1", "context": {"tz": "Europe/Warsaw"}}),
        event: json!({"type": "purchase", "properties": {"value": 120}}),
        payload: json!({"a": {"c": [10, 20]}, "ts": 1714564800, "ts_text": "1714564800",
                        "when": "2024-05-01T11:50:00Z", "count": "1", "word": "a"}),
        flow: json!({"name": "main"}),
        memory: json!({"counter": 3}),
        now: Some(now()),
    }
}

fn t(condition: &str) -> bool {
    match evaluate(condition, &ctx()) {
        Ok(answer) => answer,
        Err(e) => panic!("`{condition}` failed: {e}"),
    }
}

fn eval_err(condition: &str) -> EvalError {
    match evaluate(condition, &ctx()) {
        Err(TqlError::Eval(e)) => e,
        other => panic!("`{condition}` should fail to evaluate, got {other:?}"),
    }
}

fn parse_err(condition: &str) -> ParseError {
    match parse(condition) {
        Err(e) => e,
        Ok(expr) => panic!("`{condition}` should not parse, got {expr:?}"),
    }
}

fn round_trips(condition: &str) {
    let expr = parse(condition).unwrap();
    let printed = expr.to_string();
    assert_eq!(parse(&printed).unwrap(), expr, "{condition} -> {printed}");
}

// ---- parsing ----

#[test]
fn parses_a_comparison_tree() {
    let expr = parse("profile@traits.age >= 18").unwrap();
    assert_eq!(
        expr,
        Expr::Compare {
            left: Operand::Field(DotPath {
                source: DotSource::Profile,
                segments: vec![Segment::Key("traits".into()), Segment::Key("age".into())],
            }),
            op: CmpOp::Ge,
            right: Operand::Literal(json!(18)),
        }
    );
}

#[test]
fn parses_all_six_sources_case_insensitively() {
    for source in ["profile", "Session", "EVENT", "payload", "Flow", "memory"] {
        let expr = parse(&format!("{source}@x EXISTS")).unwrap();
        assert!(matches!(expr, Expr::Check { .. }), "{source}");
    }
    assert!(t("PROFILE@id == \"p-1\""));
}

#[test]
fn parses_paths_with_indexes_quotes_and_dashes() {
    assert!(t("payload@a.c.0 == 10"));
    assert!(t("payload@a.c[1] == 20"));
    assert!(t(r#"profile@traits["my key"] == "spaced""#));
    assert!(t("profile@traits['my key'] == 'spaced'"));
    assert!(t("event@properties.value==120"));
    let expr = parse("profile@a-b_c.d EXISTS").unwrap();
    assert_eq!(expr.to_string(), "profile@a-b_c.d EXISTS");
}

#[test]
fn whole_source_path() {
    assert!(t("memory@ NOT EMPTY"));
    assert!(t("memory@ == memory@"));
}

#[test]
fn comparison_aliases_parse_to_the_same_operator() {
    for (a, b) in [("==", "="), (">=", "=>"), ("<=", "=<")] {
        assert_eq!(
            parse(&format!("payload@x {a} 1")).unwrap(),
            parse(&format!("payload@x {b} 1")).unwrap()
        );
    }
}

#[test]
fn keywords_are_case_insensitive() {
    assert_eq!(
        parse("profile@x exists and profile@y Is Not Null AND profile@z not empty").unwrap(),
        parse("profile@x EXISTS AND profile@y IS NOT NULL AND profile@z NOT EMPTY").unwrap()
    );
    assert!(t(
        "profile@traits.vip == true And profile@data.pii.lastname is null"
    ));
    assert!(t(
        "profile@traits.tags contains 'vip' and profile@id starts with 'p'"
    ));
    assert!(t(
        "profile@traits.age between 30 and 40 or profile@id ends with 'x'"
    ));
    assert!(t("NOW() > Datetime('2020-01-01') AND not (FALSE == TRUE)"));
}

#[test]
fn literal_values() {
    let expr =
        parse(r#"payload@x == [NULL, TRUE, false, -1, 2.5, 1e3, "a\"b", 'c\'d', []]"#).unwrap();
    let Expr::Compare {
        right: Operand::Literal(list),
        ..
    } = expr
    else {
        panic!("not a comparison");
    };
    assert_eq!(
        list,
        json!([null, true, false, -1, 2.5, 1000.0, "a\"b", "c'd", []])
    );
}

#[test]
fn string_escapes() {
    let expr = parse(r#"payload@x == "tab\there\nnew \\ \/ \u0041""#).unwrap();
    let Expr::Compare {
        right: Operand::Literal(Value::String(s)),
        ..
    } = expr
    else {
        panic!("not a string comparison");
    };
    assert_eq!(s, "tab\there\nnew \\ / A");
}

#[test]
fn durations_parse() {
    for (text, seconds) in [
        ("30s", 30),
        ("15m", 900),
        ("2h", 7200),
        ("1d", 86_400),
        ("1w", 604_800),
        ("1h30m", 5400),
        ("-15m", -900),
    ] {
        let expr = parse(&format!("payload@x == {text}")).unwrap();
        let Expr::Compare {
            right: Operand::Duration(d),
            ..
        } = expr
        else {
            panic!("{text} is not a duration");
        };
        assert_eq!(d, TimeDelta::seconds(seconds), "{text}");
    }
    assert!(t("15m == 900s"));
    assert!(t("1d > 23h"));
}

#[test]
fn functions_parse_with_their_arity() {
    for condition in [
        "now() EXISTS",
        "now.offset(\"-15m\") EXISTS",
        "now.offset(-15m) EXISTS",
        "now.timezone(\"Europe/Warsaw\") EXISTS",
        "datetime(payload@when) EXISTS",
        "datetime.offset(payload@when, \"1d\") EXISTS",
        "datetime.from_timestamp(payload@ts) EXISTS",
        "lowercase(profile@id) EXISTS",
        "uppercase(profile@id) EXISTS",
        "lowercase(uppercase(profile@id)) == 'p-1'",
    ] {
        assert!(t(condition), "{condition}");
    }
    let err = parse_err("now(1) EXISTS");
    assert_eq!(
        err.kind,
        ParseErrorKind::Arity {
            func: "now",
            expected: 0,
            found: 1
        }
    );
    assert!(matches!(
        parse_err("datetime.offset(now()) EXISTS").kind,
        ParseErrorKind::Arity { .. }
    ));
    assert!(matches!(
        parse_err("nope(1) == 1").kind,
        ParseErrorKind::UnknownWord(_)
    ));
}

#[test]
fn chains_of_one_operator_are_fine() {
    let and = parse("payload@a EXISTS AND payload@b EXISTS AND payload@c EXISTS").unwrap();
    assert!(matches!(&and, Expr::And(items) if items.len() == 3));
    let or = parse("payload@a EXISTS OR payload@b EXISTS OR payload@c EXISTS").unwrap();
    assert!(matches!(&or, Expr::Or(items) if items.len() == 3));
}

#[test]
fn mixing_and_or_without_parentheses_is_a_parse_error() {
    let err = parse_err("payload@a EXISTS AND payload@b EXISTS OR payload@c EXISTS");
    assert!(matches!(err.kind, ParseErrorKind::MixedAndOr(_)));
    assert_eq!(err.offset, 38);
    assert_eq!(err.column, 39);
    let err = parse_err("payload@a EXISTS OR payload@b EXISTS AND payload@c EXISTS");
    assert!(matches!(err.kind, ParseErrorKind::MixedAndOr(_)));
    assert!(parse("(payload@a EXISTS AND payload@b EXISTS) OR payload@c EXISTS").is_ok());
    assert!(parse("payload@a EXISTS AND (payload@b EXISTS OR payload@c EXISTS)").is_ok());
    // The AND of BETWEEN is not a logical AND.
    assert!(parse("payload@x BETWEEN 1 AND 2 OR payload@y EXISTS").is_ok());
}

#[test]
fn parentheses_group() {
    assert!(t("((profile@traits.age == 36))"));
    assert!(t(
        "(payload@nope EXISTS OR profile@id EXISTS) AND memory@counter == 3"
    ));
}

#[test]
fn parse_errors_carry_offset_line_and_column() {
    let err = parse_err("profile@id == ");
    assert_eq!((err.offset, err.line, err.column), (14, 1, 15));
    assert_eq!(
        err.to_string(),
        "expected a value (dot path, NULL, TRUE, FALSE, number, string, list, duration or \
         function), found the end of the condition at line 1, column 15 (offset 14)"
    );
    let err = parse_err("profile@id\n  ?? 1");
    assert_eq!((err.offset, err.line, err.column), (13, 2, 3));
    // Columns count characters, offsets count bytes.
    let err = parse_err("'żółw' == 1 1");
    assert_eq!((err.offset, err.column), (15, 13));
    let err = parse_err("profile@id 1");
    assert_eq!(err.column, 12);
    assert!(err.to_string().contains("expected an operator"));
}

#[test]
fn parse_error_kinds() {
    assert!(matches!(
        parse_err("xxx@a == 1").kind,
        ParseErrorKind::UnknownSource(s) if s == "xxx"
    ));
    assert!(matches!(
        parse_err("profile@a. == 1").kind,
        ParseErrorKind::InvalidPath(_)
    ));
    assert!(matches!(
        parse_err("profile@a == 'x").kind,
        ParseErrorKind::InvalidString(_)
    ));
    assert!(matches!(
        parse_err(r#"profile@a == "\q""#).kind,
        ParseErrorKind::InvalidString(_)
    ));
    assert!(matches!(
        parse_err("profile@a == 1x").kind,
        ParseErrorKind::InvalidNumber(_)
    ));
    assert!(matches!(
        parse_err("profile@a == 1e999").kind,
        ParseErrorKind::InvalidNumber(_)
    ));
    assert!(matches!(
        parse_err("profile@a == 1.5m").kind,
        ParseErrorKind::InvalidNumber(_)
    ));
    assert!(matches!(
        parse_err("profile@a ! 1").kind,
        ParseErrorKind::UnexpectedChar('!')
    ));
    assert!(matches!(
        parse_err("profile@a == #").kind,
        ParseErrorKind::UnexpectedChar('#')
    ));
    assert!(matches!(
        parse_err("profile@a == foo").kind,
        ParseErrorKind::UnknownWord(_)
    ));
    assert!(matches!(
        parse_err("profile@a NOT NULL").kind,
        ParseErrorKind::Unexpected { .. }
    ));
    assert!(matches!(
        parse_err("profile@a IS EMPTY").kind,
        ParseErrorKind::Unexpected { .. }
    ));
    assert!(matches!(
        parse_err("profile@a STARTS 'x'").kind,
        ParseErrorKind::Unexpected { .. }
    ));
    assert!(matches!(
        parse_err("profile@a BETWEEN 1 OR 2").kind,
        ParseErrorKind::Unexpected { .. }
    ));
    assert!(matches!(
        parse_err("(profile@a EXISTS").kind,
        ParseErrorKind::Unexpected { .. }
    ));
    assert!(matches!(
        parse_err("profile@a EXISTS)").kind,
        ParseErrorKind::Unexpected { .. }
    ));
    assert!(matches!(
        parse_err("profile@a == [1, profile@b]").kind,
        ParseErrorKind::Unexpected { .. }
    ));
    assert!(matches!(
        parse_err("profile@a == [1 2]").kind,
        ParseErrorKind::Unexpected { .. }
    ));
    assert!(matches!(
        parse_err("NOT profile@a EXISTS").kind,
        ParseErrorKind::Unexpected { .. }
    ));
    assert!(matches!(
        parse_err("").kind,
        ParseErrorKind::Unexpected { .. }
    ));
    assert!(matches!(
        parse_err("profile@a").kind,
        ParseErrorKind::Unexpected { .. }
    ));
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep = format!(
        "{}profile@a EXISTS{}",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    assert_eq!(parse_err(&deep).kind, ParseErrorKind::TooDeep);
    let ok = format!(
        "{}profile@a EXISTS{}",
        "(".repeat(MAX_DEPTH - 1),
        ")".repeat(MAX_DEPTH - 1)
    );
    assert!(parse(&ok).is_ok());
    let lists = format!("profile@a == {}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(parse_err(&lists).kind, ParseErrorKind::TooDeep);
    let calls = format!(
        "{}profile@a{} EXISTS",
        "lowercase(".repeat(10_000),
        ")".repeat(10_000)
    );
    assert_eq!(parse_err(&calls).kind, ParseErrorKind::TooDeep);
}

#[test]
fn display_is_canonical_and_round_trips() {
    let expr = parse(
        "profile@A = 'x' and (Payload@b => 1 or event@c =< 2.5) AND not (memory@[\"k k\"] \
         exists) and now.offset(-90m) > datetime('2024-01-01') and profile@t between 1 and 2",
    )
    .unwrap();
    assert_eq!(
        expr.to_string(),
        "profile@A == \"x\" AND (payload@b >= 1 OR event@c <= 2.5) AND NOT (memory@[\"k k\"] \
         EXISTS) AND now.offset(-1h30m) > datetime(\"2024-01-01\") AND profile@t BETWEEN 1 \
         AND 2"
    );
    for condition in [
        "payload@a == 1 AND (payload@b == 2 AND payload@c == 3)",
        "NOT (NOT (payload@a EXISTS))",
        "payload@x == [1, [2, \"three\"], NULL, TRUE, -0.5]",
        "payload@x CONTAINS \"a\\nb\" OR payload@x STARTS WITH 'x' OR payload@x ENDS WITH 'y'",
        "payload@x IS NULL AND payload@y IS NOT NULL AND payload@z EMPTY",
        "payload@[\"0\"] EXISTS AND payload@items.0 EXISTS AND payload@[\"\"] EXISTS",
        "datetime.from_timestamp(1.5) < now.timezone('europe/warsaw')",
        "0s == -1w2d3h4m5s",
    ] {
        round_trips(condition);
    }
}

// ---- comparisons ----

#[test]
fn equality_of_each_type() {
    assert!(t("profile@id == 'p-1'"));
    assert!(t("profile@traits.age == 36"));
    assert!(t("profile@traits.age == 36.0"));
    assert!(t("profile@traits.score == 7.5"));
    assert!(t("profile@traits.vip == TRUE"));
    assert!(t("profile@data.pii.lastname == NULL"));
    assert!(t("profile@traits.empty_list == []"));
    assert!(t("payload@a.c == [10, 20]"));
    assert!(t("payload@a == payload@a"));
    assert!(!t("profile@id == 'P-1'"));
}

#[test]
fn inequality() {
    assert!(t("profile@id != 'x'"));
    assert!(!t("profile@id != 'p-1'"));
    assert!(t("profile@traits.age != '36'"));
    assert!(t("profile@traits.age != [1, 2]"));
    assert!(!t("profile@traits.age != [36, 2]"));
}

#[test]
fn ordering_operators() {
    assert!(t("profile@traits.age > 35"));
    assert!(!t("profile@traits.age > 36"));
    assert!(t("profile@traits.age >= 36"));
    assert!(t("profile@traits.age => 36"));
    assert!(t("profile@traits.age < 36.5"));
    assert!(!t("profile@traits.age < 36"));
    assert!(t("profile@traits.age <= 36"));
    assert!(t("profile@traits.age =< 36"));
    assert!(t("'abc' < 'abd'"));
    assert!(t("-1 < 0"));
    assert!(t("18446744073709551615 > 9223372036854775807"));
}

#[test]
fn field_to_field_comparison() {
    assert!(t("profile@traits.age < event@properties.value"));
    assert!(t("profile@id != session@id"));
    assert!(t("memory@counter < profile@traits.age"));
}

#[test]
fn missing_path_in_a_comparison_is_false() {
    for condition in [
        "payload@missing == 1",
        "payload@missing != 1",
        "payload@missing > 1",
        "payload@missing <= 1",
        "1 == payload@missing",
        "payload@missing == payload@missing",
        "payload@missing == [1, 2]",
        "payload@missing BETWEEN 1 AND 2",
        "payload@missing CONTAINS 'a'",
        "payload@missing STARTS WITH 'a'",
        "payload@missing ENDS WITH 'a'",
        "payload@missing IS NULL",
        "payload@missing IS NOT NULL",
        "payload@a.c.9 == 1",
        "payload@a.c.x == 1",
        "payload@missing == lowercase(payload@missing)",
        "payload@missing CONTAINS lowercase(NULL)",
        "payload@missing BETWEEN datetime(NULL) AND 1",
    ] {
        assert!(!t(condition), "{condition}");
    }
}

#[test]
fn exists_is_true_for_a_present_null() {
    assert!(t("profile@data.pii.lastname EXISTS"));
    assert!(!t("profile@data.pii.middlename EXISTS"));
    assert!(t("profile@data.pii.middlename NOT EXISTS"));
    assert!(!t("profile@data.pii.lastname NOT EXISTS"));
}

#[test]
fn empty_is_true_for_missing_null_empty_string_list_and_object() {
    for path in [
        "missing",
        "data.pii.lastname",
        "traits.blank",
        "traits.empty_list",
        "traits.empty_obj",
    ] {
        assert!(t(&format!("profile@{path} EMPTY")), "{path}");
        assert!(!t(&format!("profile@{path} NOT EMPTY")), "{path}");
    }
    for path in ["id", "traits.age", "traits.tags", "traits.vip", "data"] {
        assert!(!t(&format!("profile@{path} EMPTY")), "{path}");
        assert!(t(&format!("profile@{path} NOT EMPTY")), "{path}");
    }
    assert!(t("0 NOT EMPTY AND FALSE NOT EMPTY"));
}

#[test]
fn is_null_and_is_not_null() {
    assert!(t("profile@data.pii.lastname IS NULL"));
    assert!(!t("profile@data.pii.firstname IS NULL"));
    assert!(t("profile@data.pii.firstname IS NOT NULL"));
    assert!(!t("profile@data.pii.lastname IS NOT NULL"));
}

#[test]
fn contains_on_strings_and_lists() {
    assert!(t("profile@data.pii.firstname CONTAINS 'd'"));
    assert!(!t("profile@data.pii.firstname CONTAINS 'x'"));
    assert!(t("profile@traits.tags CONTAINS 'eu'"));
    assert!(!t("profile@traits.tags CONTAINS 'us'"));
    assert!(t("payload@a.c CONTAINS 20.0"));
    assert!(!t("profile@traits.empty_list CONTAINS 1"));
}

#[test]
fn starts_and_ends_with_on_strings_and_lists() {
    assert!(t("profile@data.pii.firstname STARTS WITH 'Ad'"));
    assert!(!t("profile@data.pii.firstname STARTS WITH 'da'"));
    assert!(t("profile@data.pii.firstname ENDS WITH 'da'"));
    assert!(!t("profile@data.pii.firstname ENDS WITH 'Ad'"));
    assert!(t("profile@traits.tags STARTS WITH 'vip'"));
    assert!(!t("profile@traits.tags STARTS WITH 'eu'"));
    assert!(t("profile@traits.tags ENDS WITH 'beta'"));
    assert!(!t("profile@traits.tags ENDS WITH 'eu'"));
    assert!(!t("profile@traits.empty_list STARTS WITH 'x'"));
    assert!(!t("profile@traits.empty_list ENDS WITH 'x'"));
}

#[test]
fn contains_starts_ends_need_a_string_or_list_on_the_left() {
    for op in ["CONTAINS", "STARTS WITH", "ENDS WITH"] {
        for left in [
            "profile@traits.age",
            "profile@traits.vip",
            "profile@data",
            "profile@data.pii.lastname",
        ] {
            let err = eval_err(&format!("{left} {op} 'x'"));
            assert!(
                matches!(err, EvalError::NotTextOrList { .. }),
                "{left} {op}: {err}"
            );
        }
    }
    assert_eq!(
        eval_err("profile@traits.age CONTAINS 3").to_string(),
        "`CONTAINS` needs a string or a list on the left, got a number"
    );
    assert!(matches!(
        eval_err("profile@id CONTAINS 1"),
        EvalError::NotText { .. }
    ));
}

#[test]
fn scalar_equals_list_is_membership() {
    assert!(t("profile@traits.age == [1, 36]"));
    assert!(!t("profile@traits.age == [1, 2]"));
    assert!(t("profile@id == ['x', 'p-1']"));
    assert!(t("profile@id = ['x', 'p-1']"));
    assert!(!t("profile@id == []"));
    // A list against a list is plain equality.
    assert!(!t("payload@a.c == [[10, 20], 1]"));
    assert!(t("payload@a.c == [10, 20]"));
}

#[test]
fn between_is_inclusive() {
    assert!(t("profile@traits.age BETWEEN 36 AND 40"));
    assert!(t("profile@traits.age BETWEEN 30 AND 36"));
    assert!(t("profile@traits.age BETWEEN 30.5 AND 36.5"));
    assert!(!t("profile@traits.age BETWEEN 37 AND 40"));
    assert!(!t("profile@traits.age BETWEEN 1 AND 35"));
    assert!(t("profile@id BETWEEN 'p' AND 'q'"));
    assert!(t("payload@when BETWEEN now.offset(-15m) AND now()"));
    assert!(matches!(
        eval_err("profile@traits.age BETWEEN 'a' AND 'z'"),
        EvalError::Incomparable { op: "BETWEEN", .. }
    ));
}

#[test]
fn no_coercion_between_strings_and_numbers() {
    assert!(!t("'1' == 1"));
    assert!(!t("payload@count == 1"));
    assert!(t("payload@count == '1'"));
    assert!(!t("TRUE == 1"));
    assert!(!t("NULL == 0"));
    assert!(!t("NULL == ''"));
}

#[test]
fn ordering_across_types_is_an_error() {
    let err = eval_err("'a' > 1");
    assert_eq!(
        err,
        EvalError::Incomparable {
            op: ">",
            left: "a string",
            right: "a number"
        }
    );
    assert_eq!(
        err.to_string(),
        "cannot compare a string with a number using `>`"
    );
    for condition in [
        "payload@word < 1",
        "profile@data.pii.lastname >= 1",
        "TRUE > FALSE",
        "[1] < [2]",
        "profile@data <= profile@data",
        "now() > 1",
        "15m > 1",
        "now() > 'not a date'",
    ] {
        assert!(
            matches!(eval_err(condition), EvalError::Incomparable { .. }),
            "{condition}"
        );
    }
}

#[test]
fn equality_across_types_is_false() {
    assert!(!t("now() == 1"));
    assert!(!t("now() == 'not a date'"));
    assert!(!t("15m == '15m'"));
    assert!(!t("profile@data == [1]"));
}

// ---- logic ----

#[test]
fn and_or_not() {
    assert!(t("profile@id EXISTS AND profile@traits.age == 36"));
    assert!(!t("profile@id EXISTS AND profile@traits.age == 1"));
    assert!(t("profile@id == 'x' OR profile@traits.age == 36"));
    assert!(!t("profile@id == 'x' OR profile@traits.age == 1"));
    assert!(t("NOT (profile@id == 'x')"));
    assert!(!t("NOT (profile@id == 'p-1')"));
    assert!(t("NOT (payload@missing == 1)"));
}

#[test]
fn and_short_circuits_left_to_right() {
    assert!(!t("payload@x NOT EMPTY AND payload@x == 1"));
    assert!(!t(
        "payload@x EXISTS AND datetime.offset(payload@x, \"-1m\") < now()"
    ));
    assert!(!t("FALSE == TRUE AND 'a' > 1"));
    assert!(matches!(
        eval_err("'a' > 1 AND FALSE == TRUE"),
        EvalError::Incomparable { .. }
    ));
}

#[test]
fn or_short_circuits_but_a_left_error_is_an_error() {
    assert!(t("TRUE == TRUE OR 'a' > 1"));
    assert!(matches!(
        eval_err("'a' > 1 OR TRUE == TRUE"),
        EvalError::Incomparable { .. }
    ));
}

#[test]
fn unary_not_is_ours_and_needs_parentheses() {
    assert_eq!(
        parse("NOT (payload@a EXISTS)").unwrap(),
        Expr::Not(Box::new(parse("payload@a EXISTS").unwrap()))
    );
    assert!(t(
        "not (payload@nope EXISTS) AND NOT (NOT (profile@id EXISTS))"
    ));
    let err = parse_err("NOT payload@a EXISTS");
    assert_eq!(err.column, 1);
    assert!(err.to_string().contains("`(` after NOT"), "{err}");
    // Tracardi's own negations still work.
    assert!(t(
        "payload@nope NOT EXISTS AND payload@nope EMPTY AND profile@id != 'x'"
    ));
}

#[test]
fn not_propagates_errors() {
    assert!(matches!(
        eval_err("NOT ('a' > 1)"),
        EvalError::Incomparable { .. }
    ));
}

// ---- functions and time ----

#[test]
fn now_comes_from_the_context() {
    assert!(t("now() == '2024-05-01T12:00:00Z'"));
    assert!(t("now() == datetime('2024-05-01T14:00:00+02:00')"));
    let mut c = ctx();
    c.now = None;
    assert!(evaluate("now() > '2024-01-01T00:00:00Z'", &c).unwrap());
}

#[test]
fn now_offset() {
    assert!(t("now.offset('-15m') == '2024-05-01T11:45:00Z'"));
    assert!(t("now.offset(-15m) == '2024-05-01T11:45:00Z'"));
    assert!(t("now.offset('+1d') == '2024-05-02T12:00:00Z'"));
    assert!(t("payload@when > now.offset('-15m')"));
    assert!(!t("payload@when > now.offset('-5m')"));
    assert!(matches!(
        eval_err("now.offset('soon') EXISTS"),
        EvalError::InvalidDuration {
            func: "now.offset",
            ..
        }
    ));
    assert!(matches!(
        eval_err("now.offset(5) EXISTS"),
        EvalError::InvalidArgument {
            func: "now.offset",
            ..
        }
    ));
}

#[test]
fn now_timezone_ignores_case_of_the_name() {
    assert!(t("now.timezone('Europe/Warsaw') == now()"));
    assert!(t("now.timezone('europe/warsaw') == '2024-05-01T14:00:00'"));
    assert!(t(
        "now.timezone('EUROPE/WARSAW') == '2024-05-01T14:00:00+02:00'"
    ));
    assert!(t("now.timezone(session@context.tz) EXISTS"));
    // Wall time without an offset is read in the zone of the other side.
    assert!(t(
        "profile@metadata.time.local < now.timezone('Europe/Warsaw')"
    ));
    assert!(t("profile@metadata.time.local > now()"));
    assert_eq!(
        eval_err("now.timezone('Mars/Base') EXISTS"),
        EvalError::UnknownTimezone("Mars/Base".into())
    );
}

#[test]
fn datetime_function() {
    assert!(t("datetime(profile@metadata.time.insert) < now()"));
    assert!(t("datetime('2024-05-01') < now()"));
    assert!(t("datetime(now()) == now()"));
    assert!(t("datetime(payload@when) == payload@when"));
    assert!(matches!(
        eval_err("datetime('yesterday') EXISTS"),
        EvalError::InvalidDatetime {
            func: "datetime",
            ..
        }
    ));
    assert!(matches!(
        eval_err("datetime(5) EXISTS"),
        EvalError::InvalidArgument {
            func: "datetime",
            ..
        }
    ));
}

#[test]
fn datetime_offset_function() {
    assert!(t(
        "datetime.offset(profile@metadata.time.insert, '1d') == now()"
    ));
    assert!(t(
        "datetime.offset(profile@metadata.time.insert, 1d) == now()"
    ));
    assert!(t("datetime.offset(now(), '-1w') < now()"));
    assert!(t(
        "datetime.offset('2024-05-01T10:00:00', '2h') == '2024-05-01T12:00:00'"
    ));
    assert!(matches!(
        eval_err("datetime.offset(now(), 'x') EXISTS"),
        EvalError::InvalidDuration { .. }
    ));
}

#[test]
fn datetime_from_timestamp_function() {
    assert!(t(
        "datetime.from_timestamp(payload@ts) == '2024-05-01T12:00:00Z'"
    ));
    assert!(t("datetime.from_timestamp(payload@ts_text) == now()"));
    assert!(t("datetime.from_timestamp(1714564800.5) > now()"));
    assert!(t("datetime.from_timestamp(0) == '1970-01-01T00:00:00Z'"));
    assert!(matches!(
        eval_err("datetime.from_timestamp('abc') EXISTS"),
        EvalError::InvalidArgument { .. }
    ));
    assert!(matches!(
        eval_err("datetime.from_timestamp(1e300) EXISTS"),
        EvalError::OutOfRange { .. }
    ));
}

#[test]
fn lowercase_and_uppercase() {
    assert!(t("lowercase(profile@data.pii.firstname) == 'ada'"));
    assert!(t("uppercase(profile@data.pii.firstname) == 'ADA'"));
    assert!(t("lowercase('ÀB') == 'àb'"));
    assert!(t("uppercase(profile@data.pii.firstname) STARTS WITH 'AD'"));
    assert!(matches!(
        eval_err("lowercase(profile@traits.age) == 'x'"),
        EvalError::InvalidArgument {
            func: "lowercase",
            ..
        }
    ));
}

#[test]
fn missing_or_null_function_argument_is_an_error() {
    let err = eval_err("datetime.offset(payload@missing, \"-1m\") < now()");
    assert_eq!(
        err,
        EvalError::MissingArgument {
            func: "datetime.offset",
            index: 1
        }
    );
    assert_eq!(
        err.to_string(),
        "datetime.offset(): argument 1 is missing or null"
    );
    assert!(matches!(
        eval_err("lowercase(profile@data.pii.lastname) == 'x'"),
        EvalError::MissingArgument { .. }
    ));
    assert!(matches!(
        eval_err("datetime.offset(now(), NULL) EXISTS"),
        EvalError::MissingArgument { index: 2, .. }
    ));
    // …unless short-circuited away.
    assert!(!t(
        "payload@missing EXISTS AND datetime.offset(payload@missing, \"-1m\") < now()"
    ));
}

#[test]
fn iso_strings_compare_as_datetimes_against_datetimes() {
    // As strings "2024-05-01T13:00:00+02:00" > "2024-05-01T12:00:00Z"; as datetimes it is earlier.
    assert!(t("now() > '2024-05-01T13:00:00+02:00'"));
    assert!(t("'2024-05-01T13:00:00+02:00' < now()"));
    assert!(t("'2024-05-01T13:00:00+02:00' > '2024-05-01T12:00:00Z'"));
    assert!(t("now() BETWEEN '2024-05-01' AND '2024-05-02'"));
    assert!(t(
        "now() == ['2020-01-01T00:00:00Z', '2024-05-01T12:00:00Z']"
    ));
}

#[test]
fn errors_wrap_into_tql_error() {
    let err = evaluate("profile@id ==", &ctx()).unwrap_err();
    assert!(matches!(err, TqlError::Parse(_)));
    assert!(err
        .to_string()
        .starts_with("invalid condition: expected a value"));
    let err = evaluate("'a' > 1", &ctx()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "condition failed: cannot compare a string with a number using `>`"
    );
}

// ---- properties ----

fn arb_key() -> impl Strategy<Value = Segment> {
    prop_oneof![
        "[a-zA-Z_][a-zA-Z0-9_-]{0,6}".prop_map(Segment::Key),
        any::<String>().prop_map(Segment::Key),
        (0usize..1000).prop_map(Segment::Index),
    ]
}

fn arb_path() -> impl Strategy<Value = DotPath> {
    (
        prop::sample::select(DotSource::ALL.to_vec()),
        prop::collection::vec(arb_key(), 0..4),
    )
        .prop_map(|(source, segments)| DotPath { source, segments })
}

fn arb_literal() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 12, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(Value::Array)
    })
}

fn arb_operand() -> impl Strategy<Value = Operand> {
    let leaf = prop_oneof![
        arb_path().prop_map(Operand::Field),
        arb_literal().prop_map(Operand::Literal),
        (-1_000_000_000_000i64..1_000_000_000_000)
            .prop_map(|s| Operand::Duration(TimeDelta::seconds(s))),
    ];
    leaf.prop_recursive(2, 8, 2, |inner| {
        (
            prop::sample::select(Func::ALL.to_vec()),
            prop::collection::vec(inner, 2),
        )
            .prop_map(|(func, mut args)| {
                args.truncate(func.arity());
                Operand::Call(func, args)
            })
    })
}

fn arb_condition() -> impl Strategy<Value = Expr> {
    let cmp = prop::sample::select(vec![
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Gt,
        CmpOp::Ge,
        CmpOp::Lt,
        CmpOp::Le,
    ]);
    let check = prop::sample::select(vec![
        Check::Exists,
        Check::NotExists,
        Check::Empty,
        Check::NotEmpty,
        Check::IsNull,
        Check::IsNotNull,
    ]);
    let matching = prop::sample::select(vec![
        MatchOp::Contains,
        MatchOp::StartsWith,
        MatchOp::EndsWith,
    ]);
    prop_oneof![
        (arb_operand(), cmp, arb_operand()).prop_map(|(left, op, right)| Expr::Compare {
            left,
            op,
            right
        }),
        (arb_operand(), check).prop_map(|(operand, check)| Expr::Check { operand, check }),
        (arb_operand(), matching, arb_operand()).prop_map(|(left, op, right)| Expr::Match {
            left,
            op,
            right
        }),
        (arb_operand(), arb_operand(), arb_operand())
            .prop_map(|(operand, low, high)| Expr::Between { operand, low, high }),
    ]
}

fn arb_expr() -> impl Strategy<Value = Expr> {
    arb_condition().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    })
}

/// Inputs made of TQL fragments, so that many of them parse.
fn arb_tql_text() -> impl Strategy<Value = String> {
    let fragment = prop::sample::select(vec![
        "profile@a.b",
        "payload@x.0",
        "event@[\"k\"]",
        "memory@",
        "==",
        "=",
        "!=",
        ">",
        ">=",
        "=>",
        "<",
        "<=",
        "=<",
        "AND",
        "or",
        "NOT",
        "(",
        ")",
        "[",
        "]",
        ",",
        "EXISTS",
        "EMPTY",
        "IS",
        "NULL",
        "TRUE",
        "false",
        "CONTAINS",
        "STARTS",
        "WITH",
        "ENDS",
        "BETWEEN",
        "1",
        "-2.5",
        "1e3",
        "15m",
        "-1d",
        "'s'",
        "\"t\\\"\"",
        "now()",
        "now.offset",
        "datetime",
        "lowercase",
        "xxx@y",
        "@",
        "\"",
        "\\",
        "é",
        "\n",
    ]);
    prop::collection::vec(fragment, 0..12).prop_map(|parts| parts.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parser_never_panics_on_any_string(input in any::<String>()) {
        let _ = parse(&input);
    }

    #[test]
    fn parser_never_panics_on_tql_like_text(input in arb_tql_text()) {
        if let Ok(expr) = parse(&input) {
            let printed = expr.to_string();
            prop_assert_eq!(parse(&printed).ok(), Some(expr), "printed: {}", printed);
        }
    }

    #[test]
    fn display_then_parse_gives_the_same_tree(expr in arb_expr()) {
        let printed = expr.to_string();
        prop_assert_eq!(parse(&printed).ok(), Some(expr), "printed: {}", printed);
    }

    #[test]
    fn eval_never_panics(expr in arb_expr()) {
        let _ = eval(&expr, &ctx());
    }

    #[test]
    fn dot_paths_round_trip(path in arb_path()) {
        let printed = path.to_string();
        prop_assert_eq!(DotPath::parse(&printed), Some(path.clone()), "printed: {}", printed);
        let condition = format!("{printed} EXISTS");
        prop_assert_eq!(
            parse(&condition).ok(),
            Some(Expr::Check { operand: Operand::Field(path), check: Check::Exists })
        );
    }
}
