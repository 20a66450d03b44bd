//! Runs progenitor on the mended spec, redacts secrets from the generated `Debug` impls, sends
//! path parameters through the crate's checked encoder (`path_segments.rs`) and formats the result.

use std::panic::{AssertUnwindSafe, catch_unwind};

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;
use syn::visit_mut::VisitMut;

/// Generates the client for `spec` (format it with [`format`]), and the number of structs whose
/// `Debug` was redacted. progenitor panics on many spec defects; the panic is caught and turned
/// into an error that says so, so a refreshed spec fails with a readable message.
pub fn generate(spec: &openapiv3::OpenAPI) -> Result<(syn::File, usize), String> {
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // The crate implements `ClientHooks` for the generated client (token, `{}` body, retries,
        // redirects, error normalisation: src/hooks.rs); `Expected` makes forgetting it a compile error.
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote! { ::std::sync::Arc<crate::client::ClientState> })
        // Pipe-delimited query lists (see the fix-up `pipe_delimited_as_list`).
        .with_replacement(
            super::fixups::PIPE_DELIMITED_SCHEMA,
            "crate::PipeDelimited",
            std::iter::empty(),
        );
    let mut generator = Generator::new(&settings);

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
    let mut redact = RedactSecrets::default();
    redact.visit_file_mut(&mut file);
    super::path_segments::CheckPathSegments.visit_file_mut(&mut file);
    super::api_version_header::apply(&mut file)?;
    Ok((file, redact.redacted))
}

/// Rust field names (as typify spells the spec's properties) that hold secrets: API tokens,
/// passwords, signing keys and certificates, deployment keys, invitation tokens. A struct with
/// such a field gets a hand-shaped `Debug` that prints `<redacted>` in its place; everything else
/// derives `Debug` as generated.
pub const SECRET_FIELDS: &[&str] = &[
    "access_key",
    "api_token",
    "app_secret",
    "app_specific_password",
    "apple_developer_account_key",
    "apple_distribution_certificate_key",
    "asset_token",
    "auth_code",
    "authcode",
    "base64_certificate",
    "cert_encoded",
    "cert_key",
    "certificate_encoded",
    "certificate_password",
    "deployment_key",
    "encrypted_token",
    "google_api_key",
    "id_token",
    "instrumentation_key",
    "invitation_token",
    "key_password",
    "keystore_encoded",
    "keystore_password",
    "live_update_deployment_key",
    "new_password",
    "old_password",
    "p12_password",
    "p12password",
    "password",
    "previous_deployment_key",
    "refresh_token",
    "secret",
    "secret_json",
    "secret_key",
    "token",
    "url_encoded_token",
];

/// Replaces `#[derive(Debug)]` by a redacting `impl Debug` on every struct with a secret field.
#[derive(Default)]
struct RedactSecrets {
    redacted: usize,
}

impl VisitMut for RedactSecrets {
    fn visit_item_mod_mut(&mut self, module: &mut syn::ItemMod) {
        if let Some((_, items)) = &mut module.content {
            let mut impls = Vec::new();
            for item in items.iter_mut() {
                if let syn::Item::Struct(item) = item
                    && let Some(debug_impl) = self.redact_struct(item)
                {
                    impls.push(debug_impl);
                }
            }
            items.extend(impls);
        }
        syn::visit_mut::visit_item_mod_mut(self, module);
    }
}

impl RedactSecrets {
    fn redact_struct(&mut self, item: &mut syn::ItemStruct) -> Option<syn::Item> {
        let syn::Fields::Named(fields) = &item.fields else {
            return None;
        };
        let is_secret = |f: &syn::Field| {
            f.ident
                .as_ref()
                .is_some_and(|i| SECRET_FIELDS.contains(&i.to_string().as_str()))
        };
        if !fields.named.iter().any(is_secret) || !remove_derive_debug(&mut item.attrs) {
            return None;
        }
        self.redacted += 1;
        let name = &item.ident;
        let label = name.to_string();
        let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
        let entries = fields.named.iter().map(|f| {
            let ident = f.ident.as_ref().expect("named field");
            let field_name = ident.to_string();
            if is_secret(f) {
                quote! { .field(#field_name, &"<redacted>") }
            } else {
                quote! { .field(#field_name, &self.#ident) }
            }
        });
        Some(syn::parse_quote! {
            impl #impl_generics ::std::fmt::Debug for #name #ty_generics #where_clause {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.debug_struct(#label) #(#entries)* .finish()
                }
            }
        })
    }
}

/// Removes `Debug` from the struct's `#[derive(...)]`; returns whether it was there.
fn remove_derive_debug(attrs: &mut [syn::Attribute]) -> bool {
    let mut removed = false;
    for attr in attrs.iter_mut() {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let Ok(paths) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue;
        };
        let kept: Vec<&syn::Path> = paths
            .iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != "Debug"))
            .collect();
        if kept.len() != paths.len() {
            removed = true;
            *attr = syn::parse_quote! { #[derive(#(#kept),*)] };
        }
    }
    removed
}

/// Formats the generated client, checking that no path parameter escaped the `path_segments` step.
pub fn format(file: &syn::File) -> Result<String, String> {
    let code = prettyplease::unparse(file);
    if code.contains("encode_path(") {
        return Err("a path parameter escaped the path_segments step".to_string());
    }
    Ok(code)
}
