//! In-memory implementations of the domain's ports: one fake per port, shared by the unit tests
//! and the fuzz targets (feature `fakes`). They keep what they are given in a `Mutex`, answer
//! like the real adapter does, and let a test look inside or switch a dependency off.

mod audit;
#[cfg(feature = "identity")]
mod auth;
mod events;
mod migrations;
#[cfg(feature = "sessions")]
mod sessions;

pub use audit::MemoryAuditTrail;
#[cfg(feature = "identity")]
pub use auth::{CompletedLogin, MemoryTokens, MemoryUsers};
pub use events::{MemoryOutbox, MemoryQueue};
pub use migrations::MemoryMigrations;
#[cfg(feature = "sessions")]
pub use sessions::{MemoryDirectory, MemorySessions};

/// A poisoned lock only means another test thread panicked; the data is still usable.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
