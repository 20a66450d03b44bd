//! The blob storage side of a symbol upload: the SAS URL App Center hands out, one `PUT` for a
//! small file, blocks and a block list for a large one.
//!
//! Requests go on the client's `reqwest::Client` directly, without the API hooks: the blob host
//! gets no `X-API-Token` and no other App Center header; its credential is the SAS signature in
//! the URL, which is shown only through [`redact::url`](crate::redact::url).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use url::Url;

use super::azure_error;
use super::error::BlobError;
use crate::file_parts::SharedFile;
use crate::{RetryPolicy, auth, redact, retry};

/// How much of a non-XML error body is kept.
const BODY_LIMIT: usize = 512;

/// Size of the pieces a single `PUT`'s body is read in.
const PIECE: usize = 1024 * 1024;

/// Length of a block id before base64: every id of a blob must have the same length.
const BLOCK_ID_DIGITS: usize = 8;

/// The blob an upload writes to, and how its requests are retried.
pub(crate) struct BlobTarget {
    http: reqwest::Client,
    /// The SAS URL as App Center sent it (its query goes on the wire untouched).
    url: Url,
    /// The signature's values, scrubbed out of whatever the storage answers.
    secrets: Vec<String>,
    timeout: Timeout,
    retry: RetryPolicy,
    /// Failed attempts allowed across the whole upload.
    failure_budget: u32,
    /// Failed attempts so far, by all of the upload's requests.
    failures: AtomicU32,
}

/// Time allowed for one blob request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timeout {
    /// Whatever the body's size.
    pub(crate) base: Option<Duration>,
    /// Added per MiB of body (a single `PUT` may be hundreds of MiB).
    pub(crate) per_mib: Duration,
    /// The limit the reqwest client gives a request without one (`Timeouts::by_http`).
    pub(crate) by_http: Option<Duration>,
}

impl Timeout {
    fn for_body(self, bytes: u64) -> Option<Duration> {
        let mib = u32::try_from(bytes.div_ceil(1024 * 1024)).unwrap_or(u32::MAX);
        self.base
            .map(|base| base.saturating_add(self.per_mib.saturating_mul(mib)))
    }
}

impl std::fmt::Debug for BlobTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobTarget")
            .field("url", &redact::url(&self.url))
            .finish_non_exhaustive()
    }
}

/// The id of block `index` (0-based): base64 of a fixed-length text, so all ids of the blob
/// have the same length, as Azure requires.
pub(crate) fn block_id(index: u64) -> String {
    let raw = format!("blk{index:0BLOCK_ID_DIGITS$}");
    base64::engine::general_purpose::STANDARD.encode(raw)
}

impl BlobTarget {
    /// Checks App Center's `upload_url`: an absolute `https` URL (plain `http` only to loopback),
    /// without credentials. The URL itself never appears in the error.
    pub(crate) fn new(
        http: reqwest::Client,
        upload_url: &str,
        timeout: Timeout,
        policy: RetryPolicy,
        failure_budget: u32,
    ) -> Result<Self, BlobError> {
        let url = Url::parse(upload_url.trim())
            .map_err(|e| BlobError::Protocol(format!("upload_url is not a valid URL: {e}")))?;
        let mut bare = url.clone();
        bare.set_query(None);
        bare.set_fragment(None);
        // The same rule as for the API: the SAS must not cross a network in clear text.
        auth::check_base_url(bare.as_str()).map_err(|e| {
            BlobError::Protocol(format!("upload_url {} refused: {e}", redact::url(&url)))
        })?;
        Ok(Self {
            http,
            secrets: redact::secrets(&url),
            url,
            timeout,
            retry: policy,
            failure_budget,
            failures: AtomicU32::new(0),
        })
    }

    /// One `PUT` of the whole file (`x-ms-blob-type: BlockBlob`), streamed from the file.
    pub(crate) async fn put_blob(&self, file: &SharedFile, size: u64) -> Result<(), BlobError> {
        let url = self.url.clone();
        self.send(|| {
            let mut headers = HeaderMap::new();
            headers.insert("x-ms-blob-type", HeaderValue::from_static("BlockBlob"));
            headers.insert(CONTENT_LENGTH, HeaderValue::from(size));
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            let body = reqwest::Body::wrap_stream(file.stream(0, size, PIECE));
            (url.clone(), headers, body, size)
        })
        .await
    }

