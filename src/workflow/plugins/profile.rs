//! Profile and session: counters, views and visits, interests, merge keys, update and
//! discard, visit and age checks, consents.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::{
    number, opt_num, opt_str, parse_path, req_str, writable_path, Action, ActionError, InitError,
    InitField, Output, PluginSpec, ProfileUpdate, RunState,
};
use crate::workflow::notation::{DotPath, DotSource, Segment};
use crate::workflow::tql;

const PAYLOAD: &[&str] = &["payload"];
const TRUE_FALSE: &[&str] = &["true", "false"];

pub static PLUGINS: &[PluginSpec] = &[
    PluginSpec {
        id: "increment",
        name: "Increment counter",
        description: "Adds init.increment (default 1) to the number at a dot path (missing counts as 0).",
        family: "profile",
        inputs: PAYLOAD,
        outputs: PAYLOAD,
        init: &[
            InitField { name: "field", ty: "dot path", required: true, description: "the counter, e.g. profile@stats.counters.orders" },
            InitField { name: "increment", ty: "number", required: false, description: "default 1" },
        ],
        aliases: &["IncrementAction"],
        join: false,
        build: |init| build_counter(init, "increment", 1.0),
    },
    PluginSpec {
        id: "decrement",
        name: "Decrement counter",
        description: "Subtracts init.decrement (default 1) from the number at a dot path (missing counts as 0).",
        family: "profile",
        inputs: PAYLOAD,
        outputs: PAYLOAD,
        init: &[
            InitField { name: "field", ty: "dot path", required: true, description: "the counter" },
            InitField { name: "decrement", ty: "number", required: false, description: "default 1" },
        ],
        aliases: &["DecrementAction"],
        join: false,
        build: |init| build_counter(init, "decrement", -1.0),
    },
    PluginSpec {
        id: "increase-views",
        name: "Increase views",
        description: "Adds 1 to profile@stats.views.",
        family: "profile",
        inputs: PAYLOAD,
        outputs: PAYLOAD,
        init: &[],
        aliases: &["IncreaseViewsAction"],
        join: false,
        build: |_| Ok(Box::new(Counter { field: profile_path(&["stats", "views"]), by: 1.0 })),
    },
    PluginSpec {
        id: "increase-visits",
        name: "Increase visits",
        description: "Adds 1 to profile@stats.visits.",
        family: "profile",
        inputs: PAYLOAD,
        outputs: PAYLOAD,
        init: &[],
        aliases: &["IncreaseVisitsAction"],
        join: false,
        build: |_| Ok(Box::new(Counter { field: profile_path(&["stats", "visits"]), by: 1.0 })),
    },
    PluginSpec {
        id: "add-interest",
        name: "Add interest",
        description: "Sets profile@interests[interest] to init.value (default 1).",
        family: "profile",
        inputs: PAYLOAD,
        outputs: PAYLOAD,
        init: INTEREST_INIT,
        aliases: &["AddInterestAction"],
        join: false,
        build: |init| build_interest(init, InterestOp::Set),
    },
    PluginSpec {
        id: "increase-interest",
        name: "Increase interest",
        description: "Adds init.value (default 1) to profile@interests[interest].",
        family: "profile",
        inputs: PAYLOAD,
        outputs: PAYLOAD,
        init: INTEREST_INIT,
        aliases: &["IncreaseInterestAction"],
        join: false,
        build: |init| build_interest(init, InterestOp::Add),
    },
    PluginSpec {
        id: "decrease-interest",
        name: "Decrease interest",
        description: "Subtracts init.value (default 1) from profile@interests[interest].",
        family: "profile",
        inputs: PAYLOAD,
        outputs: PAYLOAD,
        init: INTEREST_INIT,
        aliases: &["DecreaseInterestAction"],
        join: false,
        build: |init| build_interest(init, InterestOp::Subtract),
    },
    PluginSpec {
        id: "merge-profiles",
        name: "Merge profiles",
        description: "Marks merge keys (dot paths) for merging: records them in profile@metadata.system.aux.auto_merge and in the run result. The merging itself is done by the identity module.",
        family: "profile",
        inputs: PAYLOAD,
        outputs: PAYLOAD,
        init: &[InitField { name: "mergeBy", ty: "list", required: true, description: "dot paths of merge keys, e.g. profile@data.contact.email.main" }],
        aliases: &["MergeProfilesAction"],
        join: false,
        build: build_merge,
    },
    PluginSpec {
        id: "update-profile",
        name: "Update profile",
        description: "Makes sure the profile is saved after the run.",
        family: "profile",
        inputs: PAYLOAD,
        outputs: PAYLOAD,
        init: &[],
        aliases: &["UpdateProfileAction"],
        join: false,
        build: |_| Ok(Box::new(SetFlag(Flag::UpdateProfile))),
    },
    PluginSpec {
        id: "discard-profile-update",
        name: "Discard profile update",
        description: "Throws away the run's changes to the profile: it is not saved.",
        family: "profile",
        inputs: PAYLOAD,
        outputs: PAYLOAD,
        init: &[],
        aliases: &["DiscardProfileUpdateAction"],
        join: false,
        build: |_| Ok(Box::new(SetFlag(Flag::DiscardProfile))),
    },
    PluginSpec {
        id: "update-session",
        name: "Update session",
        description: "Makes sure the session is saved after the run.",
        family: "profile",
        inputs: PAYLOAD,
        outputs: PAYLOAD,
        init: &[],
        aliases: &["UpdateSessionAction"],
        join: false,
        build: |_| Ok(Box::new(SetFlag(Flag::UpdateSession))),
    },
    PluginSpec {
        id: "last-visit",
        name: "Last visit",
        description: "Outputs {last, seconds} since the profile's previous visit (metadata.time.visit.last); `never` when there was none.",
        family: "profile",
        inputs: PAYLOAD,
        outputs: &["payload", "never"],
        init: &[],
        aliases: &["LastVisitAction"],
        join: false,
        build: |_| Ok(Box::new(Since { path: profile_path(&["metadata", "time", "visit", "last"]), key: "last" })),
    },
    PluginSpec {
        id: "profile-age",
        name: "Profile age",
        description: "Outputs {created, seconds}: how long ago the profile was created (metadata.time.insert).",
        family: "profile",
        inputs: PAYLOAD,
        outputs: &["payload", "never"],
        init: &[],
        aliases: &["ProfileLiveTimeAction", "ProfileAgeAction"],
        join: false,
        build: |_| Ok(Box::new(Since { path: profile_path(&["metadata", "time", "insert"]), key: "created" })),
    },
    PluginSpec {
        id: "is-new-profile",
        name: "Is new profile",
        description: "Payload on `true` when the profile was created by this request, else `false`.",
        family: "profile",
        inputs: PAYLOAD,
        outputs: TRUE_FALSE,
        init: &[],
        aliases: &["NewProfileAction"],
        join: false,
        build: |_| Ok(Box::new(IsNew { session: false })),
    },
    PluginSpec {
        id: "is-new-visit",
        name: "Is new visit",
        description: "Payload on `true` when this request opened a new session (visit), else `false`.",
        family: "profile",
        inputs: PAYLOAD,
        outputs: TRUE_FALSE,
        init: &[],
        aliases: &["NewVisitAction"],
        join: false,
        build: |_| Ok(Box::new(IsNew { session: true })),
    },
    PluginSpec {
        id: "add-consent",
        name: "Add consent",
        description: "Grants a consent type on the profile (profile@consents[id] = {revoke}); init.revoke is a date, a duration such as 30d, or empty for never.",
        family: "profile",
        inputs: PAYLOAD,
        outputs: PAYLOAD,
        init: &[
            InitField { name: "consent", ty: "string", required: true, description: "consent type id" },
            InitField { name: "revoke", ty: "datetime|duration", required: false, description: "when the consent lapses" },
        ],
        aliases: &["AddConsentAction"],
        join: false,
        build: build_add_consent,
    },
    PluginSpec {
        id: "has-consent",
        name: "Has consent",
        description: "Payload on `true` when the profile holds the consent and it has not lapsed, else `false`.",
        family: "profile",
        inputs: PAYLOAD,
        outputs: TRUE_FALSE,
        init: &[InitField { name: "consent", ty: "string", required: true, description: "consent type id" }],
        aliases: &["HasConsentAction", "RequireConsentsAction"],
        join: false,
        build: |init| Ok(Box::new(HasConsent { consent: req_str(init, "consent")? })),
    },
];

