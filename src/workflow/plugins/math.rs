//! Arithmetic: calculator.
//!
//! A calculator program is one statement per line (or `;`-separated):
//! `target = expression`, where target is a dot path (written there) or a plain name
//! (a variable for later lines), and expressions use numbers, dot paths, variables,
//! `+ - * / %`, unary minus and parentheses. A missing path reads as an error, not 0.

use serde_json::{Map, Value};

use super::{
    number, req_str, Action, ActionError, InitError, InitField, Output, PluginSpec, RunState,
};
use crate::workflow::notation::{DotPath, PathSyntax};

pub static PLUGINS: &[PluginSpec] = &[PluginSpec {
    id: "calculator",
    name: "Calculator",
    description: "Runs arithmetic statements `target = expression` (targets: dot paths or variables); outputs {target: value}.",
    family: "math",
    inputs: &["payload"],
    outputs: &["payload"],
    init: &[InitField {
        name: "calc_dsl",
        ty: "text",
        required: true,
        description: "statements, e.g. profile@stats.counters.total = profile@stats.counters.total + payload@price * 2",
    }],
    aliases: &["CalculatorAction"],
    join: false,
    build: build_calculator,
}];

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Num(f64),
    Path(DotPath),
    Var(String),
    Neg(Box<Expr>),
    Bin(Box<Expr>, char, Box<Expr>),
}

#[derive(Debug)]
enum Target {
    Path(DotPath),
    Var(String),
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.text[self.pos..].starts_with([' ', '\t']) {
            self.pos += 1;
        }
    }
    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.text[self.pos..].chars().next()
    }
    fn err(&self, message: &str) -> String {
        format!("{message} at column {}", self.pos + 1)
    }
    fn expr(&mut self, depth: usize) -> Result<Expr, String> {
        let mut left = self.term(depth)?;
        while let Some(op @ ('+' | '-')) = self.peek() {
            self.pos += 1;
            left = Expr::Bin(Box::new(left), op, Box::new(self.term(depth)?));
        }
        Ok(left)
    }
    fn term(&mut self, depth: usize) -> Result<Expr, String> {
        let mut left = self.factor(depth)?;
        while let Some(op @ ('*' | '/' | '%')) = self.peek() {
            self.pos += 1;
            left = Expr::Bin(Box::new(left), op, Box::new(self.factor(depth)?));
        }
        Ok(left)
    }
    fn factor(&mut self, depth: usize) -> Result<Expr, String> {
        if depth > 64 {
            return Err(self.err("expression nested too deeply"));
        }
        match self.peek() {
            Some('-') => {
                self.pos += 1;
                Ok(Expr::Neg(Box::new(self.factor(depth + 1)?)))
            }
            Some('(') => {
                self.pos += 1;
                let inner = self.expr(depth + 1)?;
                if self.peek() != Some(')') {
                    return Err(self.err("expected `)`"));
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(c) if c.is_ascii_digit() || c == '.' => {
                let len = self.text[self.pos..]
                    .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .unwrap_or(self.text.len() - self.pos);
                let lit = &self.text[self.pos..self.pos + len];
                let n = lit
                    .parse::<f64>()
                    .map_err(|_| self.err(&format!("`{lit}` is not a number")))?;
                self.pos += len;
                Ok(Expr::Num(n))
            }
            Some(c) if c.is_alphabetic() || c == '_' => self.operand(),
            Some(c) => Err(self.err(&format!("unexpected `{c}`"))),
            None => Err(self.err("expected a value")),
        }
    }
    fn operand(&mut self) -> Result<Expr, String> {
        match DotPath::parse_prefix(self.text, self.pos, PathSyntax::Strict) {
            Ok(Some((path, end))) => {
                self.pos = end;
                Ok(Expr::Path(path))
            }
            Err(e) => Err(format!("{} at column {}", e.message, e.at + 1)),
            Ok(None) => {
                let len = self.text[self.pos..]
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(self.text.len() - self.pos);
                let name = self.text[self.pos..self.pos + len].to_string();
                self.pos += len;
                Ok(Expr::Var(name))
            }
        }
    }
}

fn parse_statement(line: &str) -> Result<(Target, Expr), String> {
    let Some(eq) = line.find('=') else {
        return Err("expected `target = expression`".into());
    };
    let target_text = line[..eq].trim();
    let target = if let Some(path) = DotPath::parse(target_text) {
        if path.segments.is_empty() {
            return Err(format!("`{target_text}` names a whole source"));
        }
        Target::Path(path)
    } else if !target_text.is_empty()
        && target_text.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        Target::Var(target_text.to_string())
    } else {
        return Err(format!(
            "`{target_text}` is neither a dot path nor a variable name"
        ));
    };
    let mut p = Parser {
        text: line,
        pos: eq + 1,
    };
    let expr = p.expr(0)?;
    if p.peek().is_some() {
        return Err(p.err("unexpected text"));
    }
    Ok((target, expr))
}

