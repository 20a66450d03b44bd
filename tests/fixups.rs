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
