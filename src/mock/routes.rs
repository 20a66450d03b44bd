//! The typed answers of the mock: routes registered through `MockAppCenter::on_<operation>`
//! (generated, `OUT_DIR/mock_helpers.rs`), matched on method and percent-decoded path segments,
//! checked for the token and recorded; and the answer for every request nobody registered:
//! `501 "not served by appcenter::mock"`, never an auth error.

use std::sync::{Arc, Mutex, MutexGuard};

use percent_encoding::percent_decode_str;
use serde_json::{Value, json};
use wiremock::{Match, Request, Respond, ResponseTemplate};

use super::helpers::OPERATIONS;
use super::{MockAppCenter, Received};

/// How an operation's success answer carries its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
// Which variants the generated helpers construct depends on the enabled API areas.
#[allow(dead_code)]
pub(crate) enum BodyKind {
    /// JSON.
    Json,
    /// No body (`204`, or a `200` the spec gives no schema).
    Empty,
    /// Raw bytes (downloads).
    Bytes,
}

/// What the pipeline knows of an operation (generated).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RouteSpec {
    /// The `Client` method.
    pub(crate) operation: &'static str,
    pub(crate) method: &'static str,
    pub(crate) template: &'static str,
    pub(crate) status: u16,
    pub(crate) body: BodyKind,
}

/// A registered answer.
#[derive(Debug)]
pub(crate) struct Route {
    pub(crate) spec: RouteSpec,
    /// The path's segments as the request must carry them, percent-decoded.
    pub(crate) segments: Vec<String>,
    /// Query parameters the request must carry (name, value), percent-decoded.
    pub(crate) query: Vec<(String, String)>,
    pub(crate) answer: ResponseTemplate,
    pub(crate) received: Recorded,
}

/// The requests a route received, shared with the caller's [`Mocked`](super::Mocked) handle.
pub(crate) type Recorded = Arc<Mutex<Vec<Received>>>;

/// Every registered route; the latest registration for a request wins.
#[derive(Clone, Debug, Default)]
pub(crate) struct Routes(Arc<Mutex<Vec<Arc<Route>>>>);

impl Routes {
    pub(crate) fn add(&self, route: Route) {
        lock(&self.0).push(Arc::new(route));
    }

    fn find(&self, request: &Request) -> Option<Arc<Route>> {
        let segments = decoded_segments(request);
        let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        lock(&self.0)
            .iter()
            .rev()
            .find(|r| {
                r.spec.method == request.method.as_str()
                    && r.segments == segments
                    && r.query.iter().all(|pair| query.contains(pair))
            })
            .cloned()
    }
}

impl Match for Routes {
    fn matches(&self, request: &Request) -> bool {
        self.find(request).is_some()
    }
}

impl Respond for Routes {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let Some(route) = self.find(request) else {
            return not_served(request);
        };
        lock(&route.received).push(Received {
            method: request.method.to_string(),
            path: request.url.path().to_string(),
            query: request.url.query().map(str::to_string),
            headers: request.headers.clone(),
            json: serde_json::from_slice(&request.body).ok(),
        });
        if !api_token_ok(request) {
            return error(401, "Unauthorized", "missing or invalid X-API-Token");
        }
        route.answer.clone()
    }
}

/// Answers every request no route, and no other part of the mock, serves.
pub(crate) struct NotServed;

impl Respond for NotServed {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        not_served(request)
    }
}

/// `501` naming the operation the request is (by its path template, so no path value is
/// echoed) and the helper that answers it.
fn not_served(request: &Request) -> ResponseTemplate {
    let method = request.method.as_str();
    let segments = decoded_segments(request);
    let operation = OPERATIONS
        .iter()
        .filter(|(m, template, _)| *m == method && template_matches(template, &segments))
        // The most specific template: `/releases/latest` over `/releases/{release_id}`.
        .max_by_key(|(_, template, _)| {
            template
                .matches('/')
                .count()
                .saturating_sub(template.matches('{').count())
        });
    let message = match operation {
        Some((_, template, name)) => format!(
            "`{method} {template}` (Client::{name}) is not served by appcenter::mock: answer it \
             with MockAppCenter::on_{name}(...).respond(...) or .fail(...)"
        ),
        None => format!(
            "`{method} {}` is not an operation of the enabled API areas, and is not served by \
             appcenter::mock",
            request.url.path()
        ),
    };
    error(501, "NotServedByMock", &message)
}

fn template_matches(template: &str, segments: &[String]) -> bool {
    let parts: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    parts.len() == segments.len()
        && parts
            .iter()
            .zip(segments)
            .all(|(part, segment)| part.starts_with('{') || part == segment)
}

fn decoded_segments(request: &Request) -> Vec<String> {
    request
        .url
        .path_segments()
        .into_iter()
        .flatten()
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect()
}

/// Whether the request carries the mock's API token.
pub(crate) fn api_token_ok(request: &Request) -> bool {
    request
        .headers
        .get(crate::TOKEN_HEADER)
        .is_some_and(|t| t == MockAppCenter::TOKEN)
}

/// App Center's error shape: `{"error": {"code", "message"}}`.
pub(crate) fn error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    if http::StatusCode::from_u16(status).is_err() {
        return template(status);
    }
    template(status).set_body_json(json!({ "error": { "code": code, "message": message } }))
}

/// A template with `status`; a number that is no HTTP status answers `500` saying so (a test's
/// typo must not panic the mock).
pub(crate) fn template(status: u16) -> ResponseTemplate {
    match http::StatusCode::from_u16(status) {
        Ok(status) => ResponseTemplate::new(status),
        Err(_) => ResponseTemplate::new(500).set_body_json(json!({ "error": {
            "code": "MockMisuse",
            "message": format!("appcenter::mock: {status} is not an HTTP status"),
        }})),
    }
}

/// The success answer of `spec` carrying `value`.
pub(crate) fn success(
    spec: &RouteSpec,
    status: u16,
    value: Result<Value, String>,
) -> ResponseTemplate {
    match (spec.body, value) {
        _ if http::StatusCode::from_u16(status).is_err() => template(status),
        (BodyKind::Empty, _) => template(status),
        (_, Ok(value)) => template(status).set_body_json(value),
        (_, Err(why)) => error(
            500,
            "MockMisuse",
            &format!(
                "appcenter::mock could not serialize the answer of {}: {why}",
                spec.operation
            ),
        ),
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not hide the routes from the next request.
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
