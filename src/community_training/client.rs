//! [`Client`], its [`ClientBuilder`], the request hooks of the generated client, and the typed
//! escape hatch [`Client::request`].

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use reqwest::{Method, Request, Response};
use url::{Origin, Url};

use super::credentials::Credentials;
use super::generated;
use super::send::{Failure, Redirects, Sending};
use super::tokens::{Auth, Grant};
use crate::client::Timeouts;
use crate::types::AppCenterErrorBody;
use crate::{Error, RetryPolicy};

/// The header that marks a service-to-service call.
pub const CLIENT_TYPE_HEADER: HeaderName = HeaderName::from_static("clienttype");

/// A client for one Microsoft Community Training instance.
///
/// Every documented operation is a method of this type returning a request builder (generated
/// from the spec, documented with its summary and description); `.send().await?` runs it and
/// returns [`appcenter::Result`](crate::Result). Any other endpoint of the instance:
/// [`request`](Self::request).
///
/// ```no_run
/// # async fn run() -> appcenter::Result<()> {
/// use appcenter::community_training::{Client, Credentials};
/// let client = Client::builder("https://contoso.azurewebsites.net", Credentials::bearer("…")).build()?;
/// let profile = client.profile_get().send().await?.into_inner();
/// println!("{profile:?}");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    api: generated::Client,
}

/// What the generated client's hooks read: connection, settings and credentials.
pub struct State {
    http: reqwest::Client,
    base: Url,
    origin: Origin,
    retry: RetryPolicy,
    timeouts: Timeouts,
    auth: Auth,
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State")
            .field("site", &self.base.as_str())
            .field("credentials", &self.auth.kind())
            .finish()
    }
}

impl State {
    fn sending(&self) -> Sending<'_> {
        Sending {
            http: &self.http,
            retry: &self.retry,
            timeouts: self.timeouts,
        }
    }

    /// Sends a request to the instance: the token (renewed when about to expire), retries,
    /// origin-checked redirects; after a 401, one renewal (shared with concurrent calls) and one
    /// more try.
    pub(crate) async fn execute(&self, request: Request) -> Result<Response, Failure> {
        let sending = self.sending();
        let grant = self.auth.grant(&self.base, &sending).await?;
        let spare = request.try_clone();
        let response = self.send_with(request, &grant).await?;
        if response.status() != reqwest::StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let Some(spare) = spare else {
            return Ok(response);
        };
        match self
            .auth
            .after_unauthorized(&grant, &self.base, &sending)
            .await?
        {
            Some(renewed) => self.send_with(spare, &renewed).await,
            None => Ok(response),
        }
    }

    async fn send_with(&self, request: Request, grant: &Grant) -> Result<Response, Failure> {
        let origin = &self.origin;
        let step = |request: &mut Request| authorize(request, grant, origin);
        self.sending()
            .send(request, &Redirects::Follow(&step, origin), true)
            .await
    }
}

/// Sets `Authorization` (and `ClientType: Service` for service tokens) on a request to the
/// instance's origin, and removes both from a request to any other origin.
fn authorize(request: &mut Request, grant: &Grant, origin: &Origin) {
    let headers = request.headers_mut();
    headers.remove(AUTHORIZATION);
    headers.remove(CLIENT_TYPE_HEADER);
    if request.url().origin() != *origin {
        return;
    }
    let headers = request.headers_mut();
    headers.insert(AUTHORIZATION, grant.authorization.clone());
    if grant.service {
        headers.insert(CLIENT_TYPE_HEADER, HeaderValue::from_static("Service"));
    }
}

/// `{}` with `Content-Type: application/json` for a POST/PUT/PATCH without a body.
fn empty_write_body(request: &mut Request) {
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
}

/// Carries a failure from `exec` (which can only fail with a `reqwest::Error`) to `post`.
#[derive(Clone)]
struct HookFailure(String);

impl crate::transport::Exchange for generated::Client {
    type Failure = progenitor_client::Error<AppCenterErrorBody>;

    fn exchange<'a>(
        &'a self,
        operation: crate::Operation,
        request: &'a mut Request,
        _call: &'a tracing::Span,
        _started: std::time::Instant,
    ) -> impl std::future::Future<Output = Result<Response, Self::Failure>> + Send + 'a {
        // The hooks take the request; their own retry loop keeps the copies it needs.
        crate::transport::exchange(self, operation, crate::transport::take(request))
    }
}

