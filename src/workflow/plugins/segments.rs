//! Segments: add, delete, move, has, conditional segmentation.
//!
//! Segments live in `profile@segments`, a list of names.

use serde_json::{json, Value};

use super::{
    opt_str, req_condition, req_str, Action, ActionError, InitError, InitField, Output, PluginSpec,
    RunState,
};
use crate::workflow::tql::{self, Expr};

pub static PLUGINS: &[PluginSpec] = &[
    PluginSpec {
        id: "add-segment",
        name: "Add segment",
        description: "Adds a segment (a name, or a dot path to one) to profile@segments.",
        family: "segments",
        inputs: &["payload"],
        outputs: &["payload"],
        init: SEGMENT_INIT,
        aliases: &["AddSegmentAction"],
        join: false,
        build: |init| Ok(Box::new(Edit { add: Some(seg(init, "segment")?), remove: None })),
    },
    PluginSpec {
        id: "delete-segment",
        name: "Delete segment",
        description: "Removes a segment from profile@segments.",
        family: "segments",
        inputs: &["payload"],
        outputs: &["payload"],
        init: SEGMENT_INIT,
        aliases: &["DeleteSegmentAction"],
        join: false,
        build: |init| Ok(Box::new(Edit { add: None, remove: Some(seg(init, "segment")?) })),
    },
    PluginSpec {
        id: "move-segment",
        name: "Move segment",
        description: "Replaces segment init.from with init.to (the new one is added even when the old one is absent).",
        family: "segments",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[
            InitField { name: "from", ty: "string", required: true, description: "segment to remove" },
            InitField { name: "to", ty: "string", required: true, description: "segment to add" },
        ],
        aliases: &["MoveSegmentAction"],
        join: false,
        build: |init| Ok(Box::new(Edit { remove: Some(seg(init, "from")?), add: Some(seg(init, "to")?) })),
    },
    PluginSpec {
        id: "has-segment",
        name: "Has segment",
        description: "Payload on `true` when the profile is in the segment, else `false`.",
        family: "segments",
        inputs: &["payload"],
        outputs: &["true", "false"],
        init: SEGMENT_INIT,
        aliases: &["HasSegmentAction", "ProfileSegmentAction"],
        join: false,
        build: |init| Ok(Box::new(Has { segment: seg(init, "segment")? })),
    },
    PluginSpec {
        id: "conditional-segmentation",
        name: "Conditional segmentation",
        description: "Evaluates a condition, then adds or removes init.true_segment / init.false_segment; outputs {condition: bool}.",
        family: "segments",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[
            InitField { name: "condition", ty: "tql", required: true, description: "the condition" },
            InitField { name: "true_segment", ty: "string", required: false, description: "segment acted on when true" },
            InitField { name: "true_action", ty: "add|remove|none", required: false, description: "default add" },
            InitField { name: "false_segment", ty: "string", required: false, description: "segment acted on when false" },
            InitField { name: "false_action", ty: "add|remove|none", required: false, description: "default remove" },
        ],
        aliases: &["ConditionalSegmentationAction"],
        join: false,
        build: build_conditional,
    },
];

const SEGMENT_INIT: &[InitField] = &[InitField {
    name: "segment",
    ty: "string",
    required: true,
    description: "segment name, or a dot path to it",
}];

fn seg(init: &Value, field: &str) -> Result<Value, InitError> {
    Ok(Value::String(req_str(init, field)?))
}

fn segment_name(state: &RunState, value: &Value) -> Result<String, ActionError> {
    state
        .value_of(value)
        .as_ref()
        .and_then(super::as_text)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ActionError(format!("segment `{value}` is missing or not text")))
}

fn segments_mut(state: &mut RunState) -> Result<&mut Vec<Value>, ActionError> {
    let Value::Object(profile) = &mut state.ctx.profile else {
        return Err(ActionError::new("there is no profile to segment"));
    };
    let slot = profile.entry("segments").or_insert_with(|| json!([]));
    if slot.is_null() {
        *slot = json!([]);
    }
    match slot {
        Value::Array(list) => Ok(list),
        other => Err(ActionError(format!(
            "profile@segments holds {other}, not a list"
        ))),
    }
}

fn edit(
    state: &mut RunState,
    add: Option<String>,
    remove: Option<String>,
) -> Result<(), ActionError> {
    let list = segments_mut(state)?;
    if let Some(remove) = remove {
        list.retain(|v| v.as_str() != Some(remove.as_str()));
    }
    if let Some(add) = add {
        if !list.iter().any(|v| v.as_str() == Some(add.as_str())) {
            list.push(Value::String(add));
        }
    }
    Ok(())
}

struct Edit {
    add: Option<Value>,
    remove: Option<Value>,
}

