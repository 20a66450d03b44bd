//! Writes the calls of the spec-conformance test (`tests/conformance.rs`): one function per
//! generated operation that builds the call with sample arguments derived from the mended spec's
//! parameter and body schemas, sends it and checks the answer decodes.
//!
//! The calls are derived from the generated code itself (each `Client` method, its builder's
//! setters and their types) joined with the spec's schemas, so a refreshed spec's new operation
//! gets a call without anyone writing one, and an operation whose arguments cannot be derived
//! fails the build here rather than being skipped. Only the test `include!`s the output: users'
//! builds write it but never compile it.

use std::collections::{BTreeMap, BTreeSet};

use quote::{format_ident, quote};
use serde_json::{Map, Value, json};

use super::generated_code::{builder_module, client_builder_methods};

/// One argument of an operation: the builder setter, the type it takes and the sample (JSON).
struct Argument {
    setter: String,
    ty: proc_macro2::TokenStream,
    sample: Value,
}

/// One generated operation as the conformance test calls it.
struct Call {
    operation_id: String,
    method: String,
    arguments: Vec<Argument>,
    streams_bytes: bool,
}

/// The source of `conformance_calls.rs` for the generated `file` of the mended `spec`.
pub fn calls(spec: &Value, file: &syn::File) -> Result<String, String> {
    let ops = spec_operations(spec);
    let builders = builders(file);
    let mut calls = Vec::new();
    for (method, builder) in client_builder_methods(file) {
        let method = method.sig.ident.to_string();
        let Some(b) = builders.get(&builder) else {
            return Err(format!(
                "conformance: no builder `{builder}` for `{method}`"
            ));
        };
        let Some(op) = ops.get(&key(&b.operation_id)) else {
            return Err(format!(
                "conformance: `{}` is not an operation of the spec",
                b.operation_id
            ));
        };
        let mut arguments = Vec::new();
        for (setter, ty) in &b.setters {
            let schema = if setter == "body" {
                op.body.clone()
            } else {
                op.params.get(&key(setter)).cloned()
            };
            let Some(schema) = schema else {
                return Err(format!(
                    "conformance: `{}` setter `{setter}` has no parameter in the spec",
                    b.operation_id
                ));
            };
            arguments.push(Argument {
                setter: setter.clone(),
                ty: ty.clone(),
                sample: Sampler::new(spec).sample(&schema, 0),
            });
        }
        calls.push(Call {
            operation_id: b.operation_id.clone(),
            method,
            arguments,
            streams_bytes: b.streams_bytes,
        });
    }
    calls.sort_by(|a, b| a.operation_id.cmp(&b.operation_id));
    Ok(render(&calls))
}

/// The Rust source for `calls`. The test defines `Call`, `CallFn`, `sample`, `finish` and
/// `finish_bytes` before `include!`ing it.
fn render(calls: &[Call]) -> String {
    let fns = calls.iter().map(|call| {
        let name = format_ident!("call_{}", call.method);
        let method = format_ident!("{}", call.method);
        let setters = call.arguments.iter().map(|a| {
            let setter = format_ident!("{}", a.setter);
            let ty = &a.ty;
            let label = &a.setter;
            let json = a.sample.to_string();
            quote! { .#setter(sample::<#ty>(#label, #json)?) }
        });
        let finish = if call.streams_bytes {
            quote! { finish_bytes(request.send().await).await }
        } else {
            quote! { finish(request.send().await) }
        };
        quote! {
            fn #name(client: &appcenter::Client) -> Call<'_> {
                Box::pin(async move {
                    let request = client.#method() #(#setters)*;
                    #finish
                })
            }
        }
    });
    let entries = calls.iter().map(|call| {
        let id = &call.operation_id;
        let name = format_ident!("call_{}", call.method);
        quote! { (#id, #name) }
    });
    let tokens = quote! {
        /// Every generated operation, by operation id, with the function that calls it.
        pub const CALLS: &[(&str, CallFn)] = &[#(#entries),*];
        #(#fns)*
    };
    let file: syn::File = syn::parse2(tokens).expect("the conformance calls parse");
    prettyplease::unparse(&file)
}

/// An operation's parameters (by [`key`]) and body schema, as the mended spec declares them;
/// operations by the [`key`] of their id (progenitor snake-cases it).
struct SpecOperation {
    params: BTreeMap<String, Value>,
    body: Option<Value>,
}

fn spec_operations(spec: &Value) -> BTreeMap<String, SpecOperation> {
    let mut ops = BTreeMap::new();
    let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
        return ops;
    };
    for item in paths.values().filter_map(Value::as_object) {
        for (method, op) in item {
            if !super::walk::HTTP_METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let params = op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| {
                    let name = p.get("name")?.as_str()?;
                    Some((key(name), p.get("schema").cloned().unwrap_or(json!({}))))
                })
                .collect();
            let body = op
                .get("requestBody")
                .map(|b| resolve(spec, b))
                .and_then(|b| {
                    b.get("content")?
                        .as_object()?
                        .values()
                        .next()?
                        .get("schema")
                        .cloned()
                });
            ops.insert(key(id), SpecOperation { params, body });
        }
    }
    ops
}

/// A name without case and separators, to match spec names with progenitor's snake_case.
fn key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Follows a local `$ref` (`#/components/...`), once.
fn resolve<'a>(spec: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .trim_start_matches('#')
            .split('/')
            .skip(1)
            .try_fold(spec, |v, part| v.get(part))
            .unwrap_or(&Value::Null),
        None => node,
    }
}

/// One builder of the generated `builder` module.
struct Builder {
    operation_id: String,
    /// (setter, the type its value converts into), in declaration order.
    setters: Vec<(String, proc_macro2::TokenStream)>,
    streams_bytes: bool,
}

