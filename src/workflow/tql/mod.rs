//! TQL, the condition language of rules and workflow nodes (Tracardi-compatible).
//!
//! ```text
//! parse(&str) -> Result<Expr, ParseError>
//! eval(&Expr, &DotContext) -> Result<bool, EvalError>
//! evaluate(&str, &DotContext) -> Result<bool, TqlError>       parse + eval
//! impl Display for Expr                                        prints TQL that parses back
//!                                                              to the same tree
//! ```
//!
//! Grammar (keywords and function names are case-insensitive):
//!
//! ```text
//! expr      := unary (AND unary)* | unary (OR unary)*     mixing AND/OR needs parentheses
//! unary     := NOT '(' expr ')' | '(' expr ')' | condition
//! condition := operand ( cmp operand
//!                      | EXISTS | NOT EXISTS | EMPTY | NOT EMPTY | IS NULL | IS NOT NULL
//!                      | CONTAINS operand | STARTS WITH operand | ENDS WITH operand
//!                      | BETWEEN operand AND operand )
//! cmp       := == | = | != | > | >= | => | < | <= | =<
//! operand   := dot path (profile@a.b, payload@items.0, event@["my key"])
//!            | NULL | TRUE | FALSE | number | "string" | 'string' | [literal, …]
//!            | duration (30s, 15m, 2h, 1d, 1w, 1h30m, -15m)
//!            | function '(' operand, … ')'
//! function  := now | now.offset | now.timezone | datetime | datetime.offset
//!            | datetime.from_timestamp | lowercase | uppercase
//! ```
//!
//! Semantics follow `shared/design/TQL.md`:
//!
//! * A missing path makes any comparison false, `!=`, `IS NULL` and `IS NOT NULL`
//!   included; `EXISTS`, `EMPTY` and their negations test presence itself. A missing
//!   left side is false without evaluating the right side.
//! * `==` between a scalar and a list (either side) is membership; list against list is
//!   plain equality. `!=` is the negation of `==` for present values.
//! * `BETWEEN a AND b` is inclusive.
//! * No coercion: equality across types is false, ordering across types (or of
//!   booleans, null, lists, objects) is an [`EvalError`]. Integers and floats compare
//!   numerically (`1 == 1.0`).
//! * A datetime compared with a string that reads as RFC 3339 / ISO 8601 compares as
//!   datetimes. A datetime without an offset compared with one that has an offset is
//!   read as wall time in that offset (ours), so `now.timezone("Europe/Warsaw")` matters
//!   for naive timestamps.
//! * `AND`/`OR` evaluate left to right and short-circuit; an error is returned as soon
//!   as it happens, so `error OR true` is an error.
//! * A missing or `null` function argument is an error.
//! * `now()` reads [`DotContext::now`], falling back to `Utc::now()`.
//! * Durations are whole seconds. Nesting deeper than [`MAX_DEPTH`] is a parse error.
//!
//! Errors carry the byte offset and the line and column (in characters) of the problem.

mod eval;
mod lexer;
mod parser;
mod time;

#[cfg(test)]
mod tests;

use std::fmt::{self, Write as _};

use chrono::TimeDelta;
use serde_json::Value;
use thiserror::Error;

use crate::workflow::notation::{write_quoted, DotContext, DotPath};

pub use eval::{eval, EvalError};
pub use parser::{parse, ParseError, ParseErrorKind, MAX_DEPTH};

/// Parse or evaluation failure of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Error)]
pub enum TqlError {
    #[error("invalid condition: {0}")]
    Parse(#[from] ParseError),
    #[error("condition failed: {0}")]
    Eval(#[from] EvalError),
}

/// Parses and evaluates a condition in one go.
pub fn evaluate(condition: &str, ctx: &DotContext) -> Result<bool, TqlError> {
    Ok(eval(&parse(condition)?, ctx)?)
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Two or more conditions, all true.
    And(Vec<Expr>),
    /// Two or more conditions, at least one true.
    Or(Vec<Expr>),
    /// `NOT (…)` (ours).
    Not(Box<Expr>),
    /// `left op right`.
    Compare {
        left: Operand,
        op: CmpOp,
        right: Operand,
    },
    /// `operand EXISTS`, `operand IS NULL`, …
    Check { operand: Operand, check: Check },
    /// `left CONTAINS right`, `left STARTS WITH right`, `left ENDS WITH right`.
    Match {
        left: Operand,
        op: MatchOp,
        right: Operand,
    },
    /// `operand BETWEEN low AND high`, inclusive.
    Between {
        operand: Operand,
        low: Operand,
        high: Operand,
    },
}

/// Comparison operators; aliases (`=`, `=>`, `=<`) parse to the same variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// Unary tests on one operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Exists,
    NotExists,
    Empty,
    NotEmpty,
    IsNull,
    IsNotNull,
}

/// String and list tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    Contains,
    StartsWith,
    EndsWith,
}

