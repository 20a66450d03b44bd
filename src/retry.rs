//! The retry policy: which failures are retried, how long to wait, and when to give up; and the
//! one retry loop ([`run`]) every surface uses, with its own classifier: API calls
//! (`transport.rs`: method-based idempotency), the upload domain (`upload/protocol.rs`: always
//! idempotent, `"error": true` answers retried), the symbol upload's blob requests
//! (`symbols/blob.rs`: always idempotent) and Community Training (`community_training/send.rs`:
//! method-based idempotency). All follow the same deadline, budget and `Retry-After` rules.

use std::time::{Duration, Instant, SystemTime};

use reqwest::{Method, StatusCode, header::HeaderMap};

/// When and how calls are retried. One policy applies to every call of a [`Client`](crate::Client).
///
/// Retried: 408, 429, 500, 502, 503, 504 and transport failures. GET, HEAD, PUT and DELETE are
/// retried on all of those; POST and PATCH only when the server provably never acted on the
/// request (a connect failure, or an HTTP/2 `REFUSED_STREAM` or graceful `GOAWAY`, resent at
/// once) or the answer was 429, unless [`retry_non_idempotent`] is set. This is the client's
/// only retry loop: reqwest's own retries are off, so every attempt counts against the policy.
/// Waits grow exponentially with jitter, each capped by [`max_backoff`]; a `Retry-After` header
/// (seconds or an HTTP date), or else a "Try again in N seconds" message, sets the wait instead.
/// A wait the server asks for is honoured in full, never shortened: when it does not fit in
/// [`max_retry_time`] or the call's deadline, the call ends at once with that answer (a
/// [`RateLimited`](crate::ApiErrorKind::RateLimited) error for a 429).
///
/// [`max_backoff`]: RetryPolicy::max_backoff
/// [`max_retry_time`]: RetryPolicy::max_retry_time
///
/// [`retry_non_idempotent`]: RetryPolicy::retry_non_idempotent
///
/// ```
/// use std::time::Duration;
/// let policy = appcenter::RetryPolicy::default()
///     .max_attempts(6)
///     .initial_backoff(Duration::from_millis(200));
/// let off = appcenter::RetryPolicy::none();
/// # let _ = (policy, off);
/// ```
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_retry_time: Duration,
    pub(crate) retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_time: Duration::from_secs(120),
            retry_non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// No retries: every call is tried once.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts per call, the first included (at least 1). Default 4.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Wait before the first retry; doubles each retry. Default 500 ms.
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// Longest single wait of the policy's own backoff (a wait the server asks for is bounded by
    /// [`max_retry_time`](Self::max_retry_time) instead). Default 30 s.
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// Total time spent waiting between attempts of one call. Default 120 s.
    pub fn max_retry_time(mut self, total: Duration) -> Self {
        self.max_retry_time = total;
        self
    }

    /// Also retry POST and PATCH on 5xx, 408 and transport errors that may have reached the
    /// server. Only safe where the caller knows the operation is idempotent. Default off.
    pub fn retry_non_idempotent(mut self, yes: bool) -> Self {
        self.retry_non_idempotent = yes;
        self
    }

    /// Whether an answer with `status` to `method` may be retried.
    pub(crate) fn retries_status(&self, method: &Method, status: StatusCode) -> bool {
        match status.as_u16() {
            429 => true,
            408 | 500 | 502 | 503 | 504 => self.idempotent(method),
            _ => false,
        }
    }

    /// Whether a transport failure of `method` may be retried; `never_processed` when the server
    /// provably never acted on the request ([`never_processed`]).
    pub(crate) fn retries_transport(&self, method: &Method, never_processed: bool) -> bool {
        never_processed || self.idempotent(method)
    }

    fn idempotent(&self, method: &Method) -> bool {
        self.retry_non_idempotent
            || matches!(
                *method,
                Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
            )
    }

    /// The wait before attempt `attempt + 1`, or `None` when the call must end with the answer of
    /// `attempt`: out of attempts, or the wait does not fit in the retry budget (`waited` so far)
    /// or before the `deadline`. Our own backoff is capped by `max_backoff`; a wait the server
    /// asked for is honoured in full or not at all (retrying before the time the server named
    /// would only earn another refusal). Checked arithmetic throughout: the server chooses the
    /// wait (`Retry-After: 18446744073709551615`) and the caller the limits (`Duration::MAX`).
    pub(crate) fn next_wait(
        &self,
        attempt: u32,
        waited: Duration,
        wait: Wait,
        deadline: Option<std::time::Instant>,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let wait = match wait {
            Wait::Backoff(wait) => wait.min(self.max_backoff),
            Wait::Asked(wait) => wait,
        };
        let out_of_time = deadline.is_some_and(|d| {
            std::time::Instant::now()
                .checked_add(wait)
                .is_none_or(|t| t >= d)
        });
        let in_budget = waited
            .checked_add(wait)
            .is_some_and(|total| total <= self.max_retry_time);
        (!out_of_time && in_budget).then_some(wait)
    }

    /// The wait before retry number `retry` (1-based): exponential, with full jitter over its upper half.
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        let capped = exp.min(self.max_backoff);
        let half = capped / 2;
        half + half.mul_f64(jitter())
    }
}

