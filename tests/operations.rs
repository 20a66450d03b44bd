//! Every operation of the upstream spec is a client method, except those on the pipeline's
//! explicit exclusion list, plus the operations of our supplement (`openapi/supplement.openapi.json`):
//! a refreshed spec cannot lose operations unnoticed.
#![cfg(feature = "all-areas")]

use std::collections::BTreeSet;

#[path = "../openapi/pipeline/exclusions.rs"]
#[allow(dead_code)]
mod exclusions;

// The step that builds each operation's URL by concatenation, as `build.rs` runs it.
#[path = "../openapi/pipeline/url_concat.rs"]
mod url_concat;

/// Operation ids of the upstream Swagger 2.0 file, as published.
fn upstream_operation_ids() -> BTreeSet<String> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/openapi/bifrost.swagger.before.json"
    ))
    .unwrap();
    let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut ids = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "put", "post", "delete", "options", "head", "patch"]
                .contains(&method.as_str())
            {
                assert!(
                    ids.insert(key(op["operationId"].as_str().unwrap())),
                    "duplicate operationId"
                );
            }
        }
    }
    ids
}

/// Operation ids of our supplementary document (merged by `openapi/pipeline/supplement.rs`).
fn supplement_operation_ids() -> BTreeSet<String> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/openapi/supplement.openapi.json"
    ))
    .unwrap();
    let spec: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut ids = BTreeSet::new();
    for item in spec["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            ids.insert(key(op["operationId"].as_str().unwrap()));
        }
    }
    ids
}

/// Operation ids the generated client sends (each `send` names its operation).
/// progenitor snake-cases them, so both sides are compared by [`key`].
fn generated_operation_ids() -> Vec<String> {
    let code = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/appcenter.rs")).unwrap();
    code.split("pub fn send(")
        .skip(1)
        .map(|send| {
            key(send
                .split("Operation::new(")
                .nth(1)
                .unwrap()
                .split('"')
                .nth(1)
                .unwrap())
        })
        .collect()
}

/// An operation id without case and underscores: `appInvitations_accept` and
/// `app_invitations_accept` are the same operation.
fn key(id: &str) -> String {
    id.chars()
        .filter(|c| *c != '_')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[test]
fn generated_operations_are_the_spec_minus_the_exclusion_list() {
    let upstream = upstream_operation_ids();
    assert_eq!(upstream.len(), 366, "the vendored spec has 366 operations");
    let excluded: BTreeSet<String> = exclusions::EXCLUDED
        .iter()
        .map(|e| key(e.operation_id))
        .collect();
    assert_eq!(
        excluded.len(),
        exclusions::EXCLUDED.len(),
        "an operation is excluded twice"
    );
    for id in &excluded {
        assert!(
            upstream.contains(id),
            "the exclusion list names {id}, which the spec does not have"
        );
    }
    for e in exclusions::EXCLUDED {
        assert!(
            e.reason.len() > 20,
            "{} is excluded without a real reason",
            e.operation_id
        );
    }

    let generated = generated_operation_ids();
    let generated_set: BTreeSet<String> = generated.iter().cloned().collect();
    assert_eq!(
        generated.len(),
        generated_set.len(),
        "an operation is generated twice"
    );

    let supplement = supplement_operation_ids();
    assert!(
        supplement.is_disjoint(&upstream),
        "the supplement redefines an upstream operation"
    );
    let mut expected: BTreeSet<String> = upstream.difference(&excluded).cloned().collect();
    expected.extend(supplement.iter().cloned());
    let missing: Vec<_> = expected.difference(&generated_set).collect();
    let extra: Vec<_> = generated_set.difference(&expected).collect();
    assert!(
        missing.is_empty(),
        "operations of the spec not generated: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "generated operations not in the spec: {extra:?}"
    );
    assert_eq!(
        generated.len(),
        upstream.len() - excluded.len() + supplement.len()
    );
}

/// Runs the `url_concat` step on `code`: the code it leaves, and its counts.
fn concatenated(code: &str) -> Result<(String, url_concat::Concatenated), String> {
    let mut file: syn::File = syn::parse_str(code).unwrap();
    let done = url_concat::apply(&mut file)?;
    Ok((quote::quote!(#file).to_string(), done))
}

/// The step lays the URL's text and arguments end to end in their order, arguments (the checked
/// path segments included) as they were.
#[test]
fn url_concat_keeps_every_piece_in_order() {
    let (code, done) = concatenated(
        r#"impl B { fn send(self) {
            let url = format!("{}/v0.1/apps/{}/{}", client.baseurl, encode(&a)?, b,);
        } }"#,
    )
    .unwrap();
    assert_eq!((done.urls, done.operations), (1, 1));
    let want = quote::quote!(
        [
            &*(client.baseurl),
            "/v0.1/apps/",
            &*(encode(&a)?),
            "/",
            &*(b)
        ]
        .concat()
    )
    .to_string();
    assert!(code.contains(&want), "{code}");
}

/// Another shape of URL, or an operation without one, fails the build instead of passing.
#[test]
fn url_concat_refuses_other_shapes_and_counts() {
    let other = r#"impl B { fn send(self) { let url = format!("{}/{x}", client.baseurl); } }"#;
    assert!(concatenated(other).unwrap_err().contains("placeholders"));
    let missing = r#"impl B { fn send(self) { let url = client.baseurl.clone(); } }"#;
    assert!(
        concatenated(missing)
            .unwrap_err()
            .contains("one URL per operation")
    );
}
