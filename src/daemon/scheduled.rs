//! The worker's other tasks, beside workflow jobs: scheduled work that has come due
//! (`schedule event`, `pause and resume`) and the periodic refresh of every segment.

use crate::store::{NackOutcome, RetryPolicy};
use crate::tracking::Tracker;
use crate::workflow::engine::WorkflowEngine;
use crate::workflow::plugins::schedule::SCHEDULED_TOPIC;
use crate::workflow::segmentation;
use std::sync::Arc;
use std::time::Duration;

/// Items leased per pass.
const BATCH: usize = 16;

/// Runs due scheduled items until `stop` turns true. Each is acked once its effects are
/// durable; a failure is retried with backoff and ends in the dead-letter queue.
pub async fn run(
    tracker: Arc<Tracker>,
    engine: Arc<WorkflowEngine>,
    visibility: chrono::Duration,
    idle: Duration,
    retry: RetryPolicy,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let store = tracker.store().clone();
    loop {
        if *stop.borrow() {
            break;
        }
        let now = chrono::Utc::now();
        let leased = match store
            .lease_batch(SCHEDULED_TOPIC, BATCH, visibility, retry.max_attempts, now)
            .await
        {
            Ok(batch) => {
                for item in &batch.dead {
                    tracing::warn!(
                        seq = item.seq,
                        attempts = item.attempts,
                        error = item.last_error.as_deref().unwrap_or(""),
                        "scheduled work moved to the dead-letter queue"
                    );
                }
                batch.leased
            }
            Err(e) => {
                tracing::error!(error = %e, "worker cannot lease scheduled work");
                Vec::new()
            }
        };
        if leased.is_empty() {
            tokio::select! {
                _ = tokio::time::sleep(idle) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        for lease in leased {
            let seq = lease.item.seq;
            match tracker.run_scheduled(&engine, &lease.item).await {
                Ok(outcome) => {
                    tracing::debug!(seq, ?outcome, "scheduled work done");
                    if let Err(e) = store.ack(seq, &lease.token, chrono::Utc::now()).await {
                        tracing::error!(seq, error = %e, "cannot ack scheduled work; it will be skipped when redelivered");
                    }
                }
                Err(error) => {
                    let now = chrono::Utc::now();
                    let attempts = lease.item.attempts;
                    let retry_at = retry.retry_at(attempts, now, crate::store::queue::jitter());
                    match store.nack(seq, &lease.token, &error, retry_at, now).await {
                        Ok(NackOutcome::Dead) => {
                            tracing::warn!(seq, attempts, %error, "scheduled work moved to the dead-letter queue")
                        }
                        Ok(_) => {
                            tracing::info!(seq, attempts, %error, "scheduled work failed; will retry")
                        }
                        Err(e) => tracing::error!(seq, error = %e, "cannot nack scheduled work"),
                    }
                }
            }
        }
    }
}

/// Refreshes every segment of every scope each `every` (the first pass one interval
/// after start), until `stop` turns true.
pub async fn refresh_segments(
    tracker: Arc<Tracker>,
    engine: Arc<WorkflowEngine>,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|s| *s) => break,
        }
        let scopes = match tracker.store().scopes().await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "segment refresh: cannot list scopes");
                continue;
            }
        };
        for scope in scopes {
            if *stop.borrow() {
                return;
            }
            let locks = tracker.profile_locks();
            match segmentation::refresh(&engine, Some(&locks), &scope, &|_, _| {}).await {
                Ok(s) if s.segments > 0 => tracing::info!(
                    %scope,
                    profiles = s.profiles,
                    changed = s.changed,
                    entered = s.entered,
                    left = s.left,
                    errors = s.errors.len(),
                    "segments refreshed"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(%scope, error = %e, "segment refresh failed"),
            }
        }
    }
}
