use super::Map;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Declares a section of `profile.data`: every field optional (`null` when unknown),
/// unknown keys kept in `extra`.
macro_rules! section {
    ($(#[$m:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
        pub struct $name {
            $(#[serde(default)] pub $field: $ty,)*
            #[serde(flatten)]
            pub extra: Map,
        }
    };
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub id: String,
    #[serde(default)]
    pub primary_id: Option<String>,
    /// Every id this profile is known by: its own id, merged-away ids and merge keys.
    #[serde(default)]
    pub ids: Vec<String>,
    pub metadata: ProfileMetadata,
    #[serde(default)]
    pub stats: ProfileStats,
    #[serde(default)]
    pub traits: Map,
    #[serde(default)]
    pub segments: Vec<String>,
    #[serde(default)]
    pub interests: BTreeMap<String, f64>,
    #[serde(default)]
    pub consents: BTreeMap<String, Consent>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub aux: Map,
    #[serde(default)]
    pub data: ProfileData,
    #[serde(flatten)]
    pub extra: Map,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileMetadata {
    pub time: ProfileTime,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub fields: Map,
    #[serde(default)]
    pub system: ProfileSystem,
    #[serde(flatten)]
    pub extra: Map,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileTime {
    pub insert: DateTime<Utc>,
    #[serde(default)]
    pub create: Option<DateTime<Utc>>,
    #[serde(default)]
    pub update: Option<DateTime<Utc>>,
    #[serde(default)]
    pub segmentation: Option<DateTime<Utc>>,
    #[serde(default)]
    pub visit: Visit,
    #[serde(flatten)]
    pub extra: Map,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Visit {
    #[serde(default)]
    pub last: Option<DateTime<Utc>>,
    #[serde(default)]
    pub current: Option<DateTime<Utc>>,
    #[serde(default)]
    pub count: u64,
    #[serde(default)]
    pub tz: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ProfileSystem {
    #[serde(default)]
    pub aux: SystemAux,
    #[serde(flatten)]
    pub extra: Map,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SystemAux {
    /// Merge-key fields that changed: the profile is marked for merging.
    #[serde(default)]
    pub auto_merge: Vec<String>,
    #[serde(flatten)]
    pub extra: Map,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ProfileStats {
    #[serde(default)]
    pub visits: u64,
    #[serde(default)]
    pub views: u64,
    #[serde(default)]
    pub counters: BTreeMap<String, f64>,
    #[serde(flatten)]
    pub extra: Map,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Consent {
    #[serde(default)]
    pub revoke: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub extra: Map,
}

section!(ProfileData {
    anonymous: Option<bool>,
    pii: Pii,
    contact: Contact,
    identifier: Identifier,
    devices: Devices,
    media: Media,
    preferences: Preferences,
    job: Job,
    metrics: Metrics,
    loyalty: Loyalty,
});

section!(Pii {
    firstname: Option<String>,
    lastname: Option<String>,
    display_name: Option<String>,
    birthday: Option<String>,
    language: Language,
    gender: Option<String>,
    education: Education,
    civil: Civil,
    attributes: Attributes,
});
section!(Language { native: Option<String>, spoken: Option<Value> });
section!(Education { level: Option<String> });
section!(Civil { status: Option<String> });
section!(Attributes { height: Option<f64>, weight: Option<f64>, shoe_number: Option<f64> });

section!(Contact {
    email: Email,
    phone: Phone,
    app: ContactApp,
    address: Address,
    confirmations: Vec<String>,
});
section!(Email { main: Option<String>, private: Option<String>, business: Option<String> });
section!(Phone {
    main: Option<String>,
    business: Option<String>,
    mobile: Option<String>,
    whatsapp: Option<String>,
});
section!(ContactApp {
    whatsapp: Option<String>,
    discord: Option<String>,
    slack: Option<String>,
    twitter: Option<String>,
    telegram: Option<String>,
    wechat: Option<String>,
    viber: Option<String>,
    signal: Option<String>,
    other: Map,
});
section!(Address {
    town: Option<String>,
    county: Option<String>,
    country: Option<String>,
    postcode: Option<String>,
    street: Option<String>,
    other: Option<String>,
});

section!(Identifier {
    id: Option<String>,
    pk: Option<String>,
    badge: Option<String>,
    passport: Option<String>,
    credit_card: Option<String>,
    token: Option<String>,
    coupons: Option<Value>,
});

section!(Devices { push: Vec<Value>, other: Vec<Value>, last: LastDevice });
section!(LastDevice { geo: Map });

section!(Media { image: Option<String>, webpage: Option<String>, social: Social });
section!(Social {
    twitter: Option<String>,
    facebook: Option<String>,
    youtube: Option<String>,
    instagram: Option<String>,
    tiktok: Option<String>,
    linkedin: Option<String>,
    reddit: Option<String>,
    other: Map,
});

section!(Preferences {
    purchases: Vec<Value>,
    colors: Vec<Value>,
    sizes: Vec<Value>,
    devices: Vec<Value>,
    channels: Vec<Value>,
    payments: Vec<Value>,
    brands: Vec<Value>,
    fragrances: Vec<Value>,
    services: Vec<Value>,
    other: Vec<Value>,
});

section!(Job {
    position: Option<String>,
    salary: Option<f64>,
    r#type: Option<String>,
    company: Company,
    department: Option<String>,
});
section!(Company {
    name: Option<String>,
    size: Option<Value>,
    segment: Option<String>,
    country: Option<String>,
});

section!(Metrics {
    ltv: f64,
    ltcosc: u64,
    ltcocc: u64,
    ltcop: u64,
    ltcosv: f64,
    ltcocv: f64,
    next: Option<DateTime<Utc>>,
    custom: Map,
});

section!(Loyalty { codes: Vec<Value>, card: LoyaltyCard });
section!(LoyaltyCard {
    id: Option<String>,
    name: Option<String>,
    issuer: Option<String>,
    expires: Option<String>,
    points: Option<f64>,
});

impl Profile {
    pub fn new(id: String, now: DateTime<Utc>) -> Self {
        Self {
            ids: vec![id.clone()],
            id,
            primary_id: None,
            metadata: ProfileMetadata {
                time: ProfileTime {
                    insert: now,
                    create: Some(now),
                    update: None,
                    segmentation: None,
                    visit: Visit::default(),
                    extra: Map::new(),
                },
                status: None,
                fields: Map::new(),
                system: ProfileSystem::default(),
                extra: Map::new(),
            },
            stats: ProfileStats::default(),
            traits: Map::new(),
            segments: vec![],
            interests: BTreeMap::new(),
            consents: BTreeMap::new(),
            active: true,
            aux: Map::new(),
            data: ProfileData::default(),
            extra: Map::new(),
        }
    }

    /// Keeps the invariant that `ids` contains `id`, once, with no empty entries.
    pub fn normalize_ids(&mut self) {
        let mut seen = std::collections::HashSet::new();
        let own = self.id.clone();
        self.ids.retain(|i| !i.is_empty() && seen.insert(i.clone()));
        if !self.ids.contains(&own) {
            self.ids.insert(0, own);
        }
    }

    /// Opens a new visit: `last` takes the old `current`.
    pub fn start_visit(&mut self, now: DateTime<Utc>, tz: Option<String>) {
        let visit = &mut self.metadata.time.visit;
        visit.count += 1;
        visit.last = visit.current.take();
        visit.current = Some(now);
        if tz.is_some() {
            visit.tz = tz;
        }
    }
}
