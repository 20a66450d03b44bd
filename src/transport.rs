//! What happens to every request between the generated code and the network.
//!
//! Every generated builder's `send()` hands its built request to [`send_json`] (or
//! [`send_empty`], [`send_stream`]); hand-built requests go through [`send_hand_built`]. Each
//! opens the call's tracing span ([`CallSpan`]), runs the request ([`Exchange`]: for App Center,
//! [`prepare`] adds the token (API origin only) and the `{}` body, then [`execute`] sends with
//! retries, timeouts and redirects followed hop by hop and normalises error bodies), sorts the
//! status as progenitor's `send` did, decodes the answer and turns a failure into [`Error`].

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::Either;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, LOCATION};
use reqwest::{Method, Request, Response, ResponseBuilderExt, StatusCode};
use tracing::Instrument;

use crate::client::ClientState;
use crate::error::RefusedRedirect;
use crate::generated::Client as Generated;
use crate::types::AppCenterErrorBody;
use crate::{Operation, auth, error_body, retry};

/// A failed call on its way to becoming an [`Error`](crate::Error) (`CallSpan::failed`).
type Failing = std::pin::Pin<Box<dyn Future<Output = crate::Error> + Send>>;

/// The call's tracing span and start time: opened before the request is sent, told the outcome
/// at the end. Not generic, so that the code every operation instantiates (the decoding of its
/// own answer type) stays small: the span, the error reading and the events are compiled once.
struct CallSpan {
    operation: Operation,
    span: tracing::Span,
    started: Instant,
}

impl CallSpan {
    fn start(operation: Operation) -> Self {
        let span = tracing::info_span!(
            "appcenter.call",
            operation = operation.id(),
            method = operation.method(),
            path = operation.path_template(),
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            error = tracing::field::Empty,
            error_code = tracing::field::Empty,
            correlation_id = tracing::field::Empty,
        );
        CallSpan {
            operation,
            span,
            started: Instant::now(),
        }
    }

    /// Records a success answer with `status`.
    fn succeeded(&self, status: StatusCode) {
        // No clock read for the latency of a span no subscriber wants.
        if !self.span.is_disabled() {
            self.span
                .record("latency_ms", self.started.elapsed().as_millis() as u64);
            self.span.record("status", status.as_u16());
        }
        let _entered = self.span.enter();
        tracing::debug!("call succeeded");
    }

    /// Records the call's outcome: a success is handed back, a failure as the future that turns
    /// it into [`Error`] ([`failed`](Self::failed)). Not an `async fn`: a success awaits nothing,
    /// and such a future (holding the answer) would be built and copied on every call.
    fn finish<T>(
        self,
        result: Result<ResponseValue<T>, GeneratedError>,
    ) -> Result<ResponseValue<T>, Failing> {
        match result {
            Ok(value) => {
                self.succeeded(value.status());
                Ok(value)
            }
            Err(e) => Err(self.failed(e)),
        }
    }

    /// Turns progenitor's error into [`Error`] naming the operation (reading an error answer's
    /// body), and records it. Boxed: only failed calls pay for the (large) future that reads the
    /// error.
    fn failed(self, e: GeneratedError) -> Failing {
        let span = self.span.clone();
        Box::pin(
            async move {
                let e = crate::error::from_generated(Some(self.operation), e).await;
                let span = &self.span;
                span.record("latency_ms", self.started.elapsed().as_millis() as u64);
                if let Some(status) = e.status() {
                    span.record("status", status.as_u16());
                }
                span.record("error", crate::error::kind_name(&e));
                if let Some(api) = e.api() {
                    if let Some(code) = &api.code {
                        span.record("error_code", code.as_str());
                    }
                    if let Some(id) = api.correlation_id() {
                        span.record("correlation_id", id);
                    }
                }
                tracing::debug!(error = %e, "call failed");
                e
            }
            .instrument(span),
        )
    }
}

