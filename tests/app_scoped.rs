//! `AppClient` has one method per generated operation whose path has both `{owner_name}` and
//! `{app_name}`: none is silently missed, whatever the feature set.

use std::collections::BTreeSet;

/// Operation ids (= `Client` method names) whose URL is built from both `owner_name` and
/// `app_name`, read from the request building and `send` of the generated builders.
fn operations_with_both_path_parameters() -> BTreeSet<String> {
    let code = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/appcenter.rs")).unwrap();
    let mut ids = BTreeSet::new();
    // One chunk per builder: its request building, then the `send` that names the operation
    // (and, on paged builders, `page_target`).
    for chunk in code.split("fn request_generated(").skip(1) {
        let url_at = chunk.find("let url = ").unwrap();
        let args = &chunk[url_at..url_at + chunk[url_at..].find(';').unwrap()];
        let id_at = chunk.find("Operation::new(").unwrap();
        let id_at = id_at + chunk[id_at..].find('"').unwrap() + 1;
        let id = &chunk[id_at..id_at + chunk[id_at..].find('"').unwrap()];
        if args.contains("owner_name") && args.contains("app_name") {
            ids.insert(id.to_string());
        }
    }
    ids
}

/// The methods of the generated `impl AppClient`.
fn app_client_methods() -> BTreeSet<String> {
    let code = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/app_scoped.rs")).unwrap();
    code.split("pub fn ")
        .skip(1)
        .map(|rest| rest[..rest.find('(').unwrap()].to_string())
        .collect()
}

#[test]
fn every_operation_on_an_app_is_an_app_client_method() {
    let operations = operations_with_both_path_parameters();
    let methods = app_client_methods();
    assert_eq!(methods, operations);
    if cfg!(feature = "distribute") {
        assert!(methods.contains("releases_list"));
        assert!(methods.len() >= 40, "{}", methods.len());
    }
    // Operations without `{owner_name}` stay off the handle.
    assert!(!methods.contains("users_get"));
    assert!(!methods.contains("distribution_groups_get_for_org"));
}

#[cfg(feature = "all-areas")]
#[path = "../openapi/pipeline/exclusions.rs"]
#[allow(dead_code)]
mod exclusions;

/// With every area on, the count is the upstream spec's plus the supplement's, minus the
/// operations the pipeline excludes: an independent count that does not read generated code.
#[cfg(feature = "all-areas")]
#[test]
fn with_every_area_the_handle_has_every_app_operation_of_the_spec() {
    let read = |file: &str| -> serde_json::Value {
        let path = format!("{}/openapi/{file}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    // The published description, plus the operations it leaves out (`supplement.openapi.json`).
    let specs = [
        read("bifrost.swagger.before.json"),
        read("supplement.openapi.json"),
    ];
    let mut expected = 0;
    for (path, item) in specs.iter().flat_map(|s| s["paths"].as_object().unwrap()) {
        for (method, op) in item.as_object().unwrap() {
            let is_operation = ["get", "put", "post", "delete", "patch", "head", "options"]
                .contains(&method.as_str());
            if is_operation
                && path.contains("{owner_name}")
                && path.contains("{app_name}")
                && !exclusions::is_excluded(op["operationId"].as_str().unwrap())
            {
                expected += 1;
            }
        }
    }
    assert_eq!(app_client_methods().len(), expected);
    assert_eq!(expected, 268 + 5);
}
