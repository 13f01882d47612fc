//! The one place a setting's value is decided: the flag, else the environment (the account's
//! `CASPIO_ACCOUNT`, `CASPIO_CLIENT_ID`, `CASPIO_CLIENT_SECRET`), else the `--config` file, else
//! the default. Every value is checked here, so a bad one is refused at start-up with the
//! setting's name, never later.

use crate::cli::{LogFormat, On429, ServeArgs, UpstreamArgs};
use crate::config::{self, Account, FileConfig};
use crate::http::HttpConfig;
use crate::profile::Profile;
use crate::scope::{Exposure, Scope};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Where `serve` listens when nothing says otherwise: loopback, so exposing it is deliberate.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The account the tools act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upstream {
    /// An embedded sandbox with the demo account, its data in this file or in memory.
    Sandbox {
        /// The SQLite file, or `None` for memory.
        db: Option<PathBuf>,
    },
    /// A real account.
    Account(Account),
}

/// How the client paces itself against Caspio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// What a 429 does.
    pub on_429: On429,
    /// Attempts in all with backoff.
    pub max_attempts: u32,
    /// At most this many requests per this many seconds.
    pub budget: Option<(usize, u64)>,
}

/// What `stdio` (and the account half of `serve`) runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The account.
    pub upstream: Upstream,
    /// Pacing.
    pub limits: Limits,
    /// Largest request: an HTTP body, or one stdio line.
    pub max_body: usize,
    /// Log format.
    pub log_format: LogFormat,
    /// Which tools are exposed.
    pub scope: Scope,
    /// How they are offered.
    pub exposure: Exposure,
    /// When a guarded write needs the user's confirmation.
    pub policy: caspio::runtime::tools::Policy,
    /// The most tokens one tool result may cost.
    pub max_result_tokens: usize,
    /// How input schemas are shaped, unless a connection asks otherwise.
    pub profile: Profile,
}

/// What `serve` runs with.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    /// The account and limits.
    pub common: Settings,
    /// Where to listen.
    pub listen: SocketAddr,
    /// The HTTP checks' settings.
    pub http: HttpConfig,
}

/// What `hosted` runs with.
#[derive(Debug)]
pub struct HostedSettings {
    /// The database URL.
    pub database_url: String,
    /// The master key, or `None` when one is to be made up (`--sandbox` only).
    pub master_key: Option<crate::hosted::secrets::MasterKey>,
    /// The admin token, or `None` when one is to be made up (`--sandbox` only).
    pub admin_token: Option<String>,
    /// Where to listen.
    pub listen: SocketAddr,
    /// The URL clients reach the deployment by, if set.
    pub public_url: Option<String>,
    /// The HTTP checks' settings.
    pub http: HttpConfig,
    /// Serve an embedded sandbox as the first connection.
    pub sandbox: bool,
    /// Log format.
    pub log_format: LogFormat,
}

