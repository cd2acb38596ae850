//! Lambda's SQS event-source mappings, from the template's `Type: SQS` events: long-poll the
//! queue, hand each batch to the function in one of its execution environments (in-process, the
//! same pools the gateway uses), delete what Lambda would delete ([`decision`]). Messages the
//! function did not process stay; the queue's visibility timeout and redrive policy do the rest,
//! as on AWS.

pub mod backoff;
pub mod decision;
pub mod event;
pub mod poller;

use crate::runtime::Functions;
use crate::stack::Stack;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Lambda starts this many concurrent batches per mapping when `MaximumConcurrency` is unset.
const DEFAULT_CONCURRENCY: usize = 5;

#[derive(Debug, Clone)]
pub struct Options {
    /// ReceiveMessage `WaitTimeSeconds`: short, so that a shutdown is quick.
    pub wait_time_seconds: u32,
    /// After a shutdown signal, how long a running invocation may still finish (its batch is then
    /// deleted as usual); past that it is abandoned with nothing deleted.
    pub shutdown_grace: Duration,
    /// Concurrent batches per mapping at most: a function's pool has no more environments.
    pub max_concurrency: usize,
}

/// Starts every enabled mapping; the tasks end when `shutdown` turns true.
pub fn start(
    stack: &Stack,
    functions: &Functions,
    sqs: &aws_sdk_sqs::Client,
    options: &Options,
    shutdown: &watch::Receiver<bool>,
) -> JoinSet<()> {
    let mut tasks = JoinSet::new();
    for mapping in stack.mappings.iter().filter(|m| m.enabled) {
        let Some(pool) = functions.get(&mapping.function) else {
            continue;
        };
        let concurrency =
            mapping.maximum_concurrency.map_or(DEFAULT_CONCURRENCY, |n| n as usize).min(options.max_concurrency).max(1);
        let poller = poller::Poller {
            sqs: sqs.clone(),
            pool: pool.clone(),
            region: stack.region.clone(),
            wait_time_seconds: options.wait_time_seconds,
            shutdown_grace: options.shutdown_grace,
            mapping: mapping.clone(),
            concurrency,
            shutdown: shutdown.clone(),
        };
        tasks.spawn(poller.run());
    }
    tasks
}
