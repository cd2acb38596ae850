//! The tenant data service on PostgreSQL: the tenant directory in the control-plane database,
//! and each tenant's records in its own schema, reached through one connection pool per tenant
//! as the tenant's own role.

pub mod directory;
mod errors;
mod pools;
pub mod records;

pub use directory::{PostgresDirectory, provision};
pub use pools::TenantPools;
pub use records::TenantConnection;
