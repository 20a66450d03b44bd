//! The retry policy as a user sees it: what is retried, how long the client waits, when it stops.
//! Waits are kept short (a policy with small backoffs, or a server-asked wait of 0 or 1 s); where
//! the wrong rule would have waited, the policy's own backoff is made huge so the test would fail
//! by hitting the deadline instead of passing slowly.
#![cfg(feature = "account")]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use appcenter::types::{AppsCreateBodyOs, AppsCreateBodyPlatform};
use appcenter::{ApiErrorKind, Client, Error, RetryPolicy};
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

/// A client whose own backoff would take far longer than the test allows: only a wait the server
/// asks for can let the call succeed in time.
fn client_with_slow_backoff(server: &MockServer) -> Client {
    slow_backoff(server.uri(), RetryPolicy::default())
        .build()
        .unwrap()
}

/// A builder for `url` with `policy`, whose own backoff (60 s) is far longer than the call's
/// deadline (10 s).
fn slow_backoff(url: String, policy: RetryPolicy) -> appcenter::ClientBuilder {
    Client::builder(TOKEN)
        .base_url(url)
        .total_timeout(Duration::from_secs(10))
        .retry(
            policy
                .initial_backoff(Duration::from_secs(60))
                .max_backoff(Duration::from_secs(60)),
        )
}

/// A client with short backoffs.
fn quick_client(server: &MockServer, policy: RetryPolicy) -> Client {
    Client::builder(TOKEN)
        .base_url(server.uri())
        .retry(
            policy
                .initial_backoff(Duration::from_millis(20))
                .max_backoff(Duration::from_millis(50)),
        )
        .build()
        .unwrap()
}

/// Mounts `first` for the first `times` requests, then `then` for every later one.
async fn answer(server: &MockServer, first: ResponseTemplate, times: u64, then: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path("/v0.1/user"))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v0.1/user"))
        .respond_with(then)
        .with_priority(2)
        .mount(server)
        .await;
}

async fn count(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

fn busy() -> ResponseTemplate {
    ResponseTemplate::new(429).set_body_json(json!({
        "message": "The server is busy now. Try again later", "statusCode": 429, "code": "Too Many Requests"
    }))
}

#[tokio::test]
async fn a_429_with_retry_after_in_seconds_waits_that_long_then_succeeds() {
    let server = MockServer::start().await;
    answer(
        &server,
        busy().insert_header("retry-after", "1"),
        1,
        ResponseTemplate::new(200).set_body_json(user_body()),
    )
    .await;

    let started = Instant::now();
    let user = client_with_slow_backoff(&server)
        .users_get()
        .send()
        .await
        .unwrap()
        .into_inner();
    let took = started.elapsed();

    assert_eq!(user.name, "grace");
    assert_eq!(count(&server).await, 2);
    assert!(took >= Duration::from_secs(1), "did not wait: {took:?}");
    assert!(
        took < Duration::from_secs(5),
        "waited the backoff: {took:?}"
    );
}

#[tokio::test]
async fn a_429_with_retry_after_as_a_past_date_retries_at_once() {
    let server = MockServer::start().await;
    answer(
        &server,
        busy().insert_header("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"),
        1,
        ResponseTemplate::new(200).set_body_json(user_body()),
    )
    .await;

    let started = Instant::now();
    client_with_slow_backoff(&server)
        .users_get()
        .send()
        .await
        .unwrap();

    assert_eq!(count(&server).await, 2);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_429_message_saying_try_again_in_n_seconds_is_honoured() {
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(429).set_body_json(json!({
            "message": "Rate limit is exceeded. Try again in 1 seconds.", "statusCode": 429, "code": "Too Many Requests"
        })),
        1,
        ResponseTemplate::new(200).set_body_json(user_body()),
    )
    .await;

    let started = Instant::now();
    client_with_slow_backoff(&server)
        .users_get()
        .send()
        .await
        .unwrap();
    let took = started.elapsed();

    assert_eq!(count(&server).await, 2);
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(5),
        "{took:?}"
    );
}

