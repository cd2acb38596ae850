//! A tenant's records in its own schema, on one connection of its pool. The SQL never names a
//! schema: the connection's role and `search_path` are the tenant's.

use super::errors::sql_error;
use crate::domain::error::AppError;
use crate::domain::tenants::{Record, RecordStore};
use deadpool_postgres::Object;
use serde_json::Value;
use uuid::Uuid;

// The statements of this file, one text each (the query plan test plans each row-finding one).
// Newest first: ids are UUID v7, so id order is creation order.
pub const LIST: &str = "SELECT id, data, version, created_at, updated_at FROM records \
     WHERE ($1::uuid IS NULL OR id < $1) ORDER BY id DESC LIMIT $2";
pub const FIND: &str = "SELECT id, data, version, created_at, updated_at FROM records WHERE id = $1";
pub const INSERT: &str =
    "INSERT INTO records (id, data) VALUES ($1, $2) RETURNING id, data, version, created_at, updated_at";
pub const REPLACE: &str = "UPDATE records SET data = $2, version = version + 1, updated_at = now() \
     WHERE id = $1 AND ($3::int IS NULL OR version = $3) RETURNING id, data, version, created_at, updated_at";
pub const DELETE: &str = "DELETE FROM records WHERE id = $1";

/// One connection to a tenant's database, as the tenant's role, back to its pool when dropped.
pub struct TenantConnection(Object);

impl TenantConnection {
    pub(super) fn new(client: Object) -> Self {
        Self(client)
    }
}

/// A row as a record. The document is whatever a client stored, so a column that does not read
/// back is an error of the request (500 INTERNAL_ERROR), never a panic of the function.
fn record(row: &tokio_postgres::Row) -> Result<Record, AppError> {
    let column = |e: tokio_postgres::Error| AppError::internal(format!("tenant record unreadable: {e}"));
    Ok(Record {
        id: row.try_get("id").map_err(column)?,
        data: row.try_get("data").map_err(column)?,
        version: row.try_get("version").map_err(column)?,
        created_at: row.try_get("created_at").map_err(column)?,
        updated_at: row.try_get("updated_at").map_err(column)?,
    })
}

impl RecordStore for TenantConnection {
    async fn list(&self, limit: i64, before: Option<Uuid>) -> Result<Vec<Record>, AppError> {
        let rows = self.0.query(LIST, &[&before, &limit]).await.map_err(sql_error)?;
        rows.iter().map(record).collect()
    }

    async fn find(&self, id: Uuid) -> Result<Option<Record>, AppError> {
        let row = self.0.query_opt(FIND, &[&id]).await.map_err(sql_error)?;
        row.as_ref().map(record).transpose()
    }

    async fn insert(&self, id: Uuid, data: &Value) -> Result<Record, AppError> {
        let row = self.0.query_one(INSERT, &[&id, data]).await.map_err(sql_error)?;
        record(&row)
    }

    async fn replace(&self, id: Uuid, data: &Value, expected_version: Option<i32>) -> Result<Option<Record>, AppError> {
        let row = self.0.query_opt(REPLACE, &[&id, data, &expected_version]).await.map_err(sql_error)?;
        row.as_ref().map(record).transpose()
    }

    async fn delete(&self, id: Uuid) -> Result<bool, AppError> {
        let n = self.0.execute(DELETE, &[&id]).await.map_err(sql_error)?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    /// JSONB keeps numbers as `numeric` and writes them back in full: -1.7976931348623155e308, a
    /// finite f64 any client may send, comes back as 309 digits. serde_json's default parser
    /// rounded that past f64::MAX and refused it, and the function panicked on every read of the
    /// record, listings included (found by localstack/api-schema.sh). `float_roundtrip` parses it
    /// exactly.
    #[test]
    fn numbers_read_back_from_jsonb_as_they_were_stored() {
        for n in [-1.797_693_134_862_315_5e308, f64::MAX, f64::MIN_POSITIVE, 5e-324, 1.076_855_048_912_326_7e-179] {
            let stored = bigdecimal(n);
            let back: serde_json::Value = serde_json::from_str(&stored).unwrap_or_else(|e| panic!("{stored}: {e}"));
            assert_eq!(back.as_f64(), Some(n), "{stored}");
        }
    }

    /// How PostgreSQL's numeric writes a float: every digit, no exponent.
    fn bigdecimal(n: f64) -> String {
        let s = format!("{n:e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let (sign, mantissa) = mantissa.strip_prefix('-').map_or(("", mantissa), |m| ("-", m));
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let point = 1 + exponent;
        if point <= 0 {
            format!("{sign}0.{}{digits}", "0".repeat((-point) as usize))
        } else if point as usize >= digits.len() {
            format!("{sign}{digits}{}", "0".repeat(point as usize - digits.len()))
        } else {
            format!("{sign}{}.{}", &digits[..point as usize], &digits[point as usize..])
        }
    }
}
