//! One task per mapping: resolve the queue, receive a batch, invoke the function, delete what the
//! decision says. Survives SQS and the invoke endpoint going away (emulator restarts) by retrying
//! with backoff.

use crate::backoff::Backoff;
use crate::config::{Mapping, SQS_MAX_MESSAGES_PER_RECEIVE};
use crate::decision::{self, BatchEntry, Decision, InvokeResponse, Verdict};
use crate::event::{self, Source};
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, Message,
    MessageSystemAttributeName, QueueAttributeName,
};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tracing::{debug, error, info, warn};

pub struct Poller {
    pub sqs: aws_sdk_sqs::Client,
    pub http: reqwest::Client,
    pub invoke_base: String,
    pub region: String,
    pub wait_time_seconds: u32,
    /// How long an in-flight invocation may still run after a shutdown signal.
    pub shutdown_grace: Duration,
    pub mapping: Mapping,
    pub shutdown: watch::Receiver<bool>,
}

/// A resolved queue.
#[derive(Debug, Clone)]
struct Queue {
    url: String,
    arn: String,
    visibility_timeout: Duration,
}

/// Why an invocation produced no usable response.
enum InvokeFailure {
    /// The request never reached the endpoint (connection refused / connect timeout): safe to retry.
    Unreachable(String),
    /// The request may have reached the function (timeout, broken connection): outcome unknown.
    Unknown(String),
}

impl Poller {
    pub async fn run(mut self) {
        let function = self.mapping.function.clone();
        let queue_name = self.mapping.queue.clone();
        info!(function = %function, queue = %queue_name, batch_size = self.mapping.batch_size,
              maximum_batching_window_seconds = self.mapping.maximum_batching_window_seconds,
              report_batch_item_failures = self.mapping.report_batch_item_failures, "mapping started");
        let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(10));
        let mut queue: Option<Queue> = None;
        let mut gateway_up = false;
        let mut last_problem: Option<String> = None;

