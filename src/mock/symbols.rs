//! The symbol-upload flow of the mock (`Client::upload_symbols`, feature `crash`): the API calls
//! (`symbol_uploads` create, commit/abort, status) on the mock App Center, and a blob endpoint
//! that behaves like Azure Blob Storage on a separate origin (its own port), as the service's
//! SAS URLs point to another host.
//!
//! The blob endpoint accepts a single `PUT` (`x-ms-blob-type: BlockBlob`) up to a size the test
//! sets and answers 413 `RequestBodyTooLarge` above it, takes blocks (`comp=block`, ids of
//! equal length) and block lists (`comp=blocklist`), answers errors in Azure's XML, refuses any
//! request carrying `X-API-Token` or a wrong signature, and records what it received.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use appcenter::mock::{MockAppCenter, MockSymbols};
//! let mock = MockAppCenter::start().await;
//! let symbols = MockSymbols::builder().single_put_limit(1024).mount(&mock).await;
//! assert_ne!(symbols.blob_uri(), mock.uri(), "another origin");
//! # }
//! ```

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine as _;
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Value, json};
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

use super::{Keep, MockAppCenter, Received, digest};

/// The SAS signature the mock's upload URLs carry (`sig=`, percent-encoded there). Tests search
/// every error, `Debug` and progress output for it.
pub const SAS_SIGNATURE: &str = "mockSasSignature+/mock=";

/// Largest block Azure accepts (4000 MiB).
const MAX_BLOCK: usize = 4000 * 1024 * 1024;

/// How an injected blob failure answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlobFailure {
    /// `500` with Azure's `InternalError` XML.
    InternalError,
    /// `503` with Azure's `ServerBusy` XML.
    ServerBusy,
    /// `403` with Azure's `AuthenticationFailed` XML (not retried: the SAS is wrong or expired).
    AuthenticationFailed,
    /// `400` with an XML error whose message echoes the request's URL, signature included (as
    /// a careless proxy might): the client must not show it.
    EchoUrl,
}

/// How processing ends, after the configured number of polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SymbolOutcome {
    /// `indexed`, with one symbol found.
    Indexed,
    /// `failed`.
    Failed,
}

#[derive(Clone, Debug)]
struct Config {
    single_put_limit: u64,
    keep: Keep,
    put_failures: (u32, BlobFailure),
    block_failures: (u32, BlobFailure),
    block_list_failures: (u32, BlobFailure),
    processing_polls: u32,
    outcome: SymbolOutcome,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            single_put_limit: 256 * 1024 * 1024,
            keep: Keep::Bytes,
            put_failures: (0, BlobFailure::InternalError),
            block_failures: (0, BlobFailure::InternalError),
            block_list_failures: (0, BlobFailure::InternalError),
            processing_polls: 1,
            outcome: SymbolOutcome::Indexed,
        }
    }
}

/// Configures a [`MockSymbols`] before mounting it on a [`MockAppCenter`].
#[derive(Debug, Default)]
#[must_use]
pub struct MockSymbolsBuilder {
    config: Config,
}

impl MockSymbolsBuilder {
    /// Largest single `PUT` the blob endpoint accepts; above it answers 413
    /// `RequestBodyTooLarge`. Default 256 MiB, as Azure.
    pub fn single_put_limit(mut self, bytes: u64) -> Self {
        self.config.single_put_limit = bytes;
        self
    }

    /// What is kept of received bytes. Default [`Keep::Bytes`]; [`Keep::Digest`] also turns off
    /// wiremock's recording on the blob endpoint, so big uploads do not stay in memory.
    pub fn keep(mut self, keep: Keep) -> Self {
        self.config.keep = keep;
        self
    }

    /// The first `times` single `PUT`s fail as `how`.
    pub fn fail_put(mut self, times: u32, how: BlobFailure) -> Self {
        self.config.put_failures = (times, how);
        self
    }

    /// The first `times` block `PUT`s fail as `how`.
    pub fn fail_blocks(mut self, times: u32, how: BlobFailure) -> Self {
        self.config.block_failures = (times, how);
        self
    }

    /// The first `times` block-list `PUT`s fail as `how`.
    pub fn fail_block_list(mut self, times: u32, how: BlobFailure) -> Self {
        self.config.block_list_failures = (times, how);
        self
    }

    /// Polls answered `committed` (with `file_size: 0` and no symbols, as the service right
    /// after a commit) before processing ends. Default 1.
    pub fn processing_polls(mut self, polls: u32) -> Self {
        self.config.processing_polls = polls;
        self
    }

