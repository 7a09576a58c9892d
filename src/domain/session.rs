use super::{App, Device, EntityRef, Map, Os, Utm};
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub id: String,
    pub metadata: SessionMetadata,
    #[serde(default)]
    pub profile: Option<EntityRef>,
    #[serde(default)]
    pub device: Device,
    #[serde(default)]
    pub os: Os,
    #[serde(default)]
    pub app: App,
    #[serde(default)]
    pub utm: Utm,
    #[serde(default)]
    pub context: Map,
    #[serde(default)]
    pub properties: Map,
    #[serde(default)]
    pub traits: Map,
    #[serde(default)]
    pub aux: Map,
    #[serde(flatten)]
    pub extra: Map,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionMetadata {
    pub time: SessionTime,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default = "started")]
    pub status: String,
    #[serde(flatten)]
    pub extra: Map,
}

fn started() -> String {
    "started".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionTime {
    pub insert: DateTime<Utc>,
    #[serde(default)]
    pub create: Option<DateTime<Utc>>,
    #[serde(default)]
    pub update: Option<DateTime<Utc>>,
    /// Unix time (seconds) when the session started.
    #[serde(default)]
    pub timestamp: f64,
    /// Seconds between the first and the latest event of the session.
    #[serde(default)]
    pub duration: f64,
    #[serde(default)]
    pub weekday: Option<u32>,
    #[serde(flatten)]
    pub extra: Map,
}

impl Session {
    pub fn new(id: String, profile_id: Option<&str>, now: DateTime<Utc>) -> Self {
        Self {
            id,
            metadata: SessionMetadata {
                time: SessionTime {
                    insert: now,
                    create: Some(now),
                    update: None,
                    timestamp: now.timestamp_millis() as f64 / 1000.0,
                    duration: 0.0,
                    weekday: Some(now.weekday().num_days_from_monday()),
                    extra: Map::new(),
                },
                channel: None,
                status: started(),
                extra: Map::new(),
            },
            profile: profile_id.map(EntityRef::new),
            device: Device::default(),
            os: Os::default(),
            app: App::default(),
            utm: Utm::default(),
            context: Map::new(),
            properties: Map::new(),
            traits: Map::new(),
            aux: Map::new(),
            extra: Map::new(),
        }
    }

    pub fn profile_id(&self) -> Option<&str> {
        self.profile.as_ref().map(|p| p.id.as_str())
    }
}
