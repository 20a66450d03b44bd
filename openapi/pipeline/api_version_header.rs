//! Sends the `api-version` header of an operation without a header parameter straight from the
//! request builder.
//!
//! progenitor puts the header into a `HeaderMap` of its own in every `send()`, even when it is the
//! only header there, and merges that map into the request (`.headers(header_map)`):
//!
//! ```text
//! let mut header_map = HeaderMap::with_capacity(1usize);
//! header_map.append(HeaderName::from_static("api-version"), HeaderValue::from_static(..));
//! let mut request = client.client.get(url).header(ACCEPT, ..).headers(header_map).build()?;
//! ```
//!
//! An allocation, a merge and a drop on every call, about 1,500 instructions of the SDK's
//! per-call overhead (`scripts/profile-call.sh`). This step rewrites such a `send()` into
//! `.header(HeaderName::from_static("api-version"), HeaderValue::from_static(..))`: the same
//! header and value on the same request. Operations with header parameters keep their map.

use quote::ToTokens;
use syn::visit_mut::VisitMut;

/// Rewrites every single-header `header_map` of the generated `send()`s; returns how many, or an
/// error when one was left (the generated code changed shape: this step needs updating).
pub fn apply(file: &mut syn::File) -> Result<usize, String> {
    let mut step = ApiVersionHeader::default();
    step.visit_file_mut(file);
    let left = file
        .to_token_stream()
        .to_string()
        .replace(' ', "")
        .matches("HeaderMap::with_capacity(1usize)")
        .count();
    if left > 0 {
        return Err(format!(
            "api_version_header: {left} single-header maps were not rewritten; the generated \
             send() changed shape (openapi/pipeline/api_version_header.rs)"
        ));
    }
    Ok(step.rewritten)
}

#[derive(Default)]
struct ApiVersionHeader {
    rewritten: usize,
}

impl VisitMut for ApiVersionHeader {
    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        let spelled: Vec<String> = block.stmts.iter().map(compact).collect();
        let at = spelled.windows(2).position(|w| {
            w[0] == "letmutheader_map=::reqwest::header::HeaderMap::with_capacity(1usize);"
                && w[1].starts_with("header_map.append(")
                && w[1].contains("HeaderName::from_static(\"api-version\")")
                && w[1].contains("HeaderValue::from_static(super::Client::api_version()")
        });
        if let Some(at) = at {
            let mut merge = MergeToHeader::default();
            for stmt in &mut block.stmts[at + 2..] {
                merge.visit_stmt_mut(stmt);
            }
            if merge.replaced == 1 {
                block.stmts.drain(at..at + 2);
                self.rewritten += 1;
            }
        }
        syn::visit_mut::visit_block_mut(self, block);
    }
}

/// A statement's tokens without spaces (their spacing is not part of the code).
fn compact(stmt: &syn::Stmt) -> String {
    stmt.to_token_stream().to_string().replace(' ', "")
}

/// Replaces `.headers(header_map)` by `.header(api-version)`.
#[derive(Default)]
struct MergeToHeader {
    replaced: usize,
}

impl VisitMut for MergeToHeader {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        syn::visit_mut::visit_expr_method_call_mut(self, call);
        let merges_the_map = call.method == "headers"
            && call.args.len() == 1
            && call.args[0].to_token_stream().to_string() == "header_map";
        if merges_the_map {
            call.method = syn::Ident::new("header", call.method.span());
            call.args = syn::parse_quote! {
                ::reqwest::header::HeaderName::from_static("api-version"),
                ::reqwest::header::HeaderValue::from_static(super::Client::api_version())
            };
            self.replaced += 1;
        }
    }
}
