//! The crate's one error type for single calls, [`Error`], and what it carries.
//!
//! Every call, generated or hand-written, returns [`Error`]. What an error shows is decided here:
//! a request is named by its [`Operation`] (id and path template, never the filled URL, see
//! `operation.rs`), a success answer that does not decode never prints its body (it may hold a
//! freshly minted token), and an error answer's body is read only up to a bound.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::Operation;
use crate::types::AppCenterErrorBody;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a call to App Center.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error status (4xx or 5xx). Boxed, so that [`Error`] stays
    /// small; fields and methods read through it.
    Api(Box<ApiError>),
    /// The request could not be sent or the answer not received (DNS, connect, TLS, reset...).
    Transport(TransportError),
    /// A timeout fired: connect, per attempt or the call's overall deadline.
    Timeout(TransportError),
    /// A success answer whose body does not match the expected type.
    Decode(DecodeError),
    /// An answer with a status the operation does not describe (for example a redirect that was
    /// not followed). Its bounded body and headers are kept.
    UnexpectedStatus(Box<ApiError>),
    /// A redirect the crate refuses to follow: to another origin with a request body, or from
    /// `https` to plain `http`.
    Redirect {
        /// The call that was redirected.
        operation: Option<Operation>,
        /// The origin (scheme, host, port) the server redirected to; never its path or query.
        target_origin: String,
        /// Why the redirect was not followed.
        reason: &'static str,
    },
    /// A page stream met an answer it cannot trust or follow (see [`PageProblem`]).
    Pagination {
        /// The paged operation.
        operation: Option<Operation>,
        /// What went wrong.
        problem: PageProblem,
    },
    /// The request could not be built from the given arguments.
    InvalidRequest(String),
    /// The client is misconfigured (missing token, refused base URL...).
    Config(String),
    /// An input does not name an App Center app (see [`AppRef`](crate::AppRef)).
    AppRef(crate::AppRefError),
    /// A workflow (the release upload) failed otherwise than in one API call: its own error
    /// (for example `appcenter::upload::UploadError`) is the [`source`](std::error::Error::source).
    /// What `?` makes of a workflow error in a function returning [`Result`].
    Workflow(Box<dyn std::error::Error + Send + Sync + 'static>),
    /// Community Training credentials could not be obtained or renewed (for example the user
    /// must sign in again).
    #[cfg(feature = "community-training")]
    Auth(crate::community_training::AuthError),
}

/// Why a page stream ended with [`Error::Pagination`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageProblem {
    /// A `nextLink` pointed to another origin (shown without its path or query) or to plain
    /// `http`: its items would not be App Center's.
    ForeignLink {
        /// The origin the link named.
        origin: String,
    },
    /// More pages than the stream's page limit (see `Paginate::pages_up_to`).
    TooManyPages {
        /// The limit that was reached.
        limit: usize,
    },
    /// The offset of the next page does not fit in an `i64`.
    OffsetOverflow,
}

impl fmt::Display for PageProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageProblem::ForeignLink { origin } => write!(
                f,
                "the next page is on another origin or on plain http ({origin}); not followed"
            ),
            PageProblem::TooManyPages { limit } => write!(
                f,
                "more than {limit} pages; raise the limit with `pages_up_to` if this is expected"
            ),
            PageProblem::OffsetOverflow => f.write_str("the next page's offset overflows"),
        }
    }
}

impl Error {
    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) | Error::UnexpectedStatus(e) => Some(e.status),
            Error::Transport(e) | Error::Timeout(e) => e.source.status(),
            #[cfg(feature = "community-training")]
            Error::Auth(e) => e.status(),
            _ => None,
        }
    }

    /// The API error, when the service answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e.as_ref()),
            _ => None,
        }
    }

    /// The operation the error happened in, where known.
    pub fn operation(&self) -> Option<Operation> {
        match self {
            Error::Api(e) | Error::UnexpectedStatus(e) => e.operation(),
            Error::Transport(e) | Error::Timeout(e) => e.operation,
            Error::Decode(e) => e.operation,
            Error::Redirect { operation, .. } | Error::Pagination { operation, .. } => *operation,
            _ => None,
        }
    }
}

