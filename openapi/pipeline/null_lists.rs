//! `null` decodes as absent for lists and maps too (the rule of the fix-up
//! `answers_may_omit_non_identity_fields`): typify generates an optional list or map as a plain
//! `Vec`/map with `#[serde(default)]`, which takes an absent field but fails the whole answer on
//! `null`. Such fields also get `deserialize_with = "crate::tolerant::null_as_empty"`, which
//! reads `null` as empty. Encoding is untouched (an empty list is still left out), so requests
//! send exactly what they did.

use syn::visit_mut::VisitMut;

/// The deserializer added to optional lists and maps (src/tolerant.rs).
const NULL_AS_EMPTY: &str = "crate::tolerant::null_as_empty";

/// Adds [`NULL_AS_EMPTY`] to every optional list or map field; returns how many.
pub fn tolerate_null_lists(file: &mut syn::File) -> usize {
    let mut step = Step::default();
    step.visit_file_mut(file);
    step.changed
}

#[derive(Default)]
struct Step {
    changed: usize,
}

impl VisitMut for Step {
    fn visit_field_mut(&mut self, field: &mut syn::Field) {
        if field.attrs.iter().any(is_optional_collection) {
            field
                .attrs
                .push(syn::parse_quote! { #[serde(deserialize_with = #NULL_AS_EMPTY)] });
            self.changed += 1;
        }
    }
}

/// `#[serde(default, skip_serializing_if = "...::is_empty")]`: typify's optional list or map.
fn is_optional_collection(attr: &syn::Attribute) -> bool {
    if !attr.path().is_ident("serde") {
        return false;
    }
    let mut default = false;
    let mut skipped_when_empty = false;
    let parsed = attr.parse_nested_meta(|meta| {
        let has_value = meta.input.peek(syn::Token![=]);
        if meta.path.is_ident("skip_serializing_if") {
            let value: syn::LitStr = meta.value()?.parse()?;
            skipped_when_empty = value.value().ends_with("is_empty");
        } else if has_value {
            let _: syn::Expr = meta.value()?.parse()?;
        } else if meta.path.is_ident("default") {
            default = true;
        }
        Ok(())
    });
    parsed.is_ok() && default && skipped_when_empty
}
