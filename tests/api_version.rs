//! Every generated operation sends `api-version: preview` once (the header progenitor adds from
//! the spec's version; `openapi/pipeline/api_version_header.rs` sets it on the request builder
//! instead of through a header map of its own).

#![cfg(feature = "account")]

use appcenter::{Client, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_generated_operation_sends_the_api_version_once() {
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
    let client = Client::builder("test-token-0123456789abcdef")
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();

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
        assert_eq!(values, ["preview"], "{} {}", request.method, request.url);
        assert_eq!(request.headers.get("accept").unwrap(), "application/json");
    }
}
