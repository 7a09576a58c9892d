# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tracardictl_global_optspecs
    string join \n config= data-dir= log-format= h/help V/version
end

function __fish_tracardictl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tracardictl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tracardictl_using_subcommand
    set -l cmd (__fish_tracardictl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tracardictl -n "__fish_tracardictl_needs_command" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_needs_command" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_needs_command" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -s V -l version -d 'Print version'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "serve" -d 'Run services as a daemon (with none named: the single-node set)'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "config" -d 'Show or check the effective configuration'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "migrate" -d 'Upgrade a store\'s schema or copy a store to another backend'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "apm" -d 'Automatic profile merging: full duplicate scans'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "generate" -d 'Generate completions or man pages (for packagers and the repository)'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l collector-listen -d 'Address of the public collector API [default: 0.0.0.0:8585]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l store -d 'Store URI: a directory or `sled:DIR` (embedded store), or `postgres://…` (shared PostgreSQL) [default: the data directory]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and not __fish_seen_subcommand_from show validate keys help" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and not __fish_seen_subcommand_from show validate keys help" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and not __fish_seen_subcommand_from show validate keys help" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and not __fish_seen_subcommand_from show validate keys help" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and not __fish_seen_subcommand_from show validate keys help" -f -a "show" -d 'Print the effective configuration as TOML, secrets redacted'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and not __fish_seen_subcommand_from show validate keys help" -f -a "validate" -d 'Check the configuration and exit 0 when it is valid, 2 when not'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and not __fish_seen_subcommand_from show validate keys help" -f -a "keys" -d 'List every key with the environment variable that sets it'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and not __fish_seen_subcommand_from show validate keys help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from show" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from show" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from validate" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from validate" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from validate" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from validate" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from keys" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from keys" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from keys" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from keys" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the effective configuration as TOML, secrets redacted'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "validate" -d 'Check the configuration and exit 0 when it is valid, 2 when not'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "keys" -d 'List every key with the environment variable that sets it'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and not __fish_seen_subcommand_from up copy help" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and not __fish_seen_subcommand_from up copy help" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and not __fish_seen_subcommand_from up copy help" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and not __fish_seen_subcommand_from up copy help" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and not __fish_seen_subcommand_from up copy help" -f -a "up" -d 'Apply pending schema migrations (creates a fresh PostgreSQL schema)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and not __fish_seen_subcommand_from up copy help" -f -a "copy" -d 'Copy every scope\'s profiles, sessions, events and configuration to another store'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and not __fish_seen_subcommand_from up copy help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from up" -l store -d 'Store URI [default: the configured store]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from up" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from up" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from up" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from copy" -l from -d 'Source store URI (`sled:DIR`, a directory, or `postgres://…`)' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from copy" -l to -d 'Target store URI' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from copy" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from copy" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from copy" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from copy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "up" -d 'Apply pending schema migrations (creates a fresh PostgreSQL schema)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "copy" -d 'Copy every scope\'s profiles, sessions, events and configuration to another store'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apm; and not __fish_seen_subcommand_from scan help" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apm; and not __fish_seen_subcommand_from scan help" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apm; and not __fish_seen_subcommand_from scan help" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apm; and not __fish_seen_subcommand_from scan help" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apm; and not __fish_seen_subcommand_from scan help" -f -a "scan" -d 'Scan every profile for duplicates sharing a merge key and merge them'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apm; and not __fish_seen_subcommand_from scan help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apm; and __fish_seen_subcommand_from scan" -l context -d 'Context to scan' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apm; and __fish_seen_subcommand_from scan" -l tenant -d 'Tenant to scan [default: the configured tenant]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apm; and __fish_seen_subcommand_from scan" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apm; and __fish_seen_subcommand_from scan" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apm; and __fish_seen_subcommand_from scan" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apm; and __fish_seen_subcommand_from scan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apm; and __fish_seen_subcommand_from help" -f -a "scan" -d 'Scan every profile for duplicates sharing a merge key and merge them'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apm; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand generate" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand generate" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand generate" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand generate" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from serve config migrate apm generate help" -f -a "serve" -d 'Run services as a daemon (with none named: the single-node set)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from serve config migrate apm generate help" -f -a "config" -d 'Show or check the effective configuration'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from serve config migrate apm generate help" -f -a "migrate" -d 'Upgrade a store\'s schema or copy a store to another backend'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from serve config migrate apm generate help" -f -a "apm" -d 'Automatic profile merging: full duplicate scans'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from serve config migrate apm generate help" -f -a "generate" -d 'Generate completions or man pages (for packagers and the repository)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from serve config migrate apm generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the effective configuration as TOML, secrets redacted'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "validate" -d 'Check the configuration and exit 0 when it is valid, 2 when not'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "keys" -d 'List every key with the environment variable that sets it'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "up" -d 'Apply pending schema migrations (creates a fresh PostgreSQL schema)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "copy" -d 'Copy every scope\'s profiles, sessions, events and configuration to another store'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from apm" -f -a "scan" -d 'Scan every profile for duplicates sharing a merge key and merge them'
