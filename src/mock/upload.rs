//! The release-upload flow of the mock: the API endpoints (create, status, poll, release notes,
//! destinations) and the upload domain (`set_metadata`, `upload_chunk`, `finished`), served by
//! one wiremock responder over shared state so that tests can inject failures and then assert on
//! what the service received. The upload domain has its own server (its own origin), as on the
//! real service, and refuses requests that carry `X-API-Token`.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::Hasher;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Value, json};
use uuid::Uuid;
use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

use super::MockAppCenter;

/// The upload token the mock hands out. Like the service's (a storage SAS), it holds `&`, `=`,
/// `/` and `+`: sent unencoded, or encoded twice, it does not match.
pub const UPLOAD_TOKEN: &str = "sv=2024-01-01&sig=mock/upload+token==";

/// What the mock keeps of the chunks it receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Every byte (default): [`MockAppCenter::received_file`] reassembles the file.
    Bytes,
    /// Only each chunk's length and [`digest`]: for large uploads (benchmarks).
    Digest,
}

/// How an injected chunk failure answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkFailure {
    /// `500 Internal Server Error`.
    ServerError,
    /// `429 Too Many Requests`.
    TooManyRequests,
    /// `200` with `{"error": true}`.
    ErrorFlag,
    /// `429 Too Many Requests` with `Retry-After: <seconds>`.
    RetryAfter(u64),
}

/// How an injected poll failure answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PollFailure {
    /// `503` with a JSON error.
    ServiceUnavailable,
    /// `404` with an HTML page, as a gateway sends.
    HtmlNotFound,
}

/// How processing ends (after the configured number of polls).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `readyToBePublished` with the release id.
    Ready,
    /// `error` with these `error_details`.
    Error(String),
    /// `malwareDetected`.
    MalwareDetected,
}

/// A 64-bit digest of `data` (SipHash with fixed keys): what the mock keeps per chunk in
/// [`Keep::Digest`] mode, so callers can compare with their own file.
pub fn digest(data: &[u8]) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write(data);
    hasher.finish()
}

/// A request the mock received, without its body.
#[derive(Clone, Debug)]
pub struct Received {
    /// `GET`, `POST`...
    pub method: String,
    /// The path as sent (percent-encoded).
    pub path: String,
    /// The query as sent, byte for byte.
    pub query: Option<String>,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The JSON body, for API requests that had one.
    pub json: Option<Value>,
}

/// The configuration of the upload flow.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) chunk_size: u64,
    pub(crate) keep: Keep,
    /// block → (failures left, how)
    pub(crate) chunk_failures: BTreeMap<u64, (u32, ChunkFailure)>,
    pub(crate) missing_on_finish: Vec<u64>,
    pub(crate) resume: Option<Vec<u64>>,
    pub(crate) processing_polls: u32,
    /// Poll numbers (1-based, every status GET counted) that fail, and how.
    pub(crate) poll_failures: (BTreeSet<u32>, PollFailure),
    pub(crate) outcome: Outcome,
    pub(crate) release_id: i64,
    pub(crate) release_id_as_string: bool,
    pub(crate) failing_destinations: BTreeSet<String>,
    pub(crate) chunk_delay: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            chunk_size: 4 * 1024 * 1024,
            keep: Keep::Bytes,
            chunk_failures: BTreeMap::new(),
            missing_on_finish: Vec::new(),
            resume: None,
            processing_polls: 1,
            poll_failures: (BTreeSet::new(), PollFailure::ServiceUnavailable),
            outcome: Outcome::Ready,
            release_id: 42,
            release_id_as_string: false,
            failing_destinations: BTreeSet::new(),
            chunk_delay: Duration::ZERO,
        }
    }
}

/// A received chunk.
#[derive(Clone, Debug)]
enum Chunk {
    Bytes(Vec<u8>),
    Digest {
        len: u64,
        digest: u64,
    },
    /// Held from an earlier, resumed upload (never sent in this one).
    Earlier,
}

