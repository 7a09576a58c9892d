//! Configuration: defaults < file (`tracardi.toml`) < environment (`TRACARDI_*`) < flags,
//! validated once at start.

use crate::domain::{Context, DEFAULT_TENANT};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_CONFIG_FILE: &str = "tracardi.toml";
pub const DEFAULT_DATA_DIR: &str = "./tracardi-data";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the embedded store lives.
    pub data_dir: PathBuf,
    /// The store: empty for the embedded store in `data_dir`.
    pub store: String,
    /// `text` or `json`.
    pub log_format: LogFormat,
    pub tenant: String,
    pub collector: CollectorConfig,
    pub private_api: PrivateApiConfig,
    pub storage: StorageConfig,
    pub identity: IdentityConfig,
    pub apm: ApmConfig,
    pub worker: WorkerConfig,
    pub segmentation: SegmentationConfig,
    pub bridges: BridgesConfig,
    pub tms: TmsConfig,
}

/// The tenant management service (`tracardictl serve tms`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TmsConfig {
    #[serde(deserialize_with = "listen_addr")]
    pub listen: SocketAddr,
    /// The key every TMS request must carry (`x-api-key` or `Authorization: Bearer`);
    /// empty: the TMS refuses every request.
    pub api_key: String,
}

impl Default for TmsConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8383)),
            api_key: String::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SegmentationConfig {
    /// Seconds between the worker's refreshes of every segment over every profile;
    /// 0 turns the periodic refresh off (segments are still evaluated live).
    pub refresh_interval_s: u64,
}

impl Default for SegmentationConfig {
    fn default() -> Self {
        Self {
            refresh_interval_s: 3600,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct IdentityConfig {
    /// Salt of the hashed merge keys: set at install (at least 20 characters) and never
    /// changed. Unset: the salt recorded in the store (generated on first start).
    pub merge_key_salt: Option<String>,
    /// Values that never make a merge key, besides the built-in ones.
    pub blocked_values: Vec<String>,
    /// Above this many profiles sharing keys nothing merges and a warning is journaled.
    pub max_profiles_per_merge: usize,
    /// Never merge profiles holding different `data.identifier.id` values.
    pub never_merge_different_identifier: bool,
    /// Merge strategy per field path (`*` wildcards): newest, oldest, min, max, sum,
    /// first, union.
    pub strategies: std::collections::BTreeMap<String, crate::identity::Strategy>,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            merge_key_salt: None,
            blocked_values: vec![],
            max_profiles_per_merge: 50,
            never_merge_different_identifier: false,
            strategies: Default::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ApmConfig {
    /// Milliseconds between passes when there was nothing to merge.
    pub interval_ms: u64,
    /// Marked profiles examined per pass.
    pub batch: usize,
}

impl Default for ApmConfig {
    fn default() -> Self {
        Self {
            interval_ms: 1000,
            batch: 500,
        }
    }
}

/// The background worker (`tracardictl serve worker`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerConfig {
    /// Items run at once per topic (workflow jobs, deliveries).
    pub concurrency: usize,
    /// Milliseconds a lease lasts before an unfinished item returns to the queue.
    pub visibility_ms: u64,
    /// Attempts (leases: failed, or lost when the lease expired) before an item goes to
    /// the dead-letter queue.
    pub max_attempts: u32,
    /// First retry delay in milliseconds; doubles with each failure.
    pub retry_base_ms: u64,
    /// Longest retry delay in milliseconds.
    pub retry_max_ms: u64,
    /// Sessions idle this many seconds are closed with a `visit-ended` event; 0: never.
    pub visit_idle_seconds: u64,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 64,
            visibility_ms: 60_000,
            max_attempts: 8,
            retry_base_ms: 1000,
            retry_max_ms: 600_000,
            visit_idle_seconds: 1800,
        }
    }
}

/// Message-broker bridges (`tracardictl serve bridge mqtt|amqp`; also run by `serve`
/// when `enabled`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct BridgesConfig {
    pub mqtt: MqttBridgeConfig,
    pub amqp: AmqpBridgeConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MqttBridgeConfig {
    /// Run inside the single-node `serve`.
    pub enabled: bool,
    /// `mqtt://[user:password@]host[:port]`, or `mqtts://…` for TLS (port 8883).
    pub url: String,
    /// The MQTT client id; the broker keeps its session (and QoS 1 messages sent while
    /// the bridge is down) under it. Empty: `tracardictl-<host>-<hash of the store,
    /// tenant and source>`, the same on every start on this host.
    pub client_id: String,
    /// Topic filters, comma-separated (`+` and `#` wildcards allowed).
    pub topics: String,
    /// The event source (type `mqtt`) messages are collected for.
    pub source: String,
    /// Each message is the properties of one `event_type` event, not a TrackerPayload.
    pub raw: bool,
    pub event_type: String,
    /// Where malformed messages go, with the reason.
    pub dead_letter_topic: String,
    /// TLS (`mqtts://` URLs): the CA certificates (PEM) the broker's certificate must
    /// chain to. Empty: the bundled Mozilla roots (public CAs).
    pub ca_file: String,
    /// A client certificate chain (PEM) for brokers that ask for one; with `key_file`.
    pub cert_file: String,
    /// The private key (PEM) of `cert_file`.
    pub key_file: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AmqpBridgeConfig {
    pub enabled: bool,
    /// `amqp://user:password@host:port/vhost` (`%2f` is the default vhost), or
    /// `amqps://…` for TLS (port 5671).
    pub url: String,
    /// The queue consumed (declared durable if missing).
    pub queue: String,
    /// The event source (type `queue`) messages are collected for.
    pub source: String,
    pub raw: bool,
    pub event_type: String,
    /// A fanout exchange for malformed messages (declared, with a bound queue
    /// `<queue>.dead-letter`, so nothing rejected is lost). Empty: `<queue>.dlx`, this
    /// bridge's own.
    pub dead_letter_exchange: String,
    /// Unacknowledged messages the broker may send ahead.
    pub prefetch: u16,
    /// TLS (`amqps://` URLs): the CA certificates (PEM) the broker's certificate must
    /// chain to. Empty: the bundled Mozilla roots (public CAs).
    pub ca_file: String,
    /// A client certificate chain (PEM) for brokers that ask for one; with `key_file`.
    pub cert_file: String,
    /// The private key (PEM) of `cert_file`.
    pub key_file: String,
}

impl Default for MqttBridgeConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            url: "mqtt://127.0.0.1:1883".into(),
            client_id: String::new(),
            topics: "tracardi/#".into(),
            source: String::new(),
            raw: false,
            event_type: "mqtt-message".into(),
            dead_letter_topic: "tracardi-dead-letter".into(),
            ca_file: String::new(),
            cert_file: String::new(),
            key_file: String::new(),
        }
    }
}