/// The request a generated builder built (its `request_generated`), or why it could not: the
/// client that runs the request, and the request.
///
/// The request then stays where the call's boxed future keeps it: every level below is lent it
/// (`&mut Request`), and each hop sent leaves a copy of itself there, for a retry or as a
/// redirect's template. Moved into each level instead, it made every level's future larger by a
/// request (264 bytes), and the call's future too large for the allocator's fast path.
pub(crate) type Built<'a, C> = Result<(&'a C, Request), GeneratedError>;

/// The statuses an operation's spec declares as success, as inclusive ranges.
pub(crate) type Success = &'static [(u16, u16)];

/// A call on its way: boxed, so that the code that starts it (every generated `send`) has a
/// small, named type to check instead of the nested futures of the whole request path (which
/// made every operation cost the compiler tens of milliseconds), and so that the future every
/// `send()` returns is small and cheap to move (into a task, a `FuturesUnordered`, a caller's
/// `Box::pin`). The call's one allocation.
pub(crate) type Sending<'a, T> =
    std::pin::Pin<Box<dyn Future<Output = crate::Result<T>> + Send + 'a>>;

/// The end of every generated operation whose answer is JSON: opens the call's span, runs the
/// request ([`Exchange`]), decodes `T`, and turns a failure into [`Error`]. Shared so that the
/// per-operation code is only the request building (one async body per operation was most of
/// the crate's build time); what is generic over `T` here is only the decoding.
pub(crate) fn send_json<'a, C, T>(
    operation: Operation,
    built: Built<'a, C>,
    success: Success,
) -> Sending<'a, ResponseValue<T>>
where
    C: Exchange,
    T: serde::de::DeserializeOwned + Send + 'a,
{
    let mut built = built;
    Box::pin(async move {
        let call = CallSpan::start(operation);
        let result = match built {
            Ok((client, ref mut request)) => read_json(&call, client, request, success).await,
            Err(e) => Err(e),
        };
        let result = result.and_then(decode::<T>);
        match call.finish(result) {
            Ok(value) => Ok(value),
            Err(failing) => Err(failing.await),
        }
    })
}

/// A success answer's status, headers and whole body, read by [`send_json`] before decoding.
struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: bytes::Bytes,
}

/// Runs the request and reads the success answer's body: all of [`send_json`] that does not
/// depend on the answer's type. The headers are moved out of the response, not copied.
async fn read_json<C: Exchange>(
    call: &CallSpan,
    client: &C,
    request: &mut Request,
    success: Success,
) -> Result<Answer, GeneratedError> {
    let mut response = respond(call, client, request, success).await?;
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let body = response
        .bytes()
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?;
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// Decodes a success answer as progenitor's `ResponseValue::from_response` does (the same
/// error when the body is not a `T`), without awaiting: the only code of a call generic over
/// the answer's type.
#[allow(
    clippy::result_large_err,
    reason = "progenitor's error, as its own decoding returns it; `CallSpan::failed` turns it into `crate::Error` at once"
)]
fn decode<T: serde::de::DeserializeOwned>(
    answer: Answer,
) -> Result<ResponseValue<T>, GeneratedError> {
    match serde_json::from_slice(&answer.body) {
        Ok(inner) => Ok(ResponseValue::new(inner, answer.status, answer.headers)),
        Err(e) => Err(progenitor_client::Error::InvalidResponsePayload(
            answer.body,
            e,
        )),
    }
}

/// [`send_json`] for an operation whose success answer has no body.
#[allow(dead_code, reason = "only some API areas have such operations")]
pub(crate) fn send_empty<'a, C: Exchange>(
    operation: Operation,
    built: Built<'a, C>,
    success: Success,
) -> Sending<'a, ResponseValue<()>> {
    send_unread(operation, built, success, |_| ())
}

/// [`send_json`] for a download: the body is handed over as a stream.
#[allow(dead_code, reason = "only some API areas have such operations")]
pub(crate) fn send_stream<'a, C: Exchange>(
    operation: Operation,
    built: Built<'a, C>,
    success: Success,
) -> Sending<'a, ResponseValue<progenitor_client::ByteStream>> {
    send_unread(operation, built, success, |response| {
        progenitor_client::ByteStream::new(Box::pin(response.bytes_stream()))
    })
}

