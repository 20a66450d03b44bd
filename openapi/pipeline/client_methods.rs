//! One seam per operation: the crate's `Client` (and Community Training's) gets an inherent method per generated operation
//! (with the spec's summary and description as its documentation), and each generated builder's
//! `send()` returns `appcenter::Result<ResponseValue<T>>`.
//!
//! progenitor's own `send` builds the request, runs the hooks and decodes the answer, all in one
//! async body per operation. [`wrap_sends`] splits it: the request building (parameter checks,
//! URL, query, headers) stays per operation, as a plain function `request_generated`; the rest
//! (hooks, status check, decoding) is the same for every operation, so it becomes one shared
//! function in `crate::transport` (`send_json`, `send_empty` or `send_stream`) that the new
//! `send` calls with the operation's id, method, path template and success statuses. That is
//! where the call's tracing span starts and where progenitor's error becomes `appcenter::Error`.
//! The shared tail is checked, statement by statement, against what progenitor generated: a
//! `send` of any other shape fails the build. (358 async bodies were most of the crate's build
//! time; see BENCHMARKS.md.)

use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;

use super::generated_code::client_builder_methods;

/// What progenitor's `send` keeps: the request building, as a plain function.
const REQUEST: &str = "request_generated";

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

/// Splits every builder's `send` into its request building and the shared tail (see the module
/// documentation). Returns how many builders it rewrote; fails when a `send` does not have the
/// expected shape.
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
        let mut items = Vec::with_capacity(block.items.len() + 1);
        for item in std::mem::take(&mut block.items) {
            let send = match &item {
                syn::ImplItem::Fn(send)
                    if send.sig.ident == "send" && send.sig.asyncness.is_some() =>
                {
                    send
                }
                _ => {
                    items.push(item);
                    continue;
                }
            };
            match split(send) {
                Ok(split) => {
                    items.extend(split);
                    self.wrapped += 1;
                }
                Err(why) => {
                    self.failure.get_or_insert(why);
                    items.push(item);
                }
            }
        }
        block.items = items;
    }
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

/// How a success answer is decoded: the shared function of `crate::transport` that does it.
fn decoding(body: &str) -> Option<&'static str> {
    let body = body.trim_start_matches("{ ").trim_end_matches(" }");
    match body {
        "ResponseValue :: from_response (response) . await" => Some("send_json"),
        "Ok (ResponseValue :: empty (response))" => Some("send_empty"),
        "Ok (ResponseValue :: stream (response))" => Some("send_stream"),
        _ => None,
    }
}

/// `200u16` or `200..=299` as an inclusive range of statuses.
fn statuses(pat: &syn::Pat) -> Option<(u16, u16)> {
    let status = |expr: &syn::Expr| match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => int.base10_parse::<u16>().ok(),
        _ => None,
    };
    match pat {
        syn::Pat::Lit(lit) => {
            let code = status(&syn::Expr::Lit(lit.clone()))?;
            Some((code, code))
        }
        syn::Pat::Range(syn::PatRange {
            start: Some(start),
            end: Some(end),
            limits: syn::RangeLimits::Closed(_),
            ..
        }) => Some((status(start)?, status(end)?)),
        _ => None,
    }
}

