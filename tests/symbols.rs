//! The symbol upload (`Client::upload_symbols`) against the mock App Center and its Azure-like
//! blob endpoint: what reaches each host (bytes, headers, bodies), and what the caller gets.
#![cfg(all(feature = "mock", feature = "crash"))]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use appcenter::Client;
use appcenter::mock::{
    BlobFailure, MockAppCenter, MockSymbols, Received, SAS_SIGNATURE, SymbolOutcome,
};
use appcenter::symbols::{
    BlobError, Phase, Progress, Step, SymbolStatus, SymbolType, SymbolUploadError,
};

#[path = "common/files.rs"]
mod files;
use files::{data, fast_retries};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

fn client(mock: &MockAppCenter) -> Client {
    mock.client_builder()
        .retry(fast_retries(3))
        .build()
        .unwrap()
}

/// Progress events, kept for assertions.
fn recorder() -> (
    Arc<Mutex<Vec<Progress>>>,
    impl Fn(&Progress) + Send + Sync + 'static,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    (seen, move |p: &Progress| sink.lock().unwrap().push(*p))
}

/// The query parameter `key` of a recorded request, decoded.
fn param(request: &Received, key: &str) -> Option<String> {
    url::form_urlencoded::parse(request.query.as_deref().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Headers App Center's API gets that the blob host must not.
fn assert_no_app_center_headers(requests: &[Received]) {
    assert!(!requests.is_empty());
    for request in requests {
        for (name, value) in &request.headers {
            let name = name.as_str();
            assert!(
                !matches!(name, "x-api-token" | "api-version" | "authorization"),
                "{name} went to the blob host"
            );
            let value = String::from_utf8_lossy(value.as_bytes());
            assert!(
                !value.contains(MockAppCenter::TOKEN),
                "the token went to the blob host in {name}"
            );
        }
    }
}

/// Every way an error can be shown: Display, Debug, and its whole source chain.
fn shown(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = format!("{error} {error:?}");
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(" | {cause} {cause:?}"));
        source = cause.source();
    }
    text
}

