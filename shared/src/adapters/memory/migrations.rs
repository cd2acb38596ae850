//! The database schema's migrations.

use super::lock;
use crate::domain::error::AppError;
use crate::domain::migrations::SchemaMigrations;
use std::sync::Mutex;

/// Migrations still to apply and those applied, by name.
#[derive(Default)]
pub struct MemoryMigrations {
    pub pending: Mutex<Vec<String>>,
    pub applied: Mutex<Vec<String>>,
}

impl MemoryMigrations {
    pub fn with<'a>(pending: impl IntoIterator<Item = &'a str>) -> Self {
        Self { pending: Mutex::new(pending.into_iter().map(str::to_string).collect()), ..Self::default() }
    }
}

impl SchemaMigrations for MemoryMigrations {
    async fn migrate(&self) -> Result<Vec<String>, AppError> {
        let now: Vec<String> = lock(&self.pending).drain(..).collect();
        lock(&self.applied).extend(now.iter().cloned());
        Ok(now)
    }
}
