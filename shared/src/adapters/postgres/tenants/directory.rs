//! The tenant directory in the control-plane database (`tenants`, migration V3), and the
//! provisioning of a tenant: its directory row, its role, its schema and its table.

use super::errors::{database_error, sql_error};
use crate::adapters::postgres::Postgres;
use crate::domain::error::AppError;
use crate::domain::health::{Probe, ProbeFuture};
use crate::domain::tenants::{DedicatedDatabase, NewTenant, TenantConfig, TenantDirectory, TenantId};
use tokio_postgres::Client;

/// The tenant directory in PostgreSQL.
#[derive(Clone)]
pub struct PostgresDirectory {
    pub db: Postgres,
}

/// The directory's database: its round trip, as the health checks report it.
impl Probe for PostgresDirectory {
    fn probe(&self) -> ProbeFuture<'_> {
        Box::pin(self.db.ping())
    }
}

impl TenantDirectory for PostgresDirectory {
    async fn find(&self, id: &TenantId) -> Result<Option<TenantConfig>, AppError> {
        let client = self.db.client().await.map_err(|e| database_error(e.public_message()))?;
        let row = client.query_opt(FIND, &[&id.as_str()]).await.map_err(sql_error)?;
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
                UPSERT,
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

// The statements of this file, one text each (the query plan test plans each row-finding one).
pub const FIND: &str = "SELECT id, name, status, db_host, db_port, db_name, pool_max_size, rate_limit, rate_window_seconds \
                 FROM tenants WHERE id = $1";
pub const UPSERT: &str = "INSERT INTO tenants (id, name, status, pool_max_size, rate_limit, rate_window_seconds) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, status = EXCLUDED.status, \
                   pool_max_size = EXCLUDED.pool_max_size, rate_limit = EXCLUDED.rate_limit, \
                   rate_window_seconds = EXCLUDED.rate_window_seconds, updated_at = now()";
