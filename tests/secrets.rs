//! The canary suite (issue 11): recognisable secrets are planted wherever a secret lives, then
//! every channel a user can see is searched for them. Any sighting fails.
//!
//! Planted: the API token, a proxy password, a token minted in an answer, an upload token and
//! its URL-encoded twin, an Azure SAS signature, a secret path parameter, a secret query
//! parameter and a password in a request body.
//!
//! Searched (see [`Channel`]): `Debug` (plain and `{:#?}`) and `Display` of the clients,
//! builders, answers and every error with its whole `source()` chain; panic messages; captured
//! tracing output (every span and event field); and what every foreign origin received
//! (redirect targets, proxies, `nextLink` hosts, and with the mock the release upload's upload
//! domain and the symbol upload's blob host): URL, headers and body. The mock accepts only its
//! own token, so its probes plant `MockAppCenter::TOKEN`, `UPLOAD_TOKEN` (and its encoded twin)
//! and `SAS_SIGNATURE`.
#![cfg(all(
    feature = "account",
    feature = "distribute",
    feature = "crash",
    feature = "errors",
    feature = "codepush"
))]

#[path = "common/capture.rs"]
mod capture;

use std::sync::{Mutex, Once};
use std::time::Duration;

use appcenter::pagination::Paginate;
use appcenter::{Client, Error, RetryPolicy};
use capture::Capture;
use futures::StreamExt;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "canary-api-token-5f1e2d3c";
const PROXY_PASSWORD: &str = "canary-proxy-pass-8a7b";
const MINTED: &str = "canary-minted-token-9c8d";
const UPLOAD_TOKEN: &str = "canary/upload+token-4e5f";
const UPLOAD_TOKEN_ENCODED: &str = "canary%2Fupload%2Btoken-4e5f";
const SAS_SIG: &str = "canarySasSignature3b4c";
const PATH_SECRET: &str = "canary-invitation-6d7e";
const QUERY_SECRET: &str = "canary-deployment-key-2f3a";
const BODY_SECRET: &str = "canary-body-password-1a2b";

const CANARIES: &[&str] = &[
    TOKEN,
    PROXY_PASSWORD,
    MINTED,
    UPLOAD_TOKEN,
    UPLOAD_TOKEN_ENCODED,
    SAS_SIG,
    PATH_SECRET,
    QUERY_SECRET,
    BODY_SECRET,
];

/// Where a user can see something (named in failure messages through `Debug`).
#[derive(Debug)]
#[allow(dead_code)]
enum Channel<'a> {
    /// `Display`, `Debug` or `{:#?}` of a value, or of an error's source.
    Shown(&'a str),
    /// Captured tracing output.
    Tracing,
    /// Panic messages of the process so far.
    Panics,
    /// Requests a foreign origin received.
    Foreign(&'a str),
}

/// Fails on any canary in `text`. The failure message masks the canaries, so that the suite's
/// own failures do not plant them in the panic channel.
fn clean(probe: &str, channel: Channel<'_>, text: &str) {
    let Some(index) = CANARIES.iter().position(|c| text.contains(c)) else {
        return;
    };
    let mut masked = text.to_string();
    for (n, canary) in CANARIES.iter().enumerate() {
        masked = masked.replace(canary, &format!("<CANARY #{n}>"));
    }
    panic!("probe {probe}: canary #{index} seen in {channel:?}: {masked}");
}

/// `Debug`, `{:#?}` and `Display` of `value`.
fn shown<T: std::fmt::Debug + ?Sized>(probe: &str, what: &str, value: &T) {
    clean(probe, Channel::Shown(what), &format!("{value:?}"));
    clean(probe, Channel::Shown(what), &format!("{value:#?}"));
}

/// An error, its `Debug` and `Display`, and those of every source in its chain.
fn error_chain(probe: &str, error: &(dyn std::error::Error + 'static)) {
    let mut current = Some(error);
    let mut depth = 0;
    while let Some(e) = current {
        let what = format!("error source #{depth}");
        clean(probe, Channel::Shown(&what), &e.to_string());
        shown(probe, &what, e);
        current = e.source();
        depth += 1;
    }
}

/// The requests a foreign server received: URL, every header, body.
async fn foreign(probe: &str, what: &str, server: &MockServer) -> Vec<Request> {
    let received = server.received_requests().await.unwrap_or_default();
    for request in &received {
        let mut text = format!("{} {}\n", request.method, request.url);
        for (name, value) in &request.headers {
            text.push_str(&format!(
                "{name}: {}\n",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        text.push_str(&String::from_utf8_lossy(&request.body));
        clean(probe, Channel::Foreign(what), &text);
    }
    received
}

static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Records every panic message of the process (and still prints it).
fn record_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(info.to_string());
            previous(info);
        }));
    });
}

