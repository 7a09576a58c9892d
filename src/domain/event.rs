use super::{EntityRef, Map};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub event_type: String,
    pub metadata: EventMetadata,
    pub source: EntityRef,
    #[serde(default)]
    pub session: Option<EventSession>,
    #[serde(default)]
    pub profile: Option<EntityRef>,
    #[serde(default)]
    pub properties: Map,
    #[serde(default)]
    pub traits: Map,
    #[serde(default)]
    pub context: Map,
    #[serde(default)]
    pub request: Map,
    #[serde(default)]
    pub config: Map,
    #[serde(default)]
    pub tags: Tags,
    #[serde(default)]
    pub journey: Journey,
    #[serde(default)]
    pub utm: Utm,
    #[serde(default)]
    pub device: Device,
    #[serde(default)]
    pub os: Os,
    #[serde(default)]
    pub app: App,
    #[serde(default)]
    pub hit: Hit,
    #[serde(default)]
    pub aux: Map,
    #[serde(default)]
    pub data: Map,
    #[serde(flatten)]
    pub extra: Map,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventMetadata {
    pub time: EventTime,
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default = "collected")]
    pub status: String,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub processed_by: ProcessedBy,
    #[serde(default)]
    pub profile_less: bool,
    #[serde(default = "yes")]
    pub valid: bool,
    #[serde(default)]
    pub error: bool,
    #[serde(default)]
    pub warning: bool,
    #[serde(flatten)]
    pub extra: Map,
}

fn collected() -> String {
    "collected".into()
}
fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventTime {
    pub insert: DateTime<Utc>,
    #[serde(default)]
    pub create: Option<DateTime<Utc>>,
    #[serde(default)]
    pub update: Option<DateTime<Utc>>,
    /// Seconds spent processing the request that collected the event.
    #[serde(default)]
    pub process_time: Option<f64>,
    #[serde(flatten)]
    pub extra: Map,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ProcessedBy {
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub flows: Vec<String>,
    #[serde(flatten)]
    pub extra: Map,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSession {
    pub id: String,
    #[serde(default)]
    pub start: Option<DateTime<Utc>>,
    #[serde(default)]
    pub duration: f64,
    #[serde(default)]
    pub tz: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Tags {
    #[serde(default)]
    pub values: Vec<String>,
    #[serde(default)]
    pub count: usize,
}

impl Tags {
    pub fn from_values(values: Vec<String>) -> Self {
        Self {
            count: values.len(),
            values,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Journey {
    #[serde(default)]
    pub state: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Utm {
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub medium: Option<String>,
    #[serde(default)]
    pub campaign: Option<String>,
    #[serde(default)]
    pub term: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(flatten)]
    pub extra: Map,
}

impl Utm {
    pub fn is_empty(&self) -> bool {
        self.source.is_none()
            && self.medium.is_none()
            && self.campaign.is_none()
            && self.term.is_none()
            && self.content.is_none()
            && self.extra.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Device {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub brand: Option<String>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default, rename = "type")]
    pub device_type: Option<String>,
    #[serde(default)]
    pub touch: bool,
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub resolution: Option<String>,
    #[serde(default)]
    pub color_depth: Option<i64>,
    #[serde(default)]
    pub orientation: Option<String>,
    #[serde(default)]
    pub geo: Map,
    #[serde(flatten)]
    pub extra: Map,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Os {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(flatten)]
    pub extra: Map,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct App {
    #[serde(default)]
    pub bot: bool,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default, rename = "type")]
    pub app_type: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(flatten)]
    pub extra: Map,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Hit {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub referer: Option<String>,
    #[serde(default)]
    pub query: Option<String>,
    #[serde(flatten)]
    pub extra: Map,
}

impl Event {
    pub fn new(id: String, event_type: String, source_id: &str, now: DateTime<Utc>) -> Self {
        Self {
            id,
            name: Some(super::event_type_name(&event_type)),
            event_type,
            metadata: EventMetadata {
                time: EventTime {
                    insert: now,
                    create: Some(now),
                    update: None,
                    process_time: None,
                    extra: Map::new(),
                },
                ip: None,
                status: collected(),
                channel: None,
                processed_by: ProcessedBy::default(),
                profile_less: false,
                valid: true,
                error: false,
                warning: false,
                extra: Map::new(),
            },
            source: EntityRef::new(source_id),
            session: None,
            profile: None,
            properties: Map::new(),
            traits: Map::new(),
            context: Map::new(),
            request: Map::new(),
            config: Map::new(),
            tags: Tags::default(),
            journey: Journey::default(),
            utm: Utm::default(),
            device: Device::default(),
            os: Os::default(),
            app: App::default(),
            hit: Hit::default(),
            aux: Map::new(),
            data: Map::new(),
            extra: Map::new(),
        }
    }

    pub fn profile_id(&self) -> Option<&str> {
        self.profile.as_ref().map(|p| p.id.as_str())
    }
}
