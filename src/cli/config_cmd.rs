use super::{Cli, Failure};
use crate::config::{all_keys, Overrides};
use clap::{Args, Subcommand};

/// Show or check the effective configuration
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  tracardictl config show\n  tracardictl --config /etc/tracardi/tracardi.toml config validate"
)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration as TOML, secrets redacted
    #[command(
        after_help = "Precedence: defaults < tracardi.toml < TRACARDI_* environment < flags.\n\n\
            Examples:\n  tracardictl config show\n  TRACARDI_COLLECTOR_LISTEN=0.0.0.0:9000 tracardictl config show"
    )]
    Show,
    /// Check the configuration and exit 0 when it is valid, 2 when not
    #[command(
        after_help = "Examples:\n  tracardictl config validate\n  tracardictl --config /etc/tracardi/tracardi.toml config validate"
    )]
    Validate,
    /// List every key with the environment variable that sets it (or "file only")
    #[command(
        after_help = "Examples:\n  tracardictl config keys\n  tracardictl config keys | grep collector"
    )]
    Keys,
}

pub fn run(cli: &Cli, args: &ConfigArgs) -> Result<(), Failure> {
    match args.command {
        ConfigCommand::Keys => {
            let keys = all_keys();
            let width = keys.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            for (key, env) in keys {
                match env {
                    Ok(var) => println!("{key:<width$} {var}"),
                    Err(what) => println!("{key:<width$} (file only: {what})"),
                }
            }
            Ok(())
        }
        ConfigCommand::Show => {
            let c = cli.load_config(Overrides::default())?;
            print!("{}", c.to_redacted_toml());
            Ok(())
        }
        ConfigCommand::Validate => {
            let file = crate::config::locate(cli.config.as_deref());
            cli.load_config(Overrides::default())?;
            match file {
                Some(f) => println!("configuration is valid ({})", f.display()),
                None => println!("configuration is valid (no file; defaults and environment)"),
            }
            Ok(())
        }
    }
}
