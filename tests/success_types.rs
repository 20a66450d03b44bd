//! Success answers decode into the right generated types (not, as an unmended spec would make
//! them, into the error schema): a realistic body for a sample of operations across tags, sent
//! by wiremock, decoded by the client, fields reached.
#![cfg(feature = "all-areas")]

use appcenter::{Client, RetryPolicy, types};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn serve(verb: &str, at: &str, status: u16, body: Value) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder("t0ken")
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    (server, client)
}

fn app(name: &str) -> Value {
    json!({
        "id": "b3f1a7a2-54f0-4a8c-9b3e-2f5a0c1d9e77",
        "app_secret": "00000000-1111-2222-3333-444444444444",
        "description": "The team's Android app",
        "display_name": "My Android App",
        "name": name,
        "os": "Android",
        "platform": "Java",
        "origin": "appcenter",
        "created_at": "2024-03-01T10:20:30Z",
        "updated_at": "2024-05-02T08:00:00Z",
        "member_permissions": ["manager"],
        "owner": {
            "id": "0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5",
            "avatar_url": "https://example.com/a.png",
            "display_name": "Contoso",
            "email": "team@contoso.example",
            "name": "contoso",
            "type": "org"
        }
    })
}

#[tokio::test]
async fn users_get() {
    let (_s, client) = serve("GET", "/v0.1/user", 200, json!({
        "id": "6a1c3e6e-3a63-4b8e-9b0e-5a2b41f1d0c4", "display_name": "Ada", "email": "ada@example.com",
        "name": "ada", "origin": "appcenter", "can_change_password": false, "permissions": ["viewer"]
    })).await;
    let user: types::UserProfileResponse = client.users_get().send().await.unwrap().into_inner();
    assert_eq!(
        (user.name.as_str(), user.email.as_deref().unwrap()),
        ("ada", "ada@example.com")
    );
    assert_eq!(user.can_change_password, Some(false));
}

#[tokio::test]
async fn apps_get() {
    let (_s, client) = serve("GET", "/v0.1/apps/contoso/my-app", 200, app("my-app")).await;
    let got: types::AppResponse = client
        .apps_get()
        .owner_name("contoso")
        .app_name("my-app")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.name, "my-app");
    assert_eq!(got.display_name.as_deref(), Some("My Android App"));
    assert_eq!(got.owner.unwrap().name, "contoso");
    assert_eq!(got.os.as_deref(), Some("Android"));
    assert_eq!(got.platform.as_deref(), Some("Java"));
}

#[tokio::test]
async fn apps_list() {
    let (_s, client) = serve("GET", "/v0.1/apps", 200, json!([app("one"), app("two")])).await;
    let apps: Vec<types::AppResponse> = client.apps_list().send().await.unwrap().into_inner();
    let names: Vec<&str> = apps.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["one", "two"]);
    assert_eq!(
        apps[1].owner.as_ref().unwrap().display_name.as_deref(),
        Some("Contoso")
    );
}

#[tokio::test]
async fn releases_list() {
    let (_s, client) = serve("GET", "/v0.1/apps/contoso/my-app/releases", 200, json!([{
        "id": 42, "version": "1207", "short_version": "2.4.1", "enabled": true,
        "uploaded_at": "2024-05-02T08:00:00Z", "origin": "appcenter",
        "destinations": [{ "id": "9c8b7a6d-5e4f-3a2b-1c0d-ef9876543210", "name": "Beta testers", "destination_type": "group" }],
        "build": { "branch_name": "main", "commit_hash": "a1b2c3d", "commit_message": "Fix login" }
    }])).await;
    let releases: Vec<types::BasicReleaseDetailsResponse> = client
        .releases_list()
        .owner_name("contoso")
        .app_name("my-app")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(releases[0].id, 42);
    assert_eq!(releases[0].short_version.as_deref(), Some("2.4.1"));
    assert_eq!(
        releases[0].destinations[0].name.as_deref(),
        Some("Beta testers")
    );
    assert_eq!(
        releases[0].build.as_ref().unwrap().branch_name.as_deref(),
        Some("main")
    );
}

