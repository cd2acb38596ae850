//! The tenant's data: JSON documents with ids, in the tenant's own schema, and the directory
//! of tenants in the control-plane database.

use super::{DedicatedDatabase, TenantConfig, TenantDirectory, TenantId, database_error};
use crate::adapters::postgres::Postgres;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio_postgres::Client;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub id: Uuid,
    pub data: Value,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordPage {
    pub records: Vec<Record>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<Uuid>,
}

pub const MAX_PAGE_SIZE: i64 = 100;

fn sql_error(e: tokio_postgres::Error) -> AppError {
    if e.as_db_error().is_some() { AppError::internal(format!("tenant query failed: {e}")) } else { database_error(e) }
}

fn record(row: &tokio_postgres::Row) -> Record {
    Record {
        id: row.get("id"),
        data: row.get("data"),
        version: row.get("version"),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
    }
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
    let mut records: Vec<Record> = rows.iter().map(record).collect();
    let more = records.len() as i64 > limit;
    records.truncate(limit as usize);
    let next_cursor = if more { records.last().map(|r| r.id) } else { None };
    Ok(RecordPage { records, next_cursor })
}

pub async fn get(client: &Client, id: Uuid) -> Result<Option<Record>, AppError> {
    let row = client
        .query_opt(&format!("SELECT {COLUMNS} FROM records WHERE id = $1"), &[&id])
        .await
        .map_err(sql_error)?;
    Ok(row.as_ref().map(record))
}

pub async fn create(client: &Client, data: &Value) -> Result<Record, AppError> {
    let row = client
        .query_one(
            &format!("INSERT INTO records (id, data) VALUES ($1, $2) RETURNING {COLUMNS}"),
            &[&Uuid::now_v7(), data],
        )
        .await
        .map_err(sql_error)?;
    Ok(record(&row))
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
        Some(row) => Ok(record(&row)),
        None if expected_version.is_some() && get(client, id).await?.is_some() => {
            Err(AppError::conflict("VERSION_CONFLICT", "the record was changed since that version"))
        }
        None => Err(not_found(id)),
    }
}

pub async fn delete(client: &Client, id: Uuid) -> Result<(), AppError> {
    let n = client.execute("DELETE FROM records WHERE id = $1", &[&id]).await.map_err(sql_error)?;
    if n == 0 { Err(not_found(id)) } else { Ok(()) }
}

pub fn not_found(id: Uuid) -> AppError {
    AppError::not_found("RECORD_NOT_FOUND", format!("no record {id} in this tenant"))
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
        let database = match (row.get::<_, Option<String>>(3), row.get::<_, Option<i32>>(4), row.get::<_, Option<String>>(5)) {
            (Some(host), port, Some(name)) => Some(DedicatedDatabase { host, port: port.unwrap_or(5432) as u16, name }),
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
