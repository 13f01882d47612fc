//! Where the server gets its settings: flags, then the environment (`CASPIO_ACCOUNT`,
//! `CASPIO_CLIENT_ID`, `CASPIO_CLIENT_SECRET`), then a TOML file. Secrets are never printed:
//! `Debug` redacts them and errors name the setting, not its value.

use serde::Deserialize;
use std::path::Path;

/// The optional TOML file (`--config caspio-mcp.toml`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Account host or integration URL.
    pub account: Option<String>,
    /// Web services profile client id.
    pub client_id: Option<String>,
    /// Web services profile client secret.
    pub client_secret: Option<String>,
    /// Address to listen on.
    pub listen: Option<String>,
    /// Allowed Host names.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Allowed browser origins.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Serve without sessions.
    pub stateless: Option<bool>,
    /// Largest request in bytes: an HTTP body, or one line on stdio.
    pub max_body: Option<usize>,
    /// Most sessions open at once.
    pub max_sessions: Option<usize>,
    /// Method classes or kinds to expose.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Tags to expose.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Tool names to expose.
    #[serde(default)]
    pub tools: Vec<String>,
    /// Expose only tools that change nothing.
    pub read_only: Option<bool>,
    /// `all` or `discovery`.
    pub tool_exposure: Option<String>,
    /// Records a guarded write may change without the user's confirmation.
    pub confirm_over: Option<u64>,
    /// Never ask for confirmation.
    pub allow_bulk: Option<bool>,
    /// The most tokens one tool result may cost.
    pub max_result_tokens: Option<usize>,
    /// `default`, `openai-strict` or `gemini`.
    pub schema_profile: Option<String>,
    /// Hosted mode: the database.
    pub database_url: Option<String>,
    /// Hosted mode: the file holding the master key.
    pub master_key_file: Option<std::path::PathBuf>,
    /// Hosted mode: the admin API's token.
    pub admin_token: Option<String>,
    /// Hosted mode: the URL clients reach the deployment by.
    pub public_url: Option<String>,
}

impl FileConfig {
    /// Reads a config file; errors say which file and where.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }
}

/// A real Caspio account's credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    /// Account host or integration URL.
    pub url: String,
    /// Client id.
    pub client_id: String,
    /// Client secret.
    pub client_secret: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("url", &self.url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

impl Account {
    /// Takes each setting from the flag/environment value, else the file; says what is missing.
    pub fn resolve(
        url: Option<String>,
        id: Option<String>,
        secret: Option<String>,
        file: &FileConfig,
    ) -> anyhow::Result<Account> {
        let pick = |v: Option<String>,
                    f: &Option<String>,
                    flag: &str,
                    env: &str|
         -> anyhow::Result<String> {
            v.or_else(|| f.clone()).filter(|s| !s.trim().is_empty()).ok_or_else(|| {
                anyhow::anyhow!("missing {flag}: pass --{flag}, set {env}, or put it in the --config file (or use --sandbox to try the demo account)")
            })
        };
        Ok(Account {
            url: pick(url, &file.account, "account", "CASPIO_ACCOUNT")?,
            client_id: pick(id, &file.client_id, "client-id", "CASPIO_CLIENT_ID")?,
            client_secret: pick(
                secret,
                &file.client_secret,
                "client-secret",
                "CASPIO_CLIENT_SECRET",
            )?,
        })
    }
}

/// The smallest request cap that still fits an ordinary JSON-RPC request.
pub const MIN_MAX_BODY: usize = 1024;

/// `--max-body`: a number of bytes, at least [`MIN_MAX_BODY`].
pub fn parse_max_body(text: &str) -> Result<usize, String> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of bytes"))?;
    check_max_body(n)
}

fn check_max_body(n: usize) -> Result<usize, String> {
    if n < MIN_MAX_BODY {
        return Err(format!(
            "{n} bytes is too small for any request; use at least {MIN_MAX_BODY}"
        ));
    }
    Ok(n)
}

/// The request cap in force: the one set (by flag or file, checked like the flag), else the
/// default, which fits the largest upload the tools accept.
pub fn max_body(set: Option<usize>) -> anyhow::Result<usize> {
    match set {
        Some(n) => check_max_body(n).map_err(|e| anyhow::anyhow!("max_body: {e}")),
        None => Ok(crate::http::DEFAULT_MAX_BODY),
    }
}

