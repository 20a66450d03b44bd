//! The upload domain's calls (`set_metadata`, `upload_chunk`, `finished`): not part of the App
//! Center API, so not generated. They are sent on the client's `reqwest::Client` directly, which
//! means without the API hooks: the upload domain gets the upload token in the query and never
//! the API token (`X-API-Token`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::error::TransferError;
use super::inactivity::{Activity, InFlight, pieces, watchdog};
use crate::client::Timeouts;
use crate::{RetryPolicy, auth, retry};

/// How much of an error body is kept in a [`TransferError::Status`].
const BODY_LIMIT: usize = 512;

/// The answer to `set_metadata`. `chunk_list` is what to send, for a fresh upload and a resumed
/// one (`resume_restart`) alike, so `resume_restart` itself is not read.
#[derive(Debug, Deserialize)]
pub(crate) struct Metadata {
    #[serde(default)]
    pub(crate) error: bool,
    #[serde(default)]
    pub(crate) message: Option<String>,
    #[serde(default)]
    pub(crate) chunk_size: u64,
    #[serde(default)]
    pub(crate) chunk_list: Vec<u64>,
}

/// The answer to `upload_chunk` and `finished`.
#[derive(Debug, Deserialize)]
pub(crate) struct Outcome {
    #[serde(default)]
    pub(crate) error: bool,
    #[serde(default)]
    pub(crate) message: Option<String>,
    #[serde(default)]
    pub(crate) missing_chunks: Vec<u64>,
}

/// Something with an `"error"` flag: a 200 with `"error": true` is a failure.
trait Flagged {
    fn refused(&self) -> Option<TransferError>;
}

impl Flagged for Metadata {
    fn refused(&self) -> Option<TransferError> {
        self.error.then(|| TransferError::Refused {
            message: self.message.clone(),
        })
    }
}

impl Flagged for Outcome {
    fn refused(&self) -> Option<TransferError> {
        // `finished` lists missing chunks beside `"error": true`; the caller sends them again.
        (self.error && self.missing_chunks.is_empty()).then(|| TransferError::Refused {
            message: self.message.clone(),
        })
    }
}

/// How an [`UploadDomain`] sends: from the create answer, the client and the builder.
pub(crate) struct Settings<'a> {
    pub(crate) upload_domain: &'a str,
    pub(crate) asset_id: String,
    /// Already percent-encoded by the service: goes into the query as is.
    pub(crate) url_encoded_token: String,
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: RetryPolicy,
    /// Failed attempts allowed across the whole upload.
    pub(crate) failure_budget: u32,
    /// Bytes per second: the slowest uplink a chunk's answer is waited for (0: no bound).
    pub(crate) min_rate: u64,
}

/// One upload on the upload domain: where to send, with which token, and how to retry.
pub(crate) struct UploadDomain {
    http: reqwest::Client,
    base: Url,
    asset_id: String,
    url_encoded_token: String,
    timeouts: Timeouts,
    retry: RetryPolicy,
    failure_budget: u32,
    failures: AtomicU32,
    min_rate: u64,
    /// Chunk bytes being sent right now, by every chunk of the upload.
    in_flight: AtomicU64,
}

impl std::fmt::Debug for UploadDomain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadDomain")
            .field("base", &self.base.as_str())
            .field("asset_id", &self.asset_id)
            .field("url_encoded_token", &"<redacted>")
            .finish()
    }
}

impl UploadDomain {
    pub(crate) fn new(
        http: reqwest::Client,
        settings: Settings<'_>,
    ) -> Result<Self, TransferError> {
        let domain = settings.upload_domain.trim().trim_end_matches('/');
        // The service sends a full URL; accept a bare host name too.
        let with_scheme = if domain.contains("://") {
            domain.to_string()
        } else {
            format!("https://{domain}")
        };
        // Same rule as for the API: the upload token must not cross a network in clear text.
        let base = auth::check_base_url(&with_scheme)
            .map_err(|e| TransferError::Protocol(format!("upload_domain: {e}")))?;
        Ok(Self {
            http,
            base,
            asset_id: settings.asset_id,
            url_encoded_token: settings.url_encoded_token,
            timeouts: settings.timeouts,
            retry: settings.retry,
            failure_budget: settings.failure_budget,
            failures: AtomicU32::new(0),
            min_rate: settings.min_rate,
            in_flight: AtomicU64::new(0),
        })
    }

