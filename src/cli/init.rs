//! `tracardictl init`: the installer of a new host.
//!
//! Every answer comes, in this order, from a flag, the answers file, a prompt (only on
//! a terminal and without `--non-interactive`) or a default. Nothing is written before
//! the summary is confirmed; then the store is set up first and `tracardi.toml` is
//! written last, atomically, so an interrupted run leaves no half-written file and can
//! simply be run again.

use super::connection::{ClientConfig, Connection};
use super::{Cli, Failure, EXIT_USAGE};
use crate::config::{Config, Overrides, DEFAULT_CONFIG_FILE, DEFAULT_DATA_DIR};
use crate::daemon::private_api::auth::{AuthStore, NewUser};
use crate::daemon::private_api::Role;
use crate::domain::{new_id, Context, EventSource, Scope, SOURCE_TYPES};
use crate::store::{self, SharedStore};
use anyhow::{anyhow, Context as _};
use clap::{Args, ValueEnum};
use serde::Deserialize;
use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// Exit code when the operator interrupts the wizard (as a shell reports SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;

/// The name of the API key `init` creates for the CLI connection.
const API_KEY_NAME: &str = "tracardictl init";

/// Set up this host: configuration, store, admin, first event source, CLI connection
#[derive(Debug, Args, Default)]
#[command(
    long_about = "Set up this host: write tracardi.toml, create the store and both contexts \
        (staging, production), the first admin user, the first event source, an API key and \
        the CLI connection (so `tracardictl get …` works without `login`), and optionally \
        systemd units.\n\n\
        On a terminal it asks for every answer not given as a flag, shows a summary and \
        writes nothing before you confirm. With --non-interactive or --answers it never \
        prompts and names the flag of any missing answer. It refuses to prompt when standard \
        input is not a terminal.\n\n\
        Running it again on an installed host says what exists and changes nothing, unless \
        --force names the parts to redo.",
    after_help = "Examples:\n  tracardictl init\n  tracardictl init --non-interactive --admin-email admin@example.com --admin-password \"$PASSWORD\"\n  tracardictl init --answers answers.toml\n  tracardictl init --non-interactive --deployment postgres --store-url postgres://cdp@db/cdp --services collector --admin-email a@example.com\n  tracardictl init --force api-key --force connection"
)]
pub struct InitArgs {
    /// Never prompt; fail naming the flag of any missing answer
    #[arg(long)]
    pub non_interactive: bool,

    /// Read the answers from a TOML file (keys as the flags, with `_`); implies --non-interactive
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,

    /// Deployment kind [default: single]
    #[arg(long, value_enum)]
    pub deployment: Option<Deployment>,

    /// PostgreSQL URL of a `postgres` deployment (the connection is tested)
    #[arg(long, value_name = "URL")]
    pub store_url: Option<String>,

    /// Services this host runs, comma-separated [default: all of them, the single-node set]
    #[arg(long, value_enum, value_delimiter = ',')]
    pub services: Option<Vec<HostService>>,

    /// Listen address of the public collector [default: 0.0.0.0:8585]
    #[arg(long, value_name = "ADDR", value_parser = crate::config::parse_listen)]
    pub collector_listen: Option<SocketAddr>,

    /// Listen address of the private API; keep it off public networks [default: 127.0.0.1:8686]
    #[arg(long, value_name = "ADDR", value_parser = crate::config::parse_listen)]
    pub private_api_listen: Option<SocketAddr>,

    /// Installation token of the private API's `POST /install` [default: generated]
    #[arg(long, value_name = "TOKEN")]
    pub installation_token: Option<String>,

    /// Merge-key salt, at least 20 characters, never changed after install [default: generated]
    #[arg(long, value_name = "SALT")]
    pub merge_key_salt: Option<String>,

    /// E-mail of the first admin user
    #[arg(long, value_name = "EMAIL")]
    pub admin_email: Option<String>,

    /// Password of the first admin user (better: the environment variable)
    #[arg(
        long,
        value_name = "PASSWORD",
        env = "TRACARDICTL_ADMIN_PASSWORD",
        hide_env_values = true
    )]
    pub admin_password: Option<String>,

    /// Name of the first event source [default: Website]
    #[arg(long, value_name = "NAME")]
    pub source_name: Option<String>,

    /// Type of the first event source [default: rest]
    #[arg(long, value_name = "TYPE")]
    pub source_type: Option<String>,

    /// Write systemd unit files
    #[arg(long)]
    pub systemd: Option<bool>,

    /// Where the systemd units go [default: /etc/systemd/system]
    #[arg(long, value_name = "DIR")]
    pub systemd_dir: Option<PathBuf>,

    /// The user the services run as [default: tracardi]
    #[arg(long, value_name = "USER")]
    pub systemd_user: Option<String>,

    /// Name of the CLI connection written [default: local]
    #[arg(long, value_name = "NAME")]
    pub connection_name: Option<String>,

    /// API key of the tenant management service (`serve tms`), at least 16 characters,
    /// written to the config as tms.api_key [default: none, the TMS refuses every call]
    #[arg(long, value_name = "KEY", env = "TRACARDI_TMS_API_KEY")]
    pub tms_api_key: Option<String>,

    /// Redo a part that exists (repeatable)
    #[arg(long, value_enum, value_name = "PART")]
    pub force: Vec<Part>,

    /// Do not ask for confirmation of the summary
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Deployment {
    /// One host, embedded storage in the data directory
    Single,
    /// Several hosts sharing one PostgreSQL database
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostService {
    /// The public collector API
    Collector,
    /// The private API for the CLI and the TUI
    PrivateApi,
    /// Automatic profile merging
    Apm,
    /// The background worker: workflows of asynchronous sources, deliveries, visit end
    Worker,
}

impl HostService {
    /// Every service, in the order `serve` names them: the single-node set.
    const ALL: [HostService; 4] = [
        HostService::Collector,
        HostService::PrivateApi,
        HostService::Apm,
        HostService::Worker,
    ];

    fn name(self) -> &'static str {
        match self {
            HostService::Collector => "collector",
            HostService::PrivateApi => "private-api",
            HostService::Apm => "apm",
            HostService::Worker => "worker",
        }
    }
}

/// A part of the installation that `--force` redoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// Rewrite init's keys of tracardi.toml, keeping the others (old file: .bak)
    Config,
    /// Set the admin's password again (creating the user if missing)
    Admin,
    /// Write the first event source again, same id
    Source,
    /// Revoke init's API key and issue a new one (rewrites the connection)
    ApiKey,
    /// Make the CLI connection the current one again
    Connection,
    /// Rewrite the systemd units
    Systemd,
}

/// Answers from `--answers FILE`: the flags' names with `_`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    pub deployment: Option<Deployment>,
    pub store_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub services: Option<Vec<HostService>>,
    #[serde(default, deserialize_with = "listen_answer")]
    pub collector_listen: Option<SocketAddr>,
    #[serde(default, deserialize_with = "listen_answer")]
    pub private_api_listen: Option<SocketAddr>,
    pub installation_token: Option<String>,
    pub merge_key_salt: Option<String>,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    pub source_name: Option<String>,
    pub source_type: Option<String>,
    pub systemd: Option<bool>,
    pub systemd_dir: Option<PathBuf>,
    pub systemd_user: Option<String>,
    pub connection_name: Option<String>,
    pub tms_api_key: Option<String>,
}

/// A listen address of the answers file, read as the flags read it (`localhost:PORT`).
fn listen_answer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<SocketAddr>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| crate::config::parse_listen(&s).map_err(serde::de::Error::custom))
        .transpose()
}

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("missing {flag} (or `{key}` in the answers file); --non-interactive never prompts")]
    Missing {
        flag: &'static str,
        key: &'static str,
    },
    #[error("standard input is not a terminal, so init will not prompt: pass --non-interactive with the answers as flags, or --answers FILE")]
    NotATerminal,
    #[error("interrupted; nothing was written")]
    Interrupted,
    #[error("{flag}: {reason}")]
    Invalid { flag: &'static str, reason: String },
    #[error("cancelled at the summary; nothing was written")]
    Cancelled,
}

/// Every answer, resolved.
#[derive(Debug, Clone)]
pub struct Plan {
    pub config_path: PathBuf,
    pub deployment: Deployment,
    pub store_url: Option<String>,
    pub data_dir: PathBuf,
    pub services: Vec<HostService>,
    pub collector_listen: SocketAddr,
    pub private_api_listen: SocketAddr,
    pub installation_token: String,
    pub merge_key_salt: String,
    pub admin_email: String,
    pub admin_password: String,
    pub source_name: String,
    pub source_type: String,
    pub systemd: bool,
    pub systemd_dir: PathBuf,
    pub systemd_user: String,
    pub connection_name: String,
    /// Why the connection is not the one asked for (`local` is another server's).
    pub connection_note: Option<String>,
    /// The TMS API key written to the config, when one was given.
    pub tms_api_key: Option<String>,
    /// The salt was generated, not given: a salt the store recorded replaces it.
    pub salt_generated: bool,
    /// Answers that would change a tracardi.toml that is kept: not applied.
    pub ignored: Vec<(String, String)>,
}

