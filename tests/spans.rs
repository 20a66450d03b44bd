//! Tracing as a user's subscriber sees it: one `appcenter.call` span per call with the
//! operation, method, path template, final status, attempts, latency, error kind and code and
//! correlation id; a child `appcenter.attempt` span per attempt; an event per retry wait.
#![cfg(feature = "account")]

#[path = "common/capture.rs"]
mod capture;

use std::time::Duration;

use appcenter::{Client, RetryPolicy};
use capture::{Capture, Entry};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "test-token-0123456789abcdef";

fn user_body() -> serde_json::Value {
    json!({
        "id": "6a1c3e6e-3a63-4b8e-9b0e-5a2b41f1d0c4", "display_name": "Grace Hopper",
        "email": "grace@example.com", "name": "grace", "origin": "appcenter", "permissions": ["manager"]
    })
}

fn client_for(server: &MockServer) -> Client {
    Client::builder(TOKEN)
        .base_url(server.uri())
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(5)))
        .build()
        .unwrap()
}

fn only_call(capture: &Capture) -> Entry {
    let calls = capture.spans("appcenter.call");
    assert_eq!(calls.len(), 1, "{calls:?}");
    calls.into_iter().next().unwrap()
}

fn attempts_of(capture: &Capture, call: &Entry) -> Vec<Entry> {
    capture
        .spans("appcenter.attempt")
        .into_iter()
        .filter(|a| a.parent == Some(call.id))
        .collect()
}

#[tokio::test]
async fn a_success_has_its_call_span_with_status_attempts_and_latency() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = MockServer::start().await;
    Mock::given(path("/v0.1/user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_body()))
        .mount(&server)
        .await;

    client_for(&server).users_get().send().await.unwrap();

    let call = only_call(&capture);
    assert_eq!(call.field("operation"), Some("users_get"));
    assert_eq!(call.field("method"), Some("GET"));
    assert_eq!(call.field("path"), Some("/v0.1/user"));
    assert_eq!(call.field("status"), Some("200"));
    assert_eq!(call.field("attempts"), Some("1"));
    assert!(call.field("latency_ms").is_some(), "{call:?}");
    assert_eq!(call.field("error"), None);
    let attempts = attempts_of(&capture, &call);
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0].field("status"), Some("200"));
    assert!(!capture.text().contains(TOKEN));
}

#[tokio::test]
async fn a_retried_429_shows_two_attempts_and_the_wait() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = MockServer::start().await;
    Mock::given(path("/v0.1/user"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/v0.1/user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_body()))
        .mount(&server)
        .await;

    client_for(&server).users_get().send().await.unwrap();

    let call = only_call(&capture);
    assert_eq!(call.field("status"), Some("200"));
    assert_eq!(call.field("attempts"), Some("2"));
    let statuses: Vec<_> = attempts_of(&capture, &call)
        .iter()
        .map(|a| a.field("status").unwrap_or_default().to_string())
        .collect();
    assert_eq!(statuses, ["429", "200"]);
    let waits: Vec<_> = capture
        .entries()
        .into_iter()
        .filter(|e| e.kind == "event" && e.field("message") == Some("retry wait"))
        .collect();
    assert_eq!(waits.len(), 1, "{:?}", capture.entries());
    assert_eq!(waits[0].field("wait_ms"), Some("0"));
    assert_eq!(waits[0].parent, Some(call.id));
}

#[tokio::test]
async fn a_failure_records_the_error_kind_code_and_correlation_id() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/apps/owner/app"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({
                    "error": { "code": "NotFound", "message": "no app" }
                }))
                .insert_header("x-correlation-id", "0f8fad5b-d9cb"),
        )
        .mount(&server)
        .await;

    let err = client_for(&server)
        .apps_get()
        .owner_name("owner")
        .app_name("app")
        .send()
        .await
        .unwrap_err();

    assert_eq!(err.api().unwrap().correlation_id(), Some("0f8fad5b-d9cb"));
    let call = only_call(&capture);
    assert_eq!(call.field("operation"), Some("apps_get"));
    assert_eq!(
        call.field("path"),
        Some("/v0.1/apps/{owner_name}/{app_name}")
    );
    assert_eq!(call.field("status"), Some("404"));
    assert_eq!(call.field("error"), Some("api"));
    assert_eq!(call.field("error_code"), Some("NotFound"));
    assert_eq!(call.field("correlation_id"), Some("0f8fad5b-d9cb"));
    // The filled path (owner and app names) is in no field.
    assert!(
        !capture.text().contains("/v0.1/apps/owner/app"),
        "{}",
        capture.text()
    );
}

