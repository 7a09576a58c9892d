//! Evaluates a parsed condition against a [`DotContext`].

use std::cmp::Ordering;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Number, Value};
use thiserror::Error;

use super::time::{find_timezone, in_zone, parse_datetime, parse_duration, Time};
use super::{Check, CmpOp, Expr, Func, MatchOp, Operand};
use crate::workflow::notation::DotContext;

/// A condition that parsed but cannot be answered for this context.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EvalError {
    #[error("cannot compare {left} with {right} using `{op}`")]
    Incomparable {
        op: &'static str,
        left: &'static str,
        right: &'static str,
    },
    #[error("`{op}` needs a string or a list on the left, got {found}")]
    NotTextOrList {
        op: &'static str,
        found: &'static str,
    },
    #[error("`{op}` on a string needs a string on the right, got {found}")]
    NotText {
        op: &'static str,
        found: &'static str,
    },
    #[error("{func}(): argument {index} is missing or null")]
    MissingArgument { func: &'static str, index: usize },
    #[error("{func}(): argument {index} must be {expected}, got {found}")]
    InvalidArgument {
        func: &'static str,
        index: usize,
        expected: &'static str,
        found: &'static str,
    },
    #[error("{func}(): `{value}` is not a datetime (expected RFC 3339 / ISO 8601)")]
    InvalidDatetime { func: &'static str, value: String },
    #[error("{func}(): `{value}` is not a duration (expected e.g. 15m, -1d, 1h30m)")]
    InvalidDuration { func: &'static str, value: String },
    #[error("now.timezone(): unknown time zone `{0}`")]
    UnknownTimezone(String),
    #[error("{func}(): the result is outside the supported date range")]
    OutOfRange { func: &'static str },
}

/// Evaluates `expr`; see the module docs for the rules.
pub fn eval(expr: &Expr, ctx: &DotContext) -> Result<bool, EvalError> {
    match expr {
        Expr::And(items) => {
            for item in items {
                if !eval(item, ctx)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Expr::Or(items) => {
            for item in items {
                if eval(item, ctx)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Expr::Not(inner) => Ok(!eval(inner, ctx)?),
        Expr::Compare { left, op, right } => {
            // A missing left side is false without evaluating the right side.
            let l = value(left, ctx)?;
            let Some(l) = l.view() else {
                return Ok(false);
            };
            let r = value(right, ctx)?;
            let Some(r) = r.view() else {
                return Ok(false);
            };
            compare(&l, *op, &r)
        }
        Expr::Check { operand, check } => {
            let v = value(operand, ctx)?;
            let view = v.view();
            Ok(match check {
                Check::Exists => view.is_some(),
                Check::NotExists => view.is_none(),
                Check::Empty => view.is_none_or(|v| v.is_empty()),
                Check::NotEmpty => view.is_some_and(|v| !v.is_empty()),
                Check::IsNull => matches!(view, Some(View::Null)),
                Check::IsNotNull => view.is_some_and(|v| !matches!(v, View::Null)),
            })
        }
        Expr::Match { left, op, right } => {
            // A missing left side is false without evaluating the right side.
            let l = value(left, ctx)?;
            let Some(l) = l.view() else {
                return Ok(false);
            };
            let r = value(right, ctx)?;
            let Some(r) = r.view() else {
                return Ok(false);
            };
            matches_text_or_list(&l, *op, &r)
        }
        Expr::Between { operand, low, high } => {
            let v = value(operand, ctx)?;
            let Some(v) = v.view() else {
                return Ok(false);
            };
            let (lo, hi) = (value(low, ctx)?, value(high, ctx)?);
            let (Some(lo), Some(hi)) = (lo.view(), hi.view()) else {
                return Ok(false);
            };
            Ok(order(&v, &lo, "BETWEEN")? != Ordering::Less
                && order(&v, &hi, "BETWEEN")? != Ordering::Greater)
        }
    }
}

/// An evaluated operand.
enum Val<'a> {
    Missing,
    Json(&'a Value),
    Text(String),
    Time(Time),
    Duration(TimeDelta),
}

/// A borrowed, uniform view of a present value.
#[derive(Clone, Copy)]
enum View<'a> {
    Null,
    Bool(bool),
    Num(&'a Number),
    Str(&'a str),
    List(&'a [Value]),
    Obj(&'a Map<String, Value>),
    Time(Time),
    Duration(TimeDelta),
}

impl Val<'_> {
    fn view(&self) -> Option<View<'_>> {
        match self {
            Val::Missing => None,
            Val::Json(v) => Some(View::of(v)),
            Val::Text(s) => Some(View::Str(s)),
            Val::Time(t) => Some(View::Time(*t)),
            Val::Duration(d) => Some(View::Duration(*d)),
        }
    }
}

impl<'a> View<'a> {
    fn of(value: &'a Value) -> View<'a> {
        match value {
            Value::Null => View::Null,
            Value::Bool(b) => View::Bool(*b),
            Value::Number(n) => View::Num(n),
            Value::String(s) => View::Str(s),
            Value::Array(a) => View::List(a),
            Value::Object(o) => View::Obj(o),
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            View::Null => "null",
            View::Bool(_) => "a boolean",
            View::Num(_) => "a number",
            View::Str(_) => "a string",
            View::List(_) => "a list",
            View::Obj(_) => "an object",
            View::Time(_) => "a datetime",
            View::Duration(_) => "a duration",
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            View::Null => true,
            View::Str(s) => s.is_empty(),
            View::List(l) => l.is_empty(),
            View::Obj(o) => o.is_empty(),
            _ => false,
        }
    }
}

fn compare(l: &View<'_>, op: CmpOp, r: &View<'_>) -> Result<bool, EvalError> {
    let sym = op.symbol();
    Ok(match op {
        CmpOp::Eq => equal_or_member(l, r),
        CmpOp::Ne => !equal_or_member(l, r),
        CmpOp::Gt => order(l, r, sym)? == Ordering::Greater,
        CmpOp::Ge => order(l, r, sym)? != Ordering::Less,
        CmpOp::Lt => order(l, r, sym)? == Ordering::Less,
        CmpOp::Le => order(l, r, sym)? != Ordering::Greater,
    })
}

/// `==`: a scalar against a list means "is one of".
fn equal_or_member(l: &View<'_>, r: &View<'_>) -> bool {
    match (l, r) {
        (View::List(_), View::List(_)) => equal(l, r),
        (scalar, View::List(items)) | (View::List(items), scalar) => {
            items.iter().any(|item| equal(scalar, &View::of(item)))
        }
        _ => equal(l, r),
    }
}

fn equal(l: &View<'_>, r: &View<'_>) -> bool {
    match (l, r) {
        (View::Null, View::Null) => true,
        (View::Bool(a), View::Bool(b)) => a == b,
        (View::Num(a), View::Num(b)) => number_cmp(a, b) == Ordering::Equal,
        (View::Str(a), View::Str(b)) => a == b,
        (View::List(a), View::List(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b.iter())
                    .all(|(x, y)| equal(&View::of(x), &View::of(y)))
        }
        (View::Obj(a), View::Obj(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, x)| b.get(k).is_some_and(|y| equal(&View::of(x), &View::of(y))))
        }
        (View::Duration(a), View::Duration(b)) => a == b,
        _ => match as_times(l, r) {
            Some((a, b)) => a.cmp(b) == Ordering::Equal,
            None => false,
        },
    }
}

/// Both sides as datetimes, when one is a datetime and the other one or a string that
/// reads as one.
fn as_times(l: &View<'_>, r: &View<'_>) -> Option<(Time, Time)> {
    match (l, r) {
        (View::Time(a), View::Time(b)) => Some((*a, *b)),
        (View::Time(a), View::Str(s)) => Some((*a, parse_datetime(s)?)),
        (View::Str(s), View::Time(b)) => Some((parse_datetime(s)?, *b)),
        _ => None,
    }
}

fn order(l: &View<'_>, r: &View<'_>, op: &'static str) -> Result<Ordering, EvalError> {
    match (l, r) {
        (View::Num(a), View::Num(b)) => Ok(number_cmp(a, b)),
        (View::Str(a), View::Str(b)) => Ok(a.cmp(b)),
        (View::Duration(a), View::Duration(b)) => Ok(a.cmp(b)),
        _ => as_times(l, r)
            .map(|(a, b)| a.cmp(b))
            .ok_or(EvalError::Incomparable {
                op,
                left: l.type_name(),
                right: r.type_name(),
            }),
    }
}

fn number_cmp(a: &Number, b: &Number) -> Ordering {
    let int = |n: &Number| {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    };
    match (int(a), int(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => {
            let x = a.as_f64().unwrap_or(f64::NAN);
            let y = b.as_f64().unwrap_or(f64::NAN);
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
    }
}

fn matches_text_or_list(l: &View<'_>, op: MatchOp, r: &View<'_>) -> Result<bool, EvalError> {
    let name = op.keyword();
    match l {
        View::Str(text) => {
            let View::Str(needle) = r else {
                return Err(EvalError::NotText {
                    op: name,
                    found: r.type_name(),
                });
            };
            Ok(match op {
                MatchOp::Contains => text.contains(needle),
                MatchOp::StartsWith => text.starts_with(needle),
                MatchOp::EndsWith => text.ends_with(needle),
            })
        }
        View::List(items) => {
            let matches = |item: Option<&Value>| item.is_some_and(|v| equal(&View::of(v), r));
            Ok(match op {
                MatchOp::Contains => items.iter().any(|v| equal(&View::of(v), r)),
                MatchOp::StartsWith => matches(items.first()),
                MatchOp::EndsWith => matches(items.last()),
            })
        }
        other => Err(EvalError::NotTextOrList {
            op: name,
            found: other.type_name(),
        }),
    }
}

fn value<'a>(operand: &'a Operand, ctx: &'a DotContext) -> Result<Val<'a>, EvalError> {
    Ok(match operand {
        Operand::Field(path) => ctx.get(path).map_or(Val::Missing, Val::Json),
        Operand::Literal(v) => Val::Json(v),
        Operand::Duration(d) => Val::Duration(*d),
        Operand::Call(func, args) => call(*func, args, ctx)?,
    })
}

fn now(ctx: &DotContext) -> DateTime<Utc> {
    ctx.now.unwrap_or_else(Utc::now)
}

fn call<'a>(func: Func, args: &'a [Operand], ctx: &'a DotContext) -> Result<Val<'a>, EvalError> {
    let name = func.name();
    // Arguments are evaluated on demand, each checked for missing or null.
    let arg = |index: usize| -> Result<Val<'a>, EvalError> {
        let v = match args.get(index) {
            Some(operand) => value(operand, ctx)?,
            None => Val::Missing,
        };
        match v.view() {
            None | Some(View::Null) => Err(EvalError::MissingArgument {
                func: name,
                index: index + 1,
            }),
            Some(_) => Ok(v),
        }
    };
    let out_of_range = EvalError::OutOfRange { func: name };
    Ok(match func {
        Func::Now => Val::Time(Time::Aware(now(ctx).fixed_offset())),
        Func::NowOffset => {
            let delta = duration_arg(&arg(0)?, name, 1)?;
            let t = Time::Aware(now(ctx).fixed_offset());
            Val::Time(t.checked_add(delta).ok_or(out_of_range)?)
        }
        Func::NowTimezone => {
            let zone = arg(0)?;
            let Some(View::Str(zone_name)) = zone.view() else {
                return Err(invalid(name, 1, "a time zone name", &zone));
            };
            let tz = find_timezone(zone_name)
                .ok_or_else(|| EvalError::UnknownTimezone(zone_name.to_string()))?;
            Val::Time(Time::Aware(in_zone(now(ctx).fixed_offset(), tz)))
        }
        Func::Datetime => Val::Time(time_arg(&arg(0)?, name)?),
        Func::DatetimeOffset => {
            let t = time_arg(&arg(0)?, name)?;
            let delta = duration_arg(&arg(1)?, name, 2)?;
            Val::Time(t.checked_add(delta).ok_or(out_of_range)?)
        }
        Func::DatetimeFromTimestamp => {
            let ts = arg(0)?;
            let seconds = match ts.view() {
                Some(View::Num(n)) => n.as_f64(),
                Some(View::Str(s)) => s.trim().parse::<f64>().ok(),
                _ => None,
            }
            .filter(|s| s.is_finite())
            .ok_or_else(|| invalid(name, 1, "a number of seconds", &ts))?;
            let whole = seconds.floor();
            let nanos = ((seconds - whole) * 1e9).round().clamp(0.0, 999_999_999.0);
            // `as` saturates; out-of-range values are then refused by chrono.
            let t = DateTime::from_timestamp(whole as i64, nanos as u32).ok_or(out_of_range)?;
            Val::Time(Time::Aware(t.fixed_offset()))
        }
        Func::Lowercase | Func::Uppercase => {
            let text = arg(0)?;
            let Some(View::Str(s)) = text.view() else {
                return Err(invalid(name, 1, "a string", &text));
            };
            Val::Text(if func == Func::Lowercase {
                s.to_lowercase()
            } else {
                s.to_uppercase()
            })
        }
    })
}

fn invalid(func: &'static str, index: usize, expected: &'static str, got: &Val<'_>) -> EvalError {
    EvalError::InvalidArgument {
        func,
        index,
        expected,
        found: got.view().map_or("nothing", |v| v.type_name()),
    }
}

fn time_arg(v: &Val<'_>, func: &'static str) -> Result<Time, EvalError> {
    match v.view() {
        Some(View::Time(t)) => Ok(t),
        Some(View::Str(s)) => parse_datetime(s).ok_or_else(|| EvalError::InvalidDatetime {
            func,
            value: s.to_string(),
        }),
        _ => Err(invalid(func, 1, "a datetime or a datetime string", v)),
    }
}

fn duration_arg(v: &Val<'_>, func: &'static str, index: usize) -> Result<TimeDelta, EvalError> {
    match v.view() {
        Some(View::Duration(d)) => Ok(d),
        Some(View::Str(s)) => parse_duration(s).ok_or_else(|| EvalError::InvalidDuration {
            func,
            value: s.to_string(),
        }),
        _ => Err(invalid(func, index, "a duration", v)),
    }
}
