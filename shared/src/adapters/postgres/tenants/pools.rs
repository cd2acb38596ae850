//! One connection pool per tenant, with a size limit, a limit on how many tenants keep a pool
//! in one execution environment (least recently used go first), idle cleanup and per-pool
//! health counters. Pools are created on a tenant's first request and connect lazily.
//!
//! Every connection starts as the tenant's own role with its schema as `search_path`
//! (`options=-c role=… -c search_path=…`): the SQL never names a schema, and the role has no
//! rights on any other tenant's schema, so isolation holds even against a bug in a query.

use super::errors::database_error;
use super::records::TenantConnection;
use crate::config::{ExposeSecret, PostgresConfig, TenantPoolConfig};
use crate::domain::error::AppError;
use crate::domain::tenants::{PoolStats, TenantConfig, TenantDatabases, TenantId};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio_postgres::NoTls;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    host: String,
    port: u16,
    database: String,
    max_size: usize,
}

struct Entry {
    pool: Pool,
    target: Target,
    created: Instant,
    last_used: Instant,
    checkouts: u64,
    failures: u64,
    last_error: Option<String>,
}

pub struct TenantPools {
    base: PostgresConfig,
    /// Upper bound on any tenant's pool, whatever the directory says.
    max_pool_size: usize,
    max_pools: usize,
    idle_ttl: Duration,
    pools: Mutex<HashMap<TenantId, Entry>>,
}

impl TenantPools {
    /// No pool yet: each is created on its tenant's first request.
    pub fn new(config: TenantPoolConfig) -> Self {
        Self {
            base: config.base,
            max_pool_size: config.max_pool_size,
            max_pools: config.max_pools,
            idle_ttl: config.idle_ttl,
            pools: Mutex::new(HashMap::new()),
        }
    }

    fn target(&self, tenant: &TenantConfig) -> Target {
        let (host, port, database) = match &tenant.database {
            Some(db) => (db.host.clone(), db.port, db.name.clone()),
            None => (self.base.host.clone(), self.base.port, self.base.database.clone()),
        };
        Target { host, port, database, max_size: tenant.pool_max_size.clamp(1, self.max_pool_size) }
    }

    fn build(&self, tenant: &TenantId, target: &Target) -> Result<Pool, AppError> {
        let schema = tenant.schema();
        let mut pg = tokio_postgres::Config::new();
        pg.host(&target.host)
            .port(target.port)
            .dbname(&target.database)
            .user(&self.base.user)
            .application_name(format!("tenant-{tenant}"))
            .options(format!("-c role={schema} -c search_path={schema}"))
            .connect_timeout(self.base.timeout);
        if let Some(password) = &self.base.password {
            pg.password(password.expose_secret());
        }
        let manager = Manager::from_config(pg, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        Pool::builder(manager)
            .max_size(target.max_size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(self.base.timeout))
            .create_timeout(Some(self.base.timeout))
            .recycle_timeout(Some(self.base.timeout))
            .build()
            .map_err(AppError::internal)
    }

    /// Drops pools idle longer than the idle TTL. Lambda freezes an environment between
    /// invocations, so cleanup runs at the start of each request rather than on a timer.
    fn sweep(&self, pools: &mut HashMap<TenantId, Entry>) {
        let idle_ttl = self.idle_ttl;
        pools.retain(|tenant, e| {
            let keep = e.last_used.elapsed() < idle_ttl;
            if !keep {
                tracing::info!(%tenant, "closing idle tenant pool");
            }
            keep
        });
    }

    fn pool_for(&self, tenant: &TenantConfig) -> Result<Pool, AppError> {
        let target = self.target(tenant);
        let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        self.sweep(&mut pools);
        // A changed directory entry (other database, other size) replaces the pool.
        if pools.get(&tenant.id).is_some_and(|e| e.target != target) {
            pools.remove(&tenant.id);
        }
        if !pools.contains_key(&tenant.id) {
            if pools.len() >= self.max_pools
                && let Some(lru) = pools.iter().min_by_key(|(_, e)| e.last_used).map(|(id, _)| id.clone())
            {
                pools.remove(&lru);
            }
            let pool = self.build(&tenant.id, &target)?;
            let now = Instant::now();
            pools.insert(
                tenant.id.clone(),
                Entry { pool, target, created: now, last_used: now, checkouts: 0, failures: 0, last_error: None },
            );
        }
        let entry = pools.get_mut(&tenant.id).ok_or_else(|| AppError::internal("tenant pool vanished"))?;
        entry.last_used = Instant::now();
        entry.checkouts += 1;
        Ok(entry.pool.clone())
    }

    fn record_failure(&self, tenant: &TenantId, error: &str) {
        let mut pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = pools.get_mut(tenant) {
            e.failures += 1;
            e.last_error = Some(error.to_string());
        }
    }

    /// A connection of the tenant's pool, as the tenant's role, in the tenant's schema.
    async fn client(&self, tenant: &TenantConfig) -> Result<Object, AppError> {
        let pool = self.pool_for(tenant)?;
        match pool.get().await {
            Ok(client) => Ok(client),
            Err(e) => {
                self.record_failure(&tenant.id, &e.to_string());
                Err(database_error(e))
            }
        }
    }
}

impl TenantDatabases for TenantPools {
    type Records = TenantConnection;

