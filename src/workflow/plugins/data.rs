//! Data: copy (set), append/remove, delete, cut out, make payload, merge event
//! properties into traits, template, value mapping.

use serde_json::{Map, Value};

use super::{
    init_object, opt_bool, opt_str, req_path, req_str, resolve_required, writable_path, Action,
    ActionError, InitError, InitField, Output, PluginSpec, RunState,
};
use crate::workflow::notation::{DotPath, DotSource, OnMissing, TemplateOptions};

pub static PLUGINS: &[PluginSpec] = &[
    PluginSpec {
        id: "set",
        name: "Copy data",
        description: "Sets fields: init.set maps target dot paths to values (literals, dot paths or `casts`).",
        family: "data",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[InitField {
            name: "set",
            ty: "object",
            required: true,
            description: "target path → value or source path",
        }],
        aliases: &["CopyTraitAction", "CopyDataAction", "SetAction"],
        join: false,
        build: build_set,
    },
    PluginSpec {
        id: "append",
        name: "Append/remove data",
        description: "Appends values to (init.append) or removes values from (init.remove) lists at dot paths; a scalar becomes a list.",
        family: "data",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[
            InitField { name: "append", ty: "object", required: false, description: "path → value to append" },
            InitField { name: "remove", ty: "object", required: false, description: "path → value to remove" },
        ],
        aliases: &["AppendTraitAction", "AppendDataAction"],
        join: false,
        build: build_append,
    },
    PluginSpec {
        id: "delete",
        name: "Delete data",
        description: "Deletes the fields at the listed dot paths.",
        family: "data",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[InitField { name: "delete", ty: "list", required: true, description: "dot paths" }],
        aliases: &["DeleteTraitAction", "DeleteDataAction"],
        join: false,
        build: build_delete,
    },
    PluginSpec {
        id: "cut-out",
        name: "Cut out data",
        description: "Outputs the value at a dot path as the payload.",
        family: "data",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[InitField { name: "property", ty: "dot path", required: true, description: "what to output" }],
        aliases: &["CutOutTraitAction", "CutOutDataAction"],
        join: false,
        build: |init| Ok(Box::new(CutOut { path: req_path(init, "property")? })),
    },
    PluginSpec {
        id: "make-payload",
        name: "Make payload",
        description: "Outputs an object template rendered against the context (dot path leaves are replaced; keys ending in ? are optional).",
        family: "data",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[
            InitField { name: "template", ty: "object", required: true, description: "the object template" },
            InitField { name: "default", ty: "any", required: false, description: "value for missing paths; without it a missing path is an error" },
            InitField { name: "drop_null", ty: "boolean", required: false, description: "leave out null results" },
        ],
        aliases: &["DictMakerAction", "MakePayloadAction"],
        join: false,
        build: build_make_payload,
    },
    PluginSpec {
        id: "merge-properties",
        name: "Merge event properties into traits",
        description: "Merges event@properties into profile@traits (or init.target), deeply.",
        family: "data",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[InitField { name: "target", ty: "dot path", required: false, description: "where to merge, default profile@traits" }],
        aliases: &["MergeEventPropertiesAction", "AutoMergePropertiesToProfileAction"],
        join: false,
        build: build_merge_properties,
    },
    PluginSpec {
        id: "template",
        name: "Template",
        description: "Renders a text template with {{dot path}} placeholders; outputs {\"template\": text}.",
        family: "data",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[InitField { name: "template", ty: "template", required: true, description: "the text" }],
        aliases: &["TemplateAction", "DataTemplateAction"],
        join: false,
        build: |init| Ok(Box::new(Template { template: req_str(init, "template")? })),
    },
    PluginSpec {
        id: "value-mapping",
        name: "Value mapping",
        description: "Maps the value at a path through a table; outputs {\"value\": mapped} on `payload`, or the input on `unmatched`.",
        family: "data",
        inputs: &["payload"],
        outputs: &["payload", "unmatched"],
        init: &[
            InitField { name: "value", ty: "dot path", required: true, description: "the value to map" },
            InitField { name: "mapping", ty: "object", required: true, description: "from → to" },
            InitField { name: "case_sensitive", ty: "boolean", required: false, description: "default false" },
            InitField { name: "target", ty: "dot path", required: false, description: "also write the mapped value here" },
        ],
        aliases: &["DictValueMapping", "ValueMappingAction"],
        join: false,
        build: build_value_mapping,
    },
];

