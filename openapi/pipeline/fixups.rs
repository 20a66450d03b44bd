//! Named fix-ups of the App Center spec, each mending one defect that would make progenitor panic,
//! refuse the spec, or (worst) compile wrong types. The numbers behind each defect are in the
//! `expected` counts below (measured when the fix-ups were written).
//!
//! Every fix-up returns how many places it changed and [`apply_all`] compares that with the count
//! recorded here: a refreshed spec that changes a count fails the build with a message naming the
//! fix-up, so each change of the upstream file is looked at rather than silently absorbed.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::exclusions;
use super::walk::{HTTP_METHODS, for_each_operation, schema_refs, schemas_mut, visit_objects_mut};

/// The schema every 4xx/5xx answer decodes into. The client's `exec` hook (src/client.rs)
/// rewrites each error body the service sends (several JSON shapes, HTML, empty) into this shape,
/// so error decoding cannot fail and nothing of the original is lost.
pub const ERROR_SCHEMA: &str = "AppCenterErrorBody";

/// One named fix-up.
pub struct Fixup {
    /// A name that says what it does.
    pub name: &'static str,
    /// How many places it is expected to change in the vendored spec.
    pub expected: usize,
    /// The fix-up itself; returns the number of places it changed.
    pub apply: fn(&mut Value) -> usize,
}

/// The fix-ups, in the order they run.
pub const FIXUPS: &[Fixup] = &[
    Fixup {
        name: "drop_excluded_operations",
        expected: 13,
        apply: drop_excluded_operations,
    },
    Fixup {
        name: "keep_json_request_body",
        expected: 1,
        apply: keep_json_request_body,
    },
    Fixup {
        name: "file_format_as_binary",
        expected: 2,
        apply: file_format_as_binary,
    },
    Fixup {
        name: "csv_download_as_bytes",
        expected: 1,
        apply: csv_download_as_bytes,
    },
    Fixup {
        name: "file_download_as_bytes",
        expected: 1,
        apply: file_download_as_bytes,
    },
    Fixup {
        name: "pipe_delimited_as_list",
        expected: 18,
        apply: pipe_delimited_as_list,
    },
    Fixup {
        name: "uniform_error_responses",
        expected: 353,
        apply: uniform_error_responses,
    },
    Fixup {
        name: "keep_json_response_media",
        expected: 4,
        apply: keep_json_response_media,
    },
    Fixup {
        name: "single_success_response",
        expected: 1,
        apply: single_success_response,
    },
    Fixup {
        name: "ref_inline_copies_of_definitions",
        expected: 759,
        apply: ref_inline_copies_of_definitions,
    },
    Fixup {
        name: "polymorphic_subtype_fields_on_base",
        expected: 11,
        apply: polymorphic_subtype_fields_on_base,
    },
    Fixup {
        name: "name_error_group_state_enum",
        expected: 1,
        apply: name_error_group_state_enum,
    },
    Fixup {
        name: "open_response_enums",
        expected: 83,
        apply: open_response_enums,
    },
    Fixup {
        name: "answers_may_omit_non_identity_fields",
        expected: 263,
        apply: answers_may_omit_non_identity_fields,
    },
];

/// Runs every fix-up in order; fails when one changes a different number of places than expected.
pub fn apply_all(spec: &mut Value) -> Result<Vec<(&'static str, usize)>, String> {
    apply(spec, FIXUPS)
}

/// Runs `fixups` in order (another spec's list, see `specs.rs`); fails like [`apply_all`].
pub fn apply(spec: &mut Value, fixups: &[Fixup]) -> Result<Vec<(&'static str, usize)>, String> {
    let mut report = Vec::new();
    for fixup in fixups {
        let changed = (fixup.apply)(spec);
        if changed != fixup.expected {
            return Err(format!(
                "spec fix-up `{}` changed {changed} places where {} were expected: the spec has \
                 changed; review the fix-up in openapi/pipeline/fixups.rs and update its count",
                fixup.name, fixup.expected
            ));
        }
        report.push((fixup.name, changed));
    }
    Ok(report)
}

