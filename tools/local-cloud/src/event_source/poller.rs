//! One task per mapping: resolve the queue, receive a batch, hand it to the function in one of
//! its execution environments, delete what the decision says. Batches run concurrently up to the
//! mapping's concurrency, but one long poll at a time (a batch is only received once an
//! environment's turn is free, so no message waits on the poller past its visibility timeout).
//! Survives the emulator going away (restarts) by retrying with backoff.

use super::backoff::Backoff;
use super::decision::{self, BatchEntry, Decision, InvokeResponse, Verdict};
use super::event::{self, Source};
use crate::runtime::{FunctionPool, Outcome};
use crate::stack::events::{SQS_MAX_MESSAGES_PER_RECEIVE, SqsMapping};
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName,
    QueueAttributeName,
};
use bytes::Bytes;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tracing::{debug, error, info, warn};

#[derive(Clone)]
pub struct Poller {
    pub sqs: aws_sdk_sqs::Client,
    pub pool: Arc<FunctionPool>,
    pub region: String,
    pub wait_time_seconds: u32,
    /// How long an in-flight invocation may still run after a shutdown signal.
    pub shutdown_grace: Duration,
    pub mapping: SqsMapping,
    /// Batches in flight at most.
    pub concurrency: usize,
    pub shutdown: watch::Receiver<bool>,
}

/// A resolved queue.
#[derive(Debug, Clone)]
struct Queue {
    url: String,
    arn: String,
}

impl Poller {
    pub async fn run(mut self) {
        let function = self.mapping.function.clone();
        let queue_name = self.mapping.queue.name.clone();
        info!(function = %function, queue = %queue_name, batch_size = self.mapping.batch_size,
              maximum_batching_window_seconds = self.mapping.maximum_batching_window_seconds,
              report_batch_item_failures = self.mapping.report_batch_item_failures, concurrency = self.concurrency,
              "mapping started");
        let turns = Arc::new(Semaphore::new(self.concurrency.max(1)));
        let mut batches = JoinSet::new();
        let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(10));
        let mut queue: Option<Queue> = None;
        let mut last_problem: Option<String> = None;

