//! Flow structure: start, end, inject, join, log message, throw error, sleep.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{json, Value};

use super::{
    init_object, opt_num, opt_str, req_str, Action, ActionError, AsyncAction, InitError, InitField,
    LogEntry, Output, PluginSpec, RunState,
};

pub static PLUGINS: &[PluginSpec] = &[
    PluginSpec {
        id: "start",
        name: "Start",
        description: "Where a run begins; passes the initial payload (the event's properties) on.",
        family: "core",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[],
        aliases: &["StartAction"],
        join: false,
        build: |_| Ok(Box::new(PassThrough)),
    },
    PluginSpec {
        id: "end",
        name: "End",
        description: "Ends a branch.",
        family: "core",
        inputs: &["payload"],
        outputs: &[],
        init: &[],
        aliases: &["EndAction"],
        join: false,
        build: |_| Ok(Box::new(End)),
    },
    PluginSpec {
        id: "inject",
        name: "Inject",
        description: "Outputs a fixed value (init.value; a JSON string is parsed).",
        family: "core",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[InitField {
            name: "value",
            ty: "any",
            required: true,
            description: "the value to output; a string holding JSON is parsed",
        }],
        aliases: &["InjectAction"],
        join: false,
        build: build_inject,
    },
    PluginSpec {
        id: "join",
        name: "Join",
        description: "Waits for every branch that reaches it and outputs their payloads merged.",
        family: "core",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[],
        aliases: &["JoinAction", "JoinPayloads"],
        join: true,
        build: |_| Ok(Box::new(PassThrough)),
    },
    PluginSpec {
        id: "log",
        name: "Log message",
        description: "Records a message (a text template) in the run's log; passes the payload on.",
        family: "core",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[
            InitField {
                name: "message",
                ty: "template",
                required: true,
                description: "text, with {{dot path}} placeholders",
            },
            InitField {
                name: "type",
                ty: "info|warning|error",
                required: false,
                description: "level, default info",
            },
        ],
        aliases: &["LogAction", "LogMessageAction"],
        join: false,
        build: build_log,
    },
    PluginSpec {
        id: "throw-error",
        name: "Throw error",
        description: "Fails the node with a message (a text template).",
        family: "core",
        inputs: &["payload"],
        outputs: &[],
        init: &[InitField {
            name: "message",
            ty: "template",
            required: true,
            description: "the error message",
        }],
        aliases: &["ThrowErrorAction"],
        join: false,
        build: |init| {
            Ok(Box::new(Throw {
                message: req_str(init, "message")?,
            }))
        },
    },
    PluginSpec {
        id: "sleep",
        name: "Sleep",
        description:
            "Waits init.wait seconds (within the run's time budget), then passes the payload on.",
        family: "core",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[InitField {
            name: "wait",
            ty: "number",
            required: true,
            description: "seconds to wait",
        }],
        aliases: &["SleepAction"],
        join: false,
        build: build_sleep,
    },
];

/// Passes the input payload on unchanged.
struct PassThrough;

impl Action for PassThrough {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        Ok(Output::port("payload", state.take_payload()))
    }
}

struct End;

impl Action for End {
    fn run(&self, _: &mut RunState) -> Result<Output, ActionError> {
        Ok(Output::none())
    }
}

struct Inject {
    value: Value,
}

impl Action for Inject {
    fn run(&self, _: &mut RunState) -> Result<Output, ActionError> {
        Ok(Output::port("payload", self.value.clone()))
    }
}

fn build_inject(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let init = init_object(init)?;
    let value = match init.get("value") {
        None => return Err(InitError::field("value", "is required")),
        Some(Value::String(s)) => serde_json::from_str(s).unwrap_or_else(|_| json!(s)),
        Some(v) => v.clone(),
    };
    Ok(Box::new(Inject { value }))
}

struct Log {
    message: String,
    level: String,
}

impl Action for Log {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let message = state.ctx.render_template(&self.message);
        tracing::info!(node = %state.node_id, level = %self.level, "flow log: {message}");
        state.logs.push(LogEntry {
            node: state.node_id.clone(),
            level: self.level.clone(),
            message,
        });
        Ok(Output::port("payload", state.take_payload()))
    }
}