/// How long to wait before the next attempt, and who decided it (see `RetryPolicy::next_wait`).
pub(crate) enum Wait {
    /// The server asked for it (`Retry-After`, "try again in N seconds").
    Asked(Duration),
    /// The policy's exponential backoff.
    Backoff(Duration),
}

/// What a classifier made of one attempt.
pub(crate) enum Verdict<T, S> {
    /// The result: no retry.
    Done(T),
    /// May be retried with `again` (what to send next); `outcome` is the result if it is not.
    /// `asked`: the wait the server asked for (`Retry-After`), else the policy's backoff applies.
    Retry {
        outcome: T,
        asked: Option<Duration>,
        again: S,
    },
}

/// The one retry loop: runs `attempt` on `first` (with the attempt's 1-based number) until its
/// classifier says [`Verdict::Done`], or the policy, its budget or the `deadline` say stop (then
/// the last outcome is the result). A wait the server asked for is honoured in full or not at
/// all.
pub(crate) async fn run<T, S, F, Fut>(
    policy: &RetryPolicy,
    deadline: Option<Instant>,
    first: S,
    mut attempt: F,
) -> T
where
    F: FnMut(S, u32) -> Fut,
    Fut: std::future::Future<Output = Verdict<T, S>>,
{
    let mut waited = Duration::ZERO;
    let mut number: u32 = 1;
    let mut next = first;
    loop {
        let (outcome, asked, again) = match attempt(next, number).await {
            Verdict::Done(outcome) => return outcome,
            Verdict::Retry {
                outcome,
                asked,
                again,
            } => (outcome, asked, again),
        };
        let wait = match asked {
            Some(asked) => Wait::Asked(asked),
            None => Wait::Backoff(policy.backoff(number)),
        };
        match policy.next_wait(number, waited, wait, deadline) {
            Some(wait) => {
                tracing::debug!(
                    wait_ms = wait.as_millis() as u64,
                    attempt = number,
                    "retry wait"
                );
                tokio::time::sleep(wait).await;
                waited = waited.saturating_add(wait);
                number = number.saturating_add(1);
                next = again;
            }
            None => return outcome,
        }
    }
}

/// Whether the server provably never acted on the request that failed with `error`, so that
/// resending it is safe whatever its method: the connection was never established, or an HTTP/2
/// server refused the stream ([`refused_by_protocol`]).
pub(crate) fn never_processed(error: &reqwest::Error) -> bool {
    error.is_connect() || refused_by_protocol(error)
}

