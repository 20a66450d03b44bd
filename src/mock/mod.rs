//! An offline App Center for tests (feature `mock`): a [wiremock](https://docs.rs/wiremock)
//! server on loopback that answers like the service and checks the `X-API-Token` header.
//!
//! Every operation has a typed helper, `on_<operation>(path parameters...)`, named after the
//! [`Client`] method it answers; [`On::respond`] takes that operation's own success type, and
//! [`On::fail`] answers with App Center's error shape. The returned [`Mocked`] records what the
//! route received.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> appcenter::Result<()> {
//! use appcenter::mock::MockAppCenter;
//! use appcenter::types;
//!
//! let mock = MockAppCenter::start().await;
//! let orgs = mock.on_organizations_list().respond(vec![types::OrganizationsListResponseItem {
//!     display_name: Some("Acme".into()),
//!     name: "acme".into(),
//!     origin: Some("appcenter".into()),
//! }]);
//! mock.on_releases_list("acme", "rocket").fail(404, "NotFound", "no such app");
//!
//! let client = mock.client();
//! let names: Vec<String> = client.organizations_list().send().await?.into_inner()
//!     .into_iter().map(|org| org.name).collect();
//! assert_eq!(names, ["acme"]);
//! let err = client.app("acme/rocket")?.releases_list().send().await.unwrap_err();
//! assert_eq!(err.api().unwrap().kind(), appcenter::ApiErrorKind::NotFound);
//! assert_eq!(orgs.calls(), 1);
//! # Ok(()) }
//! ```
//!
//! Out of the box it serves `GET /v0.1/user` ([`MockAppCenter::user`]; `on_users_get` replaces
//! it) and the whole release-upload flow (`Client::upload_release`, feature `distribute`): the
//! API endpoints, and the upload domain on a server of its own (another origin, as on the real
//! service, refusing `X-API-Token` as it has no business there), with the failures of
//! [`MockBuilder`] injected, recording what it received ([`MockAppCenter::received_file`],
//! [`MockAppCenter::upload_domain_requests`]...). With feature `crash`, [`MockSymbols`] adds the
//! symbol-upload flow and an Azure-like blob host. A request no helper answered gets
//! `501 Not Implemented` with the code `NotServedByMock` and a message naming the operation and
//! its helper, never an auth error. Requests without [`MockAppCenter::TOKEN`] get `401` on served
//! routes, as from the service. Anything else can be mounted with wiremock on
//! [`MockAppCenter::server`] (a typed answer for the same request takes precedence).

mod helpers;
mod on;
mod routes;
#[cfg(feature = "crash")]
mod symbols;
mod upload;

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{Client, ClientBuilder};
pub use on::{Download, Mocked, On};
use routes::{BodyKind, NotServed, Route, RouteSpec, Routes};
#[cfg(feature = "crash")]
pub use symbols::{BlobFailure, MockSymbols, MockSymbolsBuilder, SAS_SIGNATURE, SymbolOutcome};
pub use upload::{
    ChunkFailure, Keep, Outcome, PollFailure, Received, UPLOAD_TOKEN, digest, encoded_upload_token,
};
use upload::{Config, Flow, FlowPaths, Shared, State, lock};

/// A running mock App Center. Stops when dropped.
pub struct MockAppCenter {
    server: MockServer,
    upload_domain: MockServer,
    state: Shared,
    routes: Routes,
}

impl std::fmt::Debug for MockAppCenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockAppCenter")
            .field("uri", &self.server.uri())
            .field("upload_domain", &self.upload_domain.uri())
            .finish()
    }
}

/// Configures a [`MockAppCenter`]'s release-upload flow before starting it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use appcenter::mock::{ChunkFailure, MockAppCenter};
/// let mock = MockAppCenter::builder()
///     .chunk_size(1024)
///     .fail_chunk(2, 1, ChunkFailure::ServerError)
///     .processing_polls(3)
///     .start()
///     .await;
/// # let _ = mock; }
/// ```
#[derive(Debug, Default)]
#[must_use]
pub struct MockBuilder {
    config: Config,
}

impl MockBuilder {
    /// The chunk size the upload domain asks for. Default 4 MiB, as the service.
    pub fn chunk_size(mut self, bytes: u64) -> Self {
        self.config.chunk_size = bytes.max(1);
        self
    }

    /// What is kept of received chunks. Default [`Keep::Bytes`]; [`Keep::Digest`] also turns
    /// off wiremock's own request recording, so big uploads do not stay in memory.
    pub fn keep(mut self, keep: Keep) -> Self {
        self.config.keep = keep;
        self
    }

