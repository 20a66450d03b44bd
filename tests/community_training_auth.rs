//! Community Training credentials: token caching and single-flight renewal, refresh on expiry
//! and on 401 with rotation, refused renewals as typed errors, and where each secret may go
//! (canaries in every printed channel, on every foreign host).
#![cfg(all(feature = "community-training", feature = "mock"))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use appcenter::community_training::mock::MockCommunityTraining;
use appcenter::community_training::{
    AuthErrorKind, Client, Credentials, IdentityProvider, ServiceToService, UserTokens, types,
};
use appcenter::{Error, RetryPolicy};
use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const HOUR: Duration = Duration::from_secs(3600);

/// Records every refreshed refresh token the callback is given.
fn recording(tokens: UserTokens) -> (UserTokens, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let tokens = tokens.on_refresh(move |new| {
        sink.lock()
            .unwrap()
            .push(new.refresh.expose_secret().to_string());
    });
    (tokens, seen)
}

async fn profiles(client: &Client, n: usize) -> Vec<Result<(), Error>> {
    join_all((0..n).map(|_| async { client.profile_get().send().await.map(|_| ()) })).await
}

#[tokio::test]
async fn one_token_request_for_fifty_concurrent_calls() {
    let mock = MockCommunityTraining::start().await;
    let client = mock.client(mock.service_to_service());
    for result in profiles(&client, 50).await {
        result.unwrap();
    }
    assert_eq!(mock.token_requests(), 1);
    // Still cached for the next calls.
    client.groups_list().send().await.unwrap();
    assert_eq!(mock.token_requests(), 1);
}

#[tokio::test]
async fn service_token_is_renewed_shortly_before_expires_in() {
    let mock = MockCommunityTraining::start().await;
    // A 4 s token is renewed after half its lifetime (a minute before expiry for longer ones).
    mock.set_service_token_lifetime(4);
    let client = mock.client(mock.service_to_service());
    client.profile_get().send().await.unwrap();
    client.profile_get().send().await.unwrap();
    assert_eq!(mock.token_requests(), 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    for result in profiles(&client, 10).await {
        result.unwrap();
    }
    assert_eq!(mock.token_requests(), 2);
}

#[tokio::test]
async fn expired_access_token_is_refreshed_once_for_twenty_calls() {
    let mock = MockCommunityTraining::start().await;
    let original = mock.user_tokens(Duration::ZERO);
    let first_refresh = original.clone();
    let (tokens, seen) = recording(original);
    let client = mock.client(tokens);
    for result in profiles(&client, 20).await {
        result.unwrap();
    }
    assert_eq!(
        mock.refresh_calls(),
        1,
        "one refresh before the calls, shared"
    );
    let rotated = seen.lock().unwrap().clone();
    assert_eq!(rotated.len(), 1);
    // The callback got the new refresh token: the old one is spent, the new one works.
    let spent = mock.client(first_refresh);
    let e = spent.profile_get().send().await.unwrap_err();
    assert!(matches!(e, Error::Auth(ref a) if a.must_sign_in_again()));
    let fresh = mock.client(UserTokens::new(
        "expired-or-unknown",
        rotated[0].clone(),
        IdentityProvider::AzureAd,
    ));
    fresh.profile_get().send().await.unwrap();
}

#[tokio::test]
async fn a_token_about_to_expire_is_refreshed_before_the_call() {
    let mock = MockCommunityTraining::start().await;
    // A 4 s token (its JWT says so, in whole seconds): renewed once half its life is gone,
    // before any 401.
    let client = mock.client(mock.user_tokens(Duration::from_secs(4)));
    client.profile_get().send().await.unwrap();
    assert_eq!(mock.refresh_calls(), 0);
    tokio::time::sleep(Duration::from_millis(3100)).await;
    client.profile_get().send().await.unwrap();
    assert_eq!(mock.refresh_calls(), 1);
    let received = mock.site().received_requests().await.unwrap();
    let profile_calls = received
        .iter()
        .filter(|r| r.url.path() == "/api/v2/Profile")
        .count();
    assert_eq!(profile_calls, 2, "no call was refused first");
}

#[tokio::test]
async fn a_401_refreshes_once_for_twenty_calls_and_retries_each_once() {
    let mock = MockCommunityTraining::start().await;
    let (tokens, seen) = recording(mock.user_tokens(HOUR));
    let client = mock.client(tokens);
    client.profile_get().send().await.unwrap();
    assert_eq!(mock.refresh_calls(), 0, "a valid token is not refreshed");

    mock.revoke_access_tokens();
    for result in profiles(&client, 20).await {
        result.unwrap();
    }
    assert_eq!(mock.refresh_calls(), 1);
    assert_eq!(seen.lock().unwrap().len(), 1);
    let received = mock.site().received_requests().await.unwrap();
    let profile_calls = received
        .iter()
        .filter(|r| r.url.path() == "/api/v2/Profile")
        .count();
    assert_eq!(profile_calls, 1 + 20 + 20, "each call retried exactly once");
}

#[tokio::test]
async fn a_refused_refresh_says_sign_in_again() {
    let mock = MockCommunityTraining::start().await;
    mock.refuse_refresh(true);
    let client = mock.client(mock.user_tokens(Duration::ZERO));
    let results = profiles(&client, 20).await;
    for result in results {
        let e = result.unwrap_err();
        let Error::Auth(auth) = &e else {
            panic!("not an auth error: {e:?}")
        };
        assert_eq!(auth.kind(), AuthErrorKind::SignInAgain);
        assert_eq!(auth.status(), Some(reqwest::StatusCode::BAD_REQUEST));
        assert!(e.to_string().contains("sign in again"), "{e}");
    }
    assert_eq!(mock.refresh_calls(), 1, "a refused refresh is not retried");
    // The escape hatch reports it the same way.
    let e = client
        .request::<Value>(Method::GET, "/api/v2/Profile")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Auth(ref a) if a.must_sign_in_again()),
        "{e:?}"
    );
}

