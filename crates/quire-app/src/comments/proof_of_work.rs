//! "Under attack" mode: a comment form must carry a nonce such that SHA-256(token ":" nonce)
//! begins with the policy's `proof_of_work_bits` zero bits. The challenge is the signed form token
//! itself, so a solution belongs to one form (one post, one moment); the theme's `pow.js` finds one
//! in the reader's browser, and a program sending thousands of comments pays for every one. Each
//! (token, nonce) pair is spent by the comment it brought in (see [`spent_key`]).

use sha2::{Digest, Sha256};

/// The most bits a site may ask for; beyond this a browser would work for hours.
pub const MAX_BITS: u32 = 32;

/// Longest nonce accepted; `pow.js` sends a short random prefix and a counter.
const MAX_NONCE_CHARS: usize = 64;

/// Why a form's proof of work is not accepted; `Display` tells the commenter, whose text is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProofOfWorkError {
    /// The form came without one: JavaScript is off, or a program sent it.
    #[error(
        "This site is under a spam attack just now, so the comment form needs JavaScript to prove it \
         was sent from a browser. Please turn JavaScript on and send again; your text is kept below."
    )]
    Missing,
    /// The nonce does not solve this form's challenge.
    #[error("The form's anti-spam check did not add up. Please send it again; your text is kept below.")]
    Wrong,
    /// This solution already brought in a comment.
    #[error("This form has already been used to send a comment. Please reload the page to send another.")]
    Reused,
}

/// The difficulty in effect for a policy value (capped at [`MAX_BITS`]); `0` means off.
pub fn effective_bits(policy_bits: u32) -> u32 {
    policy_bits.min(MAX_BITS)
}

/// How many zero bits `digest` begins with.
pub fn leading_zero_bits(digest: &[u8]) -> u32 {
    let mut bits = 0;
    for byte in digest {
        if *byte != 0 {
            return bits + byte.leading_zeros();
        }
        bits += 8;
    }
    bits
}

fn digest(challenge: &str, nonce: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(challenge.as_bytes());
    hasher.update(b":");
    hasher.update(nonce.as_bytes());
    hasher.finalize().into()
}

/// Accepts `nonce` when it solves `challenge` at `bits` (one hash: cheap enough to run before
/// anything else a submission costs). With `bits == 0` everything passes.
pub fn check(challenge: &str, nonce: &str, bits: u32) -> Result<(), ProofOfWorkError> {
    let bits = effective_bits(bits);
    if bits == 0 {
        return Ok(());
    }
    let nonce = nonce.trim();
    if nonce.is_empty() {
        return Err(ProofOfWorkError::Missing);
    }
    if nonce.chars().count() > MAX_NONCE_CHARS || leading_zero_bits(&digest(challenge.trim(), nonce)) < bits {
        return Err(ProofOfWorkError::Wrong);
    }
    Ok(())
}

/// Finds a nonce for `challenge` by counting from zero, as a browser would; for tests and tools
/// (expect 2^`bits` hashes).
pub fn solve(challenge: &str, bits: u32) -> String {
    let bits = effective_bits(bits);
    (0_u64..)
        .map(|n| n.to_string())
        .find(|nonce| leading_zero_bits(&digest(challenge.trim(), nonce)) >= bits)
        .unwrap_or_default()
}

/// The rate bucket that spends a solution: one token that takes [`SPENT_FOR_SECONDS`] to come
/// back, so a replayed (token, nonce) finds it empty. `hashed` is a keyed hash of "token:nonce".
pub fn spent_key(hashed: &str) -> String {
    format!("comment:pow:{hashed}")
}

/// How long a spent solution stays spent: far beyond any form's age, and long enough that the
/// wait the store reports for it cannot be mistaken for an address's rate limit.
pub const SPENT_FOR_SECONDS: f64 = 1e9;

/// A rate-limit wait at least this long comes from a spent solution's bucket, not an address's.
pub const SPENT_WAIT_FLOOR: u32 = 100_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_bits_are_counted_across_bytes() {
        assert_eq!(leading_zero_bits(&[0xff]), 0);
        assert_eq!(leading_zero_bits(&[0x00, 0x16, 0x87]), 11);
        assert_eq!(leading_zero_bits(&[0, 0]), 16);
    }

    #[test]
    fn a_known_solution_is_accepted_and_its_neighbours_are_not() {
        // sha256("tok.en:157") = 00168733…: 11 leading zero bits (checked with Python's hashlib).
        assert_eq!(check("tok.en", "157", 11), Ok(()));
        assert_eq!(check("tok.en", "157", 12), Err(ProofOfWorkError::Wrong));
        assert_eq!(check("tok.en", "156", 11), Err(ProofOfWorkError::Wrong));
        assert_eq!(solve("tok.en", 10), "157");
    }

    #[test]
    fn a_solution_belongs_to_its_challenge() {
        let nonce = solve("form-a", 12);
        assert_eq!(check("form-a", &nonce, 12), Ok(()));
        // 1 in 4096 that it also solves another; these two challenges are fixed, so this is stable.
        assert_eq!(check("form-b", &nonce, 12), Err(ProofOfWorkError::Wrong));
    }

    #[test]
    fn the_mode_off_takes_anything_and_on_it_needs_a_nonce() {
        assert_eq!(check("t", "", 0), Ok(()));
        assert_eq!(check("t", "  ", 8), Err(ProofOfWorkError::Missing));
        assert_eq!(check("t", &"9".repeat(65), 1), Err(ProofOfWorkError::Wrong));
    }

    #[test]
    fn absurd_difficulties_are_capped() {
        assert_eq!(effective_bits(1000), MAX_BITS);
        assert_eq!(effective_bits(18), 18);
    }
}