/// Removes the operations on the exclusion list (`exclusions.rs`), and path items left empty.
fn drop_excluded_operations(spec: &mut Value) -> usize {
    let mut dropped = 0;
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return 0;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        item.retain(|_, op| {
            let excluded = op
                .get("operationId")
                .and_then(Value::as_str)
                .is_some_and(exclusions::is_excluded);
            dropped += usize::from(excluded);
            !excluded
        });
    }
    paths.retain(|_, item| {
        item.as_object().is_some_and(|item| {
            item.keys()
                .any(|k| super::walk::HTTP_METHODS.contains(&k.as_str()))
        })
    });
    dropped
}

/// `data_postResourceProvisioning` declares four media types for one body; progenitor panics on
/// more than one. Keep `application/json`, which is what the service takes.
fn keep_json_request_body(spec: &mut Value) -> usize {
    let mut changed = 0;
    for_each_operation(spec, |_, _, op| {
        let Some(content) = op.get_mut("requestBody").and_then(|b| b.get_mut("content")) else {
            return;
        };
        let Some(content) = content.as_object_mut() else {
            return;
        };
        if content.len() > 1 && content.contains_key("application/json") {
            content.retain(|media, _| media == "application/json");
            changed += 1;
        }
    });
    changed
}

/// `{type: object, format: file}` (Swagger 2.0's file type, in the `ErrorDownload` definition and
/// one response of `Errors_ErrorDownload`) makes typify panic. A download is bytes: `string`/`binary`.
fn file_format_as_binary(spec: &mut Value) -> usize {
    let mut changed = 0;
    visit_objects_mut(spec, &mut |node| {
        if node.get("format").and_then(Value::as_str) == Some("file") {
            node.insert("type".into(), json!("string"));
            node.insert("format".into(), json!("binary"));
            changed += 1;
        }
        true
    });
    changed
}

/// `devices_listCsvFormat` produces `text/csv` with no schema, so progenitor returns `()` and the
/// CSV is dropped. Declare the body as binary so the method returns a byte stream.
fn csv_download_as_bytes(spec: &mut Value) -> usize {
    let mut changed = 0;
    for_each_operation(spec, |_, _, op| {
        if op.get("operationId").and_then(Value::as_str) != Some("devices_listCsvFormat") {
            return;
        }
        if let Some(ok) = op.get_mut("responses").and_then(|r| r.get_mut("200")) {
            ok["content"] =
                json!({ "text/csv": { "schema": { "type": "string", "format": "binary" } } });
            changed += 1;
        }
    });
    changed
}

/// `Errors_ErrorDownload` answers the error's log as a file (`format=json` or `txt`), declared as
/// Swagger's file type under `application/json`: after [`file_format_as_binary`] progenitor would
/// decode that JSON into a `String` and fail on any real log. Declare the answer as
/// `application/octet-stream` so the method returns the bytes as a stream, whatever the format.
fn file_download_as_bytes(spec: &mut Value) -> usize {
    let mut changed = 0;
    for_each_operation(spec, |_, _, op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return;
        };
        for (code, response) in responses.iter_mut() {
            let binary = response
                .pointer("/content/application~1json/schema/format")
                .and_then(Value::as_str)
                == Some("binary");
            if code.starts_with('2') && binary {
                response["content"] = json!({
                    "application/octet-stream": { "schema": { "type": "string", "format": "binary" } }
                });
                changed += 1;
            }
        }
    });
    changed
}

/// The schema every pipe-delimited query parameter refers to; `generate.rs` replaces it by the
/// hand-written `appcenter::PipeDelimited` (src/pipe_delimited.rs).
pub const PIPE_DELIMITED_SCHEMA: &str = "PipeDelimited";

