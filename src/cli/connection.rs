//! `login`, `use`: named connections to private APIs, kept in the client config file.
//!
//! The file is `$TRACARDICTL_CLIENT_CONFIG`, else `$XDG_CONFIG_HOME/tracardictl/config.toml`,
//! else `~/.config/tracardictl/config.toml`. It holds tokens, so it is written mode 0600.

use super::{Failure, EXIT_AUTH};
use crate::client::Client;
use crate::domain::Context;
use anyhow::{anyhow, Context as _};
use clap::Args;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::PathBuf;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClientConfig {
    /// The connection commands use unless `--connection` names another.
    #[serde(default)]
    pub current: Option<String>,
    #[serde(default)]
    pub connections: BTreeMap<String, Connection>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Connection {
    pub url: String,
    pub token: String,
    #[serde(default)]
    pub user: Option<String>,
    /// The context commands use unless `--context` says otherwise.
    #[serde(default)]
    pub context: Option<Context>,
}

pub fn config_path() -> anyhow::Result<PathBuf> {
    if let Some(p) = std::env::var_os("TRACARDICTL_CLIENT_CONFIG").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|p| !p.is_empty()) {
        Some(x) => PathBuf::from(x),
        None => PathBuf::from(
            std::env::var_os("HOME")
                .ok_or_else(|| anyhow!("neither HOME nor XDG_CONFIG_HOME is set"))?,
        )
        .join(".config"),
    };
    Ok(base.join("tracardictl").join("config.toml"))
}

impl ClientConfig {
    pub fn load() -> anyhow::Result<ClientConfig> {
        let path = config_path()?;
        match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text)
                .with_context(|| format!("client config {} is not valid", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ClientConfig::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    pub fn save(&self) -> anyhow::Result<()> {
        let path = config_path()?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let text = toml::to_string_pretty(self).context("cannot encode the client config")?;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        std::io::Write::write_all(&mut f, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }
}

/// Which connection and context a resource command uses.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// Context to work on [default: the connection's, else staging]
    #[arg(long, global = true, value_name = "staging|production")]
    pub context: Option<Context>,

    /// Named connection to use [default: the current one, see `tracardictl use`]
    #[arg(long, global = true, value_name = "NAME")]
    pub connection: Option<String>,
}

impl Target {
    pub fn client(&self) -> Result<Client, Failure> {
        let cfg = ClientConfig::load()?;
        let name = self
            .connection
            .clone()
            .or(cfg.current.clone())
            .ok_or_else(|| Failure {
                code: EXIT_AUTH,
                error: anyhow!("no connection: run `tracardictl login URL` first"),
            })?;
        let conn = cfg.connections.get(&name).ok_or_else(|| Failure {
            code: EXIT_AUTH,
            error: anyhow!("no connection named `{name}` in {}", path_shown()),
        })?;
        let ctx = self.context.or(conn.context);
        Ok(Client::new(&conn.url, Some(conn.token.clone()), ctx)?)
    }
}

/// Whether a connection URL reaches a private API listening on `listen` on this host.
fn reaches(url: &str, listen: &std::net::SocketAddr) -> bool {
    let Ok(u) = url::Url::parse(url) else {
        return false;
    };
    if u.port_or_known_default() != Some(listen.port()) {
        return false;
    }
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => {
            ip.is_loopback() || listen.ip().is_unspecified() || listen.ip() == ip
        }
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || listen.ip().is_unspecified() || listen.ip() == ip
        }
        None => false,
    }
}

/// A client of this host's private API (listening on `listen`): the current connection
/// if it points there, else the first saved one that does; None when none does (the
/// numbers of another installation must never pass for this host's).
pub fn client_for_local(listen: &std::net::SocketAddr) -> Option<Client> {
    let cfg = ClientConfig::load().ok()?;
    let current = cfg
        .current
        .as_ref()
        .and_then(|name| cfg.connections.get(name))
        .filter(|c| reaches(&c.url, listen));
    let conn = current.or_else(|| cfg.connections.values().find(|c| reaches(&c.url, listen)))?;
    Client::new(&conn.url, Some(conn.token.clone()), None).ok()
}

