
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tracardictl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tracardictl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'tracardictl' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Set up this host: configuration, store, admin, first event source, CLI connection')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show what runs where: services, versions, store health, size and schema')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check this host''s installation and say how to fix each problem')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run services as a daemon (with none named: the single-node set)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show or check the effective configuration')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Upgrade a store''s schema or copy a store to another backend')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Write every scope of the store to one compressed file (offline)')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup file into an empty store, then verify counts and checksums')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write profiles, events, sessions or configuration of one scope to NDJSON or CSV (offline)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Load profiles, sessions or events from NDJSON (offline); Tracardi Elasticsearch dumps too')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in to a private API and save the connection')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Forget a saved connection''s token, revoking it on the server')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Switch the current connection')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Display several resources')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show one resource in detail (YAML)')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Create or update configuration from files (YAML or JSON, one or many documents)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a resource')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit a resource in $EDITOR and apply it on save')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Copy configuration from staging to production')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Manage API keys')
            [CompletionResult]::new('apm', 'apm', [CompletionResultType]::ParameterValue, 'Automatic profile merging: full duplicate scans')
            [CompletionResult]::new('profile', 'profile', [CompletionResultType]::ParameterValue, 'Explain, merge and unmerge profiles (the merge journal)')
            [CompletionResult]::new('tql', 'tql', [CompletionResultType]::ParameterValue, 'Check and evaluate TQL conditions')
            [CompletionResult]::new('flow', 'flow', [CompletionResultType]::ParameterValue, 'Validate, convert, test and inspect workflows')
            [CompletionResult]::new('dlq', 'dlq', [CompletionResultType]::ParameterValue, 'Inspect and re-deliver work that failed every retry')
            [CompletionResult]::new('destination', 'destination', [CompletionResultType]::ParameterValue, 'Inspect what the worker delivered to destinations')
            [CompletionResult]::new('tenant', 'tenant', [CompletionResultType]::ParameterValue, 'Manage tenants through the tenant management service (TMS)')
            [CompletionResult]::new('segment', 'segment', [CompletionResultType]::ParameterValue, 'Segments: refresh every profile''s segments')
            [CompletionResult]::new('tui', 'tui', [CompletionResultType]::ParameterValue, 'The terminal UI: dashboard, profiles, live events, configuration, deploy')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate completions or man pages (for packagers and the repository)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;init' {
            [CompletionResult]::new('--answers', '--answers', [CompletionResultType]::ParameterName, 'Read the answers from a TOML file (keys as the flags, with `_`); implies --non-interactive')
            [CompletionResult]::new('--deployment', '--deployment', [CompletionResultType]::ParameterName, 'Deployment kind [default: single]')
            [CompletionResult]::new('--store-url', '--store-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL of a `postgres` deployment (the connection is tested)')
            [CompletionResult]::new('--services', '--services', [CompletionResultType]::ParameterName, 'Services this host runs, comma-separated [default: all of them, the single-node set]')
            [CompletionResult]::new('--collector-listen', '--collector-listen', [CompletionResultType]::ParameterName, 'Listen address of the public collector [default: 0.0.0.0:8585]')
            [CompletionResult]::new('--private-api-listen', '--private-api-listen', [CompletionResultType]::ParameterName, 'Listen address of the private API; keep it off public networks [default: 127.0.0.1:8686]')
            [CompletionResult]::new('--installation-token', '--installation-token', [CompletionResultType]::ParameterName, 'Installation token of the private API''s `POST /install` [default: generated]')
            [CompletionResult]::new('--merge-key-salt', '--merge-key-salt', [CompletionResultType]::ParameterName, 'Merge-key salt, at least 20 characters, never changed after install [default: generated]')
            [CompletionResult]::new('--admin-email', '--admin-email', [CompletionResultType]::ParameterName, 'E-mail of the first admin user')
            [CompletionResult]::new('--admin-password', '--admin-password', [CompletionResultType]::ParameterName, 'Password of the first admin user (better: the environment variable)')
            [CompletionResult]::new('--source-name', '--source-name', [CompletionResultType]::ParameterName, 'Name of the first event source [default: Website]')
            [CompletionResult]::new('--source-type', '--source-type', [CompletionResultType]::ParameterName, 'Type of the first event source [default: rest]')
            [CompletionResult]::new('--systemd', '--systemd', [CompletionResultType]::ParameterName, 'Write systemd unit files')
            [CompletionResult]::new('--systemd-dir', '--systemd-dir', [CompletionResultType]::ParameterName, 'Where the systemd units go [default: /etc/systemd/system]')
            [CompletionResult]::new('--systemd-user', '--systemd-user', [CompletionResultType]::ParameterName, 'The user the services run as [default: tracardi]')
            [CompletionResult]::new('--connection-name', '--connection-name', [CompletionResultType]::ParameterName, 'Name of the CLI connection written [default: local]')
            [CompletionResult]::new('--tms-api-key', '--tms-api-key', [CompletionResultType]::ParameterName, 'API key of the tenant management service (`serve tms`), at least 16 characters, written to the config as tms.api_key [default: none, the TMS refuses every call]')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Redo a part that exists (repeatable)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; fail naming the flag of any missing answer')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation of the summary')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation of the summary')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;status' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;doctor' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;serve' {
            [CompletionResult]::new('--collector-listen', '--collector-listen', [CompletionResultType]::ParameterName, 'Address of the public collector API [default: 0.0.0.0:8585]')
            [CompletionResult]::new('--private-api-listen', '--private-api-listen', [CompletionResultType]::ParameterName, 'Address of the private API [default: 127.0.0.1:8686]')
            [CompletionResult]::new('--tms-listen', '--tms-listen', [CompletionResultType]::ParameterName, 'Address of the tenant management service (TMS) [default: 127.0.0.1:8383]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store URI: a directory or `sled:DIR` (embedded store), or `postgres://…` (shared PostgreSQL) [default: the data directory]')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Items (workflow jobs, deliveries) the background worker runs at once [default: worker.concurrency, 64]')
            [CompletionResult]::new('--segment-refresh', '--segment-refresh', [CompletionResultType]::ParameterName, 'Seconds between the worker''s refreshes of every segment over every profile; 0 turns them off [default: segmentation.refresh_interval_s, 3600]')
            [CompletionResult]::new('--lease-seconds', '--lease-seconds', [CompletionResultType]::ParameterName, 'Seconds a job leased by the worker stays invisible to other workers; a job of a worker that died returns to the queue after this [default: worker.visibility_ms / 1000, 60]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--production-only', '--production-only', [CompletionResultType]::ParameterName, 'Serve only the production context on the private API (ignore `x-context`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;config' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration as TOML, secrets redacted')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the configuration and exit 0 when it is valid, 2 when not')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'List every key with the environment variable that sets it (or "file only")')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;config;show' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;config;validate' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;config;keys' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration as TOML, secrets redacted')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the configuration and exit 0 when it is valid, 2 when not')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'List every key with the environment variable that sets it (or "file only")')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;config;help;show' {
            break
        }
        'tracardictl;config;help;validate' {
            break
        }
        'tracardictl;config;help;keys' {
            break
        }
        'tracardictl;config;help;help' {
            break
        }
        'tracardictl;migrate' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the store''s schema version, this binary''s, and any pending or interrupted step')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'List the steps `migrate up` would run, with the records each one examines')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Apply pending schema migrations (creates a fresh PostgreSQL schema)')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy every scope''s profiles, sessions, events and configuration to another store')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;migrate;status' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store URI [default: the configured store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;migrate;plan' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store URI [default: the configured store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;migrate;up' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store URI [default: the configured store]')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Records per page (progress is saved after every page)')
            [CompletionResult]::new('--pause-ms', '--pause-ms', [CompletionResultType]::ParameterName, 'Pause after every page, in milliseconds (for testing interruption)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Scan and report what would change; write nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;migrate;copy' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Source store URI (`sled:DIR`, a directory, or `postgres://…`)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Target store URI; it must hold no data unless `--resume` is given')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Finish an interrupted copy into a target that already holds part of it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;migrate;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the store''s schema version, this binary''s, and any pending or interrupted step')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'List the steps `migrate up` would run, with the records each one examines')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Apply pending schema migrations (creates a fresh PostgreSQL schema)')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy every scope''s profiles, sessions, events and configuration to another store')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;migrate;help;status' {
            break
        }
        'tracardictl;migrate;help;plan' {
            break
        }
        'tracardictl;migrate;help;up' {
            break
        }
        'tracardictl;migrate;help;copy' {
            break
        }
        'tracardictl;migrate;help;help' {
            break
        }
        'tracardictl;backup' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store URI [default: the configured store]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--online', '--online', [CompletionResultType]::ParameterName, 'Ask the running private API for the backup (admin token; this tenant only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;restore' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store URI [default: the configured store]; it must be empty')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;export' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output file [default: standard output]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output file [default: standard output]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: NDJSON, or CSV for profiles')
            [CompletionResult]::new('--fields', '--fields', [CompletionResultType]::ParameterName, 'Comma-separated dot paths for CSV columns')
            [CompletionResult]::new('--where', '--where', [CompletionResultType]::ParameterName, 'Keep only records for which this TQL condition holds')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only records inserted at or after this time (RFC 3339)')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Only records inserted before this time (RFC 3339)')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant [default: the configured tenant]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to export from')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store URI [default: the configured store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;import' {
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Event source the events arrive by (replays them through the tracking pipeline)')
            [CompletionResult]::new('--rejects', '--rejects', [CompletionResultType]::ParameterName, 'Write rejected lines here, one JSON object each with the line number and reason')
            [CompletionResult]::new('--config-kind', '--config-kind', [CompletionResultType]::ParameterName, 'Configuration kind of every line (`event-source`, `rule`, `flow`, …) [default: from a hit''s `_index` (`tracardi-rule`) or the document''s `kind`]')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant [default: the configured tenant]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to import into')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store URI [default: the configured store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--direct', '--direct', [CompletionResultType]::ParameterName, 'Store events as they are instead of replaying them')
            [CompletionResult]::new('--no-workflows', '--no-workflows', [CompletionResultType]::ParameterName, 'Skip workflows while replaying events')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Check every line, write nothing')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Exit 1 when any line is rejected (without it: only when every line is)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;login' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Name of this connection')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'User (email) to sign in as')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'User (email) to sign in as')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Use this API key instead of signing in')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Default context of this connection')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from standard input')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;logout' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Connection to sign out of [default: the current one]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--local-only', '--local-only', [CompletionResultType]::ParameterName, 'Only forget the token here; leave it valid on the server')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;use' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;get' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Records per page for profiles, sessions and events')
            [CompletionResult]::new('--after', '--after', [CompletionResultType]::ParameterName, 'Continue a listing after this cursor')
            [CompletionResult]::new('--filter', '--filter', [CompletionResultType]::ParameterName, 'Only what matches a condition on dot paths, e.g. ''traits.plan == "pro"''')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Omit the header row of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;describe' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;apply' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'File, directory (every .yaml, .yml and .json in it) or `-` for standard input')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'File, directory (every .yaml, .yml and .json in it) or `-` for standard input')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would change, as a diff, and change nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;delete' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;edit' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;deploy' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be copied and change nothing')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;token' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a long-lived API key for scripts; prints the key once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the API keys and login tokens of this tenant (never their secrets)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke an API key or login token by the id `token list` shows')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;token;create' {
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'Role of the key (repeat for several): admin, developer, marketer, maintainer')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Name shown when listing keys [default: who created it]')
            [CompletionResult]::new('--expires-days', '--expires-days', [CompletionResultType]::ParameterName, 'Days until the key expires, 1 to 36500 [default: never]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;token;list' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;token;revoke' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;token;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a long-lived API key for scripts; prints the key once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the API keys and login tokens of this tenant (never their secrets)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke an API key or login token by the id `token list` shows')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;token;help;create' {
            break
        }
        'tracardictl;token;help;list' {
            break
        }
        'tracardictl;token;help;revoke' {
            break
        }
        'tracardictl;token;help;help' {
            break
        }
        'tracardictl;apm' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Scan every profile for duplicates sharing a merge key and merge them')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;apm;scan' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to scan')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant to scan [default: the configured tenant]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;apm;help' {
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Scan every profile for duplicates sharing a merge key and merge them')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;apm;help;scan' {
            break
        }
        'tracardictl;apm;help;help' {
            break
        }
        'tracardictl;profile' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Why a profile is what it is: its merge keys, other ids, merges and counts')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge profiles now, or preview the result with --dry-run')
            [CompletionResult]::new('unmerge', 'unmerge', [CompletionResultType]::ParameterValue, 'Undo a merge: restore the merged-away profiles with their events and sessions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;profile;explain' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;profile;merge' {
            [CompletionResult]::new('--survivor', '--survivor', [CompletionResultType]::ParameterName, 'The profile that keeps its id [default: the oldest]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the merged result without writing anything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;profile;unmerge' {
            [CompletionResult]::new('--merge', '--merge', [CompletionResultType]::ParameterName, 'The merge to undo (from `profile explain`)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;profile;help' {
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Why a profile is what it is: its merge keys, other ids, merges and counts')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge profiles now, or preview the result with --dry-run')
            [CompletionResult]::new('unmerge', 'unmerge', [CompletionResultType]::ParameterValue, 'Undo a merge: restore the merged-away profiles with their events and sessions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;profile;help;explain' {
            break
        }
        'tracardictl;profile;help;merge' {
            break
        }
        'tracardictl;profile;help;unmerge' {
            break
        }
        'tracardictl;profile;help;help' {
            break
        }
        'tracardictl;tql' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Parse a condition; print it in canonical form, or the error with its position')
            [CompletionResult]::new('eval', 'eval', [CompletionResultType]::ParameterValue, 'Evaluate a condition over JSON files; print true or false')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;tql;check' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;tql;eval' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile (a JSON file, or - for standard input)')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'The event (a JSON file, or -)')
            [CompletionResult]::new('--session', '--session', [CompletionResultType]::ParameterName, 'The session (a JSON file, or -)')
            [CompletionResult]::new('--payload', '--payload', [CompletionResultType]::ParameterName, 'The payload (a JSON file, or -)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'The time `now()` returns (RFC 3339) [default: the current time]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;tql;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Parse a condition; print it in canonical form, or the error with its position')
            [CompletionResult]::new('eval', 'eval', [CompletionResultType]::ParameterValue, 'Evaluate a condition over JSON files; print true or false')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;tql;help;check' {
            break
        }
        'tracardictl;tql;help;eval' {
            break
        }
        'tracardictl;tql;help;help' {
            break
        }
        'tracardictl;flow' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check a flow file (either shape) as saving would: plugins, init, edges, cycles')
            [CompletionResult]::new('convert', 'convert', [CompletionResultType]::ParameterValue, 'Convert a flow file between the concise YAML form and Tracardi''s JSON shape')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Dry-run a flow over JSON files: nothing is stored; prints the result and trace')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Print a stored run trace')
            [CompletionResult]::new('traces', 'traces', [CompletionResultType]::ParameterValue, 'List stored run traces, newest first')
            [CompletionResult]::new('draft', 'draft', [CompletionResultType]::ParameterValue, 'Save a flow file as the draft of its flow (offline)')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Publish a flow''s draft: rules run the deployed version (offline)')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Lock a flow against edits (offline)')
            [CompletionResult]::new('plugins', 'plugins', [CompletionResultType]::ParameterValue, 'List the plugins flows can use')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;flow;validate' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;flow;convert' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The shape to print')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;flow;run' {
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'The event (JSON file or -); its properties are the initial payload')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'The profile (JSON file or -)')
            [CompletionResult]::new('--session', '--session', [CompletionResultType]::ParameterName, 'The session (JSON file or -)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'The time `now()` returns (RFC 3339)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context of the data [default: the collector''s context from the configuration]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--new-profile', '--new-profile', [CompletionResultType]::ParameterName, 'Treat the profile as created by this request')
            [CompletionResult]::new('--new-session', '--new-session', [CompletionResultType]::ParameterName, 'Treat the session as new (a new visit)')
            [CompletionResult]::new('--deployed', '--deployed', [CompletionResultType]::ParameterName, 'Run the deployed version of a stored flow instead of its draft')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;flow;trace' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context of the data [default: the collector''s context from the configuration]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;flow;traces' {
            [CompletionResult]::new('--flow', '--flow', [CompletionResultType]::ParameterName, 'Only traces of this flow')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'How many traces to list')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context of the data [default: the collector''s context from the configuration]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;flow;draft' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context of the data [default: the collector''s context from the configuration]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;flow;deploy' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context of the data [default: the collector''s context from the configuration]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;flow;lock' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context of the data [default: the collector''s context from the configuration]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--unlock', '--unlock', [CompletionResultType]::ParameterName, 'Unlock instead')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;flow;plugins' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;flow;help' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check a flow file (either shape) as saving would: plugins, init, edges, cycles')
            [CompletionResult]::new('convert', 'convert', [CompletionResultType]::ParameterValue, 'Convert a flow file between the concise YAML form and Tracardi''s JSON shape')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Dry-run a flow over JSON files: nothing is stored; prints the result and trace')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Print a stored run trace')
            [CompletionResult]::new('traces', 'traces', [CompletionResultType]::ParameterValue, 'List stored run traces, newest first')
            [CompletionResult]::new('draft', 'draft', [CompletionResultType]::ParameterValue, 'Save a flow file as the draft of its flow (offline)')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Publish a flow''s draft: rules run the deployed version (offline)')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Lock a flow against edits (offline)')
            [CompletionResult]::new('plugins', 'plugins', [CompletionResultType]::ParameterValue, 'List the plugins flows can use')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;flow;help;validate' {
            break
        }
        'tracardictl;flow;help;convert' {
            break
        }
        'tracardictl;flow;help;run' {
            break
        }
        'tracardictl;flow;help;trace' {
            break
        }
        'tracardictl;flow;help;traces' {
            break
        }
        'tracardictl;flow;help;draft' {
            break
        }
        'tracardictl;flow;help;deploy' {
            break
        }
        'tracardictl;flow;help;lock' {
            break
        }
        'tracardictl;flow;help;plugins' {
            break
        }
        'tracardictl;flow;help;help' {
            break
        }
        'tracardictl;dlq' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List dead letters, oldest first; their count and the queue''s health on stderr')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'One dead letter as JSON, with its payload and last error')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Put a dead letter back at the end of the queue with its attempts reset')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete one dead letter, or every one with --all')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;dlq;list' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many (1 to 1000)')
            [CompletionResult]::new('--after', '--after', [CompletionResultType]::ParameterName, 'Continue the listing after this dead letter id')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format (wide adds the tenant and context)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format (wide adds the tenant and context)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Omit the header row of tables')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;dlq;show' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;dlq;replay' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;dlq;purge' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Delete every dead letter')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;dlq;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List dead letters, oldest first; their count and the queue''s health on stderr')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'One dead letter as JSON, with its payload and last error')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Put a dead letter back at the end of the queue with its attempts reset')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete one dead letter, or every one with --all')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;dlq;help;list' {
            break
        }
        'tracardictl;dlq;help;show' {
            break
        }
        'tracardictl;dlq;help;replay' {
            break
        }
        'tracardictl;dlq;help;purge' {
            break
        }
        'tracardictl;dlq;help;help' {
            break
        }
        'tracardictl;destination' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'A destination''s last deliveries (time, status, latency, error), newest first, and its totals')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;destination;log' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Show at most this many deliveries')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format (`text` is accepted for `table`)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format (`text` is accepted for `table`)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--no-headers', '--no-headers', [CompletionResultType]::ParameterName, 'Omit the header row of the table')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;destination;help' {
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'A destination''s last deliveries (time, status, latency, error), newest first, and its totals')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;destination;help;log' {
            break
        }
        'tracardictl;destination;help;help' {
            break
        }
        'tracardictl;tenant' {
            [CompletionResult]::new('--tms-url', '--tms-url', [CompletionResultType]::ParameterName, 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the answer as JSON instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a tenant: its contexts, admin user and API key, and default event source')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tenants and their state')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'A tenant with its storage figures (profiles, sessions, events, configuration)')
            [CompletionResult]::new('suspend', 'suspend', [CompletionResultType]::ParameterValue, 'Suspend a tenant: its collection answers 403 and its API tokens 403')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a suspended tenant')
            [CompletionResult]::new('rate-limit', 'rate-limit', [CompletionResultType]::ParameterValue, 'Set or remove a tenant''s collection rate limit')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a tenant and all of its data; reports what was removed')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;tenant;create' {
            [CompletionResult]::new('--admin-email', '--admin-email', [CompletionResultType]::ParameterName, 'Email of the tenant''s admin user')
            [CompletionResult]::new('--admin-password', '--admin-password', [CompletionResultType]::ParameterName, 'Password of the admin user [default: generated and printed once]')
            [CompletionResult]::new('--events-per-second', '--events-per-second', [CompletionResultType]::ParameterName, 'Collection rate limit in events per second (with --burst) [default: none]')
            [CompletionResult]::new('--burst', '--burst', [CompletionResultType]::ParameterName, 'Events the rate limit lets through at once (with --events-per-second)')
            [CompletionResult]::new('--tms-url', '--tms-url', [CompletionResultType]::ParameterName, 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the answer as JSON instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;tenant;list' {
            [CompletionResult]::new('--tms-url', '--tms-url', [CompletionResultType]::ParameterName, 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the answer as JSON instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;tenant;get' {
            [CompletionResult]::new('--tms-url', '--tms-url', [CompletionResultType]::ParameterName, 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the answer as JSON instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;tenant;suspend' {
            [CompletionResult]::new('--tms-url', '--tms-url', [CompletionResultType]::ParameterName, 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the answer as JSON instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;tenant;resume' {
            [CompletionResult]::new('--tms-url', '--tms-url', [CompletionResultType]::ParameterName, 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the answer as JSON instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;tenant;rate-limit' {
            [CompletionResult]::new('--events-per-second', '--events-per-second', [CompletionResultType]::ParameterName, 'Events per second the bucket refills with')
            [CompletionResult]::new('--burst', '--burst', [CompletionResultType]::ParameterName, 'Events the bucket holds at most (let through at once)')
            [CompletionResult]::new('--tms-url', '--tms-url', [CompletionResultType]::ParameterName, 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--off', '--off', [CompletionResultType]::ParameterName, 'Remove the limit')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the answer as JSON instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;tenant;delete' {
            [CompletionResult]::new('--tms-url', '--tms-url', [CompletionResultType]::ParameterName, 'Base URL of the TMS [default: http:// + tms.listen, http://127.0.0.1:8383]')
            [CompletionResult]::new('--api-key', '--api-key', [CompletionResultType]::ParameterName, 'The TMS API key [default: tms.api_key, TRACARDI_TMS_API_KEY]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Confirm that every record of the tenant is to be removed')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the answer as JSON instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;tenant;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a tenant: its contexts, admin user and API key, and default event source')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tenants and their state')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'A tenant with its storage figures (profiles, sessions, events, configuration)')
            [CompletionResult]::new('suspend', 'suspend', [CompletionResultType]::ParameterValue, 'Suspend a tenant: its collection answers 403 and its API tokens 403')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a suspended tenant')
            [CompletionResult]::new('rate-limit', 'rate-limit', [CompletionResultType]::ParameterValue, 'Set or remove a tenant''s collection rate limit')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a tenant and all of its data; reports what was removed')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;tenant;help;create' {
            break
        }
        'tracardictl;tenant;help;list' {
            break
        }
        'tracardictl;tenant;help;get' {
            break
        }
        'tracardictl;tenant;help;suspend' {
            break
        }
        'tracardictl;tenant;help;resume' {
            break
        }
        'tracardictl;tenant;help;rate-limit' {
            break
        }
        'tracardictl;tenant;help;delete' {
            break
        }
        'tracardictl;tenant;help;help' {
            break
        }
        'tracardictl;segment' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('refresh', 'refresh', [CompletionResultType]::ParameterValue, 'Evaluate every enabled segment over every profile of a context and print a summary')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;segment;refresh' {
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to work on [default: the connection''s, else staging]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;segment;help' {
            [CompletionResult]::new('refresh', 'refresh', [CompletionResultType]::ParameterValue, 'Evaluate every enabled segment over every profile of a context and print a summary')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;segment;help;refresh' {
            break
        }
        'tracardictl;segment;help;help' {
            break
        }
        'tracardictl;tui' {
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'Base URL of the private API [default: the connection''s]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Bearer token or API key [default: the connection''s; with --url alone, that of a saved connection to that URL]')
            [CompletionResult]::new('--connection', '--connection', [CompletionResultType]::ParameterName, 'Named connection to use [default: the current one, see `tracardictl use`]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Context to start in; `c` switches [default: the connection''s, else production]')
            [CompletionResult]::new('--log-file', '--log-file', [CompletionResultType]::ParameterName, 'Where logs go while the UI runs [default: tracardictl-tui.log in the temp dir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('--readonly', '--readonly', [CompletionResultType]::ParameterName, 'Hide and refuse everything that changes data')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;generate' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Set up this host: configuration, store, admin, first event source, CLI connection')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show what runs where: services, versions, store health, size and schema')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check this host''s installation and say how to fix each problem')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run services as a daemon (with none named: the single-node set)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show or check the effective configuration')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Upgrade a store''s schema or copy a store to another backend')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Write every scope of the store to one compressed file (offline)')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup file into an empty store, then verify counts and checksums')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write profiles, events, sessions or configuration of one scope to NDJSON or CSV (offline)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Load profiles, sessions or events from NDJSON (offline); Tracardi Elasticsearch dumps too')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in to a private API and save the connection')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Forget a saved connection''s token, revoking it on the server')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Switch the current connection')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'Display several resources')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Show one resource in detail (YAML)')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Create or update configuration from files (YAML or JSON, one or many documents)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a resource')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Edit a resource in $EDITOR and apply it on save')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Copy configuration from staging to production')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Manage API keys')
            [CompletionResult]::new('apm', 'apm', [CompletionResultType]::ParameterValue, 'Automatic profile merging: full duplicate scans')
            [CompletionResult]::new('profile', 'profile', [CompletionResultType]::ParameterValue, 'Explain, merge and unmerge profiles (the merge journal)')
            [CompletionResult]::new('tql', 'tql', [CompletionResultType]::ParameterValue, 'Check and evaluate TQL conditions')
            [CompletionResult]::new('flow', 'flow', [CompletionResultType]::ParameterValue, 'Validate, convert, test and inspect workflows')
            [CompletionResult]::new('dlq', 'dlq', [CompletionResultType]::ParameterValue, 'Inspect and re-deliver work that failed every retry')
            [CompletionResult]::new('destination', 'destination', [CompletionResultType]::ParameterValue, 'Inspect what the worker delivered to destinations')
            [CompletionResult]::new('tenant', 'tenant', [CompletionResultType]::ParameterValue, 'Manage tenants through the tenant management service (TMS)')
            [CompletionResult]::new('segment', 'segment', [CompletionResultType]::ParameterValue, 'Segments: refresh every profile''s segments')
            [CompletionResult]::new('tui', 'tui', [CompletionResultType]::ParameterValue, 'The terminal UI: dashboard, profiles, live events, configuration, deploy')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate completions or man pages (for packagers and the repository)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;help;init' {
            break
        }
        'tracardictl;help;status' {
            break
        }
        'tracardictl;help;doctor' {
            break
        }
        'tracardictl;help;serve' {
            break
        }
        'tracardictl;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration as TOML, secrets redacted')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the configuration and exit 0 when it is valid, 2 when not')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'List every key with the environment variable that sets it (or "file only")')
            break
        }
        'tracardictl;help;config;show' {
            break
        }
        'tracardictl;help;config;validate' {
            break
        }
        'tracardictl;help;config;keys' {
            break
        }
        'tracardictl;help;migrate' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the store''s schema version, this binary''s, and any pending or interrupted step')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'List the steps `migrate up` would run, with the records each one examines')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Apply pending schema migrations (creates a fresh PostgreSQL schema)')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy every scope''s profiles, sessions, events and configuration to another store')
            break
        }
        'tracardictl;help;migrate;status' {
            break
        }
        'tracardictl;help;migrate;plan' {
            break
        }
        'tracardictl;help;migrate;up' {
            break
        }
        'tracardictl;help;migrate;copy' {
            break
        }
        'tracardictl;help;backup' {
            break
        }
        'tracardictl;help;restore' {
            break
        }
        'tracardictl;help;export' {
            break
        }
        'tracardictl;help;import' {
            break
        }
        'tracardictl;help;login' {
            break
        }
        'tracardictl;help;logout' {
            break
        }
        'tracardictl;help;use' {
            break
        }
        'tracardictl;help;get' {
            break
        }
        'tracardictl;help;describe' {
            break
        }
        'tracardictl;help;apply' {
            break
        }
        'tracardictl;help;delete' {
            break
        }
        'tracardictl;help;edit' {
            break
        }
        'tracardictl;help;deploy' {
            break
        }
        'tracardictl;help;token' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a long-lived API key for scripts; prints the key once')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the API keys and login tokens of this tenant (never their secrets)')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke an API key or login token by the id `token list` shows')
            break
        }
        'tracardictl;help;token;create' {
            break
        }
        'tracardictl;help;token;list' {
            break
        }
        'tracardictl;help;token;revoke' {
            break
        }
        'tracardictl;help;apm' {
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Scan every profile for duplicates sharing a merge key and merge them')
            break
        }
        'tracardictl;help;apm;scan' {
            break
        }
        'tracardictl;help;profile' {
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Why a profile is what it is: its merge keys, other ids, merges and counts')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge profiles now, or preview the result with --dry-run')
            [CompletionResult]::new('unmerge', 'unmerge', [CompletionResultType]::ParameterValue, 'Undo a merge: restore the merged-away profiles with their events and sessions')
            break
        }
        'tracardictl;help;profile;explain' {
            break
        }
        'tracardictl;help;profile;merge' {
            break
        }
        'tracardictl;help;profile;unmerge' {
            break
        }
        'tracardictl;help;tql' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Parse a condition; print it in canonical form, or the error with its position')
            [CompletionResult]::new('eval', 'eval', [CompletionResultType]::ParameterValue, 'Evaluate a condition over JSON files; print true or false')
            break
        }
        'tracardictl;help;tql;check' {
            break
        }
        'tracardictl;help;tql;eval' {
            break
        }
        'tracardictl;help;flow' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check a flow file (either shape) as saving would: plugins, init, edges, cycles')
            [CompletionResult]::new('convert', 'convert', [CompletionResultType]::ParameterValue, 'Convert a flow file between the concise YAML form and Tracardi''s JSON shape')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Dry-run a flow over JSON files: nothing is stored; prints the result and trace')
            [CompletionResult]::new('trace', 'trace', [CompletionResultType]::ParameterValue, 'Print a stored run trace')
            [CompletionResult]::new('traces', 'traces', [CompletionResultType]::ParameterValue, 'List stored run traces, newest first')
            [CompletionResult]::new('draft', 'draft', [CompletionResultType]::ParameterValue, 'Save a flow file as the draft of its flow (offline)')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Publish a flow''s draft: rules run the deployed version (offline)')
            [CompletionResult]::new('lock', 'lock', [CompletionResultType]::ParameterValue, 'Lock a flow against edits (offline)')
            [CompletionResult]::new('plugins', 'plugins', [CompletionResultType]::ParameterValue, 'List the plugins flows can use')
            break
        }
        'tracardictl;help;flow;validate' {
            break
        }
        'tracardictl;help;flow;convert' {
            break
        }
        'tracardictl;help;flow;run' {
            break
        }
        'tracardictl;help;flow;trace' {
            break
        }
        'tracardictl;help;flow;traces' {
            break
        }
        'tracardictl;help;flow;draft' {
            break
        }
        'tracardictl;help;flow;deploy' {
            break
        }
        'tracardictl;help;flow;lock' {
            break
        }
        'tracardictl;help;flow;plugins' {
            break
        }
        'tracardictl;help;dlq' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List dead letters, oldest first; their count and the queue''s health on stderr')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'One dead letter as JSON, with its payload and last error')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'Put a dead letter back at the end of the queue with its attempts reset')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Delete one dead letter, or every one with --all')
            break
        }
        'tracardictl;help;dlq;list' {
            break
        }
        'tracardictl;help;dlq;show' {
            break
        }
        'tracardictl;help;dlq;replay' {
            break
        }
        'tracardictl;help;dlq;purge' {
            break
        }
        'tracardictl;help;destination' {
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'A destination''s last deliveries (time, status, latency, error), newest first, and its totals')
            break
        }
        'tracardictl;help;destination;log' {
            break
        }
        'tracardictl;help;tenant' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a tenant: its contexts, admin user and API key, and default event source')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tenants and their state')
            [CompletionResult]::new('get', 'get', [CompletionResultType]::ParameterValue, 'A tenant with its storage figures (profiles, sessions, events, configuration)')
            [CompletionResult]::new('suspend', 'suspend', [CompletionResultType]::ParameterValue, 'Suspend a tenant: its collection answers 403 and its API tokens 403')
            [CompletionResult]::new('resume', 'resume', [CompletionResultType]::ParameterValue, 'Resume a suspended tenant')
            [CompletionResult]::new('rate-limit', 'rate-limit', [CompletionResultType]::ParameterValue, 'Set or remove a tenant''s collection rate limit')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a tenant and all of its data; reports what was removed')
            break
        }
        'tracardictl;help;tenant;create' {
            break
        }
        'tracardictl;help;tenant;list' {
            break
        }
        'tracardictl;help;tenant;get' {
            break
        }
        'tracardictl;help;tenant;suspend' {
            break
        }
        'tracardictl;help;tenant;resume' {
            break
        }
        'tracardictl;help;tenant;rate-limit' {
            break
        }
        'tracardictl;help;tenant;delete' {
            break
        }
        'tracardictl;help;segment' {
            [CompletionResult]::new('refresh', 'refresh', [CompletionResultType]::ParameterValue, 'Evaluate every enabled segment over every profile of a context and print a summary')
            break
        }
        'tracardictl;help;segment;refresh' {
            break
        }
        'tracardictl;help;tui' {
            break
        }
        'tracardictl;help;generate' {
            break
        }
        'tracardictl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