/// A value in a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A dot path into the context.
    Field(DotPath),
    /// `NULL`, `TRUE`, `FALSE`, a number, a string or a list of literals.
    Literal(Value),
    /// `15m`, `-1d`, … (whole seconds).
    Duration(TimeDelta),
    /// A function call.
    Call(Func, Vec<Operand>),
}

/// The built-in functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `now()`
    Now,
    /// `now.offset(duration)`
    NowOffset,
    /// `now.timezone(name)`
    NowTimezone,
    /// `datetime(x)`
    Datetime,
    /// `datetime.offset(x, duration)`
    DatetimeOffset,
    /// `datetime.from_timestamp(seconds)`
    DatetimeFromTimestamp,
    /// `lowercase(text)`
    Lowercase,
    /// `uppercase(text)`
    Uppercase,
}

impl Func {
    pub const ALL: [Func; 8] = [
        Func::Now,
        Func::NowOffset,
        Func::NowTimezone,
        Func::Datetime,
        Func::DatetimeOffset,
        Func::DatetimeFromTimestamp,
        Func::Lowercase,
        Func::Uppercase,
    ];

    /// The canonical name.
    pub fn name(self) -> &'static str {
        match self {
            Func::Now => "now",
            Func::NowOffset => "now.offset",
            Func::NowTimezone => "now.timezone",
            Func::Datetime => "datetime",
            Func::DatetimeOffset => "datetime.offset",
            Func::DatetimeFromTimestamp => "datetime.from_timestamp",
            Func::Lowercase => "lowercase",
            Func::Uppercase => "uppercase",
        }
    }

    /// How many arguments the function takes.
    pub fn arity(self) -> usize {
        match self {
            Func::Now => 0,
            Func::DatetimeOffset => 2,
            _ => 1,
        }
    }

    /// Looks a function up by name, ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
        }
    }
}

impl Check {
    pub fn keyword(self) -> &'static str {
        match self {
            Check::Exists => "EXISTS",
            Check::NotExists => "NOT EXISTS",
            Check::Empty => "EMPTY",
            Check::NotEmpty => "NOT EMPTY",
            Check::IsNull => "IS NULL",
            Check::IsNotNull => "IS NOT NULL",
        }
    }
}

impl MatchOp {
    pub fn keyword(self) -> &'static str {
        match self {
            MatchOp::Contains => "CONTAINS",
            MatchOp::StartsWith => "STARTS WITH",
            MatchOp::EndsWith => "ENDS WITH",
        }
    }
}

impl fmt::Display for Func {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for CmpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

impl fmt::Display for MatchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// Prints a literal as TQL. Objects never come out of the parser; they print as JSON.
fn write_literal(f: &mut fmt::Formatter<'_>, value: &Value) -> fmt::Result {
    match value {
        Value::Null => f.write_str("NULL"),
        Value::Bool(true) => f.write_str("TRUE"),
        Value::Bool(false) => f.write_str("FALSE"),
        Value::Number(n) => write!(f, "{n}"),
        Value::String(s) => write_quoted(f, s),
        Value::Array(items) => {
            f.write_char('[')?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_literal(f, item)?;
            }
            f.write_char(']')
        }
        Value::Object(_) => write!(f, "{value}"),
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Field(path) => write!(f, "{path}"),
            Operand::Literal(value) => write_literal(f, value),
            Operand::Duration(duration) => time::write_duration(f, *duration),
            Operand::Call(func, args) => {
                write!(f, "{func}(")?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_char(')')
            }
        }
    }
}

impl Expr {
    fn write_chain(f: &mut fmt::Formatter<'_>, items: &[Expr], joiner: &str) -> fmt::Result {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                f.write_str(joiner)?;
            }
            // A nested chain keeps its own node only when it is parenthesised.
            match item {
                Expr::And(_) | Expr::Or(_) => write!(f, "({item})")?,
                _ => write!(f, "{item}")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::And(items) => Expr::write_chain(f, items, " AND "),
            Expr::Or(items) => Expr::write_chain(f, items, " OR "),
            Expr::Not(inner) => write!(f, "NOT ({inner})"),
            Expr::Compare { left, op, right } => write!(f, "{left} {op} {right}"),
            Expr::Check { operand, check } => write!(f, "{operand} {check}"),
            Expr::Match { left, op, right } => write!(f, "{left} {op} {right}"),
            Expr::Between { operand, low, high } => write!(f, "{operand} BETWEEN {low} AND {high}"),
        }
    }
}
