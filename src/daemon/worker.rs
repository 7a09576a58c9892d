//! The background worker: leases workflow jobs from the durable queue, runs them,
//! acks; a failure is retried with backoff and ends in the dead-letter queue.

use crate::store::{NackOutcome, RetryPolicy};
use crate::tracking::queued::WORKFLOW_TOPIC;
use crate::tracking::Tracker;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Jobs run at once (each for a different profile).
    pub concurrency: usize,
    /// How long a lease lasts before an unfinished job returns to the queue.
    pub visibility: chrono::Duration,
    /// Pause when the queue is empty.
    pub idle: Duration,
    pub retry: RetryPolicy,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            concurrency: 4,
            visibility: chrono::Duration::seconds(60),
            idle: Duration::from_millis(50),
            retry: RetryPolicy::default(),
        }
    }
}

/// Runs until `stop` turns true; jobs in flight are finished first.
pub async fn run(
    tracker: Arc<Tracker>,
    options: WorkerOptions,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let store = tracker.store().clone();
    let max = options.concurrency.max(1);
    loop {
        if *stop.borrow() {
            break;
        }
        let now = chrono::Utc::now();
        let leased = match store
            .lease(WORKFLOW_TOPIC, max, options.visibility, now)
            .await
        {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "worker cannot lease from the queue");
                Vec::new()
            }
        };
        if leased.is_empty() {
            tokio::select! {
                _ = tokio::time::sleep(options.idle) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        let mut running = tokio::task::JoinSet::new();
        for lease in leased {
            let tracker = tracker.clone();
            let retry = options.retry;
            running.spawn(async move {
                let store = tracker.store().clone();
                let seq = lease.item.seq;
                match tracker.run_queued(&lease.item).await {
                    Ok(outcome) => {
                        tracing::debug!(seq, ?outcome, "job done");
                        if let Err(e) = store.ack(seq, &lease.token, chrono::Utc::now()).await {
                            tracing::error!(seq, error = %e, "cannot ack a finished job; it will run again and be skipped");
                        }
                    }
                    Err(error) => {
                        let now = chrono::Utc::now();
                        let attempts = lease.item.attempts.saturating_add(1);
                        let retry_at = retry.retry_at(attempts, now, crate::store::queue::jitter());
                        match store.nack(seq, &lease.token, &error, retry_at, now).await {
                            Ok(NackOutcome::Dead) => {
                                tracing::warn!(seq, attempts, %error, "job moved to the dead-letter queue")
                            }
                            Ok(_) => tracing::info!(seq, attempts, %error, "job failed; will retry"),
                            Err(e) => tracing::error!(seq, error = %e, "cannot nack a failed job"),
                        }
                    }
                }
            });
        }
        while running.join_next().await.is_some() {}
    }
}
