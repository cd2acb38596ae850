//! The tenant data service's ports: introspection, the tenant directory, the shared cache, the
//! rate counters and the tenants' databases. Each can be switched off (`set_up(false)`) to
//! answer like its real adapter does when its system is down.

use super::lock;
use crate::domain::error::{AppError, Dependency};
use crate::domain::health::{Probe, ProbeFuture};
use crate::domain::tenants::{
    Introspector, PoolStats, Record, RecordStore, SharedCache, TenantConfig, TenantDatabases, TenantDirectory,
    TenantId, TokenInfo,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

fn down(dependency: Dependency) -> AppError {
    AppError::unavailable(dependency, "switched off")
}

/// An up/down switch, up to begin with.
struct Switch(AtomicBool);

impl Default for Switch {
    fn default() -> Self {
        Self(AtomicBool::new(true))
    }
}

impl Switch {
    fn check(&self, dependency: Dependency) -> Result<(), AppError> {
        if self.0.load(Ordering::SeqCst) { Ok(()) } else { Err(down(dependency)) }
    }
}

/// Introspection answers from a table of tokens; any other token is inactive.
#[derive(Default)]
pub struct MemoryIntrospector {
    tokens: Mutex<HashMap<String, TokenInfo>>,
    calls: AtomicUsize,
    up: Switch,
}

impl MemoryIntrospector {
    pub fn insert(&self, token: &str, info: TokenInfo) {
        lock(&self.tokens).insert(token.to_string(), info);
    }

    /// The identity service forgets the token: from now on it is inactive.
    pub fn revoke(&self, token: &str) {
        lock(&self.tokens).remove(token);
    }

    /// Calls so far, answered or not.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn set_up(&self, up: bool) {
        self.up.0.store(up, Ordering::SeqCst);
    }
}

impl Introspector for MemoryIntrospector {
    async fn introspect(&self, token: &str) -> Result<TokenInfo, AppError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.up.check(Dependency::AuthService)?;
        Ok(lock(&self.tokens).get(token).cloned().unwrap_or(TokenInfo {
            active: false,
            sub: None,
            username: None,
            role: None,
            tenant_id: None,
            exp: None,
        }))
    }
}

/// The tenant directory. Down, a lookup is DATABASE_ERROR and its health probe
/// DATABASE_UNAVAILABLE, as with PostgreSQL.
#[derive(Default)]
pub struct MemoryTenantDirectory {
    pub tenants: Mutex<Vec<TenantConfig>>,
    up: Switch,
}

impl MemoryTenantDirectory {
    pub fn with(tenants: impl IntoIterator<Item = TenantConfig>) -> Self {
        Self { tenants: Mutex::new(tenants.into_iter().collect()), ..Self::default() }
    }

    pub fn set_up(&self, up: bool) {
        self.up.0.store(up, Ordering::SeqCst);
    }
}

impl TenantDirectory for MemoryTenantDirectory {
    async fn find(&self, id: &TenantId) -> Result<Option<TenantConfig>, AppError> {
        self.up.check(Dependency::TenantDatabase)?;
        Ok(lock(&self.tenants).iter().find(|t| &t.id == id).cloned())
    }
}

impl Probe for MemoryTenantDirectory {
    fn probe(&self) -> ProbeFuture<'_> {
        let outcome = self.up.check(Dependency::Postgres).map(|()| None);
        Box::pin(async move { outcome })
    }
}

/// The cache shared by every execution environment: entries with their expiry (epoch s).
#[derive(Default)]
pub struct MemorySharedCache {
    entries: Mutex<HashMap<String, (String, i64)>>,
    up: Switch,
}

impl MemorySharedCache {
    /// A cache holding what another one held (another execution environment's view).
    pub fn with_entries(entries: HashMap<String, (String, i64)>) -> Self {
        Self { entries: Mutex::new(entries), ..Self::default() }
    }

    pub fn entries(&self) -> HashMap<String, (String, i64)> {
        lock(&self.entries).clone()
    }

    pub fn set_up(&self, up: bool) {
        self.up.0.store(up, Ordering::SeqCst);
    }
}

