//! The build pipeline that turns the vendored App Center spec into the generated client.
//!
//! `build.rs` runs it as: read [`SPEC_FILES`] → [`fixups::apply_all`] →
//! [`supplement::merge`] → [`features::retain_enabled_tags`] → [`generate::generate`] →
//! `OUT_DIR/appcenter.rs` and (from the same syntax tree) [`app_scoped::generate`] →
//! `OUT_DIR/app_scoped.rs`, [`client_methods::client_methods`] → `OUT_DIR/client_methods.rs`,
//! [`mock_helpers::generate`] → `OUT_DIR/mock_helpers.rs`,
//! [`page_targets::add`] (the paged builders tell their page stream where it starts), and
//! [`client_methods::wrap_sends`] (every builder's `send` returns `appcenter::Result`).
//! Other specs (Community Training) run the same steps from a small config each:
//! [`specs::generate_enabled`].
//! Each step is a plain function over the spec (`serde_json::Value`) so it can be read, tested and
//! reasoned about on its own. Nothing here edits generated code by hand.

pub mod api_version_header;
pub mod app_scoped;
pub mod case_aliases;
pub mod client_methods;
pub mod conformance;
pub mod exclusions;
pub mod features;
pub mod fixups;
pub mod generate;
pub mod generated_code;
pub mod inline_type_builders;
pub mod mock_helpers;
pub mod null_lists;
pub mod page_targets;
pub mod path_segments;
pub mod redact;
pub mod shared_conversions;
pub mod specs;
pub mod supplement;
pub mod url_concat;
pub mod walk;

/// The files the pipeline reads, relative to the crate root. `build.rs` reruns when one changes.
pub const SPEC_FILES: &[&str] = &[
    // OpenAPI 3.0 conversion of `bifrost.swagger.before.json` (made by scripts/convert-spec.sh).
    "openapi/appcenter.openapi.json",
    // Operations the published description leaves out (merged by `supplement::merge`).
    "openapi/supplement.openapi.json",
];