impl Default for AmqpBridgeConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            url: "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
            queue: "tracardi".into(),
            source: String::new(),
            raw: false,
            event_type: "queue-message".into(),
            dead_letter_exchange: String::new(),
            prefetch: 500,
            ca_file: String::new(),
            cert_file: String::new(),
            key_file: String::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CollectorConfig {
    #[serde(deserialize_with = "listen_addr")]
    pub listen: SocketAddr,
    /// Largest accepted request body in bytes (413 above it).
    pub body_limit: usize,
    /// Seconds a request may take before it is answered 408.
    pub request_timeout: u64,
    /// Answer 401 to user agents recognised as bots.
    pub refuse_bots: bool,
    /// Let `options.debugger` return the stored event ids.
    pub track_debug: bool,
    /// The context whose sources the collector uses and whose data it writes.
    pub context: Context,
    /// A host-name pattern with `{tenant}` (`{tenant}.collect.example.com`): a request
    /// whose `Host` matches it collects for that tenant. Empty: tenants are found by
    /// event source id only.
    pub tenant_host: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PrivateApiConfig {
    #[serde(deserialize_with = "listen_addr")]
    pub listen: SocketAddr,
    /// The secret `POST /install` requires to create the first admin; empty disables it.
    pub installation_token: String,
    /// Serve only the production context and ignore `x-context`.
    pub production_only: bool,
    /// Lifetime of a login token, in hours.
    pub token_ttl_hours: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// Page cache of the embedded store, in MiB.
    pub cache_mb: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            store: String::new(),
            log_format: LogFormat::Text,
            tenant: DEFAULT_TENANT.into(),
            collector: CollectorConfig::default(),
            private_api: PrivateApiConfig::default(),
            storage: StorageConfig::default(),
            bridges: BridgesConfig::default(),
            identity: IdentityConfig::default(),
            apm: ApmConfig::default(),
            worker: WorkerConfig::default(),
            tms: TmsConfig::default(),
            segmentation: SegmentationConfig::default(),
        }
    }
}

