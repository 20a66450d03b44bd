//! Normalisation of App Center's error bodies into [`AppCenterErrorBody`].
//!
//! The service answers errors as `{"error": {"code", "message"}}`, `{"code", "message"}`,
//! `{"message"}` (sometimes with `err_message`), the gateway's `{"message", "statusCode", "code"}`,
//! HTML pages or nothing. The transport rewrites each into one JSON shape before the generated
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
            out.code = fields.get("code").and_then(as_text);
            out.message = ["message", "err_message", "error_message"]
                .iter()
                .find_map(|k| fields.get(*k).and_then(as_text))
                .or_else(|| map.get("error").and_then(Value::as_str).map(str::to_string));
            out.correlation_id = ["correlation_id", "correlationId"]
                .iter()
                .find_map(|k| fields.get(*k).and_then(as_text))
                .or_else(|| out.message.as_deref().and_then(correlation_id_in));
            if out.code.is_none() && out.message.is_none() {
                out.raw = Some(bounded(body));
            }
        }
        _ if body.iter().all(u8::is_ascii_whitespace) => {}
        _ => out.raw = Some(bounded(body)),
    }
    out
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The id in "... Correlation ID: <id>" (any case), as the service writes it into messages.
fn correlation_id_in(message: &str) -> Option<String> {
    let lower = message.to_ascii_lowercase();
    let at = lower.find("correlation id")? + "correlation id".len();
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
    }
}