const INTEREST_INIT: &[InitField] = &[
    InitField {
        name: "interest",
        ty: "string",
        required: true,
        description: "interest name (or a dot path to it)",
    },
    InitField {
        name: "value",
        ty: "number",
        required: false,
        description: "default 1",
    },
];

fn profile_path(keys: &[&str]) -> DotPath {
    DotPath {
        source: DotSource::Profile,
        segments: keys
            .iter()
            .map(|k| Segment::Key((*k).to_string()))
            .collect(),
    }
}

struct Counter {
    field: DotPath,
    by: f64,
}

impl Action for Counter {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let current = state.number_at(&self.field, 0.0)?;
        state.ctx.set(&self.field, number(current + self.by))?;
        Ok(Output::port("payload", state.take_payload()))
    }
}

fn build_counter(init: &Value, by_field: &str, sign: f64) -> Result<Box<dyn Action>, InitError> {
    let field = writable_path("field", &req_str(init, "field")?)?;
    let by = opt_num(init, by_field, 1.0)?;
    Ok(Box::new(Counter {
        field,
        by: by * sign,
    }))
}

#[derive(Clone, Copy)]
enum InterestOp {
    Set,
    Add,
    Subtract,
}

struct Interest {
    interest: Value,
    value: f64,
    op: InterestOp,
}

