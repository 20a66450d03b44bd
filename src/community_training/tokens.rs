//! The bearer token a call sends, and its renewal: one renewal in flight at a time, shared by
//! every call that needs it (the others wait for it and use its result).
//!
//! - User tokens: renewed before the access token's JWT `exp` (when readable) or after a 401,
//!   through `POST /api/v1/ExternalAuthToken/RefreshToken/{provider}`; the refresh token rotates
//!   and the new pair goes to the caller's callback. A refused refresh is final: every later
//!   call fails at once with [`AuthErrorKind::SignInAgain`].
//! - Service to service: a client-credentials token from the Entra v2 token endpoint, kept until
//!   shortly before its `expires_in`.
//! - A static bearer: never renewed.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use base64::Engine;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Request, StatusCode};
use serde_json::Value;
use url::Url;

use super::credentials::{Credentials, IdentityProvider, RefreshCallback, RefreshedTokens, Secret};
use super::send::{Failure, Redirects, Sending};
use super::{AuthError, AuthErrorKind};
use crate::Error;

/// Renew this long before a token expires.
const MARGIN: Duration = Duration::from_secs(60);

/// A token to send: the `Authorization` value, whether `ClientType: Service` goes with it, and
/// which renewal produced it (to tell, after a 401, whether another call already renewed it).
#[derive(Clone)]
pub(crate) struct Grant {
    pub(crate) authorization: HeaderValue,
    pub(crate) service: bool,
    generation: u64,
}

/// The credentials and the token they currently give.
pub(crate) struct Auth {
    mode: Mode,
    current: Mutex<Current>,
    /// Held by the one renewal in flight; waiting on it is how the other calls share it.
    renewing: futures::lock::Mutex<()>,
}

enum Mode {
    User {
        provider: IdentityProvider,
        on_refresh: Option<RefreshCallback>,
    },
    Service {
        token_url: Url,
        client_id: String,
        client_secret: Secret,
        scope: String,
    },
    Bearer,
}

struct Current {
    authorization: Option<HeaderValue>,
    refresh: Option<Secret>,
    renew_at: Option<SystemTime>,
    generation: u64,
    refused: Option<AuthError>,
}

impl Auth {
    pub(crate) fn new(credentials: Credentials) -> Result<Self, Error> {
        let mut current = Current {
            authorization: None,
            refresh: None,
            renew_at: None,
            generation: 0,
            refused: None,
        };
        let mode = match credentials {
            Credentials::User(tokens) => {
                current.authorization = Some(bearer(&tokens.access).ok_or_else(|| {
                    Error::Config("the access token is empty or not a valid header value".into())
                })?);
                if tokens.refresh.expose_secret().is_empty() {
                    return Err(Error::Config("the refresh token is empty".into()));
                }
                current.renew_at = jwt_renew_at(tokens.access.expose_secret());
                current.refresh = Some(tokens.refresh);
                Mode::User {
                    provider: tokens.identity_provider,
                    on_refresh: tokens.on_refresh,
                }
            }
            Credentials::Service(s) => {
                let authority = crate::auth::check_base_url(&s.authority)
                    .map_err(|e| Error::Config(format!("token authority: {e}")))?;
                let tenant = crate::path_segment::encode(&s.tenant)
                    .map_err(|why| Error::Config(format!("tenant: {why}")))?;
                let token_url = Url::parse(&format!(
                    "{}/{tenant}/oauth2/v2.0/token",
                    authority.as_str().trim_end_matches('/')
                ))
                .map_err(|e| Error::Config(format!("token endpoint URL: {e}")))?;
                if s.client_id.is_empty() || s.client_secret.expose_secret().is_empty() {
                    return Err(Error::Config(
                        "the client id and the client secret must not be empty".into(),
                    ));
                }
                Mode::Service {
                    token_url,
                    client_id: s.client_id,
                    client_secret: s.client_secret,
                    scope: s.scope,
                }
            }
            Credentials::Bearer(token) => {
                current.authorization = Some(bearer(&token).ok_or_else(|| {
                    Error::Config("the bearer token is empty or not a valid header value".into())
                })?);
                Mode::Bearer
            }
        };
        Ok(Self {
            mode,
            current: Mutex::new(current),
            renewing: futures::lock::Mutex::new(()),
        })
    }

