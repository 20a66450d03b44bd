//! Success answers decode into the right generated types (not, as an unmended spec would make
//! them, into the error schema): a realistic body for a sample of operations across tags, sent
//! by wiremock, decoded by the client, fields reached.

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
        (user.name.as_str(), user.email.as_str()),
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
    assert_eq!(got.display_name, "My Android App");
    assert_eq!(got.owner.name, "contoso");
    assert_eq!(got.os.to_string(), "Android");
    assert_eq!(got.platform.to_string(), "Java");
}

#[tokio::test]
async fn apps_list() {
    let (_s, client) = serve("GET", "/v0.1/apps", 200, json!([app("one"), app("two")])).await;
    let apps: Vec<types::AppResponse> = client.apps_list().send().await.unwrap().into_inner();
    let names: Vec<&str> = apps.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["one", "two"]);
    assert_eq!(apps[1].owner.display_name, "Contoso");
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
    assert_eq!(releases[0].short_version, "2.4.1");
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
    assert!(!groups[0].is_public);
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
    assert!(begin.upload_url.starts_with("https://upload.example"));
    assert_eq!(
        begin.expiration_date.to_rfc3339(),
        "2024-05-02T09:00:00+00:00"
    );
}
