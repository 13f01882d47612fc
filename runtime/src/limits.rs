//! Living within Caspio's limits: what to do with a 429 (pass it on, or back off and retry
//! idempotent calls), an optional client-side request budget per account so a busy agent stays
//! under its plan, and a count of the calls made (Caspio bills API calls).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What a 429 answer does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RetryPolicy {
    /// Return it at once (the default): the caller, or the model, decides.
    #[default]
    Passthrough,
    /// Wait and retry idempotent calls (GET, PUT, DELETE): exponential backoff with jitter,
    /// honouring `Retry-After`, bounded by attempts and by total wait.
    Backoff {
        /// Attempts in all, the first included.
        max_attempts: u32,
        /// First delay when the answer says nothing.
        base: Duration,
        /// Longest single wait.
        max_delay: Duration,
        /// Longest total wait.
        max_total: Duration,
    },
}

impl RetryPolicy {
    /// A backoff policy with sensible bounds: 4 attempts, 500 ms first delay, 20 s longest
    /// wait, 60 s in all.
    pub fn backoff() -> Self {
        RetryPolicy::Backoff {
            max_attempts: 4,
            base: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
            max_total: Duration::from_secs(60),
        }
    }

    /// The same policy with another attempt count (no effect on passthrough).
    pub fn with_max_attempts(self, attempts: u32) -> Self {
        match self {
            RetryPolicy::Backoff {
                base,
                max_delay,
                max_total,
                ..
            } => RetryPolicy::Backoff {
                max_attempts: attempts.max(1),
                base,
                max_delay,
                max_total,
            },
            other => other,
        }
    }

    /// The wait before attempt `attempt` (1 = the first retry), or `None` to give up.
    pub fn delay(
        &self,
        attempt: u32,
        retry_after: Option<u64>,
        waited: Duration,
    ) -> Option<Duration> {
        let RetryPolicy::Backoff {
            max_attempts,
            base,
            max_delay,
            max_total,
        } = self
        else {
            return None;
        };
        if attempt >= *max_attempts {
            return None;
        }
        let wait = match retry_after {
            Some(secs) => Duration::from_secs(secs),
            None => {
                let exp = base.saturating_mul(1u32 << (attempt - 1).min(16));
                // Jitter: a random wait between half and all of the exponential delay.
                exp.mul_f64(0.5 + 0.5 * jitter())
            }
        }
        .min(*max_delay);
        (waited + wait <= *max_total).then_some(wait)
    }
}

/// A number in [0, 1) from the process's hash randomness (no extra dependency needed).
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// A request budget: at most `limit` requests in any `window`.
#[derive(Debug)]
pub struct Budget {
    limit: usize,
    window: Duration,
    sent: tokio::sync::Mutex<VecDeque<Instant>>,
}

impl Budget {
    /// At most `limit` requests per `window`.
    pub fn new(limit: usize, window: Duration) -> Self {
        Budget {
            limit: limit.max(1),
            window,
            sent: tokio::sync::Mutex::new(VecDeque::new()),
        }
    }

    /// Waits until one more request fits, and records it.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut sent = self.sent.lock().await;
                let now = Instant::now();
                while sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    sent.pop_front();
                }
                if sent.len() < self.limit {
                    sent.push_back(now);
                    return;
                }
                self.window - now.duration_since(*sent.front().expect("full, so not empty"))
            };
            tokio::time::sleep(wait).await;
        }
    }
}

/// Calls made through one client.
#[derive(Debug, Default)]
pub struct Counters {
    pub(crate) api_calls: AtomicU64,
    pub(crate) throttled: AtomicU64,
    pub(crate) retries: AtomicU64,
}

/// A snapshot of [`Counters`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CallStats {
    /// API requests sent (retries included; Caspio counts each).
    pub api_calls: u64,
    /// Token requests sent (Caspio appears to count these too).
    pub token_requests: u64,
    /// 429 answers received.
    pub throttled: u64,
    /// Requests retried after a 429.
    pub retries: u64,
}

impl Counters {
    pub(crate) fn snapshot(&self, token_requests: u64) -> CallStats {
        CallStats {
            api_calls: self.api_calls.load(Ordering::Relaxed),
            token_requests,
            throttled: self.throttled.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passthrough_never_waits() {
        assert_eq!(
            RetryPolicy::Passthrough.delay(1, Some(1), Duration::ZERO),
            None
        );
    }

    #[test]
    fn backoff_grows_honours_retry_after_and_stops() {
        let p = RetryPolicy::Backoff {
            max_attempts: 4,
            base: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_total: Duration::from_secs(6),
        };
        let d1 = p.delay(1, None, Duration::ZERO).unwrap();
        let d3 = p.delay(3, None, Duration::ZERO).unwrap();
        assert!(
            d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100),
            "{d1:?}"
        );
        assert!(
            d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400),
            "{d3:?}"
        );
        assert_eq!(
            p.delay(1, Some(2), Duration::ZERO),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            p.delay(1, Some(60), Duration::ZERO),
            Some(Duration::from_secs(5)),
            "capped by max_delay"
        );
        assert_eq!(p.delay(4, None, Duration::ZERO), None, "attempts exhausted");
        assert_eq!(
            p.delay(2, Some(2), Duration::from_secs(5)),
            None,
            "total wait exhausted"
        );
    }

    #[tokio::test]
    async fn budget_holds_requests_to_the_window() {
        let b = Budget::new(3, Duration::from_millis(200));
        let start = Instant::now();
        for _ in 0..6 {
            b.acquire().await;
        }
        assert!(
            start.elapsed() >= Duration::from_millis(200),
            "{:?}",
            start.elapsed()
        );
    }
}
