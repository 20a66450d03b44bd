//! One request under the client's retry policy and deadline, following redirects itself (never
//! reqwest) and calling the caller's per-hop step on every hop, which sets or removes the
//! credentials by origin. Retries go through the one retry loop (`retry::run`), so the rules are
//! the App Center transport's: Retry-After honoured in full or not at all, capped backoff,
//! deadline and retry budget. No hop from `https` to `http`; a request body never goes to
//! another origin.

use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, LOCATION};
use reqwest::{Method, Request, Response, ResponseBuilderExt, StatusCode};
use url::Origin;

use super::AuthError;
use crate::RetryPolicy;
use crate::client::Timeouts;
use crate::retry;

/// Most redirects followed for one request.
const MAX_REDIRECTS: usize = 10;

/// Why a call failed before an answer could be handed back.
pub(crate) enum Failure {
    /// Sending or receiving failed.
    Http(reqwest::Error),
    /// The credentials could not be obtained or renewed.
    Auth(AuthError),
    /// The client is misconfigured (a caller-supplied `reqwest::Client` that follows redirects).
    Config(String),
}

impl From<Failure> for crate::Error {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Http(e) => crate::error::from_reqwest(e),
            Failure::Auth(e) => crate::Error::Auth(e),
            Failure::Config(why) => crate::Error::Config(why),
        }
    }
}

/// What redirects do.
pub(crate) enum Redirects<'a> {
    /// Followed; the step runs on the first request and on every hop. A request body is sent on
    /// to the given origin only.
    Follow(&'a (dyn Fn(&mut Request) + Sync), &'a Origin),
    /// Not followed: the redirect answer is the result (token endpoints: a secret in the body is
    /// never re-sent to wherever a `Location` points).
    Refuse,
}

/// The connection and the settings a request is sent under.
pub(crate) struct Sending<'a> {
    pub(crate) http: &'a reqwest::Client,
    pub(crate) retry: &'a RetryPolicy,
    pub(crate) timeouts: Timeouts,
}

