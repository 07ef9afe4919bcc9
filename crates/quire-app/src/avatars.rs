//! Commenters' avatars. By default an identicon drawn by this site from a keyed hash of the
//! commenter's email (or name), so nothing about a reader leaves the site; Gravatar only when the
//! writer turns it on, since it sends a hash of every commenter's email to gravatar.com.

use sha2::{Digest, Sha256};

use crate::comments::Signer;
use crate::{App, SiteSettings};

/// Longest identicon seed the avatar route accepts (a base64url keyed hash is 24 characters).
pub const MAX_SEED_LEN: usize = 64;

/// Makes avatar URLs for commenters under the site's setting.
pub struct Avatars<'a> {
    gravatar: bool,
    signer: &'a Signer,
}

impl Avatars<'_> {
    /// The avatar of a commenter known by `email` (preferred, as names are not unique) or `name`.
    pub fn url(&self, email: Option<&str>, name: &str) -> String {
        let email = email.map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty());
        match email {
            Some(email) if self.gravatar => {
                let digest = Sha256::digest(email.as_bytes());
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                format!("https://gravatar.com/avatar/{hex}?s=80&d=identicon")
            }
            Some(email) => format!("/avatars/{}.svg", self.signer.hash(&format!("avatar:email:{email}"))),
            None => format!("/avatars/{}.svg", self.signer.hash(&format!("avatar:name:{}", name.trim()))),
        }
    }
}

/// Whether `seed` is something the avatar route may draw (base64url characters, bounded).
pub fn is_valid_seed(seed: &str) -> bool {
    !seed.is_empty()
        && seed.len() <= MAX_SEED_LEN
        && seed.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl App {
    /// Avatar URLs under `settings`.
    pub fn avatars<'a>(&'a self, settings: &SiteSettings) -> Avatars<'a> {
        Avatars { gravatar: settings.gravatar, signer: &self.keys().hashing }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_base64url_and_bounded() {
        assert!(is_valid_seed("aB3_-x"));
        for bad in ["", "../x", "a.b", "a b", &"a".repeat(MAX_SEED_LEN + 1)] {
            assert!(!is_valid_seed(bad), "{bad}");
        }
    }
}
