//! Typed configuration. Sources, weakest first: defaults < `quire.toml` (in the data dir, or the
//! file named by `--config`) < `QUIRE_*` environment < command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything a running Quire needs to know before it opens the database.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Where the database, media and theme overrides live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; defaults to `<data_dir>/quire.db`.
    pub database_url: Option<String>,
    /// A PostgreSQL read replica (`QUIRE_DATABASE_READ_URL`) for reads that may lag: lists,
    /// archives and search, each used only once the replica has caught up with this instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_read_url: Option<String>,
    /// Public base URL of the site (for feeds, canonical links, emails); defaults to `http://<bind>`.
    pub site_url: Option<String>,
    /// Theme directory name under `<data_dir>/themes/`, falling back to the embedded default.
    pub theme: String,
    /// Load the demo site into an empty database on first run.
    pub demo: bool,
    /// Log output: "auto" (pretty on a terminal, JSON otherwise), "json" or "pretty".
    pub log_format: String,
    /// Rendered pages kept in memory for anonymous readers.
    pub page_cache_entries: u64,
    /// Seconds in-flight requests get to finish after SIGTERM.
    pub shutdown_grace_seconds: u64,
    /// Serve Prometheus metrics at `/metrics` on the main address. Off by default; when on, let
    /// only your scraper reach that path (at the reverse proxy, for example).
    pub metrics: bool,
    /// Outgoing mail (`[smtp]`); without it Quire sends and queues no mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp: Option<SmtpConfig>,
    /// Sign-in with outside accounts (`[auth]`, `[[auth.providers]]`).
    pub auth: crate::identity::AuthConfig,
    /// The media library (`[media]`): where files live (local directory or S3-compatible
    /// storage), upload limits and variant widths.
    pub media: quire_media::MediaConfig,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain text (only for a relay on the same machine or a test sink).
    None,
    /// Upgrade with STARTTLS, required (port 587 by default).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465 by default).
    Tls,
}

/// The `[smtp]` table: the server that carries Quire's mail.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Server host name (checked against its TLS certificate).
    pub host: String,
    /// Port; defaults to 25, 587 or 465 after `security`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// "none", "starttls" (default) or "tls".
    #[serde(default)]
    pub security: SmtpSecurity,
    /// User name for SMTP AUTH, if the server wants one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Password for SMTP AUTH (better given as `QUIRE_SMTP_PASSWORD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Sender, e.g. `Quire <noreply@example.org>`.
    pub from: String,
    /// Seconds one SMTP conversation may take before it is abandoned and retried.
    #[serde(default = "SmtpConfig::default_timeout")]
    pub timeout_seconds: f64,
    /// Seconds before the first retry of a failed mail; each later retry waits twice as long.
    #[serde(default = "SmtpConfig::default_retry")]
    pub retry_seconds: f64,
    /// Attempts before a mail is given up (kept in the jobs table with its last error).
    #[serde(default = "SmtpConfig::default_attempts")]
    pub max_attempts: u32,
}

impl SmtpConfig {
    fn default_timeout() -> f64 {
        30.0
    }

    fn default_retry() -> f64 {
        60.0
    }

    fn default_attempts() -> u32 {
        8
    }

    /// The port in effect.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            SmtpSecurity::None => 25,
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
        })
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.host.trim().is_empty() || self.host.chars().any(|c| c.is_whitespace() || c == '/') {
            return Err(ConfigError(format!("smtp.host {:?} must be a host name", self.host)));
        }
        self.from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| ConfigError(format!("smtp.from {:?} is not a valid sender address: {e}", self.from)))?;
        if self.username.is_some() != self.password.is_some() {
            return Err(ConfigError("smtp.username and smtp.password go together: give both or neither".into()));
        }
        let positive = |what: &str, v: f64| {
            if v.is_finite() && v > 0.0 { Ok(()) } else { Err(ConfigError(format!("smtp.{what} must be above 0"))) }
        };
        positive("timeout_seconds", self.timeout_seconds)?;
        positive("retry_seconds", self.retry_seconds)?;
        if self.max_attempts == 0 {
            return Err(ConfigError("smtp.max_attempts must be at least 1".into()));
        }
        Ok(())
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            database_url: None,
            database_read_url: None,
            site_url: None,
            theme: "default".into(),
            demo: true,
            log_format: "auto".into(),
            page_cache_entries: 4096,
            shutdown_grace_seconds: 20,
            metrics: false,
            smtp: None,
            auth: crate::identity::AuthConfig::default(),
            media: quire_media::MediaConfig::default(),
        }
    }
}

/// A configuration that could not be read or does not make sense; the message is one line.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// Overrides given on the command line (only the ones present are applied).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ConfigOverrides {
    /// `--bind`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<SocketAddr>,
    /// `--data-dir`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// `--database-url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// `--site-url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_url: Option<String>,
    /// `--no-demo` sets this to false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demo: Option<bool>,
}

