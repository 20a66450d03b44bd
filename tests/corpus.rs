//! Decodes a corpus of recorded App Center answers (not part of this project: a folder of
//! `{source, method, path_template, status, live_or_invented, body, note}` files) into each
//! operation's generated success type, and reports the counts by label.
//!
//! Ignored in normal runs, which must not depend on anything outside the repository: run it with
//! `scripts/check-corpus.sh` (or `APPCENTER_CORPUS=<dir> cargo test --test corpus -- --ignored
//! --nocapture`). Error answers are served to a generated operation, which must read them as an
//! `ApiError` with a code or message. It fails when a `live` or `likely-live` success answer whose
//! values are real does not decode, or an error answer is not read; answers with placeholder values (`{ID}`, `<id>`) or ids the author mangled
//! are skipped and named with the reason. The project's own fixtures for the same facts are in
//! `tests/live_answers.rs`.
#![cfg(feature = "all-areas")]

use std::collections::BTreeMap;
use std::path::PathBuf;

use appcenter::types;
use serde::de::DeserializeOwned;
use serde_json::Value;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// What a user reads from a decoded answer, printed as evidence that it survived decoding.
type Decoder = fn(Value) -> Result<String, serde_json::Error>;

fn decode<T: DeserializeOwned>(
    body: Value,
    read: impl Fn(&T) -> String,
) -> Result<String, serde_json::Error> {
    serde_json::from_value::<T>(body).map(|v| read(&v))
}

fn releases(r: &types::ReleaseDetailsResponse) -> String {
    format!(
        "id {} version {:?} short_version {:?} size {:?}",
        r.id, r.version, r.short_version, r.size
    )
}

/// The generated success type of each operation the corpus covers, by method and path template.
fn decoder(method: &str, template: &str) -> Option<Decoder> {
    let rest = template.strip_prefix("/v0.1/apps/{owner_name}/{app_name}");
    let decoder: Decoder = match (method, template, rest) {
        ("GET", "/v0.1/apps", _) => |b| {
            decode(b, |v: &Vec<types::AppResponse>| {
                format!(
                    "{} apps: {:?}",
                    v.len(),
                    v.iter().map(|a| &a.name).collect::<Vec<_>>()
                )
            })
        },
        ("GET", "/v0.1/orgs", _) => |b| {
            decode(b, |v: &Vec<types::OrganizationsListResponseItem>| {
                format!(
                    "{} orgs: {:?}",
                    v.len(),
                    v.iter().map(|o| &o.name).collect::<Vec<_>>()
                )
            })
        },
        ("GET", "/v0.1/api_tokens", _) => |b| {
            decode(b, |v: &Vec<types::ApiTokensGetResponse>| {
                format!("{} tokens", v.len())
            })
        },
        ("GET", _, Some("/releases")) => |b| {
            decode(b, |v: &Vec<types::BasicReleaseDetailsResponse>| {
                let versions: Vec<_> = v.iter().map(|r| (r.id, &r.version)).collect();
                format!("{} releases: {versions:?}", v.len())
            })
        },
        ("POST", _, Some("/releases")) => |b| decode(b, releases),
        ("GET", _, Some("/releases/{release_id}"))
        | (
            "GET",
            _,
            Some("/distribution_groups/{distribution_group_name}/releases/{release_id}"),
        ) => |b| decode(b, releases),
        ("GET", _, Some("/distribution_groups/{distribution_group_name}/public_releases")) => |b| {
            decode(b, |v: &Vec<types::DistributionGroupRelease>| {
                let first = v.first().map(|r| (r.id, &r.version, &r.short_version));
                format!("{} releases, first {first:?}", v.len())
            })
        },
        ("GET", _, Some("/distribution_groups/{distribution_group_name}/members")) => |b| {
            decode(b, |v: &Vec<types::DistributionGroupUserGetResponse>| {
                format!(
                    "emails {:?}",
                    v.iter().map(|m| &m.email).collect::<Vec<_>>()
                )
            })
        },
        ("GET", _, Some("/distribution_stores")) => |b| {
            decode(b, |v: &Vec<types::ExternalStoreResponse>| {
                format!(
                    "stores {:?}",
                    v.iter().map(|s| (&s.name, &s.track)).collect::<Vec<_>>()
                )
            })
        },
        ("POST", _, Some("/uploads/releases")) => |b| {
            decode(b, |v: &types::CreateReleaseUploadResponse| {
                format!("upload {} on {}", v.id, v.upload_domain)
            })
        },
        ("GET", _, Some("/uploads/releases/{upload_id}")) => |b| {
            decode(b, |v: &types::ReleaseUploadStatusResponse| {
                format!("{} release {:?}", v.upload_status, v.release_distinct_id)
            })
        },
        ("POST", _, Some("/builds/{build_id}/distribute")) => |b| {
            decode(b, |v: &types::DistributionResponse| {
                format!("upload {:?} status {:?}", v.upload_id, v.status)
            })
        },
        ("POST", _, Some("/symbol_uploads")) => |b| {
            decode(b, |v: &types::SymbolUploadBeginResponse| {
                format!(
                    "symbol upload {:?} expires {:?}",
                    v.symbol_upload_id, v.expiration_date
                )
            })
        },
        ("PATCH", _, Some("/symbol_uploads/{symbol_upload_id}")) => {
            |b| decode(b, |v: &types::SymbolUpload| format!("{:?}", v.status))
        }
        ("GET", _, Some("/errors/errorCountsPerDay")) => |b| {
            decode(b, |v: &types::ErrorCounts| {
                format!("count {:?}, {} days", v.count, v.errors.len())
            })
        },
        ("POST", _, Some("/test_runs/{test_run_id}/hashes/batch")) => |b| {
            decode(b, |v: &Vec<types::TestCloudFileHashResponse>| {
                format!(
                    "{:?}",
                    v.iter().map(|h| &h.relative_path).collect::<Vec<_>>()
                )
            })
        },
        ("POST", _, Some("/test_runs/{test_run_id}/start")) => |b| {
            decode(b, |v: &types::TestCloudStartTestRunResult| {
                format!("accepted {:?}", v.accepted_devices)
            })
        },
        ("GET", _, Some("/test_runs/{test_run_id}/state")) => |b| {
            decode(b, |v: &types::TestRunState| {
                format!("exit_code {:?} {:?}", v.exit_code, v.message)
            })
        },
        ("GET", _, Some("/deployments/{deployment_name}/releases")) => |b| {
            decode(b, |v: &Vec<types::CodePushRelease>| {
                format!("{} releases", v.len())
            })
        },
        ("GET", _, Some("/deployments/{deployment_name}/metrics")) => |b| {
            decode(b, |v: &Vec<types::CodePushReleaseMetric>| {
                format!("{} labels", v.len())
            })
        },
        _ => return None,
    };
    Some(decoder)
}

