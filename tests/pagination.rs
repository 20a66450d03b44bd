//! Page streams against wiremock: `nextLink` (with its quirks), `$top`/`$skip` and continuation
//! tokens, and the rules that end a stream.
#![cfg(all(feature = "errors", feature = "crash"))]

use appcenter::pagination::Paginate;
use appcenter::{Client, Error, RetryPolicy};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "test-token-0123456789abcdef";
const GROUPS: &str = "/v0.1/apps/me/my-app/errors/errorGroups";

fn client_for(server: &MockServer) -> Client {
    Client::builder(TOKEN)
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

fn group(id: &str) -> Value {
    json!({
        "errorGroupId": id, "appVersion": "1.0", "count": 3, "deviceCount": 2,
        "firstOccurrence": "2024-01-01T00:00:00Z", "lastOccurrence": "2024-01-02T00:00:00Z",
        "reasonFrames": [], "state": "open"
    })
}

fn groups_page(ids: &[&str], next: Option<&str>) -> ResponseTemplate {
    let groups: Vec<Value> = ids.iter().map(|id| group(id)).collect();
    let mut body = json!({ "errorGroups": groups });
    if let Some(next) = next {
        body["nextLink"] = json!(next);
    }
    ResponseTemplate::new(200).set_body_json(body)
}

fn error_groups(client: &Client) -> appcenter::builder::ErrorsGroupList<'_> {
    client
        .errors_group_list()
        .owner_name("me")
        .app_name("my-app")
        .start(
            "2024-01-01T00:00:00Z"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap(),
        )
}

/// Fails the test, rather than hanging it, when a stream does not end.
async fn bounded<T>(work: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(10), work)
        .await
        .expect("the stream did not end")
}

async fn ids(client: &Client) -> Result<Vec<String>, Error> {
    bounded(
        error_groups(client)
            .items()
            .map_ok(|g| g.0.error_group_id)
            .try_collect(),
    )
    .await
}

