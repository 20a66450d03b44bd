//! Answers as the live App Center service sent them (facts gathered from recorded answers, debug
//! logs and client fixtures; the bodies here are this project's own, written from those facts):
//! required fields left out, `null` where the spec allows none, odd values, extra keys, and every
//! error shape. One test per operation; each checks that the fields a user reads survive.
//!
//! The rule that makes these decode is the fix-up `answers_may_omit_non_identity_fields`
//! (openapi/pipeline/fixups.rs); error bodies are read by src/error_body.rs.
#![cfg(feature = "all-areas")]

use std::time::Duration;

use appcenter::{ApiError, ApiErrorKind, Client, Error, RetryPolicy, types};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const OWNER: &str = "contoso";
const APP: &str = "warp-windows";

/// A server that answers `verb at` with `answer`, and a client for it.
async fn serve(verb: &str, at: &str, answer: ResponseTemplate) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(answer)
        .mount(&server)
        .await;
    let client = client(&server);
    (server, client)
}

fn client(server: &MockServer) -> Client {
    Client::builder("live-answers-token")
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

fn json_answer(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

fn html_answer(status: u16, page: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(page.as_bytes().to_vec(), "text/html")
}

fn app_path(rest: &str) -> String {
    format!("/v0.1/apps/{OWNER}/{APP}/{rest}")
}

/// The `ApiError` inside a failed call.
fn api_error(result: Result<impl std::fmt::Debug, Error>) -> ApiError {
    let error = result.map(|_| ()).unwrap_err();
    error
        .api()
        .cloned()
        .unwrap_or_else(|| panic!("not an API error: {error:?}"))
}

/// An nginx 502 page, as the service sometimes answers instead of JSON.
const NGINX_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
    <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// An Express-style 404 page, as the upload status poll answered in 2024.
fn express_404(route: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n\
         </head>\n<body>\n<pre>Cannot GET {route}</pre>\n</body>\n</html>\n"
    )
}

#[tokio::test]
async fn apps_list_with_nulls_and_a_migrated_app() {
    let owner = json!({
        "id": "5f0c2b9e-8d5a-4c3e-9f1b-2a7d6e4c8b10", "avatar_url": null,
        "display_name": "Owner Name", "email": "owner@example.com", "name": "owner-name", "type": "user"
    });
    let (_server, client) = serve(
        "GET",
        "/v0.1/apps",
        json_answer(
            200,
            json!([
                {
                    "id": "0b7d4f6e-1c2a-4e8b-9d3f-5a6b7c8d9e01", "app_secret": "0b7d4f6e-0000-4e8b-9d3f-5a6b7c8d9e01",
                    "description": null, "display_name": "Mein Spiel β", "name": "mein-spiel",
                    "os": "iOS", "platform": "Objective-C-Swift", "origin": "hockeyapp",
                    "icon_url": "https://rink.hockeyapp.net/api/2/apps/1?format=png",
                    "created_at": "2019-04-09T08:07:30.000Z", "updated_at": "2019-04-23T08:52:46.000Z",
                    "release_type": "Beta", "owner": owner, "azure_subscription": null,
                    "member_permissions": ["manager"]
                },
                {
                    "id": "1c8e5a7f-2d3b-4f9c-8e4a-6b7c8d9e0f12", "app_secret": "1c8e5a7f-0000-4f9c-8e4a-6b7c8d9e0f12",
                    "description": "Beta", "display_name": "Other", "name": "other", "os": "Android",
                    "platform": "Java", "origin": "appcenter", "owner": owner,
                    "azure_subscription": null, "member_permissions": ["viewer"]
                }
            ]),
        ),
    )
    .await;

    let apps = client.apps_list().send().await.unwrap().into_inner();
    assert_eq!(apps.len(), 2);
    assert_eq!(apps[0].name, "mein-spiel");
    assert_eq!(apps[0].display_name.as_deref(), Some("Mein Spiel β"));
    assert_eq!(apps[0].description, None);
    assert!(apps[0].azure_subscription.is_none());
    assert_eq!(apps[0].origin.as_deref(), Some("hockeyapp"));
    let owner = apps[0].owner.as_ref().unwrap();
    assert_eq!(owner.avatar_url, None);
    assert_eq!(owner.email.as_deref(), Some("owner@example.com"));
    assert_eq!(apps[1].description.as_deref(), Some("Beta"));
}

#[tokio::test]
async fn organizations_list_with_keys_the_spec_lacks() {
    let (_server, client) = serve(
        "GET",
        "/v0.1/orgs",
        json_answer(
            200,
            json!([
                { "id": "47409385-78a5-4477-aa1c-119a8a252201", "display_name": "Org One", "name": "org-1",
                  "origin": "appcenter", "created_at": "2017-10-11T13:28:33.000Z",
                  "updated_at": "2017-10-11T13:28:33.000Z", "avatar_url": null },
                { "id": "50fb4ad7-6b9d-4b01-af19-fb50f4431a39", "display_name": "Org Two", "name": "org-2",
                  "origin": "appcenter", "created_at": "2017-09-27T08:59:40.000Z",
                  "updated_at": "2017-09-27T08:59:40.000Z", "avatar_url": null }
            ]),
        ),
    )
    .await;

    let orgs = client
        .organizations_list()
        .send()
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = orgs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["org-1", "org-2"]);
    assert_eq!(orgs[1].display_name.as_deref(), Some("Org Two"));
}