/// A generated secret: 64 hexadecimal characters from the OS's randomness.
fn generated_secret() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Whether an address can be reached from other networks: every interface, or an
/// address that is neither loopback, private, link-local nor in the shared address
/// space of carrier-grade NAT (100.64.0.0/10, which VPNs such as Tailscale use too).
pub fn is_public(addr: &SocketAddr) -> bool {
    let ip = match addr.ip() {
        // `::ffff:10.0.0.1` is 10.0.0.1.
        IpAddr::V6(ip) => ip.to_ipv4_mapped().map_or(IpAddr::V6(ip), IpAddr::V4),
        ip => ip,
    };
    match ip {
        IpAddr::V4(ip) => {
            let [a, b, ..] = ip.octets();
            let shared = a == 100 && (b & 0xc0) == 64;
            ip.is_unspecified()
                || !(ip.is_loopback() || ip.is_private() || ip.is_link_local() || shared)
        }
        IpAddr::V6(ip) => {
            let seg = ip.segments()[0];
            let unique_local = (seg & 0xfe00) == 0xfc00;
            let link_local = (seg & 0xffc0) == 0xfe80;
            ip.is_unspecified() || !(ip.is_loopback() || unique_local || link_local)
        }
    }
}

const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "password123",
    "123456789",
    "1234567890",
    "qwertyuiop",
    "letmein123",
    "administrator",
    "admin12345",
    "welcome123",
    "iloveyou123",
    "tracardi123",
];

/// Why a password is too weak, or `None` when it is acceptable: at least 10 characters
/// with three kinds of character (lower case, upper case, digits, others), or a
/// passphrase of 16 or more; never a common password nor the e-mail's name.
pub fn password_problem(password: &str, email: &str) -> Option<String> {
    let len = password.chars().count();
    if len < 10 {
        return Some("must be at least 10 characters".into());
    }
    let lower = password.to_lowercase();
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        return Some("is a well-known password".into());
    }
    let name = email.split('@').next().unwrap_or("").to_lowercase();
    if name.chars().count() >= 4 && lower.contains(&name) {
        return Some("must not contain the e-mail's name".into());
    }
    let kinds = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if kinds < 3 && len < 16 {
        return Some(
            "mix three of lower case, upper case, digits and symbols, or use 16 or more characters"
                .into(),
        );
    }
    None
}

fn check_email(email: &str) -> Result<(), String> {
    let e = email.trim();
    match e.split_once('@') {
        Some((a, b)) if !a.is_empty() && b.contains('.') && !e.contains(' ') => Ok(()),
        _ => Err("must be an e-mail address".into()),
    }
}

fn check_salt(salt: &str) -> Result<(), String> {
    let min = crate::identity::keys::MIN_SALT_LEN;
    if salt.chars().count() < min {
        return Err(format!("must be at least {min} characters"));
    }
    Ok(())
}

/// Whether init can create (or write to) a directory (the data directory, the config
/// file's): the nearest directory that exists must take a new directory. The probe is
/// removed at once.
fn check_data_dir(d: &str) -> Result<(), String> {
    if d.trim().is_empty() {
        return Err("must not be empty".into());
    }
    let dir = absolute(Path::new(d));
    let mut base = dir.as_path();
    loop {
        match std::fs::metadata(base) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => return Err(format!("{} is not a directory", base.display())),
            // Missing, or below a file: the parent tells.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                match base.parent() {
                    Some(p) => base = p,
                    None => return Err(format!("cannot create {}: {e}", dir.display())),
                }
            }
            Err(e) => return Err(format!("cannot use {}: {e}", base.display())),
        }
    }
    let probe = base.join(format!(".tracardictl-init-{}", std::process::id()));
    match std::fs::create_dir(&probe) {
        Ok(()) => {
            let _ = std::fs::remove_dir(&probe);
            Ok(())
        }
        Err(e) if base == dir => Err(format!("{} is not writable: {e}", dir.display())),
        Err(e) => Err(format!(
            "cannot create {}: {} takes no new directory ({e})",
            dir.display(),
            base.display()
        )),
    }
}

/// Why nothing could listen on an address now, or `None` when it is free.
fn listen_problem(addr: &SocketAddr) -> Option<String> {
    match std::net::TcpListener::bind(addr) {
        Ok(_) => None,
        Err(e) => Some(match e.kind() {
            std::io::ErrorKind::AddrInUse => format!("{addr} is in use by another program"),
            std::io::ErrorKind::AddrNotAvailable => {
                format!("{addr} is not an address of this host")
            }
            std::io::ErrorKind::PermissionDenied => {
                format!("listening on {addr} needs privileges this user lacks")
            }
            _ => format!("cannot listen on {addr}: {e}"),
        }),
    }
}

fn check_source_type(t: &str) -> Result<(), String> {
    if SOURCE_TYPES.contains(&t) {
        Ok(())
    } else {
        Err(format!("must be one of: {}", SOURCE_TYPES.join(", ")))
    }
}

/// Tests a PostgreSQL URL by connecting (which also applies its migrations).
fn test_postgres(url: &str) -> Result<(), String> {
    if !store::is_postgres_uri(url) {
        return Err("must start with postgres:// or postgresql://".into());
    }
    let rt = super::runtime().map_err(|e| e.to_string())?;
    rt.block_on(async {
        match tokio::time::timeout(
            std::time::Duration::from_secs(15),
            store::postgres::PostgresStore::connect(url),
        )
        .await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!(
                "cannot connect to {}: {e}",
                crate::daemon::redact_uri(url)
            )),
            Err(_) => Err(format!(
                "no answer from {} within 15 s",
                crate::daemon::redact_uri(url)
            )),
        }
    })
}

/// Where answers come from when neither a flag nor the answers file gives one.
enum Asker {
    /// Defaults only; a missing answer without a default is an error.
    Never,
    /// A dialoguer prompt on the terminal.
    Terminal(Box<dialoguer::theme::ColorfulTheme>),
}

fn prompt_err(e: dialoguer::Error) -> anyhow::Error {
    let dialoguer::Error::IO(io) = e;
    if io.kind() == std::io::ErrorKind::Interrupted {
        InitError::Interrupted.into()
    } else {
        anyhow!("cannot prompt: {io}")
    }
}

impl Asker {
    fn text(
        &self,
        given: Option<String>,
        default: Option<String>,
        prompt: &str,
        flag: &'static str,
        key: &'static str,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> anyhow::Result<String> {
        if let Some(v) = given {
            check(&v).map_err(|reason| InitError::Invalid { flag, reason })?;
            return Ok(v);
        }
        match self {
            Asker::Never => {
                let v = default.ok_or(InitError::Missing { flag, key })?;
                check(&v).map_err(|reason| InitError::Invalid { flag, reason })?;
                Ok(v)
            }
            Asker::Terminal(theme) => {
                let mut input = dialoguer::Input::<String>::with_theme(theme.as_ref())
                    .with_prompt(prompt)
                    .validate_with(|v: &String| check(v));
                if let Some(d) = default {
                    input = input.default(d);
                }
                input.interact_text().map_err(prompt_err)
            }
        }
    }

    fn confirm(&self, given: Option<bool>, default: bool, prompt: &str) -> anyhow::Result<bool> {
        if let Some(v) = given {
            return Ok(v);
        }
        match self {
            Asker::Never => Ok(default),
            Asker::Terminal(theme) => dialoguer::Confirm::with_theme(theme.as_ref())
                .with_prompt(prompt)
                .default(default)
                .interact()
                .map_err(prompt_err),
        }
    }

    fn select(&self, items: &[&str], default: usize, prompt: &str) -> anyhow::Result<usize> {
        match self {
            Asker::Never => Ok(default),
            Asker::Terminal(theme) => dialoguer::Select::with_theme(theme.as_ref())
                .with_prompt(prompt)
                .items(items)
                .default(default)
                .interact()
                .map_err(prompt_err),
        }
    }

    fn password(&self, given: Option<String>, email: &str) -> anyhow::Result<String> {
        const FLAG: &str = "--admin-password";
        if let Some(v) = given {
            if let Some(reason) = password_problem(&v, email) {
                return Err(InitError::Invalid { flag: FLAG, reason }.into());
            }
            return Ok(v);
        }
        match self {
            Asker::Never => Err(InitError::Missing {
                flag: "--admin-password (or TRACARDICTL_ADMIN_PASSWORD)",
                key: "admin_password",
            }
            .into()),
            Asker::Terminal(theme) => {
                let email = email.to_string();
                dialoguer::Password::with_theme(theme.as_ref())
                    .with_prompt("Admin password")
                    .with_confirmation("Repeat the password", "The passwords differ; again")
                    .validate_with(move |p: &String| match password_problem(p, &email) {
                        Some(r) => Err(format!("too weak: {r}")),
                        None => Ok(()),
                    })
                    .interact()
                    .map_err(prompt_err)
            }
        }
    }
}