/// What the mock has seen and where the flow is.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) config: Config,
    uploads: u64,
    pub(crate) upload_id: Option<Uuid>,
    pub(crate) asset_id: Option<Uuid>,
    pub(crate) create_body: Option<Value>,
    pub(crate) file_name: Option<String>,
    pub(crate) file_size: Option<u64>,
    pub(crate) content_type: Option<String>,
    chunks: BTreeMap<u64, Chunk>,
    pub(crate) chunk_requests: Vec<u64>,
    pub(crate) finish_calls: u32,
    pub(crate) statuses_set: Vec<String>,
    status: String,
    polls: u32,
    poll_requests: u32,
    pub(crate) release_notes: Option<String>,
    pub(crate) distributed: Vec<(String, Value)>,
    pub(crate) upload_domain_requests: Vec<Received>,
    pub(crate) api_requests: Vec<Received>,
    /// The upload domain the create answer names.
    pub(crate) upload_domain: String,
}

impl State {
    pub(crate) fn new(config: Config) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }
}

/// Shared between the responder and [`MockAppCenter`].
pub(crate) type Shared = Arc<Mutex<State>>;

pub(crate) fn lock(state: &Shared) -> MutexGuard<'_, State> {
    // A panicking test thread must not hide the state from the next assertion.
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// Matches the requests of the upload flow to one of its two origins: the API's routes, or
/// the upload domain's (the rest of the mock answers the others).
pub(crate) struct FlowPaths {
    pub(crate) upload_domain: bool,
}

impl Match for FlowPaths {
    fn matches(&self, request: &Request) -> bool {
        route(request).is_some_and(|route| route.on_upload_domain() == self.upload_domain)
    }
}

/// Starts the upload domain: its own server, on another loopback port than the API.
pub(crate) async fn serve_upload_domain(state: &Shared, keep: Keep) -> MockServer {
    let server = match keep {
        Keep::Bytes => MockServer::start().await,
        Keep::Digest => {
            MockServer::builder()
                .disable_request_recording()
                .start()
                .await
        }
    };
    Mock::given(FlowPaths {
        upload_domain: true,
    })
    .respond_with(Flow {
        state: Arc::clone(state),
    })
    .mount(&server)
    .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error": true, "message": "not a route of the upload domain",
        })))
        .with_priority(u8::MAX)
        .mount(&server)
        .await;
    lock(state).upload_domain = server.uri();
    server
}

