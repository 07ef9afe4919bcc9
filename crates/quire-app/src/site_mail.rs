//! The SMTP server as the admin's settings set it. Stored under the `smtp` setting (apart from
//! [`SiteSettings`](crate::SiteSettings), so that `quire settings show` and the pages never print
//! the password); when set, it is used instead of `quire.toml`'s `[smtp]` table, and every
//! instance picks a change up with the content version, without a restart.

use std::sync::Arc;

use quire_store::{Store, StoreError};

use crate::config::{SmtpConfig, SmtpSecurity};
use crate::mail::Mailer;
use crate::{App, Error};

/// The setting key the admin's SMTP server is stored under.
pub const SMTP_KEY: &str = "smtp";

/// The SMTP form as typed; an empty password keeps the stored one, an empty host turns the
/// admin's SMTP settings off (back to `quire.toml`, if it has any).
#[derive(Debug, Clone, Default)]
pub struct SmtpForm {
    /// Server host name.
    pub host: String,
    /// Port, empty for the default of `security`.
    pub port: String,
    /// `none`, `starttls` or `tls`.
    pub security: String,
    /// SMTP AUTH user name.
    pub username: String,
    /// SMTP AUTH password; empty keeps the stored one.
    pub password: String,
    /// Sender, e.g. `Quire <noreply@example.org>`.
    pub from: String,
}

/// The SMTP settings as the admin page shows them: everything but the password.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SmtpView {
    /// Server host name.
    pub host: String,
    /// Port, empty for the default.
    pub port: String,
    /// `none`, `starttls` or `tls`.
    pub security: String,
    /// SMTP AUTH user name.
    pub username: String,
    /// Sender.
    pub from: String,
    /// Whether a password is stored (it is never shown).
    pub password_set: bool,
    /// Whether mail currently goes through `quire.toml`'s `[smtp]` table instead.
    pub from_file: bool,
}

/// The SMTP server stored by the admin, if any.
pub(crate) async fn stored_smtp(store: &Store) -> Result<Option<SmtpConfig>, StoreError> {
    let value = store.settings().await?.into_iter().find(|(k, _)| k == SMTP_KEY).map(|(_, v)| v);
    Ok(value.and_then(|v| match serde_json::from_value::<Option<SmtpConfig>>(v) {
        Ok(config) => config,
        Err(e) => {
            tracing::warn!(error = %e, "the stored SMTP settings are invalid; ignoring them");
            None
        }
    }))
}

/// The mailer in effect: the admin's SMTP server when set, else `quire.toml`'s.
pub(crate) async fn mailer_for(file: Option<&SmtpConfig>, store: &Store) -> Result<Option<Arc<Mailer>>, Error> {
    let stored = stored_smtp(store).await?;
    match stored.as_ref().or(file) {
        Some(config) => match Mailer::new(config) {
            Ok(mailer) => Ok(Some(Arc::new(mailer))),
            // A file table that does not work stops start-up (checked there); a stored one must not.
            Err(e) if stored.is_some() => {
                tracing::warn!(error = %e, "the stored SMTP settings do not work; using quire.toml's");
                Ok(file.map(Mailer::new).transpose()?.map(Arc::new))
            }
            Err(e) => Err(e),
        },
        None => Ok(None),
    }
}

impl App {
    /// The SMTP settings for the admin page (never the password).
    pub async fn smtp_view(&self) -> Result<SmtpView, Error> {
        let stored = stored_smtp(self.store()).await?;
        let from_file = stored.is_none() && self.config().smtp.is_some();
        Ok(match stored {
            Some(c) => SmtpView {
                host: c.host,
                port: c.port.map(|p| p.to_string()).unwrap_or_default(),
                security: security_name(c.security).into(),
                username: c.username.unwrap_or_default(),
                from: c.from,
                password_set: c.password.is_some(),
                from_file,
            },
            None => SmtpView { security: "starttls".into(), from_file, ..SmtpView::default() },
        })
    }