#[tokio::test]
async fn refused_service_credentials_are_a_typed_error() {
    let mock = MockCommunityTraining::start().await;
    let wrong = ServiceToService::new(
        MockCommunityTraining::TENANT,
        MockCommunityTraining::CLIENT_ID,
        "not-the-secret",
        MockCommunityTraining::SCOPE,
    )
    .authority(mock.authority_url());
    let e = mock.client(wrong).profile_get().send().await.unwrap_err();
    let Error::Auth(auth) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(auth.kind(), AuthErrorKind::ServiceCredentialsRefused);
    assert_eq!(auth.code(), Some("invalid_client"));
    assert!(mock.site().received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_revoked_service_token_is_replaced_once_and_the_call_retried() {
    let mock = MockCommunityTraining::start().await;
    let client = mock.client(mock.service_to_service());
    client.profile_get().send().await.unwrap();
    mock.revoke_access_tokens();
    for result in profiles(&client, 10).await {
        result.unwrap();
    }
    assert_eq!(mock.token_requests(), 2);
}

#[tokio::test]
async fn a_static_bearer_is_never_refreshed() {
    let mock = MockCommunityTraining::start().await;
    let client = mock.client(Credentials::bearer("not-a-valid-token"));
    let e = client.profile_get().send().await.unwrap_err();
    assert_eq!(e.status(), Some(reqwest::StatusCode::UNAUTHORIZED));
    assert_eq!(mock.refresh_calls() + mock.token_requests(), 0);
}

const ACCESS: &str = "CANARY-ACCESS-7d1f";
const REFRESH: &str = "CANARY-REFRESH-93ab";
const SECRET: &str = "CANARY-CLIENT-SECRET-5e20";
const BEARER: &str = "CANARY-BEARER-c4d8";
const CANARIES: &[&str] = &[ACCESS, REFRESH, SECRET, BEARER];

fn assert_clean(what: &str, text: &str) {
    for canary in CANARIES {
        assert!(!text.contains(canary), "{what} shows {canary}: {text}");
    }
}

/// Debug, Display and every source of an error.
fn error_text(e: &Error) -> String {
    let mut text = format!("{e:?}\n{e}");
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&format!("\n{cause:?}\n{cause}"));
        source = cause.source();
    }
    text
}

