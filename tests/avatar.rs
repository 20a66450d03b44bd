//! The hand-written avatar uploads (multipart/form-data): the request on the wire, the typed
//! answer, and the same token, retry and error handling as generated operations.
#![cfg(feature = "account")]

use appcenter::{ApiErrorKind, Avatar, Client, Error, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "avatar-token-0123456789";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR fake image bytes";

fn app() -> serde_json::Value {
    json!({
        "id": "b3f1a7a2-54f0-4a8c-9b3e-2f5a0c1d9e77",
        "app_secret": "00000000-1111-2222-3333-444444444444",
        "display_name": "My App", "name": "my-app", "os": "Android", "platform": "Java",
        "origin": "appcenter", "icon_url": "https://example.com/new.png",
        "member_permissions": ["manager"],
        "owner": { "id": "0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5", "display_name": "Contoso",
                   "name": "contoso", "type": "org" }
    })
}

fn client(server: &MockServer, retry: RetryPolicy) -> Client {
    Client::builder(TOKEN)
        .base_url(server.uri())
        .retry(retry)
        .build()
        .unwrap()
}

/// The single file part of a multipart body: (boundary from the header, part headers, content).
fn parse_multipart(content_type: &str, body: &[u8]) -> (String, String, Vec<u8>) {
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .expect("a multipart content type")
        .to_string();
    let start = format!("--{boundary}\r\n");
    let end = format!("\r\n--{boundary}--\r\n");
    assert!(
        body.starts_with(start.as_bytes()),
        "body starts with the boundary"
    );
    assert!(
        body.ends_with(end.as_bytes()),
        "body ends with the closing boundary"
    );
    let inner = &body[start.len()..body.len() - end.len()];
    let split = inner.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let headers = String::from_utf8(inner[..split].to_vec()).unwrap();
    (boundary, headers, inner[split + 4..].to_vec())
}

#[tokio::test]
async fn an_app_avatar_is_sent_as_a_multipart_file_and_the_app_comes_back() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0.1/apps/contoso/my%20app/avatar"))
        .and(header("x-api-token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(app()))
        .expect(1)
        .mount(&server)
        .await;

    let app = client(&server, RetryPolicy::none())
        .update_app_avatar("contoso", "my app", &Avatar::new(PNG, "logo \"new\".png"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(app.icon_url.as_deref(), Some("https://example.com/new.png"));

    let request = &server.received_requests().await.unwrap()[0];
    let content_type = request
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap();
    let (_, part_headers, content) = parse_multipart(content_type, &request.body);
    assert_eq!(
        part_headers,
        "Content-Disposition: form-data; name=\"avatar\"; filename=\"logo %22new%22.png\"\r\n\
         Content-Type: image/png"
    );
    assert_eq!(content, PNG);
    assert!(
        request.headers.get("api-version").is_none(),
        "App Center versions by path"
    );
}

#[tokio::test]
async fn an_org_avatar_is_retried_with_the_same_body_after_a_429() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0.1/orgs/contoso/avatar"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v0.1/orgs/contoso/avatar"))
        .and(header("x-api-token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5", "display_name": "Contoso",
            "name": "contoso", "origin": "appcenter", "avatar_url": "https://example.com/org.gif",
            "created_at": "2024-03-01T10:20:30Z", "updated_at": "2024-05-02T08:00:00Z"
        })))
        .expect(1)
        .mount(&server)
        .await;

    let avatar = Avatar::new(PNG.to_vec(), "org.img").with_media_type("image/gif");
    let org = client(&server, RetryPolicy::default())
        .update_org_avatar("contoso", &avatar)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        org.avatar_url.as_deref(),
        Some("https://example.com/org.gif")
    );

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].body, requests[1].body,
        "the retry sends the same form"
    );
    let content_type = requests[1]
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap();
    let (_, part_headers, content) = parse_multipart(content_type, &requests[1].body);
    assert!(part_headers.ends_with("Content-Type: image/gif"));
    assert_eq!(content, PNG);
}

#[tokio::test]
async fn an_avatar_refused_by_app_center_is_a_typed_api_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0.1/apps/contoso/my-app/avatar"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": { "code": "BadRequest", "message": "Image too large" }
        })))
        .mount(&server)
        .await;

    let error = client(&server, RetryPolicy::none())
        .update_app_avatar("contoso", "my-app", &Avatar::new(PNG, "a.png"))
        .await
        .unwrap_err();
    let Error::Api(api) = &error else {
        panic!("expected an API error, got {error:?}")
    };
    assert_eq!(api.kind(), ApiErrorKind::BadRequest);
    assert_eq!(api.message.as_deref(), Some("Image too large"));
    assert!(!error.to_string().contains(TOKEN));
}

#[tokio::test]
async fn the_boundary_never_occurs_in_the_image() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(app()))
        .mount(&server)
        .await;
    // Bytes that look like multipart boundaries must come back out of the body unchanged.
    let tricky = b"--appcenter-rust-\r\n--\r\n\r\n".repeat(50);
    let avatar = Avatar::new(tricky.clone(), "x.bin");
    assert_eq!(avatar.media_type(), "application/octet-stream");
    client(&server, RetryPolicy::none())
        .update_app_avatar("contoso", "my-app", &avatar)
        .await
        .unwrap();

    let request = &server.received_requests().await.unwrap()[0];
    let content_type = request
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap();
    let (boundary, _, content) = parse_multipart(content_type, &request.body);
    assert_eq!(content, tricky);
    assert!(
        !tricky
            .windows(boundary.len())
            .any(|w| w == boundary.as_bytes())
    );
}

#[tokio::test]
async fn avatar_path_segments_are_encoded_and_dot_segments_refused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0.1/orgs/QA%5CBeta%20Team/avatar"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5",
            "display_name": "QA", "name": "qa", "origin": "appcenter",
            "created_at": "2024-05-02T08:00:00Z", "updated_at": "2024-05-02T08:00:00Z"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server, RetryPolicy::none());
    let avatar = Avatar::new(PNG, "a.png");

    client
        .update_org_avatar("QA\\Beta Team", &avatar)
        .await
        .unwrap();

    for (owner, app) in [("acme", ".."), ("..", "app"), ("acme", "."), ("", "app")] {
        let error = client
            .update_app_avatar(owner, app, &avatar)
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidRequest(_)),
            "{owner}/{app}: {error:?}"
        );
    }
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "nothing sent for refused names"
    );
}
