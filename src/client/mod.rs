//! A typed client of the private API, used by the CLI and the TUI. It reaches
//! data only over HTTP, exactly as a remote operator would.

use crate::domain::Context;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error body.
    #[error("{message} (HTTP {status}, {code})")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
    #[error("cannot reach {url}: {reason}")]
    Transport { url: String, reason: String },
    /// The server took the request, then the connection ended before the whole answer
    /// arrived (the daemon stopped or failed part-way, or the network dropped).
    #[error(
        "the connection to {url} closed after {received} bytes, before the answer was complete \
         (the daemon stopped, or the network dropped): {reason}"
    )]
    Interrupted {
        url: String,
        received: u64,
        reason: String,
    },
    /// What arrived could not be written where it was to go.
    #[error("cannot write what {url} sent: {reason}")]
    Write { url: String, reason: String },
    #[error("unexpected answer from {url}: {reason}")]
    Decode { url: String, reason: String },
}

impl ClientError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Not signed in or not allowed: 401/403, or credentials the server refused.
    pub fn is_auth(&self) -> bool {
        match self {
            ClientError::Api { status, code, .. } => {
                matches!(status, 401 | 403) || code == "bad_credentials"
            }
            _ => false,
        }
    }
}

pub type Result<T> = std::result::Result<T, ClientError>;

/// An error with its chain of causes ("error sending request: client error (Connect):
/// tcp connect error: Connection refused"), each once; reqwest's own text repeats the
/// URL, which the caller names already, so that part is dropped.
pub fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        let text = match text.split_once(" for url (") {
            Some((head, _)) => head.to_string(),
            None => text,
        };
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = err.source();
    }
    parts.join(": ")
}

/// The answer to a sign-in.
#[derive(Debug, Clone, Deserialize)]
pub struct Login {
    pub access_token: String,
    pub token_type: String,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    context: Option<Context>,
}

/// Records the list endpoints answer: `{items, next}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Page {
    pub items: Vec<Value>,
    #[serde(default)]
    pub next: Option<String>,
}

impl Client {
    pub fn new(base: &str, token: Option<String>, context: Option<Context>) -> Result<Client> {
        let scheme_ok = ["http://", "https://"].iter().any(|p| {
            base.get(..p.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(p))
        });
        if !scheme_ok || reqwest::Url::parse(base).is_err() {
            return Err(ClientError::Transport {
                url: base.to_string(),
                reason: "not an http:// or https:// URL of a private API".into(),
            });
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| ClientError::Transport {
                url: base.to_string(),
                reason: e.to_string(),
            })?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
            context,
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn request(&self, method: Method, path: &str) -> (String, reqwest::RequestBuilder) {
        let url = format!("{}{path}", self.base);
        let mut req = self.http.request(method, &url);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(c) = self.context {
            req = req.header("x-context", c.as_str());
        }
        (url, req)
    }

    async fn send(&self, url: String, req: reqwest::RequestBuilder) -> Result<Value> {
        let resp = req.send().await.map_err(|e| ClientError::Transport {
            url: url.clone(),
            reason: causes(&e),
        })?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| ClientError::Transport {
            url: url.clone(),
            reason: causes(&e),
        })?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if status.is_success() {
            return Ok(body);
        }
        let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        if field("code").is_none() && field("message").is_none() && field("detail").is_none() {
            // Not an error of ours (a web server's HTML page, a proxy): say so once,
            // instead of echoing the page.
            return Err(ClientError::Decode {
                url,
                reason: format!(
                    "HTTP {status} without a tracardictl error body; is {} a tracardictl private API?",
                    self.base
                ),
            });
        }
        Err(ClientError::Api {
            status: status.as_u16(),
            code: field("code").unwrap_or_else(|| "unknown".into()),
            message: field("message")
                .or_else(|| field("detail"))
                .unwrap_or_else(|| body.to_string()),
        })
    }

