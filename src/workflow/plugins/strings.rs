//! Text: regex match and replace, split, join, URL parse, hash and mask data.

use regex::Regex;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::{
    opt_str, req_path, req_str, writable_path, Action, ActionError, InitError, InitField, Output,
    PluginSpec, RunState,
};
use crate::workflow::notation::DotPath;

pub static PLUGINS: &[PluginSpec] = &[
    PluginSpec {
        id: "regex-match",
        name: "Regex match",
        description: "Matches a regular expression against the text at init.text; groups go out on `matched` as {0: whole, 1: …, name: …}, no match on `unmatched`.",
        family: "strings",
        inputs: &["payload"],
        outputs: &["matched", "unmatched"],
        init: &[
            InitField { name: "pattern", ty: "regex", required: true, description: "the expression" },
            InitField { name: "text", ty: "dot path", required: true, description: "the text to search" },
        ],
        aliases: &["RegexMatchAction"],
        join: false,
        build: |init| Ok(Box::new(RegexMatch { regex: regex(init, "pattern")?, text: req_path(init, "text")? })),
    },
    PluginSpec {
        id: "regex-replace",
        name: "Regex replace",
        description: "Replaces every match in the text at init.text ($1, $name refer to groups); outputs {\"value\": text}, also written to init.target when given.",
        family: "strings",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[
            InitField { name: "pattern", ty: "regex", required: true, description: "the expression" },
            InitField { name: "text", ty: "dot path", required: true, description: "the text" },
            InitField { name: "replacement", ty: "string", required: false, description: "default empty" },
            InitField { name: "target", ty: "dot path", required: false, description: "where to write the result" },
        ],
        aliases: &["RegexReplaceAction", "RegexReplacer"],
        join: false,
        build: build_replace,
    },
    PluginSpec {
        id: "split",
        name: "Split text",
        description: "Splits the text at init.string by init.delimiter; outputs the list.",
        family: "strings",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[
            InitField { name: "string", ty: "dot path", required: true, description: "the text" },
            InitField { name: "delimiter", ty: "string", required: false, description: "default ," },
        ],
        aliases: &["StringSplitAction", "StringSplitter"],
        join: false,
        build: |init| Ok(Box::new(Split { text: req_path(init, "string")?, delimiter: delimiter(init)? })),
    },
    PluginSpec {
        id: "join-text",
        name: "Join text",
        description: "Joins the list at init.list with init.delimiter; outputs the text.",
        family: "strings",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[
            InitField { name: "list", ty: "dot path", required: true, description: "the list" },
            InitField { name: "delimiter", ty: "string", required: false, description: "default ," },
        ],
        aliases: &["StringJoinAction", "JoinStringAction"],
        join: false,
        build: |init| Ok(Box::new(JoinText { list: req_path(init, "list")?, delimiter: delimiter(init)? })),
    },
    PluginSpec {
        id: "url-parse",
        name: "Parse URL",
        description: "Parses the URL at init.url; outputs {scheme, host, port, path, query{}, fragment}.",
        family: "strings",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[InitField { name: "url", ty: "dot path", required: true, description: "the URL" }],
        aliases: &["ParseURLParameters", "UrlParseAction"],
        join: false,
        build: |init| Ok(Box::new(UrlParse { url: req_path(init, "url")? })),
    },
    PluginSpec {
        id: "hash",
        name: "Hash data",
        description: "Replaces the values at the listed dot paths with their hash (init.func md5 or sha256, hex).",
        family: "strings",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[
            InitField { name: "traits", ty: "list", required: true, description: "dot paths to hash" },
            InitField { name: "func", ty: "md5|sha256", required: false, description: "default sha256" },
        ],
        aliases: &["HashTraitsAction"],
        join: false,
        build: build_hash,
    },
    PluginSpec {
        id: "mask",
        name: "Mask data",
        description: "Masks the text values at the listed dot paths: all but the first and last character become *; e-mail addresses keep their domain.",
        family: "strings",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[InitField { name: "traits", ty: "list", required: true, description: "dot paths to mask" }],
        aliases: &["MaskTraitsAction"],
        join: false,
        build: |init| Ok(Box::new(Mask { paths: path_list(init, "traits")? })),
    },
];

fn regex(init: &Value, field: &str) -> Result<Regex, InitError> {
    let pattern = req_str(init, field)?;
    Regex::new(&pattern).map_err(|e| InitError::field(field, e))
}

fn delimiter(init: &Value) -> Result<String, InitError> {
    Ok(opt_str(init, "delimiter")?
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| ",".into()))
}