        while !self.stopping() {
            // Finished batches are only collected here; their tasks report for themselves.
            while batches.try_join_next().is_some() {}
            let Ok(turn) = turns.clone().acquire_owned().await else {
                break;
            };
            let q = match &queue {
                Some(q) => q.clone(),
                None => match self.resolve_queue().await {
                    Ok(q) => {
                        info!(function = %function, queue = %queue_name, queue_url = %q.url, queue_arn = %q.arn, "queue resolved");
                        queue = Some(q.clone());
                        last_problem = None;
                        backoff.reset();
                        q
                    }
                    Err(e) => {
                        self.report_problem(&mut last_problem, "cannot resolve queue; retrying", &e);
                        self.sleep(backoff.next_delay()).await;
                        continue;
                    }
                },
            };

            let messages = match self.receive_batch(&q).await {
                Ok(m) => {
                    if last_problem.take().is_some() {
                        info!(function = %function, queue = %queue_name, "receiving again");
                    }
                    backoff.reset();
                    m
                }
                Err(e) => {
                    self.report_problem(&mut last_problem, "ReceiveMessage failed; retrying", &e);
                    queue = None; // the emulator may have restarted: resolve again
                    self.sleep(backoff.next_delay()).await;
                    continue;
                }
            };
            if messages.is_empty() {
                continue;
            }
            if self.stopping() {
                info!(function = %function, size = messages.len(), "shutting down: releasing a batch that was not invoked");
                self.release(&q, &messages).await;
                break;
            }
            let worker = self.clone();
            batches.spawn(async move {
                worker.process_batch(&q, &messages).await;
                drop(turn);
            });
        }
        // Each running batch finishes (or gives up after the grace period) on its own.
        while batches.join_next().await.is_some() {}
        info!(function = %function, queue = %queue_name, "mapping stopped");
    }

    fn stopping(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Sleeps, returning early on shutdown.
    async fn sleep(&mut self, d: Duration) {
        let mut rx = self.shutdown.clone();
        tokio::select! {
            _ = tokio::time::sleep(d) => {}
            () = crate::http::stopped(&mut rx) => {}
        }
    }

    /// Logs a problem once per distinct message (warn), repeats at debug level.
    fn report_problem(&self, last: &mut Option<String>, what: &str, err: &str) {
        let key = format!("{what}: {err}");
        if last.as_deref() == Some(key.as_str()) {
            debug!(function = %self.mapping.function, queue = %self.mapping.queue.name, error = %err, "{what}");
        } else {
            warn!(function = %self.mapping.function, queue = %self.mapping.queue.name, error = %err, "{what}");
            *last = Some(key);
        }
    }

    /// The queue's ARN as the emulator reports it (this also proves the queue exists).
    async fn resolve_queue(&self) -> Result<Queue, String> {
        let url = self.mapping.queue.url.clone();
        let attrs = self
            .sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|e| format!("GetQueueAttributes: {}", aws_sdk_sqs::error::DisplayErrorContext(e)))?
            .attributes
            .unwrap_or_default();
        let arn = attrs.get(&QueueAttributeName::QueueArn).cloned().ok_or("queue has no QueueArn attribute")?;
        Ok(Queue { url, arn })
    }

    async fn receive(&self, q: &Queue, max: u32, wait: u32) -> Result<Vec<Message>, String> {
        let out = self
            .sqs
            .receive_message()
            .queue_url(&q.url)
            .max_number_of_messages(max.clamp(1, SQS_MAX_MESSAGES_PER_RECEIVE) as i32)
            .wait_time_seconds(wait as i32)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(|e| format!("{}", aws_sdk_sqs::error::DisplayErrorContext(e)))?;
        Ok(out.messages.unwrap_or_default())
    }

    /// One batch as Lambda's poller forms it: up to `batch_size` messages, gathering for up to
    /// `maximum_batching_window_seconds` after the first message arrives.
    async fn receive_batch(&self, q: &Queue) -> Result<Vec<Message>, String> {
        let size = self.mapping.batch_size;
        let mut batch = self.receive(q, size, self.wait_time_seconds).await?;
        let window = Duration::from_secs(u64::from(self.mapping.maximum_batching_window_seconds));
        if batch.is_empty() || window.is_zero() {
            return Ok(batch);
        }
        let deadline = Instant::now() + window;
        while (batch.len() as u32) < size && !self.stopping() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            // WaitTimeSeconds is whole seconds: spend a sub-second remainder sleeping, then
            // take whatever arrived meanwhile with a last non-waiting receive.
            let wait = (left.as_secs() as u32).min(self.wait_time_seconds.max(1));
            if wait == 0 {
                tokio::time::sleep(left).await;
            }
            match self.receive(q, size - batch.len() as u32, wait).await {
                Ok(more) => batch.extend(more),
                Err(e) => {
                    // Keep what we have: those messages are ours until their visibility timeout ends.
                    warn!(function = %self.mapping.function, queue = %self.mapping.queue.name, error = %e,
                          "ReceiveMessage failed while filling a batch; invoking with what was received");
                    break;
                }
            }
            if wait == 0 {
                break;
            }
        }
        Ok(batch)
    }

    /// Invokes the function with one batch and applies the decision.
    async fn process_batch(&self, q: &Queue, messages: &[Message]) {
        let function = self.mapping.function.clone();
        let source = Source { queue_arn: q.arn.clone(), region: self.region.clone() };
        let event = event::build_event(messages, &source);
        let entries = event::entries(&event);
        let payload = match serde_json::to_vec(&event) {
            Ok(p) => Bytes::from(p),
            Err(e) => {
                error!(function = %function, error = %e, "cannot serialize the event; batch left to the visibility timeout");
                return;
            }
        };
        let started = Instant::now();
        let Some(response) = self.invoke_unless_shut_down(payload).await else {
            warn!(function = %function, queue = %self.mapping.queue.name, size = entries.len(),
                  grace_seconds = self.shutdown_grace.as_secs(),
                  "shutting down: abandoning an invocation still running after the grace period; \
                   nothing deleted, the batch reappears after the visibility timeout");
            return;
        };
        let decision = decision::decide(&entries, &response, self.mapping.report_batch_item_failures);
        let deleted = self.delete(q, &entries, &decision).await;
        self.log_batch(&entries, &decision, deleted, started.elapsed());
    }

    /// `None` when shutdown was requested and the invocation outlived the grace period.
    async fn invoke_unless_shut_down(&self, payload: Bytes) -> Option<InvokeResponse> {
        let mut rx = self.shutdown.clone();
        let grace = self.shutdown_grace;
        let deadline = async move {
            let _ = rx.wait_for(|stop| *stop).await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            invocation = self.pool.invoke(payload) => Some(match invocation.outcome {
                Outcome::Response(body) => InvokeResponse { status: 200, function_error: None, body: body.to_vec() },
                // What Lambda's Invoke API answers for a function error.
                Outcome::Error(body) => {
                    InvokeResponse { status: 200, function_error: Some("Unhandled".into()), body: body.to_vec() }
                }
            }),
            _ = deadline => None,
        }
    }

    /// Deletes `decision.delete`; returns how many deletions SQS confirmed.
    async fn delete(&self, q: &Queue, entries: &[BatchEntry], decision: &Decision) -> usize {
        let mut pending: Vec<(String, String)> = decision
            .delete
            .iter()
            .map(|rh| {
                let id =
                    entries.iter().find(|e| &e.receipt_handle == rh).map(|e| e.message_id.clone()).unwrap_or_default();
                (id, rh.clone())
            })
            .collect();
        let mut deleted = 0;
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(4));
        for attempt in 1..=5 {
            let mut retry = Vec::new();
            for chunk in pending.chunks(SQS_MAX_MESSAGES_PER_RECEIVE as usize) {
                let reqs: Vec<_> = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, (_, rh))| {
                        DeleteMessageBatchRequestEntry::builder().id(i.to_string()).receipt_handle(rh).build()
                    })
                    .collect::<Result<_, _>>()
                    .expect("id and receipt handle are set");
                match self.sqs.delete_message_batch().queue_url(&q.url).set_entries(Some(reqs)).send().await {
                    Ok(out) => {
                        deleted += out.successful.len();
                        for f in out.failed {
                            let Some((id, rh)) = f.id.parse::<usize>().ok().and_then(|i| chunk.get(i)) else {
                                continue;
                            };
                            if f.sender_fault {
                                // e.g. a receipt handle from before an emulator restart: the message
                                // will be redelivered; handlers are idempotent.
                                warn!(function = %self.mapping.function, message_id = %id, code = %f.code,
                                      error = f.message.as_deref().unwrap_or(""), "DeleteMessage rejected; the message will be redelivered");
                            } else {
                                retry.push((id.clone(), rh.clone()));
                            }
                        }
                    }
                    Err(e) => {
                        debug!(function = %self.mapping.function, attempt, error = %aws_sdk_sqs::error::DisplayErrorContext(&e), "DeleteMessageBatch failed");
                        retry.extend(chunk.iter().cloned());
                    }
                }
            }
            if retry.is_empty() {
                break;
            }
            pending = retry;
            if attempt == 5 {
                error!(function = %self.mapping.function, queue = %self.mapping.queue.name, count = pending.len(),
                       "could not delete processed messages; they will be redelivered after the visibility timeout");
                break;
            }
            tokio::time::sleep(backoff.next_delay()).await;
        }
        deleted
    }

    /// Makes messages that were never handed to the function visible again at once.
    async fn release(&self, q: &Queue, messages: &[Message]) {
        for chunk in messages.chunks(SQS_MAX_MESSAGES_PER_RECEIVE as usize) {
            let reqs: Vec<_> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, m)| {
                    ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(i.to_string())
                        .set_receipt_handle(m.receipt_handle.clone())
                        .visibility_timeout(0)
                        .build()
                        .ok()
                })
                .collect();
            if let Err(e) =
                self.sqs.change_message_visibility_batch().queue_url(&q.url).set_entries(Some(reqs)).send().await
            {
                warn!(function = %self.mapping.function, error = %aws_sdk_sqs::error::DisplayErrorContext(e),
                      "could not release the batch; it reappears after the visibility timeout");
            }
        }
    }

    fn log_batch(&self, entries: &[BatchEntry], decision: &Decision, deleted: usize, latency: Duration) {
        let f = &self.mapping.function;
        let q = &self.mapping.queue.name;
        let size = entries.len();
        let latency_ms = latency.as_millis() as u64;
        let retained = decision.retained(size);
        match &decision.verdict {
            Verdict::Success => {
                info!(function = %f, queue = %q, size, failures = 0, deleted, latency_ms, outcome = "success", "batch processed")
            }
            Verdict::PartialFailure { failed } => {
                warn!(function = %f, queue = %q, size, failures = retained, deleted, latency_ms, outcome = "partial_failure",
                      failed_message_ids = ?failed, "batch processed with item failures; failed messages stay on the queue")
            }
            Verdict::FunctionError { reason } => {
                error!(function = %f, queue = %q, size, failures = size, deleted, latency_ms, outcome = "function_error",
                       error = %reason, "function error; nothing deleted, the batch is retried after the visibility timeout")
            }
            Verdict::InvalidResponse { reason } => {
                error!(function = %f, queue = %q, size, failures = size, deleted, latency_ms, outcome = "invalid_response",
                       error = %reason, "unusable batch response; nothing deleted, the batch is retried after the visibility timeout")
            }
        }
    }
}
