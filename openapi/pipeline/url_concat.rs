//! Builds each operation's URL by concatenation instead of `format!`.
//!
//! progenitor writes `let url = format!("{}/v0.1/apps/{}/{}/releases", client.baseurl, a, b);`
//! in every operation. `format!` runs the formatting machinery (argument list, `Display` of each
//! piece, a buffer grown as it goes) on every call; the URL is only strings laid end to end. This
//! step rewrites each such statement into `let url = [&*client.baseurl, "/v0.1/apps/", &*(a),
//! "/", &*(b), "/releases"].concat();`: the same string, one allocation of the right size. The
//! arguments are the same expressions, evaluated in the same order (the checked path segments of
//! `path_segments.rs` included, so run this step after it).
//!
//! Only a `let url = format!(..)` whose literal holds nothing but `{}` placeholders and text is
//! rewritten; any other shape is an error (progenitor's output changed: this step needs a look),
//! and so is a count of URLs that differs from the count of operations (`send` functions).

use quote::quote;
use syn::punctuated::Punctuated;
use syn::visit_mut::VisitMut;

/// How many URLs the step rewrote, and how many operations it saw.
#[derive(Default, Debug)]
pub struct Concatenated {
    pub urls: usize,
    pub operations: usize,
}

/// Rewrites them; an error for a URL `format!` of another shape, or a count that does not match.
pub fn apply(file: &mut syn::File) -> Result<Concatenated, String> {
    let mut step = Step::default();
    step.visit_file_mut(file);
    if let Some(error) = step.error {
        return Err(error);
    }
    if step.done.urls != step.done.operations {
        return Err(format!(
            "url_concat: expected one URL per operation, found {:?}",
            step.done
        ));
    }
    Ok(step.done)
}

#[derive(Default)]
struct Step {
    done: Concatenated,
    error: Option<String>,
}

impl VisitMut for Step {
    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        if function.sig.ident == "send" {
            self.done.operations += 1;
        }
        syn::visit_mut::visit_impl_item_fn_mut(self, function);
    }

    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        let is_url = matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "url");
        let format = local.init.as_mut().and_then(|init| match &*init.expr {
            syn::Expr::Macro(m) if m.mac.path.is_ident("format") => Some(init),
            _ => None,
        });
        if let (true, Some(init)) = (is_url, format) {
            let syn::Expr::Macro(m) = &*init.expr else {
                unreachable!("matched above")
            };
            match concatenation(&m.mac) {
                Ok(expr) => {
                    *init.expr = expr;
                    self.done.urls += 1;
                }
                Err(e) => {
                    self.error.get_or_insert(e);
                }
            }
        }
        syn::visit_mut::visit_local_mut(self, local);
    }
}

/// `format!("{}a{}b", x, y)` as `[&*(x), "a", &*(y), "b"].concat()`.
fn concatenation(mac: &syn::Macro) -> Result<syn::Expr, String> {
    let shown = || quote!(#mac).to_string();
    let args = mac
        .parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .map_err(|e| {
            format!(
                "url_concat: a URL format! does not parse ({e}): {}",
                shown()
            )
        })?;
    let mut args = args.into_iter();
    let Some(syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(literal),
        ..
    })) = args.next()
    else {
        return Err(format!(
            "url_concat: a URL format! without a literal: {}",
            shown()
        ));
    };
    let text = literal.value();
    let pieces: Vec<&str> = text.split("{}").collect();
    let args: Vec<syn::Expr> = args.collect();
    if pieces.iter().any(|p| p.contains(['{', '}'])) || pieces.len() != args.len() + 1 {
        return Err(format!(
            "url_concat: a URL format! with other placeholders than `{{}}`, or another count of \
             arguments: {}",
            shown()
        ));
    }
    let mut parts = Vec::new();
    for (piece, arg) in pieces.iter().zip(&args) {
        if !piece.is_empty() {
            parts.push(quote!(#piece));
        }
        parts.push(quote!(&*(#arg)));
    }
    if let Some(last) = pieces.last().filter(|p| !p.is_empty()) {
        parts.push(quote!(#last));
    }
    syn::parse2(quote!([#(#parts),*].concat()))
        .map_err(|e| format!("url_concat: the concatenation does not parse ({e})"))
}