    /// `POST /upload/set_metadata/{asset}?file_name=&file_size=[&content_type=]&token=`.
    pub(crate) async fn set_metadata(
        &self,
        file_name: &str,
        file_size: u64,
        content_type: Option<&str>,
    ) -> Result<Metadata, TransferError> {
        let mut pairs = vec![
            ("file_name", file_name.to_string()),
            ("file_size", file_size.to_string()),
        ];
        if let Some(content_type) = content_type {
            pairs.push(("content_type", content_type.to_string()));
        }
        let url = self.url("set_metadata", &pairs);
        self.send(&url, None).await
    }

    /// `POST /upload/upload_chunk/{asset}?block_number=n&token=` with the chunk's bytes.
    pub(crate) async fn upload_chunk(&self, block: u64, data: Bytes) -> Result<(), TransferError> {
        let url = self.url("upload_chunk", &[("block_number", block.to_string())]);
        self.send::<Outcome>(&url, Some(data)).await.map(|_| ())
    }

    /// `POST /upload/finished/{asset}?token=`: the chunks the service still misses (empty when done).
    pub(crate) async fn finished(&self) -> Result<Vec<u64>, TransferError> {
        let url = self.url("finished", &[]);
        self.send::<Outcome>(&url, None)
            .await
            .map(|o| o.missing_chunks)
    }

    /// The URL of an upload-domain call. The regular pairs are form-encoded; the token is
    /// appended as the service encoded it, so it reaches the wire encoded exactly once.
    fn url(&self, action: &str, pairs: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("an http(s) URL has path segments")
            .pop_if_empty()
            .extend(["upload", action, &self.asset_id]);
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in pairs {
            query.append_pair(key, value);
        }
        let mut query = query.finish();
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str("token=");
        query.push_str(&self.url_encoded_token);
        url.set_query(Some(&query));
        url
    }

    /// Sends one upload-domain POST through the one retry loop (`retry::run`) with the upload
    /// domain's classifier ([`classify`]): 408, 429, 5xx, transport failures and `"error": true`
    /// are retried (these calls are idempotent); a wait the server asks for (`Retry-After`) is
    /// honoured in full, or, when it does not fit in `max_retry_time` or the call's deadline (the
    /// client's total timeout), the call ends at once with that answer, as for API calls. Every
    /// failed attempt counts against the upload's failure budget.
    async fn send<T: DeserializeOwned + Flagged>(
        &self,
        url: &Url,
        body: Option<Bytes>,
    ) -> Result<T, TransferError> {
        let deadline = self
            .timeouts
            .total
            .and_then(|total| Instant::now().checked_add(total));
        let body = &body;
        retry::run(&self.retry, deadline, (), move |(), _| async move {
            let failure = match self.attempt::<T>(url, body.clone(), deadline).await {
                Ok(value) => return retry::Verdict::Done(Ok(value)),
                Err(failure) => failure,
            };
            let failures = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
            if failures > self.failure_budget {
                return retry::Verdict::Done(Err(TransferError::TooManyFailures {
                    failures,
                    last: Box::new(failure.error),
                }));
            }
            match classify(&failure) {
                Verdict::Fail => retry::Verdict::Done(Err(failure.error)),
                Verdict::Retry(wait) => retry::Verdict::Retry {
                    outcome: Err(failure.error),
                    asked: match wait {
                        Wait::Asked(wait) => Some(wait),
                        Wait::Backoff => None,
                    },
                    again: (),
                },
            }
        })
        .await
    }

