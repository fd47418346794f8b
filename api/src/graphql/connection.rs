//! Relay cursor connections over the service's pages: `edges { cursor node } nodes pageInfo
//! totalCount`, with `first/after/last/before` and page sizes capped at 100.

use crate::service::books::{EntryPosition, LedgerPage, LedgerWindow};
use crate::service::page::{Page, Window, MAX_PAGE_SIZE};
use crate::service::recorded::{Recorded, RecordedPage, RecordedPosition, RecordedWindow};
use async_graphql::connection::{Connection, CursorType, Edge, EmptyFields};
use async_graphql::{OutputType, SimpleObject};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// A position in an ordered list, opaque to callers.
pub struct Cursor(pub u64);

impl CursorType for Cursor {
    type Error = &'static str;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bytes = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| "not a cursor from this API")?;
        let text = String::from_utf8(bytes).map_err(|_| "not a cursor from this API")?;
        text.strip_prefix("at:")
            .and_then(|n| n.parse().ok())
            .map(Cursor)
            .ok_or("not a cursor from this API")
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("at:{}", self.0))
    }
}

/// Fields a connection adds to Relay's.
#[derive(SimpleObject)]
pub struct ConnectionFields {
    /// How many rows match the filter, across all pages.
    pub total_count: u64,
}

pub type Conn<T> = Connection<Cursor, T, ConnectionFields, EmptyFields>;

/// Relay's paging arguments, checked.
pub fn window(
    after: Option<String>,
    before: Option<String>,
    first: Option<i32>,
    last: Option<i32>,
) -> async_graphql::Result<Window> {
    let size = |n: Option<i32>, name: &str| -> async_graphql::Result<Option<u64>> {
        match n {
            None => Ok(None),
            Some(n) if n < 0 => Err(super::errors::coded(
                &format!("`{name}` cannot be negative"),
                "BAD_USER_INPUT",
            )),
            Some(n) if n as u64 > MAX_PAGE_SIZE => Err(super::errors::coded(
                &format!(
                    "`{name}` is at most {MAX_PAGE_SIZE}: page through larger lists with cursors"
                ),
                "PAGE_SIZE_EXCEEDED",
            )),
            Some(n) => Ok(Some(n as u64)),
        }
    };
    let cursor = |c: Option<String>, name: &str| -> async_graphql::Result<Option<u64>> {
        c.map(|c| {
            Cursor::decode_cursor(&c)
                .map(|c| c.0)
                .map_err(|e| super::errors::coded(&format!("`{name}`: {e}"), "BAD_USER_INPUT"))
        })
        .transpose()
    };
    Ok(Window {
        after: cursor(after, "after")?,
        before: cursor(before, "before")?,
        first: size(first, "first")?,
        last: size(last, "last")?,
    })
}

/// Builds a connection from a page, wrapping each row.
pub fn connection<M, T: OutputType>(page: Page<M>, wrap: impl Fn(M) -> T) -> Conn<T> {
    let mut connection = Connection::with_additional_fields(
        page.has_previous,
        page.has_next,
        ConnectionFields {
            total_count: page.total,
        },
    );
    connection.edges.extend(
        page.rows
            .into_iter()
            .enumerate()
            .map(|(i, row)| Edge::new(Cursor(page.offset + i as u64), wrap(row))),
    );
    connection
}

/// A position in the ledger (value date, then entry), opaque to callers: it stays on its entry
/// whatever is recorded while a caller pages (see `service::books`).
pub struct EntryCursor(pub EntryPosition);

impl CursorType for EntryCursor {
    type Error = &'static str;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        const NOT_OURS: &str = "not a cursor of the ledger from this API";
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| NOT_OURS)?;
        let text = String::from_utf8(bytes).map_err(|_| NOT_OURS)?;
        let (date, id) = text
            .strip_prefix("entry:")
            .and_then(|rest| rest.split_once('/'))
            .ok_or(NOT_OURS)?;
        Ok(EntryCursor(EntryPosition {
            value_date: date.parse().map_err(|_| NOT_OURS)?,
            id: id.parse().map_err(|_| NOT_OURS)?,
        }))
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("entry:{}/{}", self.0.value_date, self.0.id))
    }
}

pub type EntryConn<T> = Connection<EntryCursor, T, ConnectionFields, EmptyFields>;