impl SharedCache for MemorySharedCache {
    async fn get(&self, key: &str) -> Result<Option<(String, i64)>, AppError> {
        self.up.check(Dependency::Dynamodb)?;
        Ok(lock(&self.entries).get(key).cloned())
    }

    async fn put(&self, key: &str, value: String, expires_at: i64) -> Result<(), AppError> {
        self.up.check(Dependency::Dynamodb)?;
        lock(&self.entries).insert(key.to_string(), (value, expires_at));
        Ok(())
    }
}

impl Probe for MemorySharedCache {
    fn probe(&self) -> ProbeFuture<'_> {
        let outcome = self.up.check(Dependency::Dynamodb).map(|()| None);
        Box::pin(async move { outcome })
    }
}

type Tables = Arc<Mutex<HashMap<TenantId, BTreeMap<Uuid, Record>>>>;

/// The tenants' databases: one table of records per tenant. Down, a connection cannot be had
/// (DATABASE_ERROR).
#[derive(Default)]
pub struct MemoryTenantDatabases {
    tables: Tables,
    opened: Mutex<BTreeMap<TenantId, u64>>,
    up: Switch,
}

impl MemoryTenantDatabases {
    pub fn set_up(&self, up: bool) {
        self.up.0.store(up, Ordering::SeqCst);
    }
}

impl TenantDatabases for MemoryTenantDatabases {
    type Records = MemoryRecords;

    async fn open(&self, tenant: &TenantConfig) -> Result<MemoryRecords, AppError> {
        *lock(&self.opened).entry(tenant.id.clone()).or_default() += 1;
        self.up.check(Dependency::TenantDatabase)?;
        Ok(MemoryRecords { tenant: tenant.id.clone(), tables: Arc::clone(&self.tables) })
    }

    async fn probe(&self, tenant: &TenantConfig) -> Result<Option<Value>, AppError> {
        self.up.check(Dependency::TenantDatabase)?;
        let schema = tenant.id.schema();
        Ok(Some(serde_json::json!({ "role": schema, "schema": schema })))
    }

    fn pool_stats(&self) -> Vec<PoolStats> {
        lock(&self.opened)
            .iter()
            .map(|(tenant, checkouts)| PoolStats {
                tenant: tenant.to_string(),
                max_size: 1,
                size: 0,
                available: 0,
                waiting: 0,
                checkouts: *checkouts,
                failures: 0,
                last_error: None,
                age_seconds: 0,
                idle_seconds: 0,
            })
            .collect()
    }
}

/// One tenant's records, as an open connection reaches them.
pub struct MemoryRecords {
    tenant: TenantId,
    tables: Tables,
}

impl MemoryRecords {
    fn with_table<T>(&self, f: impl FnOnce(&mut BTreeMap<Uuid, Record>) -> T) -> T {
        f(lock(&self.tables).entry(self.tenant.clone()).or_default())
    }
}

impl RecordStore for MemoryRecords {
    async fn list(&self, limit: i64, before: Option<Uuid>) -> Result<Vec<Record>, AppError> {
        let limit = usize::try_from(limit).unwrap_or(0);
        Ok(self.with_table(|t| {
            t.values().rev().filter(|r| before.is_none_or(|b| r.id < b)).take(limit).cloned().collect()
        }))
    }

    async fn find(&self, id: Uuid) -> Result<Option<Record>, AppError> {
        Ok(self.with_table(|t| t.get(&id).cloned()))
    }

    async fn insert(&self, id: Uuid, data: &Value) -> Result<Record, AppError> {
        let now = chrono::Utc::now();
        let record = Record { id, data: data.clone(), version: 1, created_at: now, updated_at: now };
        self.with_table(|t| t.insert(id, record.clone()));
        Ok(record)
    }

    async fn replace(&self, id: Uuid, data: &Value, expected_version: Option<i32>) -> Result<Option<Record>, AppError> {
        Ok(self.with_table(|t| {
            let record = t.get_mut(&id).filter(|r| expected_version.is_none_or(|v| v == r.version))?;
            record.data = data.clone();
            record.version += 1;
            record.updated_at = chrono::Utc::now();
            Some(record.clone())
        }))
    }

    async fn delete(&self, id: Uuid) -> Result<bool, AppError> {
        Ok(self.with_table(|t| t.remove(&id).is_some()))
    }
}
