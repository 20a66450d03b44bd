//! The release upload (`Client::upload_release`) against the mock App Center: what reaches the
//! server (bytes, queries, headers, bodies) and what the caller gets back, for each rule of the
//! protocol.
#![cfg(all(feature = "mock", feature = "distribute"))]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use appcenter::mock::{
    ChunkFailure, MockAppCenter, Outcome, PollFailure, UPLOAD_TOKEN, encoded_upload_token,
};
use appcenter::upload::{Destination, Phase, Progress, Step, TransferError, UploadError};
use appcenter::{Client, RetryPolicy};

#[path = "common/files.rs"]
mod files;
use files::{data, fast_retries, file};

const CHUNK: u64 = 1024;

/// A client with fast retries, so failure tests stay quick.
fn client(mock: &MockAppCenter) -> Client {
    mock.client_builder()
        .retry(fast_retries(4))
        .build()
        .unwrap()
}

async fn mock() -> MockAppCenter {
    MockAppCenter::builder().chunk_size(CHUNK).start().await
}

fn fast_poll(upload: appcenter::upload::ReleaseUpload<'_>) -> appcenter::upload::ReleaseUpload<'_> {
    upload
        .poll_interval(Duration::from_millis(5))
        .poll_timeout(Duration::from_secs(10))
}

#[tokio::test]
async fn the_server_reassembles_the_exact_bytes_for_every_size() {
    for len in [
        1,
        CHUNK as usize,
        CHUNK as usize + 1,
        10 * CHUNK as usize + 17,
    ] {
        let mock = mock().await;
        let bytes = data(len);
        let path = file("app-release.apk", &bytes);
        let release = fast_poll(client(&mock).upload_release("org", "app", &path))
            .group("Beta testers")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{len} bytes: {e}"));
        assert_eq!(release.release_id, 42);
        assert_eq!(
            release.destinations,
            [Destination::Group("Beta testers".into())]
        );
        let received = mock.received_file().expect("every block received");
        assert!(
            received == bytes,
            "{len} bytes: the reassembled file differs"
        );
        let blocks = (len as u64).div_ceil(CHUNK);
        let mut sent = mock.chunk_requests();
        sent.sort();
        assert_eq!(
            sent,
            (1..=blocks).collect::<Vec<_>>(),
            "{len} bytes: each block once"
        );
        assert_eq!(
            mock.announced_file(),
            Some((
                "app-release.apk".to_string(),
                len as u64,
                Some("application/vnd.android.package-archive".to_string())
            ))
        );
        assert_eq!(mock.statuses_set(), ["uploadFinished"]);
        let distributed = mock.distributed();
        assert_eq!(distributed.len(), 1);
        assert_eq!(distributed[0].0, "group");
        assert_eq!(
            distributed[0].1["id"],
            MockAppCenter::destination_id("Beta testers").to_string()
        );
        assert_eq!(distributed[0].1["notify_testers"], true);
        assert_eq!(distributed[0].1["mandatory_update"], false);
    }
}

#[tokio::test]
async fn an_empty_or_missing_file_is_refused_before_any_request() {
    let mock = mock().await;
    let empty = file("empty.apk", b"");
    let error = client(&mock)
        .upload_release("org", "app", &empty)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, UploadError::Invalid(_)), "{error:?}");
    assert!(error.to_string().contains("empty"), "{error}");

    let missing = empty.with_file_name("nothing-here.apk");
    let error = client(&mock)
        .upload_release("org", "app", &missing)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, UploadError::File { source, .. } if source.kind() == std::io::ErrorKind::NotFound),
        "{error:?}"
    );
    assert!(mock.server().received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn packages_that_need_a_build_version_or_number_are_refused_locally() {
    let mock = mock().await;
    let client = client(&mock);
    let cases: [(&str, Option<&str>, Option<&str>); 6] = [
        ("app.zip", None, None),
        ("app.MSI", None, Some("7")),
        ("app.pkg", Some("1.0"), None),
        ("app.dmg", None, Some("7")),
        ("app.pkg", None, None),
        ("app.zip", Some(" "), None),
    ];
    for (name, version, number) in cases {
        let path = file(name, b"binary");
        let mut upload = client.upload_release("org", "app", &path);
        if let Some(version) = version {
            upload = upload.build_version(version);
        }
        if let Some(number) = number {
            upload = upload.build_number(number);
        }
        let error = upload.send().await.unwrap_err();
        assert!(
            matches!(&error, UploadError::Invalid(why) if why.contains("build version")),
            "{name}: {error:?}"
        );
    }
    assert!(mock.server().received_requests().await.unwrap().is_empty());

    // With what they need, they go, and the create request carries it.
    let path = file("app.dmg", b"binary");
    fast_poll(client.upload_release("org", "app", &path))
        .build_version("1.2.3")
        .build_number("45")
        .send()
        .await
        .unwrap();
    assert_eq!(
        mock.create_request().unwrap(),
        serde_json::json!({"build_version": "1.2.3", "build_number": "45"})
    );
}

#[tokio::test]
async fn an_apk_needs_no_build_version_and_the_create_body_is_empty() {
    let mock = mock().await;
    let path = file("app.apk", &data(10));
    fast_poll(client(&mock).upload_release("org", "app", &path))
        .send()
        .await
        .unwrap();
    assert_eq!(mock.create_request().unwrap(), serde_json::json!({}));
}

#[tokio::test]
async fn release_notes_over_5000_characters_are_refused_before_any_request() {
    let mock = mock().await;
    let path = file("app.apk", &data(10));
    // 5001 characters, fewer than 5001 * 4 bytes: characters are counted, not bytes.
    let error = client(&mock)
        .upload_release("org", "app", &path)
        .release_notes("é".repeat(5001))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, UploadError::Invalid(_)), "{error:?}");
    assert!(mock.server().received_requests().await.unwrap().is_empty());

    let notes = "é".repeat(5000);
    fast_poll(client(&mock).upload_release("org", "app", &path))
        .release_notes(notes.clone())
        .group("QA")
        .send()
        .await
        .unwrap();
    assert_eq!(mock.release_notes(), Some(notes));
    // Notes first, so the testers' notification carries them.
    let order: Vec<String> = mock
        .api_requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .filter(|r| r.contains("/releases/42"))
        .collect();
    assert_eq!(
        order,
        [
            "PUT /v0.1/apps/org/app/releases/42",
            "POST /v0.1/apps/org/app/releases/42/groups"
        ]
    );
}