    /// A GET whose body is written to `out` as it arrives (a backup download); no overall
    /// timeout, since a large body takes as long as it takes. Returns the bytes written.
    pub async fn download(&self, path: &str, out: &mut dyn std::io::Write) -> Result<u64> {
        let url = format!("{}{path}", self.base);
        let transport = |reason: String| ClientError::Transport {
            url: url.clone(),
            reason,
        };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| transport(causes(&e)))?;
        let mut req = http.get(&url);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let mut resp = req.send().await.map_err(|e| {
            if e.is_connect() || e.is_builder() {
                transport(causes(&e))
            } else {
                // Connected, then cut before the status line.
                ClientError::Interrupted {
                    url: url.clone(),
                    received: 0,
                    reason: causes(&e),
                }
            }
        })?;
        if !resp.status().is_success() {
            let status = resp.status().as_u16();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
            return Err(ClientError::Api {
                status,
                code: field("code").unwrap_or_else(|| "unknown".into()),
                message: field("message").unwrap_or_else(|| body.to_string()),
            });
        }
        let mut written = 0u64;
        loop {
            let chunk = match resp.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => return Ok(written),
                Err(e) => {
                    return Err(ClientError::Interrupted {
                        url: url.clone(),
                        received: written,
                        reason: causes(&e),
                    })
                }
            };
            out.write_all(&chunk).map_err(|e| ClientError::Write {
                url: url.clone(),
                reason: causes(&e),
            })?;
            written += chunk.len() as u64;
        }
    }

    /// A JSON call; `body` is sent as JSON when given.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let (url, mut req) = self.request(method, path);
        if let Some(b) = body {
            req = req.json(b);
        }
        self.send(url, req).await
    }

    /// Reads a server-sent events stream (`text/event-stream`), calling `on(event,
    /// data)` for each message until the server ends the stream or `on` returns false.
    pub async fn stream(&self, path: &str, mut on: impl FnMut(&str, &str) -> bool) -> Result<()> {
        let (url, req) = self.request(Method::GET, path);
        // The client's timeout covers a whole body; a stream has none.
        let req = req.timeout(Duration::from_secs(7 * 24 * 3600));
        let transport = |e: reqwest::Error| ClientError::Transport {
            url: url.clone(),
            reason: causes(&e),
        };
        let mut resp = req.send().await.map_err(transport)?;
        if !resp.status().is_success() {
            return error_of(resp).await;
        }
        let mut buf: Vec<u8> = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(transport)? {
            buf.extend_from_slice(&chunk);
            while let Some(end) = find_blank_line(&buf) {
                let block: Vec<u8> = buf.drain(..end.1).collect();
                let text = String::from_utf8_lossy(&block[..end.0]);
                let mut event = "message".to_string();
                let mut data: Vec<&str> = Vec::new();
                for line in text.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push(v.strip_prefix(' ').unwrap_or(v));
                    }
                }
                if !data.is_empty() && !on(&event, &data.join("\n")) {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

/// The error an unsuccessful answer carries.
async fn error_of(resp: reqwest::Response) -> Result<()> {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    Err(ClientError::Api {
        status,
        code: field("code").unwrap_or_else(|| "unknown".into()),
        message: field("message")
            .or_else(|| field("detail"))
            .unwrap_or_else(|| body.to_string()),
    })
}

impl Client {
    pub async fn login(&self, username: &str, password: &str) -> Result<Login> {
        let (url, req) = self.request(Method::POST, "/user/token");
        let v = self
            .send(
                url.clone(),
                req.form(&[("username", username), ("password", password)]),
            )
            .await?;
        serde_json::from_value(v).map_err(|e| ClientError::Decode {
            url,
            reason: e.to_string(),
        })
    }

    pub async fn me(&self) -> Result<Value> {
        self.call(Method::GET, "/user/me", None).await
    }

    /// Every document of a configuration kind, following the cursor.
    pub async fn list_config(&self, kind: &str) -> Result<Vec<Value>> {
        self.all(&format!("/config/{kind}"), 1000).await
    }

    /// Every record of a list endpoint, following the cursor.
    pub async fn all(&self, path: &str, page_size: usize) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self.page(path, page_size, after.as_deref()).await?;
            out.extend(page.items);
            match page.next {
                Some(n) => after = Some(n),
                None => return Ok(out),
            }
        }
    }

    /// One page of a list endpoint.
    pub async fn page(&self, path: &str, limit: usize, after: Option<&str>) -> Result<Page> {
        // The serializer is not `Send`; it must be gone before the first await.
        let query = {
            let mut q = form_urlencoded::Serializer::new(String::new());
            q.append_pair("limit", &limit.to_string());
            if let Some(a) = after {
                q.append_pair("after", a);
            }
            q.finish()
        };
        let sep = if path.contains('?') { '&' } else { '?' };
        let full = format!("{path}{sep}{query}");
        let v = self.call(Method::GET, &full, None).await?;
        serde_json::from_value(v).map_err(|e| ClientError::Decode {
            url: full,
            reason: e.to_string(),
        })
    }

    pub async fn get_config(&self, kind: &str, id: &str) -> Result<Value> {
        self.call(Method::GET, &format!("/config/{kind}/{}", enc(id)), None)
            .await
    }

    /// Creates or updates; the answer has `result` (created, configured, unchanged),
    /// `before` and `object`.
    /// In a dry run, `assume_sources` names event sources to take as existing (those an
    /// earlier document of the same batch would create).
    pub async fn apply(
        &self,
        kind: &str,
        doc: &Value,
        dry_run: bool,
        assume_sources: &[String],
    ) -> Result<Value> {
        self.apply_assuming(kind, doc, dry_run, assume_sources, &[])
            .await
    }

    /// [`Client::apply`] that also names resources to take as existing in a dry run
    /// (those an earlier document of the same batch would create), for destinations.
    pub async fn apply_assuming(
        &self,
        kind: &str,
        doc: &Value,
        dry_run: bool,
        assume_sources: &[String],
        assume_resources: &[String],
    ) -> Result<Value> {
        let path = if dry_run {
            let mut q = form_urlencoded::Serializer::new(String::new());
            q.append_pair("dry_run", "true");
            if !assume_sources.is_empty() {
                q.append_pair("assume_sources", &assume_sources.join(","));
            }
            if !assume_resources.is_empty() {
                q.append_pair("assume_resources", &assume_resources.join(","));
            }
            format!("/config/{kind}?{}", q.finish())
        } else {
            format!("/config/{kind}")
        };
        self.call(Method::POST, &path, Some(doc)).await
    }

    pub async fn delete_config(&self, kind: &str, id: &str) -> Result<Value> {
        self.call(Method::DELETE, &format!("/config/{kind}/{}", enc(id)), None)
            .await
    }

    /// A profile, session or event (`what` is `profiles`, `sessions` or `events`).
    pub async fn get_record(&self, what: &str, id: &str) -> Result<Value> {
        self.call(Method::GET, &format!("/{what}/{}", enc(id)), None)
            .await
    }

    pub async fn delete_record(&self, what: &str, id: &str) -> Result<Value> {
        self.call(Method::DELETE, &format!("/{what}/{}", enc(id)), None)
            .await
    }

    pub async fn deploy(&self, kinds: &[String], dry_run: bool) -> Result<Value> {
        self.call(
            Method::POST,
            "/deploy",
            Some(&json!({"kinds": kinds, "dry_run": dry_run})),
        )
        .await
    }

    pub async fn create_api_key(
        &self,
        roles: &[String],
        name: Option<&str>,
        expires_in_days: Option<u32>,
    ) -> Result<Value> {
        self.call(
            Method::POST,
            "/tokens",
            Some(&json!({"roles": roles, "name": name, "expires_in_days": expires_in_days})),
        )
        .await
    }

    pub async fn install(&self, token: &str, email: &str, password: &str) -> Result<Value> {
        self.call(
            Method::POST,
            "/install",
            Some(&json!({"token": token, "email": email, "password": password})),
        )
        .await
    }
}

/// The end of the first message of an event stream: (where its text ends, where the
/// next one begins).
fn find_blank_line(buf: &[u8]) -> Option<(usize, usize)> {
    let lf = buf
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|i| (i, i + 2));
    let crlf = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4));
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// A path segment, percent-encoded.
fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::find_blank_line;

    #[test]
    fn event_stream_messages_end_at_a_blank_line() {
        assert_eq!(
            find_blank_line(b"event: event\ndata: {}\n\nnext"),
            Some((21, 23))
        );
        assert_eq!(find_blank_line(b"data: x\r\n\r\n"), Some((7, 11)));
        assert_eq!(find_blank_line(b"data: partial\n"), None);
    }
}
