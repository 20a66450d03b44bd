//! Decoding helpers the generated types use (added by `openapi/pipeline/null_lists.rs`).

use serde::{Deserialize, Deserializer};

/// Reads an optional list or map, taking `null` as empty (as an absent field is).
#[allow(dead_code, reason = "unused when no API area feature is enabled")]
pub(crate) fn null_as_empty<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
