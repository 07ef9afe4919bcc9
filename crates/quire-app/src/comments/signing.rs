//! Signed tokens the site hands to browsers: the comment form's time-stamped token and the guest
//! cookie. HMAC-SHA256 with keys the site makes for itself on first start; nothing here is secret
//! from the reader, it only cannot be forged or altered.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::OffsetDateTime;

type HmacSha256 = Hmac<Sha256>;

/// A keyed signer for one purpose.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl Signer {
    /// A signer with `key` (at least 32 random bytes).
    pub fn new(key: Vec<u8>) -> Signer {
        Signer { key }
    }

    fn mac(&self, data: &[u8]) -> Vec<u8> {
        match HmacSha256::new_from_slice(&self.key) {
            Ok(mut mac) => {
                mac.update(data);
                mac.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    }

    /// `payload.signature`, both base64url.
    pub fn sign(&self, payload: &[u8]) -> String {
        format!("{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(self.mac(payload)))
    }

    /// The payload of a token this signer made, or `None` for anything else.
    pub fn verify(&self, token: &str) -> Option<Vec<u8>> {
        let (payload, signature) = token.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut mac = HmacSha256::new_from_slice(&self.key).ok()?;
        mac.update(&payload);
        mac.verify_slice(&signature).ok()?;
        Some(payload)
    }

    /// A keyed hash of `value` (IP addresses, guest ids): stable, not reversible without the key.
    pub fn hash(&self, value: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(value.as_bytes()).get(..18).unwrap_or_default())
    }
}

/// 32 random bytes, for a new key.
pub fn random_key() -> Vec<u8> {
    let mut key = vec![0u8; 32];
    rand::rng().fill(&mut key[..]);
    key
}

/// What the comment form's token says: for which post, and when the form was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormToken {
    /// The post the form belongs to.
    pub post: i64,
    /// Unix seconds when the form was served.
    pub issued: i64,
}

impl FormToken {
    /// A token for `post` served at `now`.
    pub fn issue(signer: &Signer, post: i64, now: OffsetDateTime) -> String {
        let token = FormToken { post, issued: now.unix_timestamp() };
        signer.sign(&serde_json::to_vec(&token).unwrap_or_default())
    }

    /// The token's claims, if it is genuine.
    pub fn read(signer: &Signer, token: &str) -> Option<FormToken> {
        serde_json::from_slice(&signer.verify(token.trim())?).ok()
    }

    /// When the form was served.
    pub fn issued_at(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.issued).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// What the edit and delete forms of a guest's own comment carry, besides the cookie: for which
/// comment and which browser they were served, so another site cannot make the browser send them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditToken {
    /// The comment the form changes.
    pub edit: i64,
    /// A keyed tag of the guest id the form was served to (never the id itself).
    pub guest: String,
    /// Unix seconds when the form was served.
    pub issued: i64,
}

impl EditToken {
    /// A token for changing `comment`, served to the browser tagged `guest` at `now`.
    pub fn issue(signer: &Signer, comment: i64, guest: &str, now: OffsetDateTime) -> String {
        let token = EditToken { edit: comment, guest: guest.to_string(), issued: now.unix_timestamp() };
        signer.sign(&serde_json::to_vec(&token).unwrap_or_default())
    }

    /// The token's claims, if it is genuine.
    pub fn read(signer: &Signer, token: &str) -> Option<EditToken> {
        serde_json::from_slice(&signer.verify(token.trim())?).ok()
    }
}

/// What the guest cookie holds: a random id (so a guest sees their own pending comments and may
/// edit them for a while) and, only with the reader's consent, their name, email and website.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestCookie {
    /// Random id of this browser.
    pub id: String,
    /// Remembered name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Remembered email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Remembered website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl GuestCookie {
    /// A new guest with a fresh random id.
    pub fn fresh() -> GuestCookie {
        let id: [u8; 16] = rand::rng().random();
        GuestCookie { id: URL_SAFE_NO_PAD.encode(id), ..Default::default() }
    }

    /// The cookie value.
    pub fn seal(&self, signer: &Signer) -> String {
        signer.sign(&serde_json::to_vec(self).unwrap_or_default())
    }

    /// The guest named by a cookie value, if it is genuine.
    pub fn open(signer: &Signer, value: &str) -> Option<GuestCookie> {
        serde_json::from_slice::<GuestCookie>(&signer.verify(value)?).ok().filter(|g| !g.id.is_empty())
    }

    /// Whether the reader asked to be remembered.
    pub fn remembers(&self) -> bool {
        self.name.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_forgeries_are_refused() {
        let signer = Signer::new(random_key());
        let token = FormToken::issue(&signer, 7, OffsetDateTime::now_utc());
        assert_eq!(FormToken::read(&signer, &token).map(|t| t.post), Some(7));
        let other = Signer::new(random_key());
        assert_eq!(FormToken::read(&other, &token), None, "another key's token");
        let (payload, _) = token.split_once('.').unwrap_or_default();
        let forged = format!("{payload}.AAAA");
        assert_eq!(FormToken::read(&signer, &forged), None);
        let altered = token.replacen('e', "f", 1);
        assert!(altered == token || FormToken::read(&signer, &altered).is_none());
        assert_eq!(FormToken::read(&signer, "garbage"), None);
    }

    #[test]
    fn edit_tokens_and_form_tokens_cannot_stand_in_for_each_other() {
        let signer = Signer::new(random_key());
        let now = OffsetDateTime::now_utc();
        let edit = EditToken::issue(&signer, 7, "tag", now);
        assert_eq!(EditToken::read(&signer, &edit).map(|t| (t.edit, t.guest)), Some((7, "tag".to_string())));
        assert_eq!(FormToken::read(&signer, &edit), None);
        assert_eq!(EditToken::read(&signer, &FormToken::issue(&signer, 7, now)), None);
    }

    #[test]
    fn guest_cookies_keep_what_was_consented_to() {
        let signer = Signer::new(random_key());
        let mut guest = GuestCookie::fresh();
        assert!(!guest.remembers());
        guest.name = Some("Ruth".into());
        let sealed = guest.seal(&signer);
        assert_eq!(GuestCookie::open(&signer, &sealed), Some(guest));
        assert_eq!(GuestCookie::open(&signer, &sealed.replace('.', ".x")), None);
    }
}
