//! Gives the builders' setters one shared error conversion instead of a closure each.
//!
//! progenitor's setters (request builders and the `types::builder` structs) end in a closure that
//! turns a failed `TryInto` into the setter's message:
//!
//! ```text
//! self.daily = value.try_into().map_err(|e| format!("error converting supplied value for daily: {e}"));
//! self.top = value.try_into().map(Some).map_err(|_| "conversion to `i64` for top failed".to_string());
//! ```
//!
//! About 2,900 closures, each a body the compiler builds, checks and borrow-checks on its own: a
//! tenth of the crate's build. This step rewrites each `.map_err(closure)` into a call of a
//! generic function in `src/conversions.rs` with the same message, so the message and the
//! result are unchanged: `crate::conversions::field(value.try_into(), "error converting supplied
//! value for daily")` and `crate::conversions::failed(value.try_into().map(Some), "...")`.

use syn::visit_mut::VisitMut;

/// What the step rewrote.
#[derive(Default, Debug)]
pub struct Rewritten {
    /// `|e| format!("error converting supplied value for X: {e}")` (the `types::builder` setters).
    pub fields: usize,
    /// `|_| "conversion to ... failed".to_string()` (the request builders' setters).
    pub requests: usize,
}

/// Rewrites every setter closure of both shapes; an error when one of either shape is left (the
/// generated code changed: this step needs updating).
pub fn apply(file: &mut syn::File) -> Result<Rewritten, String> {
    let mut step = SharedConversions::default();
    step.visit_file_mut(file);
    let mut left = Left::default();
    syn::visit::Visit::visit_file(&mut left, file);
    if let Some(context) = left.0 {
        return Err(format!(
            "shared_conversions: a setter closure of an unknown shape is left: {context}"
        ));
    }
    Ok(step.done)
}

/// Finds a message of either shape still built in place (`format!("error converting supplied
/// value for ..")`, `"conversion to .. failed".to_string()`): looked for in the syntax tree, as
/// spelling the whole file out cost the build script a third of a second.
#[derive(Default)]
struct Left(Option<String>);

impl<'ast> syn::visit::Visit<'ast> for Left {
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if !mac.path.is_ident("format") {
            return;
        }
        let tokens = mac.tokens.to_string();
        if tokens.contains("error converting supplied value for ") {
            self.0.get_or_insert(tokens);
        }
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        if call.method == "to_string"
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) = call.receiver.as_ref()
            && text.value().ends_with("failed")
        {
            self.0.get_or_insert(text.value());
        }
        syn::visit::visit_expr_method_call(self, call);
    }
}

#[derive(Default)]
struct SharedConversions {
    done: Rewritten,
}

impl VisitMut for SharedConversions {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        let syn::Expr::MethodCall(call) = expr else {
            return;
        };
        if call.method != "map_err" || call.args.len() != 1 {
            return;
        }
        let Some(syn::Expr::Closure(closure)) = call.args.first() else {
            return;
        };
        let Some((helper, message)) = shape(closure) else {
            return;
        };
        match helper {
            "field" => self.done.fields += 1,
            _ => self.done.requests += 1,
        }
        let helper = quote::format_ident!("{helper}");
        let result = &call.receiver;
        *expr = syn::parse_quote!(crate::conversions::#helper(#result, #message));
    }
}

/// Which helper replaces `closure`, and its message, for the two shapes progenitor writes.
fn shape(closure: &syn::ExprClosure) -> Option<(&'static str, String)> {
    if closure.inputs.len() != 1 {
        return None;
    }
    let mut body = closure.body.as_ref();
    if let syn::Expr::Block(block) = body
        && let [syn::Stmt::Expr(inner, None)] = block.block.stmts.as_slice()
    {
        body = inner;
    }
    match body {
        // |e| format!("error converting supplied value for daily: {e}")
        syn::Expr::Macro(mac) if mac.mac.path.is_ident("format") => {
            let text: syn::LitStr = mac.mac.parse_body().ok()?;
            let prefix = text
                .value()
                .strip_suffix(": {e}")?
                .strip_prefix("error converting supplied value for ")?
                .to_string();
            Some((
                "field",
                format!("error converting supplied value for {prefix}"),
            ))
        }
        // |_| "conversion to `i64` for top failed".to_string()
        syn::Expr::MethodCall(to_string)
            if to_string.method == "to_string" && to_string.args.is_empty() =>
        {
            let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) = to_string.receiver.as_ref()
            else {
                return None;
            };
            let text = text.value();
            (text.starts_with("conversion to ") && text.ends_with(" failed"))
                .then_some(("failed", text))
        }
        _ => None,
    }
}
