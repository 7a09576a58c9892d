//! The background worker: leases workflow jobs and destination deliveries from the
//! durable queue, runs them, acks; a failure is retried with backoff and ends in the
//! dead-letter queue. It also closes idle sessions (visit end).

use crate::daemon::destinations::{self, DESTINATION_TOPIC};
use crate::store::{Leased, NackOutcome, QueueItem, RetryPolicy, SharedStore};
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
    /// Sessions idle this long are closed with a `visit-ended` event; None: never.
    pub visit_idle: Option<chrono::Duration>,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            concurrency: 64,
            visibility: chrono::Duration::seconds(60),
            idle: Duration::from_millis(50),
            retry: RetryPolicy::default(),
            visit_idle: Some(chrono::Duration::minutes(30)),
        }
    }
}

impl WorkerOptions {
    /// The options the `[worker]` configuration section sets.
    pub fn from_config(c: &crate::config::WorkerConfig) -> Self {
        let ms = |v: u64| chrono::Duration::milliseconds(i64::try_from(v).unwrap_or(i64::MAX));
        Self {
            concurrency: c.concurrency.max(1),
            visibility: ms(c.visibility_ms.max(1)),
            idle: Duration::from_millis(50),
            retry: RetryPolicy {
                max_attempts: c.max_attempts.max(1),
                base: ms(c.retry_base_ms.max(1)),
                max_delay: ms(c.retry_max_ms.max(1)),
            },
            visit_idle: (c.visit_idle_seconds > 0)
                .then(|| chrono::Duration::seconds(c.visit_idle_seconds as i64)),
        }
    }
}

/// Runs until `stop` turns true; jobs in flight are finished first.
pub async fn run(
    tracker: Arc<Tracker>,
    options: WorkerOptions,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let http = reqwest::Client::builder()
        .user_agent(concat!("tracardictl/", env!("CARGO_PKG_VERSION")))
        // A redirect would turn a POST into a body-less GET (301/302/303) elsewhere and
        // count it delivered: a 3xx is a failed attempt that names the new address.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default();
    let mut tasks = tokio::task::JoinSet::new();
    {
        let tracker = tracker.clone();
        tasks.spawn(consume(
            tracker.store().clone(),
            WORKFLOW_TOPIC,
            options.clone(),
            stop.clone(),
            move |lease: Leased| {
                let tracker = tracker.clone();
                async move {
                    match tracker.run_queued(&lease.item).await {
                        Ok(outcome) => {
                            tracing::debug!(seq = lease.item.seq, ?outcome, "job done");
                            Ok(())
                        }
                        Err(e) => Err(e),
                    }
                }
            },
            |_, _| async {},
            |_| async {},
        ));
    }
    {
        let store = tracker.store().clone();
        let log_store = store.clone();
        let dead_store = store.clone();
        // An attempt ends before its lease does (a tenth of it, at most 5 s, to spare),
        // so an item is never sent twice at once.
        let lease = options
            .visibility
            .to_std()
            .unwrap_or(Duration::from_secs(30));
        let longest = lease
            .saturating_sub((lease / 10).min(Duration::from_secs(5)))
            .max(Duration::from_millis(100));
        tasks.spawn(consume(
            store.clone(),
            DESTINATION_TOPIC,
            options.clone(),
            stop.clone(),
            move |lease: Leased| {
                let store = store.clone();
                let http = http.clone();
                async move {
                    let attempt = destinations::send(&store, &http, &lease.item, longest).await;
                    match &attempt.error {
                        None => {
                            destinations::record(&store, &lease.item, &attempt, "delivered").await;
                            Ok(())
                        }
                        Some(e) => Err(AttemptError(e.clone(), attempt)),
                    }
                }
            },
            move |lease: Leased, failure: Failure<AttemptError>| {
                let store = log_store.clone();
                async move {
                    let outcome = if failure.dead { "dead" } else { "retry" };
                    destinations::record(&store, &lease.item, &failure.error.1, outcome).await;
                }
            },
            move |item: QueueItem| {
                let store = dead_store.clone();
                async move {
                    // Its last lease expired (the worker hung or died mid-delivery).
                    let attempt = destinations::Attempt {
                        status: None,
                        latency: Duration::ZERO,
                        error: item.last_error.clone(),
                    };
                    destinations::record(&store, &item, &attempt, "dead").await;
                    // The lease made the move to the dead-letter queue durable before
                    // handing the item over; its log entry must be too, or a crash now
                    // leaves a dead letter its destination's log never mentions (the
                    // embedded store syncs only when asked, and an idle queue does not
                    // ask).
                    if let Err(e) = store.durable().await {
                        tracing::warn!(seq = item.seq, error = %e, "cannot sync the delivery log");
                    }
                }
            },
        ));
    }
    if let Some(idle) = options.visit_idle {
        tasks.spawn(close_visits(tracker.clone(), idle, stop.clone()));
    }
    while tasks.join_next().await.is_some() {}
}

/// A failed delivery: the message and the attempt it came from.
struct AttemptError(String, destinations::Attempt);

impl std::fmt::Display for AttemptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the failure hook of [`consume`] learns.
struct Failure<E> {
    error: E,
    /// The item went to the dead-letter queue.
    dead: bool,
}

