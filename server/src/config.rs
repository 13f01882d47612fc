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
#[derive(Clone)]
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
}