    /// How processing ends. Default [`SymbolOutcome::Indexed`].
    pub fn outcome(mut self, outcome: SymbolOutcome) -> Self {
        self.config.outcome = outcome;
        self
    }

    /// Starts the blob endpoint and mounts the symbol API on `mock`.
    pub async fn mount(self, mock: &MockAppCenter) -> MockSymbols {
        let blob = match self.config.keep {
            Keep::Bytes => MockServer::start().await,
            Keep::Digest => {
                MockServer::builder()
                    .disable_request_recording()
                    .start()
                    .await
            }
        };
        let state = Arc::new(Mutex::new(State {
            config: self.config,
            ..State::default()
        }));
        Mock::given(ApiPaths)
            .respond_with(Api {
                state: Arc::clone(&state),
                blob_uri: blob.uri(),
            })
            .mount(mock.server())
            .await;
        Mock::given(wiremock::matchers::any())
            .respond_with(Blob {
                state: Arc::clone(&state),
            })
            .mount(&blob)
            .await;
        MockSymbols { blob, state }
    }
}

/// What is kept of a part of the blob.
#[derive(Clone, Debug)]
enum Part {
    Bytes(Vec<u8>),
    Digest { len: u64, digest: u64 },
}

impl Part {
    fn new(keep: Keep, data: &[u8]) -> Self {
        match keep {
            Keep::Bytes => Part::Bytes(data.to_vec()),
            Keep::Digest => Part::Digest {
                len: data.len() as u64,
                digest: digest(data),
            },
        }
    }

    fn summary(&self) -> (u64, u64) {
        match self {
            Part::Bytes(bytes) => (bytes.len() as u64, digest(bytes)),
            Part::Digest { len, digest } => (*len, *digest),
        }
    }
}

#[derive(Debug, Default)]
struct State {
    config: Config,
    uploads: u64,
    upload_id: Option<String>,
    blob_path: Option<String>,
    create_body: Option<Value>,
    statuses_set: Vec<String>,
    status: String,
    polls: u32,
    /// Uncommitted blocks by id.
    blocks: BTreeMap<String, Part>,
    block_id_len: Option<usize>,
    /// The blob as written (one part for a single `PUT`).
    committed: Option<Vec<Part>>,
    blob_requests: Vec<Received>,
    api_requests: Vec<Received>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// The mock's symbol-upload flow, mounted with [`MockSymbols::builder`].
pub struct MockSymbols {
    blob: MockServer,
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for MockSymbols {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockSymbols")
            .field("blob_uri", &self.blob.uri())
            .finish()
    }
}

impl MockSymbols {
    /// A builder, to set the single-`PUT` limit, failures and the processing outcome.
    pub fn builder() -> MockSymbolsBuilder {
        MockSymbolsBuilder::default()
    }

    /// Mounts the default flow on `mock`.
    pub async fn mount(mock: &MockAppCenter) -> Self {
        Self::builder().mount(mock).await
    }

    /// The blob endpoint's base URL (another port than the mock App Center's: another origin).
    pub fn blob_uri(&self) -> String {
        self.blob.uri()
    }

    /// The id of the last symbol upload created.
    pub fn symbol_upload_id(&self) -> Option<String> {
        lock(&self.state).upload_id.clone()
    }

    /// The body of the last `POST .../symbol_uploads`.
    pub fn create_request(&self) -> Option<Value> {
        lock(&self.state).create_body.clone()
    }

    /// The `status` values PATCHed, in order (`committed`, `aborted`).
    pub fn statuses_set(&self) -> Vec<String> {
        lock(&self.state).statuses_set.clone()
    }

    /// The blob as written (by a single `PUT` or a block list), with [`Keep::Bytes`].
    pub fn blob(&self) -> Option<Vec<u8>> {
        let state = lock(&self.state);
        let mut blob = Vec::new();
        for part in state.committed.as_ref()? {
            match part {
                Part::Bytes(bytes) => blob.extend_from_slice(bytes),
                Part::Digest { .. } => return None,
            }
        }
        Some(blob)
    }

    /// (length, [`digest`]) of each part of the blob as written, in order: one part for a
    /// single `PUT`, one per block for a block list.
    pub fn blob_parts(&self) -> Option<Vec<(u64, u64)>> {
        let state = lock(&self.state);
        Some(
            state
                .committed
                .as_ref()?
                .iter()
                .map(Part::summary)
                .collect(),
        )
    }

    /// Every request to the blob endpoint, without bodies, in arrival order.
    pub fn blob_requests(&self) -> Vec<Received> {
        lock(&self.state).blob_requests.clone()
    }

