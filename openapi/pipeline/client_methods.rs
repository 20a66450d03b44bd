//! One seam per operation: the crate's `Client` (and Community Training's) gets an inherent method per generated operation
//! (with the spec's summary and description as its documentation), and each generated builder's
//! `send()` returns `appcenter::Result<ResponseValue<T>>`.
//!
//! progenitor's own `send` is renamed `send_generated` (private to the builder module) and a
//! `send` is added beside it that runs it through `crate::transport::call` with the operation's
//! id, method and path template: that is where the call's tracing span starts and where
//! progenitor's error becomes `appcenter::Error`.

use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;

use super::generated_code::client_builder_methods;

/// progenitor's `send`, renamed.
const GENERATED_SEND: &str = "send_generated";

/// `impl Client { ... }` for `src/client.rs`, and how many methods it has.
pub struct ClientMethods {
    /// The source, written to `OUT_DIR/client_methods.rs`.
    pub code: String,
    /// How many methods it has.
    pub methods: usize,
}

/// The builders of App Center's generated client, as `crate::Client`'s methods name them.
pub const APP_CENTER_BUILDERS: &str = "crate::builder";

/// The inherent methods of the hand-owned `Client` (a struct whose `api` field is the generated
/// client) for the generated client `file`, whose builder module is at the path `builders`
/// ([`APP_CENTER_BUILDERS`] for `crate::Client`).
pub fn client_methods(file: &syn::File, builders: &str) -> Result<ClientMethods, String> {
    let builders: syn::Path =
        syn::parse_str(builders).map_err(|e| format!("builder path {builders:?}: {e}"))?;
    let mut methods = Vec::new();
    for (method, builder) in client_builder_methods(file) {
        let name = &method.sig.ident;
        let builder = format_ident!("{builder}");
        let docs = method
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc"))
            .collect::<Vec<_>>();
        methods.push(quote! {
            #(#docs)*
            pub fn #name(&self) -> #builders::#builder<'_> {
                self.api.#name()
            }
        });
    }
    let count = methods.len();
    let file: syn::File = syn::parse2(quote! {
        // The documentation is the spec's own text (as progenitor copied it), which rustdoc's
        // lints were not written for (`P<date>T<time>` reads as HTML).
        #[allow(rustdoc::all)]
        impl Client {
            #(#methods)*
        }
    })
    .map_err(|e| format!("Client methods do not parse: {e}"))?;
    Ok(ClientMethods {
        code: prettyplease::unparse(&file),
        methods: count,
    })
}

/// Renames every builder's `send` and adds the `send` that returns `appcenter::Result`. Returns
/// how many builders it rewrote; fails when a `send` does not have the expected shape.
pub fn wrap_sends(file: &mut syn::File) -> Result<usize, String> {
    let mut wrap = WrapSends::default();
    wrap.visit_file_mut(file);
    if let Some(why) = wrap.failure {
        return Err(why);
    }
    Ok(wrap.wrapped)
}

#[derive(Default)]
struct WrapSends {
    wrapped: usize,
    failure: Option<String>,
}

impl VisitMut for WrapSends {
    fn visit_item_impl_mut(&mut self, block: &mut syn::ItemImpl) {
        if block.trait_.is_some() {
            return;
        }
        let mut added = Vec::new();
        for item in block.items.iter_mut() {
            let syn::ImplItem::Fn(send) = item else {
                continue;
            };
            if send.sig.ident != "send" || send.sig.asyncness.is_none() {
                continue;
            }
            match wrapper(send) {
                Ok(wrapper) => added.push(wrapper),
                Err(why) => {
                    self.failure.get_or_insert(why);
                    return;
                }
            }
            send.sig.ident = format_ident!("{GENERATED_SEND}");
            send.vis = syn::Visibility::Inherited;
            send.attrs.retain(|a| !a.path().is_ident("doc"));
            self.wrapped += 1;
        }
        block.items.extend(added);
    }
}

/// The new `send` for progenitor's `send`.
fn wrapper(send: &syn::ImplItemFn) -> Result<syn::ImplItem, String> {
    let operation_id = operation_id(send)
        .ok_or_else(|| format!("a builder's send has no operation id: {}", quote!(#send)))?;
    let (method, path) = request_line(&send.attrs)
        .ok_or_else(|| format!("{operation_id}: send has no \"Sends a `METHOD` request\" doc"))?;
    let value = response_value(&send.sig).ok_or_else(|| {
        format!("{operation_id}: send does not return Result<ResponseValue<_>, _>")
    })?;
    let docs = send.attrs.iter().filter(|a| a.path().is_ident("doc"));
    let generated = format_ident!("{GENERATED_SEND}");
    // A download's body is bounded by inactivity rather than by the per-attempt timeout.
    let streaming = quote!(#value)
        .to_string()
        .contains("ByteStream")
        .then(|| quote!(.streaming()));
    Ok(syn::parse_quote! {
        #(#docs)*
        ///
        /// Errors of every kind are an [`appcenter::Error`](crate::Error).
        pub async fn send(self) -> crate::Result<#value> {
            const OPERATION: crate::Operation =
                crate::Operation::new(#operation_id, #method, #path)#streaming;
            crate::transport::call(OPERATION, self.#generated()).await
        }
    })
}

/// The `operation_id: "..."` literal in the body of progenitor's `send`.
pub fn operation_id(send: &syn::ImplItemFn) -> Option<String> {
    let body = quote!(#send).to_string();
    body.split("operation_id : \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_string)
}

/// The method and path template of "Sends a `GET` request to `/v0.1/user`".
pub fn request_line(attrs: &[syn::Attribute]) -> Option<(String, String)> {
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
        let text = text.value();
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("Sends a `"))?;
        let mut quoted = line.split('`').skip(1).step_by(2);
        Some((quoted.next()?.to_string(), quoted.next()?.to_string()))
    })
}

/// `ResponseValue<T>` of `-> Result<ResponseValue<T>, Error<E>>`.
fn response_value(sig: &syn::Signature) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    let syn::Type::Path(path) = ty.as_ref() else {
        return None;
    };
    let result = path.path.segments.last()?;
    if result.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &result.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(value) => Some(value.clone()),
        _ => None,
    }
}
