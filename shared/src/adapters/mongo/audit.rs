//! The audit collection: one document per user event, written once however often the event is
//! delivered.

use super::client::{Mongo, changed, once_more_after_network_error};
use crate::domain::audit::{AuditRecord, AuditTrail};
use crate::domain::error::AppError;
use mongodb::bson::{self, Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Collection, IndexModel};

pub const AUDIT: &str = "audit";

impl Mongo {
    /// The audit collection, with its indexes (created once per execution environment).
    async fn audit(&self) -> Result<Collection<Document>, AppError> {
        let collection = self.collection(AUDIT);
        self.audit_indexed
            .get_or_try_init(|| async {
                let indexes = [
                    IndexModel::builder()
                        .keys(doc! { "eventId": 1 })
                        .options(IndexOptions::builder().name("eventId_unique".to_string()).unique(true).build())
                        .build(),
                    IndexModel::builder()
                        .keys(doc! { "userId": 1, "occurredAt": -1 })
                        .options(IndexOptions::builder().name("userId_occurredAt".to_string()).build())
                        .build(),
                ];
                Mongo::create_indexes(&collection, &indexes).await
            })
            .await?;
        Ok(collection)
    }
}

impl AuditTrail for Mongo {
    async fn record(&self, r: &AuditRecord) -> Result<bool, AppError> {
        let audit = self.audit().await?;
        let data = bson::to_bson(&r.data).map_err(AppError::internal)?;
        let document = doc! {
            "eventId": r.event_id.to_string(),
            "type": &r.event_type,
            "occurredAt": bson::DateTime::from_millis(r.occurred_at.timestamp_millis()),
            "source": &r.source,
            "userId": r.user_id,
            "username": r.username.as_deref(),
            "data": data,
            "recordedAt": bson::DateTime::now(),
        };
        let (audit, document) = (&audit, &document);
        changed(
            once_more_after_network_error(|| async move {
                audit
                    .update_one(doc! { "eventId": r.event_id.to_string() }, doc! { "$setOnInsert": document })
                    .upsert(true)
                    .await
            })
            .await,
        )
    }
}