        while !self.stopping() {
            let q = match &queue {
                Some(q) => q.clone(),
                None => match self.resolve_queue().await {
                    Ok(q) => {
                        info!(function = %function, queue = %queue_name, queue_url = %q.url, queue_arn = %q.arn,
                              visibility_timeout_seconds = q.visibility_timeout.as_secs(), "queue resolved");
                        queue = Some(q.clone());
                        last_problem = None;
                        backoff.reset();
                        q
                    }
                    Err(e) => {
                        self.report_problem(
                            &mut last_problem,
                            "cannot resolve queue; retrying",
                            &e,
                        );
                        self.sleep(backoff.next_delay()).await;
                        continue;
                    }
                },
            };

            // Do not take messages off the queue while nobody can process them: every receive
            // counts towards maxReceiveCount and would push messages to the DLQ.
            if !gateway_up {
                match self.probe_gateway().await {
                    Ok(()) => {
                        info!(function = %function, invoke_url = %self.invoke_base, "invoke endpoint reachable");
                        gateway_up = true;
                        last_problem = None;
                        backoff.reset();
                    }
                    Err(e) => {
                        self.report_problem(
                            &mut last_problem,
                            "invoke endpoint unreachable; waiting",
                            &e,
                        );
                        self.sleep(backoff.next_delay()).await;
                        continue;
                    }
                }
            }

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
            if !self.process_batch(&q, &messages).await {
                gateway_up = false;
            }
        }
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
            _ = rx.wait_for(|stop| *stop) => {}
        }
    }

    /// Logs a problem once per distinct message (warn), repeats at debug level.
    fn report_problem(&self, last: &mut Option<String>, what: &str, err: &str) {
        let key = format!("{what}: {err}");
        if last.as_deref() == Some(key.as_str()) {
            debug!(function = %self.mapping.function, queue = %self.mapping.queue, error = %err, "{what}");
        } else {
            warn!(function = %self.mapping.function, queue = %self.mapping.queue, error = %err, "{what}");
            *last = Some(key);
        }
    }

    async fn resolve_queue(&self) -> Result<Queue, String> {
        let url = self
            .sqs
            .get_queue_url()
            .queue_name(&self.mapping.queue)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "GetQueueUrl: {}",
                    aws_sdk_sqs::error::DisplayErrorContext(e)
                )
            })?
            .queue_url
            .ok_or("GetQueueUrl returned no QueueUrl")?;
        let attrs = self
            .sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .attribute_names(QueueAttributeName::VisibilityTimeout)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "GetQueueAttributes: {}",
                    aws_sdk_sqs::error::DisplayErrorContext(e)
                )
            })?
            .attributes
            .unwrap_or_default();
        let arn = attrs
            .get(&QueueAttributeName::QueueArn)
            .cloned()
            .ok_or("queue has no QueueArn attribute")?;
        let visibility = attrs
            .get(&QueueAttributeName::VisibilityTimeout)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(30);
        Ok(Queue {
            url,
            arn,
            visibility_timeout: Duration::from_secs(visibility),
        })
    }

    /// Checks that something accepts TCP connections at the invoke endpoint.
    async fn probe_gateway(&self) -> Result<(), String> {
        let url =
            reqwest::Url::parse(&self.invoke_base).map_err(|e| format!("bad --invoke-url: {e}"))?;
        let host = url.host_str().ok_or("--invoke-url has no host")?.to_owned();
        let port = url
            .port_or_known_default()
            .ok_or("--invoke-url has no port")?;
        match tokio::time::timeout(
            Duration::from_secs(2),
            tokio::net::TcpStream::connect((host.as_str(), port)),
        )
        .await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!("{host}:{port}: {e}")),
            Err(_) => Err(format!("{host}:{port}: connect timed out")),
        }
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
                    warn!(function = %self.mapping.function, queue = %self.mapping.queue, error = %e,
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

    /// Invokes the function with one batch and applies the decision. Returns false when the invoke
    /// endpoint turned out to be unreachable.
    async fn process_batch(&mut self, q: &Queue, messages: &[Message]) -> bool {
        let function = self.mapping.function.clone();
        let source = Source {
            queue_arn: q.arn.clone(),
            region: self.region.clone(),
        };
        let event = event::build_event(messages, &source);
        let entries = event::entries(&event);
        let payload = match serde_json::to_vec(&event) {
            Ok(p) => p,
            Err(e) => {
                error!(function = %function, error = %e, "cannot serialize the event; batch left to the visibility timeout");
                return true;
            }
        };

        let received_at = Instant::now();
        // Retry only while the messages are still surely ours (inside their visibility timeout).
        let hold = q
            .visibility_timeout
            .saturating_sub(Duration::from_secs(5))
            .max(Duration::from_secs(1));
        let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(5));
        let (response, latency) = loop {
            let started = Instant::now();
            let Some(result) = self.invoke_unless_shut_down(&payload).await else {
                warn!(function = %function, queue = %self.mapping.queue, size = entries.len(),
                      grace_seconds = self.shutdown_grace.as_secs(),
                      "shutting down: abandoning an invocation still running after the grace period; \
                       nothing deleted, the batch reappears after the visibility timeout");
                return true;
            };
            match result {
                Ok(r) => break (r, started.elapsed()),
                Err(InvokeFailure::Unreachable(e)) => {
                    if self.stopping() || received_at.elapsed() + Duration::from_secs(1) >= hold {
                        warn!(function = %function, size = entries.len(), error = %e,
                              "invoke endpoint unreachable; releasing the batch (not invoked, nothing deleted)");
                        self.release(q, messages).await;
                        return false;
                    }
                    debug!(function = %function, error = %e, "invoke endpoint unreachable; retrying the same batch");
                    self.sleep(backoff.next_delay()).await;
                }
                Err(InvokeFailure::Unknown(e)) => {
                    // The function may have processed part of the batch: delete nothing, let the
                    // visibility timeout redeliver it (at-least-once, like Lambda after a timeout).
                    error!(function = %function, queue = %self.mapping.queue, size = entries.len(), failures = entries.len(),
                           deleted = 0, latency_ms = started.elapsed().as_millis() as u64, outcome = "invoke_failed", error = %e,
                           "batch failed: no usable response; nothing deleted");
                    return true;
                }
            }
        };

        let decision =
            decision::decide(&entries, &response, self.mapping.report_batch_item_failures);
        let deleted = self.delete(q, &entries, &decision).await;
        self.log_batch(&entries, &decision, deleted, latency);
        true
    }

    /// `None` when shutdown was requested and the invocation outlived the grace period.
    async fn invoke_unless_shut_down(
        &self,
        payload: &[u8],
    ) -> Option<Result<InvokeResponse, InvokeFailure>> {
        let mut rx = self.shutdown.clone();
        let grace = self.shutdown_grace;
        let deadline = async move {
            let _ = rx.wait_for(|stop| *stop).await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            r = self.invoke(payload) => Some(r),
            _ = deadline => None,
        }
    }

    async fn invoke(&self, payload: &[u8]) -> Result<InvokeResponse, InvokeFailure> {
        let url = format!(
            "{}/2015-03-31/functions/{}/invocations",
            self.invoke_base, self.mapping.function
        );
        let resp = self
            .http
            .post(&url)
            .header("content-type", "application/json")
            .header("x-amz-invocation-type", "RequestResponse")
            .body(payload.to_vec())
            .send()
            .await
            .map_err(|e| {
                if e.is_connect() {
                    InvokeFailure::Unreachable(format!("{url}: {e}"))
                } else {
                    InvokeFailure::Unknown(format!("{url}: {e}"))
                }
            })?;
        let status = resp.status().as_u16();
        let function_error = resp
            .headers()
            .get("x-amz-function-error")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let body = resp
            .bytes()
            .await
            .map_err(|e| InvokeFailure::Unknown(format!("{url}: reading the response: {e}")))?;
        Ok(InvokeResponse {
            status,
            function_error,
            body: body.to_vec(),
        })
    }

    /// Deletes `decision.delete`; returns how many deletions SQS confirmed.
    async fn delete(&self, q: &Queue, entries: &[BatchEntry], decision: &Decision) -> usize {
        let mut pending: Vec<(String, String)> = decision
            .delete
            .iter()
            .map(|rh| {
                let id = entries
                    .iter()
                    .find(|e| &e.receipt_handle == rh)
                    .map(|e| e.message_id.clone())
                    .unwrap_or_default();
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
                        DeleteMessageBatchRequestEntry::builder()
                            .id(i.to_string())
                            .receipt_handle(rh)
                            .build()
                    })
                    .collect::<Result<_, _>>()
                    .expect("id and receipt handle are set");
                match self
                    .sqs
                    .delete_message_batch()
                    .queue_url(&q.url)
                    .set_entries(Some(reqs))
                    .send()
                    .await
                {
                    Ok(out) => {
                        deleted += out.successful.len();
                        for f in out.failed {
                            let Some((id, rh)) =
                                f.id.parse::<usize>().ok().and_then(|i| chunk.get(i))
                            else {
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
                error!(function = %self.mapping.function, queue = %self.mapping.queue, count = pending.len(),
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
            if let Err(e) = self
                .sqs
                .change_message_visibility_batch()
                .queue_url(&q.url)
                .set_entries(Some(reqs))
                .send()
                .await
            {
                warn!(function = %self.mapping.function, error = %aws_sdk_sqs::error::DisplayErrorContext(e),
                      "could not release the batch; it reappears after the visibility timeout");
            }
        }
    }

    fn log_batch(
        &self,
        entries: &[BatchEntry],
        decision: &Decision,
        deleted: usize,
        latency: Duration,
    ) {
        let f = &self.mapping.function;
        let q = &self.mapping.queue;
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
