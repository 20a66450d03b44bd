//! Merges `openapi/supplement.openapi.json` into the mended spec: operations App Center serves
//! but its published description leaves out (the release-upload endpoints the official CLI calls
//! by hand, a distribution group's public releases, externally hosted releases), so they are
//! typed and generated like the rest. Supplement operations may refer to the spec's own schemas
//! (as mended by the fix-ups); the supplement's own answer schemas are written to the rule of
//! `fixups::answers_may_omit_non_identity_fields` (only what every recorded answer has is
//! required).
//!
//! Runs after the fix-ups (their counts describe the upstream file alone) and before the area
//! features, so the supplement's operations follow their tag like any other. The rules keep the
//! supplement from silently changing the upstream API:
//! - a path and method the spec already has is an error (the supplement only adds);
//! - an `operationId` the spec already has is an error;
//! - a schema name the spec already has is replaced only if no part of the spec refers to it
//!   (the upstream keeps these bodies as unused definitions; the supplement gives them a use);
//! - each operation gets the same `4XX`/`5XX` error answer as every other
//!   (`fixups::ERROR_SCHEMA`).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::fixups::ERROR_SCHEMA;
use super::walk::{HTTP_METHODS, schema_refs, schemas_mut};

/// What the merge added.
#[derive(Debug, Default)]
pub struct Merged {
    /// Operation ids added.
    pub operations: Vec<String>,
    /// Schemas added under a new name.
    pub schemas_added: usize,
    /// Unused upstream definitions replaced by the supplement's version.
    pub schemas_replaced: usize,
}

/// Merges `supplement` (an OpenAPI 3.0 document) into `spec`.
pub fn merge(spec: &mut Value, supplement: &Value) -> Result<Merged, String> {
    let mut merged = Merged::default();
    let existing_ids = operation_ids(spec);

    // Schemas first: the spec's references are collected before the supplement adds its own.
    let mut referenced = Vec::new();
    schema_refs(spec, &mut referenced);
    let referenced: BTreeSet<String> = referenced.into_iter().collect();
    let empty = serde_json::Map::new();
    let new_schemas = supplement
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let schemas = schemas_mut(spec);
    for (name, schema) in new_schemas {
        if schemas.contains_key(name) {
            if referenced.contains(name) {
                return Err(format!(
                    "supplement schema `{name}` would replace a schema the spec uses; rename it"
                ));
            }
            merged.schemas_replaced += 1;
        } else {
            merged.schemas_added += 1;
        }
        schemas.insert(name.clone(), schema.clone());
    }

    let new_paths = supplement
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the supplement has no paths")?;
    let paths = spec
        .get_mut("paths")
        .and_then(Value::as_object_mut)
        .ok_or("the spec has no paths")?;
    for (path, item) in new_paths {
        let item = item
            .as_object()
            .ok_or_else(|| format!("supplement path {path} is not an object"))?;
        let target = paths
            .entry(path.clone())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| format!("spec path {path} is not an object"))?;
        for (method, op) in item {
            if !HTTP_METHODS.contains(&method.as_str()) {
                return Err(format!(
                    "supplement path {path}: only operations are merged, not `{method}`"
                ));
            }
            if target.contains_key(method) {
                return Err(format!(
                    "supplement {} {path} is already in the spec",
                    method.to_uppercase()
                ));
            }
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("supplement {method} {path} has no operationId"))?;
            if existing_ids.contains(id) || merged.operations.iter().any(|o| o == id) {
                return Err(format!("supplement operationId `{id}` is already in use"));
            }
            let mut op = op.clone();
            let responses = op
                .get_mut("responses")
                .and_then(Value::as_object_mut)
                .ok_or_else(|| format!("supplement operation `{id}` has no responses"))?;
            let error = json!({
                "description": "An App Center error (normalised by the client)",
                "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{ERROR_SCHEMA}") } } }
            });
            responses.insert("4XX".into(), error.clone());
            responses.insert("5XX".into(), error);
            target.insert(method.clone(), op);
            merged.operations.push(id.to_string());
        }
    }
    Ok(merged)
}

fn operation_ids(spec: &Value) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for item in spec
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.values())
    {
        for (method, op) in item.as_object().into_iter().flatten() {
            if HTTP_METHODS.contains(&method.as_str())
                && let Some(id) = op.get("operationId").and_then(Value::as_str)
            {
                ids.insert(id.to_string());
            }
        }
    }
    ids
}
