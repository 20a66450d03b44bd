//! Redaction of secrets in the generated types' `Debug`, decided by rule, and the check that no
//! generated type escapes it.
//!
//! The rule, on the Rust name of each named field of every generated struct (types, their
//! builders and the operation builders alike):
//! - **secret**: the name contains one of [`SECRET_WORDS`] (`token`, `secret`, `password`, `key`,
//!   `sas`, `connection_string`, `signature`, `credential`, the spellings `passwd`/`authcode`/
//!   `auth_code`, and encoded certificates such as `cert_encoded`): `Debug`
//!   prints `<redacted>` instead of the value. Exceptions: a field whose type cannot hold text
//!   (`bool`, numbers: `can_change_password`, `sas_url_expired`), and the names on
//!   [`HARMLESS`], each with the reason it is not a secret.
//! - **URL**: otherwise, a name that contains `url`, `uri`, `location` or `link`: `Debug` prints
//!   the value with the values of secret query parameters (`sig=`, `token=`, ... see
//!   `src/redact.rs`) replaced by `<redacted>`, so an Azure SAS URL (`upload_url`) shows where it
//!   points but not its signature.
//!
//! A struct with such a field loses its derived `Debug` and gets one written here. [`check`] then
//! fails the build if any generated struct or enum still derives `Debug` over a secret field, so a
//! refreshed spec cannot add one unnoticed.

use quote::quote;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;

/// Words that make a field a secret when its name contains one.
pub const SECRET_WORDS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "key",
    "sas",
    "connection_string",
    "signature",
    "authcode",
    "auth_code",
    "credential",
    // Encoded certificates: a `.p12` with its private key.
    "cert_encoded",
    "certificate_encoded",
    "base64_certificate",
];

/// Words that make a field a URL whose secret query parameters are hidden.
pub const URL_WORDS: &[&str] = &["url", "uri", "location", "link"];

/// Names that contain a secret word but hold no secret (an allow-list: every entry says why).
pub const HARMLESS: &[(&str, &str)] = &[
    ("api_token_id", "the id of an API token, not the token"),
    ("token_id", "the id of a token, not the token"),
    (
        "key_id",
        "the id of a signing key (Apple's key id), not the key",
    ),
    ("key_alias", "the alias name of a key inside a keystore"),
    ("keystore_filename", "the keystore's file name"),
    (
        "continuation_token",
        "a paging cursor the service hands out",
    ),
    (
        "skiptoken",
        "a paging cursor (`$skiptoken`) the service hands out",
    ),
    ("refresh_token_expiry", "a date"),
    (
        "dsa_signature",
        "a Sparkle update signature, published to every user in the appcast",
    ),
    (
        "ed_signature",
        "a Sparkle update signature, published to every user in the appcast",
    ),
];

/// What the redaction step did: the counts go to the pipeline report.
#[derive(Debug, Default)]
pub struct Redacted {
    /// Structs whose `Debug` was written here.
    pub structs: usize,
    /// Fields printed as `<redacted>`.
    pub secret_fields: usize,
    /// URL fields printed with their secret query values hidden.
    pub url_fields: usize,
    /// Fields whose name matched a secret word but that are harmless (allow-list or by type).
    pub allowed: usize,
}

/// How one field is printed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FieldKind {
    /// As derived.
    Plain,
    /// `<redacted>`.
    Secret,
    /// Through the URL scrubber.
    Url,
    /// Matched a secret word, but is harmless.
    Allowed,
}

/// Classifies a field by its Rust name and type.
pub fn classify(name: &str, ty: &syn::Type) -> FieldKind {
    let name = name.trim_start_matches("r#").to_ascii_lowercase();
    if SECRET_WORDS.iter().any(|w| name.contains(w)) {
        if HARMLESS.iter().any(|(n, _)| *n == name) || holds_no_text(ty) {
            FieldKind::Allowed
        } else {
            FieldKind::Secret
        }
    } else if URL_WORDS.iter().any(|w| name.contains(w)) {
        FieldKind::Url
    } else {
        FieldKind::Plain
    }
}

/// `bool`, numbers, and `Option`s or results of them: values that cannot carry a secret.
fn holds_no_text(ty: &syn::Type) -> bool {
    const SCALARS: &[&str] = &[
        "bool",
        "i8",
        "i16",
        "i32",
        "i64",
        "u8",
        "u16",
        "u32",
        "u64",
        "f32",
        "f64",
        "NonZeroU64",
    ];
    let syn::Type::Path(path) = ty else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    let name = last.ident.to_string();
    if SCALARS.contains(&name.as_str()) {
        return true;
    }
    if (name == "Option" || name == "Result")
        && let syn::PathArguments::AngleBracketed(args) = &last.arguments
        && let Some(syn::GenericArgument::Type(inner)) = args.args.first()
    {
        return holds_no_text(inner);
    }
    false
}

