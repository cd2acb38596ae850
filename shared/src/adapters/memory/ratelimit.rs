//! The shared rate counters.

use super::lock;
use crate::domain::error::{AppError, Dependency};
use crate::domain::ratelimit::RateCounter;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Hits per counter key; `down` makes every hit fail, as an unreachable store does.
#[derive(Default)]
pub struct MemoryCounter {
    pub hits: Mutex<HashMap<String, u64>>,
    pub down: AtomicBool,
}

impl MemoryCounter {
    /// Switches the store on or off (off: every hit fails, as an unreachable store does).
    pub fn set_up(&self, up: bool) {
        self.down.store(!up, Ordering::Relaxed);
    }
}

impl RateCounter for MemoryCounter {
    async fn hit(&self, key: &str, _expires_at: i64) -> Result<u64, AppError> {
        if self.down.load(Ordering::Relaxed) {
            return Err(AppError::unavailable(Dependency::Dynamodb, "counter store switched off"));
        }
        let mut hits = lock(&self.hits);
        let n = hits.entry(key.to_string()).or_default();
        *n += 1;
        Ok(*n)
    }
}