/// [`send_json`] for an answer whose body is not read here: `inner` makes the value of the
/// success answer (its headers already moved out).
#[allow(dead_code, reason = "only some API areas have such operations")]
fn send_unread<'a, C: Exchange, T: Send + 'a>(
    operation: Operation,
    built: Built<'a, C>,
    success: Success,
    inner: fn(Response) -> T,
) -> Sending<'a, ResponseValue<T>> {
    let mut built = built;
    Box::pin(async move {
        let call = CallSpan::start(operation);
        let result = match built {
            Ok((client, ref mut request)) => respond(&call, client, request, success).await,
            Err(e) => Err(e),
        };
        let result = result.map(|mut response| {
            let (status, headers) = (response.status(), std::mem::take(response.headers_mut()));
            ResponseValue::new(inner(response), status, headers)
        });
        match call.finish(result) {
            Ok(value) => Ok(value),
            Err(failing) => Err(failing.await),
        }
    })
}

/// A generated client that can run a built request: send it as its hooks would (auth, body,
/// retries, redirects), inside the call `call` (the attempts are recorded on its span). The
/// future is `Send` for every client, which generic code cannot see through the hooks' own
/// futures.
pub(crate) trait Exchange: Sync {
    /// What running a request fails with.
    type Failure: Into<GeneratedError>;

    /// Runs `request` of `operation`, in the call that started at `started`. The request is lent
    /// (see [`Built`]): what it holds afterwards is not to be sent again by the caller.
    fn exchange<'a>(
        &'a self,
        operation: Operation,
        request: &'a mut Request,
        call: &'a tracing::Span,
        started: Instant,
    ) -> impl Future<Output = Result<Response, Self::Failure>> + Send + 'a;
}

/// App Center's client runs its request directly (what its `pre` and `exec` hooks do), with the
/// operation's download flag and the call's span at hand. Not an `async fn`: the transport's
/// future is handed back as it is, not nested in one more (each level of nesting is a future
/// built and then copied, kilobytes on every call).
impl Exchange for Generated {
    type Failure = reqwest::Error;

    fn exchange<'a>(
        &'a self,
        operation: Operation,
        request: &'a mut Request,
        call: &'a tracing::Span,
        started: Instant,
    ) -> impl Future<Output = reqwest::Result<Response>> + Send + 'a {
        prepare(self.inner(), request);
        execute(
            self.client(),
            self.inner(),
            request,
            operation.streams(),
            (call, started),
        )
    }
}

/// What progenitor's generated code fails with.
type GeneratedError = progenitor_client::Error<AppCenterErrorBody>;

/// Runs the built request inside the call's span and sorts the answer ([`sort_status`]).
async fn respond<C: Exchange>(
    call: &CallSpan,
    client: &C,
    request: &mut Request,
    success: Success,
) -> Result<Response, GeneratedError> {
    let response = client
        .exchange(call.operation, request, &call.span, call.started)
        .instrument(call.span.clone())
        .await
        .map_err(Into::into)?;
    match sort_status(response, success) {
        Sorted::Success(response) => Ok(response),
        Sorted::Failure(e) => Err(e),
        // Boxed: only error answers pay for the future that reads their body.
        Sorted::ErrorAnswer(response) => Err(Box::pin(error_answer(response)).await),
    }
}

/// Runs the hooks on a built request, for a client whose hooks do the sending (as Community
/// Training's do).
#[cfg(feature = "community-training")]
pub(crate) async fn exchange<C, I>(
    client: &C,
    operation: Operation,
    mut request: Request,
) -> Result<Response, GeneratedError>
where
    C: ClientHooks<I>,
{
    let info = OperationInfo {
        operation_id: operation.id(),
    };
    client.pre(&mut request, &info).await?;
    let result = client.exec(request, &info).await;
    client.post(&result, &info).await?;
    Ok(result?)
}