/// Rewrites the `Debug` of every generated struct with a secret or URL field.
pub fn redact(file: &mut syn::File) -> Redacted {
    let mut step = Step::default();
    step.visit_file_mut(file);
    step.done
}

#[derive(Default)]
struct Step {
    done: Redacted,
}

impl VisitMut for Step {
    fn visit_file_mut(&mut self, file: &mut syn::File) {
        self.redact_items(&mut file.items);
        syn::visit_mut::visit_file_mut(self, file);
    }

    fn visit_item_mod_mut(&mut self, module: &mut syn::ItemMod) {
        if let Some((_, items)) = &mut module.content {
            self.redact_items(items);
        }
        syn::visit_mut::visit_item_mod_mut(self, module);
    }
}

impl Step {
    fn redact_items(&mut self, items: &mut Vec<syn::Item>) {
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

    fn redact_struct(&mut self, item: &mut syn::ItemStruct) -> Option<syn::Item> {
        let syn::Fields::Named(fields) = &item.fields else {
            return None;
        };
        let kinds: Vec<FieldKind> = fields
            .named
            .iter()
            .map(|f| classify(&ident(f), &f.ty))
            .collect();
        let allowed = kinds.iter().filter(|k| **k == FieldKind::Allowed).count();
        if !kinds
            .iter()
            .any(|k| matches!(k, FieldKind::Secret | FieldKind::Url))
        {
            self.done.allowed += allowed;
            return None;
        }
        if !remove_derive_debug(&mut item.attrs) {
            // No derived `Debug` to replace: `check` fails the build if that leaks a secret.
            return None;
        }
        self.done.structs += 1;
        self.done.allowed += allowed;
        let name = &item.ident;
        let label = name.to_string();
        let (impl_generics, ty_generics, where_clause) = item.generics.split_for_impl();
        let entries = fields.named.iter().zip(&kinds).map(|(f, kind)| {
            let ident = f.ident.as_ref().expect("named field");
            let field_name = ident.to_string().trim_start_matches("r#").to_string();
            match kind {
                FieldKind::Secret => {
                    self.done.secret_fields += 1;
                    quote! { .field(#field_name, &"<redacted>") }
                }
                FieldKind::Url => {
                    self.done.url_fields += 1;
                    quote! { .field(#field_name, &crate::redact::Url(&self.#ident)) }
                }
                FieldKind::Plain | FieldKind::Allowed => {
                    quote! { .field(#field_name, &self.#ident) }
                }
            }
        });
        let entries: Vec<_> = entries.collect();
        Some(syn::parse_quote! {
            impl #impl_generics ::std::fmt::Debug for #name #ty_generics #where_clause {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.debug_struct(#label) #(#entries)* .finish()
                }
            }
        })
    }
}

fn ident(field: &syn::Field) -> String {
    field
        .ident
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// Removes `Debug` from the item's `#[derive(...)]`; returns whether it was there.
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
        let kept: Vec<&syn::Path> = paths.iter().filter(|p| !is_debug(p)).collect();
        if kept.len() != paths.len() {
            removed = true;
            *attr = syn::parse_quote! { #[derive(#(#kept),*)] };
        }
    }
    removed
}

fn is_debug(path: &syn::Path) -> bool {
    path.segments.last().is_some_and(|s| s.ident == "Debug")
}

fn derives_debug(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("derive")
            && attr
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
                .is_ok_and(|paths| paths.iter().any(is_debug))
    })
}

/// Fails if a generated struct, or an enum variant with named fields, still derives `Debug`
/// over a secret field (one [`classify`] calls [`FieldKind::Secret`] or [`FieldKind::Url`]).
pub fn check(file: &syn::File) -> Result<(), String> {
    #[derive(Default)]
    struct Finder {
        leaks: Vec<String>,
    }
    impl Finder {
        fn fields(&mut self, owner: String, attrs: &[syn::Attribute], fields: &syn::Fields) {
            let syn::Fields::Named(fields) = fields else {
                return;
            };
            if !derives_debug(attrs) {
                return;
            }
            for f in &fields.named {
                let name = ident(f);
                if matches!(classify(&name, &f.ty), FieldKind::Secret | FieldKind::Url) {
                    self.leaks.push(format!("{owner}.{name}"));
                }
            }
        }
    }
    impl<'ast> Visit<'ast> for Finder {
        fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
            self.fields(item.ident.to_string(), &item.attrs, &item.fields);
        }
        fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
            for variant in &item.variants {
                self.fields(
                    format!("{}::{}", item.ident, variant.ident),
                    &item.attrs,
                    &variant.fields,
                );
            }
        }
    }
    let mut finder = Finder::default();
    finder.visit_file(file);
    if finder.leaks.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "generated types derive `Debug` over fields the redaction rule calls secret: {}; \
             extend openapi/pipeline/redact.rs (or allow-list a harmless name in `HARMLESS`, \
             saying why)",
            finder.leaks.join(", ")
        ))
    }
}