/// The SAS signature in every form it could leak in: raw, percent-encoded, as `sig=`.
fn assert_no_secrets(text: &str) {
    let encoded: String = url::form_urlencoded::byte_serialize(SAS_SIGNATURE.as_bytes()).collect();
    let percent =
        percent_encoding::utf8_percent_encode(SAS_SIGNATURE, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    for secret in [
        SAS_SIGNATURE,
        &encoded,
        &percent,
        "mockSasSignature",
        MockAppCenter::TOKEN,
    ] {
        assert!(!text.contains(secret), "{secret:?} shown in: {text}");
    }
}

#[tokio::test]
async fn a_small_file_goes_in_one_put_and_is_committed() {
    let mock = MockAppCenter::start().await;
    let symbols = MockSymbols::mount(&mock).await;
    let dir = tempfile::tempdir().unwrap();
    let bytes = data(10_000);
    let path = write(dir.path(), "libgame.so.sym", &bytes);
    let (seen, on_progress) = recorder();

    let uploaded = client(&mock)
        .upload_symbols("my-org", "my-app", &path, SymbolType::Breakpad)
        .on_progress(on_progress)
        .send()
        .await
        .unwrap();

    assert_eq!(
        Some(uploaded.symbol_upload_id.clone()),
        symbols.symbol_upload_id()
    );
    // Right after the commit: not processed yet (no symbols), which is not a failure.
    assert_eq!(uploaded.status, SymbolStatus::Committed);
    assert!(uploaded.symbols.is_empty());
    assert_eq!((uploaded.bytes_uploaded, uploaded.blocks), (10_000, 1));
    assert_eq!(
        symbols.create_request().unwrap(),
        serde_json::json!({"symbol_type": "Breakpad", "file_name": "libgame.so.sym"})
    );
    let blob = symbols.blob_requests();
    assert_eq!(blob.len(), 1);
    assert_eq!(blob[0].method, "PUT");
    assert_eq!(blob[0].headers["x-ms-blob-type"], "BlockBlob");
    assert_eq!(blob[0].headers["content-length"], "10000");
    assert_eq!(param(&blob[0], "sig").as_deref(), Some(SAS_SIGNATURE));
    assert_eq!(param(&blob[0], "comp"), None);
    assert_no_app_center_headers(&blob);
    assert_eq!(symbols.blob().unwrap(), bytes);
    assert_eq!(symbols.statuses_set(), ["committed"]);
    let api = symbols.api_requests();
    assert_eq!(
        api.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(),
        ["POST", "PATCH"]
    );
    assert_eq!(
        api[1].json,
        Some(serde_json::json!({"status": "committed"}))
    );
    let seen = seen.lock().unwrap();
    let last = seen.last().unwrap();
    assert_eq!(last.phase, Phase::Done);
    assert_eq!((last.bytes_sent, last.total_bytes), (10_000, 10_000));
}

#[tokio::test]
async fn a_large_file_goes_in_equal_id_blocks_and_is_reassembled_exactly() {
    let mock = MockAppCenter::start().await;
    let limit = 256 * 1024;
    let symbols = MockSymbols::builder()
        .single_put_limit(limit)
        .mount(&mock)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let bytes = data(1024 * 1024 + 7);
    let path = write(dir.path(), "mapping.txt", &bytes);
    let (seen, on_progress) = recorder();

    let uploaded = client(&mock)
        .upload_symbols("my-org", "my-app", &path, SymbolType::AndroidProguard)
        .version("1.4.0")
        .build("140")
        .single_put_limit(limit)
        .block_size(64 * 1024)
        .parallelism(4)
        .on_progress(on_progress)
        .send()
        .await
        .unwrap();

    assert_eq!(uploaded.blocks, 17);
    assert_eq!(symbols.blob().unwrap(), bytes, "byte-exact reassembly");
    assert_eq!(
        symbols.create_request().unwrap(),
        serde_json::json!({
            "symbol_type": "AndroidProguard", "file_name": "mapping.txt",
            "version": "1.4.0", "build": "140",
        })
    );
    let requests = symbols.blob_requests();
    assert_no_app_center_headers(&requests);
    let (list, blocks) = requests.split_last().unwrap();
    assert_eq!(param(list, "comp").as_deref(), Some("blocklist"));
    assert_eq!(blocks.len(), 17);
    let ids: Vec<String> = blocks
        .iter()
        .map(|r| {
            assert_eq!(param(r, "comp").as_deref(), Some("block"));
            assert_eq!(
                param(r, "sig").as_deref(),
                Some(SAS_SIGNATURE),
                "the SAS kept as sent"
            );
            param(r, "blockid").unwrap()
        })
        .collect();
    assert!(ids.iter().all(|id| id.len() == ids[0].len()), "{ids:?}");
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), 17);
    assert_eq!(symbols.statuses_set(), ["committed"]);
    let seen = seen.lock().unwrap();
    let uploading: Vec<_> = seen
        .iter()
        .filter(|p| p.phase == Phase::Uploading)
        .collect();
    assert_eq!(uploading.last().unwrap().blocks_done, 17);
    assert_eq!(uploading.last().unwrap().bytes_sent, bytes.len() as u64);
    assert!(
        uploading
            .windows(2)
            .all(|w| w[0].bytes_sent <= w[1].bytes_sent)
    );
}

#[tokio::test]
async fn a_dsym_folder_is_zipped_and_uploaded() {
    let mock = MockAppCenter::start().await;
    let symbols = MockSymbols::mount(&mock).await;
    let dir = tempfile::tempdir().unwrap();
    let dsym = dir.path().join("Game.app.dSYM");
    let dwarf = data(50_000);
    write(
        &dsym,
        "Contents/Info.plist",
        b"<plist version=\"1.0\"><dict/></plist>",
    );
    write(&dsym, "Contents/Resources/DWARF/Game", &dwarf);
    let (seen, on_progress) = recorder();

    let uploaded = client(&mock)
        .upload_symbols("my-org", "my-app", &dsym, SymbolType::Apple)
        .on_progress(on_progress)
        .send()
        .await
        .unwrap();

    assert_eq!(uploaded.file_name, "Game.app.dSYM.zip");
    assert_eq!(
        symbols.create_request().unwrap()["file_name"],
        "Game.app.dSYM.zip"
    );
    let blob = symbols.blob().unwrap();
    assert_eq!(uploaded.bytes_uploaded, blob.len() as u64);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(blob)).unwrap();
    let mut names: Vec<String> = zip.file_names().map(str::to_string).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Game.app.dSYM/",
            "Game.app.dSYM/Contents/",
            "Game.app.dSYM/Contents/Info.plist",
            "Game.app.dSYM/Contents/Resources/",
            "Game.app.dSYM/Contents/Resources/DWARF/",
            "Game.app.dSYM/Contents/Resources/DWARF/Game",
        ]
    );
    let mut unzipped = Vec::new();
    zip.by_name("Game.app.dSYM/Contents/Resources/DWARF/Game")
        .unwrap()
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, dwarf);
    assert_eq!(seen.lock().unwrap()[0].phase, Phase::Zipping);
    assert_eq!(symbols.statuses_set(), ["committed"]);
}

