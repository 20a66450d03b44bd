//! Secrets in text and URLs, decided in one place for hand-written code: the `Debug` of URL
//! fields in generated types (see `openapi/pipeline/redact.rs`), the one function that turns a
//! URL into something that may be shown ([`url`]: `Debug`, errors, progress), and the scrubbing
//! of secrets out of text a server sent back. Secret query parameters are the ones whose name
//! contains one of [`SECRET_PARAMS`] (a SAS `sig`, `token`, ...); the others (`sv`, `se`, `sp`...)
//! are not secret and help diagnose an expired or read-only URL, so they stay.

use std::borrow::Cow;
use std::fmt;

/// Shown in place of a secret.
#[cfg_attr(not(feature = "crash"), allow(dead_code))]
pub(crate) const REDACTED: &str = "<redacted>";

/// Query parameters whose value is a secret: a SAS `sig`, and any name containing one of these.
const SECRET_PARAMS: &[&str] = &[
    "sig",
    "token",
    "secret",
    "password",
    "passwd",
    "key",
    "signature",
    "code",
    "sas",
];

/// Prints the wrapped value's `Debug` with secret query values replaced by `<redacted>`.
pub(crate) struct Url<'a, T: ?Sized>(pub(crate) &'a T);

impl<T: fmt::Debug + ?Sized> fmt::Debug for Url<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&scrub(&format!("{:?}", self.0)))
    }
}

/// `text` with the value of every `name=value` (also percent-encoded: `name%3Dvalue`) whose name
/// follows `?`, `&` (or `%3F`, `%26`) and is secret replaced by `<redacted>`.
pub(crate) fn scrub(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let eq_len = if bytes[i] == b'=' {
            1
        } else if bytes[i..].len() >= 3 && bytes[i..i + 3].eq_ignore_ascii_case(b"%3d") {
            3
        } else {
            0
        };
        if eq_len == 0 {
            i += 1;
            continue;
        }
        let name_start = text[..i]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
            .map_or(0, |p| {
                p + text[p..].chars().next().map_or(1, char::len_utf8)
            });
        let mut name = &text[name_start..i];
        let before = &bytes[..name_start];
        let mut after_separator = before.ends_with(b"?") || before.ends_with(b"&");
        // `%3F` / `%26` (encoded `?` / `&`): the scan above stopped at the `%`.
        if before.ends_with(b"%")
            && name.len() > 2
            && (name[..2].eq_ignore_ascii_case("3f") || name[..2].eq_ignore_ascii_case("26"))
        {
            name = &name[2..];
            after_separator = true;
        }
        let value_start = i + eq_len;
        if !name.is_empty() && after_separator && is_secret_param(name) {
            let rest = &text[value_start..];
            let mut end = rest
                .find(|c: char| {
                    matches!(c, '&' | '"' | '\'' | '#' | ',' | ')' | '\\' | '<' | '>')
                        || c.is_whitespace()
                })
                .unwrap_or(rest.len());
            if let Some(encoded_amp) = rest[..end].to_ascii_lowercase().find("%26") {
                end = encoded_amp;
            }
            out.push_str(&text[copied..value_start]);
            out.push_str("<redacted>");
            copied = value_start + end;
            i = copied;
        } else {
            i = value_start;
        }
    }
    out.push_str(&text[copied..]);
    out
}

fn is_secret_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_PARAMS.iter().any(|p| name.contains(p))
}

#[cfg_attr(not(feature = "crash"), allow(dead_code))]
/// `url` as it may be shown: credentials removed and secret query values replaced by
/// [`REDACTED`]. The query is rewritten pair by pair, so nothing of a secret survives.
pub(crate) fn url(url: &url::Url) -> String {
    let mut bare = url.clone();
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    bare.set_query(None);
    bare.set_fragment(None);
    let mut shown = bare.to_string();
    if let Some(query) = url.query() {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if is_secret_param(key) => format!("{key}={REDACTED}"),
                _ => pair.to_string(),
            })
            .collect();
        shown.push('?');
        shown.push_str(&pairs.join("&"));
    }
    shown
}