/// Relay's paging arguments for the ledger, checked: sizes as for every list, cursors of the
/// ledger only.
pub fn ledger_window(
    after: Option<String>,
    before: Option<String>,
    first: Option<i32>,
    last: Option<i32>,
) -> async_graphql::Result<LedgerWindow> {
    // The sizes are checked as for every list; the cursors are the ledger's own.
    let sizes = window(None, None, first, last)?;
    let cursor = |c: Option<String>, name: &str| -> async_graphql::Result<Option<EntryPosition>> {
        c.map(|c| {
            EntryCursor::decode_cursor(&c)
                .map(|c| c.0)
                .map_err(|e| super::errors::coded(&format!("`{name}`: {e}"), "BAD_USER_INPUT"))
        })
        .transpose()
    };
    Ok(LedgerWindow {
        after: cursor(after, "after")?,
        before: cursor(before, "before")?,
        first: sizes.first,
        last: sizes.last,
    })
}

/// Builds the ledger's connection from a page, each edge's cursor its entry's position.
pub fn ledger_connection<T: OutputType>(
    page: LedgerPage,
    wrap: impl Fn(entity::ledger_entry::Model) -> T,
) -> EntryConn<T> {
    let mut connection = Connection::with_additional_fields(
        page.has_previous,
        page.has_next,
        ConnectionFields {
            total_count: page.total,
        },
    );
    connection.edges.extend(page.rows.into_iter().map(|row| {
        let cursor = EntryCursor(EntryPosition::of(&row));
        Edge::new(cursor, wrap(row))
    }));
    connection
}

/// A position in a list in recorded order (the list, the moment a row was recorded, to the
/// nanosecond, then its id), opaque to callers: it stays on its row whatever is recorded while
/// a caller pages (see `service::recorded`).
pub struct RecordedCursor {
    pub list: String,
    pub position: RecordedPosition,
}

impl CursorType for RecordedCursor {
    type Error = &'static str;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        const NOT_OURS: &str = "not a cursor of this list from this API";
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| NOT_OURS)?;
        let text = String::from_utf8(bytes).map_err(|_| NOT_OURS)?;
        let (list, rest) = text
            .strip_prefix("recorded:")
            .and_then(|rest| rest.split_once(':'))
            .ok_or(NOT_OURS)?;
        let (nanos, id) = rest.split_once('/').ok_or(NOT_OURS)?;
        let nanos: i64 = nanos.parse().map_err(|_| NOT_OURS)?;
        Ok(RecordedCursor {
            list: list.to_owned(),
            position: RecordedPosition {
                recorded_at: chrono::DateTime::from_timestamp_nanos(nanos),
                id: id.parse().map_err(|_| NOT_OURS)?,
            },
        })
    }

    fn encode_cursor(&self) -> String {
        // Every moment this API records fits in i64 nanoseconds (1677 to 2262).
        let nanos = self
            .position
            .recorded_at
            .timestamp_nanos_opt()
            .unwrap_or(i64::MAX);
        URL_SAFE_NO_PAD.encode(format!(
            "recorded:{}:{nanos}/{}",
            self.list, self.position.id
        ))
    }
}

pub type RecordedConn<T> = Connection<RecordedCursor, T, ConnectionFields, EmptyFields>;

/// Relay's paging arguments for a list in recorded order, checked: sizes as for every list,
/// cursors of such lists only.
pub fn recorded_window<E: Recorded>(
    after: Option<String>,
    before: Option<String>,
    first: Option<i32>,
    last: Option<i32>,
) -> async_graphql::Result<RecordedWindow> {
    let sizes = window(None, None, first, last)?;
    let cursor =
        |c: Option<String>, name: &str| -> async_graphql::Result<Option<RecordedPosition>> {
            c.map(|c| {
                RecordedCursor::decode_cursor(&c)
                    .and_then(|c| {
                        (c.list == E::LIST)
                            .then_some(c.position)
                            .ok_or("not a cursor of this list from this API")
                    })
                    .map_err(|e| super::errors::coded(&format!("`{name}`: {e}"), "BAD_USER_INPUT"))
            })
            .transpose()
        };
    Ok(RecordedWindow {
        after: cursor(after, "after")?,
        before: cursor(before, "before")?,
        first: sizes.first,
        last: sizes.last,
    })
}

/// Builds a recorded list's connection from a page, each edge's cursor its row's position.
pub fn recorded_connection<E: Recorded, T: OutputType>(
    page: RecordedPage<E::Model>,
    wrap: impl Fn(E::Model) -> T,
) -> RecordedConn<T> {
    let mut connection = Connection::with_additional_fields(
        page.has_previous,
        page.has_next,
        ConnectionFields {
            total_count: page.total,
        },
    );
    connection.edges.extend(page.rows.into_iter().map(|row| {
        let cursor = RecordedCursor {
            list: E::LIST.to_owned(),
            position: E::position(&row),
        };
        Edge::new(cursor, wrap(row))
    }));
    connection
}
