//! Writes the typed helpers of `appcenter::mock` (feature `mock`): one
//! `MockAppCenter::on_<operation>(path parameters...)` per generated operation, returning an
//! `On<'_, T>` whose `respond` takes the operation's own success type `T`.
//!
//! Everything is read off the generated client's syntax tree (the tree `generate()` returned, no
//! second parse): each `Client` method's builder, the builder's `send` documentation line
//! ("Sends a `GET` request to `/v0.1/...`") for the method and path template, its return type
//! (`ResponseValue<T>`) for the answer type, and its first 2xx `match` arm for the success status
//! and how the body is read (JSON, empty, byte stream). A refreshed spec's new operation gets a
//! helper without anyone writing one.

use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;

use super::client_methods::request_line;
use super::generated_code::{builder_module, client_builder_methods};

/// How an operation's success answer is read by the generated client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Body {
    /// `ResponseValue::from_response`: JSON.
    Json,
    /// `ResponseValue::empty`: no body.
    Empty,
    /// `ResponseValue::stream`: raw bytes.
    Stream,
}

/// One operation as the mock serves it.
struct Helper {
    /// The `Client` method (`releases_list`).
    method_name: String,
    /// `GET`, `POST`...
    http_method: String,
    /// `/v0.1/apps/{owner_name}/{app_name}/releases`.
    template: String,
    /// The success status (`200`, `201`, `204`...).
    status: u16,
    body: Body,
    /// The answer type, with `crate::` paths.
    answer: syn::Type,
}

/// The source of `mock_helpers.rs` (`include!`d by `src/mock/mod.rs`), and how many helpers it
/// has. A failure here must not break users' builds without the mock: `build.rs` turns it into a
/// `compile_error!` that only the `mock` feature compiles.
pub fn generate(file: &syn::File) -> Result<(String, usize), String> {
    let builders = builder_module(file);
    let mut helpers = Vec::new();
    for (method, builder) in client_builder_methods(file) {
        let name = method.sig.ident.to_string();
        let send = send_of(builders, &builder)
            .ok_or_else(|| format!("mock helpers: no `send` on builder `{builder}` of `{name}`"))?;
        helpers.push(helper(&name, send)?);
    }
    helpers.sort_by(|a, b| a.method_name.cmp(&b.method_name));
    let count = helpers.len();
    Ok((render(&helpers)?, count))
}

/// The `send` method of the builder named `builder`.
fn send_of<'a>(builders: &'a [syn::Item], builder: &str) -> Option<&'a syn::ImplItemFn> {
    builders.iter().find_map(|item| {
        let syn::Item::Impl(imp) = item else {
            return None;
        };
        let syn::Type::Path(ty) = &*imp.self_ty else {
            return None;
        };
        if ty.path.segments.last()?.ident != builder {
            return None;
        }
        imp.items.iter().find_map(|item| match item {
            syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
            _ => None,
        })
    })
}

fn helper(name: &str, send: &syn::ImplItemFn) -> Result<Helper, String> {
    let (http_method, template) = request_line(&send.attrs)
        .ok_or_else(|| format!("mock helpers: `{name}` has no \"Sends a ...\" doc line"))?;
    let mut answer = response_value_type(&send.sig.output)
        .ok_or_else(|| format!("mock helpers: `{name}` does not return a `ResponseValue<T>`"))?;
    CratePaths.visit_type_mut(&mut answer);
    let mut arms = SuccessArm::default();
    arms.visit_block_mut(&mut send.block.clone());
    let (status, body) = arms
        .found
        .ok_or_else(|| format!("mock helpers: `{name}` has no 2xx answer"))?;
    if body == Body::Stream {
        answer = syn::parse_quote!(crate::mock::Download);
    }
    Ok(Helper {
        method_name: name.to_string(),
        http_method,
        template,
        status,
        body,
        answer,
    })
}

/// The `{name}` placeholders of a path template, in order; an error for a segment that mixes
/// text and a placeholder, which the mock's segment matching does not do.
fn placeholders(template: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for segment in template.split('/') {
        if !segment.contains('{') && !segment.contains('}') {
            continue;
        }
        let name = segment
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .ok_or_else(|| format!("mock helpers: path segment `{segment}` of `{template}`"))?;
        names.push(name.to_string());
    }
    Ok(names)
}