#[tokio::test]
async fn failed_chunks_are_retried_until_they_succeed() {
    let mock = MockAppCenter::builder()
        .chunk_size(CHUNK)
        .fail_chunk(2, 2, ChunkFailure::ServerError)
        .fail_chunk(3, 1, ChunkFailure::TooManyRequests)
        .fail_chunk(4, 2, ChunkFailure::ErrorFlag)
        .start()
        .await;
    let bytes = data(5 * CHUNK as usize);
    let path = file("app.apk", &bytes);
    fast_poll(client(&mock).upload_release("org", "app", &path))
        .send()
        .await
        .unwrap();
    assert!(mock.received_file().unwrap() == bytes);
    let requests = mock.chunk_requests();
    let count = |n| requests.iter().filter(|b| **b == n).count();
    assert_eq!(
        (count(1), count(2), count(3), count(4), count(5)),
        (1, 3, 2, 3, 1)
    );
}

#[tokio::test]
async fn a_chunk_that_keeps_failing_fails_the_upload_and_cancels_it() {
    let mock = MockAppCenter::builder()
        .chunk_size(CHUNK)
        .fail_chunk(2, 100, ChunkFailure::ErrorFlag)
        .start()
        .await;
    let path = file("app.apk", &data(3 * CHUNK as usize));
    let error = fast_poll(client(&mock).upload_release("org", "app", &path))
        .retry(fast_retries(3))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            UploadError::Transfer {
                step: Step::UploadChunk,
                source: TransferError::Refused { .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.release_id(), None);
    assert_eq!(
        error.upload_id(),
        mock.upload_id(),
        "the error names the upload"
    );
    assert!(error.upload_id().is_some());
    assert_eq!(mock.chunk_requests().iter().filter(|b| **b == 2).count(), 3);
    assert_eq!(
        mock.statuses_set(),
        ["uploadCanceled"],
        "cancelled, never finished"
    );
    assert_eq!(mock.finish_calls(), 0);
}

#[tokio::test]
async fn failures_are_bounded_across_the_whole_upload() {
    let mut builder = MockAppCenter::builder().chunk_size(CHUNK);
    for block in 1..=6 {
        builder = builder.fail_chunk(block, 1, ChunkFailure::ServerError);
    }
    let mock = builder.start().await;
    let path = file("app.apk", &data(6 * CHUNK as usize));
    let error = fast_poll(client(&mock).upload_release("org", "app", &path))
        .parallelism(1)
        .max_failures(3)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            UploadError::Transfer {
                source: TransferError::TooManyFailures { failures: 4, .. },
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(mock.statuses_set(), ["uploadCanceled"]);
}

#[tokio::test]
async fn missing_chunks_reported_by_finished_are_sent_again() {
    let mock = MockAppCenter::builder()
        .chunk_size(CHUNK)
        .missing_on_finish([2, 4])
        .start()
        .await;
    let bytes = data(5 * CHUNK as usize - 3);
    let path = file("app.apk", &bytes);
    let progress = Arc::new(Mutex::new(Vec::<Progress>::new()));
    let seen = Arc::clone(&progress);
    fast_poll(client(&mock).upload_release("org", "app", &path))
        .on_progress(move |p| seen.lock().unwrap().push(*p))
        .send()
        .await
        .unwrap();
    assert!(mock.received_file().unwrap() == bytes);
    assert_eq!(mock.finish_calls(), 2);
    let requests = mock.chunk_requests();
    assert_eq!(requests.iter().filter(|b| **b == 2).count(), 2);
    assert_eq!(requests.iter().filter(|b| **b == 4).count(), 2);
    assert_eq!(requests.len(), 7);
    let last_upload = progress
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|p| p.phase == Phase::Uploading)
        .copied()
        .unwrap();
    assert_eq!(last_upload.bytes_sent, bytes.len() as u64);
    assert_eq!((last_upload.chunks_done, last_upload.chunks_total), (7, 7));
}

#[tokio::test]
async fn a_resumed_upload_sends_only_the_listed_chunks() {
    let mock = MockAppCenter::builder()
        .chunk_size(CHUNK)
        .resume_restart([2, 5])
        .start()
        .await;
    let bytes = data(5 * CHUNK as usize - 100);
    let path = file("app.apk", &bytes);
    let progress = Arc::new(Mutex::new(Vec::<Progress>::new()));
    let seen = Arc::clone(&progress);
    fast_poll(client(&mock).upload_release("org", "app", &path))
        .on_progress(move |p| seen.lock().unwrap().push(*p))
        .send()
        .await
        .unwrap();
    let mut sent = mock.chunk_requests();
    sent.sort();
    assert_eq!(sent, [2, 5]);
    let blocks = mock.received_blocks();
    let c = CHUNK as usize;
    assert!(blocks[&2] == bytes[c..2 * c]);
    assert!(blocks[&5] == bytes[4 * c..]);
    let seen = progress.lock().unwrap().clone();
    assert_eq!(
        seen[0].upload_id,
        mock.upload_id(),
        "the upload is announced first"
    );
    assert_eq!(seen[0].bytes_sent, 0);
    let first = seen[1];
    let pending = (c + (bytes.len() - 4 * c)) as u64;
    assert_eq!(
        first.bytes_sent,
        bytes.len() as u64 - pending,
        "earlier chunks count as sent"
    );
    assert_eq!(first.chunks_total, 2);
}

#[tokio::test]
async fn progress_goes_through_every_phase_and_the_library_prints_nothing_itself() {
    let mock = MockAppCenter::builder()
        .chunk_size(CHUNK)
        .processing_polls(2)
        .start()
        .await;
    let bytes = data(3 * CHUNK as usize + 5);
    let path = file("app.apk", &bytes);
    let progress = Arc::new(Mutex::new(Vec::<Progress>::new()));
    let seen = Arc::clone(&progress);
    fast_poll(client(&mock).upload_release("org", "app", &path))
        .tester("qa@example.com")
        .on_progress(move |p| seen.lock().unwrap().push(*p))
        .send()
        .await
        .unwrap();
    let progress = progress.lock().unwrap();
    let mut phases: Vec<Phase> = progress.iter().map(|p| p.phase).collect();
    phases.dedup();
    assert_eq!(
        phases,
        [
            Phase::Uploading,
            Phase::Processing,
            Phase::Distributing,
            Phase::Done
        ]
    );
    let uploading: Vec<&Progress> = progress
        .iter()
        .filter(|p| p.phase == Phase::Uploading)
        .collect();
    assert!(
        uploading
            .windows(2)
            .all(|w| w[0].bytes_sent <= w[1].bytes_sent)
    );
    let done = progress.last().unwrap();
    assert_eq!(
        (done.bytes_sent, done.total_bytes),
        (bytes.len() as u64, bytes.len() as u64)
    );
    assert_eq!((done.chunks_done, done.chunks_total), (4, 4));
}

#[tokio::test]
async fn polling_waits_for_processing_and_accepts_a_string_release_id() {
    let mock = MockAppCenter::builder()
        .chunk_size(CHUNK)
        .processing_polls(4)
        .release_id(7001)
        .release_id_as_string(true)
        .start()
        .await;
    let path = file("app.apk", &data(100));
    let release = fast_poll(client(&mock).upload_release("org", "app", &path))
        .send()
        .await
        .unwrap();
    assert_eq!(release.release_id, 7001);
    let polls = mock
        .api_requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("/uploads/releases/"))
        .count();
    assert_eq!(polls, 5, "four answers `uploadFinished`, then ready");
}

