//! [`Client`] and its [`ClientBuilder`]: configuration of the generated client.

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
/// Every operation of the API is a method of this type returning a request builder (generated
/// from the spec, documented with its summary and description); `.send().await` runs it and
/// returns [`crate::Result`]. Cloning is cheap: clones share the connection pool and settings.
///
/// ```no_run
/// # async fn run() -> appcenter::Result<()> {
/// let client = appcenter::Client::from_env()?;
/// let user = client.users_get().send().await?.into_inner();
/// println!("{} <{}>", user.name, user.email.unwrap_or_default());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    api: generated::Client,
}

/// Shows the base URL and settings; never the token or the HTTP client (whose proxy settings can
/// hold credentials).
impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .field("token", &state.token)
            .field("retry", &state.retry)
            .field("timeout", &state.timeouts.per_attempt)
            .field("total_timeout", &state.timeouts.total)
            .finish()
    }
}

/// Per-client settings the request hooks read (the generated client's "inner" value).
#[derive(Clone, Debug)]
pub struct ClientState {
    pub(crate) token: ApiToken,
    pub(crate) origin: Origin,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeouts: Timeouts,
}

/// `None` is "no limit".
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timeouts {
    pub(crate) per_attempt: Option<Duration>,
    pub(crate) total: Option<Duration>,
    /// The limit the reqwest client itself gives a request that carries none of its own (its
    /// `ClientBuilder::timeout`: the builder's per-attempt timeout); `None` for a client built
    /// from [`ClientBuilder::reqwest_builder`], whose own settings are left alone.
    pub(crate) by_http: Option<Duration>,
}

/// A limit no call reaches, for a request that must not get the reqwest client's own: 30 years,
/// tokio's own "far future".
const NO_LIMIT: Duration = Duration::from_secs(30 * 365 * 86_400);

/// [`Timeouts::apply`], for a reqwest client that gives a request without a timeout of its own
/// `by_http`.
pub(crate) fn set_timeout(
    request: &mut reqwest::Request,
    limit: Option<Duration>,
    by_http: Option<Duration>,
) {
    if request.timeout().copied().or(by_http) == limit {
        return;
    }
    *request.timeout_mut() = match (limit, by_http) {
        (None, Some(_)) => Some(NO_LIMIT),
        (limit, _) => limit,
    };
}

impl Timeouts {
    /// Makes `limit` the timeout reqwest applies to `request` (`None`: no limit). The request's
    /// own is written only when the reqwest client's (`by_http`) would not already be `limit`:
    /// reqwest keeps a request's timeout in a map it allocates on the first write, which the
    /// common request (an API call with the default timeouts) so never pays for.
    pub(crate) fn apply(&self, request: &mut reqwest::Request, limit: Option<Duration>) {
        set_timeout(request, limit, self.by_http);
    }

    /// The deadline of a call started at `now`; `None` when there is none, or when the total is
    /// so long that no clock can represent its end (`Duration::MAX`).
    pub(crate) fn deadline(&self, now: std::time::Instant) -> Option<std::time::Instant> {
        self.total.and_then(|total| now.checked_add(total))
    }
}