/// `--max-sessions`: a positive number of sessions.
pub fn parse_max_sessions(text: &str) -> Result<usize, String> {
    let n: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of sessions"))?;
    check_max_sessions(n)
}

fn check_max_sessions(n: usize) -> Result<usize, String> {
    if n == 0 {
        return Err("0 sessions would refuse every client; use at least 1".into());
    }
    Ok(n)
}

/// The session cap in force: the one set (by flag or file, checked like the flag), else the
/// default.
pub fn max_sessions(set: Option<usize>) -> anyhow::Result<usize> {
    match set {
        Some(n) => check_max_sessions(n).map_err(|e| anyhow::anyhow!("max_sessions: {e}")),
        None => Ok(crate::http::DEFAULT_MAX_SESSIONS),
    }
}

/// `--budget`: `REQUESTS/SECONDS`, both positive, e.g. `2000/300`.
pub fn parse_budget(text: &str) -> Result<(usize, u64), String> {
    let (n, secs) = text
        .split_once('/')
        .ok_or("expected REQUESTS/SECONDS, e.g. 2000/300")?;
    let n: usize = n
        .trim()
        .parse()
        .map_err(|_| format!("`{n}` is not a number of requests"))?;
    let secs: u64 = secs
        .trim()
        .parse()
        .map_err(|_| format!("`{secs}` is not a number of seconds"))?;
    if n == 0 || secs == 0 {
        return Err("both numbers must be positive".into());
    }
    Ok((n, secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_and_missing_settings_named() {
        let a = Account {
            url: "x.caspio.com".into(),
            client_id: "id".into(),
            client_secret: "s3cret".into(),
        };
        assert!(!format!("{a:?}").contains("s3cret"));
        let err = Account::resolve(
            Some("x.caspio.com".into()),
            Some("id".into()),
            None,
            &FileConfig::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("--client-secret"), "{err}");
        let file = FileConfig {
            client_secret: Some("from-file".into()),
            ..Default::default()
        };
        let a =
            Account::resolve(Some("x.caspio.com".into()), Some("id".into()), None, &file).unwrap();
        assert_eq!(a.client_secret, "from-file");
    }

    #[test]
    fn unknown_keys_in_the_file_are_errors() {
        let dir = std::env::temp_dir().join(format!("cfg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("c.toml");
        std::fs::write(&p, "acount = \"x\"\n").unwrap();
        let err = FileConfig::load(&p).unwrap_err().to_string();
        assert!(err.contains("acount"), "{err}");
    }

    #[test]
    fn budgets_body_and_session_caps_are_parsed_or_refused_with_a_reason() {
        assert_eq!(parse_budget("2000/300"), Ok((2000, 300)));
        assert_eq!(parse_budget(" 5 / 2 "), Ok((5, 2)));
        for (bad, why) in [
            ("2000", "REQUESTS/SECONDS"),
            ("x/300", "`x` is not a number of requests"),
            ("5/soon", "`soon` is not a number of seconds"),
            ("0/300", "positive"),
            ("5/0", "positive"),
        ] {
            let err = parse_budget(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
        assert_eq!(parse_max_body("2048"), Ok(2048));
        assert!(parse_max_body("1023")
            .unwrap_err()
            .contains("at least 1024"));
        assert!(parse_max_body("4k").unwrap_err().contains("not a number"));
        assert_eq!(max_body(None).unwrap(), crate::http::DEFAULT_MAX_BODY);
        assert!(max_body(Some(10))
            .unwrap_err()
            .to_string()
            .starts_with("max_body: "));
        assert_eq!(parse_max_sessions("50"), Ok(50));
        assert!(parse_max_sessions("0").unwrap_err().contains("at least 1"));
        assert!(parse_max_sessions("many")
            .unwrap_err()
            .contains("not a number"));
        assert_eq!(
            max_sessions(None).unwrap(),
            crate::http::DEFAULT_MAX_SESSIONS
        );
        assert!(max_sessions(Some(0))
            .unwrap_err()
            .to_string()
            .starts_with("max_sessions: "));
    }
}
