//! TQL conditions translated to SQL over a JSONB document column, so a filtered listing
//! reads only candidate rows instead of every document of a scope.
//!
//! The SQL is a *necessary* condition: every record the condition accepts passes it
//! (the caller still evaluates the condition on each row, so results always equal the
//! in-daemon evaluation). When every part translated exactly, the SQL accepts exactly
//! those records ([`Translation::exact`]); otherwise it only narrows the scan.
//!
//! What translates, on paths of the record (`profile@…`/`event@…` or `payload@…`):
//! `==`/`!=` against a string, number or boolean (JSONB containment `@>`, which also
//! matches a list holding the value, as TQL's `==` does), `==` against a list of
//! literals ("is one of"), `<`, `<=`, `>`, `>=` and `BETWEEN` against numbers or
//! strings (typed: a number compares only with a number, a string with a string, in
//! byte order), `EXISTS`/`NOT EXISTS`, `IS NULL`/`IS NOT NULL`, and `AND`, `OR`, `NOT`
//! around them. Functions, `CONTAINS`/`STARTS WITH`, `EMPTY`, other sources and
//! comparisons between two fields do not. Every value and path is a bind parameter.
//!
//! `NOT` needs the opposite bound of its operand: a *sufficient* condition (true only
//! for records the operand accepts), so each sub-condition is translated both ways.

use crate::workflow::notation::{DotPath, DotSource, Segment};
use crate::workflow::tql::{Check, CmpOp, Expr, Operand};
use serde_json::Value;
use tokio_postgres::types::ToSql;

/// A bound SQL condition: text with `$n` placeholders numbered from the caller's offset,
/// and the values to bind.
pub struct Translation {
    pub sql: String,
    pub params: Vec<Box<dyn ToSql + Sync + Send>>,
    /// The SQL accepts exactly what the condition accepts.
    pub exact: bool,
}