    async fn open(&self, tenant: &TenantConfig) -> Result<TenantConnection, AppError> {
        self.client(tenant).await.map(TenantConnection::new)
    }

    /// A round trip on the tenant's pool.
    async fn probe(&self, tenant: &TenantConfig) -> Result<Option<serde_json::Value>, AppError> {
        let client = self.client(tenant).await?;
        let row =
            client.query_one("SELECT current_user::text, current_schema()::text", &[]).await.map_err(database_error)?;
        Ok(Some(serde_json::json!({ "role": row.get::<_, String>(0), "schema": row.get::<_, String>(1) })))
    }

    fn pool_stats(&self) -> Vec<PoolStats> {
        let pools = self.pools.lock().unwrap_or_else(|p| p.into_inner());
        let mut stats: Vec<PoolStats> = pools
            .iter()
            .map(|(tenant, e)| {
                let s = e.pool.status();
                PoolStats {
                    tenant: tenant.to_string(),
                    max_size: s.max_size,
                    size: s.size,
                    available: s.available,
                    waiting: s.waiting,
                    checkouts: e.checkouts,
                    failures: e.failures,
                    last_error: e.last_error.clone(),
                    age_seconds: e.created.elapsed().as_secs(),
                    idle_seconds: e.last_used.elapsed().as_secs(),
                }
            })
            .collect();
        stats.sort_by(|a, b| a.tenant.cmp(&b.tenant));
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pools(max_pools: usize, idle: Duration) -> TenantPools {
        TenantPools::new(TenantPoolConfig {
            base: PostgresConfig {
                host: "127.0.0.1".into(),
                port: 1,
                database: "app".into(),
                user: "app".into(),
                password: None,
                pool_size: 2,
                timeout: Duration::from_millis(200),
            },
            max_pool_size: 4,
            max_pools,
            idle_ttl: idle,
        })
    }

    fn tenant(id: &str, size: usize) -> TenantConfig {
        TenantConfig {
            id: TenantId::parse(id).unwrap(),
            name: id.into(),
            active: true,
            database: None,
            pool_max_size: size,
            rate_limit: 10,
            rate_window_seconds: 60,
        }
    }

    #[test]
    fn pools_are_bounded_evicted_and_rebuilt_on_change() {
        let p = pools(2, Duration::from_secs(300));
        p.pool_for(&tenant("a", 99)).unwrap();
        assert_eq!(p.pool_stats()[0].max_size, 4, "capped by TENANT_POOL_MAX_SIZE");
        p.pool_for(&tenant("b", 2)).unwrap();
        p.pool_for(&tenant("a", 99)).unwrap();
        p.pool_for(&tenant("c", 2)).unwrap();
        let names: Vec<String> = p.pool_stats().into_iter().map(|s| s.tenant).collect();
        assert_eq!(names, ["a", "c"], "the least recently used pool (b) was closed");
        p.pool_for(&tenant("c", 3)).unwrap();
        assert_eq!(p.pool_stats().iter().find(|s| s.tenant == "c").unwrap().max_size, 3);
    }

    #[test]
    fn idle_pools_are_closed() {
        let p = pools(8, Duration::ZERO);
        p.pool_for(&tenant("a", 2)).unwrap();
        p.pool_for(&tenant("b", 2)).unwrap();
        assert_eq!(p.pool_stats().len(), 1, "a was idle past the TTL when b arrived");
    }

    #[test]
    fn a_database_that_is_down_is_a_database_error_and_counted() {
        let p = pools(8, Duration::from_secs(300));
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let Err(err) = rt.block_on(p.open(&tenant("a", 2))) else { panic!("port 1 refuses") };
        assert_eq!((err.status(), err.code().as_str()), (503, "DATABASE_ERROR"));
        assert_eq!(p.pool_stats()[0].failures, 1);
    }
}
