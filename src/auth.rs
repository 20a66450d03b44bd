//! The API token: a secret that never shows in `Debug`/`Display` and only goes to the API's origin.

use std::fmt;

use reqwest::header::{HeaderName, HeaderValue};
use url::{Origin, Url};

use crate::Error;

/// The header App Center reads the API token from.
pub const TOKEN_HEADER: HeaderName = HeaderName::from_static("x-api-token");

/// An App Center API token (a user token or an app token).
///
/// Its value is never printed: `Debug` and `Display` show `<redacted>`.
///
/// ```
/// let token = appcenter::ApiToken::new("0123456789abcdef").unwrap();
/// assert_eq!(format!("{token:?}"), "ApiToken(<redacted>)");
/// ```
#[derive(Clone)]
pub struct ApiToken(HeaderValue);

impl ApiToken {
    /// Wraps a token. Fails, without echoing the value, when it is empty or not a valid header value.
    pub fn new(token: impl AsRef<str>) -> Result<Self, Error> {
        let token = token.as_ref().trim();
        if token.is_empty() {
            return Err(Error::Config("the API token is empty".into()));
        }
        let mut value = HeaderValue::from_str(token).map_err(|_| {
            Error::Config("the API token contains characters a header cannot carry".into())
        })?;
        value.set_sensitive(true);
        Ok(Self(value))
    }

    /// `text` with every occurrence of the token replaced by `<redacted>`: for what a server
    /// sends back (an error message or page that echoes the token it received).
    pub(crate) fn redact(&self, text: &str) -> String {
        match self.0.to_str() {
            Ok(token) if text.contains(token) => text.replace(token, "<redacted>"),
            _ => text.to_string(),
        }
    }

    /// The token as a header value (marked sensitive, so HTTP tracing does not print it).
    pub(crate) fn header_value(&self) -> HeaderValue {
        self.0.clone()
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(<redacted>)")
    }
}

impl fmt::Display for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Sets the token on `request` when it goes to `origin` (scheme, host and port of the base URL),
/// and removes it otherwise: the token never leaves the API's own origin.
pub(crate) fn authorize(request: &mut reqwest::Request, token: &ApiToken, origin: &Origin) {
    if same_origin(request.url(), origin) {
        request
            .headers_mut()
            .insert(TOKEN_HEADER, token.header_value());
    } else {
        request.headers_mut().remove(TOKEN_HEADER);
    }
}

/// `url.origin() == *origin`, without building `url`'s origin (two strings) for an `http(s)` URL,
/// whose origin is its scheme, host and port (known default included).
fn same_origin(url: &Url, origin: &Origin) -> bool {
    let Origin::Tuple(scheme, host, port) = origin else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https") {
        return url.origin() == *origin;
    }
    url.scheme() == scheme
        && url.port_or_known_default() == Some(*port)
        && match (url.host(), host) {
            (Some(url::Host::Domain(a)), url::Host::Domain(b)) => a == b,
            (Some(url::Host::Ipv4(a)), url::Host::Ipv4(b)) => a == *b,
            (Some(url::Host::Ipv6(a)), url::Host::Ipv6(b)) => a == *b,
            _ => false,
        }
}

/// Checks a base URL: `https`, or plain `http` only to a loopback address (tests, the local mock),
/// so a token never crosses a network in clear text.
pub(crate) fn check_base_url(base_url: &str) -> Result<Url, Error> {
    let url = Url::parse(base_url)
        .map_err(|e| Error::Config(format!("invalid base URL {base_url:?}: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(
            "the base URL must not carry credentials".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "the base URL {base_url:?} must not have a query or fragment"
        )));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::Config(format!(
                "refusing plain-http base URL {url}: the API token would cross the network \
                 unencrypted; use https (plain http is allowed only to a loopback address)"
            )));
        }
        other => {
            return Err(Error::Config(format!(
                "unsupported base URL scheme {other:?}: use https"
            )));
        }
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut agrees with `Url::origin` (the token's only gate).
    #[test]
    fn same_origin_is_url_origin_equality() {
        let urls = [
            "https://api.appcenter.ms/v0.1/user",
            "https://api.appcenter.ms:443/x",
            "https://api.appcenter.ms:8443/x",
            "http://api.appcenter.ms/x",
            "https://API.AppCenter.ms/x",
            "https://api.appcenter.ms./x",
            "https://evil.example/x?u=https://api.appcenter.ms",
            "https://user:pass@api.appcenter.ms/x",
            "http://127.0.0.1:8080/v0.1/user",
            "http://127.0.0.1:8081/",
            "http://localhost:8080/",
            "http://[::1]:8080/",
            "http://0x7f.0.0.1:8080/",
            "blob:https://api.appcenter.ms/x",
            "ftp://api.appcenter.ms/x",
            "data:text/plain,x",
        ];
        for base in [
            "https://api.appcenter.ms",
            "http://127.0.0.1:8080",
            "http://[::1]:8080",
            "http://localhost:8080",
        ] {
            let origin = Url::parse(base).unwrap().origin();
            for url in urls {
                let url = Url::parse(url).unwrap();
                assert_eq!(
                    same_origin(&url, &origin),
                    url.origin() == origin,
                    "{base} {url}"
                );
            }
            assert!(!same_origin(
                &Url::parse(base).unwrap(),
                &Url::parse("data:,x").unwrap().origin()
            ));
        }
    }
}
