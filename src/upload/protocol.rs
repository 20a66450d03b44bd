//! The upload domain's calls (`set_metadata`, `upload_chunk`, `finished`): not part of the App
//! Center API, so not generated. They are sent on the client's `reqwest::Client` directly, which
//! means without the API hooks: the upload domain gets the upload token in the query and never
//! the API token (`X-API-Token`).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::error::TransferError;
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

/// One upload on the upload domain: where to send, with which token, and how to retry.
pub(crate) struct UploadDomain {
    http: reqwest::Client,
    base: Url,
    asset_id: String,
    /// Already percent-encoded by the service: goes into the query as is.
    url_encoded_token: String,
    per_attempt: Option<Duration>,
    retry: RetryPolicy,
    /// Failed attempts allowed across the whole upload.
    failure_budget: u32,
    failures: AtomicU32,
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
        upload_domain: &str,
        asset_id: String,
        url_encoded_token: String,
        per_attempt: Option<Duration>,
        retry: RetryPolicy,
        failure_budget: u32,
    ) -> Result<Self, TransferError> {
        let domain = upload_domain.trim().trim_end_matches('/');
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
            asset_id,
            url_encoded_token,
            per_attempt,
            retry,
            failure_budget,
            failures: AtomicU32::new(0),
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
    /// domain's classifier: 408, 429, 5xx, transport failures and `"error": true` are retried
    /// (these calls are idempotent), and every failed attempt counts against the upload's
    /// failure budget. `Retry-After` is honoured as for API calls.
    async fn send<T: DeserializeOwned + Flagged>(
        &self,
        url: &Url,
        body: Option<Bytes>,
    ) -> Result<T, TransferError> {
        let body = &body;
        retry::run(&self.retry, None, (), move |(), _| async move {
            let (error, asked) = match self.attempt::<T>(url, body.clone()).await {
                Ok(value) => return retry::Verdict::Done(Ok(value)),
                Err(failure) => failure,
            };
            let failures = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
            if failures > self.failure_budget {
                return retry::Verdict::Done(Err(TransferError::TooManyFailures {
                    failures,
                    last: Box::new(error),
                }));
            }
            if !retryable(&error) {
                return retry::Verdict::Done(Err(error));
            }
            retry::Verdict::Retry {
                outcome: Err(error),
                asked,
                again: (),
            }
        })
        .await
    }

    /// One attempt; on failure also the wait the server asked for (`Retry-After`).
    async fn attempt<T: DeserializeOwned + Flagged>(
        &self,
        url: &Url,
        body: Option<Bytes>,
    ) -> Result<T, (TransferError, Option<Duration>)> {
        let mut request = reqwest::Request::new(Method::POST, url.clone());
        let headers = request.headers_mut();
        match body {
            Some(data) => {
                headers.insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                );
                headers.insert(CONTENT_LENGTH, HeaderValue::from(data.len()));
                *request.body_mut() = Some(data.into());
            }
            // The service wants an explicit `Content-Length: 0` on bodiless posts.
            None => {
                headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
                *request.body_mut() = Some(Bytes::new().into());
            }
        }
        *request.timeout_mut() = self.per_attempt;
        let transport = |e: reqwest::Error| (TransferError::Transport(e.without_url()), None);
        let response = self.http.execute(request).await.map_err(transport)?;
        let status = response.status();
        let wait = retry::server_wait(response.headers(), None);
        let bytes = response.bytes().await.map_err(transport)?;
        if !status.is_success() {
            let cut = &bytes[..bytes.len().min(BODY_LIMIT)];
            let body = String::from_utf8_lossy(cut).trim().to_string();
            return Err((TransferError::Status { status, body }, wait));
        }
        let value: T = serde_json::from_slice(&bytes)
            .map_err(|e| (TransferError::Protocol(format!("{e}")), None))?;
        match value.refused() {
            Some(refusal) => Err((refusal, None)),
            None => Ok(value),
        }
    }
}

fn retryable(error: &TransferError) -> bool {
    match error {
        TransferError::Status { status, .. } => {
            status.is_server_error()
                || *status == StatusCode::TOO_MANY_REQUESTS
                || *status == StatusCode::REQUEST_TIMEOUT
        }
        TransferError::Refused { .. } | TransferError::Transport(_) => true,
        TransferError::Protocol(_) | TransferError::TooManyFailures { .. } => false,
    }
}
