//! No operation sends an `api-version` header: App Center versions by path (`/v0.1/...`) and its
//! real clients never sent one. progenitor adds `api-version: preview` (the spec's version) to
//! every request; `openapi/pipeline/api_version_header.rs` leaves it out, header parameters kept.

#![cfg(feature = "account")]

use appcenter::{Client, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A client of `server` that tries each call once.
fn client(server: &MockServer) -> Client {
    Client::builder("test-token-0123456789abcdef")
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn no_operation_sends_an_api_version_header() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "8c1a7b6e-2f4d-4c7e-9a51-3d2b1c0e9f87",
            "display_name": "Grace Hopper",
            "email": "grace@example.com",
            "name": "grace",
            "origin": "appcenter",
        })))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v0.1/apps/me/my-app"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = client(&server);

    let user = client.users_get().send().await.unwrap().into_inner();
    assert_eq!(user.name, "grace");
    client
        .apps_delete()
        .owner_name("me")
        .app_name("my-app")
        .send()
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for request in requests {
        let values: Vec<_> = request.headers.get_all("api-version").iter().collect();
        assert!(
            values.is_empty(),
            "{} {}: {values:?}",
            request.method,
            request.url
        );
        assert_eq!(request.headers.get("accept").unwrap(), "application/json");
    }
}

/// An operation with a header parameter sends it, and still no `api-version`.
#[cfg(feature = "mbaas")]
#[tokio::test]
async fn a_header_parameter_is_sent_without_an_api_version() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/apps/o/a/auth/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "value": [] })))
        .mount(&server)
        .await;
    let client = client(&server);

    client
        .identity_get_users()
        .owner_name("o")
        .app_name("a")
        .ac_authorization_aad_graph("graph-token")
        .send()
        .await
        .unwrap();

    let requests = server.received_requests().await.unwrap();
    let headers = &requests[0].headers;
    assert_eq!(
        headers.get("ac-authorization-aad-graph").unwrap(),
        "graph-token"
    );
    assert!(headers.get("api-version").is_none());
}
