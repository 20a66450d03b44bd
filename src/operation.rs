//! What the crate knows about one operation (id, method, path template), and the one way a
//! request is shown to anyone: in errors and in tracing, a call is named by its operation and its
//! path *template*, never by the filled URL (path and query parameters can be secrets).

use std::fmt;

/// An operation of the API, or a hand-written request the crate sends (avatars, `nextLink` pages).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Operation {
    id: &'static str,
    method: &'static str,
    path: &'static str,
    streams: bool,
}

impl Operation {
    /// An operation: its id (`users_get`), method (`GET`) and path template (`/v0.1/user`).
    pub(crate) const fn new(id: &'static str, method: &'static str, path: &'static str) -> Self {
        Self {
            id,
            method,
            path,
            streams: false,
        }
    }

    /// The operation answers a byte stream (a download): its body is bounded by inactivity, not
    /// by the per-attempt timeout. (Used by the generated code of the areas with downloads.)
    #[allow(dead_code)]
    pub(crate) const fn streaming(self) -> Self {
        Self {
            streams: true,
            ..self
        }
    }

    /// Whether the answer is a byte stream (a download).
    pub fn streams(&self) -> bool {
        self.streams
    }

    /// The operation id, as progenitor names it (`releases_list`).
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The HTTP method.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The path template (`/v0.1/apps/{owner_name}/{app_name}/releases`), never the filled path.
    pub fn path_template(&self) -> &'static str {
        self.path
    }
}

/// `releases_list (GET /v0.1/apps/{owner_name}/{app_name}/releases)`: the only way a request
/// appears in an error message.
impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} {})", self.id, self.method, self.path)
    }
}