fn read_answers(path: &Path) -> anyhow::Result<Answers> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the answers file {}", path.display()))?;
    toml::from_str(&text)
        .with_context(|| format!("the answers file {} is not valid", path.display()))
}

/// Resolves every answer: flag, answers file, prompt, default.
/// The answers, with what the config file of an installed host says where they are
/// silent: running `init` again (`--force config` above all) keeps the store, the
/// addresses, the installation token and the merge-key salt it was set up with, unless
/// a flag or the answers file changes them. A config file that does not load is an
/// error: rewriting it from defaults would point the host at a new, empty store.
/// Returns the installed configuration too, when there is one.
fn with_installed(
    mut answers: Answers,
    config_path: &Path,
) -> anyhow::Result<(Answers, Option<Config>)> {
    if !config_path.exists() {
        return Ok((answers, None));
    }
    let installed = Config::load(Some(config_path), &|_| None, &Overrides::default())
        .with_context(|| {
            format!(
                "{} exists but does not load; fix it (or move it away) before running init again",
                config_path.display()
            )
        })?;
    let postgres = crate::store::is_postgres_uri(&installed.store);
    answers.deployment.get_or_insert(if postgres {
        Deployment::Postgres
    } else {
        Deployment::Single
    });
    if postgres {
        answers.store_url.get_or_insert(installed.store.clone());
    } else {
        let dir = match installed.store.trim() {
            "" => installed.data_dir.clone(),
            s => PathBuf::from(s.strip_prefix("sled:").unwrap_or(s)),
        };
        answers.data_dir.get_or_insert(dir);
    }
    answers
        .collector_listen
        .get_or_insert(installed.collector.listen);
    answers
        .private_api_listen
        .get_or_insert(installed.private_api.listen);
    if !installed.private_api.installation_token.trim().is_empty() {
        answers
            .installation_token
            .get_or_insert(installed.private_api.installation_token.clone());
    }
    if let Some(salt) = &installed.identity.merge_key_salt {
        answers.merge_key_salt.get_or_insert(salt.clone());
    }
    Ok((answers, Some(installed)))
}

fn resolve(
    cli: &Cli,
    args: &InitArgs,
    mut answers: Answers,
    asker: &Asker,
) -> anyhow::Result<Plan> {
    let config_path = cli
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE));
    // A store URL is a PostgreSQL deployment: it implies one, and contradicts a single
    // node named in the same answers.
    let url_given = args.store_url.is_some() || answers.store_url.is_some();
    let single_named = args.deployment.or(answers.deployment) == Some(Deployment::Single);
    if url_given && single_named {
        return Err(InitError::Invalid {
            flag: "--store-url",
            reason: "a store URL needs --deployment postgres; a single node keeps its store \
                     in the data directory (--data-dir)"
                .into(),
        }
        .into());
    }
    if answers.store_url.is_some() {
        answers.deployment.get_or_insert(Deployment::Postgres);
    }
    let (answers, installed) = with_installed(answers, &config_path)?;
    // tracardi.toml is written last: a directory it cannot go to is said now, before
    // anything else is set up.
    if installed.is_none() || args.force.contains(&Part::Config) {
        let dir = match config_path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        check_data_dir(&dir.display().to_string()).map_err(|reason| InitError::Invalid {
            flag: "--config",
            reason,
        })?;
    }

    let deployment = match args
        .deployment
        .or(args.store_url.as_ref().map(|_| Deployment::Postgres))
        .or(answers.deployment)
    {
        Some(d) => d,
        None => {
            let i = asker.select(
                &[
                    "single node: embedded storage on this host",
                    "several hosts: one shared PostgreSQL database",
                ],
                0,
                "Deployment",
            )?;
            if i == 0 {
                Deployment::Single
            } else {
                Deployment::Postgres
            }
        }
    };
    let store_url = match deployment {
        Deployment::Single => None,
        Deployment::Postgres => Some(asker.text(
            args.store_url.clone().or(answers.store_url),
            None,
            "PostgreSQL URL (postgres://user:password@host/db)",
            "--store-url",
            "store_url",
            &test_postgres,
        )?),
    };
    let data_dir = PathBuf::from(
        asker.text(
            cli.data_dir
                .clone()
                .or(answers.data_dir)
                .map(|p| p.display().to_string()),
            Some(DEFAULT_DATA_DIR.into()),
            "Data directory",
            "--data-dir",
            "data_dir",
            &|d| match deployment {
                Deployment::Single => check_data_dir(d),
                // Nothing is stored there: the store is PostgreSQL.
                Deployment::Postgres if d.trim().is_empty() => Err("must not be empty".into()),
                Deployment::Postgres => Ok(()),
            },
        )?,
    );
    // Absolute, so the daemons find it whatever their working directory.
    let data_dir = absolute(&data_dir);

    let services = match args.services.clone().or(answers.services) {
        Some(s) if s.is_empty() => {
            return Err(InitError::Invalid {
                flag: "--services",
                reason: "name at least one service".into(),
            }
            .into())
        }
        // Each once, in the order `serve` names them.
        Some(s) => HostService::ALL
            .into_iter()
            .filter(|h| s.contains(h))
            .collect(),
        None => match asker {
            Asker::Never => HostService::ALL.to_vec(),
            Asker::Terminal(theme) => loop {
                let names: Vec<&str> = HostService::ALL.iter().map(|s| s.name()).collect();
                let chosen = dialoguer::MultiSelect::with_theme(theme.as_ref())
                    .with_prompt("Services this host runs (space toggles, enter accepts)")
                    .items(&names)
                    .defaults(&[true; HostService::ALL.len()])
                    .interact()
                    .map_err(prompt_err)?;
                if !chosen.is_empty() {
                    break chosen
                        .into_iter()
                        .filter_map(|i| HostService::ALL.get(i).copied())
                        .collect();
                }
                eprintln!("Choose at least one service.");
            },
        },
    };

    let parse_addr = |s: &str| crate::config::parse_listen(s).map(|_| ());
    // An address typed at a prompt is tried at once: a port in use (or an address this
    // host does not have) is said there, and asked again unless taken anyway.
    let usable = |a: &SocketAddr, given: bool| -> anyhow::Result<bool> {
        if given || matches!(asker, Asker::Never) {
            return Ok(true);
        }
        match listen_problem(a) {
            None => Ok(true),
            Some(problem) => {
                eprintln!("warning: {problem}; the service cannot start there now");
                asker.confirm(None, false, "Use this address anyway?")
            }
        }
    };
    // One listen address: the given one, or asked for with its default.
    let ask_addr = |given: Option<SocketAddr>,
                    default: &'static str,
                    prompt: &'static str,
                    flag: &'static str,
                    key: &'static str|
     -> anyhow::Result<SocketAddr> {
        asker
            .text(
                given.map(|a| a.to_string()),
                Some(default.into()),
                prompt,
                flag,
                key,
                &parse_addr,
            )
            .and_then(|a| crate::config::parse_listen(&a).map_err(|e| anyhow!("{flag}: {e}")))
    };
    let given_collector = args.collector_listen.or(answers.collector_listen);
    let collector_listen = loop {
        let a = ask_addr(
            given_collector,
            "0.0.0.0:8585",
            "Collector listen address (public)",
            "--collector-listen",
            "collector_listen",
        )?;
        if usable(&a, given_collector.is_some())? {
            break a;
        }
    };
    let given_private = args.private_api_listen.or(answers.private_api_listen);
    let private_api_listen = loop {
        let a = ask_addr(
            given_private,
            "127.0.0.1:8686",
            "Private API listen address (keep it on loopback or a VPN)",
            "--private-api-listen",
            "private_api_listen",
        )?;
        if is_public(&a) {
            eprintln!(
                "warning: the private API on {a} would be reachable from public networks; it serves \
                 configuration and customer data and should listen on loopback or a VPN address"
            );
            if given_private.is_none()
                && !matches!(asker, Asker::Never)
                && !asker.confirm(None, false, "Listen on this public address anyway?")?
            {
                continue;
            }
        }
        if usable(&a, given_private.is_some())? {
            break a;
        }
    };

    let installation_token = asker.text(
        args.installation_token
            .clone()
            .or(answers.installation_token),
        Some(generated_secret()),
        "Installation token of POST /install",
        "--installation-token",
        "installation_token",
        &|t| {
            if t.trim().len() < 16 {
                Err("must be at least 16 characters".into())
            } else {
                Ok(())
            }
        },
    )?;
    // A salt nobody chose gives way to the one an existing store recorded (see
    // `setup_store`): a store first started by `serve`, or by an init that failed later.
    let given_salt = args.merge_key_salt.clone().or(answers.merge_key_salt);
    let salt_given = given_salt.is_some();
    let generated_salt = generated_secret();
    let merge_key_salt = asker.text(
        given_salt,
        Some(generated_salt.clone()),
        "Merge-key salt (never change it after install)",
        "--merge-key-salt",
        "merge_key_salt",
        &check_salt,
    )?;
    let admin_email = asker
        .text(
            args.admin_email.clone().or(answers.admin_email),
            None,
            "Admin e-mail",
            "--admin-email",
            "admin_email",
            &check_email,
        )?
        .trim()
        .to_ascii_lowercase();
    let admin_password = asker.password(
        args.admin_password.clone().or(answers.admin_password),
        &admin_email,
    )?;
    let source_name = asker.text(
        args.source_name.clone().or(answers.source_name),
        Some("Website".into()),
        "Name of the first event source",
        "--source-name",
        "source_name",
        &|n| {
            if n.trim().is_empty() {
                Err("must not be empty".into())
            } else {
                Ok(())
            }
        },
    )?;
    let source_type = match args.source_type.clone().or(answers.source_type) {
        Some(t) => {
            check_source_type(&t).map_err(|reason| InitError::Invalid {
                flag: "--source-type",
                reason,
            })?;
            t
        }
        None => {
            let i = asker.select(SOURCE_TYPES, 0, "Type of the first event source")?;
            SOURCE_TYPES.get(i).unwrap_or(&"rest").to_string()
        }
    };
    let systemd = asker.confirm(
        args.systemd.or(answers.systemd),
        false,
        "Write systemd unit files?",
    )?;
    let (systemd_dir, systemd_user) = if systemd {
        let dir = asker.text(
            args.systemd_dir
                .clone()
                .or(answers.systemd_dir)
                .map(|p| p.display().to_string()),
            Some("/etc/systemd/system".into()),
            "Directory of the unit files",
            "--systemd-dir",
            "systemd_dir",
            &|_| Ok(()),
        )?;
        let user = asker.text(
            args.systemd_user.clone().or(answers.systemd_user),
            Some("tracardi".into()),
            "User the services run as",
            "--systemd-user",
            "systemd_user",
            &|u| {
                if u.is_empty() || u.contains(char::is_whitespace) {
                    Err("must be a user name".into())
                } else {
                    Ok(())
                }
            },
        )?;
        if !matches!(asker, Asker::Never) && system_user(&user).is_none() {
            eprintln!(
                "note: there is no user `{user}` on this host yet; create it before starting the \
                 services (init prints how)"
            );
        }
        (PathBuf::from(dir), user)
    } else {
        (
            args.systemd_dir
                .clone()
                .or(answers.systemd_dir)
                .unwrap_or_else(|| PathBuf::from("/etc/systemd/system")),
            args.systemd_user
                .clone()
                .or(answers.systemd_user)
                .unwrap_or_else(|| "tracardi".into()),
        )
    };
    // A kept tracardi.toml decides where the private API listens, whatever the answers.
    let kept = installed
        .as_ref()
        .filter(|_| !args.force.contains(&Part::Config));
    let served_at = kept.map_or(private_api_listen, |c| c.private_api.listen);
    let (connection_name, connection_note) = connection_for(
        args.connection_name.clone().or(answers.connection_name),
        &local_url(&served_at),
        args.force.contains(&Part::Connection),
    )?;
    let tms_api_key = args
        .tms_api_key
        .clone()
        .or(answers.tms_api_key)
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty());
    if tms_api_key.as_ref().is_some_and(|k| k.len() < 16) {
        return Err(InitError::Invalid {
            flag: "--tms-api-key",
            reason: "must be at least 16 characters".into(),
        }
        .into());
    }
    let salt_generated = !salt_given && merge_key_salt == generated_salt;
    let mut plan = Plan {
        tms_api_key,
        config_path,
        deployment,
        store_url,
        data_dir,
        services,
        collector_listen,
        private_api_listen,
        installation_token,
        merge_key_salt,
        admin_email,
        admin_password,
        source_name,
        source_type,
        systemd,
        systemd_dir,
        systemd_user,
        connection_name,
        connection_note,
        salt_generated,
        ignored: Vec::new(),
    };
    if let Some(installed) = kept {
        plan.ignored = plan.not_applied(installed);
    }
    Ok(plan)
}