/// The error's variant as a short name, for tracing fields.
pub(crate) fn kind_name(e: &Error) -> &'static str {
    match e {
        Error::Api(_) => "api",
        Error::Transport(_) => "transport",
        Error::Timeout(_) => "timeout",
        Error::Decode(_) => "decode",
        Error::UnexpectedStatus(_) => "unexpected_status",
        Error::Redirect { .. } => "redirect",
        Error::Pagination { .. } => "pagination",
        Error::InvalidRequest(_) => "invalid_request",
        Error::Config(_) => "config",
        Error::AppRef(_) => "app_ref",
        #[cfg(feature = "community-training")]
        Error::Auth(_) => "auth",
        Error::Workflow(_) => "workflow",
    }
}

/// ` in users_get (GET /v0.1/user)`, or nothing when the operation is not known.
struct In(Option<Operation>);

impl fmt::Display for In {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(op) => write!(f, " in {op}"),
            None => Ok(()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => e.fmt(f),
            Error::Transport(e) => write!(
                f,
                "could not reach App Center{}: {}",
                In(e.operation),
                e.source
            ),
            Error::Timeout(e) => write!(
                f,
                "App Center did not answer in time{}: {}",
                In(e.operation),
                e.source
            ),
            Error::Decode(e) => e.fmt(f),
            Error::UnexpectedStatus(e) => write!(
                f,
                "App Center answered with unexpected status {}{}",
                e.status,
                In(e.operation())
            ),
            Error::Redirect {
                operation,
                target_origin,
                reason,
            } => write!(
                f,
                "refused to follow a redirect to {target_origin}{}: {reason}",
                In(*operation)
            ),
            Error::Pagination { operation, problem } => {
                write!(f, "page stream{}: {problem}", In(*operation))
            }
            Error::InvalidRequest(why) => write!(f, "invalid request: {why}"),
            Error::Config(why) => write!(f, "client configuration: {why}"),
            Error::AppRef(e) => e.fmt(f),
            Error::Workflow(e) => e.fmt(f),
            #[cfg(feature = "community-training")]
            Error::Auth(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) | Error::Timeout(e) => Some(&e.source),
            Error::Workflow(e) => Some(e.as_ref()),
            #[cfg(feature = "community-training")]
            Error::Auth(e) => Some(e),
            _ => None,
        }
    }
}

/// A request that could not be sent or whose answer could not be received. Its text names the
/// operation and the cause, never the URL.
#[derive(Debug)]
pub struct TransportError {
    operation: Option<Operation>,
    source: reqwest::Error,
}

impl TransportError {
    /// The operation that failed, where known.
    pub fn operation(&self) -> Option<Operation> {
        self.operation
    }

    /// Whether the connection could not be established (the server never saw the request).
    pub fn is_connect(&self) -> bool {
        self.source.is_connect()
    }

    /// Whether a timeout fired.
    pub fn is_timeout(&self) -> bool {
        self.source.is_timeout()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.source, In(self.operation))
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// A success answer that does not match the operation's type. It names the operation and what
/// did not match, never the body or the values in it (an answer can hold a minted token).
#[derive(Clone, Debug)]
pub struct DecodeError {
    operation: Option<Operation>,
    detail: String,
}

impl DecodeError {
    /// A decode error of `operation` from serde's error; values quoted in it are redacted.
    pub(crate) fn new(operation: Option<Operation>, error: &serde_json::Error) -> Self {
        Self {
            operation,
            detail: redact_values(&error.to_string()),
        }
    }

    /// A decode error with a message written by the crate (which must not hold answer values).
    #[cfg_attr(not(feature = "distribute"), allow(dead_code))]
    pub(crate) fn custom(operation: Option<Operation>, detail: impl Into<String>) -> Self {
        Self {
            operation,
            detail: detail.into(),
        }
    }