fn entries<'a>(
    init: &'a Map<String, Value>,
    field: &str,
) -> Result<Vec<(DotPath, &'a Value)>, InitError> {
    match init.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| Ok((writable_path(&format!("{field}.{k}"), k)?, v)))
            .collect(),
        Some(other) => Err(InitError::field(
            field,
            format!("must be an object of path → value, not {other}"),
        )),
    }
}

struct Set {
    set: Vec<(DotPath, Value)>,
}

impl Action for Set {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        for (target, value) in &self.set {
            let value = resolve_required(state, &format!("set {target}"), value)?;
            state.ctx.set(target, value)?;
        }
        Ok(Output::port("payload", state.take_payload()))
    }
}

fn build_set(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let init = init_object(init)?;
    let set: Vec<_> = entries(&init, "set")?
        .into_iter()
        .map(|(p, v)| (p, v.clone()))
        .collect();
    if set.is_empty() {
        return Err(InitError::field(
            "set",
            "is required: an object of target path → value",
        ));
    }
    Ok(Box::new(Set { set }))
}

struct Append {
    append: Vec<(DotPath, Value)>,
    remove: Vec<(DotPath, Value)>,
}

fn as_list(value: Option<Value>) -> Vec<Value> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(other) => vec![other],
    }
}

impl Action for Append {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        for (path, value) in &self.append {
            let value = resolve_required(state, &format!("append {path}"), value)?;
            let mut list = as_list(state.ctx.get(path).cloned());
            match value {
                Value::Array(items) => list.extend(items),
                v => list.push(v),
            }
            state.ctx.set(path, Value::Array(list))?;
        }
        for (path, value) in &self.remove {
            let value = resolve_required(state, &format!("remove {path}"), value)?;
            let Some(current) = state.ctx.get(path).cloned() else {
                continue;
            };
            let gone = as_list(Some(value));
            let kept: Vec<Value> = as_list(Some(current))
                .into_iter()
                .filter(|v| !gone.contains(v))
                .collect();
            state.ctx.set(path, Value::Array(kept))?;
        }
        Ok(Output::port("payload", state.take_payload()))
    }
}

fn build_append(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let init = init_object(init)?;
    let append: Vec<_> = entries(&init, "append")?
        .into_iter()
        .map(|(p, v)| (p, v.clone()))
        .collect();
    let remove: Vec<_> = entries(&init, "remove")?
        .into_iter()
        .map(|(p, v)| (p, v.clone()))
        .collect();
    if append.is_empty() && remove.is_empty() {
        return Err(InitError("init.append or init.remove is required".into()));
    }
    Ok(Box::new(Append { append, remove }))
}

struct Delete {
    paths: Vec<DotPath>,
}

impl Action for Delete {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        for path in &self.paths {
            state.ctx.delete(path)?;
        }
        Ok(Output::port("payload", state.take_payload()))
    }
}

fn build_delete(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let paths = match init.get("delete") {
        Some(Value::String(s)) => vec![writable_path("delete", s)?],
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => writable_path(&format!("delete.{i}"), s),
                other => Err(InitError::field(
                    &format!("delete.{i}"),
                    format!("must be a dot path, not {other}"),
                )),
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(InitError::field(
                "delete",
                "is required: a list of dot paths",
            ))
        }
    };
    Ok(Box::new(Delete { paths }))
}

struct CutOut {
    path: DotPath,
}

impl Action for CutOut {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let value = state.require(&self.path)?.clone();
        Ok(Output::port("payload", value))
    }
}

struct MakePayload {
    template: Value,
    options: TemplateOptions,
}

impl Action for MakePayload {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let value = state.ctx.render_object(&self.template, &self.options)?;
        Ok(Output::port("payload", value))
    }
}

