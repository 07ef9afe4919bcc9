//! URL slugs: lowercase ASCII words joined by hyphens.

/// Longest slug Quire makes or accepts.
pub const MAX_SLUG_LEN: usize = 200;

/// Makes a slug from a title or a name ("Kazuo Ishiguro’s ‘Never Let Me Go’" → "kazuo-ishiguros-never-let-me-go").
pub fn slugify(text: &str) -> String {
    // Apostrophes join words rather than splitting them ("Ishiguro’s" → "ishiguros").
    let joined: String = text.chars().filter(|c| !matches!(c, '\'' | '’' | '‘')).collect();
    let mut slug = slug::slugify(joined);
    if slug.len() > MAX_SLUG_LEN {
        let cut = slug.char_indices().map(|(i, _)| i).take_while(|i| *i <= MAX_SLUG_LEN).last().unwrap_or(0);
        slug.truncate(cut);
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    slug
}

/// Whether `s` is already a valid slug (what `slugify` could produce, non-empty).
pub fn is_valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_SLUG_LEN
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_readable_slugs() {
        assert_eq!(
            slugify("Why you should read Kazuo Ishiguro’s ‘Never Let Me Go’"),
            "why-you-should-read-kazuo-ishiguros-never-let-me-go"
        );
        assert!(is_valid_slug(&slugify("Ünïcödé — title!")));
    }

    #[test]
    fn long_titles_are_cut_without_a_trailing_hyphen() {
        let slug = slugify(&"word ".repeat(100));
        assert!(slug.len() <= MAX_SLUG_LEN && is_valid_slug(&slug));
    }
}
