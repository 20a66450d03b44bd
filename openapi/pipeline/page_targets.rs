//! Where a page stream starts: the builders of the paged operations whose stream needs the first
//! request's client and URL (`nextLink` links are mended against it, `$top`/`$skip` offsets are
//! read from it) get a crate-private `page_target()` returning both, so `src/pagination.rs` reads
//! them from the builder instead of watching the transport.
//!
//! `page_target()` calls the builder's `request_generated()` (the request building that
//! `client_methods::wrap_sends` splits off progenitor's `send`, and that `send` itself sends) and
//! returns the client and that request's URL: the URL (query included) `send` sends, by
//! construction.
//!
//! Paged operations are detected in the generated code: a `$skip` query parameter (offsets), a
//! `continuation_token` query parameter (tokens), or a 200 answer whose type has a `next_link`
//! field (links). The detected set must equal [`PAGED`] (restricted to the operations the enabled
//! features generate), or the build fails saying which operation disagrees: a new paged operation
//! in a refreshed spec cannot go unnoticed. Only link and offset builders get the method (the
//! token stream needs neither the URL nor more than the builder), so it is never dead code.

use std::collections::{BTreeMap, BTreeSet};

use quote::quote;
use syn::visit::Visit;

use super::client_methods::{operation_id, request_line};

/// How a paged operation names its next page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// The answer's `nextLink`.
    NextLink,
    /// `$top`/`$skip` offsets.
    Offset,
    /// The answer's continuation token, sent back as the `continuation_token` query parameter.
    Token,
}

/// The paged operations `src/pagination.rs` implements `Paginate` for, with their scheme.
pub const PAGED: &[(&str, Scheme)] = &[
    ("errors_group_list", Scheme::NextLink),
    ("errors_list_for_group", Scheme::NextLink),
    ("push_list", Scheme::NextLink),
    ("export_configurations_list", Scheme::NextLink),
    ("analytics_list_audiences", Scheme::NextLink),
    ("errors_error_search", Scheme::Offset),
    ("errors_error_groups_search", Scheme::Offset),
    ("errors_available_versions", Scheme::Offset),
    ("analytics_events", Scheme::Offset),
    ("crash_groups_list", Scheme::Token),
];

/// What the pass found: paged builders per scheme.
#[derive(Debug, Default)]
pub struct PageTargets {
    /// `nextLink` builders (each got `page_target`).
    pub next_link: usize,
    /// `$skip` builders (each got `page_target`).
    pub offset: usize,
    /// Continuation-token builders (checked, no method needed).
    pub token: usize,
}

/// Detects the paged builders of `file` (run it before `client_methods::wrap_sends`, on
/// progenitor's `send`), checks them against [`PAGED`] and adds `page_target` to the link and
/// offset ones.
pub fn add(file: &mut syn::File) -> Result<PageTargets, String> {
    let linked = types_with_next_link(file);
    let mut found = PageTargets::default();
    let mut detected = BTreeMap::new();
    let mut operations = BTreeSet::new();
    for item in builder_items_mut(file) {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        if block.trait_.is_some() {
            continue;
        }
        let Some(send) = block.items.iter().find_map(|item| match item {
            syn::ImplItem::Fn(f) if f.sig.ident == "send" && f.sig.asyncness.is_some() => Some(f),
            _ => None,
        }) else {
            continue;
        };
        let id = operation_id(send).ok_or("a builder's send has no operation id")?;
        operations.insert(id.clone());
        let Some(scheme) = scheme(send, &linked) else {
            continue;
        };
        detected.insert(id.clone(), scheme);
        match scheme {
            Scheme::NextLink => found.next_link += 1,
            Scheme::Offset => found.offset += 1,
            Scheme::Token => {
                found.token += 1;
                continue;
            }
        }
        let method = page_target(send, &id)?;
        block.items.push(method);
    }
    check(&detected, &operations)?;
    Ok(found)
}