#[tokio::test]
async fn a_breakpad_folder_is_zipped_with_its_contents_at_the_root() {
    let mock = MockAppCenter::start().await;
    let symbols = MockSymbols::mount(&mock).await;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("symbols");
    write(
        &folder,
        "libgame.so/0A1B/libgame.so.sym",
        b"MODULE Linux arm64 0A1B libgame.so\n",
    );
    client(&mock)
        .upload_symbols("my-org", "my-app", &folder, SymbolType::Breakpad)
        .send()
        .await
        .unwrap();
    let zip = zip::ZipArchive::new(std::io::Cursor::new(symbols.blob().unwrap())).unwrap();
    assert!(
        zip.file_names()
            .any(|n| n == "libgame.so/0A1B/libgame.so.sym")
    );
}

#[tokio::test]
async fn a_failed_blob_upload_is_aborted_never_committed() {
    let mock = MockAppCenter::start().await;
    let symbols = MockSymbols::builder()
        .fail_put(u32::MAX, BlobFailure::InternalError)
        .mount(&mock)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "app.appxsym", &data(2048));

    let error = client(&mock)
        .upload_symbols("my-org", "my-app", &path, SymbolType::Uwp)
        .send()
        .await
        .unwrap_err();

    let SymbolUploadError::Blob {
        symbol_upload_id,
        aborted,
        source,
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(Some(symbol_upload_id.clone()), symbols.symbol_upload_id());
    assert!(aborted);
    assert_eq!(source.code(), Some("InternalError"));
    assert_eq!(
        symbols.blob_requests().len(),
        3,
        "retried under the policy (3 attempts)"
    );
    assert_eq!(symbols.statuses_set(), ["aborted"]);
    assert!(symbols.blob().is_none());
    assert_no_secrets(&shown(&error));
}

#[tokio::test]
async fn a_failed_block_stops_the_upload_before_the_block_list() {
    let mock = MockAppCenter::start().await;
    let symbols = MockSymbols::builder()
        .single_put_limit(1024)
        .fail_blocks(1, BlobFailure::AuthenticationFailed)
        .mount(&mock)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "index.js.map", &data(10_000));

    let error = client(&mock)
        .upload_symbols("my-org", "my-app", &path, SymbolType::JavaScript)
        .single_put_limit(1024)
        .block_size(1024)
        .parallelism(1)
        .send()
        .await
        .unwrap_err();

    let SymbolUploadError::Blob { source, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(source.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(source.code(), Some("AuthenticationFailed"));
    let requests = symbols.blob_requests();
    assert_eq!(
        requests.len(),
        1,
        "a 403 is not retried, and nothing follows it"
    );
    assert!(
        requests
            .iter()
            .all(|r| param(r, "comp").as_deref() != Some("blocklist"))
    );
    assert_eq!(symbols.statuses_set(), ["aborted"]);
}

#[tokio::test]
async fn transient_block_failures_are_retried() {
    let mock = MockAppCenter::start().await;
    let symbols = MockSymbols::builder()
        .single_put_limit(1024)
        .fail_blocks(2, BlobFailure::ServerBusy)
        .fail_block_list(1, BlobFailure::InternalError)
        .mount(&mock)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let bytes = data(5000);
    let path = write(dir.path(), "mapping.txt", &bytes);
    let uploaded = client(&mock)
        .upload_symbols("my-org", "my-app", &path, SymbolType::AndroidProguard)
        .version("2.0")
        .build("200")
        .single_put_limit(1024)
        .block_size(1000)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.blocks, 5);
    assert_eq!(symbols.blob().unwrap(), bytes);
    assert_eq!(symbols.blob_requests().len(), 5 + 2 + 1 + 1);
    assert_eq!(symbols.statuses_set(), ["committed"]);
}

