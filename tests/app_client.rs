//! `client.app(...)`: the app-scoped handle sends its owner and app names in the path, accepts
//! every input that parses, and user-given path segments reach the server percent-encoded.
#![cfg_attr(
    not(all(feature = "account", feature = "distribute")),
    allow(unused_imports, dead_code)
)]

use appcenter::{AppRef, AppRefPart, Client, Error, OwnerKind, RetryPolicy};
use serde_json::json;
use url::Url;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "app-client-test-token";

fn client_for(server: &MockServer) -> Client {
    Client::builder(TOKEN)
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[test]
fn app_accepts_every_input_that_parses() {
    let client = Client::new(TOKEN).unwrap();
    let url = Url::parse("https://appcenter.ms/orgs/acme/apps/rocket/crashes").unwrap();
    let app_ref = AppRef::new("acme", "rocket").unwrap();
    let slug = String::from("acme/rocket");
    let handles = [
        client.app("acme/rocket").unwrap(),
        client.app(String::from("acme/rocket")).unwrap(),
        client.app(&slug).unwrap(),
        client.app(&url).unwrap(),
        client.app(url.clone()).unwrap(),
        client.app(&app_ref).unwrap(),
        client.app(app_ref.clone()).unwrap(),
    ];
    for handle in &handles {
        assert_eq!(handle.app_ref(), &app_ref);
        assert_eq!(handle.client().base_url(), client.base_url());
    }
    assert_eq!(handles[3].app_ref().kind(), Some(OwnerKind::Org));
}

#[test]
fn app_refuses_what_does_not_name_an_app_with_the_typed_error() {
    let client = Client::new(TOKEN).unwrap();
    let err = client.app("My Rocket").unwrap_err();
    let Error::AppRef(app_err) = &err else {
        panic!("expected Error::AppRef, got {err:?}");
    };
    assert_eq!(app_err.part(), AppRefPart::Input);
    assert!(err.to_string().contains("display name"), "{err}");
    assert!(!err.to_string().contains(TOKEN));
    assert!(matches!(
        client.app("https://github.com/acme/rocket"),
        Err(Error::AppRef(_))
    ));
}

#[cfg(feature = "distribute")]
#[tokio::test]
async fn the_handle_sends_its_owner_and_app_in_the_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/apps/acme/rocket/releases"))
        .and(header("x-api-token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "id": 12, "version": "34", "short_version": "1.2", "enabled": true,
            "uploaded_at": "2024-05-01T10:00:00Z"
        }])))
        .expect(2)
        .mount(&server)
        .await;
    let client = client_for(&server);

    let app = client.app("acme/rocket").unwrap();
    let releases = app.releases_list().send().await.unwrap().into_inner();
    assert_eq!(releases.len(), 1);
    assert_eq!(releases[0].id, 12);

    // The same app from a portal URL, with the generated builder's other setters still there.
    let app = client
        .app("https://appcenter.ms/orgs/acme/apps/rocket/distribute/releases")
        .unwrap();
    app.releases_list()
        .published_only(true)
        .send()
        .await
        .unwrap();
}

#[cfg(feature = "distribute")]
#[tokio::test]
async fn the_handle_calls_the_same_request_as_the_generated_builder() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(
            "/v0.1/apps/Acme-Inc_2/my.app-1/distribution_groups/QA%20%2F%20Beta/releases",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(2)
        .mount(&server)
        .await;
    let client = client_for(&server);

    // Through the generated builder, every name given by hand.
    client
        .releases_list_by_distribution_group()
        .owner_name("Acme-Inc_2")
        .app_name("my.app-1")
        .distribution_group_name("QA / Beta")
        .send()
        .await
        .unwrap();
    // Through the handle.
    client
        .app("Acme-Inc_2/my.app-1")
        .unwrap()
        .releases_list_by_distribution_group()
        .distribution_group_name("QA / Beta")
        .send()
        .await
        .unwrap();
}

#[cfg(feature = "account")]
#[tokio::test]
async fn user_given_path_segments_are_percent_encoded() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(
            "/v0.1/apps/acme/rocket/distribution_groups/QA%20%2F%20Beta",
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(2)
        .mount(&server)
        .await;
    // `+` and `@` are allowed as they are in a path segment (RFC 3986 sub-delims and pchar) and
    // stay literal: App Center reads `+` in a path as a plus, not a space.
    Mock::given(method("DELETE"))
        .and(path("/v0.1/apps/acme/rocket/users/ada+qa@example.com"))
        .respond_with(ResponseTemplate::new(204))
        .expect(2)
        .mount(&server)
        .await;
    let client = client_for(&server);

    client
        .distribution_groups_delete()
        .owner_name("acme")
        .app_name("rocket")
        .distribution_group_name("QA / Beta")
        .send()
        .await
        .unwrap();
    let app = client.app("acme/rocket").unwrap();
    app.distribution_groups_delete()
        .distribution_group_name("QA / Beta")
        .send()
        .await
        .unwrap();

    client
        .apps_remove_user()
        .owner_name("acme")
        .app_name("rocket")
        .user_email("ada+qa@example.com")
        .send()
        .await
        .unwrap();
    app.apps_remove_user()
        .user_email("ada+qa@example.com")
        .send()
        .await
        .unwrap();

    // What went out, byte for byte: `%20` and `%2F` for the group, `+` and `@` as they are.
    let paths: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "/v0.1/apps/acme/rocket/distribution_groups/QA%20%2F%20Beta",
            "/v0.1/apps/acme/rocket/distribution_groups/QA%20%2F%20Beta",
            "/v0.1/apps/acme/rocket/users/ada+qa@example.com",
            "/v0.1/apps/acme/rocket/users/ada+qa@example.com",
        ]
    );
}

#[cfg(feature = "account")]
#[tokio::test]
async fn a_path_parameter_never_turns_into_another_path() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v0.1/apps/acme/rocket/distribution_groups/QA%5CBeta"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let app = client_for(&server).app("acme/rocket").unwrap();

    // URL parsing reads `\` as `/`: encoded, it stays inside the one segment.
    app.distribution_groups_delete()
        .distribution_group_name("QA\\Beta")
        .send()
        .await
        .unwrap();

    // `..` would resolve `DELETE .../distribution_groups/..` to `DELETE /v0.1/apps/acme/rocket/`
    // (the app), `.` and "" to the group list: refused before anything is sent.
    for name in ["..", ".", ""] {
        let err = app
            .distribution_groups_delete()
            .distribution_group_name(name)
            .send()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)), "{name:?}: {err:?}");
        assert!(err.to_string().contains("path parameter"), "{err}");
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
