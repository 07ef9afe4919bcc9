//! Site settings: what the writer changes in the admin (title, permalink pattern, …), stored in
//! the database as JSON values and read with defaults for anything never set.

use quire_core::PermalinkPattern;
use quire_core::policy::CommentPolicy;
use quire_store::{Store, StoreError};
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
    /// How many failed sign-ins an account and an address may have before they must wait.
    pub sign_in_rate: SignInRate,
    /// Show Gravatar images for commenters (sends a hash of their email to gravatar.com); off by
    /// default: avatars are identicons made here.
    pub gravatar: bool,
}

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            title: "Quire".into(),
            tagline: "Writing, and the conversation under it".into(),
            language: "en".into(),
            permalink: PermalinkPattern::DEFAULT.into(),
            posts_per_page: 10,
            feed_items: 20,
            comment_policy: CommentPolicy::default(),
            gravatar: false,
            comment_rate: CommentRate::default(),
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
