//! Normalisation of App Center's error bodies into [`AppCenterErrorBody`].
//!
//! The service answers errors as `{"error": {"code", "message"}}`, `{"code", "message"}`,
//! `{"message"}` (sometimes with `err_message`), the gateway's `{"message", "statusCode", "code"}`,
//! swagger-tools' `{"status", "name", "message"}` and its validation tree
//! `{"message", "errors": [{"code", "message", "errors": [...]}]}`, the build service's
//! `{"id", "message"}`, HTML pages (nginx, Express) or nothing. The transport rewrites each into one JSON shape before the generated
//! code decodes it, so an error answer always decodes and nothing it said is lost.

use reqwest::StatusCode;
use serde_json::Value;

use crate::types::AppCenterErrorBody;

/// Bodies longer than this are cut when kept as `raw`.
pub(crate) const RAW_LIMIT: usize = 16 * 1024;

/// At most this much of an error answer's body is read; the rest is dropped unread (a 1 GiB
/// error page must not be buffered).
pub(crate) const READ_LIMIT: usize = 64 * 1024;

/// Reads at most [`READ_LIMIT`] bytes of an error answer's body. A body that fails midway gives
/// what arrived before the failure: the answer's status is what matters (a 429 whose body breaks
/// off is still a 429).
pub(crate) async fn read_bounded(mut response: reqwest::Response) -> bytes::Bytes {
    let mut body = bytes::BytesMut::new();
    while body.len() < READ_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = READ_LIMIT - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    body.freeze()
}

/// The longest short text taken from an HTML or plain-text error page.
const SHORT_TEXT_LIMIT: usize = 200;

/// Reads an error body of any shape.
pub(crate) fn normalise(status: StatusCode, body: &[u8]) -> AppCenterErrorBody {
    let mut out = AppCenterErrorBody {
        status: status.as_u16(),
        code: None,
        message: None,
        correlation_id: None,
        raw: None,
    };
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => {
            // `{"error": {...}}` nests the fields one level down; otherwise they are top level.
            let fields = match map.get("error") {
                Some(Value::Object(inner)) => inner,
                _ => &map,
            };
            out.code = fields.get("code").and_then(as_text).or_else(|| {
                // swagger-tools' `{"status", "name": "Error", "message"}`: a name other than the
                // generic `Error` is a code.
                fields
                    .get("name")
                    .and_then(as_text)
                    .filter(|n| n != "Error" && fields.contains_key("message"))
            });
            out.message = ["message", "err_message", "error_message"]
                .iter()
                .find_map(|k| fields.get(*k).and_then(as_text))
                .or_else(|| map.get("error").and_then(Value::as_str).map(str::to_string));
            // swagger-tools' validation tree: `{"message", "errors": [{"code", "message",
            // "errors": [...]}]}`: the most specific code, and every message along the way.
            if let Some(Value::Array(errors)) = fields.get("errors")
                && !errors.is_empty()
            {
                let mut details = Vec::new();
                let mut leaf_code = None;
                for error in errors {
                    validation_details(error, &mut details, &mut leaf_code);
                }
                if out.code.is_none() {
                    out.code = leaf_code;
                }
                if !details.is_empty() {
                    let head = out.message.take().unwrap_or_default();
                    let joined = details.join("; ");
                    out.message = Some(if head.is_empty() {
                        joined
                    } else {
                        format!("{head}: {joined}")
                    });
                }
            }
            out.correlation_id = ["correlation_id", "correlationId"]
                .iter()
                .find_map(|k| fields.get(*k).and_then(as_text))
                .or_else(|| out.message.as_deref().and_then(correlation_id_in))
                // The build service's `{"id": <correlation uuid>, "message"}`.
                .or_else(|| {
                    fields
                        .get("id")
                        .and_then(Value::as_str)
                        .filter(|id| looks_like_id(id) && fields.contains_key("message"))
                        .map(str::to_string)
                });
            if out.code.is_none() && out.message.is_none() {
                out.raw = Some(bounded(body));
            }
        }
        _ if body.iter().all(u8::is_ascii_whitespace) => {}
        _ => {
            // An HTML page (nginx 502, an Express-style 404) or plain text: keep a short text
            // a person can read as the message, and the page itself as `raw`.
            out.message = short_text(&String::from_utf8_lossy(&body[..body.len().min(RAW_LIMIT)]));
            out.raw = Some(bounded(body));
        }
    }
    out
}

/// Collects the messages of one node of a swagger-tools validation tree and its children, and
/// the code of its first leaf.
fn validation_details(node: &Value, details: &mut Vec<String>, leaf_code: &mut Option<String>) {
    let children = node.get("errors").and_then(Value::as_array);
    if let Some(message) = node.get("message").and_then(as_text) {
        details.push(message);
    }
    match children {
        Some(children) if !children.is_empty() => {
            for child in children {
                validation_details(child, details, leaf_code);
            }
        }
        _ => {
            if leaf_code.is_none() {
                *leaf_code = node.get("code").and_then(as_text);
            }
        }
    }
}