/// The routes of the flow.
#[derive(Debug)]
enum Route {
    Create,
    UploadStatus,
    Release,
    Group(String),
    Store(String),
    AddDestination(&'static str),
    SetMetadata,
    UploadChunk,
    Finished,
}

impl Route {
    fn on_upload_domain(&self) -> bool {
        matches!(
            self,
            Route::SetMetadata | Route::UploadChunk | Route::Finished
        )
    }
}

fn route(request: &Request) -> Option<Route> {
    let segments: Vec<String> = request
        .url
        .path_segments()?
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = request.method.as_str();
    Some(match (method, s.as_slice()) {
        ("POST", ["v0.1", "apps", _, _, "uploads", "releases"]) => Route::Create,
        ("PATCH" | "GET", ["v0.1", "apps", _, _, "uploads", "releases", _]) => Route::UploadStatus,
        ("PUT", ["v0.1", "apps", _, _, "releases", _]) => Route::Release,
        ("GET", ["v0.1", "apps", _, _, "distribution_groups", name]) => {
            Route::Group(name.to_string())
        }
        ("GET", ["v0.1", "apps", _, _, "distribution_stores", name]) => {
            Route::Store(name.to_string())
        }
        (
            "POST",
            [
                "v0.1",
                "apps",
                _,
                _,
                "releases",
                _,
                kind @ ("groups" | "stores" | "testers"),
            ],
        ) => Route::AddDestination(match *kind {
            "groups" => "group",
            "stores" => "store",
            _ => "tester",
        }),
        ("POST", ["upload", "set_metadata", _]) => Route::SetMetadata,
        ("POST", ["upload", "upload_chunk", _]) => Route::UploadChunk,
        ("POST", ["upload", "finished", _]) => Route::Finished,
        _ => return None,
    })
}

/// The responder of the flow (on both origins).
pub(crate) struct Flow {
    pub(crate) state: Shared,
}

impl Respond for Flow {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let Some(route) = route(request) else {
            return ResponseTemplate::new(404);
        };
        let mut state = lock(&self.state);
        let mut received = Received {
            method: request.method.to_string(),
            path: request.url.path().to_string(),
            query: request.url.query().map(str::to_string),
            headers: request.headers.clone(),
            json: None,
        };
        if route.on_upload_domain() {
            state.upload_domain_requests.push(received);
            // The upload domain is not the API: the API token has no business there.
            if request.headers.contains_key("x-api-token") {
                return ResponseTemplate::new(401).set_body_json(json!({
                    "error": true,
                    "message": "X-API-Token is not accepted by the upload domain",
                }));
            }
            if !upload_token_ok(request) {
                return ResponseTemplate::new(401).set_body_json(json!({
                    "error": true,
                    "message": "the upload token is missing, repeated or not encoded exactly once",
                }));
            }
            return match route {
                Route::SetMetadata => set_metadata(&mut state, request),
                Route::UploadChunk => upload_chunk(&mut state, request),
                _ => finished(&mut state),
            };
        }
        received.json = serde_json::from_slice(&request.body).ok();
        state.api_requests.push(received);
        let token_ok = request
            .headers
            .get("x-api-token")
            .is_some_and(|t| t == MockAppCenter::TOKEN);
        if !token_ok {
            return error(401, "Unauthorized", "missing or invalid X-API-Token");
        }
        match route {
            Route::Create => create(&mut state, request),
            Route::UploadStatus if request.method.as_str() == "PATCH" => {
                patch_status(&mut state, request)
            }
            Route::UploadStatus => poll(&mut state),
            Route::Release => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                state.release_notes = body["release_notes"].as_str().map(str::to_string);
                ResponseTemplate::new(200).set_body_json(json!({
                    "enabled": true,
                    "release_notes": body["release_notes"],
                }))
            }
            Route::Group(name) | Route::Store(name)
                if state.config.failing_destinations.contains(&name) =>
            {
                error(404, "NotFound", &format!("{name} was not found"))
            }
            Route::Group(name) => ResponseTemplate::new(200).set_body_json(json!({
                "id": MockAppCenter::destination_id(&name),
                "name": name,
                "display_name": name,
                "origin": "appcenter",
                "is_public": false,
            })),
            Route::Store(name) => ResponseTemplate::new(200).set_body_json(json!({
                "id": MockAppCenter::destination_id(&name),
                "name": name,
                "type": "googleplay",
                "track": "production",
            })),
            Route::AddDestination(kind) => {
                let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
                let email = body["email"].as_str().unwrap_or_default();
                if kind == "tester" && state.config.failing_destinations.contains(email) {
                    return error(400, "BadRequest", &format!("{email} cannot be added"));
                }
                let mandatory = body["mandatory_update"].as_bool().unwrap_or(false);
                state.distributed.push((kind.to_string(), body.clone()));
                let id = body["id"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| MockAppCenter::destination_id(email).to_string());
                let mut answer = json!({ "id": id, "mandatory_update": mandatory });
                if kind == "tester" {
                    answer["email"] = json!(email);
                    answer["notify_testers"] = body["notify_testers"].clone();
                }
                ResponseTemplate::new(201).set_body_json(answer)
            }
            _ => ResponseTemplate::new(404),
        }
    }
}

fn create(state: &mut State, request: &Request) -> ResponseTemplate {
    state.uploads += 1;
    let upload_id = MockAppCenter::destination_id(&format!("upload {}", state.uploads));
    let asset_id = MockAppCenter::destination_id(&format!("asset {}", state.uploads));
    state.upload_id = Some(upload_id);
    state.asset_id = Some(asset_id);
    state.create_body = serde_json::from_slice(&request.body).ok();
    state.status = "uploadStarted".into();
    state.chunks.clear();
    ResponseTemplate::new(201).set_body_json(json!({
        "id": upload_id,
        "package_asset_id": asset_id,
        "upload_domain": state.upload_domain,
        "token": UPLOAD_TOKEN,
        "url_encoded_token": encoded_upload_token(),
    }))
}

/// [`UPLOAD_TOKEN`] percent-encoded once, as the service sends it in `url_encoded_token`.
pub fn encoded_upload_token() -> String {
    utf8_percent_encode(UPLOAD_TOKEN, NON_ALPHANUMERIC).to_string()
}

