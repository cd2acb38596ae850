//! Lists a page at a time, with opaque cursors that stay stable under inserts.

use crate::domain::error::{AppError, ErrorCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// Page size when the client names none.
pub const DEFAULT_PAGE_SIZE: i64 = 20;
/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: i64 = 100;

/// One page of a list, in the list's order.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatPage))]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `?cursor=` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The page of `limit` items from up to `limit + 1` rows: a row beyond the page only says
    /// there is more, and the page's last item is where the next one starts.
    pub fn of(mut rows: Vec<T>, limit: i64, cursor: impl Fn(&T) -> String) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit.max(0) as usize);
        let next_cursor = if more { rows.last().map(cursor) } else { None };
        Page { items: rows, next_cursor }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}

/// A position in a list ordered by creation: (created_at, id), unique and stable under inserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

fn invalid_cursor() -> AppError {
    AppError::new(ErrorCode::InvalidCursor, "cursor is not one this API returned")
}

/// The timestamps a cursor may carry, in microseconds since the epoch: from 1970-01-01 to the
/// end of 9999. Rows are stamped with the database's `now()`, so every cursor this API issues is
/// inside, and so is PostgreSQL's `timestamptz` range: a forged cursor outside it is the
/// client's mistake, not a query the database refuses.
const CURSOR_MICROS: std::ops::RangeInclusive<i64> = 0..=253_402_300_799_999_999;

impl Keyset {
    /// The cursor `<micros>_<uuid>`.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.created_at.timestamp_micros(), self.id)
    }

    pub fn decode(raw: &str) -> Result<Self, AppError> {
        let (micros, id) = raw.split_once('_').ok_or_else(invalid_cursor)?;
        let created_at = micros
            .parse::<i64>()
            .ok()
            .filter(|m| CURSOR_MICROS.contains(m))
            .and_then(DateTime::from_timestamp_micros)
            .ok_or_else(invalid_cursor)?;
        Ok(Self { created_at, id: Uuid::parse_str(id).map_err(|_| invalid_cursor())? })
    }

    /// The position a cursor names, none for the first page.
    pub fn after(cursor: Option<&str>) -> Result<Option<Self>, AppError> {
        cursor.map(Self::decode).transpose()
    }
}

/// A cursor that is a position (message sequence, user id): a non-negative integer; the first
/// page starts after 0.
pub fn position_cursor(cursor: Option<&str>) -> Result<i64, AppError> {
    match cursor {
        None => Ok(0),
        Some(raw) => raw.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(invalid_cursor),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let at =
            Keyset { created_at: DateTime::from_timestamp_micros(1_795_000_000_123_456).unwrap(), id: Uuid::now_v7() };
        assert_eq!(Keyset::decode(&at.encode()).unwrap(), at);
        for bad in ["", "x", "1_", "_", "abc_0191", "1_not-a-uuid"] {
            assert_eq!(Keyset::decode(bad).unwrap_err().code(), "INVALID_CURSOR", "{bad}");
        }
        assert_eq!(Keyset::after(None).unwrap(), None);
    }

    #[test]
    fn cursor_timestamps_stay_between_1970_and_9999() {
        let id = Uuid::now_v7();
        for micros in
            [i64::MIN, -300_000_000_000_000_000, -1, 253_402_300_800_000_000, 8_000_000_000_000_000_000, i64::MAX]
        {
            assert_eq!(Keyset::decode(&format!("{micros}_{id}")).unwrap_err().code(), "INVALID_CURSOR", "{micros}");
        }
        assert_eq!(Keyset::decode(&format!("0_{id}")).unwrap().created_at, DateTime::UNIX_EPOCH);
        let last = Keyset::decode(&format!("253402300799999999_{id}")).unwrap().created_at;
        assert_eq!(last.to_rfc3339(), "9999-12-31T23:59:59.999999+00:00");
    }

    #[test]
    fn position_cursors_are_non_negative_integers() {
        assert_eq!(position_cursor(None).unwrap(), 0);
        assert_eq!(position_cursor(Some("41")).unwrap(), 41);
        for bad in ["-1", "x", "", "1.5"] {
            assert_eq!(position_cursor(Some(bad)).unwrap_err().code(), "INVALID_CURSOR", "{bad}");
        }
    }

    #[test]
    fn a_page_holds_limit_items_and_a_cursor_only_when_there_is_more() {
        let page = Page::of(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!((page.items, page.next_cursor.as_deref()), (vec![1, 2], Some("2")));
        let last = Page::of(vec![1, 2], 2, |n| n.to_string());
        assert_eq!((last.items, last.next_cursor), (vec![1, 2], None));
    }
}
