//! File and CSV downloads come back as streamed bytes, whatever their format, not as JSON.
#![cfg(any(feature = "distribute", feature = "errors"))]

use appcenter::{Client, RetryPolicy};
use futures::TryStreamExt;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::builder("token")
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// Reads a whole byte stream, chunk by chunk.
async fn read_all(stream: appcenter::generated::ByteStream) -> Vec<u8> {
    stream
        .into_inner()
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await
        .unwrap()
}

#[cfg(feature = "distribute")]
#[tokio::test]
async fn the_device_list_csv_is_returned_as_bytes() {
    let csv = "Device ID,Device Name\n00008030-001A,Ada's iPhone\n00008030-001B,\"Grace, iPad\"\n";
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(
            "/v0.1/apps/contoso/my-app/distribution_groups/Beta/devices/download_devices_list",
        ))
        .and(query_param("unprovisioned_only", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(csv, "text/csv"))
        .expect(1)
        .mount(&server)
        .await;

    let answer = client(&server)
        .devices_list_csv_format()
        .owner_name("contoso")
        .app_name("my-app")
        .distribution_group_name("Beta")
        .unprovisioned_only(true)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers().get("content-type").unwrap(), "text/csv");
    assert_eq!(read_all(answer.into_inner()).await, csv.as_bytes());
}

#[cfg(feature = "errors")]
#[tokio::test]
async fn an_error_download_is_returned_as_bytes_in_either_format() {
    let text = "Exception: NullReferenceException\n  at Foo.Bar()\n";
    let json = r#"{"exception":{"type":"NullReferenceException","frames":[]}}"#;
    let server = MockServer::start().await;
    for (format, body, media) in [
        ("txt", text, "text/plain"),
        ("json", json, "application/json"),
    ] {
        Mock::given(method("GET"))
            .and(path(
                "/v0.1/apps/contoso/my-app/errors/errorGroups/g1/errors/e1/download",
            ))
            .and(query_param("format", format))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, media))
            .expect(1)
            .mount(&server)
            .await;
    }

    for (format, expected) in [
        (appcenter::types::ErrorsErrorDownloadFormat::Txt, text),
        (appcenter::types::ErrorsErrorDownloadFormat::Json, json),
    ] {
        let answer = client(&server)
            .errors_error_download()
            .owner_name("contoso")
            .app_name("my-app")
            .error_group_id("g1")
            .error_id("e1")
            .format(format)
            .send()
            .await
            .unwrap();
        assert_eq!(read_all(answer.into_inner()).await, expected.as_bytes());
    }
}

/// A server on loopback that answers one download as chunks, `pause` apart, then (when `stall`)
/// stops sending without closing.
#[cfg(feature = "distribute")]
async fn dripping_server(chunks: usize, pause: std::time::Duration, stall: bool) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\ntransfer-encoding: chunked\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        for n in 0..chunks {
            let line = format!("row {n}\n");
            let chunk = format!("{:x}\r\n{line}\r\n", line.len());
            if socket.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
            tokio::time::sleep(pause).await;
        }
        if stall {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
        }
        let _ = socket.write_all(b"0\r\n\r\n").await;
    });
    base
}

#[cfg(feature = "distribute")]
fn download_client(base: &str) -> Client {
    Client::builder("token")
        .base_url(base)
        .timeout(std::time::Duration::from_millis(800))
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// Issue 12: a download that keeps sending is not cut off by the per-attempt timeout (800 ms
/// here, against a 2.4 s download).
#[cfg(feature = "distribute")]
#[tokio::test]
async fn a_download_is_not_cut_off_while_bytes_keep_arriving() {
    let base = dripping_server(8, std::time::Duration::from_millis(300), false).await;
    let answer = download_client(&base)
        .devices_list_csv_format()
        .owner_name("contoso")
        .app_name("my-app")
        .distribution_group_name("Beta")
        .send()
        .await
        .unwrap();
    let body = read_all(answer.into_inner()).await;
    let want: String = (0..8).map(|n| format!("row {n}\n")).collect();
    assert_eq!(String::from_utf8(body).unwrap(), want);
}

/// Issue 12: a download that stops sending is ended by the inactivity bound.
#[cfg(feature = "distribute")]
#[tokio::test]
async fn a_stalled_download_ends_with_a_timeout() {
    let base = dripping_server(2, std::time::Duration::from_millis(10), true).await;
    let answer = download_client(&base)
        .devices_list_csv_format()
        .owner_name("contoso")
        .app_name("my-app")
        .distribution_group_name("Beta")
        .send()
        .await
        .unwrap();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        answer
            .into_inner()
            .into_inner()
            .try_fold(0usize, |n, chunk| async move { Ok(n + chunk.len()) }),
    )
    .await
    .expect("the stalled download was not ended");
    let err = read.unwrap_err();
    assert!(err.is_timeout() || err.is_body(), "{err:?}");
}