/// `collectionFormat: pipes` (OpenAPI 3 `style: pipeDelimited`) is unsupported by progenitor, which
/// refuses the spec. Point each such parameter at the named schema [`PIPE_DELIMITED_SCHEMA`] (a
/// string on the wire), which generation replaces by the hand-written list type that joins its
/// values with `|`: callers pass a list. Touches the `versions` parameter of 17
/// `Analytics_*`/`Errors_*` operations and `event_name` of `Analytics_Events`.
fn pipe_delimited_as_list(spec: &mut Value) -> usize {
    let mut changed = 0;
    for_each_operation(spec, |_, _, op| {
        let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
            return;
        };
        for param in params {
            let Some(param) = param.as_object_mut() else {
                continue;
            };
            if param.get("style").and_then(Value::as_str) != Some("pipeDelimited") {
                continue;
            }
            param.remove("style");
            param.remove("explode");
            param.insert(
                "schema".into(),
                json!({ "$ref": format!("#/components/schemas/{PIPE_DELIMITED_SCHEMA}") }),
            );
            changed += 1;
        }
    });
    if changed > 0 {
        schemas_mut(spec).insert(
            PIPE_DELIMITED_SCHEMA.into(),
            json!({
                "type": "string",
                "description": "A list of values sent as one query value joined with `|`."
            }),
        );
    }
    changed
}

/// Error responses are the spec's worst defect: 249 operations list a `default` response beside
/// their 2xx (progenitor takes `default` as both success and error: a panic on 108 operations,
/// wrong types on others); each inline error schema gets the same generated name as the success
/// schema, so 192 operations would return the *error* type on success; 8 operations have several
/// error schemas (a panic). And the service answers errors in shapes the spec does not list.
///
/// Every operation gets exactly two error responses, `4XX` and `5XX`, both [`ERROR_SCHEMA`], and
/// loses `default` and every explicit 4xx/5xx. Touches every operation.
fn uniform_error_responses(spec: &mut Value) -> usize {
    let mut changed = 0;
    for_each_operation(spec, |_, _, op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return;
        };
        responses.retain(|code, _| code.starts_with('2'));
        assert!(!responses.is_empty(), "an operation has no 2xx response");
        let error = json!({
            "description": "An App Center error (normalised by the client)",
            "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{ERROR_SCHEMA}") } } }
        });
        responses.insert("4XX".into(), error.clone());
        responses.insert("5XX".into(), error);
        changed += 1;
    });
    schemas_mut(spec).insert(ERROR_SCHEMA.into(), error_schema());
    changed
}

/// The normalised error body (see [`ERROR_SCHEMA`]).
fn error_schema() -> Value {
    json!({
        "type": "object",
        "description": "An App Center error answer, normalised by the client from every shape the \
                        service sends: `{\"error\": {\"code\", \"message\"}}`, `{\"code\", \"message\"}`, \
                        `{\"message\"}`, the gateway's `{\"message\", \"statusCode\", \"code\"}`, HTML, or nothing.",
        "properties": {
            "status": { "type": "integer", "format": "uint16", "description": "The HTTP status of the answer." },
            "code": { "type": "string", "description": "The service's error code, where it sent one (e.g. `NotFound`)." },
            "message": { "type": "string", "description": "The service's message, where it sent one." },
            "correlation_id": { "type": "string", "description": "The correlation id the service reported, where present." },
            "raw": { "type": "string", "description": "The body as received (bounded in size), when it had no recognised shape." }
        },
        "required": ["status"]
    })
}

/// Some responses (`identity_getUsers`, `data_*`) list `text/plain` and `text/json` beside
/// `application/json`; progenitor supports one media type. Keep `application/json`.
fn keep_json_response_media(spec: &mut Value) -> usize {
    let mut changed = 0;
    for_each_operation(spec, |_, _, op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return;
        };
        for response in responses.values_mut() {
            let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
                continue;
            };
            if content.len() > 1 && content.contains_key("application/json") {
                content.retain(|media, _| media == "application/json");
                changed += 1;
            }
        }
    });
    changed
}

/// `deploymentReleases_update` answers 200 with JSON or 204 with nothing; progenitor needs one
/// success kind and panics otherwise. Keep the typed 200.
fn single_success_response(spec: &mut Value) -> usize {
    let mut changed = 0;
    for_each_operation(spec, |_, _, op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return;
        };
        let typed = responses
            .iter()
            .any(|(c, r)| c.starts_with('2') && r.get("content").is_some());
        let empty: Vec<String> = responses
            .iter()
            .filter(|(c, r)| c.starts_with('2') && r.get("content").is_none())
            .map(|(c, _)| c.clone())
            .collect();
        if typed && !empty.is_empty() {
            empty.iter().for_each(|c| {
                responses.remove(c);
            });
            changed += 1;
        }
    });
    changed
}

