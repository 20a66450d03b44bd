//! What happens to every request between the generated code and the network: the progenitor
//! hooks. `pre` adds the token (API origin only) and the `{}` body; `exec` sends with retries,
//! timeouts and origin-checked redirects, then normalises error bodies; `post` refuses answers
//! that a caller-supplied `reqwest::Client` fetched from another origin.

use std::sync::Arc;
use std::time::{Duration, Instant};

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, LOCATION};
use reqwest::{Method, Request, Response, ResponseBuilderExt, StatusCode};

use crate::auth;
use crate::client::ClientState;
use crate::error_body;
use crate::generated::Client as Generated;
use crate::retry;

/// Sends a request built by hand (the avatar uploads, `nextLink` pages) exactly as a generated
/// operation sends its own: the generated headers, the `pre`/`exec`/`post` hooks, and the same
/// decoding of success and error answers.
pub(crate) async fn send_hand_built<T: serde::de::DeserializeOwned>(
    api: &Generated,
    mut request: Request,
    operation_id: &'static str,
) -> Result<progenitor_client::ResponseValue<T>, crate::Error> {
    use crate::types::AppCenterErrorBody;
    use progenitor_client::ResponseValue;
    let headers = request.headers_mut();
    headers.insert(
        reqwest::header::ACCEPT,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        "api-version",
        HeaderValue::from_static(<Generated as ClientInfo<_>>::api_version()),
    );
    let info = OperationInfo { operation_id };
    api.pre::<AppCenterErrorBody>(&mut request, &info).await?;
    let result = api.exec(request, &info).await;
    api.post::<AppCenterErrorBody>(&result, &info).await?;
    let response = result.map_err(crate::error::from_reqwest)?;
    let status = response.status();
    if status.is_success() {
        Ok(ResponseValue::<T>::from_response::<AppCenterErrorBody>(response).await?)
    } else if is_error(status) {
        let body =
            ResponseValue::<AppCenterErrorBody>::from_response::<AppCenterErrorBody>(response)
                .await?;
        Err(progenitor_client::Error::ErrorResponse(body).into())
    } else {
        Err(crate::Error::UnexpectedStatus(status))
    }
}

/// Most redirects followed for one request.
const MAX_REDIRECTS: usize = 10;

impl ClientHooks<Arc<ClientState>> for Generated {
    async fn pre<E>(
        &self,
        request: &mut Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        prepare(self.inner(), request);
        Ok(())
    }

    async fn exec(&self, request: Request, _info: &OperationInfo) -> reqwest::Result<Response> {
        crate::pagination::record(self, request.url());
        execute(self.client(), self.inner(), request).await
    }

    async fn post<E>(
        &self,
        result: &reqwest::Result<Response>,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        check_origin(self.inner(), result).map_err(progenitor_client::Error::Custom)
    }
}

/// The `pre` step, shared with the hand-written workflows: `{}` with `Content-Type:
/// application/json` for a POST/PUT/PATCH without a body (App Center answers 411 Length Required
/// to a write without one, although the spec declares no body for 22 such operations), and the
/// token, on requests to the API's origin only.
pub(crate) fn prepare(state: &ClientState, request: &mut Request) {
    if matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH
    ) && request.body().is_none()
    {
        *request.body_mut() = Some("{}".into());
        request
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    auth::authorize(request, &state.token, &state.origin);
}

/// The `post` step: an answer that a caller-supplied `reqwest::Client` fetched from another
/// origin by following a redirect itself is refused loudly rather than acted on.
pub(crate) fn check_origin(
    state: &ClientState,
    result: &reqwest::Result<Response>,
) -> Result<(), String> {
    match result
        .as_ref()
        .ok()
        .and_then(|r| r.extensions().get::<FollowedElsewhere>())
    {
        Some(FollowedElsewhere(origin)) if *origin != state.origin => Err(format!(
            "the reqwest::Client given to the builder followed a redirect to {} by itself; build it \
             with `redirect(reqwest::redirect::Policy::none())` so the API token cannot follow redirects",
            origin.ascii_serialization()
        )),
        _ => Ok(()),
    }
}

/// Marks an answer that the `reqwest::Client` itself fetched from another URL than the one sent
/// (it followed a redirect), with the origin it came from.
#[derive(Clone)]
struct FollowedElsewhere(url::Origin);

