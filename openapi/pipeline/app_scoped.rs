//! Writes the methods of `AppClient` (src/app_client.rs): one per generated operation whose path
//! has both `{owner_name}` and `{app_name}`, returning the generated builder with those two set.
//!
//! They are read off the generated client rather than the spec, so their names and builder types
//! are progenitor's own: a builder struct with both an `owner_name` and an `app_name` field is such
//! an operation (no operation of the spec has a query or header parameter of either name), and the
//! `Client` method returning that builder is the one to wrap.

use std::collections::BTreeSet;

use quote::{format_ident, quote};

use super::generated_code::{builder_module, client_builder_methods};

/// `impl AppClient { ... }`, written to `OUT_DIR/app_scoped.rs`.
pub struct AppScoped {
    /// The source.
    pub code: String,
    /// How many methods it has.
    pub methods: usize,
}

/// The app-scoped methods for the generated client `file`.
pub fn generate(file: &syn::File) -> Result<AppScoped, String> {
    let scoped = app_scoped_builders(file);

    let mut methods = Vec::new();
    for (method, builder) in client_builder_methods(file) {
        if !scoped.contains(&builder) {
            continue;
        }
        let name = &method.sig.ident;
        let builder = format_ident!("{builder}");
        let doc = format!(
            " [`Client::{name}`](crate::Client::{name}) for this app: \
             `owner_name` and `app_name` are set.{}",
            request_line(&method.attrs)
                .map(|line| format!("\n\n {line}"))
                .unwrap_or_default()
        );
        methods.push(quote! {
            #[doc = #doc]
            pub fn #name(&self) -> crate::builder::#builder<'_> {
                self.client
                    .#name()
                    .owner_name(self.app.owner())
                    .app_name(self.app.app())
            }
        });
    }
    let count = methods.len();
    if count != scoped.len() {
        return Err(format!(
            "{} builders take `owner_name` and `app_name` but {count} `Client` methods return one",
            scoped.len()
        ));
    }
    let file: syn::File = syn::parse2(quote! {
        impl AppClient {
            #(#methods)*
        }
    })
    .map_err(|e| format!("app-scoped methods do not parse: {e}"))?;
    Ok(AppScoped {
        code: prettyplease::unparse(&file),
        methods: count,
    })
}

/// Names of the structs in `mod builder` with both an `owner_name` and an `app_name` field.
fn app_scoped_builders(file: &syn::File) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for item in builder_module(file) {
        let syn::Item::Struct(builder) = item else {
            continue;
        };
        let has = |field: &str| {
            builder
                .fields
                .iter()
                .any(|f| f.ident.as_ref().is_some_and(|i| i == field))
        };
        if has("owner_name") && has("app_name") {
            names.insert(builder.ident.to_string());
        }
    }
    names
}

/// The "Sends a `GET` request to `/v0.1/...`" line of the generated method's documentation.
fn request_line(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| {
        let syn::Meta::NameValue(doc) = &attr.meta else {
            return None;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = &doc.value
        else {
            return None;
        };
        text.value()
            .lines()
            .find(|line| line.trim_start().starts_with("Sends a `"))
            .map(|line| line.trim().to_string())
    })
}