impl Sending<'_> {
    /// Sends `request`. With `normalise`, error answers are rewritten into the crate's error body
    /// (`types::AppCenterErrorBody`, as App Center's), which the generated code decodes.
    pub(crate) async fn send(
        &self,
        request: Request,
        redirects: &Redirects<'_>,
        normalise: bool,
    ) -> Result<Response, Failure> {
        let deadline = self
            .timeouts
            .total
            .and_then(|total| Instant::now().checked_add(total));
        let policy = self.retry;
        retry::run(
            policy,
            deadline,
            request,
            move |mut this, attempt| async move {
                // A copy for a retry, which re-sends the first hop; a body that cannot be copied is
                // sent once.
                let spare = if attempt < policy.max_attempts {
                    this.try_clone()
                } else {
                    None
                };
                limit_attempt_time(&mut this, &self.timeouts, deadline);
                let method = this.method().clone();
                // The classifier: the policy's idempotency rules, and the wait the server asks for
                // (`Retry-After`, or "try again in N seconds" in the message).
                let (outcome, asked) = match self.follow(this, redirects).await {
                    Ok(response) if is_error(response.status()) => {
                        let status = response.status();
                        let (response, message) = if normalise {
                            match normalise_error(response).await {
                                Ok(normalised) => normalised,
                                Err(e) => return retry::Verdict::Done(Err(Failure::Http(e))),
                            }
                        } else {
                            (response, None)
                        };
                        if !policy.retries_status(&method, status) {
                            return retry::Verdict::Done(Ok(response));
                        }
                        let asked = retry::server_wait(response.headers(), message.as_deref());
                        (Ok(response), asked)
                    }
                    Ok(response) => return retry::Verdict::Done(Ok(response)),
                    Err(Failure::Http(e))
                        if policy.retries_transport(&method, retry::never_processed(&e)) =>
                    {
                        let asked = retry::transport_wait(&e);
                        (Err(Failure::Http(e)), asked)
                    }
                    Err(other) => return retry::Verdict::Done(Err(other)),
                };
                match spare {
                    Some(again) => retry::Verdict::Retry {
                        outcome,
                        asked,
                        again,
                    },
                    None => retry::Verdict::Done(outcome),
                }
            },
        )
        .await
    }

    /// One attempt: the request and the redirects it leads to.
    async fn follow(
        &self,
        mut request: Request,
        redirects: &Redirects<'_>,
    ) -> Result<Response, Failure> {
        for _ in 0..=MAX_REDIRECTS {
            let follow = match redirects {
                Redirects::Follow(step, origin) => Some((*step, *origin)),
                Redirects::Refuse => None,
            };
            if let Some((step, _)) = follow {
                step(&mut request);
            }
            let copy = follow.and_then(|_| request.try_clone());
            let sent = request.url().clone();
            let response = self.http.execute(request).await.map_err(Failure::Http)?;
            if *response.url() != sent {
                return Err(Failure::Config(
                    "the reqwest::Client given to the builder followed a redirect by itself; build \
                     it with `redirect(reqwest::redirect::Policy::none())` so credentials cannot \
                     follow redirects"
                        .into(),
                ));
            }
            match follow {
                Some((_, origin)) => match next_hop(&response, copy, origin)? {
                    Some(next) => request = next,
                    None => return Ok(response),
                },
                None => return Ok(response),
            }
        }
        Err(Failure::Config(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }
}

/// The request to send for a redirect answer; `None` when the answer is not one to follow (not a
/// redirect, no usable `Location`, a body that cannot be sent again). Refused (an error): a hop
/// from `https` to plain `http`, a scheme other than http(s), and a request body that would go
/// to another origin than `origin`.
fn next_hop(
    response: &Response,
    previous: Option<Request>,
    origin: &Origin,
) -> Result<Option<Request>, Failure> {
    let status = response.status();
    if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    let Some(url) = response
        .headers()
        .get(LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| response.url().join(l).ok())
    else {
        return Ok(None);
    };
    let refused = |why: &str| {
        Err(Failure::Config(format!(
            "refused a redirect to {}: {why}",
            url.origin().ascii_serialization()
        )))
    };
    if !matches!(url.scheme(), "http" | "https") {
        return refused("not an http(s) URL");
    }
    if response.url().scheme() == "https" && url.scheme() == "http" {
        return refused("from https to plain http");
    }
    let Some(mut previous) = previous else {
        return Ok(None);
    };
    // 303, and 301/302 after a POST, become a GET without a body (as browsers and reqwest do).
    let to_get = status == StatusCode::SEE_OTHER
        || (matches!(status.as_u16(), 301 | 302) && *previous.method() == Method::POST);
    if !to_get && previous.body().is_some() && url.origin() != *origin {
        return refused("the request has a body, which is never sent to another origin");
    }
    let method = if to_get {
        Method::GET
    } else {
        previous.method().clone()
    };
    let mut next = Request::new(method, url);
    *next.headers_mut() = std::mem::take(previous.headers_mut());
    *next.timeout_mut() = previous.timeout().copied();
    if to_get {
        next.headers_mut().remove(CONTENT_TYPE);
        next.headers_mut().remove(CONTENT_LENGTH);
    } else {
        *next.body_mut() = previous.body_mut().take();
    }
    Ok(Some(next))
}

pub(crate) fn is_error(status: StatusCode) -> bool {
    status.is_client_error() || status.is_server_error()
}

/// Per-attempt timeout, shortened so the attempt cannot outlive the call's deadline; a shorter
/// timeout the request already carries is kept.
fn limit_attempt_time(request: &mut Request, timeouts: &Timeouts, deadline: Option<Instant>) {
    let left = deadline.map(|d| {
        d.saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    });
    let limit = [request.timeout().copied(), timeouts.per_attempt, left]
        .into_iter()
        .flatten()
        .min();
    timeouts.apply(request, limit);
}

/// Rewrites an error answer's body into the crate's error body (`error_body::normalise`, JSON
/// the generated code decodes), keeping status, headers and URL; also returns its message.
async fn normalise_error(response: Response) -> reqwest::Result<(Response, Option<String>)> {
    let status = response.status();
    let url = response.url().clone();
    let mut headers = response.headers().clone();
    let body = response.bytes().await?;
    let normalised = crate::error_body::normalise(status, &body);
    let json = serde_json::to_vec(&normalised).unwrap_or_else(|_| b"{}".to_vec());
    headers.remove(CONTENT_LENGTH);
    headers.remove(reqwest::header::CONTENT_ENCODING);
    headers.remove(reqwest::header::TRANSFER_ENCODING);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    // Typed status and URL: building cannot fail.
    let mut rebuilt = http::Response::builder()
        .status(status)
        .url(url)
        .body(json)
        .unwrap_or_default();
    *rebuilt.headers_mut() = headers;
    Ok((Response::from(rebuilt), normalised.message))
}
