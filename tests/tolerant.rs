//! Tolerant decoding: answers with values the spec does not list still decode, and keep them.
//! Requests stay strictly typed (their enums are closed Rust enums).
#![cfg(feature = "account")]

use appcenter::types::{AppsCreateBodyOs, AppsCreateBodyPlatform};
use appcenter::{Client, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "test-token-0123456789abcdef";

fn client_for(server: &MockServer) -> Client {
    Client::builder(TOKEN)
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

fn app(os: &str, platform: &str, owner_type: &str) -> serde_json::Value {
    json!({
        "id": "9a6f4c1e-1b2c-4d3e-8f90-123456789abc",
        "app_secret": "00000000-0000-0000-0000-000000000000",
        "display_name": "My App",
        "name": "my-app",
        "os": os,
        "platform": platform,
        "origin": "a-new-origin",
        "member_permissions": ["manager", "a-new-permission"],
        "owner": {
            "id": "0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5",
            "display_name": "Contoso",
            "name": "contoso",
            "type": owner_type
        },
        "a_field_added_later": { "nested": [1, 2, 3] }
    })
}

#[tokio::test]
async fn unknown_enum_values_and_extra_fields_decode_and_are_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/apps/contoso/my-app"))
        .respond_with(ResponseTemplate::new(200).set_body_json(app(
            "visionOS",
            "Swift-UI",
            "enterprise",
        )))
        .mount(&server)
        .await;

    let got = client_for(&server)
        .apps_get()
        .owner_name("contoso")
        .app_name("my-app")
        .send()
        .await
        .unwrap()
        .into_inner();

    assert_eq!(got.os.as_deref(), Some("visionOS"));
    assert_eq!(got.platform.as_deref(), Some("Swift-UI"));
    assert_eq!(got.origin.as_deref(), Some("a-new-origin"));
    assert_eq!(got.owner.unwrap().type_.as_deref(), Some("enterprise"));
    assert_eq!(got.member_permissions, ["manager", "a-new-permission"]);
}

#[tokio::test]
async fn known_values_still_decode_in_lists() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/apps"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            app("Android", "Java", "org"),
            app("Quantum", "Q#", "guild"),
        ])))
        .mount(&server)
        .await;

    let apps = client_for(&server)
        .apps_list()
        .send()
        .await
        .unwrap()
        .into_inner();

    let os: Vec<&str> = apps.iter().map(|a| a.os.as_deref().unwrap()).collect();
    assert_eq!(os, ["Android", "Quantum"]);
}

#[tokio::test]
async fn requests_keep_closed_enums() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0.1/apps"))
        .respond_with(ResponseTemplate::new(201).set_body_json(app("Android", "Java", "user")))
        .mount(&server)
        .await;

    client_for(&server)
        .apps_create()
        .body_map(|b| {
            b.display_name("My App")
                .os(AppsCreateBodyOs::Android)
                .platform(AppsCreateBodyPlatform::ReactNative)
        })
        .send()
        .await
        .unwrap();

    let sent: serde_json::Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(sent["os"], "Android");
    assert_eq!(sent["platform"], "React-Native");
    // A value outside the spec cannot be sent: the request type is a closed enum.
    assert!("visionOS".parse::<AppsCreateBodyOs>().is_err());
}