/// The `exec` step: sends `request` under the client's retry policy and deadline.
pub(crate) async fn execute(
    http: &reqwest::Client,
    state: &ClientState,
    request: Request,
) -> reqwest::Result<Response> {
    let deadline = state.timeouts.total.map(|total| Instant::now() + total);
    let policy = &state.retry;
    let mut waited = Duration::ZERO;
    let mut attempt = 1;
    let mut next = Some(request);
    loop {
        let mut this = next.take().expect("a request for every attempt");
        // Keep a copy for a retry; a streaming body cannot be copied and is sent once.
        let spare = if attempt < policy.max_attempts {
            this.try_clone()
        } else {
            None
        };
        limit_attempt_time(&mut this, state.timeouts.per_attempt, deadline);
        let method = this.method().clone();

        let (wait, outcome) = match send_following_redirects(http, state, this).await {
            Ok(response) if is_error(response.status()) => {
                let status = response.status();
                let (normalised, message) = normalise_error(response).await?;
                let headers = normalised.headers().clone();
                if !policy.retries_status(&method, status) {
                    return Ok(normalised);
                }
                let wait = match retry::server_wait(&headers, message.as_deref()) {
                    Some(asked) => Wait::Asked(asked),
                    None => Wait::Backoff(policy.backoff(attempt)),
                };
                (wait, Ok(normalised))
            }
            Ok(response) => return Ok(response),
            Err(e) => {
                if !policy.retries_transport(&method, e.is_connect()) {
                    return Err(e);
                }
                (Wait::Backoff(policy.backoff(attempt)), Err(e))
            }
        };

        // Our own backoff is capped; a wait the server asked for is honoured in full, or, when it
        // does not fit in the retry budget or the deadline, not at all: retrying before the time
        // the server named would only earn another refusal.
        let wait = match wait {
            Wait::Backoff(wait) => wait.min(policy.max_backoff),
            Wait::Asked(wait) => wait,
        };
        // Checked arithmetic: the server chooses `wait` (`Retry-After: 18446744073709551615`).
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
            // Out of attempts or time: the last answer or error is the result.
            _ => return outcome,
        }
    }
}

/// How long to wait before the next attempt, and who decided it.
enum Wait {
    /// The server asked for it (`Retry-After`, "try again in N seconds").
    Asked(Duration),
    /// The policy's exponential backoff.
    Backoff(Duration),
}

/// Per-attempt timeout, shortened so the attempt cannot outlive the call's deadline. A timeout
/// the request already carries (set by the caller) is kept if shorter.
fn limit_attempt_time(
    request: &mut Request,
    per_attempt: Option<Duration>,
    deadline: Option<Instant>,
) {
    let left = deadline.map(|d| {
        d.saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    });
    let limit = [request.timeout().copied(), per_attempt, left]
        .into_iter()
        .flatten()
        .min();
    *request.timeout_mut() = limit;
}

/// Sends `request`, following redirects here rather than in reqwest so that the token is set
/// again for each hop and dropped as soon as a hop leaves the API's origin.
async fn send_following_redirects(
    http: &reqwest::Client,
    state: &ClientState,
    request: Request,
) -> reqwest::Result<Response> {
    let mut request = request;
    for _ in 0..MAX_REDIRECTS {
        let retry_copy = request.try_clone();
        let sent = request.url().clone();
        let mut response = http.execute(request).await?;
        if *response.url() != sent {
            let origin = response.url().origin();
            response.extensions_mut().insert(FollowedElsewhere(origin));
        }
        let Some(next) = redirect_target(&response, retry_copy) else {
            return Ok(response);
        };
        request = next;
        auth::authorize(&mut request, &state.token, &state.origin);
    }
    http.execute(request).await
}

/// The request to send for a redirect answer, or `None` when it is not one we can follow.
fn redirect_target(response: &Response, previous: Option<Request>) -> Option<Request> {
    let status = response.status();
    if !matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    let url = response.url().join(location).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let mut previous = previous?;
    // 303, and 301/302 after a POST, become a GET without a body (as browsers and reqwest do).
    let to_get = status == StatusCode::SEE_OTHER
        || (matches!(status.as_u16(), 301 | 302) && *previous.method() == Method::POST);
    let mut next = Request::new(
        if to_get {
            Method::GET
        } else {
            previous.method().clone()
        },
        url,
    );
    *next.headers_mut() = std::mem::take(previous.headers_mut());
    *next.timeout_mut() = previous.timeout().copied();
    if to_get {
        next.headers_mut().remove(CONTENT_TYPE);
        next.headers_mut().remove(CONTENT_LENGTH);
    } else {
        *next.body_mut() = previous.body_mut().take();
    }
    Some(next)
}

fn is_error(status: StatusCode) -> bool {
    status.is_client_error() || status.is_server_error()
}

/// Rewrites an error answer's body into the one JSON shape the generated code decodes
/// (`types::AppCenterErrorBody`), keeping status, headers and URL. Also returns the message.
async fn normalise_error(response: Response) -> reqwest::Result<(Response, Option<String>)> {
    let status = response.status();
    let url = response.url().clone();
    let mut headers = response.headers().clone();
    let body = response.bytes().await?;
    let normalised = error_body::normalise(status, &body);
    let json = serde_json::to_vec(&normalised).expect("the error body serialises");
    headers.remove(CONTENT_LENGTH);
    headers.remove(reqwest::header::CONTENT_ENCODING);
    headers.remove(reqwest::header::TRANSFER_ENCODING);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let mut rebuilt = http::Response::builder()
        .status(status)
        .url(url)
        .body(json)
        .expect("valid parts");
    *rebuilt.headers_mut() = headers;
    Ok((Response::from(rebuilt), normalised.message))
}
