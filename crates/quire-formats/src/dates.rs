//! Dates as WordPress and Ghost write them, read into UTC.

use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// `2008-10-17 04:33:51` (WordPress's `*_gmt` fields are UTC; the local ones have no zone and are
/// read as UTC too, the best guess without the site's time zone). `0000-00-00 00:00:00` means none.
pub fn wordpress(text: Option<&str>) -> Option<OffsetDateTime> {
    let text = text?.trim();
    if text.is_empty() || text.starts_with("0000") {
        return None;
    }
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    PrimitiveDateTime::parse(text, format).ok().map(PrimitiveDateTime::assume_utc)
}

/// `Tue, 27 Jan 2015 14:56:57 +0000`, with its offset applied.
pub fn rfc2822(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc2822).ok().map(|t| t.to_offset(time::UtcOffset::UTC))
}

/// `2021-03-04T05:06:07.000Z` or with an offset (Ghost), in UTC.
pub fn rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).ok().map(|t| t.to_offset(time::UtcOffset::UTC))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_applied_and_empty_dates_are_none() {
        let at = rfc2822("Fri, 05 Sep 2008 21:39:12 +0200");
        assert_eq!(at, wordpress(Some("2008-09-05 19:39:12")));
        assert_eq!(wordpress(Some("0000-00-00 00:00:00")), None);
        assert_eq!(wordpress(Some("yesterday")), None);
        assert!(rfc3339("2021-03-04T05:06:07.000Z").is_some());
    }
}