    /// Block `block` (1-based) fails `times` times, as `how`, before it is accepted.
    pub fn fail_chunk(mut self, block: u64, times: u32, how: ChunkFailure) -> Self {
        self.config.chunk_failures.insert(block, (times, how));
        self
    }

    /// On the first `finished`, the service has lost these blocks and lists them as
    /// `missing_chunks`.
    pub fn missing_on_finish(mut self, blocks: impl IntoIterator<Item = u64>) -> Self {
        self.config.missing_on_finish = blocks.into_iter().collect();
        self
    }

    /// `set_metadata` answers `resume_restart: true` with only these blocks to send (the others
    /// count as received in an earlier attempt).
    pub fn resume_restart(mut self, blocks: impl IntoIterator<Item = u64>) -> Self {
        self.config.resume = Some(blocks.into_iter().collect());
        self
    }

    /// Polls answered `uploadFinished` before processing ends. Default 1.
    pub fn processing_polls(mut self, polls: u32) -> Self {
        self.config.processing_polls = polls;
        self
    }

    /// The first `times` polls fail as `how`.
    pub fn fail_polls(self, times: u32, how: PollFailure) -> Self {
        self.fail_poll_numbers(1..=times, how)
    }

    /// The polls with these numbers (1-based, every status request counted) fail as `how`.
    pub fn fail_poll_numbers(
        mut self,
        polls: impl IntoIterator<Item = u32>,
        how: PollFailure,
    ) -> Self {
        self.config.poll_failures = (polls.into_iter().collect(), how);
        self
    }

    /// How processing ends. Default [`Outcome::Ready`].
    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.config.outcome = outcome;
        self
    }

    /// The release id processing gives. Default 42.
    pub fn release_id(mut self, id: i64) -> Self {
        self.config.release_id = id;
        self
    }

    /// Send `release_distinct_id` as a string (`"42"`), as the service sometimes does.
    pub fn release_id_as_string(mut self, yes: bool) -> Self {
        self.config.release_id_as_string = yes;
        self
    }

    /// The group or store with this name does not exist (404), or the tester with this email
    /// cannot be added (400).
    pub fn fail_destination(mut self, name: impl Into<String>) -> Self {
        self.config.failing_destinations.insert(name.into());
        self
    }

    /// Each accepted chunk is answered after this delay (to catch an upload mid-way). Default 0.
    pub fn chunk_delay(mut self, delay: std::time::Duration) -> Self {
        self.config.chunk_delay = delay;
        self
    }

    /// Starts the mock on a free loopback port, and its upload domain on another.
    pub async fn start(self) -> MockAppCenter {
        let server = match self.config.keep {
            Keep::Bytes => MockServer::start().await,
            Keep::Digest => {
                MockServer::builder()
                    .disable_request_recording()
                    .start()
                    .await
            }
        };
        let keep = self.config.keep;
        let state: Shared = Arc::new(Mutex::new(State::new(self.config)));
        let upload_domain = upload::serve_upload_domain(&state, keep).await;
        // The typed answers (`on_<operation>`) come first; `GET /v0.1/user` is one of them, so
        // `on_users_get` replaces it.
        let routes = Routes::default();
        routes.add(Route {
            spec: RouteSpec {
                operation: "users_get",
                method: "GET",
                template: "/v0.1/user",
                status: 200,
                body: BodyKind::Json,
            },
            segments: vec!["v0.1".into(), "user".into()],
            query: Vec::new(),
            answer: ResponseTemplate::new(200).set_body_json(MockAppCenter::user()),
            received: Default::default(),
        });
        Mock::given(routes.clone())
            .respond_with(routes.clone())
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(FlowPaths {
            upload_domain: false,
        })
        .respond_with(Flow {
            state: Arc::clone(&state),
        })
        .mount(&server)
        .await;
        // Lowest priority: what nothing serves is said to be so (501), not refused as
        // unauthorized.
        Mock::given(wiremock::matchers::any())
            .respond_with(NotServed)
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        MockAppCenter {
            server,
            upload_domain,
            state,
            routes,
        }
    }
}

impl MockAppCenter {
    /// The API token the mock accepts; any other token gets 401.
    pub const TOKEN: &'static str = "mock-appcenter-token";

    /// Starts a mock on a free loopback port, with the default configuration.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// A builder, to configure the release-upload flow (chunk size, injected failures...).
    pub fn builder() -> MockBuilder {
        MockBuilder::default()
    }

