//! Generates the App Center client from the vendored spec: read → mend → keep enabled areas →
//! progenitor → `OUT_DIR/appcenter.rs`. The steps live in `openapi/pipeline/`.

#[path = "openapi/pipeline/mod.rs"]
mod pipeline;

use std::path::Path;

fn main() {
    // Rerun only when an input of the pipeline changes (features changing rerun it by themselves).
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=openapi/pipeline");
    for file in pipeline::SPEC_FILES {
        println!("cargo:rerun-if-changed={file}");
    }
    for spec in pipeline::specs::SPECS {
        println!("cargo:rerun-if-changed={}", spec.input);
    }
    if let Err(message) = run() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut spec = read_json(pipeline::SPEC_FILES[0])?;

    let report = pipeline::fixups::apply_all(&mut spec)?;
    let supplement = pipeline::supplement::merge(&mut spec, &read_json(pipeline::SPEC_FILES[1])?)?;
    let enabled = pipeline::features::enabled_tags();
    let (dropped_ops, dropped_schemas) = pipeline::features::retain_enabled_tags(
        &mut spec,
        &enabled,
        &[pipeline::fixups::ERROR_SCHEMA],
    );

    let openapi: openapiv3::OpenAPI = serde_json::from_value(spec.clone())
        .map_err(|e| format!("the mended spec is not OpenAPI 3.0: {e}"))?;
    let (mut file, redacted) = pipeline::generate::generate(&openapi)?;
    let app_scoped = pipeline::app_scoped::generate(&file)?;
    let client_methods = pipeline::client_methods::client_methods(
        &file,
        pipeline::client_methods::APP_CENTER_BUILDERS,
    )?;
    // Typed answers of `appcenter::mock`: only the `mock` feature compiles them, so a failure
    // becomes a compile error of that feature alone.
    let (mock_helpers, mock_helper_count) = pipeline::mock_helpers::generate(&file)
        .unwrap_or_else(|why| (format!("compile_error!({why:?});\n"), 0));
    // Only tests/conformance.rs compiles this, and only with the test-only feature `conformance`:
    // users' builds skip it. The report says what writing it costs a build.
    let started = std::time::Instant::now();
    let conformance_calls = if std::env::var_os("CARGO_FEATURE_CONFORMANCE").is_some() {
        // A test concern must not break a build: a failure becomes a compile error of the
        // conformance test alone.
        pipeline::conformance::calls(&spec, &file)
            .unwrap_or_else(|why| format!("compile_error!({why:?});\n"))
    } else {
        String::new()
    };
    let conformance_time = started.elapsed();
    // Page streams start from the builder: `page_target()` on the paged builders (reads
    // progenitor's `send`, so before `wrap_sends` splits it).
    let pages = pipeline::page_targets::add(&mut file)?;
    // Last, as it splits progenitor's `send` (the steps above read the code as generated).
    let wrapped = pipeline::client_methods::wrap_sends(&mut file)?;
    if wrapped != client_methods.methods {
        return Err(format!(
            "{wrapped} builders' send() were wrapped but Client has {} operation methods",
            client_methods.methods
        ));
    }
    let code = pipeline::generate::format(&file)?;

    let out_dir = std::env::var("OUT_DIR").map_err(|e| format!("OUT_DIR: {e}"))?;
    let out = Path::new(&out_dir);
    write(&out.join("appcenter.rs"), &code)?;
    write(&out.join("app_scoped.rs"), &app_scoped.code)?;
    write(&out.join("client_methods.rs"), &client_methods.code)?;
    write(&out.join("conformance_calls.rs"), &conformance_calls)?;
    write(&out.join("mock_helpers.rs"), &mock_helpers)?;
    let mut summary = String::new();
    for (name, count) in report {
        summary.push_str(&format!("fixup {name}: {count}\n"));
    }
    summary.push_str(&format!(
        "supplement: operations {}; schemas added {}, unused upstream schemas replaced {}\n",
        supplement.operations.join(","),
        supplement.schemas_added,
        supplement.schemas_replaced
    ));
    for excluded in pipeline::exclusions::EXCLUDED {
        summary.push_str(&format!(
            "excluded {}: {}\n",
            excluded.operation_id, excluded.reason
        ));
    }
    summary.push_str(&format!(
        "features: {}\nleft out by features: {dropped_ops} operations, {dropped_schemas} schemas\n\
         structs with redacted Debug: {}; fields redacted {}, URL fields scrubbed {}, \
         harmless matches kept {}\nAppClient methods: {}\nClient methods: {}; builders whose send returns appcenter::Result: {wrapped}\n\
         conformance calls (tests/conformance.rs, feature `conformance`) derived in {} ms\n",
        enabled.join(","),
        redacted.structs,
        redacted.secret_fields,
        redacted.url_fields,
        redacted.allowed,
        app_scoped.methods,
        client_methods.methods,
        conformance_time.as_millis()
    ));
    summary.push_str(&format!(
        "mock helpers (appcenter::mock): {mock_helper_count}\n"
    ));
    summary.push_str(&format!(
        "paged builders (src/pagination.rs): nextLink {}, $skip {}, continuation_token {}; \
         page_target() added to {}\n",
        pages.next_link,
        pages.offset,
        pages.token,
        pages.next_link + pages.offset
    ));
    summary.push_str(&pipeline::specs::generate_enabled(out)?);
    write(&out.join("pipeline-report.txt"), &summary)
}

fn read_json(path: &str) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{path} is not JSON: {e}"))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}