    /// Every request of the symbol flow to the API (`/v0.1/.../symbol_uploads...`), with JSON
    /// bodies.
    pub fn api_requests(&self) -> Vec<Received> {
        lock(&self.state).api_requests.clone()
    }
}

/// An Azure-style XML error.
fn azure_error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let xml = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{escaped}\n\
         RequestId:00000000-0000-0000-0000-000000000000\nTime:2026-01-01T00:00:00.0000000Z</Message></Error>"
    );
    ResponseTemplate::new(status)
        .insert_header("x-ms-error-code", code)
        .set_body_raw(xml, "application/xml")
}

fn injected(how: BlobFailure, request: &Request) -> ResponseTemplate {
    match how {
        BlobFailure::InternalError => azure_error(
            500,
            "InternalError",
            "The server encountered an internal error. Please retry the request.",
        ),
        BlobFailure::ServerBusy => azure_error(
            503,
            "ServerBusy",
            "The server is currently unable to receive requests. Please retry your request.",
        ),
        BlobFailure::AuthenticationFailed => azure_error(
            403,
            "AuthenticationFailed",
            "Server failed to authenticate the request. Make sure the value of Authorization \
             header is formed correctly including the signature.",
        ),
        BlobFailure::EchoUrl => azure_error(
            400,
            "InvalidUri",
            &format!(
                "The requested URI does not represent any resource on the server: {} (sig={SAS_SIGNATURE})",
                request.url
            ),
        ),
    }
}

/// Takes one injected failure from `slot`, if any are left.
fn take(slot: &mut (u32, BlobFailure)) -> Option<BlobFailure> {
    (slot.0 > 0).then(|| {
        slot.0 -= 1;
        slot.1
    })
}

/// Matches the symbol API's paths.
struct ApiPaths;

impl Match for ApiPaths {
    fn matches(&self, request: &Request) -> bool {
        api_route(request).is_some()
    }
}

enum ApiRoute {
    Create,
    Upload(String),
}

fn api_route(request: &Request) -> Option<ApiRoute> {
    let segments: Vec<String> = request
        .url
        .path_segments()?
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (request.method.as_str(), s.as_slice()) {
        ("POST", ["v0.1", "apps", _, _, "symbol_uploads"]) => Some(ApiRoute::Create),
        ("PATCH" | "GET", ["v0.1", "apps", _, _, "symbol_uploads", id]) => {
            Some(ApiRoute::Upload(id.to_string()))
        }
        _ => None,
    }
}

fn api_error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "message": message }))
}

struct Api {
    state: Arc<Mutex<State>>,
    blob_uri: String,
}

impl Respond for Api {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let Some(route) = api_route(request) else {
            return ResponseTemplate::new(404);
        };
        let mut state = lock(&self.state);
        let body: Option<Value> = serde_json::from_slice(&request.body).ok();
        state.api_requests.push(Received {
            method: request.method.to_string(),
            path: request.url.path().to_string(),
            query: request.url.query().map(str::to_string),
            headers: request.headers.clone(),
            json: body.clone(),
        });
        let token_ok = request
            .headers
            .get("x-api-token")
            .is_some_and(|t| t == MockAppCenter::TOKEN);
        if !token_ok {
            return ResponseTemplate::new(401).set_body_json(json!({
                "error": { "code": "Unauthorized", "message": "missing or invalid X-API-Token" }
            }));
        }
        let body = body.unwrap_or_default();
        match route {
            ApiRoute::Create => self.create(&mut state, body),
            ApiRoute::Upload(id) if state.upload_id.as_deref() != Some(id.as_str()) => {
                api_error(404, &format!("symbol upload {id} not found"))
            }
            ApiRoute::Upload(_) if request.method.as_str() == "PATCH" => {
                let status = body["status"].as_str().unwrap_or_default().to_string();
                if !matches!(status.as_str(), "committed" | "aborted") {
                    return api_error(400, "status must be committed or aborted");
                }
                if state.status != "created" {
                    return api_error(400, &format!("the upload is already {}", state.status));
                }
                state.statuses_set.push(status.clone());
                state.status = status;
                ResponseTemplate::new(200).set_body_json(entity(&state, false))
            }
            ApiRoute::Upload(_) => {
                if state.status == "committed" {
                    if state.polls >= state.config.processing_polls {
                        state.status = match state.config.outcome {
                            SymbolOutcome::Indexed => "indexed",
                            SymbolOutcome::Failed => "failed",
                        }
                        .into();
                    }
                    state.polls += 1;
                }
                let done = state.status == "indexed";
                ResponseTemplate::new(200).set_body_json(entity(&state, done))
            }
        }
    }
}

