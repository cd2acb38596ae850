//! SQS consumers: each record is parsed as an [`EventEnvelope`] and handled on its own; failures
//! are reported per message (`ReportBatchItemFailures`) so only those are redelivered, and the
//! queue's redrive policy moves a message that keeps failing to its DLQ.

use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use crate::domain::events::EventEnvelope;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use std::future::Future;

fn parse(message: &SqsMessage) -> Result<EventEnvelope, AppError> {
    let body = message.body.as_deref().ok_or_else(|| AppError::new(ErrorCode::InvalidEvent, "message has no body"))?;
    serde_json::from_str(body)
        .map_err(|e| AppError::new(ErrorCode::InvalidEvent, format!("not an event envelope: {e}")))
}

pub async fn process_batch<F, Fut, T>(event: SqsEvent, handle: F) -> SqsBatchResponse
where
    F: Fn(EventEnvelope) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
    T: std::fmt::Debug,
{
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let Some(message_id) = message.message_id.clone() else {
            // Without an id it cannot be reported; it is acknowledged and logged.
            tracing::error!("SQS record without messageId skipped");
            continue;
        };
        let receive_count = message.attributes.get("ApproximateReceiveCount").cloned().unwrap_or_default();
        let result = match parse(&message) {
            Ok(envelope) => {
                let (event_id, event_type) = (envelope.id, envelope.event_type.clone());
                handle(envelope).await.map(|outcome| (event_id, event_type, outcome))
            }
            Err(e) => Err(e),
        };
        match result {
            Ok((event_id, event_type, outcome)) => {
                tracing::info!(%message_id, %event_id, %event_type, ?outcome, "event processed");
            }
            Err(e) => {
                tracing::warn!(%message_id, receive_count, code = %e.code(), error = %e, "event failed; reported for retry");
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = message_id;
                response.batch_item_failures.push(failure);
            }
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str, body: &str) -> SqsMessage {
        let mut m = SqsMessage::default();
        m.message_id = Some(id.to_string());
        m.body = Some(body.to_string());
        m
    }

    #[tokio::test]
    async fn only_failed_messages_are_reported() {
        let good = serde_json::to_string(&EventEnvelope::new("TestEvent", "t", ()).unwrap()).unwrap();
        let mut event = SqsEvent::default();
        event.records = vec![message("m1", &good), message("m2", "not json"), message("m3", &good)];
        let resp = process_batch(event, |_e| async { Ok::<_, AppError>(()) }).await;
        let ids: Vec<_> = resp.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
        assert_eq!(ids, ["m2"]);
    }

    #[tokio::test]
    async fn handler_errors_are_reported() {
        let good = serde_json::to_string(&EventEnvelope::new("TestEvent", "t", ()).unwrap()).unwrap();
        let mut event = SqsEvent::default();
        event.records = vec![message("m1", &good)];
        let resp = process_batch(event, |_e| async {
            Err::<(), _>(AppError::unavailable(crate::domain::error::Dependency::Mongo, "down"))
        })
        .await;
        assert_eq!(resp.batch_item_failures.len(), 1);
    }
}