#[tokio::test]
async fn processing_errors_fail_with_their_reason_and_no_cancel() {
    for (outcome, status) in [
        (Outcome::Error("The binary is not signed".into()), "error"),
        (Outcome::MalwareDetected, "malwareDetected"),
    ] {
        let mock = MockAppCenter::builder()
            .chunk_size(CHUNK)
            .outcome(outcome.clone())
            .start()
            .await;
        let path = file("app.apk", &data(100));
        let error = fast_poll(client(&mock).upload_release("org", "app", &path))
            .group("QA")
            .send()
            .await
            .unwrap_err();
        match &error {
            UploadError::Processing {
                status: got,
                details,
                upload_id,
            } => {
                assert_eq!(Some(*upload_id), mock.upload_id());
                assert_eq!(got, status);
                if let Outcome::Error(why) = &outcome {
                    assert_eq!(details.as_deref(), Some(why.as_str()));
                    assert!(error.to_string().contains(why.as_str()));
                }
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(error.release_id(), None);
        assert_eq!(mock.statuses_set(), ["uploadFinished"]);
        assert!(mock.distributed().is_empty(), "nothing distributed");
    }
}

#[tokio::test]
async fn transient_poll_failures_are_retried_a_bounded_number_of_times() {
    // HTML 404s from a gateway: tolerated.
    let mock = MockAppCenter::builder()
        .chunk_size(CHUNK)
        .fail_polls(3, PollFailure::HtmlNotFound)
        .start()
        .await;
    let path = file("app.apk", &data(100));
    fast_poll(client(&mock).upload_release("org", "app", &path))
        .send()
        .await
        .unwrap();

    // More 503s than allowed (the client itself does not retry here): an error.
    let mock = MockAppCenter::builder()
        .chunk_size(CHUNK)
        .fail_polls(5, PollFailure::ServiceUnavailable)
        .start()
        .await;
    let client = mock
        .client_builder()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let error = fast_poll(client.upload_release("org", "app", &path))
        .poll_transient_errors(2)
        .send()
        .await
        .unwrap_err();
    match &error {
        UploadError::Api {
            step: Step::Poll,
            source,
            upload_id,
        } => {
            assert_eq!(source.status().map(|s| s.as_u16()), Some(503));
            assert_eq!(*upload_id, mock.upload_id());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn polling_stops_at_the_deadline() {
    let mock = MockAppCenter::builder()
        .chunk_size(CHUNK)
        .processing_polls(u32::MAX)
        .start()
        .await;
    let path = file("app.apk", &data(100));
    let error = client(&mock)
        .upload_release("org", "app", &path)
        .poll_interval(Duration::from_millis(10))
        .poll_timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, UploadError::PollTimeout { last_status: Some(s), .. } if s == "uploadFinished"),
        "{error:?}"
    );
    assert_eq!(error.upload_id(), mock.upload_id());
    assert_eq!(
        mock.statuses_set(),
        ["uploadFinished"],
        "an accepted binary is never cancelled"
    );
}

#[tokio::test]
async fn a_failed_destination_is_an_error_that_names_it_and_gives_the_release_id() {
    let mock = MockAppCenter::builder()
        .chunk_size(CHUNK)
        .fail_destination("Old/Group")
        .start()
        .await;
    let path = file("app.apk", &data(100));
    let error = fast_poll(client(&mock).upload_release("org", "app", &path))
        .group("Beta testers")
        .group("Old/Group")
        .tester("qa@example.com")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.release_id(), Some(42));
    match &error {
        UploadError::Distribution {
            release_id,
            failed,
            added,
            upload_id,
        } => {
            assert_eq!(Some(*upload_id), mock.upload_id());
            assert_eq!(*release_id, 42);
            assert_eq!(failed.len(), 1);
            assert_eq!(
                failed[0].destination,
                Destination::Group("Old/Group".into())
            );
            assert_eq!(failed[0].error.status().map(|s| s.as_u16()), Some(404));
            assert_eq!(
                *added,
                [
                    Destination::Group("Beta testers".into()),
                    Destination::Tester("qa@example.com".into())
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.contains("release 42") && message.contains("Old/Group"),
        "{message}"
    );
    // The other destinations were still added.
    let kinds: Vec<String> = mock.distributed().into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["group", "tester"]);
}

#[tokio::test]
async fn group_and_store_names_with_spaces_and_slashes_are_encoded_as_one_segment() {
    let mock = mock().await;
    let path = file("app.apk", &data(100));
    fast_poll(client(&mock).upload_release("org", "app", &path))
        .group("QA team/Berlin")
        .store("Play Store/alpha")
        .tester("a+b@example.com")
        .mandatory_update(true)
        .notify_testers(false)
        .send()
        .await
        .unwrap();
    let paths: Vec<String> = mock.api_requests().into_iter().map(|r| r.path).collect();
    assert!(
        paths.contains(&"/v0.1/apps/org/app/distribution_groups/QA%20team%2FBerlin".to_string()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"/v0.1/apps/org/app/distribution_stores/Play%20Store%2Falpha".to_string()),
        "{paths:?}"
    );
    let distributed = mock.distributed();
    assert_eq!(
        distributed[0].1,
        serde_json::json!({
            "id": MockAppCenter::destination_id("QA team/Berlin"),
            "mandatory_update": true,
            "notify_testers": false
        })
    );
    assert_eq!(
        distributed[1].1,
        serde_json::json!({ "id": MockAppCenter::destination_id("Play Store/alpha") })
    );
    assert_eq!(
        distributed[2].1,
        serde_json::json!({ "email": "a+b@example.com", "mandatory_update": true, "notify_testers": false })
    );
}

#[tokio::test]
async fn the_upload_domain_never_sees_the_api_token_and_gets_the_upload_token_encoded_once() {
    let mock = MockAppCenter::builder().chunk_size(CHUNK).start().await;
    let path = file("my app (1).apk", &data(3 * CHUNK as usize));
    fast_poll(client(&mock).upload_release("org", "app", &path))
        .send()
        .await
        .unwrap();

    let encoded = encoded_upload_token();
    assert_ne!(encoded, UPLOAD_TOKEN, "the mock's token needs encoding");
    // The upload domain is another origin than the API; each got only its own calls.
    assert_ne!(mock.upload_domain_uri(), mock.uri());
    let on_upload_domain = mock
        .upload_domain_server()
        .received_requests()
        .await
        .unwrap();
    assert_eq!(on_upload_domain.len(), 5);
    assert!(
        on_upload_domain
            .iter()
            .all(|r| r.url.path().starts_with("/upload/") && !r.headers.contains_key("x-api-token"))
    );
    let on_api = mock.server().received_requests().await.unwrap();
    assert!(
        on_api.iter().all(|r| r.url.path().starts_with("/v0.1/")),
        "{:?}",
        on_api.iter().map(|r| r.url.path()).collect::<Vec<_>>()
    );
    let upload = mock.upload_domain_requests();
    assert_eq!(upload.len(), 1 + 3 + 1, "set_metadata, 3 chunks, finished");
    for request in &upload {
        assert!(
            request.headers.get("x-api-token").is_none(),
            "{} carried X-API-Token",
            request.path
        );
        let query = request.query.as_deref().unwrap();
        let tokens: Vec<&str> = query
            .split('&')
            .filter_map(|p| p.strip_prefix("token="))
            .collect();
        assert_eq!(tokens, [encoded.as_str()], "raw query {query}");
        assert!(!query.contains(MockAppCenter::TOKEN));
    }
    // Bodiless posts say so, chunks carry their size.
    for request in &upload {
        let length = request
            .headers
            .get("content-length")
            .map(|v| v.to_str().unwrap());
        if request.path.contains("/upload_chunk/") {
            assert_eq!(length, Some("1024"));
        } else {
            assert_eq!(length, Some("0"), "{}", request.path);
        }
    }
    let metadata = &upload[0];
    assert!(metadata.path.starts_with("/upload/set_metadata/"));
    assert!(
        metadata
            .query
            .as_deref()
            .unwrap()
            .starts_with("file_name=my+app+%281%29.apk&file_size=3072&content_type="),
        "{:?}",
        metadata.query
    );
    // And every API call of the flow did carry the API token.
    for request in mock.api_requests() {
        assert_eq!(
            request
                .headers
                .get("x-api-token")
                .map(|v| v.to_str().unwrap()),
            Some(MockAppCenter::TOKEN),
            "{}",
            request.path
        );
    }
}

#[tokio::test]
async fn a_failure_before_the_release_exists_cancels_the_upload() {
    // Every chunk refused with a status that is not retried: the upload fails fast.
    let server = wiremock::MockServer::start().await;
    use wiremock::matchers::{method, path, path_regex};
    use wiremock::{Mock, ResponseTemplate};
    // 200 rather than the usual 201: any 2xx is the upload.
    Mock::given(method("POST"))
        .and(path("/v0.1/apps/org/app/uploads/releases"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": "00000000-0000-0000-0000-000000000001",
            "package_asset_id": "00000000-0000-0000-0000-000000000002",
            "upload_domain": server.uri(),
            "token": "t",
            "url_encoded_token": "t",
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex("^/upload/set_metadata/"))
        .respond_with(ResponseTemplate::new(403).set_body_string("forbidden"))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(
            "/v0.1/apps/org/app/uploads/releases/00000000-0000-0000-0000-000000000001",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": "00000000-0000-0000-0000-000000000001", "upload_status": "uploadCanceled"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder("tok")
        .base_url(server.uri())
        .retry(fast_retries(3))
        .build()
        .unwrap();
    let path = file("app.apk", &data(10));
    let error = client
        .upload_release("org", "app", &path)
        .send()
        .await
        .unwrap_err();
    match &error {
        UploadError::Transfer {
            step: Step::SetMetadata,
            source: TransferError::Status { status, body },
            upload_id,
        } => {
            assert_eq!((status.as_u16(), body.as_str()), (403, "forbidden"));
            assert_eq!(
                upload_id.to_string(),
                "00000000-0000-0000-0000-000000000001"
            );
        }
        other => panic!("{other:?}"),
    }
    let requests = server.received_requests().await.unwrap();
    let patch = requests
        .iter()
        .find(|r| r.method.as_str() == "PATCH")
        .unwrap();
    assert_eq!(
        patch.body_json::<serde_json::Value>().unwrap(),
        serde_json::json!({"upload_status": "uploadCanceled"})
    );
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.url.path().starts_with("/upload/"))
            .count(),
        1,
        "a 403 is not retried"
    );
}

#[tokio::test]
async fn a_refused_create_keeps_the_api_error_and_cancels_nothing() {
    let server = wiremock::MockServer::start().await;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};
    Mock::given(method("POST"))
        .and(path("/v0.1/apps/org/app/uploads/releases"))
        .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "error": {"code": "Forbidden", "message": "not allowed"}
        })))
        .mount(&server)
        .await;
    let client = Client::builder("tok")
        .base_url(server.uri())
        .build()
        .unwrap();
    let path = file("app.apk", &data(10));
    let error = client
        .upload_release("org", "app", &path)
        .send()
        .await
        .unwrap_err();
    match &error {
        UploadError::Api {
            step: Step::CreateUpload,
            source,
            upload_id: None,
        } => {
            let api = source.api().unwrap();
            assert_eq!(api.code.as_deref(), Some("Forbidden"));
        }
        other => panic!("{other:?}"),
    }
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "no cancel without an upload");
    assert_eq!(requests[0].headers.get("x-api-token").unwrap(), "tok");
    assert_eq!(
        requests[0].body_json::<serde_json::Value>().unwrap(),
        serde_json::json!({})
    );
}

