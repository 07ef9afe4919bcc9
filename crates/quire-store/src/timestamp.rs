//! Timestamps as stored on SQLite: UTC text with six fraction digits, so that text order is time
//! order and indexes on them work.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use crate::StoreError;

/// Formats a time as stored.
pub(crate) fn to_db(at: OffsetDateTime) -> String {
    let utc = at.to_offset(UtcOffset::UTC);
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    utc.format(&format).unwrap_or_else(|_| utc.unix_timestamp().to_string())
}

/// Reads a stored time back.
pub(crate) fn from_db(text: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| StoreError::Corrupt(format!("timestamp {text:?}: {e}")))
}

/// Reads an optional stored time back.
pub(crate) fn opt_from_db(text: Option<&str>) -> Result<Option<OffsetDateTime>, StoreError> {
    text.map(from_db).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn stored_times_round_trip_and_sort_as_text() {
        let a = datetime!(2020-01-01 09:00:00.5 +02:00);
        let b = datetime!(2020-01-01 08:00:00.25 UTC);
        assert_eq!(from_db(&to_db(a)).ok(), Some(a));
        assert!(a < b && to_db(a) < to_db(b), "text order must follow time order across offsets");
    }
}
