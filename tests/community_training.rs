//! Community Training: the documented operations against the mock, what goes out on the wire,
//! mixed-case answers, the typed escape hatch and the transport rules (retries, URLs).
#![cfg(all(feature = "community-training", feature = "mock"))]

use std::time::Duration;

use appcenter::community_training::mock::MockCommunityTraining;
use appcenter::community_training::{Client, Credentials, ServiceToService, types};
use appcenter::{Error, RetryPolicy};
use reqwest::Method;
use serde_json::{Value, json};
use wiremock::matchers::{any, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const HOUR: Duration = Duration::from_secs(3600);

fn bearer_client(server: &MockServer) -> Client {
    Client::builder(server.uri(), Credentials::bearer("static-token"))
        .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(5)))
        .no_proxy()
        .build()
        .unwrap()
}

/// The endpoints Microsoft documents, and the shapes seen on a real instance, are all described.
#[test]
fn the_vendored_description_covers_the_documented_endpoints() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/openapi/community-training.openapi.json"
    ))
    .unwrap();
    let spec: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(spec["openapi"].as_str().map(|v| &v[..3]), Some("3.0"));
    for (method, path) in [
        ("get", "/api/v2/Profile"),
        (
            "post",
            "/api/v1/ExternalAuthToken/RefreshToken/{identityProvider}",
        ),
        ("post", "/api/v4/Courses/{courseId}/Content"),
        ("put", "/api/v1/Course/{courseId}/Lesson/ImportProgress"),
        ("put", "/api/v1/Course/{courseId}/Quiz/ImportProgress"),
        ("put", "/api/v1/user/organization"),
        ("get", "/api/v1/organization"),
        ("get", "/api/v1/users"),
        ("get", "/api/v1/Groups"),
        ("get", "/api/v1/Certificates"),
        ("get", "/api/v1/admin/users"),
    ] {
        assert!(
            spec["paths"][path][method].is_object(),
            "{method} {path} is not described"
        );
    }
}

#[tokio::test]
async fn documented_operations_answer_typed_values() {
    let mock = MockCommunityTraining::start().await;
    let client = mock.client(mock.user_tokens(HOUR));

    let profile = client.profile_get().send().await.unwrap().into_inner();
    assert_eq!(profile["Email"], "ada@example.com");

    let organisations = client
        .organizations_list()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(organisations.len(), 2);
    assert_eq!(organisations[0].name.as_deref(), Some("Contoso"));
    assert_eq!(organisations[1].description, None, "null decodes as None");

    let users = client
        .users_search()
        .search_term("ada@example.com")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(users[0].id, Some(json!(7)));

    let page = client
        .admin_users_list()
        .skip(1)
        .take(2)
        .send()
        .await
        .unwrap()
        .into_inner();
    let ids: Vec<_> = page.user_details.iter().map(|u| u.id.clone()).collect();
    assert_eq!(ids, [Some(json!(2)), Some(json!(3))]);

    let groups = client.groups_list().send().await.unwrap().into_inner();
    assert_eq!(groups[0].group_name.as_deref(), Some("Nurses"));
    assert_eq!(groups[0].number_of_users, Some(12));

    let certificates = client
        .certificates_list()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(certificates.course_certificates.is_empty());

    let content = client
        .course_content()
        .course_id("12")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(content.course_items.len(), 2);
    assert_eq!(content.course_items[1].item_type.as_deref(), Some("Quiz"));
    let quiz = content.course_items[1].data.as_ref().unwrap();
    assert_eq!(quiz.questions.len(), 2);
    assert_eq!(quiz.quiz_data.as_ref().unwrap().id, Some(json!(201)));
}

#[tokio::test]
async fn writes_send_the_documented_bodies() {
    let mock = MockCommunityTraining::start().await;
    let client = mock.client(mock.user_tokens(HOUR));
    client
        .lesson_import_progress()
        .course_id("12")
        .body(types::LessonProgressImport {
            user_contact: "ada@example.com".into(),
            lesson_progress: vec![types::LessonProgress {
                lesson_id: json!(100),
                lesson_status: types::LessonProgressLessonStatus::Completed,
                lesson_score: Some(90.0),
                lesson_metadata: None,
            }],
        })
        .send()
        .await
        .unwrap();
    client
        .quiz_import_progress()
        .course_id("12")
        .body(types::QuizProgressImport {
            user_contact: "+15550100".into(),
            quiz_progress: vec![types::QuizProgress {
                quiz_id: json!(201),
                question_progress: vec![types::QuestionProgress {
                    question_id: json!(202),
                    is_correct: true,
                    answer: Some("B".into()),
                }],
            }],
        })
        .send()
        .await
        .unwrap();
    client
        .user_organization_set()
        .body(types::UserOrganization {
            user_contact: "ada@example.com".into(),
            organization_name: "Fabrikam".into(),
        })
        .send()
        .await
        .unwrap();
    // The documented POST without a body sends `{}`.
    client
        .course_content()
        .course_id("12")
        .send()
        .await
        .unwrap();

    let received = mock.site().received_requests().await.unwrap();
    let body = |p: &str| -> Value {
        let r = received.iter().find(|r| r.url.path() == p).unwrap();
        serde_json::from_slice(&r.body).unwrap()
    };
    assert_eq!(
        body("/api/v1/Course/12/Lesson/ImportProgress"),
        json!({ "userContact": "ada@example.com", "lessonProgress": [
            { "lessonId": 100, "lessonStatus": "completed", "lessonScore": 90.0 }
        ] })
    );
    assert_eq!(
        body("/api/v1/Course/12/Quiz/ImportProgress"),
        json!({ "userContact": "+15550100", "quizProgress": [
            { "quizId": 201, "questionProgress": [{ "questionId": 202, "isCorrect": true, "answer": "B" }] }
        ] })
    );
    assert_eq!(
        body("/api/v1/user/organization"),
        json!({ "UserContact": "ada@example.com", "OrganizationName": "Fabrikam" })
    );
    let content = received
        .iter()
        .find(|r| r.url.path() == "/api/v4/Courses/12/Content")
        .unwrap();
    assert_eq!(content.method.as_str(), "POST");
    assert_eq!(content.body, b"{}");
    assert_eq!(content.headers["content-type"], "application/json");
    // progenitor's `api-version` header is not sent: MCT versions by path.
    assert!(
        received
            .iter()
            .all(|r| !r.headers.contains_key("api-version"))
    );
}

