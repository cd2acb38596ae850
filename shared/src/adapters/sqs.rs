//! Amazon SQS: the event bus (in place of the seeds' RabbitMQ).

use crate::config::QueueConfig;
use crate::domain::error::{AppError, Dependency};
use crate::domain::events::{EventEnvelope, EventPublisher};
use crate::domain::health::{Probe, ProbeFuture};
use aws_sdk_sqs::types::MessageAttributeValue;

#[derive(Clone)]
pub struct Sqs {
    client: aws_sdk_sqs::Client,
    queues: QueueConfig,
}

impl Sqs {
    pub fn new(sdk: &aws_config::SdkConfig, queues: QueueConfig) -> Self {
        Self { client: aws_sdk_sqs::Client::new(sdk), queues }
    }

    fn url(&self, queue: &str) -> Result<&str, AppError> {
        self.queues.url_of(queue).ok_or_else(|| AppError::internal(format!("queue '{queue}' has no URL configured")))
    }

    /// Health probe: the queue exists and answers.
    pub async fn ping(&self, queue: &str) -> Result<Option<serde_json::Value>, AppError> {
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(self.url(queue)?)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .send()
            .await
            .map_err(|e| AppError::unavailable(Dependency::Sqs, aws_sdk_sqs::error::DisplayErrorContext(e)))?;
        let depth = out
            .attributes()
            .and_then(|a| a.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages))
            .cloned();
        Ok(Some(serde_json::json!({ "queue": queue, "approximateMessages": depth })))
    }
}

/// One queue of [`Sqs`] as a health check sees it.
pub struct QueueProbe {
    sqs: Sqs,
    queue: &'static str,
}

impl Sqs {
    pub fn probe(&self, queue: &'static str) -> QueueProbe {
        QueueProbe { sqs: self.clone(), queue }
    }
}

impl Probe for QueueProbe {
    fn probe(&self) -> ProbeFuture<'_> {
        Box::pin(self.sqs.ping(self.queue))
    }
}

impl EventPublisher for Sqs {
    async fn publish(&self, queue: &str, event: &EventEnvelope) -> Result<(), AppError> {
        let body = serde_json::to_string(event).map_err(AppError::internal)?;
        let attr = |v: &str| MessageAttributeValue::builder().data_type("String").string_value(v).build();
        self.client
            .send_message()
            .queue_url(self.url(queue)?)
            .message_body(body)
            // Lets consumers and tooling filter without parsing the body.
            .message_attributes("eventType", attr(&event.event_type).map_err(AppError::internal)?)
            .message_attributes("eventId", attr(&event.id.to_string()).map_err(AppError::internal)?)
            .send()
            .await
            .map_err(|e| AppError::unavailable(Dependency::Sqs, aws_sdk_sqs::error::DisplayErrorContext(e)))?;
        Ok(())
    }
}
