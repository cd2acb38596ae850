//! The tenant's data: JSON documents with ids, in the tenant's own schema, and the directory
//! of tenants in the control-plane database.

use crate::adapters::postgres::Postgres;
use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use crate::domain::tenants::{DedicatedDatabase, TenantConfig, TenantDirectory, TenantId, database_error};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio_postgres::Client;
use uuid::Uuid;

/// A record of the tenant: a JSON document with an id and a version.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TenantRecord))]
#[serde(rename_all = "camelCase")]
pub struct Record {
    /// UUID v7: ids sort in creation order.
    pub id: Uuid,
    /// The document, always a JSON object.
    #[cfg_attr(feature = "openapi", schema(value_type = Object, example = json!({"title": "Q3 report", "pages": 12})))]
    pub data: Value,
    /// 1 when created, +1 on every update (pass it back to `PUT` to detect concurrent changes).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, example = 1))]
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One page of the tenant's records, newest first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TenantRecordPage))]
#[serde(rename_all = "camelCase")]
pub struct RecordPage {
    pub records: Vec<Record>,
    /// Pass back as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub next_cursor: Option<Uuid>,
}

pub const MAX_PAGE_SIZE: i64 = 100;

fn sql_error(e: tokio_postgres::Error) -> AppError {
    match e.as_db_error() {
        Some(db) if crate::adapters::postgres::server_unavailable(db.code()) => database_error(e),
        Some(db) => {
            AppError::internal(format!("tenant query failed: {}", crate::adapters::postgres::describe_db_error(db)))
        }
        None => database_error(e),
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

const COLUMNS: &str = "id, data, version, created_at, updated_at";

/// Newest first (ids are UUID v7, so id order is creation order); `cursor` = the last id seen.
pub async fn list(client: &Client, limit: i64, cursor: Option<Uuid>) -> Result<RecordPage, AppError> {
    let rows = client
        .query(
            &format!("SELECT {COLUMNS} FROM records WHERE ($1::uuid IS NULL OR id < $1) ORDER BY id DESC LIMIT $2"),
            &[&cursor, &(limit + 1)],
        )
        .await
        .map_err(sql_error)?;
    let mut records = rows.iter().map(record).collect::<Result<Vec<Record>, AppError>>()?;
    let more = records.len() as i64 > limit;
    records.truncate(limit as usize);
    let next_cursor = if more { records.last().map(|r| r.id) } else { None };
    Ok(RecordPage { records, next_cursor })
}

pub async fn get(client: &Client, id: Uuid) -> Result<Option<Record>, AppError> {
    let row =
        client.query_opt(&format!("SELECT {COLUMNS} FROM records WHERE id = $1"), &[&id]).await.map_err(sql_error)?;
    row.as_ref().map(record).transpose()
}

pub async fn create(client: &Client, data: &Value) -> Result<Record, AppError> {
    let row = client
        .query_one(
            &format!("INSERT INTO records (id, data) VALUES ($1, $2) RETURNING {COLUMNS}"),
            &[&Uuid::now_v7(), data],
        )
        .await
        .map_err(sql_error)?;
    record(&row)
}

/// Replaces the document. With `expected_version`, a concurrent change makes it a conflict.
pub async fn update(
    client: &Client,
    id: Uuid,
    data: &Value,
    expected_version: Option<i32>,
) -> Result<Record, AppError> {
    let row = client
        .query_opt(
            &format!(
                "UPDATE records SET data = $2, version = version + 1, updated_at = now() \
                 WHERE id = $1 AND ($3::int IS NULL OR version = $3) RETURNING {COLUMNS}"
            ),
            &[&id, data, &expected_version],
        )
        .await
        .map_err(sql_error)?;
    match row {
        Some(row) => record(&row),
        None if expected_version.is_some() && get(client, id).await?.is_some() => {
            Err(AppError::new(ErrorCode::VersionConflict, "the record was changed since that version"))
        }
        None => Err(not_found(id)),
    }
}

pub async fn delete(client: &Client, id: Uuid) -> Result<(), AppError> {
    let n = client.execute("DELETE FROM records WHERE id = $1", &[&id]).await.map_err(sql_error)?;
    if n == 0 { Err(not_found(id)) } else { Ok(()) }
}

pub fn not_found(id: Uuid) -> AppError {
    AppError::new(ErrorCode::RecordNotFound, format!("no record {id} in this tenant"))
}

// ---- the directory (control plane) ----

/// The tenant directory in PostgreSQL (`tenants`, migration V3).
#[derive(Clone)]
pub struct PostgresDirectory {
    pub db: Postgres,
}

impl TenantDirectory for PostgresDirectory {
    async fn find(&self, id: &TenantId) -> Result<Option<TenantConfig>, AppError> {
        let client = self.db.client().await.map_err(|e| database_error(e.public_message()))?;
        let row = client
            .query_opt(
                "SELECT id, name, status, db_host, db_port, db_name, pool_max_size, rate_limit, rate_window_seconds \
                 FROM tenants WHERE id = $1",
                &[&id.as_str()],
            )
            .await
            .map_err(sql_error)?;
        let Some(row) = row else { return Ok(None) };
        let database =
            match (row.get::<_, Option<String>>(3), row.get::<_, Option<i32>>(4), row.get::<_, Option<String>>(5)) {
                (Some(host), port, Some(name)) => {
                    Some(DedicatedDatabase { host, port: port.unwrap_or(5432) as u16, name })
                }
                _ => None,
            };
        Ok(Some(TenantConfig {
            id: id.clone(),
            name: row.get(1),
            active: row.get::<_, String>(2) == "active",
            database,
            pool_max_size: row.get::<_, i32>(6).max(1) as usize,
            rate_limit: row.get::<_, i32>(7).max(1) as u64,
            rate_window_seconds: row.get::<_, i32>(8).max(1) as u64,
        }))
    }
}

/// What an operator sets when creating a tenant.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub id: TenantId,
    pub name: String,
    pub active: bool,
    pub pool_max_size: i32,
    pub rate_limit: i32,
    pub rate_window_seconds: i32,
}

/// Creates (or updates) a tenant: its directory row, its role, its schema owned by that role,
/// and its table. Idempotent. Runs as an administrator (the migration user), who becomes a
/// member of the tenant role so the functions' connections may take it on.
pub async fn provision(client: &Client, tenant: &NewTenant) -> Result<(), AppError> {
    // The role/schema name comes from a validated TenantId: a safe bare identifier.
    let schema = tenant.id.schema();
    let statements = format!(
        "DO $$ BEGIN
             IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{schema}') THEN
                 CREATE ROLE {schema} NOLOGIN;
             END IF;
         END $$;
         GRANT {schema} TO CURRENT_USER;
         CREATE SCHEMA IF NOT EXISTS {schema} AUTHORIZATION {schema};
         REVOKE ALL ON SCHEMA {schema} FROM PUBLIC;
         SET LOCAL ROLE {schema};
         CREATE TABLE IF NOT EXISTS {schema}.records (
             id         UUID        PRIMARY KEY,
             data       JSONB       NOT NULL CHECK (jsonb_typeof(data) = 'object'),
             version    INTEGER     NOT NULL DEFAULT 1,
             created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
             updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
         );
         RESET ROLE;"
    );
    client.batch_execute("BEGIN").await.map_err(sql_error)?;
    let result = async {
        client.batch_execute(&statements).await.map_err(sql_error)?;
        client
            .execute(
                "INSERT INTO tenants (id, name, status, pool_max_size, rate_limit, rate_window_seconds) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, status = EXCLUDED.status, \
                   pool_max_size = EXCLUDED.pool_max_size, rate_limit = EXCLUDED.rate_limit, \
                   rate_window_seconds = EXCLUDED.rate_window_seconds, updated_at = now()",
                &[
                    &tenant.id.as_str(),
                    &tenant.name,
                    &if tenant.active { "active" } else { "disabled" },
                    &tenant.pool_max_size,
                    &tenant.rate_limit,
                    &tenant.rate_window_seconds,
                ],
            )
            .await
            .map_err(sql_error)?;
        Ok::<_, AppError>(())
    }
    .await;
    match result {
        Ok(()) => client.batch_execute("COMMIT").await.map_err(sql_error),
        Err(e) => {
            let _ = client.batch_execute("ROLLBACK").await;
            Err(e)
        }
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
