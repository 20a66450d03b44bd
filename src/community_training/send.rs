//! One request under the client's retry policy and deadline, following redirects itself (never
//! reqwest) and calling the caller's per-hop step on every hop, which sets or removes the
//! credentials by origin. The loop follows the App Center transport's rules (`transport::execute`:
//! Retry-After honoured in full or not at all, capped backoff, deadline, retry budget) and calls
//! its helpers; it is generic over the per-hop step so that token endpoints can refuse redirects.

use std::time::{Duration, Instant};

use reqwest::{Request, Response};

use super::AuthError;
use crate::RetryPolicy;
use crate::client::Timeouts;
use crate::{retry, transport};

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
    /// Followed; the step runs on the first request and on every hop.
    Follow(&'a (dyn Fn(&mut Request) + Sync)),
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
        let mut waited = Duration::ZERO;
        let mut attempt = 1;
        let mut next = Some(request);
        loop {
            let Some(mut this) = next.take() else {
                return Err(Failure::Config("no request to send".into()));
            };
            let spare = if attempt < policy.max_attempts {
                this.try_clone()
            } else {
                None
            };
            transport::limit_attempt_time(&mut this, self.timeouts.per_attempt, deadline);
            let method = this.method().clone();
            let (wait, outcome) = match self.follow(this, redirects).await {
                Ok(response) if transport::is_error(response.status()) => {
                    let status = response.status();
                    let (response, message) = if normalise {
                        transport::normalise_error(response)
                            .await
                            .map_err(Failure::Http)?
                    } else {
                        (response, None)
                    };
                    if !policy.retries_status(&method, status) {
                        return Ok(response);
                    }
                    // A wait the server asks for is honoured in full (or not at all, below).
                    let wait = retry::server_wait(response.headers(), message.as_deref())
                        .unwrap_or_else(|| policy.backoff(attempt).min(policy.max_backoff));
                    (wait, Ok(response))
                }
                Ok(response) => return Ok(response),
                Err(Failure::Http(e)) => {
                    if !policy.retries_transport(&method, e.is_connect()) {
                        return Err(Failure::Http(e));
                    }
                    let wait = policy.backoff(attempt).min(policy.max_backoff);
                    (wait, Err(Failure::Http(e)))
                }
                Err(other) => return Err(other),
            };
            let out_of_time =
                deadline.is_some_and(|d| Instant::now().checked_add(wait).is_none_or(|t| t >= d));
            let in_budget = waited
                .checked_add(wait)
                .is_some_and(|total| total <= policy.max_retry_time);
            match spare {
                Some(spare) if !out_of_time && in_budget => {
                    tokio::time::sleep(wait).await;
                    waited += wait;
                    attempt += 1;
                    next = Some(spare);
                }
                _ => return outcome,
            }
        }
    }

    /// One attempt: the request and the redirects it leads to.
    async fn follow(
        &self,
        mut request: Request,
        redirects: &Redirects<'_>,
    ) -> Result<Response, Failure> {
        for _ in 0..=MAX_REDIRECTS {
            let step = match redirects {
                Redirects::Follow(step) => Some(*step),
                Redirects::Refuse => None,
            };
            if let Some(step) = step {
                step(&mut request);
            }
            let copy = step.and_then(|_| request.try_clone());
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
            match transport::redirect_target(&response, copy) {
                Some(next) if step.is_some() => request = next,
                _ => return Ok(response),
            }
        }
        Err(Failure::Config(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }
}