fn path_shown() -> String {
    config_path()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "the client config".into())
}

/// Sign in to a private API and save the connection
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  echo \"$PASSWORD\" | tracardictl login http://127.0.0.1:8686 --username admin@example.com --password-stdin\n  tracardictl login https://cdp.internal:8686 --name prod --token \"$API_KEY\" --context production"
)]
pub struct LoginArgs {
    /// Base URL of the private API
    pub url: String,
    /// Name of this connection
    #[arg(long, default_value = "default")]
    pub name: String,
    /// User (email) to sign in as
    #[arg(long, short = 'u', required_unless_present = "token")]
    pub username: Option<String>,
    /// Read the password from standard input
    #[arg(long)]
    pub password_stdin: bool,
    /// Use this API key instead of signing in
    #[arg(long, conflicts_with_all = ["username", "password_stdin"])]
    pub token: Option<String>,
    /// Default context of this connection
    #[arg(long)]
    pub context: Option<Context>,
}

pub fn login(args: &LoginArgs) -> Result<(), Failure> {
    let rt = super::runtime()?;
    let (token, user) = match &args.token {
        Some(t) => {
            let c = Client::new(&args.url, Some(t.clone()), None)?;
            let me = rt.block_on(c.me())?;
            (
                t.clone(),
                me.get("email").and_then(|v| v.as_str()).map(str::to_string),
            )
        }
        None => {
            let username = args.username.clone().unwrap_or_default();
            let password = if args.password_stdin {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("cannot read the password from standard input")?;
                s.trim_end_matches(['\r', '\n']).to_string()
            } else {
                std::env::var("TRACARDICTL_PASSWORD").map_err(|_| Failure {
                    code: super::EXIT_USAGE,
                    error: anyhow!(
                        "give the password with --password-stdin or TRACARDICTL_PASSWORD"
                    ),
                })?
            };
            let c = Client::new(&args.url, None, None)?;
            let login = rt.block_on(c.login(&username, &password))?;
            (login.access_token, Some(username))
        }
    };
    let mut cfg = ClientConfig::load()?;
    cfg.connections.insert(
        args.name.clone(),
        Connection {
            url: args.url.trim_end_matches('/').to_string(),
            token,
            user: user.clone(),
            context: args.context,
        },
    );
    cfg.current = Some(args.name.clone());
    cfg.save()?;
    eprintln!(
        "tracardictl: logged in to {} as {} (connection `{}`, saved in {})",
        args.url,
        user.as_deref().unwrap_or("an API key"),
        args.name,
        path_shown()
    );
    Ok(())
}

/// Switch the current connection
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  tracardictl use prod\n  tracardictl use          list connections"
)]
pub struct UseArgs {
    /// Connection to make current; none lists them
    pub name: Option<String>,
}

pub fn use_connection(args: &UseArgs) -> Result<(), Failure> {
    let mut cfg = ClientConfig::load()?;
    match &args.name {
        None => {
            for (name, c) in &cfg.connections {
                let mark = if cfg.current.as_deref() == Some(name) {
                    "*"
                } else {
                    " "
                };
                println!(
                    "{mark} {name}\t{}\t{}",
                    c.url,
                    c.user.as_deref().unwrap_or("-")
                );
            }
            Ok(())
        }
        Some(name) => {
            if !cfg.connections.contains_key(name) {
                return Err(Failure {
                    code: super::EXIT_NOT_FOUND,
                    error: anyhow!("no connection named `{name}` in {}", path_shown()),
                });
            }
            cfg.current = Some(name.clone());
            cfg.save()?;
            eprintln!("tracardictl: now using `{name}`");
            Ok(())
        }
    }
}
