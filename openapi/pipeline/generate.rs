//! Runs progenitor on the mended spec, redacts secrets from the generated `Debug` impls
//! (`redact.rs`), sends path parameters through the crate's checked encoder (`path_segments.rs`),
//! builds URLs by concatenation (`url_concat.rs`), leaves out the `api-version` header
//! (`api_version_header.rs`) and formats the result.

use std::panic::{AssertUnwindSafe, catch_unwind};

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;
use syn::visit_mut::VisitMut;

/// Generates the client for `spec` (format it with [`format`]), and what the redaction step
/// (`redact.rs`) did. progenitor panics on many spec defects; the panic is caught and turned
/// into an error that says so, so a refreshed spec fails with a readable message.
pub fn generate(spec: &openapiv3::OpenAPI) -> Result<(syn::File, super::redact::Redacted), String> {
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // The crate implements `ClientHooks` for the generated client (token, `{}` body, retries,
        // redirects, error normalisation: src/transport.rs); `Expected` makes forgetting it a compile error.
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote! { ::std::sync::Arc<crate::client::ClientState> })
        // Pipe-delimited query lists (see the fix-up `pipe_delimited_as_list`).
        .with_replacement(
            super::fixups::PIPE_DELIMITED_SCHEMA,
            "crate::PipeDelimited",
            std::iter::empty(),
        );
    generate_with(spec, &settings)
}

/// [`generate`] with the given progenitor settings (the Community Training client has its own
/// inner type and replacements, see `specs.rs`): the same panic catching, redaction and checked
/// path segments.
pub fn generate_with(
    spec: &openapiv3::OpenAPI,
    settings: &GenerationSettings,
) -> Result<(syn::File, super::redact::Redacted), String> {
    let mut generator = Generator::new(settings);

    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let tokens = catch_unwind(AssertUnwindSafe(|| generator.generate_tokens(spec)));
    std::panic::set_hook(previous_hook);
    let tokens = match tokens {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => return Err(format!("progenitor refused the spec: {e}")),
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            return Err(format!(
                "progenitor panicked on the spec ({message}); a spec defect needs a fix-up in \
                 openapi/pipeline/fixups.rs"
            ));
        }
    };

    let mut file: syn::File = syn::parse2(tokens)
        .map_err(|e| format!("progenitor produced code that does not parse: {e}"))?;
    super::null_lists::tolerate_null_lists(&mut file);
    let redacted = super::redact::redact(&mut file);
    super::redact::check(&file)?;
    super::path_segments::CheckPathSegments.visit_file_mut(&mut file);
    super::url_concat::apply(&mut file)?;
    super::api_version_header::apply(&mut file)?;
    super::shared_conversions::apply(&mut file)?;
    super::inline_type_builders::apply(&mut file)?;
    Ok((file, redacted))
}

/// Formats the generated client, checking that no path parameter escaped the `path_segments` step.
pub fn format(file: &syn::File) -> Result<String, String> {
    let code = prettyplease::unparse(file);
    if code.contains("encode_path(") {
        return Err("a path parameter escaped the path_segments step".to_string());
    }
    Ok(code)
}