    /// The operation whose answer did not decode, where known.
    pub fn operation(&self) -> Option<Operation> {
        self.operation
    }

    /// What did not match (``missing field `app_icon_url` at line 1 column 80``), with values
    /// from the answer replaced by `…`.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unexpected answer from App Center{}: {}",
            In(self.operation),
            self.detail
        )
    }
}

impl std::error::Error for DecodeError {}

/// serde's messages quote the values they met (`invalid type: string "…"`, ``unknown variant
/// `…` ``); field names and expectations come from the types and are kept.
fn redact_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find('"') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        match rest.find('"') {
            Some(end) => {
                out.push_str("…\"");
                rest = &rest[end + 1..];
            }
            None => {
                out.push('…');
                rest = "";
            }
        }
    }
    out.push_str(rest);
    // ``unknown variant `value`, expected one of ...``: the first backquoted word is the value.
    if let Some(at) = out.find("unknown variant `") {
        let start = at + "unknown variant `".len();
        if let Some(len) = out[start..].find('`') {
            out.replace_range(start..start + len, "…");
        }
    }
    out
}

/// What kind of API error it is, to `match` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 400 (and other 4xx not listed here).
    BadRequest,
    /// 401: the token is missing, wrong or revoked.
    Unauthorized,
    /// 403: the token lacks the rights (for example a read-only token used for a write).
    Forbidden,
    /// 403 because an app API token was used on an endpoint that needs a user API token
    /// (`/v0.1/user`, organisation and shared distribution-group endpoints).
    AppTokenNotAllowed,
    /// 404.
    NotFound,
    /// 409.
    Conflict,
    /// 429: over App Center's rate limit.
    RateLimited,
    /// 5xx.
    ServerError,
    /// A status below 400 the operation does not describe ([`Error::UnexpectedStatus`]).
    Unexpected,
}

/// Response headers that name the request to App Center's support.
const REQUEST_ID_HEADERS: &[&str] = &["x-ms-request-id", "request-id", "x-request-id"];
const CORRELATION_HEADERS: &[&str] = &["x-correlation-id", "correlation-id", "x-ms-correlation-id"];

/// An error answer from App Center, normalised from whichever shape the service sent.
#[derive(Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The service's error code (`NotFound`, `Unauthorized`...), where it sent one.
    pub code: Option<String>,
    /// The service's message, where it sent one.
    pub message: Option<String>,
    /// The correlation id the body reported, where it did (see [`ApiError::correlation_id`]).
    pub correlation_id: Option<String>,
    /// The body as received (bounded), when it had no recognised shape (an HTML page, say).
    pub raw: Option<String>,
    /// Boxed, so that [`Error`] stays small.
    answer: Box<Answer>,
}

/// What else an [`ApiError`] keeps of the answer.
#[derive(Clone)]
struct Answer {
    headers: HeaderMap,
    operation: Option<Operation>,
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values are not printed (a `Set-Cookie` is a secret); their names are.
        let names: Vec<&str> = self.answer.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("correlation_id", &self.correlation_id())
            .field("request_id", &self.request_id())
            .field("operation", &self.answer.operation)
            .field("raw", &self.raw)
            .field("headers", &names)
            .finish()
    }
}

impl ApiError {
    pub(crate) fn from_body(
        status: StatusCode,
        body: AppCenterErrorBody,
        headers: HeaderMap,
        operation: Option<Operation>,
    ) -> Self {
        Self {
            status,
            code: body.code,
            message: body.message,
            correlation_id: body.correlation_id,
            raw: body.raw,
            answer: Box::new(Answer { headers, operation }),
        }
    }

    /// The kind of error, from the status and the message.
    pub fn kind(&self) -> ApiErrorKind {
        match self.status.as_u16() {
            401 => ApiErrorKind::Unauthorized,
            403 if self.is_app_token_refusal() => ApiErrorKind::AppTokenNotAllowed,
            403 => ApiErrorKind::Forbidden,
            404 => ApiErrorKind::NotFound,
            409 => ApiErrorKind::Conflict,
            429 => ApiErrorKind::RateLimited,
            500..=599 => ApiErrorKind::ServerError,
            0..=399 => ApiErrorKind::Unexpected,
            _ => ApiErrorKind::BadRequest,
        }
    }