impl ClientHooks<Arc<State>> for generated::Client {
    async fn pre<E>(
        &self,
        request: &mut Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        empty_write_body(request);
        Ok(())
    }

    async fn exec(&self, request: Request, _info: &OperationInfo) -> reqwest::Result<Response> {
        let why = match self.inner().execute(request).await {
            Ok(response) => return Ok(response),
            Err(Failure::Http(e)) => return Err(e),
            Err(Failure::Auth(e)) => e.to_hook_message(),
            Err(Failure::Config(why)) => why,
        };
        let mut response = http::Response::new(Vec::<u8>::new());
        *response.status_mut() = reqwest::StatusCode::UNAUTHORIZED;
        response.extensions_mut().insert(HookFailure(why));
        Ok(Response::from(response))
    }

    async fn post<E>(
        &self,
        result: &reqwest::Result<Response>,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        match result
            .as_ref()
            .ok()
            .and_then(|r| r.extensions().get::<HookFailure>())
        {
            Some(HookFailure(why)) => Err(progenitor_client::Error::Custom(why.clone())),
            None => Ok(()),
        }
    }
}

impl Client {
    /// A builder for the instance at `site_url` (`https://<site>`; plain `http` only to loopback).
    pub fn builder(
        site_url: impl Into<String>,
        credentials: impl Into<Credentials>,
    ) -> ClientBuilder {
        ClientBuilder {
            site_url: site_url.into(),
            credentials: credentials.into(),
            http: crate::ClientBuilder::new(PLACEHOLDER_TOKEN),
        }
    }

    /// The instance's URL.
    pub fn site_url(&self) -> &str {
        &self.api.baseurl
    }

    /// The generated client: an escape hatch for code that wants progenitor's own types (its
    /// builders' `send` return [`crate::Result`] too). Ordinary use never needs it: every
    /// documented operation is a method of [`Client`].
    pub fn api(&self) -> &generated::Client {
        &self.api
    }

    /// A call to any endpoint of the instance (its own `/swagger` lists many the documentation
    /// does not), with the same credentials, retries and redirect rules as the typed operations;
    /// the answer decodes into `T` (an empty answer decodes as JSON `null`).
    ///
    /// ```no_run
    /// # async fn run(client: appcenter::community_training::Client) -> appcenter::Result<()> {
    /// let reports: serde_json::Value = client
    ///     .request(reqwest::Method::GET, "/api/v1/Reports/Courses")
    ///     .query("take", "10")
    ///     .send()
    ///     .await?;
    /// # let _ = reports; Ok(()) }
    /// ```
    pub fn request<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: impl Into<String>,
    ) -> CustomRequest<'_, T> {
        CustomRequest {
            client: self,
            method,
            path: path.into(),
            query: Vec::new(),
            body: Ok(None),
            answer: PhantomData,
        }
    }
}

// `impl Client { pub fn profile_get(&self) -> ...::builder::ProfileGet<'_> ... }`: one method per
// operation, written by `openapi/pipeline/client_methods.rs` (configured in `specs.rs`).
include!(concat!(
    env!("OUT_DIR"),
    "/community_training_client_methods.rs"
));

/// The App Center builder makes the connection (timeouts, proxies, certificates, no reqwest
/// redirects, no `Referer`); it needs a token, which this client never sends: every request goes
/// through [`State::execute`], which sets only this client's credentials.
const PLACEHOLDER_TOKEN: &str = "unused-by-community-training";

/// Builds a [`Client`]: the same connection settings as [`appcenter::ClientBuilder`](crate::ClientBuilder).
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    site_url: String,
    credentials: Credentials,
    http: crate::ClientBuilder,
}