/// The CLI connection init writes: the name asked for, unless a connection of that name
/// points at another server. Then an explicit name is refused (or replaced with
/// `--force connection`) and the default `local` becomes the first free `local-N`; the
/// note says why.
fn connection_for(
    given: Option<String>,
    url: &str,
    replace: bool,
) -> anyhow::Result<(String, Option<String>)> {
    let clients = ClientConfig::load()?;
    let elsewhere = |name: &str| {
        clients
            .connections
            .get(name)
            .map(|c| c.url.trim_end_matches('/').to_string())
            .filter(|u| u != url.trim_end_matches('/'))
    };
    match given {
        Some(name) => match elsewhere(&name) {
            None => Ok((name, None)),
            // `apply` says what it pointed at.
            Some(_) if replace => Ok((name, None)),
            Some(other) => Err(InitError::Invalid {
                flag: "--connection-name",
                reason: format!(
                    "the CLI connection `{name}` in {} points at {other}, not at this host's \
                     private API ({url}); name another connection, or add --force connection \
                     to replace it",
                    super::connection::config_path()?.display()
                ),
            }
            .into()),
        },
        None => {
            const DEFAULT: &str = "local";
            let Some(taken) = elsewhere(DEFAULT) else {
                return Ok((DEFAULT.into(), None));
            };
            let name = (2..)
                .map(|n| format!("{DEFAULT}-{n}"))
                .find(|n| elsewhere(n).is_none())
                .unwrap_or_else(|| DEFAULT.into());
            Ok((name, Some(format!("`{DEFAULT}` points at {taken}"))))
        }
    }
}

/// The account of a user name on this host, if there is one.
fn system_user(name: &str) -> Option<(u32, u32)> {
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: getpwnam takes a NUL-terminated name and returns a pointer to static
    // storage (or null); the fields are copied before any other call.
    unsafe {
        let pw = libc::getpwnam(c.as_ptr());
        if pw.is_null() {
            None
        } else {
            Some(((*pw).pw_uid, (*pw).pw_gid))
        }
    }
}

/// The keys of `old` that `fresh` does not set, as dotted paths (a table `fresh` lacks
/// is named once, not key by key).
fn kept_keys(old: &toml::Table, fresh: &toml::Table, prefix: &str, out: &mut Vec<String>) {
    for (k, v) in old {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match (v, fresh.get(k)) {
            (_, None) => out.push(path),
            (toml::Value::Table(o), Some(toml::Value::Table(f))) => kept_keys(o, f, &path, out),
            _ => {}
        }
    }
}