    /// The mock's base URL (`http://127.0.0.1:PORT`).
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// A [`Client`] pointed at the mock, with the accepted token.
    pub fn client(&self) -> Client {
        self.client_builder()
            .build()
            .expect("the mock's URL is a valid loopback URL")
    }

    /// A [`ClientBuilder`] pointed at the mock, with the accepted token, to set timeouts or a
    /// retry policy before building.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder(Self::TOKEN).base_url(self.uri())
    }

    /// The wiremock server, to mount more answers or inspect what was received.
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// The upload domain's base URL (another loopback port than [`uri`](Self::uri)).
    pub fn upload_domain_uri(&self) -> String {
        self.upload_domain.uri()
    }

    /// The upload domain's wiremock server.
    pub fn upload_domain_server(&self) -> &MockServer {
        &self.upload_domain
    }

    /// From now on, the create answer names `url` as the upload domain (a relay or proxy in
    /// front of [`upload_domain_uri`](Self::upload_domain_uri), say).
    pub fn advertise_upload_domain(&self, url: impl Into<String>) {
        lock(&self.state).upload_domain = url.into();
    }

    /// The user profile the mock serves at `GET /v0.1/user`.
    pub fn user() -> Value {
        json!({
            "id": "6a1c3e6e-3a63-4b8e-9b0e-5a2b41f1d0c4",
            "avatar_url": "https://www.gravatar.com/avatar/00000000000000000000000000000000",
            "can_change_password": true,
            "display_name": "Ada Lovelace",
            "email": "ada@example.com",
            "name": "ada-lovelace",
            "origin": "appcenter",
            "permissions": ["manager"]
        })
    }

    /// The id the mock gives the group or store named `name` (stable for a name).
    pub fn destination_id(name: &str) -> uuid::Uuid {
        let high = digest(name.as_bytes()) as u128;
        let low = digest(format!("{name}#").as_bytes()) as u128;
        uuid::Uuid::from_u128(high << 64 | low)
    }

    /// The uploaded file reassembled from the chunks received, when every block came in the
    /// last upload and [`Keep::Bytes`] is on.
    pub fn received_file(&self) -> Option<Vec<u8>> {
        lock(&self.state).received_file()
    }

    /// Block number → bytes of each chunk received in the last upload ([`Keep::Bytes`]).
    pub fn received_blocks(&self) -> std::collections::BTreeMap<u64, Vec<u8>> {
        lock(&self.state).received_blocks()
    }

    /// Block number → (length, [`digest`]) of each chunk received in the last upload.
    pub fn received_digests(&self) -> std::collections::BTreeMap<u64, (u64, u64)> {
        lock(&self.state).received_digests()
    }

    /// Block numbers of every `upload_chunk` request, failed ones included, in arrival order.
    pub fn chunk_requests(&self) -> Vec<u64> {
        lock(&self.state).chunk_requests.clone()
    }

    /// The id of the last upload created.
    pub fn upload_id(&self) -> Option<uuid::Uuid> {
        lock(&self.state).upload_id
    }

    /// How many times `finished` was called.
    pub fn finish_calls(&self) -> u32 {
        lock(&self.state).finish_calls
    }

    /// `file_name`, `file_size` and `content_type` as announced to `set_metadata`.
    pub fn announced_file(&self) -> Option<(String, u64, Option<String>)> {
        let state = lock(&self.state);
        Some((
            state.file_name.clone()?,
            state.file_size?,
            state.content_type.clone(),
        ))
    }

    /// The body of the last `POST .../uploads/releases`.
    pub fn create_request(&self) -> Option<Value> {
        lock(&self.state).create_body.clone()
    }

    /// The `upload_status` values PATCHed, in order (`uploadFinished`, `uploadCanceled`).
    pub fn statuses_set(&self) -> Vec<String> {
        lock(&self.state).statuses_set.clone()
    }

    /// The release notes set on the release, if any.
    pub fn release_notes(&self) -> Option<String> {
        lock(&self.state).release_notes.clone()
    }

    /// The destinations added to the release: (`group`/`store`/`tester`, request body).
    pub fn distributed(&self) -> Vec<(String, Value)> {
        lock(&self.state).distributed.clone()
    }

    /// Every request to the upload domain (`/upload/...`), without bodies.
    pub fn upload_domain_requests(&self) -> Vec<Received> {
        lock(&self.state).upload_domain_requests.clone()
    }

    /// Every request of the upload flow to the API (`/v0.1/...`), with JSON bodies.
    pub fn api_requests(&self) -> Vec<Received> {
        lock(&self.state).api_requests.clone()
    }
}