#[tokio::test]
async fn distribution_groups_list() {
    let (_s, client) = serve("GET", "/v0.1/apps/contoso/my-app/distribution_groups", 200, json!([
        { "id": "1f2e3d4c-5b6a-7980-a1b2-c3d4e5f60718", "name": "QA / Beta", "display_name": "QA / Beta", "origin": "appcenter", "is_public": false }
    ])).await;
    let groups: Vec<types::DistributionGroupResponse> = client
        .distribution_groups_list()
        .owner_name("contoso")
        .app_name("my-app")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(groups[0].name, "QA / Beta");
    assert_eq!(groups[0].is_public, Some(false));
}

#[tokio::test]
async fn symbol_uploads_create() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v0.1/apps/contoso/my-app/symbol_uploads"))
        .and(body_partial_json(json!({ "symbol_type": "Apple", "file_name": "App.dSYM.zip" })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "symbol_upload_id": "5e6f7a8b-0000-4000-8000-123456789abc",
            "upload_url": "https://upload.example.blob.core.windows.net/symbols/5e6f?sv=2019&sig=abc",
            "expiration_date": "2024-05-02T09:00:00Z"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder("t0ken")
        .base_url(server.uri())
        .build()
        .unwrap();
    let begin: types::SymbolUploadBeginResponse = client
        .symbol_uploads_create()
        .owner_name("contoso")
        .app_name("my-app")
        .body(
            types::SymbolUploadBeginRequest::builder()
                .symbol_type(types::SymbolUploadBeginRequestSymbolType::Apple)
                .file_name("App.dSYM.zip".to_string()),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        begin.symbol_upload_id,
        "5e6f7a8b-0000-4000-8000-123456789abc"
    );
    assert!(
        begin
            .upload_url
            .as_deref()
            .unwrap()
            .starts_with("https://upload.example")
    );
    assert_eq!(
        begin.expiration_date.unwrap().to_rfc3339(),
        "2024-05-02T09:00:00+00:00"
    );
}

// One operation of each remaining tag.

#[tokio::test]
async fn analytics_list_audiences() {
    let (_s, client) = serve("GET", "/v0.1/apps/o/a/analytics/audiences", 200, json!({
        "values": [{ "name": "Power users", "description": "Daily users", "estimated_count": 1200, "definition": "x", "state": "Ready" }],
        "nextLink": "/v0.1/apps/o/a/analytics/audiences?$skiptoken=abc"
    })).await;
    let page = client
        .analytics_list_audiences()
        .owner_name("o")
        .app_name("a")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.values[0].name.as_deref(), Some("Power users"));
    assert_eq!(page.values[0].estimated_count, Some(1200));
    assert_eq!(
        page.next_link.as_deref(),
        Some("/v0.1/apps/o/a/analytics/audiences?$skiptoken=abc")
    );
}

#[tokio::test]
async fn test_get_test_runs() {
    let (_s, client) = serve("GET", "/v0.1/apps/o/a/test_runs", 200, json!([{
        "id": "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d", "date": "2024-05-02", "appVersion": "2.4.1",
        "platform": "android", "state": "done", "stats": { "devices": 3.0, "passed": 10.0, "failed": 1.0 }
    }])).await;
    let runs = client
        .test_get_test_runs()
        .owner_name("o")
        .app_name("a")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(runs[0].app_version.as_deref(), Some("2.4.1"));
    assert_eq!(runs[0].stats.as_ref().unwrap().failed, Some(1.0));
}

#[tokio::test]
async fn errors_get_retention_settings() {
    let (_s, client) = serve(
        "GET",
        "/v0.1/apps/o/a/errors/retention_settings",
        200,
        json!({ "retention_in_days": 90 }),
    )
    .await;
    let settings = client
        .errors_get_retention_settings()
        .owner_name("o")
        .app_name("a")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        serde_json::to_value(&settings).unwrap(),
        json!({ "retention_in_days": 90 })
    );
}