/// How [`sort_status`] sorted an answer.
enum Sorted {
    /// A status the operation declares as success.
    Success(Response),
    /// Any other 4xx/5xx: its body is read into an error ([`error_answer`]).
    ErrorAnswer(Response),
    /// Anything else: unexpected.
    Failure(GeneratedError),
}

/// Sorts an answer as progenitor's `send` does: a `success` status is handed back, any other
/// 4xx/5xx becomes an error answer (the transport has already normalised its body), anything
/// else is unexpected. Not an `async fn`: only error answers have a body to read.
fn sort_status(response: Response, success: Success) -> Sorted {
    let status = response.status();
    if success
        .iter()
        .any(|&(low, high)| (low..=high).contains(&status.as_u16()))
    {
        Sorted::Success(response)
    } else if is_error(status) {
        Sorted::ErrorAnswer(response)
    } else {
        Sorted::Failure(progenitor_client::Error::UnexpectedResponse(response))
    }
}

/// An error answer, its body read, as progenitor's `send` makes it.
async fn error_answer(response: Response) -> GeneratedError {
    match ResponseValue::<AppCenterErrorBody>::from_response(response).await {
        Ok(body) => progenitor_client::Error::ErrorResponse(body),
        Err(e) => e,
    }
}

/// Sends a request built by hand (the avatar uploads, `nextLink` pages) exactly as a generated
/// operation sends its own: the generated `Accept` header, then [`send_json`] with any 2xx as
/// success.
pub(crate) async fn send_hand_built<T: serde::de::DeserializeOwned + Send>(
    api: &Generated,
    mut request: Request,
    operation: Operation,
) -> crate::Result<ResponseValue<T>> {
    request.headers_mut().insert(
        reqwest::header::ACCEPT,
        HeaderValue::from_static("application/json"),
    );
    send_json(operation, Ok((api, request)), &[(200, 299)]).await
}

/// Most redirects followed for one request.
const MAX_REDIRECTS: usize = 10;

/// progenitor's hooks, which its generated code asks for. The crate's own calls do not go
/// through them (`Exchange` runs the same steps with the call at hand); they serve anything
/// that drives the generated client by its hooks: the token and `{}` body (`pre`), then the
/// transport with retries and redirects (`exec`), inside the current span, bounded by the
/// per-attempt timeout (the hooks cannot tell a download).
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
        let span = tracing::Span::current();
        let mut request = request;
        execute(
            self.client(),
            self.inner(),
            &mut request,
            false,
            (&span, Instant::now()),
        )
        .await
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

/// The `exec` step: sends `request` under the client's retry policy and deadline, following
/// redirects hop by hop. A retry re-sends the hop that failed (after a `303`, the `GET`), and
/// whether it may be retried is decided on that hop's method.
///
/// `request` is lent (see [`Built`]): each hop is sent and leaves a copy of itself there for a
/// retry. `call` is the call's span (attempts are recorded on it) and the time it
/// started (its deadline counts from there). `streams`: the answer is a download, which the
/// per-attempt timeout must not cut off while bytes keep arriving; it is bounded by inactivity
/// instead (see `download.rs`).
///
/// Not an `async fn`: it would only hand its arguments on to [`retry::run`], and its future
/// would be one more level, built and copied on every call.
pub(crate) fn execute<'a>(
    http: &'a reqwest::Client,
    state: &'a ClientState,
    request: &'a mut Request,
    streams: bool,
    (call, started): (&'a tracing::Span, Instant),
) -> impl Future<Output = reqwest::Result<Response>> + 'a {
    let deadline = state.timeouts.deadline(started);
    let policy = &state.retry;
    retry::run(policy, deadline, request, move |request, attempt| {
        call.record("attempts", attempt);
        async move {
            let timing = (started, deadline);
            let ((method, again), sent) =
                send_following_redirects(http, state, request, streams, timing, attempt).await;
            // The classifier: the hop actually sent decides (after a 303, the GET).
            let (outcome, asked) = match sent {
                Ok(response) if is_error(response.status()) => {
                    let status = response.status();
                    // Boxed: only error answers pay for the future that reads their body.
                    let (normalised, message) =
                        Box::pin(normalise_error(response, &state.token)).await;
                    if !policy.retries_status(&method, status) {
                        return retry::Verdict::Done(Ok(normalised));
                    }
                    let asked = retry::server_wait(normalised.headers(), message.as_deref());
                    (Ok(normalised), asked)
                }
                Ok(response) => return retry::Verdict::Done(Ok(response)),
                Err(e) if policy.retries_transport(&method, retry::never_processed(&e)) => {
                    let asked = retry::transport_wait(&e);
                    (Err(e), asked)
                }
                Err(e) => return retry::Verdict::Done(Err(e)),
            };
            // A retry re-sends the hop that failed (its copy, left in `request`); a body that
            // cannot be copied is sent once.
            match again {
                true => retry::Verdict::Retry {
                    outcome,
                    asked,
                    again: request,
                },
                false => retry::Verdict::Done(outcome),
            }
        }
    })
}