/// The upload domain takes the upload token once, encoded once, in the query.
fn upload_token_ok(request: &Request) -> bool {
    let query = request.url.query().unwrap_or_default();
    let tokens: Vec<&str> = query
        .split('&')
        .filter_map(|pair| pair.strip_prefix("token="))
        .collect();
    tokens == [encoded_upload_token().as_str()]
}

fn query_value(request: &Request, key: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn set_metadata(state: &mut State, request: &Request) -> ResponseTemplate {
    let size = query_value(request, "file_size").and_then(|s| s.parse::<u64>().ok());
    let Some(size) = size.filter(|s| *s > 0) else {
        return ResponseTemplate::new(400)
            .set_body_json(json!({"error": true, "message": "file_size is required"}));
    };
    state.file_name = query_value(request, "file_name");
    state.file_size = Some(size);
    state.content_type = query_value(request, "content_type");
    let blocks = size.div_ceil(state.config.chunk_size);
    let (resume, list) = match state.config.resume.clone() {
        Some(list) => {
            for n in 1..=blocks {
                if !list.contains(&n) {
                    state.chunks.insert(n, Chunk::Earlier);
                }
            }
            (true, list)
        }
        // The asset already holds chunks (an earlier process sent them): as the service, say
        // `resume_restart` and list only the blocks still missing.
        None if !state.chunks.is_empty() => {
            let missing = (1..=blocks)
                .filter(|n| !state.chunks.contains_key(n))
                .collect();
            (true, missing)
        }
        None => (false, (1..=blocks).collect()),
    };
    ResponseTemplate::new(200).set_body_json(json!({
        "error": false,
        "chunk_size": state.config.chunk_size,
        "resume_restart": resume,
        "chunk_list": list,
        "blob_partitions": 1,
        "status_code": "Success",
    }))
}

fn upload_chunk(state: &mut State, request: &Request) -> ResponseTemplate {
    let Some(block) = query_value(request, "block_number").and_then(|b| b.parse::<u64>().ok())
    else {
        return ResponseTemplate::new(400)
            .set_body_json(json!({"error": true, "message": "block_number is required"}));
    };
    state.chunk_requests.push(block);
    if let Some((left, how)) = state.config.chunk_failures.get_mut(&block)
        && *left > 0
    {
        *left -= 1;
        return match how {
            ChunkFailure::ServerError => ResponseTemplate::new(500)
                .set_body_json(json!({"error": true, "message": "injected failure"})),
            ChunkFailure::TooManyRequests => ResponseTemplate::new(429),
            ChunkFailure::RetryAfter(seconds) => {
                ResponseTemplate::new(429).insert_header("retry-after", seconds.to_string())
            }
            ChunkFailure::ErrorFlag => ResponseTemplate::new(200).set_body_json(
                json!({"error": true, "chunk_num": block, "message": "injected failure"}),
            ),
        };
    }
    // Blocks count from 1; any number a client sends is checked, never trusted in arithmetic.
    let expected = state.file_size.and_then(|size| {
        let start = block.checked_sub(1)?.checked_mul(state.config.chunk_size)?;
        Some(size.saturating_sub(start).min(state.config.chunk_size))
    });
    if expected.is_none_or(|len| len == 0 || len != request.body.len() as u64) {
        return ResponseTemplate::new(400).set_body_json(json!({
            "error": true,
            "message": format!("block {block} has the wrong size ({} bytes)", request.body.len()),
        }));
    }
    let chunk = match state.config.keep {
        Keep::Bytes => Chunk::Bytes(request.body.clone()),
        Keep::Digest => Chunk::Digest {
            len: request.body.len() as u64,
            digest: digest(&request.body),
        },
    };
    state.chunks.insert(block, chunk);
    ResponseTemplate::new(200)
        .set_body_json(json!({"error": false, "chunk_num": block}))
        .set_delay(state.config.chunk_delay)
}

fn finished(state: &mut State) -> ResponseTemplate {
    state.finish_calls += 1;
    // Injected loss, once: the service "forgets" these chunks and asks for them again.
    for block in std::mem::take(&mut state.config.missing_on_finish) {
        state.chunks.remove(&block);
    }
    let blocks = state
        .file_size
        .map(|size| size.div_ceil(state.config.chunk_size))
        .unwrap_or(0);
    let missing: Vec<u64> = (1..=blocks)
        .filter(|n| !state.chunks.contains_key(n))
        .collect();
    if missing.is_empty() {
        ResponseTemplate::new(200).set_body_json(json!({
            "error": false, "chunk_num": 0, "error_code": "None", "state": "Done",
        }))
    } else {
        ResponseTemplate::new(200).set_body_json(json!({
            "error": true, "state": "Missing", "missing_chunks": missing,
        }))
    }
}

fn patch_status(state: &mut State, request: &Request) -> ResponseTemplate {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
    let status = body["upload_status"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    state.statuses_set.push(status.clone());
    if status == "uploadFinished" {
        let complete = state
            .file_size
            .map(|size| size.div_ceil(state.config.chunk_size))
            .is_some_and(|blocks| (1..=blocks).all(|n| state.chunks.contains_key(&n)));
        // As the service: an incomplete binary fails processing.
        state.status = if complete {
            "uploadFinished".into()
        } else {
            "error".into()
        };
    } else {
        state.status = status;
    }
    ResponseTemplate::new(200).set_body_json(json!({
        "id": state.upload_id,
        "upload_status": state.status,
    }))
}

fn poll(state: &mut State) -> ResponseTemplate {
    state.poll_requests += 1;
    if state.config.poll_failures.0.contains(&state.poll_requests) {
        return match state.config.poll_failures.1 {
            PollFailure::ServiceUnavailable => error(503, "ServiceUnavailable", "injected failure"),
            PollFailure::HtmlNotFound => ResponseTemplate::new(404)
                .set_body_raw("<html><body>404 Not Found</body></html>", "text/html"),
        };
    }
    let mut answer = json!({ "id": state.upload_id, "upload_status": state.status });
    if state.status == "uploadFinished" {
        state.polls += 1;
        if state.polls > state.config.processing_polls {
            match &state.config.outcome {
                Outcome::Ready => {
                    state.status = "readyToBePublished".into();
                    let id = state.config.release_id;
                    answer["release_distinct_id"] = if state.config.release_id_as_string {
                        json!(id.to_string())
                    } else {
                        json!(id)
                    };
                    answer["release_url"] = json!(format!("https://install.example/releases/{id}"));
                }
                Outcome::Error(details) => {
                    state.status = "error".into();
                    answer["error_details"] = json!(details);
                }
                Outcome::MalwareDetected => state.status = "malwareDetected".into(),
            }
            answer["upload_status"] = json!(state.status);
        }
    } else if state.status == "error" {
        answer["error_details"] = json!("the binary is incomplete");
    }
    ResponseTemplate::new(200).set_body_json(answer)
}

fn error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({ "error": { "code": code, "message": message } }))
}

