//! `login`, `use`: named connections to private APIs, kept in the client config file.
//!
//! The file is `$TRACARDICTL_CLIENT_CONFIG`, else `$XDG_CONFIG_HOME/tracardictl/config.toml`,
//! else `~/.config/tracardictl/config.toml`. It holds tokens, so it is written mode 0600.

use super::{Failure, EXIT_AUTH};
use crate::client::{Client, ClientError};
use crate::domain::Context;
use anyhow::{anyhow, Context as _};
use clap::Args;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Read as _};
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

    /// Writes the file whole (a temporary file renamed over it), mode 0600 whatever
    /// mode an earlier file had: it holds tokens.
    pub fn save(&self) -> anyhow::Result<()> {
        let path = config_path()?;
        // A symbolic link stays one: the file it points at is replaced.
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let text = toml::to_string_pretty(self).context("cannot encode the client config")?;
        write_private(&path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))
    }
}

/// Writes a file only its owner may read, through a temporary file in the same
/// directory renamed over it, so it is never seen half-written nor, for a moment,
/// readable by others.
pub(crate) fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let tmp = path.with_file_name(format!(
        ".{name}.{}-{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let write = || -> std::io::Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        // The umask only takes bits away; this makes it exactly 0600.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        std::io::Write::write_all(&mut f, bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
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
            code: super::EXIT_NOT_FOUND,
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
    long_about = "Sign in to a private API and save the connection (URL and token) in the \
        client config file, mode 0600, as the current one.\n\n\
        The password comes from standard input with --password-stdin, else from \
        TRACARDICTL_PASSWORD, else it is asked on the terminal without echo. When standard \
        input is not a terminal and neither is given, login fails with exit 2. `tracardictl \
        logout` forgets the connection and revokes its token.",
    after_help = "Examples:\n  tracardictl login http://127.0.0.1:8686 -u admin@example.com     asks for the password\n  echo \"$PASSWORD\" | tracardictl login http://127.0.0.1:8686 --username admin@example.com --password-stdin\n  tracardictl login https://cdp.internal:8686 --name prod --token \"$API_KEY\" --context production"
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

/// A tracardictl server without the sign-in routes is the collector (or the TMS), not
/// the private API: said in one line instead of "no such route".
fn not_the_private_api(url: &str, e: ClientError) -> ClientError {
    match e {
        ClientError::Api { status: 404, .. } => ClientError::Decode {
            url: url.to_string(),
            reason: format!(
                "{url} has no sign-in route, so it is not a tracardictl private API (the \
                 collector's port, perhaps?); sign in to the private API \
                 (`private_api.listen`, http://127.0.0.1:8686 by default)"
            ),
        },
        e => e,
    }
}

pub fn login(args: &LoginArgs) -> Result<(), Failure> {
    let rt = super::runtime()?;
    let (token, user) = match &args.token {
        Some(t) => {
            let c = Client::new(&args.url, Some(t.clone()), None)?;
            let me = rt
                .block_on(c.me())
                .map_err(|e| not_the_private_api(&args.url, e))?;
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
            } else if let Ok(p) = std::env::var("TRACARDICTL_PASSWORD") {
                p
            } else if std::io::stdin().is_terminal() {
                ask_password(&username)?
            } else {
                return Err(Failure {
                    code: super::EXIT_USAGE,
                    error: anyhow!(
                        "standard input is not a terminal, so login will not ask for the \
                         password: pipe it in with --password-stdin (`echo \"$PASSWORD\" | \
                         tracardictl login URL -u USER --password-stdin`), set \
                         TRACARDICTL_PASSWORD, or sign in with --token"
                    ),
                });
            };
            let c = Client::new(&args.url, None, None)?;
            let login = rt
                .block_on(c.login(&username, &password))
                .map_err(|e| not_the_private_api(&args.url, e))?;
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

/// The password, asked on the terminal without echo. An interrupted prompt gives the
/// terminal back as it was.
fn ask_password(username: &str) -> Result<String, Failure> {
    super::init::guard_terminal();
    dialoguer::Password::with_theme(&dialoguer::theme::ColorfulTheme::default())
        .with_prompt(format!("Password for {username}"))
        .interact()
        .map_err(|e| {
            let dialoguer::Error::IO(io) = e;
            Failure {
                code: 1,
                error: anyhow!("cannot ask for the password: {io}"),
            }
        })
}

/// Forget a saved connection's token, revoking it on the server
#[derive(Debug, Args)]
#[command(
    long_about = "Forget a saved connection (its URL and token) and revoke the token on the \
        server, so it no longer signs anyone in. A server that cannot be reached is said; the \
        connection is forgotten here anyway, and its token stays valid there until it expires \
        or is revoked (`tracardictl token revoke`). With --local-only the token is only \
        forgotten here (an API key others use too).\n\n\
        Exit code 4 when no connection has that name, 3 when none is named and none is current.",
    after_help = "Examples:\n  tracardictl logout\n  tracardictl logout --name prod\n  tracardictl logout --name ci --local-only"
)]
pub struct LogoutArgs {
    /// Connection to sign out of [default: the current one]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Only forget the token here; leave it valid on the server
    #[arg(long)]
    pub local_only: bool,
}

pub fn logout(args: &LogoutArgs) -> Result<(), Failure> {
    let mut cfg = ClientConfig::load()?;
    let name = args
        .name
        .clone()
        .or(cfg.current.clone())
        .ok_or_else(|| Failure {
            code: EXIT_AUTH,
            error: anyhow!("no connection to log out of: none is current; name one with --name"),
        })?;
    let Some(conn) = cfg.connections.remove(&name) else {
        return Err(Failure {
            code: super::EXIT_NOT_FOUND,
            error: anyhow!("no connection named `{name}` in {}", path_shown()),
        });
    };
    let was_current = cfg.current.as_deref() == Some(name.as_str());
    if was_current {
        cfg.current = None;
    }
    // Forgotten here first: whatever the server says, this host holds the token no more.
    cfg.save()?;
    let server = if args.local_only {
        "still valid on the server (--local-only)".to_string()
    } else {
        match revoke(&conn) {
            Ok(()) => "revoked on the server".to_string(),
            Err(e) if e.is_auth() => "no longer valid on the server".to_string(),
            Err(e) => format!(
                "not revoked: {e}; it stays valid until it expires or is revoked \
                 (`tracardictl token revoke`)"
            ),
        }
    };
    eprintln!(
        "tracardictl: logged out of {} (connection `{name}` removed from {}; its token {server})",
        conn.url,
        path_shown()
    );
    if was_current && !cfg.connections.is_empty() {
        eprintln!(
            "tracardictl: no connection is current now; pick one with `tracardictl use NAME`"
        );
    }
    Ok(())
}

/// Revokes a connection's token (`POST /user/logout`), within 10 seconds.
fn revoke(conn: &Connection) -> Result<(), crate::client::ClientError> {
    let transport = |reason: String| crate::client::ClientError::Transport {
        url: conn.url.clone(),
        reason,
    };
    let rt = super::runtime().map_err(|e| transport(e.to_string()))?;
    let c = Client::new(&conn.url, Some(conn.token.clone()), None)?;
    rt.block_on(async {
        match tokio::time::timeout(
            std::time::Duration::from_secs(10),
            c.call(reqwest::Method::POST, "/user/logout", None),
        )
        .await
        {
            Ok(r) => r.map(|_| ()),
            Err(_) => Err(transport("no answer within 10 s".into())),
        }
    })
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