#[tokio::test]
async fn client_type_service_on_s2s_calls_only() {
    let mock = MockCommunityTraining::start().await;
    mock.client(mock.service_to_service())
        .profile_get()
        .send()
        .await
        .unwrap();
    mock.client(mock.user_tokens(HOUR))
        .groups_list()
        .send()
        .await
        .unwrap();
    let received = mock.site().received_requests().await.unwrap();
    let by_path = |p: &str| received.iter().find(|r| r.url.path() == p).unwrap();
    let s2s = by_path("/api/v2/Profile");
    assert_eq!(s2s.headers["clienttype"], "Service");
    assert!(
        s2s.headers["authorization"]
            .to_str()
            .unwrap()
            .starts_with("Bearer ")
    );
    let user = by_path("/api/v1/Groups");
    assert!(!user.headers.contains_key("clienttype"));
    assert!(
        user.headers["authorization"]
            .to_str()
            .unwrap()
            .starts_with("Bearer ")
    );
}

#[tokio::test]
async fn a_service_token_without_client_type_is_refused_by_the_mock() {
    // The mock enforces what the docs say the instance does, so the header test above can fail.
    let mock = MockCommunityTraining::start().await;
    // This crate builds reqwest's rustls without a crypto provider: a client of one's own
    // needs one installed (as rustls asks of applications).
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let token: Value = reqwest::Client::new()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            mock.authority_url(),
            MockCommunityTraining::TENANT
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&client_id={}&client_secret={}&scope={}",
            MockCommunityTraining::CLIENT_ID,
            MockCommunityTraining::CLIENT_SECRET,
            MockCommunityTraining::SCOPE
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = token["access_token"].as_str().unwrap();
    let client = Client::builder(mock.site_url(), Credentials::bearer(bearer))
        .build()
        .unwrap();
    let e = client.profile_get().send().await.unwrap_err();
    assert_eq!(e.status(), Some(reqwest::StatusCode::UNAUTHORIZED));
}

#[tokio::test]
async fn mixed_case_answers_decode() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/Groups"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            { "GroupId": 1, "GroupName": "Pascal" },
            { "groupId": 2, "groupName": "camel", "numberOfUsers": 3 },
            { "groupid": 3, "groupname": "lower", "organizationname": null }
        ])))
        .mount(&server)
        .await;
    Mock::given(path("/api/v4/Courses/9/Content"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "courseItems": [
                { "itemType": "Lesson", "courseItemId": "a", "data": { "id": 5 } },
                { "ItemType": "Survey", "CourseItemId": "b" }
            ]
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/organization"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            { "Id": 1, "Name": "Pascal", "TenantId": "t" }
        ])))
        .mount(&server)
        .await;
    let client = bearer_client(&server);

    let groups = client.groups_list().send().await.unwrap().into_inner();
    let names: Vec<_> = groups.iter().map(|g| g.group_name.as_deref()).collect();
    assert_eq!(names, [Some("Pascal"), Some("camel"), Some("lower")]);
    assert_eq!(groups[2].group_id, Some(json!(3)));
    assert_eq!(groups[1].number_of_users, Some(3));

    let content = client
        .course_content_get()
        .course_id("9")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(content.course_items.len(), 2);
    assert_eq!(content.course_items[0].item_type.as_deref(), Some("Lesson"));
    assert_eq!(
        content.course_items[0].data.as_ref().unwrap().id,
        Some(json!(5))
    );
    // An item type the docs do not list is kept, not a decoding failure.
    assert_eq!(content.course_items[1].item_type.as_deref(), Some("Survey"));

    let organisations = client
        .organizations_list()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(organisations[0].name.as_deref(), Some("Pascal"));
    assert_eq!(organisations[0].tenant_id, Some(json!("t")));
}

