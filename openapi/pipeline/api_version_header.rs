//! Leaves out the `api-version` header progenitor adds to every operation.
//!
//! progenitor sends `api-version: <info.version>` (`preview` for App Center) on every request,
//! with no setting to turn it off. Neither API reads it: App Center versions by path
//! (`/v0.1/...`), and its real clients (the CLI, fastlane, the Azure DevOps task, Jenkins) never
//! sent it; Community Training versions by path too. So it is work on every call for nothing:
//! a header built, merged (through a `HeaderMap` of its own when it is the only header), sent and
//! parsed by the server. This step removes the `header_map.append(api-version, ..)` of every
//! `send()`; where that map held nothing else it removes the map and its `.headers(header_map)`
//! merge too. Operations with header parameters keep their map, without the header.

use quote::ToTokens;
use syn::visit_mut::VisitMut;

/// How many headers (one per operation) and maps the step removed.
#[derive(Default, Debug)]
pub struct Removed {
    pub headers: usize,
    pub maps: usize,
    pub operations: usize,
}

/// Removes them; an error unless every operation had its header removed and none is left (the
/// generated code changed shape: this step needs a look).
pub fn apply(file: &mut syn::File) -> Result<Removed, String> {
    let mut step = ApiVersionHeader::default();
    step.visit_file_mut(file);
    let done = step.done;
    let mut left = Left::default();
    syn::visit::Visit::visit_file(&mut left, file);
    let left = left.0;
    if left || done.headers != done.operations {
        return Err(format!(
            "api_version_header: expected one api-version header per operation and none left, \
             found {done:?} (left: {left}); the generated send() changed shape \
             (openapi/pipeline/api_version_header.rs)"
        ));
    }
    Ok(done)
}

#[derive(Default)]
struct ApiVersionHeader {
    done: Removed,
}

impl VisitMut for ApiVersionHeader {
    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        if function.sig.ident == "send" {
            self.done.operations += 1;
        }
        syn::visit_mut::visit_impl_item_fn_mut(self, function);
    }

    fn visit_block_mut(&mut self, block: &mut syn::Block) {
        // Only `header_map.append(..)` statements are spelled out (spelling every statement of
        // every block cost the build script most of a second).
        let at = block.stmts.iter().position(|stmt| {
            appends_to_header_map(stmt) && {
                let s = compact(stmt);
                s.contains("HeaderName::from_static(\"api-version\")")
                    && s.contains("HeaderValue::from_static(super::Client::api_version()")
            }
        });
        if let Some(at) = at {
            let only_header = at > 0
                && compact(&block.stmts[at - 1])
                    == "letmutheader_map=::reqwest::header::HeaderMap::with_capacity(1usize);";
            if only_header {
                let mut merge = DropMerge::default();
                for stmt in &mut block.stmts[at + 1..] {
                    merge.visit_stmt_mut(stmt);
                }
                if merge.dropped == 1 {
                    block.stmts.drain(at - 1..=at);
                    self.done.maps += 1;
                    self.done.headers += 1;
                }
            } else {
                block.stmts.remove(at);
                self.done.headers += 1;
            }
        }
        syn::visit_mut::visit_block_mut(self, block);
    }
}

/// Whether `stmt` is `header_map.append(..);`.
fn appends_to_header_map(stmt: &syn::Stmt) -> bool {
    let syn::Stmt::Expr(syn::Expr::MethodCall(call), Some(_)) = stmt else {
        return false;
    };
    call.method == "append"
        && matches!(call.receiver.as_ref(), syn::Expr::Path(p) if p.path.is_ident("header_map"))
}

/// Finds an `"api-version"` string left anywhere.
#[derive(Default)]
struct Left(bool);

impl<'ast> syn::visit::Visit<'ast> for Left {
    fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
        self.0 |= lit.value() == "api-version";
    }
}

/// A statement's tokens without spaces (their spacing is not part of the code).
fn compact(stmt: &syn::Stmt) -> String {
    stmt.to_token_stream().to_string().replace(' ', "")
}

/// Replaces `x.headers(header_map)` by `x`.
#[derive(Default)]
struct DropMerge {
    dropped: usize,
}

impl VisitMut for DropMerge {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        if let syn::Expr::MethodCall(call) = expr {
            let merges_the_map = call.method == "headers"
                && call.args.len() == 1
                && call.args[0].to_token_stream().to_string() == "header_map";
            if merges_the_map {
                *expr = (*call.receiver).clone();
                self.dropped += 1;
            }
        }
    }
}
