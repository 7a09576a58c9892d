//! The APM service: merges profiles marked for merging, pass after pass.

use super::metrics::Metrics;
use crate::identity::Apm;
use crate::store::SharedStore;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

pub async fn run(
    apm: Arc<Apm>,
    store: SharedStore,
    interval: Duration,
    batch: usize,
    metrics: Arc<Metrics>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let mut busy = false;
        match store.scopes().await {
            Ok(scopes) => {
                for scope in scopes {
                    match apm.run_marked(&scope, batch).await {
                        Ok(stats) if stats.examined > 0 => {
                            metrics
                                .apm_merges
                                .fetch_add(stats.merges, Ordering::Relaxed);
                            metrics
                                .apm_profiles_merged
                                .fetch_add(stats.profiles_merged_away, Ordering::Relaxed);
                            busy = stats.examined as usize >= batch;
                            tracing::info!(scope = %scope, examined = stats.examined, merges = stats.merges,
                                merged_away = stats.profiles_merged_away, skipped = stats.skipped, "apm pass");
                        }
                        Ok(_) => {}
                        Err(e) => tracing::error!(scope = %scope, error = %e, "apm pass failed"),
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "apm cannot list scopes"),
        }
        if *stop.borrow() {
            return;
        }
        let pause = if busy { Duration::ZERO } else { interval };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}
