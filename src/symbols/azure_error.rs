//! Azure Storage's error answers: `<?xml …?><Error><Code>…</Code><Message>…</Message>…</Error>`.

/// `(code, message)` from an Azure error body; `None` when the body is not one.
pub(crate) fn parse(body: &str) -> Option<(Option<String>, Option<String>)> {
    let error = element(body, "Error")?;
    let code = element(error, "Code")
        .map(unescape)
        .filter(|c| !c.is_empty());
    let message = element(error, "Message")
        .map(unescape)
        .filter(|m| !m.is_empty());
    (code.is_some() || message.is_some()).then_some((code, message))
}

/// The text inside the first `<name>…</name>` (no attributes in Azure's errors).
fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&close)?;
    Some(&xml[start..end])
}

/// The five XML entities and numeric references; anything else is kept as is.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text.trim();
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';').filter(|end| *end <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azure_errors_are_read() {
        let body = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>RequestBodyTooLarge</Code>\
            <Message>The request body is too large &amp; exceeds the maximum permissible limit.\n\
            RequestId:0f2c\nTime:2026-01-01T00:00:00.0000000Z</Message><MaxLimit>268435456</MaxLimit></Error>";
        let (code, message) = parse(body).unwrap();
        assert_eq!(code.as_deref(), Some("RequestBodyTooLarge"));
        assert!(
            message
                .unwrap()
                .starts_with("The request body is too large & exceeds")
        );
    }

    #[test]
    fn other_bodies_are_not() {
        assert_eq!(parse("<html>502 Bad Gateway</html>"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("<Error><Code></Code></Error>"), None);
        assert_eq!(unescape("a &#x41;&#66; &bogus; & b"), "a AB &bogus; & b");
    }
}
