//! Lists of words, email addresses and IP networks that a site owner does not want to hear from.
//! A policy holds two: one whose matches wait for a moderator and one whose matches are refused.
//! Matching follows WordPress's "disallowed comment keys", so imported lists mean what they meant.

use serde::{Deserialize, Serialize};

use super::{IpNetwork, Submission};

/// Words, addresses and networks to watch for; blank entries are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Blocklist {
    /// Matched case-insensitively *anywhere* (as substrings, like WordPress) in the comment, the
    /// name, the email address, the website and the user agent: `press` also catches `WordPress`.
    pub words: Vec<String>,
    /// `ruth@example.org` matches that address (case-insensitively); `@example.org` matches every
    /// address at that domain and its subdomains.
    pub emails: Vec<String>,
    /// Addresses or networks the comment may not come from.
    pub networks: Vec<IpNetwork>,
}

/// The entry of a [`Blocklist`] that a comment matched, for the moderator and the refusal message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockMatch {
    /// A listed word, as listed.
    Word(String),
    /// A listed address or `@domain`, as listed.
    Email(String),
    /// A listed network holding the comment's address.
    Network(IpNetwork),
}

impl std::fmt::Display for BlockMatch {
    /// Names the entry for a moderator: "the word “casino”".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlockMatch::Word(word) => write!(f, "the word “{word}”"),
            BlockMatch::Email(entry) => write!(f, "the email entry “{entry}”"),
            BlockMatch::Network(network) => write!(f, "the network {network}"),
        }
    }
}

impl Blocklist {
    /// Whether nothing is listed, so a settings page can say "none".
    pub fn is_empty(&self) -> bool {
        self.words.iter().chain(&self.emails).all(|entry| entry.trim().is_empty()) && self.networks.is_empty()
    }

    /// The first entry the submission matches — networks, then emails, then words — if any.
    pub fn matches(&self, submission: &Submission<'_>) -> Option<BlockMatch> {
        if let Some(ip) = submission.ip
            && let Some(network) = self.networks.iter().find(|n| n.contains(ip))
        {
            return Some(BlockMatch::Network(*network));
        }
        if let Some(email) = submission.email
            && let Some(entry) = self.emails.iter().find(|entry| email_matches(entry, email))
        {
            return Some(BlockMatch::Email(entry.trim().to_owned()));
        }
        let haystacks: Vec<String> =
            [Some(submission.body), Some(submission.name), submission.email, submission.url, submission.user_agent]
                .into_iter()
                .flatten()
                .map(str::to_lowercase)
                .collect();
        self.words
            .iter()
            .map(|word| word.trim())
            .filter(|word| !word.is_empty())
            .find(|word| {
                let word = word.to_lowercase();
                haystacks.iter().any(|haystack| haystack.contains(&word))
            })
            .map(|word| BlockMatch::Word(word.to_owned()))
    }
}

fn email_matches(entry: &str, email: &str) -> bool {
    let entry = entry.trim().to_lowercase();
    let email = email.to_lowercase();
    match entry.strip_prefix('@') {
        Some("") => false,
        Some(domain) => email
            .rsplit_once('@')
            .is_some_and(|(_, at)| at == domain || at.strip_suffix(domain).is_some_and(|sub| sub.ends_with('.'))),
        None => !entry.is_empty() && entry == email,
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;
    use crate::ParseError;

    fn submission<'a>(body: &'a str, email: &'a str, ip: Option<IpAddr>) -> Submission<'a> {
        Submission { body, name: "Ruth", email: Some(email), url: None, ip, user_agent: Some("Mozilla/5.0") }
    }

    fn words(list: &[&str]) -> Blocklist {
        Blocklist { words: list.iter().map(|w| w.to_string()).collect(), ..Blocklist::default() }
    }

    fn emails(list: &[&str]) -> Blocklist {
        Blocklist { emails: list.iter().map(|w| w.to_string()).collect(), ..Blocklist::default() }
    }

    #[test]
    fn a_listed_word_in_the_comment_matches_whatever_its_case() {
        let found = words(&["Casino"]).matches(&submission("Visit my CASINO", "ruth@x.org", None));
        assert_eq!(found, Some(BlockMatch::Word("Casino".into())));
    }

    #[test]
    fn a_listed_word_matches_inside_longer_words_as_in_wordpress() {
        assert!(words(&["press"]).matches(&submission("I moved from WordPress", "ruth@x.org", None)).is_some());
    }

    #[test]
    fn a_listed_word_in_the_name_website_email_or_user_agent_matches() {
        let list = words(&["pills"]);
        let base = submission("Hello", "ruth@x.org", None);
        assert!(list.matches(&Submission { name: "Cheap Pills", ..base }).is_some());
        assert!(list.matches(&Submission { url: Some("https://pills.example"), ..base }).is_some());
        assert!(list.matches(&Submission { email: Some("pills@x.org"), ..base }).is_some());
        assert!(list.matches(&Submission { user_agent: Some("PillsBot/1.0"), ..base }).is_some());
        assert_eq!(list.matches(&base), None);
    }

    #[test]
    fn blank_entries_match_nothing() {
        let blank = Blocklist { words: vec!["  ".into(), "".into()], emails: vec!["".into()], networks: vec![] };
        assert!(blank.is_empty());
        assert_eq!(blank.matches(&submission("Hello", "ruth@x.org", None)), None);
        assert_eq!(emails(&["@", " "]).matches(&submission("Hello", "ruth@x.org", None)), None);
    }

    #[test]
    fn a_listed_email_matches_that_address_in_any_case_and_no_other() {
        let list = emails(&[" Spammer@Example.org "]);
        assert_eq!(
            list.matches(&submission("Hi", "spammer@example.ORG", None)),
            Some(BlockMatch::Email("Spammer@Example.org".into()))
        );
        assert_eq!(list.matches(&submission("Hi", "ruth@example.org", None)), None);
        assert_eq!(list.matches(&submission("Hi", "xspammer@example.org", None)), None);
    }

    #[test]
    fn an_at_domain_entry_matches_every_address_at_the_domain_and_its_subdomains() {
        let list = emails(&["@spam.example"]);
        for email in ["a@spam.example", "b@SPAM.example", "c@mail.spam.example"] {
            assert!(list.matches(&submission("Hi", email, None)).is_some(), "{email}");
        }
        for email in ["a@notspam.example", "a@spam.example.org", "spam.example@x.org"] {
            assert_eq!(list.matches(&submission("Hi", email, None)), None, "{email}");
        }
    }

    #[test]
    fn an_address_inside_a_listed_network_matches() -> Result<(), ParseError> {
        let network: IpNetwork = "203.0.113.0/24".parse()?;
        let list = Blocklist { networks: vec![network], ..Blocklist::default() };
        let inside = "::ffff:203.0.113.9".parse().ok();
        let outside = "198.51.100.9".parse().ok();
        assert_eq!(list.matches(&submission("Hi", "ruth@x.org", inside)), Some(BlockMatch::Network(network)));
        assert_eq!(list.matches(&submission("Hi", "ruth@x.org", outside)), None);
        assert_eq!(list.matches(&submission("Hi", "ruth@x.org", None)), None);
        Ok(())
    }

    #[test]
    fn a_match_names_its_entry_for_the_moderator() -> Result<(), ParseError> {
        assert_eq!(BlockMatch::Word("casino".into()).to_string(), "the word “casino”");
        assert_eq!(BlockMatch::Network("2001:db8::/32".parse()?).to_string(), "the network 2001:db8::/32");
        Ok(())
    }
}
