//! Permalink patterns in WordPress's notation (`/%year%/%monthnum%/%day%/%postname%/`), so that
//! imported sites keep their links: building a post's path and recognising one.

use time::Date;

/// A pattern that cannot serve as a permalink structure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PermalinkError {
    /// The pattern does not start and end with `/`.
    #[error("a permalink pattern must start and end with '/'")]
    Slashes,
    /// Neither `%postname%` nor `%post_id%` is present, so posts could not be told apart.
    #[error("a permalink pattern must contain %postname% or %post_id%")]
    NoIdentity,
    /// A `%token%` Quire does not know.
    #[error("unknown permalink token {0}; use %year%, %monthnum%, %day%, %postname% or %post_id%")]
    UnknownToken(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Year,
    Month,
    Day,
    Slug,
    Id,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Token(Token),
}

/// A parsed permalink structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermalinkPattern {
    source: String,
    segments: Vec<Segment>,
}

/// What a path that matched the pattern says about the post it names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermalinkMatch {
    /// `%year%`, if in the pattern.
    pub year: Option<i32>,
    /// `%monthnum%`, if in the pattern.
    pub month: Option<u8>,
    /// `%day%`, if in the pattern.
    pub day: Option<u8>,
    /// `%postname%`, if in the pattern.
    pub slug: Option<String>,
    /// `%post_id%`, if in the pattern.
    pub id: Option<i64>,
}

impl Default for PermalinkPattern {
    fn default() -> Self {
        Self::parse(Self::DEFAULT).unwrap_or_else(|_| PermalinkPattern { source: String::new(), segments: Vec::new() })
    }
}

impl PermalinkPattern {
    /// WordPress's "Day and name" structure, the default of WordPress.com sites.
    pub const DEFAULT: &'static str = "/%year%/%monthnum%/%day%/%postname%/";

    /// Parses and validates a pattern.
    pub fn parse(pattern: &str) -> Result<Self, PermalinkError> {
        if !pattern.starts_with('/') || !pattern.ends_with('/') || pattern.len() < 2 {
            return Err(PermalinkError::Slashes);
        }
        let mut segments = Vec::new();
        for part in pattern.trim_matches('/').split('/').filter(|p| !p.is_empty()) {
            let segment = if part.starts_with('%') && part.ends_with('%') && part.len() > 2 {
                Segment::Token(match part {
                    "%year%" => Token::Year,
                    "%monthnum%" => Token::Month,
                    "%day%" => Token::Day,
                    "%postname%" => Token::Slug,
                    "%post_id%" => Token::Id,
                    other => return Err(PermalinkError::UnknownToken(other.to_string())),
                })
            } else if part.contains('%') {
                return Err(PermalinkError::UnknownToken(part.to_string()));
            } else {
                Segment::Literal(part.to_string())
            };
            segments.push(segment);
        }
        let identifies = segments.iter().any(|s| matches!(s, Segment::Token(Token::Slug | Token::Id)));
        if !identifies {
            return Err(PermalinkError::NoIdentity);
        }
        Ok(PermalinkPattern { source: pattern.to_string(), segments })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The path of a post published on `date` (in the site's time zone).
    pub fn path_for(&self, slug: &str, id: i64, date: Date) -> String {
        let mut path = String::from("/");
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => path.push_str(text),
                Segment::Token(Token::Year) => path.push_str(&format!("{:04}", date.year())),
                Segment::Token(Token::Month) => path.push_str(&format!("{:02}", u8::from(date.month()))),
                Segment::Token(Token::Day) => path.push_str(&format!("{:02}", date.day())),
                Segment::Token(Token::Slug) => path.push_str(slug),
                Segment::Token(Token::Id) => path.push_str(&id.to_string()),
            }
            path.push('/');
        }
        path
    }

    /// Recognises a path (with or without its trailing slash) built by this pattern.
    pub fn match_path(&self, path: &str) -> Option<PermalinkMatch> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').filter(|p| !p.is_empty()).collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut found = PermalinkMatch::default();
        for (segment, part) in self.segments.iter().zip(parts) {
            let digits = |len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
            match segment {
                Segment::Literal(text) if text == part => {}
                Segment::Literal(_) => return None,
                Segment::Token(Token::Year) if digits(4) => found.year = part.parse().ok(),
                Segment::Token(Token::Month) if digits(2) => {
                    found.month = part.parse().ok().filter(|m| (1..=12).contains(m))
                }
                Segment::Token(Token::Day) if digits(2) => {
                    found.day = part.parse().ok().filter(|d| (1..=31).contains(d))
                }
                Segment::Token(Token::Slug) if crate::slug::is_valid_slug(part) => found.slug = Some(part.to_string()),
                Segment::Token(Token::Id) => found.id = Some(part.parse().ok().filter(|n: &i64| *n > 0)?),
                Segment::Token(_) => return None,
            }
        }
        let dates_valid = self.segments.iter().all(|s| match s {
            Segment::Token(Token::Year) => found.year.is_some(),
            Segment::Token(Token::Month) => found.month.is_some(),
            Segment::Token(Token::Day) => found.day.is_some(),
            _ => true,
        });
        dates_valid.then_some(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn default_pattern_builds_wordpress_style_paths() {
        let p = PermalinkPattern::default();
        assert_eq!(p.path_for("never-let-me-go", 1, date!(2020 - 01 - 01)), "/2020/01/01/never-let-me-go/");
    }

    #[test]
    fn paths_are_recognised_and_take_their_parts_apart() {
        let p = PermalinkPattern::default();
        let m = p.match_path("/2020/01/01/never-let-me-go/");
        assert_eq!(
            m,
            Some(PermalinkMatch {
                year: Some(2020),
                month: Some(1),
                day: Some(1),
                slug: Some("never-let-me-go".into()),
                id: None
            })
        );
        assert_eq!(p.match_path("/2020/13/01/x/"), None);
        assert_eq!(p.match_path("/2020/01/x/"), None);
        assert_eq!(p.match_path("/about/"), None);
    }

    #[test]
    fn custom_patterns_with_literals_and_ids_work() {
        let p = PermalinkPattern::parse("/archives/%post_id%/").map_err(|e| e.to_string());
        let Ok(p) = p else { panic!("pattern refused") };
        assert_eq!(p.path_for("x", 42, date!(2020 - 01 - 01)), "/archives/42/");
        assert_eq!(p.match_path("/archives/42/").and_then(|m| m.id), Some(42));
    }

    #[test]
    fn patterns_that_cannot_identify_a_post_are_refused() {
        assert_eq!(PermalinkPattern::parse("/%year%/"), Err(PermalinkError::NoIdentity));
        assert_eq!(PermalinkPattern::parse("%postname%"), Err(PermalinkError::Slashes));
        assert!(matches!(PermalinkPattern::parse("/%author%/%postname%/"), Err(PermalinkError::UnknownToken(_))));
    }
}
