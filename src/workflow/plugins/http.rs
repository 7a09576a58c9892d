//! The outside world: remote API call.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{json, Map, Value};

use super::{
    init_object, opt_num, opt_str, req_str, Action, ActionError, AsyncAction, InitError, InitField,
    Output, PluginSpec, RunState,
};
use crate::workflow::notation::{OnMissing, TemplateOptions};

pub static PLUGINS: &[PluginSpec] = &[PluginSpec {
    id: "remote-call",
    name: "Remote API call",
    description: "Calls an HTTP API. URL and header values are text templates, the body an object template (or a text template). The answer {status, content, headers} goes out on `response` for 2xx, anything else (status, connection failure, timeout) on `error`.",
    family: "http",
    inputs: &["payload"],
    outputs: &["response", "error"],
    init: &[
        InitField { name: "url", ty: "template", required: true, description: "http(s) URL" },
        InitField { name: "method", ty: "string", required: false, description: "GET, POST, PUT, PATCH, DELETE or HEAD; default POST" },
        InitField { name: "headers", ty: "object", required: false, description: "header → text template" },
        InitField { name: "body", ty: "object|template", required: false, description: "JSON body (object template) or text" },
        InitField { name: "timeout", ty: "number", required: false, description: "seconds, default 5" },
    ],
    aliases: &["RemoteCallAction"],
    join: false,
    build: build_remote_call,
}];

struct RemoteCall {
    url: String,
    method: reqwest::Method,
    headers: Vec<(String, String)>,
    body: Option<Value>,
    timeout: Duration,
}

impl Action for RemoteCall {
    fn run(&self, _: &mut RunState) -> Result<Output, ActionError> {
        Err(ActionError::new("remote call runs only asynchronously"))
    }
    fn as_async(&self) -> Option<&dyn AsyncAction> {
        Some(self)
    }
}

fn failure(message: String, status: Option<u16>, content: Value) -> Output {
    Output::port(
        "error",
        json!({"message": message, "status": status, "content": content}),
    )
}

#[async_trait]
impl AsyncAction for RemoteCall {
    async fn run_async(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let url = state.ctx.render_template(&self.url);
        let parsed = match url::Url::parse(&url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => u,
            _ => {
                return Ok(failure(
                    format!("`{url}` is not an http(s) URL"),
                    None,
                    Value::Null,
                ))
            }
        };
        let mut timeout = self.timeout;
        if let Some(deadline) = state.deadline {
            timeout = timeout.min(deadline.saturating_duration_since(Instant::now()));
        }
        let mut request = state
            .services
            .http
            .request(self.method.clone(), parsed)
            .timeout(timeout);
        for (name, template) in &self.headers {
            request = request.header(name.as_str(), state.ctx.render_template(template));
        }
        match &self.body {
            None => {}
            Some(Value::String(text)) => request = request.body(state.ctx.render_template(text)),
            Some(template) => {
                let options = TemplateOptions {
                    on_missing: OnMissing::Default(Value::Null),
                    drop_null: false,
                };
                request = request.json(&state.ctx.render_object(template, &options)?);
            }
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                let what = if e.is_timeout() {
                    format!("timed out after {timeout:?}")
                } else {
                    e.to_string()
                };
                return Ok(failure(
                    format!("calling `{url}` failed: {what}"),
                    None,
                    Value::Null,
                ));
            }
        };
        let status = response.status();
        let headers: Map<String, Value> = response
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.to_string(), Value::String(v.to_str().ok()?.to_string()))))
            .collect();
        let text = match response.text().await {
            Ok(t) => t,
            Err(e) => {
                return Ok(failure(
                    format!("reading the answer of `{url}` failed: {e}"),
                    Some(status.as_u16()),
                    Value::Null,
                ))
            }
        };
        let content = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status.is_success() {
            Ok(Output::port(
                "response",
                json!({"status": status.as_u16(), "content": content, "headers": headers}),
            ))
        } else {
            Ok(failure(
                format!("`{url}` answered {status}"),
                Some(status.as_u16()),
                content,
            ))
        }
    }
}