impl Action for Interest {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let name = state
            .value_of(&self.interest)
            .as_ref()
            .and_then(super::as_text)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ActionError::new("interest: missing or not a text value"))?;
        let path = DotPath {
            source: DotSource::Profile,
            segments: vec![Segment::Key("interests".into()), Segment::Key(name)],
        };
        let current = state.number_at(&path, 0.0)?;
        let next = match self.op {
            InterestOp::Set => self.value,
            InterestOp::Add => current + self.value,
            InterestOp::Subtract => current - self.value,
        };
        state.ctx.set(&path, number(next))?;
        Ok(Output::port("payload", state.take_payload()))
    }
}

fn build_interest(init: &Value, op: InterestOp) -> Result<Box<dyn Action>, InitError> {
    Ok(Box::new(Interest {
        interest: Value::String(req_str(init, "interest")?),
        value: opt_num(init, "value", 1.0)?,
        op,
    }))
}

struct Merge {
    keys: Vec<String>,
}

impl Action for Merge {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let path = profile_path(&["metadata", "system", "aux", "auto_merge"]);
        let mut marked: Vec<Value> = match state.ctx.get(&path) {
            Some(Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        for key in &self.keys {
            let v = Value::String(key.clone());
            if !marked.contains(&v) {
                marked.push(v);
            }
            if !state.merge_keys.contains(key) {
                state.merge_keys.push(key.clone());
            }
        }
        state.ctx.set(&path, Value::Array(marked))?;
        state.profile_update = match state.profile_update {
            ProfileUpdate::Discard => ProfileUpdate::Discard,
            _ => ProfileUpdate::Force,
        };
        Ok(Output::port("payload", state.take_payload()))
    }
}

fn build_merge(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let list = match init.get("mergeBy").or_else(|| init.get("keys")) {
        Some(Value::Array(items)) if !items.is_empty() => items.clone(),
        Some(Value::String(s)) => vec![Value::String(s.clone())],
        _ => {
            return Err(InitError::field(
                "mergeBy",
                "is required: a list of profile dot paths",
            ))
        }
    };
    let mut keys = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let field = format!("mergeBy.{i}");
        let Value::String(text) = item else {
            return Err(InitError::field(&field, "must be a dot path"));
        };
        let path = parse_path(&field, text)?;
        if path.source != DotSource::Profile || path.segments.is_empty() {
            return Err(InitError::field(
                &field,
                format!("`{text}` must be a field of the profile (profile@…)"),
            ));
        }
        keys.push(path.to_string());
    }
    Ok(Box::new(Merge { keys }))
}

enum Flag {
    UpdateProfile,
    DiscardProfile,
    UpdateSession,
}

struct SetFlag(Flag);

impl Action for SetFlag {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        match self.0 {
            Flag::UpdateProfile => {
                if state.profile_update != ProfileUpdate::Discard {
                    state.profile_update = ProfileUpdate::Force;
                }
            }
            Flag::DiscardProfile => state.profile_update = ProfileUpdate::Discard,
            Flag::UpdateSession => state.session_update = true,
        }
        Ok(Output::port("payload", state.take_payload()))
    }
}