/// The upstream file is fully de-referenced: schemas appear inline as byte-identical copies of
/// named definitions (1,177 subtrees). progenitor would generate a type per copy (2.3 times the
/// code, names like `AppsListResponseItem`). Replace each inline copy of a definition by a `$ref`
/// to it (the first definition by name wins where several are identical), so operations return
/// the named types (`AppResponse`, ...). Definitions that are only a primitive type are left inline.
fn ref_inline_copies_of_definitions(spec: &mut Value) -> usize {
    let definitions: BTreeMap<String, String> = {
        let mut by_shape = BTreeMap::new();
        for (name, schema) in schemas_mut(spec).iter() {
            if is_structured(schema) {
                by_shape
                    .entry(schema.to_string())
                    .or_insert_with(|| name.clone());
            }
        }
        by_shape
    };
    let mut changed = 0;
    let mut replace = |node: &mut Map<String, Value>| {
        let as_value = Value::Object(std::mem::take(node));
        let key = as_value.to_string();
        let Value::Object(original) = as_value else {
            unreachable!()
        };
        match definitions.get(&key) {
            Some(name) => {
                *node = Map::from_iter([(
                    "$ref".to_string(),
                    json!(format!("#/components/schemas/{name}")),
                )]);
                changed += 1;
                false
            }
            None => {
                *node = original;
                true
            }
        }
    };
    if let Some(paths) = spec.get_mut("paths") {
        visit_objects_mut(paths, &mut replace);
    }
    // Inside definitions, replace copies below the root only: a definition stays a definition.
    for schema in schemas_mut(spec).values_mut() {
        if let Some(map) = schema.as_object_mut() {
            for child in map.values_mut() {
                visit_objects_mut(child, &mut replace);
            }
        }
    }
    changed
}

/// Whether a schema is worth a named type (has fields, variants or items), as opposed to a bare
/// `{"type": "string"}` that would match countless unrelated inline schemas.
fn is_structured(schema: &Value) -> bool {
    [
        "properties",
        "enum",
        "allOf",
        "items",
        "additionalProperties",
    ]
    .iter()
    .any(|k| schema.get(k).is_some())
}

/// `ErrorGroup` is `allOf: [ErrorGroupState, {...}]` and typify names the inline `state` enum it
/// merges in `ErrorGroupState`, the name of the definition itself: two types of one name, which
/// does not compile. Hoist the enum into its own definition, `ErrorGroupStateValue`.
fn name_error_group_state_enum(spec: &mut Value) -> usize {
    let schemas = schemas_mut(spec);
    let Some(state) = schemas
        .get_mut("ErrorGroupState")
        .and_then(|s| s.get_mut("properties"))
        .and_then(|p| p.get_mut("state"))
    else {
        return 0;
    };
    if state.get("enum").is_none() {
        return 0;
    }
    let inline = std::mem::replace(
        state,
        json!({ "$ref": "#/components/schemas/ErrorGroupStateValue" }),
    );
    schemas.insert("ErrorGroupStateValue".into(), inline);
    1
}

/// Tolerant decoding of answers, part 1: the service answers enum values the spec does not list
/// (a new OS, a new status), and a closed Rust enum would fail the whole answer on one of them.
/// Every string enum that only answers use (schemas reachable from 2xx responses and from no
/// request body or parameter, and enums inline in 2xx responses) becomes a plain string that keeps
/// whatever value was sent; its known values move into the description. Enums that requests use
/// stay closed, so what the crate sends stays strictly typed; that includes the 4 schemas with
/// enums shared by requests and answers (`CodePushRelease`, `ErrorGroupStateValue`,
/// `ErrorRetentionSettings`, `NotificationTarget`). Extra fields need no fix-up: the generated
/// structs ignore unknown fields (no schema sets `additionalProperties: false`).
fn open_response_enums(spec: &mut Value) -> usize {
    let mut changed = 0;
    for_each_response_only_schema(spec, &mut |node| {
        changed += usize::from(open_enum(node));
    });
    changed
}