#[tokio::test]
async fn builds_list_branches() {
    let (_s, client) = serve("GET", "/v0.1/apps/o/a/branches", 200, json!([{
        "branch": { "name": "main", "commit": { "sha": "a1b2c3d", "url": "https://example.com/c/a1b2c3d" } },
        "configured": true,
        "lastBuild": {
            "id": 17, "buildNumber": "17", "queueTime": "2024-05-02T08:00:00Z", "status": "completed",
            "result": "succeeded", "sourceBranch": "main", "sourceVersion": "a1b2c3d"
        }
    }])).await;
    let branches = client
        .builds_list_branches()
        .owner_name("o")
        .app_name("a")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(branches[0].configured, Some(true));
    assert_eq!(
        branches[0].last_build.as_ref().unwrap().result.as_deref(),
        Some("succeeded")
    );
}

#[tokio::test]
async fn code_push_deployments_list() {
    let (_s, client) = serve(
        "GET",
        "/v0.1/apps/o/a/deployments",
        200,
        json!([
            { "name": "Production", "key": "deployment-key-value" }
        ]),
    )
    .await;
    let deployments = client
        .code_push_deployments_list()
        .owner_name("o")
        .app_name("a")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(deployments[0].name, "Production");
    assert_eq!(deployments[0].key.as_deref(), Some("deployment-key-value"));
}

#[tokio::test]
async fn push_list() {
    let (_s, client) = serve("GET", "/v0.1/apps/o/a/push/notifications", 200, json!({
        "values": [{ "notification_id": "n-1", "name": "Spring sale", "state": "Completed", "pns_send_success": 10 }],
        "total": 1
    })).await;
    let page = client
        .push_list()
        .owner_name("o")
        .app_name("a")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.values[0].notification_id, "n-1");
    assert_eq!(page.values[0].pns_send_success, Some(10));
}

#[tokio::test]
async fn export_configurations_list() {
    let (_s, client) = serve("GET", "/v0.1/apps/o/a/export_configurations", 200, json!({
        "values": [{ "id": "e-1", "export_type": "BlobStorage", "creation_time": "2024-05-02T08:00:00Z", "state": "Enabled" }],
        "total": 1
    })).await;
    let page = client
        .export_configurations_list()
        .owner_name("o")
        .app_name("a")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.values[0].id, "e-1");
    assert_eq!(page.values[0].state.as_deref(), Some("Enabled"));
}

#[tokio::test]
async fn gdpr_export_status() {
    let (_s, client) = serve(
        "GET",
        "/v0.1/user/dsr/export/3f0e9c1a-2b4d-4e6f-8a9b-0c1d2e3f4a5b",
        200,
        json!({ "status": "Queued", "message": "queued" }),
    )
    .await;
    let status = client
        .data_subject_right_export_status_request()
        .token(uuid::Uuid::parse_str("3f0e9c1a-2b4d-4e6f-8a9b-0c1d2e3f4a5b").unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.status.as_deref(), Some("Queued"));
    assert_eq!(status.message.as_deref(), Some("queued"));
}

#[tokio::test]
async fn alerting_user_email_settings() {
    let (_s, client) = serve("GET", "/v0.1/user/notifications/emailSettings", 200, json!({
        "request_id": "r-1", "enabled": true, "settings": [{ "event_type": "crash_newCrashGroupCreated", "value": "Individual" }]
    })).await;
    let settings = client
        .notifications_get_user_email_settings()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(settings.enabled, Some(true));
    assert_eq!(settings.settings.len(), 1);
}

#[tokio::test]
async fn mbaas_identity_users() {
    let (_s, client) = serve("GET", "/v0.1/apps/o/a/auth/users", 200, json!({
        "value": [{ "accountId": "0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5", "displayName": "Ada", "mail": "ada@example.com" }]
    })).await;
    let users = client
        .identity_get_users()
        .owner_name("o")
        .app_name("a")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(users.value[0].display_name.as_deref(), Some("Ada"));
}

#[tokio::test]
async fn billing_aggregated_information() {
    let (_s, client) = serve("GET", "/v0.1/billing/allAccountsAggregated", 200, json!({
        "aggregatedBillings": { "id": "b-1", "version": "1", "azureSubscriptionState": "Enabled" }
    })).await;
    let info = client
        .billing_aggregated_information_get_all()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.aggregated_billings.unwrap().id.as_deref(), Some("b-1"));
}