impl Default for CollectorConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 8585)),
            body_limit: 1024 * 1024,
            request_timeout: 30,
            refuse_bots: false,
            track_debug: false,
            context: Context::Production,
            tenant_host: String::new(),
        }
    }
}

impl Default for PrivateApiConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8686)),
            installation_token: String::new(),
            production_only: false,
            token_ttl_hours: 12,
        }
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self { cache_mb: 256 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("config file {path} is not valid TOML: {reason}")]
    Parse { path: String, reason: String },
    #[error("environment variable {var}: {reason}")]
    Env { var: String, reason: String },
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Every key that an environment variable can set: `TRACARDI_` + the dotted key in upper
/// case with `.` as `_` (`collector.listen` → `TRACARDI_COLLECTOR_LISTEN`).
pub const KEYS: &[&str] = &[
    "data_dir",
    "store",
    "log_format",
    "tenant",
    "collector.listen",
    "collector.body_limit",
    "collector.request_timeout",
    "collector.refuse_bots",
    "collector.track_debug",
    "collector.context",
    "collector.tenant_host",
    "private_api.listen",
    "private_api.installation_token",
    "private_api.production_only",
    "private_api.token_ttl_hours",
    "storage.cache_mb",
    "identity.merge_key_salt",
    "identity.max_profiles_per_merge",
    "identity.never_merge_different_identifier",
    "apm.interval_ms",
    "apm.batch",
    "worker.concurrency",
    "worker.visibility_ms",
    "worker.max_attempts",
    "worker.retry_base_ms",
    "worker.retry_max_ms",
    "worker.visit_idle_seconds",
    "segmentation.refresh_interval_s",
    "bridges.mqtt.enabled",
    "bridges.mqtt.url",
    "bridges.mqtt.client_id",
    "bridges.mqtt.topics",
    "bridges.mqtt.source",
    "bridges.mqtt.raw",
    "bridges.mqtt.event_type",
    "bridges.mqtt.dead_letter_topic",
    "bridges.mqtt.ca_file",
    "bridges.mqtt.cert_file",
    "bridges.mqtt.key_file",
    "bridges.amqp.enabled",
    "bridges.amqp.url",
    "bridges.amqp.queue",
    "bridges.amqp.source",
    "bridges.amqp.raw",
    "bridges.amqp.event_type",
    "bridges.amqp.dead_letter_exchange",
    "bridges.amqp.prefetch",
    "bridges.amqp.ca_file",
    "bridges.amqp.cert_file",
    "bridges.amqp.key_file",
    "tms.listen",
    "tms.api_key",
];

pub fn env_var_name(key: &str) -> String {
    format!("TRACARDI_{}", key.replace('.', "_").to_uppercase())
}

/// Keys only the file sets, with what their value is: a list or a table, which no
/// single environment variable holds. With [`KEYS`], every key the configuration
/// accepts; a test holds the two lists equal to the keys of [`Config`] itself.
pub const FILE_ONLY_KEYS: &[(&str, &str)] = &[
    ("identity.blocked_values", "a list of strings"),
    ("identity.strategies", "a table of field path = strategy"),
];

/// Every key the configuration accepts, section by section, each with the environment
/// variable that sets it, or what the file gives it when only the file does.
pub fn all_keys() -> Vec<(&'static str, Result<String, &'static str>)> {
    let section = |k: &str| k.rsplit_once('.').map_or("", |(s, _)| s).to_string();
    let mut out: Vec<(&'static str, Result<String, &'static str>)> =
        KEYS.iter().map(|k| (*k, Ok(env_var_name(k)))).collect();
    for (key, what) in FILE_ONLY_KEYS {
        // After the last key of its section.
        let at = out
            .iter()
            .rposition(|(k, _)| section(k) == section(key))
            .map_or(out.len(), |i| i + 1);
        out.insert(at, (key, Err(*what)));
    }
    out
}

