//! Site settings: what the writer changes in the admin (title, permalink pattern, …), stored in
//! the database as JSON values and read with defaults for anything never set.

use quire_core::PermalinkPattern;
use quire_core::policy::CommentPolicy;
use quire_store::{Store, StoreError};

use crate::comments::spam_checker::SpamCheckerSettings;
use serde::{Deserialize, Serialize};

/// The settings that shape how the site reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SiteSettings {
    /// Site title, shown in the header, feeds and the document title.
    pub title: String,
    /// One-line description.
    pub tagline: String,
    /// BCP 47 language tag of the content (`<html lang>`).
    pub language: String,
    /// The site's time zone for dates shown to readers: `UTC`, an IANA name (`Europe/London`) or
    /// a fixed offset (`+02:00`).
    pub timezone: String,
    /// The theme: a directory under `<data-dir>/themes/`, or `default` (the embedded theme).
    /// Read when the server starts.
    pub theme: String,
    /// Permalink structure for posts, in WordPress's notation.
    pub permalink: String,
    /// Posts per page on the home page and archives.
    pub posts_per_page: u32,
    /// Items in feeds.
    pub feed_items: u32,
    /// How comments are validated and moderated.
    pub comment_policy: CommentPolicy,
    /// Comment rate limits (token buckets held in the database, so they bind every instance).
    pub comment_rate: CommentRate,
    /// Top-level comment threads per page under a post (WordPress's "break comments into pages");
    /// 0 shows every thread on one page.
    pub comment_threads_per_page: u32,
    /// How many failed sign-ins an account and an address may have before they must wait.
    pub sign_in_rate: SignInRate,
    /// Show Gravatar images for commenters (sends a hash of their email to gravatar.com); off by
    /// default: avatars are identicons made here.
    pub gravatar: bool,
    /// An Akismet-compatible service asked about comments the policy let through; off by default
    /// (it sends each comment, its writer's address and user agent to that service).
    pub spam_checker: SpamCheckerSettings,
}

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            title: "Quire".into(),
            tagline: "Writing, and the conversation under it".into(),
            language: "en".into(),
            timezone: "UTC".into(),
            theme: "default".into(),
            permalink: PermalinkPattern::DEFAULT.into(),
            posts_per_page: 10,
            feed_items: 20,
            comment_policy: CommentPolicy::default(),
            gravatar: false,
            comment_threads_per_page: 50,
            comment_rate: CommentRate::default(),
            spam_checker: SpamCheckerSettings::default(),
            sign_in_rate: SignInRate::default(),
        }
    }
}

/// How many comments one address and one network may post.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CommentRate {
    /// Burst allowed per IP address.
    pub per_ip: f64,
    /// Burst allowed per /24 (IPv4) or /64 (IPv6) network.
    pub per_subnet: f64,
    /// Seconds for a bucket to refill completely.
    pub seconds: f64,
}

impl Default for CommentRate {
    fn default() -> Self {
        CommentRate { per_ip: 5.0, per_subnet: 20.0, seconds: 300.0 }
    }
}

/// Failed sign-ins allowed before a wait, as token buckets held in the database (so they bind every
/// instance). Only failures spend tokens; a good sign-in refills its account's bucket.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SignInRate {
    /// Failures allowed per account (by the email typed, whether or not it exists).
    pub per_account: f64,
    /// Failures allowed per IP address (per /64 for IPv6), whatever accounts they tried.
    pub per_ip: f64,
    /// Seconds for a bucket to refill completely.
    pub seconds: f64,
}

impl Default for SignInRate {
    fn default() -> Self {
        SignInRate { per_account: 5.0, per_ip: 20.0, seconds: 900.0 }
    }
}

impl SiteSettings {
    /// Reads the stored settings over the defaults; a stored value of the wrong shape is ignored
    /// (and logged) rather than taking the site down.
    pub async fn load(store: &Store) -> Result<SiteSettings, StoreError> {
        let mut merged = serde_json::to_value(SiteSettings::default()).unwrap_or_default();
        if let Some(map) = merged.as_object_mut() {
            for (key, value) in store.settings().await? {
                if map.contains_key(&key) {
                    map.insert(key, value);
                }
            }
        }
        Ok(serde_json::from_value(merged.clone()).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "stored settings are invalid; using defaults");
            SiteSettings::default()
        }))
    }

    /// The permalink pattern, falling back to the default if the stored one is invalid.
    pub fn permalink_pattern(&self) -> PermalinkPattern {
        PermalinkPattern::parse(&self.permalink).unwrap_or_default()
    }
}

