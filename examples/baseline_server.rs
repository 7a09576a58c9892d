//! The baseline of the load harness (`benches/load/run.sh`): the collector's HTTP stack
//! (axum on hyper/tokio, the same runtime settings as `tracardictl serve`) with a
//! `POST /track` that parses the JSON body and answers 200 without storing anything.
//! The collector's throughput is reported as a ratio of this server's.
//!
//! Usage: `cargo run --release --example baseline_server -- [ADDR]` (default
//! `127.0.0.1:0`); prints `baseline listening on http://ADDR` once bound.

use anyhow::Context as _;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::net::SocketAddr;

async fn track(body: Bytes) -> Response {
    match serde_json::from_slice::<Value>(&body) {
        Ok(payload) => {
            let events = payload
                .get("events")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            (StatusCode::OK, Json(json!({"ok": true, "events": events}))).into_response()
        }
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"detail": e.to_string()})),
        )
            .into_response(),
    }
}

fn main() -> anyhow::Result<()> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .as_deref()
        .unwrap_or("127.0.0.1:0")
        .parse()
        .context("the argument must be a socket address such as 127.0.0.1:8599")?;
    // Same runtime settings as `tracardictl serve` (src/cli/serve.rs).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        println!("baseline listening on http://{}", listener.local_addr()?);
        let app = Router::new().route("/track", post(track));
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .context("server failed")
    })
}
