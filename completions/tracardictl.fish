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
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "init" -d 'Set up this host: configuration, store, admin, first event source, CLI connection'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "status" -d 'Show what runs where: services, versions, store health, size and schema'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "doctor" -d 'Check this host\'s installation and say how to fix each problem'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "serve" -d 'Run services as a daemon (with none named: the single-node set)'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "config" -d 'Show or check the effective configuration'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "migrate" -d 'Upgrade a store\'s schema or copy a store to another backend'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "backup" -d 'Write every scope of the store to one compressed file (offline)'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "restore" -d 'Restore a backup file into an empty store, then verify counts and checksums'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "export" -d 'Write profiles, events, sessions or configuration of one scope to NDJSON or CSV (offline)'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "import" -d 'Load profiles, sessions or events from NDJSON (offline); Tracardi Elasticsearch dumps too'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "login" -d 'Sign in to a private API and save the connection'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "logout" -d 'Forget a saved connection\'s token, revoking it on the server'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "use" -d 'Switch the current connection'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "get" -d 'Display several resources'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "describe" -d 'Show one resource in detail (YAML)'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "apply" -d 'Create or update configuration from files (YAML or JSON, one or many documents)'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "delete" -d 'Delete a resource'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "edit" -d 'Edit a resource in $EDITOR and apply it on save'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "deploy" -d 'Copy configuration from staging to production'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "token" -d 'Manage API keys'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "apm" -d 'Automatic profile merging: full duplicate scans'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "profile" -d 'Explain, merge and unmerge profiles (the merge journal)'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "tql" -d 'Check and evaluate TQL conditions'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "flow" -d 'Validate, convert, test and inspect workflows'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "dlq" -d 'Inspect and re-deliver work that failed every retry'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "destination" -d 'Inspect what the worker delivered to destinations'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "tenant" -d 'Manage tenants through the tenant management service (TMS)'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "segment" -d 'Segments: refresh every profile\'s segments'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "tui" -d 'The terminal UI: dashboard, profiles, live events, configuration, deploy'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "generate" -d 'Generate completions or man pages (for packagers and the repository)'
complete -c tracardictl -n "__fish_tracardictl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l answers -d 'Read the answers from a TOML file (keys as the flags, with `_`); implies --non-interactive' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l deployment -d 'Deployment kind [default: single]' -r -f -a "single\t'One host, embedded storage in the data directory'
postgres\t'Several hosts sharing one PostgreSQL database'"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l store-url -d 'PostgreSQL URL of a `postgres` deployment (the connection is tested)' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l services -d 'Services this host runs, comma-separated [default: all of them, the single-node set]' -r -f -a "collector\t'The public collector API'
private-api\t'The private API for the CLI and the TUI'
apm\t'Automatic profile merging'
worker\t'The background worker: workflows of asynchronous sources, deliveries, visit end'"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l collector-listen -d 'Listen address of the public collector [default: 0.0.0.0:8585]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l private-api-listen -d 'Listen address of the private API; keep it off public networks [default: 127.0.0.1:8686]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l installation-token -d 'Installation token of the private API\'s `POST /install` [default: generated]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l merge-key-salt -d 'Merge-key salt, at least 20 characters, never changed after install [default: generated]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l admin-email -d 'E-mail of the first admin user' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l admin-password -d 'Password of the first admin user (better: the environment variable)' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l source-name -d 'Name of the first event source [default: Website]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l source-type -d 'Type of the first event source [default: rest]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l systemd -d 'Write systemd unit files' -r -f -a "true\t''
false\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l systemd-dir -d 'Where the systemd units go [default: /etc/systemd/system]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l systemd-user -d 'The user the services run as [default: tracardi]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l connection-name -d 'Name of the CLI connection written [default: local]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l tms-api-key -d 'API key of the tenant management service (`serve tms`), at least 16 characters, written to the config as tms.api_key [default: none, the TMS refuses every call]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l force -d 'Redo a part that exists (repeatable)' -r -f -a "config\t'Rewrite init\'s keys of tracardi.toml, keeping the others (old file: .bak)'
admin\t'Set the admin\'s password again (creating the user if missing)'
source\t'Write the first event source again, same id'
api-key\t'Revoke init\'s API key and issue a new one (rewrites the connection)'
connection\t'Make the CLI connection the current one again'
systemd\t'Rewrite the systemd units'"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -l non-interactive -d 'Never prompt; fail naming the flag of any missing answer'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -s y -l yes -d 'Do not ask for confirmation of the summary'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand status" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand status" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand status" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand status" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand doctor" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand doctor" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand doctor" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l collector-listen -d 'Address of the public collector API [default: 0.0.0.0:8585]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l private-api-listen -d 'Address of the private API [default: 127.0.0.1:8686]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l tms-listen -d 'Address of the tenant management service (TMS) [default: 127.0.0.1:8383]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l store -d 'Store URI: a directory or `sled:DIR` (embedded store), or `postgres://…` (shared PostgreSQL) [default: the data directory]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l concurrency -d 'Items (workflow jobs, deliveries) the background worker runs at once [default: worker.concurrency, 64]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l segment-refresh -d 'Seconds between the worker\'s refreshes of every segment over every profile; 0 turns them off [default: segmentation.refresh_interval_s, 3600]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l lease-seconds -d 'Seconds a job leased by the worker stays invisible to other workers; a job of a worker that died returns to the queue after this [default: worker.visibility_ms / 1000, 60]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -l production-only -d 'Serve only the production context on the private API (ignore `x-context`)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and not __fish_seen_subcommand_from show validate keys help" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and not __fish_seen_subcommand_from show validate keys help" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and not __fish_seen_subcommand_from show validate keys help" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and not __fish_seen_subcommand_from show validate keys help" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and not __fish_seen_subcommand_from show validate keys help" -f -a "show" -d 'Print the effective configuration as TOML, secrets redacted'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and not __fish_seen_subcommand_from show validate keys help" -f -a "validate" -d 'Check the configuration and exit 0 when it is valid, 2 when not'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and not __fish_seen_subcommand_from show validate keys help" -f -a "keys" -d 'List every key with the environment variable that sets it (or "file only")'
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
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "keys" -d 'List every key with the environment variable that sets it (or "file only")'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and not __fish_seen_subcommand_from status plan up copy help" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and not __fish_seen_subcommand_from status plan up copy help" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and not __fish_seen_subcommand_from status plan up copy help" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and not __fish_seen_subcommand_from status plan up copy help" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and not __fish_seen_subcommand_from status plan up copy help" -f -a "status" -d 'Show the store\'s schema version, this binary\'s, and any pending or interrupted step'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and not __fish_seen_subcommand_from status plan up copy help" -f -a "plan" -d 'List the steps `migrate up` would run, with the records each one examines'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and not __fish_seen_subcommand_from status plan up copy help" -f -a "up" -d 'Apply pending schema migrations (creates a fresh PostgreSQL schema)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and not __fish_seen_subcommand_from status plan up copy help" -f -a "copy" -d 'Copy every scope\'s profiles, sessions, events and configuration to another store'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and not __fish_seen_subcommand_from status plan up copy help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from status" -l store -d 'Store URI [default: the configured store]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from status" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from status" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from status" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from plan" -l store -d 'Store URI [default: the configured store]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from plan" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from plan" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from plan" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from plan" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from up" -l store -d 'Store URI [default: the configured store]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from up" -l batch -d 'Records per page (progress is saved after every page)' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from up" -l pause-ms -d 'Pause after every page, in milliseconds (for testing interruption)' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from up" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from up" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from up" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from up" -l dry-run -d 'Scan and report what would change; write nothing'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from copy" -l from -d 'Source store URI (`sled:DIR`, a directory, or `postgres://…`)' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from copy" -l to -d 'Target store URI; it must hold no data unless `--resume` is given' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from copy" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from copy" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from copy" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from copy" -l resume -d 'Finish an interrupted copy into a target that already holds part of it'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from copy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show the store\'s schema version, this binary\'s, and any pending or interrupted step'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "plan" -d 'List the steps `migrate up` would run, with the records each one examines'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "up" -d 'Apply pending schema migrations (creates a fresh PostgreSQL schema)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "copy" -d 'Copy every scope\'s profiles, sessions, events and configuration to another store'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand backup" -l store -d 'Store URI [default: the configured store]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand backup" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand backup" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand backup" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand backup" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand backup" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand backup" -l online -d 'Ask the running private API for the backup (admin token; this tenant only)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand backup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand restore" -l store -d 'Store URI [default: the configured store]; it must be empty' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand restore" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand restore" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand restore" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand restore" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand export" -s o -l output -d 'Output file [default: standard output]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand export" -l format -d 'Output format: NDJSON, or CSV for profiles' -r -f -a "ndjson\t''
csv\t'Profiles only, with `--fields`'"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand export" -l fields -d 'Comma-separated dot paths for CSV columns' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand export" -l where -d 'Keep only records for which this TQL condition holds' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand export" -l since -d 'Only records inserted at or after this time (RFC 3339)' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand export" -l until -d 'Only records inserted before this time (RFC 3339)' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand export" -l tenant -d 'Tenant [default: the configured tenant]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand export" -l context -d 'Context to export from' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand export" -l store -d 'Store URI [default: the configured store]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand export" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand export" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand export" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand import" -l source -d 'Event source the events arrive by (replays them through the tracking pipeline)' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand import" -l rejects -d 'Write rejected lines here, one JSON object each with the line number and reason' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand import" -l config-kind -d 'Configuration kind of every line (`event-source`, `rule`, `flow`, …) [default: from a hit\'s `_index` (`tracardi-rule`) or the document\'s `kind`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand import" -l tenant -d 'Tenant [default: the configured tenant]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand import" -l context -d 'Context to import into' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand import" -l store -d 'Store URI [default: the configured store]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand import" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand import" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand import" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand import" -l direct -d 'Store events as they are instead of replaying them'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand import" -l no-workflows -d 'Skip workflows while replaying events'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand import" -l dry-run -d 'Check every line, write nothing'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand import" -l strict -d 'Exit 1 when any line is rejected (without it: only when every line is)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand login" -l name -d 'Name of this connection' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand login" -s u -l username -d 'User (email) to sign in as' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand login" -l token -d 'Use this API key instead of signing in' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand login" -l context -d 'Default context of this connection' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand login" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand login" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand login" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand login" -l password-stdin -d 'Read the password from standard input'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand logout" -l name -d 'Connection to sign out of [default: the current one]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand logout" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand logout" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand logout" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand logout" -l local-only -d 'Only forget the token here; leave it valid on the server'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand use" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand use" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand use" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand use" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand get" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand get" -l limit -d 'Records per page for profiles, sessions and events' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand get" -l after -d 'Continue a listing after this cursor' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand get" -l filter -d 'Only what matches a condition on dot paths, e.g. \'traits.plan == "pro"\'' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand get" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand get" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand get" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand get" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand get" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand get" -l no-headers -d 'Omit the header row of tables'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand get" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand describe" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand describe" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand describe" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand describe" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand describe" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand describe" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apply" -s f -l filename -d 'File, directory (every .yaml, .yml and .json in it) or `-` for standard input' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apply" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apply" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apply" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apply" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apply" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apply" -l dry-run -d 'Show what would change, as a diff, and change nothing'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand apply" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand delete" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand delete" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand delete" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand delete" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand delete" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand delete" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand edit" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand edit" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand edit" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand edit" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand edit" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand edit" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand deploy" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand deploy" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand deploy" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand deploy" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand deploy" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand deploy" -l dry-run -d 'Show what would be copied and change nothing'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand deploy" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "create" -d 'Create a long-lived API key for scripts; prints the key once'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "list" -d 'List the API keys and login tokens of this tenant (never their secrets)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "revoke" -d 'Revoke an API key or login token by the id `token list` shows'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from create" -l role -d 'Role of the key (repeat for several): admin, developer, marketer, maintainer' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from create" -l name -d 'Name shown when listing keys [default: who created it]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from create" -l expires-days -d 'Days until the key expires, 1 to 36500 [default: never]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from create" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from create" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from create" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from create" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from create" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from list" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from list" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from list" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from list" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from list" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from revoke" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from revoke" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from revoke" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from revoke" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from revoke" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a long-lived API key for scripts; prints the key once'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the API keys and login tokens of this tenant (never their secrets)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke an API key or login token by the id `token list` shows'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and not __fish_seen_subcommand_from explain merge unmerge help" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and not __fish_seen_subcommand_from explain merge unmerge help" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and not __fish_seen_subcommand_from explain merge unmerge help" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and not __fish_seen_subcommand_from explain merge unmerge help" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and not __fish_seen_subcommand_from explain merge unmerge help" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and not __fish_seen_subcommand_from explain merge unmerge help" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and not __fish_seen_subcommand_from explain merge unmerge help" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and not __fish_seen_subcommand_from explain merge unmerge help" -f -a "explain" -d 'Why a profile is what it is: its merge keys, other ids, merges and counts'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and not __fish_seen_subcommand_from explain merge unmerge help" -f -a "merge" -d 'Merge profiles now, or preview the result with --dry-run'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and not __fish_seen_subcommand_from explain merge unmerge help" -f -a "unmerge" -d 'Undo a merge: restore the merged-away profiles with their events and sessions'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and not __fish_seen_subcommand_from explain merge unmerge help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from explain" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from explain" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from explain" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from explain" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from explain" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from explain" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from explain" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from merge" -l survivor -d 'The profile that keeps its id [default: the oldest]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from merge" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from merge" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from merge" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from merge" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from merge" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from merge" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from merge" -l dry-run -d 'Print the merged result without writing anything'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from merge" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from unmerge" -l merge -d 'The merge to undo (from `profile explain`)' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from unmerge" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from unmerge" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from unmerge" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from unmerge" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from unmerge" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from unmerge" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from unmerge" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "explain" -d 'Why a profile is what it is: its merge keys, other ids, merges and counts'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "merge" -d 'Merge profiles now, or preview the result with --dry-run'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "unmerge" -d 'Undo a merge: restore the merged-away profiles with their events and sessions'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand profile; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from run" -s o -l output -d 'Output format' -r -f -a "text\t''
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
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from trace" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from trace" -l context -d 'Context of the data [default: the collector\'s context from the configuration]' -r -f -a "staging\t''
production\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from trace" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from trace" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from trace" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from trace" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from traces" -l flow -d 'Only traces of this flow' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from traces" -l limit -d 'How many traces to list' -r
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
complete -c tracardictl -n "__fish_tracardictl_using_subcommand flow; and __fish_seen_subcommand_from plugins" -s o -l output -d 'Output format' -r -f -a "text\t''
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
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and not __fish_seen_subcommand_from list show replay purge help" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and not __fish_seen_subcommand_from list show replay purge help" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and not __fish_seen_subcommand_from list show replay purge help" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and not __fish_seen_subcommand_from list show replay purge help" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and not __fish_seen_subcommand_from list show replay purge help" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and not __fish_seen_subcommand_from list show replay purge help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and not __fish_seen_subcommand_from list show replay purge help" -f -a "list" -d 'List dead letters, oldest first; their count and the queue\'s health on stderr'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and not __fish_seen_subcommand_from list show replay purge help" -f -a "show" -d 'One dead letter as JSON, with its payload and last error'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and not __fish_seen_subcommand_from list show replay purge help" -f -a "replay" -d 'Put a dead letter back at the end of the queue with its attempts reset'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and not __fish_seen_subcommand_from list show replay purge help" -f -a "purge" -d 'Delete one dead letter, or every one with --all'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and not __fish_seen_subcommand_from list show replay purge help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from list" -l limit -d 'At most this many (1 to 1000)' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from list" -l after -d 'Continue the listing after this dead letter id' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format (wide adds the tenant and context)' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
name\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from list" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from list" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from list" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from list" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from list" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from list" -l no-headers -d 'Omit the header row of tables'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from show" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from show" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from show" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from show" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from show" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from replay" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from replay" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from replay" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from replay" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from replay" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from replay" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from purge" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from purge" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from purge" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from purge" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from purge" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from purge" -l all -d 'Delete every dead letter'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from purge" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from help" -f -a "list" -d 'List dead letters, oldest first; their count and the queue\'s health on stderr'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from help" -f -a "show" -d 'One dead letter as JSON, with its payload and last error'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from help" -f -a "replay" -d 'Put a dead letter back at the end of the queue with its attempts reset'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from help" -f -a "purge" -d 'Delete one dead letter, or every one with --all'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand dlq; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and not __fish_seen_subcommand_from log help" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and not __fish_seen_subcommand_from log help" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and not __fish_seen_subcommand_from log help" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and not __fish_seen_subcommand_from log help" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and not __fish_seen_subcommand_from log help" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and not __fish_seen_subcommand_from log help" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and not __fish_seen_subcommand_from log help" -f -a "log" -d 'A destination\'s last deliveries (time, status, latency, error), newest first, and its totals'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and not __fish_seen_subcommand_from log help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and __fish_seen_subcommand_from log" -l limit -d 'Show at most this many deliveries' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and __fish_seen_subcommand_from log" -s o -l output -d 'Output format (`text` is accepted for `table`)' -r -f -a "table\t''
json\t''
yaml\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and __fish_seen_subcommand_from log" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and __fish_seen_subcommand_from log" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and __fish_seen_subcommand_from log" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and __fish_seen_subcommand_from log" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and __fish_seen_subcommand_from log" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and __fish_seen_subcommand_from log" -l no-headers -d 'Omit the header row of the table'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and __fish_seen_subcommand_from log" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and __fish_seen_subcommand_from help" -f -a "log" -d 'A destination\'s last deliveries (time, status, latency, error), newest first, and its totals'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand destination; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and not __fish_seen_subcommand_from create list get suspend resume rate-limit delete help" -l tms-url -d 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and not __fish_seen_subcommand_from create list get suspend resume rate-limit delete help" -l api-key -d 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and not __fish_seen_subcommand_from create list get suspend resume rate-limit delete help" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and not __fish_seen_subcommand_from create list get suspend resume rate-limit delete help" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and not __fish_seen_subcommand_from create list get suspend resume rate-limit delete help" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and not __fish_seen_subcommand_from create list get suspend resume rate-limit delete help" -l json -d 'Print the answer as JSON instead of text'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and not __fish_seen_subcommand_from create list get suspend resume rate-limit delete help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and not __fish_seen_subcommand_from create list get suspend resume rate-limit delete help" -f -a "create" -d 'Create a tenant: its contexts, admin user and API key, and default event source'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and not __fish_seen_subcommand_from create list get suspend resume rate-limit delete help" -f -a "list" -d 'List tenants and their state'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and not __fish_seen_subcommand_from create list get suspend resume rate-limit delete help" -f -a "get" -d 'A tenant with its storage figures (profiles, sessions, events, configuration)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and not __fish_seen_subcommand_from create list get suspend resume rate-limit delete help" -f -a "suspend" -d 'Suspend a tenant: its collection answers 403 and its API tokens 403'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and not __fish_seen_subcommand_from create list get suspend resume rate-limit delete help" -f -a "resume" -d 'Resume a suspended tenant'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and not __fish_seen_subcommand_from create list get suspend resume rate-limit delete help" -f -a "rate-limit" -d 'Set or remove a tenant\'s collection rate limit'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and not __fish_seen_subcommand_from create list get suspend resume rate-limit delete help" -f -a "delete" -d 'Delete a tenant and all of its data; reports what was removed'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and not __fish_seen_subcommand_from create list get suspend resume rate-limit delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from create" -l admin-email -d 'Email of the tenant\'s admin user' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from create" -l admin-password -d 'Password of the admin user [default: generated and printed once]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from create" -l events-per-second -d 'Collection rate limit in events per second (with --burst) [default: none]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from create" -l burst -d 'Events the rate limit lets through at once (with --events-per-second)' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from create" -l tms-url -d 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from create" -l api-key -d 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from create" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from create" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from create" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from create" -l json -d 'Print the answer as JSON instead of text'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from list" -l tms-url -d 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from list" -l api-key -d 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from list" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from list" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from list" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from list" -l json -d 'Print the answer as JSON instead of text'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from get" -l tms-url -d 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from get" -l api-key -d 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from get" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from get" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from get" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from get" -l json -d 'Print the answer as JSON instead of text'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from suspend" -l tms-url -d 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from suspend" -l api-key -d 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from suspend" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from suspend" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from suspend" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from suspend" -l json -d 'Print the answer as JSON instead of text'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from suspend" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from resume" -l tms-url -d 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from resume" -l api-key -d 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from resume" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from resume" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from resume" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from resume" -l json -d 'Print the answer as JSON instead of text'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from resume" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from rate-limit" -l events-per-second -d 'Events per second the bucket refills with' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from rate-limit" -l burst -d 'Events the bucket holds at most (let through at once)' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from rate-limit" -l tms-url -d 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from rate-limit" -l api-key -d 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from rate-limit" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from rate-limit" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from rate-limit" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from rate-limit" -l off -d 'Remove the limit'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from rate-limit" -l json -d 'Print the answer as JSON instead of text'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from rate-limit" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from delete" -l tms-url -d 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from delete" -l api-key -d 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from delete" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from delete" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from delete" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from delete" -l yes -d 'Confirm that every record of the tenant is to be removed'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from delete" -l json -d 'Print the answer as JSON instead of text'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a tenant: its contexts, admin user and API key, and default event source'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from help" -f -a "list" -d 'List tenants and their state'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from help" -f -a "get" -d 'A tenant with its storage figures (profiles, sessions, events, configuration)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from help" -f -a "suspend" -d 'Suspend a tenant: its collection answers 403 and its API tokens 403'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from help" -f -a "resume" -d 'Resume a suspended tenant'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from help" -f -a "rate-limit" -d 'Set or remove a tenant\'s collection rate limit'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a tenant and all of its data; reports what was removed'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tenant; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand segment; and not __fish_seen_subcommand_from refresh help" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand segment; and not __fish_seen_subcommand_from refresh help" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand segment; and not __fish_seen_subcommand_from refresh help" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand segment; and not __fish_seen_subcommand_from refresh help" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand segment; and not __fish_seen_subcommand_from refresh help" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand segment; and not __fish_seen_subcommand_from refresh help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand segment; and not __fish_seen_subcommand_from refresh help" -f -a "refresh" -d 'Evaluate every enabled segment over every profile of a context and print a summary'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand segment; and not __fish_seen_subcommand_from refresh help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand segment; and __fish_seen_subcommand_from refresh" -l context -d 'Context to work on [default: the connection\'s, else staging]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand segment; and __fish_seen_subcommand_from refresh" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand segment; and __fish_seen_subcommand_from refresh" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand segment; and __fish_seen_subcommand_from refresh" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand segment; and __fish_seen_subcommand_from refresh" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand segment; and __fish_seen_subcommand_from refresh" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand segment; and __fish_seen_subcommand_from help" -f -a "refresh" -d 'Evaluate every enabled segment over every profile of a context and print a summary'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand segment; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tui" -l url -d 'Base URL of the private API [default: the connection\'s]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tui" -l token -d 'Bearer token or API key [default: the connection\'s; with --url alone, that of a saved connection to that URL]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tui" -l connection -d 'Named connection to use [default: the current one, see `tracardictl use`]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tui" -l context -d 'Context to start in; `c` switches [default: the connection\'s, else production]' -r
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tui" -l log-file -d 'Where logs go while the UI runs [default: tracardictl-tui.log in the temp dir]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tui" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tui" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tui" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tui" -l readonly -d 'Hide and refuse everything that changes data'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand tui" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand generate" -l config -d 'Configuration file [default: ./tracardi.toml when it exists]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand generate" -l data-dir -d 'Data directory of the embedded store [default: ./tracardi-data]' -r -F
complete -c tracardictl -n "__fish_tracardictl_using_subcommand generate" -l log-format -d 'Log format on standard error' -r -f -a "text\t''
json\t''"
complete -c tracardictl -n "__fish_tracardictl_using_subcommand generate" -s h -l help -d 'Print help'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "init" -d 'Set up this host: configuration, store, admin, first event source, CLI connection'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "status" -d 'Show what runs where: services, versions, store health, size and schema'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "doctor" -d 'Check this host\'s installation and say how to fix each problem'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "serve" -d 'Run services as a daemon (with none named: the single-node set)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "config" -d 'Show or check the effective configuration'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "migrate" -d 'Upgrade a store\'s schema or copy a store to another backend'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "backup" -d 'Write every scope of the store to one compressed file (offline)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "restore" -d 'Restore a backup file into an empty store, then verify counts and checksums'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "export" -d 'Write profiles, events, sessions or configuration of one scope to NDJSON or CSV (offline)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "import" -d 'Load profiles, sessions or events from NDJSON (offline); Tracardi Elasticsearch dumps too'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "login" -d 'Sign in to a private API and save the connection'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "logout" -d 'Forget a saved connection\'s token, revoking it on the server'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "use" -d 'Switch the current connection'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "get" -d 'Display several resources'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "describe" -d 'Show one resource in detail (YAML)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "apply" -d 'Create or update configuration from files (YAML or JSON, one or many documents)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "delete" -d 'Delete a resource'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "edit" -d 'Edit a resource in $EDITOR and apply it on save'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "deploy" -d 'Copy configuration from staging to production'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "token" -d 'Manage API keys'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "apm" -d 'Automatic profile merging: full duplicate scans'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "profile" -d 'Explain, merge and unmerge profiles (the merge journal)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "tql" -d 'Check and evaluate TQL conditions'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "flow" -d 'Validate, convert, test and inspect workflows'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "dlq" -d 'Inspect and re-deliver work that failed every retry'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "destination" -d 'Inspect what the worker delivered to destinations'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "tenant" -d 'Manage tenants through the tenant management service (TMS)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "segment" -d 'Segments: refresh every profile\'s segments'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "tui" -d 'The terminal UI: dashboard, profiles, live events, configuration, deploy'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "generate" -d 'Generate completions or man pages (for packagers and the repository)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and not __fish_seen_subcommand_from init status doctor serve config migrate backup restore export import login logout use get describe apply delete edit deploy token apm profile tql flow dlq destination tenant segment tui generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the effective configuration as TOML, secrets redacted'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "validate" -d 'Check the configuration and exit 0 when it is valid, 2 when not'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "keys" -d 'List every key with the environment variable that sets it (or "file only")'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "status" -d 'Show the store\'s schema version, this binary\'s, and any pending or interrupted step'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "plan" -d 'List the steps `migrate up` would run, with the records each one examines'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "up" -d 'Apply pending schema migrations (creates a fresh PostgreSQL schema)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "copy" -d 'Copy every scope\'s profiles, sessions, events and configuration to another store'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "create" -d 'Create a long-lived API key for scripts; prints the key once'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "list" -d 'List the API keys and login tokens of this tenant (never their secrets)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "revoke" -d 'Revoke an API key or login token by the id `token list` shows'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from apm" -f -a "scan" -d 'Scan every profile for duplicates sharing a merge key and merge them'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "explain" -d 'Why a profile is what it is: its merge keys, other ids, merges and counts'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "merge" -d 'Merge profiles now, or preview the result with --dry-run'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from profile" -f -a "unmerge" -d 'Undo a merge: restore the merged-away profiles with their events and sessions'
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
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from dlq" -f -a "list" -d 'List dead letters, oldest first; their count and the queue\'s health on stderr'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from dlq" -f -a "show" -d 'One dead letter as JSON, with its payload and last error'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from dlq" -f -a "replay" -d 'Put a dead letter back at the end of the queue with its attempts reset'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from dlq" -f -a "purge" -d 'Delete one dead letter, or every one with --all'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from destination" -f -a "log" -d 'A destination\'s last deliveries (time, status, latency, error), newest first, and its totals'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from tenant" -f -a "create" -d 'Create a tenant: its contexts, admin user and API key, and default event source'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from tenant" -f -a "list" -d 'List tenants and their state'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from tenant" -f -a "get" -d 'A tenant with its storage figures (profiles, sessions, events, configuration)'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from tenant" -f -a "suspend" -d 'Suspend a tenant: its collection answers 403 and its API tokens 403'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from tenant" -f -a "resume" -d 'Resume a suspended tenant'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from tenant" -f -a "rate-limit" -d 'Set or remove a tenant\'s collection rate limit'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from tenant" -f -a "delete" -d 'Delete a tenant and all of its data; reports what was removed'
complete -c tracardictl -n "__fish_tracardictl_using_subcommand help; and __fish_seen_subcommand_from segment" -f -a "refresh" -d 'Evaluate every enabled segment over every profile of a context and print a summary'