impl crate::App {
    /// Changes one site setting (checked, see [`SiteSettings::with`]); readers see it at once.
    pub async fn update_setting(&self, key: &str, value: serde_json::Value) -> Result<SiteSettings, crate::Error> {
        let (settings, stored) =
            self.settings().await.with(key, value).map_err(|e| crate::Error::Invalid(e.to_string()))?;
        self.store().put_setting(key, &stored).await?;
        self.refresh().await?;
        Ok(settings)
    }
}

/// Settings changes that passed every check, ready to store: (top-level key, whole new value).
#[derive(Debug, Clone, Default)]
pub struct CheckedSettings(Vec<(String, serde_json::Value)>);

impl crate::App {
    /// Checks several setting changes together: each is a dotted path (`title`,
    /// `comment_policy.max_depth`, `comment_policy.blocklist_hold.words`) and its new value,
    /// checked in turn with [`SiteSettings::with`] against the settings with the earlier good
    /// changes applied. Every refusal comes back as (path, message); nothing is stored here.
    pub async fn check_settings(
        &self,
        changes: &[(String, serde_json::Value)],
    ) -> Result<CheckedSettings, Vec<(String, String)>> {
        let mut settings = (*self.settings().await).clone();
        let mut stored: Vec<(String, serde_json::Value)> = Vec::new();
        let mut problems = Vec::new();
        for (path, value) in changes {
            let mut parts = path.split('.');
            let key = parts.next().unwrap_or_default();
            let fields: Vec<&str> = parts.collect();
            let change = fields.iter().rev().fold(value.clone(), |inner, field| {
                let mut object = serde_json::Map::new();
                object.insert((*field).to_string(), inner);
                serde_json::Value::Object(object)
            });
            match settings.with(key, change) {
                Ok((next, whole)) => {
                    settings = next;
                    stored.retain(|(k, _)| k != key);
                    stored.push((key.to_string(), whole));
                }
                Err(e) => problems.push((path.clone(), e.to_string())),
            }
        }
        if problems.is_empty() { Ok(CheckedSettings(stored)) } else { Err(problems) }
    }

    /// Stores settings that passed [`App::check_settings`]; readers see them at once.
    pub async fn store_settings(&self, checked: CheckedSettings) -> Result<(), crate::Error> {
        for (key, value) in &checked.0 {
            self.store().put_setting(key, value).await?;
        }
        self.refresh().await?;
        Ok(())
    }
}

/// A setting change that was refused; the message names the setting and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// No setting has that name.
    #[error("`{key}` is not a setting (known: {known})")]
    UnknownKey {
        /// The name given (dotted for nested ones).
        key: String,
        /// The names that exist at that level.
        known: String,
    },
    /// The value does not fit the setting.
    #[error("invalid value for `{key}`: {reason}")]
    InvalidValue {
        /// The setting.
        key: String,
        /// What is wrong.
        reason: String,
    },
}

impl SiteSettings {
    /// The settings with `key` changed to `value`, checked. An object value changes only the
    /// fields it names (`{"min_fill_seconds": 0}` keeps the rest of the comment policy).
    /// Returns the new settings and the whole new value of `key`, as it should be stored.
    pub fn with(
        &self,
        key: &str,
        value: serde_json::Value,
    ) -> Result<(SiteSettings, serde_json::Value), SettingsError> {
        let mut all = serde_json::to_value(self).unwrap_or_default();
        let map = all.as_object_mut().ok_or_else(|| invalid(key, "settings are not an object"))?;
        if !map.contains_key(key) {
            return Err(unknown(key, map));
        }
        let current = map.get_mut(key).ok_or_else(|| invalid(key, "missing"))?;
        merge_into(current, value, key)?;
        let stored = current.clone();
        let settings: SiteSettings = serde_json::from_value(all).map_err(|e| invalid(key, &e.to_string()))?;
        if PermalinkPattern::parse(&settings.permalink).is_err() {
            return Err(invalid(key, "the permalink pattern is not valid"));
        }
        if !(1..=200).contains(&settings.posts_per_page) || !(1..=200).contains(&settings.feed_items) {
            return Err(invalid(key, "posts per page and feed items must be between 1 and 200"));
        }
        if !is_time_zone(&settings.timezone) {
            return Err(invalid(
                key,
                "the time zone must be UTC, an IANA name such as Europe/London, or an offset such as +02:00",
            ));
        }
        if settings.theme.is_empty()
            || settings.theme.len() > 64
            || !settings.theme.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(invalid(key, "the theme must be the name of a theme directory"));
        }
        if settings.comment_threads_per_page > 200 {
            return Err(invalid(key, "comment threads per page must be between 0 (no pages) and 200"));
        }
        Ok((settings, stored))
    }
}