impl std::fmt::Debug for Translation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Translation")
            .field("sql", &self.sql)
            .field("params", &self.params)
            .field("exact", &self.exact)
            .finish()
    }
}

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
enum Bound {
    Json(Value),
    Path(Vec<String>),
    Text(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Sql {
    True,
    False,
    /// `doc @> value`
    Contains(Value),
    /// The path is present (any value, null included).
    Present(Vec<String>),
    /// The path holds JSON null.
    Null(Vec<String>),
    /// The path holds a number/string ordered against a literal.
    Order {
        path: Vec<String>,
        op: CmpOp,
        value: Bound,
    },
    And(Vec<Sql>),
    Or(Vec<Sql>),
    Not(Box<Sql>),
}

/// A translation to SQL of one bound (necessary or sufficient) and whether it is exact.
type Bounded = (Sql, bool);

/// Translates `expr` over records read as `record@` (and `payload@`) held in the JSONB
/// column `column`, numbering placeholders after `offset`. None when nothing of it
/// translates (the SQL would accept everything).
pub fn translate(
    expr: &Expr,
    record: DotSource,
    column: &str,
    offset: usize,
) -> Option<Translation> {
    let (sql, exact) = bound(expr, record, true);
    let sql = simplify(sql);
    if sql == Sql::True {
        return None;
    }
    let mut params = Vec::new();
    let mut text = String::new();
    render(&sql, column, offset, &mut params, &mut text);
    Some(Translation {
        sql: text,
        params,
        exact,
    })
}

/// The path's keys when it reads the record, else None.
fn record_path(path: &DotPath, record: DotSource) -> Option<Vec<String>> {
    if path.source != record && path.source != DotSource::Payload {
        return None;
    }
    if path.segments.is_empty() {
        return None;
    }
    path.segments
        .iter()
        .map(|s| match s {
            Segment::Key(k) => Some(k.clone()),
            // An index also reads an object key spelled as the number; keep to keys.
            Segment::Index(_) => None,
        })
        .collect()
}

/// `{k1: {k2: … value}}`
fn nest(path: &[String], value: Value) -> Value {
    path.iter().rev().fold(value, |inner, key| {
        let mut m = serde_json::Map::new();
        m.insert(key.clone(), inner);
        Value::Object(m)
    })
}

fn is_scalar_literal(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        other => other,
    }
}

/// (path, op, literal) of a comparison between a record path and a literal, with the
/// path on the left.
fn field_vs_literal(
    left: &Operand,
    op: CmpOp,
    right: &Operand,
    record: DotSource,
) -> Option<(Vec<String>, CmpOp, Value)> {
    match (left, right) {
        (Operand::Field(p), Operand::Literal(v)) => Some((record_path(p, record)?, op, v.clone())),
        (Operand::Literal(v), Operand::Field(p)) => {
            Some((record_path(p, record)?, flip(op), v.clone()))
        }
        _ => None,
    }
}

/// `path == value` as containment, exact for a scalar literal: the value itself, or a
/// list holding it, as in TQL (below the top level JSONB containment does not find a
/// scalar in a list by itself).
fn equals(path: &[String], value: &Value) -> Option<Sql> {
    is_scalar_literal(value).then(|| {
        Sql::Or(vec![
            Sql::Contains(nest(path, value.clone())),
            Sql::Contains(nest(path, Value::Array(vec![value.clone()]))),
        ])
    })
}

fn order(path: Vec<String>, op: CmpOp, value: &Value) -> Option<Sql> {
    let value = match value {
        Value::Number(n) => Bound::Text(n.to_string()),
        Value::String(s) => Bound::Json(Value::String(s.clone())),
        _ => return None,
    };
    Some(Sql::Order { path, op, value })
}

/// With `need`, a condition every accepted record meets (TRUE where nothing
/// translates); without, a condition met only by records the expression accepts, or on
/// which it fails to evaluate (FALSE where nothing translates). A negation swaps the two.
fn bound(expr: &Expr, record: DotSource, need: bool) -> Bounded {
    let all = |parts: &[Expr], join: fn(Vec<Sql>) -> Sql| {
        let mut exact = true;
        let mut out = Vec::new();
        for p in parts {
            let (s, e) = bound(p, record, need);
            exact &= e;
            out.push(s);
        }
        (join(out), exact)
    };
    match expr {
        Expr::And(parts) => all(parts, Sql::And),
        Expr::Or(parts) => all(parts, Sql::Or),
        Expr::Not(inner) => {
            let (s, e) = bound(inner, record, !need);
            (Sql::Not(Box::new(s)), e)
        }
        _ => atom(expr, record, need),
    }
}

fn atom(expr: &Expr, record: DotSource, need: bool) -> Bounded {
    let untranslated = if need { Sql::True } else { Sql::False };
    let found = match expr {
        Expr::Compare { left, op, right } => {
            match field_vs_literal(left, *op, right, record) {
                Some((path, CmpOp::Eq, Value::Array(items))) => {
                    // "Is one of": a scalar equal to an item, or a list equal to the
                    // literal list (which holds every item). Only a necessary bound.
                    let any: Option<Vec<Sql>> = items.iter().map(|v| equals(&path, v)).collect();
                    match any {
                        Some(any) if need && !any.is_empty() => Some((Sql::Or(any), false)),
                        _ => None,
                    }
                }
                Some((path, CmpOp::Eq, v)) => equals(&path, &v).map(|s| (s, true)),
                // TQL compares nothing with a missing field: `!=` needs it present.
                Some((path, CmpOp::Ne, v)) => equals(&path, &v).map(|s| {
                    (
                        Sql::And(vec![Sql::Present(path), Sql::Not(Box::new(s))]),
                        true,
                    )
                }),
                Some((path, op, v)) => order(path, op, &v).map(|s| (s, true)),
                None => None,
            }
        }
        Expr::Check {
            operand: Operand::Field(p),
            check,
        } => record_path(p, record).and_then(|path| {
            let s = match check {
                Check::Exists => Sql::Present(path),
                Check::NotExists => Sql::Not(Box::new(Sql::Present(path))),
                Check::IsNull => Sql::Null(path),
                Check::IsNotNull => Sql::And(vec![
                    Sql::Present(path.clone()),
                    Sql::Not(Box::new(Sql::Null(path))),
                ]),
                Check::Empty | Check::NotEmpty => return None,
            };
            Some((s, true))
        }),
        Expr::Between {
            operand: Operand::Field(p),
            low: Operand::Literal(lo),
            high: Operand::Literal(hi),
        } => record_path(p, record).and_then(|path| {
            let ge = order(path.clone(), CmpOp::Ge, lo)?;
            let le = order(path, CmpOp::Le, hi)?;
            Some((Sql::And(vec![ge, le]), true))
        }),
        _ => None,
    };
    found.unwrap_or((untranslated, false))
}

/// Folds constants: TRUE/FALSE parts of AND/OR/NOT.
fn simplify(sql: Sql) -> Sql {
    match sql {
        Sql::And(parts) => {
            let mut out = Vec::new();
            for p in parts.into_iter().map(simplify) {
                match p {
                    Sql::True => {}
                    Sql::False => return Sql::False,
                    other => out.push(other),
                }
            }
            match out.len() {
                0 => Sql::True,
                1 => out.pop().unwrap_or(Sql::True),
                _ => Sql::And(out),
            }
        }
        Sql::Or(parts) => {
            let mut out = Vec::new();
            for p in parts.into_iter().map(simplify) {
                match p {
                    Sql::False => {}
                    Sql::True => return Sql::True,
                    other => out.push(other),
                }
            }
            match out.len() {
                0 => Sql::False,
                1 => out.pop().unwrap_or(Sql::False),
                _ => Sql::Or(out),
            }
        }
        Sql::Not(inner) => match simplify(*inner) {
            Sql::True => Sql::False,
            Sql::False => Sql::True,
            Sql::Not(x) => *x,
            other => Sql::Not(Box::new(other)),
        },
        other => other,
    }
}

fn bind(value: Bound, offset: usize, params: &mut Vec<Box<dyn ToSql + Sync + Send>>) -> String {
    match value {
        Bound::Json(v) => params.push(Box::new(v)),
        Bound::Path(p) => params.push(Box::new(p)),
        Bound::Text(t) => params.push(Box::new(t)),
    }
    format!("${}", offset + params.len())
}

fn cmp_symbol(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "=",
        CmpOp::Ne => "<>",
        CmpOp::Gt => ">",
        CmpOp::Ge => ">=",
        CmpOp::Lt => "<",
        CmpOp::Le => "<=",
    }
}