/// Starts a probe: panics recorded, tracing captured on this thread.
fn start() -> (Capture, tracing::subscriber::DefaultGuard) {
    record_panics();
    let capture = Capture::default();
    let guard = tracing::subscriber::set_default(capture.clone());
    (capture, guard)
}

/// Ends a probe: searches the tracing output and the panic messages.
fn finish(probe: &str, capture: &Capture) {
    clean(probe, Channel::Tracing, &capture.text());
    let panics = PANICS.lock().unwrap_or_else(|e| e.into_inner()).join("\n");
    clean(probe, Channel::Panics, &panics);
}

fn client_for(server: &MockServer) -> Client {
    Client::builder(TOKEN)
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

fn user_body() -> serde_json::Value {
    json!({
        "id": "6a1c3e6e-3a63-4b8e-9b0e-5a2b41f1d0c4", "display_name": "Grace Hopper",
        "email": "grace@example.com", "name": "grace", "origin": "appcenter", "permissions": ["manager"]
    })
}

/// Point 1: a caller-supplied reqwest builder follows redirects by default; the token must not
/// follow it to another origin.
#[tokio::test]
async fn point_1_a_caller_builder_never_carries_the_token_to_a_redirect_target() {
    let (capture, _guard) = start();
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
    let builder = Client::builder(TOKEN)
        .base_url(api.uri())
        .reqwest_builder(reqwest::Client::builder());
    shown("point 1", "ClientBuilder", &builder);
    let client = builder.build().unwrap();
    shown("point 1", "Client", &client);

    let answer = client.users_get().send().await;

    shown("point 1", "answer", &answer);
    assert_eq!(
        foreign("point 1", "redirect target", &elsewhere)
            .await
            .len(),
        1
    );
    finish("point 1", &capture);
}

/// Point 2: an undecodable success answer holding a freshly minted token never prints it.
#[tokio::test]
async fn point_2_an_undecodable_answer_never_prints_its_secrets() {
    let (capture, _guard) = start();
    let api = MockServer::start().await;
    // One field of the wrong type in each.
    Mock::given(path("/v0.1/api_tokens"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "7d1a2b3c-0000-4000-8000-000000000001", "api_token": MINTED,
            "created_at": "2024-05-02T08:00:00Z", "scope": "all"
        })))
        .mount(&api)
        .await;
    Mock::given(path("/v0.1/apps/o/a/uploads/releases"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "7d1a2b3c-0000-4000-8000-000000000002", "package_asset_id": 42,
            "token": UPLOAD_TOKEN, "url_encoded_token": UPLOAD_TOKEN_ENCODED,
            "upload_domain": "https://upload.example"
        })))
        .mount(&api)
        .await;
    Mock::given(path("/v0.1/apps/o/a/symbol_uploads"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "symbol_upload_id": 7, "expiration_date": "2024-05-02T08:00:00Z",
            "upload_url": format!("https://blob.example/c/f?sv=2019&sig={SAS_SIG}")
        })))
        .mount(&api)
        .await;
    let client = client_for(&api);

    let minted = client
        .user_api_tokens_new()
        .body(appcenter::types::UserApiTokensNewBody::builder().description("ci".to_string()))
        .send()
        .await
        .unwrap_err();
    let upload = client
        .release_uploads_create()
        .owner_name("o")
        .app_name("a")
        .body(appcenter::types::PostCreateReleaseUploadRequest::builder())
        .send()
        .await
        .unwrap_err();
    let symbols = client
        .symbol_uploads_create()
        .owner_name("o")
        .app_name("a")
        .body(
            serde_json::from_value::<appcenter::types::SymbolUploadBeginRequest>(
                json!({ "symbol_type": "Apple" }),
            )
            .unwrap(),
        )
        .send()
        .await
        .unwrap_err();

    for (err, operation) in [
        (&minted, "user_api_tokens_new"),
        (&upload, "release_uploads_create"),
        (&symbols, "symbol_uploads_create"),
    ] {
        assert!(matches!(err, Error::Decode(_)), "{err:?}");
        assert_eq!(err.operation().map(|op| op.id()), Some(operation));
        error_chain("point 2", err);
    }
    finish("point 2", &capture);
}