/// A UUID-like id (hex digits and dashes, at least 8 characters).
fn looks_like_id(id: &str) -> bool {
    id.len() >= 8 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// The readable gist of an HTML page (its `<pre>`, `<h1>` or `<title>`, else its text without
/// tags) or of plain text: whitespace collapsed, at most [`SHORT_TEXT_LIMIT`] characters.
fn short_text(page: &str) -> Option<String> {
    let lower = page.to_ascii_lowercase();
    let inside = |tag: &str| {
        let open = lower.find(&format!("<{tag}"))?;
        let start = open + lower[open..].find('>')? + 1;
        let end = start + lower[start..].find(&format!("</{tag}"))?;
        Some(&page[start..end])
    };
    let picked = ["pre", "h1", "title"]
        .iter()
        .filter_map(|tag| inside(tag))
        .map(strip_tags)
        .find(|text| !text.is_empty())
        .unwrap_or_else(|| strip_tags(page));
    if picked.is_empty() {
        return None;
    }
    let mut text: String = picked.chars().take(SHORT_TEXT_LIMIT).collect();
    if text.len() < picked.len() {
        text.push('…');
    }
    Some(text)
}

/// `html` without tags, entities for `<`, `>`, `&` and spaces decoded, whitespace collapsed.
fn strip_tags(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The id in "... Correlation ID: <id>" or "... Context ID: <id>" (any case), as the service and
/// its gateway write it into messages.
fn correlation_id_in(message: &str) -> Option<String> {
    let lower = message.to_ascii_lowercase();
    let (at, label) = ["correlation id", "context id"]
        .iter()
        .find_map(|label| lower.find(label).map(|at| (at, label)))?;
    let at = at + label.len();
    let rest = message[at..].trim_start_matches([':', ' ', '=']);
    let id: String = rest
        .chars()
        .take_while(|c| c.is_ascii_hexdigit() || *c == '-')
        .collect();
    (!id.is_empty()).then_some(id)
}

fn bounded(body: &[u8]) -> String {
    let cut = &body[..body.len().min(RAW_LIMIT)];
    String::from_utf8_lossy(cut).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(status: u16, body: &str) -> AppCenterErrorBody {
        normalise(StatusCode::from_u16(status).unwrap(), body.as_bytes())
    }

    #[test]
    fn every_shape() {
        let e = n(
            404,
            r#"{"error":{"code":"NotFound","message":"Not found. Correlation ID: 5c1b-77aa"}}"#,
        );
        assert_eq!(
            (e.code.as_deref(), e.correlation_id.as_deref()),
            (Some("NotFound"), Some("5c1b-77aa"))
        );
        let e = n(400, r#"{"code":"BadRequest","message":"bad"}"#);
        assert_eq!(
            (e.code.as_deref(), e.message.as_deref()),
            (Some("BadRequest"), Some("bad"))
        );
        let e = n(500, r#"{"message":"boom","err_message":"x"}"#);
        assert_eq!(e.message.as_deref(), Some("boom"));
        let e = n(
            429,
            r#"{"message":"The server is busy now. Try again later","statusCode":429,"code":"Too Many Requests"}"#,
        );
        assert_eq!(e.code.as_deref(), Some("Too Many Requests"));
        let e = n(502, "<html><body>Bad Gateway</body></html>");
        assert_eq!(
            e.raw.as_deref(),
            Some("<html><body>Bad Gateway</body></html>")
        );
        let e = n(503, "");
        assert_eq!((e.status, e.raw, e.message), (503, None, None));
        let e = n(500, &"x".repeat(RAW_LIMIT * 2));
        assert_eq!(e.raw.unwrap().len(), RAW_LIMIT);
        assert_eq!(e.message.unwrap().chars().count(), SHORT_TEXT_LIMIT + 1);
    }

    #[test]
    fn page_texts() {
        assert_eq!(
            short_text("<html><head><title>Error</title></head><body><pre>Cannot GET /x</pre></body></html>")
                .as_deref(),
            Some("Cannot GET /x")
        );
        assert_eq!(
            short_text("<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>")
                .as_deref(),
            Some("502 Bad Gateway")
        );
        assert_eq!(
            short_text("<p>a &amp; b</p>\n\n <p>c</p>").as_deref(),
            Some("a & b c")
        );
        assert_eq!(short_text("<br/>"), None);
        // Multi-byte text is cut on a character boundary.
        let long = "é".repeat(SHORT_TEXT_LIMIT + 5);
        assert_eq!(
            short_text(&long).unwrap().chars().count(),
            SHORT_TEXT_LIMIT + 1
        );
    }

    #[test]
    fn build_service_id_is_a_correlation_id_only_beside_a_message() {
        let e = n(
            404,
            r#"{"id":"06cae000-247e-49eb-b3bb-628fa0ad2351","message":"Not Found"}"#,
        );
        assert_eq!(
            e.correlation_id.as_deref(),
            Some("06cae000-247e-49eb-b3bb-628fa0ad2351")
        );
        let e = n(400, r#"{"id":"not an id","message":"x"}"#);
        assert_eq!(e.correlation_id, None);
    }
}
