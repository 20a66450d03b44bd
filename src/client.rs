//! [`Client`] and its [`ClientBuilder`]: configuration of the generated client.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use url::Origin;

use crate::auth::{self, ApiToken};
use crate::{Error, RetryPolicy, generated};

/// The public App Center API.
pub const DEFAULT_BASE_URL: &str = "https://api.appcenter.ms";
/// The environment variable holding the API token (the one the official CLI reads).
pub const TOKEN_ENV: &str = "APPCENTER_ACCESS_TOKEN";
/// The environment variable that overrides the base URL.
pub const BASE_URL_ENV: &str = "APPCENTER_BASE_URL";

/// A client for the App Center API.
///
/// Every operation of the API is a method (through `Deref` to the generated
/// [`generated::Client`]) returning a request builder; `.send().await` runs it. Errors convert
/// into [`Error`] with `?`.
///
/// ```no_run
/// # async fn run() -> appcenter::Result<()> {
/// let client = appcenter::Client::from_env()?;
/// let user = client.users_get().send().await?.into_inner();
/// println!("{} <{}>", user.display_name, user.email);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    api: generated::Client,
}

/// Per-client settings the request hooks read (the generated client's "inner" value).
#[derive(Debug)]
pub struct ClientState {
    pub(crate) token: ApiToken,
    pub(crate) origin: Origin,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeouts: Timeouts,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Timeouts {
    pub(crate) per_attempt: Option<Duration>,
    pub(crate) total: Option<Duration>,
}

impl Client {
    /// A client for the public service with default settings.
    pub fn new(token: impl AsRef<str>) -> Result<Self, Error> {
        Self::builder(token).build()
    }

    /// A builder, for a base URL, timeouts, retries or a custom `reqwest::Client`.
    pub fn builder(token: impl AsRef<str>) -> ClientBuilder {
        ClientBuilder::new(token)
    }

    /// A client configured from the environment: the token from `APPCENTER_ACCESS_TOKEN`, the
    /// base URL from `APPCENTER_BASE_URL` when set. A missing or empty token is an error naming
    /// the variable.
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.api.baseurl
    }

    /// The generated client, for code that wants the type itself (this type derefs to it).
    pub fn api(&self) -> &generated::Client {
        &self.api
    }

    /// The HTTP client, for hand-written calls (the release upload's upload-domain requests).
    /// Requests sent on it directly get none of the hooks: no token, no retries.
    #[cfg_attr(not(feature = "distribute"), allow(dead_code))]
    pub(crate) fn http(&self) -> &reqwest::Client {
        progenitor_client::ClientInfo::client(&self.api)
    }

    /// The settings the hooks read (token, origin, retry policy, timeouts).
    #[cfg_attr(not(feature = "distribute"), allow(dead_code))]
    pub(crate) fn state(&self) -> &ClientState {
        progenitor_client::ClientInfo::inner(&self.api)
    }
}

impl Deref for Client {
    type Target = generated::Client;

    fn deref(&self) -> &generated::Client {
        &self.api
    }
}

/// Builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// let client = appcenter::Client::builder("my-token")
///     .base_url("http://127.0.0.1:8080")
///     .timeout(Duration::from_secs(30))
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url(), "http://127.0.0.1:8080");
/// ```
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    token: Result<ApiToken, Error>,
    base_url: String,
    connect_timeout: Duration,
    per_attempt: Option<Duration>,
    total: Option<Duration>,
    retry: RetryPolicy,
    http: Option<reqwest::Client>,
    user_agent: String,
    proxy: ProxySetting,
    root_certificates: Vec<Vec<u8>>,
}

/// Where requests go through: the environment's proxy (default), a given one, or none.
#[derive(Debug)]
enum ProxySetting {
    FromEnvironment,
    Explicit(Box<reqwest::Proxy>),
    Direct,
}

impl ClientBuilder {
    /// A builder for the public service with `token`.
    pub fn new(token: impl AsRef<str>) -> Self {
        Self {
            token: ApiToken::new(token),
            base_url: DEFAULT_BASE_URL.to_string(),
            connect_timeout: Duration::from_secs(10),
            per_attempt: Some(Duration::from_secs(60)),
            total: Some(Duration::from_secs(300)),
            retry: RetryPolicy::default(),
            http: None,
            user_agent: concat!("appcenter-rust/", env!("CARGO_PKG_VERSION")).to_string(),
            proxy: ProxySetting::FromEnvironment,
            root_certificates: Vec::new(),
        }
    }

    /// A builder with the token from `APPCENTER_ACCESS_TOKEN` and, when set, the base URL from
    /// `APPCENTER_BASE_URL`.
    pub fn from_env() -> Result<Self, Error> {
        let token = std::env::var(TOKEN_ENV).unwrap_or_default();
        if token.trim().is_empty() {
            return Err(Error::Config(format!(
                "{TOKEN_ENV} is not set or empty: set it to an App Center API token"
            )));
        }
        let mut builder = Self::new(token);
        if let Some(base) = std::env::var(BASE_URL_ENV)
            .ok()
            .filter(|b| !b.trim().is_empty())
        {
            builder = builder.base_url(base.trim());
        }
        Ok(builder)
    }