const ENV_KEYS: &[&str] = &[
    "bind",
    "data_dir",
    "database_url",
    "database_read_url",
    "site_url",
    "theme",
    "demo",
    "log_format",
    "page_cache_entries",
    "shutdown_grace_seconds",
    "metrics",
];

/// Keys of `[smtp]` also read from `QUIRE_SMTP_*` (so the password need not sit in a file).
const SMTP_ENV_KEYS: &[&str] =
    &["host", "port", "security", "username", "password", "from", "timeout_seconds", "retry_seconds", "max_attempts"];

/// Keys of `[media]` also read from `QUIRE_MEDIA_*` (so the S3 secret need not sit in a file).
const MEDIA_ENV_KEYS: &[&str] = &[
    "store",
    "bucket",
    "endpoint",
    "region",
    "access_key_id",
    "secret_access_key",
    "prefix",
    "max_upload_mb",
    "max_megapixels",
];

impl Config {
    /// Loads the configuration from every source. `config_file` is `--config`; without it,
    /// `<data_dir>/quire.toml` is read when it exists.
    pub fn load(config_file: Option<&Path>, overrides: &ConfigOverrides) -> Result<Config, ConfigError> {
        let env = || Env::prefixed("QUIRE_").only(ENV_KEYS);
        let smtp_env = || Env::prefixed("QUIRE_SMTP_").only(SMTP_ENV_KEYS).map(|k| format!("smtp.{k}").into());
        let media_env = || Env::prefixed("QUIRE_MEDIA_").only(MEDIA_ENV_KEYS).map(|k| format!("media.{k}").into());
        // The data dir decides where quire.toml lives, so find it first from the stronger sources.
        let early: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(env())
            .merge(smtp_env())
            .merge(media_env())
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(|e| ConfigError(one_line(&e)))?;
        let file = match config_file {
            Some(path) if !path.is_file() => {
                return Err(ConfigError(format!("config file {} does not exist", path.display())));
            }
            Some(path) => Some(path.to_path_buf()),
            None => Some(early.data_dir.join("quire.toml")).filter(|p| p.is_file()),
        };
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = &file {
            figment = figment.merge(Toml::file_exact(file));
        }
        let config: Config = figment
            .merge(env())
            .merge(smtp_env())
            .merge(media_env())
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(|e| ConfigError(one_line(&e)))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.site_url {
            let parsed = url::Url::parse(url).map_err(|e| ConfigError(format!("site_url {url:?}: {e}")))?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
                return Err(ConfigError(format!("site_url {url:?} must be an http(s) URL with a host")));
            }
        }
        if let Some(db) = &self.database_url {
            let known = ["sqlite:", "postgres://", "postgresql://"];
            if !known.iter().any(|p| db.starts_with(p)) {
                return Err(ConfigError(format!("database_url {db:?} must start with sqlite:// or postgres://")));
            }
        }
        if let Some(read) = &self.database_read_url {
            let is_pg = |u: &str| u.starts_with("postgres://") || u.starts_with("postgresql://");
            if !is_pg(read) || !self.database_url.as_deref().is_some_and(is_pg) {
                return Err(ConfigError(format!(
                    "database_read_url {read:?}: a read replica needs PostgreSQL for both database_url and database_read_url"
                )));
            }
        }
        if !matches!(self.log_format.as_str(), "auto" | "json" | "pretty") {
            return Err(ConfigError(format!("log_format {:?} must be auto, json or pretty", self.log_format)));
        }
        if self.theme.is_empty() || !self.theme.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(ConfigError(format!("theme {:?} must be a plain directory name", self.theme)));
        }
        if let Some(smtp) = &self.smtp {
            smtp.validate()?;
        }
        self.auth.validate().map_err(ConfigError)?;
        self.media.validate().map_err(ConfigError)?;
        Ok(())
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("quire.db").display()))
    }

    /// The public base URL without a trailing slash.
    pub fn site_url(&self) -> String {
        let url = self.site_url.clone().unwrap_or_else(|| format!("http://{}", self.bind));
        url.trim_end_matches('/').to_string()
    }

    /// Where uploaded and demo media files are stored.
    pub fn media_dir(&self) -> PathBuf {
        self.data_dir.join("media")
    }

    /// Where a site owner's theme overrides live.
    pub fn theme_dir(&self) -> PathBuf {
        self.data_dir.join("themes").join(&self.theme)
    }

    /// The configuration as TOML, for `quire serve --print-config`.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        let value = serde_json::to_value(self).unwrap_or_default();
        let Some(map) = value.as_object() else { return out };
        let mut tables = Vec::new();
        for (k, v) in map {
            match v {
                serde_json::Value::Null => {}
                // `[auth]` is printed by its own code, last, which never shows secrets.
                serde_json::Value::Object(_) if k == "auth" => {}
                serde_json::Value::Object(table) => tables.push((k, table)),
                _ => out.push_str(&format!("{k} = {v}\n")),
            }
        }
        for (name, table) in tables {
            out.push_str(&format!("\n[{name}]\n"));
            for (k, v) in table {
                // Secrets are never printed; say only that one is set.
                if k == "password" || k == "secret_access_key" {
                    out.push_str(&format!("# {k} is set (not shown)\n"));
                } else if !v.is_null() {
                    out.push_str(&format!("{k} = {v}\n"));
                }
            }
        }
        out.push_str(&self.auth.to_toml());
        out
    }
}