impl Api {
    fn create(&self, state: &mut State, body: Value) -> ResponseTemplate {
        let symbol_type = body["symbol_type"].as_str().unwrap_or_default();
        if !matches!(
            symbol_type,
            "Apple" | "JavaScript" | "Breakpad" | "AndroidProguard" | "UWP"
        ) {
            return api_error(400, "symbol_type is missing or unknown");
        }
        let has = |key: &str| body[key].as_str().is_some_and(|v| !v.is_empty());
        if symbol_type == "AndroidProguard" && !(has("version") && has("build")) {
            return api_error(400, "version and build are required for AndroidProguard");
        }
        state.uploads += 1;
        let id = uuid::Uuid::from_u128(
            0x0056_8752_5146_1730_912b_6479_3ca0_0000 + state.uploads as u128,
        )
        .to_string();
        let path = format!("/hwprodapp-mock/upload-{id}");
        let expires = chrono::Utc::now() + chrono::Duration::hours(24);
        let sig = utf8_percent_encode(SAS_SIGNATURE, NON_ALPHANUMERIC);
        let upload_url = format!(
            "{}{path}?sv=2019-02-02&sr=b&se={}&sp=rw&sig={sig}",
            self.blob_uri,
            expires.format("%Y-%m-%dT%H%%3A%M%%3A%SZ"),
        );
        state.upload_id = Some(id.clone());
        state.blob_path = Some(path);
        state.create_body = Some(body);
        state.statuses_set.clear();
        state.status = "created".into();
        state.polls = 0;
        state.blocks.clear();
        state.block_id_len = None;
        state.committed = None;
        ResponseTemplate::new(200).set_body_json(json!({
            "symbol_upload_id": id,
            "upload_url": upload_url,
            "expiration_date": expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }))
    }
}

/// The upload entity, as the service answers it: right after the commit `file_size` is 0 and
/// `symbols_uploaded` empty; once `indexed`, the size in MiB and the symbols found.
fn entity(state: &State, processed: bool) -> Value {
    let bytes: u64 = state
        .committed
        .iter()
        .flatten()
        .map(|p| p.summary().0)
        .sum();
    let body = state.create_body.clone().unwrap_or_default();
    let platform = match body["symbol_type"].as_str() {
        Some("Apple") => "iOS",
        Some("AndroidProguard" | "Breakpad") => "Android",
        Some("UWP") => "UWP",
        _ => "React-Native",
    };
    let symbols = if processed {
        json!([{ "symbol_id": "5a0f5ab6-9d1c-3a8f-b4b4-0c6d0a1b2c3d", "platform": platform }])
    } else {
        json!([])
    };
    json!({
        "symbol_upload_id": state.upload_id,
        "app_id": "00000000-0000-0000-0000-0000000000a1",
        "user": { "email": "ada@example.com", "display_name": "Ada Lovelace" },
        "status": state.status,
        "symbol_type": body["symbol_type"],
        "symbols_uploaded": symbols,
        "origin": "User",
        "file_name": body["file_name"],
        "file_size": if processed { bytes as f64 / (1024.0 * 1024.0) } else { 0.0 },
        "timestamp": "2026-01-01T00:00:00.000Z",
    })
}

/// The Azure-like blob endpoint.
struct Blob {
    state: Arc<Mutex<State>>,
}

impl Respond for Blob {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = lock(&self.state);
        state.blob_requests.push(Received {
            method: request.method.to_string(),
            path: request.url.path().to_string(),
            query: request.url.query().map(str::to_string),
            headers: request.headers.clone(),
            json: None,
        });
        if request.headers.contains_key("x-api-token") {
            return azure_error(
                403,
                "AuthenticationFailed",
                "An App Center API token was sent to the blob storage.",
            );
        }
        let query: Vec<(String, String)> = request
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let param = |key: &str| {
            query
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
        };
        if param("sig") != [SAS_SIGNATURE] {
            return injected(BlobFailure::AuthenticationFailed, request);
        }
        if state.blob_path.as_deref() != Some(request.url.path()) {
            return azure_error(404, "BlobNotFound", "The specified blob does not exist.");
        }
        if request.method.as_str() != "PUT" {
            return azure_error(
                405,
                "UnsupportedHttpVerb",
                "The resource doesn't support the specified HTTP verb.",
            );
        }
        let length = request
            .headers
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        match length {
            None => {
                return azure_error(
                    411,
                    "MissingContentLengthHeader",
                    "Content-Length HTTP header is missing.",
                );
            }
            Some(n) if n != request.body.len() => {
                return azure_error(
                    400,
                    "InvalidHeaderValue",
                    "The value for Content-Length does not match the body.",
                );
            }
            Some(_) => {}
        }
        if state.status != "created" {
            return azure_error(
                403,
                "AuthorizationFailure",
                "This request is not authorized: the upload is no longer open.",
            );
        }
        match param("comp").as_slice() {
            [] => put_blob(&mut state, request),
            ["block"] => put_block(&mut state, request, param("blockid").first().copied()),
            ["blocklist"] => put_block_list(&mut state, request),
            _ => azure_error(
                400,
                "InvalidQueryParameterValue",
                "Value for one of the query parameters specified in the request URI is invalid.",
            ),
        }
    }
}

