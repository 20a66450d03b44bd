//! Release uploads on real networks and over long processing: slow and dead uplinks (through a
//! throttling TCP relay in front of the mock's upload domain), transient poll failures spread
//! over the wait, the poll deadline, `Retry-After` on the upload domain, resuming in another
//! process, waiting again for a release, and the control handle (progress, cancel).
#![cfg(all(feature = "mock", feature = "distribute"))]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use appcenter::mock::{ChunkFailure, MockAppCenter, PollFailure, encoded_upload_token};
use appcenter::upload::{Phase, Step, TransferError, UploadError, UploadSession};
use appcenter::{Client, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[path = "common/files.rs"]
mod files;
use files::{data, fast_retries, file};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * 1024;

fn client(mock: &MockAppCenter) -> Client {
    mock.client_builder()
        .retry(fast_retries(4))
        .build()
        .unwrap()
}

fn fast_poll(upload: appcenter::upload::ReleaseUpload<'_>) -> appcenter::upload::ReleaseUpload<'_> {
    upload
        .poll_interval(Duration::from_millis(5))
        .poll_timeout(Duration::from_secs(20))
}

/// How the relay treats what the client sends.
#[derive(Clone, Copy)]
enum Link {
    /// Through one token bucket of this many bytes per second, shared by every connection.
    Throttled(u64),
    /// Forwarded, until a connection sends a chunk: from then on nothing more is taken from it
    /// (a link that died in the middle of a chunk).
    DiesOnChunks,
}

/// A TCP relay on loopback in front of `target`; answers come back unthrottled.
async fn relay(target: SocketAddr, link: Link) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let next_slot = Arc::new(Mutex::new(Instant::now()));
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let next_slot = Arc::clone(&next_slot);
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(target).await else {
                    return;
                };
                let (mut from_client, mut to_client) = client.into_split();
                let (mut from_server, mut to_server) = server.into_split();
                let up = async move {
                    let mut buffer = vec![0u8; 8 * 1024];
                    loop {
                        let n = match from_client.read(&mut buffer).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let rate = match link {
                            Link::Throttled(rate) => rate,
                            Link::DiesOnChunks => {
                                let piece = String::from_utf8_lossy(&buffer[..n]);
                                if piece.contains("/upload/upload_chunk/") {
                                    return std::future::pending::<()>().await;
                                }
                                u64::MAX
                            }
                        };
                        let at = {
                            let mut slot = next_slot.lock().unwrap();
                            let start = (*slot).max(Instant::now());
                            *slot = start + Duration::from_secs_f64(n as f64 / rate as f64);
                            *slot
                        };
                        tokio::time::sleep_until(at.into()).await;
                        if to_server.write_all(&buffer[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = to_server.shutdown().await;
                };
                let down = async move {
                    let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
                    let _ = to_client.shutdown().await;
                };
                tokio::join!(up, down);
            });
        }
    });
    address
}