/// One attempt: sends the request in `slot` and follows its redirects hop by hop (the token set
/// again for each hop's origin, or dropped). Each hop is sent, a copy of it staying in `slot`
/// ([`hop_to_send`]). Returns the method of the last hop sent and whether `slot` still holds
/// a copy of it (for a retry), and its answer.
///
/// `(started, deadline)`: when the call started, and its deadline.
async fn send_following_redirects(
    http: &reqwest::Client,
    state: &ClientState,
    slot: &mut Request,
    streams: bool,
    (started, deadline): (Instant, Option<Instant>),
    attempt: u32,
) -> ((Method, bool), reqwest::Result<Response>) {
    let mut redirects = 0;
    loop {
        // The hop is sent; a copy of it stays in `slot`: sent again by a retry, or the
        // template of a redirect's next hop (never both: a redirect answer is not retried). A
        // streaming body cannot be copied; its stand-in in `slot` keeps the method too.
        let method = slot.method().clone();
        let span = tracing::debug_span!(
            "appcenter.attempt",
            attempt,
            method = %method,
            status = tracing::field::Empty
        );
        // In a block: the hop's request, once handed to reqwest, is not kept in this future
        // while the answer is awaited (a local that was borrowed would be).
        let (sending, copied) = {
            let (mut this, copied) = hop_to_send(slot);
            if streams {
                // Bounded by inactivity (`download.rs`), not by the client's per-attempt limit;
                // a timeout of the request's own is kept.
                let own = this.timeout().copied();
                state.timeouts.apply(&mut this, own);
                // Boxed: only downloads pay for their (larger) future.
                let download = Box::pin(crate::download::send(
                    http,
                    this,
                    state.timeouts.per_attempt,
                    deadline,
                ));
                (Either::Left(download), copied)
            } else {
                // The first hop of the first attempt leaves when the call started: no clock read.
                let now = (attempt > 1 || redirects > 0).then(Instant::now);
                limit_attempt_time(&mut this, &state.timeouts, deadline, now.unwrap_or(started));
                (Either::Right(http.execute(this)), copied)
            }
        };
        let sent = sending.instrument(span.clone()).await;
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => return ((method, copied), Err(e)),
        };
        span.record("status", response.status().as_u16());
        if !is_redirect(response.status()) {
            return ((method, copied), Ok(response));
        }
        match next_hop(state, &response, copied.then_some(&mut *slot)) {
            Hop::Follow(next) if redirects < MAX_REDIRECTS => {
                redirects += 1;
                tracing::debug!(
                    parent: &span,
                    status = response.status().as_u16(),
                    to_origin = %next.url().origin().ascii_serialization(),
                    "following redirect"
                );
                *slot = *next;
            }
            Hop::Refused(refused) => {
                tracing::debug!(parent: &span, to_origin = %refused.origin, reason = refused.reason, "redirect refused");
                response.extensions_mut().insert(refused);
                return ((method, false), Ok(response));
            }
            _ => return ((method, false), Ok(response)),
        }
    }
}

