//! Conditions: if, resolve conditions, data exists.

use serde_json::{Map, Value};

use super::{
    init_object, req_condition, req_path, Action, ActionError, InitError, InitField, Output,
    PluginSpec, RunState,
};
use crate::workflow::notation::DotPath;
use crate::workflow::tql::{self, Expr};

pub static PLUGINS: &[PluginSpec] = &[
    PluginSpec {
        id: "if",
        name: "If",
        description: "Evaluates a TQL condition; the payload goes out on `true` or `false`.",
        family: "conditions",
        inputs: &["payload"],
        outputs: &["true", "false"],
        init: &[InitField {
            name: "condition",
            ty: "tql",
            required: true,
            description: "a TQL condition, e.g. profile@traits.age >= 18",
        }],
        aliases: &["IfAction"],
        join: false,
        build: |init| {
            Ok(Box::new(If {
                condition: req_condition(init, "condition")?,
            }))
        },
    },
    PluginSpec {
        id: "resolve-conditions",
        name: "Resolve conditions",
        description: "Evaluates several named TQL conditions and outputs {name: true|false}.",
        family: "conditions",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[InitField {
            name: "conditions",
            ty: "object",
            required: true,
            description: "name → TQL condition",
        }],
        aliases: &["ConditionSetPlugin", "ResolveConditionsAction"],
        join: false,
        build: build_resolve,
    },
    PluginSpec {
        id: "data-exists",
        name: "Data exists",
        description: "Whether a dot path holds a value that is not null or empty; the payload goes out on `true` or `false`.",
        family: "conditions",
        inputs: &["payload"],
        outputs: &["true", "false"],
        init: &[InitField {
            name: "value",
            ty: "dot path",
            required: true,
            description: "the path to check",
        }],
        aliases: &["DataExistsAction", "DataExists"],
        join: false,
        build: |init| {
            Ok(Box::new(DataExists {
                path: req_path(init, "value")?,
            }))
        },
    },
];

struct If {
    condition: Expr,
}

impl Action for If {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let verdict = tql::eval(&self.condition, &state.ctx)?;
        let port = if verdict { "true" } else { "false" };
        Ok(Output::port(port, state.take_payload()))
    }
}

struct Resolve {
    conditions: Vec<(String, Expr)>,
}

impl Action for Resolve {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let mut out = Map::new();
        for (name, condition) in &self.conditions {
            let verdict = tql::eval(condition, &state.ctx)
                .map_err(|e| ActionError(format!("condition `{name}`: {e}")))?;
            out.insert(name.clone(), Value::Bool(verdict));
        }
        Ok(Output::port("payload", Value::Object(out)))
    }
}

fn build_resolve(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let init = init_object(init)?;
    let Some(Value::Object(map)) = init.get("conditions") else {
        return Err(InitError::field(
            "conditions",
            "is required: an object of name → condition",
        ));
    };
    let mut conditions = Vec::new();
    for (name, text) in map {
        let Value::String(text) = text else {
            return Err(InitError::field(
                &format!("conditions.{name}"),
                "must be a string",
            ));
        };
        let expr =
            tql::parse(text).map_err(|e| InitError::field(&format!("conditions.{name}"), e))?;
        conditions.push((name.clone(), expr));
    }
    Ok(Box::new(Resolve { conditions }))
}

struct DataExists {
    path: DotPath,
}

impl Action for DataExists {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let present = match state.ctx.get(&self.path) {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::Object(o)) => !o.is_empty(),
            Some(_) => true,
        };
        Ok(Output::port(
            if present { "true" } else { "false" },
            state.take_payload(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{init_error, run, state};
    use serde_json::json;

    #[test]
    fn if_routes_payload() {
        let mut s = state();
        let out = run(
            "if",
            json!({"condition": "profile@traits.age >= 18"}),
            &mut s,
        )
        .unwrap();
        assert_eq!(out.get("true"), Some(&json!({"a": 1})));
        assert!(out.get("false").is_none());
        let mut s = state();
        let out = run("if", json!({"condition": "payload@a == 2"}), &mut s).unwrap();
        assert!(out.get("false").is_some());
    }

    #[test]
    fn if_errors_are_reported() {
        let mut s = state();
        assert!(run(
            "if",
            json!({"condition": "profile@traits.name > 1"}),
            &mut s
        )
        .is_err());
        let e = init_error("if", json!({"condition": "a == 1 AND b == 2 OR c == 3"}));
        assert!(e.starts_with("init.condition"), "{e}");
        assert!(init_error("if", json!({})).contains("required"));
    }

    #[test]
    fn resolve_conditions_outputs_verdicts() {
        let mut s = state();
        let out = run(
            "resolve-conditions",
            json!({"conditions": {"adult": "profile@traits.age > 18", "vip": "profile@segments == \"x\""}}),
            &mut s,
        )
        .unwrap();
        assert_eq!(
            out.get("payload"),
            Some(&json!({"adult": true, "vip": false}))
        );
        assert!(
            init_error("resolve-conditions", json!({"conditions": {"x": "=="}}))
                .contains("conditions.x")
        );
    }

    #[test]
    fn data_exists_checks_emptiness() {
        let mut s = state();
        let out = run(
            "data-exists",
            json!({"value": "profile@traits.name"}),
            &mut s,
        )
        .unwrap();
        assert!(out.get("true").is_some());
        let mut s = state();
        let out = run(
            "data-exists",
            json!({"value": "profile@traits.none"}),
            &mut s,
        )
        .unwrap();
        assert!(out.get("false").is_some());
        assert!(init_error("data-exists", json!({"value": "nope"})).contains("not a dot path"));
    }
}