/// The settings of `hosted`: flag, else environment, else file, else default. Outside
/// `--sandbox`, a master key and an admin token must be given: made-up ones would lock away the
/// data at the next start.
pub fn resolve_hosted(
    args: &crate::cli::HostedArgs,
    env: &dyn Fn(&str) -> Option<String>,
    file: &FileConfig,
) -> anyhow::Result<HostedSettings> {
    use crate::hosted::secrets::MasterKey;
    let database_url = args
        .database_url
        .clone()
        .or_else(|| env("CASPIO_MCP_DATABASE_URL"))
        .or_else(|| file.database_url.clone())
        .unwrap_or_else(|| {
            if args.sandbox {
                "sqlite::memory:".into()
            } else {
                "sqlite://caspio-mcp.db".into()
            }
        });
    let read_key = |path: &std::path::Path| {
        std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("master key file {}: {e}", path.display()))
    };
    // The flag's file, else the environment's key, else the config file's file.
    let key_text = match (&args.master_key_file, env("CASPIO_MCP_MASTER_KEY")) {
        (Some(path), _) => Some(read_key(path)?),
        (None, Some(key)) => Some(key),
        (None, None) => file.master_key_file.as_deref().map(read_key).transpose()?,
    };
    let master_key = key_text
        .map(|t| MasterKey::from_base64(&t))
        .transpose()
        .map_err(|e| anyhow::anyhow!("master key: {e}"))?;
    let admin_token = args
        .admin_token
        .clone()
        .or_else(|| env("CASPIO_MCP_ADMIN_TOKEN"))
        .or_else(|| file.admin_token.clone())
        .filter(|t| !t.trim().is_empty());
    if !args.sandbox {
        if master_key.is_none() {
            anyhow::bail!("missing master key: set CASPIO_MCP_MASTER_KEY (32 bytes, base64: `openssl rand -base64 32`) or pass --master-key-file (or use --sandbox to try it)");
        }
        if admin_token.is_none() {
            anyhow::bail!("missing admin token: pass --admin-token or set CASPIO_MCP_ADMIN_TOKEN (or use --sandbox to try it)");
        }
    }
    if admin_token.as_ref().is_some_and(|t| t.len() < 16) {
        anyhow::bail!("the admin token is too short to be a secret: use at least 16 characters");
    }
    let listen = listen_of(args.listen, file)?;
    let http = HttpConfig {
        allowed_hosts: flag_or_file(&args.allowed_hosts, &file.allowed_hosts),
        allowed_origins: flag_or_file(&args.allowed_origins, &file.allowed_origins),
        stateless: true,
        max_body: config::max_body(file.max_body)?,
        max_sessions: crate::http::DEFAULT_MAX_SESSIONS,
        ..HttpConfig::default()
    };
    Ok(HostedSettings {
        database_url,
        master_key,
        admin_token,
        listen,
        public_url: args.public_url.clone().or_else(|| file.public_url.clone()),
        http,
        sandbox: args.sandbox,
        log_format: args.log_format,
    })
}

/// A list setting: the flag's items when any were given, else the config file's.
fn flag_or_file(flags: &[String], from_file: &[String]) -> Vec<String> {
    if flags.is_empty() { from_file } else { flags }.to_vec()
}

/// Where to listen: the flag, else the config file's `listen`, else [`DEFAULT_LISTEN`].
fn listen_of(flag: Option<SocketAddr>, file: &FileConfig) -> anyhow::Result<SocketAddr> {
    Ok(match (flag, &file.listen) {
        (Some(l), _) => l,
        (None, Some(l)) => l
            .parse()
            .map_err(|e| anyhow::anyhow!("listen `{l}` in the config file: {e}"))?,
        (None, None) => DEFAULT_LISTEN.parse()?,
    })
}

/// Reads the `--config` file, if one was given.
pub fn file_of(args: &UpstreamArgs) -> anyhow::Result<FileConfig> {
    match &args.config {
        Some(p) => FileConfig::load(p),
        None => Ok(FileConfig::default()),
    }
}

