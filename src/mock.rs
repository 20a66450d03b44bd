//! An offline App Center for tests (feature `mock`): a [wiremock](https://docs.rs/wiremock)
//! server on loopback that answers like the service and checks the `X-API-Token` header.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> appcenter::Result<()> {
//! let mock = appcenter::mock::MockAppCenter::start().await;
//! let user = mock.client().users_get().send().await?.into_inner();
//! assert_eq!(user.name, "ada-lovelace");
//! # Ok(()) }
//! ```
//!
//! Anything not served yet can be added with wiremock on [`MockAppCenter::server`].

use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::Client;

/// A running mock App Center. Stops when dropped.
pub struct MockAppCenter {
    server: MockServer,
}

impl std::fmt::Debug for MockAppCenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockAppCenter")
            .field("uri", &self.server.uri())
            .finish()
    }
}

impl MockAppCenter {
    /// The API token the mock accepts; any other token gets 401.
    pub const TOKEN: &'static str = "mock-appcenter-token";

    /// Starts a mock on a free loopback port.
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v0.1/user"))
            .and(header("x-api-token", Self::TOKEN))
            .respond_with(ResponseTemplate::new(200).set_body_json(Self::user()))
            .mount(&server)
            .await;
        // Lowest priority: whatever carries no valid token is refused, as the service does.
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(401).set_body_json(json!({
                "error": { "code": "Unauthorized", "message": "Unauthorized: missing or invalid X-API-Token" }
            })))
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        Self { server }
    }

    /// The mock's base URL (`http://127.0.0.1:PORT`).
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// A [`Client`] pointed at the mock, with the accepted token.
    pub fn client(&self) -> Client {
        Client::builder(Self::TOKEN)
            .base_url(self.uri())
            .build()
            .expect("the mock's URL is a valid loopback URL")
    }

    /// The wiremock server, to mount more answers or inspect what was received.
    pub fn server(&self) -> &MockServer {
        &self.server
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
}
