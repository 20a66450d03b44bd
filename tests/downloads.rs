//! File and CSV downloads come back as streamed bytes, whatever their format, not as JSON.

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
