//! Swagger 2.0 polymorphic types (a base with a `discriminator`, subtypes adding fields): the
//! subtype fields can be sent and read (fix-up `polymorphic_subtype_fields_on_base`).
#![cfg(any(
    feature = "push",
    feature = "export",
    feature = "alerting",
    feature = "analytics"
))]

use appcenter::{Client, RetryPolicy, types};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> Client {
    Client::builder("token")
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

#[cfg(feature = "push")]
#[tokio::test]
async fn a_push_configuration_subtype_is_sent_and_read_with_its_fields() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/v0.1/apps/contoso/my-app/push/notifications_config"))
        .and(body_json(json!({
            "type": "wns_config", "package_sid": "ms-app://s-1-15-2", "secret_key": "wns-secret"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "type": "wns_config", "package_sid": "ms-app://s-1-15-2"
        })))
        .expect(1)
        .mount(&server)
        .await;

    let config = client(&server)
        .push_set_config()
        .owner_name("contoso")
        .app_name("my-app")
        .body_map(|b| {
            b.type_(types::NotificationConfigType::WnsConfig)
                .package_sid(Some("ms-app://s-1-15-2".to_string()))
                .secret_key(Some("wns-secret".to_string()))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(config.type_, "wns_config");
    assert_eq!(config.package_sid.as_deref(), Some("ms-app://s-1-15-2"));
    assert!(!format!("{config:?}").contains("wns-secret"));
}

#[cfg(feature = "push")]
#[tokio::test]
async fn a_notification_target_subtype_is_sent_with_its_fields() {
    let server = MockServer::start().await;
    let definition = json!({
        "notification_target": {
            "type": "devices_target",
            "devices": ["3f2504e0-4f89-41d3-9a0c-0305e82c3301"]
        },
        "notification_content": { "name": "Launch", "title": "New", "body": "Version 2 is out" }
    });
    Mock::given(method("POST"))
        .and(path("/v0.1/apps/contoso/my-app/push/notifications"))
        .and(body_json(&definition))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({ "notification_id": "n-1" })))
        .expect(1)
        .mount(&server)
        .await;

    let body: types::NotificationDefinition = serde_json::from_value(definition).unwrap();
    let target = body.notification_target.as_ref().unwrap();
    assert_eq!(target.type_, types::NotificationTargetType::DevicesTarget);
    assert_eq!(target.devices.len(), 1);
    let sent = client(&server)
        .push_send()
        .owner_name("contoso")
        .app_name("my-app")
        .body(body)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sent.notification_id, "n-1");
}

