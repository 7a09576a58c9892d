//! Scheduling: emit an event for the profile later, or pause the flow and resume it
//! later at the next node. Both become delayed items of the durable work queue (topic
//! [`SCHEDULED_TOPIC`]), so they survive restarts; the background worker runs them when
//! they are due (`tracking::scheduled`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{
    opt_num, req_str, Action, ActionError, InitError, InitField, Output, PluginSpec, RunState,
};
use crate::domain::Scope;
use crate::store::NewItem;
use crate::workflow::notation::DotContext;

/// The queue topic of scheduled work.
pub const SCHEDULED_TOPIC: &str = "scheduled";

/// The longest delay accepted: 366 days.
const MAX_DELAY_S: f64 = 366.0 * 86_400.0;

const DELAY: InitField = InitField {
    name: "delay",
    ty: "number",
    required: true,
    description: "seconds to wait (fractions allowed, at most 366 days)",
};

pub static PLUGINS: &[PluginSpec] = &[
    PluginSpec {
        id: "schedule-event",
        name: "Schedule event",
        description: "After init.delay seconds, an event of init.event_type (properties from init.properties: an object or a dot path; default the payload) is collected for the profile from the same source and session, and runs its rules. Passes the payload on at once.",
        family: "schedule",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[
            InitField { name: "event_type", ty: "string", required: true, description: "type of the event to emit" },
            DELAY,
            InitField { name: "properties", ty: "object|dot path", required: false, description: "the event's properties; default the payload" },
        ],
        aliases: &["ScheduleEventAction", "ScheduledEventProducer"],
        join: false,
        build: |init| {
            Ok(Box::new(ScheduleEvent {
                event_type: crate::domain::event_type_slug(&req_str(init, "event_type")?),
                delay_ms: delay(init)?,
                properties: init.get("properties").cloned().filter(|v| !v.is_null()),
            }))
        },
    },
    PluginSpec {
        id: "pause-and-resume",
        name: "Pause and resume",
        description: "Ends the run here and resumes the flow after init.delay seconds at the nodes connected to this one, with the same payload and the profile as it is then.",
        family: "schedule",
        inputs: &["payload"],
        outputs: &["payload"],
        init: &[DELAY],
        aliases: &["PauseAndResumeAction", "SleepAndResume"],
        join: false,
        build: |init| Ok(Box::new(Pause { delay_ms: delay(init)? })),
    },
];

fn delay(init: &Value) -> Result<u64, InitError> {
    if init.get("delay").is_none_or(Value::is_null) {
        return Err(InitError::field("delay", "is required"));
    }
    let s = opt_num(init, "delay", 0.0)?;
    if !(0.0..=MAX_DELAY_S).contains(&s) {
        return Err(InitError::field(
            "delay",
            format!("must be between 0 and {MAX_DELAY_S} seconds, not {s}"),
        ));
    }
    Ok((s * 1000.0).round() as u64)
}

/// Work a run scheduled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scheduled {
    /// The node that scheduled it.
    pub node: String,
    pub delay_ms: u64,
    pub work: Work,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Work {
    /// Collect an event of this type for the profile.
    Event {
        event_type: String,
        properties: Value,
    },
    /// Resume the flow after `node` with this payload.
    Resume { payload: Value },
}

/// The payload of a scheduled queue item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledJob {
    pub profile: String,
    #[serde(default)]
    pub session: Option<String>,
    pub source: String,
    /// The event whose run scheduled this.
    #[serde(default)]
    pub event: Option<String>,
    /// The flow and node that scheduled this.
    pub flow: String,
    pub node: String,
    #[serde(flatten)]
    pub work: Work,
}

fn text_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(*p)?;
    }
    cur.as_str().filter(|s| !s.is_empty())
}

