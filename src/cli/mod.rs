//! The command tree. One file per command group; each holds its arguments and its `run`.
//!
//! Exit codes: 0 success, 1 failure (the error is printed once, as a chain), 2 usage
//! error (bad arguments or configuration), 3 not signed in or not allowed (the private
//! API answered 401 or 403, or no connection is configured), 4 not found (404).

mod apm;
mod backup;
mod config_cmd;
pub mod connection;
mod destination;
pub mod dlq;
mod export;
mod flow;
mod generate;
mod import;
pub mod init;
mod migrate;
mod profile;
mod resources;
mod segment;
mod serve;
mod status;
mod tenant;
mod tql;
mod tui;

use crate::config::{Config, LogFormat, Overrides};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code for a usage or configuration error.
pub const EXIT_USAGE: u8 = 2;
/// Exit code when the private API refuses the credentials (401, 403) or none are set.
pub const EXIT_AUTH: u8 = 3;
/// Exit code when the private API answers 404.
pub const EXIT_NOT_FOUND: u8 = 4;

#[derive(Debug, Parser)]
#[command(
    name = "tracardictl",
    version,
    about = "A Tracardi-compatible customer data platform in one binary",
    long_about = "A Tracardi-compatible customer data platform in one binary.\n\n\
        It collects events from websites, apps and other systems, keeps one profile per \
        customer, and is run and administered from a terminal.",
    after_help = "Examples:\n  tracardictl serve                  run the single-node set on ./tracardi-data\n  tracardictl serve collector        run only the public collector\n  tracardictl config show            print the effective configuration\n\n\
        Exit codes: 0 success, 1 failure, 2 usage or configuration error, 3 not signed in \
        or not allowed, 4 not found."
)]
pub struct Cli {
    /// Configuration file [default: ./tracardi.toml when it exists]
    #[arg(long, global = true, value_name = "FILE", env = "TRACARDI_CONFIG")]
    pub config: Option<PathBuf>,

    /// Data directory of the embedded store [default: ./tracardi-data]
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Log format on standard error
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(Box<init::InitArgs>),
    Status(status::StatusArgs),
    Doctor(status::DoctorArgs),
    Serve(serve::ServeArgs),
    Config(config_cmd::ConfigArgs),
    Migrate(migrate::MigrateArgs),
    Backup(backup::BackupArgs),
    Restore(backup::RestoreArgs),
    Export(export::ExportArgs),
    Import(import::ImportArgs),
    Login(connection::LoginArgs),
    Logout(connection::LogoutArgs),
    Use(connection::UseArgs),
    Get(resources::GetArgs),
    Describe(resources::DescribeArgs),
    Apply(resources::ApplyArgs),
    Delete(resources::DeleteArgs),
    Edit(resources::EditArgs),
    Deploy(resources::DeployArgs),
    Token(resources::TokenArgs),
    Apm(apm::ApmArgs),
    Profile(profile::ProfileArgs),
    Tql(tql::TqlArgs),
    Flow(flow::FlowArgs),
    Dlq(dlq::DlqArgs),
    #[command(alias = "dest")]
    Destination(destination::DestinationArgs),
    Tenant(tenant::TenantArgs),
    Segment(segment::SegmentArgs),
    #[command(alias = "dash")]
    Tui(tui::TuiArgs),
    #[command(hide = true)]
    Generate(generate::GenerateArgs),
}

impl Cli {
    /// Flag values that override the configuration.
    fn overrides(&self) -> Overrides {
        let mut o = Overrides::default();
        if let Some(d) = &self.data_dir {
            o.0.push(("data_dir", d.display().to_string()));
        }
        if let Some(f) = self.log_format {
            let v = match f {
                LogFormat::Text => "text",
                LogFormat::Json => "json",
            };
            o.0.push(("log_format", v.to_string()));
        }
        o
    }