impl ClientBuilder {
    /// Time allowed to establish a connection. Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.http = self.http.connect_timeout(timeout);
        self
    }

    /// Time allowed for one attempt of a request, answer included. Default 60 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http = self.http.timeout(timeout);
        self
    }

    /// Time allowed for a whole call, retries and waits included. Default 300 s.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.http = self.http.total_timeout(timeout);
        self
    }

    /// The retry policy (429 and 503 with `Retry-After`, 5xx, dropped connections).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.http = self.http.retry(policy);
        self
    }

    /// The `User-Agent` sent.
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.http = self.http.user_agent(agent);
        self
    }

    /// Send every request (token requests included) through this proxy instead of the
    /// environment's (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`...).
    pub fn proxy(mut self, proxy: reqwest::Proxy) -> Self {
        self.http = self.http.proxy(proxy);
        self
    }

    /// Connect directly, ignoring the proxy environment variables.
    pub fn no_proxy(mut self) -> Self {
        self.http = self.http.no_proxy();
        self
    }

    /// Also trust the certificate authorities in `pem`.
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    pub fn add_root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.http = self.http.add_root_certificates_pem(pem);
        self
    }

    /// Builds the client; fails on a refused site or authority URL or empty credentials.
    pub fn build(self) -> Result<Client, Error> {
        let site = self.site_url.trim().trim_end_matches('/').to_string();
        let connection = self.http.base_url(site.clone()).build()?;
        let settings = connection.state();
        let base = Url::parse(&site).map_err(|e| Error::Config(format!("site URL: {e}")))?;
        let state = State {
            http: connection.http().clone(),
            origin: settings.origin.clone(),
            retry: settings.retry.clone(),
            timeouts: settings.timeouts,
            auth: Auth::new(self.credentials)?,
            base,
        };
        let http = state.http.clone();
        Ok(Client {
            api: generated::Client::new_with_client(&site, http, Arc::new(state)),
        })
    }
}

/// Decodes an answer exactly as the generated operations do (an empty success body as `null`).
async fn decode<T: serde::de::DeserializeOwned>(
    response: Response,
) -> Result<T, progenitor_client::Error<AppCenterErrorBody>> {
    let status = response.status();
    if status.is_success() {
        let headers = response.headers().clone();
        let mut body = response
            .bytes()
            .await
            .map_err(progenitor_client::Error::ResponseBodyError)?;
        if body.iter().all(u8::is_ascii_whitespace) {
            body = bytes::Bytes::from_static(b"null");
        }
        let mut rebuilt = http::Response::new(body);
        *rebuilt.status_mut() = status;
        *rebuilt.headers_mut() = headers;
        let value =
            ResponseValue::<T>::from_response::<AppCenterErrorBody>(Response::from(rebuilt))
                .await?;
        Ok(value.into_inner())
    } else if super::send::is_error(status) {
        let body =
            ResponseValue::<AppCenterErrorBody>::from_response::<AppCenterErrorBody>(response)
                .await?;
        Err(progenitor_client::Error::ErrorResponse(body))
    } else {
        Err(progenitor_client::Error::UnexpectedResponse(response))
    }
}

/// A generated-code error as [`Error`], the way the generated operations convert theirs (the
/// one place to change when that conversion changes).
async fn generated_error(e: progenitor_client::Error<AppCenterErrorBody>) -> Error {
    crate::error::from_generated(None, e).await
}

/// A call built by [`Client::request`]; `.send().await` runs it.
#[must_use]
pub struct CustomRequest<'a, T> {
    client: &'a Client,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Result<Option<Vec<u8>>, String>,
    answer: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for CustomRequest<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl<T: serde::de::DeserializeOwned> CustomRequest<'_, T> {
    /// Adds a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    /// Sends `body` as JSON.
    pub fn json(mut self, body: &impl serde::Serialize) -> Self {
        self.body = serde_json::to_vec(body)
            .map(Some)
            .map_err(|e| format!("the body does not serialise as JSON: {e}"));
        self
    }

    /// Sends the call and decodes the answer.
    pub async fn send(self) -> Result<T, Error> {
        let state = progenitor_client::ClientInfo::inner(&self.client.api);
        let url = self.url(state)?;
        let mut request = Request::new(self.method, url);
        request
            .headers_mut()
            .insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(body) = self.body.map_err(Error::InvalidRequest)? {
            request
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            *request.body_mut() = Some(body.into());
        }
        empty_write_body(&mut request);
        let response = state.execute(request).await?;
        match decode::<T>(response).await {
            Ok(value) => Ok(value),
            Err(e) => Err(generated_error(e).await),
        }
    }

    /// The site URL joined with the path; refused unless it stays on the instance's origin.
    fn url(&self, state: &State) -> Result<Url, Error> {
        let path = self.path.trim();
        if !path.starts_with('/') || path.starts_with("//") || path.contains('\\') {
            return Err(Error::InvalidRequest(format!(
                "{path:?} is not a path on the instance: give one starting with a single `/`"
            )));
        }
        let mut url = Url::parse(&format!(
            "{}{path}",
            state.base.as_str().trim_end_matches('/')
        ))
        .map_err(|e| Error::InvalidRequest(format!("{path:?}: {e}")))?;
        if url.origin() != state.origin {
            return Err(Error::InvalidRequest(format!(
                "{path:?} leaves the instance's origin"
            )));
        }
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        Ok(url)
    }
}