#[tokio::test]
async fn azure_xml_errors_are_parsed_and_the_upload_aborted() {
    let mock = MockAppCenter::start().await;
    // The blob endpoint takes single PUTs up to 1 KiB; the client is told it may send 4 KiB.
    let symbols = MockSymbols::builder()
        .single_put_limit(1024)
        .mount(&mock)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "symbols.zip", &data(4096));

    let error = client(&mock)
        .upload_symbols("my-org", "my-app", &path, SymbolType::Apple)
        .single_put_limit(4096)
        .send()
        .await
        .unwrap_err();

    let SymbolUploadError::Blob { source, .. } = &error else {
        panic!("{error:?}");
    };
    let BlobError::Status {
        status,
        code,
        message,
    } = source
    else {
        panic!("{source:?}");
    };
    assert_eq!(status.as_u16(), 413);
    assert_eq!(code.as_deref(), Some("RequestBodyTooLarge"));
    assert!(
        message.as_deref().unwrap().starts_with(
            "The request body is too large and exceeds the maximum permissible limit."
        )
    );
    assert!(error.to_string().contains("413"), "{error}");
    assert!(error.to_string().contains("RequestBodyTooLarge"), "{error}");
    assert_eq!(symbols.statuses_set(), ["aborted"]);
}

#[tokio::test]
async fn no_token_and_no_signature_in_any_error_or_progress() {
    let mock = MockAppCenter::start().await;
    let symbols = MockSymbols::builder()
        .fail_put(1, BlobFailure::EchoUrl)
        .mount(&mock)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "symbols.zip", &data(3000));
    let (seen, on_progress) = recorder();
    let client = client(&mock);
    let upload = client
        .upload_symbols("my-org", "my-app", &path, SymbolType::Apple)
        .on_progress(on_progress);
    assert_no_secrets(&format!("{upload:?} {client:?}"));

    let error = upload.send().await.unwrap_err();
    // The server echoed the URL with its signature: it must not come through.
    let text = shown(&error);
    assert!(text.contains("InvalidUri"), "{text}");
    assert!(text.contains("<redacted>"), "{text}");
    assert_no_secrets(&text);
    assert_no_secrets(&format!("{:?}", seen.lock().unwrap()));
    assert_no_app_center_headers(&symbols.blob_requests());
    assert_eq!(symbols.statuses_set(), ["aborted"]);
}

#[tokio::test]
async fn an_unreachable_blob_host_is_reported_without_its_url() {
    let mock = MockAppCenter::start().await;
    let _symbols = MockSymbols::mount(&mock).await;
    // A closed port, with a signature in the URL.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path("/v0.1/apps/my-org/my-app/symbol_uploads"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "symbol_upload_id": "00568752-5146-1730-912b-64793ca0af8b",
            "upload_url": format!("http://127.0.0.1:{port}/c/upload-1?sv=2019-02-02&sig=mockSasSignature%2B%2Fmock%3D"),
            "expiration_date": "2026-01-02T00:00:00.000Z",
        })))
        .with_priority(1)
        .mount(mock.server())
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "symbols.zip", &data(100));
    let error = client(&mock)
        .upload_symbols("my-org", "my-app", &path, SymbolType::Apple)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            SymbolUploadError::Blob {
                source: BlobError::Transport(_),
                ..
            }
        ),
        "{error:?}"
    );
    assert_no_secrets(&shown(&error));
}

#[tokio::test]
async fn an_upload_url_that_would_leak_the_signature_is_refused_and_aborted() {
    let mock = MockAppCenter::start().await;
    let symbols = MockSymbols::mount(&mock).await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path("/v0.1/apps/my-org/my-app/symbol_uploads"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "symbol_upload_id": "00568752-5146-1730-912b-64793ca0af8b",
            "upload_url": "http://blob.example.com/c/upload-1?sv=2019-02-02&sig=mockSasSignature%2B%2Fmock%3D",
            "expiration_date": "2026-01-02T00:00:00.000Z",
        })))
        .with_priority(1)
        .mount(mock.server())
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "symbols.zip", &data(100));
    let error = client(&mock)
        .upload_symbols("my-org", "my-app", &path, SymbolType::Apple)
        .send()
        .await
        .unwrap_err();
    let text = shown(&error);
    assert!(
        matches!(
            &error,
            SymbolUploadError::Blob {
                source: BlobError::Protocol(_),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        text.contains("http://blob.example.com/c/upload-1?sv=2019-02-02&sig=<redacted>"),
        "{text}"
    );
    assert_no_secrets(&text);
    assert!(symbols.blob_requests().is_empty());
    // The abort went to App Center (the mock knows no such upload: 404), never a commit.
    let patches: Vec<_> = symbols
        .api_requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 1);
    assert_eq!(
        patches[0].json,
        Some(serde_json::json!({"status": "aborted"}))
    );
}