/// Point 4: transport errors and timeouts name the operation and its path template, never the
/// filled URL with its secret path and query parameters.
#[tokio::test]
async fn point_4_transport_and_timeout_errors_never_show_the_url() {
    let (capture, _guard) = start();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let unreachable = Client::builder(TOKEN)
        .base_url(closed)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let refused = unreachable
        .org_invitations_accept()
        .invitation_token(PATH_SECRET)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Transport(_)), "{refused:?}");
    assert!(
        refused.to_string().contains(
            "org_invitations_accept (POST /v0.1/user/invitations/orgs/{invitation_token}/accept)"
        ),
        "{refused}"
    );
    error_chain("point 4 (connect)", &refused);

    let slow = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&slow)
        .await;
    let impatient = Client::builder(TOKEN)
        .base_url(slow.uri())
        .timeout(Duration::from_millis(100))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let timed_out = impatient
        .legacy_code_push_acquisition_update_check()
        .deployment_key(QUERY_SECRET)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(timed_out, Error::Timeout(_)), "{timed_out:?}");
    error_chain("point 4 (timeout)", &timed_out);

    // An API error and an unexpected status answered to the same secret path.
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(404).set_body_string("<html>no</html>"))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(302))
        .mount(&api)
        .await;
    let client = client_for(&api);
    let not_found = client
        .org_invitations_accept()
        .invitation_token(PATH_SECRET)
        .send()
        .await
        .unwrap_err();
    assert_eq!(not_found.status().map(|s| s.as_u16()), Some(404));
    error_chain("point 4 (api error)", &not_found);
    let unexpected = client
        .legacy_code_push_acquisition_update_check()
        .deployment_key(QUERY_SECRET)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(unexpected, Error::UnexpectedStatus(_)),
        "{unexpected:?}"
    );
    error_chain("point 4 (unexpected status)", &unexpected);
    finish("point 4", &capture);
}

/// Point 5: proxy credentials never print, from the builder or the client.
#[tokio::test]
async fn point_5_proxy_credentials_never_print() {
    let (capture, _guard) = start();
    let proxy = reqwest::Proxy::all("http://proxy.corp.example:3128")
        .unwrap()
        .basic_auth("builder", PROXY_PASSWORD);
    let builder = Client::builder(TOKEN).proxy(proxy);
    shown("point 5", "ClientBuilder", &builder);
    let client = builder.build().unwrap();
    shown("point 5", "Client", &client);
    shown(
        "point 5",
        "Client::with_retry",
        &client.with_retry(RetryPolicy::none()),
    );
    shown("point 5", "generated client (Client::api)", client.api());
    // A request builder holds the client and the arguments (here secret path and query values).
    let request = client
        .org_invitations_accept()
        .invitation_token(PATH_SECRET);
    shown("point 5", "request builder", &request);
    let request = client
        .legacy_code_push_acquisition_update_check()
        .deployment_key(QUERY_SECRET);
    shown("point 5", "request builder", &request);
    // A proxy URL with credentials in it, as the environment would give.
    let inline = reqwest::Proxy::all(format!(
        "http://user:{PROXY_PASSWORD}@proxy.corp.example:3128"
    ))
    .unwrap();
    let client = Client::builder(TOKEN).proxy(inline).build().unwrap();
    shown("point 5", "Client (inline credentials)", &client);
    finish("point 5", &capture);
}