fn build_make_payload(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let init = init_object(init)?;
    let template = match init.get("template") {
        None | Some(Value::Null) => return Err(InitError::field("template", "is required")),
        Some(Value::String(s)) => serde_json::from_str(s)
            .map_err(|e| InitError::field("template", format!("is not JSON: {e}")))?,
        Some(v) => v.clone(),
    };
    let on_missing = match init.get("default") {
        None => OnMissing::Error,
        Some(v) => OnMissing::Default(v.clone()),
    };
    let drop_null = opt_bool(&Value::Object(init.clone()), "drop_null", false)?;
    Ok(Box::new(MakePayload {
        template,
        options: TemplateOptions {
            on_missing,
            drop_null,
        },
    }))
}

/// Merges `from` into `into`: objects key by key, anything else replaced.
pub fn deep_merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(slot) => deep_merge(slot, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

struct MergeProperties {
    target: DotPath,
}

impl Action for MergeProperties {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let props = state
            .ctx
            .event
            .get("properties")
            .cloned()
            .unwrap_or(Value::Null);
        if let Value::Object(_) = props {
            let mut current = match state.ctx.get(&self.target) {
                Some(v @ Value::Object(_)) => v.clone(),
                None | Some(Value::Null) => Value::Object(Map::new()),
                Some(other) => {
                    return Err(ActionError(format!(
                        "`{}` holds {other}, not an object",
                        self.target
                    )))
                }
            };
            deep_merge(&mut current, props);
            state.ctx.set(&self.target, current)?;
        }
        Ok(Output::port("payload", state.take_payload()))
    }
}

fn build_merge_properties(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let target = match opt_str(init, "target")? {
        Some(t) if !t.trim().is_empty() => writable_path("target", &t)?,
        _ => DotPath {
            source: DotSource::Profile,
            segments: vec![crate::workflow::notation::Segment::Key("traits".into())],
        },
    };
    Ok(Box::new(MergeProperties { target }))
}

struct Template {
    template: String,
}

impl Action for Template {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let text = state.ctx.render_template(&self.template);
        Ok(Output::port(
            "payload",
            serde_json::json!({ "template": text }),
        ))
    }
}

struct ValueMapping {
    value: DotPath,
    mapping: Vec<(String, Value)>,
    case_sensitive: bool,
    target: Option<DotPath>,
}

impl Action for ValueMapping {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let key = state.ctx.get(&self.value).and_then(super::as_text);
        let found = key.and_then(|key| {
            self.mapping.iter().find(|(from, _)| {
                if self.case_sensitive {
                    *from == key
                } else {
                    from.to_lowercase() == key.to_lowercase()
                }
            })
        });
        match found {
            Some((_, to)) => {
                let to = to.clone();
                if let Some(target) = &self.target {
                    state.ctx.set(target, to.clone())?;
                }
                Ok(Output::port("payload", serde_json::json!({ "value": to })))
            }
            None => Ok(Output::port("unmatched", state.take_payload())),
        }
    }
}