#[tokio::test]
async fn upload_tokens_never_show_in_errors_or_debug_output() {
    // The upload domain is unreachable (nothing listens on port 1): a transport error, whose
    // URL would carry the upload token in its query.
    let server = wiremock::MockServer::start().await;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};
    let secret = "upload-secret-7f3a";
    let answer = serde_json::json!({
        "id": "00000000-0000-0000-0000-000000000001",
        "package_asset_id": "00000000-0000-0000-0000-000000000002",
        "upload_domain": "http://127.0.0.1:1",
        "token": secret,
        "url_encoded_token": secret,
    });
    Mock::given(method("POST"))
        .and(path("/v0.1/apps/org/app/uploads/releases"))
        .respond_with(ResponseTemplate::new(201).set_body_json(answer.clone()))
        .mount(&server)
        .await;
    let client = Client::builder("tok")
        .base_url(server.uri())
        .retry(fast_retries(2))
        .build()
        .unwrap();
    let path = file("app.apk", &data(10));
    let error = client
        .upload_release("org", "app", &path)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            UploadError::Transfer {
                source: TransferError::Transport(_),
                ..
            }
        ),
        "{error:?}"
    );
    for shown in [error.to_string(), format!("{error:?}")] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let created: appcenter::types::CreateReleaseUploadResponse =
        serde_json::from_value(answer).unwrap();
    assert!(!format!("{created:?}").contains(secret));
}