fn build_remote_call(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let obj = init_object(init)?;
    let url = req_str(init, "url")?;
    if !url.contains("{{") {
        match url::Url::parse(&url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {}
            _ => {
                return Err(InitError::field(
                    "url",
                    format!("`{url}` is not an http(s) URL"),
                ))
            }
        }
    }
    let method_text = opt_str(init, "method")?
        .unwrap_or_else(|| "POST".into())
        .to_uppercase();
    let method = match method_text.as_str() {
        "GET" => reqwest::Method::GET,
        "POST" => reqwest::Method::POST,
        "PUT" => reqwest::Method::PUT,
        "PATCH" => reqwest::Method::PATCH,
        "DELETE" => reqwest::Method::DELETE,
        "HEAD" => reqwest::Method::HEAD,
        other => {
            return Err(InitError::field(
                "method",
                format!("`{other}` is not a supported method"),
            ))
        }
    };
    let headers = match obj.get("headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => {
                    reqwest::header::HeaderName::from_bytes(k.as_bytes()).map_err(|_| {
                        InitError::field(&format!("headers.{k}"), "is not a valid header name")
                    })?;
                    Ok((k.clone(), s.clone()))
                }
                other => Ok((k.clone(), other.to_string())),
            })
            .collect::<Result<_, InitError>>()?,
        Some(other) => {
            return Err(InitError::field(
                "headers",
                format!("must be an object, not {other}"),
            ))
        }
    };
    let timeout = opt_num(init, "timeout", 5.0)?;
    if !(timeout > 0.0 && timeout <= 300.0) {
        return Err(InitError::field(
            "timeout",
            "must be between 0 and 300 seconds",
        ));
    }
    Ok(Box::new(RemoteCall {
        url,
        method,
        headers,
        body: obj.get("body").filter(|v| !v.is_null()).cloned(),
        timeout: Duration::from_secs_f64(timeout),
    }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{init_error, state};
    use super::super::{find, Output};
    use axum::extract::Json;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::{get, post};
    use serde_json::{json, Value};

    async fn server() -> String {
        let app = axum::Router::new()
            .route(
                "/echo",
                post(|headers: HeaderMap, Json(body): Json<Value>| async move {
                    let token = headers
                        .get("x-token")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    Json(json!({"got": body, "token": token}))
                }),
            )
            .route(
                "/fail",
                get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "down") }),
            )
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                    "late"
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        format!("http://{addr}")
    }

    async fn call(init: Value) -> Output {
        let action = (find("remote-call").unwrap().build)(&init).unwrap();
        let mut s = state();
        action.as_async().unwrap().run_async(&mut s).await.unwrap()
    }

    #[tokio::test]
    async fn posts_templated_request() {
        let base = server().await;
        let out = call(json!({
            "url": format!("{base}/echo"),
            "headers": {"x-token": "t-{{profile@id}}"},
            "body": {"name": "profile@traits.name", "n": 1},
        }))
        .await;
        let r = out.get("response").unwrap();
        assert_eq!(r["status"], json!(200));
        assert_eq!(
            r["content"],
            json!({"got": {"name": "Ann", "n": 1}, "token": "t-p1"})
        );
    }

    #[tokio::test]
    async fn failures_go_to_error() {
        let base = server().await;
        let out = call(json!({"url": format!("{base}/fail"), "method": "get"})).await;
        assert_eq!(out.get("error").unwrap()["status"], json!(503));
        assert_eq!(out.get("error").unwrap()["content"], json!("down"));
        let out =
            call(json!({"url": format!("{base}/slow"), "method": "GET", "timeout": 0.2})).await;
        assert!(out.get("error").unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("timed out"));
        let out = call(json!({"url": "http://127.0.0.1:1/x", "method": "GET"})).await;
        assert!(out.get("error").is_some());
        let out = call(json!({"url": "{{profile@traits.name}}", "method": "GET"})).await;
        assert!(out.get("error").unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("not an http"));
    }

    #[test]
    fn bad_init() {
        assert!(init_error("remote-call", json!({"url": "ftp://x"})).contains("init.url"));
        assert!(
            init_error("remote-call", json!({"url": "http://x", "method": "BREW"}))
                .contains("init.method")
        );
        assert!(
            init_error("remote-call", json!({"url": "http://x", "timeout": 0}))
                .contains("init.timeout")
        );
    }
}
