//! The checks a comment form's token exists for, as pure logic over a token already verified
//! (signing and verifying it is the web layer's): a person takes a few seconds to write, a form
//! left open for days must be sent again, and the field hidden from people stays empty.

use time::{Duration, OffsetDateTime};

use super::{CommentPolicy, RejectReason};

/// Why a form's timing is not accepted; `Display` tells the commenter, whose text is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimingError {
    /// Sent sooner after the form was served than a person could have written anything.
    #[error("That was quick — please wait {wait_seconds} more {} and send again.", seconds_word(.wait_seconds))]
    TooFast {
        /// Whole seconds until the form may be sent, rounded up.
        wait_seconds: u32,
    },
    /// The form was served longer ago than `max_form_age_seconds`.
    #[error("This form was open too long; your text is kept below, please send it again.")]
    Expired,
}

fn seconds_word(n: &u32) -> &'static str {
    if *n == 1 { "second" } else { "seconds" }
}

/// Accepts a form sent between `min_fill_seconds` and `max_form_age_seconds` (both inclusive)
/// after it was issued.
pub fn check_timing(issued_at: OffsetDateTime, now: OffsetDateTime, policy: &CommentPolicy) -> Result<(), TimingError> {
    let elapsed = now - issued_at;
    let remaining = Duration::seconds(i64::from(policy.min_fill_seconds)) - elapsed;
    if remaining.is_positive() {
        let whole = remaining.whole_seconds() + i64::from(remaining.subsec_nanoseconds() > 0);
        return Err(TimingError::TooFast { wait_seconds: u32::try_from(whole).unwrap_or(u32::MAX) });
    }
    if elapsed > Duration::seconds(i64::from(policy.max_form_age_seconds)) {
        return Err(TimingError::Expired);
    }
    Ok(())
}

/// Refuses a form whose honeypot — a field hidden from people, which form-filling programs fill
/// in — holds anything but whitespace.
pub fn check_honeypot(value: &str) -> Result<(), RejectReason> {
    if value.trim().is_empty() { Ok(()) } else { Err(RejectReason::Honeypot) }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const ISSUED: OffsetDateTime = datetime!(2026-05-01 12:00 UTC);

    fn after(seconds: f64) -> OffsetDateTime {
        ISSUED + Duration::seconds_f64(seconds)
    }

    #[test]
    fn a_form_sent_after_a_person_could_write_is_accepted() {
        let policy = CommentPolicy::default();
        assert_eq!(check_timing(ISSUED, after(3.0), &policy), Ok(()));
        assert_eq!(check_timing(ISSUED, after(600.0), &policy), Ok(()));
    }

    #[test]
    fn a_form_sent_too_fast_says_how_long_to_wait_rounded_up() {
        let policy = CommentPolicy::default();
        assert_eq!(check_timing(ISSUED, after(0.5), &policy), Err(TimingError::TooFast { wait_seconds: 3 }));
        assert_eq!(check_timing(ISSUED, after(2.0), &policy), Err(TimingError::TooFast { wait_seconds: 1 }));
    }

    #[test]
    fn a_token_from_the_future_of_a_skewed_clock_is_too_fast_not_a_panic() {
        let policy = CommentPolicy::default();
        assert_eq!(check_timing(after(10.0), ISSUED, &policy), Err(TimingError::TooFast { wait_seconds: 13 }));
    }

    #[test]
    fn a_form_open_longer_than_the_limit_has_expired() {
        let policy = CommentPolicy::default();
        assert_eq!(check_timing(ISSUED, after(172_800.0), &policy), Ok(()));
        assert_eq!(check_timing(ISSUED, after(172_801.0), &policy), Err(TimingError::Expired));
    }

    #[test]
    fn timing_messages_speak_to_the_commenter() {
        assert_eq!(
            TimingError::TooFast { wait_seconds: 2 }.to_string(),
            "That was quick — please wait 2 more seconds and send again."
        );
        assert_eq!(
            TimingError::TooFast { wait_seconds: 1 }.to_string(),
            "That was quick — please wait 1 more second and send again."
        );
        assert_eq!(
            TimingError::Expired.to_string(),
            "This form was open too long; your text is kept below, please send it again."
        );
    }

    #[test]
    fn an_empty_honeypot_passes_and_a_filled_one_is_refused() {
        assert_eq!(check_honeypot(""), Ok(()));
        assert_eq!(check_honeypot(" \n"), Ok(()));
        assert_eq!(check_honeypot("https://spam.example"), Err(RejectReason::Honeypot));
    }
}
