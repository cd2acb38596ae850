//! Transactional outbox: an event is written in the same database transaction as the change
//! it announces, then delivered to its queue right away when possible and by the scheduled
//! relay otherwise. Delivery is at-least-once; consumers deduplicate by event id.

use crate::domain::error::AppError;
use crate::domain::events::{EventEnvelope, EventPublisher};
use std::future::Future;

#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub queue: String,
    pub event: EventEnvelope,
}

pub trait OutboxStore: Send + Sync {
    /// Claims up to `limit` undelivered entries for a while (so two relays do not send the
    /// same rows at the same time) and returns them oldest first.
    fn claim_pending(&self, limit: i64) -> impl Future<Output = Result<Vec<OutboxEntry>, AppError>> + Send;
    fn mark_delivered(&self, event_id: uuid::Uuid) -> impl Future<Output = Result<(), AppError>> + Send;
    /// Gives the entry back to the relay, recording why delivery failed.
    fn release(&self, event_id: uuid::Uuid, error: &str) -> impl Future<Output = Result<(), AppError>> + Send;
    /// Queues an event that announces no change of its own (`GET /test-event`), claimed by the
    /// caller for a short while so that it can deliver it first.
    fn enqueue(&self, queue: &str, event: &EventEnvelope) -> impl Future<Output = Result<(), AppError>> + Send;
}

/// An outbox and the queue it delivers to.
pub struct Outbox<S, P> {
    pub store: S,
    pub publisher: P,
}

impl<S: OutboxStore, P: EventPublisher> Outbox<S, P> {
    /// Delivers an event its transaction committed; never fails the request (see [`deliver_committed`]).
    pub async fn deliver(&self, entry: OutboxEntry) -> bool {
        deliver_committed(&self.store, &self.publisher, entry).await
    }

    /// Queues `event` on `queue` and delivers it right away when the queue answers; returns
    /// whether it was delivered (otherwise the relay sends it).
    pub async fn publish(&self, queue: &str, event: EventEnvelope) -> Result<bool, AppError> {
        self.store.enqueue(queue, &event).await?;
        Ok(self.deliver(OutboxEntry { queue: queue.to_string(), event }).await)
    }

    /// One run of the relay (the scheduled function).
    pub async fn relay(&self, batch: i64) -> Result<DeliveryReport, AppError> {
        relay(&self.store, &self.publisher, batch).await
    }
}

/// The scheduled relay: an outbox, and how many entries it claims at a time.
pub struct Relay<S, P> {
    pub outbox: Outbox<S, P>,
    pub batch: i64,
}

#[derive(Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryReport {
    pub delivered: usize,
    pub failed: usize,
}

async fn deliver_one<S: OutboxStore, P: EventPublisher>(store: &S, publisher: &P, entry: &OutboxEntry) -> bool {
    match publisher.publish(&entry.queue, &entry.event).await {
        Ok(()) => {
            if let Err(e) = store.mark_delivered(entry.event.id).await {
                // Sent but still listed: the relay sends it again later, consumers dedupe.
                tracing::warn!(event_id = %entry.event.id, error = %e, "event sent but not marked delivered");
            }
            true
        }
        Err(e) => {
            tracing::warn!(event_id = %entry.event.id, queue = %entry.queue, error = %e, "event delivery failed; left for the relay");
            if let Err(e) = store.release(entry.event.id, &e.to_string()).await {
                tracing::warn!(event_id = %entry.event.id, error = %e, "could not release outbox entry; its claim will expire");
            }
            false
        }
    }
}

/// Called by a handler right after its transaction committed. Never fails the request:
/// the event is already safe in the outbox.
pub async fn deliver_committed<S: OutboxStore, P: EventPublisher>(
    store: &S,
    publisher: &P,
    entry: OutboxEntry,
) -> bool {
    deliver_one(store, publisher, &entry).await
}

/// One run of the relay: drains the outbox in batches until it is empty or a whole batch fails.
pub async fn relay<S: OutboxStore, P: EventPublisher>(
    store: &S,
    publisher: &P,
    batch: i64,
) -> Result<DeliveryReport, AppError> {
    let mut report = DeliveryReport::default();
    loop {
        let entries = store.claim_pending(batch).await?;
        if entries.is_empty() {
            return Ok(report);
        }
        let mut delivered_now = 0;
        for entry in &entries {
            if deliver_one(store, publisher, entry).await {
                delivered_now += 1;
            } else {
                report.failed += 1;
            }
        }
        report.delivered += delivered_now;
        if delivered_now == 0 || (entries.len() as i64) < batch {
            return Ok(report);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::error::Dependency;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[derive(Default)]
    struct MemoryOutbox {
        pending: Mutex<Vec<OutboxEntry>>,
        delivered: Mutex<Vec<uuid::Uuid>>,
    }

    impl OutboxStore for MemoryOutbox {
        async fn claim_pending(&self, limit: i64) -> Result<Vec<OutboxEntry>, AppError> {
            let mut p = self.pending.lock().unwrap();
            let n = (limit as usize).min(p.len());
            Ok(p.drain(..n).collect())
        }
        async fn mark_delivered(&self, id: uuid::Uuid) -> Result<(), AppError> {
            self.delivered.lock().unwrap().push(id);
            Ok(())
        }
        async fn release(&self, _id: uuid::Uuid, _error: &str) -> Result<(), AppError> {
            Ok(())
        }
        async fn enqueue(&self, queue: &str, event: &EventEnvelope) -> Result<(), AppError> {
            self.pending.lock().unwrap().push(OutboxEntry { queue: queue.into(), event: event.clone() });
            Ok(())
        }
    }

    struct FlakyQueue {
        up: AtomicBool,
        sent: Mutex<Vec<uuid::Uuid>>,
    }

    impl EventPublisher for FlakyQueue {
        async fn publish(&self, _queue: &str, event: &EventEnvelope) -> Result<(), AppError> {
            if !self.up.load(Ordering::SeqCst) {
                return Err(AppError::unavailable(Dependency::Sqs, "down"));
            }
            self.sent.lock().unwrap().push(event.id);
            Ok(())
        }
    }

    fn entry() -> OutboxEntry {
        OutboxEntry { queue: "auth-events".into(), event: EventEnvelope::new("TestEvent", "test", ()).unwrap() }
    }

    #[tokio::test]
    async fn failed_immediate_delivery_is_completed_by_the_relay() {
        let store = MemoryOutbox::default();
        let queue = FlakyQueue { up: AtomicBool::new(false), sent: Mutex::default() };
        let e = entry();
        assert!(!deliver_committed(&store, &queue, e.clone()).await);
        store.pending.lock().unwrap().push(e.clone()); // released back to the outbox
        queue.up.store(true, Ordering::SeqCst);
        let report = relay(&store, &queue, 10).await.unwrap();
        assert_eq!(report, DeliveryReport { delivered: 1, failed: 0 });
        assert_eq!(queue.sent.lock().unwrap().as_slice(), &[e.event.id]);
        assert_eq!(store.delivered.lock().unwrap().as_slice(), &[e.event.id]);
    }

    #[tokio::test]
    async fn relay_drains_several_batches() {
        let store = MemoryOutbox::default();
        store.pending.lock().unwrap().extend((0..5).map(|_| entry()));
        let queue = FlakyQueue { up: AtomicBool::new(true), sent: Mutex::default() };
        let report = relay(&store, &queue, 2).await.unwrap();
        assert_eq!(report.delivered, 5);
    }
}