/// Sets every key of `top` in `base`, table by table.
fn overlay(base: &mut toml::Table, top: toml::Table) {
    for (k, v) in top {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(t)) => overlay(b, t),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

impl Plan {
    /// The `tracardi.toml` this plan writes: only what init decided, with comments.
    pub fn config_toml(&self) -> String {
        let mut out = String::from(
            "# Written by `tracardictl init`. Every key: `tracardictl config keys`;\n\
             # the effective configuration: `tracardictl config show`.\n\n",
        );
        out.push_str(&format!(
            "data_dir = {}\n",
            toml_str(&self.data_dir.display().to_string())
        ));
        if let Some(url) = &self.store_url {
            out.push_str(&format!("store = {}\n", toml_str(url)));
        }
        out.push_str(&format!(
            "\n[collector]\nlisten = {}\n\n[private_api]\nlisten = {}\ninstallation_token = {}\n\n\
             [identity]\n# Never change the salt: every merge key depends on it.\nmerge_key_salt = {}\n",
            toml_str(&self.collector_listen.to_string()),
            toml_str(&self.private_api_listen.to_string()),
            toml_str(&self.installation_token),
            toml_str(&self.merge_key_salt),
        ));
        if let Some(key) = &self.tms_api_key {
            out.push_str(&format!(
                "\n[tms]\n# The key of the tenant management service (`serve tms`, `tracardictl tenant`).\napi_key = {}\n",
                toml_str(key)
            ));
        }
        out
    }

    /// The answers that differ from a tracardi.toml that is kept, as (the flag with its
    /// value, unless secret; what the file says).
    fn not_applied(&self, installed: &Config) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut note = |answer: String, why: String| {
            out.push((
                answer,
                format!("{why} and is kept (add --force config to apply it)"),
            ))
        };
        let kind = |d: Deployment| match d {
            Deployment::Single => "single",
            Deployment::Postgres => "postgres",
        };
        let installed_deployment = if store::is_postgres_uri(&installed.store) {
            Deployment::Postgres
        } else {
            Deployment::Single
        };
        let redact = crate::daemon::redact_uri;
        if self.deployment != installed_deployment {
            note(
                format!("--deployment {}", kind(self.deployment)),
                format!("tracardi.toml says {}", kind(installed_deployment)),
            );
        } else if let Some(url) = &self.store_url {
            if url != &installed.store {
                note(
                    format!("--store-url {}", redact(url)),
                    format!("tracardi.toml says {}", redact(&installed.store)),
                );
            }
        } else {
            let dir = match installed.store.trim() {
                "" => installed.data_dir.clone(),
                s => PathBuf::from(s.strip_prefix("sled:").unwrap_or(s)),
            };
            if absolute(&dir) != self.data_dir {
                note(
                    format!("--data-dir {}", self.data_dir.display()),
                    format!("tracardi.toml says {}", dir.display()),
                );
            }
        }
        for (flag, now, file) in [
            (
                "--collector-listen",
                self.collector_listen,
                installed.collector.listen,
            ),
            (
                "--private-api-listen",
                self.private_api_listen,
                installed.private_api.listen,
            ),
        ] {
            if now != file {
                note(
                    format!("{flag} {now}"),
                    format!("tracardi.toml says {file}"),
                );
            }
        }
        let file_token = installed.private_api.installation_token.trim();
        if !file_token.is_empty() && file_token != self.installation_token {
            note(
                "--installation-token".into(),
                "tracardi.toml has another".into(),
            );
        }
        if !self.salt_generated
            && installed.identity.merge_key_salt.as_deref() != Some(&*self.merge_key_salt)
        {
            note(
                "--merge-key-salt".into(),
                "tracardi.toml has another".into(),
            );
        }
        if let Some(key) = &self.tms_api_key {
            if key != &installed.tms.api_key {
                note(
                    "--tms-api-key".into(),
                    if installed.tms.api_key.is_empty() {
                        "tracardi.toml has none".into()
                    } else {
                        "tracardi.toml has another".into()
                    },
                );
            }
        }
        out
    }

    /// The `tracardi.toml` that replaces `old` (`--force config`): init's keys from this
    /// plan, every other key of the old file kept as it was. Returns the text and the
    /// kept keys.
    fn config_replacing(&self, old: &toml::Table) -> anyhow::Result<(String, Vec<String>)> {
        let fresh: toml::Table = toml::from_str(&self.config_toml())
            .context("the generated configuration does not load")?;
        let mut merged = old.clone();
        if self.store_url.is_none() {
            // init's own key: the embedded store is the data directory.
            merged.remove("store");
        }
        let mut kept = Vec::new();
        kept_keys(&merged, &fresh, "", &mut kept);
        if kept.is_empty() {
            return Ok((self.config_toml(), kept));
        }
        overlay(&mut merged, fresh);
        let body = toml::to_string(&merged).context("cannot encode the configuration")?;
        Ok((
            format!(
                "# Written by `tracardictl init --force config`, which kept the other settings\n\
                 # of the file it replaced. Every key: `tracardictl config keys`.\n\
                 # Never change identity.merge_key_salt: every merge key depends on it.\n\n{body}"
            ),
            kept,
        ))
    }

    fn summary(&self) -> String {
        let store = match &self.store_url {
            Some(u) => crate::daemon::redact_uri(u),
            None => format!("embedded, in {}", self.data_dir.display()),
        };
        let services: Vec<&str> = self.services.iter().map(|s| s.name()).collect();
        let mut s = format!(
            "  config file        {}\n  store              {store}\n  services           {}\n  \
             collector          {}\n  private API        {}{}\n  installation token <set>\n  \
             merge-key salt     {}\n  admin              {}\n  first event source {} ({})\n  \
             CLI connection     {}{}\n",
            self.config_path.display(),
            services.join(", "),
            self.collector_listen,
            self.private_api_listen,
            if is_public(&self.private_api_listen) {
                "  (PUBLIC!)"
            } else {
                ""
            },
            if self.salt_generated {
                "<generated, unless the store recorded one>"
            } else {
                "<set>"
            },
            self.admin_email,
            self.source_name,
            self.source_type,
            self.connection_name,
            match &self.connection_note {
                Some(note) => format!(" ({note})"),
                None => String::new(),
            },
        );
        if self.systemd {
            s.push_str(&format!(
                "  systemd units      {} (user {})\n",
                self.systemd_dir.display(),
                self.systemd_user
            ));
        }
        s
    }

    /// The private API's URL as the CLI reaches it from this host.
    fn private_api_url(&self) -> String {
        local_url(&self.private_api_listen)
    }
}

/// `http://ADDR`, with an every-interface address replaced by loopback.
pub fn local_url(addr: &SocketAddr) -> String {
    let mut a = *addr;
    if a.ip().is_unspecified() {
        a.set_ip(match a.ip() {
            IpAddr::V4(_) => IpAddr::from([127, 0, 0, 1]),
            IpAddr::V6(_) => IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
        });
    }
    format!("http://{a}")
}

/// What exists, what was created: one line per part.
#[derive(Debug, Default)]
struct Report {
    lines: Vec<String>,
}

impl Report {
    fn line(&mut self, kind: &str, part: &str, what: impl std::fmt::Display) {
        self.lines.push(format!("  {kind:<8} {part:<12} {what}"));
    }
    fn created(&mut self, part: &str, what: impl std::fmt::Display) {
        self.line("created", part, what);
    }
    fn exists(&mut self, part: &str, what: impl std::fmt::Display) {
        self.line("exists", part, what);
    }
    /// An answer (a flag and its value) that had no effect, and why.
    fn ignored(&mut self, answer: &str, why: impl std::fmt::Display) {
        self.lines.push(format!("  ignored  {answer}: {why}"));
    }
}

/// Set while init writes: a Ctrl-C then waits for the writing to finish.
static WRITING: AtomicBool = AtomicBool::new(false);
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static TERMINAL: std::sync::OnceLock<libc::termios> = std::sync::OnceLock::new();

extern "C" fn on_sigint(_: libc::c_int) {
    if WRITING.load(Ordering::SeqCst) {
        INTERRUPTED.store(true, Ordering::SeqCst);
        return;
    }
    // Only async-signal-safe calls: restore the terminal, show the cursor, leave.
    if let Some(t) = TERMINAL.get() {
        // SAFETY: tcsetattr and write are async-signal-safe; `t` is a valid termios.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, t);
        }
    }
    let msg = b"\x1b[?25h\ntracardictl: interrupted; nothing was written\n";
    // SAFETY: write and _exit are async-signal-safe.
    unsafe {
        libc::write(libc::STDERR_FILENO, msg.as_ptr().cast(), msg.len());
        libc::_exit(i32::from(EXIT_INTERRUPTED));
    }
}

/// Remembers the terminal's settings and catches SIGINT so that an interrupted prompt
/// leaves the terminal as it was.
pub(crate) fn guard_terminal() {
    // SAFETY: tcgetattr fills the zeroed struct; sigaction installs a handler that only
    // makes async-signal-safe calls.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(libc::STDIN_FILENO, &mut t) == 0 {
            let _ = TERMINAL.set(t);
        }
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
    }
}

fn show_cursor() {
    // Only a terminal has a cursor to show; elsewhere the escape sequence is noise.
    if std::io::stderr().is_terminal() {
        let _ = dialoguer::console::Term::stderr().show_cursor();
    }
}

pub fn run(cli: &Cli, args: &InitArgs) -> Result<(), Failure> {
    let interactive = !args.non_interactive && args.answers.is_none();
    if interactive && !std::io::stdin().is_terminal() {
        return Err(usage(InitError::NotATerminal.into()));
    }
    let answers = match &args.answers {
        Some(p) => read_answers(p).map_err(usage)?,
        None => Answers::default(),
    };
    let asker = if interactive {
        guard_terminal();
        Asker::Terminal(Box::default())
    } else {
        Asker::Never
    };
    let plan = match resolve(cli, args, answers, &asker) {
        Ok(p) => p,
        Err(e) => {
            show_cursor();
            return Err(classify(e));
        }
    };
    if interactive && !args.yes {
        eprintln!("\nAbout to set up:\n{}", plan.summary());
        let go = asker.confirm(None, true, "Write this?").map_err(|e| {
            show_cursor();
            classify(e)
        })?;
        if !go {
            return Err(Failure {
                code: 1,
                error: InitError::Cancelled.into(),
            });
        }
    }
    WRITING.store(true, Ordering::SeqCst);
    let result = apply(&plan, &args.force);
    WRITING.store(false, Ordering::SeqCst);
    let done = result?;
    print_next_steps(&plan, &done);
    if INTERRUPTED.load(Ordering::SeqCst) {
        eprintln!("tracardictl: interrupted after the setup was complete");
        return Err(Failure {
            code: EXIT_INTERRUPTED,
            error: InitError::Interrupted.into(),
        });
    }
    Ok(())
}