/// A listen address: `IP:PORT`, or `localhost:PORT` for this host's loopback
/// (127.0.0.1). Other host names are refused: one name may stand for several
/// addresses, or for another one tomorrow.
pub fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    let port = s
        .rsplit_once(':')
        .map(|(host, port)| (host, port.parse::<u16>()));
    match port {
        Some((host, Ok(p))) if host.eq_ignore_ascii_case("localhost") => {
            Ok(SocketAddr::from(([127, 0, 0, 1], p)))
        }
        Some((host, Err(_))) if host.eq_ignore_ascii_case("localhost") => {
            Err(format!("`{s}`: the port must be a number from 0 to 65535"))
        }
        _ => {
            let p = match port {
                Some((_, Ok(p))) => p,
                _ => 8585,
            };
            Err(format!(
                "`{s}` is not a socket address to listen on: give an IP address and a port, such as \
                 127.0.0.1:{p} (or localhost:{p}) for this host only, [::1]:{p} for IPv6 \
                 loopback, or 0.0.0.0:{p} for every interface; other host names are not resolved"
            ))
        }
    }
}

/// Deserialises a listen address with [`parse_listen`].
fn listen_addr<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let s = String::deserialize(d)?;
    parse_listen(&s).map_err(serde::de::Error::custom)
}

static JSON_LOGS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether this process logs to standard error as JSON records (`serve --log-format
/// json`): whatever else it writes there must then be a JSON record too.
pub fn json_logs() -> bool {
    JSON_LOGS.load(std::sync::atomic::Ordering::Relaxed)
}