    /// One attempt; on failure also the wait the server asked for (`Retry-After`).
    ///
    /// A bodiless call is bounded by the per-attempt timeout. A chunk is not: it fails when no
    /// bytes of it move for the per-attempt timeout, or when its answer has not come within the
    /// [`tail`](Self::tail) after its last byte left; both are watched by [`watchdog`].
    async fn attempt<T: DeserializeOwned + Flagged>(
        &self,
        url: &Url,
        body: Option<Bytes>,
        deadline: Option<Instant>,
    ) -> Result<T, Failure> {
        let mut request = reqwest::Request::new(Method::POST, url.clone());
        let left = deadline.map(|d| {
            d.saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1))
        });
        let headers = request.headers_mut();
        let Some(data) = body else {
            // The service wants an explicit `Content-Length: 0` on bodiless posts.
            headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
            *request.body_mut() = Some(Bytes::new().into());
            let limit = [self.timeouts.per_attempt, left]
                .into_iter()
                .flatten()
                .min();
            self.timeouts.apply(&mut request, limit);
            return self.exchange(request).await;
        };
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        headers.insert(CONTENT_LENGTH, HeaderValue::from(data.len()));
        let len = data.len() as u64;
        let in_flight = InFlight::add(&self.in_flight, len);
        let tail = self.tail(in_flight.total);
        let activity = Arc::new(Activity::new());
        *request.body_mut() = Some(reqwest::Body::wrap_stream(pieces(
            data,
            Arc::clone(&activity),
        )));
        // No fixed total for a chunk: only the call's deadline, if the caller set one.
        self.timeouts.apply(&mut request, left);
        let exchange = std::pin::pin!(self.exchange::<T>(request));
        let watchdog = std::pin::pin!(watchdog(&activity, self.timeouts.per_attempt, tail));
        match futures::future::select(exchange, watchdog).await {
            futures::future::Either::Left((outcome, _)) => outcome,
            futures::future::Either::Right((timed_out, _)) => Err(Failure {
                error: timed_out,
                server_wait: None,
            }),
        }
    }

    /// How long a chunk's answer may take once its last byte left: the per-attempt timeout plus
    /// the time the bytes in flight take at the minimum rate (they may still sit in buffers on
    /// the way). `None`: no bound.
    fn tail(&self, in_flight: u64) -> Option<Duration> {
        if self.min_rate == 0 {
            return self.timeouts.per_attempt;
        }
        // Past the clock's range: no bound, rather than an overflow.
        let draining = Duration::try_from_secs_f64(in_flight as f64 / self.min_rate as f64).ok()?;
        match self.timeouts.per_attempt {
            Some(per_attempt) => per_attempt.checked_add(draining),
            None => Some(draining),
        }
    }

    /// Sends `request` and reads its answer.
    async fn exchange<T: DeserializeOwned + Flagged>(
        &self,
        request: reqwest::Request,
    ) -> Result<T, Failure> {
        let transport = |e: reqwest::Error| Failure {
            error: TransferError::Transport(e.without_url()),
            server_wait: None,
        };
        let response = self.http.execute(request).await.map_err(transport)?;
        let status = response.status();
        let wait = retry::server_wait(response.headers(), None);
        let bytes = response.bytes().await.map_err(transport)?;
        if !status.is_success() {
            let cut = &bytes[..bytes.len().min(BODY_LIMIT)];
            let body = String::from_utf8_lossy(cut).trim().to_string();
            return Err(Failure {
                error: TransferError::Status { status, body },
                server_wait: wait,
            });
        }
        let value: T = serde_json::from_slice(&bytes).map_err(|e| Failure {
            error: TransferError::Protocol(format!("{e}")),
            server_wait: None,
        })?;
        match value.refused() {
            Some(refusal) => Err(Failure {
                error: refusal,
                server_wait: None,
            }),
            None => Ok(value),
        }
    }
}

/// A failed attempt: the error, and the wait the server asked for (`Retry-After`).
pub(crate) struct Failure {
    pub(crate) error: TransferError,
    pub(crate) server_wait: Option<Duration>,
}

