//! Reading the generated client's syntax tree: the steps that derive code from what progenitor
//! generated (`app_scoped`, `conformance`) share these, so they agree on what an operation is.

/// The `Client` methods that return a request builder, with the builder's type name
/// (`fn releases_list(&self) -> builder::ReleasesList<'_>` gives `ReleasesList`).
pub fn client_builder_methods(file: &syn::File) -> Vec<(&syn::ImplItemFn, String)> {
    let mut methods = Vec::new();
    for item in &file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let is_client = matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if block.trait_.is_some() || !is_client {
            continue;
        }
        for item in &block.items {
            if let syn::ImplItem::Fn(method) = item
                && let Some(builder) = returned_builder(&method.sig)
            {
                methods.push((method, builder));
            }
        }
    }
    methods
}

/// The items of the generated `builder` module (empty when there is none).
pub fn builder_module(file: &syn::File) -> &[syn::Item] {
    file.items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "builder" => {
                m.content.as_ref().map(|(_, items)| items.as_slice())
            }
            _ => None,
        })
        .unwrap_or_default()
}

/// `X` when the method returns `builder::X<'_>`.
fn returned_builder(sig: &syn::Signature) -> Option<String> {
    let syn::ReturnType::Type(_, ty) = &sig.output else {
        return None;
    };
    let syn::Type::Path(path) = ty.as_ref() else {
        return None;
    };
    let segments: Vec<_> = path.path.segments.iter().collect();
    match segments.as_slice() {
        [module, builder] if module.ident == "builder" => Some(builder.ident.to_string()),
        _ => None,
    }
}