struct Calculator {
    program: Vec<(Target, Expr)>,
}

fn eval(expr: &Expr, state: &RunState, vars: &Map<String, Value>) -> Result<f64, ActionError> {
    Ok(match expr {
        Expr::Num(n) => *n,
        Expr::Path(p) => {
            let v = state.require(p)?;
            v.as_f64()
                .ok_or_else(|| ActionError(format!("`{p}` holds {v}, not a number")))?
        }
        Expr::Var(name) => vars
            .get(name)
            .and_then(Value::as_f64)
            .ok_or_else(|| ActionError(format!("variable `{name}` is not set")))?,
        Expr::Neg(e) => -eval(e, state, vars)?,
        Expr::Bin(a, op, b) => {
            let (a, b) = (eval(a, state, vars)?, eval(b, state, vars)?);
            match op {
                '+' => a + b,
                '-' => a - b,
                '*' => a * b,
                '/' | '%' if b == 0.0 => return Err(ActionError::new("division by zero")),
                '/' => a / b,
                _ => a % b,
            }
        }
    })
}

impl Action for Calculator {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let mut vars = Map::new();
        let mut out = Map::new();
        for (target, expr) in &self.program {
            let value = number(eval(expr, state, &vars)?);
            match target {
                Target::Path(p) => {
                    state.ctx.set(p, value.clone())?;
                    out.insert(p.to_string(), value);
                }
                Target::Var(name) => {
                    vars.insert(name.clone(), value.clone());
                    out.insert(name.clone(), value);
                }
            }
        }
        Ok(Output::port("payload", Value::Object(out)))
    }
}

fn build_calculator(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let text = req_str(init, "calc_dsl")?;
    let mut program = Vec::new();
    for (i, line) in text.split(['\n', ';']).enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let stmt = parse_statement(line)
            .map_err(|e| InitError::field("calc_dsl", format!("statement {}: {e}", i + 1)))?;
        program.push(stmt);
    }
    Ok(Box::new(Calculator { program }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{init_error, run, state};
    use serde_json::json;

    #[test]
    fn computes_and_writes() {
        let mut s = state();
        let init = json!({"calc_dsl": "total = event@properties.price * 2 + 1\nprofile@stats.counters.spent = (total - 1) / 4; half = -total % 7"});
        let out = run("calculator", init, &mut s).unwrap();
        assert_eq!(
            out.get("payload"),
            Some(&json!({"total": 21, "profile@stats.counters.spent": 5, "half": 0}))
        );
        assert_eq!(s.ctx.profile["stats"]["counters"]["spent"], json!(5));
    }

    #[test]
    fn errors() {
        let mut s = state();
        assert!(run("calculator", json!({"calc_dsl": "x = 1 / 0"}), &mut s).is_err());
        assert!(run(
            "calculator",
            json!({"calc_dsl": "x = profile@nope + 1"}),
            &mut s
        )
        .is_err());
        assert!(run(
            "calculator",
            json!({"calc_dsl": "x = profile@traits.name + 1"}),
            &mut s
        )
        .is_err());
        assert!(init_error("calculator", json!({"calc_dsl": "x = (1 + 2"})).contains("statement 1"));
        assert!(init_error("calculator", json!({"calc_dsl": "1 + 2"})).contains("init.calc_dsl"));
        assert!(init_error("calculator", json!({"calc_dsl": "a b = 2"})).contains("neither"));
    }
}
