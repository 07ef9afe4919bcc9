//! A commenter's website: an `http://` or `https://` address with a host, nothing else. A typed
//! domain without a scheme (`example.org/about`) is taken to mean `https://`; `javascript:`,
//! `data:` and every other scheme are refused, since the address becomes a link on the page.

use serde::Serialize;

use super::CommentPolicy;
use super::submission::{Field, FieldError, echo, grouped};

/// A checked website address, safe to put in an `href`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Website(String);

impl Website {
    /// Checks a typed address; empty input means "no website". The scheme is lowercased and
    /// `https://` is put in front of a bare domain.
    pub fn parse(input: &str, policy: &CommentPolicy) -> Result<Option<Website>, FieldError> {
        let typed = input.trim();
        let error = |message: String| Err(FieldError::new(Field::Url, message));
        if typed.is_empty() {
            return Ok(None);
        }
        let length = typed.chars().count();
        if length > policy.max_url_chars {
            return error(format!(
                "The website address is {} characters long; the limit is {}.",
                grouped(length),
                grouped(policy.max_url_chars)
            ));
        }
        if typed.chars().any(char::is_whitespace) {
            return error("The website address can't contain spaces.".into());
        }
        if typed.chars().any(|c| c.is_control() || matches!(c, '<' | '>' | '"' | '\\' | '`')) {
            return error("The website address contains characters that aren't allowed in a web address.".into());
        }
        let url = match split_scheme(typed) {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") => {
                format!("{}:{rest}", scheme.to_ascii_lowercase())
            }
            Some(_) => return error("The website must be an http:// or https:// address.".into()),
            None if looks_like_domain(typed) => format!("https://{typed}"),
            None => return error(format!("“{}” doesn't look like a website address.", echo(typed))),
        };
        // The host comes right after `scheme://`, not after some later `://` in the text.
        let authority = url
            .split_once(':')
            .and_then(|(_, rest)| rest.strip_prefix("//"))
            .map(|after| after.split(['/', '?', '#']).next().unwrap_or_default())
            .unwrap_or_default();
        if authority.contains('@') {
            return error("The website address can't include a user name or password.".into());
        }
        if !valid_authority(authority) {
            return error("The website address needs a host name, like https://example.org.".into());
        }
        Ok(Some(Website(url)))
    }

    /// The address, beginning with `http://` or `https://`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Website {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Splits `scheme:rest` when the text before the first colon is a URI scheme (RFC 3986 §3.1) and
/// the colon is not a port separator (`example.org:8080/x`).
fn split_scheme(text: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let is_scheme = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme {
        return None;
    }
    let port = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let is_port = !rest.starts_with("//") && !port.is_empty() && port.chars().all(|c| c.is_ascii_digit());
    if is_port { None } else { Some((scheme, rest)) }
}

/// A scheme-less address whose host has a dot, such as `example.org/about`.
fn looks_like_domain(text: &str) -> bool {
    let authority = text.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once(':').map_or(authority, |(host, _)| host);
    host.contains('.') && valid_authority(authority)
}

/// `host` or `host:port`, the host a name (letters of any script, digits, `-`, `.`) or a bracketed
/// IPv6 address.
fn valid_authority(authority: &str) -> bool {
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((addr, after)) if addr.parse::<std::net::Ipv6Addr>().is_ok() => {
                return after.is_empty() || after.strip_prefix(':').is_some_and(valid_port);
            }
            _ => return false,
        },
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let host_ok = !host.is_empty()
        && !host.starts_with(['.', '-'])
        && !host.contains("..")
        && host.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    host_ok && port.is_none_or(valid_port)
}