/// progenitor's `send` as `request_generated` plus the new `send`.
fn split(send: &syn::ImplItemFn) -> Result<[syn::ImplItem; 2], String> {
    let operation_id = operation_id(send)
        .ok_or_else(|| format!("a builder's send has no operation id: {}", quote!(#send)))?;
    let (method, path) = request_line(&send.attrs)
        .ok_or_else(|| format!("{operation_id}: send has no \"Sends a `METHOD` request\" doc"))?;
    let (value, error) = result_types(&send.sig).ok_or_else(|| {
        format!("{operation_id}: send does not return Result<ResponseValue<_>, Error<_>>")
    })?;
    let unexpected = |what: &str| format!("{operation_id}: progenitor's send {what}");

    // The tail every operation shares, as progenitor writes it after building the request.
    let stmts = &send.block.stmts;
    let start = stmts
        .iter()
        .position(|s| {
            quote!(#s)
                .to_string()
                .starts_with("let info = OperationInfo")
        })
        .ok_or_else(|| unexpected("has no `let info = OperationInfo`"))?;
    let (building, tail) = stmts.split_at(start);
    let shared = quote! {
        client.pre(&mut request, &info).await?;
        let result = client.exec(request, &info).await;
        client.post(&result, &info).await?;
        let response = result?;
    }
    .to_string();
    let [info, steps @ .., answer] = tail else {
        return Err(unexpected("ends too soon"));
    };
    let info_expected = quote!(let info = OperationInfo { operation_id: #operation_id, };);
    if quote!(#info).to_string() != info_expected.to_string()
        || quote!(#(#steps)*).to_string() != shared
    {
        return Err(unexpected("runs its hooks in an unexpected way"));
    }
    let syn::Stmt::Expr(syn::Expr::Match(answer), None) = answer else {
        return Err(unexpected("does not end in a match on the status"));
    };
    let scrutinee = &answer.expr;
    if quote!(#scrutinee).to_string() != "response . status () . as_u16 ()" {
        return Err(unexpected("matches on something other than the status"));
    }
    let error_arm =
        "{ Err (Error :: ErrorResponse (ResponseValue :: from_response (response) . await ?)) }";
    let mut success = Vec::new();
    let mut decode = None;
    let mut errors = Vec::new();
    let mut fallback = false;
    for arm in &answer.arms {
        let body = {
            let body = &arm.body;
            quote!(#body).to_string()
        };
        if matches!(arm.pat, syn::Pat::Wild(_)) {
            fallback = body == "Err (Error :: UnexpectedResponse (response))";
            continue;
        }
        let range = statuses(&arm.pat).ok_or_else(|| unexpected("matches an unknown pattern"))?;
        if body == error_arm {
            errors.push(range);
            continue;
        }
        let this = decoding(&body).ok_or_else(|| unexpected(&format!("decodes {body}")))?;
        if decode.replace(this).is_some_and(|before| before != this) {
            return Err(unexpected("decodes its success answers in different ways"));
        }
        success.push(range);
    }
    if errors != [(400, 499), (500, 599)] || !fallback {
        return Err(unexpected("handles error answers in an unexpected way"));
    }
    let decode = format_ident!(
        "{}",
        decode.ok_or_else(|| unexpected("has no success answer"))?
    );
    let success = success.iter().map(|(low, high)| quote!((#low, #high)));

    let request = format_ident!("{REQUEST}");
    let docs = send.attrs.iter().filter(|a| a.path().is_ident("doc"));
    // A download's body is bounded by inactivity rather than by the per-attempt timeout.
    let streaming = (decode == "send_stream").then(|| quote!(.streaming()));
    let request_fn: syn::ImplItem = syn::parse_quote! {
        /// The request `send` sends, with the parameters checked, and the client that sends it
        /// (page streams read the first page's URL from it).
        #[inline]
        pub(crate) fn #request(self) -> Result<(&'a super::Client, ::reqwest::Request), #error> {
            #(#building)*
            Ok((client, request))
        }
    };
    // `#[inline]`: the typed decoding `send` instantiates (`send_json::<T>` and serde_json's
    // deserializer for `T`, most of the machine code of a build of every area) is then compiled
    // in the crate that calls this operation, for the operations it calls, instead of for all
    // of them in every build of this crate; so is the request building (`request_fn`, whose
    // serialisation of the body is also generic over its type).
    let send_fn: syn::ImplItem = syn::parse_quote! {
        #(#docs)*
        ///
        /// Errors of every kind are an [`appcenter::Error`](crate::Error).
        #[inline]
        pub fn send(self) -> impl ::std::future::Future<Output = crate::Result<#value>> + 'a {
            const OPERATION: crate::Operation =
                crate::Operation::new(#operation_id, #method, #path)#streaming;
            crate::transport::#decode(OPERATION, self.#request(), &[#(#success),*])
        }
    };
    Ok([request_fn, send_fn])
}

/// `ResponseValue<T>` and `Error<E>` of `-> Result<ResponseValue<T>, Error<E>>`.
fn result_types(sig: &syn::Signature) -> Option<(syn::Type, syn::Type)> {
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
    match (args.args.first()?, args.args.iter().nth(1)?) {
        (syn::GenericArgument::Type(value), syn::GenericArgument::Type(error)) => {
            Some((value.clone(), error.clone()))
        }
        _ => None,
    }
}