    /// The answer's headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.answer.headers
    }

    /// The wait the server asked for before another try (`Retry-After`, or a "try again in N
    /// seconds" message), where it asked.
    pub fn retry_after(&self) -> Option<Duration> {
        crate::retry::server_wait(self.headers(), self.message.as_deref())
    }

    /// The correlation id, from the body or else a correlation header (quote it to support).
    pub fn correlation_id(&self) -> Option<&str> {
        self.correlation_id
            .as_deref()
            .or_else(|| header(self.headers(), CORRELATION_HEADERS))
    }

    /// The request id the service gave the answer (`x-ms-request-id` and kin), where it did.
    pub fn request_id(&self) -> Option<&str> {
        header(self.headers(), REQUEST_ID_HEADERS)
    }

    /// The operation that was answered, where known.
    pub fn operation(&self) -> Option<Operation> {
        self.answer.operation
    }

    /// The id of the operation that was answered, where known.
    pub fn operation_id(&self) -> Option<&'static str> {
        self.answer.operation.map(|op| op.id())
    }

    fn is_app_token_refusal(&self) -> bool {
        let message = self
            .message
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        message.contains("app api token")
            || (message.contains("app")
                && message.contains("token")
                && message.contains("cannot be used"))
    }
}

fn header<'a>(headers: &'a HeaderMap, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok())
        .filter(|v| !v.is_empty())
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "App Center answered {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if self.kind() == ApiErrorKind::AppTokenNotAllowed {
            write!(
                f,
                " (hint: this endpoint needs a user API token, not an app API token)"
            )?;
        }
        let message = self.message.as_deref().unwrap_or_default();
        if let Some(id) = self.correlation_id().filter(|id| !message.contains(id)) {
            write!(f, " [correlation id {id}]")?;
        }
        if let Some(op) = self.answer.operation {
            write!(f, " [{op}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// Turns what a generated `send` returned into [`Error`], naming `operation`. Async: an
/// unexpected answer's body is read (bounded) so that it can be kept.
pub(crate) async fn from_generated(
    operation: Option<Operation>,
    e: progenitor_client::Error<AppCenterErrorBody>,
) -> Error {
    use progenitor_client::Error as P;
    match e {
        P::ErrorResponse(rv) => {
            let status = rv.status();
            let headers = rv.headers().clone();
            Error::Api(Box::new(ApiError::from_body(
                status,
                rv.into_inner(),
                headers,
                operation,
            )))
        }
        P::CommunicationError(e) | P::ResponseBodyError(e) | P::InvalidUpgrade(e) => {
            from_reqwest_in(operation, e)
        }
        P::InvalidResponsePayload(_body, source) => {
            Error::Decode(DecodeError::new(operation, &source))
        }
        P::UnexpectedResponse(response) => unexpected(operation, response).await,
        P::InvalidRequest(why) => Error::InvalidRequest(match operation {
            Some(op) => format!("{}: {why}", op.id()),
            None => why,
        }),
        // Raised only by this crate's hooks, for configuration problems (see transport.rs), and
        // by the Community Training hooks for credentials (as text: hooks can only fail so).
        P::Custom(why) => {
            #[cfg(feature = "community-training")]
            if let Some(e) = crate::community_training::AuthError::from_hook_message(&why) {
                return Error::Auth(e);
            }
            Error::Config(why)
        }
    }
}

/// Marks a redirect answer the transport refused to follow; the call becomes
/// [`Error::Redirect`] naming the target's origin.
#[derive(Clone, Debug)]
pub(crate) struct RefusedRedirect {
    pub(crate) origin: String,
    pub(crate) reason: &'static str,
}

/// An answer with a status the operation does not describe: a refused redirect (marked by the
/// transport), or a status kept with its bounded body and headers.
pub(crate) async fn unexpected(operation: Option<Operation>, response: reqwest::Response) -> Error {
    if let Some(refused) = response.extensions().get::<RefusedRedirect>() {
        return Error::Redirect {
            operation,
            target_origin: refused.origin.clone(),
            reason: refused.reason,
        };
    }
    let status = response.status();
    let headers = response.headers().clone();
    let body = crate::error_body::read_bounded(response).await;
    let body = crate::error_body::normalise(status, &body);
    Error::UnexpectedStatus(Box::new(ApiError::from_body(
        status, body, headers, operation,
    )))
}

/// `?` in a function returning [`Result`]: an API call that failed before the upload existed is
/// that call's [`Error`]; any other upload failure is an [`Error::Workflow`] holding the
/// [`UploadError`], so the upload's id (needed to resume it) is not lost.
///
/// [`UploadError`]: crate::upload::UploadError
#[cfg(feature = "distribute")]
impl From<crate::upload::UploadError> for Error {
    fn from(e: crate::upload::UploadError) -> Self {
        match e {
            crate::upload::UploadError::Api {
                source,
                upload_id: None,
                ..
            } => *source,
            other => Error::Workflow(Box::new(other)),
        }
    }
}

impl From<crate::AppRefError> for Error {
    fn from(e: crate::AppRefError) -> Self {
        Error::AppRef(e)
    }
}

/// A reqwest error as [`Error`], without its URL.
pub(crate) fn from_reqwest(e: reqwest::Error) -> Error {
    from_reqwest_in(None, e)
}

/// A reqwest error of `operation` as [`Error`]: the URL reqwest would print is dropped (path and
/// query parameters can be secrets); the operation names the request instead.
pub(crate) fn from_reqwest_in(operation: Option<Operation>, e: reqwest::Error) -> Error {
    let timeout = e.is_timeout();
    let error = TransportError {
        operation,
        source: e.without_url(),
    };
    if timeout {
        Error::Timeout(error)
    } else {
        Error::Transport(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "distribute")]
    #[test]
    fn upload_errors_convert_with_the_question_mark() {
        use crate::upload::UploadError;
        fn upload(fail: UploadError) -> Result<()> {
            Err(fail)?
        }
        let err = upload(UploadError::Invalid("no build version".into())).unwrap_err();
        assert!(matches!(err, Error::Workflow(_)), "{err:?}");
        assert!(err.to_string().contains("no build version"), "{err}");
        let source = std::error::Error::source(&err).unwrap();
        assert!(source.downcast_ref::<UploadError>().is_some());
        let api = UploadError::Api {
            step: crate::upload::Step::CreateUpload,
            source: Box::new(Error::InvalidRequest("x".into())),
            upload_id: None,
        };
        assert!(matches!(upload(api).unwrap_err(), Error::InvalidRequest(_)));
        let later = UploadError::Api {
            step: crate::upload::Step::Poll,
            source: Box::new(Error::InvalidRequest("x".into())),
            upload_id: Some(uuid::Uuid::nil()),
        };
        let err = upload(later).unwrap_err();
        assert!(
            matches!(&err, Error::Workflow(_)),
            "the upload id is kept: {err:?}"
        );
    }

    #[test]
    fn values_are_redacted_from_serde_messages() {
        for (message, want) in [
            (
                r#"invalid type: string "s3cr3t", expected a sequence at line 1 column 9"#,
                r#"invalid type: string "…", expected a sequence at line 1 column 9"#,
            ),
            (
                "unknown variant `s3cr3t`, expected one of `a`, `b`",
                "unknown variant `…`, expected one of `a`, `b`",
            ),
            (
                "missing field `app_icon_url` at line 1 column 2",
                "missing field `app_icon_url` at line 1 column 2",
            ),
            (r#"open "s3cr3t"#, r#"open "…"#),
        ] {
            assert_eq!(redact_values(message), want);
        }
    }
}