fn path_list(init: &Value, field: &str) -> Result<Vec<DotPath>, InitError> {
    match init.get(field) {
        Some(Value::String(s)) => Ok(vec![writable_path(field, s)?]),
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => writable_path(&format!("{field}.{i}"), s),
                other => Err(InitError::field(
                    &format!("{field}.{i}"),
                    format!("must be a dot path, not {other}"),
                )),
            })
            .collect(),
        _ => Err(InitError::field(field, "is required: a list of dot paths")),
    }
}

fn text_at(state: &RunState, path: &DotPath) -> Result<String, ActionError> {
    match state.require(path)? {
        Value::String(s) => Ok(s.clone()),
        other => Err(ActionError(format!("`{path}` holds {other}, not text"))),
    }
}

struct RegexMatch {
    regex: Regex,
    text: DotPath,
}

impl Action for RegexMatch {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let text = text_at(state, &self.text)?;
        let Some(caps) = self.regex.captures(&text) else {
            return Ok(Output::port("unmatched", state.take_payload()));
        };
        let mut groups = Map::new();
        for (i, name) in self.regex.capture_names().enumerate() {
            let value = caps.get(i).map_or(Value::Null, |m| json!(m.as_str()));
            groups.insert(i.to_string(), value.clone());
            if let Some(name) = name {
                groups.insert(name.to_string(), value);
            }
        }
        Ok(Output::port("matched", Value::Object(groups)))
    }
}

struct Replace {
    regex: Regex,
    text: DotPath,
    replacement: String,
    target: Option<DotPath>,
}

impl Action for Replace {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let text = text_at(state, &self.text)?;
        let value = json!(self.regex.replace_all(&text, self.replacement.as_str()));
        if let Some(target) = &self.target {
            state.ctx.set(target, value.clone())?;
        }
        Ok(Output::port("payload", json!({ "value": value })))
    }
}

fn build_replace(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let target = match opt_str(init, "target")? {
        Some(t) if !t.trim().is_empty() => Some(writable_path("target", &t)?),
        _ => None,
    };
    Ok(Box::new(Replace {
        regex: regex(init, "pattern")?,
        text: req_path(init, "text")?,
        replacement: opt_str(init, "replacement")?.unwrap_or_default(),
        target,
    }))
}

struct Split {
    text: DotPath,
    delimiter: String,
}

impl Action for Split {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let text = text_at(state, &self.text)?;
        let parts: Vec<Value> = text
            .split(self.delimiter.as_str())
            .map(|p| json!(p))
            .collect();
        Ok(Output::port("payload", Value::Array(parts)))
    }
}

struct JoinText {
    list: DotPath,
    delimiter: String,
}

impl Action for JoinText {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let Value::Array(items) = state.require(&self.list)? else {
            return Err(ActionError(format!("`{}` is not a list", self.list)));
        };
        let parts: Vec<String> = items
            .iter()
            .map(|v| super::as_text(v).unwrap_or_else(|| v.to_string()))
            .collect();
        Ok(Output::port("payload", json!(parts.join(&self.delimiter))))
    }
}

struct UrlParse {
    url: DotPath,
}

impl Action for UrlParse {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let text = text_at(state, &self.url)?;
        let url = url::Url::parse(&text)
            .map_err(|e| ActionError(format!("`{text}` is not a URL: {e}")))?;
        let query: Map<String, Value> = url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), json!(v)))
            .collect();
        Ok(Output::port(
            "payload",
            json!({
                "scheme": url.scheme(),
                "host": url.host_str(),
                "port": url.port_or_known_default(),
                "path": url.path(),
                "query": query,
                "fragment": url.fragment(),
            }),
        ))
    }
}

struct Hash {
    paths: Vec<DotPath>,
    sha256: bool,
}

impl Action for Hash {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        for path in &self.paths {
            let Some(value) = state.ctx.get(path).filter(|v| !v.is_null()) else {
                continue;
            };
            let text = super::as_text(value).unwrap_or_else(|| value.to_string());
            let digest = if self.sha256 {
                Sha256::digest(text.as_bytes())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect()
            } else {
                format!("{:x}", md5::compute(text.as_bytes()))
            };
            state.ctx.set(path, json!(digest))?;
        }
        Ok(Output::port("payload", state.take_payload()))
    }
}

fn build_hash(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let sha256 = match opt_str(init, "func")?.as_deref() {
        None | Some("") | Some("sha256") => true,
        Some("md5") => false,
        Some(other) => {
            return Err(InitError::field(
                "func",
                format!("`{other}` is not md5 or sha256"),
            ))
        }
    };
    Ok(Box::new(Hash {
        paths: path_list(init, "traits")?,
        sha256,
    }))
}

