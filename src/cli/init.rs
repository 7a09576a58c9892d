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

    /// Services this host runs, comma-separated [default: all of them]
    #[arg(long, value_enum, value_delimiter = ',')]
    pub services: Option<Vec<HostService>>,

    /// Listen address of the public collector [default: 0.0.0.0:8585]
    #[arg(long, value_name = "ADDR")]
    pub collector_listen: Option<SocketAddr>,

    /// Listen address of the private API; keep it off public networks [default: 127.0.0.1:8686]
    #[arg(long, value_name = "ADDR")]
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
}

impl HostService {
    const ALL: [HostService; 3] = [
        HostService::Collector,
        HostService::PrivateApi,
        HostService::Apm,
    ];

    fn name(self) -> &'static str {
        match self {
            HostService::Collector => "collector",
            HostService::PrivateApi => "private-api",
            HostService::Apm => "apm",
        }
    }
}

/// A part of the installation that `--force` redoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Part {
    /// Rewrite tracardi.toml (the salt must stay the recorded one)
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
    pub collector_listen: Option<SocketAddr>,
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
    /// The TMS API key written to the config, when one was given.
    pub tms_api_key: Option<String>,
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
/// address that is neither loopback, private nor link-local.
pub fn is_public(addr: &SocketAddr) -> bool {
    match addr.ip() {
        IpAddr::V4(ip) => {
            ip.is_unspecified() || !(ip.is_loopback() || ip.is_private() || ip.is_link_local())
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
fn with_installed(mut answers: Answers, config_path: &Path) -> anyhow::Result<Answers> {
    if !config_path.exists() {
        return Ok(answers);
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
    if let Some(salt) = installed.identity.merge_key_salt {
        answers.merge_key_salt.get_or_insert(salt);
    }
    Ok(answers)
}

fn resolve(cli: &Cli, args: &InitArgs, answers: Answers, asker: &Asker) -> anyhow::Result<Plan> {
    let config_path = cli
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE));
    let answers = with_installed(answers, &config_path)?;

    let deployment = match args.deployment.or(answers.deployment) {
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
            &|d| {
                if d.trim().is_empty() {
                    Err("must not be empty".into())
                } else {
                    Ok(())
                }
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
        Some(s) => s,
        None => match asker {
            Asker::Never => HostService::ALL.to_vec(),
            Asker::Terminal(theme) => loop {
                let names: Vec<&str> = HostService::ALL.iter().map(|s| s.name()).collect();
                let chosen = dialoguer::MultiSelect::with_theme(theme.as_ref())
                    .with_prompt("Services this host runs (space toggles, enter accepts)")
                    .items(&names)
                    .defaults(&[true, true, true])
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

    let parse_addr = |s: &str| {
        s.parse::<SocketAddr>()
            .map(|_| ())
            .map_err(|_| "must be IP:PORT, such as 0.0.0.0:8585".to_string())
    };
    let collector_listen = asker
        .text(
            args.collector_listen
                .or(answers.collector_listen)
                .map(|a| a.to_string()),
            Some("0.0.0.0:8585".into()),
            "Collector listen address (public)",
            "--collector-listen",
            "collector_listen",
            &parse_addr,
        )?
        .parse::<SocketAddr>()
        .map_err(|e| anyhow!("--collector-listen: {e}"))?;
    let given_private = args.private_api_listen.or(answers.private_api_listen);
    let private_api_listen = loop {
        let a = asker
            .text(
                given_private.map(|a| a.to_string()),
                Some("127.0.0.1:8686".into()),
                "Private API listen address (keep it on loopback or a VPN)",
                "--private-api-listen",
                "private_api_listen",
                &parse_addr,
            )?
            .parse::<SocketAddr>()
            .map_err(|e| anyhow!("--private-api-listen: {e}"))?;
        if !is_public(&a) {
            break a;
        }
        eprintln!(
            "warning: the private API on {a} would be reachable from public networks; it serves \
             configuration and customer data and should listen on loopback or a VPN address"
        );
        if given_private.is_some() || matches!(asker, Asker::Never) {
            break a;
        }
        if asker.confirm(None, false, "Listen on this public address anyway?")? {
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
    let merge_key_salt = asker.text(
        args.merge_key_salt.clone().or(answers.merge_key_salt),
        Some(generated_secret()),
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
    let connection_name = args
        .connection_name
        .clone()
        .or(answers.connection_name)
        .unwrap_or_else(|| "local".into());
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
    Ok(Plan {
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
    })
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

    fn summary(&self) -> String {
        let store = match &self.store_url {
            Some(u) => crate::daemon::redact_uri(u),
            None => format!("embedded, in {}", self.data_dir.display()),
        };
        let services: Vec<&str> = self.services.iter().map(|s| s.name()).collect();
        let mut s = format!(
            "  config file        {}\n  store              {store}\n  services           {}\n  \
             collector          {}\n  private API        {}{}\n  installation token <set>\n  \
             merge-key salt     <set>\n  admin              {}\n  first event source {} ({})\n  \
             CLI connection     {}\n",
            self.config_path.display(),
            services.join(", "),
            self.collector_listen,
            self.private_api_listen,
            if is_public(&self.private_api_listen) {
                "  (PUBLIC!)"
            } else {
                ""
            },
            self.admin_email,
            self.source_name,
            self.source_type,
            self.connection_name,
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
    fn created(&mut self, part: &str, what: impl std::fmt::Display) {
        self.lines.push(format!("  created  {part:<12} {what}"));
    }
    fn exists(&mut self, part: &str, what: impl std::fmt::Display) {
        self.lines.push(format!("  exists   {part:<12} {what}"));
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
fn guard_terminal() {
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
}

fn apply(plan: &Plan, force: &[Part]) -> anyhow::Result<Done> {
    let forced = |p: Part| force.contains(&p);
    let mut report = Report::default();
    let keep_config = plan.config_path.exists() && !forced(Part::Config);
    let config = if keep_config {
        let c = Config::load(
            Some(&plan.config_path),
            &|k| std::env::var(k).ok(),
            &Overrides::default(),
        )?;
        report.exists("config", plan.config_path.display());
        c
    } else {
        let c: Config = toml::from_str(&plan.config_toml())
            .context("the generated configuration does not load")?;
        c.validate()?;
        c
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (source_id, api_key) = runtime.block_on(setup_store(plan, &config, force, &mut report))?;

    // The connection: only a new API key can be written into it.
    let mut clients = ClientConfig::load()?;
    let conn_path = super::connection::config_path()?;
    let exists = clients.connections.contains_key(&plan.connection_name);
    match &api_key {
        Some(key) => {
            clients.connections.insert(
                plan.connection_name.clone(),
                Connection {
                    url: local_url(&config.private_api.listen),
                    token: key.clone(),
                    user: Some(plan.admin_email.clone()),
                    context: None,
                },
            );
            if clients.current.is_none() || !exists || forced(Part::Connection) {
                clients.current = Some(plan.connection_name.clone());
            }
            clients.save()?;
            report.created(
                "connection",
                format!("`{}` in {}", plan.connection_name, conn_path.display()),
            );
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
        write_private(&plan.config_path, plan.config_toml().as_bytes())?;
        report.created("config", plan.config_path.display());
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
    })
}

/// The store, its contexts, the admin, the first event source and the API key. Returns
/// the source id and the API key's secret when one was issued.
async fn setup_store(
    plan: &Plan,
    config: &Config,
    force: &[Part],
    report: &mut Report,
) -> anyhow::Result<(String, Option<String>)> {
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
    let was_new = store.meta("merge_key_salt").await?.is_none();
    crate::daemon::resolve_salt(&store, config.identity.merge_key_salt.as_deref())
        .await
        .with_context(|| format!("the store at {shown}"))?;
    if was_new {
        report.created("store", &shown);
    } else {
        report.exists("store", &shown);
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
    Ok((source_id, api_key))
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
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "/usr/local/bin/tracardictl".into());
    let config_path = absolute(&plan.config_path);
    let data_dir = absolute(&config.data_dir);
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
             ReadWritePaths={data}\n\n\
             [Install]\n\
             WantedBy=multi-user.target\n",
            user = plan.systemd_user,
            config = config_path.display(),
            data = data_dir.display(),
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
        println!(
            "  start:        systemctl daemon-reload && systemctl enable --now {}",
            done.units.join(" ")
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
        for a in ["0.0.0.0:1", "8.8.8.8:1", "[::]:1", "[2001:db8::1]:1"] {
            assert!(is_public(&a.parse().unwrap()), "{a}");
        }
        for a in [
            "127.0.0.1:1",
            "10.1.2.3:1",
            "192.168.0.2:1",
            "[::1]:1",
            "[fd00::1]:1",
        ] {
            assert!(!is_public(&a.parse().unwrap()), "{a}");
        }
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
            tms_api_key: Some("k".repeat(16)),
        };
        let c: Config = toml::from_str(&plan.config_toml()).unwrap();
        assert_eq!(c.tms.api_key, "k".repeat(16));
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/tracardi \"x\""));
        assert_eq!(c.identity.merge_key_salt.as_deref(), Some(&*"s".repeat(30)));
        let units = systemd_units(&plan, &c).unwrap();
        assert_eq!(units.len(), 1);
        assert!(units[0].1.contains("serve collector private-api apm"));
        assert!(units[0].1.contains("Restart=on-failure"));
        let pg = Plan {
            deployment: Deployment::Postgres,
            ..plan
        };
        assert_eq!(systemd_units(&pg, &c).unwrap().len(), 3);
    }
}
