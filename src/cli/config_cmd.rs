use super::{Cli, Failure};
use crate::config::{env_var_name, Overrides, KEYS};
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
    /// List every key with the environment variable that sets it
    #[command(
        after_help = "Examples:\n  tracardictl config keys\n  tracardictl config keys | grep collector"
    )]
    Keys,
}

pub fn run(cli: &Cli, args: &ConfigArgs) -> Result<(), Failure> {
    match args.command {
        ConfigCommand::Keys => {
            for k in KEYS {
                println!("{k:<28} {}", env_var_name(k));
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
