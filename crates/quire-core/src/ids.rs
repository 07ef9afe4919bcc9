//! Newtype ids so that a post id never goes where a comment id is wanted.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .map($name)
                    .ok_or_else(|| crate::ParseError(format!("{s:?} is not a valid id")))
            }
        }
    };
}

id_type!(
    /// Identifies a post or a page.
    PostId
);
id_type!(
    /// Identifies a reader's comment.
    CommentId
);
id_type!(
    /// Identifies a staff account.
    UserId
);
id_type!(
    /// Identifies a category or a tag.
    TermId
);
id_type!(
    /// Identifies an item of the media library.
    MediaId
);