/// Tolerant decoding of answers, part 2: the live service leaves out properties the spec marks
/// required (a release's `app_icon_url` and `release_notes`, a pending group member's everything
/// but `email`) and sends `null` where the spec declares no nullability (an app's `description`,
/// a release's `min_os`, a running test's `exit_code`). A required Rust field fails the whole
/// answer on either.
///
/// The rule: in every schema only answers use (as for [`open_response_enums`]), a required
/// property stays required only if it is the object's identity ([`is_identity`]: `id`, `name`
/// and `<thing>_id`, what the API addresses objects by; or the discriminator of a polymorphic
/// type, which says what the object is); every other one becomes optional. An
/// optional scalar or object is generated as `Option<T>`, which decodes both absent and `null` as
/// `None`; an optional list or map is generated as a `Vec`/map that is empty when absent, and
/// when `null` (the generation step `null_lists.rs`). Requests are untouched: what the crate sends
/// keeps every required field required.
///
/// What it trades: ergonomics for tolerance. Callers write `release.version.as_deref()` instead
/// of `&release.version`, and cannot tell "the service left it out" from "it is null" (neither
/// carries a value). In return no answer fails as a whole because one field the caller may never
/// read is missing or `null`, and nothing is invented: defaulting a missing `exit_code` to 0 would
/// report a running test as passed. Returns the properties made optional.
fn answers_may_omit_non_identity_fields(spec: &mut Value) -> usize {
    let mut changed = 0;
    for_each_response_only_schema(spec, &mut |node| {
        changed += relax_required(node);
    });
    changed
}

/// Whether a property is an object's identity: what App Center's paths and other objects
/// address it by. `id`, `name` (`/apps/{owner_name}/{app_name}`, `/distribution_groups/{name}`)
/// and the `<thing>_id`s (`crash_group_id`, `symbol_upload_id`, and camelCase `errorGroupId`).
pub fn is_identity(property: &str) -> bool {
    property == "id" || property == "name" || property.ends_with("_id") || property.ends_with("Id")
}

/// Keeps only identity properties in `required`; returns how many were removed.
fn relax_required(node: &mut Map<String, Value>) -> usize {
    let discriminator = node
        .get("discriminator")
        .and_then(|d| d.get("propertyName"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let Some(Value::Array(required)) = node.get_mut("required") else {
        return 0;
    };
    let before = required.len();
    required.retain(|name| {
        name.as_str()
            .is_some_and(|n| is_identity(n) || Some(n) == discriminator.as_deref())
    });
    let removed = before - required.len();
    if required.is_empty() {
        node.remove("required");
    }
    removed
}

/// Replaces a closed string enum by a string that documents the known values.
fn open_enum(node: &mut Map<String, Value>) -> bool {
    let Some(Value::Array(values)) = node.get("enum") else {
        return false;
    };
    let is_string = node.get("type").is_none_or(|t| t == "string");
    if !is_string || !values.iter().all(Value::is_string) {
        return false;
    }
    let known: Vec<String> = values
        .iter()
        .filter_map(Value::as_str)
        .map(|v| format!("`{v}`"))
        .collect();
    let description = node
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim_end()
        .to_string();
    let note = format!(
        "Known values: {}. Any other value the service sends is kept as is.",
        known.join(", ")
    );
    node.remove("enum");
    node.insert("type".into(), json!("string"));
    node.insert(
        "description".into(),
        json!(if description.is_empty() {
            note
        } else {
            format!("{description}\n\n{note}")
        }),
    );
    true
}

/// Calls `f` on every object inside the schemas only answers use: named schemas reachable from a
/// 2xx response and from no request body or parameter, and the inline schemas of 2xx responses.
fn for_each_response_only_schema(spec: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    let (requests, responses) = request_and_response_schemas(spec);
    let schemas = schemas_mut(spec);
    for name in responses.difference(&requests) {
        if let Some(schema) = schemas.get_mut(name) {
            visit_objects_mut(schema, &mut |node| {
                f(node);
                true
            });
        }
    }
    for_each_operation(spec, |_, _, op| {
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return;
        };
        for (_, response) in responses
            .iter_mut()
            .filter(|(code, _)| code.starts_with('2'))
        {
            visit_objects_mut(response, &mut |node| {
                f(node);
                true
            });
        }
    });
}

/// The named schemas requests use (bodies and parameters), and those 2xx answers use, each
/// closed over `$ref`s.
fn request_and_response_schemas(spec: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut requests = Vec::new();
    let mut responses = Vec::new();
    let paths = spec.get("paths").and_then(Value::as_object);
    for item in paths.into_iter().flat_map(|p| p.values()) {
        let Some(item) = item.as_object() else {
            continue;
        };
        if let Some(shared) = item.get("parameters") {
            schema_refs(shared, &mut requests);
        }
        for (method, op) in item {
            if !HTTP_METHODS.contains(&method.as_str()) {
                continue;
            }
            for key in ["parameters", "requestBody"] {
                if let Some(part) = op.get(key) {
                    schema_refs(part, &mut requests);
                }
            }
            if let Some(body) = op
                .pointer("/requestBody/$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/requestBodies/"))
                .and_then(|name| spec.pointer(&format!("/components/requestBodies/{name}")))
            {
                schema_refs(body, &mut requests);
            }
            let ok = op.get("responses").and_then(Value::as_object);
            for (_, response) in ok.into_iter().flatten().filter(|(c, _)| c.starts_with('2')) {
                schema_refs(response, &mut responses);
            }
        }
    }
    (closure(spec, requests), closure(spec, responses))
}