#[test]
fn the_upload_future_can_be_spawned_on_a_multithreaded_runtime() {
    fn assert_send<T: Send>(_: &T) {}
    let client = Client::builder("tok").build().unwrap();
    let future = client
        .upload_release("org", "app", "app.apk")
        .on_progress(|_| {})
        .send();
    assert_send(&future);
}

#[tokio::test]
async fn a_group_name_never_turns_into_another_path() {
    let mock = mock().await;
    let path = file("app.apk", &data(100));
    // `\` would be read as `/`; `..` would look up `GET /v0.1/apps/org/app/` (the app, whose id
    // would be taken for the group's).
    let error = fast_poll(client(&mock).upload_release("org", "app", &path))
        .group("QA\\Berlin")
        .group("..")
        .send()
        .await
        .unwrap_err();
    match &error {
        UploadError::Distribution { failed, added, .. } => {
            assert_eq!(failed.len(), 1);
            assert_eq!(failed[0].destination, Destination::Group("..".into()));
            assert!(
                matches!(failed[0].error, appcenter::Error::InvalidRequest(_)),
                "{:?}",
                failed[0].error
            );
            assert_eq!(*added, [Destination::Group("QA\\Berlin".into())]);
        }
        other => panic!("{other:?}"),
    }
    let paths: Vec<String> = mock.api_requests().into_iter().map(|r| r.path).collect();
    assert!(
        paths.contains(&"/v0.1/apps/org/app/distribution_groups/QA%5CBerlin".to_string()),
        "{paths:?}"
    );
    assert!(
        !paths.contains(&"/v0.1/apps/org/app/".to_string()),
        "{paths:?}"
    );
}

#[tokio::test]
async fn the_app_handle_uploads_and_bad_app_names_are_refused_before_any_request() {
    let mock = mock().await;
    let path = file("handle.apk", &data(CHUNK as usize + 1));
    let app = client(&mock)
        .app("https://appcenter.ms/orgs/org/apps/app")
        .unwrap();
    fast_poll(app.upload_release(&path)).send().await.unwrap();
    assert_eq!(mock.create_request().unwrap(), serde_json::json!({}));

    let requests = mock.server().received_requests().await.unwrap().len();
    for (owner, app) in [("org", "My App"), ("", "app"), ("org", "..")] {
        let error = client(&mock)
            .upload_release(owner, app, &path)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(error, UploadError::Invalid(_)),
            "{owner}/{app}: {error:?}"
        );
    }
    assert_eq!(
        mock.server().received_requests().await.unwrap().len(),
        requests
    );
}
