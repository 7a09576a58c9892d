//! Help text: every command has a one-line help and a long help with an example, every
//! flag a one-line help; the `--help` of every command is pinned by a snapshot.

use clap::CommandFactory;
use tracardictl::cli::Cli;

/// Every visible command with its full name (`tracardictl get`), depth first.
fn commands() -> Vec<(String, clap::Command)> {
    fn walk(cmd: &clap::Command, name: String, out: &mut Vec<(String, clap::Command)>) {
        out.push((name.clone(), cmd.clone()));
        for sub in cmd.get_subcommands() {
            if sub.is_hide_set() || sub.get_name() == "help" {
                continue;
            }
            walk(sub, format!("{name} {}", sub.get_name()), out);
        }
    }
    let mut root = Cli::command().term_width(100);
    root.build();
    let mut out = Vec::new();
    walk(&root, "tracardictl".into(), &mut out);
    out
}

#[test]
fn every_command_and_flag_has_help_and_every_command_an_example() {
    let mut missing = Vec::new();
    for (name, cmd) in commands() {
        if cmd.get_about().is_none() {
            missing.push(format!("{name}: no one-line help"));
        }
        let long = format!(
            "{}\n{}",
            cmd.get_long_about()
                .map(|s| s.to_string())
                .unwrap_or_default(),
            cmd.get_after_help()
                .or(cmd.get_after_long_help())
                .map(|s| s.to_string())
                .unwrap_or_default()
        );
        if !long.contains("Example") {
            missing.push(format!("{name}: no example in its long help"));
        }
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if arg.is_hide_set() || id == "help" || id == "version" {
                continue;
            }
            if arg.get_help().is_none() {
                missing.push(format!("{name} --{id}: no help"));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn help_of_every_command() {
    for (name, cmd) in commands() {
        // The same text whatever TRACARDI_* variables the environment holds.
        let mut cmd = cmd.mut_args(|a| a.hide_env_values(true));
        let help = cmd.render_long_help().to_string();
        let snap = name.replace(' ', "_");
        insta::assert_snapshot!(snap, help);
    }
}