#[tokio::test]
async fn three_next_link_pages_with_the_api_prefix_and_without_owner_and_app() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(GROUPS))
        .and(query_param_is_missing("$skiptoken"))
        .and(query_param("start", "2024-01-01T00:00:00Z"))
        .respond_with(groups_page(
            &["a", "b"],
            Some("/api/v0.1/apps/me/my-app/errors/errorGroups?$skiptoken=page2"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(GROUPS))
        .and(query_param("$skiptoken", "page2"))
        .respond_with(groups_page(
            &["c"],
            Some("/api/v0.1/apps/errors/errorGroups?$skiptoken=page3"),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(GROUPS))
        .and(query_param("$skiptoken", "page3"))
        .respond_with(groups_page(&["d"], None))
        .expect(1)
        .mount(&server)
        .await;

    let client = client_for(&server);
    let pages: Vec<Vec<_>> = bounded(error_groups(&client).pages().try_collect())
        .await
        .unwrap();

    let ids: Vec<Vec<String>> = pages
        .iter()
        .map(|p| p.iter().map(|g| g.0.error_group_id.clone()).collect())
        .collect();
    assert_eq!(ids, [vec!["a", "b"], vec!["c"], vec!["d"]]);
    for request in server.received_requests().await.unwrap() {
        assert_eq!(request.headers.get("x-api-token").unwrap(), TOKEN);
        assert!(
            request.headers.get("api-version").is_none(),
            "versions by path"
        );
    }
}

#[tokio::test]
async fn pages_are_fetched_only_when_polled() {
    let server = MockServer::start().await;
    Mock::given(path(GROUPS))
        .and(query_param_is_missing("$skiptoken"))
        .respond_with(groups_page(&["a"], Some(&format!("{GROUPS}?$skiptoken=2"))))
        .mount(&server)
        .await;
    Mock::given(path(GROUPS))
        .and(query_param("$skiptoken", "2"))
        .respond_with(groups_page(&["b"], None))
        .mount(&server)
        .await;

    let client = client_for(&server);
    let mut pages = error_groups(&client).pages();
    assert_eq!(server.received_requests().await.unwrap().len(), 0);
    pages.next().await.unwrap().unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    pages.next().await.unwrap().unwrap();
    assert!(pages.next().await.is_none());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_repeated_link_stops_the_stream() {
    let server = MockServer::start().await;
    Mock::given(path(GROUPS))
        .and(query_param_is_missing("$skiptoken"))
        .respond_with(groups_page(&["a"], Some(&format!("{GROUPS}?$skiptoken=2"))))
        .mount(&server)
        .await;
    // The second page links to itself (written differently, with `/api`).
    Mock::given(path(GROUPS))
        .and(query_param("$skiptoken", "2"))
        .respond_with(groups_page(
            &["b"],
            Some(&format!("/api{GROUPS}?$skiptoken=2")),
        ))
        .mount(&server)
        .await;

    let got = ids(&client_for(&server)).await.unwrap();

    assert_eq!(got, ["a", "b"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_link_back_to_the_first_page_stops_the_stream() {
    let server = MockServer::start().await;
    Mock::given(path(GROUPS))
        .respond_with(groups_page(
            &["a"],
            Some(&format!("{GROUPS}?start=2024-01-01T00%3A00%3A00Z")),
        ))
        .mount(&server)
        .await;

    assert_eq!(ids(&client_for(&server)).await.unwrap(), ["a"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_empty_page_stops_the_stream() {
    let server = MockServer::start().await;
    Mock::given(path(GROUPS))
        .and(query_param_is_missing("$skiptoken"))
        .respond_with(groups_page(&["a"], Some(&format!("{GROUPS}?$skiptoken=2"))))
        .mount(&server)
        .await;
    Mock::given(path(GROUPS))
        .and(query_param("$skiptoken", "2"))
        .respond_with(groups_page(&[], Some(&format!("{GROUPS}?$skiptoken=3"))))
        .mount(&server)
        .await;

    assert_eq!(ids(&client_for(&server)).await.unwrap(), ["a"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_error_on_a_later_page_is_an_api_error_and_ends_the_stream() {
    let server = MockServer::start().await;
    Mock::given(path(GROUPS))
        .and(query_param_is_missing("$skiptoken"))
        .respond_with(groups_page(&["a"], Some(&format!("{GROUPS}?$skiptoken=2"))))
        .mount(&server)
        .await;
    Mock::given(path(GROUPS))
        .and(query_param("$skiptoken", "2"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error": { "code": "NotFound", "message": "gone" }
        })))
        .mount(&server)
        .await;

    let client = client_for(&server);
    let results: Vec<_> = error_groups(&client).pages().collect().await;

    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    let err = results[1].as_ref().unwrap_err();
    assert_eq!(err.api().unwrap().code.as_deref(), Some("NotFound"));
}

/// Issue 11, point 8: a `nextLink` to another origin is not App Center's data: the stream ends
/// with a typed error after the first page, and the other origin is never asked.
#[tokio::test]
async fn a_link_to_another_origin_ends_the_stream_with_an_error() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(path(GROUPS))
        .respond_with(groups_page(
            &["a"],
            Some(&format!("{}/steal?x=1", elsewhere.uri())),
        ))
        .mount(&server)
        .await;
    Mock::given(path("/steal"))
        .respond_with(groups_page(&["b"], None))
        .mount(&elsewhere)
        .await;
    let client = client_for(&server);

    let pages: Vec<_> = bounded(error_groups(&client).pages().collect()).await;

    assert_eq!(pages.len(), 2, "{pages:?}");
    assert_eq!(pages[0].as_ref().unwrap()[0].0.error_group_id, "a");
    match &pages[1] {
        Err(Error::Pagination {
            problem: appcenter::PageProblem::ForeignLink { origin },
            ..
        }) => {
            assert_eq!(origin, &elsewhere.uri());
        }
        other => panic!("expected a foreign-link error, got {other:?}"),
    }
    let err = pages[1].as_ref().unwrap_err().to_string();
    assert!(!err.contains("steal") && !err.contains("x=1"), "{err}");
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

/// Issue 11, point 8: a server that mints a fresh `$skiptoken` for the same page for ever: the
/// repeated page ends the stream.
#[tokio::test]
async fn fresh_links_to_the_same_page_end_the_stream() {
    let server = MockServer::start().await;
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let minted = counter.clone();
    Mock::given(path(GROUPS))
        .respond_with(move |_: &wiremock::Request| {
            let n = minted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            groups_page(&["a", "b"], Some(&format!("{GROUPS}?$skiptoken=t{n}")))
        })
        .mount(&server)
        .await;

    let got = ids(&client_for(&server)).await.unwrap();

    assert_eq!(got, ["a", "b"]);
    assert_eq!(counter.load(std::sync::atomic::Ordering::SeqCst), 2);
}

/// Issue 11, point 8: distinct pages for ever stop at the page limit, which the caller can set.
#[tokio::test]
async fn endless_distinct_pages_stop_at_the_page_limit() {
    let server = MockServer::start().await;
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let minted = counter.clone();
    Mock::given(path(GROUPS))
        .respond_with(move |_: &wiremock::Request| {
            let n = minted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let id = format!("g{n}");
            groups_page(&[id.as_str()], Some(&format!("{GROUPS}?$skiptoken=t{n}")))
        })
        .mount(&server)
        .await;
    let client = client_for(&server);

    let pages: Vec<_> = bounded(error_groups(&client).pages_up_to(5).collect()).await;

    assert_eq!(pages.len(), 6);
    assert!(pages[..5].iter().all(Result::is_ok));
    assert!(
        matches!(
            pages[5],
            Err(Error::Pagination {
                problem: appcenter::PageProblem::TooManyPages { limit: 5 },
                ..
            })
        ),
        "{:?}",
        pages[5]
    );
    assert_eq!(counter.load(std::sync::atomic::Ordering::SeqCst), 5);
}

/// An `errors/search` page with the given error ids.
fn errors(ids: &[&str]) -> ResponseTemplate {
    let errors: Vec<Value> = ids.iter().map(|id| json!({ "errorId": id })).collect();
    ResponseTemplate::new(200).set_body_json(json!({ "errors": errors }))
}

#[tokio::test]
async fn top_and_skip_pages_advance_by_the_page_length() {
    let server = MockServer::start().await;
    let search = "/v0.1/apps/me/my-app/errors/search";
    Mock::given(path(search))
        .and(query_param_is_missing("$skip"))
        .and(query_param("$top", "2"))
        .respond_with(errors(&["e1", "e2"]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(search))
        .and(query_param("$skip", "2"))
        .and(query_param("$top", "2"))
        .and(header("x-api-token", TOKEN))
        .respond_with(errors(&["e3", "e4"]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(search))
        .and(query_param("$skip", "4"))
        .respond_with(errors(&["e5"]))
        .expect(1)
        .mount(&server)
        .await;

    let client = client_for(&server);
    let got: Vec<String> = client
        .errors_error_search()
        .owner_name("me")
        .app_name("my-app")
        .top(2)
        .items()
        .map_ok(|e| e.error_id.unwrap())
        .try_collect()
        .await
        .unwrap();

    assert_eq!(got, ["e1", "e2", "e3", "e4", "e5"]);
    // The short third page was the last: no fourth request.
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn skip_pages_stop_at_the_total_and_on_a_server_that_ignores_skip() {
    let server = MockServer::start().await;
    let versions = "/v0.1/apps/me/my-app/errors/available_versions";
    Mock::given(path(versions))
        .and(query_param_is_missing("$skip"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "versions": ["1.0", "1.1"], "total_count": 3 })),
        )
        .mount(&server)
        .await;
    Mock::given(path(versions))
        .and(query_param("$skip", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "versions": ["2.0"], "total_count": 3 })),
        )
        .mount(&server)
        .await;
    let client = client_for(&server);
    let start: chrono::DateTime<chrono::Utc> = "2024-01-01T00:00:00Z".parse().unwrap();
    let got: Vec<String> = client
        .errors_available_versions()
        .owner_name("me")
        .app_name("my-app")
        .start(start)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got, ["1.0", "1.1", "2.0"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    // Every offset answers the same page: the stream ends instead of looping.
    let server = MockServer::start().await;
    Mock::given(path(versions))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "versions": ["1.0"] })))
        .mount(&server)
        .await;
    let client = client_for(&server);
    let got: Vec<String> = bounded(
        client
            .errors_available_versions()
            .owner_name("me")
            .app_name("my-app")
            .start(start)
            .items()
            .try_collect(),
    )
    .await
    .unwrap();
    assert_eq!(got, ["1.0"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

/// Issue 11, point 9: a caller's `.skip(i64::MAX)` must not overflow (a panic on `main`): the
/// first page comes, then a typed error instead of an impossible offset.
#[tokio::test]
async fn an_offset_that_would_overflow_is_an_error_not_a_panic() {
    let server = MockServer::start().await;
    Mock::given(path("/v0.1/apps/me/my-app/errors/search"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "errors": [{ "errorId": "e1" }] })),
        )
        .mount(&server)
        .await;
    let client = client_for(&server);

    let pages: Vec<_> = bounded(
        client
            .errors_error_search()
            .owner_name("me")
            .app_name("my-app")
            .skip(i64::MAX)
            .pages()
            .collect(),
    )
    .await;

    assert_eq!(pages.len(), 2, "{pages:?}");
    assert!(pages[0].is_ok());
    assert!(
        matches!(
            pages[1],
            Err(Error::Pagination {
                problem: appcenter::PageProblem::OffsetOverflow,
                ..
            })
        ),
        "{:?}",
        pages[1]
    );
}

/// The stream starts where the builder says: the caller's `$skip` is the first page's offset, and
/// the next pages count from it.
#[tokio::test]
async fn a_callers_skip_is_where_the_pages_start() {
    let server = MockServer::start().await;
    let search = "/v0.1/apps/me/my-app/errors/search";
    Mock::given(path(search))
        .and(query_param("$skip", "10"))
        .and(query_param("$top", "2"))
        .respond_with(errors(&["e11", "e12"]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(search))
        .and(query_param("$skip", "12"))
        .and(query_param("$top", "2"))
        .respond_with(errors(&["e13"]))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server);

    let got: Vec<String> = bounded(
        client
            .errors_error_search()
            .owner_name("me")
            .app_name("my-app")
            .skip(10)
            .top(2)
            .items()
            .map_ok(|e| e.error_id.unwrap())
            .try_collect(),
    )
    .await
    .unwrap();

    assert_eq!(got, ["e11", "e12", "e13"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

/// A builder that cannot make its request (a required parameter unset) ends its stream with the
/// error `send` gives, naming the operation, and nothing is sent.
#[tokio::test]
async fn an_incomplete_builder_ends_the_stream_before_anything_is_sent() {
    let server = MockServer::start().await;
    let client = client_for(&server);

    let linked: Vec<_> = bounded(
        client
            .errors_group_list()
            .owner_name("me")
            .app_name("my-app")
            .pages()
            .collect(),
    )
    .await;
    let offset: Vec<_> = bounded(
        client
            .errors_error_search()
            .app_name("my-app")
            .pages()
            .collect(),
    )
    .await;

    fn refused<T: std::fmt::Debug>(pages: &[Result<Vec<T>, Error>], operation: &str) {
        assert_eq!(pages.len(), 1, "{pages:?}");
        match &pages[0] {
            Err(Error::InvalidRequest(why)) => {
                assert!(why.starts_with(&format!("{operation}: ")), "{why}")
            }
            other => panic!("{operation}: {other:?}"),
        }
    }
    refused(&linked, "errors_group_list");
    refused(&offset, "errors_error_search");
    assert!(server.received_requests().await.unwrap().is_empty());
}

fn crash_group(id: &str) -> Value {
    json!({
        "annotation": "", "app_version": "1.0", "build": "1", "count": 1, "crash_group_id": id,
        "crash_reason": "boom", "display_id": id, "fatal": true,
        "first_occurrence": "2024-01-01T00:00:00Z", "last_occurrence": "2024-01-02T00:00:00Z",
        "new_crash_group_id": id, "status": "open"
    })
}

fn crash_page(ids: &[&str], token: Option<&str>) -> ResponseTemplate {
    let groups: Vec<Value> = ids.iter().map(|id| crash_group(id)).collect();
    let mut body = json!({ "crash_groups": groups, "limited_result_set": false });
    if let Some(token) = token {
        body["continuation_token"] = json!(token);
    }
    ResponseTemplate::new(200).set_body_json(body)
}

#[tokio::test]
async fn continuation_tokens_chain_pages_and_a_repeated_token_stops() {
    let server = MockServer::start().await;
    let at = "/v0.1/apps/me/my-app/crash_groups";
    Mock::given(path(at))
        .and(query_param_is_missing("continuation_token"))
        .respond_with(crash_page(&["c1", "c2"], Some("t1")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path(at))
        .and(query_param("continuation_token", "t1"))
        .respond_with(crash_page(&["c3"], Some("t2")))
        .expect(1)
        .mount(&server)
        .await;
    // t2's page hands out t1 again: followed once, not forever.
    Mock::given(path(at))
        .and(query_param("continuation_token", "t2"))
        .respond_with(crash_page(&["c4"], Some("t1")))
        .expect(1)
        .mount(&server)
        .await;

    let client = client_for(&server);
    let got: Vec<String> = bounded(
        client
            .crash_groups_list()
            .owner_name("me")
            .app_name("my-app")
            .items()
            .map_ok(|g| g.crash_group_id)
            .try_collect(),
    )
    .await
    .unwrap();

    assert_eq!(got, ["c1", "c2", "c3", "c4"]);
}

/// Read off the spec itself (not the generated code): the operations with a `$skip` query
/// parameter or a 200 answer with `nextLink` are exactly the builders given `page_target()` by
/// the pipeline pass `page_targets.rs`, and the one with a `continuation_token` query parameter is
/// the token stream's.
#[cfg(feature = "all-areas")]
#[test]
fn the_paged_operations_of_the_spec_are_the_builders_with_a_page_target() {
    use std::collections::BTreeSet;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/openapi/appcenter.openapi.json"
    );
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let resolve = |v: &Value| -> Value {
        let mut v = v.clone();
        while let Some(name) = v["$ref"].as_str().map(str::to_string) {
            v = spec["components"]["schemas"][name.rsplit('/').next().unwrap()].clone();
        }
        v
    };
    let snake = |id: &str| {
        let mut out = String::new();
        for (i, c) in id.chars().enumerate() {
            if c.is_uppercase() && i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        }
        out
    };
    let (mut targeted, mut tokens) = (BTreeSet::new(), BTreeSet::new());
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            let Some(id) = op["operationId"].as_str() else {
                continue;
            };
            let query: BTreeSet<String> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(&resolve)
                .filter(|p| p["in"] == "query")
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect();
            let answer =
                resolve(&resolve(&op["responses"]["200"])["content"]["application/json"]["schema"]);
            let linked = answer["properties"].get("nextLink").is_some();
            if query.contains("$skip") || linked {
                targeted.insert(snake(id));
            } else if query.contains("continuation_token") {
                tokens.insert(snake(id));
            }
        }
    }
    let code = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/appcenter.rs")).unwrap();
    let with_target: BTreeSet<String> = code
        .split("fn page_target(")
        .skip(1)
        .map(|rest| {
            let id = &rest[rest.find("Operation::new(").unwrap()..];
            id.split('"').nth(1).unwrap().to_string()
        })
        .collect();
    assert_eq!(targeted, with_target);
    assert_eq!(targeted.len(), 9, "{targeted:?}");
    assert_eq!(tokens, BTreeSet::from(["crash_groups_list".to_string()]));
}