/// The settings of `stdio`: `env` looks up an environment variable.
pub fn resolve(
    args: &UpstreamArgs,
    env: &dyn Fn(&str) -> Option<String>,
    file: &FileConfig,
) -> anyhow::Result<Settings> {
    let upstream = if args.sandbox {
        Upstream::Sandbox {
            db: args.sandbox_db.clone(),
        }
    } else {
        let flag_or_env = |flag: &Option<String>, var: &str| flag.clone().or_else(|| env(var));
        Upstream::Account(Account::resolve(
            flag_or_env(&args.account, "CASPIO_ACCOUNT"),
            flag_or_env(&args.client_id, "CASPIO_CLIENT_ID"),
            flag_or_env(&args.client_secret, "CASPIO_CLIENT_SECRET"),
            file,
        )?)
    };
    let (scope, exposure) = scope_of(args, file)?;
    Ok(Settings {
        upstream,
        limits: Limits {
            on_429: args.on_429,
            max_attempts: args.max_attempts,
            budget: args.budget,
        },
        max_body: config::max_body(args.max_body.or(file.max_body))?,
        log_format: args.log_format,
        scope,
        exposure,
        profile: match (args.schema_profile, &file.schema_profile) {
            (Some(p), _) => p,
            (None, Some(text)) => {
                Profile::parse(text).map_err(|e| anyhow::anyhow!("schema_profile: {e}"))?
            }
            (None, None) => Profile::Default,
        },
        max_result_tokens: match args.max_result_tokens.or(file.max_result_tokens) {
            Some(n) if n < 500 => anyhow::bail!(
                "max_result_tokens: {n} tokens would cut most answers to nothing; use at least 500"
            ),
            Some(n) => n,
            None => crate::budget::DEFAULT_MAX_RESULT_TOKENS,
        },
        policy: caspio::runtime::tools::Policy {
            confirm_over: args
                .confirm_over
                .or(file.confirm_over)
                .unwrap_or(caspio::runtime::contract::args::DEFAULT_CONFIRM_OVER),
            allow_bulk: args.allow_bulk || file.allow_bulk.unwrap_or(false),
        },
    })
}

