
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
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run services as a daemon (with none named: the single-node set)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show or check the effective configuration')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Upgrade a store''s schema or copy a store to another backend')
            [CompletionResult]::new('apm', 'apm', [CompletionResultType]::ParameterValue, 'Automatic profile merging: full duplicate scans')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate completions or man pages (for packagers and the repository)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;serve' {
            [CompletionResult]::new('--collector-listen', '--collector-listen', [CompletionResultType]::ParameterName, 'Address of the public collector API [default: 0.0.0.0:8585]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store URI: a directory or `sled:DIR` (embedded store), or `postgres://…` (shared PostgreSQL) [default: the data directory]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
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
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'List every key with the environment variable that sets it')
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
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'List every key with the environment variable that sets it')
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
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Apply pending schema migrations (creates a fresh PostgreSQL schema)')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy every scope''s profiles, sessions, events and configuration to another store')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;migrate;up' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Store URI [default: the configured store]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;migrate;copy' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Source store URI (`sled:DIR`, a directory, or `postgres://…`)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Target store URI')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tracardictl;migrate;help' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Apply pending schema migrations (creates a fresh PostgreSQL schema)')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy every scope''s profiles, sessions, events and configuration to another store')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
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
        'tracardictl;generate' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: ./tracardi.toml when it exists]')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Data directory of the embedded store [default: ./tracardi-data]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log format on standard error')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tracardictl;help' {
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run services as a daemon (with none named: the single-node set)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show or check the effective configuration')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Upgrade a store''s schema or copy a store to another backend')
            [CompletionResult]::new('apm', 'apm', [CompletionResultType]::ParameterValue, 'Automatic profile merging: full duplicate scans')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Generate completions or man pages (for packagers and the repository)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tracardictl;help;serve' {
            break
        }
        'tracardictl;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration as TOML, secrets redacted')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the configuration and exit 0 when it is valid, 2 when not')
            [CompletionResult]::new('keys', 'keys', [CompletionResultType]::ParameterValue, 'List every key with the environment variable that sets it')
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
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Apply pending schema migrations (creates a fresh PostgreSQL schema)')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy every scope''s profiles, sessions, events and configuration to another store')
            break
        }
        'tracardictl;help;migrate;up' {
            break
        }
        'tracardictl;help;migrate;copy' {
            break
        }
        'tracardictl;help;apm' {
            [CompletionResult]::new('scan', 'scan', [CompletionResultType]::ParameterValue, 'Scan every profile for duplicates sharing a merge key and merge them')
            break
        }
        'tracardictl;help;apm;scan' {
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
