//! `tracardictl tql`: check and evaluate conditions from the terminal.

use super::Failure;
use crate::workflow::notation::DotContext;
use crate::workflow::tql;
use anyhow::{anyhow, Context as _};
use clap::{Args, Subcommand};
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Check and evaluate TQL conditions
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  tracardictl tql check 'profile@traits.age >= 18 AND event@type == \"purchase\"'\n  tracardictl tql eval 'payload@items.0 EXISTS' --payload order.json\n  curl -s …/profile | tracardictl tql eval 'profile@segments == \"vip\"' --profile -"
)]
pub struct TqlArgs {
    #[command(subcommand)]
    pub command: TqlCommand,
}

#[derive(Debug, Subcommand)]
pub enum TqlCommand {
    /// Parse a condition; print it in canonical form, or the error with its position
    #[command(
        after_help = "Exit codes: 0 valid, 1 invalid.\n\nExamples:\n  tracardictl tql check 'profile@traits.age >= 18'\n  tracardictl tql check 'event@type == \"purchase\" AND payload@total > 100'"
    )]
    Check {
        /// The condition
        expr: String,
    },
    /// Evaluate a condition over JSON files; print true or false
    #[command(
        after_help = "Each file is JSON or YAML; `-` reads standard input (for one of them).\n\
        Exit codes: 0 evaluated (true or false), 1 parse or evaluation error.\n\n\
        Examples:\n  tracardictl tql eval 'payload@items.0 EXISTS' --payload order.json\n  \
        tracardictl tql eval 'profile@traits.age >= 18' --profile profile.json"
    )]
    Eval {
        /// The condition
        expr: String,
        #[command(flatten)]
        data: DataFiles,
        /// The time `now()` returns (RFC 3339) [default: the current time]
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
    },
}

/// JSON inputs for conditions and dry runs.
#[derive(Debug, Args, Clone, Default)]
pub struct DataFiles {
    /// The profile (a JSON file, or - for standard input)
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// The event (a JSON file, or -)
    #[arg(long, value_name = "FILE")]
    pub event: Option<PathBuf>,
    /// The session (a JSON file, or -)
    #[arg(long, value_name = "FILE")]
    pub session: Option<PathBuf>,
    /// The payload (a JSON file, or -)
    #[arg(long, value_name = "FILE")]
    pub payload: Option<PathBuf>,
}

/// Reads a JSON (or YAML) file, `-` meaning standard input; no file gives `{}`.
pub fn read_json(path: Option<&Path>, what: &str) -> anyhow::Result<Value> {
    let Some(path) = path else {
        return Ok(Value::Object(Default::default()));
    };
    let text = if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .with_context(|| format!("cannot read the {what} from standard input"))?;
        s
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the {what} from {}", path.display()))?
    };
    serde_json::from_str(&text)
        .or_else(|_| serde_yaml::from_str(&text))
        .map_err(|e| anyhow!("the {what} in {} is not JSON: {e}", path.display()))
}

pub fn parse_now(now: Option<&str>) -> anyhow::Result<Option<chrono::DateTime<chrono::Utc>>> {
    now.map(|t| {
        chrono::DateTime::parse_from_rfc3339(t)
            .map(|t| t.with_timezone(&chrono::Utc))
            .map_err(|e| anyhow!("--now `{t}` is not an RFC 3339 time: {e}"))
    })
    .transpose()
}

impl DataFiles {
    fn check_stdin_once(&self) -> anyhow::Result<()> {
        let dashes = [&self.profile, &self.event, &self.session, &self.payload]
            .iter()
            .filter(|p| p.as_deref() == Some(Path::new("-")))
            .count();
        if dashes > 1 {
            return Err(anyhow!("only one of the files can be `-` (standard input)"));
        }
        Ok(())
    }

    pub fn context(&self) -> anyhow::Result<DotContext> {
        self.check_stdin_once()?;
        Ok(DotContext {
            profile: read_json(self.profile.as_deref(), "profile")?,
            session: read_json(self.session.as_deref(), "session")?,
            event: read_json(self.event.as_deref(), "event")?,
            payload: read_json(self.payload.as_deref(), "payload")?,
            ..DotContext::default()
        })
    }
}

pub fn run(args: &TqlArgs) -> Result<(), Failure> {
    match &args.command {
        TqlCommand::Check { expr } => {
            let parsed = tql::parse(expr).map_err(|e| anyhow!("{e}"))?;
            println!("{parsed}");
            Ok(())
        }
        TqlCommand::Eval { expr, data, now } => {
            let parsed = tql::parse(expr).map_err(|e| anyhow!("{e}"))?;
            let mut ctx = data.context()?;
            ctx.now = parse_now(now.as_deref())?;
            let verdict = tql::eval(&parsed, &ctx).map_err(|e| anyhow!("condition failed: {e}"))?;
            println!("{verdict}");
            Ok(())
        }
    }
}