/// The scope and exposure: each list from the flag when given, else the file; checked against
/// the registry, so an unknown name, or a scope that keeps no tool, stops the server at start-up.
fn scope_of(args: &UpstreamArgs, file: &FileConfig) -> anyhow::Result<(Scope, Exposure)> {
    let scope = Scope::from_lists(
        &flag_or_file(&args.methods, &file.methods),
        &flag_or_file(&args.tags, &file.tags),
        &flag_or_file(&args.tools, &file.tools),
        args.read_only || file.read_only.unwrap_or(false),
        caspio::registry().tools(),
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    let exposure = match (args.tool_exposure, &file.tool_exposure) {
        (Some(e), _) => e,
        (None, Some(text)) => {
            Exposure::parse(text).map_err(|e| anyhow::anyhow!("tool_exposure: {e}"))?
        }
        (None, None) => Exposure::All,
    };
    Ok((scope, exposure))
}

/// The settings of `serve`.
pub fn resolve_serve(
    args: &ServeArgs,
    env: &dyn Fn(&str) -> Option<String>,
    file: &FileConfig,
) -> anyhow::Result<ServeSettings> {
    let common = resolve(&args.upstream, env, file)?;
    let listen = listen_of(args.listen, file)?;
    let http = HttpConfig {
        allowed_hosts: flag_or_file(&args.allowed_hosts, &file.allowed_hosts),
        allowed_origins: flag_or_file(&args.allowed_origins, &file.allowed_origins),
        stateless: args.stateless || file.stateless.unwrap_or(false),
        max_body: common.max_body,
        max_sessions: config::max_sessions(args.max_sessions.or(file.max_sessions))?,
        ..HttpConfig::default()
    };
    Ok(ServeSettings {
        common,
        listen,
        http,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    /// `serve` settings from a command line, an environment and a config file's text.
    fn serve(argv: &str, env: &[(&str, &str)], file: &str) -> anyhow::Result<ServeSettings> {
        let argv = std::iter::once("caspio-mcp").chain(argv.split_whitespace());
        let Command::Serve(args) = Cli::try_parse_from(argv)?.command else {
            panic!("not serve");
        };
        let file: FileConfig = toml::from_str(file)?;
        let env = |var: &str| {
            env.iter()
                .find(|(k, _)| *k == var)
                .map(|(_, v)| v.to_string())
        };
        resolve_serve(&args, &env, &file)
    }

    fn account(s: &ServeSettings) -> (&str, &str, &str) {
        match &s.common.upstream {
            Upstream::Account(a) => (&a.url, &a.client_id, &a.client_secret),
            Upstream::Sandbox { .. } => ("sandbox", "", ""),
        }
    }

    /// Environment variables and their values.
    type Env = &'static [(&'static str, &'static str)];

    const ENV: Env = &[
        ("CASPIO_ACCOUNT", "env.caspio.com"),
        ("CASPIO_CLIENT_ID", "env-id"),
        ("CASPIO_CLIENT_SECRET", "env-secret"),
    ];
    const FILE: &str = r#"
        account = "file.caspio.com"
        client_id = "file-id"
        client_secret = "file-secret"
        listen = "0.0.0.0:9000"
        allowed_hosts = ["file.example.com"]
        stateless = true
        max_body = 4096
        max_sessions = 7
    "#;

    #[test]
    fn flags_beat_the_environment_which_beats_the_file() {
        // (flags, environment, file, expected account)
        type Expected = (&'static str, &'static str, &'static str);
        let cases: [(&str, Env, &str, Expected); 5] = [
            (
                "serve --account flag.caspio.com --client-id flag-id --client-secret flag-secret",
                ENV,
                FILE,
                ("flag.caspio.com", "flag-id", "flag-secret"),
            ),
            (
                "serve",
                ENV,
                FILE,
                ("env.caspio.com", "env-id", "env-secret"),
            ),
            (
                "serve",
                &[],
                FILE,
                ("file.caspio.com", "file-id", "file-secret"),
            ),
            (
                "serve --client-id flag-id",
                &ENV[..1],
                FILE,
                ("env.caspio.com", "flag-id", "file-secret"),
            ),
            ("serve --sandbox", ENV, FILE, ("sandbox", "", "")),
        ];
        for (argv, env, file, expected) in cases {
            let s = serve(argv, env, file).unwrap();
            assert_eq!(account(&s), expected, "{argv} {env:?}");
        }
    }

    #[test]
    fn server_settings_take_the_flag_else_the_file_else_the_default() {
        let s = serve("serve --sandbox", &[], FILE).unwrap();
        assert_eq!(s.listen, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(s.http.allowed_hosts, ["file.example.com"]);
        assert!(s.http.stateless);
        assert_eq!((s.common.max_body, s.http.max_body), (4096, 4096));
        assert_eq!(s.http.max_sessions, 7);

        let s = serve(
            "serve --sandbox --listen 127.0.0.1:1 --allowed-host a.example.com --max-body 2048 --max-sessions 3",
            &[],
            FILE,
        )
        .unwrap();
        assert_eq!(s.listen, "127.0.0.1:1".parse().unwrap());
        assert_eq!(s.http.allowed_hosts, ["a.example.com"]);
        assert_eq!((s.common.max_body, s.http.max_sessions), (2048, 3));

        let s = serve("serve --sandbox", &[], "").unwrap();
        assert_eq!(s.listen, DEFAULT_LISTEN.parse().unwrap());
        assert!(s.http.allowed_hosts.is_empty() && !s.http.stateless);
        assert_eq!(s.common.max_body, crate::http::DEFAULT_MAX_BODY);
        assert_eq!(s.http.max_sessions, crate::http::DEFAULT_MAX_SESSIONS);
        assert_eq!(s.common.limits.on_429, On429::Passthrough);
    }

    #[test]
    fn bad_or_missing_settings_are_refused_by_name() {
        // (flags, environment, file, what the error says)
        let cases: [(&str, Env, &str, &str); 6] = [
            ("serve", &[], "", "missing account"),
            ("serve", &ENV[..2], "", "--client-secret"),
            (
                "serve --sandbox",
                &[],
                "listen = \"nowhere\"",
                "listen `nowhere`",
            ),
            ("serve --sandbox", &[], "max_body = 10", "max_body: "),
            ("serve --sandbox", &[], "max_sessions = 0", "max_sessions: "),
            ("serve --sandbox --max-body 10", &[], "", "at least 1024"),
        ];
        for (argv, env, file, says) in cases {
            let err = serve(argv, env, file).unwrap_err();
            assert!(format!("{err:#}").contains(says), "{argv}: {err:#}");
        }
    }

    #[test]
    fn scope_flags_beat_the_file_and_each_key_is_read() {
        use crate::scope::MethodFilter;
        use caspio::runtime::contract::{MethodClass, Tag};
        let file = r#"
            methods = ["write"]
            tags = ["users"]
            tools = ["delete_a_caspio_user_by_id", "list_all_caspio_users"]
            read_only = false
            tool_exposure = "discovery"
        "#;
        // Every key from the file.
        let s = serve("serve --sandbox", &[], file).unwrap().common;
        assert_eq!(s.scope.methods, [MethodFilter::Class(MethodClass::Write)]);
        assert_eq!(s.scope.tags, [Tag::Users]);
        assert_eq!(s.scope.tools.len(), 2);
        assert!(!s.scope.read_only);
        assert_eq!(s.exposure, Exposure::Discovery);
        // Every flag, over the file.
        let s = serve(
            "serve --sandbox --methods read,list --tags directories,users --tools list_all_caspio_users --read-only --tool-exposure all",
            &[],
            file,
        )
        .unwrap()
        .common;
        assert_eq!(
            s.scope.methods,
            [
                MethodFilter::Class(MethodClass::Read),
                MethodFilter::Kind("list".into())
            ]
        );
        assert_eq!(s.scope.tags, [Tag::Directories, Tag::Users]);
        assert_eq!(s.scope.tools, ["list_all_caspio_users"]);
        assert!(s.scope.read_only);
        assert_eq!(s.exposure, Exposure::All);
        // The defaults: everything, listed, confirmation over 100 records.
        let s = serve("serve --sandbox", &[], "").unwrap().common;
        assert_eq!((s.scope, s.exposure), (Scope::default(), Exposure::All));
        assert_eq!(s.policy, caspio::runtime::tools::Policy::default());
        assert_eq!(s.policy.confirm_over, 100);
        // Confirmation: the file's keys, and the flags over them.
        let file = "confirm_over = 20\nallow_bulk = true\n";
        let s = serve("serve --sandbox", &[], file).unwrap().common;
        assert_eq!((s.policy.confirm_over, s.policy.allow_bulk), (20, true));
        let s = serve("serve --sandbox --confirm-over 5", &[], "")
            .unwrap()
            .common;
        assert_eq!((s.policy.confirm_over, s.policy.allow_bulk), (5, false));
        let s = serve("serve --sandbox --allow-bulk", &[], "")
            .unwrap()
            .common;
        assert!(s.policy.allow_bulk);
        // The result budget.
        assert_eq!(
            serve("serve --sandbox", &[], "")
                .unwrap()
                .common
                .max_result_tokens,
            20_000
        );
        let file = "max_result_tokens = 5000\n";
        assert_eq!(
            serve("serve --sandbox", &[], file)
                .unwrap()
                .common
                .max_result_tokens,
            5000
        );
        let s = serve("serve --sandbox --max-result-tokens 800", &[], file).unwrap();
        assert_eq!(s.common.max_result_tokens, 800);
        let err = serve("serve --sandbox --max-result-tokens 10", &[], "").unwrap_err();
        assert!(err.to_string().contains("at least 500"), "{err}");
        // The schema profile: flag over file, default when neither.
        let profile = |argv: &str, file: &str| serve(argv, &[], file).map(|s| s.common.profile);
        assert_eq!(profile("serve --sandbox", "").unwrap(), Profile::Default);
        let file = "schema_profile = \"gemini\"\n";
        assert_eq!(profile("serve --sandbox", file).unwrap(), Profile::Gemini);
        assert_eq!(
            profile("serve --sandbox --schema-profile openai-strict", file).unwrap(),
            Profile::OpenAiStrict
        );
        let err = profile("serve --sandbox", "schema_profile = \"strict\"\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("schema_profile: unknown schema profile `strict`"),
            "{err}"
        );
        assert!(Cli::try_parse_from(["caspio-mcp", "stdio", "--schema-profile", "x"]).is_err());
    }

    #[test]
    fn a_scope_that_cannot_work_stops_the_server_with_the_reason() {
        // (flags, file, what the error says)
        let cases = [
            ("serve --sandbox --tags tabels", "", "tags: tag `tabels`"),
            (
                "serve --sandbox",
                "methods = [\"reed\"]",
                "methods: method `reed`",
            ),
            (
                "serve --sandbox --tools nope",
                "",
                "tools: no tool is named `nope`",
            ),
            (
                "serve --sandbox",
                "tool_exposure = \"some\"",
                "tool_exposure: tool exposure `some`",
            ),
            (
                "serve --sandbox --tags webhooks --read-only --methods write",
                "",
                "matches no tool",
            ),
        ];
        for (argv, file, says) in cases {
            let err = serve(argv, &[], file).unwrap_err();
            assert!(format!("{err:#}").contains(says), "{argv}: {err:#}");
        }
        let err = Cli::try_parse_from(["caspio-mcp", "stdio", "--tool-exposure", "some"])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("is not one of: all, discovery"), "{err}");
    }

    #[test]
    fn hosted_secrets_come_from_the_flag_then_the_environment_then_the_file() {
        use crate::hosted::secrets::MasterKey;
        let dir = std::env::temp_dir().join(format!("hosted-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let (flag_key, env_key, file_key) = (
            MasterKey::generate().unwrap().1,
            MasterKey::generate().unwrap().1,
            MasterKey::generate().unwrap().1,
        );
        std::fs::write(dir.join("flag.key"), &flag_key).unwrap();
        std::fs::write(dir.join("file.key"), &file_key).unwrap();
        let hosted = |argv: &str, env: &[(&str, &str)], file: &str| {
            let argv = std::iter::once("caspio-mcp").chain(argv.split_whitespace());
            let Command::Hosted(args) = Cli::try_parse_from(argv).unwrap().command else {
                panic!("not hosted");
            };
            let file: FileConfig = toml::from_str(file).unwrap();
            let env = |var: &str| {
                env.iter()
                    .find(|(k, _)| *k == var)
                    .map(|(_, v)| v.to_string())
            };
            resolve_hosted(&args, &env, &file)
        };
        // Which key seals: a secret sealed with it opens with the expected one.
        let opens_with = |s: &HostedSettings, key: &str| {
            let sealed = s.master_key.as_ref().unwrap().seal("x").unwrap();
            MasterKey::from_base64(key).unwrap().open(&sealed).is_ok()
        };
        let admin = ("CASPIO_MCP_ADMIN_TOKEN", "an-admin-token-long-enough");
        let file = format!("master_key_file = {:?}\n", dir.join("file.key"));
        let flag = format!(
            "hosted --master-key-file {}",
            dir.join("flag.key").display()
        );
        let env_and_admin = [("CASPIO_MCP_MASTER_KEY", env_key.as_str()), admin];
        assert!(opens_with(
            &hosted(&flag, &env_and_admin, &file).unwrap(),
            &flag_key
        ));
        assert!(opens_with(
            &hosted("hosted", &env_and_admin, &file).unwrap(),
            &env_key
        ));
        assert!(opens_with(
            &hosted("hosted", &[admin], &file).unwrap(),
            &file_key
        ));
        // Outside --sandbox both secrets are required, and a short admin token is refused.
        let err = hosted("hosted", &[admin], "").unwrap_err().to_string();
        assert!(err.contains("missing master key"), "{err}");
        let err = hosted("hosted", &env_and_admin[..1], "")
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing admin token"), "{err}");
        let err = hosted("hosted --admin-token short", &env_and_admin[..1], "")
            .unwrap_err()
            .to_string();
        assert!(err.contains("too short"), "{err}");
        // --sandbox makes them up and keeps the data in memory.
        let s = hosted("hosted --sandbox", &[], "").unwrap();
        assert!(s.master_key.is_none() && s.admin_token.is_none());
        assert_eq!(s.database_url, "sqlite::memory:");
    }
}
