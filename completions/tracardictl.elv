
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
            cand serve 'Run services as a daemon (with none named: the single-node set)'
            cand config 'Show or check the effective configuration'
            cand migrate 'Upgrade a store''s schema or copy a store to another backend'
            cand apm 'Automatic profile merging: full duplicate scans'
            cand generate 'Generate completions or man pages (for packagers and the repository)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;serve'= {
            cand --collector-listen 'Address of the public collector API [default: 0.0.0.0:8585]'
            cand --store 'Store URI: a directory or `sled:DIR` (embedded store), or `postgres://…` (shared PostgreSQL) [default: the data directory]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
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
            cand keys 'List every key with the environment variable that sets it'
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
            cand keys 'List every key with the environment variable that sets it'
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
            cand up 'Apply pending schema migrations (creates a fresh PostgreSQL schema)'
            cand copy 'Copy every scope''s profiles, sessions, events and configuration to another store'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;migrate;up'= {
            cand --store 'Store URI [default: the configured store]'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;migrate;copy'= {
            cand --from 'Source store URI (`sled:DIR`, a directory, or `postgres://…`)'
            cand --to 'Target store URI'
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tracardictl;migrate;help'= {
            cand up 'Apply pending schema migrations (creates a fresh PostgreSQL schema)'
            cand copy 'Copy every scope''s profiles, sessions, events and configuration to another store'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;migrate;help;up'= {
        }
        &'tracardictl;migrate;help;copy'= {
        }
        &'tracardictl;migrate;help;help'= {
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
        &'tracardictl;generate'= {
            cand --config 'Configuration file [default: ./tracardi.toml when it exists]'
            cand --data-dir 'Data directory of the embedded store [default: ./tracardi-data]'
            cand --log-format 'Log format on standard error'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tracardictl;help'= {
            cand serve 'Run services as a daemon (with none named: the single-node set)'
            cand config 'Show or check the effective configuration'
            cand migrate 'Upgrade a store''s schema or copy a store to another backend'
            cand apm 'Automatic profile merging: full duplicate scans'
            cand generate 'Generate completions or man pages (for packagers and the repository)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tracardictl;help;serve'= {
        }
        &'tracardictl;help;config'= {
            cand show 'Print the effective configuration as TOML, secrets redacted'
            cand validate 'Check the configuration and exit 0 when it is valid, 2 when not'
            cand keys 'List every key with the environment variable that sets it'
        }
        &'tracardictl;help;config;show'= {
        }
        &'tracardictl;help;config;validate'= {
        }
        &'tracardictl;help;config;keys'= {
        }
        &'tracardictl;help;migrate'= {
            cand up 'Apply pending schema migrations (creates a fresh PostgreSQL schema)'
            cand copy 'Copy every scope''s profiles, sessions, events and configuration to another store'
        }
        &'tracardictl;help;migrate;up'= {
        }
        &'tracardictl;help;migrate;copy'= {
        }
        &'tracardictl;help;apm'= {
            cand scan 'Scan every profile for duplicates sharing a merge key and merge them'
        }
        &'tracardictl;help;apm;scan'= {
        }
        &'tracardictl;help;generate'= {
        }
        &'tracardictl;help;help'= {
        }
    ]
    $completions[$command]
}