    /// Checks the SMTP form: the problems as (field, message), or the configuration to store
    /// (`None`: the admin's SMTP settings are off).
    pub async fn check_smtp(&self, form: &SmtpForm) -> Result<Option<SmtpConfig>, Vec<(String, String)>> {
        let host = form.host.trim();
        if host.is_empty() {
            return Ok(None);
        }
        let mut problems = Vec::new();
        let port = match form.port.trim() {
            "" => None,
            typed => match typed.parse::<u16>() {
                Ok(p) if p > 0 => Some(p),
                _ => {
                    problems.push(("smtp_port".into(), "The port must be a number from 1 to 65535.".into()));
                    None
                }
            },
        };
        let security = match form.security.trim() {
            "none" => SmtpSecurity::None,
            "tls" => SmtpSecurity::Tls,
            "starttls" | "" => SmtpSecurity::Starttls,
            _ => {
                problems.push(("smtp_security".into(), "Choose one of the offered kinds of security.".into()));
                SmtpSecurity::Starttls
            }
        };
        if host.chars().any(|c| c.is_whitespace() || c == '/') {
            problems.push(("smtp_host".into(), "The host must be a name such as smtp.example.org.".into()));
        }
        let from = form.from.trim();
        if from.parse::<lettre::message::Mailbox>().is_err() {
            problems.push((
                "smtp_from".into(),
                "The sender must be an address, such as Quire <noreply@example.org>.".into(),
            ));
        }
        let kept = match stored_smtp(self.store()).await {
            Ok(stored) => stored.and_then(|c| c.password),
            Err(e) => {
                tracing::error!(error = %e, "could not read the stored SMTP settings");
                None
            }
        };
        let password = if form.password.is_empty() { kept } else { Some(form.password.clone()) };
        let username = Some(form.username.trim().to_string()).filter(|u| !u.is_empty());
        let file = self.config().smtp.as_ref();
        let config = SmtpConfig {
            host: host.to_string(),
            port,
            security,
            password: password.filter(|_| username.is_some()),
            username,
            from: from.to_string(),
            timeout_seconds: file.map_or(30.0, |f| f.timeout_seconds),
            retry_seconds: file.map_or(60.0, |f| f.retry_seconds),
            max_attempts: file.map_or(8, |f| f.max_attempts),
        };
        if problems.is_empty()
            && let Err(e) = Mailer::new(&config)
        {
            problems.push(("smtp_host".into(), super::accounts::capitalise(&e.to_string())));
        }
        if problems.is_empty() { Ok(Some(config)) } else { Err(problems) }
    }

    /// Stores checked SMTP settings (see [`App::check_smtp`]) and starts using them.
    pub async fn store_smtp(&self, config: Option<SmtpConfig>) -> Result<(), Error> {
        let value = serde_json::to_value(&config).map_err(|e| Error::Invalid(e.to_string()))?;
        self.store().put_setting(SMTP_KEY, &value).await?;
        self.reload_mailer().await;
        self.refresh().await?;
        tracing::info!(on = config.is_some(), "SMTP settings changed in the admin");
        Ok(())
    }

    /// Rebuilds the mailer when the SMTP settings in effect (the stored ones, or `quire.toml`'s)
    /// differ from the ones it was made with; called whenever the content version moves.
    pub(crate) async fn reload_mailer(&self) {
        let stored = match stored_smtp(self.store()).await {
            Ok(stored) => stored,
            Err(e) => return tracing::warn!(error = %e, "could not read the SMTP settings; keeping the mailer in use"),
        };
        let wanted = stored.as_ref().or(self.config().smtp.as_ref());
        let same = |config: &SmtpConfig| serde_json::to_value(config).ok();
        let current = self.mailer().and_then(|m| same(m.config()));
        if wanted.and_then(same) == current {
            return;
        }
        match mailer_for(self.config().smtp.as_ref(), self.store()).await {
            Ok(mailer) => self.set_mailer(mailer),
            Err(e) => tracing::warn!(error = %e, "could not rebuild the mailer; keeping the one in use"),
        }
    }
}

fn security_name(security: SmtpSecurity) -> &'static str {
    match security {
        SmtpSecurity::None => "none",
        SmtpSecurity::Starttls => "starttls",
        SmtpSecurity::Tls => "tls",
    }
}
