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
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "apm" -d 'Automatic profile merging: full duplicate scans'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "tql" -d 'Check and evaluate TQL conditions'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "flow" -d 'Validate, convert, test and inspect workflows'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "generate" -d 'Generate completions or man pages (for packagers and the repository)'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l collector-listen -d 'Address of the public collector API [default: 0.0.0.0:8585]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l store -d 'Store URI: a directory (embedded store) [default: the data directory]' -r
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
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and not __fish_seen_subcommand_from check eval help" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and not __fish_seen_subcommand_from check eval help" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and not __fish_seen_subcommand_from check eval help" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and not __fish_seen_subcommand_from check eval help" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and not __fish_seen_subcommand_from check eval help" -f -a "check" -d 'Parse a condition; print it in canonical form, or the error with its position'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and not __fish_seen_subcommand_from check eval help" -f -a "eval" -d 'Evaluate a condition over JSON files; print true or false'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and not __fish_seen_subcommand_from check eval help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and __fish_seen_subcommand_from check" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and __fish_seen_subcommand_from check" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and __fish_seen_subcommand_from check" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and __fish_seen_subcommand_from eval" -l profile -d 'The profile (a JSON file, or - for standard input)' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and __fish_seen_subcommand_from eval" -l event -d 'The event (a JSON file, or -)' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and __fish_seen_subcommand_from eval" -l session -d 'The session (a JSON file, or -)' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and __fish_seen_subcommand_from eval" -l payload -d 'The payload (a JSON file, or -)' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and __fish_seen_subcommand_from eval" -l now -d 'The time `now()` returns (RFC 3339) [default: the current time]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and __fish_seen_subcommand_from eval" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and __fish_seen_subcommand_from eval" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and __fish_seen_subcommand_from eval" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and __fish_seen_subcommand_from eval" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and __fish_seen_subcommand_from help" -f -a "check" -d 'Parse a condition; print it in canonical form, or the error with its position'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and __fish_seen_subcommand_from help" -f -a "eval" -d 'Evaluate a condition over JSON files; print true or false'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tql; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and not __fish_seen_subcommand_from validate convert run trace traces draft deploy lock plugins help" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and not __fish_seen_subcommand_from validate convert run trace traces draft deploy lock plugins help" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and not __fish_seen_subcommand_from validate convert run trace traces draft deploy lock plugins help" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and not __fish_seen_subcommand_from validate convert run trace traces draft deploy lock plugins help" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and not __fish_seen_subcommand_from validate convert run trace traces draft deploy lock plugins help" -f -a "validate" -d 'Check a flow file (either shape) as saving would: plugins, init, edges, cycles'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and not __fish_seen_subcommand_from validate convert run trace traces draft deploy lock plugins help" -f -a "convert" -d 'Convert a flow file between the concise YAML form and Tracardi\'s JSON shape'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and not __fish_seen_subcommand_from validate convert run trace traces draft deploy lock plugins help" -f -a "run" -d 'Dry-run a flow over JSON files: nothing is stored; prints the result and trace'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and not __fish_seen_subcommand_from validate convert run trace traces draft deploy lock plugins help" -f -a "trace" -d 'Print a stored run trace'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and not __fish_seen_subcommand_from validate convert run trace traces draft deploy lock plugins help" -f -a "traces" -d 'List stored run traces, newest first'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and not __fish_seen_subcommand_from validate convert run trace traces draft deploy lock plugins help" -f -a "draft" -d 'Save a flow file as the draft of its flow (offline)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and not __fish_seen_subcommand_from validate convert run trace traces draft deploy lock plugins help" -f -a "deploy" -d 'Publish a flow\'s draft: rules run the deployed version (offline)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and not __fish_seen_subcommand_from validate convert run trace traces draft deploy lock plugins help" -f -a "lock" -d 'Lock a flow against edits (offline)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and not __fish_seen_subcommand_from validate convert run trace traces draft deploy lock plugins help" -f -a "plugins" -d 'List the plugins flows can use'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and not __fish_seen_subcommand_from validate convert run trace traces draft deploy lock plugins help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from validate" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from validate" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from validate" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from validate" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from convert" -l to -d 'The shape to print' -r -f -a "yaml\t'The concise form (YAML)'
json\t'Tracardi\'s JSON shape'"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from convert" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from convert" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from convert" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from convert" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from run" -l event -d 'The event (JSON file or -); its properties are the initial payload' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from run" -l profile -d 'The profile (JSON file or -)' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from run" -l session -d 'The session (JSON file or -)' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from run" -l now -d 'The time `now()` returns (RFC 3339)' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from run" -s o -l output -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from run" -l context -d 'Context of the data [default: the collector\'s context from the configuration]' -r -f -a "staging\t''
production\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from run" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from run" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from run" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from run" -l new-profile -d 'Treat the profile as created by this request'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from run" -l new-session -d 'Treat the session as new (a new visit)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from run" -l deployed -d 'Run the deployed version of a stored flow instead of its draft'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from trace" -s o -l output -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from trace" -l context -d 'Context of the data [default: the collector\'s context from the configuration]' -r -f -a "staging\t''
production\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from trace" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from trace" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from trace" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from trace" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from traces" -l flow -d 'Only traces of this flow' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from traces" -l limit -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from traces" -l context -d 'Context of the data [default: the collector\'s context from the configuration]' -r -f -a "staging\t''
production\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from traces" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from traces" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from traces" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from traces" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from draft" -l context -d 'Context of the data [default: the collector\'s context from the configuration]' -r -f -a "staging\t''
production\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from draft" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from draft" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from draft" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from draft" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from deploy" -l context -d 'Context of the data [default: the collector\'s context from the configuration]' -r -f -a "staging\t''
production\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from deploy" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from deploy" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from deploy" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from deploy" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from lock" -l context -d 'Context of the data [default: the collector\'s context from the configuration]' -r -f -a "staging\t''
production\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from lock" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from lock" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from lock" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from lock" -l unlock -d 'Unlock instead'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from lock" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from plugins" -s o -l output -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from plugins" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from plugins" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from plugins" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from plugins" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from help" -f -a "validate" -d 'Check a flow file (either shape) as saving would: plugins, init, edges, cycles'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from help" -f -a "convert" -d 'Convert a flow file between the concise YAML form and Tracardi\'s JSON shape'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from help" -f -a "run" -d 'Dry-run a flow over JSON files: nothing is stored; prints the result and trace'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from help" -f -a "trace" -d 'Print a stored run trace'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from help" -f -a "traces" -d 'List stored run traces, newest first'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from help" -f -a "draft" -d 'Save a flow file as the draft of its flow (offline)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from help" -f -a "deploy" -d 'Publish a flow\'s draft: rules run the deployed version (offline)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from help" -f -a "lock" -d 'Lock a flow against edits (offline)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from help" -f -a "plugins" -d 'List the plugins flows can use'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand generate" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand generate" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand generate" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand generate" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from serve config apm tql flow generate help" -f -a "serve" -d 'Run services as a daemon (with none named: the single-node set)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from serve config apm tql flow generate help" -f -a "config" -d 'Show or check the effective configuration'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from serve config apm tql flow generate help" -f -a "apm" -d 'Automatic profile merging: full duplicate scans'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from serve config apm tql flow generate help" -f -a "tql" -d 'Check and evaluate TQL conditions'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from serve config apm tql flow generate help" -f -a "flow" -d 'Validate, convert, test and inspect workflows'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from serve config apm tql flow generate help" -f -a "generate" -d 'Generate completions or man pages (for packagers and the repository)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from serve config apm tql flow generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the effective configuration as TOML, secrets redacted'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "validate" -d 'Check the configuration and exit 0 when it is valid, 2 when not'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "keys" -d 'List every key with the environment variable that sets it'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from apm" -f -a "scan" -d 'Scan every profile for duplicates sharing a merge key and merge them'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from tql" -f -a "check" -d 'Parse a condition; print it in canonical form, or the error with its position'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from tql" -f -a "eval" -d 'Evaluate a condition over JSON files; print true or false'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from flow" -f -a "validate" -d 'Check a flow file (either shape) as saving would: plugins, init, edges, cycles'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from flow" -f -a "convert" -d 'Convert a flow file between the concise YAML form and Tracardi\'s JSON shape'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from flow" -f -a "run" -d 'Dry-run a flow over JSON files: nothing is stored; prints the result and trace'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from flow" -f -a "trace" -d 'Print a stored run trace'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from flow" -f -a "traces" -d 'List stored run traces, newest first'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from flow" -f -a "draft" -d 'Save a flow file as the draft of its flow (offline)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from flow" -f -a "deploy" -d 'Publish a flow\'s draft: rules run the deployed version (offline)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from flow" -f -a "lock" -d 'Lock a flow against edits (offline)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from flow" -f -a "plugins" -d 'List the plugins flows can use'