#[cfg(feature = "export")]
#[tokio::test]
async fn an_export_configuration_subtype_is_sent_and_read_with_its_fields() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0.1/apps/contoso/my-app/export_configurations"))
        .and(body_json(json!({
            "type": "application_insights_linked_subscription",
            "subscription_id": "sub-42",
            "export_entities": ["crashes", "errors"]
        })))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({
            "id": "e-1", "export_type": "AppInsights", "creation_time": "2024-05-06T07:08:09Z",
            "state": "Enabled", "export_entities": ["crashes", "errors"],
            "export_configuration": {
                "type": "application_insights_linked_subscription", "subscription_id": "sub-42"
            }
        })))
        .expect(1)
        .mount(&server)
        .await;

    let result = client(&server)
        .export_configurations_create()
        .owner_name("contoso")
        .app_name("my-app")
        .body_map(|b| {
            b.type_(types::ExportConfigurationType::ApplicationInsightsLinkedSubscription)
                .subscription_id(Some("sub-42".to_string()))
                .export_entities(vec![
                    types::ExportEntity::Crashes,
                    types::ExportEntity::Errors,
                ])
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let configuration = result.export_configuration.unwrap();
    assert_eq!(configuration.subscription_id.as_deref(), Some("sub-42"));
}

/// `ExportConfigurationBlobStorageConnectionString` inherits from `ExportConfiguration` through
/// `ExportBlobConfiguration`: a subtype of a subtype, whose fields reach the base too.
#[cfg(feature = "export")]
#[tokio::test]
async fn a_blob_export_with_a_connection_string_is_sent_and_read() {
    let connection = "DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=k3y==";
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0.1/apps/contoso/my-app/export_configurations"))
        .and(body_json(json!({
            "type": "blob_storage_connection_string",
            "connection_string": connection,
            "blob_path_format_kind": "WithAppId",
            "export_entities": ["crashes"]
        })))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({
            "id": "e-2", "export_type": "BlobStorage", "creation_time": "2024-05-06T07:08:09Z",
            "state": "Enabled", "export_entities": ["crashes"],
            "export_configuration": {
                "type": "blob_storage_connection_string", "connection_string": connection,
                "blob_path_format_kind": "WithAppId"
            }
        })))
        .expect(1)
        .mount(&server)
        .await;

    let result = client(&server)
        .export_configurations_create()
        .owner_name("contoso")
        .app_name("my-app")
        .body_map(|b| {
            b.type_(types::ExportConfigurationType::BlobStorageConnectionString)
                .connection_string(Some(connection.to_string()))
                .blob_path_format_kind(Some(
                    types::ExportConfigurationBlobPathFormatKind::WithAppId,
                ))
                .export_entities(vec![types::ExportEntity::Crashes])
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let configuration = result.export_configuration.unwrap();
    assert_eq!(configuration.connection_string.as_deref(), Some(connection));
    assert!(!format!("{configuration:?}").contains("k3y=="));
}

#[cfg(feature = "alerting")]
#[tokio::test]
async fn bug_tracker_settings_are_read_with_their_subtype_fields() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/apps/contoso/my-app/bugtracker"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "type": "github", "state": "enabled", "event_types": [],
            "settings": {
                "type": "github", "owner_name": "contoso",
                "github_repo_id": 1234, "github_repo_name": "contoso/app", "github_label": "crash"
            }
        })))
        .mount(&server)
        .await;

    let tracker = client(&server)
        .bugtracker_get_settings()
        .owner_name("contoso")
        .app_name("my-app")
        .send()
        .await
        .unwrap()
        .into_inner();
    let settings = tracker.settings.unwrap();
    assert_eq!(settings.github_repo_id, Some(1234));
    assert_eq!(settings.github_repo_name.as_deref(), Some("contoso/app"));
    assert_eq!(settings.github_label.as_deref(), Some("crash"));
}

#[cfg(feature = "analytics")]
#[tokio::test]
async fn log_containers_are_read_with_each_log_subtypes_fields() {
    let device = json!({
        "sdk_name": "appcenter.android", "sdk_version": "5.0.0", "os_name": "Android",
        "os_version": "14", "locale": "en_US", "time_zone_offset": 60,
        "app_version": "2.0", "app_build": "35"
    });
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v0.1/apps/contoso/my-app/analytics/log_flow"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "exceeded_max_limit": false,
            "logs": [
                { "type": "start_session", "timestamp": "2024-05-06T07:08:09Z",
                  "install_id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "device": device,
                  "session_id": "6a1c3e6e-3a63-4b8e-9b0e-5a2b41f1d0c4" },
                { "type": "push_installation", "timestamp": "2024-05-06T07:08:10Z",
                  "install_id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301", "device": device,
                  "push_token": "push-token-1" }
            ]
        })))
        .mount(&server)
        .await;

    let container = client(&server)
        .analytics_log_flow()
        .owner_name("contoso")
        .app_name("my-app")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(container.logs[0].type_, "start_session");
    assert_eq!(
        container.logs[0].session_id.unwrap().to_string(),
        "6a1c3e6e-3a63-4b8e-9b0e-5a2b41f1d0c4"
    );
    assert_eq!(
        container.logs[1].push_token.as_deref(),
        Some("push-token-1")
    );
}
