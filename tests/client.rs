//! The client's HTTP behaviour: token, bodies, errors, redirects, base URLs, secrecy.

use std::time::Duration;

use appcenter::{ApiErrorKind, Client, Error, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{body_json, header, header_exists, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "test-token-0123456789abcdef";

fn client_for(server: &MockServer) -> Client {
    Client::builder(TOKEN)
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

fn user_body() -> serde_json::Value {
    json!({
        "id": "6a1c3e6e-3a63-4b8e-9b0e-5a2b41f1d0c4",
        "display_name": "Grace Hopper",
        "email": "grace@example.com",
        "name": "grace",
        "origin": "appcenter",
        "permissions": ["manager"]
    })
}

#[tokio::test]
async fn get_user_sends_the_token_and_decodes_the_user() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/user"))
        .and(header("x-api-token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_body()))
        .expect(1)
        .mount(&server)
        .await;

    let user = client_for(&server)
        .users_get()
        .send()
        .await
        .unwrap()
        .into_inner();

    assert_eq!(user.display_name, "Grace Hopper");
    assert_eq!(user.name, "grace");
    assert_eq!(user.email, "grace@example.com");
    assert_eq!(user.id.to_string(), "6a1c3e6e-3a63-4b8e-9b0e-5a2b41f1d0c4");
}

#[tokio::test]
async fn a_post_without_body_sends_an_empty_json_object() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0.1/user/invitations/orgs/inv%20token/accept"))
        .and(header("content-type", "application/json"))
        .and(header("x-api-token", TOKEN))
        .and(body_json(json!({})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    client_for(&server)
        .org_invitations_accept()
        .invitation_token("inv token")
        .send()
        .await
        .unwrap();

    let received = server.received_requests().await.unwrap();
    assert_eq!(received[0].body, b"{}");
    assert_eq!(received[0].headers.get("content-length").unwrap(), "2");
}

#[tokio::test]
async fn an_app_center_error_becomes_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/apps/owner/app"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error": { "code": "NotFound", "message": "Not found. Correlation ID: 0f8fad5b-d9cb-469f-a165-70867728950e" }
        })))
        .mount(&server)
        .await;

    let err: Error = client_for(&server)
        .apps_get()
        .owner_name("owner")
        .app_name("app")
        .send()
        .await
        .unwrap_err()
        .into();

    let api = err.api().expect("an API error");
    assert_eq!(api.status, 404);
    assert_eq!(api.kind(), ApiErrorKind::NotFound);
    assert_eq!(api.code.as_deref(), Some("NotFound"));
    assert_eq!(
        api.message.as_deref(),
        Some("Not found. Correlation ID: 0f8fad5b-d9cb-469f-a165-70867728950e")
    );
    assert_eq!(
        api.correlation_id.as_deref(),
        Some("0f8fad5b-d9cb-469f-a165-70867728950e")
    );
    assert!(
        err.to_string().contains("404") && err.to_string().contains("NotFound"),
        "{err}"
    );
}

#[tokio::test]
async fn a_non_json_error_still_gives_the_status_and_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(502)
                .set_body_raw("<html><h1>502 Bad Gateway</h1></html>", "text/html"),
        )
        .mount(&server)
        .await;

    let err: Error = client_for(&server)
        .users_get()
        .send()
        .await
        .unwrap_err()
        .into();

    let api = err.api().expect("an API error");
    assert_eq!(api.status, 502);
    assert_eq!(api.kind(), ApiErrorKind::ServerError);
    assert_eq!(
        api.raw.as_deref(),
        Some("<html><h1>502 Bad Gateway</h1></html>")
    );
}

#[tokio::test]
async fn a_redirect_to_another_origin_does_not_carry_the_token() {
    let api = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/user"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/landing", elsewhere.uri())),
        )
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/landing"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_body()))
        .expect(1)
        .mount(&elsewhere)
        .await;

    let user = client_for(&api)
        .users_get()
        .send()
        .await
        .unwrap()
        .into_inner();

    assert_eq!(user.name, "grace");
    let seen = elsewhere.received_requests().await.unwrap();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0].headers.get("x-api-token").is_none(),
        "the token leaked to another origin"
    );
    assert!(seen[0].headers.get("referer").is_none());
    let first = api.received_requests().await.unwrap();
    assert_eq!(first[0].headers.get("x-api-token").unwrap(), TOKEN);
}

