//! Downloads (operations answering a byte stream) are bounded by inactivity, not by a total:
//! the answer's headers must come within the attempt's time, and then the body may take as long
//! as it needs while bytes keep arriving; a gap longer than the per-attempt timeout ends it with
//! a timeout error.
//!
//! Only these requests are treated so. (A client-wide `read_timeout` would also bound, from the
//! start of every request to its answer's headers, the slow chunk and blob uploads, whose own
//! watchdogs allow for the bytes in flight.)

use std::io;
use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::{Request, Response};

/// Sends a streaming `request`: its answer's headers within `limit` (the per-attempt timeout,
/// shortened to the call's deadline), its body bounded by `idle` between bytes.
pub(crate) async fn send(
    http: &reqwest::Client,
    request: Request,
    idle: Option<Duration>,
    deadline: Option<Instant>,
) -> reqwest::Result<Response> {
    let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
    let limit = [idle, left].into_iter().flatten().min();
    let response = match limit {
        Some(limit) => match tokio::time::timeout(limit, http.execute(request)).await {
            Ok(answer) => answer?,
            Err(_) => return Err(timed_out("no answer within the attempt's time").await),
        },
        None => http.execute(request).await?,
    };
    Ok(match idle {
        Some(idle) => bounded_by_inactivity(response, idle),
        None => response,
    })
}

/// `response` whose body ends with a timeout error when no bytes arrive for `idle`.
fn bounded_by_inactivity(response: Response, idle: Duration) -> Response {
    let (mut parts, ()) = http::Response::new(()).into_parts();
    parts.status = response.status();
    parts.version = response.version();
    parts.headers = response.headers().clone();
    let body = response.bytes_stream();
    let body = futures::stream::unfold(Some(Box::pin(body)), move |body| async move {
        let mut body = body?;
        match tokio::time::timeout(idle, body.next()).await {
            Ok(Some(Ok(bytes))) => Some((Ok(bytes), Some(body))),
            Ok(Some(Err(e))) => Some((Err(io::Error::other(e)), None)),
            Ok(None) => None,
            Err(_) => Some((
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no bytes for {} ms", idle.as_millis()),
                )),
                None,
            )),
        }
    });
    Response::from(http::Response::from_parts(
        parts,
        reqwest::Body::wrap_stream(body),
    ))
}

/// A reqwest error that reqwest counts as a timeout (`is_timeout()`), which reqwest offers no
/// constructor for: the error of reading a body that failed with `io::ErrorKind::TimedOut`.
async fn timed_out(why: &'static str) -> reqwest::Error {
    let failing = futures::stream::once(async move {
        Err::<bytes::Bytes, _>(io::Error::new(io::ErrorKind::TimedOut, why))
    });
    let response = Response::from(http::Response::new(reqwest::Body::wrap_stream(failing)));
    match response.bytes().await {
        Err(e) => e,
        Ok(_) => unreachable!("a body whose only item is an error cannot be read"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_timeout_error_is_a_reqwest_timeout() {
        let e = timed_out("test").await;
        assert!(e.is_timeout(), "{e:?}");
    }

    #[tokio::test]
    async fn a_gap_in_the_body_ends_it_with_a_timeout() {
        let slow = futures::stream::unfold(0, |n| async move {
            if n == 1 {
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            (n < 3).then(|| (Ok::<_, io::Error>(bytes::Bytes::from_static(b"ab")), n + 1))
        });
        let response = Response::from(http::Response::new(reqwest::Body::wrap_stream(slow)));
        let response = bounded_by_inactivity(response, Duration::from_millis(100));
        let e = response.bytes().await.unwrap_err();
        assert!(e.is_timeout(), "{e:?}");
    }
}