    /// What kind of credentials, for `Debug`.
    pub(crate) fn kind(&self) -> &'static str {
        match self.mode {
            Mode::User { .. } => "user tokens",
            Mode::Service { .. } => "service to service",
            Mode::Bearer => "bearer",
        }
    }

    /// The token for a call, renewed first when it is about to expire.
    pub(crate) async fn grant(&self, base: &Url, sending: &Sending<'_>) -> Result<Grant, Failure> {
        if let Some(grant) = self.fresh()? {
            return Ok(grant);
        }
        let _renewing = self.renewing.lock().await;
        if let Some(grant) = self.fresh()? {
            return Ok(grant);
        }
        self.renew(base, sending).await
    }

    /// After a 401 to a call sent with `used`: a renewed token to retry with (the one another
    /// call renewed meanwhile, or a new one), or `None` when these credentials cannot renew.
    pub(crate) async fn after_unauthorized(
        &self,
        used: &Grant,
        base: &Url,
        sending: &Sending<'_>,
    ) -> Result<Option<Grant>, Failure> {
        if matches!(self.mode, Mode::Bearer) {
            return Ok(None);
        }
        let _renewing = self.renewing.lock().await;
        if self.lock().generation != used.generation
            && let Some(grant) = self.fresh()?
        {
            return Ok(Some(grant));
        }
        self.renew(base, sending).await.map(Some)
    }

    fn lock(&self) -> MutexGuard<'_, Current> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current token when it is usable and not about to expire.
    fn fresh(&self) -> Result<Option<Grant>, Failure> {
        let current = self.lock();
        if let Some(refused) = &current.refused {
            return Err(Failure::Auth(refused.clone()));
        }
        let expired = current.renew_at.is_some_and(|at| SystemTime::now() >= at);
        Ok(current
            .authorization
            .clone()
            .filter(|_| !expired)
            .map(|authorization| Grant {
                authorization,
                service: matches!(self.mode, Mode::Service { .. }),
                generation: current.generation,
            }))
    }

    /// Renews the token. The caller holds `renewing`.
    async fn renew(&self, base: &Url, sending: &Sending<'_>) -> Result<Grant, Failure> {
        if let Some(refused) = &self.lock().refused {
            return Err(Failure::Auth(refused.clone()));
        }
        let result = match &self.mode {
            Mode::User {
                provider,
                on_refresh,
            } => {
                self.refresh_user(*provider, on_refresh, base, sending)
                    .await
            }
            Mode::Service {
                token_url,
                client_id,
                client_secret,
                scope,
            } => {
                self.fetch_service(token_url, client_id, client_secret, scope, sending)
                    .await
            }
            Mode::Bearer => {
                return self
                    .fresh()?
                    .ok_or_else(|| Failure::Config("the bearer token is not usable".into()));
            }
        };
        if let Err(Failure::Auth(e)) = &result
            && matches!(
                e.kind,
                AuthErrorKind::SignInAgain | AuthErrorKind::ServiceCredentialsRefused
            )
        {
            self.lock().refused = Some(e.clone());
        }
        result
    }

    async fn refresh_user(
        &self,
        provider: IdentityProvider,
        on_refresh: &Option<RefreshCallback>,
        base: &Url,
        sending: &Sending<'_>,
    ) -> Result<Grant, Failure> {
        let Some(refresh) = self.lock().refresh.clone() else {
            return Err(Failure::Auth(AuthError::new(
                AuthErrorKind::SignInAgain,
                None,
                None,
            )));
        };
        let url = Url::parse(&format!(
            "{}/api/v1/ExternalAuthToken/RefreshToken/{}",
            base.as_str().trim_end_matches('/'),
            provider.as_str()
        ))
        .map_err(|e| Failure::Config(format!("refresh endpoint URL: {e}")))?;
        let body = serde_json::json!({ "RefreshToken": refresh.expose_secret() });
        let mut request = Request::new(Method::POST, url);
        request
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        request
            .headers_mut()
            .insert(ACCEPT, HeaderValue::from_static("application/json"));
        *request.body_mut() = Some(body.to_string().into());
        let answer = token_answer(sending, request, AuthErrorKind::SignInAgain).await?;

        let unreadable = || {
            Failure::Auth(AuthError::new(
                AuthErrorKind::UnreadableTokenAnswer,
                None,
                None,
            ))
        };
        let access = find_text(&answer, "accesstoken", 2)
            .map(Secret::new)
            .ok_or_else(unreadable)?;
        let authorization = bearer(&access).ok_or_else(unreadable)?;
        let refresh = find_text(&answer, "refreshtoken", 2)
            .map(Secret::new)
            .unwrap_or(refresh);
        let grant = self.store(
            authorization,
            jwt_renew_at(access.expose_secret()),
            Some(refresh.clone()),
        );
        if let Some(callback) = on_refresh {
            callback(&RefreshedTokens { access, refresh });
        }
        Ok(grant)
    }

    async fn fetch_service(
        &self,
        token_url: &Url,
        client_id: &str,
        client_secret: &Secret,
        scope: &str,
        sending: &Sending<'_>,
    ) -> Result<Grant, Failure> {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("client_id", client_id)
            .append_pair("client_secret", client_secret.expose_secret())
            .append_pair("scope", scope)
            .finish();
        let mut request = Request::new(Method::POST, token_url.clone());
        request.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        request
            .headers_mut()
            .insert(ACCEPT, HeaderValue::from_static("application/json"));
        *request.body_mut() = Some(form.into());
        let answer =
            token_answer(sending, request, AuthErrorKind::ServiceCredentialsRefused).await?;
        let unreadable = || {
            Failure::Auth(AuthError::new(
                AuthErrorKind::UnreadableTokenAnswer,
                None,
                None,
            ))
        };
        let token = answer
            .get("access_token")
            .and_then(Value::as_str)
            .map(Secret::new)
            .ok_or_else(unreadable)?;
        let authorization = bearer(&token).ok_or_else(unreadable)?;
        let lifetime = match answer.get("expires_in") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .map(Duration::from_secs);
        // Shortly before expiry: a minute, or half the lifetime of a short-lived token.
        let renew_at = lifetime.and_then(|lifetime| {
            SystemTime::now().checked_add(lifetime.saturating_sub(MARGIN.min(lifetime / 2)))
        });
        Ok(self.store(authorization, renew_at, None))
    }

    fn store(
        &self,
        authorization: HeaderValue,
        renew_at: Option<SystemTime>,
        refresh: Option<Secret>,
    ) -> Grant {
        let mut current = self.lock();
        current.generation += 1;
        current.authorization = Some(authorization.clone());
        current.renew_at = renew_at;
        if refresh.is_some() {
            current.refresh = refresh;
        }
        Grant {
            authorization,
            service: matches!(self.mode, Mode::Service { .. }),
            generation: current.generation,
        }
    }
}