/// What to do after a failed attempt.
pub(crate) enum Verdict {
    /// Try again, after this wait.
    Retry(Wait),
    /// Give up: this is the result.
    Fail,
}

/// How long to wait before the next attempt, and who decided it.
pub(crate) enum Wait {
    /// The server asked for it: honoured in full or not at all.
    Asked(Duration),
    /// The policy's exponential backoff.
    Backoff,
}

/// The upload domain's retry classifier: 408, 429, 5xx, transport failures, timeouts and
/// `"error": true` are retried whatever the method (these calls are idempotent), after the
/// wait the server asked for or else the backoff.
pub(crate) fn classify(failure: &Failure) -> Verdict {
    let retryable = match &failure.error {
        TransferError::Status { status, .. } => {
            status.is_server_error()
                || *status == StatusCode::TOO_MANY_REQUESTS
                || *status == StatusCode::REQUEST_TIMEOUT
        }
        TransferError::Refused { .. }
        | TransferError::Transport(_)
        | TransferError::TimedOut { .. } => true,
        TransferError::Protocol(_) | TransferError::TooManyFailures { .. } => false,
    };
    if !retryable {
        return Verdict::Fail;
    }
    Verdict::Retry(match failure.server_wait {
        Some(wait) => Wait::Asked(wait),
        None => Wait::Backoff,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(per_attempt: Option<Duration>, min_rate: u64) -> UploadDomain {
        UploadDomain::new(
            crate::client::http_for_tests(),
            Settings {
                upload_domain: "https://file.example",
                asset_id: "asset".into(),
                url_encoded_token: "t".into(),
                timeouts: Timeouts {
                    per_attempt,
                    total: None,
                    by_http: None,
                },
                retry: RetryPolicy::default(),
                failure_budget: 1,
                min_rate,
            },
        )
        .unwrap()
    }

    #[test]
    fn the_wait_for_a_chunk_answer_scales_with_the_bytes_in_flight() {
        let secs = Duration::from_secs;
        let d = domain(Some(secs(60)), 32 * 1024);
        assert_eq!(d.tail(0), Some(secs(60)));
        // 10 chunks of 4 MiB at 32 KiB/s: 1280 s to drain.
        assert_eq!(d.tail(40 << 20), Some(secs(60 + 1280)));
        assert_eq!(domain(Some(secs(5)), 0).tail(40 << 20), Some(secs(5)));
        assert_eq!(domain(None, 1024).tail(2048), Some(secs(2)));
        assert_eq!(domain(None, 0).tail(2048), None);
        // Huge settings: no bound rather than an overflow.
        assert_eq!(domain(Some(Duration::MAX), 1).tail(1), None);
        assert_eq!(domain(Some(secs(1)), 1).tail(u64::MAX), None);
    }

    #[test]
    fn the_classifier_retries_what_is_safe_and_keeps_the_asked_wait() {
        let failure = |error, server_wait| Failure { error, server_wait };
        let status = |code| TransferError::Status {
            status: StatusCode::from_u16(code).unwrap(),
            body: String::new(),
        };
        assert!(matches!(
            classify(&failure(status(429), Some(Duration::from_secs(90)))),
            Verdict::Retry(Wait::Asked(w)) if w == Duration::from_secs(90)
        ));
        for code in [408, 500, 502, 503] {
            assert!(matches!(
                classify(&failure(status(code), None)),
                Verdict::Retry(Wait::Backoff)
            ));
        }
        for code in [400, 401, 403, 404] {
            assert!(matches!(
                classify(&failure(status(code), None)),
                Verdict::Fail
            ));
        }
        let timed_out = TransferError::TimedOut {
            after: Duration::from_secs(1),
            sending: true,
        };
        assert!(matches!(
            classify(&failure(timed_out, None)),
            Verdict::Retry(_)
        ));
        assert!(matches!(
            classify(&failure(TransferError::Protocol("x".into()), None)),
            Verdict::Fail
        ));
    }
}
