//! The typed mock helpers (`MockAppCenter::on_<operation>`): one test per API area shows a helper
//! in use through the real client, and the rules every route follows (token check, recordings,
//! replacement, path decoding, and "not served" for the rest).

#![cfg(feature = "mock")]

use appcenter::mock::MockAppCenter;
#[allow(unused_imports)]
use appcenter::{ApiErrorKind, Error, types};

/// The API error of a failed call (`send()`'s error converts into [`appcenter::Error`]).
#[allow(dead_code)] // by the areas' tests, which a narrow feature set leaves out
fn api_error<T: std::fmt::Debug, E: Into<Error>>(result: Result<T, E>) -> appcenter::ApiError {
    match result.map_err(Into::into) {
        Err(Error::Api(e)) => *e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

// --- rules of every route ----------------------------------------------------------------------

#[cfg(feature = "account")]
#[tokio::test]
async fn a_route_nobody_answered_is_not_served_rather_than_unauthorized() {
    let mock = MockAppCenter::start().await;
    // The client carries the right token: the mock must not claim it is wrong.
    let e = api_error(
        mock.client()
            .apps_list()
            .send()
            .await
            .map(|r| r.into_inner()),
    );
    assert_eq!(e.status.as_u16(), 501, "{e}");
    assert_ne!(e.kind(), ApiErrorKind::Unauthorized, "{e}");
    let message = e.message.clone().unwrap_or_default();
    assert!(message.contains("not served by appcenter::mock"), "{e}");
    // It names the operation by its template and the helper that answers it.
    assert!(message.contains("`GET /v0.1/apps`"), "{message}");
    assert!(message.contains("on_apps_list"), "{message}");
}

#[tokio::test]
async fn a_path_that_is_no_operation_is_not_served_whatever_the_token() {
    let mock = MockAppCenter::start().await;
    // This crate builds reqwest's rustls without a crypto provider: a client of one's own
    // needs one installed (as rustls asks of applications).
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let answer = reqwest::Client::new()
        .get(format!("{}/v0.1/no/such/thing", mock.uri()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 501);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["error"]["code"], "NotServedByMock");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("not an operation"), "{message}");
    assert!(
        message.contains("not served by appcenter::mock"),
        "{message}"
    );
}

#[cfg(feature = "account")]
#[tokio::test]
async fn a_served_route_refuses_a_wrong_token_and_records_the_attempt() {
    let mock = MockAppCenter::start().await;
    let orgs = mock.on_organizations_list().respond(vec![]);
    let stranger = appcenter::Client::builder("not-the-mock-token")
        .base_url(mock.uri())
        .build()
        .unwrap();
    let e = api_error(
        stranger
            .organizations_list()
            .send()
            .await
            .map(|r| r.into_inner()),
    );
    assert_eq!(e.kind(), ApiErrorKind::Unauthorized, "{e}");
    // The default user profile is a route like the others: also refused.
    let e = api_error(stranger.users_get().send().await.map(|r| r.into_inner()));
    assert_eq!(e.kind(), ApiErrorKind::Unauthorized, "{e}");
    assert_eq!(orgs.calls(), 1);
    assert_eq!(orgs.operation(), "organizations_list");
}

#[cfg(feature = "account")]
#[tokio::test]
async fn a_later_answer_replaces_an_earlier_one() {
    let mock = MockAppCenter::start().await;
    let client = mock.client();
    mock.on_organizations_list()
        .fail(500, "InternalServerError", "down");
    let second = mock
        .on_organizations_list()
        .respond(vec![types::OrganizationsListResponseItem {
            display_name: Some("Acme".into()),
            name: "acme".into(),
            origin: Some("appcenter".into()),
        }]);
    let orgs = client
        .organizations_list()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].name, "acme");
    assert_eq!(second.calls(), 1);
}

