//! `tracardictl tui` (alias `dash`): the terminal UI over the private API.

use super::connection::{ClientConfig, Connection};
use super::{Failure, EXIT_AUTH, EXIT_USAGE};
use crate::client::{Client, ClientError};
use crate::domain::Context;
use anyhow::anyhow;
use clap::Args;
use std::io::IsTerminal as _;
use std::path::PathBuf;

/// The terminal UI: dashboard, profiles, live events, configuration, deploy
#[derive(Debug, Args)]
#[command(
    long_about = "The terminal UI: dashboard, profiles, live events, configuration, deploy.\n\n\
        Screens: the dashboard (traffic, active sessions, APM merges, errors, latency, queue \
        and dead letters), profiles (search, detail, events, sessions, merge history), live \
        events, configuration, flows (graph, run traces node by node, dry runs with `x`), \
        deploy, and health (services, store, work queue, dead letters with `R` to replay).\n\n\
        It is a client of the private API, like the other commands: it uses the connection \
        saved by `tracardictl login` (or --url and --token) and never opens the store. Keys \
        follow k9s: `:` jumps to a screen by name, `/` filters, `?` lists the keys of the \
        screen, Esc goes back, `q` quits. Logs go to a file while it runs.",
    after_help = "Examples:\n  tracardictl tui\n  tracardictl dash --connection prod --readonly\n  tracardictl tui --url http://127.0.0.1:8686 --token \"$API_KEY\" --context staging"
)]
pub struct TuiArgs {
    /// Base URL of the private API [default: the connection's]
    #[arg(long, env = "TRACARDICTL_URL")]
    pub url: Option<String>,
    /// Bearer token or API key [default: the connection's; with --url alone, that of a
    /// saved connection to that URL]
    #[arg(long, env = "TRACARDICTL_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Named connection to use [default: the current one, see `tracardictl use`]
    #[arg(long, value_name = "NAME", conflicts_with = "url")]
    pub connection: Option<String>,
    /// Context to start in; `c` switches [default: the connection's, else production]
    #[arg(long, value_name = "staging|production")]
    pub context: Option<Context>,
    /// Hide and refuse everything that changes data
    #[arg(long)]
    pub readonly: bool,
    /// Where logs go while the UI runs [default: tracardictl-tui.log in the temp dir]
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
}

/// The URL, token, user and context the UI uses. Either of --url and --token alone
/// takes the other from the saved connections; a saved token only goes to the URL it
/// was saved for.
fn target(args: &TuiArgs) -> Result<(String, String, Option<String>, Option<Context>), Failure> {
    if let (Some(url), Some(token)) = (&args.url, &args.token) {
        return Ok((url.clone(), token.clone(), None, None));
    }
    let cfg = ClientConfig::load()?;
    if let Some(url) = &args.url {
        let same = |c: &&Connection| c.url.trim_end_matches('/') == url.trim_end_matches('/');
        let conn = cfg
            .current
            .as_ref()
            .and_then(|n| cfg.connections.get(n))
            .filter(same)
            .or_else(|| cfg.connections.values().find(same))
            .ok_or_else(|| Failure {
                code: EXIT_AUTH,
                error: anyhow!(
                    "no saved connection to {url}, so no token for it: pass --token, or sign \
                     in there with `tracardictl login {url}`"
                ),
            })?;
        return Ok((
            url.clone(),
            conn.token.clone(),
            conn.user.clone(),
            conn.context,
        ));
    }
    let name = args
        .connection
        .clone()
        .or(cfg.current.clone())
        .ok_or_else(|| Failure {
            code: EXIT_AUTH,
            error: anyhow!(
                "no connection: run `tracardictl login URL` first, or pass --url and --token"
            ),
        })?;
    let conn = cfg.connections.get(&name).ok_or_else(|| Failure {
        code: super::EXIT_NOT_FOUND,
        error: anyhow!("no connection named `{name}`; `tracardictl use` lists them"),
    })?;
    // A token given alone is used on the connection's server; whose it is, the server
    // says (`/me`).
    Ok(match &args.token {
        Some(token) => (conn.url.clone(), token.clone(), None, conn.context),
        None => (
            conn.url.clone(),
            conn.token.clone(),
            conn.user.clone(),
            conn.context,
        ),
    })
}

/// Why the connection check failed, and how to fix it.
fn unusable(url: &str, e: ClientError) -> Failure {
    let code = match e.status() {
        Some(401 | 403) => EXIT_AUTH,
        _ => 1,
    };
    let fix = match &e {
        ClientError::Transport { .. } => format!(
            "check the URL (--url, or `tracardictl login URL` to save another) and that \
             `tracardictl serve` runs with its private API listening at {url}"
        ),
        ClientError::Api {
            status: 401 | 403, ..
        } => "the token was refused: sign in again with `tracardictl login URL`, or pass a \
              valid API key with --token"
            .to_string(),
        _ => format!("is {url} the private API (not the collector)? check --url"),
    };
    Failure {
        code,
        error: anyhow!("{e}\n  fix: {fix}"),
    }
}

/// How long the start-up check waits for the API to answer: an interactive start
/// should not look hung for a minute.
const STARTUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub fn run(args: &TuiArgs) -> Result<(), Failure> {
    let (url, token, user, conn_ctx) = target(args)?;
    let client = Client::new(&url, Some(token.clone()), None)?;
    if std::io::stderr().is_terminal() {
        eprintln!("connecting to {url}…");
    }
    let me = super::runtime()?
        .block_on(async { tokio::time::timeout(STARTUP_TIMEOUT, client.me()).await })
        .map_err(|_| Failure {
            code: 1,
            error: anyhow!(
                "no answer from {url} within {} s: it accepts connections but does not \
                 answer\n  fix: is {url} the private API of a running `tracardictl serve` \
                 (not another service, or one stuck)? check --url",
                STARTUP_TIMEOUT.as_secs()
            ),
        })?
        .map_err(|e| unusable(&url, e))?;
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Err(Failure {
            code: EXIT_USAGE,
            error: anyhow!(
                "the terminal UI needs a terminal, and standard input or output is not one; \
                 run it from an interactive shell (over SSH: `ssh -t HOST tracardictl tui`), \
                 or use `tracardictl get` in scripts"
            ),
        });
    }
    let user = me
        .get("email")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .or(user)
        .unwrap_or_else(|| "API key".into());
    let log_file = args
        .log_file
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("tracardictl-tui.log"));
    let shown = log_file.display().to_string();
    crate::tui::run(crate::tui::Options {
        url,
        token,
        user,
        context: args.context.or(conn_ctx).unwrap_or(Context::Production),
        readonly: args.readonly,
        log_file,
    })
    .map_err(|e| {
        if let Some(sig) = e.downcast_ref::<crate::tui::Signalled>() {
            // The terminal is restored; end as a tool the signal ended, 128 + its
            // number. The terminal may be gone (SIGHUP): a failed write is no error.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "tracardictl: the terminal UI was {sig} (logs: {shown})"
            );
            std::process::exit(128 + sig.0);
        }
        Failure {
            code: 1,
            error: e.context(format!("the terminal UI stopped (logs: {shown})")),
        }
    })
}