/// `roots` and every named schema they reach through `$ref`s.
fn closure(spec: &Value, mut pending: Vec<String>) -> BTreeSet<String> {
    let schemas = spec.pointer("/components/schemas");
    let mut seen = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if seen.insert(name.clone())
            && let Some(schema) = schemas.and_then(|s| s.get(&name))
        {
            schema_refs(schema, &mut pending);
        }
    }
    seen
}

/// Swagger 2.0 polymorphism (`discriminator` on a base, subtypes `allOf: [base, {...}]` with an
/// `x-ms-discriminator-value`): export configurations, push configurations and notification
/// targets, alerting bug-tracker settings, log containers and their custom properties, shared
/// connections. Operations name only the base, so the generated type has only the base's fields:
/// subtype fields could be neither sent nor read.
///
/// Add every subtype's fields (of direct subtypes and of their subtypes, see [`subtypes_of`]) to
/// its base as optional fields (documented with the discriminator
/// value they belong to), and add the subtypes' discriminator values to the base's enum where
/// it lacks them. A field that two subtypes declare differently becomes untyped JSON
/// (`serde_json::Value`). This rather than `oneOf` variants, because the spec's subtypes do not
/// make a sound tagged union: several share one discriminator value (three `apple` shared
/// connections, the log families), and some values are missing from the base's own enum
/// (`export_blob_configuration`, `apns_config`): a tagged enum would refuse real answers or, as
/// typify's untagged fallback, silently pick the wrong variant. Returns the bases changed.
///
/// First, inline copies of a base outside the definitions (the export configuration body under
/// `components/requestBodies`, which [`ref_inline_copies_of_definitions`] does not visit) become
/// `$ref`s to it, so they get the subtype fields too; they count as changed places.
fn polymorphic_subtype_fields_on_base(spec: &mut Value) -> usize {
    let mut changed = ref_inline_polymorphic_bases(spec);
    let schemas = schemas_mut(spec);
    let snapshot = schemas.clone();
    for (base_name, base) in schemas.iter_mut() {
        let Some(tag) = base
            .pointer("/discriminator/propertyName")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            continue;
        };
        let subtypes = subtypes_of(&snapshot, base_name);
        if subtypes.is_empty() {
            continue;
        }
        let Some(properties) = base.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        let own: BTreeSet<String> = properties.keys().cloned().collect();
        let mut added: BTreeMap<String, Value> = BTreeMap::new();
        let mut values = Vec::new();
        for (subtype_name, subtype) in &subtypes {
            let value = subtype
                .get("x-ms-discriminator-value")
                .and_then(Value::as_str)
                .map(str::to_string);
            values.extend(value.clone());
            let which =
                value.map_or_else(|| format!("`{subtype_name}`"), |v| format!("`{tag}` `{v}`"));
            let Some(fields) = subtype.get("properties").and_then(Value::as_object) else {
                continue;
            };
            for (field, schema) in fields {
                if own.contains(field) {
                    continue;
                }
                match added.get_mut(field) {
                    Some(existing) if same_shape(existing, schema) => {}
                    Some(existing) => {
                        *existing = json!({
                            "description": "Differs by subtype: see the subtypes of this type in the API reference."
                        });
                    }
                    None => {
                        let mut schema = schema.clone();
                        if let Some(map) = schema.as_object_mut()
                            && !map.contains_key("$ref")
                        {
                            let text = map
                                .get("description")
                                .and_then(Value::as_str)
                                .unwrap_or_default();
                            map.insert(
                                "description".into(),
                                json!(format!("{text} (with {which})").trim_start()),
                            );
                        }
                        added.insert(field.clone(), schema);
                    }
                }
            }
        }
        properties.extend(added);
        if let Some(tag_enum) = properties
            .get_mut(&tag)
            .and_then(|t| t.get_mut("enum"))
            .and_then(Value::as_array_mut)
        {
            for value in values {
                if !tag_enum.contains(&json!(value)) {
                    tag_enum.push(json!(value));
                }
            }
        }
        changed += 1;
    }
    changed
}