#[cfg(feature = "account")]
#[tokio::test]
async fn path_parameters_match_after_percent_decoding_and_only_their_own_values() {
    let mock = MockAppCenter::start().await;
    let client = mock.client();
    let group = mock
        .on_distribution_groups_list_users("acme", "rocket", "QA / Beta")
        .fail(404, "NotFound", "no such group");
    let e = api_error(
        client
            .distribution_groups_list_users()
            .owner_name("acme")
            .app_name("rocket")
            .distribution_group_name("QA / Beta")
            .send()
            .await
            .map(|r| r.into_inner()),
    );
    assert_eq!(
        (e.kind(), e.message.as_deref()),
        (ApiErrorKind::NotFound, Some("no such group"))
    );
    let seen = group.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].path,
        "/v0.1/apps/acme/rocket/distribution_groups/QA%20%2F%20Beta/members"
    );
    // Another app is another route: not served.
    let e = api_error(
        client
            .distribution_groups_list_users()
            .owner_name("acme")
            .app_name("other")
            .distribution_group_name("QA / Beta")
            .send()
            .await
            .map(|r| r.into_inner()),
    );
    assert_eq!(e.status.as_u16(), 501, "{e}");
    assert_eq!(group.calls(), 1);
}

#[cfg(feature = "distribute")]
#[tokio::test]
async fn an_answer_can_be_kept_to_requests_with_a_query_parameter() {
    let mock = MockAppCenter::start().await;
    let everyone = mock.on_releases_list("acme", "rocket").respond(vec![]);
    let testers = mock
        .on_releases_list("acme", "rocket")
        .query("scope", "tester")
        .fail(403, "Forbidden", "testers only");
    let app = mock.client().app("acme/rocket").unwrap();
    let e = api_error(app.releases_list().scope("tester").send().await);
    assert_eq!(e.message.as_deref(), Some("testers only"));
    let all = app.releases_list().send().await.unwrap().into_inner();
    assert!(all.is_empty());
    assert_eq!((everyone.calls(), testers.calls()), (1, 1));
}

#[cfg(feature = "account")]
#[tokio::test]
async fn a_misused_status_is_an_error_answer_not_a_panic() {
    let mock = MockAppCenter::start().await;
    mock.on_organizations_list().fail(1000, "X", "y");
    let e = api_error(
        mock.client()
            .organizations_list()
            .send()
            .await
            .map(|r| r.into_inner()),
    );
    assert_eq!(e.status.as_u16(), 500);
    assert!(
        e.message
            .unwrap_or_default()
            .contains("1000 is not an HTTP status")
    );
}

// --- one helper per area -----------------------------------------------------------------------

#[cfg(feature = "account")]
#[tokio::test]
async fn account_the_user_profile_can_be_replaced() {
    let mock = MockAppCenter::start().await;
    let mut profile: types::UserProfileResponse =
        serde_json::from_value(MockAppCenter::user()).unwrap();
    profile.name = "grace-hopper".into();
    let route = mock.on_users_get().respond(profile);
    let user = mock.client().users_get().send().await.unwrap().into_inner();
    assert_eq!(user.name, "grace-hopper");
    assert_eq!(route.requests()[0].method, "GET");
}

#[cfg(feature = "distribute")]
#[tokio::test]
async fn distribute_releases_of_an_app() {
    let mock = MockAppCenter::start().await;
    let releases =
        mock.on_releases_list("acme", "rocket")
            .respond(vec![types::BasicReleaseDetailsResponse {
                build: None,
                destination_type: None,
                destinations: vec![],
                distribution_groups: vec![],
                distribution_stores: vec![],
                enabled: Some(true),
                id: 7,
                is_external_build: None,
                origin: Some("appcenter".into()),
                short_version: Some("1.2".into()),
                uploaded_at: Some("2024-05-06T07:08:09Z".into()),
                version: Some("12".into()),
            }]);
    let client = mock.client();
    let app = client.app("acme/rocket").unwrap();
    let got = app
        .releases_list()
        .published_only(true)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (got.len(), got[0].id, got[0].short_version.as_deref()),
        (1, 7, Some("1.2"))
    );
    let seen = releases.requests();
    assert_eq!(seen[0].query.as_deref(), Some("published_only=true"));

    mock.on_releases_list("acme", "gone")
        .fail(404, "NotFound", "no such app");
    let e = api_error(
        client
            .app("acme/gone")
            .unwrap()
            .releases_list()
            .send()
            .await,
    );
    assert_eq!(e.kind(), ApiErrorKind::NotFound);
    assert_eq!(e.code.as_deref(), Some("NotFound"));
}