fn put_blob(state: &mut State, request: &Request) -> ResponseTemplate {
    let blob_type = request
        .headers
        .get("x-ms-blob-type")
        .and_then(|v| v.to_str().ok());
    if blob_type != Some("BlockBlob") {
        return azure_error(
            400,
            "MissingRequiredHeader",
            "An HTTP header that's mandatory for this request is not specified: x-ms-blob-type.",
        );
    }
    if request.body.len() as u64 > state.config.single_put_limit {
        return azure_error(
            413,
            "RequestBodyTooLarge",
            "The request body is too large and exceeds the maximum permissible limit.",
        );
    }
    if let Some(how) = take(&mut state.config.put_failures) {
        return injected(how, request);
    }
    state.committed = Some(vec![Part::new(state.config.keep, &request.body)]);
    ResponseTemplate::new(201)
}

fn put_block(state: &mut State, request: &Request, id: Option<&str>) -> ResponseTemplate {
    let invalid_id = || {
        azure_error(
            400,
            "InvalidQueryParameterValue",
            "Value for one of the query parameters specified in the request URI is invalid: blockid.",
        )
    };
    let Some(id) = id else {
        return invalid_id();
    };
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(id) else {
        return invalid_id();
    };
    if raw.is_empty() || raw.len() > 64 {
        return invalid_id();
    }
    if *state.block_id_len.get_or_insert(raw.len()) != raw.len() {
        return azure_error(
            400,
            "InvalidBlobOrBlock",
            "The specified blob or block content is invalid: block ids of one blob must have the same length.",
        );
    }
    if request.body.len() > MAX_BLOCK {
        return azure_error(
            413,
            "RequestBodyTooLarge",
            "The request body is too large and exceeds the maximum permissible limit.",
        );
    }
    if let Some(how) = take(&mut state.config.block_failures) {
        return injected(how, request);
    }
    let part = Part::new(state.config.keep, &request.body);
    state.blocks.insert(id.to_string(), part);
    ResponseTemplate::new(201)
}

fn put_block_list(state: &mut State, request: &Request) -> ResponseTemplate {
    let xml = String::from_utf8_lossy(&request.body);
    let Some(list) = xml.find("<BlockList>").and_then(|start| {
        xml[start..]
            .find("</BlockList>")
            .map(|end| &xml[start + 11..start + end])
    }) else {
        return azure_error(
            400,
            "InvalidXmlDocument",
            "XML specified is not syntactically valid.",
        );
    };
    let mut ids = Vec::new();
    let mut rest = list;
    while let Some(open) = rest.find('<') {
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open + 1..open + close];
        let after = &rest[open + close + 1..];
        let end_tag = format!("</{tag}>");
        let Some(end) = after.find(&end_tag) else {
            return azure_error(
                400,
                "InvalidXmlDocument",
                "XML specified is not syntactically valid.",
            );
        };
        if !matches!(tag, "Latest" | "Uncommitted") {
            return azure_error(
                400,
                "InvalidBlockList",
                "The specified block list is invalid.",
            );
        }
        ids.push(after[..end].trim().to_string());
        rest = &after[end + end_tag.len()..];
    }
    if let Some(how) = take(&mut state.config.block_list_failures) {
        return injected(how, request);
    }
    let mut parts = Vec::with_capacity(ids.len());
    for id in &ids {
        match state.blocks.get(id) {
            Some(part) => parts.push(part.clone()),
            None => {
                return azure_error(
                    400,
                    "InvalidBlockList",
                    "The specified block list is invalid.",
                );
            }
        }
    }
    if parts.is_empty() {
        return azure_error(
            400,
            "InvalidBlockList",
            "The specified block list is invalid.",
        );
    }
    state.committed = Some(parts);
    state.blocks.clear();
    ResponseTemplate::new(201)
}
