//! Timeouts fire: per attempt, and the call's overall deadline across retries and waits.
#![cfg(feature = "account")]

use std::time::{Duration, Instant};

use appcenter::{Client, Error, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "test-token-0123456789abcdef";

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

fn slow_answer() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(user_body())
        .set_delay(Duration::from_secs(10))
}

/// A client of `server` making one attempt per call, each allowed `per_attempt`.
fn one_attempt_client(server: &MockServer, per_attempt: Duration) -> Client {
    Client::builder(TOKEN)
        .base_url(server.uri())
        .timeout(per_attempt)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_per_attempt_timeout_fires() {
    let server = MockServer::start().await;
    Mock::given(path("/v0.1/user"))
        .respond_with(slow_answer())
        .mount(&server)
        .await;
    let client = one_attempt_client(&server, Duration::from_millis(200));

    let started = Instant::now();
    let err = client.users_get().send().await.unwrap_err();

    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_timed_out_get_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/user"))
        .respond_with(slow_answer())
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v0.1/user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_body()))
        .with_priority(2)
        .mount(&server)
        .await;
    let client = Client::builder(TOKEN)
        .base_url(server.uri())
        .timeout(Duration::from_millis(200))
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(10)))
        .build()
        .unwrap();

    let user = client.users_get().send().await.unwrap().into_inner();

    assert_eq!(user.name, "grace");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_overall_deadline_cuts_a_slow_attempt() {
    let server = MockServer::start().await;
    Mock::given(path("/v0.1/user"))
        .respond_with(slow_answer())
        .mount(&server)
        .await;
    let client = Client::builder(TOKEN)
        .base_url(server.uri())
        .timeout(Duration::from_secs(60))
        .total_timeout(Duration::from_millis(300))
        .build()
        .unwrap();

    let started = Instant::now();
    let err = client.users_get().send().await.unwrap_err();

    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn the_overall_deadline_ends_retries() {
    let server = MockServer::start().await;
    Mock::given(path("/v0.1/user"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = Client::builder(TOKEN)
        .base_url(server.uri())
        .total_timeout(Duration::from_millis(600))
        .retry(
            RetryPolicy::default()
                .max_attempts(1000)
                .initial_backoff(Duration::from_millis(50))
                .max_backoff(Duration::from_millis(100)),
        )
        .build()
        .unwrap();

    let started = Instant::now();
    let err = client.users_get().send().await.unwrap_err();
    let took = started.elapsed();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    let attempts = server.received_requests().await.unwrap().len();
    assert!((2..1000).contains(&attempts), "{attempts}");
}

#[tokio::test]
async fn the_deadline_is_not_slept_through() {
    // A wait asked for by the server that does not fit in the deadline is not waited.
    let server = MockServer::start().await;
    Mock::given(path("/v0.1/user"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "5"))
        .mount(&server)
        .await;
    let client = Client::builder(TOKEN)
        .base_url(server.uri())
        .total_timeout(Duration::from_secs(2))
        .build()
        .unwrap();

    let started = Instant::now();
    let err = client.users_get().send().await.unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// A derived client's timeouts replace the builder's, which the crate's HTTP client applies
/// itself to every request: without timeouts, or with a longer one, a call outlasting the
/// builder's 200 ms succeeds, while the builder's own client still times out.
#[tokio::test]
async fn a_derived_clients_timeouts_replace_the_builders() {
    let server = MockServer::start().await;
    Mock::given(path("/v0.1/user"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(user_body())
                .set_delay(Duration::from_millis(700)),
        )
        .mount(&server)
        .await;
    let client = one_attempt_client(&server, Duration::from_millis(200));

    let err = client.users_get().send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    for derived in [
        client.without_timeouts(),
        client.with_timeout(Duration::from_secs(5)),
        client.with_timeout(Duration::MAX),
    ] {
        let user = derived.users_get().send().await.unwrap().into_inner();
        assert_eq!(user.name, "grace");
    }
    let shorter = client.with_timeout(Duration::from_millis(100));
    let started = Instant::now();
    let err = shorter.users_get().send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_millis(600));
}