/// The builders of the top-level `builder` module, by type name.
fn builders(file: &syn::File) -> BTreeMap<String, Builder> {
    let mut found = BTreeMap::new();
    for item in builder_module(file) {
        let syn::Item::Impl(imp) = item else { continue };
        let syn::Type::Path(self_ty) = &*imp.self_ty else {
            continue;
        };
        let Some(name) = self_ty.path.segments.last().map(|s| s.ident.to_string()) else {
            continue;
        };
        let mut builder = Builder {
            operation_id: String::new(),
            setters: Vec::new(),
            streams_bytes: false,
        };
        for item in &imp.items {
            let syn::ImplItem::Fn(f) = item else { continue };
            let fn_name = f.sig.ident.to_string();
            if fn_name == "send" {
                let body = quote!(#f).to_string();
                builder.operation_id = body
                    .split("operation_id : \"")
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .unwrap_or_default()
                    .to_string();
                let output = &f.sig.output;
                builder.streams_bytes = quote!(#output).to_string().contains("ByteStream");
            } else if let Some(ty) = setter_type(f) {
                builder.setters.push((fn_name, ty));
            }
        }
        if !builder.operation_id.is_empty() {
            found.insert(name, builder);
        }
    }
    found
}

/// `T` of a setter `fn x<V>(self, value: V) where V: TryInto<T>`.
fn setter_type(f: &syn::ImplItemFn) -> Option<proc_macro2::TokenStream> {
    let predicate = f.sig.generics.where_clause.as_ref()?.predicates.first()?;
    let syn::WherePredicate::Type(predicate) = predicate else {
        return None;
    };
    predicate.bounds.iter().find_map(|bound| {
        let syn::TypeParamBound::Trait(t) = bound else {
            return None;
        };
        let last = t.path.segments.last()?;
        if last.ident != "TryInto" {
            return None;
        }
        let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        match args.args.first()? {
            // `crate::` in the generated code is the `appcenter` crate.
            syn::GenericArgument::Type(ty) => quote!(#ty)
                .to_string()
                .replace("crate ::", "appcenter ::")
                .parse()
                .ok(),
            _ => None,
        }
    })
}

/// Builds a valid, non-trivial sample value for a schema: every property filled (required and
/// optional, to a bounded depth), the first enum value, strings that meet their format, length
/// and pattern, numbers within their bounds, one-item arrays.
struct Sampler<'a> {
    spec: &'a Value,
    active: BTreeSet<String>,
}

/// How deep optional properties are filled; required ones always are.
const OPTIONAL_DEPTH: usize = 4;

impl<'a> Sampler<'a> {
    fn new(spec: &'a Value) -> Self {
        Self {
            spec,
            active: BTreeSet::new(),
        }
    }

    fn sample(&mut self, schema: &Value, depth: usize) -> Value {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            if !self.active.insert(reference.to_string()) {
                return json!({});
            }
            let target = resolve(self.spec, schema).clone();
            let value = self.sample(&target, depth);
            self.active.remove(reference);
            return value;
        }
        if let Some(first) = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return first.clone();
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            for part in parts {
                if let Value::Object(fields) = self.sample(part, depth) {
                    merged.extend(fields);
                }
            }
            return Value::Object(merged);
        }
        for alternative in ["oneOf", "anyOf"] {
            if let Some(first) = schema
                .get(alternative)
                .and_then(Value::as_array)
                .and_then(|a| a.first())
            {
                return self.sample(first, depth);
            }
        }
        let ty = schema.get("type").and_then(Value::as_str).unwrap_or(
            if schema.get("properties").is_some() {
                "object"
            } else {
                "string"
            },
        );
        match ty {
            "object" => self.object(schema, depth),
            "array" => {
                let item = self.sample(schema.get("items").unwrap_or(&json!({})), depth + 1);
                let count = schema
                    .get("minItems")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
                    .max(1);
                Value::Array(vec![item; count as usize])
            }
            "integer" => json!(number_in(schema, 2.0) as i64),
            "number" => json!(number_in(schema, 2.5)),
            "boolean" => json!(true),
            _ => json!(string_for(schema)),
        }
    }

    fn object(&mut self, schema: &Value, depth: usize) -> Value {
        let required: BTreeSet<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut fields = Map::new();
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                if required.contains(name.as_str()) || depth < OPTIONAL_DEPTH {
                    fields.insert(name.clone(), self.sample(property, depth + 1));
                }
            }
        }
        if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object())
            && depth < OPTIONAL_DEPTH
        {
            fields.insert("key".into(), self.sample(extra, depth + 1));
        }
        Value::Object(fields)
    }
}

/// A number within the schema's bounds, `preferred` when allowed.
fn number_in(schema: &Value, preferred: f64) -> f64 {
    let min = schema.get("minimum").and_then(Value::as_f64);
    let max = schema.get("maximum").and_then(Value::as_f64);
    match (min, max) {
        (Some(min), _) if preferred < min => min,
        (_, Some(max)) if preferred > max => max,
        _ => preferred,
    }
}

/// A string that meets the schema's format and length.
fn string_for(schema: &Value) -> String {
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    let base = match format {
        "date-time" | "dateTime" => "2024-05-06T07:08:09Z",
        "date" => "2024-05-06",
        "uuid" => "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        "email" => "dev@example.com",
        "uri" | "url" | "URL" => "https://example.com/sample",
        "byte" => "c2FtcGxl",
        "Timespan" => "00:10:00",
        _ => "sample",
    };
    let mut value = base.to_string();
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    while value.len() < min {
        value.push('s');
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
        value.truncate(max as usize);
    }
    value
}