#[tokio::test]
async fn the_mock_blob_host_refuses_the_api_token_and_a_wrong_signature() {
    let mock = MockAppCenter::start().await;
    let symbols = MockSymbols::mount(&mock).await;
    let created = mock
        .client()
        .symbol_uploads_create()
        .owner_name("my-org")
        .app_name("my-app")
        .body(appcenter::types::SymbolUploadBeginRequest {
            symbol_type: SymbolType::Breakpad,
            file_name: None,
            build: None,
            version: None,
            client_callback: None,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let upload_url = created.upload_url.clone().unwrap();
    let url = url::Url::parse(&upload_url).unwrap();
    assert_eq!(url.origin().ascii_serialization(), symbols.blob_uri());
    // This crate builds reqwest's rustls without a crypto provider: a client of one's own
    // needs one installed (as rustls asks of applications).
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let put = |url: String| {
        http.put(url)
            .header("x-ms-blob-type", "BlockBlob")
            .body("MODULE")
    };
    let answer = put(upload_url.clone())
        .header("x-api-token", MockAppCenter::TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 403);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("<Code>AuthenticationFailed</Code>")
    );
    let wrong = upload_url.replace("sig=", "sig=x");
    assert_eq!(put(wrong).send().await.unwrap().status().as_u16(), 403);
    assert!(symbols.blob().is_none());
    let answer = put(upload_url.clone()).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 201);
    assert_eq!(symbols.blob().unwrap(), b"MODULE");
}

#[tokio::test]
async fn an_app_client_uploads_for_its_app() {
    let mock = MockAppCenter::start().await;
    let symbols = MockSymbols::mount(&mock).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "main.jsbundle.map", &data(500));
    let app = appcenter::AppClient::new(client(&mock), "my-org/my-app".parse().unwrap());
    app.upload_symbols(&path, SymbolType::JavaScript)
        .send()
        .await
        .unwrap();
    assert_eq!(
        symbols.api_requests()[0].path,
        "/v0.1/apps/my-org/my-app/symbol_uploads"
    );
    assert_eq!(symbols.blob().unwrap(), data(500));
}

#[tokio::test]
async fn waits_until_indexed() {
    let mock = MockAppCenter::start().await;
    let symbols = MockSymbols::builder()
        .processing_polls(2)
        .mount(&mock)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "symbols.zip", &data(3000));
    let (seen, on_progress) = recorder();
    let uploaded = client(&mock)
        .upload_symbols("my-org", "my-app", &path, SymbolType::Apple)
        .wait_until_processed(Duration::from_secs(30))
        .poll_interval(Duration::from_millis(5))
        .on_progress(on_progress)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status, SymbolStatus::Indexed);
    assert_eq!(uploaded.symbols.len(), 1);
    let gets = symbols
        .api_requests()
        .iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(
        gets, 3,
        "two answers `committed` with file_size 0 are waited through"
    );
    let phases: Vec<Phase> = seen.lock().unwrap().iter().map(|p| p.phase).collect();
    let tail = &phases[phases.len() - 3..];
    assert_eq!(tail, [Phase::Committing, Phase::Processing, Phase::Done]);
}

#[tokio::test]
async fn failed_processing_is_an_error() {
    let mock = MockAppCenter::start().await;
    let symbols = MockSymbols::builder()
        .outcome(SymbolOutcome::Failed)
        .mount(&mock)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "symbols.zip", &data(3000));
    let error = client(&mock)
        .upload_symbols("my-org", "my-app", &path, SymbolType::Apple)
        .wait_until_processed(Duration::from_secs(30))
        .poll_interval(Duration::from_millis(5))
        .send()
        .await
        .unwrap_err();
    let SymbolUploadError::Failed {
        status, file_name, ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(status, "failed");
    assert_eq!(file_name.as_deref(), Some("symbols.zip"));
    assert_eq!(
        error.symbol_upload_id(),
        symbols.symbol_upload_id().as_deref()
    );
    assert_eq!(symbols.statuses_set(), ["committed"]);
}

