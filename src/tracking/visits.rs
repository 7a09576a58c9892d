//! Visit end: sessions idle longer than the configured time are closed by the worker,
//! which stores a `visit-ended` event for each and runs the rules of that event.
//!
//! Exactly once per session: the session is closed (status `ended`) in the same write
//! as the event, under the session's lock, and the event's id is derived from the
//! session and its last activity, so a pass repeated after a crash writes the same
//! event again instead of a second one. A session that becomes active again (a new
//! `visit-started`) can end again later, with a new event.

use super::{ProcessBatch, Tracker};
use crate::domain::{
    EntityRef, Event, EventSession, EventSource, Scope, Session, INTERNAL_SOURCE_ID,
};
use crate::store::StoreError;
use chrono::{DateTime, Duration, Utc};

/// The event type emitted when a visit ends.
pub const VISIT_ENDED: &str = "visit-ended";

/// When the session was last active.
fn last_activity(s: &Session) -> DateTime<Utc> {
    s.metadata.time.update.unwrap_or(s.metadata.time.insert)
}

fn idle(s: &Session, idle: Duration, now: DateTime<Utc>) -> bool {
    s.metadata.status != "ended" && last_activity(s) + idle <= now
}

impl Tracker {
    /// Closes every session idle for at least `idle`; how many were closed.
    pub async fn close_idle_sessions(
        &self,
        idle_for: Duration,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut closed = 0;
        for scope in self.store.scopes().await? {
            let mut after: Option<String> = None;
            loop {
                let page = self
                    .store
                    .list_sessions(&scope, after.as_deref(), 500)
                    .await?;
                for s in &page.items {
                    if idle(s, idle_for, now)
                        && self.end_visit(&scope, &s.id, idle_for, now).await?
                    {
                        closed += 1;
                    }
                }
                match page.next {
                    Some(n) if !page.items.is_empty() => after = Some(n),
                    _ => break,
                }
            }
        }
        Ok(closed)
    }

    /// Ends one session's visit if it is still idle; true when it was ended now.
    async fn end_visit(
        &self,
        scope: &Scope,
        session_id: &str,
        idle_for: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let _session_guard = self
            .store
            .lock(scope, &format!("session:{session_id}"))
            .await?;
        let Some(mut session) = self.store.session(scope, session_id).await? else {
            return Ok(false);
        };
        if !idle(&session, idle_for, now) {
            return Ok(false);
        }
        let profile_id = session.profile_id().map(str::to_string);
        let _profile_guard = match &profile_id {
            Some(id) => Some((
                self.profile_locks.lock(id).await,
                self.store.lock(scope, &format!("profile:{id}")).await?,
            )),
            None => None,
        };
        let mut profile = match &profile_id {
            Some(id) => self.store.profile(scope, id).await?,
            None => None,
        };
        let last = last_activity(&session);
        let id = format!("{VISIT_ENDED}-{session_id}-{}", last.timestamp_micros());
        let mut event = Event::new(id, VISIT_ENDED.into(), INTERNAL_SOURCE_ID, now);
        event.session = Some(EventSession {
            id: session.id.clone(),
            start: Some(session.metadata.time.insert),
            duration: (last - session.metadata.time.insert).num_milliseconds() as f64 / 1000.0,
            tz: profile
                .as_ref()
                .and_then(|p| p.metadata.time.visit.tz.clone()),
        });
        event.profile = profile.as_ref().map(|p| EntityRef::new(&p.id));
        event.os = session.os.clone();
        event.app = session.app.clone();
        event.device = session.device.clone();
        event.utm = session.utm.clone();
        session.metadata.status = "ended".into();
        session.metadata.time.duration =
            (last - session.metadata.time.insert).num_milliseconds() as f64 / 1000.0;

        let source = EventSource::new_rest(INTERNAL_SOURCE_ID, "internal");
        let mut events = vec![event];
        let mut profile_changed = false;
        if let Some(processor) = &self.processor {
            let outcome = processor
                .process(ProcessBatch {
                    scope,
                    source: &source,
                    profile: profile.as_mut(),
                    session: Some(&mut session),
                    events: &mut events,
                    new_profile: false,
                    new_session: false,
                })
                .await;
            for e in &outcome.errors {
                tracing::warn!(session = %session_id, error = %e, "workflow error on visit end");
            }
            profile_changed = outcome.profile_changed;
        }
        let destinations = self
            .store
            .list_config(scope, crate::daemon::destinations::DESTINATION_KIND)
            .await?;
        let deliveries = crate::daemon::destinations::plan(
            &destinations,
            &crate::daemon::destinations::Collected {
                scope,
                source_id: INTERNAL_SOURCE_ID,
                profile: profile.as_ref(),
                session: Some(&session),
                events: &events,
                profile_changed,
            },
        );
        self.store.put_events(scope, &events).await?;
        if !deliveries.is_empty() {
            self.store.enqueue(&deliveries, now).await?;
        }
        if let (true, Some(p)) = (profile_changed, profile.as_mut()) {
            p.metadata.time.update = Some(now);
            p.normalize_ids();
            self.store.put_profile(scope, p).await?;
        }
        // The session goes last: once it reads `ended`, everything above is written.
        self.store.put_session(scope, &session).await?;
        self.store.durable().await?;
        Ok(true)
    }
}