    /// The API's base URL (default `https://api.appcenter.ms`). Plain `http` is accepted only for
    /// loopback addresses.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Time allowed to establish a connection. Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for one attempt of a request, answer included. Default 60 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.per_attempt = Some(timeout);
        self
    }

    /// Time allowed for a whole call, retries and waits included. Default 300 s.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total = Some(timeout);
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]; [`RetryPolicy::none`] turns retries off).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The `User-Agent` sent. Default `appcenter-rust/<version>`.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = agent.into();
        self
    }

    /// Send every request through this proxy (for example
    /// `reqwest::Proxy::all("http://proxy.corp:3128")?`, with `.basic_auth(..)` or `.no_proxy(..)`
    /// as needed) instead of the one the environment names.
    ///
    /// By default the proxy comes from the environment, as curl reads it: `HTTPS_PROXY` for
    /// `https` URLs, `HTTP_PROXY` for `http`, `ALL_PROXY` for both (upper or lower case), except
    /// for the hosts `NO_PROXY` lists. The variables are read when the client is built.
    pub fn proxy(mut self, proxy: reqwest::Proxy) -> Self {
        self.proxy = ProxySetting::Explicit(Box::new(proxy));
        self
    }

    /// Connect directly, ignoring the proxy environment variables.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxySetting::Direct;
        self
    }

    /// Also trust the certificate authorities in `pem` (one or more PEM `CERTIFICATE` blocks), on
    /// top of the system's: for a corporate proxy that intercepts TLS with its own authority.
    /// A `pem` that holds no valid certificate makes [`build`](Self::build) fail.
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    pub fn add_root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_certificates.push(pem.as_ref().to_vec());
        self
    }

    /// Use this `reqwest::Client` (for connection pools shared with other code, or settings this
    /// builder does not offer). Proxy and certificate settings of this builder do not apply to it:
    /// setting both is refused by [`build`](Self::build). It must not follow redirects: build it with
    /// `redirect(reqwest::redirect::Policy::none())`; the crate follows redirects itself so that
    /// the token never goes to another origin, and refuses answers such a client fetched by itself.
    /// Its own timeouts and user agent apply; [`connect_timeout`](Self::connect_timeout) does not.
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the client; fails on an empty token or a refused base URL.
    pub fn build(self) -> Result<Client, Error> {
        let token = self.token?;
        let base = auth::check_base_url(&self.base_url)?;
        let customised = !matches!(self.proxy, ProxySetting::FromEnvironment)
            || !self.root_certificates.is_empty();
        let http = match self.http {
            Some(_) if customised => {
                return Err(Error::Config(
                    "proxy and root certificate settings do not apply to a caller-supplied \
                     reqwest::Client: set them on that client instead"
                        .into(),
                ));
            }
            Some(http) => http,
            None => {
                let mut http = reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout)
                    // Redirects are followed by the crate (token dropped off-origin), never by reqwest.
                    .redirect(reqwest::redirect::Policy::none())
                    .referer(false)
                    .user_agent(self.user_agent);
                http = match self.proxy {
                    // reqwest reads HTTP(S)_PROXY, ALL_PROXY and NO_PROXY itself when building.
                    ProxySetting::FromEnvironment => http,
                    ProxySetting::Explicit(proxy) => http.proxy(*proxy),
                    ProxySetting::Direct => http.no_proxy(),
                };
                #[cfg(any(feature = "rustls", feature = "native-tls"))]
                for pem in &self.root_certificates {
                    let certificates = reqwest::Certificate::from_pem_bundle(pem)
                        .ok()
                        .filter(|c| !c.is_empty())
                        .ok_or_else(|| {
                            Error::Config(
                                "add_root_certificates_pem: no valid PEM certificate found".into(),
                            )
                        })?;
                    http = http.tls_certs_merge(certificates);
                }
                // rustls on `ring` rather than reqwest's aws-lc-rs (see `tls`); native-tls, when
                // also enabled, stays reqwest's choice.
                #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
                {
                    http = http.tls_backend_preconfigured(crate::tls::client_config(
                        &self.root_certificates,
                    )?);
                }
                http.build().map_err(|e| {
                    Error::Config(format!("could not build the HTTP client: {}", chain(&e)))
                })?
            }
        };
        let state = ClientState {
            token,
            origin: base.origin(),
            retry: self.retry,
            timeouts: Timeouts {
                per_attempt: self.per_attempt,
                total: self.total,
            },
        };
        let api = generated::Client::new_with_client(
            base.as_str().trim_end_matches('/'),
            http,
            Arc::new(state),
        );
        Ok(Client { api })
    }
}

/// An error and its sources, as one line (reqwest's builder error says only "builder error").
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