#[tokio::test]
async fn a_429_without_retry_after_backs_off_then_succeeds() {
    let server = MockServer::start().await;
    answer(
        &server,
        busy(),
        1,
        ResponseTemplate::new(200).set_body_json(user_body()),
    )
    .await;
    let client = Client::builder(TOKEN)
        .base_url(server.uri())
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(400)))
        .build()
        .unwrap();

    let started = Instant::now();
    client.users_get().send().await.unwrap();
    let took = started.elapsed();

    assert_eq!(count(&server).await, 2);
    // The first backoff is between half and all of the initial backoff (jitter).
    assert!(took >= Duration::from_millis(200), "no backoff: {took:?}");
}

#[tokio::test]
async fn a_server_wait_longer_than_the_budget_ends_the_call_at_once() {
    let server = MockServer::start().await;
    answer(
        &server,
        busy().insert_header("retry-after", "120"),
        1,
        ResponseTemplate::new(200).set_body_json(user_body()),
    )
    .await;
    let client = Client::builder(TOKEN)
        .base_url(server.uri())
        .retry(RetryPolicy::default().max_retry_time(Duration::from_secs(5)))
        .build()
        .unwrap();

    let started = Instant::now();
    let err = client.users_get().send().await.unwrap_err();

    assert_eq!(err.api().unwrap().kind(), ApiErrorKind::RateLimited);
    assert_eq!(count(&server).await, 1);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn an_absurd_server_wait_is_a_typed_error_not_a_panic() {
    let server = MockServer::start().await;
    answer(
        &server,
        busy().insert_header("retry-after", "18446744073709551615"),
        1,
        ResponseTemplate::new(200).set_body_json(user_body()),
    )
    .await;
    // The default client has a deadline, so the wait is added to an `Instant`.
    let client = Client::builder(TOKEN)
        .base_url(server.uri())
        .build()
        .unwrap();

    let err = client.users_get().send().await.unwrap_err();

    assert_eq!(err.api().unwrap().kind(), ApiErrorKind::RateLimited);
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn a_503_twice_then_200_succeeds_on_the_third_attempt() {
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(503),
        2,
        ResponseTemplate::new(200).set_body_json(user_body()),
    )
    .await;

    let user = quick_client(&server, RetryPolicy::default())
        .users_get()
        .send()
        .await
        .unwrap()
        .into_inner();

    assert_eq!(user.name, "grace");
    assert_eq!(count(&server).await, 3);
}

#[tokio::test]
async fn every_retried_status_is_retried_and_others_are_not() {
    for (status, retried) in [
        (408, true),
        (429, true),
        (500, true),
        (502, true),
        (503, true),
        (504, true),
        (400, false),
        (401, false),
        (403, false),
        (404, false),
        (409, false),
        (501, false),
    ] {
        let server = MockServer::start().await;
        answer(
            &server,
            ResponseTemplate::new(status),
            1,
            ResponseTemplate::new(200).set_body_json(user_body()),
        )
        .await;
        let result = quick_client(&server, RetryPolicy::default())
            .users_get()
            .send()
            .await;
        assert_eq!(result.is_ok(), retried, "{status}");
        assert_eq!(
            count(&server).await,
            if retried { 2 } else { 1 },
            "{status}"
        );
    }
}

#[tokio::test]
async fn an_exhausted_retry_budget_gives_the_last_error() {
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(503).set_body_json(json!({ "message": "first answers" })),
        2,
        ResponseTemplate::new(502).set_body_json(json!({ "message": "the last answer" })),
    )
    .await;

    let err = quick_client(&server, RetryPolicy::default().max_attempts(3))
        .users_get()
        .send()
        .await
        .unwrap_err();

    let api = err.api().expect("an API error");
    assert_eq!(api.status, 502);
    assert_eq!(api.message.as_deref(), Some("the last answer"));
    assert_eq!(count(&server).await, 3);
}

#[tokio::test]
async fn retries_can_be_switched_off() {
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(503),
        1,
        ResponseTemplate::new(200).set_body_json(user_body()),
    )
    .await;

    let err = quick_client(&server, RetryPolicy::none())
        .users_get()
        .send()
        .await
        .unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(count(&server).await, 1);
}

