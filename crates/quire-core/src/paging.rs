//! Pagination of lists: one-based page numbers as readers see them in `/page/N/`.

use serde::Serialize;

/// Which slice of a list to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// One-based page number.
    pub number: u32,
    /// Items per page, at least 1.
    pub per_page: u32,
}

impl Page {
    /// The largest page size anything may ask for, so that a query string cannot ask for millions.
    pub const MAX_PER_PAGE: u32 = 200;

    /// A page, with number and size clamped into their valid ranges.
    pub fn new(number: u32, per_page: u32) -> Self {
        Page { number: number.max(1), per_page: per_page.clamp(1, Self::MAX_PER_PAGE) }
    }

    /// Rows to skip before this page.
    pub fn offset(&self) -> i64 {
        i64::from(self.number - 1) * i64::from(self.per_page)
    }

    /// Rows on this page.
    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }
}

/// One page of a list, with what is needed to link to its neighbours.
#[derive(Debug, Clone, Serialize)]
pub struct Paged<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Total items across all pages.
    pub total: u64,
    /// The page shown.
    pub number: u32,
    /// Items per page.
    pub per_page: u32,
}

impl<T> Paged<T> {
    /// Wraps a page of items.
    pub fn new(items: Vec<T>, total: u64, page: Page) -> Self {
        Paged { items, total, number: page.number, per_page: page.per_page }
    }

    /// Number of pages (at least 1, so an empty list still has a first page).
    pub fn total_pages(&self) -> u32 {
        let pages = self.total.div_ceil(u64::from(self.per_page.max(1)));
        u32::try_from(pages).unwrap_or(u32::MAX).max(1)
    }

    /// Whether this page lies beyond the last one (a 404 for a reader).
    pub fn is_past_end(&self) -> bool {
        self.number > self.total_pages()
    }

    /// Maps the items, keeping the paging facts.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            number: self.number,
            per_page: self.per_page,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_pages_rounds_up_and_never_reaches_zero() {
        assert_eq!(Paged::<u8>::new(vec![], 0, Page::new(1, 10)).total_pages(), 1);
        assert_eq!(Paged::<u8>::new(vec![], 10, Page::new(1, 10)).total_pages(), 1);
        assert_eq!(Paged::<u8>::new(vec![], 11, Page::new(1, 10)).total_pages(), 2);
    }

    #[test]
    fn page_numbers_and_sizes_are_clamped() {
        let page = Page::new(0, 100_000);
        assert_eq!(page.number, 1);
        assert_eq!(page.per_page, Page::MAX_PER_PAGE);
        assert_eq!(Page::new(3, 10).offset(), 20);
    }
}
