//! [`On`]: the typed answer of one operation being set up, and [`Mocked`]: the served route's
//! record of what it received.

use std::marker::PhantomData;

use serde::Serialize;
use wiremock::ResponseTemplate;

use super::routes::{self, Recorded, Route, RouteSpec, lock};
use super::{MockAppCenter, Received};

/// The answer to one operation, being set up: made by a `MockAppCenter::on_<operation>(path
/// parameters...)` helper, served once [`respond`](On::respond) or [`fail`](On::fail) is
/// called. `T` is the operation's success type, as `send()` returns it.
///
/// A request is served when its method and its path (percent-decoded, segment by segment) are
/// the operation's with these parameters, and it carries the query parameters asked for with
/// [`On::query`]; everything it sends is recorded ([`Mocked::requests`]). Requests without
/// [`MockAppCenter::TOKEN`] get `401`, as from the service. When several answers match a
/// request, the latest registered wins.
#[must_use = "nothing is served until `respond` or `fail` is called"]
pub struct On<'m, T> {
    mock: &'m MockAppCenter,
    spec: RouteSpec,
    segments: Vec<String>,
    query: Vec<(String, String)>,
    answer: PhantomData<fn(T)>,
}

impl<T> std::fmt::Debug for On<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("On")
            .field("operation", &self.spec.operation)
            .field("method", &self.spec.method)
            .field("template", &self.spec.template)
            .finish()
    }
}

/// The answer type of the operations that stream bytes (downloads): answer them with
/// [`On::respond_bytes`].
#[derive(Debug)]
pub enum Download {}

impl<'m, T> On<'m, T> {
    pub(crate) fn new(mock: &'m MockAppCenter, spec: RouteSpec, segments: Vec<String>) -> Self {
        Self {
            mock,
            spec,
            segments,
            query: Vec::new(),
            answer: PhantomData,
        }
    }

    /// Serves only requests whose query has `name=value` (compared percent-decoded), such as
    /// one page of a paged operation: `.query("$skip", 100)`.
    pub fn query(mut self, name: &str, value: impl std::fmt::Display) -> Self {
        self.query.push((name.to_string(), value.to_string()));
        self
    }

    /// Answers with App Center's error shape, `{"error": {"code": code, "message": message}}`,
    /// and `status`: `.fail(404, "NotFound", "no such app")`.
    pub fn fail(self, status: u16, code: &str, message: &str) -> Mocked {
        let answer = routes::error(status, code, message);
        self.serve(answer)
    }

    /// Answers with any wiremock template (headers, delays, bodies the spec does not allow).
    pub fn respond_with(self, template: ResponseTemplate) -> Mocked {
        self.serve(template)
    }

    fn serve(self, answer: ResponseTemplate) -> Mocked {
        let received = Recorded::default();
        self.mock.routes.add(Route {
            spec: self.spec,
            segments: self.segments,
            query: self.query,
            answer,
            received: received.clone(),
        });
        Mocked {
            operation: self.spec.operation,
            received,
        }
    }
}

impl<T: Serialize> On<'_, T> {
    /// Answers with `answer` and the operation's success status (`200`, `201`, `204`... as the
    /// spec says). Operations without a body take `()`.
    pub fn respond(self, answer: T) -> Mocked {
        let status = self.spec.status;
        self.respond_status(status, answer)
    }

    /// Answers with `answer` and another status.
    pub fn respond_status(self, status: u16, answer: T) -> Mocked {
        let value = serde_json::to_value(&answer).map_err(|e| e.to_string());
        let template = routes::success(&self.spec, status, value);
        self.serve(template)
    }
}

impl On<'_, Download> {
    /// Answers a download with these bytes and content type, and the success status.
    pub fn respond_bytes(self, bytes: impl Into<Vec<u8>>, content_type: &str) -> Mocked {
        let template = routes::template(self.spec.status).set_body_raw(bytes.into(), content_type);
        self.serve(template)
    }
}

/// A served route: what it received. Cloning shares the record.
#[derive(Clone, Debug)]
pub struct Mocked {
    operation: &'static str,
    received: Recorded,
}

impl Mocked {
    /// The `Client` method this route answers (`releases_list`).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// Every request the route received, in arrival order, with JSON bodies (refused ones
    /// included).
    pub fn requests(&self) -> Vec<Received> {
        lock(&self.received).clone()
    }

    /// How many requests the route received.
    pub fn calls(&self) -> usize {
        lock(&self.received).len()
    }
}
