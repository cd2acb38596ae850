//! The tenant data service's state: the access decision, the tenants' databases, and how long
//! a health check may wait for each dependency.

use super::access::{Granted, TenantAccess};
use super::health::{TenantCacheReport, TenantDatabaseChecks, TenantHealthDetails, TenantHealthStatus, memory_usage};
use super::ports::{Introspector, SharedCache, TenantDatabases, TenantDirectory};
use super::records::Records;
use crate::domain::error::AppError;
use crate::domain::health::{Probe, check};
use crate::domain::ratelimit::RateCounter;
use std::time::Duration;

/// Everything the tenant data functions share.
pub struct TenantData<I, D, S, C, T> {
    pub access: TenantAccess<I, D, S, C>,
    pub databases: T,
    /// How long any one dependency may take (`DEPENDENCY_TIMEOUT_MS`).
    pub deadline: Duration,
}

impl<I, D, S, C, T> TenantData<I, D, S, C, T>
where
    I: Introspector,
    D: TenantDirectory,
    S: SharedCache,
    C: RateCounter,
    T: TenantDatabases,
{
    /// The granted tenant's records, on a connection to its database as its own role.
    pub async fn records<'g>(&self, granted: &'g Granted) -> Result<Records<'g, T::Records>, AppError> {
        let store = self.databases.open(&granted.tenant).await?;
        Ok(Records::new(store, &granted.tenant.id, &granted.caller.subject))
    }

    /// The health details for a granted caller: its tenant's database, the directory and the
    /// shared cache, each checked within the deadline, with this environment's figures.
    pub async fn health_details(&self, granted: &Granted) -> TenantHealthDetails
    where
        D: Probe,
        S: Probe,
    {
        let deadline = self.deadline;
        let (directory, tenant_db, shared) = tokio::join!(
            check(deadline, self.access.directory.probe()),
            check(deadline, self.databases.probe(&granted.tenant)),
            check(deadline, self.access.cache.shared().probe()),
        );
        let status = TenantHealthStatus::of(directory.is_up() && tenant_db.is_up(), shared.is_up());
        TenantHealthDetails {
            service: "tenants",
            status,
            scope: "execution-environment",
            tenant: granted.tenant.id.clone(),
            database: TenantDatabaseChecks { directory, tenant: tenant_db },
            cache: TenantCacheReport { shared, stats: self.access.cache.stats() },
            pools: self.databases.pool_stats(),
            memory: memory_usage(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::access::tests::access;
    use super::*;
    use crate::adapters::memory::MemoryTenantDatabases;

    #[tokio::test]
    async fn health_details_report_each_database_and_the_cache() {
        let data = TenantData {
            access: access(300),
            databases: MemoryTenantDatabases::default(),
            deadline: Duration::from_secs(1),
        };
        let granted = data.access.authorize("tok-a", "acme", 1000).await.unwrap();
        let ok = data.health_details(&granted).await;
        assert_eq!(
            (ok.status, ok.tenant.as_str(), ok.scope),
            (TenantHealthStatus::Ok, "acme", "execution-environment")
        );
        assert_eq!(
            ok.database.tenant.detail,
            Some(serde_json::json!({ "role": "tenant_acme", "schema": "tenant_acme" }))
        );
        data.access.cache.shared().set_up(false);
        assert_eq!(data.health_details(&granted).await.status, TenantHealthStatus::Degraded);
        data.databases.set_up(false);
        let down = data.health_details(&granted).await;
        assert_eq!((down.status.http_status(), down.database.tenant.code), (503, Some("DATABASE_ERROR")));
        assert_eq!(data.records(&granted).await.err().map(|e| e.code().as_str()), Some("DATABASE_ERROR"));
    }
}