fn usage(e: anyhow::Error) -> Failure {
    Failure {
        code: EXIT_USAGE,
        error: e,
    }
}

fn classify(e: anyhow::Error) -> Failure {
    let code = match e.downcast_ref::<InitError>() {
        Some(InitError::Interrupted) => EXIT_INTERRUPTED,
        Some(InitError::Missing { .. } | InitError::Invalid { .. } | InitError::NotATerminal) => {
            EXIT_USAGE
        }
        _ => 1,
    };
    Failure { code, error: e }
}

/// What `apply` did, for the next steps.
struct Done {
    report: Report,
    source_id: String,
    collector_url: String,
    api_key: Option<String>,
    units: Vec<String>,
    /// The embedded store's directory; `None` on PostgreSQL.
    store_dir: Option<PathBuf>,
}

fn apply(plan: &Plan, force: &[Part]) -> anyhow::Result<Done> {
    let forced = |p: Part| force.contains(&p);
    let mut report = Report::default();
    let keep_config = plan.config_path.exists() && !forced(Part::Config);
    // The file `--force config` replaces: the settings init does not manage are kept.
    let replaced = if plan.config_path.exists() && !keep_config {
        let text = std::fs::read_to_string(&plan.config_path)
            .with_context(|| format!("cannot read {}", plan.config_path.display()))?;
        let table: toml::Table = toml::from_str(&text)
            .with_context(|| format!("{} is not valid TOML", plan.config_path.display()))?;
        Some((text, table))
    } else {
        None
    };
    let config_text = |plan: &Plan| match &replaced {
        Some((_, old)) => plan.config_replacing(old),
        None => Ok((plan.config_toml(), Vec::new())),
    };
    let config = if keep_config {
        let c = Config::load(
            Some(&plan.config_path),
            &|k| std::env::var(k).ok(),
            &Overrides::default(),
        )?;
        report.exists("config", plan.config_path.display());
        c
    } else {
        let c: Config = toml::from_str(&config_text(plan)?.0)
            .context("the generated configuration does not load")?;
        c.validate()?;
        c
    };
    for (flag, why) in &plan.ignored {
        report.ignored(flag, why);
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (source_id, api_key, salt) =
        runtime.block_on(setup_store(plan, &config, force, &mut report))?;

    // The connection: only a new API key can be written into it.
    let mut clients = ClientConfig::load()?;
    let conn_path = super::connection::config_path()?;
    let exists = clients.connections.contains_key(&plan.connection_name);
    match &api_key {
        Some(key) => {
            let url = local_url(&config.private_api.listen);
            let before = clients
                .connections
                .get(&plan.connection_name)
                .map(|c| c.url.clone())
                .filter(|u| u.trim_end_matches('/') != url);
            clients.connections.insert(
                plan.connection_name.clone(),
                Connection {
                    url,
                    token: key.clone(),
                    user: Some(plan.admin_email.clone()),
                    context: None,
                },
            );
            if clients.current.is_none() || !exists || forced(Part::Connection) {
                clients.current = Some(plan.connection_name.clone());
            }
            clients.save()?;
            let what = format!("`{}` in {}", plan.connection_name, conn_path.display());
            match (before, &plan.connection_note) {
                (Some(before), _) => report.line(
                    "replaced",
                    "connection",
                    format!("{what} (it pointed at {before})"),
                ),
                (None, Some(note)) => report.created("connection", format!("{what} ({note})")),
                (None, None) => report.created("connection", what),
            }
        }
        None if exists && forced(Part::Connection) => {
            clients.current = Some(plan.connection_name.clone());
            clients.save()?;
            report.created(
                "connection",
                format!("`{}` is current again", plan.connection_name),
            );
        }
        None if exists => report.exists(
            "connection",
            format!("`{}` in {}", plan.connection_name, conn_path.display()),
        ),
        None => report.lines.push(format!(
            "  missing  connection   `{}`: init's API key exists and its secret is not shown \
             twice; run again with --force api-key, or `tracardictl login`",
            plan.connection_name
        )),
    }

    if !keep_config {
        // The salt the store holds, which may be one it recorded before.
        let plan = Plan {
            merge_key_salt: salt,
            ..plan.clone()
        };
        let (text, kept) = config_text(&plan)?;
        let mut what = plan.config_path.display().to_string();
        if let Some((old, _)) = &replaced {
            let mut backup = plan.config_path.clone().into_os_string();
            backup.push(".bak");
            let backup = PathBuf::from(backup);
            write_private(&backup, old.as_bytes())?;
            if !kept.is_empty() {
                what.push_str(&format!(
                    " (kept from the file it replaces: {})",
                    kept.join(", ")
                ));
            }
            what.push_str(&format!("; the replaced file is {}", backup.display()));
        }
        write_private(&plan.config_path, text.as_bytes())?;
        report.created("config", what);
    }

    let mut units = Vec::new();
    if plan.systemd {
        for (name, text) in systemd_units(plan, &config)? {
            let path = plan.systemd_dir.join(&name);
            if path.exists() && !forced(Part::Systemd) {
                report.exists("systemd", path.display());
            } else {
                std::fs::create_dir_all(&plan.systemd_dir)
                    .with_context(|| format!("cannot create {}", plan.systemd_dir.display()))?;
                write_atomic(&path, text.as_bytes(), 0o644)?;
                report.created("systemd", path.display());
            }
            units.push(name);
        }
    }
    Ok(Done {
        report,
        source_id,
        collector_url: local_url(&config.collector.listen),
        api_key,
        units,
        store_dir: (!store::is_postgres_uri(&config.store_uri()))
            .then(|| absolute(&config.data_dir)),
    })
}

/// The store, its contexts, the admin, the first event source and the API key. Returns
/// the source id, the API key's secret when one was issued and the store's merge-key
/// salt.
async fn setup_store(
    plan: &Plan,
    config: &Config,
    force: &[Part],
    report: &mut Report,
) -> anyhow::Result<(String, Option<String>, String)> {
    let forced = |p: Part| force.contains(&p);
    let shown = crate::daemon::redact_uri(&config.store_uri());
    if !store::is_postgres_uri(&config.store_uri()) && !config.data_dir.exists() {
        // Customer data: readable by the services' user only.
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(&config.data_dir)
            .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    }
    let store: SharedStore = crate::daemon::open_store(config).await?;
    let recorded = store.meta("merge_key_salt").await?;
    // A salt nobody chose never overrides the one the store was started with (by
    // `serve`, or by an init that failed after setting up the store).
    let adopted = recorded.clone().filter(|r| {
        plan.salt_generated && config.identity.merge_key_salt.as_deref() != Some(r.as_str())
    });
    let configured = adopted
        .clone()
        .or_else(|| config.identity.merge_key_salt.clone());
    let salt = crate::daemon::resolve_salt(&store, configured.as_deref())
        .await
        .with_context(|| format!("the store at {shown}"))?;
    match (&recorded, &adopted) {
        (None, _) => report.created("store", &shown),
        (Some(_), Some(_)) => report.exists(
            "store",
            format!("{shown} (keeping the merge-key salt it recorded)"),
        ),
        (Some(_), None) => report.exists("store", &shown),
    }

    let tenant = config.tenant.as_str();
    let auth = AuthStore {
        store: store.as_ref(),
        tenant: tenant.into(),
    };
    let api = |e: crate::daemon::http::ApiError| anyhow!("{} (store {shown})", e.message);
    let had_contexts = auth.installed_contexts().await.map_err(api)?;
    let admins: Vec<String> = auth
        .users()
        .await
        .map_err(api)?
        .into_iter()
        .filter(|u| u.roles.contains(&Role::Admin))
        .map(|u| u.email)
        .collect();
    let outcome = auth
        .install(plan.admin_email.clone(), plan.admin_password.clone(), None)
        .await
        .map_err(api)?;
    for ctx in Context::ALL {
        if had_contexts.contains(&ctx) {
            report.exists("context", ctx);
        } else {
            report.created("context", ctx);
        }
    }
    if outcome.admin_created {
        report.created("admin", &plan.admin_email);
    } else if forced(Part::Admin) {
        match auth.user_by_email(&plan.admin_email).await.map_err(api)? {
            Some(u) => {
                auth.set_password(&u, plan.admin_password.clone())
                    .await
                    .map_err(api)?;
                report.created("admin", format!("{} (new password)", plan.admin_email));
            }
            None => {
                auth.create_user(NewUser {
                    email: plan.admin_email.clone(),
                    password: plan.admin_password.clone(),
                    name: Some("Administrator".into()),
                    roles: vec![Role::Admin],
                    expiration_timestamp: None,
                })
                .await
                .map_err(api)?;
                report.created("admin", &plan.admin_email);
            }
        }
    } else {
        report.exists("admin", admins.join(", "));
        if !admins.contains(&plan.admin_email) {
            report.ignored(
                &format!("--admin-email {}", plan.admin_email),
                format!(
                    "the store's admin is {} (add --force admin to create this one too)",
                    admins.join(", ")
                ),
            );
        }
    }

    // The first event source, the same id in both contexts.
    let production = Scope::new(tenant, Context::Production);
    let existing = store::event_sources(store.as_ref(), &production)
        .await?
        .into_iter()
        .find(|s| s.name == plan.source_name);
    let source_id = match existing {
        Some(s) if !forced(Part::Source) => {
            report.exists("source", format!("{} ({}) {}", s.name, s.source_type, s.id));
            s.id
        }
        found => {
            let id = found.map(|s| s.id).unwrap_or_else(new_id);
            let mut source = EventSource::new_rest(id.clone(), plan.source_name.clone());
            source.description = "Created by tracardictl init.".into();
            if plan.source_type != "rest" {
                source.source_type = plan.source_type.clone();
                source.synchronous = None;
                source.channel = String::new();
            }
            for ctx in Context::ALL {
                store::put_event_source(store.as_ref(), &Scope::new(tenant, ctx), &source).await?;
            }
            report.created(
                "source",
                format!("{} ({}) {}", source.name, source.source_type, id),
            );
            id
        }
    };

    // The API key behind the CLI connection.
    let key_name = format!("{API_KEY_NAME} ({})", plan.connection_name);
    let old: Vec<String> = auth
        .tokens()
        .await
        .map_err(api)?
        .into_iter()
        .filter(|(_, r)| r.kind == "api-key" && r.name == key_name)
        .map(|(k, _)| k)
        .collect();
    let api_key = if !old.is_empty() && !forced(Part::ApiKey) {
        report.exists("api-key", &key_name);
        None
    } else {
        for k in &old {
            auth.revoke(k).await.map_err(api)?;
        }
        let (secret, _) = auth
            .issue_token("api-key", key_name.clone(), None, vec![Role::Admin], None)
            .await
            .map_err(api)?;
        report.created("api-key", &key_name);
        Some(secret)
    };
    store.durable().await?;
    Ok((source_id, api_key, salt))
}

/// Writes a file through a temporary file and a rename, so it is whole or absent.
fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(mode);
        }
        let mut f = opts.open(&tmp)?;
        // Exactly `mode`, also over a temporary file a killed run left.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        }
        std::io::Write::write_all(&mut f, bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow!("cannot write {}: {e}", path.display())
    })
}