    /// `PUT <url>&comp=block&blockid=<id>` with the block's bytes.
    pub(crate) async fn put_block(&self, id: &str, data: Bytes) -> Result<(), BlobError> {
        let encoded: String =
            url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>();
        let url = self.with_query(&format!("comp=block&blockid={encoded}"));
        let len = data.len() as u64;
        self.send(|| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            );
            (url.clone(), headers, data.clone().into(), len)
        })
        .await
    }

    /// `PUT <url>&comp=blocklist` with the ids in order: the blob becomes those blocks.
    pub(crate) async fn put_block_list(&self, ids: &[String]) -> Result<(), BlobError> {
        let mut xml = String::from(r#"<?xml version="1.0" encoding="utf-8"?><BlockList>"#);
        for id in ids {
            // Base64 has no character XML would need escaped.
            xml.push_str("<Latest>");
            xml.push_str(id);
            xml.push_str("</Latest>");
        }
        xml.push_str("</BlockList>");
        let body = Bytes::from(xml);
        let url = self.with_query("comp=blocklist");
        let len = body.len() as u64;
        self.send(|| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/xml; charset=utf-8"),
            );
            (url.clone(), headers, body.clone().into(), len)
        })
        .await
    }

    /// The SAS URL with `extra` appended to its query, which is otherwise kept byte for byte.
    fn with_query(&self, extra: &str) -> Url {
        let mut url = self.url.clone();
        let query = match self.url.query().filter(|q| !q.is_empty()) {
            Some(sas) => format!("{sas}&{extra}"),
            None => extra.to_string(),
        };
        url.set_query(Some(&query));
        url
    }

    /// Sends a request built by `build` (again for each attempt) through the one retry loop
    /// (`retry::run`) with the blob classifier ([`retryable`]); every blob request is idempotent
    /// (the same bytes to the same place). A wait the server asks for (`Retry-After`) is honoured
    /// in full or not at all. Every failed attempt counts against the upload's failure budget.
    async fn send(
        &self,
        build: impl Fn() -> (Url, HeaderMap, reqwest::Body, u64),
    ) -> Result<(), BlobError> {
        let build = &build;
        retry::run(&self.retry, None, (), move |(), _| async move {
            let (url, headers, body, len) = build();
            let (error, asked) = match self.attempt(url, headers, body, len).await {
                Ok(()) => return retry::Verdict::Done(Ok(())),
                Err(failure) => failure,
            };
            let failures = self
                .failures
                .fetch_add(1, Ordering::Relaxed)
                .saturating_add(1);
            if failures > self.failure_budget {
                return retry::Verdict::Done(Err(BlobError::TooManyFailures {
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

    async fn attempt(
        &self,
        url: Url,
        headers: HeaderMap,
        body: reqwest::Body,
        len: u64,
    ) -> Result<(), (BlobError, Option<Duration>)> {
        let mut request = reqwest::Request::new(Method::PUT, url);
        *request.headers_mut() = headers;
        *request.body_mut() = Some(body);
        let limit = self.timeout.for_body(len);
        crate::client::set_timeout(&mut request, limit, self.timeout.by_http);
        let transport = |e: reqwest::Error| (BlobError::Transport(e.without_url()), None);
        let response = self.http.execute(request).await.map_err(transport)?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let wait = retry::server_wait(response.headers(), None);
        let bytes = response.bytes().await.map_err(transport)?;
        Err((self.status_error(status, &bytes), wait))
    }

    /// An error answer as a [`BlobError`]: Azure's code and message, or the start of the body,
    /// with the signature scrubbed out (a proxy or a buggy server may echo the URL).
    fn status_error(&self, status: StatusCode, body: &[u8]) -> BlobError {
        let text = String::from_utf8_lossy(body);
        let scrub = |text: &str| redact::scrub_secrets(text, &self.secrets).into_owned();
        match azure_error::parse(&text) {
            Some((code, message)) => BlobError::Status {
                status,
                code: code.map(|c| scrub(&c)),
                message: message.map(|m| scrub(&m)),
            },
            None => {
                let mut end = text.len().min(BODY_LIMIT);
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                let start = text[..end].trim();
                BlobError::Status {
                    status,
                    code: None,
                    message: (!start.is_empty()).then(|| scrub(start)),
                }
            }
        }
    }
}

/// The blob classifier: 408, 429, 5xx (Azure's `ServerBusy`, `OperationTimedOut`...) and
/// transport failures, timeouts included, are retried.
fn retryable(error: &BlobError) -> bool {
    match error {
        BlobError::Status { status, .. } => {
            status.is_server_error()
                || *status == StatusCode::TOO_MANY_REQUESTS
                || *status == StatusCode::REQUEST_TIMEOUT
        }
        BlobError::Transport(_) => true,
        BlobError::Protocol(_) | BlobError::TooManyFailures { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_ids_have_one_length() {
        let ids: Vec<String> = [0, 9, 10, 12_345, 99_999_999].map(block_id).into();
        assert!(ids.iter().all(|id| id.len() == ids[0].len()), "{ids:?}");
        assert_eq!(ids[0], "YmxrMDAwMDAwMDA=");
    }

    #[test]
    fn the_classifier_retries_what_may_pass_later() {
        let status = |code| BlobError::Status {
            status: StatusCode::from_u16(code).unwrap(),
            code: None,
            message: None,
        };
        for code in [408, 429, 500, 503] {
            assert!(retryable(&status(code)), "{code}");
        }
        for code in [400, 403, 404, 413] {
            assert!(!retryable(&status(code)), "{code}");
        }
        assert!(!retryable(&BlobError::Protocol("x".into())));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn failures_count_against_one_budget_for_the_upload() {
        // Nothing listens on port 1: every attempt is a (retried) connect failure.
        let target = BlobTarget::new(
            crate::client::http_for_tests(),
            "http://127.0.0.1:1/blob?sig=s",
            Timeout {
                base: Some(Duration::from_secs(5)),
                per_mib: Duration::ZERO,
                by_http: None,
            },
            RetryPolicy::default()
                .max_attempts(2)
                .initial_backoff(Duration::from_millis(1)),
            3,
        )
        .unwrap();
        let error = target.put_block_list(&[]).await.unwrap_err();
        assert!(matches!(error, BlobError::Transport(_)), "{error:?}");
        let error = target.put_block_list(&[]).await.unwrap_err();
        assert!(
            matches!(error, BlobError::TooManyFailures { failures: 4, .. }),
            "{error:?}"
        );
    }
}