#[tokio::test]
async fn releases_list_mixed_origins_empty_lists_and_gateway_errors() {
    let server = MockServer::start().await;
    let releases = app_path("releases");
    Mock::given(method("GET"))
        .and(path(releases.as_str()))
        .respond_with(json_answer(
            200,
            json!([
                { "origin": "hockeyapp", "id": 4, "short_version": "1.0.0", "version": "1.0.0.101",
                  "uploaded_at": "2019-09-03T12:14:59.000Z", "enabled": true },
                { "origin": "appcenter", "id": 2, "short_version": "1.0.3", "version": "1.0.3.104",
                  "uploaded_at": "2019-09-06T19:55:03.000Z", "enabled": true,
                  "destinations": [{ "id": "7eeee74d-6d6b-49a9-b254-99c11d3d91f9", "name": "Testers",
                                     "destination_type": "group" }],
                  "distribution_groups": [{ "id": "7eeee74d-6d6b-49a9-b254-99c11d3d91f9", "name": "Testers" }] }
            ]),
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(releases.as_str()))
        .respond_with(json_answer(200, json!([])))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(releases.as_str()))
        .respond_with(json_answer(
            403,
            json!({ "message": "Forbidden", "statusCode": 403, "code": "Forbidden" }),
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let context = "6a4b2c1d-0e9f-4a8b-b7c6-d5e4f3a2b1c0";
    Mock::given(method("GET"))
        .and(path(releases.as_str()))
        .respond_with(json_answer(
            404,
            json!({ "message": format!("Not found. Context ID: {context}"), "statusCode": 404, "code": "Not Found" }),
        ))
        .mount(&server)
        .await;
    let client = client(&server);
    let list = || {
        client
            .releases_list()
            .owner_name(OWNER)
            .app_name(APP)
            .send()
    };

    let first = list().await.unwrap().into_inner();
    assert_eq!(first.len(), 2);
    assert!(first[0].destinations.is_empty());
    assert_eq!(first[0].version.as_deref(), Some("1.0.0.101"));
    assert_eq!(first[1].short_version.as_deref(), Some("1.0.3"));
    assert_eq!(first[1].destinations[0].name.as_deref(), Some("Testers"));
    assert!(list().await.unwrap().into_inner().is_empty());

    let forbidden = api_error(list().await);
    assert_eq!(forbidden.status, 403);
    assert_eq!(forbidden.code.as_deref(), Some("Forbidden"));
    assert_eq!(forbidden.message.as_deref(), Some("Forbidden"));
    let not_found = api_error(list().await);
    assert_eq!(not_found.kind(), ApiErrorKind::NotFound);
    assert_eq!(not_found.code.as_deref(), Some("Not Found"));
    assert_eq!(not_found.correlation_id.as_deref(), Some(context));
}

#[tokio::test]
async fn releases_get_latest_by_user_with_extra_keys_and_empty_notes() {
    let (_server, client) = serve(
        "GET",
        &app_path("releases/latest"),
        json_answer(
            200,
            json!({
                "app_name": "TestApp", "app_display_name": "TestApp", "app_os": "iOS",
                "owner": { "name": "peter", "display_name": "Peter" },
                "is_external_build": false, "origin": "appcenter", "id": 1, "version": "1",
                "short_version": "1.0", "size": 37277, "min_os": "9.2", "device_family": "iPhone/iPod/iPad",
                "bundle_identifier": "com.example.sample", "fingerprint": "2f90a9a4547fe8b22bde1189341a",
                "uploaded_at": "2019-05-13T12:49:11.000Z",
                "download_url": "https://example.com/download/1",
                "mandatory_update": false, "enabled": true, "is_latest": true,
                "provisioning_profile_name": "match Development *", "provisioning_profile_type": "adhoc",
                "release_notes": "", "package_hashes": ["8cf914033f56e41d88210e2d5fee4ae8"],
                "destination_type": "group", "status": "available",
                "distribution_group_id": "5236b9a0-6c01-4dba-96ec-fc6d18186a10",
                "distribution_groups": [{ "id": "5236b9a0-6c01-4dba-96ec-fc6d18186a10", "name": "BetaTesters",
                                          "origin": "appcenter", "display_name": "BetaTesters", "is_public": true }]
            }),
        ),
    )
    .await;

    let release = client
        .releases_get_latest_by_user()
        .owner_name(OWNER)
        .app_name(APP)
        .release_id("latest")
        .send()
        .await
        .unwrap()
        .into_inner();
    // No `app_icon_url`, though the spec requires it.
    assert_eq!(release.app_icon_url, None);
    assert_eq!(release.version.as_deref(), Some("1"));
    assert_eq!(release.short_version.as_deref(), Some("1.0"));
    assert_eq!(release.size, Some(37277));
    assert_eq!(release.min_os.as_deref(), Some("9.2"));
    assert_eq!(release.release_notes.as_deref(), Some(""));
    assert_eq!(
        release.distribution_groups[0].name.as_deref(),
        Some("BetaTesters")
    );
}

/// A release as the install portal's proxy recorded it: no `app_icon_url`, `install_url`,
/// `download_url` (left out), a camelCase `fileExtension`, `null`s the spec does not allow.
fn portal_release(id: i64, short_version: &str, extension: &str, notes: Option<&str>) -> Value {
    let mut release = json!({
        "app_name": APP, "app_display_name": "WARP Windows", "app_os": "Windows",
        "owner": { "name": OWNER, "display_name": "Contoso" },
        "is_external_build": false, "origin": "appcenter", "id": id, "version": "2024.12.492.0",
        "short_version": short_version, "size": 125603840, "min_os": null, "device_family": null,
        "bundle_identifier": "e792067ec1723b21a795092df3bcb2d2", "fingerprint": "fc4d618c6c77fb9d3de864d78af9aa9c",
        "uploaded_at": "2024-12-18T23:29:26.227Z", "mandatory_update": false, "enabled": true,
        "fileExtension": extension, "is_latest": true, "is_udid_provisioned": null, "can_resign": null,
        "package_hashes": [], "destination_type": "group", "status": "available",
        "distribution_group_id": "0807c194-3166-4f4e-a039-75d33e019368",
        "distribution_groups": [{ "id": "0807c194-3166-4f4e-a039-75d33e019368", "name": "release",
                                  "origin": "appcenter", "display_name": "release", "is_public": true }]
    });
    if let Some(notes) = notes {
        release["release_notes"] = json!(notes);
    }
    release
}

#[tokio::test]
async fn releases_get_latest_by_distribution_group_as_the_portal_recorded_them() {
    let server = MockServer::start().await;
    let notes_crlf = "Minor fixes.\r\n\r\n## Changes\r\n- Faster connect";
    let notes_emoji =
        "# \u{26a0}\u{fe0f} Important\n\nApp Center is retiring \u{1f449} see the&nbsp;site";
    for (id, release) in [
        (1, portal_release(1, "1.2.1386", "zip", None)),
        (79, portal_release(79, "", "msi", Some(notes_crlf))),
        (
            3475,
            portal_release(3475, "2025.1.634.1", "pkg", Some(notes_emoji)),
        ),
    ] {
        Mock::given(method("GET"))
            .and(path(app_path(&format!(
                "distribution_groups/release/releases/{id}"
            ))))
            .respond_with(json_answer(200, release))
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let get = |id: &str| {
        client
            .releases_get_latest_by_distribution_group()
            .owner_name(OWNER)
            .app_name(APP)
            .distribution_group_name("release")
            .release_id(id.to_string())
            .send()
    };

    let zip = get("1").await.unwrap().into_inner();
    assert_eq!(zip.id, 1);
    assert_eq!(zip.app_icon_url, None);
    assert_eq!(zip.release_notes, None);
    assert_eq!((zip.min_os.as_ref(), zip.can_resign), (None, None));
    assert_eq!(zip.version.as_deref(), Some("2024.12.492.0"));
    assert_eq!(zip.size, Some(125603840));
    assert!(zip.package_hashes.is_empty());

    let msi = get("79").await.unwrap().into_inner();
    assert_eq!(msi.short_version.as_deref(), Some(""));
    assert_eq!(msi.release_notes.as_deref(), Some(notes_crlf));
    assert_eq!(msi.distribution_groups[0].name.as_deref(), Some("release"));

    let pkg = get("3475").await.unwrap().into_inner();
    assert_eq!(pkg.release_notes.as_deref(), Some(notes_emoji));
    assert_eq!(pkg.short_version.as_deref(), Some("2025.1.634.1"));
}

#[tokio::test]
async fn releases_list_public_by_distribution_group_sends_the_portal_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(app_path("distribution_groups/release/public_releases")))
        .and(query_param("scope", "tester"))
        .and(query_param("top", "10000"))
        .respond_with(json_answer(
            200,
            json!([
                { "id": 76, "short_version": "", "version": "2024.11.309.0", "origin": "appcenter",
                  "uploaded_at": "2024-11-18T21:57:58.477Z", "mandatory_update": false, "enabled": true,
                  "is_external_build": false },
                { "id": 73, "short_version": "", "version": "2024.9.346.0", "origin": "appcenter",
                  "uploaded_at": "2024-10-03T22:25:25.836Z", "mandatory_update": false, "enabled": true,
                  "is_external_build": false }
            ]),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let releases = client(&server)
        .releases_list_public_by_distribution_group()
        .owner_name(OWNER)
        .app_name(APP)
        .distribution_group_name("release")
        .scope("tester")
        .top(10000)
        .send()
        .await
        .unwrap()
        .into_inner();
    let versions: Vec<_> = releases
        .iter()
        .map(|r| (r.id, r.version.as_deref().unwrap()))
        .collect();
    assert_eq!(versions, [(76, "2024.11.309.0"), (73, "2024.9.346.0")]);
    assert_eq!(releases[0].short_version.as_deref(), Some(""));
}

#[tokio::test]
async fn releases_create_externally_hosted_sends_the_link_and_reads_the_release() {
    let server = MockServer::start().await;
    let link = "https://builds.example.com/calculator/42";
    Mock::given(method("POST"))
        .and(path(app_path("releases")))
        .and(body_json(json!({
            "build_version": "1.12", "build_number": "87324", "external_download_url": link
        })))
        .respond_with(json_answer(
            201,
            json!({
                "app_name": "Calculator", "is_external_build": true, "id": 4, "version": "87324",
                "short_version": "1.12", "download_url": link, "install_url": link, "destinations": []
            }),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let release = client(&server)
        .releases_create_externally_hosted()
        .owner_name(OWNER)
        .app_name(APP)
        .body_map(|b| {
            b.build_version("1.12")
                .build_number(Some("87324".to_string()))
                .external_download_url(link)
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(release.id, 4);
    assert_eq!(release.is_external_build, Some(true));
    assert_eq!(release.download_url.as_deref(), Some(link));
    assert_eq!(release.size, None);
    assert!(release.destinations.is_empty());
}

#[tokio::test]
async fn release_uploads_get_before_ready_and_its_error_pages() {
    let server = MockServer::start().await;
    let upload_id = "927c8bef-ef49-42e8-8329-c3d8a3c6a2c1";
    let at = app_path(&format!("uploads/releases/{upload_id}"));
    Mock::given(method("GET"))
        .and(path(at.as_str()))
        .respond_with(json_answer(
            200,
            json!({ "id": upload_id, "upload_status": "uploadFinished" }),
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(at.as_str()))
        .respond_with(json_answer(400, json!({
            "message": "Validation errors",
            "errors": [{
                "code": "INVALID_REQUEST_PARAMETER",
                "errors": [{ "code": "OBJECT_MISSING_REQUIRED_PROPERTY", "params": ["upload_status"],
                             "message": "Missing required property: upload_status", "path": [] }],
                "in": "body", "message": "Invalid parameter (body): Value failed JSON Schema validation",
                "name": "body", "path": ["paths", "/apps/{app_id}/uploads/releases/{upload_id}", "patch", "parameters", "2"]
            }]
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let route = format!("/upload/status/{upload_id}");
    Mock::given(method("GET"))
        .and(path(at.as_str()))
        .respond_with(html_answer(404, &express_404(&route)))
        .mount(&server)
        .await;
    let client = client(&server);
    let get = || {
        client
            .release_uploads_get()
            .owner_name(OWNER)
            .app_name(APP)
            .upload_id(upload_id.parse::<uuid::Uuid>().unwrap())
            .send()
    };

    let status = get().await.unwrap().into_inner();
    assert_eq!(status.upload_status, "uploadFinished");
    assert!(status.release_distinct_id.is_none());

    let validation = api_error(get().await);
    assert_eq!(validation.status, 400);
    assert_eq!(
        validation.code.as_deref(),
        Some("OBJECT_MISSING_REQUIRED_PROPERTY")
    );
    let message = validation.message.unwrap();
    assert!(message.starts_with("Validation errors: "), "{message}");
    assert!(
        message.contains("Missing required property: upload_status"),
        "{message}"
    );

    let page = api_error(get().await);
    assert_eq!(page.kind(), ApiErrorKind::NotFound);
    assert_eq!(
        page.message.as_deref(),
        Some(format!("Cannot GET {route}").as_str())
    );
}

#[tokio::test]
async fn release_uploads_patch_flat_error_codes() {
    let server = MockServer::start().await;
    let upload_id = "08cfec70-1264-4def-84f6-ca7eb01f7e88";
    let at = app_path(&format!("uploads/releases/{upload_id}"));
    let not_found = format!("Error: upload with id {upload_id} not found");
    Mock::given(method("PATCH"))
        .and(path(at.as_str()))
        .respond_with(json_answer(
            404,
            json!({ "code": "not_found", "message": not_found }),
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(at.as_str()))
        .respond_with(json_answer(400, json!({
            "code": "no_upload_resource",
            "message": "upload_id is not recognized. An Upload resource should be created first."
        })))
        .mount(&server)
        .await;
    let client = client(&server);
    let patch = || {
        client
            .release_uploads_patch()
            .owner_name(OWNER)
            .app_name(APP)
            .upload_id(upload_id.parse::<uuid::Uuid>().unwrap())
            .body_map(|b| {
                b.upload_status(types::PatchReleaseUploadStatusRequestUploadStatus::UploadFinished)
            })
            .send()
    };

    let first = api_error(patch().await);
    assert_eq!(
        (first.status.as_u16(), first.code.as_deref()),
        (404, Some("not_found"))
    );
    assert_eq!(first.message.as_deref(), Some(not_found.as_str()));
    let second = api_error(patch().await);
    assert_eq!(second.code.as_deref(), Some("no_upload_resource"));
}

#[tokio::test]
async fn releases_update_details_swagger_tools_400_and_an_nginx_page() {
    let server = MockServer::start().await;
    let at = app_path("releases/12");
    Mock::given(method("PUT"))
        .and(path(at.as_str()))
        .respond_with(json_answer(
            400,
            json!({ "status": 400, "name": "Error", "message": "Missing required body parameter \"body\"" }),
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(at.as_str()))
        .respond_with(html_answer(502, NGINX_502))
        .mount(&server)
        .await;
    let client = client(&server);
    let update = || {
        client
            .releases_update_details()
            .owner_name(OWNER)
            .app_name(APP)
            .release_id(12)
            .body_map(|b| b.release_notes(Some("Notes".to_string())))
            .send()
    };

    let refused = api_error(update().await);
    assert_eq!(refused.status, 400);
    assert_eq!(refused.code, None, "`name: Error` is not a code");
    assert_eq!(
        refused.message.as_deref(),
        Some("Missing required body parameter \"body\"")
    );
    let gateway = api_error(update().await);
    assert_eq!(gateway.kind(), ApiErrorKind::ServerError);
    assert_eq!(gateway.status, 502);
    assert_eq!(gateway.message.as_deref(), Some("502 Bad Gateway"));
    assert!(gateway.raw.unwrap().contains("nginx"));
}

#[tokio::test]
async fn releases_update_refuses_an_upload_id_as_release_id() {
    let message = "The \"release_id\" path parameter is invalid (\"927c8bef-ef49-42e8-8329-c3d8a3c6a2c1\") \n\
                   \"927c8bef-ef49-42e8-8329-c3d8a3c6a2c1\" is not a properly-formatted whole number";
    let (_server, client) = serve(
        "PATCH",
        &app_path("releases/7"),
        json_answer(
            400,
            json!({ "status": 400, "name": "Error", "message": message }),
        ),
    )
    .await;
    let error = api_error(
        client
            .releases_update()
            .owner_name(OWNER)
            .app_name(APP)
            .release_id(7)
            .body_map(|b| b.mandatory_update(Some(true)))
            .send()
            .await,
    );
    assert_eq!(error.status, 400);
    assert_eq!(error.message.as_deref(), Some(message));
}

#[tokio::test]
async fn builds_distribute_started() {
    let upload_id = "3e1f2d4c-5b6a-4789-8a9b-0c1d2e3f4a5b";
    let (_server, client) = serve(
        "POST",
        &app_path("builds/118/distribute"),
        json_answer(200, json!({ "upload_id": upload_id, "status": "started" })),
    )
    .await;
    let started = client
        .builds_distribute()
        .owner_name(OWNER)
        .app_name(APP)
        .build_id(118)
        .body_map(|b| b.release_notes(Some("Nightly".to_string())))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(started.upload_id.as_deref(), Some(upload_id));
    assert_eq!(started.status.as_deref(), Some("started"));
}

#[tokio::test]
async fn branch_configurations_create_build_service_error() {
    let id = "06cae000-247e-49eb-b3bb-628fa0ad2351";
    let (_server, client) = serve(
        "POST",
        &app_path("branches/main/config"),
        json_answer(500, json!({ "id": id, "message": "An error occurred" })),
    )
    .await;
    let error = api_error(
        client
            .branch_configurations_create()
            .owner_name(OWNER)
            .app_name(APP)
            .branch("main")
            .body(
                serde_json::from_value::<types::BranchConfigurationsCreateBody>(json!({})).unwrap(),
            )
            .send()
            .await,
    );
    assert_eq!(error.status, 500);
    assert_eq!(error.message.as_deref(), Some("An error occurred"));
    assert_eq!(error.correlation_id.as_deref(), Some(id));
}

#[tokio::test]
async fn distribution_groups_list_users_with_a_pending_invitee() {
    let (_server, client) = serve(
        "GET",
        &app_path("distribution_groups/Beta/members"),
        json_answer(
            200,
            json!([
                { "email": "invitee@example.com", "invite_pending": true },
                { "id": "8d228a4a-99fe-426c-ad9f-623db9d82323", "avatar_url": null, "can_change_password": false,
                  "display_name": "Ada", "email": "ada@example.com", "invite_pending": false, "name": "ada" }
            ]),
        ),
    )
    .await;
    let members = client
        .distribution_groups_list_users()
        .owner_name(OWNER)
        .app_name(APP)
        .distribution_group_name("Beta")
        .send()
        .await
        .unwrap()
        .into_inner();
    let emails: Vec<_> = members
        .iter()
        .map(|m| m.email.as_deref().unwrap())
        .collect();
    assert_eq!(emails, ["invitee@example.com", "ada@example.com"]);
    assert_eq!(
        (members[0].id, members[0].invite_pending),
        (None, Some(true))
    );
    assert_eq!(members[1].name.as_deref(), Some("ada"));
}

#[tokio::test]
async fn stores_list_apple_tracks() {
    let connection = "2a85ad1e-b44e-d6fd-a85f-8daee62b54ed";
    let store = |id: &str, name: &str, track: &str| {
        json!({ "id": id, "name": name, "type": "apple", "track": track,
                "created_by": "5114c905-76db-49e5-8a47-58c34b33a38b", "service_connection_id": connection })
    };
    let (_server, client) = serve(
        "GET",
        &app_path("distribution_stores"),
        json_answer(
            200,
            json!([
                store(
                    "ebb146bc-b0d7-4500-9791-fc02f191bff9",
                    "Alpha team",
                    "testflight-external"
                ),
                store(
                    "10ba5942-1388-4b2a-869a-9de40d5c0cff",
                    "Production",
                    "production"
                ),
                store(
                    "894dd821-9f16-44a3-b2a7-d513d226babb",
                    "iTunes Connect users",
                    "testflight-internal"
                ),
            ]),
        ),
    )
    .await;
    let stores = client
        .stores_list()
        .owner_name(OWNER)
        .app_name(APP)
        .send()
        .await
        .unwrap()
        .into_inner();
    let tracks: Vec<_> = stores
        .iter()
        .map(|s| (s.name.as_deref().unwrap(), s.track.as_deref().unwrap()))
        .collect();
    assert_eq!(
        tracks,
        [
            ("Alpha team", "testflight-external"),
            ("Production", "production"),
            ("iTunes Connect users", "testflight-internal")
        ]
    );
    assert_eq!(stores[0].service_connection_id.as_deref(), Some(connection));
}

#[tokio::test]
async fn symbol_uploads_create_gives_a_sas_url_whose_signature_never_prints() {
    let canary = "CANARYsig0123456789%2Bxyz%3D";
    let upload_url = format!(
        "https://prodsymbols.blob.core.windows.net:443/app-1/upload-1?sv=2019-02-02&sr=b&se=2020-02-05T22%3A26%3A14Z&sp=rw&sig={canary}"
    );
    let (_server, client) = serve(
        "POST",
        &app_path("symbol_uploads"),
        json_answer(
            200,
            json!({ "symbol_upload_id": "b1a2c3d4-e5f6-4789-8abc-def012345678", "upload_url": upload_url,
                    "expiration_date": "2020-02-05T22:26:14.323Z" }),
        ),
    )
    .await;
    let begun = client
        .symbol_uploads_create()
        .owner_name(OWNER)
        .app_name(APP)
        .body_map(|b| b.symbol_type(types::SymbolUploadBeginRequestSymbolType::Apple))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(begun.upload_url.as_deref(), Some(upload_url.as_str()));
    assert_eq!(
        begun.expiration_date.unwrap().timestamp_millis(),
        1_580_941_574_323
    );
    let shown = format!("{begun:?}");
    assert!(!shown.contains("CANARY"), "{shown}");
    assert!(
        shown.contains("prodsymbols.blob.core.windows.net:443"),
        "{shown}"
    );
}

#[tokio::test]
async fn errors_counts_per_day_all_zero() {
    let (_server, client) = serve(
        "GET",
        &app_path("errors/errorCountsPerDay"),
        json_answer(
            200,
            json!({ "count": 0, "errors": [
                { "datetime": "2020-03-01T00:00:00Z", "count": 0 },
                { "datetime": "2020-03-02T00:00:00Z", "count": 0 }
            ] }),
        ),
    )
    .await;
    let counts = client
        .errors_counts_per_day()
        .owner_name(OWNER)
        .app_name(APP)
        .start(
            "2020-03-01T00:00:00Z"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(counts.count, Some(0));
    assert_eq!(counts.errors.len(), 2);
    assert_eq!(
        counts.errors[1].datetime.as_deref(),
        Some("2020-03-02T00:00:00Z")
    );
}

#[tokio::test]
async fn test_upload_hashes_batch_answers_camel_case_with_a_status_inside() {
    let server = MockServer::start().await;
    let checksum = "3f3677f8db9ba7c07ac77d4f01f912e518a6ca16";
    Mock::given(method("POST"))
        .and(path(app_path(
            "test_runs/79a5c2af-11ec-4ffa-91b4-4150b08572ce/hashes/batch",
        )))
        .respond_with(json_answer(
            200,
            json!([{
                "fileType": "app-file", "checksum": checksum, "relativePath": "app.apk",
                "uploadStatus": { "statusCode": 412,
                                  "location": "https://testcloud.example.com/v0.1/direct_uploads?token=CANARYdirect%0Atoken" }
            }]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let hashes = vec![types::TestCloudFileHash {
        checksum: checksum.to_string(),
        file_type: types::TestCloudFileHashFileType::AppFile,
        relative_path: "app.apk".to_string(),
    }];
    let answer = client(&server)
        .test_upload_hashes_batch()
        .owner_name(OWNER)
        .app_name(APP)
        .test_run_id(
            "79a5c2af-11ec-4ffa-91b4-4150b08572ce"
                .parse::<uuid::Uuid>()
                .unwrap(),
        )
        .body(hashes)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer[0].relative_path.as_deref(), Some("app.apk"));
    let status = answer[0].upload_status.as_ref().unwrap();
    assert_eq!(status.status_code, Some(412.0));
    assert!(
        status
            .location
            .as_deref()
            .unwrap()
            .contains("direct_uploads")
    );
    assert!(!format!("{answer:?}").contains("CANARY"));
}

#[tokio::test]
async fn test_start_test_run_lists_devices() {
    let (_server, client) = serve(
        "POST",
        &app_path("test_runs/79a5c2af-11ec-4ffa-91b4-4150b08572ce/start"),
        json_answer(
            200,
            json!({ "accepted_devices": ["Samsung Galaxy S8 (8.0.0)"], "rejected_devices": [] }),
        ),
    )
    .await;
    let options: types::TestCloudStartTestRunOptions = serde_json::from_value(json!({
        "test_framework": "appium", "device_selection": "contoso/s8", "locale": "en_US", "test_series": "main"
    }))
    .unwrap();
    let started = client
        .test_start_test_run()
        .owner_name(OWNER)
        .app_name(APP)
        .test_run_id(
            "79a5c2af-11ec-4ffa-91b4-4150b08572ce"
                .parse::<uuid::Uuid>()
                .unwrap(),
        )
        .body(options)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(started.accepted_devices, ["Samsung Galaxy S8 (8.0.0)"]);
    assert!(started.rejected_devices.is_empty());
}

#[tokio::test]
async fn test_get_test_run_state_while_running() {
    let (_server, client) = serve(
        "GET",
        &app_path("test_runs/79a5c2af-11ec-4ffa-91b4-4150b08572ce/state"),
        json_answer(
            200,
            json!({ "message": ["Running on 1 device (0 / 1 completed, 0 pending)"], "wait_time": 10, "exit_code": null }),
        ),
    )
    .await;
    let state = client
        .test_get_test_run_state()
        .owner_name(OWNER)
        .app_name(APP)
        .test_run_id(
            "79a5c2af-11ec-4ffa-91b4-4150b08572ce"
                .parse::<uuid::Uuid>()
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .into_inner();
    // Still running: no exit code (not 0, which would mean "passed").
    assert_eq!(state.exit_code, None);
    assert_eq!(state.wait_time, Some(10));
    assert_eq!(
        state.message,
        ["Running on 1 device (0 / 1 completed, 0 pending)"]
    );
}

/// The whole upload flow with the upload domain's answers as the live service sends them:
/// `status_code: "Success"` and `error_code: "None"` as strings, keys the crate does not read,
/// and a first poll without `release_distinct_id`.
#[tokio::test]
async fn release_uploads_create_and_the_upload_domain_as_answered_live() {
    let server = MockServer::start().await;
    let upload_id = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    let asset = "c9b1d0e2-7a4f-4e6b-8c3d-2f1a0b9c8d7e";
    Mock::given(method("POST"))
        .and(path(app_path("uploads/releases")))
        .respond_with(json_answer(
            201,
            json!({ "id": upload_id, "package_asset_id": asset, "upload_domain": server.uri(),
                    "token": "upload-token", "url_encoded_token": "upload-token" }),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/upload/set_metadata/{asset}")))
        .respond_with(json_answer(
            200,
            json!({ "error": false, "id": asset, "chunk_size": 4194304, "resume_restart": false,
                    "chunk_list": [1], "blob_partitions": 1, "status_code": "Success" }),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/upload/upload_chunk/{asset}")))
        .respond_with(json_answer(
            200,
            json!({ "error": false, "chunk_num": 1, "error_code": "None" }),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/upload/finished/{asset}")))
        .respond_with(json_answer(200, json!({
            "error": false, "chunk_num": 0, "error_code": "None", "message": "Upload Successful",
            "location": "https://blob.example.net/container/app.apk",
            "raw_location": "https%3A%2F%2Fblob.example.net%2Fcontainer%2Fapp.apk",
            "absolute_uri": "https://blob.example.net/container/app.apk", "state": "Done"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let at = app_path(&format!("uploads/releases/{upload_id}"));
    Mock::given(method("PATCH"))
        .and(path(at.as_str()))
        .respond_with(json_answer(
            200,
            json!({ "id": upload_id, "upload_status": "uploadFinished" }),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(at.as_str()))
        .respond_with(json_answer(
            200,
            json!({ "id": upload_id, "upload_status": "uploadFinished" }),
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(at.as_str()))
        .respond_with(json_answer(
            200,
            json!({ "id": upload_id, "upload_status": "readyToBePublished", "release_distinct_id": 77,
                    "release_url": "v0.1/apps/contoso/warp-windows/releases/77" }),
        ))
        .mount(&server)
        .await;

    let dir = std::env::temp_dir().join(format!("appcenter-live-answers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("app.apk");
    std::fs::write(&file, b"an apk of a few bytes").unwrap();
    let release = client(&server)
        .upload_release(OWNER, APP, &file)
        .poll_interval(Duration::from_millis(5))
        .send()
        .await
        .unwrap();
    assert_eq!(release.release_id, 77);
    std::fs::remove_dir_all(&dir).ok();
}
