//! Pages of a list: a window of rows and the total, counted by the database.

use super::ServiceResult;
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QuerySelect, Select};

/// The largest page a caller may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;
/// The page size when the caller names none.
pub const DEFAULT_PAGE_SIZE: u64 = 50;

/// Which rows of the ordered list to return, resolved from Relay's `first/after/last/before`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub after: Option<u64>,
    pub before: Option<u64>,
    pub first: Option<u64>,
    pub last: Option<u64>,
}

/// A page of rows, with what the connection needs to describe it.
pub struct Page<T> {
    pub rows: Vec<T>,
    /// Position of the first row in the whole list.
    pub offset: u64,
    pub total: u64,
    pub has_previous: bool,
    pub has_next: bool,
}

impl Window {
    /// The `[start, end)` range this window selects out of `total` rows.
    pub fn range(&self, total: u64) -> (u64, u64) {
        let mut start = self.after.map(|a| a + 1).unwrap_or(0).min(total);
        let mut end = self.before.unwrap_or(total).min(total).max(start);
        match (self.first, self.last) {
            (Some(first), _) => end = end.min(start + first),
            (None, Some(last)) => start = start.max(end.saturating_sub(last)),
            (None, None) => end = end.min(start + DEFAULT_PAGE_SIZE),
        }
        if let (Some(_), Some(last)) = (self.first, self.last) {
            start = start.max(end.saturating_sub(last));
        }
        (start, end)
    }
}

impl<T> Page<T> {
    /// The window of a list already read whole (a nested list loaded for a whole page of
    /// parents at once).
    pub fn of(rows: Vec<T>, window: Window) -> Self {
        let total = rows.len() as u64;
        let (start, end) = window.range(total);
        let rows = rows
            .into_iter()
            .skip(start as usize)
            .take((end - start) as usize)
            .collect();
        Page {
            rows,
            offset: start,
            total,
            has_previous: start > 0,
            has_next: end < total,
        }
    }
}

/// Runs `select` for one window: a COUNT and a LIMIT/OFFSET query.
pub async fn fetch<C, E, M>(db: &C, select: Select<E>, window: Window) -> ServiceResult<Page<M>>
where
    C: ConnectionTrait,
    E: EntityTrait<Model = M>,
    M: FromQueryResult + Sized + Send + Sync,
{
    let total = select.clone().count(db).await?;
    let (start, end) = window.range(total);
    let rows = if end > start {
        select.offset(start).limit(end - start).all(db).await?
    } else {
        Vec::new()
    };
    Ok(Page {
        rows,
        offset: start,
        total,
        has_previous: start > 0,
        has_next: end < total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(after: Option<u64>, before: Option<u64>, first: Option<u64>, last: Option<u64>) -> Window {
        Window {
            after,
            before,
            first,
            last,
        }
    }

    #[test]
    fn windows_follow_relay_semantics() {
        assert_eq!(w(None, None, Some(10), None).range(25), (0, 10));
        assert_eq!(w(Some(9), None, Some(10), None).range(25), (10, 20));
        assert_eq!(w(None, None, None, Some(5)).range(25), (20, 25));
        assert_eq!(w(None, Some(20), None, Some(5)).range(25), (15, 20));
        assert_eq!(w(Some(30), None, Some(10), None).range(25), (25, 25));
    }

    #[test]
    fn a_list_read_whole_pages_like_the_database() {
        let page = Page::of(
            (0..25).collect::<Vec<u64>>(),
            w(Some(9), None, Some(10), None),
        );
        assert_eq!(page.rows, (10..20).collect::<Vec<_>>());
        assert_eq!((page.offset, page.total), (10, 25));
        assert!(page.has_previous && page.has_next);
        let last = Page::of((0..25).collect::<Vec<u64>>(), w(None, None, None, Some(5)));
        assert_eq!(last.rows, (20..25).collect::<Vec<_>>());
        assert!(!last.has_next);
    }
}