/// Masks a text: e-mail local parts and other texts keep their first and last character.
pub fn mask_text(text: &str) -> String {
    fn stars(s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        match chars.len() {
            0 => String::new(),
            1 | 2 => "*".repeat(chars.len()),
            n => {
                let mut out = String::new();
                out.push(chars[0]);
                out.push_str(&"*".repeat(n - 2));
                out.push(chars[n - 1]);
                out
            }
        }
    }
    match text.split_once('@') {
        Some((local, domain)) if !domain.is_empty() => format!("{}@{domain}", stars(local)),
        _ => stars(text),
    }
}

struct Mask {
    paths: Vec<DotPath>,
}

impl Action for Mask {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        for path in &self.paths {
            if let Some(value) = state.ctx.get(path).and_then(super::as_text) {
                state.ctx.set(path, json!(mask_text(&value)))?;
            }
        }
        Ok(Output::port("payload", state.take_payload()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{init_error, run, state};
    use serde_json::json;

    #[test]
    fn regex_match_groups() {
        let mut s = state();
        let out = run(
            "regex-match",
            json!({"pattern": "(?P<letter>[A-Z])(\\d)", "text": "event@properties.sku"}),
            &mut s,
        )
        .unwrap();
        assert_eq!(
            out.get("matched"),
            Some(&json!({"0": "A1", "1": "A", "letter": "A", "2": "1"}))
        );
        let out = run(
            "regex-match",
            json!({"pattern": "^z", "text": "event@properties.sku"}),
            &mut s,
        )
        .unwrap();
        assert!(out.get("unmatched").is_some());
        assert!(run(
            "regex-match",
            json!({"pattern": "x", "text": "event@properties.price"}),
            &mut s
        )
        .is_err());
        assert!(
            init_error("regex-match", json!({"pattern": "(", "text": "event@x"}))
                .contains("init.pattern")
        );
    }

    #[test]
    fn regex_replace() {
        let mut s = state();
        let init = json!({"pattern": "(\\d)", "text": "event@properties.sku", "replacement": "<$1>", "target": "profile@traits.sku"});
        let out = run("regex-replace", init, &mut s).unwrap();
        assert_eq!(out.get("payload"), Some(&json!({"value": "A<1>"})));
        assert_eq!(s.ctx.profile["traits"]["sku"], json!("A<1>"));
    }

    #[test]
    fn split_and_join() {
        let mut s = state();
        s.ctx.payload = json!({"csv": "a;b;c", "list": ["x", 1, true]});
        let out = run(
            "split",
            json!({"string": "payload@csv", "delimiter": ";"}),
            &mut s,
        )
        .unwrap();
        assert_eq!(out.get("payload"), Some(&json!(["a", "b", "c"])));
        s.ctx.payload = json!({"list": ["x", 1, true]});
        let out = run(
            "join-text",
            json!({"list": "payload@list", "delimiter": "-"}),
            &mut s,
        )
        .unwrap();
        assert_eq!(out.get("payload"), Some(&json!("x-1-true")));
    }

    #[test]
    fn url_parse() {
        let mut s = state();
        let out = run("url-parse", json!({"url": "event@properties.url"}), &mut s).unwrap();
        assert_eq!(
            out.get("payload"),
            Some(
                &json!({"scheme": "https", "host": "shop.example.com", "port": 443, "path": "/p", "query": {"id": "7", "x": "1"}, "fragment": "top"})
            )
        );
        s.ctx.event["properties"]["url"] = json!("not a url");
        assert!(run("url-parse", json!({"url": "event@properties.url"}), &mut s).is_err());
    }

    #[test]
    fn hash_and_mask() {
        let mut s = state();
        run(
            "hash",
            json!({"traits": ["profile@traits.name"], "func": "md5"}),
            &mut s,
        )
        .unwrap();
        assert_eq!(
            s.ctx.profile["traits"]["name"],
            json!(format!("{:x}", md5::compute("Ann")))
        );
        run("hash", json!({"traits": "event@properties.sku"}), &mut s).unwrap();
        assert_eq!(s.ctx.event["properties"]["sku"].as_str().unwrap().len(), 64);
        run(
            "mask",
            json!({"traits": ["profile@data.contact.email.main"]}),
            &mut s,
        )
        .unwrap();
        assert_eq!(
            s.ctx.profile["data"]["contact"]["email"]["main"],
            json!("a*n@example.com")
        );
        assert!(init_error("hash", json!({"traits": [], "func": "md5"})).contains("init.traits"));
        assert!(
            init_error("hash", json!({"traits": ["profile@x"], "func": "crc"}))
                .contains("init.func")
        );
    }
}
