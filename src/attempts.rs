//! Retrying the idempotent requests of a file transfer (parts of a file sent to a storage
//! service): each request under the [`RetryPolicy`], and all of them under one budget of failed
//! attempts, so a service that keeps failing ends the transfer instead of every part retrying.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::RetryPolicy;

/// How a retried request ended without success.
#[derive(Debug)]
pub(crate) enum GaveUp<E> {
    /// The last attempt's error: not retryable, or the policy's attempts ran out.
    Failed(E),
    /// The transfer's budget of failed attempts is spent.
    Budget {
        /// Failed attempts counted across the transfer.
        failures: u32,
        /// The last failure.
        last: E,
    },
}

/// The retry policy and the failure budget of one transfer (shared by its parallel requests).
#[derive(Debug)]
pub(crate) struct Attempts {
    policy: RetryPolicy,
    budget: u32,
    failures: AtomicU32,
}

impl Attempts {
    pub(crate) fn new(policy: RetryPolicy, budget: u32) -> Self {
        Self {
            policy,
            budget,
            failures: AtomicU32::new(0),
        }
    }

    /// Runs `attempt` until it succeeds, fails with an error `retryable` refuses, the policy's
    /// attempts run out or the budget is spent. An attempt's error may come with the wait the
    /// server asked for (`Retry-After`), used instead of the policy's backoff (capped by its
    /// `max_backoff`).
    pub(crate) async fn run<T, E, F, Fut>(
        &self,
        mut attempt: F,
        retryable: impl Fn(&E) -> bool,
    ) -> Result<T, GaveUp<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, (E, Option<Duration>)>>,
    {
        let mut number = 1;
        loop {
            let (error, server_wait) = match attempt().await {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            let failures = self
                .failures
                .fetch_add(1, Ordering::Relaxed)
                .saturating_add(1);
            if failures > self.budget {
                return Err(GaveUp::Budget {
                    failures,
                    last: error,
                });
            }
            if !retryable(&error) || number >= self.policy.max_attempts {
                return Err(GaveUp::Failed(error));
            }
            let wait = server_wait
                .unwrap_or_else(|| self.policy.backoff(number))
                .min(self.policy.max_backoff);
            tokio::time::sleep(wait).await;
            number += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick(attempts: u32) -> RetryPolicy {
        RetryPolicy::default()
            .max_attempts(attempts)
            .initial_backoff(Duration::from_millis(1))
    }

    #[tokio::test(flavor = "current_thread")]
    async fn retries_until_success_then_stops() {
        let attempts = Attempts::new(quick(4), 10);
        let mut calls = 0;
        let result: Result<u32, GaveUp<&str>> = attempts
            .run(
                || {
                    calls += 1;
                    let n = calls;
                    async move { if n < 3 { Err(("busy", None)) } else { Ok(n) } }
                },
                |_| true,
            )
            .await;
        assert_eq!(result.unwrap(), 3);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn not_retryable_and_budget() {
        let attempts = Attempts::new(quick(4), 10);
        let result: Result<(), _> = attempts
            .run(|| async { Err(("no", None)) }, |_| false)
            .await;
        assert!(matches!(result, Err(GaveUp::Failed("no"))));

        let attempts = Attempts::new(quick(100), 2);
        let result: Result<(), _> = attempts
            .run(|| async { Err(("busy", None)) }, |_| true)
            .await;
        assert!(matches!(result, Err(GaveUp::Budget { failures: 3, .. })));
    }
}
