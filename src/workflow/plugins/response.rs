//! Answers to the tracker: create response (`/track` `response`), UX snippet (`ux`).

use serde_json::{json, Map, Value};

use super::{
    init_object, opt_str, req_str, Action, ActionError, InitError, InitField, Output, PluginSpec,
    RunState,
};
use crate::workflow::notation::{OnMissing, TemplateOptions};

pub static PLUGINS: &[PluginSpec] = &[
    PluginSpec {
        id: "create-response",
        name: "Create response",
        description: "Sets flow@response[key] to an object template (default: the payload); synchronous /track answers carry it in `response`.",
        family: "response",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[
            InitField { name: "key", ty: "string", required: true, description: "the key in the response" },
            InitField { name: "body", ty: "object", required: false, description: "object template; default the payload" },
        ],
        aliases: &["ResponseAction", "CreateResponseAction"],
        join: false,
        build: build_response,
    },
    PluginSpec {
        id: "ux-snippet",
        name: "UX snippet",
        description: "Adds an element {tag, props, content} to the /track `ux` list; content is a text template.",
        family: "response",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[
            InitField { name: "tag", ty: "string", required: false, description: "element tag, default div" },
            InitField { name: "props", ty: "object", required: false, description: "attributes (object template)" },
            InitField { name: "content", ty: "template", required: true, description: "inner HTML or text" },
        ],
        aliases: &["HtmlXpathSnippetAction", "UxSnippetAction"],
        join: false,
        build: build_ux,
    },
];

struct CreateResponse {
    key: String,
    body: Option<Value>,
}

impl Action for CreateResponse {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let body = match &self.body {
            Some(t) => state.ctx.render_object(
                t,
                &TemplateOptions {
                    on_missing: OnMissing::Default(Value::Null),
                    drop_null: false,
                },
            )?,
            None => state.ctx.payload.clone(),
        };
        let Value::Object(flow) = &mut state.ctx.flow else {
            return Err(ActionError::new("flow@ is not an object"));
        };
        let response = flow
            .entry("response")
            .or_insert_with(|| Value::Object(Map::new()));
        if !response.is_object() {
            *response = Value::Object(Map::new());
        }
        if let Value::Object(map) = response {
            map.insert(self.key.clone(), body);
        }
        Ok(Output::port("payload", state.take_payload()))
    }
}

fn build_response(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let obj = init_object(init)?;
    Ok(Box::new(CreateResponse {
        key: req_str(init, "key")?,
        body: obj.get("body").filter(|v| !v.is_null()).cloned(),
    }))
}

struct Ux {
    tag: String,
    props: Value,
    content: String,
}

impl Action for Ux {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let props = state.ctx.render_object(
            &self.props,
            &TemplateOptions {
                on_missing: OnMissing::Default(Value::Null),
                drop_null: true,
            },
        )?;
        let content = state.ctx.render_template(&self.content);
        state
            .ux
            .push(json!({"tag": self.tag, "props": props, "content": content}));
        Ok(Output::port("payload", state.take_payload()))
    }
}

fn build_ux(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let obj = init_object(init)?;
    let props = match obj.get("props") {
        None | Some(Value::Null) => json!({}),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(other) => {
            return Err(InitError::field(
                "props",
                format!("must be an object, not {other}"),
            ))
        }
    };
    Ok(Box::new(Ux {
        tag: opt_str(init, "tag")?
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "div".into()),
        props,
        content: req_str(init, "content")?,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{init_error, run, state};
    use serde_json::json;

    #[test]
    fn create_response_sets_flow_response() {
        let mut s = state();
        run(
            "create-response",
            json!({"key": "offer", "body": {"name": "profile@traits.name"}}),
            &mut s,
        )
        .unwrap();
        s.ctx.payload = json!({"a": 1});
        run("create-response", json!({"key": "raw"}), &mut s).unwrap();
        assert_eq!(
            s.ctx.flow["response"],
            json!({"offer": {"name": "Ann"}, "raw": {"a": 1}})
        );
        assert!(init_error("create-response", json!({})).contains("init.key"));
    }

    #[test]
    fn ux_snippet_appends() {
        let mut s = state();
        let out = run(
            "ux-snippet",
            json!({"content": "<b>{{profile@traits.name}}</b>", "props": {"id": "x"}}),
            &mut s,
        )
        .unwrap();
        assert!(out.get("payload").is_some());
        assert_eq!(
            s.ux,
            vec![json!({"tag": "div", "props": {"id": "x"}, "content": "<b>Ann</b>"})]
        );
        assert!(
            init_error("ux-snippet", json!({"content": "x", "props": 1})).contains("init.props")
        );
    }
}