fn valid_port(port: &str) -> bool {
    !port.is_empty() && port.len() <= 5 && port.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn parsed(typed: &str) -> Result<Option<String>, String> {
        Website::parse(typed, &CommentPolicy::default())
            .map(|w| w.map(|w| w.as_str().to_owned()))
            .map_err(|e| e.message)
    }

    #[test]
    fn an_empty_website_is_no_website() {
        assert_eq!(parsed("   "), Ok(None));
    }

    #[test]
    fn http_and_https_addresses_are_kept_with_a_lowercased_scheme() {
        assert_eq!(parsed(" https://example.org/about?x=1#top "), Ok(Some("https://example.org/about?x=1#top".into())));
        assert_eq!(parsed("HTTP://Example.org"), Ok(Some("http://Example.org".into())));
        assert_eq!(parsed("https://example.org:8443/"), Ok(Some("https://example.org:8443/".into())));
        assert_eq!(parsed("http://[2001:db8::1]:8080/"), Ok(Some("http://[2001:db8::1]:8080/".into())));
        assert_eq!(parsed("https://bücher.example/"), Ok(Some("https://bücher.example/".into())));
    }

    #[test]
    fn the_host_is_what_follows_the_scheme() {
        // Found by fuzzing (fuzz/regressions/comment_form/): the host was looked for after the
        // first `://` anywhere, so this passed with `spam.example` as its "host".
        assert!(parsed("https:%https://spam.example").is_err());
        assert!(parsed("http:x@y://spam.example").is_err());
    }

    #[test]
    fn a_bare_domain_is_taken_to_mean_https() {
        assert_eq!(parsed("example.org/x"), Ok(Some("https://example.org/x".into())));
        assert_eq!(parsed("www.example.org"), Ok(Some("https://www.example.org".into())));
        assert_eq!(parsed("example.org:8080/x"), Ok(Some("https://example.org:8080/x".into())));
    }

    #[test]
    fn script_data_and_other_schemes_are_refused() {
        for typed in [
            "javascript:alert(1)",
            "JavaScript://%0aalert(1)",
            "data:text/html,<b>",
            "ftp://example.org/",
            "mailto:ruth@x.org",
        ] {
            let expected = if typed.contains('<') {
                "The website address contains characters that aren't allowed in a web address."
            } else {
                "The website must be an http:// or https:// address."
            };
            assert_eq!(parsed(typed), Err(expected.into()), "{typed}");
        }
        assert_eq!(parsed("data:text/plain,hello"), Err("The website must be an http:// or https:// address.".into()));
    }

    #[test]
    fn an_address_with_spaces_is_refused() {
        assert_eq!(parsed("https://example.org/my page"), Err("The website address can't contain spaces.".into()));
    }

    #[test]
    fn an_address_without_a_host_is_refused() {
        for typed in ["https://", "http:///path", "https:example.org", "https://.example.org", "https://ex ample"] {
            assert!(parsed(typed).is_err(), "{typed}");
        }
        assert_eq!(
            parsed("https:///x"),
            Err("The website address needs a host name, like https://example.org.".into())
        );
    }

    #[test]
    fn an_address_with_a_user_name_is_refused() {
        assert_eq!(
            parsed("https://bank.example@evil.example/"),
            Err("The website address can't include a user name or password.".into())
        );
    }

    #[test]
    fn a_word_that_is_not_an_address_is_quoted_back() {
        assert_eq!(parsed("my blog"), Err("The website address can't contain spaces.".into()));
        assert_eq!(parsed("myblog"), Err("“myblog” doesn't look like a website address.".into()));
        assert_eq!(parsed("localhost:8080"), Err("“localhost:8080” doesn't look like a website address.".into()));
    }

    #[test]
    fn a_long_address_is_told_its_length_and_the_limit() {
        let typed = format!("https://example.org/{}", "a".repeat(300));
        assert_eq!(parsed(&typed), Err("The website address is 320 characters long; the limit is 300.".into()));
    }

    #[test]
    fn markup_characters_are_refused() {
        assert_eq!(
            parsed("https://example.org/\"onmouseover=\"x"),
            Err("The website address contains characters that aren't allowed in a web address.".into())
        );
    }

    proptest! {
        #[test]
        fn every_accepted_website_is_an_http_address_with_a_host(
            typed in prop_oneof![any::<String>(), "(https?|HTTPS|javascript|data|ftp)?:?(//)?[a-z0-9.:/@?#%\\[\\]-]{0,24}"],
        ) {
            if let Ok(Some(website)) = Website::parse(&typed, &CommentPolicy::default()) {
                let url = website.as_str();
                let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
                prop_assert!(rest.is_some_and(|r| !r.is_empty() && !r.starts_with(['/', '?', '#', ':'])), "{url}");
                prop_assert!(!url.chars().any(|c| c.is_whitespace() || c.is_control()), "{url}");
            }
        }
    }
}