fn build_value_mapping(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let value = req_path(init, "value")?;
    let Some(Value::Object(map)) = init.get("mapping") else {
        return Err(InitError::field(
            "mapping",
            "is required: an object of from → to",
        ));
    };
    let target = match opt_str(init, "target")? {
        Some(t) if !t.trim().is_empty() => Some(writable_path("target", &t)?),
        _ => None,
    };
    Ok(Box::new(ValueMapping {
        value,
        mapping: map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        case_sensitive: opt_bool(init, "case_sensitive", false)?,
        target,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{init_error, run, state};
    use serde_json::json;

    #[test]
    fn set_copies_and_sets_literals() {
        let mut s = state();
        let out = run(
            "set",
            json!({"set": {"profile@traits.sku": "event@properties.sku", "profile@traits.n": "`10`", "profile@traits.t": "text"}}),
            &mut s,
        )
        .unwrap();
        assert_eq!(out.get("payload"), Some(&json!({"a": 1})));
        assert_eq!(s.ctx.profile["traits"]["sku"], json!("A1"));
        assert_eq!(s.ctx.profile["traits"]["n"], json!(10));
        assert_eq!(s.ctx.profile["traits"]["t"], json!("text"));
        assert!(run("set", json!({"set": {"profile@x": "event@nope"}}), &mut s).is_err());
        assert!(init_error("set", json!({"set": {"nope": 1}})).contains("init.set.nope"));
        assert!(init_error("set", json!({"set": {"profile@": 1}})).contains("whole source"));
    }

    #[test]
    fn append_and_remove() {
        let mut s = state();
        run(
            "append",
            json!({"append": {"profile@traits.tags": "a", "profile@traits.name": "Bob"}}),
            &mut s,
        )
        .unwrap();
        assert_eq!(s.ctx.profile["traits"]["tags"], json!(["a"]));
        assert_eq!(s.ctx.profile["traits"]["name"], json!(["Ann", "Bob"]));
        run(
            "append",
            json!({"remove": {"profile@traits.name": "Ann"}}),
            &mut s,
        )
        .unwrap();
        assert_eq!(s.ctx.profile["traits"]["name"], json!(["Bob"]));
        assert!(init_error("append", json!({})).contains("required"));
    }

    #[test]
    fn delete_removes_fields() {
        let mut s = state();
        run(
            "delete",
            json!({"delete": ["profile@traits.age", "profile@traits.none"]}),
            &mut s,
        )
        .unwrap();
        assert!(s.ctx.profile["traits"].get("age").is_none());
        assert!(init_error("delete", json!({"delete": [1]})).contains("init.delete.0"));
    }

    #[test]
    fn cut_out_outputs_value() {
        let mut s = state();
        let out = run("cut-out", json!({"property": "event@properties"}), &mut s).unwrap();
        assert_eq!(out.get("payload").unwrap()["sku"], json!("A1"));
        assert!(run("cut-out", json!({"property": "event@nope"}), &mut s).is_err());
    }

    #[test]
    fn make_payload_renders_template() {
        let mut s = state();
        let out = run(
            "make-payload",
            json!({"template": {"name": "profile@traits.name", "x?": "profile@nope", "n": 1}}),
            &mut s,
        )
        .unwrap();
        assert_eq!(out.get("payload"), Some(&json!({"name": "Ann", "n": 1})));
        assert!(run(
            "make-payload",
            json!({"template": {"x": "profile@nope"}}),
            &mut s
        )
        .is_err());
        let out = run(
            "make-payload",
            json!({"template": {"x": "profile@nope"}, "default": 0}),
            &mut s,
        )
        .unwrap();
        assert_eq!(out.get("payload"), Some(&json!({"x": 0})));
    }

    #[test]
    fn merge_properties_into_traits() {
        let mut s = state();
        run("merge-properties", json!({}), &mut s).unwrap();
        assert_eq!(s.ctx.profile["traits"]["sku"], json!("A1"));
        assert_eq!(s.ctx.profile["traits"]["age"], json!(30));
        run(
            "merge-properties",
            json!({"target": "profile@aux.last"}),
            &mut s,
        )
        .unwrap();
        assert_eq!(s.ctx.profile["aux"]["last"]["price"], json!(10));
    }

    #[test]
    fn template_renders_text() {
        let mut s = state();
        let out = run(
            "template",
            json!({"template": "Hi {{profile@traits.name}}"}),
            &mut s,
        )
        .unwrap();
        assert_eq!(out.get("payload"), Some(&json!({"template": "Hi Ann"})));
    }

    #[test]
    fn value_mapping_maps_or_unmatched() {
        let mut s = state();
        let init = json!({"value": "event@type", "mapping": {"PURCHASE": "buy"}, "target": "profile@traits.last"});
        let out = run("value-mapping", init, &mut s).unwrap();
        assert_eq!(out.get("payload"), Some(&json!({"value": "buy"})));
        assert_eq!(s.ctx.profile["traits"]["last"], json!("buy"));
        let init =
            json!({"value": "event@type", "mapping": {"PURCHASE": "buy"}, "case_sensitive": true});
        let out = run("value-mapping", init, &mut s).unwrap();
        assert!(out.get("unmatched").is_some());
        assert!(
            init_error("value-mapping", json!({"value": "event@type"})).contains("init.mapping")
        );
    }
}
