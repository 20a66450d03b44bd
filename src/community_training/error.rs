//! [`AuthError`]: credentials that could not be obtained or renewed.

use std::fmt;

use reqwest::StatusCode;

/// What went wrong with the credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// The refresh endpoint refused the refresh token (expired, revoked or already used): the
    /// user must sign in again at `https://<site>/ExternalAuthentication/Login`.
    SignInAgain,
    /// The token endpoint refused the service's credentials (wrong secret, client or scope, no
    /// admin consent); `code` holds Entra's error code (`invalid_client`...).
    ServiceCredentialsRefused,
    /// The token or refresh endpoint failed (5xx, or still 429 after the retries); try later.
    TokenEndpointFailed,
    /// The token or refresh endpoint answered success without a readable token.
    UnreadableTokenAnswer,
}

/// Credentials that could not be obtained or renewed. Never carries a token or secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthError {
    pub(crate) kind: AuthErrorKind,
    pub(crate) status: Option<StatusCode>,
    pub(crate) code: Option<String>,
}

/// Prefix of the message a request hook fails with (progenitor hooks can only fail with text);
/// `appcenter::Error`'s conversion turns it back into [`AuthError`].
const HOOK_PREFIX: &str = "\u{1}community-training-auth:";

impl AuthError {
    pub(crate) fn new(
        kind: AuthErrorKind,
        status: Option<StatusCode>,
        code: Option<String>,
    ) -> Self {
        // Keep only a short, plain error code: an answer may echo anything.
        let code = code.filter(|c| {
            !c.is_empty()
                && c.len() <= 64
                && c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        });
        Self { kind, status, code }
    }

    /// What went wrong.
    pub fn kind(&self) -> AuthErrorKind {
        self.kind
    }

    /// Whether the user must sign in again (the refresh token was refused).
    pub fn must_sign_in_again(&self) -> bool {
        self.kind == AuthErrorKind::SignInAgain
    }

    /// The status the token or refresh endpoint answered.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The token endpoint's error code (`invalid_client`, `unauthorized_client`...), when sent.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The text a request hook fails with.
    pub(crate) fn to_hook_message(&self) -> String {
        let kind = match self.kind {
            AuthErrorKind::SignInAgain => "sign-in",
            AuthErrorKind::ServiceCredentialsRefused => "refused",
            AuthErrorKind::TokenEndpointFailed => "failed",
            AuthErrorKind::UnreadableTokenAnswer => "unreadable",
        };
        format!(
            "{HOOK_PREFIX}{kind}:{}:{}",
            self.status.map(|s| s.as_u16()).unwrap_or(0),
            self.code.as_deref().unwrap_or_default()
        )
    }

    /// The error back from [`to_hook_message`](Self::to_hook_message)'s text.
    pub(crate) fn from_hook_message(message: &str) -> Option<Self> {
        let rest = message.strip_prefix(HOOK_PREFIX)?;
        let mut parts = rest.splitn(3, ':');
        let kind = match parts.next()? {
            "sign-in" => AuthErrorKind::SignInAgain,
            "refused" => AuthErrorKind::ServiceCredentialsRefused,
            "failed" => AuthErrorKind::TokenEndpointFailed,
            "unreadable" => AuthErrorKind::UnreadableTokenAnswer,
            _ => return None,
        };
        let status = parts
            .next()?
            .parse::<u16>()
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok());
        let code = parts.next().map(str::to_string);
        Some(Self::new(kind, status, code))
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            AuthErrorKind::SignInAgain => f.write_str(
                "Community Training refused the refresh token: the user must sign in again \
                 (at https://<site>/ExternalAuthentication/Login)",
            )?,
            AuthErrorKind::ServiceCredentialsRefused => {
                f.write_str("the token endpoint refused the service's credentials")?
            }
            AuthErrorKind::TokenEndpointFailed => {
                f.write_str("the token endpoint could not issue a token; try again later")?
            }
            AuthErrorKind::UnreadableTokenAnswer => {
                f.write_str("the token endpoint answered without a readable token")?
            }
        }
        if let Some(status) = self.status {
            write!(f, " (status {status}")?;
            if let Some(code) = &self.code {
                write!(f, ", {code}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl std::error::Error for AuthError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_message_round_trips() {
        for kind in [
            AuthErrorKind::SignInAgain,
            AuthErrorKind::ServiceCredentialsRefused,
            AuthErrorKind::TokenEndpointFailed,
            AuthErrorKind::UnreadableTokenAnswer,
        ] {
            let e = AuthError::new(
                kind,
                Some(StatusCode::BAD_REQUEST),
                Some("invalid_grant".into()),
            );
            assert_eq!(AuthError::from_hook_message(&e.to_hook_message()), Some(e));
        }
        assert_eq!(
            AuthError::from_hook_message("plain configuration text"),
            None
        );
    }

    #[test]
    fn odd_codes_are_dropped() {
        let e = AuthError::new(
            AuthErrorKind::ServiceCredentialsRefused,
            None,
            Some("has space".into()),
        );
        assert_eq!(e.code(), None);
    }
}
