//! Mixed casing in answers: Community Training answers PascalCase (`CourseItems`, `UserDetails`)
//! beside camelCase (`courseName`, `id`), and an instance may spell a field either way. This step
//! gives every field of every generated struct `#[serde(alias = ..)]`es for the other spellings of
//! its name: first letter lower-cased, first letter upper-cased, all lower case. The name the spec
//! gives stays the one sent; answers decode whichever of these casings the instance uses.
//!
//! Chosen over decoding keys case-insensitively at run time, which needs each type's names at run
//! time and a global name table that breaks on `Id` in one schema beside `id` in another.

use syn::visit_mut::VisitMut;

/// Adds the aliases; `added` counts them (for the pipeline report).
#[derive(Default)]
pub struct CaseAliases {
    /// Aliases added.
    pub added: usize,
}

impl VisitMut for CaseAliases {
    fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
        if !derives(&item.attrs, "Deserialize") {
            return;
        }
        let syn::Fields::Named(fields) = &mut item.fields else {
            return;
        };
        for field in fields.named.iter_mut() {
            let Some(wire) = wire_name(field) else {
                continue;
            };
            for alias in spellings(&wire) {
                field
                    .attrs
                    .push(syn::parse_quote! { #[serde(alias = #alias)] });
                self.added += 1;
            }
        }
    }
}

/// The other spellings of `name` an answer may use, without `name` itself or duplicates.
pub fn spellings(name: &str) -> Vec<String> {
    let mut first = name.chars();
    let Some(head) = first.next() else {
        return Vec::new();
    };
    let rest: String = first.collect();
    let mut out: Vec<String> = Vec::new();
    for candidate in [
        format!("{}{rest}", head.to_ascii_lowercase()),
        format!("{}{rest}", head.to_ascii_uppercase()),
        name.to_ascii_lowercase(),
    ] {
        if candidate != name && !out.contains(&candidate) {
            out.push(candidate);
        }
    }
    out
}

/// The JSON name of a field: its `#[serde(rename = "..")]`, else the Rust name. `None` for a
/// `#[serde(flatten)]` field (it has no name of its own).
fn wire_name(field: &syn::Field) -> Option<String> {
    let mut rename = None;
    let mut flatten = false;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("flatten") {
                flatten = true;
            } else if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                rename = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    if flatten {
        return None;
    }
    let ident = field.ident.as_ref()?.to_string();
    Some(rename.unwrap_or_else(|| ident.trim_start_matches("r#").to_string()))
}

fn derives(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|paths| {
                paths
                    .iter()
                    .any(|p| p.segments.last().is_some_and(|s| s.ident == name))
            })
        })
}