/// Per-attempt timeout, shortened so the attempt cannot outlive the call's deadline (the attempt
/// leaves at `now`). A timeout the request already carries (set by the caller) is kept if
/// shorter. Written to the request only when the reqwest client would not apply it itself
/// ([`Timeouts::apply`](crate::client::Timeouts::apply)).
fn limit_attempt_time(
    request: &mut Request,
    timeouts: &crate::client::Timeouts,
    deadline: Option<Instant>,
    now: Instant,
) {
    let left = deadline.map(|d| {
        d.saturating_duration_since(now)
            .max(Duration::from_millis(1))
    });
    let limit = [request.timeout().copied(), timeouts.per_attempt, left]
        .into_iter()
        .flatten()
        .min();
    timeouts.apply(request, limit);
}

/// The request to send from `slot`, `slot` left with a copy of it ([`copy`]); `false`: it has a
/// streaming body, which cannot be copied, so `slot` is left with a bodiless stand-in that is
/// never sent.
///
/// The original is sent and the copy kept, not the other way round: a copied header map has no
/// room to spare, and reqwest adds its default headers (`User-Agent`) to the map it sends, which
/// would grow a copy's on every request.
fn hop_to_send(slot: &mut Request) -> (Request, bool) {
    match copy(slot) {
        Some(copy) => (std::mem::replace(slot, copy), true),
        None => (take(slot), false),
    }
}

/// Takes the request out of `slot`, leaving a bodiless stand-in (its method and URL) that is
/// never sent.
pub(crate) fn take(slot: &mut Request) -> Request {
    let stand_in = Request::new(slot.method().clone(), slot.url().clone());
    std::mem::replace(slot, stand_in)
}