/// An HTTP/2 refusal of a request the server did not process (RFC 9113 §8.7): the stream reset
/// with `REFUSED_STREAM`, or a graceful `GOAWAY` (`NO_ERROR`) that left the stream out. The
/// request may be sent again at once, on a new connection. (reqwest's own retry layer, which
/// used to resend these, is off: this crate's retry loop is the only one, see `client.rs`.)
pub(crate) fn refused_by_protocol(error: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(h2) = cause.downcast_ref::<h2::Error>() {
            let reason = h2.reason();
            return h2.is_remote()
                && ((h2.is_go_away() && reason == Some(h2::Reason::NO_ERROR))
                    || (h2.is_reset() && reason == Some(h2::Reason::REFUSED_STREAM)));
        }
        source = cause.source();
    }
    false
}

/// The wait before resending a request that failed with `error` in transport: none for a
/// protocol refusal ([`refused_by_protocol`]), else the policy's backoff (`None`).
pub(crate) fn transport_wait(error: &reqwest::Error) -> Option<Duration> {
    refused_by_protocol(error).then_some(Duration::ZERO)
}

/// The wait the server asked for: `Retry-After` in seconds or as an HTTP date, or else a
/// "Try again in N seconds" phrase in the error message.
pub(crate) fn server_wait(headers: &HeaderMap, message: Option<&str>) -> Option<Duration> {
    if let Some(value) = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
    {
        let value = value.trim();
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        // RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms.
        if let Ok(at) = httpdate::parse_http_date(value) {
            return Some(at.duration_since(SystemTime::now()).unwrap_or_default());
        }
    }
    message.and_then(seconds_in_message)
}

/// Finds "try again in N second(s)" (any case) in a message.
fn seconds_in_message(message: &str) -> Option<Duration> {
    let lower = message.to_ascii_lowercase();
    let rest = &lower[lower.find("try again in ")? + "try again in ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let after = rest[digits.len()..].trim_start();
    if !after.starts_with("sec") {
        return None;
    }
    digits.parse().ok().map(Duration::from_secs)
}

/// A number in [0, 1) that differs between calls; good enough to spread retries, not for secrets.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_waits_are_found() {
        assert_eq!(
            seconds_in_message("Rate limit. Try again in 7 seconds."),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            seconds_in_message("try again in 1 second"),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            seconds_in_message("The server is busy now. Try again later"),
            None
        );
        assert_eq!(seconds_in_message("try again in 5 minutes"), None);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, "3".parse().unwrap());
        assert_eq!(server_wait(&headers, None), Some(Duration::from_secs(3)));
        headers.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(
            server_wait(&headers, None),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
    }

    #[test]
    fn retry_after_accepts_the_three_http_date_formats() {
        // RFC 9110's own examples (past dates: "now"), and a future IMF-fixdate.
        for value in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(reqwest::header::RETRY_AFTER, value.parse().unwrap());
            assert_eq!(server_wait(&headers, None), Some(Duration::ZERO), "{value}");
        }
        let mut headers = HeaderMap::new();
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(60));
        headers.insert(reqwest::header::RETRY_AFTER, later.parse().unwrap());
        let wait = server_wait(&headers, None).unwrap();
        assert!(
            wait > Duration::from_secs(55) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(300));
        let first = policy.backoff(1);
        assert!(
            first >= Duration::from_millis(50) && first <= Duration::from_millis(100),
            "{first:?}"
        );
        let fifth = policy.backoff(5);
        assert!(
            fifth >= Duration::from_millis(150) && fifth <= Duration::from_millis(300),
            "{fifth:?}"
        );
    }

    #[test]
    fn post_is_retried_only_when_safe() {
        let policy = RetryPolicy::default();
        assert!(policy.retries_status(&Method::POST, StatusCode::TOO_MANY_REQUESTS));
        assert!(!policy.retries_status(&Method::POST, StatusCode::INTERNAL_SERVER_ERROR));
        assert!(policy.retries_status(&Method::GET, StatusCode::SERVICE_UNAVAILABLE));
        assert!(policy.retries_transport(&Method::POST, true));
        assert!(!policy.retries_transport(&Method::PATCH, false));
        assert!(
            policy
                .retry_non_idempotent(true)
                .retries_status(&Method::POST, StatusCode::BAD_GATEWAY)
        );
    }
}