/// The `debug` events of `message`, in order.
#[cfg(feature = "mock")]
fn events(capture: &Capture, message: &str) -> Vec<Entry> {
    capture
        .entries()
        .into_iter()
        .filter(|e| e.kind == "event" && e.field("message") == Some(message))
        .collect()
}

/// A fresh path for `name` in a directory of its own.
#[cfg(feature = "mock")]
fn temp_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("appcenter-tracing-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The mock's secrets, in no captured field.
#[cfg(feature = "mock")]
fn assert_no_mock_secrets(capture: &Capture) {
    let text = capture.text();
    for secret in [
        appcenter::mock::MockAppCenter::TOKEN.to_string(),
        appcenter::mock::UPLOAD_TOKEN.to_string(),
        appcenter::mock::encoded_upload_token(),
        appcenter::mock::SAS_SIGNATURE.to_string(),
        "sig=".to_string(),
    ] {
        assert!(!text.contains(&secret), "{secret:?} captured in: {text}");
    }
}

/// Issue 9: the release upload emits an `upload progress` event per progress report, with the
/// phase, byte counts and upload id, and no token or URL.
#[cfg(all(feature = "mock", feature = "distribute"))]
#[tokio::test]
async fn the_release_upload_emits_progress_events() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let mock = appcenter::mock::MockAppCenter::builder()
        .chunk_size(1024)
        .start()
        .await;
    let file = temp_file("app.apk");
    std::fs::write(&file, vec![5u8; 2 * 1024 + 3]).unwrap();

    mock.client()
        .upload_release("org", "app", &file)
        .poll_interval(Duration::from_millis(5))
        .poll_timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap();

    let progress = events(&capture, "upload progress");
    assert!(!progress.is_empty(), "{:?}", capture.entries());
    let upload_id = mock.upload_id().unwrap().to_string();
    let last_uploading = progress
        .iter()
        .rfind(|e| e.field("phase") == Some("Uploading"))
        .expect("an Uploading event");
    assert_eq!(last_uploading.field("bytes_sent"), Some("2051"));
    assert_eq!(last_uploading.field("total_bytes"), Some("2051"));
    assert_eq!(last_uploading.field("upload_id"), Some(upload_id.as_str()));
    let phases: Vec<&str> = progress.iter().filter_map(|e| e.field("phase")).collect();
    for phase in ["Uploading", "Processing", "Done"] {
        assert!(phases.contains(&phase), "{phases:?}");
    }
    assert!(
        !capture.text().contains(&mock.upload_domain_uri()),
        "{}",
        capture.text()
    );
    assert_no_mock_secrets(&capture);
}

/// Issue 9: the symbol upload emits a `symbol upload progress` event per progress report, with
/// the phase, byte counts and symbol upload id, and no SAS signature or token.
#[cfg(all(feature = "mock", feature = "crash"))]
#[tokio::test]
async fn the_symbol_upload_emits_progress_events() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let mock = appcenter::mock::MockAppCenter::start().await;
    let symbols = appcenter::mock::MockSymbols::mount(&mock).await;
    let file = temp_file("symbols.zip");
    std::fs::write(&file, vec![6u8; 1500]).unwrap();

    mock.client()
        .upload_symbols(
            "org",
            "app",
            &file,
            appcenter::symbols::SymbolType::Breakpad,
        )
        .send()
        .await
        .unwrap();

    let progress = events(&capture, "symbol upload progress");
    assert!(!progress.is_empty(), "{:?}", capture.entries());
    let id = symbols.symbol_upload_id().unwrap();
    let sent = progress
        .iter()
        .find(|e| e.field("bytes_sent") == Some("1500"))
        .expect("an event with every byte sent");
    assert_eq!(sent.field("total_bytes"), Some("1500"));
    assert_eq!(sent.field("phase"), Some("Uploading"));
    assert_eq!(sent.field("upload_id"), Some(id.as_str()));
    assert_eq!(progress.last().unwrap().field("phase"), Some("Done"));
    assert!(
        !capture.text().contains(&symbols.blob_uri()),
        "{}",
        capture.text()
    );
    assert_no_mock_secrets(&capture);
}
