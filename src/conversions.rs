//! The setters' error conversions, shared by every generated builder (the pipeline step
//! `openapi/pipeline/shared_conversions.rs` calls these instead of a closure per setter).

use std::fmt::Display;

/// A `types::builder` setter's conversion: `"{what}: {error}"` on failure.
pub(crate) fn field<T, E: Display>(result: Result<T, E>, what: &'static str) -> Result<T, String> {
    result.map_err(|e| format!("{what}: {e}"))
}

/// A request builder setter's conversion: `why` on failure.
#[allow(dead_code, reason = "unused when no API area feature is enabled")]
pub(crate) fn failed<T, E>(result: Result<T, E>, why: &'static str) -> Result<T, String> {
    result.map_err(|_| why.to_string())
}