fn render(helpers: &[Helper]) -> Result<String, String> {
    let mut fns = Vec::new();
    let mut table = Vec::new();
    for h in helpers {
        let params = placeholders(&h.template)?;
        let fn_name = format_ident!("on_{}", h.method_name);
        let args: Vec<_> = params
            .iter()
            .map(|p| format_ident!("{}", to_snake(p)))
            .collect();
        let segments = h
            .template
            .trim_start_matches('/')
            .split('/')
            .map(
                |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(p) => {
                        let arg = format_ident!("{}", to_snake(p));
                        quote! { #arg.to_string() }
                    }
                    None => quote! { #segment.to_string() },
                },
            );
        let answer = &h.answer;
        let (method, template, status, operation) =
            (&h.http_method, &h.template, h.status, &h.method_name);
        let body = match h.body {
            Body::Json => quote! { super::routes::BodyKind::Json },
            Body::Empty => quote! { super::routes::BodyKind::Empty },
            Body::Stream => quote! { super::routes::BodyKind::Bytes },
        };
        let doc = format!(
            " Answers `Client::{operation}`: `{method} {template}`, success `{status}`.\n\n \
             The path parameters match the values given (compared percent-decoded)."
        );
        fns.push(quote! {
            #[doc = #doc]
            pub fn #fn_name(&self, #(#args: impl ::std::fmt::Display),*) -> On<'_, #answer> {
                On::new(
                    self,
                    super::routes::RouteSpec {
                        operation: #operation,
                        method: #method,
                        template: #template,
                        status: #status,
                        body: #body,
                    },
                    vec![#(#segments),*],
                )
            }
        });
        table.push(quote! { (#method, #template, #operation) });
    }
    let tokens = quote! {
        impl MockAppCenter {
            #(#fns)*
        }
        /// Every operation the crate was built with: method, path template, `Client` method.
        pub(crate) const OPERATIONS: &[(&str, &str, &str)] = &[#(#table),*];
    };
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("mock helpers do not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

/// `ownerName` → `owner_name`; snake_case names stay as they are.
fn to_snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    match out.as_str() {
        "type" | "self" | "crate" | "super" | "mod" | "fn" | "ref" | "move" => format!("r#{out}"),
        _ => out,
    }
}

/// `T` of the first `ResponseValue<T>` in a return type, whatever wraps it.
fn response_value_type(output: &syn::ReturnType) -> Option<syn::Type> {
    #[derive(Default)]
    struct Find(Option<syn::Type>);
    impl VisitMut for Find {
        fn visit_path_segment_mut(&mut self, segment: &mut syn::PathSegment) {
            if self.0.is_none()
                && segment.ident == "ResponseValue"
                && let syn::PathArguments::AngleBracketed(args) = &segment.arguments
                && let Some(syn::GenericArgument::Type(ty)) = args.args.first()
            {
                self.0 = Some(ty.clone());
            }
            syn::visit_mut::visit_path_segment_mut(self, segment);
        }
    }
    let mut find = Find::default();
    find.visit_return_type_mut(&mut output.clone());
    find.0
}

/// Prefixes the generated code's relative `types::...` paths with `crate::`.
struct CratePaths;

impl VisitMut for CratePaths {
    fn visit_type_path_mut(&mut self, ty: &mut syn::TypePath) {
        if ty.qself.is_none()
            && ty.path.leading_colon.is_none()
            && ty.path.segments.first().is_some_and(|s| s.ident == "types")
        {
            ty.path.segments.insert(0, syn::parse_quote!(crate));
        }
        syn::visit_mut::visit_type_path_mut(self, ty);
    }
}

/// The first `match` arm of `send` whose pattern is a 2xx status literal, and how it reads the
/// body. (Visited on a clone: the build has syn's `visit-mut` only.)
#[derive(Default)]
struct SuccessArm {
    found: Option<(u16, Body)>,
}

impl VisitMut for SuccessArm {
    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        // `201u16 => ...`, or `200..=299 => ...` (a `2XX` answer: the mock sends its first).
        let first = match &arm.pat {
            syn::Pat::Lit(pat) => Some(&pat.lit),
            syn::Pat::Range(range) => match range.start.as_deref() {
                Some(syn::Expr::Lit(start)) => Some(&start.lit),
                _ => None,
            },
            _ => None,
        };
        if self.found.is_none()
            && let Some(syn::Lit::Int(status)) = first
            && let Ok(status) = status.base10_parse::<u16>()
            && (200..300).contains(&status)
        {
            let body = quote::ToTokens::to_token_stream(&arm.body).to_string();
            let kind = if body.contains("empty") {
                Body::Empty
            } else if body.contains("stream") {
                Body::Stream
            } else {
                Body::Json
            };
            self.found = Some((status, kind));
        }
        syn::visit_mut::visit_arm_mut(self, arm);
    }
}