    /// The effective configuration: defaults < file < environment < flags.
    pub fn load_config(&self, extra: Overrides) -> Result<Config, crate::config::ConfigError> {
        let file = crate::config::locate(self.config.as_deref());
        let mut overrides = self.overrides();
        overrides.0.extend(extra.0);
        Config::load(file.as_deref(), &|k| std::env::var(k).ok(), &overrides)
    }
}

/// Something the command line names does not exist (a run trace, say): exit 4, as a 404
/// of the private API is.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotFound(pub String);

/// A failure with the exit code it maps to.
pub struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        let error = e.into();
        let code = if error.downcast_ref::<crate::config::ConfigError>().is_some() {
            EXIT_USAGE
        } else if error.downcast_ref::<NotFound>().is_some() {
            EXIT_NOT_FOUND
        } else {
            match error.downcast_ref::<crate::client::ClientError>() {
                Some(e) if e.is_auth() => EXIT_AUTH,
                Some(e) if e.status() == Some(404) => EXIT_NOT_FOUND,
                _ => 1,
            }
        };
        Failure { code, error }
    }
}

/// Exit code of a command whose standard output was closed under it (`… | head`):
/// 128 + SIGPIPE, what a shell reports for a tool the signal ended.
const EXIT_BROKEN_PIPE: i32 = 141;

/// `print!` panics when standard output is a closed pipe (Rust ignores SIGPIPE, so the
/// write fails instead of ending the process). The reader has gone away: end quietly,
/// as a tool the signal ended would, instead of printing a panic.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(EXIT_BROKEN_PIPE);
        }
        if crate::config::json_logs() {
            let place = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            json_record("ERROR", &format!("panicked{place}: {message}"), None);
            return;
        }
        // Output that cannot be written (a full disk, a closed descriptor) is an error
        // to report, not a crash.
        if let Some(cause) = message
            .strip_prefix("failed printing to stdout: ")
            .map(|c| ("standard output", c))
            .or_else(|| {
                message
                    .strip_prefix("failed printing to stderr: ")
                    .map(|c| ("standard error", c))
            })
        {
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "tracardictl: error: cannot write to {}: {}",
                cause.0,
                cause.1
            );
            std::process::exit(1);
        }
        default(info);
    }));
}

/// Whether standard output is a pipe its reader has closed (a broken pipe from a
/// network peer is an error to report, this one is not).
fn stdout_closed() -> bool {
    let mut fd = libc::pollfd {
        fd: 1,
        events: 0,
        revents: 0,
    };
    // SAFETY: one valid pollfd, zero timeout.
    let ready = unsafe { libc::poll(&mut fd, 1, 0) };
    ready > 0 && fd.revents & libc::POLLERR != 0
}

/// One JSON record on standard error, shaped as `tracing`'s JSON lines, written
/// whatever `RUST_LOG` says: a fatal error must reach the log.
fn json_record(level: &str, message: &str, exit_code: Option<u8>) {
    use std::io::Write as _;
    let mut fields = serde_json::json!({ "message": message });
    if let Some(code) = exit_code {
        fields["exit_code"] = code.into();
    }
    let record = serde_json::json!({
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "level": level,
        "fields": fields,
        "target": "tracardictl",
    });
    let _ = writeln!(std::io::stderr(), "{record}");
}

/// The log format asked for before the configuration is loaded (or when it does not
/// load): the flag, else `TRACARDI_LOG_FORMAT`, else `log_format` in the config file.
pub(crate) fn requested_log_format(cli: &Cli) -> Option<LogFormat> {
    let parse = |s: &str| match s.trim() {
        "json" => Some(LogFormat::Json),
        "text" => Some(LogFormat::Text),
        _ => None,
    };
    if let Some(f) = cli.log_format {
        return Some(f);
    }
    if let Some(f) = std::env::var("TRACARDI_LOG_FORMAT")
        .ok()
        .and_then(|v| parse(&v))
    {
        return Some(f);
    }
    let file = crate::config::locate(cli.config.as_deref())?;
    let table: toml::Table = std::fs::read_to_string(file).ok()?.parse().ok()?;
    table.get("log_format")?.as_str().and_then(parse)
}