pub fn set_json_logs(on: bool) {
    JSON_LOGS.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Values given as flags; each overrides everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides(pub Vec<(&'static str, String)>);

/// Where the config file is: the explicit path (which must exist), else `tracardi.toml`
/// in the current directory if it exists.
pub fn locate(explicit: Option<&Path>) -> Option<PathBuf> {
    match explicit {
        Some(p) => Some(p.to_path_buf()),
        None => {
            let p = PathBuf::from(DEFAULT_CONFIG_FILE);
            p.exists().then_some(p)
        }
    }
}

fn set_key(table: &mut toml::Table, key: &str, raw: &str) {
    let value = parse_scalar(raw);
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().unwrap_or(key);
    let mut cur = table;
    for p in parts {
        let entry = cur
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        match entry {
            toml::Value::Table(t) => cur = t,
            _ => return,
        }
    }
    cur.insert(last.to_string(), value);
}

/// A value from the environment or a flag: integer or boolean if it reads as one,
/// otherwise a string.
fn parse_scalar(raw: &str) -> toml::Value {
    if let Ok(i) = raw.parse::<i64>() {
        return toml::Value::Integer(i);
    }
    match raw {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => toml::Value::String(raw.to_string()),
    }
}

impl Config {
    /// Loads the configuration with its precedence: defaults < file < env < overrides.
    pub fn load(
        file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
        overrides: &Overrides,
    ) -> Result<Self, ConfigError> {
        let mut table = toml::Table::new();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
            table = text
                .parse::<toml::Table>()
                .map_err(|e| ConfigError::Parse {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
        }
        for key in KEYS {
            let var = env_var_name(key);
            if let Some(v) = env(&var) {
                // A string key given a value that looks numeric stays a string.
                let mut t = toml::Table::new();
                set_key(&mut t, key, &v);
                let config_check: Result<Config, _> = toml::Value::Table(t.clone()).try_into();
                if config_check.is_err() {
                    let mut t2 = toml::Table::new();
                    set_key_string(&mut t2, key, &v);
                    if toml::Value::Table(t2).try_into::<Config>().is_ok() {
                        set_key_string(&mut table, key, &v);
                        continue;
                    }
                    return Err(ConfigError::Env {
                        var,
                        reason: config_check
                            .err()
                            .map(|e| error_reason(&e.to_string()))
                            .unwrap_or_default(),
                    });
                }
                set_key(&mut table, key, &v);
            }
        }
        for (key, v) in &overrides.0 {
            set_key_string(&mut table, key, v);
            if toml::Value::Table(table.clone())
                .try_into::<Config>()
                .is_err()
            {
                set_key(&mut table, key, v);
            }
        }
        let config: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid(error_reason(&e.to_string())))?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.collector.body_limit < 1024 {
            return Err(ConfigError::Invalid(
                "collector.body_limit must be at least 1024 bytes".into(),
            ));
        }
        if self.collector.request_timeout == 0 {
            return Err(ConfigError::Invalid(
                "collector.request_timeout must be at least 1 second".into(),
            ));
        }
        if self.private_api.token_ttl_hours == 0 {
            return Err(ConfigError::Invalid(
                "private_api.token_ttl_hours must be at least 1".into(),
            ));
        }
        if self.tenant.trim().is_empty() {
            return Err(ConfigError::Invalid("tenant must not be empty".into()));
        }
        // Durations beyond these are mistakes, and past chrono's range they would stop
        // the daemon where it adds them to a time.
        const DAY_S: u64 = 86_400;
        for (key, value, max, unit) in [
            (
                "collector.request_timeout",
                self.collector.request_timeout,
                DAY_S,
                "seconds",
            ),
            (
                "private_api.token_ttl_hours",
                self.private_api.token_ttl_hours,
                24 * 366,
                "hours",
            ),
            (
                "worker.visibility_ms",
                self.worker.visibility_ms,
                DAY_S * 1000,
                "ms",
            ),
            (
                "worker.retry_base_ms",
                self.worker.retry_base_ms,
                30 * DAY_S * 1000,
                "ms",
            ),
            (
                "worker.retry_max_ms",
                self.worker.retry_max_ms,
                30 * DAY_S * 1000,
                "ms",
            ),
            (
                "worker.visit_idle_seconds",
                self.worker.visit_idle_seconds,
                365 * DAY_S,
                "seconds",
            ),
            ("apm.interval_ms", self.apm.interval_ms, DAY_S * 1000, "ms"),
            (
                "segmentation.refresh_interval_s",
                self.segmentation.refresh_interval_s,
                365 * DAY_S,
                "seconds",
            ),
        ] {
            if value > max {
                return Err(ConfigError::Invalid(format!(
                    "{key} must be at most {max} {unit}"
                )));
            }
        }
        if let Some(salt) = &self.identity.merge_key_salt {
            if salt.chars().count() < crate::identity::keys::MIN_SALT_LEN {
                return Err(ConfigError::Invalid(format!(
                    "identity.merge_key_salt must be at least {} characters",
                    crate::identity::keys::MIN_SALT_LEN
                )));
            }
        }
        if self.identity.max_profiles_per_merge < 2 {
            return Err(ConfigError::Invalid(
                "identity.max_profiles_per_merge must be at least 2".into(),
            ));
        }
        if self.storage.cache_mb == 0 {
            return Err(ConfigError::Invalid(
                "storage.cache_mb must be at least 1".into(),
            ));
        }
        // Two services on one port: the second could never listen (port 0 asks the
        // system for a free one each).
        let (c, p) = (self.collector.listen, self.private_api.listen);
        if c.port() == p.port()
            && c.port() != 0
            && (c.ip() == p.ip() || c.ip().is_unspecified() || p.ip().is_unspecified())
        {
            return Err(ConfigError::Invalid(format!(
                "private_api.listen ({p}) and collector.listen ({c}) take the same port; give each service its own"
            )));
        }
        // The store URI is checked as `serve` will open it, so a typo is found here.
        let uri = self.store_uri();
        if let Some(why) = crate::store::unknown_scheme(&uri) {
            return Err(ConfigError::Invalid(format!("store: {why}")));
        }
        if crate::store::is_postgres_uri(&uri) {
            crate::store::postgres::PgSettings::parse(&uri)
                .map_err(|e| ConfigError::Invalid(format!("store: {e}")))?;
        }
        let host = &self.collector.tenant_host;
        if !host.is_empty() && host.matches("{tenant}").count() != 1 {
            return Err(ConfigError::Invalid(
                "collector.tenant_host must hold `{tenant}` once (`{tenant}.collect.example.com`)"
                    .into(),
            ));
        }
        let mqtt = &self.bridges.mqtt;
        if mqtt.enabled && mqtt.source.trim().is_empty() {
            return Err(ConfigError::Invalid(
                "bridges.mqtt.source must name an event source when the MQTT bridge is enabled"
                    .into(),
            ));
        }
        crate::daemon::bridges::mqtt::check_config(mqtt).map_err(ConfigError::Invalid)?;
        let amqp = &self.bridges.amqp;
        crate::daemon::bridges::amqp::check_config(amqp).map_err(ConfigError::Invalid)?;
        if amqp.enabled && amqp.source.trim().is_empty() {
            return Err(ConfigError::Invalid(
                "bridges.amqp.source must name an event source when the AMQP bridge is enabled"
                    .into(),
            ));
        }
        if amqp.queue.trim().is_empty() || amqp.queue.len() > 200 {
            return Err(ConfigError::Invalid(
                "bridges.amqp.queue must be 1 to 200 characters".into(),
            ));
        }
        // Empty: the bridge's own `<queue>.dlx`.
        let dlx = &amqp.dead_letter_exchange;
        if dlx.len() > 200 || (!dlx.is_empty() && dlx.trim().is_empty()) {
            return Err(ConfigError::Invalid(
                "bridges.amqp.dead_letter_exchange must be at most 200 characters, not blank \
                 (empty: `<queue>.dlx`)"
                    .into(),
            ));
        }
        if amqp.prefetch == 0 {
            return Err(ConfigError::Invalid(
                "bridges.amqp.prefetch must be at least 1".into(),
            ));
        }
        Ok(())
    }

    /// The store URI: `store` if set, else the embedded store in `data_dir`.
    pub fn store_uri(&self) -> String {
        if self.store.trim().is_empty() {
            self.data_dir.display().to_string()
        } else {
            self.store.clone()
        }
    }

    /// The configuration as TOML with secrets replaced by `<redacted>`.
    pub fn to_redacted_toml(&self) -> String {
        let mut value =
            toml::Value::try_from(self).unwrap_or(toml::Value::Table(toml::Table::new()));
        redact(&mut value, "");
        toml::to_string_pretty(&value).unwrap_or_default()
    }
}

fn set_key_string(table: &mut toml::Table, key: &str, raw: &str) {
    set_key(table, key, raw);
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().unwrap_or(key);
    let mut cur = table;
    for p in parts {
        match cur.get_mut(p) {
            Some(toml::Value::Table(t)) => cur = t,
            _ => return,
        }
    }
    cur.insert(last.to_string(), toml::Value::String(raw.to_string()));
}

/// A deserialisation error of the merged configuration on one line: toml puts the
/// reason first and the key it concerns ("in `collector.listen`") on a line of its own
/// after it; both are kept, the key first.
fn error_reason(s: &str) -> String {
    let lines: Vec<&str> = s.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    match lines.split_last() {
        Some((last, rest)) if last.starts_with("in `") && !rest.is_empty() => {
            format!("{last}: {}", rest.join(" "))
        }
        _ => lines.join(" "),
    }
}

/// Whether a key holds a secret.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    ["password", "token", "secret", "salt", "api_key"]
        .iter()
        .any(|s| k.contains(s))
}

fn redact(v: &mut toml::Value, key: &str) {
    match v {
        toml::Value::Table(t) => {
            for (k, inner) in t.iter_mut() {
                redact(inner, k);
            }
        }
        toml::Value::String(s) if is_secret_key(key) && !s.is_empty() => {
            *s = "<redacted>".into();
        }
        toml::Value::String(s) => *s = redact_uri_with(s, "<redacted>"),
        _ => {}
    }
}

/// A connection URI with its secrets replaced by `mask`: the password of
/// `scheme://user:password@host/…` and the value of every query parameter whose name
/// holds a secret (`?password=…`, `sslpassword`, `token`, …). Anything that is not such
/// a URI is returned as it is.
pub fn redact_uri_with(uri: &str, mask: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return uri.to_string();
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.find('/') {
        Some(i) => before_query.split_at(i),
        None => (before_query, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:{mask}@{host}"),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    let query = query.map(|q| {
        let pairs: Vec<String> = q
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if is_secret_key(k) => format!("{k}={mask}"),
                _ => pair.to_string(),
            })
            .collect();
        format!("?{}", pairs.join("&"))
    });
    format!("{scheme}://{authority}{path}{}", query.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn precedence_defaults_file_env_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.toml");
        std::fs::write(
            &file,
            "data_dir = \"/from/file\"\n[collector]\nbody_limit = 2048\nrequest_timeout = 5\n",
        )
        .unwrap();
        let env = env_of(&[
            ("TRACARDI_COLLECTOR_BODY_LIMIT", "4096"),
            ("TRACARDI_DATA_DIR", "/from/env"),
        ]);
        let c = Config::load(
            Some(&file),
            &env,
            &Overrides(vec![("data_dir", "/from/flag".into())]),
        )
        .unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/from/flag"));
        assert_eq!(c.collector.body_limit, 4096);
        assert_eq!(c.collector.request_timeout, 5);
        assert_eq!(c.private_api.listen.port(), 8686);
    }

    #[test]
    fn numeric_looking_strings_stay_strings() {
        let c = Config::load(
            None,
            &env_of(&[("TRACARDI_TENANT", "123")]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(c.tenant, "123");
    }

    #[test]
    fn errors_name_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.toml");
        std::fs::write(&file, "[collector]\nlisten = \"nope\"\n").unwrap();
        let e = Config::load(Some(&file), &env_of(&[]), &Overrides::default()).unwrap_err();
        assert!(
            e.to_string().contains("listen") || e.to_string().contains("socket"),
            "{e}"
        );
        std::fs::write(&file, "bogus_key = 1\n").unwrap();
        let e = Config::load(Some(&file), &env_of(&[]), &Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("bogus_key"), "{e}");
        let e = Config::load(
            None,
            &env_of(&[("TRACARDI_COLLECTOR_BODY_LIMIT", "lots")]),
            &Overrides::default(),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("TRACARDI_COLLECTOR_BODY_LIMIT"),
            "{e}"
        );
    }

    /// `config keys` and the environment cannot drift from the configuration: every
    /// key of [`Config`] is listed, and nothing else.
    #[test]
    fn every_key_of_the_config_is_listed() {
        fn leaves(t: &toml::Table, prefix: &str, out: &mut Vec<String>) {
            for (k, v) in t {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                match v {
                    // An empty table is a map whose keys the user names.
                    toml::Value::Table(inner) if !inner.is_empty() => leaves(inner, &path, out),
                    _ => out.push(path),
                }
            }
        }
        // Every optional key set, so that it is serialised.
        let c = Config {
            identity: IdentityConfig {
                merge_key_salt: Some("s".repeat(30)),
                ..IdentityConfig::default()
            },
            ..Config::default()
        };
        let toml::Value::Table(t) = toml::Value::try_from(&c).unwrap() else {
            panic!("not a table");
        };
        let mut found = Vec::new();
        leaves(&t, "", &mut found);
        found.sort();
        let mut listed: Vec<String> = all_keys().iter().map(|(k, _)| k.to_string()).collect();
        listed.sort();
        assert_eq!(
            found, listed,
            "add the key to KEYS (or FILE_ONLY_KEYS) in src/config.rs"
        );
        let keys = all_keys();
        let at = |k: &str| keys.iter().position(|(n, _)| *n == k).unwrap();
        // With their section.
        assert_eq!(
            at("identity.strategies"),
            at("identity.never_merge_different_identifier") + 2
        );
    }

    #[test]
    fn listen_addresses() {
        assert_eq!(
            parse_listen("0.0.0.0:8585").unwrap().to_string(),
            "0.0.0.0:8585"
        );
        assert_eq!(parse_listen("[::1]:1").unwrap().to_string(), "[::1]:1");
        assert_eq!(
            parse_listen("localhost:8585").unwrap().to_string(),
            "127.0.0.1:8585"
        );
        assert_eq!(
            parse_listen("LocalHost:0").unwrap().to_string(),
            "127.0.0.1:0"
        );
        assert!(parse_listen("localhost:http").unwrap_err().contains("port"));
        let e = parse_listen("db.internal:5000").unwrap_err();
        assert!(
            e.contains("127.0.0.1:5000") && e.contains("[::1]:5000"),
            "{e}"
        );
        assert!(parse_listen("8585").unwrap_err().contains("127.0.0.1:8585"));
    }

    #[test]
    fn redaction() {
        let c = Config {
            store: "postgres://app:hunter2@db/cdp".into(),
            ..Config::default()
        };
        let shown = c.to_redacted_toml();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("postgres://app:<redacted>@db/cdp"));
        for (uri, want) in [
            (
                "postgres://u@h:5432/db?password=pw",
                "postgres://u@h:5432/db?password=***",
            ),
            (
                "postgresql://x:envpw@h/db?schema=s&password=qs&sslpassword=k",
                "postgresql://x:***@h/db?schema=s&password=***&sslpassword=***",
            ),
            (
                "amqps://user:p@ss@host/vhost",
                "amqps://user:***@host/vhost",
            ),
            ("mqtt://host:1883", "mqtt://host:1883"),
            ("./tracardi-data", "./tracardi-data"),
        ] {
            assert_eq!(redact_uri_with(uri, "***"), want);
        }
        let mut v: toml::Value = toml::from_str("[a]\ninstallation_token = \"abc\"\n").unwrap();
        redact(&mut v, "");
        assert_eq!(v["a"]["installation_token"].as_str(), Some("<redacted>"));
    }
}
