//! The transactional outbox: events written with the change they announce, claimed by the
//! handler that delivers them, and by the relay when that failed.

use super::{Postgres, db_error};
use crate::domain::error::AppError;
use crate::domain::events::EventEnvelope;
use crate::domain::outbox::{OutboxEntry, OutboxStore};

/// Writes an event to the outbox inside the caller's transaction, claimed by the caller for
/// 30 s so the relay leaves it alone while the handler delivers it right after commit.
pub async fn insert_claimed_outbox(
    tx: &deadpool_postgres::Transaction<'_>,
    queue: &str,
    event: &EventEnvelope,
) -> Result<(), AppError> {
    let payload = serde_json::to_value(event).map_err(AppError::internal)?;
    tx.execute(INSERT_CLAIMED, &[&event.id, &queue, &payload]).await.map_err(db_error)?;
    Ok(())
}

impl OutboxStore for Postgres {
    async fn claim_pending(&self, limit: i64) -> Result<Vec<OutboxEntry>, AppError> {
        let client = self.client().await?;
        let rows = client.query(CLAIM_PENDING, &[&limit]).await.map_err(db_error)?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            let queue: String = row.get(0);
            let payload: serde_json::Value = row.get(1);
            match serde_json::from_value::<EventEnvelope>(payload) {
                Ok(event) => {
                    entries.push((row.get::<_, chrono::DateTime<chrono::Utc>>(2), OutboxEntry { queue, event }))
                }
                Err(e) => tracing::error!(error = %e, "outbox row is not an event envelope; left in place"),
            }
        }
        entries.sort_by_key(|(created, _)| *created);
        Ok(entries.into_iter().map(|(_, e)| e).collect())
    }

    async fn mark_delivered(&self, event_id: uuid::Uuid) -> Result<(), AppError> {
        let client = self.client().await?;
        client.execute(MARK_DELIVERED, &[&event_id]).await.map_err(db_error)?;
        Ok(())
    }

    async fn release(&self, event_id: uuid::Uuid, error: &str) -> Result<(), AppError> {
        let client = self.client().await?;
        // A short back-off so the same relay run does not hammer a queue that just failed.
        client.execute(RELEASE, &[&event_id, &error]).await.map_err(db_error)?;
        Ok(())
    }

    async fn enqueue(&self, queue: &str, event: &EventEnvelope) -> Result<(), AppError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        insert_claimed_outbox(&tx, queue, event).await?;
        tx.commit().await.map_err(db_error)
    }
}

// The statements of this file, one text each (the query plan test plans each row-finding one).
pub const INSERT_CLAIMED: &str =
    "INSERT INTO outbox (event_id, queue, payload, claimed_until) VALUES ($1, $2, $3, now() + interval '30 seconds')";
pub const CLAIM_PENDING: &str = "UPDATE outbox SET claimed_until = now() + interval '30 seconds', attempts = attempts + 1 \
     WHERE event_id IN ( \
     SELECT event_id FROM outbox \
     WHERE claimed_until IS NULL OR claimed_until < now() \
     ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED) \
     RETURNING queue, payload, created_at";
pub const MARK_DELIVERED: &str = "DELETE FROM outbox WHERE event_id = $1";
pub const RELEASE: &str =
    "UPDATE outbox SET claimed_until = now() + interval '5 seconds', last_error = left($2, 1000) WHERE event_id = $1";