/// A limit no clock can represent is no limit (`Duration::MAX`), so that arithmetic on it
/// further down (reqwest, tokio) cannot overflow.
fn limit(timeout: Duration) -> Option<Duration> {
    std::time::Instant::now()
        .checked_add(timeout)
        .and_then(|_| tokio::time::Instant::now().checked_add(timeout))
        .map(|_| timeout)
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

    /// The generated client: an escape hatch for code that wants progenitor's own types (its
    /// builders' `send` return [`crate::Result`] too). Ordinary use never needs it: every
    /// operation is a method of [`Client`].
    pub fn api(&self) -> &generated::Client {
        &self.api
    }

    /// This client with another retry policy, for one call or a few: cheap, and it shares the
    /// connection pool, token and other settings.
    ///
    /// ```no_run
    /// # async fn run(client: appcenter::Client) -> appcenter::Result<()> {
    /// let user = client
    ///     .with_retry(appcenter::RetryPolicy::none())
    ///     .users_get()
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn with_retry(&self, policy: RetryPolicy) -> Client {
        self.derive(|state| state.retry = policy)
    }

    /// This client with another per-attempt timeout (see [`ClientBuilder::timeout`]); shares the
    /// connection pool like [`with_retry`](Self::with_retry).
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        self.derive(|state| state.timeouts.per_attempt = limit(timeout))
    }

    /// This client with another deadline per call (see [`ClientBuilder::total_timeout`]);
    /// shares the connection pool like [`with_retry`](Self::with_retry).
    pub fn with_total_timeout(&self, timeout: Duration) -> Client {
        self.derive(|state| state.timeouts.total = limit(timeout))
    }

    /// This client without a deadline per call nor a per-attempt timeout (the connect timeout
    /// stays); shares the connection pool like [`with_retry`](Self::with_retry).
    pub fn without_timeouts(&self) -> Client {
        self.derive(|state| {
            state.timeouts = Timeouts {
                per_attempt: None,
                total: None,
                by_http: state.timeouts.by_http,
            }
        })
    }

    fn derive(&self, change: impl FnOnce(&mut ClientState)) -> Client {
        let mut state = ClientState::clone(self.state());
        change(&mut state);
        Client {
            api: generated::Client::new_with_client(
                self.base_url(),
                self.http().clone(),
                Arc::new(state),
            ),
        }
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
#[must_use]
pub struct ClientBuilder {
    token: Result<ApiToken, Error>,
    base_url: String,
    connect_timeout: Duration,
    per_attempt: Option<Duration>,
    total: Option<Duration>,
    retry: RetryPolicy,
    http: Option<reqwest::ClientBuilder>,
    user_agent: String,
    proxy: ProxySetting,
    root_certificates: Vec<Vec<u8>>,
}

/// Shows the settings; never the token nor a proxy (its URL or `basic_auth` can hold credentials).
impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let proxy = match self.proxy {
            ProxySetting::FromEnvironment => "from the environment",
            ProxySetting::Explicit(_) => "given (<redacted>)",
            ProxySetting::Direct => "none",
        };
        f.debug_struct("ClientBuilder")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.per_attempt)
            .field("total_timeout", &self.total)
            .field("retry", &self.retry)
            .field("reqwest_builder", &self.http.as_ref().map(|_| "<given>"))
            .field("user_agent", &self.user_agent)
            .field("proxy", &proxy)
            .field("root_certificates", &self.root_certificates.len())
            .finish()
    }
}

