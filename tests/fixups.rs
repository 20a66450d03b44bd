//! The `open_response_enums` fix-up on a small spec: enums only answers use are opened, enums
//! that requests use (bodies, shared request bodies, parameters, shared schemas) stay closed.

use serde_json::{Value, json};

// The pipeline's modules, as `build.rs` sees them (`fixups` reaches the others as `super::`).
#[path = "../openapi/pipeline/exclusions.rs"]
#[allow(dead_code)]
mod exclusions;
#[path = "../openapi/pipeline/fixups.rs"]
#[allow(dead_code)]
mod fixups;
#[path = "../openapi/pipeline/walk.rs"]
#[allow(dead_code)]
mod walk;

fn run(name: &str, spec: &mut Value) -> usize {
    let fixup = fixups::FIXUPS
        .iter()
        .find(|f| f.name == name)
        .expect("the fix-up exists");
    (fixup.apply)(spec)
}

fn closed(values: &[&str]) -> Value {
    json!({ "type": "string", "enum": values })
}

fn body(reference: &str) -> Value {
    json!({ "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{reference}") } } } })
}

#[test]
fn only_enums_that_answers_alone_use_are_opened() {
    let mut spec = json!({
        "paths": {
            "/apps": {
                "get": {
                    "parameters": [{ "name": "os", "in": "query", "schema": closed(&["iOS", "Android"]) }],
                    "responses": {
                        "200": body("App"),
                        "4XX": body("Error"),
                    }
                },
                "post": {
                    "requestBody": { "$ref": "#/components/requestBodies/NewApp" },
                    "responses": { "201": body("Shared") }
                }
            },
            "/inline": {
                "get": {
                    "responses": { "200": { "content": { "application/json": { "schema": {
                        "type": "object",
                        "properties": { "kind": closed(&["a", "b"]) }
                    } } } } }
                }
            }
        },
        "components": {
            "requestBodies": { "NewApp": body("NewApp") },
            "schemas": {
                "App": {
                    "type": "object",
                    "properties": {
                        "os": { "description": "The OS.", "type": "string", "enum": ["iOS", "Android"] },
                        "owner": { "$ref": "#/components/schemas/Owner" },
                        "shared": { "$ref": "#/components/schemas/Shared" },
                        "count": { "type": "integer", "enum": [1, 2] }
                    }
                },
                "Owner": { "type": "object", "properties": { "type": closed(&["user", "org"]) } },
                "NewApp": {
                    "type": "object",
                    "properties": {
                        "platform": closed(&["Java", "Swift"]),
                        "shared": { "$ref": "#/components/schemas/Shared" }
                    }
                },
                "Shared": { "type": "object", "properties": { "state": closed(&["open", "closed"]) } },
                "Error": { "type": "object", "properties": { "level": closed(&["warn", "fatal"]) } }
            }
        }
    });

    let changed = run("open_response_enums", &mut spec);

    let schemas = &spec["components"]["schemas"];
    // Opened: answer-only schemas (directly and through `$ref`s) and inline 2xx answers.
    assert_eq!(
        schemas["App"]["properties"]["os"],
        json!({
            "type": "string",
            "description": "The OS.\n\nKnown values: `iOS`, `Android`. Any other value the service sends is kept as is."
        })
    );
    assert!(schemas["Owner"]["properties"]["type"].get("enum").is_none());
    let inline = &spec["paths"]["/inline"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"]["properties"]["kind"];
    assert!(inline.get("enum").is_none());
    // Closed: request bodies (behind `components/requestBodies`), schemas shared with requests,
    // parameters, error bodies (not 2xx), and enums that are not strings.
    assert_eq!(
        schemas["NewApp"]["properties"]["platform"],
        closed(&["Java", "Swift"])
    );
    assert_eq!(
        schemas["Shared"]["properties"]["state"],
        closed(&["open", "closed"])
    );
    assert_eq!(
        spec["paths"]["/apps"]["get"]["parameters"][0]["schema"],
        closed(&["iOS", "Android"])
    );
    assert_eq!(
        schemas["Error"]["properties"]["level"],
        closed(&["warn", "fatal"])
    );
    assert!(schemas["App"]["properties"]["count"].get("enum").is_some());
    assert_eq!(changed, 3);
}

#[test]
fn answers_keep_only_identity_required_and_requests_keep_everything() {
    let mut spec = json!({
        "paths": {
            "/releases": {
                "get": { "responses": { "200": body("Release") } },
                "post": {
                    "requestBody": { "content": { "application/json": { "schema": {
                        "$ref": "#/components/schemas/NewRelease"
                    } } } },
                    "responses": { "201": body("Shared") }
                }
            }
        },
        "components": {
            "schemas": {
                "Release": {
                    "type": "object",
                    "properties": {
                        "id": { "type": "integer" }, "name": { "type": "string" },
                        "error_group_id": { "type": "string" }, "version": { "type": "string" },
                        "app_icon_url": { "type": "string" },
                        "config": { "$ref": "#/components/schemas/Config" },
                        "owner": {
                            "type": "object",
                            "properties": { "email": { "type": "string" }, "name": { "type": "string" } },
                            "required": ["email", "name"]
                        }
                    },
                    "required": ["id", "name", "error_group_id", "version", "app_icon_url"]
                },
                "Config": {
                    "type": "object",
                    "discriminator": { "propertyName": "type" },
                    "properties": { "type": { "type": "string" }, "url": { "type": "string" } },
                    "required": ["type", "url"]
                },
                "NewRelease": {
                    "type": "object",
                    "properties": { "version": { "type": "string" }, "shared": { "$ref": "#/components/schemas/Shared" } },
                    "required": ["version"]
                },
                "Shared": {
                    "type": "object",
                    "properties": { "state": { "type": "string" } },
                    "required": ["state"]
                }
            }
        }
    });

    let changed = run("answers_may_omit_non_identity_fields", &mut spec);

    let schemas = &spec["components"]["schemas"];
    // Answers: identity (`id`, `name`, `*_id`, a discriminator) stays required, nothing else.
    assert_eq!(
        schemas["Release"]["required"],
        json!(["id", "name", "error_group_id"])
    );
    assert_eq!(
        schemas["Release"]["properties"]["owner"]["required"],
        json!(["name"])
    );
    assert_eq!(schemas["Config"]["required"], json!(["type"]));
    // Requests, and schemas shared with requests, keep every required field.
    assert_eq!(schemas["NewRelease"]["required"], json!(["version"]));
    assert_eq!(schemas["Shared"]["required"], json!(["state"]));
    assert_eq!(changed, 4);
}

#[test]
fn subtypes_of_subtypes_add_their_fields_to_the_base() {
    let mut spec = json!({
        "paths": {},
        "components": {
            "schemas": {
                "Export": {
                    "type": "object",
                    "discriminator": { "propertyName": "type" },
                    "properties": { "type": { "type": "string", "enum": ["blob_connection_string"] } },
                    "required": ["type"]
                },
                "Blob": {
                    "x-ms-discriminator-value": "blob",
                    "allOf": [{ "$ref": "#/components/schemas/Export" }],
                    "properties": { "path_format": { "type": "string" } }
                },
                "BlobConnection": {
                    "x-ms-discriminator-value": "blob_connection_string",
                    "allOf": [{ "$ref": "#/components/schemas/Blob" }],
                    "properties": { "connection_string": { "type": "string" } },
                    "required": ["connection_string"]
                },
                "Unrelated": {
                    "allOf": [{ "$ref": "#/components/schemas/Other" }],
                    "properties": { "secret": { "type": "string" } }
                },
                "Other": { "type": "object", "properties": {} }
            }
        }
    });

    let changed = run("polymorphic_subtype_fields_on_base", &mut spec);

    let base = &spec["components"]["schemas"]["Export"];
    let mut fields: Vec<&String> = base["properties"].as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(fields, ["connection_string", "path_format", "type"]);
    assert_eq!(
        base["properties"]["connection_string"]["description"],
        "(with `type` `blob_connection_string`)"
    );
    assert_eq!(base["required"], json!(["type"]));
    assert_eq!(
        base["properties"]["type"]["enum"],
        json!(["blob_connection_string", "blob"])
    );
    assert_eq!(changed, 1);
}