#[cfg(feature = "analytics")]
#[tokio::test]
async fn analytics_version_counts() {
    let mock = MockAppCenter::start().await;
    let route = mock
        .on_analytics_versions("acme", "rocket")
        .respond(types::Versions {
            total: Some(3),
            versions: vec![types::Version {
                count: Some(3),
                previous_count: None,
                version: Some("1.2".into()),
            }],
        });
    let start: chrono::DateTime<chrono::Utc> = "2024-05-01T00:00:00Z".parse().unwrap();
    let got = mock
        .client()
        .analytics_versions()
        .owner_name("acme")
        .app_name("rocket")
        .start(start)
        .versions(["1.2", "1.3"])
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.total, Some(3));
    let query = route.requests()[0].query.clone().unwrap_or_default();
    assert!(query.contains("versions=1.2%7C1.3"), "{query}");
}

#[cfg(feature = "test")]
#[tokio::test]
async fn test_runs_of_an_app() {
    let mock = MockAppCenter::start().await;
    let id = uuid::Uuid::from_u128(0x1234);
    mock.on_test_get_test_runs("acme", "rocket")
        .respond(vec![types::TestRun {
            id: Some(id),
            platform: Some("android".into()),
            ..Default::default()
        }]);
    let runs = mock
        .client()
        .test_get_test_runs()
        .owner_name("acme")
        .app_name("rocket")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(runs[0].id, Some(id));
}

#[cfg(feature = "crash")]
#[tokio::test]
async fn crash_information_of_an_app() {
    let mock = MockAppCenter::start().await;
    mock.on_crashes_get_app_crashes_info("acme", "rocket")
        .respond(types::AppCrashesInfo {
            features: Some(types::AppFeatures {
                search: Some(true),
                ..Default::default()
            }),
            has_crashes: Some(true),
        });
    let info = mock
        .client()
        .crashes_get_app_crashes_info()
        .owner_name("acme")
        .app_name("rocket")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.has_crashes, Some(true));
    assert_eq!(info.features.unwrap().search, Some(true));
}

#[cfg(feature = "errors")]
#[tokio::test]
async fn errors_retention_settings() {
    let mock = MockAppCenter::start().await;
    mock.on_errors_get_retention_settings("acme", "rocket")
        .respond(types::ErrorRetentionSettings {
            retention_in_days: 28.try_into().unwrap(),
        });
    let settings = mock
        .client()
        .errors_get_retention_settings()
        .owner_name("acme")
        .app_name("rocket")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(*settings.retention_in_days, 28);
}

#[cfg(feature = "build")]
#[tokio::test]
async fn build_branches_fail_as_the_service_would() {
    let mock = MockAppCenter::start().await;
    let route = mock.on_builds_list_branches("acme", "rocket").fail(
        404,
        "NotFound",
        "no repository configured",
    );
    let e = api_error(
        mock.client()
            .builds_list_branches()
            .owner_name("acme")
            .app_name("rocket")
            .send()
            .await
            .map(|r| r.into_inner()),
    );
    assert_eq!(e.message.as_deref(), Some("no repository configured"));
    assert_eq!(route.calls(), 1);
}

#[cfg(feature = "codepush")]
#[tokio::test]
async fn codepush_deployments() {
    let mock = MockAppCenter::start().await;
    mock.on_code_push_deployments_list("acme", "rocket")
        .respond(vec![types::Deployment {
            key: Some("deployment-key".into()),
            latest_release: None,
            name: "Staging".into(),
        }]);
    let deployments = mock
        .client()
        .code_push_deployments_list()
        .owner_name("acme")
        .app_name("rocket")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(deployments[0].name, "Staging");
}