fn build_log(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let level = opt_str(init, "type")?.unwrap_or_else(|| "info".into());
    if !matches!(level.as_str(), "info" | "warning" | "error") {
        return Err(InitError::field(
            "type",
            format!("`{level}` is not one of info, warning, error"),
        ));
    }
    Ok(Box::new(Log {
        message: req_str(init, "message")?,
        level,
    }))
}

struct Throw {
    message: String,
}

impl Action for Throw {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        Err(ActionError(state.ctx.render_template(&self.message)))
    }
}

struct Sleep {
    wait: Duration,
}

impl Action for Sleep {
    fn run(&self, _: &mut RunState) -> Result<Output, ActionError> {
        Err(ActionError::new("sleep runs only asynchronously"))
    }
    fn as_async(&self) -> Option<&dyn AsyncAction> {
        Some(self)
    }
}

#[async_trait]
impl AsyncAction for Sleep {
    async fn run_async(&self, state: &mut RunState) -> Result<Output, ActionError> {
        if let Some(deadline) = state.deadline {
            if Instant::now() + self.wait > deadline {
                return Err(ActionError(format!(
                    "sleeping {:?} would exceed the run's time budget",
                    self.wait
                )));
            }
        }
        tokio::time::sleep(self.wait).await;
        Ok(Output::port("payload", state.take_payload()))
    }
}

fn build_sleep(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let wait = opt_num(init, "wait", f64::NAN)?;
    if !(0.0..=3600.0).contains(&wait) {
        return Err(InitError::field(
            "wait",
            "is required: a number of seconds between 0 and 3600",
        ));
    }
    Ok(Box::new(Sleep {
        wait: Duration::from_secs_f64(wait),
    }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{init_error, run, state};
    use serde_json::json;

    #[test]
    fn start_passes_payload() {
        let mut s = state();
        let out = run("start", json!({}), &mut s).unwrap();
        assert_eq!(out.get("payload"), Some(&json!({"a": 1})));
    }

    #[test]
    fn end_outputs_nothing() {
        let mut s = state();
        assert!(run("end", json!(null), &mut s).unwrap().0.is_empty());
    }

    #[test]
    fn inject_parses_json_strings() {
        let mut s = state();
        let out = run("inject", json!({"value": "{\"x\": 2}"}), &mut s).unwrap();
        assert_eq!(out.get("payload"), Some(&json!({"x": 2})));
        let out = run("inject", json!({"value": "plain"}), &mut s).unwrap();
        assert_eq!(out.get("payload"), Some(&json!("plain")));
        assert!(init_error("inject", json!({})).contains("init.value"));
    }

    #[test]
    fn log_records_rendered_message() {
        let mut s = state();
        let out = run(
            "log",
            json!({"message": "hi {{profile@traits.name}}", "type": "warning"}),
            &mut s,
        )
        .unwrap();
        assert_eq!(out.get("payload"), Some(&json!({"a": 1})));
        assert_eq!(s.logs[0].message, "hi Ann");
        assert_eq!(s.logs[0].level, "warning");
        assert!(init_error("log", json!({"message": "x", "type": "loud"})).contains("init.type"));
    }

    #[test]
    fn throw_error_fails() {
        let mut s = state();
        let err = run(
            "throw-error",
            json!({"message": "bad {{event@type}}"}),
            &mut s,
        )
        .unwrap_err();
        assert_eq!(err.0, "bad purchase");
    }

    #[test]
    fn sleep_waits_and_respects_budget() {
        let mut s = state();
        let out = run("sleep", json!({"wait": 0.01}), &mut s).unwrap();
        assert!(out.get("payload").is_some());
        let mut s = state();
        s.deadline = Some(std::time::Instant::now());
        assert!(run("sleep", json!({"wait": 1}), &mut s).is_err());
        assert!(init_error("sleep", json!({"wait": -1})).contains("init.wait"));
    }

    #[test]
    fn join_passes_payload() {
        let mut s = state();
        let out = run("join", json!({}), &mut s).unwrap();
        assert_eq!(out.get("payload"), Some(&json!({"a": 1})));
    }
}