#[tokio::test]
async fn a_redirect_within_the_api_origin_keeps_the_token() {
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/user"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/v0.1/user-moved"))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/v0.1/user-moved"))
        .and(header("x-api-token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_body()))
        .expect(1)
        .mount(&api)
        .await;

    client_for(&api).users_get().send().await.unwrap();
}

#[tokio::test]
async fn a_caller_client_that_follows_redirects_is_refused() {
    let api = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", format!("{}/x", elsewhere.uri())),
        )
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_body()))
        .mount(&elsewhere)
        .await;
    // A caller's own reqwest client: with this crate's features its rustls has no crypto
    // provider compiled in, so the application installs one (as rustls asks of applications).
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let following = reqwest::Client::builder().build().unwrap();
    let client = Client::builder(TOKEN)
        .base_url(api.uri())
        .reqwest_client(following)
        .build()
        .unwrap();

    let err: Error = client.users_get().send().await.unwrap_err().into();

    assert!(
        matches!(err, Error::Config(ref why) if why.contains("redirect")),
        "{err:?}"
    );
}

#[test]
fn debug_and_display_never_show_the_token() {
    let client = Client::builder(TOKEN)
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let token = appcenter::ApiToken::new(TOKEN).unwrap();
    let builder = Client::builder(TOKEN);
    for shown in [
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{token:?}"),
        format!("{token}"),
        format!("{builder:?}"),
    ] {
        assert!(!shown.contains(TOKEN), "token shown in {shown}");
        assert!(
            !shown.contains("0123456789abcdef"),
            "part of the token shown in {shown}"
        );
    }
    assert!(format!("{client:?}").contains("redacted"));
}

#[test]
fn plain_http_is_refused_unless_loopback() {
    for refused in [
        "http://api.appcenter.ms",
        "http://10.0.0.8:8080",
        "http://example.com/api",
        "ftp://127.0.0.1",
        "not a url",
    ] {
        let err = Client::builder(TOKEN)
            .base_url(refused)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{refused}: {err:?}");
        assert!(!err.to_string().contains(TOKEN));
    }
    for accepted in [
        "https://api.appcenter.ms",
        "http://127.0.0.1:8080",
        "http://localhost:3000/",
        "http://[::1]:80",
    ] {
        let client = Client::builder(TOKEN)
            .base_url(accepted)
            .build()
            .unwrap_or_else(|e| panic!("{accepted}: {e}"));
        assert!(!client.base_url().ends_with('/'), "{}", client.base_url());
    }
    assert_eq!(
        Client::new(TOKEN).unwrap().base_url(),
        "https://api.appcenter.ms"
    );
}

#[test]
fn an_empty_token_is_refused() {
    for empty in ["", "   "] {
        let err = Client::new(empty).unwrap_err();
        assert!(
            matches!(err, Error::Config(ref why) if why.contains("empty")),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn transport_failures_timeouts_and_bad_bodies_are_distinct() {
    // Nothing listens on this port once the listener is dropped.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let client = Client::builder(TOKEN)
        .base_url(closed)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err: Error = client.users_get().send().await.unwrap_err().into();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");

    let server = MockServer::start().await;
    Mock::given(path("/v0.1/user"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(user_body())
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let slow = Client::builder(TOKEN)
        .base_url(server.uri())
        .timeout(Duration::from_millis(200))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err: Error = slow.users_get().send().await.unwrap_err().into();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");

    let server = MockServer::start().await;
    Mock::given(path("/v0.1/user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "display_name": 42 })))
        .mount(&server)
        .await;
    let err: Error = client_for(&server)
        .users_get()
        .send()
        .await
        .unwrap_err()
        .into();
    match err {
        Error::Decode { body, .. } => assert!(std::str::from_utf8(&body).unwrap().contains("42")),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn every_request_carries_the_token_and_only_one() {
    let server = MockServer::start().await;
    Mock::given(header_exists("x-api-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .mount(&server)
        .await;

    client_for(&server).apps_list().send().await.unwrap();

    let received: Vec<Request> = server.received_requests().await.unwrap();
    let values: Vec<_> = received[0].headers.get_all("x-api-token").iter().collect();
    assert_eq!(values.len(), 1);
}

#[tokio::test]
async fn secrets_in_answers_are_redacted_from_debug_but_readable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0.1/api_tokens"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "7d1a2b3c-0000-4000-8000-000000000001",
            "api_token": "freshly-created-secret-value",
            "created_at": "2024-05-02T08:00:00Z",
            "description": "ci",
            "scope": ["all"]
        })))
        .mount(&server)
        .await;

    let answer = client_for(&server)
        .user_api_tokens_new()
        .body(appcenter::types::UserApiTokensNewBody::builder().description("ci".to_string()))
        .send()
        .await
        .unwrap();

    assert!(
        !format!("{answer:?}").contains("freshly-created-secret-value"),
        "{answer:?}"
    );
    let created = answer.into_inner();
    assert!(!format!("{created:?}").contains("freshly-created-secret-value"));
    assert!(format!("{created:?}").contains("<redacted>"));
    assert_eq!(created.api_token, "freshly-created-secret-value");
}