#[cfg(feature = "push")]
#[tokio::test]
async fn push_notifications_refused_to_a_read_only_token() {
    let mock = MockAppCenter::start().await;
    mock.on_push_list("acme", "rocket")
        .fail(403, "Forbidden", "read-only token");
    let e = api_error(
        mock.client()
            .push_list()
            .owner_name("acme")
            .app_name("rocket")
            .send()
            .await
            .map(|r| r.into_inner()),
    );
    assert_eq!(e.kind(), ApiErrorKind::Forbidden, "{e}");
}

#[cfg(feature = "export")]
#[tokio::test]
async fn export_configuration_deleted_with_an_empty_answer() {
    let mock = MockAppCenter::start().await;
    let id = uuid::Uuid::from_u128(7);
    let route = mock
        .on_export_configurations_delete("acme", "rocket", id)
        .respond(());
    mock.client()
        .export_configurations_delete()
        .owner_name("acme")
        .app_name("rocket")
        .export_configuration_id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(route.requests()[0].method, "DELETE");
}

#[cfg(feature = "gdpr")]
#[tokio::test]
async fn gdpr_export_request_sends_an_empty_object() {
    let mock = MockAppCenter::start().await;
    let token = uuid::Uuid::from_u128(0xdead);
    let route =
        mock.on_data_subject_right_export_request()
            .respond(types::DataSubjectRightResponse {
                created_at: Some("2024-05-06T07:08:09Z".parse().unwrap()),
                token: Some(token),
            });
    let answer = mock
        .client()
        .data_subject_right_export_request()
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 202);
    assert_eq!(answer.into_inner().token, Some(token));
    // A POST without a body sends `{}`.
    assert_eq!(route.requests()[0].json, Some(serde_json::json!({})));
}

#[cfg(feature = "alerting")]
#[tokio::test]
async fn alerting_email_settings_of_the_user() {
    let mock = MockAppCenter::start().await;
    mock.on_notifications_get_user_email_settings()
        .respond(types::AlertUserEmailSettingsResult {
            e_tag: None,
            enabled: Some(true),
            request_id: "r-1".into(),
            settings: vec![],
            user_id: None,
        });
    let settings = mock
        .client()
        .notifications_get_user_email_settings()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(settings.enabled, Some(true));
}

#[cfg(feature = "mbaas")]
#[tokio::test]
async fn mbaas_resource_provisioning_status() {
    let mock = MockAppCenter::start().await;
    mock.on_data_get_resource_provisioning("acme", "rocket")
        .respond(types::ProvisionStatusResponse {
            message: None,
            status: Some("Succeeded".into()),
        });
    let status = mock
        .client()
        .data_get_resource_provisioning()
        .owner_name("acme")
        .app_name("rocket")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.status.as_deref(), Some("Succeeded"));
}

#[cfg(feature = "billing")]
#[tokio::test]
async fn billing_for_all_accounts() {
    let mock = MockAppCenter::start().await;
    let route = mock
        .on_billing_aggregated_information_get_all()
        .respond(types::AllAccountsAggregatedBillingInformation::default());
    let info = mock
        .client()
        .billing_aggregated_information_get_all()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(info.aggregated_billings.is_none());
    assert_eq!(route.calls(), 1);
}

#[cfg(feature = "distribute")]
#[tokio::test]
async fn distribute_a_download_is_answered_with_bytes() {
    use futures::TryStreamExt;
    let mock = MockAppCenter::start().await;
    let csv = "Device ID,Device Name\n00008030-001A,Ada's iPhone\n";
    let route = mock
        .on_devices_list_csv_format("acme", "rocket", "Beta")
        .respond_bytes(csv, "text/csv");
    let answer = mock
        .client()
        .devices_list_csv_format()
        .owner_name("acme")
        .app_name("rocket")
        .distribution_group_name("Beta")
        .send()
        .await
        .unwrap();
    let bytes: Vec<u8> = answer
        .into_inner()
        .into_inner()
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await
        .unwrap();
    assert_eq!(bytes, csv.as_bytes());
    assert_eq!(route.calls(), 1);
}
