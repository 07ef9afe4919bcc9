//! Counters this process keeps about comments, written out in Prometheus's text format for
//! `/metrics`: comments taken by the status they were stored with, comments refused by reason,
//! and the spam checker's answers. One registry per [`App`](crate::App), not a global recorder, so
//! two sites in one process (as in tests) never count each other's comments. Labels are fixed
//! words, never anything a commenter typed.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use quire_core::CommentStatus;

/// Every reason a comment can be refused for, as counted (see `SubmitError::reason`).
pub const REFUSAL_REASONS: &[&str] = &[
    "validation",
    "token",
    "timing",
    "honeypot",
    "duplicate",
    "closed",
    "rate_limited",
    "blocklist",
    "spam_checker",
    "proof_of_work",
    "unknown_post",
    "bad_parent",
    "internal",
    "other",
];

/// What the spam checker answered, as counted.
pub const SPAM_CHECK_RESULTS: &[&str] = &["ham", "spam", "discard", "error"];

/// One counter per value of one label.
struct Family {
    name: &'static str,
    help: &'static str,
    label: &'static str,
    series: Vec<(&'static str, AtomicU64)>,
}

impl Family {
    fn new(name: &'static str, help: &'static str, label: &'static str, values: &[&'static str]) -> Family {
        Family { name, help, label, series: values.iter().map(|v| (*v, AtomicU64::new(0))).collect() }
    }

    fn counter(&self, value: &str) -> Option<&AtomicU64> {
        self.series.iter().find(|(v, _)| *v == value).map(|(_, c)| c)
    }

    /// Adds one under `value`, or under `other` for a value the family does not list.
    fn inc(&self, value: &str) {
        if let Some(counter) = self.counter(value).or_else(|| self.counter("other")) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn get(&self, value: &str) -> u64 {
        self.counter(value).map_or(0, |c| c.load(Ordering::Relaxed))
    }

    fn write(&self, out: &mut String) {
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} counter", self.name);
        for (value, counter) in &self.series {
            let _ = writeln!(out, "{}{{{}=\"{value}\"}} {}", self.name, self.label, counter.load(Ordering::Relaxed));
        }
    }
}

/// The counters of one site.
pub struct Metrics {
    accepted: Family,
    refused: Family,
    spam_checks: Family,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Every counter at zero (listed even at zero, so a dashboard sees the series from the start).
    pub fn new() -> Metrics {
        Metrics {
            accepted: Family::new(
                "quire_comments_accepted_total",
                "Comments stored, by the status they were stored with.",
                "status",
                &["approved", "pending", "spam"],
            ),
            refused: Family::new(
                "quire_comments_refused_total",
                "Comments refused, by reason.",
                "reason",
                REFUSAL_REASONS,
            ),
            spam_checks: Family::new(
                "quire_spam_checks_total",
                "Answers of the Akismet-compatible spam checker; errors hold the comment for moderation.",
                "result",
                SPAM_CHECK_RESULTS,
            ),
        }
    }

    /// Counts a comment stored with `status`.
    pub fn comment_accepted(&self, status: CommentStatus) {
        self.accepted.inc(status.as_str());
    }

    /// Counts a comment refused for `reason` (one of [`REFUSAL_REASONS`]).
    pub fn comment_refused(&self, reason: &str) {
        self.refused.inc(reason);
    }

    /// Counts an answer of the spam checker (one of [`SPAM_CHECK_RESULTS`]).
    pub fn spam_check(&self, result: &str) {
        self.spam_checks.inc(result);
    }

    /// Comments refused so far for `reason`.
    pub fn refused(&self, reason: &str) -> u64 {
        self.refused.get(reason)
    }

    /// Comments stored so far with `status`.
    pub fn accepted(&self, status: CommentStatus) -> u64 {
        self.accepted.get(status.as_str())
    }

    /// Every counter in the Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(2048);
        for family in [&self.accepted, &self.refused, &self.spam_checks] {
            family.write(&mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_land_under_their_label_and_unknown_reasons_under_other() {
        let metrics = Metrics::new();
        metrics.comment_refused("honeypot");
        metrics.comment_refused("honeypot");
        metrics.comment_refused("no-such-reason");
        metrics.comment_accepted(CommentStatus::Spam);
        assert_eq!(metrics.refused("honeypot"), 2);
        assert_eq!(metrics.refused("other"), 1);
        assert_eq!(metrics.accepted(CommentStatus::Spam), 1);
        let text = metrics.render();
        assert!(text.contains("quire_comments_refused_total{reason=\"honeypot\"} 2\n"), "{text}");
        assert!(text.contains("# TYPE quire_comments_accepted_total counter\n"), "{text}");
    }

    #[test]
    fn two_registries_do_not_share_counts() {
        let (a, b) = (Metrics::new(), Metrics::new());
        a.comment_refused("token");
        assert_eq!((a.refused("token"), b.refused("token")), (1, 0));
    }
}
