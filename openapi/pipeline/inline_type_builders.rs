//! Marks the conversions of the `types::builder` structs `#[inline]`, so that they are compiled
//! where they are used instead of in every build of this crate.
//!
//! typify writes, for every type `X` with a builder, `impl Default for builder::X`,
//! `impl TryFrom<builder::X> for X` and `impl From<X> for builder::X`: non-generic functions, a
//! field each, that rustc otherwise compiles to machine code here whether or not anyone builds an
//! `X` (about a sixth of the library's LLVM IR with every area). `#[inline]` changes no behaviour
//! and no documentation; a program that uses `X::builder()` compiles them itself.

use syn::visit_mut::VisitMut;

/// How many builder structs and conversions the step saw and marked.
#[derive(Default, Debug)]
pub struct Inlined {
    pub structs: usize,
    pub defaults: usize,
    pub try_froms: usize,
    pub froms: usize,
}

/// Marks them; an error unless every builder struct had its three conversions (typify's output
/// changed: this step needs a look).
pub fn apply(file: &mut syn::File) -> Result<Inlined, String> {
    let mut step = Step::default();
    step.visit_file_mut(file);
    let done = step.done;
    if done.defaults != done.structs || done.try_froms != done.structs || done.froms != done.structs
    {
        return Err(format!(
            "inline_type_builders: expected Default, TryFrom and From for each builder struct, \
             found {done:?}"
        ));
    }
    Ok(done)
}

#[derive(Default)]
struct Step {
    /// Inside `mod types { mod builder { .. } }`.
    depth: Vec<String>,
    done: Inlined,
}

impl Step {
    fn in_builders(&self) -> bool {
        self.depth.len() >= 2 && self.depth[self.depth.len() - 2..] == ["types", "builder"]
    }
}

impl VisitMut for Step {
    fn visit_item_mod_mut(&mut self, module: &mut syn::ItemMod) {
        self.depth.push(module.ident.to_string());
        syn::visit_mut::visit_item_mod_mut(self, module);
        self.depth.pop();
    }

    fn visit_item_struct_mut(&mut self, _: &mut syn::ItemStruct) {
        if self.in_builders() {
            self.done.structs += 1;
        }
    }

    fn visit_item_impl_mut(&mut self, block: &mut syn::ItemImpl) {
        if !self.in_builders() {
            return;
        }
        let Some((trait_, _)) = &block.trait_ else {
            return;
        };
        let Some(name) = trait_.segments.last().map(|s| s.ident.to_string()) else {
            return;
        };
        let count = match name.as_str() {
            "Default" => &mut self.done.defaults,
            "TryFrom" => &mut self.done.try_froms,
            "From" => &mut self.done.froms,
            _ => return,
        };
        *count += 1;
        for item in &mut block.items {
            if let syn::ImplItem::Fn(function) = item {
                function.attrs.push(syn::parse_quote!(#[inline]));
            }
        }
    }
}