fn parse_time(value: &Value) -> Option<DateTime<Utc>> {
    value
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

struct Since {
    path: DotPath,
    key: &'static str,
}

impl Action for Since {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let Some(value) = state.ctx.get(&self.path).filter(|v| !v.is_null()) else {
            return Ok(Output::port("never", state.take_payload()));
        };
        let at = parse_time(value)
            .ok_or_else(|| ActionError(format!("`{}` holds {value}, not a datetime", self.path)))?;
        let seconds = (state.now() - at).num_seconds();
        Ok(Output::port(
            "payload",
            json!({ self.key: value, "seconds": seconds }),
        ))
    }
}

struct IsNew {
    session: bool,
}

impl Action for IsNew {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let new = if self.session {
            state.new_session
        } else {
            state.new_profile
        };
        Ok(Output::port(
            if new { "true" } else { "false" },
            state.take_payload(),
        ))
    }
}

struct AddConsent {
    consent: String,
    revoke: Option<Revoke>,
}

enum Revoke {
    At(DateTime<Utc>),
    After(chrono::TimeDelta),
}

impl Action for AddConsent {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let revoke = match &self.revoke {
            None => Value::Null,
            Some(Revoke::At(t)) => json!(t.to_rfc3339()),
            Some(Revoke::After(d)) => json!((state.now() + *d).to_rfc3339()),
        };
        let path = DotPath {
            source: DotSource::Profile,
            segments: vec![
                Segment::Key("consents".into()),
                Segment::Key(self.consent.clone()),
            ],
        };
        let mut entry = Map::new();
        entry.insert("revoke".into(), revoke);
        state.ctx.set(&path, Value::Object(entry))?;
        Ok(Output::port("payload", state.take_payload()))
    }
}

fn build_add_consent(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let consent = req_str(init, "consent")?;
    let revoke = match opt_str(init, "revoke")?.filter(|s| !s.trim().is_empty()) {
        None => None,
        Some(text) => match DateTime::parse_from_rfc3339(text.trim()) {
            Ok(t) => Some(Revoke::At(t.with_timezone(&Utc))),
            Err(_) => Some(Revoke::After(parse_duration(&text).ok_or_else(|| {
                InitError::field(
                    "revoke",
                    format!("`{text}` is neither an RFC 3339 date nor a duration like 30d"),
                )
            })?)),
        },
    };
    Ok(Box::new(AddConsent { consent, revoke }))
}

/// A duration written as in TQL (`15m`, `1d`, `1h30m`).
pub fn parse_duration(text: &str) -> Option<chrono::TimeDelta> {
    let expr = tql::parse(&format!("payload@x == {}", text.trim())).ok()?;
    match expr {
        tql::Expr::Compare {
            right: tql::Operand::Duration(d),
            ..
        } => Some(d),
        _ => None,
    }
}

/// Whether a profile (as JSON) holds a consent that has not lapsed at `now`.
pub fn has_consent(profile: &Value, consent: &str, now: DateTime<Utc>) -> bool {
    match profile.get("consents").and_then(|c| c.get(consent)) {
        None => false,
        Some(entry) => match entry.get("revoke") {
            None | Some(Value::Null) => true,
            Some(v) => parse_time(v).is_none_or(|t| t > now),
        },
    }
}

struct HasConsent {
    consent: String,
}

