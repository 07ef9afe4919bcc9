//! Staff accounts: creation with an argon2id password hash and a unique author slug.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use quire_core::{Email, Role, User};
use quire_store::NewUser;
use rand::Rng;

use crate::{App, Error};

/// Shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Longest password accepted (hashing cost must stay bounded).
pub const MAX_PASSWORD_LEN: usize = 1024;

/// A staff account to create, as typed by a person.
pub struct NewAccount {
    /// Sign-in address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Password; `None` generates one.
    pub password: Option<String>,
}

/// Hashes a password with argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, Error> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::Invalid(format!("cannot hash password: {e}")))
}

/// [`hash_password`] on a blocking thread: argon2id is deliberately slow and must not stall the
/// async workers.
pub async fn hash_password_off_thread(password: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| Error::Invalid(format!("cannot hash password: {e}")))?
}

/// Whether `password` matches the argon2 PHC string `hash` (false for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default().verify_password(password.as_bytes(), hash).is_ok()
}

/// A random password of 20 characters from an unambiguous alphabet (about 115 bits).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20).map(|_| ALPHABET.get(rng.random_range(0..ALPHABET.len())).copied().unwrap_or(b'x') as char).collect()
}

/// Refuses a password outside the accepted lengths, saying how long it is.
pub fn check_password(password: &str) -> Result<(), Error> {
    let length = password.chars().count();
    if !(MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&length) {
        return Err(Error::Invalid(format!(
            "the password must be {MIN_PASSWORD_LEN} to {MAX_PASSWORD_LEN} characters (it has {length})"
        )));
    }
    Ok(())
}

impl App {
    /// Creates a staff account; returns it and the generated password when none was given.
    pub async fn add_user(&self, account: NewAccount) -> Result<(User, Option<String>), Error> {
        let (new_user, generated) = self.prepare_account(account).await?;
        let user = self.store().create_user(&new_user).await?;
        Ok((user, generated))
    }

    /// Checks an account as typed and turns it into one to store (password hashed, slug free);
    /// returns the generated password when none was given.
    pub(crate) async fn prepare_account(&self, account: NewAccount) -> Result<(NewUser, Option<String>), Error> {
        let email = Email::parse(&account.email).map_err(|e| Error::Invalid(e.0))?;
        let name = account.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::Invalid("the name must be 1 to 100 characters".into()));
        }
        if self.store().user_by_email(email.as_str()).await?.is_some() {
            return Err(Error::Conflict(format!("the email {email}")));
        }
        let (password, generated) = match account.password {
            Some(p) => (p, None),
            None => {
                let p = generate_password();
                (p.clone(), Some(p))
            }
        };
        check_password(&password)?;
        let slug = self.free_author_slug(&name).await?;
        let password_hash = Some(hash_password_off_thread(password).await?);
        Ok((NewUser { email, name, slug, role: account.role, password_hash, bio: None }, generated))
    }

    /// An author slug made from `name` that no account uses yet.
    pub(crate) async fn free_author_slug(&self, name: &str) -> Result<String, Error> {
        let base = Some(quire_core::slug::slugify(name)).filter(|s| !s.is_empty()).unwrap_or_else(|| "author".into());
        let mut candidate = base.clone();
        let mut n = 2;
        while self.store().user_by_slug(&candidate).await?.is_some() {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        Ok(candidate)
    }
}