/// Point 6: a plain-http loopback base with `HTTP_PROXY` set must not send the token in clear
/// to the proxy.
#[tokio::test]
async fn point_6_a_plain_http_loopback_client_never_talks_to_a_proxy() {
    let (capture, _guard) = start();
    let api = MockServer::start().await;
    let proxy = MockServer::start().await;
    for server in [&api, &proxy] {
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_json(user_body()))
            .mount(server)
            .await;
    }
    let client = {
        // The only test of this file that touches the environment.
        // SAFETY: no other test of this binary reads or writes these variables.
        unsafe {
            std::env::set_var("HTTP_PROXY", proxy.uri());
            std::env::set_var("ALL_PROXY", proxy.uri());
        }
        let client = client_for(&api);
        unsafe {
            std::env::remove_var("HTTP_PROXY");
            std::env::remove_var("ALL_PROXY");
        }
        client
    };

    client.users_get().send().await.unwrap();

    assert!(foreign("point 6", "proxy", &proxy).await.is_empty());
    assert_eq!(api.received_requests().await.unwrap().len(), 1);
    finish("point 6", &capture);
}

/// Point 7: a PATCH answered `307` to another origin is not re-sent there with its body.
#[tokio::test]
async fn point_7_a_body_is_never_replayed_to_another_origin() {
    let (capture, _guard) = start();
    let api = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(307).insert_header(
            "location",
            format!("{}/take?sig={SAS_SIG}", elsewhere.uri()),
        ))
        .mount(&api)
        .await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&elsewhere)
        .await;

    let err = client_for(&api)
        .apps_update()
        .owner_name("o")
        .app_name("a")
        .body(appcenter::types::AppPatchRequest::builder().description(BODY_SECRET.to_string()))
        .send()
        .await
        .unwrap_err();

    match &err {
        Error::Redirect { target_origin, .. } => assert_eq!(target_origin, &elsewhere.uri()),
        other => panic!("expected a refused redirect, got {other:?}"),
    }
    error_chain("point 7", &err);
    assert!(
        foreign("point 7", "redirect target", &elsewhere)
            .await
            .is_empty()
    );
    finish("point 7", &capture);
}

/// Point 7: after a `303`, a retry re-sends the `GET` hop, never the original POST.
#[tokio::test]
async fn point_7_a_retry_after_a_303_resends_the_get() {
    let (capture, _guard) = start();
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(303).insert_header("location", "/v0.1/user"))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&api)
        .await;
    let client = Client::builder(TOKEN)
        .base_url(api.uri())
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();

    client
        .org_invitations_accept()
        .invitation_token(PATH_SECRET)
        .send()
        .await
        .unwrap();

    let methods: Vec<String> = api
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.method.to_string())
        .collect();
    assert_eq!(methods, ["POST", "GET", "GET"]);
    finish("point 7 (303)", &capture);
}

/// Point 8: a `nextLink` to another origin is never fetched (with or without the token).
#[tokio::test]
async fn point_8_a_next_link_host_receives_nothing() {
    let (capture, _guard) = start();
    let api = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errorGroups": [{ "errorGroupId": "a", "appVersion": "1", "count": 1, "deviceCount": 1,
                "firstOccurrence": "2024-01-01T00:00:00Z", "lastOccurrence": "2024-01-01T00:00:00Z",
                "reasonFrames": [], "state": "open" }],
            "nextLink": format!("{}/v0.1/apps/o/a/errors/errorGroups?token={QUERY_SECRET}", elsewhere.uri())
        })))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "errorGroups": [] })))
        .mount(&elsewhere)
        .await;
    let client = client_for(&api);

    let pages: Vec<_> = client
        .errors_group_list()
        .owner_name("o")
        .app_name("a")
        .start(
            "2024-01-01T00:00:00Z"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap(),
        )
        .pages()
        .collect()
        .await;

    let err = pages.last().unwrap().as_ref().unwrap_err();
    assert!(matches!(err, Error::Pagination { .. }), "{err:?}");
    error_chain("point 8", err);
    assert!(
        foreign("point 8", "nextLink host", &elsewhere)
            .await
            .is_empty()
    );
    finish("point 8", &capture);
}

