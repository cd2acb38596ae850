//! Jobs invoked with a JSON event rather than a request: the outbox relay (every minute) and
//! the database migrations (once after each deploy). The event's content is not read.

use crate::domain::error::AppError;
use crate::domain::events::EventPublisher;
use crate::domain::migrations::SchemaMigrations;
use crate::domain::outbox::{DeliveryReport, OutboxStore, Relay};
use serde::Serialize;

/// `db-migrate`'s answer: the migrations this run applied, in order.
#[derive(Debug, Serialize, PartialEq)]
pub struct Migrated {
    pub applied: Vec<String>,
}

/// `outbox-relay`: delivers the outbox entries whose immediate delivery failed (SQS was down
/// when the request committed, say), so that nothing accepted is lost.
pub async fn relay<S: OutboxStore, P: EventPublisher>(
    relay: &Relay<S, P>,
    _event: serde_json::Value,
) -> Result<DeliveryReport, AppError> {
    // Boxed: the relay's future (down to the SQS client's) nested in the runtime's is deeper
    // than the compiler's layout query allows.
    let report = Box::pin(relay.outbox.relay(relay.batch)).await?;
    tracing::info!(delivered = report.delivered, failed = report.failed, "outbox relay run");
    Ok(report)
}

/// `db-migrate`: applies the pending SQL migrations.
pub async fn migrate<D: SchemaMigrations>(db: &D, _event: serde_json::Value) -> Result<Migrated, AppError> {
    let applied = db.migrate().await?;
    tracing::info!(?applied, "migrations applied");
    Ok(Migrated { applied })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::{MemoryMigrations, MemoryOutbox, MemoryQueue};
    use crate::domain::events::EventEnvelope;
    use crate::domain::outbox::{Outbox, OutboxEntry};

    #[tokio::test]
    async fn the_relay_delivers_what_is_pending_and_reports_it() {
        let outbox = Outbox { store: MemoryOutbox::default(), publisher: MemoryQueue::default() };
        let entries = (0..3).map(|_| OutboxEntry {
            queue: "auth-events".into(),
            event: EventEnvelope::new("TestEvent", "test", ()).unwrap(),
        });
        outbox.store.pending.lock().unwrap().extend(entries);
        let state = Relay { outbox, batch: 2 };
        let report = relay(&state, serde_json::json!({})).await.unwrap();
        assert_eq!(serde_json::to_value(report).unwrap(), serde_json::json!({"delivered": 3, "failed": 0}));
        assert_eq!(state.outbox.publisher.sent_ids().len(), 3);
    }

    #[tokio::test]
    async fn migrations_answer_what_they_applied() {
        let db = MemoryMigrations::with(["V1__users", "V2__outbox"]);
        let first = migrate(&db, serde_json::Value::Null).await.unwrap();
        assert_eq!(serde_json::to_value(first).unwrap(), serde_json::json!({"applied": ["V1__users", "V2__outbox"]}));
        assert_eq!(migrate(&db, serde_json::Value::Null).await.unwrap(), Migrated { applied: vec![] });
    }
}