/// Where requests go through: the environment's proxy (default), a given one, or none.
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

    /// Time allowed for one attempt of a request, answer included. Default 60 s. Downloads (byte
    /// streams: CSV exports, error downloads) are bounded by inactivity instead: no byte for this
    /// long ends them, however long they take while bytes keep arriving. A duration no
    /// clock can represent (`Duration::MAX`) means no limit, as [`no_timeout`](Self::no_timeout).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.per_attempt = limit(timeout);
        self
    }

    /// No per-attempt timeout (an attempt is bounded by the call's deadline alone, if any).
    pub fn no_timeout(mut self) -> Self {
        self.per_attempt = None;
        self
    }

    /// Time allowed for a whole call, retries and waits included. Default 300 s. A duration no
    /// clock can represent (`Duration::MAX`) means no deadline, as
    /// [`no_total_timeout`](Self::no_total_timeout).
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.total = limit(timeout);
        self
    }

    /// No deadline per call: retries and waits are bounded by the [`RetryPolicy`] alone.
    pub fn no_total_timeout(mut self) -> Self {
        self.total = None;
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

    /// Build the HTTP client from this `reqwest::ClientBuilder` (for settings this builder does
    /// not offer: local address, HTTP/2 tuning, other TLS options...). The crate then sets on it
    /// what its safety depends on: redirects are never followed by reqwest (the crate follows them
    /// itself, so that the token never goes to another origin), no `Referer`, no retries by
    /// reqwest (the [`RetryPolicy`](crate::RetryPolicy) is the one retry loop), and this builder's
    /// proxy and certificate settings when given. Its own timeouts and user agent apply;
    /// [`connect_timeout`](Self::connect_timeout) and [`user_agent`](Self::user_agent) do not.
    pub fn reqwest_builder(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http = Some(builder);
        self
    }

    /// Builds the client; fails on an empty token or a refused base URL.
    ///
    /// A plain-`http` base URL (loopback only) is always reached directly, never through a
    /// proxy: a proxy would see the token in clear. Giving an explicit [`proxy`](Self::proxy)
    /// with such a base URL is refused.
    pub fn build(self) -> Result<Client, Error> {
        let token = self.token?;
        let base = auth::check_base_url(&self.base_url)?;
        let plain_http = base.scheme() == "http";
        if plain_http && matches!(self.proxy, ProxySetting::Explicit(_)) {
            return Err(Error::Config(
                "a proxy was given for a plain-http base URL: the proxy would see the API token \
                 in clear; loopback addresses are reached directly, so drop the proxy"
                    .into(),
            ));
        }
        // The crate's own reqwest client applies the per-attempt timeout itself (see
        // `Timeouts::apply`); a given one keeps its own settings.
        let by_http = match self.http {
            Some(_) => None,
            None => self.per_attempt,
        };
        let mut http = match self.http {
            Some(given) => given,
            None => {
                let builder = reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout)
                    .user_agent(self.user_agent);
                match by_http {
                    Some(limit) => builder.timeout(limit),
                    None => builder,
                }
            }
        }
        // Redirects are followed by the crate (token dropped off-origin), never by reqwest.
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        // The crate's retry loop (`retry.rs`) is the only one: reqwest's own layer would resend
        // HTTP/2 refusals behind the policy's back, and copies every request to be able to
        // (`retry::refused_by_protocol` resends those instead). Zero retries: no copy is made.
        .retry(reqwest::retry::never().max_retries_per_request(0));
        http = match self.proxy {
            // Plain http goes to loopback only, and never through a proxy (see above).
            _ if plain_http => http.no_proxy(),
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
        // rustls on `ring` rather than reqwest's aws-lc-rs (see `tls`); native-tls, when also
        // enabled, stays reqwest's choice.
        #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
        {
            http =
                http.tls_backend_preconfigured(crate::tls::client_config(&self.root_certificates)?);
        }
        let http = http.build().map_err(|e| {
            Error::Config(format!("could not build the HTTP client: {}", chain(&e)))
        })?;
        let state = ClientState {
            token,
            origin: base.origin(),
            retry: self.retry,
            timeouts: Timeouts {
                per_attempt: self.per_attempt,
                total: self.total,
                by_http,
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

// `impl Client { pub fn users_get(&self) -> crate::builder::UsersGet<'_> ... }`: one method per
// operation, written by `openapi/pipeline/client_methods.rs`.
include!(concat!(env!("OUT_DIR"), "/client_methods.rs"));

/// A plain reqwest client for unit tests, with the TLS configuration the crate's own clients get
/// (reqwest's rustls has no crypto provider of its own here). Used by the upload's and the symbol
/// upload's unit tests.
#[cfg(all(test, any(feature = "distribute", feature = "crash")))]
pub(crate) fn http_for_tests() -> reqwest::Client {
    let builder = reqwest::Client::builder();
    #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
    let builder = builder.tls_backend_preconfigured(
        crate::tls::client_config(&[]).expect("the default TLS configuration"),
    );
    builder.build().expect("a plain reqwest client")
}