/// Point 9: limits from the caller (`Duration::MAX`) never panic; "no deadline" is explicit too.
#[tokio::test]
async fn point_9_duration_max_is_no_limit_not_a_panic() {
    let (capture, _guard) = start();
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_body()))
        .mount(&api)
        .await;
    let builders = [
        Client::builder(TOKEN).total_timeout(Duration::MAX),
        Client::builder(TOKEN).timeout(Duration::MAX),
        Client::builder(TOKEN).connect_timeout(Duration::MAX),
        Client::builder(TOKEN).no_timeout().no_total_timeout(),
        Client::builder(TOKEN).retry(
            RetryPolicy::default()
                .max_retry_time(Duration::MAX)
                .max_backoff(Duration::MAX),
        ),
    ];
    for builder in builders {
        let client = builder.base_url(api.uri()).build().unwrap();
        // In a task, so that a panic is seen as such rather than tearing the probe down.
        let calls = tokio::spawn(async move {
            client.users_get().send().await.map(|_| ())?;
            client
                .with_timeout(Duration::MAX)
                .users_get()
                .send()
                .await
                .map(|_| ())?;
            client
                .with_total_timeout(Duration::MAX)
                .users_get()
                .send()
                .await
                .map(|_| ())
        });
        calls.await.expect("no panic").unwrap();
    }
    finish("point 9", &capture);
}

/// Hand-written error text: a server that echoes the token it received (in a message, in an
/// HTML page) does not get it printed by the crate.
#[tokio::test]
async fn an_echoed_token_is_redacted_from_api_errors() {
    let (capture, _guard) = start();
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/user"))
        .respond_with(|request: &Request| {
            let token = request.headers["x-api-token"].to_str().unwrap().to_string();
            ResponseTemplate::new(401)
                .set_body_json(json!({ "message": format!("token {token} is revoked") }))
        })
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/v0.1/apps"))
        .respond_with(|request: &Request| {
            let token = request.headers["x-api-token"].to_str().unwrap().to_string();
            ResponseTemplate::new(502).set_body_string(format!("<html>{token}</html>"))
        })
        .mount(&api)
        .await;
    let client = client_for(&api);

    let revoked = client.users_get().send().await.unwrap_err();
    let gateway = client.apps_list().send().await.unwrap_err();

    for err in [&revoked, &gateway] {
        assert!(err.api().is_some(), "{err:?}");
        error_chain("echoed token", err);
    }
    assert!(revoked.to_string().contains("is revoked"), "{revoked}");
    finish("echoed token", &capture);
}