/// Whether `zone` looks like a time zone Quire can name: `UTC`/`GMT`, a fixed offset `±HH:MM`, or
/// an IANA name (`Area/Location`, letters, digits, `_`, `-`, `+`).
fn is_time_zone(zone: &str) -> bool {
    if matches!(zone, "UTC" | "GMT") {
        return true;
    }
    if let Some(rest) = zone.strip_prefix('+').or_else(|| zone.strip_prefix('-'))
        && let Some((h, m)) = rest.split_once(':')
    {
        let number = |s: &str, max: u32| s.len() == 2 && s.parse::<u32>().is_ok_and(|n| n <= max);
        return number(h, 14) && number(m, 59);
    }
    let parts: Vec<&str> = zone.split('/').collect();
    zone.len() <= 64
        && parts.len() >= 2
        && parts.iter().all(|p| {
            p.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        })
}

fn unknown(key: &str, map: &serde_json::Map<String, serde_json::Value>) -> SettingsError {
    SettingsError::UnknownKey { key: key.to_string(), known: map.keys().cloned().collect::<Vec<_>>().join(", ") }
}

fn invalid(key: &str, reason: &str) -> SettingsError {
    SettingsError::InvalidValue { key: key.to_string(), reason: reason.to_string() }
}

/// Writes `value` over `target`, field by field for objects, refusing fields `target` lacks.
fn merge_into(target: &mut serde_json::Value, value: serde_json::Value, key: &str) -> Result<(), SettingsError> {
    match (target.as_object_mut(), value) {
        (Some(fields), serde_json::Value::Object(changes)) => {
            for (name, change) in changes {
                let dotted = format!("{key}.{name}");
                if !fields.contains_key(&name) {
                    return Err(unknown(&dotted, fields));
                }
                let field = fields.get_mut(&name).ok_or_else(|| invalid(&dotted, "missing"))?;
                merge_into(field, change, &dotted)?;
            }
            Ok(())
        }
        (Some(_), other) => Err(invalid(key, &format!("expected an object of fields, got {other}"))),
        (None, value) => {
            *target = value;
            Ok(())
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn a_partial_object_changes_only_the_fields_it_names() {
        let (settings, stored) =
            SiteSettings::default().with("comment_policy", serde_json::json!({ "min_fill_seconds": 0 })).unwrap();
        assert_eq!(settings.comment_policy.min_fill_seconds, 0);
        assert_eq!(settings.comment_policy.max_depth, SiteSettings::default().comment_policy.max_depth);
        assert_eq!(stored["max_depth"], serde_json::json!(settings.comment_policy.max_depth));
    }

    #[test]
    fn unknown_names_and_wrong_types_are_refused_with_the_name() {
        let defaults = SiteSettings::default();
        let e = defaults.with("titel", serde_json::json!("x")).unwrap_err().to_string();
        assert!(e.contains("`titel` is not a setting") && e.contains("title"), "{e}");
        let e = defaults.with("comment_policy", serde_json::json!({ "max_dpeth": 3 })).unwrap_err().to_string();
        assert!(e.contains("comment_policy.max_dpeth"), "{e}");
        let e = defaults.with("posts_per_page", serde_json::json!("ten")).unwrap_err().to_string();
        assert!(e.contains("invalid value for `posts_per_page`"), "{e}");
        assert!(defaults.with("posts_per_page", serde_json::json!(0)).is_err());
        assert!(defaults.with("permalink", serde_json::json!("/%nonsense%/")).is_err());
    }

    #[test]
    fn time_zones_are_names_or_offsets() {
        let defaults = SiteSettings::default();
        for good in ["UTC", "Europe/London", "America/Argentina/Buenos_Aires", "+02:00", "-09:30"] {
            assert!(defaults.with("timezone", serde_json::json!(good)).is_ok(), "{good}");
        }
        for bad in ["", "london", "Mars/Olympus Mons", "+25:00", "2"] {
            assert!(defaults.with("timezone", serde_json::json!(bad)).is_err(), "{bad}");
        }
        assert!(defaults.with("theme", serde_json::json!("../etc")).is_err());
    }
}
