//! Sends path parameters as exactly one path segment each, or refuses the request.
//!
//! progenitor builds each URL with `format!("{}/v0.1/apps/{}/{}/...", ..., encode_path(&x))`.
//! Its `encode_path` leaves `\` as it is, and URL parsing (WHATWG, as `reqwest` does it) reads `\`
//! as `/` and resolves `.` and `..` segments, whatever their encoding: a group named `QA\Beta`
//! reached `.../distribution_groups/QA/Beta`, and one named `..` turned
//! `DELETE .../apps/{owner}/{app}/distribution_groups/..` into `DELETE .../apps/{owner}/{app}/`,
//! the app itself. This step rewrites every such call into
//! `crate::path_segment::encode(&x).map_err(Error::InvalidRequest)?` (src/path_segment.rs), which
//! encodes every character that is not allowed as such in a segment and refuses the values no
//! encoding can send (empty, `.`, `..`) with an `InvalidRequest` error before anything is sent.

use proc_macro2::{Group, TokenStream, TokenTree};
use quote::quote;
use syn::visit_mut::VisitMut;

/// Rewrites the `encode_path(...)` calls of the `format!` invocations that build URLs.
#[derive(Default)]
pub struct CheckPathSegments;

impl VisitMut for CheckPathSegments {
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        if mac.path.is_ident("format") {
            mac.tokens = self.rewrite(std::mem::take(&mut mac.tokens));
        }
        syn::visit_mut::visit_macro_mut(self, mac);
    }
}

impl CheckPathSegments {
    fn rewrite(&mut self, tokens: TokenStream) -> TokenStream {
        let mut out = TokenStream::new();
        let mut tokens = tokens.into_iter().peekable();
        while let Some(token) = tokens.next() {
            match token {
                TokenTree::Ident(ident) if ident == "encode_path" => {
                    let Some(TokenTree::Group(args)) = tokens.peek().cloned() else {
                        out.extend([TokenTree::Ident(ident)]);
                        continue;
                    };
                    tokens.next();
                    out.extend(quote! {
                        crate::path_segment::encode #args .map_err(Error::InvalidRequest)?
                    });
                }
                TokenTree::Group(group) => {
                    let mut inner = Group::new(group.delimiter(), self.rewrite(group.stream()));
                    inner.set_span(group.span());
                    out.extend([TokenTree::Group(inner)]);
                }
                other => out.extend([other]),
            }
        }
        out
    }
}