/// Why an answer that failed to decode is not held against the crate, if it is not.
fn skip_reason(body: &Value, error: &serde_json::Error) -> Option<String> {
    let text = body.to_string();
    let placeholder = [
        "{ID}",
        "{PACKAGE_ASSET_ID}",
        "{TOKEN}",
        "\"<id>\"",
        "SOME_TOKEN",
    ]
    .iter()
    .find(|p| text.contains(*p));
    if let Some(placeholder) = placeholder {
        return Some(format!("placeholder value {placeholder} ({error})"));
    }
    let message = error.to_string();
    if message.contains("UUID") || message.contains("uuid") {
        return Some(format!(
            "an id that is not a UUID, mangled by its author ({message})"
        ));
    }
    None
}

#[derive(Default)]
struct Tally {
    decoded: Vec<String>,
    skipped: Vec<String>,
    failed: Vec<String>,
    not_checked: Vec<String>,
}

/// Answers a call with an error sample; what the caller gets must be an `ApiError` with a
/// message or a code.
async fn read_error(server: &MockServer, status: u16, body: &Value) -> Result<String, String> {
    server.reset().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
    let client = appcenter::Client::builder("corpus-token")
        .base_url(server.uri())
        .retry(appcenter::RetryPolicy::none())
        .build()
        .unwrap();
    let error: appcenter::Error = client
        .apps_get()
        .owner_name("o")
        .app_name("a")
        .send()
        .await
        .err()
        .ok_or("the error answer was taken for a success")?;
    let api = error
        .api()
        .ok_or_else(|| format!("not an ApiError: {error}"))?;
    if api.code.is_none() && api.message.is_none() {
        return Err(format!("neither code nor message read: {api:?}"));
    }
    Ok(format!(
        "{} code {:?} message {:?} correlation id {:?}",
        api.status, api.code, api.message, api.correlation_id
    ))
}

#[tokio::test]
#[ignore = "reads a corpus outside the repository; run scripts/check-corpus.sh"]
async fn recorded_answers_decode_into_the_generated_types() {
    let server = MockServer::start().await;
    let dir = PathBuf::from(
        std::env::var("APPCENTER_CORPUS")
            .expect("APPCENTER_CORPUS names the folder of recorded answers"),
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut by_label: BTreeMap<String, Tally> = BTreeMap::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let sample: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let label = sample["live_or_invented"]
            .as_str()
            .unwrap_or("?")
            .to_string();
        let tally = by_label.entry(label).or_default();
        let method = sample["method"].as_str().unwrap_or_default();
        let template = sample["path_template"].as_str().unwrap_or_default();
        let status = sample["status"].as_u64();
        let error_sample =
            status.is_some_and(|s| s >= 400) || (status.is_none() && name.contains("error"));
        if error_sample {
            // The status, where the source does not show it: a 400 (the body says the rest).
            let status = status.unwrap_or(400) as u16;
            match read_error(&server, status, &sample["body"]).await {
                Ok(read) => tally.decoded.push(format!("{name} (error): {read}")),
                Err(why) => tally.failed.push(format!("{name} (error): {why}")),
            }
            continue;
        }
        if template.starts_with("{upload_domain}") {
            tally.not_checked.push(format!(
                "{name}: upload domain, no generated type (src/upload/protocol.rs reads it)"
            ));
            continue;
        }
        let Some(decoder) = decoder(method, template) else {
            tally
                .failed
                .push(format!("{name}: no decoder for {method} {template}"));
            continue;
        };
        let body = sample["body"].clone();
        match decoder(body.clone()) {
            Ok(read) => tally.decoded.push(format!("{name}: {read}")),
            Err(error) => match skip_reason(&body, &error) {
                Some(why) => tally.skipped.push(format!("{name}: {why}")),
                None => tally.failed.push(format!("{name}: {error}")),
            },
        }
    }

    let mut must_pass_failures = Vec::new();
    for (label, tally) in &by_label {
        println!(
            "\n== {label}: {} decoded or read, {} skipped, {} failed, {} not checked",
            tally.decoded.len(),
            tally.skipped.len(),
            tally.failed.len(),
            tally.not_checked.len()
        );
        for (kind, lines) in [
            ("decoded", &tally.decoded),
            ("SKIPPED", &tally.skipped),
            ("FAILED", &tally.failed),
            ("not checked", &tally.not_checked),
        ] {
            for line in lines {
                println!("  {kind}: {line}");
            }
        }
        if label == "live" || label == "likely-live" {
            must_pass_failures.extend(tally.failed.iter().cloned());
        }
    }
    assert!(
        must_pass_failures.is_empty(),
        "live or likely-live answers that do not decode: {must_pass_failures:#?}"
    );
}