/// The mock's upload domain as a socket address.
fn upload_domain_address(mock: &MockAppCenter) -> SocketAddr {
    let uri = url::Url::parse(&mock.upload_domain_uri()).unwrap();
    format!("127.0.0.1:{}", uri.port().unwrap())
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_uplink_uploads_byte_exact_although_each_chunk_outlasts_the_timeout() {
    // 8 chunks of 1 MiB share 256 KiB/s: each takes about 32 s, over six times the client's
    // 5 s timeout. Bytes keep moving, so no chunk may fail.
    let mock = MockAppCenter::builder().chunk_size(MIB).start().await;
    let relay = relay(upload_domain_address(&mock), Link::Throttled(256 * KIB)).await;
    mock.advertise_upload_domain(format!("http://{relay}"));
    let client = mock
        .client_builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let bytes = data(8 * MIB as usize);
    let path = file("big.apk", &bytes);
    let started = Instant::now();
    let release = fast_poll(client.upload_release("org", "app", &path))
        .parallelism(10)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!(
        "8 MiB through a 256 KiB/s relay, 1 MiB chunks, parallelism 10, timeout 5 s: {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(release.release_id, 42);
    assert!(mock.received_file().unwrap() == bytes, "byte-exact");
    let mut sent = mock.chunk_requests();
    sent.sort();
    assert_eq!(sent, (1..=8).collect::<Vec<_>>(), "no chunk timed out");
    assert_eq!(mock.statuses_set(), ["uploadFinished"]);
}

#[tokio::test]
async fn a_dead_uplink_fails_the_chunk_when_no_bytes_move_for_the_timeout() {
    // One 16 MiB chunk: more than the socket buffers on the way take, so the client sees its
    // bytes stop moving.
    let mock = MockAppCenter::builder().chunk_size(16 * MIB).start().await;
    let relay = relay(upload_domain_address(&mock), Link::DiesOnChunks).await;
    mock.advertise_upload_domain(format!("http://{relay}"));
    let client = mock
        .client_builder()
        .timeout(Duration::from_secs(1))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let path = file("big.apk", &data(16 * MIB as usize));
    let error = fast_poll(client.upload_release("org", "app", &path))
        .send()
        .await
        .unwrap_err();
    match &error {
        UploadError::Transfer {
            step: Step::UploadChunk,
            source: TransferError::TimedOut { after, sending },
            upload_id,
        } => {
            assert_eq!(*after, Duration::from_secs(1));
            assert!(*sending, "stopped while sending: {error}");
            assert_eq!(Some(*upload_id), mock.upload_id());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(mock.statuses_set(), ["uploadCanceled"], "never accepted");
}

#[tokio::test]
async fn a_chunk_whose_answer_never_comes_fails_after_the_timeout_plus_the_draining_time() {
    // The service takes the whole chunk and never answers.
    let mock = MockAppCenter::builder()
        .chunk_size(4 * KIB)
        .chunk_delay(Duration::from_secs(600))
        .start()
        .await;
    let client = mock
        .client_builder()
        .timeout(Duration::from_secs(1))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let path = file("small.apk", &data(4 * KIB as usize));
    let error = fast_poll(client.upload_release("org", "app", &path))
        // The bytes in flight (4 KiB) may take 2 s to drain at 2 KiB/s: 3 s in all.
        .min_upload_rate(2 * KIB)
        .send()
        .await
        .unwrap_err();
    match &error {
        UploadError::Transfer {
            step: Step::UploadChunk,
            source: TransferError::TimedOut { after, sending },
            ..
        } => {
            assert_eq!(*after, Duration::from_secs(3), "1 s + 4 KiB at 2 KiB/s");
            assert!(!*sending, "{error}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(mock.statuses_set(), ["uploadCanceled"]);
}

#[tokio::test]
async fn transient_poll_failures_are_counted_in_a_row_not_over_the_whole_wait() {
    // Twelve gateway 404 pages spread over the processing, never two in a row: with one
    // failure tolerated in a row, the upload still succeeds.
    let mock = MockAppCenter::builder()
        .chunk_size(KIB)
        .processing_polls(30)
        .fail_poll_numbers((1..=12).map(|n| 2 * n), PollFailure::HtmlNotFound)
        .start()
        .await;
    let client = mock
        .client_builder()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let path = file("app.apk", &data(100));
    let release = fast_poll(client.upload_release("org", "app", &path))
        .poll_transient_errors(1)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(release.release_id, 42);
    let polls = mock
        .api_requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("/uploads/releases/"))
        .count();
    assert!(polls > 24, "{polls} polls");

    // Two in a row is one more than tolerated: the upload fails, named, and is not cancelled.
    let mock = MockAppCenter::builder()
        .chunk_size(KIB)
        .processing_polls(30)
        .fail_poll_numbers([3, 4], PollFailure::HtmlNotFound)
        .start()
        .await;
    let client = mock
        .client_builder()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let error = fast_poll(client.upload_release("org", "app", &path))
        .poll_transient_errors(1)
        .send()
        .await
        .unwrap_err();
    match &error {
        UploadError::Api {
            step: Step::Poll,
            source,
            upload_id,
        } => {
            assert_eq!(source.status().map(|s| s.as_u16()), Some(404));
            assert_eq!(*upload_id, mock.upload_id());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        mock.statuses_set(),
        ["uploadFinished"],
        "an accepted binary is never cancelled"
    );
}

#[tokio::test]
async fn each_poll_request_is_bounded_by_the_poll_deadline() {
    use wiremock::matchers::{method, path_regex};
    let mock = MockAppCenter::builder().chunk_size(KIB).start().await;
    // The status answer takes 20 s, and would say ready; the poll deadline is 300 ms.
    wiremock::Mock::given(method("GET"))
        .and(path_regex("^/v0.1/apps/org/app/uploads/releases/"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({
                    "id": "00000000-0000-0000-0000-000000000001",
                    "upload_status": "readyToBePublished",
                    "release_distinct_id": 7,
                }))
                .set_delay(Duration::from_secs(20)),
        )
        .with_priority(1)
        .mount(mock.server())
        .await;
    let path = file("app.apk", &data(100));
    let error = client(&mock)
        .upload_release("org", "app", &path)
        .poll_timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            UploadError::PollTimeout {
                last_status: None,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.upload_id(), mock.upload_id());
    assert_eq!(mock.statuses_set(), ["uploadFinished"]);
}

#[tokio::test]
async fn huge_poll_settings_do_not_panic() {
    let mock = MockAppCenter::builder().chunk_size(KIB).start().await;
    let path = file("app.apk", &data(100));
    // No deadline at all: still ends when the release is ready.
    let release = client(&mock)
        .upload_release("org", "app", &path)
        .poll_interval(Duration::from_millis(5))
        .poll_timeout(Duration::MAX)
        .send()
        .await
        .unwrap();
    assert_eq!(release.release_id, 42);
    // An interval past the clock's range: no second poll, a timeout error.
    let mock = MockAppCenter::builder().chunk_size(KIB).start().await;
    let error = client(&mock)
        .upload_release("org", "app", &path)
        .poll_interval(Duration::MAX)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, UploadError::PollTimeout { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn wait_for_release_resumes_after_a_poll_timeout_and_distributes() {
    let mock = MockAppCenter::builder()
        .chunk_size(KIB)
        .processing_polls(40)
        .start()
        .await;
    let path = file("app.apk", &data(3000));
    let error = client(&mock)
        .upload_release("org", "app", &path)
        .poll_interval(Duration::from_millis(5))
        .poll_timeout(Duration::from_millis(50))
        .group("QA")
        .send()
        .await
        .unwrap_err();
    let Some(upload_id) = error.upload_id() else {
        panic!("{error:?}")
    };
    assert!(
        matches!(error, UploadError::PollTimeout { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(&upload_id.to_string()),
        "{error}"
    );
    let sent = mock.upload_domain_requests().len();
    let release = client(&mock)
        .wait_for_release("org", "app", upload_id)
        .poll_interval(Duration::from_millis(5))
        .release_notes("later")
        .group("QA")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((release.release_id, release.upload_id), (42, upload_id));
    assert_eq!(mock.statuses_set(), ["uploadFinished"]);
    assert_eq!(mock.release_notes().as_deref(), Some("later"));
    assert_eq!(mock.distributed().len(), 1);
    let creates = mock
        .api_requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/uploads/releases"))
        .count();
    assert_eq!(creates, 1, "no second upload");
    assert_eq!(
        mock.upload_domain_requests().len(),
        sent,
        "no binary sent again"
    );
}

#[tokio::test]
async fn retry_after_on_the_upload_domain_is_honoured_in_full_or_ends_the_call() {
    // 1 s asked, backoff capped at 5 ms: the retry waits the full second.
    let mock = MockAppCenter::builder()
        .chunk_size(KIB)
        .fail_chunk(1, 1, ChunkFailure::RetryAfter(1))
        .start()
        .await;
    let path = file("app.apk", &data(100));
    let started = Instant::now();
    fast_poll(client(&mock).upload_release("org", "app", &path))
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(mock.chunk_requests(), [1, 1]);

    // 40 s asked, beyond the policy's 10 s of waiting (and beyond the old 30 s cap): no early
    // retry that would only earn another refusal; the 429 is the answer.
    let mock = MockAppCenter::builder()
        .chunk_size(KIB)
        .fail_chunk(1, 1, ChunkFailure::RetryAfter(40))
        .start()
        .await;
    let client = mock
        .client_builder()
        .retry(fast_retries(4).max_retry_time(Duration::from_secs(10)))
        .build()
        .unwrap();
    let error = fast_poll(client.upload_release("org", "app", &path))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            UploadError::Transfer {
                source: TransferError::Status { status, .. },
                ..
            } if status.as_u16() == 429
        ),
        "{error:?}"
    );
    assert_eq!(mock.chunk_requests(), [1]);

    // The client's total timeout is the call's deadline, as on the API.
    let mock = MockAppCenter::builder()
        .chunk_size(KIB)
        .fail_chunk(1, 1, ChunkFailure::RetryAfter(5))
        .start()
        .await;
    let client = mock
        .client_builder()
        .retry(fast_retries(4))
        .total_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let error = fast_poll(client.upload_release("org", "app", &path))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(&error, UploadError::Transfer { .. }), "{error:?}");
    assert_eq!(mock.chunk_requests(), [1]);
}

#[tokio::test]
async fn the_upload_domain_is_its_own_origin_and_refuses_the_api_token() {
    let mock = MockAppCenter::builder().chunk_size(KIB).start().await;
    assert_ne!(mock.upload_domain_uri(), mock.uri());
    let url = format!(
        "{}/upload/set_metadata/asset?file_name=a.apk&file_size=10&token={}",
        mock.upload_domain_uri(),
        encoded_upload_token()
    );
    // This crate builds reqwest's rustls without a crypto provider: a client of one's own
    // needs one installed (as rustls asks of applications).
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let refused = http
        .post(&url)
        .header("x-api-token", MockAppCenter::TOKEN)
        .header("content-length", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    let accepted = http
        .post(&url)
        .header("content-length", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status().as_u16(), 200);
    // The API origin does not serve the upload domain's routes.
    let on_api = http
        .post(url.replace(&mock.upload_domain_uri(), &mock.uri()))
        .header("x-api-token", MockAppCenter::TOKEN)
        .header("content-length", "0")
        .send()
        .await
        .unwrap();
    assert!(!on_api.status().is_success(), "{}", on_api.status());
}

/// The mock checks the block numbers clients send (issue 11, point 9: `block_number=0` made it
/// panic on an underflow): 0 and a number far past the file are refused with 400.
#[tokio::test]
async fn the_mock_upload_domain_refuses_impossible_block_numbers_without_panicking() {
    let mock = MockAppCenter::builder().chunk_size(KIB).start().await;
    // This crate builds reqwest's rustls without a crypto provider: a client of one's own
    // needs one installed (as rustls asks of applications).
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let base = format!("{}/upload", mock.upload_domain_uri());
    let token = encoded_upload_token();
    let metadata = http
        .post(format!(
            "{base}/set_metadata/asset?file_name=a.apk&file_size=10&token={token}"
        ))
        .header("content-length", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(metadata.status().as_u16(), 200);
    for block in ["0", "18446744073709551615"] {
        let answer = http
            .post(format!(
                "{base}/upload_chunk/asset?block_number={block}&token={token}"
            ))
            .body(vec![0u8; 10])
            .send()
            .await
            .unwrap_or_else(|e| panic!("block {block}: the mock dropped the request: {e}"));
        assert_eq!(answer.status().as_u16(), 400, "block {block}");
    }
}

#[tokio::test]
async fn a_killed_upload_continues_in_another_process_sending_only_the_missing_chunks() {
    let mock = MockAppCenter::builder()
        .chunk_size(KIB)
        .chunk_delay(Duration::from_millis(30))
        .start()
        .await;
    let bytes = data(20 * KIB as usize - 7);
    let path = file("app.apk", &bytes);

    // "Process" 1: stopped (its future dropped) once 5 chunks are in.
    let client1 = client(&mock);
    let upload = fast_poll(client1.upload_release("org", "app", &path)).parallelism(2);
    let control = upload.control();
    let mut progress = control.progress();
    tokio::select! {
        result = upload.send() => panic!("finished before it was stopped: {result:?}"),
        _ = progress.wait_for(|p| p.chunks_done >= 5) => {}
    }
    let stored =
        serde_json::to_string(&control.session().expect("a session once created")).unwrap();
    assert!(
        mock.statuses_set().is_empty(),
        "dropping the future tells the service nothing"
    );
    // Let a chunk already on the wire land before looking at what the service holds.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let held: Vec<u64> = mock.received_blocks().keys().copied().collect();
    assert!(held.len() >= 5 && held.len() < 20, "{held:?}");
    let requests_before = mock.chunk_requests().len();

    // "Process" 2: a new client, the stored session, the same file.
    let session: UploadSession = serde_json::from_str(&stored).unwrap();
    assert_eq!(Some(session.upload_id()), mock.upload_id());
    let release = fast_poll(client(&mock).upload_release("org", "app", &path))
        .resume(session)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(Some(release.upload_id), mock.upload_id());
    let mut resent = mock.chunk_requests()[requests_before..].to_vec();
    resent.sort();
    let missing: Vec<u64> = (1..=20).filter(|n| !held.contains(n)).collect();
    assert_eq!(resent, missing, "only the chunks the service missed");
    assert!(mock.received_file().unwrap() == bytes, "byte-exact");
    assert_eq!(mock.statuses_set(), ["uploadFinished"]);
    let creates = mock
        .api_requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/uploads/releases"))
        .count();
    assert_eq!(creates, 1, "the same upload continued");
}

#[tokio::test]
async fn resuming_an_upload_whose_binary_was_accepted_only_waits() {
    let mock = MockAppCenter::builder()
        .chunk_size(KIB)
        .processing_polls(1000)
        .start()
        .await;
    let path = file("app.apk", &data(2000));
    let client = client(&mock);
    let upload = client
        .upload_release("org", "app", &path)
        .poll_interval(Duration::from_millis(5))
        .poll_timeout(Duration::from_millis(30));
    let control = upload.control();
    let error = upload.send().await.unwrap_err();
    assert!(
        matches!(error, UploadError::PollTimeout { .. }),
        "{error:?}"
    );
    let sent = mock.upload_domain_requests().len();
    let error = client
        .upload_release("org", "app", &path)
        .resume(control.session().unwrap())
        .poll_interval(Duration::from_millis(5))
        .poll_timeout(Duration::from_millis(30))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, UploadError::PollTimeout { .. }),
        "{error:?}"
    );
    assert_eq!(
        mock.upload_domain_requests().len(),
        sent,
        "nothing sent again"
    );
    assert_eq!(mock.statuses_set(), ["uploadFinished"]);
}

#[tokio::test]
async fn cancel_while_sending_chunks_sends_upload_canceled() {
    let mock = MockAppCenter::builder()
        .chunk_size(KIB)
        .chunk_delay(Duration::from_millis(30))
        .start()
        .await;
    let path = file("app.apk", &data(20 * KIB as usize));
    let client = client(&mock);
    let upload = fast_poll(client.upload_release("org", "app", &path)).parallelism(2);
    let control = upload.control();
    let watcher = control.clone();
    let canceller = tokio::spawn(async move {
        let mut progress = watcher.progress();
        let _ = progress.wait_for(|p| p.chunks_done >= 2).await;
        watcher.cancel();
    });
    let error = upload.send().await.unwrap_err();
    canceller.await.unwrap();
    match &error {
        UploadError::Canceled {
            upload_id,
            upload_canceled,
        } => {
            assert_eq!(*upload_id, mock.upload_id());
            assert!(upload_id.is_some());
            assert!(*upload_canceled);
        }
        other => panic!("{other:?}"),
    }
    assert!(control.is_canceled());
    assert_eq!(mock.statuses_set(), ["uploadCanceled"]);
    assert_eq!(mock.finish_calls(), 0);
    assert!(mock.chunk_requests().len() < 20, "stopped early");
}

#[tokio::test]
async fn cancel_after_the_binary_was_accepted_stops_waiting_and_cancels_nothing() {
    let mock = MockAppCenter::builder()
        .chunk_size(KIB)
        .processing_polls(u32::MAX)
        .start()
        .await;
    let path = file("app.apk", &data(3000));
    let client = client(&mock);
    let upload = fast_poll(client.upload_release("org", "app", &path)).poll_timeout(Duration::MAX);
    let control = upload.control();
    let watcher = control.clone();
    tokio::spawn(async move {
        let mut progress = watcher.progress();
        let _ = progress.wait_for(|p| p.phase == Phase::Processing).await;
        watcher.cancel();
    });
    let error = upload.send().await.unwrap_err();
    assert!(
        matches!(
            error,
            UploadError::Canceled {
                upload_id: Some(_),
                upload_canceled: false
            }
        ),
        "{error:?}"
    );
    assert_eq!(mock.statuses_set(), ["uploadFinished"]);
}

#[tokio::test]
async fn cancel_before_send_sends_nothing() {
    let mock = MockAppCenter::builder().chunk_size(KIB).start().await;
    let path = file("app.apk", &data(100));
    let client = client(&mock);
    let upload = client.upload_release("org", "app", &path);
    upload.control().cancel();
    let error = upload.send().await.unwrap_err();
    assert!(
        matches!(
            error,
            UploadError::Canceled {
                upload_id: None,
                upload_canceled: false
            }
        ),
        "{error:?}"
    );
    assert!(mock.server().received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn progress_is_watched_from_another_task_until_the_upload_ends() {
    let mock = MockAppCenter::builder().chunk_size(KIB).start().await;
    let bytes = data(5 * KIB as usize + 1);
    let path = file("app.apk", &bytes);
    let client = client(&mock);
    let upload = fast_poll(client.upload_release("org", "app", &path));
    let mut progress = upload.control().progress();
    let watcher = tokio::spawn(async move {
        let mut seen = Vec::new();
        while progress.changed().await.is_ok() {
            seen.push(*progress.borrow_and_update());
        }
        seen
    });
    let release = upload.send().await.unwrap();
    let seen = watcher.await.unwrap();
    let last = seen.last().expect("updates seen");
    assert_eq!(last.phase, Phase::Done);
    assert_eq!(last.upload_id, Some(release.upload_id));
    assert_eq!(
        (last.bytes_sent, last.total_bytes, last.chunks_done),
        (bytes.len() as u64, bytes.len() as u64, 6)
    );
    assert!(seen.windows(2).all(|w| w[0].bytes_sent <= w[1].bytes_sent));
}

#[test]
fn a_session_never_shows_its_token() {
    let session: UploadSession = serde_json::from_value(serde_json::json!({
        "upload_id": "00000000-0000-0000-0000-000000000001",
        "package_asset_id": "00000000-0000-0000-0000-000000000002",
        "upload_domain": "https://file.appcenter.ms",
        "url_encoded_token": "sv%3Dcanary-sig-5150",
    }))
    .unwrap();
    assert!(!format!("{session:?}").contains("canary"));
    let client = Client::builder("tok").build().unwrap();
    let upload = client
        .upload_release("org", "app", "app.apk")
        .resume(session.clone());
    let control = upload.control();
    for shown in [format!("{upload:?}"), format!("{control:?}")] {
        assert!(!shown.contains("canary"), "{shown}");
    }
    // Serialised on purpose (to be stored as a secret), and read back the same.
    let stored = serde_json::to_string(&session).unwrap();
    assert!(stored.contains("canary"));
    assert_eq!(
        serde_json::from_str::<UploadSession>(&stored).unwrap(),
        session
    );
}

#[tokio::test]
async fn an_ambiguous_commit_failure_is_left_alone_and_a_refused_one_is_cancelled() {
    use wiremock::matchers::{body_partial_json, method};
    for (status, cancelled) in [(500, false), (409, true)] {
        let mock = MockAppCenter::builder().chunk_size(KIB).start().await;
        wiremock::Mock::given(method("PATCH"))
            .and(body_partial_json(
                serde_json::json!({"upload_status": "uploadFinished"}),
            ))
            .respond_with(wiremock::ResponseTemplate::new(status).set_body_json(
                serde_json::json!({"error": {"code": "Injected", "message": "injected"}}),
            ))
            .with_priority(1)
            .mount(mock.server())
            .await;
        let client = mock
            .client_builder()
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let path = file("app.apk", &data(100));
        let error = fast_poll(client.upload_release("org", "app", &path))
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                &error,
                UploadError::Api {
                    step: Step::CommitUpload,
                    upload_id: Some(_),
                    ..
                }
            ),
            "{error:?}"
        );
        // A 5xx may have been applied: the binary may be accepted, so it is never cancelled.
        let expected: &[&str] = if cancelled { &["uploadCanceled"] } else { &[] };
        assert_eq!(mock.statuses_set(), expected, "{status}");
    }
}