impl State {
    /// The file as reassembled from the chunks, when every block came in this upload.
    pub(crate) fn received_file(&self) -> Option<Vec<u8>> {
        let size = self.file_size?;
        let blocks = size.div_ceil(self.config.chunk_size);
        let mut file = Vec::with_capacity(size as usize);
        for n in 1..=blocks {
            match self.chunks.get(&n)? {
                Chunk::Bytes(bytes) => file.extend_from_slice(bytes),
                _ => return None,
            }
        }
        Some(file)
    }

    /// Block → (length, digest) of the chunks received in this upload.
    pub(crate) fn received_digests(&self) -> BTreeMap<u64, (u64, u64)> {
        self.chunks
            .iter()
            .filter_map(|(n, chunk)| match chunk {
                Chunk::Bytes(bytes) => Some((*n, (bytes.len() as u64, digest(bytes)))),
                Chunk::Digest { len, digest } => Some((*n, (*len, *digest))),
                Chunk::Earlier => None,
            })
            .collect()
    }

    /// Block → bytes of the chunks received in this upload ([`Keep::Bytes`] only).
    pub(crate) fn received_blocks(&self) -> BTreeMap<u64, Vec<u8>> {
        self.chunks
            .iter()
            .filter_map(|(n, chunk)| match chunk {
                Chunk::Bytes(bytes) => Some((*n, bytes.clone())),
                _ => None,
            })
            .collect()
    }
}