/// Mounts answers for `POST /v0.1/user/invitations/orgs/x/accept`: `first` once, then 204.
async fn post_answers(server: &MockServer, first: ResponseTemplate) {
    Mock::given(method("POST"))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .with_priority(2)
        .mount(server)
        .await;
}

async fn accept(client: &Client) -> Result<(), Error> {
    client
        .org_invitations_accept()
        .invitation_token("x")
        .send()
        .await?;
    Ok(())
}

#[tokio::test]
async fn a_post_is_not_retried_on_500() {
    let server = MockServer::start().await;
    post_answers(&server, ResponseTemplate::new(500)).await;

    let err = accept(&quick_client(&server, RetryPolicy::default()))
        .await
        .unwrap_err();

    assert_eq!(err.api().unwrap().kind(), ApiErrorKind::ServerError);
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn a_post_is_retried_on_500_when_the_caller_opts_in() {
    let server = MockServer::start().await;
    post_answers(&server, ResponseTemplate::new(500)).await;

    accept(&quick_client(
        &server,
        RetryPolicy::default().retry_non_idempotent(true),
    ))
    .await
    .unwrap();

    assert_eq!(count(&server).await, 2);
}

#[tokio::test]
async fn a_post_is_retried_on_429() {
    let server = MockServer::start().await;
    post_answers(&server, busy().insert_header("retry-after", "0")).await;

    accept(&quick_client(&server, RetryPolicy::default()))
        .await
        .unwrap();

    assert_eq!(count(&server).await, 2);
}

#[tokio::test]
async fn a_retried_request_is_the_same_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0.1/apps"))
        .respond_with(busy().insert_header("retry-after", "0"))
        .mount(&server)
        .await;

    let err = quick_client(&server, RetryPolicy::default().max_attempts(3))
        .apps_create()
        .body_map(|b| {
            b.display_name("My App")
                .os(AppsCreateBodyOs::Android)
                .platform(AppsCreateBodyPlatform::Java)
        })
        .send()
        .await
        .unwrap_err();

    assert_eq!(err.api().unwrap().kind(), ApiErrorKind::RateLimited);
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 3);
    let body: serde_json::Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(body["display_name"], "My App");
    for retry in &received[1..] {
        assert_eq!(retry.method, received[0].method);
        assert_eq!(retry.url, received[0].url);
        assert_eq!(retry.body, received[0].body);
        assert_eq!(retry.headers, received[0].headers);
    }
    assert_eq!(received[2].headers.get("x-api-token").unwrap(), TOKEN);
}

/// A loopback address where nothing listens (yet).
fn free_port() -> std::net::SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

#[tokio::test]
async fn a_post_is_retried_when_the_connection_could_not_be_made() {
    let addr = free_port();
    // The server comes up on the port only after the first attempt was refused.
    let late = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let listener = TcpListener::bind(addr).unwrap();
        let server = MockServer::builder().listener(listener).start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(204))
            .mount(&server)
            .await;
        server
    });
    let client = Client::builder(TOKEN)
        .base_url(format!("http://{addr}"))
        .retry(
            RetryPolicy::default()
                .max_attempts(10)
                .initial_backoff(Duration::from_millis(200))
                .max_backoff(Duration::from_millis(200)),
        )
        .build()
        .unwrap();

    accept(&client).await.unwrap();

    let server = late.await.unwrap();
    assert_eq!(count(&server).await, 1, "the server saw the POST once");
}

/// A server that reads each request and closes the connection without answering; counts them.
fn hang_up_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"");
            drop(stream);
        }
    });
    (format!("http://{addr}"), seen)
}

#[tokio::test]
async fn a_dropped_connection_is_retried_for_get_but_not_for_post() {
    let (url, seen) = hang_up_server();
    let client = Client::builder(TOKEN)
        .base_url(url)
        .retry(
            RetryPolicy::default()
                .max_attempts(3)
                .initial_backoff(Duration::from_millis(10)),
        )
        .build()
        .unwrap();

    let err = accept(&client).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1,
        "a POST that may have arrived is not resent"
    );

    let err = client.users_get().send().await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(seen.load(Ordering::SeqCst), 1 + 3, "a GET is tried 3 times");
}