/// Leases items of one topic and runs `handle` on each; `Ok` acks, `Err` nacks with
/// the retry policy, then `on_failure` runs. `on_expired_dead` runs for each item the
/// lease moved to the dead-letter queue because its attempts were spent without a nack
/// (the last lease expired).
#[allow(clippy::too_many_arguments)]
async fn consume<H, HF, E, F, FF, D, DF>(
    store: SharedStore,
    topic: &'static str,
    options: WorkerOptions,
    mut stop: tokio::sync::watch::Receiver<bool>,
    handle: H,
    on_failure: F,
    on_expired_dead: D,
) where
    H: Fn(Leased) -> HF + Send + Sync + 'static,
    HF: std::future::Future<Output = Result<(), E>> + Send + 'static,
    E: std::fmt::Display + Send + 'static,
    F: Fn(Leased, Failure<E>) -> FF + Send + Sync + 'static,
    FF: std::future::Future<Output = ()> + Send + 'static,
    D: Fn(QueueItem) -> DF,
    DF: std::future::Future<Output = ()>,
{
    let handle = Arc::new(handle);
    let on_failure = Arc::new(on_failure);
    let max = options.concurrency.max(1);
    // Jobs run in a rolling window of `max`: a slow job (a destination that hangs until
    // its timeout) holds one slot, never the others' next leases. The lease of an item
    // blocks later items of its key, so one key's items still run one at a time, in order.
    let mut running = tokio::task::JoinSet::new();
    // Whether the last wait ended without a job finishing (nothing to lease, or the
    // window nearly full for a whole idle period): lease whatever room there is.
    let mut waited = true;
    loop {
        if *stop.borrow() {
            break;
        }
        while running.try_join_next().is_some() {}
        let room = max - running.len().min(max);
        // Leasing syncs the store: with a busy window, wait until half of it is free
        // (or an idle period passed) instead of leasing one item at a time.
        let worth = room > 0 && (running.is_empty() || room * 2 >= max || waited);
        let leased = if worth {
            lease_some(&store, topic, room, &options, &on_expired_dead).await
        } else {
            Vec::new()
        };
        if leased.is_empty() {
            waited = tokio::select! {
                Some(_) = running.join_next(), if !running.is_empty() => false,
                _ = tokio::time::sleep(options.idle) => true,
                _ = stop.changed() => false,
            };
            continue;
        }
        waited = false;
        for lease in leased {
            let store = store.clone();
            let retry = options.retry;
            let handle = handle.clone();
            let on_failure = on_failure.clone();
            running.spawn(async move {
                let seq = lease.item.seq;
                match handle(lease.clone()).await {
                    Ok(()) => {
                        if let Err(e) = store.ack(seq, &lease.token, chrono::Utc::now()).await {
                            tracing::error!(seq, topic, error = %e, "cannot ack a finished item; it will run again");
                        }
                    }
                    Err(error) => {
                        let message = error.to_string();
                        let now = chrono::Utc::now();
                        // The lease counted this attempt.
                        let attempts = lease.item.attempts;
                        let retry_at = retry.retry_at(attempts, now, crate::store::queue::jitter());
                        let dead = retry_at.is_none();
                        match store.nack(seq, &lease.token, &message, retry_at, now).await {
                            Ok(NackOutcome::Dead) => {
                                tracing::warn!(seq, topic, attempts, error = %message, "moved to the dead-letter queue")
                            }
                            Ok(_) => tracing::info!(seq, topic, attempts, error = %message, "failed; will retry"),
                            Err(e) => tracing::error!(seq, topic, error = %e, "cannot nack a failed item"),
                        }
                        on_failure(lease, Failure { error, dead }).await;
                    }
                }
            });
        }
    }
    // Stopping: the jobs in flight are finished first.
    while running.join_next().await.is_some() {}
}

/// Leases up to `room` items of a topic; items out of attempts go to `on_expired_dead`.
async fn lease_some<D, DF>(
    store: &SharedStore,
    topic: &'static str,
    room: usize,
    options: &WorkerOptions,
    on_expired_dead: &D,
) -> Vec<Leased>
where
    D: Fn(QueueItem) -> DF,
    DF: std::future::Future<Output = ()>,
{
    let now = chrono::Utc::now();
    match store
        .lease_batch(
            topic,
            room,
            options.visibility,
            options.retry.max_attempts,
            now,
        )
        .await
    {
        Ok(batch) => {
            for item in batch.dead {
                tracing::warn!(
                    seq = item.seq,
                    topic,
                    attempts = item.attempts,
                    error = item.last_error.as_deref().unwrap_or(""),
                    "moved to the dead-letter queue"
                );
                on_expired_dead(item).await;
            }
            batch.leased
        }
        Err(e) => {
            tracing::error!(topic, error = %e, "worker cannot lease from the queue");
            Vec::new()
        }
    }
}

/// Closes idle sessions every so often (a quarter of the idle time, between 100 ms and
/// 30 s).
async fn close_visits(
    tracker: Arc<Tracker>,
    idle: chrono::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let every = Duration::from_millis(
        u64::try_from(idle.num_milliseconds() / 4)
            .unwrap_or(0)
            .clamp(100, 30_000),
    );
    loop {
        if *stop.borrow() {
            break;
        }
        match tracker.close_idle_sessions(idle, chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "visits ended"),
            Err(e) => tracing::error!(error = %e, "cannot close idle sessions"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => {}
        }
    }
}