/// The queue item for scheduled work, from the run's context.
pub fn queue_item(scope: &Scope, ctx: &DotContext, s: &Scheduled) -> Result<NewItem, String> {
    let profile = text_at(&ctx.profile, &["id"]).ok_or("there is no profile to schedule for")?;
    let source = text_at(&ctx.event, &["source", "id"]).unwrap_or("");
    let job = ScheduledJob {
        profile: profile.to_string(),
        session: text_at(&ctx.session, &["id"]).map(str::to_string),
        source: source.to_string(),
        event: text_at(&ctx.event, &["id"]).map(str::to_string),
        flow: text_at(&ctx.flow, &["id"]).unwrap_or("").to_string(),
        node: s.node.clone(),
        work: s.work.clone(),
    };
    Ok(NewItem {
        scope: scope.clone(),
        topic: SCHEDULED_TOPIC.into(),
        // Not ordered with the profile's other work: a delayed item must not hold it up.
        key: None,
        payload: serde_json::to_value(&job).map_err(|e| e.to_string())?,
    })
}

struct ScheduleEvent {
    event_type: String,
    delay_ms: u64,
    properties: Option<Value>,
}

impl Action for ScheduleEvent {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let properties = match &self.properties {
            None => state.ctx.payload.clone(),
            Some(v) => state
                .value_of(v)
                .ok_or_else(|| ActionError(format!("properties: missing value at `{v}`")))?,
        };
        let properties = match properties {
            Value::Object(m) => Value::Object(m),
            Value::Null => json!({}),
            other => json!({ "value": other }),
        };
        state.scheduled.push(Scheduled {
            node: state.node_id.clone(),
            delay_ms: self.delay_ms,
            work: Work::Event {
                event_type: self.event_type.clone(),
                properties,
            },
        });
        Ok(Output::port("payload", state.take_payload()))
    }
}

struct Pause {
    delay_ms: u64,
}

impl Action for Pause {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let payload = state.take_payload();
        state.scheduled.push(Scheduled {
            node: state.node_id.clone(),
            delay_ms: self.delay_ms,
            work: Work::Resume { payload },
        });
        // The branch continues when the flow is resumed.
        Ok(Output::none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::plugins::find;

    #[test]
    fn nodes_record_their_work() {
        let spec = find("schedule-event").unwrap();
        assert!((spec.build)(&json!({"event_type": "x"})).is_err());
        assert!((spec.build)(&json!({"event_type": "x", "delay": -1})).is_err());
        let action = (spec.build)(&json!({"event_type": "Reminder Due", "delay": 1.5})).unwrap();
        let mut state = RunState::new(DotContext::default());
        state.node_id = "n1".into();
        state.ctx.payload = json!({"a": 1});
        let out = action.run(&mut state).unwrap();
        assert_eq!(out.get("payload"), Some(&json!({"a": 1})));
        assert_eq!(
            state.scheduled,
            vec![Scheduled {
                node: "n1".into(),
                delay_ms: 1500,
                work: Work::Event {
                    event_type: "reminder-due".into(),
                    properties: json!({"a": 1})
                }
            }]
        );

        let pause = (find("pause-and-resume").unwrap().build)(&json!({"delay": 2})).unwrap();
        state.scheduled.clear();
        state.node_id = "p".into();
        state.ctx.payload = json!({"b": 2});
        let out = pause.run(&mut state).unwrap();
        assert_eq!(out, Output::none());
        assert_eq!(state.scheduled[0].delay_ms, 2000);
        assert_eq!(
            state.scheduled[0].work,
            Work::Resume {
                payload: json!({"b": 2})
            }
        );

        let ctx = DotContext {
            profile: json!({"id": "p1"}),
            session: json!({"id": "s1"}),
            event: json!({"id": "e1", "source": {"id": "src"}}),
            flow: json!({"id": "f1"}),
            ..DotContext::default()
        };
        let item = queue_item(
            &Scope::new("t", crate::domain::Context::Staging),
            &ctx,
            &state.scheduled[0],
        )
        .unwrap();
        assert_eq!(item.topic, SCHEDULED_TOPIC);
        assert_eq!(item.key, None);
        let job: ScheduledJob = serde_json::from_value(item.payload).unwrap();
        assert_eq!(job.profile, "p1");
        assert_eq!(job.session.as_deref(), Some("s1"));
        assert_eq!(job.flow, "f1");
        assert_eq!(job.node, "p");
        assert!(queue_item(
            &Scope::new("t", crate::domain::Context::Staging),
            &DotContext::default(),
            &state.scheduled[0]
        )
        .is_err());
    }
}