/// Writes two-valued SQL (never NULL, so NOT stays a complement).
fn render(
    sql: &Sql,
    column: &str,
    offset: usize,
    params: &mut Vec<Box<dyn ToSql + Sync + Send>>,
    out: &mut String,
) {
    match sql {
        Sql::True => out.push_str("TRUE"),
        Sql::False => out.push_str("FALSE"),
        Sql::Contains(v) => {
            let p = bind(Bound::Json(v.clone()), offset, params);
            out.push_str(&format!("({column} @> {p}::jsonb)"));
        }
        Sql::Present(path) => {
            let p = bind(Bound::Path(path.clone()), offset, params);
            out.push_str(&format!("({column} #> {p}::text[] IS NOT NULL)"));
        }
        Sql::Null(path) => {
            let p = bind(Bound::Path(path.clone()), offset, params);
            out.push_str(&format!(
                "(COALESCE(jsonb_typeof({column} #> {p}::text[]) = 'null', FALSE))"
            ));
        }
        Sql::Order { path, op, value } => {
            let p = bind(Bound::Path(path.clone()), offset, params);
            let sym = cmp_symbol(*op);
            match value {
                Bound::Json(Value::String(s)) => {
                    let v = bind(Bound::Text(s.clone()), offset, params);
                    out.push_str(&format!(
                        "(CASE WHEN jsonb_typeof({column} #> {p}::text[]) = 'string' \
                         THEN ({column} #>> {p}::text[]) COLLATE \"C\" {sym} {v}::text ELSE FALSE END)"
                    ));
                }
                other => {
                    let v = bind(other.clone(), offset, params);
                    out.push_str(&format!(
                        "(CASE WHEN jsonb_typeof({column} #> {p}::text[]) = 'number' \
                         THEN ({column} #> {p}::text[])::numeric {sym} {v}::text::numeric ELSE FALSE END)"
                    ));
                }
            }
        }
        Sql::And(parts) | Sql::Or(parts) => {
            let joiner = if matches!(sql, Sql::And(_)) {
                " AND "
            } else {
                " OR "
            };
            out.push('(');
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(joiner);
                }
                render(p, column, offset, params, out);
            }
            out.push(')');
        }
        Sql::Not(inner) => {
            out.push_str("(NOT ");
            render(inner, column, offset, params, out);
            out.push(')');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::tql::parse;

    fn tr(cond: &str) -> Option<Translation> {
        translate(&parse(cond).unwrap(), DotSource::Profile, "doc", 2)
    }

    fn params(t: &Translation) -> String {
        format!("{:?}", t.params)
    }

    #[test]
    fn equality_is_bound_containment() {
        let t = tr(r#"profile@traits.plan == "pro""#).unwrap();
        assert_eq!(t.sql, "((doc @> $3::jsonb) OR (doc @> $4::jsonb))");
        assert_eq!(
            params(&t),
            r#"[Object {"traits": Object {"plan": String("pro")}}, Object {"traits": Object {"plan": Array [String("pro")]}}]"#
        );
        assert!(t.exact);
        let t = tr(r#"payload@traits.plan != "pro""#).unwrap();
        assert_eq!(
            t.sql,
            "((doc #> $3::text[] IS NOT NULL) AND (NOT ((doc @> $4::jsonb) OR (doc @> $5::jsonb))))"
        );
        assert!(t.exact);
    }

    #[test]
    fn values_never_reach_the_sql_text() {
        let evil = r#"x'); DROP TABLE profiles; --"#;
        let t = tr(&format!(
            r#"profile@traits.plan == "{evil}" or profile@traits.name > "{evil}""#
        ))
        .unwrap();
        assert!(!t.sql.contains("DROP"), "{}", t.sql);
        assert!(params(&t).contains("DROP TABLE"));
        // A key with quotes is a bound path too.
        let t = tr(r#"profile@traits.a-b exists"#).unwrap();
        assert_eq!(t.sql, "(doc #> $3::text[] IS NOT NULL)");
        assert_eq!(params(&t), r#"[["traits", "a-b"]]"#);
    }

    #[test]
    fn order_is_typed() {
        let t = tr("profile@stats.visits > 5").unwrap();
        assert!(t.sql.contains("= 'number'"), "{}", t.sql);
        assert!(t.sql.contains("::numeric > $4::text::numeric"), "{}", t.sql);
        assert_eq!(params(&t), r#"[["stats", "visits"], "5"]"#);
        let t = tr(r#"5 < profile@stats.visits"#).unwrap();
        assert!(
            t.sql.contains("::numeric > $4::text::numeric"),
            "flipped: {}",
            t.sql
        );
        let t = tr(r#"profile@traits.name <= "m""#).unwrap();
        assert!(t.sql.contains("COLLATE \"C\" <= $4::text"), "{}", t.sql);
        let t = tr("profile@stats.visits between 2 and 10").unwrap();
        assert!(
            t.sql.contains(">= $4") && t.sql.contains("<= $6"),
            "{}",
            t.sql
        );
        assert!(t.exact);
    }

    #[test]
    fn and_keeps_what_translates_or_needs_all() {
        let t = tr(r#"profile@traits.plan == "pro" and lowercase(profile@traits.name) == "ada""#)
            .unwrap();
        assert_eq!(t.sql, "((doc @> $3::jsonb) OR (doc @> $4::jsonb))");
        assert!(!t.exact, "partial");
        assert!(
            tr(r#"profile@traits.plan == "pro" or lowercase(profile@traits.name) == "ada""#)
                .is_none(),
            "an OR with an untranslatable side accepts anything"
        );
        let t = tr(r#"profile@traits.plan == "pro" or profile@traits.plan == "team""#).unwrap();
        assert_eq!(t.sql.matches("@>").count(), 4, "{}", t.sql);
        assert!(t.exact);
    }

    #[test]
    fn not_uses_the_sufficient_bound() {
        // NOT of something untranslatable accepts anything.
        assert!(tr(r#"not (lowercase(profile@traits.name) == "ada")"#).is_none());
        // NOT (a AND untranslatable): the sufficient bound of the AND is FALSE.
        assert!(tr(
            r#"not (profile@traits.plan == "pro" and lowercase(profile@traits.name) == "ada")"#
        )
        .is_none());
        // NOT (a OR untranslatable) = NOT a AND …: still narrows.
        let t =
            tr(r#"not (profile@traits.plan == "pro" or lowercase(profile@traits.name) == "ada")"#)
                .unwrap();
        assert_eq!(t.sql, "(NOT ((doc @> $3::jsonb) OR (doc @> $4::jsonb)))");
        assert!(!t.exact);
        let t = tr("not (profile@traits.plan exists)").unwrap();
        assert_eq!(t.sql, "(NOT (doc #> $3::text[] IS NOT NULL))");
        assert!(t.exact);
    }

    #[test]
    fn lists_other_sources_and_fields_on_both_sides() {
        let t = tr(r#"profile@traits.plan == ["pro", "team"]"#).unwrap();
        assert_eq!(t.sql.matches("@>").count(), 4, "{}", t.sql);
        assert!(!t.exact, "a list field equal to the list also matches");
        assert!(tr(r#"profile@traits.plan != ["pro", "team"]"#).is_none());
        assert!(tr(r#"session@id == "s1""#).is_none());
        assert!(tr(r#"profile@traits.a == profile@traits.b"#).is_none());
        assert!(tr(r#"profile@traits.plan contains "pr""#).is_none());
        let t = tr("profile@traits.x is null").unwrap();
        assert!(t.sql.contains("= 'null'"), "{}", t.sql);
    }
}

/// The same conditions evaluated in PostgreSQL and in the daemon on the same data.
#[cfg(test)]
mod on_postgres {
    use crate::domain::{Context, EntityRef, Event, Profile, Scope};
    use crate::store::postgres::testing::TestStore;
    use crate::store::{Store, TimeRange};
    use crate::workflow::notation::DotContext;
    use crate::workflow::tql;
    use chrono::{TimeZone, Utc};
    use serde_json::{json, Value};
    use std::collections::BTreeSet;

    const CONDITIONS: &[(&str, &str)] = &[
        // (condition, expected mode: sql | partial | scan)
        (r#"profile@traits.plan == "pro""#, "sql"),
        (r#"traits.plan == "pro""#, "sql"),
        (r#"profile@traits.plan != "pro""#, "sql"),
        (r#"profile@traits.plan == ["pro", "team"]"#, "partial"),
        (r#"profile@traits.age > 30"#, "sql"),
        (r#"profile@traits.age <= 30.5"#, "sql"),
        (r#"profile@traits.age between 20 and 40"#, "sql"),
        (r#"profile@traits.name >= "m""#, "sql"),
        (r#"profile@traits.vip == true"#, "sql"),
        (r#"profile@traits.nested.level == 2"#, "sql"),
        (r#"profile@traits.age exists"#, "sql"),
        (r#"profile@traits.age not exists"#, "sql"),
        (r#"profile@traits.note is null"#, "sql"),
        (r#"profile@traits.note is not null"#, "sql"),
        (
            r#"profile@traits.plan == "pro" and profile@traits.age > 30"#,
            "sql",
        ),
        (
            r#"profile@traits.plan == "team" or profile@traits.age < 25"#,
            "sql",
        ),
        (
            r#"not (profile@traits.plan == "pro" or profile@traits.vip == true)"#,
            "sql",
        ),
        (
            r#"profile@traits.plan == "pro" and lowercase(profile@traits.name) == "ada""#,
            "partial",
        ),
        (
            r#"not (profile@traits.plan == "pro" or profile@traits.name contains "a")"#,
            "partial",
        ),
        (r#"profile@traits.name starts with "A""#, "scan"),
        (
            r#"profile@traits.plan == "x'); DROP TABLE profiles; --""#,
            "sql",
        ),
    ];

    fn profiles() -> Vec<Profile> {
        let traits = [
            json!({"plan": "pro", "age": 35, "name": "Ada", "vip": true, "nested": {"level": 2}}),
            json!({"plan": "team", "age": 22.5, "name": "bob", "note": null}),
            json!({"plan": ["pro", "team"], "age": "41", "name": "zed"}),
            json!({"plan": "free", "age": 30.5, "name": "mia", "note": "x", "nested": {"level": 2.0}}),
            json!({"name": "Ann", "vip": false, "nested": {"level": [1, 2]}}),
            json!({"plan": "pro", "age": 18, "name": "ola", "nested": "flat"}),
            json!({"plan": "x'); DROP TABLE profiles; --", "age": 40}),
        ];
        traits
            .into_iter()
            .enumerate()
            .map(|(i, t)| {
                let mut p = Profile::new(
                    format!("p{i}"),
                    Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
                );
                if let Value::Object(m) = t {
                    p.traits = m.into_iter().collect();
                }
                p
            })
            .collect()
    }

    fn daemon_eval(expr: &tql::Expr, record: Value, as_profile: bool) -> bool {
        let mut ctx = DotContext {
            payload: record.clone(),
            ..DotContext::default()
        };
        if as_profile {
            ctx.profile = record;
        } else {
            ctx.event = record;
        }
        tql::eval(expr, &ctx).unwrap_or(false)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sql_filters_agree_with_the_daemon() {
        let Some(db) = TestStore::create(module_path!()).await else {
            return;
        };
        let scope = Scope::default_tenant(Context::Production);
        let all = profiles();
        for p in &all {
            db.put_profile(&scope, p).await.unwrap();
        }
        let events: Vec<Event> = all
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut e = Event::new(
                    format!("e{i}"),
                    "page-view".into(),
                    "src",
                    Utc.timestamp_opt(1_700_000_000 + i as i64, 0).unwrap(),
                );
                e.profile = Some(EntityRef::new(&p.id));
                e.traits = p.traits.clone();
                e
            })
            .collect();
        db.put_events(&scope, &events).await.unwrap();

        for (cond, mode) in CONDITIONS {
            let expr = tql::parse(cond)
                .or_else(|_| tql::parse(&cond.replace("traits.", "payload@traits.")))
                .unwrap();
            // Profiles, two per page so the cursor is exercised.
            let want: BTreeSet<String> = all
                .iter()
                .filter(|p| daemon_eval(&expr, serde_json::to_value(p).unwrap(), true))
                .map(|p| p.id.clone())
                .collect();
            let mut got = BTreeSet::new();
            let mut candidates = BTreeSet::new();
            let mut after: Option<String> = None;
            let mut exact = None;
            loop {
                let Some(n) = db
                    .list_profiles_where(&scope, &expr, after.as_deref(), 2)
                    .await
                    .unwrap()
                else {
                    break;
                };
                exact = Some(n.exact);
                for p in &n.page.items {
                    candidates.insert(p.id.clone());
                    if daemon_eval(&expr, serde_json::to_value(p).unwrap(), true) {
                        got.insert(p.id.clone());
                    }
                }
                match n.page.next {
                    Some(c) => after = Some(c),
                    None => break,
                }
            }
            let seen = match exact {
                None => "scan",
                Some(true) => "sql",
                Some(false) => "partial",
            };
            assert_eq!(seen, *mode, "mode of {cond}");
            if seen == "scan" {
                continue;
            }
            assert_eq!(got, want, "profiles for {cond}");
            if seen == "sql" {
                assert_eq!(
                    candidates, want,
                    "an exact translation selects exactly: {cond}"
                );
            }
            // Events carry the same traits: the same answer by event@.
            let ev_expr = tql::parse(&cond.replace("profile@", "event@")).unwrap_or(expr.clone());
            let want: BTreeSet<String> = events
                .iter()
                .filter(|e| daemon_eval(&ev_expr, serde_json::to_value(e).unwrap(), false))
                .map(|e| e.id.clone())
                .collect();
            let n = db
                .events_by_time_where(&scope, TimeRange::default(), &ev_expr, None, 100)
                .await
                .unwrap()
                .unwrap();
            let got: BTreeSet<String> = n
                .page
                .items
                .iter()
                .filter(|e| daemon_eval(&ev_expr, serde_json::to_value(e).unwrap(), false))
                .map(|e| e.id.clone())
                .collect();
            assert_eq!(got, want, "events for {cond}");
        }
        assert_eq!(
            db.counts(&scope).await.unwrap().profiles,
            7,
            "nothing dropped"
        );
    }
}
