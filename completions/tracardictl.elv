
use builtin;
use str;

set edit:completion:arg-completer[tracardictl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tracardictl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tracardictl'= {
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Set up this host: configuration, store, admin, first event source, CLI connection'
            cand status 'Show what runs where: services, versions, store health, size and schema'
            cand doctor 'Check this host''s installation and say how to fix each problem'
            cand serve 'Run services as a daemon (with none named: the single-node set)'
            cand config 'Show or check the effective configuration'
            cand migrate 'Upgrade a store''s schema or copy a store to another backend'
            cand backup 'Write every scope of the store to one compressed file (offline)'
            cand restore 'Restore a backup file into an empty store, then verify counts and checksums'
            cand export 'Write profiles, events, sessions or configuration of one scope to NDJSON or CSV (offline)'
            cand import 'Load profiles, sessions or events from NDJSON (offline); Tracardi Elasticsearch dumps too'
            cand login 'Sign in to a private API and save the connection'
            cand logout 'Forget a saved connection''s token, revoking it on the server'
            cand use 'Switch the current connection'
            cand get 'Display several resources'
            cand describe 'Show one resource in detail (YAML)'
            cand apply 'Create or update configuration from files (YAML or JSON, one or many documents)'
            cand delete 'Delete a resource'
            cand edit 'Edit a resource in $EDITOR and apply it on save'
            cand deploy 'Copy configuration from staging to production'
            cand token 'Manage API keys'
            cand apm 'Automatic profile merging: full duplicate scans'
            cand profile 'Explain, merge and unmerge profiles (the merge journal)'
            cand tql 'Check and evaluate TQL conditions'
            cand flow 'Validate, convert, test and inspect workflows'
            cand dlq 'Inspect and re-deliver work that failed every retry'
            cand destination 'Inspect what the worker delivered to destinations'
            cand tenant 'Manage tenants through the tenant management service (TMS)'
            cand segment 'Segments: refresh every profile''s segments'
            cand tui 'The terminal UI: dashboard, profiles, live events, configuration, deploy'
            cand generate 'Generate completions or man pages (for packagers and the repository)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;init'= {
            cand --answers 'Read the answers from a TOML file (keys as the flags, with `_`); implies --non-interactive'
            cand --deployment 'Deployment kind [default: single]'
            cand --store-url 'PostgreSQL URL of a `postgres` deployment (the connection is tested)'
            cand --services 'Services this host runs, comma-separated [default: all of them, the single-node set]'
            cand --collector-listen 'Listen address of the public collector [default: 0.0.0.0:8585]'
            cand --private-api-listen 'Listen address of the private API; keep it off public networks [default: 127.0.0.1:8686]'
            cand --installation-token 'Installation token of the private API''s `POST /install` [default: generated]'
            cand --merge-key-salt 'Merge-key salt, at least 20 characters, never changed after install [default: generated]'
            cand --admin-email 'E-mail of the first admin user'
            cand --admin-password 'Password of the first admin user (better: the environment variable)'
            cand --source-name 'Name of the first event source [default: Website]'
            cand --source-type 'Type of the first event source [default: rest]'
            cand --systemd 'Write systemd unit files'
            cand --systemd-dir 'Where the systemd units go [default: /etc/systemd/system]'
            cand --systemd-user 'The user the services run as [default: tracardi]'
            cand --connection-name 'Name of the CLI connection written [default: local]'
            cand --tms-api-key 'API key of the tenant management service (`serve tms`), at least 16 characters, written to the config as tms.api_key [default: none, the TMS refuses every call]'
            cand --force 'Redo a part that exists (repeatable)'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --non-interactive 'Never prompt; fail naming the flag of any missing answer'
            cand -y 'Do not ask for confirmation of the summary'
            cand --yes 'Do not ask for confirmation of the summary'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;status'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;doctor'= {
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;serve'= {
            cand --collector-listen 'Address of the public collector API [default: 0.0.0.0:8585]'
            cand --private-api-listen 'Address of the private API [default: 127.0.0.1:8686]'
            cand --tms-listen 'Address of the tenant management service (TMS) [default: 127.0.0.1:8383]'
            cand --store 'Store URI: a directory or `sled:DIR` (embedded store), or `postgres://…` (shared PostgreSQL) [default: the data directory]'
            cand --concurrency 'Items (workflow jobs, deliveries) the background worker runs at once [default: worker.concurrency, 64]'
            cand --segment-refresh 'Seconds between the worker''s refreshes of every segment over every profile; 0 turns them off [default: segmentation.refresh_interval_s, 3600]'
            cand --lease-seconds 'Seconds a job leased by the worker stays invisible to other workers; a job of a worker that died returns to the queue after this [default: worker.visibility_ms / 1000, 60]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --production-only 'Serve only the production context on the private API (ignore `x-context`)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;config'= {
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
            cand show 'Print the effective configuration as TOML, secrets redacted'
            cand validate 'Check the configuration and exit 0 when it is valid, 2 when not'
            cand keys 'List every key with the environment variable that sets it (or "file only")'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;config;show'= {
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;config;validate'= {
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;config;keys'= {
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;config;help'= {
            cand show 'Print the effective configuration as TOML, secrets redacted'
            cand validate 'Check the configuration and exit 0 when it is valid, 2 when not'
            cand keys 'List every key with the environment variable that sets it (or "file only")'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;config;help;show'= {
        }
        &'tracardictl;config;help;validate'= {
        }
        &'tracardictl;config;help;keys'= {
        }
        &'tracardictl;config;help;help'= {
        }
        &'tracardictl;migrate'= {
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
            cand status 'Show the store''s schema version, this binary''s, and any pending or interrupted step'
            cand plan 'List the steps `migrate up` would run, with the records each one examines'
            cand up 'Apply pending schema migrations (creates a fresh PostgreSQL schema)'
            cand copy 'Copy every scope''s profiles, sessions, events and configuration to another store'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;migrate;status'= {
            cand --store 'Store URI [default: the configured store]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;migrate;plan'= {
            cand --store 'Store URI [default: the configured store]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;migrate;up'= {
            cand --store 'Store URI [default: the configured store]'
            cand --batch 'Records per page (progress is saved after every page)'
            cand --pause-ms 'Pause after every page, in milliseconds (for testing interruption)'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --dry-run 'Scan and report what would change; write nothing'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;migrate;copy'= {
            cand --from 'Source store URI (`sled:DIR`, a directory, or `postgres://…`)'
            cand --to 'Target store URI; it must hold no data unless `--resume` is given'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --resume 'Finish an interrupted copy into a target that already holds part of it'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;migrate;help'= {
            cand status 'Show the store''s schema version, this binary''s, and any pending or interrupted step'
            cand plan 'List the steps `migrate up` would run, with the records each one examines'
            cand up 'Apply pending schema migrations (creates a fresh PostgreSQL schema)'
            cand copy 'Copy every scope''s profiles, sessions, events and configuration to another store'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;migrate;help;status'= {
        }
        &'tracardictl;migrate;help;plan'= {
        }
        &'tracardictl;migrate;help;up'= {
        }
        &'tracardictl;migrate;help;copy'= {
        }
        &'tracardictl;migrate;help;help'= {
        }
        &'tracardictl;backup'= {
            cand --store 'Store URI [default: the configured store]'
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --online 'Ask the running private API for the backup (admin token; this tenant only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;restore'= {
            cand --store 'Store URI [default: the configured store]; it must be empty'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;export'= {
            cand -o 'Output file [default: standard output]'
            cand --output 'Output file [default: standard output]'
            cand --format 'Output format: NDJSON, or CSV for profiles'
            cand --fields 'Comma-separated dot paths for CSV columns'
            cand --where 'Keep only records for which this TQL condition holds'
            cand --since 'Only records inserted at or after this time (RFC 3339)'
            cand --until 'Only records inserted before this time (RFC 3339)'
            cand --tenant 'Tenant [default: the configured tenant]'
            cand --context 'Context to export from'
            cand --store 'Store URI [default: the configured store]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;import'= {
            cand --source 'Event source the events arrive by (replays them through the tracking pipeline)'
            cand --rejects 'Write rejected lines here, one JSON object each with the line number and reason'
            cand --config-kind 'Configuration kind of every line (`event-source`, `rule`, `flow`, …) [default: from a hit''s `_index` (`tracardi-rule`) or the document''s `kind`]'
            cand --tenant 'Tenant [default: the configured tenant]'
            cand --context 'Context to import into'
            cand --store 'Store URI [default: the configured store]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --direct 'Store events as they are instead of replaying them'
            cand --no-workflows 'Skip workflows while replaying events'
            cand --dry-run 'Check every line, write nothing'
            cand --strict 'Exit 1 when any line is rejected (without it: only when every line is)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;login'= {
            cand --name 'Name of this connection'
            cand -u 'User (email) to sign in as'
            cand --username 'User (email) to sign in as'
            cand --token 'Use this API key instead of signing in'
            cand --context 'Default context of this connection'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --password-stdin 'Read the password from standard input'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;logout'= {
            cand --name 'Connection to sign out of [default: the current one]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --local-only 'Only forget the token here; leave it valid on the server'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;use'= {
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;get'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand --limit 'Records per page for profiles, sessions and events'
            cand --after 'Continue a listing after this cursor'
            cand --filter 'Only what matches a condition on dot paths, e.g. ''traits.plan == "pro"'''
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --no-headers 'Omit the header row of tables'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;describe'= {
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;apply'= {
            cand -f 'File, directory (every .yaml, .yml and .json in it) or `-` for standard input'
            cand --filename 'File, directory (every .yaml, .yml and .json in it) or `-` for standard input'
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --dry-run 'Show what would change, as a diff, and change nothing'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;delete'= {
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;edit'= {
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;deploy'= {
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --dry-run 'Show what would be copied and change nothing'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;token'= {
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
            cand create 'Create a long-lived API key for scripts; prints the key once'
            cand list 'List the API keys and login tokens of this tenant (never their secrets)'
            cand revoke 'Revoke an API key or login token by the id `token list` shows'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;token;create'= {
            cand --role 'Role of the key (repeat for several): admin, developer, marketer, maintainer'
            cand --name 'Name shown when listing keys [default: who created it]'
            cand --expires-days 'Days until the key expires, 1 to 36500 [default: never]'
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;token;list'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;token;revoke'= {
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;token;help'= {
            cand create 'Create a long-lived API key for scripts; prints the key once'
            cand list 'List the API keys and login tokens of this tenant (never their secrets)'
            cand revoke 'Revoke an API key or login token by the id `token list` shows'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;token;help;create'= {
        }
        &'tracardictl;token;help;list'= {
        }
        &'tracardictl;token;help;revoke'= {
        }
        &'tracardictl;token;help;help'= {
        }
        &'tracardictl;apm'= {
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
            cand scan 'Scan every profile for duplicates sharing a merge key and merge them'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;apm;scan'= {
            cand --context 'Context to scan'
            cand --tenant 'Tenant to scan [default: the configured tenant]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;apm;help'= {
            cand scan 'Scan every profile for duplicates sharing a merge key and merge them'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;apm;help;scan'= {
        }
        &'tracardictl;apm;help;help'= {
        }
        &'tracardictl;profile'= {
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
            cand explain 'Why a profile is what it is: its merge keys, other ids, merges and counts'
            cand merge 'Merge profiles now, or preview the result with --dry-run'
            cand unmerge 'Undo a merge: restore the merged-away profiles with their events and sessions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;profile;explain'= {
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;profile;merge'= {
            cand --survivor 'The profile that keeps its id [default: the oldest]'
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --dry-run 'Print the merged result without writing anything'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;profile;unmerge'= {
            cand --merge 'The merge to undo (from `profile explain`)'
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;profile;help'= {
            cand explain 'Why a profile is what it is: its merge keys, other ids, merges and counts'
            cand merge 'Merge profiles now, or preview the result with --dry-run'
            cand unmerge 'Undo a merge: restore the merged-away profiles with their events and sessions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;profile;help;explain'= {
        }
        &'tracardictl;profile;help;merge'= {
        }
        &'tracardictl;profile;help;unmerge'= {
        }
        &'tracardictl;profile;help;help'= {
        }
        &'tracardictl;tql'= {
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
            cand check 'Parse a condition; print it in canonical form, or the error with its position'
            cand eval 'Evaluate a condition over JSON files; print true or false'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;tql;check'= {
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;tql;eval'= {
            cand --profile 'The profile (a JSON file, or - for standard input)'
            cand --event 'The event (a JSON file, or -)'
            cand --session 'The session (a JSON file, or -)'
            cand --payload 'The payload (a JSON file, or -)'
            cand --now 'The time `now()` returns (RFC 3339) [default: the current time]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;tql;help'= {
            cand check 'Parse a condition; print it in canonical form, or the error with its position'
            cand eval 'Evaluate a condition over JSON files; print true or false'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;tql;help;check'= {
        }
        &'tracardictl;tql;help;eval'= {
        }
        &'tracardictl;tql;help;help'= {
        }
        &'tracardictl;flow'= {
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
            cand validate 'Check a flow file (either shape) as saving would: plugins, init, edges, cycles'
            cand convert 'Convert a flow file between the concise YAML form and Tracardi''s JSON shape'
            cand run 'Dry-run a flow over JSON files: nothing is stored; prints the result and trace'
            cand trace 'Print a stored run trace'
            cand traces 'List stored run traces, newest first'
            cand draft 'Save a flow file as the draft of its flow (offline)'
            cand deploy 'Publish a flow''s draft: rules run the deployed version (offline)'
            cand lock 'Lock a flow against edits (offline)'
            cand plugins 'List the plugins flows can use'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;flow;validate'= {
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;flow;convert'= {
            cand --to 'The shape to print'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;flow;run'= {
            cand --event 'The event (JSON file or -); its properties are the initial payload'
            cand --profile 'The profile (JSON file or -)'
            cand --session 'The session (JSON file or -)'
            cand --now 'The time `now()` returns (RFC 3339)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --context 'Context of the data [default: the collector''s context from the configuration]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --new-profile 'Treat the profile as created by this request'
            cand --new-session 'Treat the session as new (a new visit)'
            cand --deployed 'Run the deployed version of a stored flow instead of its draft'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;flow;trace'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand --context 'Context of the data [default: the collector''s context from the configuration]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;flow;traces'= {
            cand --flow 'Only traces of this flow'
            cand --limit 'How many traces to list'
            cand --context 'Context of the data [default: the collector''s context from the configuration]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;flow;draft'= {
            cand --context 'Context of the data [default: the collector''s context from the configuration]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;flow;deploy'= {
            cand --context 'Context of the data [default: the collector''s context from the configuration]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;flow;lock'= {
            cand --context 'Context of the data [default: the collector''s context from the configuration]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --unlock 'Unlock instead'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;flow;plugins'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;flow;help'= {
            cand validate 'Check a flow file (either shape) as saving would: plugins, init, edges, cycles'
            cand convert 'Convert a flow file between the concise YAML form and Tracardi''s JSON shape'
            cand run 'Dry-run a flow over JSON files: nothing is stored; prints the result and trace'
            cand trace 'Print a stored run trace'
            cand traces 'List stored run traces, newest first'
            cand draft 'Save a flow file as the draft of its flow (offline)'
            cand deploy 'Publish a flow''s draft: rules run the deployed version (offline)'
            cand lock 'Lock a flow against edits (offline)'
            cand plugins 'List the plugins flows can use'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;flow;help;validate'= {
        }
        &'tracardictl;flow;help;convert'= {
        }
        &'tracardictl;flow;help;run'= {
        }
        &'tracardictl;flow;help;trace'= {
        }
        &'tracardictl;flow;help;traces'= {
        }
        &'tracardictl;flow;help;draft'= {
        }
        &'tracardictl;flow;help;deploy'= {
        }
        &'tracardictl;flow;help;lock'= {
        }
        &'tracardictl;flow;help;plugins'= {
        }
        &'tracardictl;flow;help;help'= {
        }
        &'tracardictl;dlq'= {
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand list 'List dead letters, oldest first; their count and the queue''s health on stderr'
            cand show 'One dead letter as JSON, with its payload and last error'
            cand replay 'Put a dead letter back at the end of the queue with its attempts reset'
            cand purge 'Delete one dead letter, or every one with --all'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;dlq;list'= {
            cand --limit 'At most this many (1 to 1000)'
            cand --after 'Continue the listing after this dead letter id'
            cand -o 'Output format (wide adds the tenant and context)'
            cand --output 'Output format (wide adds the tenant and context)'
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --no-headers 'Omit the header row of tables'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;dlq;show'= {
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;dlq;replay'= {
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;dlq;purge'= {
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --all 'Delete every dead letter'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;dlq;help'= {
            cand list 'List dead letters, oldest first; their count and the queue''s health on stderr'
            cand show 'One dead letter as JSON, with its payload and last error'
            cand replay 'Put a dead letter back at the end of the queue with its attempts reset'
            cand purge 'Delete one dead letter, or every one with --all'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;dlq;help;list'= {
        }
        &'tracardictl;dlq;help;show'= {
        }
        &'tracardictl;dlq;help;replay'= {
        }
        &'tracardictl;dlq;help;purge'= {
        }
        &'tracardictl;dlq;help;help'= {
        }
        &'tracardictl;destination'= {
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
            cand log 'A destination''s last deliveries (time, status, latency, error), newest first, and its totals'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;destination;log'= {
            cand --limit 'Show at most this many deliveries'
            cand -o 'Output format (`text` is accepted for `table`)'
            cand --output 'Output format (`text` is accepted for `table`)'
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --no-headers 'Omit the header row of the table'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;destination;help'= {
            cand log 'A destination''s last deliveries (time, status, latency, error), newest first, and its totals'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;destination;help;log'= {
        }
        &'tracardictl;destination;help;help'= {
        }
        &'tracardictl;tenant'= {
            cand --tms-url 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]'
            cand --api-key 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --json 'Print the answer as JSON instead of text'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand create 'Create a tenant: its contexts, admin user and API key, and default event source'
            cand list 'List tenants and their state'
            cand get 'A tenant with its storage figures (profiles, sessions, events, configuration)'
            cand suspend 'Suspend a tenant: its collection answers 403 and its API tokens 403'
            cand resume 'Resume a suspended tenant'
            cand rate-limit 'Set or remove a tenant''s collection rate limit'
            cand delete 'Delete a tenant and all of its data; reports what was removed'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;tenant;create'= {
            cand --admin-email 'Email of the tenant''s admin user'
            cand --admin-password 'Password of the admin user [default: generated and printed once]'
            cand --events-per-second 'Collection rate limit in events per second (with --burst) [default: none]'
            cand --burst 'Events the rate limit lets through at once (with --events-per-second)'
            cand --tms-url 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]'
            cand --api-key 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --json 'Print the answer as JSON instead of text'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;tenant;list'= {
            cand --tms-url 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]'
            cand --api-key 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --json 'Print the answer as JSON instead of text'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;tenant;get'= {
            cand --tms-url 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]'
            cand --api-key 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --json 'Print the answer as JSON instead of text'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;tenant;suspend'= {
            cand --tms-url 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]'
            cand --api-key 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --json 'Print the answer as JSON instead of text'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;tenant;resume'= {
            cand --tms-url 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]'
            cand --api-key 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --json 'Print the answer as JSON instead of text'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;tenant;rate-limit'= {
            cand --events-per-second 'Events per second the bucket refills with'
            cand --burst 'Events the bucket holds at most (let through at once)'
            cand --tms-url 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]'
            cand --api-key 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --off 'Remove the limit'
            cand --json 'Print the answer as JSON instead of text'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;tenant;delete'= {
            cand --tms-url 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]'
            cand --api-key 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --yes 'Confirm that every record of the tenant is to be removed'
            cand --json 'Print the answer as JSON instead of text'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;tenant;help'= {
            cand create 'Create a tenant: its contexts, admin user and API key, and default event source'
            cand list 'List tenants and their state'
            cand get 'A tenant with its storage figures (profiles, sessions, events, configuration)'
            cand suspend 'Suspend a tenant: its collection answers 403 and its API tokens 403'
            cand resume 'Resume a suspended tenant'
            cand rate-limit 'Set or remove a tenant''s collection rate limit'
            cand delete 'Delete a tenant and all of its data; reports what was removed'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;tenant;help;create'= {
        }
        &'tracardictl;tenant;help;list'= {
        }
        &'tracardictl;tenant;help;get'= {
        }
        &'tracardictl;tenant;help;suspend'= {
        }
        &'tracardictl;tenant;help;resume'= {
        }
        &'tracardictl;tenant;help;rate-limit'= {
        }
        &'tracardictl;tenant;help;delete'= {
        }
        &'tracardictl;tenant;help;help'= {
        }
        &'tracardictl;segment'= {
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand refresh 'Evaluate every enabled segment over every profile of a context and print a summary'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;segment;refresh'= {
            cand --context 'Context to work on [default: the connection''s, else staging]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;segment;help'= {
            cand refresh 'Evaluate every enabled segment over every profile of a context and print a summary'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;segment;help;refresh'= {
        }
        &'tracardictl;segment;help;help'= {
        }
        &'tracardictl;tui'= {
            cand --url 'Base URL of the private API [default: the connection''s]'
            cand --token 'Bearer token or API key [default: the connection''s; with --url alone, that of a saved connection to that URL]'
            cand --connection 'Named connection to use [default: the current one, see `tracardictl use`]'
            cand --context 'Context to start in; `c` switches [default: the connection''s, else production]'
            cand --log-file 'Where logs go while the UI runs [default: tracardictl-tui.log in the temp dir]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand --readonly 'Hide and refuse everything that changes data'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;generate'= {
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;help'= {
            cand init 'Set up this host: configuration, store, admin, first event source, CLI connection'
            cand status 'Show what runs where: services, versions, store health, size and schema'
            cand doctor 'Check this host''s installation and say how to fix each problem'
            cand serve 'Run services as a daemon (with none named: the single-node set)'
            cand config 'Show or check the effective configuration'
            cand migrate 'Upgrade a store''s schema or copy a store to another backend'
            cand backup 'Write every scope of the store to one compressed file (offline)'
            cand restore 'Restore a backup file into an empty store, then verify counts and checksums'
            cand export 'Write profiles, events, sessions or configuration of one scope to NDJSON or CSV (offline)'
            cand import 'Load profiles, sessions or events from NDJSON (offline); Tracardi Elasticsearch dumps too'
            cand login 'Sign in to a private API and save the connection'
            cand logout 'Forget a saved connection''s token, revoking it on the server'
            cand use 'Switch the current connection'
            cand get 'Display several resources'
            cand describe 'Show one resource in detail (YAML)'
            cand apply 'Create or update configuration from files (YAML or JSON, one or many documents)'
            cand delete 'Delete a resource'
            cand edit 'Edit a resource in $EDITOR and apply it on save'
            cand deploy 'Copy configuration from staging to production'
            cand token 'Manage API keys'
            cand apm 'Automatic profile merging: full duplicate scans'
            cand profile 'Explain, merge and unmerge profiles (the merge journal)'
            cand tql 'Check and evaluate TQL conditions'
            cand flow 'Validate, convert, test and inspect workflows'
            cand dlq 'Inspect and re-deliver work that failed every retry'
            cand destination 'Inspect what the worker delivered to destinations'
            cand tenant 'Manage tenants through the tenant management service (TMS)'
            cand segment 'Segments: refresh every profile''s segments'
            cand tui 'The terminal UI: dashboard, profiles, live events, configuration, deploy'
            cand generate 'Generate completions or man pages (for packagers and the repository)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;help;init'= {
        }
        &'tracardictl;help;status'= {
        }
        &'tracardictl;help;doctor'= {
        }
        &'tracardictl;help;serve'= {
        }
        &'tracardictl;help;config'= {
            cand show 'Print the effective configuration as TOML, secrets redacted'
            cand validate 'Check the configuration and exit 0 when it is valid, 2 when not'
            cand keys 'List every key with the environment variable that sets it (or "file only")'
        }
        &'tracardictl;help;config;show'= {
        }
        &'tracardictl;help;config;validate'= {
        }
        &'tracardictl;help;config;keys'= {
        }
        &'tracardictl;help;migrate'= {
            cand status 'Show the store''s schema version, this binary''s, and any pending or interrupted step'
            cand plan 'List the steps `migrate up` would run, with the records each one examines'
            cand up 'Apply pending schema migrations (creates a fresh PostgreSQL schema)'
            cand copy 'Copy every scope''s profiles, sessions, events and configuration to another store'
        }
        &'tracardictl;help;migrate;status'= {
        }
        &'tracardictl;help;migrate;plan'= {
        }
        &'tracardictl;help;migrate;up'= {
        }
        &'tracardictl;help;migrate;copy'= {
        }
        &'tracardictl;help;backup'= {
        }
        &'tracardictl;help;restore'= {
        }
        &'tracardictl;help;export'= {
        }
        &'tracardictl;help;import'= {
        }
        &'tracardictl;help;login'= {
        }
        &'tracardictl;help;logout'= {
        }
        &'tracardictl;help;use'= {
        }
        &'tracardictl;help;get'= {
        }
        &'tracardictl;help;describe'= {
        }
        &'tracardictl;help;apply'= {
        }
        &'tracardictl;help;delete'= {
        }
        &'tracardictl;help;edit'= {
        }
        &'tracardictl;help;deploy'= {
        }
        &'tracardictl;help;token'= {
            cand create 'Create a long-lived API key for scripts; prints the key once'
            cand list 'List the API keys and login tokens of this tenant (never their secrets)'
            cand revoke 'Revoke an API key or login token by the id `token list` shows'
        }
        &'tracardictl;help;token;create'= {
        }
        &'tracardictl;help;token;list'= {
        }
        &'tracardictl;help;token;revoke'= {
        }
        &'tracardictl;help;apm'= {
            cand scan 'Scan every profile for duplicates sharing a merge key and merge them'
        }
        &'tracardictl;help;apm;scan'= {
        }
        &'tracardictl;help;profile'= {
            cand explain 'Why a profile is what it is: its merge keys, other ids, merges and counts'
            cand merge 'Merge profiles now, or preview the result with --dry-run'
            cand unmerge 'Undo a merge: restore the merged-away profiles with their events and sessions'
        }
        &'tracardictl;help;profile;explain'= {
        }
        &'tracardictl;help;profile;merge'= {
        }
        &'tracardictl;help;profile;unmerge'= {
        }
        &'tracardictl;help;tql'= {
            cand check 'Parse a condition; print it in canonical form, or the error with its position'
            cand eval 'Evaluate a condition over JSON files; print true or false'
        }
        &'tracardictl;help;tql;check'= {
        }
        &'tracardictl;help;tql;eval'= {
        }
        &'tracardictl;help;flow'= {
            cand validate 'Check a flow file (either shape) as saving would: plugins, init, edges, cycles'
            cand convert 'Convert a flow file between the concise YAML form and Tracardi''s JSON shape'
            cand run 'Dry-run a flow over JSON files: nothing is stored; prints the result and trace'
            cand trace 'Print a stored run trace'
            cand traces 'List stored run traces, newest first'
            cand draft 'Save a flow file as the draft of its flow (offline)'
            cand deploy 'Publish a flow''s draft: rules run the deployed version (offline)'
            cand lock 'Lock a flow against edits (offline)'
            cand plugins 'List the plugins flows can use'
        }
        &'tracardictl;help;flow;validate'= {
        }
        &'tracardictl;help;flow;convert'= {
        }
        &'tracardictl;help;flow;run'= {
        }
        &'tracardictl;help;flow;trace'= {
        }
        &'tracardictl;help;flow;traces'= {
        }
        &'tracardictl;help;flow;draft'= {
        }
        &'tracardictl;help;flow;deploy'= {
        }
        &'tracardictl;help;flow;lock'= {
        }
        &'tracardictl;help;flow;plugins'= {
        }
        &'tracardictl;help;dlq'= {
            cand list 'List dead letters, oldest first; their count and the queue''s health on stderr'
            cand show 'One dead letter as JSON, with its payload and last error'
            cand replay 'Put a dead letter back at the end of the queue with its attempts reset'
            cand purge 'Delete one dead letter, or every one with --all'
        }
        &'tracardictl;help;dlq;list'= {
        }
        &'tracardictl;help;dlq;show'= {
        }
        &'tracardictl;help;dlq;replay'= {
        }
        &'tracardictl;help;dlq;purge'= {
        }
        &'tracardictl;help;destination'= {
            cand log 'A destination''s last deliveries (time, status, latency, error), newest first, and its totals'
        }
        &'tracardictl;help;destination;log'= {
        }
        &'tracardictl;help;tenant'= {
            cand create 'Create a tenant: its contexts, admin user and API key, and default event source'
            cand list 'List tenants and their state'
            cand get 'A tenant with its storage figures (profiles, sessions, events, configuration)'
            cand suspend 'Suspend a tenant: its collection answers 403 and its API tokens 403'
            cand resume 'Resume a suspended tenant'
            cand rate-limit 'Set or remove a tenant''s collection rate limit'
            cand delete 'Delete a tenant and all of its data; reports what was removed'
        }
        &'tracardictl;help;tenant;create'= {
        }
        &'tracardictl;help;tenant;list'= {
        }
        &'tracardictl;help;tenant;get'= {
        }
        &'tracardictl;help;tenant;suspend'= {
        }
        &'tracardictl;help;tenant;resume'= {
        }
        &'tracardictl;help;tenant;rate-limit'= {
        }
        &'tracardictl;help;tenant;delete'= {
        }
        &'tracardictl;help;segment'= {
            cand refresh 'Evaluate every enabled segment over every profile of a context and print a summary'
        }
        &'tracardictl;help;segment;refresh'= {
        }
        &'tracardictl;help;tui'= {
        }
        &'tracardictl;help;generate'= {
        }
        &'tracardictl;help;help'= {
        }
    ]
    $completions[$command]
}
