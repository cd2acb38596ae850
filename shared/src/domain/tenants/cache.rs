//! Two cache levels, "Redis with an in-memory fallback" of the original service: this execution
//! environment's memory (bounded, quick_cache) in front of a cache shared by every environment
//! (DynamoDB with TTL). When the shared level is unreachable the memory level keeps working
//! and the failure is counted, never surfaced to the client.

use super::ports::SharedCache;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Counters of this execution environment's cache since it started.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TenantCacheStats))]
#[serde(rename_all = "camelCase")]
pub struct CacheStats {
    pub memory_hits: u64,
    pub shared_hits: u64,
    pub misses: u64,
    pub shared_errors: u64,
    pub memory_entries: u64,
    /// Hits of either level over lookups, 0..1.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1, example = 0.75))]
    pub hit_rate: f64,
}

pub struct LayeredCache<S> {
    memory: quick_cache::sync::Cache<String, (String, Instant)>,
    shared: S,
    memory_hits: AtomicU64,
    shared_hits: AtomicU64,
    misses: AtomicU64,
    shared_errors: AtomicU64,
}

fn now_epoch() -> i64 {
    chrono::Utc::now().timestamp()
}

impl<S: SharedCache> LayeredCache<S> {
    /// `capacity` bounds this environment's memory: a flood of distinct (garbage) tokens
    /// evicts old entries instead of growing without limit.
    pub fn new(shared: S, capacity: u64) -> Self {
        Self {
            memory: quick_cache::sync::Cache::new(capacity.max(1) as usize),
            shared,
            memory_hits: AtomicU64::new(0),
            shared_hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            shared_errors: AtomicU64::new(0),
        }
    }

    pub fn shared(&self) -> &S {
        &self.shared
    }

    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        let key_owned = key.to_string();
        if let Some((json, expires)) = self.memory.get(&key_owned) {
            if Instant::now() < expires
                && let Ok(value) = serde_json::from_str(&json)
            {
                self.memory_hits.fetch_add(1, Ordering::Relaxed);
                return Some(value);
            }
            self.memory.remove(&key_owned);
        }
        match self.shared.get(key).await {
            Ok(Some((json, expires_at))) if expires_at > now_epoch() => {
                if let Ok(value) = serde_json::from_str(&json) {
                    let left = Duration::from_secs((expires_at - now_epoch()).max(0) as u64);
                    self.memory.insert(key_owned, (json, Instant::now() + left));
                    self.shared_hits.fetch_add(1, Ordering::Relaxed);
                    return Some(value);
                }
            }
            Ok(_) => {}
            Err(e) => {
                self.shared_errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, "shared cache unavailable; using this environment's memory only");
            }
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        None
    }

    pub async fn put<T: Serialize>(&self, key: &str, value: &T, ttl: Duration) {
        let Ok(json) = serde_json::to_string(value) else { return };
        self.memory.insert(key.to_string(), (json.clone(), Instant::now() + ttl));
        let expires_at = now_epoch() + ttl.as_secs().max(1) as i64;
        if let Err(e) = self.shared.put(key, json, expires_at).await {
            self.shared_errors.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(error = %e, "shared cache unavailable; entry kept in this environment only");
        }
    }

    pub fn stats(&self) -> CacheStats {
        let (memory_hits, shared_hits, misses) = (
            self.memory_hits.load(Ordering::Relaxed),
            self.shared_hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        );
        let lookups = memory_hits + shared_hits + misses;
        CacheStats {
            memory_hits,
            shared_hits,
            misses,
            shared_errors: self.shared_errors.load(Ordering::Relaxed),
            memory_entries: self.memory.len() as u64,
            hit_rate: if lookups == 0 { 0.0 } else { (memory_hits + shared_hits) as f64 / lookups as f64 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemorySharedCache;

    #[test]
    fn memory_keeps_working_when_the_shared_level_is_down() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let cache = LayeredCache::new(MemorySharedCache::default(), 100);
        rt.block_on(async {
            cache.put("k", &42u32, Duration::from_secs(60)).await;
            cache.shared().set_up(false);
            assert_eq!(cache.get::<u32>("k").await, Some(42));
            cache.put("j", &7u32, Duration::from_secs(60)).await;
            assert_eq!(cache.get::<u32>("j").await, Some(7));
            assert_eq!(cache.get::<u32>("nope").await, None);
        });
        let s = cache.stats();
        assert_eq!((s.memory_hits, s.misses, s.shared_errors), (2, 1, 2));
    }

    #[test]
    fn another_environment_finds_what_one_cached() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let first = LayeredCache::new(MemorySharedCache::default(), 100);
            first.put("k", &"v".to_string(), Duration::from_secs(60)).await;
            let second = LayeredCache::new(MemorySharedCache::with_entries(first.shared().entries()), 100);
            assert_eq!(second.get::<String>("k").await.as_deref(), Some("v"));
            assert_eq!(second.stats().shared_hits, 1);
        });
    }
}
