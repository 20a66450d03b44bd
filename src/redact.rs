//! Secrets in URLs: the one function that turns a URL into something that may be shown
//! (`Debug`, errors, progress), and the one that scrubs a secret out of text a server sent back.
//!
//! Storage SAS URLs carry their secret in the `sig` query parameter; the other parameters
//! (`sv`, `se`, `sp`...) are not secret and help diagnose an expired or read-only URL, so they
//! stay.

use std::borrow::Cow;

use url::Url;

/// Shown in place of a secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// Query parameters whose values are secrets (compared case-insensitively).
const SECRET_PARAMS: &[&str] = &["sig", "token"];

/// `url` as it may be shown: credentials removed and secret query values replaced by
/// [`REDACTED`]. The query is rewritten pair by pair, so nothing of a secret survives.
pub(crate) fn url(url: &Url) -> String {
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
                Some((key, _)) if is_secret(key) => format!("{key}={REDACTED}"),
                _ => pair.to_string(),
            })
            .collect();
        shown.push('?');
        shown.push_str(&pairs.join("&"));
    }
    shown
}

/// The values of `url`'s secret query parameters, as sent and percent-decoded: what
/// [`scrub`] removes from text.
pub(crate) fn secrets(url: &Url) -> Vec<String> {
    let mut found = Vec::new();
    for pair in url.query().unwrap_or_default().split('&') {
        if let Some((key, value)) = pair.split_once('=')
            && is_secret(key)
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

/// `text` with every occurrence of each secret replaced by [`REDACTED`] (for bodies a server
/// sent back, which may echo the request URL).
pub(crate) fn scrub<'a>(text: &'a str, secrets: &[String]) -> Cow<'a, str> {
    let mut text = Cow::Borrowed(text);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret.as_str()) {
            text = Cow::Owned(text.replace(secret.as_str(), REDACTED));
        }
    }
    text
}

fn is_secret(key: &str) -> bool {
    SECRET_PARAMS.iter().any(|s| key.eq_ignore_ascii_case(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_replaced_and_the_rest_kept() {
        let sas = Url::parse(
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
            scrub("failed: sig=AB+cd= and AB%2Bcd%3D", &secrets(&sas)),
            "failed: sig=<redacted> and <redacted>"
        );
    }

    #[test]
    fn upper_case_keys_and_credentials() {
        let sas = Url::parse("https://user:pw@host/p?SIG=x#frag").unwrap();
        assert_eq!(url(&sas), "https://host/p?SIG=<redacted>");
    }
}