impl Action for Edit {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let add = self
            .add
            .as_ref()
            .map(|v| segment_name(state, v))
            .transpose()?;
        let remove = self
            .remove
            .as_ref()
            .map(|v| segment_name(state, v))
            .transpose()?;
        edit(state, add, remove)?;
        Ok(Output::port("payload", state.take_payload()))
    }
}

struct Has {
    segment: Value,
}

impl Action for Has {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let name = segment_name(state, &self.segment)?;
        let yes = state
            .ctx
            .profile
            .get("segments")
            .and_then(Value::as_array)
            .is_some_and(|l| l.iter().any(|v| v.as_str() == Some(name.as_str())));
        Ok(Output::port(
            if yes { "true" } else { "false" },
            state.take_payload(),
        ))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum SegAction {
    Add,
    Remove,
    Nothing,
}

struct Conditional {
    condition: Expr,
    on_true: Option<(Value, SegAction)>,
    on_false: Option<(Value, SegAction)>,
}

impl Action for Conditional {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let verdict = tql::eval(&self.condition, &state.ctx)?;
        let todo = if verdict {
            &self.on_true
        } else {
            &self.on_false
        };
        if let Some((segment, action)) = todo {
            let name = segment_name(state, segment)?;
            match action {
                SegAction::Add => edit(state, Some(name), None)?,
                SegAction::Remove => edit(state, None, Some(name))?,
                SegAction::Nothing => {}
            }
        }
        Ok(Output::port("payload", json!({ "condition": verdict })))
    }
}

fn seg_action(init: &Value, field: &str, default: SegAction) -> Result<SegAction, InitError> {
    match opt_str(init, field)?.as_deref() {
        None | Some("") => Ok(default),
        Some("add") => Ok(SegAction::Add),
        Some("remove") => Ok(SegAction::Remove),
        Some("none") => Ok(SegAction::Nothing),
        Some(other) => Err(InitError::field(
            field,
            format!("`{other}` is not add, remove or none"),
        )),
    }
}

fn build_conditional(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let condition = req_condition(init, "condition")?;
    let side = |seg_field: &str,
                action_field: &str,
                default|
     -> Result<Option<(Value, SegAction)>, InitError> {
        let action = seg_action(init, action_field, default)?;
        Ok(opt_str(init, seg_field)?
            .filter(|s| !s.trim().is_empty())
            .map(|s| (Value::String(s), action)))
    };
    Ok(Box::new(Conditional {
        condition,
        on_true: side("true_segment", "true_action", SegAction::Add)?,
        on_false: side("false_segment", "false_action", SegAction::Remove)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{init_error, run, state};
    use serde_json::json;

    #[test]
    fn add_delete_move() {
        let mut s = state();
        run("add-segment", json!({"segment": "buyers"}), &mut s).unwrap();
        run("add-segment", json!({"segment": "buyers"}), &mut s).unwrap();
        assert_eq!(s.ctx.profile["segments"], json!(["vip", "buyers"]));
        run("move-segment", json!({"from": "vip", "to": "gold"}), &mut s).unwrap();
        assert_eq!(s.ctx.profile["segments"], json!(["buyers", "gold"]));
        run("delete-segment", json!({"segment": "buyers"}), &mut s).unwrap();
        assert_eq!(s.ctx.profile["segments"], json!(["gold"]));
        run(
            "add-segment",
            json!({"segment": "event@properties.sku"}),
            &mut s,
        )
        .unwrap();
        assert_eq!(s.ctx.profile["segments"], json!(["gold", "A1"]));
        assert!(init_error("move-segment", json!({"from": "a"})).contains("init.to"));
    }

    #[test]
    fn has_segment_routes() {
        let mut s = state();
        assert!(run("has-segment", json!({"segment": "vip"}), &mut s)
            .unwrap()
            .get("true")
            .is_some());
        assert!(run("has-segment", json!({"segment": "x"}), &mut s)
            .unwrap()
            .get("false")
            .is_some());
        s.ctx.profile = json!(null);
        assert!(run("add-segment", json!({"segment": "x"}), &mut s).is_err());
    }

    #[test]
    fn conditional_segmentation() {
        let mut s = state();
        let init = json!({"condition": "profile@traits.age > 18", "true_segment": "adult", "false_segment": "vip"});
        let out = run("conditional-segmentation", init, &mut s).unwrap();
        assert_eq!(out.get("payload"), Some(&json!({"condition": true})));
        assert_eq!(s.ctx.profile["segments"], json!(["vip", "adult"]));
        let init = json!({"condition": "profile@traits.age > 50", "true_segment": "old", "false_segment": "vip"});
        run("conditional-segmentation", init, &mut s).unwrap();
        assert_eq!(s.ctx.profile["segments"], json!(["adult"]));
        let bad = json!({"condition": "x", "true_action": "maybe"});
        assert!(init_error("conditional-segmentation", bad).contains("init.condition"));
    }
}