/// Secrets inside: readable by the owner only.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomic(path, bytes, 0o600)
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The unit files: on the embedded store one unit for every chosen service (one process
/// may open it); on PostgreSQL one unit per service.
pub fn systemd_units(plan: &Plan, config: &Config) -> anyhow::Result<Vec<(String, String)>> {
    let exe = std::env::current_exe().unwrap_or_else(|_| "/usr/local/bin/tracardictl".into());
    let exe = unit_word(&exe.display().to_string(), UnitField::Command)?;
    let config_path = unit_word(
        &absolute(&plan.config_path).display().to_string(),
        UnitField::Command,
    )?;
    // The only path the services write: the embedded store's directory. A PostgreSQL
    // host writes none (and systemd refuses to start a unit whose path is missing).
    let writable = if store::is_postgres_uri(&config.store_uri()) {
        String::new()
    } else {
        format!(
            "ReadWritePaths={}\n",
            unit_word(
                &absolute(&config.data_dir).display().to_string(),
                UnitField::Path
            )?
        )
    };
    let unit = |what: &str, services: &str| {
        format!(
            "[Unit]\n\
             Description=tracardictl {what}\n\
             Documentation=man:tracardictl-serve(1)\n\
             After=network-online.target\n\
             Wants=network-online.target\n\n\
             [Service]\n\
             Type=simple\n\
             User={user}\n\
             Group={user}\n\
             ExecStart={exe} --config {config} serve {services}\n\
             Restart=on-failure\n\
             RestartSec=5s\n\
             # serve drains in-flight requests and flushes the store on SIGTERM.\n\
             KillSignal=SIGTERM\n\
             TimeoutStopSec=30s\n\
             LimitNOFILE=65536\n\
             NoNewPrivileges=yes\n\
             ProtectSystem=strict\n\
             ProtectHome=yes\n\
             PrivateTmp=yes\n\
             PrivateDevices=yes\n\
             ProtectKernelTunables=yes\n\
             ProtectKernelModules=yes\n\
             ProtectControlGroups=yes\n\
             RestrictSUIDSGID=yes\n\
             RestrictNamespaces=yes\n\
             LockPersonality=yes\n\
             RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX\n\
             CapabilityBoundingSet=\n\
             {writable}\n\
             [Install]\n\
             WantedBy=multi-user.target\n",
            user = plan.systemd_user,
            config = config_path,
            writable = writable,
        )
    };
    let names: Vec<&str> = plan.services.iter().map(|s| s.name()).collect();
    if plan.deployment == Deployment::Single {
        Ok(vec![(
            "tracardictl.service".into(),
            unit(&names.join(", "), &names.join(" ")),
        )])
    } else {
        Ok(names
            .iter()
            .map(|n| (format!("tracardictl-{n}.service"), unit(n, n)))
            .collect())
    }
}

/// Where a word goes in a unit file: a command line expands `$` (variables) as well as
/// `%` (specifiers); a path list only `%`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum UnitField {
    Command,
    Path,
}

/// One word of a unit file (systemd.syntax(7), "Quoting"; systemd.unit(5),
/// "Specifiers"): as it is when it holds only plain characters, else in double quotes
/// with `\` and `"` escaped; `%` doubled, and `$` in a command line. A control
/// character (a newline would end the setting) cannot be written.
fn unit_word(s: &str, field: UnitField) -> anyhow::Result<String> {
    if s.chars().any(char::is_control) {
        anyhow::bail!("{s:?} cannot be written in a systemd unit: it holds a control character");
    }
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '%' => out.push_str("%%"),
            '$' if field == UnitField::Command => out.push_str("$$"),
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    let plain = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@=%$".contains(c));
    Ok(if plain { out } else { format!("\"{out}\"") })
}

