//! The outbox and the queues.

use super::lock;
use crate::domain::error::{AppError, Dependency};
use crate::domain::events::{EventEnvelope, EventPublisher};
use crate::domain::outbox::{OutboxEntry, OutboxStore};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Pending outbox entries, in insertion order, and the ids marked delivered.
#[derive(Default)]
pub struct MemoryOutbox {
    pub pending: Mutex<Vec<OutboxEntry>>,
    pub delivered: Mutex<Vec<uuid::Uuid>>,
}

impl OutboxStore for MemoryOutbox {
    async fn claim_pending(&self, limit: i64) -> Result<Vec<OutboxEntry>, AppError> {
        let mut pending = lock(&self.pending);
        let n = usize::try_from(limit).unwrap_or(0).min(pending.len());
        Ok(pending.drain(..n).collect())
    }
    async fn mark_delivered(&self, id: uuid::Uuid) -> Result<(), AppError> {
        lock(&self.delivered).push(id);
        Ok(())
    }
    async fn release(&self, _id: uuid::Uuid, _error: &str) -> Result<(), AppError> {
        Ok(())
    }
    async fn enqueue(&self, queue: &str, event: &EventEnvelope) -> Result<(), AppError> {
        lock(&self.pending).push(OutboxEntry { queue: queue.into(), event: event.clone() });
        Ok(())
    }
}

/// A queue that records what it is sent, and can be switched off (SQS down).
pub struct MemoryQueue {
    up: AtomicBool,
    pub sent: Mutex<Vec<(String, EventEnvelope)>>,
}

impl Default for MemoryQueue {
    fn default() -> Self {
        Self { up: AtomicBool::new(true), sent: Mutex::default() }
    }
}

impl MemoryQueue {
    pub fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }

    pub fn sent_ids(&self) -> Vec<uuid::Uuid> {
        lock(&self.sent).iter().map(|(_, e)| e.id).collect()
    }
}

impl EventPublisher for MemoryQueue {
    async fn publish(&self, queue: &str, event: &EventEnvelope) -> Result<(), AppError> {
        if !self.up.load(Ordering::SeqCst) {
            return Err(AppError::unavailable(Dependency::Sqs, "the queue is switched off"));
        }
        lock(&self.sent).push((queue.to_string(), event.clone()));
        Ok(())
    }
}
