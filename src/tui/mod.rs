//! The terminal UI (`tracardictl tui`): a client of the private API that does what
//! Tracardi's web GUI did, over SSH.
//!
//! Keys become [`app::Action`]s; [`app::update`] is pure and returns effects; drawing
//! ([`ui`]) only reads the state; API calls run on a worker thread ([`worker`]). It
//! never opens the store: everything goes through [`crate::client`].

pub mod app;
pub mod config;
pub mod dashboard;
pub mod deploy;
pub mod event;
pub mod flows;
pub mod health;
pub mod live;
pub mod profiles;
pub mod ui;
pub mod worker;

use crate::client::Client;
use crate::domain::Context;
use anyhow::Context as _;
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::ExecutableCommand as _;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::collections::HashMap;
use std::io::Stdout;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

pub struct Options {
    pub url: String,
    pub token: String,
    pub user: String,
    pub context: Context,
    pub readonly: bool,
    /// Where logs go while the UI owns the terminal.
    pub log_file: PathBuf,
}

/// Gives the terminal back: cooked mode, main screen, cursor shown. Safe to call twice.
fn restore() {
    let _ = disable_raw_mode();
    let mut out = std::io::stdout();
    let _ = out.execute(DisableBracketedPaste);
    let _ = out.execute(LeaveAlternateScreen);
    let _ = out.execute(crossterm::cursor::Show);
}

struct Screen;

impl event::Suspend for Screen {
    fn suspend(&mut self) -> std::io::Result<()> {
        EDITING.store(true, Ordering::SeqCst);
        disable_raw_mode()?;
        std::io::stdout().execute(DisableBracketedPaste)?;
        std::io::stdout().execute(LeaveAlternateScreen)?;
        Ok(())
    }
    fn resume(&mut self) -> std::io::Result<()> {
        EDITING.store(false, Ordering::SeqCst);
        std::io::stdout().execute(EnterAlternateScreen)?;
        // A pasted event arrives whole (dry runs), not as keys that would submit it.
        std::io::stdout().execute(EnableBracketedPaste)?;
        enable_raw_mode()
    }
}

/// The signal that asked the UI to stop (SIGTERM, SIGINT, SIGHUP, SIGQUIT); 0 while
/// none did. The event loop looks at it between keys and leaves like `q` does, so the
/// terminal is restored before the process ends.
static STOP_SIGNAL: AtomicI32 = AtomicI32::new(0);
/// Set while the editor runs: Ctrl-C there is the editor's (vi passes it on as SIGINT
/// to the whole foreground group), not a request to leave the UI.
static EDITING: AtomicBool = AtomicBool::new(false);

/// The signal that stopped the UI, if one did.
pub fn stop_signal() -> Option<i32> {
    match STOP_SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        n => Some(n),
    }
}

/// The UI ended because a signal asked it to; the process should exit with
/// 128 + the signal's number, as a shell reports it.
#[derive(Debug)]
pub struct Signalled(pub i32);

impl Signalled {
    pub fn name(&self) -> &'static str {
        match self.0 {
            libc::SIGTERM => "SIGTERM",
            libc::SIGINT => "SIGINT",
            libc::SIGHUP => "SIGHUP",
            libc::SIGQUIT => "SIGQUIT",
            _ => "a signal",
        }
    }
}

impl std::fmt::Display for Signalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stopped by {}", self.name())
    }
}

impl std::error::Error for Signalled {}

/// Catches the signals that would end the process with the terminal still raw and on
/// the alternate screen; a thread of its own records them for the event loop.
fn catch_stop_signals() -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .context("cannot start the signal watcher")?;
    let mut streams = Vec::new();
    for (kind, n) in [
        (SignalKind::terminate(), libc::SIGTERM),
        (SignalKind::interrupt(), libc::SIGINT),
        (SignalKind::hangup(), libc::SIGHUP),
        (SignalKind::quit(), libc::SIGQUIT),
    ] {
        // Registering needs the runtime's signal driver.
        let s = rt
            .block_on(async { signal(kind) })
            .context("cannot catch the stop signals")?;
        streams.push((s, n));
    }
    std::thread::Builder::new()
        .name("tui-signals".into())
        .spawn(move || {
            rt.block_on(async move {
                let waits = streams.into_iter().map(|(mut s, n)| {
                    Box::pin(async move {
                        loop {
                            s.recv().await;
                            if !(n == libc::SIGINT && EDITING.load(Ordering::SeqCst)) {
                                return n;
                            }
                        }
                    })
                });
                let (n, _, _) = futures::future::select_all(waits).await;
                STOP_SIGNAL.store(n, Ordering::SeqCst);
            });
        })
        .context("cannot start the signal watcher")?;
    Ok(())
}

/// Restores the terminal when dropped, on every way out of `run`.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

fn init_file_logging(path: &PathBuf) -> anyhow::Result<()> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open the log file {}", path.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
    Ok(())
}

/// Runs the UI until the user quits. The caller has checked the terminal and the
/// connection.
pub fn run(opts: Options) -> anyhow::Result<()> {
    init_file_logging(&opts.log_file)?;
    tracing::info!(url = %opts.url, context = opts.context.as_str(), "tui started");
    let mut clients = HashMap::new();
    for ctx in Context::ALL {
        clients.insert(
            ctx,
            Client::new(&opts.url, Some(opts.token.clone()), Some(ctx))?,
        );
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = worker::Worker::start(clients, tx).context("cannot start the API worker")?;
    let mut app = app::App::new(&opts.url, &opts.user, opts.context, opts.readonly);

    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    catch_stop_signals()?;
    enable_raw_mode().context("cannot put the terminal in raw mode")?;
    let _guard = Guard;
    std::io::stdout()
        .execute(EnterAlternateScreen)
        .context("cannot switch to the alternate screen")?;
    // A pasted event arrives whole (dry runs), not as keys that would submit it.
    let _ = std::io::stdout().execute(EnableBracketedPaste);
    let mut terminal: Terminal<CrosstermBackend<Stdout>> =
        Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    terminal.clear()?;
    let result = event::run(&mut terminal, &mut app, &worker, &rx, &mut Screen);
    tracing::info!(ok = result.is_ok(), signal = stop_signal(), "tui stopped");
    drop(terminal);
    drop(_guard);
    match stop_signal() {
        Some(n) if result.is_ok() => Err(Signalled(n).into()),
        _ => result,
    }
}

#[cfg(test)]
mod snapshot_tests;