/// A path as one shell word.
fn shell_word(p: &Path) -> String {
    let s = p.display().to_string();
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+,:@=".contains(c))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// What the units' user needs before the services can start: to exist, and to own the
/// configuration (0600) and the embedded store's directory (0700).
fn service_user_steps(plan: &Plan, done: &Done) -> Vec<String> {
    let user = &plan.systemd_user;
    let found = system_user(user);
    let mut steps = Vec::new();
    if found.is_none() {
        steps.push(match &done.store_dir {
            Some(dir) => format!("useradd --system --home-dir {} {user}", shell_word(dir)),
            None => format!("useradd --system --no-create-home {user}"),
        });
    }
    let config = absolute(&plan.config_path);
    let theirs = |p: &Path| {
        use std::os::unix::fs::MetadataExt;
        match (found, std::fs::metadata(p)) {
            (Some((uid, _)), Ok(m)) => m.uid() == uid,
            _ => false,
        }
    };
    let foreign: Vec<String> = done
        .store_dir
        .iter()
        .chain(std::iter::once(&config))
        .filter(|p| !theirs(p))
        .map(|p| shell_word(p))
        .collect();
    if !foreign.is_empty() {
        steps.push(format!("chown -R {user}: {}", foreign.join(" ")));
    }
    steps
}

fn print_next_steps(plan: &Plan, done: &Done) {
    println!("tracardictl init:");
    for l in &done.report.lines {
        println!("{l}");
    }
    if let Some(key) = &done.api_key {
        println!("\nAPI key (admin; shown once, saved in the CLI connection): {key}");
    }
    println!("\nNext steps:");
    let config = absolute(&plan.config_path);
    if done.units.is_empty() {
        let services: Vec<&str> = plan.services.iter().map(|s| s.name()).collect();
        println!(
            "  start:        tracardictl --config {} serve {}",
            config.display(),
            services.join(" ")
        );
    } else {
        for (i, step) in service_user_steps(plan, done).iter().enumerate() {
            let label = if i == 0 { "before start:" } else { "" };
            println!("  {label:<13} {step}");
        }
        println!(
            "  start:        systemctl daemon-reload && systemctl enable --now {}",
            done.units.join(" ")
        );
    }
    if !plan.services.contains(&HostService::Worker) {
        let how = match plan.deployment {
            Deployment::Single => {
                "add `worker` to --services (one process opens an embedded store)"
            }
            Deployment::Postgres => "run `tracardictl serve worker` on a host of this store",
        };
        println!(
            "  note:         no worker on this host: workflows of asynchronous sources (every \
             type but rest), deliveries to destinations and visit end wait in the work queue; \
             {how}"
        );
    }
    println!("  source id:    {}", done.source_id);
    if plan.services.contains(&HostService::Collector) {
        let url = &done.collector_url;
        let id = &done.source_id;
        match plan.source_type.as_str() {
            "rest" => println!(
                "  try it:       curl -sS -X POST {url}/track -H 'content-type: application/json' \\\n                  -d '{{\"source\":{{\"id\":\"{id}\"}},\"session\":{{\"id\":\"s-1\"}},\"events\":[{{\"type\":\"page-view\",\"properties\":{{}}}}]}}'"
            ),
            "webhook" => println!(
                "  try it:       curl -sS -X POST {url}/collect/page-view/{id} -H 'content-type: application/json' -d '{{\"page\":\"/\"}}'"
            ),
            other => println!(
                "  feed it:      a `{other}` source is fed by its bridge (`tracardictl serve bridge --help`); the collector is {url}"
            ),
        }
    }
    if plan.services.contains(&HostService::PrivateApi) {
        println!("  private API:  {}", plan.private_api_url());
        println!("  then:         tracardictl get event-sources   (or `tracardictl tui`)");
    }
    println!("  check:        tracardictl status; tracardictl doctor");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses() {
        for a in [
            "0.0.0.0:1",
            "8.8.8.8:1",
            "[::]:1",
            "[2001:db8::1]:1",
            "100.63.255.255:1",
            "100.128.0.0:1",
            "[::ffff:8.8.8.8]:1",
        ] {
            assert!(is_public(&a.parse().unwrap()), "{a}");
        }
        for a in [
            "127.0.0.1:1",
            "10.1.2.3:1",
            "192.168.0.2:1",
            "[::1]:1",
            "[fd00::1]:1",
            "100.64.0.0:1",
            "100.100.100.100:1",
            "100.127.255.255:1",
            "[::ffff:10.0.0.1]:1",
        ] {
            assert!(!is_public(&a.parse().unwrap()), "{a}");
        }
    }

    #[test]
    fn unit_words() {
        let w = |s: &str, f| unit_word(s, f).unwrap();
        assert_eq!(w("/var/lib/tracardi", UnitField::Path), "/var/lib/tracardi");
        assert_eq!(w("/srv/my data", UnitField::Path), "\"/srv/my data\"");
        assert_eq!(w("/srv/100%", UnitField::Path), "/srv/100%%");
        assert_eq!(w("/srv/$x", UnitField::Path), "/srv/$x");
        assert_eq!(w("/srv/$x", UnitField::Command), "/srv/$$x");
        assert_eq!(
            w("/a \"b\" \\c", UnitField::Command),
            "\"/a \\\"b\\\" \\\\c\""
        );
        assert!(unit_word("/a\nb", UnitField::Path).is_err());
    }

    #[test]
    fn password_strength() {
        assert!(password_problem("short", "a@b.c").is_some());
        assert!(password_problem("password123", "a@b.c").is_some());
        assert!(password_problem("alicealice12X", "alice@example.com").is_some());
        assert!(password_problem("abcdefghij", "a@b.c").is_some());
        assert!(password_problem("Abcdefgh12", "a@b.c").is_none());
        assert!(password_problem("correct horse battery", "a@b.c").is_none());
    }

    #[test]
    fn generated_config_loads_and_keeps_the_answers() {
        let plan = Plan {
            config_path: "t.toml".into(),
            deployment: Deployment::Single,
            store_url: None,
            data_dir: "/var/lib/tracardi \"x\"".into(),
            services: HostService::ALL.to_vec(),
            collector_listen: "0.0.0.0:8585".parse().unwrap(),
            private_api_listen: "127.0.0.1:8686".parse().unwrap(),
            installation_token: "t".repeat(20),
            merge_key_salt: "s".repeat(30),
            admin_email: "a@example.com".into(),
            admin_password: "x".into(),
            source_name: "Website".into(),
            source_type: "rest".into(),
            systemd: true,
            systemd_dir: "/tmp".into(),
            systemd_user: "tracardi".into(),
            connection_name: "local".into(),
            connection_note: None,
            tms_api_key: Some("k".repeat(16)),
            salt_generated: false,
            ignored: Vec::new(),
        };
        let c: Config = toml::from_str(&plan.config_toml()).unwrap();
        assert_eq!(c.tms.api_key, "k".repeat(16));
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/tracardi \"x\""));
        assert_eq!(c.identity.merge_key_salt.as_deref(), Some(&*"s".repeat(30)));
        let units = systemd_units(&plan, &c).unwrap();
        assert_eq!(units.len(), 1);
        // The single-node set, the worker included.
        assert!(units[0]
            .1
            .contains("serve collector private-api apm worker\n"));
        assert!(units[0].1.contains("Restart=on-failure"));
        // Quoted, or systemd would read two paths.
        assert!(
            units[0]
                .1
                .contains("ReadWritePaths=\"/var/lib/tracardi \\\"x\\\"\"\n"),
            "{}",
            units[0].1
        );

        // PostgreSQL: a unit per service, the worker's too, and no data directory to
        // write (systemd would refuse a missing ReadWritePaths= directory).
        let url = "postgres://cdp@db/cdp";
        let pg = Plan {
            deployment: Deployment::Postgres,
            store_url: Some(url.into()),
            ..plan
        };
        let c: Config = toml::from_str(&pg.config_toml()).unwrap();
        let units = systemd_units(&pg, &c).unwrap();
        let names: Vec<&str> = units.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "tracardictl-collector.service",
                "tracardictl-private-api.service",
                "tracardictl-apm.service",
                "tracardictl-worker.service"
            ]
        );
        for (name, text) in &units {
            assert!(!text.contains("ReadWritePaths"), "{name}: {text}");
        }
        assert!(units[3].1.contains(" serve worker\n"), "{}", units[3].1);
    }

    fn plan_for_merging() -> Plan {
        Plan {
            config_path: "t.toml".into(),
            deployment: Deployment::Single,
            store_url: None,
            data_dir: "/srv/data".into(),
            services: HostService::ALL.to_vec(),
            collector_listen: "0.0.0.0:8585".parse().unwrap(),
            private_api_listen: "127.0.0.1:8686".parse().unwrap(),
            installation_token: "t".repeat(20),
            merge_key_salt: "s".repeat(30),
            admin_email: "a@example.com".into(),
            admin_password: "x".into(),
            source_name: "Website".into(),
            source_type: "rest".into(),
            systemd: false,
            systemd_dir: "/tmp".into(),
            systemd_user: "tracardi".into(),
            connection_name: "local".into(),
            connection_note: None,
            tms_api_key: None,
            salt_generated: false,
            ignored: Vec::new(),
        }
    }

    #[test]
    fn a_replaced_config_keeps_the_keys_init_does_not_manage() {
        let plan = plan_for_merging();
        let old: toml::Table = toml::from_str(
            "log_format = \"json\"\ndata_dir = \"/old\"\nstore = \"sled:/old\"\n\
             [collector]\nlisten = \"0.0.0.0:9\"\nmax_body_kb = 64\n\
             [identity]\nmerge_key_salt = \"old-salt-of-enough-length\"\n\
             [identity.strategies.email]\nfields = [\"traits.email\"]\n\
             [worker]\nconcurrency = 8\n[tms]\napi_key = \"0123456789abcdef0123\"\n",
        )
        .unwrap();
        let (text, kept) = plan.config_replacing(&old).unwrap();
        assert_eq!(
            kept,
            [
                "collector.max_body_kb",
                "identity.strategies",
                "log_format",
                "tms",
                "worker"
            ]
        );
        let new: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(new["log_format"].as_str(), Some("json"));
        assert_eq!(new["data_dir"].as_str(), Some("/srv/data"));
        assert!(new.get("store").is_none(), "init's own key: {text}");
        assert_eq!(new["collector"]["listen"].as_str(), Some("0.0.0.0:8585"));
        assert_eq!(new["collector"]["max_body_kb"].as_integer(), Some(64));
        assert_eq!(
            new["identity"]["merge_key_salt"].as_str(),
            Some(&*"s".repeat(30))
        );
        assert!(new["identity"]["strategies"]["email"].is_table());
        assert_eq!(new["worker"]["concurrency"].as_integer(), Some(8));
        assert_eq!(new["tms"]["api_key"].as_str(), Some("0123456789abcdef0123"));

        // Nothing else in the old file: init's own text, with its comments.
        let bare: toml::Table = toml::from_str(&plan.config_toml()).unwrap();
        let (text, kept) = plan.config_replacing(&bare).unwrap();
        assert!(kept.is_empty());
        assert_eq!(text, plan.config_toml());
    }
}
