//! In-memory implementations of the domain's ports: one fake per port, shared by the unit tests
//! and the fuzz targets (feature `fakes`). They keep what they are given in a `Mutex`, answer
//! like the real adapter does, and let a test look inside or switch a dependency off.

mod audit;
#[cfg(feature = "identity")]
mod auth;
#[cfg(feature = "chat")]
mod chat;
mod events;
#[cfg(feature = "images")]
mod images;
mod migrations;
mod ratelimit;
#[cfg(feature = "sessions")]
mod sessions;
#[cfg(feature = "tenants")]
mod tenants;

pub use audit::MemoryAuditTrail;
#[cfg(feature = "identity")]
pub use auth::{CompletedLogin, MemoryTokens, MemoryUsers};
#[cfg(feature = "chat")]
pub use chat::MemoryChat;
pub use events::{MemoryOutbox, MemoryQueue};
#[cfg(feature = "images")]
pub use images::MemoryImages;
pub use migrations::MemoryMigrations;
pub use ratelimit::MemoryCounter;
#[cfg(feature = "sessions")]
pub use sessions::{MemorySessions, MemoryUserDirectory};
#[cfg(feature = "tenants")]
pub use tenants::{MemoryIntrospector, MemoryRecords, MemorySharedCache, MemoryTenantDatabases, MemoryTenantDirectory};

/// A poisoned lock only means another test thread panicked; the data is still usable.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
