//! Pipe-delimited query lists (`versions`, `event_name`): callers pass a list, the wire carries
//! the values joined with `|`, and a value that cannot be sent is a typed error.
#![cfg(feature = "analytics")]

use appcenter::{Client, Error, RetryPolicy};
use chrono::{TimeZone, Utc};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::builder("token")
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_list_of_versions_goes_out_joined_with_pipes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/apps/contoso/my-app/analytics/session_counts"))
        .and(query_param("versions", "1.0|2.0 (35)"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            { "datetime": "2024-05-06T00:00:00Z", "count": 12 }
        ])))
        .expect(1)
        .mount(&server)
        .await;

    let counts = client(&server)
        .analytics_session_counts()
        .owner_name("contoso")
        .app_name("my-app")
        .start(Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap())
        .interval("P1D")
        .versions(vec!["1.0".to_string(), "2.0 (35)".to_string()])
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(counts.len(), 1);

    let request = &server.received_requests().await.unwrap()[0];
    assert!(
        request
            .url
            .query()
            .unwrap()
            .contains("versions=1.0%7C2.0+%2835%29"),
        "query: {:?}",
        request.url.query()
    );
}

#[tokio::test]
async fn event_names_take_a_list_too() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/apps/contoso/my-app/analytics/events"))
        .and(query_param("event_name", "login|purchase"))
        .and(query_param("versions", "3.1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "events": [], "total": 0, "total_devices": 0
        })))
        .expect(1)
        .mount(&server)
        .await;

    client(&server)
        .analytics_events()
        .owner_name("contoso")
        .app_name("my-app")
        .start(Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap())
        .event_name(["login", "purchase"])
        .versions("3.1")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_value_containing_a_pipe_is_refused_before_sending() {
    let server = MockServer::start().await;
    let error = client(&server)
        .analytics_session_counts()
        .owner_name("contoso")
        .app_name("my-app")
        .start(Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap())
        .interval("P1D")
        .versions(["1.0|2.0"])
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    assert!(error.to_string().contains("versions"), "{error}");
    assert!(server.received_requests().await.unwrap().is_empty());
}
