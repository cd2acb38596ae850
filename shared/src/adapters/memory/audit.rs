//! The audit trail of user events.

use super::lock;
use crate::domain::audit::{AuditRecord, AuditTrail};
use crate::domain::error::AppError;
use std::sync::Mutex;

/// Audit records, once per event id, in the order they were written.
#[derive(Default)]
pub struct MemoryAuditTrail(pub Mutex<Vec<AuditRecord>>);

impl AuditTrail for MemoryAuditTrail {
    async fn record(&self, record: &AuditRecord) -> Result<bool, AppError> {
        let mut all = lock(&self.0);
        if all.iter().any(|r| r.event_id == record.event_id) {
            return Ok(false);
        }
        all.push(record.clone());
        Ok(true)
    }
}
