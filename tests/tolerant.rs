//! Tolerant decoding: answers with values the spec does not list, or without the fields it
//! requires (all but the identity), or with `null`s, still decode, and keep what they carry.
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
    // And a request keeps its required fields: no body without a display name.
    let missing: Result<appcenter::types::AppsCreateBody, _> =
        appcenter::types::builder::AppsCreateBody::default()
            .os(AppsCreateBodyOs::Android)
            .platform(AppsCreateBodyPlatform::Java)
            .try_into();
    assert!(missing.is_err());
}

#[tokio::test]
async fn absent_and_null_fields_of_answers_decode_as_absent() {
    let server = MockServer::start().await;
    // Only the identity (`id`, `name`) is left of the spec's required fields; the rest is absent
    // or `null`, lists included.
    Mock::given(method("GET"))
        .and(path("/v0.1/apps/contoso/my-app"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "9a6f4c1e-1b2c-4d3e-8f90-123456789abc",
            "name": "my-app",
            "display_name": null,
            "description": null,
            "owner": null,
            "member_permissions": null
        })))
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

    assert_eq!(got.name, "my-app");
    assert_eq!(
        (got.display_name, got.os, got.owner.is_none()),
        (None, None, true)
    );
    assert!(got.member_permissions.is_empty());
    // Encoding is unchanged: what is absent is left out, nothing is sent as `null`.
    let encoded = serde_json::to_value(
        serde_json::from_value::<appcenter::types::AppResponse>(json!({
            "id": "9a6f4c1e-1b2c-4d3e-8f90-123456789abc", "name": "my-app", "member_permissions": null
        }))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        encoded,
        json!({ "id": "9a6f4c1e-1b2c-4d3e-8f90-123456789abc", "name": "my-app" })
    );
}

#[tokio::test]
async fn a_missing_identity_still_fails_the_answer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/apps/contoso/my-app"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "name": "my-app" })))
        .mount(&server)
        .await;
    let error: appcenter::Error = client_for(&server)
        .apps_get()
        .owner_name("contoso")
        .app_name("my-app")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, appcenter::Error::Decode { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("missing field `id`"), "{error}");
}