/// A hostile server: answers every call with an error that echoes what it was sent.
async fn echoing_server(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(move |request: &wiremock::Request| {
            let echo = format!(
                "{} {:?} {}",
                request.url,
                request.headers,
                String::from_utf8_lossy(&request.body)
            );
            ResponseTemplate::new(status).set_body_json(json!({
                "error": "invalid_client", "error_description": echo.clone(), "message": "refused"
            }))
        })
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn no_credential_shows_in_debug_display_or_errors() {
    let site = echoing_server(401).await;
    let authority = echoing_server(401).await;
    let user = UserTokens::new(ACCESS, REFRESH, IdentityProvider::Email).on_refresh(|_| {});
    let s2s =
        ServiceToService::new("tenant", "client", SECRET, "api://mct").authority(authority.uri());
    let credentials = [
        Credentials::from(user.clone()),
        Credentials::from(s2s.clone()),
        Credentials::bearer(BEARER),
    ];
    assert_clean("UserTokens", &format!("{user:?}"));
    // The generated types that carry tokens print `<redacted>` (a pipeline step).
    let pair = types::TokenPair {
        access_token: Some(ACCESS.into()),
        refresh_token: Some(REFRESH.into()),
    };
    assert_clean("TokenPair", &format!("{pair:?}"));
    let request = types::RefreshTokenRequest {
        refresh_token: REFRESH.into(),
    };
    assert_clean("RefreshTokenRequest", &format!("{request:?}"));
    assert_clean("ServiceToService", &format!("{s2s:?}"));
    for credentials in credentials {
        assert_clean("Credentials", &format!("{credentials:?}"));
        let builder = Client::builder(site.uri(), credentials)
            .retry(RetryPolicy::none())
            .no_proxy();
        assert_clean("ClientBuilder", &format!("{builder:?}"));
        let client = builder.build().unwrap();
        assert_clean("Client", &format!("{client:?}"));
        let e = client.profile_get().send().await.unwrap_err();
        assert_clean("generated call error", &error_text(&e));
        let e = client
            .request::<Value>(Method::GET, "/api/v1/Groups")
            .send()
            .await
            .unwrap_err();
        assert_clean("request error", &error_text(&e));
    }
    // The servers did get the credentials (so the errors could have echoed them).
    let seen: String = site
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{:?} {}", r.headers, String::from_utf8_lossy(&r.body)))
        .collect();
    assert!(seen.contains(ACCESS) && seen.contains(REFRESH) && seen.contains(BEARER));
    let seen = authority.received_requests().await.unwrap();
    assert!(String::from_utf8_lossy(&seen[0].body).contains(SECRET));
    // Empty credentials are refused without echoing anything.
    let e = Client::builder(site.uri(), Credentials::bearer("bad\nvalue"))
        .build()
        .unwrap_err();
    assert!(!e.to_string().contains("bad"), "{e}");
}

#[tokio::test]
async fn each_secret_goes_only_to_its_own_host() {
    let mock = MockCommunityTraining::start().await;
    let client = mock.client(mock.service_to_service());
    for result in profiles(&client, 3).await {
        result.unwrap();
    }
    client.groups_list().send().await.unwrap();
    let token_answers = mock.authority().received_requests().await.unwrap();
    let site = mock.site().received_requests().await.unwrap();
    assert_eq!(site.len(), 4);
    for request in &site {
        let everything = format!(
            "{} {:?} {}",
            request.url,
            request.headers,
            String::from_utf8_lossy(&request.body)
        );
        assert!(
            !everything.contains(MockCommunityTraining::CLIENT_SECRET),
            "secret sent to MCT: {everything}"
        );
    }
    // The token host never sees a bearer (nor the issued token).
    let issued: Vec<String> = site
        .iter()
        .map(|r| {
            r.headers["authorization"]
                .to_str()
                .unwrap()
                .trim_start_matches("Bearer ")
                .to_string()
        })
        .collect();
    for request in &token_answers {
        assert!(!request.headers.contains_key("authorization"));
        assert!(!request.headers.contains_key("clienttype"));
        let everything = format!(
            "{:?} {}",
            request.headers,
            String::from_utf8_lossy(&request.body)
        );
        assert!(!everything.contains(&issued[0]));
    }

    // User tokens: the refresh goes to the site without the (expired) bearer.
    let client = mock.client(mock.user_tokens(Duration::ZERO));
    client.profile_get().send().await.unwrap();
    let received = mock.site().received_requests().await.unwrap();
    let refresh = received
        .iter()
        .find(|r| {
            r.url
                .path()
                .starts_with("/api/v1/ExternalAuthToken/RefreshToken/")
        })
        .unwrap();
    assert_eq!(
        refresh.url.path(),
        "/api/v1/ExternalAuthToken/RefreshToken/AZUREAD"
    );
    assert!(!refresh.headers.contains_key("authorization"));
    let body: Value = serde_json::from_slice(&refresh.body).unwrap();
    assert!(
        body["RefreshToken"]
            .as_str()
            .unwrap()
            .starts_with("mock-refresh-token-")
    );
}

#[tokio::test]
async fn credentials_never_follow_a_redirect_to_another_origin() {
    let mock = MockCommunityTraining::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "Name": "elsewhere" })))
        .mount(&elsewhere)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/moved"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/landing", elsewhere.uri())),
        )
        .with_priority(1)
        .mount(mock.site())
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/moved-here"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/api/v2/Profile"))
        .with_priority(1)
        .mount(mock.site())
        .await;
    for credentials in [
        Credentials::from(mock.service_to_service()),
        Credentials::from(mock.user_tokens(HOUR)),
    ] {
        let client = mock.client(credentials);
        let landed: Value = client
            .request(Method::GET, "/api/v1/moved")
            .send()
            .await
            .unwrap();
        assert_eq!(landed["Name"], "elsewhere");
        // A redirect on the instance's own origin keeps the credentials (the mock checks them).
        let profile: Value = client
            .request(Method::GET, "/api/v1/moved-here")
            .send()
            .await
            .unwrap();
        assert_eq!(profile["Email"], "ada@example.com");
    }
    // A body is never carried to another origin: a 307 that would do it is refused.
    Mock::given(method("POST"))
        .and(path("/api/v1/moved"))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/landing", elsewhere.uri())),
        )
        .with_priority(1)
        .mount(mock.site())
        .await;
    let client = mock.client(mock.user_tokens(HOUR));
    let e = client
        .request::<Value>(Method::POST, "/api/v1/moved")
        .json(&json!({ "private": "body" }))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Config(ref why) if why.contains("never sent to another origin")),
        "{e:?}"
    );
    let foreign = elsewhere.received_requests().await.unwrap();
    assert_eq!(foreign.len(), 2);
    for request in foreign {
        assert!(
            !request.headers.contains_key("authorization"),
            "{:?}",
            request.headers
        );
        assert!(!request.headers.contains_key("clienttype"));
        assert!(!request.headers.contains_key("referer"));
    }
}

#[tokio::test]
async fn token_endpoint_redirects_are_not_followed() {
    let authority = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/steal", elsewhere.uri())),
        )
        .mount(&authority)
        .await;
    let site = MockServer::start().await;
    let s2s = ServiceToService::new("t", "c", SECRET, "api://x").authority(authority.uri());
    let client = Client::builder(site.uri(), s2s).no_proxy().build().unwrap();
    let e = client.profile_get().send().await.unwrap_err();
    assert!(
        matches!(e, Error::Auth(ref a) if a.kind() == AuthErrorKind::TokenEndpointFailed),
        "{e:?}"
    );
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
    assert!(site.received_requests().await.unwrap().is_empty());
}