impl Action for HasConsent {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let yes = has_consent(&state.ctx.profile, &self.consent, state.now());
        Ok(Output::port(
            if yes { "true" } else { "false" },
            state.take_payload(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{init_error, run, state};
    use super::super::ProfileUpdate;
    use serde_json::json;

    #[test]
    fn counters() {
        let mut s = state();
        run(
            "increment",
            json!({"field": "profile@stats.counters.orders"}),
            &mut s,
        )
        .unwrap();
        run(
            "increment",
            json!({"field": "profile@stats.counters.orders", "increment": 2.5}),
            &mut s,
        )
        .unwrap();
        assert_eq!(s.ctx.profile["stats"]["counters"]["orders"], json!(3.5));
        run(
            "decrement",
            json!({"field": "profile@stats.visits"}),
            &mut s,
        )
        .unwrap();
        assert_eq!(s.ctx.profile["stats"]["visits"], json!(1));
        assert!(run("increment", json!({"field": "profile@traits.name"}), &mut s).is_err());
        assert!(init_error("increment", json!({"field": "x"})).contains("init.field"));
    }

    #[test]
    fn views_and_visits() {
        let mut s = state();
        let out = run("increase-views", json!({}), &mut s).unwrap();
        assert!(out.get("payload").is_some());
        run("increase-visits", json!({}), &mut s).unwrap();
        assert_eq!(s.ctx.profile["stats"]["views"], json!(6));
        assert_eq!(s.ctx.profile["stats"]["visits"], json!(3));
    }

    #[test]
    fn interests() {
        let mut s = state();
        run(
            "add-interest",
            json!({"interest": "hats", "value": 3}),
            &mut s,
        )
        .unwrap();
        run(
            "increase-interest",
            json!({"interest": "shoes", "value": 2}),
            &mut s,
        )
        .unwrap();
        run(
            "decrease-interest",
            json!({"interest": "event@properties.sku"}),
            &mut s,
        )
        .unwrap();
        assert_eq!(
            s.ctx.profile["interests"],
            json!({"shoes": 3, "hats": 3, "A1": -1})
        );
        assert!(init_error("add-interest", json!({})).contains("init.interest"));
    }

    #[test]
    fn merge_profiles_marks_keys() {
        let mut s = state();
        run(
            "merge-profiles",
            json!({"mergeBy": ["profile@data.contact.email.main"]}),
            &mut s,
        )
        .unwrap();
        run(
            "merge-profiles",
            json!({"mergeBy": ["profile@data.contact.email.main"]}),
            &mut s,
        )
        .unwrap();
        assert_eq!(
            s.ctx.profile["metadata"]["system"]["aux"]["auto_merge"],
            json!(["profile@data.contact.email.main"])
        );
        assert_eq!(
            s.merge_keys,
            vec!["profile@data.contact.email.main".to_string()]
        );
        assert_eq!(s.profile_update, ProfileUpdate::Force);
        assert!(
            init_error("merge-profiles", json!({"mergeBy": ["event@x"]}))
                .contains("init.mergeBy.0")
        );
    }

    #[test]
    fn update_and_discard_flags() {
        let mut s = state();
        run("update-profile", json!({}), &mut s).unwrap();
        assert_eq!(s.profile_update, ProfileUpdate::Force);
        run("discard-profile-update", json!({}), &mut s).unwrap();
        run("update-profile", json!({}), &mut s).unwrap();
        assert_eq!(s.profile_update, ProfileUpdate::Discard);
        run("update-session", json!({}), &mut s).unwrap();
        assert!(s.session_update);
    }

    #[test]
    fn last_visit_and_age() {
        let mut s = state();
        let out = run("last-visit", json!({}), &mut s).unwrap();
        assert_eq!(
            out.get("payload").unwrap()["seconds"],
            json!(31 * 86400 + 7200)
        );
        let out = run("profile-age", json!({}), &mut s).unwrap();
        assert!(out.get("payload").unwrap()["seconds"].as_i64().unwrap() > 86400 * 100);
        s.ctx.profile["metadata"]["time"]["visit"]["last"] = json!(null);
        assert!(run("last-visit", json!({}), &mut s)
            .unwrap()
            .get("never")
            .is_some());
    }

    #[test]
    fn is_new_flags() {
        let mut s = state();
        assert!(run("is-new-profile", json!({}), &mut s)
            .unwrap()
            .get("false")
            .is_some());
        s.new_session = true;
        assert!(run("is-new-visit", json!({}), &mut s)
            .unwrap()
            .get("true")
            .is_some());
    }

    #[test]
    fn consents() {
        let mut s = state();
        assert!(run("has-consent", json!({"consent": "marketing"}), &mut s)
            .unwrap()
            .get("true")
            .is_some());
        assert!(run("has-consent", json!({"consent": "ads"}), &mut s)
            .unwrap()
            .get("false")
            .is_some());
        run(
            "add-consent",
            json!({"consent": "ads", "revoke": "1d"}),
            &mut s,
        )
        .unwrap();
        assert_eq!(
            s.ctx.profile["consents"]["ads"]["revoke"],
            json!("2024-06-02T12:00:00+00:00")
        );
        assert!(run("has-consent", json!({"consent": "ads"}), &mut s)
            .unwrap()
            .get("true")
            .is_some());
        run(
            "add-consent",
            json!({"consent": "ads", "revoke": "2020-01-01T00:00:00Z"}),
            &mut s,
        )
        .unwrap();
        assert!(run("has-consent", json!({"consent": "ads"}), &mut s)
            .unwrap()
            .get("false")
            .is_some());
        assert!(
            init_error("add-consent", json!({"consent": "x", "revoke": "soon"}))
                .contains("init.revoke")
        );
    }
}
