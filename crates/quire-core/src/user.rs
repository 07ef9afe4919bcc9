//! Staff accounts, their roles and email addresses.

use serde::Serialize;
use time::OffsetDateTime;

use crate::post::string_enum;
use crate::{ParseError, UserId};

string_enum!(
    /// What a staff account may do, from most to least.
    Role {
        /// Everything, including settings and users.
        Admin => "admin",
        /// All content and comments.
        Editor => "editor",
        /// Own posts, publishing, uploads.
        Author => "author",
        /// Own drafts; cannot publish.
        Contributor => "contributor",
    }
);

/// A staff account.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// Sign-in address (unique, case-insensitive).
    pub email: Email,
    /// Display name.
    pub name: String,
    /// Slug of the author archive `/author/{slug}/`.
    pub slug: String,
    /// What the account may do.
    pub role: Role,
    /// Short biography shown on the author archive.
    pub bio: Option<String>,
    /// Created.
    pub created_at: OffsetDateTime,
}

impl User {
    /// Path of the author archive.
    pub fn path(&self) -> String {
        format!("/author/{}/", self.slug)
    }
}

/// A syntactically plausible email address, trimmed and with a lowercased domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Longest address accepted (RFC 5321's path limit).
    pub const MAX_LEN: usize = 254;

    /// Parses an address; rejects what cannot be delivered to, with a message a person understands.
    pub fn parse(input: &str) -> Result<Email, ParseError> {
        let s = input.trim();
        let bad = || ParseError(format!("{s:?} is not a valid email address"));
        if s.is_empty() || s.len() > Self::MAX_LEN || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if local.is_empty() || local.len() > 64 || local.contains('@') || !domain_ok {
            return Err(bad());
        }
        Ok(Email(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_addresses_parse_and_domains_are_lowercased() {
        assert_eq!(Email::parse(" Ruth@Hailsham.Example ").map(|e| e.to_string()), Ok("Ruth@hailsham.example".into()));
    }

    #[test]
    fn implausible_addresses_are_refused() {
        for bad in ["", "ruth", "@x.org", "ruth@", "ruth@localhost", "a b@x.org", "ruth@x..org", "ruth@.x.org"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
        }
        assert!("owner".parse::<Role>().is_err());
    }
}