#[tokio::test]
async fn waiting_ends_at_the_deadline() {
    let mock = MockAppCenter::start().await;
    let _symbols = MockSymbols::builder()
        .processing_polls(u32::MAX)
        .mount(&mock)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "symbols.zip", &data(3000));
    let error = client(&mock)
        .upload_symbols("my-org", "my-app", &path, SymbolType::Apple)
        .wait_until_processed(Duration::from_millis(50))
        .poll_interval(Duration::from_millis(5))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, SymbolUploadError::WaitTimeout { last_status, .. } if last_status == "committed"),
        "{error:?}"
    );
    // Duration::MAX is a setting like any other: no overflow, no endless wait.
    let error = client(&mock)
        .upload_symbols("my-org", "my-app", &path, SymbolType::Apple)
        .wait_until_processed(Duration::MAX)
        .poll_interval(Duration::MAX)
        .blob_timeout(Duration::MAX)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, SymbolUploadError::WaitTimeout { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let mock = MockAppCenter::start().await;
    let symbols = MockSymbols::mount(&mock).await;
    let client = client(&mock);
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.zip", b"");
    let mapping = write(dir.path(), "mapping.txt", b"com.example.A -> a:\n");
    let plain_folder = dir.path().join("Game.app.dSYM");
    write(&plain_folder, "README", b"not a dSYM");
    let not_zip = write(dir.path(), "Game.dSYM.tar", b"tar");
    let no_syms = dir.path().join("breakpad");
    write(&no_syms, "notes.txt", b"no symbols here");

    let cases = [
        (
            client.upload_symbols(
                "my-org",
                "my-app",
                dir.path().join("missing.zip"),
                SymbolType::Apple,
            ),
            "missing.zip",
        ),
        (
            client.upload_symbols("my-org", "my-app", &empty, SymbolType::Apple),
            "is empty",
        ),
        (
            client.upload_symbols("my-org", "my-app", &mapping, SymbolType::AndroidProguard),
            "version",
        ),
        (
            client
                .upload_symbols("my-org", "my-app", &mapping, SymbolType::AndroidProguard)
                .version("1.0")
                .build(" "),
            "build",
        ),
        (
            client.upload_symbols("my-org", "my-app", &plain_folder, SymbolType::Apple),
            "not a dSYM",
        ),
        (
            client.upload_symbols("my-org", "my-app", &not_zip, SymbolType::Apple),
            ".zip",
        ),
        (
            client.upload_symbols("my-org", "my-app", &no_syms, SymbolType::Breakpad),
            ".sym",
        ),
        (
            client.upload_symbols("my-org", "my-app", &no_syms, SymbolType::Uwp),
            "folder",
        ),
        (
            client.upload_symbols("my org", "my-app", &mapping, SymbolType::JavaScript),
            "my org",
        ),
        (
            client
                .upload_symbols("my-org", "my-app", &mapping, SymbolType::JavaScript)
                .single_put_limit(1)
                .block_size(0),
            "block size",
        ),
    ];
    for (upload, expected) in cases {
        let error = upload.send().await.unwrap_err();
        assert!(
            matches!(
                error,
                SymbolUploadError::Invalid(_) | SymbolUploadError::File { .. }
            ),
            "{error:?}"
        );
        assert!(
            error.to_string().contains(expected),
            "{expected:?} not in {error}"
        );
    }
    assert!(symbols.api_requests().is_empty());
    assert!(symbols.blob_requests().is_empty());
    assert!(mock.server().received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_api_failure_at_create_sends_nothing_to_the_blob_host() {
    let mock = MockAppCenter::start().await;
    let symbols = MockSymbols::mount(&mock).await;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "symbols.zip", &data(100));
    let client = Client::builder("a-wrong-token")
        .base_url(mock.uri())
        .retry(fast_retries(1))
        .build()
        .unwrap();
    let error = client
        .upload_symbols("my-org", "my-app", &path, SymbolType::Apple)
        .send()
        .await
        .unwrap_err();
    let SymbolUploadError::Api { step, source, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*step, Step::Create);
    assert_eq!(source.status().map(|s| s.as_u16()), Some(401));
    assert!(symbols.blob_requests().is_empty());
}

#[test]
fn the_upload_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let client = Client::new("token").unwrap();
    let future = client
        .upload_symbols("o", "a", "x.zip", SymbolType::Apple)
        .send();
    assert_send(&future);
}
