//! Comment policy: the site owner's settings and the pure rules that apply them to one comment.
//! No I/O and no clock: what the store knows and the current time come in as arguments.
//!
//! A comment submission goes through, in order: [`check_honeypot`] and [`check_timing`] on the
//! verified form token, [`GuestDraft::parse`] (or [`CommentBody::parse`] for signed-in readers),
//! a duplicate look-up by [`fingerprint`], and [`judge`] for the [`Verdict`].

mod blocklist;
mod decision;
mod duplicate;
mod form_token;
mod links;
mod network;
mod settings;
mod submission;
mod website;

pub use blocklist::{BlockMatch, Blocklist};
pub use decision::{Commenter, HoldReason, JudgeContext, RejectReason, Verdict, closed_reason, judge};
pub use duplicate::fingerprint;
pub use form_token::{TimingError, check_honeypot, check_timing};
pub use links::count_links;
pub use network::IpNetwork;
pub use settings::CommentPolicy;
pub use submission::{CommentBody, Field, FieldError, GuestDraft, RawCommentForm, Submission};
pub use website::Website;
