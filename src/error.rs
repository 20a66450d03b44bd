//! The crate's one public error type.
//!
//! Generated operations return `progenitor_client::Error<types::AppCenterErrorBody>`; `?` turns
//! it into [`Error`] (there is a `From`), so code written against this crate handles one type.

use std::fmt;

use reqwest::StatusCode;

use crate::types::AppCenterErrorBody;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a call to App Center.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error status (4xx or 5xx).
    Api(ApiError),
    /// The request could not be sent or the answer not received (DNS, connect, TLS, reset...).
    Transport(reqwest::Error),
    /// A timeout fired: connect, per attempt or the call's overall deadline.
    Timeout(reqwest::Error),
    /// A success answer whose body does not match the expected type. The body is kept.
    Decode {
        /// What did not match.
        source: serde_json::Error,
        /// The body as received.
        body: bytes::Bytes,
    },
    /// An answer with a status the operation does not describe (for example an unfollowed redirect).
    UnexpectedStatus(StatusCode),
    /// The request could not be built from the given arguments.
    InvalidRequest(String),
    /// The client is misconfigured (missing token, refused base URL...).
    Config(String),
    /// An input does not name an App Center app (see [`AppRef`](crate::AppRef)).
    AppRef(crate::AppRefError),
    /// Community Training credentials could not be obtained or renewed (for example the user
    /// must sign in again).
    #[cfg(feature = "community-training")]
    Auth(crate::community_training::AuthError),
}

impl Error {
    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::UnexpectedStatus(s) => Some(*s),
            Error::Transport(e) | Error::Timeout(e) => e.status(),
            #[cfg(feature = "community-training")]
            Error::Auth(e) => e.status(),
            _ => None,
        }
    }

    /// The API error, when the service answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => e.fmt(f),
            Error::Transport(e) => write!(f, "could not reach App Center: {e}"),
            Error::Timeout(e) => write!(f, "App Center did not answer in time: {e}"),
            Error::Decode { source, body } => {
                write!(
                    f,
                    "unexpected answer from App Center ({} bytes): {source}",
                    body.len()
                )
            }
            Error::UnexpectedStatus(status) => {
                write!(f, "App Center answered with unexpected status {status}")
            }
            Error::InvalidRequest(why) => write!(f, "invalid request: {why}"),
            Error::Config(why) => write!(f, "client configuration: {why}"),
            Error::AppRef(e) => e.fmt(f),
            #[cfg(feature = "community-training")]
            Error::Auth(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) | Error::Timeout(e) => Some(e),
            Error::Decode { source, .. } => Some(source),
            #[cfg(feature = "community-training")]
            Error::Auth(e) => Some(e),
            _ => None,
        }
    }
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
}

/// An error answer from App Center, normalised from whichever shape the service sent.
#[derive(Clone, Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The service's error code (`NotFound`, `Unauthorized`...), where it sent one.
    pub code: Option<String>,
    /// The service's message, where it sent one.
    pub message: Option<String>,
    /// The correlation id, where the service reported one (quote it to support).
    pub correlation_id: Option<String>,
    /// The body as received (bounded), when it had no recognised shape (an HTML page, say).
    pub raw: Option<String>,
}

impl ApiError {
    pub(crate) fn from_body(status: StatusCode, body: AppCenterErrorBody) -> Self {
        Self {
            status,
            code: body.code,
            message: body.message,
            correlation_id: body.correlation_id,
            raw: body.raw,
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
            _ => ApiErrorKind::BadRequest,
        }
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
        if let Some(id) = self
            .correlation_id
            .as_deref()
            .filter(|id| !message.contains(id))
        {
            write!(f, " [correlation id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl From<progenitor_client::Error<AppCenterErrorBody>> for Error {
    fn from(e: progenitor_client::Error<AppCenterErrorBody>) -> Self {
        use progenitor_client::Error as P;
        match e {
            P::ErrorResponse(rv) => {
                let status = rv.status();
                Error::Api(ApiError::from_body(status, rv.into_inner()))
            }
            P::CommunicationError(e) | P::ResponseBodyError(e) | P::InvalidUpgrade(e) => {
                from_reqwest(e)
            }
            P::InvalidResponsePayload(body, source) => Error::Decode { source, body },
            P::UnexpectedResponse(response) => Error::UnexpectedStatus(response.status()),
            P::InvalidRequest(why) => Error::InvalidRequest(why),
            // Raised only by this crate's hooks, for configuration problems (see transport.rs).
            P::Custom(why) => {
                // The Community Training hooks report credential failures as text (see there).
                #[cfg(feature = "community-training")]
                if let Some(e) = crate::community_training::AuthError::from_hook_message(&why) {
                    return Error::Auth(e);
                }
                Error::Config(why)
            }
        }
    }
}

impl From<crate::AppRefError> for Error {
    fn from(e: crate::AppRefError) -> Self {
        Error::AppRef(e)
    }
}

pub(crate) fn from_reqwest(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::Timeout(e)
    } else {
        Error::Transport(e)
    }
}