/// Issue 11, point 10: a 429 whose body breaks off midway is still a 429: it is retried (on
/// `main` the body error escaped the retry loop as a transport failure).
#[tokio::test]
async fn a_429_whose_body_breaks_off_is_still_retried() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            if n == 0 {
                // Promises 1000 bytes, sends 7, hangs up.
                let _ = stream.write_all(
                    b"HTTP/1.1 429 Too Many Requests\r\nretry-after: 0\r\ncontent-length: 1000\r\n\r\npartial",
                );
            } else {
                let body = user_body().to_string();
                let _ = stream.write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                );
            }
        }
    });
    let client = Client::builder(TOKEN)
        .base_url(format!("http://{addr}"))
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(10)))
        .build()
        .unwrap();

    let user = client.users_get().send().await.unwrap().into_inner();

    assert_eq!(user.name, "grace");
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

/// Issue 9: per-call settings. A derived client (`with_retry`, `with_timeout`) runs a call with
/// another policy without touching the original, and shares its connection pool.
#[tokio::test]
async fn one_call_can_run_with_another_retry_policy_or_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/user"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let client = quick_client(&server, RetryPolicy::default().max_attempts(3));

    let err = client
        .with_retry(RetryPolicy::none())
        .users_get()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(count(&server).await, 1, "the derived client tried once");

    client.users_get().send().await.unwrap_err();
    assert_eq!(count(&server).await, 1 + 3, "the original still retries");

    let slow = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(user_body())
                .set_delay(Duration::from_millis(400)),
        )
        .mount(&slow)
        .await;
    let client = quick_client(&slow, RetryPolicy::none());
    let err = client
        .with_timeout(Duration::from_millis(50))
        .users_get()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    client.users_get().send().await.unwrap();
}

/// An HTTP/2 server (prior knowledge, no TLS) that resets the first `refusals` streams with
/// `REFUSED_STREAM` (RFC 9113 §8.7: the request was not processed) and answers later ones 204;
/// counts the streams it saw.
async fn refusing_h2_server(refusals: usize) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let Ok(mut connection) = h2::server::handshake(tcp).await else {
                    return;
                };
                while let Some(Ok((_request, mut respond))) = connection.accept().await {
                    if counter.fetch_add(1, Ordering::SeqCst) < refusals {
                        respond.send_reset(h2::Reason::REFUSED_STREAM);
                    } else {
                        let answer = http::Response::builder().status(204).body(()).unwrap();
                        let _ = respond.send_response(answer, true);
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), seen)
}

/// A client speaking HTTP/2 to `url`, with `policy` and a deadline far shorter than the
/// policy's own backoff (60 s): a refused request that waited for it would fail the test.
fn h2_client(url: String, policy: RetryPolicy) -> Client {
    slow_backoff(url, policy)
        .reqwest_builder(reqwest::Client::builder().http2_prior_knowledge())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_post_refused_by_an_http2_server_is_resent_at_once() {
    let (url, seen) = refusing_h2_server(1).await;
    let started = Instant::now();

    accept(&h2_client(url, RetryPolicy::default()))
        .await
        .unwrap();

    assert_eq!(
        seen.load(Ordering::SeqCst),
        2,
        "refused once, then sent again"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "resent without the backoff"
    );
}

/// The policy's retry loop is the only one: reqwest's own layer (which resent refused streams
/// twice on top of any policy) sends nothing more.
#[tokio::test]
async fn every_attempt_is_the_policys_own() {
    let (url, seen) = refusing_h2_server(usize::MAX).await;

    let err = accept(&h2_client(url.clone(), RetryPolicy::none()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(seen.load(Ordering::SeqCst), 1, "retries off: one request");

    let err = accept(&h2_client(url, RetryPolicy::default().max_attempts(3)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(
        seen.load(Ordering::SeqCst),
        1 + 3,
        "three attempts: three requests"
    );
}