#[tokio::test]
async fn request_escape_hatch_goes_through_auth_and_decodes() {
    let mock = MockCommunityTraining::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/Reports/Undocumented"))
        .and(query_param("take", "10"))
        .and(header("clienttype", "Service"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "Rows": [1, 2] })))
        .with_priority(1)
        .mount(mock.site())
        .await;
    let client = mock.client(mock.service_to_service());
    #[derive(serde::Deserialize)]
    struct Report {
        #[serde(rename = "Rows")]
        rows: Vec<u32>,
    }
    let report: Report = client
        .request(Method::POST, "/api/v1/Reports/Undocumented")
        .query("take", 10)
        .json(&json!({ "from": "2024-01-01" }))
        .send()
        .await
        .unwrap();
    assert_eq!(report.rows, [1, 2]);
    let sent = mock.site().received_requests().await.unwrap();
    let sent = sent.last().unwrap();
    assert_eq!(sent.body, br#"{"from":"2024-01-01"}"#);
    assert!(
        sent.headers["authorization"]
            .to_str()
            .unwrap()
            .starts_with("Bearer ")
    );

    // A documented endpoint, typed by the caller; an error answer is `Error::Api`.
    let profile: Value = client
        .request(Method::GET, "/api/v2/Profile")
        .send()
        .await
        .unwrap();
    assert_eq!(profile["Name"], "Ada Lovelace");
    let missing = client
        .request::<Value>(Method::GET, "/api/v1/users")
        .send()
        .await
        .unwrap_err();
    let api = missing.api().expect("an API error");
    assert_eq!(api.status, 400);
    assert_eq!(api.raw.as_deref(), Some("searchTerm field is required"));
}

#[tokio::test]
async fn request_paths_cannot_leave_the_instance() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = bearer_client(&server);
    for path in [
        "https://elsewhere.example/api",
        "//elsewhere.example/api",
        "api/v1/Groups",
        "/\\elsewhere.example",
        "@elsewhere.example/x",
    ] {
        let e = client
            .request::<Value>(Method::GET, path)
            .send()
            .await
            .unwrap_err();
        assert!(matches!(e, Error::InvalidRequest(_)), "{path}: {e:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    // An empty answer decodes as `null`.
    Mock::given(path("/empty"))
        .respond_with(ResponseTemplate::new(204))
        .with_priority(1)
        .mount(&server)
        .await;
    let nothing: Option<Value> = client
        .request(Method::DELETE, "/empty")
        .send()
        .await
        .unwrap();
    assert_eq!(nothing, None);
}

#[tokio::test]
async fn rate_limits_are_retried_after_the_wait_asked() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v2/Profile"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/Profile"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/Profile"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "Name": "x" })))
        .with_priority(3)
        .mount(&server)
        .await;
    let profile = bearer_client(&server)
        .profile_get()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(profile["Name"], "x");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn site_urls_are_checked() {
    let e = Client::builder("http://mct.example.com", Credentials::bearer("t"))
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("plain-http"), "{e}");
    assert!(
        Client::builder("http://127.0.0.1:1", Credentials::bearer("t"))
            .build()
            .is_ok()
    );
    let e = Client::builder("https://mct.example.com", Credentials::bearer("  "))
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e:?}");
    // The token authority follows the same rule: the client secret never crosses in clear.
    let s2s = ServiceToService::new("t", "c", "s", "api://x").authority("http://login.example.com");
    let e = Client::builder("https://mct.example.com", s2s)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("plain-http"), "{e}");
}

#[tokio::test]
async fn timeouts_apply() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({}))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    let client = Client::builder(server.uri(), Credentials::bearer("t"))
        .timeout(Duration::from_millis(100))
        .retry(RetryPolicy::none())
        .no_proxy()
        .build()
        .unwrap();
    let e = client.profile_get().send().await.unwrap_err();
    assert!(matches!(e, Error::Timeout(_)), "{e:?}");
}

#[tokio::test]
async fn the_generated_refresh_operation_decodes_the_pair() {
    let mock = MockCommunityTraining::start().await;
    let client = mock.client(mock.user_tokens(HOUR));
    // Another session's refresh token, traded by hand through the generated operation.
    let other = mock.user_tokens(HOUR);
    let pair = client
        .external_auth_token_refresh()
        .identity_provider(types::ExternalAuthTokenRefreshIdentityProvider::Azuread)
        .body(types::RefreshTokenRequest {
            refresh_token: other.refresh().expose_secret().into(),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let (access, refresh) = (
        pair.access_token.clone().unwrap(),
        pair.refresh_token.clone().unwrap(),
    );
    assert_ne!(refresh, other.refresh().expose_secret());
    let shown = format!("{pair:?}");
    assert!(
        !shown.contains(&access) && !shown.contains(&refresh),
        "{shown}"
    );
    // Rotated: the traded token is spent.
    let e = client
        .external_auth_token_refresh()
        .identity_provider(types::ExternalAuthTokenRefreshIdentityProvider::Azuread)
        .body(types::RefreshTokenRequest {
            refresh_token: other.refresh().expose_secret().into(),
        })
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(reqwest::StatusCode::BAD_REQUEST));
    assert_eq!(mock.refresh_calls(), 2);
}
