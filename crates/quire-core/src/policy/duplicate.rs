//! Recognising the same comment sent twice to one post (a double click, a resent form, a spam
//! run): a stable fingerprint of the post and the text, indifferent to case and spacing, that the
//! store can index and look up.

use crate::PostId;

/// 16 hex digits naming `body` on `post`; equal for texts that differ only in letter case or
/// whitespace, different (barring a 64-bit collision) for other texts or other posts. Stable across
/// builds and platforms (FNV-1a), so stored fingerprints stay valid.
pub fn fingerprint(post: PostId, body: &str) -> String {
    let normalised = body.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ");
    format!("{:016x}", fnv1a_64(format!("{post}\n{normalised}").as_bytes()))
}

fn fnv1a_64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_with_other_spacing_and_case_has_the_same_fingerprint() {
        let first = fingerprint(PostId(7), "Madame was crying.\n\nShe held Kathy's tape.");
        let again = fingerprint(PostId(7), "  madame WAS crying.  She held\tkathy's tape.\r\n");
        assert_eq!(first, again);
    }

    #[test]
    fn the_same_text_on_another_post_has_another_fingerprint() {
        assert_ne!(fingerprint(PostId(7), "Lovely."), fingerprint(PostId(8), "Lovely."));
    }

    #[test]
    fn different_texts_have_different_fingerprints() {
        assert_ne!(fingerprint(PostId(7), "Lovely."), fingerprint(PostId(7), "Lovely!"));
    }

    #[test]
    fn the_fingerprint_is_sixteen_hex_digits_and_stable_across_builds() {
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        let print = fingerprint(PostId(1), "x");
        assert!(print.len() == 16 && print.chars().all(|c| c.is_ascii_hexdigit()), "{print}");
    }
}
