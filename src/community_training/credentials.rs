//! The credentials a [`Client`](super::Client) authenticates with: the type the user picks.
//! None of them prints a secret in `Debug` or `Display`.

use std::fmt;
use std::sync::Arc;

/// A secret string (an access, refresh or bearer token, a client secret). `Debug` and `Display`
/// print `<redacted>`; [`expose_secret`](Self::expose_secret) gives the value, to store it.
#[derive(Clone)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret (surrounding whitespace is dropped).
    pub fn new(value: impl AsRef<str>) -> Self {
        Self(Arc::from(value.as_ref().trim()))
    }

    /// The secret itself.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

/// The identity provider a user signed in with; names the refresh endpoint
/// (`/api/v1/ExternalAuthToken/RefreshToken/{PHONE|EMAIL|AZUREAD}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdentityProvider {
    /// Phone number sign-in (`PHONE`).
    Phone,
    /// Email sign-in (`EMAIL`).
    Email,
    /// Microsoft Entra ID / Azure AD (B2C) sign-in (`AZUREAD`).
    AzureAd,
}

impl IdentityProvider {
    /// The name the refresh endpoint's path uses.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityProvider::Phone => "PHONE",
            IdentityProvider::Email => "EMAIL",
            IdentityProvider::AzureAd => "AZUREAD",
        }
    }
}

/// A new token pair from the refresh endpoint, handed to the
/// [`UserTokens::on_refresh`] callback so the caller can store it (the refresh token rotates:
/// the old one no longer works).
#[derive(Clone, Debug)]
pub struct RefreshedTokens {
    /// The new access token.
    pub access: Secret,
    /// The new refresh token (the old one when the answer carried none).
    pub refresh: Secret,
}

pub(crate) type RefreshCallback = Arc<dyn Fn(&RefreshedTokens) + Send + Sync>;

/// A user's tokens, from signing in at `https://<site>/ExternalAuthentication/Login`: the access
/// token goes as `Authorization: Bearer` on every call; before it expires (the JWT's `exp`, when
/// readable) or on a 401, the client trades the refresh token for a new pair, once for all
/// concurrent calls, and retries the call once.
///
/// ```
/// use appcenter::community_training::{IdentityProvider, UserTokens};
/// let tokens = UserTokens::new("my-access-token", "my-refresh-token", IdentityProvider::AzureAd)
///     .on_refresh(|new| {
///         // store new.refresh.expose_secret() for the next run
///         let _ = new;
///     });
/// let shown = format!("{tokens:?}");
/// assert!(!shown.contains("my-access-token") && !shown.contains("my-refresh-token"));
/// ```
#[derive(Clone)]
pub struct UserTokens {
    pub(crate) access: Secret,
    pub(crate) refresh: Secret,
    pub(crate) identity_provider: IdentityProvider,
    pub(crate) on_refresh: Option<RefreshCallback>,
}

impl UserTokens {
    /// The tokens of a signed-in user and the identity provider they signed in with.
    pub fn new(
        access: impl Into<Secret>,
        refresh: impl Into<Secret>,
        identity_provider: IdentityProvider,
    ) -> Self {
        Self {
            access: access.into(),
            refresh: refresh.into(),
            identity_provider,
            on_refresh: None,
        }
    }

    /// The access token given.
    pub fn access(&self) -> &Secret {
        &self.access
    }

    /// The refresh token given.
    pub fn refresh(&self) -> &Secret {
        &self.refresh
    }

    /// The identity provider given.
    pub fn identity_provider(&self) -> IdentityProvider {
        self.identity_provider
    }

    /// Called with every new pair after a refresh, to store the rotated refresh token. Other
    /// calls wait while it runs: keep it short, and do not call the client from it.
    pub fn on_refresh(
        mut self,
        callback: impl Fn(&RefreshedTokens) + Send + Sync + 'static,
    ) -> Self {
        self.on_refresh = Some(Arc::new(callback));
        self
    }
}

impl fmt::Debug for UserTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserTokens")
            .field("access", &self.access)
            .field("refresh", &self.refresh)
            .field("identity_provider", &self.identity_provider)
            .field("on_refresh", &self.on_refresh.is_some())
            .finish()
    }
}

/// The default Entra authority (`MCT_AUTHORITY_URL` overrides it in the example).
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

/// Service-to-service credentials: an Entra app registration that the instance lists. The
/// client fetches a client-credentials token from `{authority}/{tenant}/oauth2/v2.0/token`,
/// keeps it until shortly before its `expires_in`, and sends `ClientType: Service` on every
/// call. The client secret goes to the token endpoint only.
#[derive(Clone)]
pub struct ServiceToService {
    pub(crate) tenant: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    pub(crate) scope: String,
    pub(crate) authority: String,
}

impl ServiceToService {
    /// `scope` is the MCT API's Application ID URI followed by `/.default` (added when missing).
    pub fn new(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        scope: impl Into<String>,
    ) -> Self {
        let mut scope = scope.into().trim().to_string();
        if !scope.ends_with("/.default") {
            scope = format!("{}/.default", scope.trim_end_matches('/'));
        }
        Self {
            tenant: tenant.into().trim().to_string(),
            client_id: client_id.into().trim().to_string(),
            client_secret: client_secret.into(),
            scope,
            authority: DEFAULT_AUTHORITY.to_string(),
        }
    }

    /// Another token authority (a sovereign cloud, a test server). Default
    /// `https://login.microsoftonline.com`; plain `http` only to loopback.
    pub fn authority(mut self, url: impl Into<String>) -> Self {
        self.authority = url.into().trim().to_string();
        self
    }
}

impl fmt::Debug for ServiceToService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceToService")
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scope", &self.scope)
            .field("authority", &self.authority)
            .finish()
    }
}

/// How a [`Client`](super::Client) authenticates.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// A signed-in user's tokens, refreshed as needed.
    User(UserTokens),
    /// An Entra application (client credentials), with `ClientType: Service`.
    Service(ServiceToService),
    /// A fixed bearer token (scripts): never refreshed.
    Bearer(Secret),
}

impl Credentials {
    /// A fixed bearer token.
    pub fn bearer(token: impl Into<Secret>) -> Self {
        Credentials::Bearer(token.into())
    }
}

impl From<UserTokens> for Credentials {
    fn from(tokens: UserTokens) -> Self {
        Credentials::User(tokens)
    }
}

impl From<ServiceToService> for Credentials {
    fn from(credentials: ServiceToService) -> Self {
        Credentials::Service(credentials)
    }
}
