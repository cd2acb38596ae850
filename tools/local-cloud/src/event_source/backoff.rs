//! Exponential backoff with jitter for retrying SQS while the emulator is down.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Self {
        Self { min, max, next: min }
    }

    /// The delay to wait now (the base delay ±20 %); doubles the base for the following call.
    pub fn next_delay(&mut self) -> Duration {
        let base = self.next;
        self.next = (self.next * 2).min(self.max);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let factor = 0.8 + f64::from(nanos % 1000) / 2500.0; // 0.8 ..< 1.2
        base.mul_f64(factor)
    }

    pub fn reset(&mut self) {
        self.next = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(500), Duration::from_secs(4));
        let d: Vec<_> = (0..6).map(|_| b.next_delay()).collect();
        let within = |d: Duration, base_ms: u64| {
            let base = Duration::from_millis(base_ms);
            d >= base.mul_f64(0.8) && d < base.mul_f64(1.2)
        };
        for (got, base) in d.iter().zip([500, 1000, 2000, 4000, 4000, 4000]) {
            assert!(within(*got, base), "{got:?} not within 20% of {base} ms");
        }
        b.reset();
        assert!(within(b.next_delay(), 500));
    }
}