fn one_line(e: &figment::Error) -> String {
    e.to_string().replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_in_the_file_are_refused_with_their_name() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("quire.toml");
        std::fs::write(&file, "bnd = \"127.0.0.1:1\"\n")?;
        let err = Config::load(Some(&file), &ConfigOverrides::default()).err().map(|e| e.to_string());
        assert!(err.as_deref().is_some_and(|e| e.contains("bnd")), "{err:?}");
        Ok(())
    }

    #[test]
    fn flags_beat_the_file() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("quire.toml");
        std::fs::write(&file, "theme = \"ink\"\nsite_url = \"https://a.example\"\n")?;
        let overrides = ConfigOverrides { site_url: Some("https://b.example/".into()), ..Default::default() };
        let config = Config::load(Some(&file), &overrides)?;
        assert_eq!(config.theme, "ink");
        assert_eq!(config.site_url(), "https://b.example");
        Ok(())
    }

    #[test]
    fn metrics_are_off_unless_the_file_turns_them_on() -> Result<(), Box<dyn std::error::Error>> {
        assert!(!Config::default().metrics);
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("quire.toml");
        std::fs::write(&file, "metrics = true\n")?;
        assert!(Config::load(Some(&file), &ConfigOverrides::default())?.metrics);
        Ok(())
    }

    #[test]
    fn nonsense_values_are_refused() {
        let overrides = ConfigOverrides { database_url: Some("mysql://x".into()), ..Default::default() };
        assert!(Config::load(None, &overrides).is_err());
    }

    #[test]
    fn an_smtp_table_is_read_with_defaults_after_its_security() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("quire.toml");
        std::fs::write(
            &file,
            "[smtp]\nhost = \"mail.example.org\"\nsecurity = \"tls\"\nusername = \"u\"\npassword = \"p4ss\"\n\
             from = \"Quire <noreply@example.org>\"\n",
        )?;
        let config = Config::load(Some(&file), &ConfigOverrides::default())?;
        let smtp = config.smtp.as_ref().ok_or("no smtp")?;
        assert_eq!((smtp.port(), smtp.security, smtp.max_attempts), (465, SmtpSecurity::Tls, 8));
        let printed = config.to_toml();
        assert!(printed.contains("[smtp]") && printed.contains("host = \"mail.example.org\""), "{printed}");
        assert!(!printed.contains("p4ss"), "the password is never printed: {printed}");
        Ok(())
    }

    #[test]
    fn a_media_table_chooses_s3_and_its_secret_is_never_printed() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("quire.toml");
        std::fs::write(
            &file,
            "[media]\nstore = \"s3\"\nbucket = \"quire\"\nendpoint = \"http://127.0.0.1:9000\"\n\
             secret_access_key = \"s3cr3t\"\nmax_upload_mb = 5\n",
        )?;
        let config = Config::load(Some(&file), &ConfigOverrides::default())?;
        assert_eq!(config.media.store, quire_media::StoreKind::S3);
        assert_eq!(config.media.limits().max_bytes, 5 * 1024 * 1024);
        let printed = config.to_toml();
        assert!(printed.contains("[media]") && printed.contains("bucket = \"quire\""), "{printed}");
        assert!(!printed.contains("s3cr3t"), "the secret is never printed: {printed}");
        std::fs::write(&file, "[media]\nstore = \"s3\"\n")?;
        let err = Config::load(Some(&file), &ConfigOverrides::default()).err().map(|e| e.to_string());
        assert!(err.as_deref().is_some_and(|e| e.contains("media.bucket")), "{err:?}");
        Ok(())
    }

    #[test]
    fn a_bad_sender_address_is_refused_in_one_line() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("quire.toml");
        std::fs::write(&file, "[smtp]\nhost = \"mail.example.org\"\nfrom = \"Quire <not an address>\"\n")?;
        let err = Config::load(Some(&file), &ConfigOverrides::default()).err().map(|e| e.to_string());
        assert!(err.as_deref().is_some_and(|e| e.contains("smtp.from") && !e.contains('\n')), "{err:?}");
        std::fs::write(&file, "[smtp]\nhost = \"mail.example.org\"\nfrom = \"a@b.org\"\nsecurity = \"ssl\"\n")?;
        assert!(Config::load(Some(&file), &ConfigOverrides::default()).is_err(), "unknown security");
        Ok(())
    }
}