/// Point 9: `poll_interval(Duration::MAX)` never panics (on `main`: "overflow when adding
/// durations"); the upload ends, one way or the other, with a result.
#[cfg(feature = "mock")]
#[tokio::test]
async fn point_9_a_huge_poll_interval_is_not_a_panic() {
    let (capture, _guard) = start();
    let mock = appcenter::mock::MockAppCenter::builder().start().await;
    let client = mock.client_builder().build().unwrap();
    let dir = std::env::temp_dir().join(format!("appcenter-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("app.apk");
    std::fs::write(&file, vec![7u8; 4096]).unwrap();

    let upload = tokio::spawn(async move {
        let result = client
            .upload_release("owner", "app", &file)
            .poll_interval(Duration::MAX)
            .send()
            .await;
        format!("{result:?}")
    });

    let shown = tokio::time::timeout(Duration::from_secs(30), upload)
        .await
        .expect("the upload ended")
        .expect("no panic");
    clean("point 9 (poll)", Channel::Shown("upload result"), &shown);
    finish("point 9 (poll)", &capture);
}

/// The mock's own secrets (it accepts only its token, so that is the planted API token): the
/// API token, the upload token and its encoded twin, the SAS signature.
#[cfg(feature = "mock")]
fn mock_secrets() -> Vec<String> {
    vec![
        appcenter::mock::MockAppCenter::TOKEN.to_string(),
        appcenter::mock::UPLOAD_TOKEN.to_string(),
        appcenter::mock::encoded_upload_token(),
        appcenter::mock::SAS_SIGNATURE.to_string(),
    ]
}

/// [`clean`], plus the mock's secrets in `text`.
#[cfg(feature = "mock")]
fn mock_clean(probe: &str, channel: Channel<'_>, text: &str) {
    clean(probe, Channel::Shown("(file canaries)"), text);
    let secrets = mock_secrets();
    if let Some(index) = secrets.iter().position(|s| text.contains(s.as_str())) {
        let mut masked = text.to_string();
        for (n, secret) in secrets.iter().enumerate() {
            masked = masked.replace(secret.as_str(), &format!("<MOCK SECRET #{n}>"));
        }
        panic!("probe {probe}: mock secret #{index} seen in {channel:?}: {masked}");
    }
}

/// `Debug` and `{:#?}` of `value`, searched for the mock's secrets too.
#[cfg(feature = "mock")]
fn mock_shown<T: std::fmt::Debug + ?Sized>(probe: &str, what: &str, value: &T) {
    mock_clean(probe, Channel::Shown(what), &format!("{value:?}"));
    mock_clean(probe, Channel::Shown(what), &format!("{value:#?}"));
}

/// [`error_chain`], searched for the mock's secrets too.
#[cfg(feature = "mock")]
fn mock_error_chain(probe: &str, error: &(dyn std::error::Error + 'static)) {
    let mut current = Some(error);
    let mut depth = 0;
    while let Some(e) = current {
        let what = format!("error source #{depth}");
        mock_clean(probe, Channel::Shown(&what), &e.to_string());
        mock_shown(probe, &what, e);
        current = e.source();
        depth += 1;
    }
}

/// What a foreign origin of the mock received (method, path, query, every header, JSON body)
/// must not carry `X-API-Token` nor the API token.
#[cfg(feature = "mock")]
fn mock_foreign(probe: &str, what: &str, received: &[appcenter::mock::Received]) {
    let token = appcenter::mock::MockAppCenter::TOKEN;
    assert!(
        !received.is_empty(),
        "probe {probe}: {what} received nothing"
    );
    for request in received {
        assert!(
            !request.headers.contains_key("x-api-token"),
            "probe {probe}: X-API-Token went to the {what}"
        );
        let mut text = format!(
            "{} {}?{}\n",
            request.method,
            request.path,
            request.query.as_deref().unwrap_or_default()
        );
        for (name, value) in &request.headers {
            text.push_str(&format!(
                "{name}: {}\n",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        if let Some(json) = &request.json {
            text.push_str(&json.to_string());
        }
        clean(probe, Channel::Foreign(what), &text);
        assert!(
            !text.contains(token),
            "probe {probe}: the API token went to the {what}"
        );
    }
}

#[cfg(feature = "mock")]
fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("appcenter-secrets-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(name);
    std::fs::write(&file, bytes).unwrap();
    file
}

/// The release upload's upload domain (its own origin) never receives the API token, and
/// neither the result, the progress events nor an injected chunk failure show the upload
/// token or its encoded twin.
#[cfg(all(feature = "mock", feature = "distribute"))]
#[tokio::test]
async fn the_upload_domain_never_receives_the_api_token_and_the_upload_token_never_shows() {
    use appcenter::mock::{ChunkFailure, MockAppCenter};
    use appcenter::upload::Progress;

    let (capture, _guard) = start();
    let probe = "upload domain";
    let fast = || {
        RetryPolicy::default()
            .max_attempts(2)
            .initial_backoff(Duration::from_millis(1))
            .max_backoff(Duration::from_millis(5))
    };

    // A successful upload.
    let mock = MockAppCenter::builder().chunk_size(1024).start().await;
    assert_ne!(mock.upload_domain_uri(), mock.uri());
    let client = mock.client_builder().retry(fast()).build().unwrap();
    let file = temp_file("ok.apk", &[7u8; 3 * 1024 + 5]);
    let progress = std::sync::Arc::new(Mutex::new(Vec::<Progress>::new()));
    let seen = std::sync::Arc::clone(&progress);
    let upload = client
        .upload_release("owner", "app", &file)
        .poll_interval(Duration::from_millis(5))
        .poll_timeout(Duration::from_secs(10))
        .on_progress(move |p| seen.lock().unwrap().push(*p));
    mock_shown(probe, "ReleaseUpload", &upload);
    let release = upload.send().await;
    mock_shown(probe, "upload result", &release);
    let release = release.unwrap();
    mock_shown(probe, "UploadedRelease", &release);
    let progress = progress.lock().unwrap().clone();
    assert!(!progress.is_empty());
    for p in &progress {
        mock_shown(probe, "progress event", p);
    }
    mock_foreign(probe, "upload domain", &mock.upload_domain_requests());
    let wire = mock
        .upload_domain_server()
        .received_requests()
        .await
        .unwrap_or_default();
    assert!(!wire.is_empty());
    for request in &wire {
        assert!(!request.headers.contains_key("x-api-token"));
        assert!(
            !String::from_utf8_lossy(&request.body).contains(MockAppCenter::TOKEN),
            "probe {probe}: the API token went to the upload domain in a body"
        );
    }

    // A chunk that keeps failing.
    let mock = MockAppCenter::builder()
        .chunk_size(1024)
        .fail_chunk(1, 100, ChunkFailure::ErrorFlag)
        .start()
        .await;
    let client = mock.client_builder().retry(fast()).build().unwrap();
    let file = temp_file("fail.apk", &[9u8; 3 * 1024]);
    let error = client
        .upload_release("owner", "app", &file)
        .poll_interval(Duration::from_millis(5))
        .poll_timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap_err();
    mock_error_chain(probe, &error);
    mock_foreign(probe, "upload domain", &mock.upload_domain_requests());

    mock_clean(probe, Channel::Tracing, &capture.text());
    finish(probe, &capture);
}

/// The symbol upload's blob host never receives the API token, and neither an injected blob
/// failure (one that echoes the signed URL) nor `Debug` shows the SAS signature.
#[cfg(all(feature = "mock", feature = "crash"))]
#[tokio::test]
async fn the_blob_host_never_receives_the_api_token_and_the_sas_never_shows() {
    use appcenter::mock::{BlobFailure, MockAppCenter, MockSymbols};
    use appcenter::symbols::{Progress, SymbolType};

    let (capture, _guard) = start();
    let probe = "blob host";
    let retry = RetryPolicy::default()
        .max_attempts(2)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(5));

    // A successful upload.
    let mock = MockAppCenter::start().await;
    let symbols = MockSymbols::mount(&mock).await;
    let client = mock.client_builder().retry(retry.clone()).build().unwrap();
    let file = temp_file("symbols.zip", &[3u8; 2000]);
    let progress = std::sync::Arc::new(Mutex::new(Vec::<Progress>::new()));
    let seen = std::sync::Arc::clone(&progress);
    let upload = client
        .upload_symbols("owner", "app", &file, SymbolType::Breakpad)
        .on_progress(move |p| seen.lock().unwrap().push(*p));
    mock_shown(probe, "SymbolUpload", &upload);
    let result = upload.send().await;
    mock_shown(probe, "symbol upload result", &result);
    result.unwrap();
    for p in progress.lock().unwrap().iter() {
        mock_shown(probe, "progress event", p);
    }
    mock_foreign(probe, "blob host", &symbols.blob_requests());

    // A blob failure whose message echoes the signed URL.
    let mock = MockAppCenter::start().await;
    let symbols = MockSymbols::builder()
        .fail_put(u32::MAX, BlobFailure::EchoUrl)
        .mount(&mock)
        .await;
    let client = mock.client_builder().retry(retry).build().unwrap();
    let error = client
        .upload_symbols("owner", "app", &file, SymbolType::Breakpad)
        .send()
        .await
        .unwrap_err();
    mock_error_chain(probe, &error);
    mock_foreign(probe, "blob host", &symbols.blob_requests());

    mock_clean(probe, Channel::Tracing, &capture.text());
    finish(probe, &capture);
}