/// The detected paged operations must be [`PAGED`]'s, restricted to the generated `operations`.
fn check(detected: &BTreeMap<String, Scheme>, operations: &BTreeSet<String>) -> Result<(), String> {
    for (id, scheme) in detected {
        match PAGED.iter().find(|(known, _)| known == id) {
            None => {
                return Err(format!(
                    "{id} is paged ({scheme:?}, detected by page_targets.rs) but has no Paginate \
                     impl: add one in src/pagination.rs and list it in page_targets::PAGED"
                ));
            }
            Some((_, known)) if known != scheme => {
                return Err(format!(
                    "{id} is paged by {scheme:?} but page_targets::PAGED says {known:?}"
                ));
            }
            Some(_) => {}
        }
    }
    for (id, scheme) in PAGED {
        if operations.contains(*id) && !detected.contains_key(*id) {
            return Err(format!(
                "{id} is listed in page_targets::PAGED ({scheme:?}) but its builder no longer \
                 looks paged (no `$skip` or `continuation_token` query parameter, no `next_link` \
                 in its 200 answer): fix the detection or drop its Paginate impl"
            ));
        }
    }
    Ok(())
}

/// The items of the generated `builder` module, mutably.
fn builder_items_mut(file: &mut syn::File) -> impl Iterator<Item = &mut syn::Item> {
    file.items
        .iter_mut()
        .filter_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut(),
            _ => None,
        })
        .flat_map(|(_, items)| items.iter_mut())
}

/// Names of the `types` structs with a `next_link` field.
fn types_with_next_link(file: &syn::File) -> BTreeSet<String> {
    let types = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    });
    types
        .into_iter()
        .flatten()
        .filter_map(|item| match item {
            syn::Item::Struct(s)
                if s.fields
                    .iter()
                    .any(|f| f.ident.as_ref().is_some_and(|i| i == "next_link")) =>
            {
                Some(s.ident.to_string())
            }
            _ => None,
        })
        .collect()
}

/// How the operation of `send` pages, if it does.
fn scheme(send: &syn::ImplItemFn, linked: &BTreeSet<String>) -> Option<Scheme> {
    let mut query = QueryNames::default();
    query.visit_block(&send.block);
    if query.names.contains("$skip") {
        return Some(Scheme::Offset);
    }
    if query.names.contains("continuation_token") {
        return Some(Scheme::Token);
    }
    let answer = answer_type(&send.sig)?;
    linked.contains(&answer).then_some(Scheme::NextLink)
}

/// `X` of `-> Result<ResponseValue<types::X>, _>`.
fn answer_type(sig: &syn::Signature) -> Option<String> {
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    let text = quote!(#ty).to_string().replace(' ', "");
    let inner = text.strip_prefix("Result<ResponseValue<types::")?;
    let end = inner.find('>')?;
    Some(inner[..end].to_string())
}

/// The names of the query parameters a `send` body sets (`QueryParam::new("name", ..)`).
#[derive(Default)]
struct QueryNames {
    names: BTreeSet<String>,
}

impl<'ast> Visit<'ast> for QueryNames {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(path) = call.func.as_ref() {
            let segments: Vec<_> = path.path.segments.iter().map(|s| &s.ident).collect();
            if let [.., ty, new] = segments.as_slice()
                && *ty == "QueryParam"
                && *new == "new"
                && let Some(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(name),
                    ..
                })) = call.args.first()
            {
                self.names.insert(name.value());
            }
        }
        syn::visit::visit_expr_call(self, call);
    }
}

/// `page_target` for the builder whose progenitor `send` is `send`.
fn page_target(send: &syn::ImplItemFn, id: &str) -> Result<syn::ImplItem, String> {
    let (method, path) = request_line(&send.attrs)
        .ok_or_else(|| format!("{id}: send has no \"Sends a `METHOD` request\" doc"))?;
    Ok(syn::parse_quote! {
        /// The client and the URL (query included) that `send` sends this request to: where a
        /// page stream starts. Errors are those `send` would return before sending anything.
        pub(crate) async fn page_target(
            self,
        ) -> crate::Result<(&'a super::Client, ::reqwest::Url)> {
            const OPERATION: crate::Operation = crate::Operation::new(#id, #method, #path);
            match self.request_generated() {
                Ok((client, request)) => Ok((client, request.url().clone())),
                Err(e) => Err(crate::error::from_generated(Some(OPERATION), e).await),
            }
        }
    })
}