/// A copy of `request`, as `Request::try_clone` makes it (`None` for a streaming body), without
/// the allocations its copy of the timeout costs a request that has none: it writes the timeout
/// into a fresh extensions map, then replaces that map with a copy of the original's. A request
/// without a body or a timeout has no extensions (reqwest keeps only the timeout there; a
/// request converted from an `http::Request`, which may carry others, always has a body), so
/// its method, URL, headers and version are all there is to copy.
fn copy(request: &Request) -> Option<Request> {
    if request.body().is_some() || request.timeout().is_some() {
        return request.try_clone();
    }
    let mut copy = Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    Some(copy)
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// What to do with a redirect answer.
enum Hop {
    /// Send this request next (the token set again for its origin, or dropped).
    Follow(Box<Request>),
    /// Refuse: the call ends with [`Error::Redirect`].
    Refused(RefusedRedirect),
    /// Not a redirect we can follow (no usable `Location`, a body that cannot be sent again):
    /// the answer is the result.
    Keep,
}

/// The next hop for a redirect answer to `previous`. Refused: a hop from `https` to plain
/// `http`, and a hop that would carry a request body to another origin than the API's.
fn next_hop(state: &ClientState, response: &Response, previous: Option<&mut Request>) -> Hop {
    let status = response.status();
    let Some(url) = response
        .headers()
        .get(LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| response.url().join(l).ok())
    else {
        return Hop::Keep;
    };
    let refused = |reason| {
        Hop::Refused(RefusedRedirect {
            origin: url.origin().ascii_serialization(),
            reason,
        })
    };
    if !matches!(url.scheme(), "http" | "https") {
        return refused("not an http(s) URL");
    }
    if response.url().scheme() == "https" && url.scheme() == "http" {
        return refused("from https to plain http");
    }
    let Some(previous) = previous else {
        return Hop::Keep;
    };
    // 303, and 301/302 after a POST, become a GET without a body (as browsers and reqwest do).
    let to_get = status == StatusCode::SEE_OTHER
        || (matches!(status.as_u16(), 301 | 302) && *previous.method() == Method::POST);
    if !to_get && previous.body().is_some() && url.origin() != state.origin {
        return refused("the request has a body, which is never sent to another origin");
    }
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
    auth::authorize(&mut next, &state.token, &state.origin);
    Hop::Follow(Box::new(next))
}

fn is_error(status: StatusCode) -> bool {
    status.is_client_error() || status.is_server_error()
}

/// Rewrites an error answer's body into the one JSON shape the generated code decodes
/// (`types::AppCenterErrorBody`), keeping status, headers and URL. Also returns the message.
/// Reads at most `error_body::READ_LIMIT` bytes; a body that breaks off keeps the status. The
/// client's token, where the server echoes it, is redacted from what is kept.
async fn normalise_error(response: Response, token: &auth::ApiToken) -> (Response, Option<String>) {
    let status = response.status();
    let url = response.url().clone();
    let mut headers = response.headers().clone();
    let body = error_body::read_bounded(response).await;
    let mut normalised = error_body::normalise(status, &body);
    for text in [
        &mut normalised.code,
        &mut normalised.message,
        &mut normalised.correlation_id,
        &mut normalised.raw,
    ]
    .into_iter()
    .flatten()
    {
        *text = token.redact(text);
    }
    let json = serde_json::to_vec(&normalised).unwrap_or_else(|_| b"{}".to_vec());
    headers.remove(CONTENT_LENGTH);
    headers.remove(reqwest::header::CONTENT_ENCODING);
    headers.remove(reqwest::header::TRANSFER_ENCODING);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    // Status and URL are already typed values: building cannot fail.
    let mut rebuilt = http::Response::builder()
        .status(status)
        .url(url)
        .body(json)
        .expect("typed parts");
    *rebuilt.headers_mut() = headers;
    (Response::from(rebuilt), normalised.message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use url::Url;

    fn state() -> ClientState {
        ClientState {
            token: auth::ApiToken::new("t").unwrap(),
            origin: Url::parse("https://api.example").unwrap().origin(),
            retry: crate::RetryPolicy::none(),
            timeouts: crate::client::Timeouts {
                per_attempt: None,
                total: None,
                by_http: None,
            },
        }
    }

    fn redirect(status: u16, from: &str, to: &str) -> Response {
        let response = http::Response::builder()
            .status(status)
            .header(LOCATION, to)
            .url(Url::parse(from).unwrap())
            .body(Vec::new())
            .unwrap();
        Response::from(response)
    }

    fn request(method: Method, url: &str, body: bool) -> Request {
        let mut request = Request::new(method, Url::parse(url).unwrap());
        if body {
            *request.body_mut() = Some("{\"password\":\"p\"}".into());
        }
        request
    }

    /// Issue 11, point 7: https→http hops and bodies to other origins are refused, naming only
    /// the target's origin.
    #[test]
    fn unsafe_hops_are_refused() {
        let state = state();
        let from = "https://api.example/v0.1/x";
        let cases = [
            (
                302,
                "http://api.example/v0.1/y",
                Method::GET,
                false,
                Some("from https to plain http"),
            ),
            (
                307,
                "https://other.example/y?sig=s",
                Method::PATCH,
                true,
                Some("body"),
            ),
            (
                308,
                "https://other.example/y",
                Method::PUT,
                true,
                Some("body"),
            ),
            (303, "https://other.example/y", Method::POST, true, None),
            (307, "https://api.example/v0.1/y", Method::PATCH, true, None),
            (302, "https://other.example/y", Method::GET, false, None),
        ];
        for (status, to, method, body, refused) in cases {
            let hop = next_hop(
                &state,
                &redirect(status, from, to),
                Some(&mut request(method.clone(), from, body)),
            );
            match (hop, refused) {
                (Hop::Refused(r), Some(why)) => {
                    assert!(r.reason.contains(why), "{status} {to}: {}", r.reason);
                    assert!(
                        !r.origin.contains("sig") && !r.origin.contains("/y"),
                        "{}",
                        r.origin
                    );
                }
                (Hop::Follow(next), None) => {
                    let token = next.headers().get(auth::TOKEN_HEADER).is_some();
                    assert_eq!(token, next.url().origin() == state.origin, "{status} {to}");
                    if status == 303 {
                        assert_eq!((next.method(), next.body().is_none()), (&Method::GET, true));
                    }
                }
                (_, want) => panic!("{status} {method} {to}: expected {want:?}"),
            }
        }
    }
}
