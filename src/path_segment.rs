//! Encoding of path parameters (group, store, user names, emails...) into one URL path segment.
//!
//! The generated operations call [`encode`] for every path parameter (the build pipeline puts it in
//! place of progenitor's `encode_path`: `openapi/pipeline/path_segments.rs` says why).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but what RFC 3986 allows unencoded in a path segment (`pchar`): unreserved
/// characters, sub-delimiters, `:` and `@`. So `/`, `\`, `?`, `#`, `%`, spaces and non-ASCII are
/// encoded, and `+` and `@` in an email stay as they are.
const NOT_PCHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// `segment` percent-encoded as one path segment; an error for the values that cannot be one:
/// empty (the request would go to the parent resource), `.` and `..` (URLs resolve them as
/// relative steps, encoded or not, so the request would go to another resource).
#[allow(dead_code, reason = "unused when no API area feature is enabled")]
pub(crate) fn encode(segment: &str) -> Result<String, String> {
    match segment {
        "" => Err("a path parameter is empty".to_string()),
        "." | ".." => Err(format!(
            "a path parameter is `{segment}`, which URLs read as a relative step: no request \
             can name it"
        )),
        // Through `Cow`: the encoded pieces are copied as they are, without `Display`.
        _ => Ok(std::borrow::Cow::from(utf8_percent_encode(segment, NOT_PCHAR)).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn encodes_what_is_not_a_path_character() {
        assert_eq!(encode("QA / Beta").unwrap(), "QA%20%2F%20Beta");
        assert_eq!(encode("QA\\Beta").unwrap(), "QA%5CBeta");
        assert_eq!(encode("a?b#c%d").unwrap(), "a%3Fb%23c%25d");
        assert_eq!(encode("ada+qa@example.com").unwrap(), "ada+qa@example.com");
        assert_eq!(encode("fusée").unwrap(), "fus%C3%A9e");
        assert_eq!(encode("...").unwrap(), "...");
        assert_eq!(encode("%2e%2e").unwrap(), "%252e%252e");
    }

    #[test]
    fn refuses_what_no_segment_can_carry() {
        for segment in ["", ".", ".."] {
            assert!(encode(segment).is_err(), "{segment:?}");
        }
    }
}