/// Sends a token request (no credentials header, redirects not followed) and reads its JSON
/// answer. A 4xx other than 408/429 is `refused`; other failures are `TokenEndpointFailed`.
async fn token_answer(
    sending: &Sending<'_>,
    request: Request,
    refused: AuthErrorKind,
) -> Result<Value, Failure> {
    let response = sending.send(request, &Redirects::Refuse, false).await?;
    let status = response.status();
    let body = response.bytes().await.map_err(Failure::Http)?;
    let json = serde_json::from_slice::<Value>(&body).ok();
    if status.is_success() {
        return json.filter(Value::is_object).ok_or_else(|| {
            Failure::Auth(AuthError::new(
                AuthErrorKind::UnreadableTokenAnswer,
                Some(status),
                None,
            ))
        });
    }
    let code = json
        .as_ref()
        .and_then(|j| j.get("error"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let kind = if status.is_client_error()
        && status != StatusCode::TOO_MANY_REQUESTS
        && status != StatusCode::REQUEST_TIMEOUT
    {
        refused
    } else {
        AuthErrorKind::TokenEndpointFailed
    };
    Err(Failure::Auth(AuthError::new(kind, Some(status), code)))
}

/// `Bearer <token>`, marked sensitive; `None` when the token is empty or cannot be a header.
fn bearer(token: &Secret) -> Option<HeaderValue> {
    let token = token.expose_secret();
    if token.is_empty() {
        return None;
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// When to renew a JWT access token: a minute before its `exp`, or half its lifetime before
/// when it lives less than two minutes (`exp - iat`); `None` when `exp` is unreadable.
fn jwt_renew_at(token: &str) -> Option<SystemTime> {
    let claims = jwt_claims(token)?;
    let exp = time_claim(&claims, "exp")?;
    let margin = time_claim(&claims, "iat")
        .and_then(|iat| exp.duration_since(iat).ok())
        .map_or(MARGIN, |lifetime| MARGIN.min(lifetime / 2));
    Some(exp.checked_sub(margin).unwrap_or(exp))
}

/// The claims of a JWT, when the token is one.
fn jwt_claims(token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A NumericDate claim (`exp`, `iat`) as a time, when present and sane.
fn time_claim(claims: &Value, name: &str) -> Option<SystemTime> {
    let seconds = claims.get(name)?.as_f64()?;
    if !seconds.is_finite() || !(0.0..=1e12).contains(&seconds) {
        return None;
    }
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs_f64(seconds))
}

/// A string field whose name, lower-cased and without `_`, is `name` (so `AccessToken`,
/// `accessToken`, `access_token`...), at the top level or up to `depth - 1` objects down.
fn find_text(value: &Value, name: &str, depth: usize) -> Option<String> {
    let object = value.as_object()?;
    let direct = object.iter().find_map(|(key, v)| {
        let key: String = key
            .chars()
            .filter(|c| *c != '_')
            .map(|c| c.to_ascii_lowercase())
            .collect();
        (key == name)
            .then(|| v.as_str().map(str::to_string))
            .flatten()
    });
    direct.or_else(|| {
        (depth > 1)
            .then(|| object.values().find_map(|v| find_text(v, name, depth - 1)))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_fields_in_any_case() {
        for answer in [
            r#"{"AccessToken":"a","RefreshToken":"r"}"#,
            r#"{"accessToken":"a","refreshToken":"r"}"#,
            r#"{"ACCESSTOKEN":"a","refresh_token":"r"}"#,
            r#"{"data":{"accesstoken":"a","RefreshToken":"r"}}"#,
        ] {
            let v: Value = serde_json::from_str(answer).unwrap();
            assert_eq!(
                find_text(&v, "accesstoken", 2).as_deref(),
                Some("a"),
                "{answer}"
            );
            assert_eq!(
                find_text(&v, "refreshtoken", 2).as_deref(),
                Some("r"),
                "{answer}"
            );
        }
    }

    #[test]
    fn jwt_renewal_time_is_read_and_garbage_is_not() {
        let jwt = |claims: &str| {
            let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims);
            format!("e30.{payload}.sig")
        };
        let at = |s: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        // A minute before `exp`, without `iat` or for long-lived tokens.
        assert_eq!(
            jwt_renew_at(&jwt(r#"{"exp":1700000000}"#)),
            Some(at(1_699_999_940))
        );
        assert_eq!(
            jwt_renew_at(&jwt(r#"{"exp":1700000000,"iat":1699996400}"#)),
            Some(at(1_699_999_940))
        );
        // Half the lifetime before `exp` for a 30 s token.
        assert_eq!(
            jwt_renew_at(&jwt(r#"{"exp":1700000000,"iat":1699999970}"#)),
            Some(at(1_699_999_985))
        );
        assert_eq!(jwt_renew_at("not-a-jwt"), None);
        assert_eq!(jwt_renew_at("a.%%%.c"), None);
        assert_eq!(jwt_renew_at(&jwt(r#"{"exp":1e300}"#)), None);
        assert_eq!(jwt_renew_at(&jwt(r#"{"exp":"soon"}"#)), None);
    }
}