/// Whether the raw arguments (which did not parse) run `serve` with JSON logs, by the
/// flag or the environment.
fn raw_args_ask_json_serve() -> bool {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let flag = args
        .windows(2)
        .any(|w| w[0] == "--log-format" && w[1] == "json")
        || args.iter().any(|a| a == "--log-format=json");
    let env = std::env::var("TRACARDI_LOG_FORMAT").is_ok_and(|v| v.trim() == "json");
    args.iter().any(|a| a == "serve") && (flag || env)
}

pub fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Under JSON logs a bad flag of `serve` is a JSON record as well.
        Err(e) if e.use_stderr() && raw_args_ask_json_serve() => {
            let text = e.render().to_string();
            // The error itself, without clap's "For more information" paragraph.
            let message = text
                .split("\n\n")
                .next()
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let message = message.strip_prefix("error: ").unwrap_or(&message);
            let code = u8::try_from(e.exit_code()).unwrap_or(EXIT_USAGE);
            json_record("ERROR", message, Some(code));
            return ExitCode::from(code);
        }
        Err(e) => e.exit(),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let closed_stdout = stdout_closed()
                && f.error.chain().any(|e| {
                    let broken = Some(std::io::ErrorKind::BrokenPipe);
                    e.downcast_ref::<std::io::Error>().map(std::io::Error::kind) == broken
                        // JSON written straight to the pipe (`export`) fails as serde's
                        // error around the I/O one.
                        || e.downcast_ref::<serde_json::Error>()
                            .and_then(serde_json::Error::io_error_kind)
                            == broken
                });
            if closed_stdout {
                // The reader of our output went away (`… | head`): nothing to report.
                return ExitCode::from(EXIT_BROKEN_PIPE as u8);
            }
            if crate::config::json_logs() {
                json_record("ERROR", &format!("{:#}", f.error), Some(f.code));
            } else {
                eprintln!("tracardictl: error: {:#}", f.error);
            }
            ExitCode::from(f.code)
        }
    }
}

pub fn run(cli: Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Init(args) => init::run(&cli, args),
        Command::Status(args) => status::status(&cli, args),
        Command::Doctor(args) => status::doctor(&cli, args),
        Command::Serve(args) => serve::run(&cli, args),
        Command::Config(args) => config_cmd::run(&cli, args),
        Command::Migrate(args) => migrate::run(&cli, args),
        Command::Backup(args) => backup::run_backup(&cli, args),
        Command::Restore(args) => backup::run_restore(&cli, args),
        Command::Export(args) => export::run(&cli, args),
        Command::Import(args) => import::run(&cli, args),
        Command::Login(args) => connection::login(args),
        Command::Logout(args) => connection::logout(args),
        Command::Use(args) => connection::use_connection(args),
        Command::Get(args) => resources::get(args),
        Command::Describe(args) => resources::describe(args),
        Command::Apply(args) => resources::apply(args),
        Command::Delete(args) => resources::delete(args),
        Command::Edit(args) => resources::edit(args),
        Command::Deploy(args) => resources::deploy(args),
        Command::Token(args) => resources::token(args),
        Command::Apm(args) => apm::run(&cli, args),
        Command::Profile(args) => profile::run(args),
        Command::Tql(args) => tql::run(args),
        Command::Flow(args) => flow::run(&cli, args),
        Command::Dlq(args) => dlq::run(args),
        Command::Destination(args) => destination::run(args),
        Command::Tenant(args) => tenant::run(&cli, args),
        Command::Segment(args) => segment::run(&cli, args),
        Command::Tui(args) => tui::run(args),
        Command::Generate(args) => generate::run(args),
    }
}

/// Starts logging to standard error in the configured format; `RUST_LOG` filters.
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: not in log files and journals.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
    crate::config::set_json_logs(format == LogFormat::Json);
}

/// A small runtime for the client commands.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