/// Every schema that inherits from `base` through `allOf`, directly or through other subtypes
/// (`ExportConfigurationBlobStorageConnectionString` → `ExportBlobConfiguration` →
/// `ExportConfiguration`), in the order found: direct subtypes first, then theirs.
fn subtypes_of<'a>(schemas: &'a Map<String, Value>, base: &str) -> Vec<(&'a String, &'a Value)> {
    let extends = |schema: &Value, parent: &str| {
        let reference = json!({ "$ref": format!("#/components/schemas/{parent}") });
        schema
            .get("allOf")
            .and_then(Value::as_array)
            .is_some_and(|parts| parts.contains(&reference))
    };
    let mut found: Vec<(&String, &Value)> = Vec::new();
    let mut next = 0;
    while next <= found.len() {
        let parent = if next == 0 {
            base
        } else {
            found[next - 1].0.as_str()
        };
        next += 1;
        let children: Vec<(&String, &Value)> = schemas
            .iter()
            .filter(|(name, schema)| {
                name.as_str() != base
                    && !found.iter().any(|(n, _)| n == name)
                    && extends(schema, parent)
            })
            .collect();
        found.extend(children);
    }
    found
}

/// Replaces inline copies of polymorphic bases in paths and request bodies by `$ref`s. A copy is
/// recognised by its discriminator, description, property names and required list (its nested
/// schemas may be spelled inline where the definition has `$ref`s).
fn ref_inline_polymorphic_bases(spec: &mut Value) -> usize {
    fn signature(schema: &Map<String, Value>) -> Option<String> {
        let discriminator = schema.get("discriminator")?;
        let names: Vec<&String> = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().collect())
            .unwrap_or_default();
        Some(
            json!([
                discriminator,
                schema.get("description"),
                names,
                schema.get("required")
            ])
            .to_string(),
        )
    }
    let bases: BTreeMap<String, String> = schemas_mut(spec)
        .iter()
        .filter_map(|(name, schema)| Some((signature(schema.as_object()?)?, name.clone())))
        .collect();
    let mut changed = 0;
    let mut replace = |node: &mut Map<String, Value>| {
        let Some(name) = signature(node).and_then(|s| bases.get(&s)) else {
            return true;
        };
        *node = Map::from_iter([(
            "$ref".to_string(),
            json!(format!("#/components/schemas/{name}")),
        )]);
        changed += 1;
        false
    };
    if let Some(paths) = spec.get_mut("paths") {
        visit_objects_mut(paths, &mut replace);
    }
    if let Some(bodies) = spec.pointer_mut("/components/requestBodies") {
        visit_objects_mut(bodies, &mut replace);
    }
    changed
}

/// Whether two schemas describe the same value (descriptions aside).
fn same_shape(a: &Value, b: &Value) -> bool {
    fn strip(v: &Value) -> Value {
        match v {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(k, _)| k.as_str() != "description")
                    .map(|(k, v)| (k.clone(), strip(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(strip).collect()),
            other => other.clone(),
        }
    }
    strip(a) == strip(b)
}