#[cfg_attr(not(feature = "crash"), allow(dead_code))]
/// The values of `url`'s secret query parameters, as sent and percent-decoded: what
/// [`scrub_secrets`] removes from text.
pub(crate) fn secrets(url: &url::Url) -> Vec<String> {
    let mut found = Vec::new();
    for pair in url.query().unwrap_or_default().split('&') {
        if let Some((key, value)) = pair.split_once('=')
            && is_secret_param(key)
            && !value.is_empty()
        {
            found.push(value.to_string());
            let decoded = percent_encoding::percent_decode_str(value)
                .decode_utf8_lossy()
                .into_owned();
            if decoded != value {
                found.push(decoded);
            }
        }
    }
    found
}

#[cfg_attr(not(feature = "crash"), allow(dead_code))]
/// `text` with every occurrence of each secret replaced by [`REDACTED`] (for bodies a server
/// sent back, which may echo the request URL).
pub(crate) fn scrub_secrets<'a>(text: &'a str, secrets: &[String]) -> Cow<'a, str> {
    let mut text = Cow::Borrowed(text);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret.as_str()) {
            text = Cow::Owned(text.replace(secret.as_str(), REDACTED));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_query_values_are_hidden_and_the_rest_kept() {
        let url = "https://acct.blob.core.windows.net:443/c/b?sv=2020-08-04&se=2026-01-01&sr=b&sp=w&sig=CANARY%2Bsig%3D";
        let shown = scrub(&format!("{url:?}"));
        assert!(!shown.contains("CANARY"), "{shown}");
        assert!(shown.contains("sv=2020-08-04&se=2026-01-01&sr=b&sp=w&sig=<redacted>"));
        assert_eq!(
            scrub("Some(\"https://x/y?token=CANARY&a=1\")"),
            "Some(\"https://x/y?token=<redacted>&a=1\")"
        );
        // Percent-encoded inside another URL.
        let nested = scrub("https%3A%2F%2Fh%2Fp%3Fsig%3DCANARY%26sv%3D1");
        assert!(!nested.contains("CANARY"), "{nested}");
        assert!(nested.ends_with("%26sv%3D1"));
        // Not a query parameter: left alone.
        assert_eq!(scrub("a=b token=c"), "a=b token=c");
        assert_eq!(
            scrub("https://x/?url_encoded_token=CANARY"),
            "https://x/?url_encoded_token=<redacted>"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_scrubbed_without_panicking(text in "\\PC*") {
            let shown = scrub(&text);
            if !text.contains('=') && !text.to_ascii_lowercase().contains("%3d") {
                proptest::prop_assert_eq!(shown, text);
            }
        }

        #[test]
        fn a_planted_signature_never_shows(
            prefix in "[a-z0-9/._-]{0,20}",
            secret in "[A-Za-z0-9%+/]{1,30}",
            rest in "(&[a-z]{1,5}=[a-z0-9]{0,5}){0,3}",
        ) {
            let url = format!("https://h/{prefix}?sv=1&sig=CANARY{secret}{rest}");
            proptest::prop_assert!(!scrub(&url).contains("CANARY"));
        }
    }

    #[test]
    fn the_signature_is_replaced_and_the_rest_kept() {
        let sas = url::Url::parse(
            "https://acct.blob.core.windows.net:443/c/upload-1?sv=2019-02-02&sr=b&sig=AB%2Bcd%3D&se=2026-01-01",
        )
        .unwrap();
        let shown = url(&sas);
        assert_eq!(
            shown,
            "https://acct.blob.core.windows.net/c/upload-1?sv=2019-02-02&sr=b&sig=<redacted>&se=2026-01-01"
        );
        assert_eq!(
            secrets(&sas),
            vec!["AB%2Bcd%3D".to_string(), "AB+cd=".into()]
        );
        assert_eq!(
            scrub_secrets("failed: sig=AB+cd= and AB%2Bcd%3D", &secrets(&sas)),
            "failed: sig=<redacted> and <redacted>"
        );
    }

    #[test]
    fn upper_case_keys_and_credentials() {
        let sas = url::Url::parse("https://user:pw@host/p?SIG=x#frag").unwrap();
        assert_eq!(url(&sas), "https://host/p?SIG=<redacted>");
    }
}
