//! Cargo features select API areas: one feature per tag of the spec. Operations of disabled tags
//! are removed before generation, then every schema no remaining operation reaches, so
//! `default-features = false, features = ["distribute"]` compiles only what that area needs.
//!
//! Schemas that no operation reaches are left out even with every feature on: in the upstream
//! file they are mostly named twins of inline schemas that differ only in a description (480 of
//! 849); generating them too added 60% more code (192k lines instead of 119k) and more type-name
//! clashes, for types no call returns or takes.

use std::collections::BTreeSet;

use serde_json::Value;

use super::walk::{HTTP_METHODS, schema_refs, schemas_mut};

/// The spec's tags; each is a cargo feature of the same name.
pub const TAGS: &[&str] = &[
    "account",
    "distribute",
    "analytics",
    "test",
    "crash",
    "errors",
    "build",
    "codepush",
    "push",
    "export",
    "gdpr",
    "alerting",
    "mbaas",
    "billing",
];

/// Operations an area's hand-written workflow needs although the spec files them under another
/// tag: kept whenever that area is enabled. (operationId, area, why.)
pub const ALSO_IN: &[(&str, &str, &str)] = &[(
    "distributionGroups_get",
    "distribute",
    "the release upload resolves group names to ids; the spec tags it `account`",
)];

/// The tags whose cargo feature is enabled for this build (read from `CARGO_FEATURE_*`).
pub fn enabled_tags() -> Vec<&'static str> {
    TAGS.iter()
        .copied()
        .filter(|tag| std::env::var_os(format!("CARGO_FEATURE_{}", tag.to_uppercase())).is_some())
        .collect()
}

/// Keeps the operations with an enabled tag, then the schemas they reach (plus `always_keep`,
/// used by the hand-written layer whatever the features). Returns (operations, schemas) removed.
pub fn retain_enabled_tags(
    spec: &mut Value,
    enabled: &[&str],
    always_keep: &[&str],
) -> (usize, usize) {
    let mut removed_ops = 0;
    if let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            item.retain(|key, op| {
                if !HTTP_METHODS.contains(&key.as_str()) {
                    return true;
                }
                let needed_by_enabled_area = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .is_some_and(|id| {
                        ALSO_IN
                            .iter()
                            .any(|(op, area, _)| *op == id && enabled.contains(area))
                    });
                let keep = needed_by_enabled_area
                    || op
                        .get("tags")
                        .and_then(Value::as_array)
                        .is_some_and(|tags| {
                            tags.iter()
                                .any(|t| t.as_str().is_some_and(|t| enabled.contains(&t)))
                        });
                removed_ops += usize::from(!keep);
                keep
            });
        }
        paths.retain(|_, item| {
            item.as_object()
                .is_some_and(|i| i.keys().any(|k| HTTP_METHODS.contains(&k.as_str())))
        });
    }

    // Schemas reachable from the remaining paths, following `$ref`s through the schemas.
    let mut pending = Vec::new();
    schema_refs(spec.get("paths").unwrap_or(&Value::Null), &mut pending);
    pending.extend(always_keep.iter().map(|s| s.to_string()));
    let schemas = schemas_mut(spec);
    let mut reached = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if reached.insert(name.clone())
            && let Some(schema) = schemas.get(&name)
        {
            schema_refs(schema, &mut pending);
        }
    }
    let before = schemas.len();
    schemas.retain(|name, _| reached.contains(name));
    (removed_ops, before - schemas.len())
}
