//! Fixed-window rate limits on atomic counters shared by every execution environment
//! (DynamoDB `ADD`), with this environment's own counts as the fallback when the shared
//! counters are unreachable: an outage of the counter store degrades the limit instead of
//! failing every request.

use crate::domain::error::AppError;
use std::future::Future;

/// Atomic fixed-window counters shared by every execution environment.
pub trait RateCounter: Send + Sync {
    /// Adds one hit to `key` and returns the window's count; `expires_at` (epoch s) lets the
    /// store drop the counter after its window.
    fn hit(&self, key: &str, expires_at: i64) -> impl Future<Output = Result<u64, AppError>> + Send;
}

/// A decision of the rate limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    Allowed { remaining: u64 },
    Limited { retry_after_seconds: u64 },
}

impl RateDecision {
    /// The 429 answer of a refused request, or the requests left in the window.
    pub fn into_result(self, limit: u64, window_seconds: u64) -> Result<u64, AppError> {
        match self {
            RateDecision::Allowed { remaining } => Ok(remaining),
            RateDecision::Limited { retry_after_seconds } => Err(AppError::RateLimited {
                message: format!("rate limit of {limit} requests per {window_seconds} s reached"),
                retry_after_seconds,
            }),
        }
    }
}

pub struct RateLimiter<C> {
    pub counter: C,
    fallback: std::sync::Mutex<std::collections::HashMap<String, u64>>,
}

impl<C: RateCounter> RateLimiter<C> {
    pub fn new(counter: C) -> Self {
        Self { counter, fallback: Default::default() }
    }

    /// Counts one request of `scope` (e.g. "tenant#caller") in the current window of
    /// `window_seconds` and decides against `limit`.
    pub async fn check(&self, scope: &str, limit: u64, window_seconds: u64, now_epoch: i64) -> RateDecision {
        let window = window_seconds.max(1) as i64;
        let window_start = now_epoch - now_epoch.rem_euclid(window);
        let window_end = window_start + window;
        let key = format!("rate#{scope}#{window_start}");
        let count = match self.counter.hit(&key, window_end + 60).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "shared rate counter unavailable; counting in this environment");
                let mut local = self.fallback.lock().unwrap_or_else(|p| p.into_inner());
                let current = format!("#{window_start}");
                local.retain(|k, _| k.ends_with(&current));
                let n = local.entry(key).or_default();
                *n += 1;
                *n
            }
        };
        if count > limit {
            RateDecision::Limited { retry_after_seconds: (window_end - now_epoch).max(1) as u64 }
        } else {
            RateDecision::Allowed { remaining: limit - count }
        }
    }
}
