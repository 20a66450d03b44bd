//! Small helpers to visit the parts of an OpenAPI 3.0 document held as `serde_json::Value`.

use serde_json::{Map, Value};

/// The keys of a path item that hold operations.
pub const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Calls `f(path, method, operation)` for every operation of the document.
pub fn for_each_operation(
    spec: &mut Value,
    mut f: impl FnMut(&str, &str, &mut Map<String, Value>),
) {
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if !HTTP_METHODS.contains(&method.as_str()) {
                continue;
            }
            if let Some(op) = op.as_object_mut() {
                f(path, method, op);
            }
        }
    }
}

/// The named schemas (`components.schemas`), created empty if absent.
pub fn schemas_mut(spec: &mut Value) -> &mut Map<String, Value> {
    let root = spec.as_object_mut().expect("the spec is a JSON object");
    let components = root
        .entry("components")
        .or_insert_with(|| Value::Object(Map::new()));
    let components = components.as_object_mut().expect("components is an object");
    let schemas = components
        .entry("schemas")
        .or_insert_with(|| Value::Object(Map::new()));
    schemas
        .as_object_mut()
        .expect("components.schemas is an object")
}

/// Calls `f` on every JSON object in `value`, depth first, parents before children.
/// When `f` returns `false` the children of that object are skipped.
pub fn visit_objects_mut(value: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>) -> bool) {
    match value {
        Value::Object(map) => {
            let descend = f(map);
            if descend {
                for child in map.values_mut() {
                    visit_objects_mut(child, f);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                visit_objects_mut(item, f);
            }
        }
        _ => {}
    }
}

/// Collects the names of every schema referenced as `#/components/schemas/NAME` inside `value`.
pub fn schema_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                out.push(name.to_string());
            }
            for child in map.values() {
                schema_refs(child, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| schema_refs(item, out)),
        _ => {}
    }
}
