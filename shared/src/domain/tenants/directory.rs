//! The tenant directory's entries: each tenant's configuration, and what an operator sets when
//! creating one.

use super::ids::TenantId;
use serde::{Deserialize, Serialize};

/// Where a tenant's data lives when it has a database of its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DedicatedDatabase {
    pub host: String,
    pub port: u16,
    pub name: String,
}

/// A tenant's configuration from the directory (cached for an hour). Its JSON is what the
/// shared cache holds, so every execution environment of every version must read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantConfig {
    pub id: TenantId,
    pub name: String,
    pub active: bool,
    pub database: Option<DedicatedDatabase>,
    pub pool_max_size: usize,
    pub rate_limit: u64,
    pub rate_window_seconds: u64,
}

/// What an operator sets when creating (or updating) a tenant (`admin create-tenant`).
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub id: TenantId,
    pub name: String,
    pub active: bool,
    pub pool_max_size: i32,
    pub rate_limit: i32,
    pub rate_window_seconds: i32,
}
