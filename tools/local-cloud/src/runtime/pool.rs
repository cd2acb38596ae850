//! A pool of execution environments per function, created on demand and reused while warm.
//!
//! Lambda runs as many environments as there are concurrent invocations (up to the account's
//! concurrency); locally a pool holds at most `max_environments` and further invocations wait
//! for one to be free, in arrival order.

use super::environment::{After, Environment, Spec};
use super::{Invocation, Outcome};
use crate::stack::Stack;
use bytes::Bytes;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Where the binaries are: `target/debug` (or `target/release`).
    pub binaries: PathBuf,
    /// One log file per function: `<logs>/<binary>.log`.
    pub logs: PathBuf,
    pub max_environments: usize,
    /// How long an idle environment is kept warm.
    pub idle_timeout: Duration,
    pub init_timeout: Duration,
}

pub struct FunctionPool {
    spec: Spec,
    slots: Semaphore,
    idle: Mutex<Vec<Environment>>,
}

impl FunctionPool {
    fn new(spec: Spec, max_environments: usize) -> Self {
        Self { spec, slots: Semaphore::new(max_environments.max(1)), idle: Mutex::default() }
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    pub fn timeout(&self) -> Duration {
        self.spec.timeout
    }

    /// Runs one invocation in a free environment (a warm one if there is one).
    pub async fn invoke(&self, payload: Bytes) -> Invocation {
        let request_id = uuid::Uuid::new_v4().to_string();
        let started = Instant::now();
        // The semaphore is never closed, so acquiring only waits.
        let _slot = self.slots.acquire().await;
        let outcome = match self.warm_environment().await {
            Some(env) => self.run(env, &request_id, payload).await,
            None => match Environment::start(&self.spec).await {
                Ok(env) => self.run(env, &request_id, payload).await,
                Err(outcome) => outcome,
            },
        };
        Invocation { request_id, outcome, duration: started.elapsed() }
    }

    async fn run(&self, mut env: Environment, request_id: &str, payload: Bytes) -> Outcome {
        let (outcome, after) = env.invoke(request_id, payload, self.spec.timeout).await;
        if after == After::Reuse {
            self.lock_idle().push(env);
        }
        outcome
    }

    /// The most recently used idle environment that can still serve; stale ones are stopped.
    async fn warm_environment(&self) -> Option<Environment> {
        let modified = self.spec.binary_modified();
        loop {
            let mut env = self.lock_idle().pop()?;
            if !env.is_stale(modified) {
                return Some(env);
            }
            env.stop().await;
        }
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<Environment>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes out the environments idle for longer than `timeout`, for the caller to stop.
    fn reap(&self, timeout: Duration) -> Vec<Environment> {
        let mut idle = self.lock_idle();
        let (old, warm): (Vec<_>, Vec<_>) = idle.drain(..).partition(|e| e.idle_since.elapsed() > timeout);
        *idle = warm;
        old
    }

    /// Stops every idle environment.
    pub async fn stop(&self) {
        let all: Vec<Environment> = self.lock_idle().drain(..).collect();
        for env in all {
            env.stop().await;
        }
    }
}

/// Every function's pool, by `FunctionName`.
pub struct Functions {
    pools: HashMap<String, Arc<FunctionPool>>,
    idle_timeout: Duration,
}

impl Functions {
    pub fn new(stack: &Stack, options: &PoolOptions) -> std::io::Result<Self> {
        std::fs::create_dir_all(&options.logs)?;
        let task_root = options.binaries.display().to_string();
        let mut pools = HashMap::new();
        for f in &stack.functions {
            let log_file = options.logs.join(format!("{}.log", f.binary));
            // Created now so that `tail -F <logs>/*.log` follows every function from the start.
            std::fs::OpenOptions::new().create(true).append(true).open(&log_file)?;
            let spec = Spec {
                name: f.name.clone(),
                arn: f.arn.clone(),
                binary: options.binaries.join(&f.binary),
                environment: f.process_environment(&stack.region, &task_root).into_iter().collect(),
                log_file,
                timeout: f.timeout,
                init_timeout: options.init_timeout,
            };
            pools.insert(f.name.clone(), Arc::new(FunctionPool::new(spec, options.max_environments)));
        }
        Ok(Self { pools, idle_timeout: options.idle_timeout })
    }

    pub fn get(&self, name: &str) -> Option<Arc<FunctionPool>> {
        self.pools.get(name).cloned()
    }

    /// Stops the environments idle for longer than the idle timeout, every `every`.
    pub async fn reap_forever(self: Arc<Self>, every: Duration) {
        loop {
            tokio::time::sleep(every).await;
            for pool in self.pools.values() {
                for env in pool.reap(self.idle_timeout) {
                    env.stop().await;
                }
            }
        }
    }

    pub async fn stop(&self) {
        for pool in self.pools.values() {
            pool.stop().await;
        }
    }
}
