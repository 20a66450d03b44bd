//! Waits for App Center to turn the uploaded binary into a release.

use std::time::{Duration, Instant};

use uuid::Uuid;

use super::error::{Step, UploadError};
use crate::types::ReleaseUploadStatusResponseReleaseDistinctId as DistinctId;
use crate::{Client, Error};

/// How to poll.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PollSettings {
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
    /// Transient failures (5xx, 429, HTML 404, transport) tolerated in one wait.
    pub(crate) transient_errors: u32,
}

/// The release, once ready.
pub(crate) struct Ready {
    pub(crate) release_id: i64,
    pub(crate) release_url: Option<String>,
}

/// Polls `GET .../uploads/releases/{id}` until `readyToBePublished` (the release id),
/// a failed status, or the deadline.
pub(crate) async fn until_ready(
    client: &Client,
    owner: &str,
    app: &str,
    upload_id: Uuid,
    settings: PollSettings,
) -> Result<Ready, UploadError> {
    let started = Instant::now();
    let mut transient = 0;
    let mut last_status = None;
    loop {
        let answer = client
            .release_uploads_get()
            .owner_name(owner)
            .app_name(app)
            .upload_id(upload_id)
            .send()
            .await
            .map_err(Error::from);
        match answer {
            Ok(status) => {
                let status = status.into_inner();
                match status.upload_status.as_str() {
                    "readyToBePublished" => {
                        return Ok(Ready {
                            release_id: release_id(status.release_distinct_id)?,
                            release_url: status.release_url,
                        });
                    }
                    "error" | "malwareDetected" | "uploadCanceled" => {
                        return Err(UploadError::Processing {
                            status: status.upload_status,
                            details: status.error_details,
                        });
                    }
                    // uploadStarted, uploadFinished, or a status this crate does not know:
                    // still processing as far as we can tell; the deadline bounds the wait.
                    _ => last_status = Some(status.upload_status),
                }
            }
            Err(e) if is_transient(&e) && transient < settings.transient_errors => transient += 1,
            Err(source) => {
                return Err(UploadError::Api {
                    step: Step::Poll,
                    source,
                });
            }
        }
        let waited = started.elapsed();
        if waited + settings.interval > settings.timeout {
            return Err(UploadError::PollTimeout {
                waited,
                last_status,
            });
        }
        tokio::time::sleep(settings.interval).await;
    }
}

/// The release id, sent as a number or as a string of digits.
fn release_id(id: Option<DistinctId>) -> Result<i64, UploadError> {
    let protocol = |why: String| UploadError::Processing {
        status: "readyToBePublished".into(),
        details: Some(why),
    };
    match id {
        Some(DistinctId::Int64(id)) => Ok(id),
        Some(DistinctId::String(text)) => text
            .trim()
            .parse()
            .map_err(|_| protocol(format!("release_distinct_id {text:?} is not a number"))),
        None => Err(protocol("no release_distinct_id in the answer".into())),
    }
}

/// Failures that say nothing about the upload: the service or a gateway hiccuped. A 404 is
/// transient only as an HTML page (a gateway's), not as App Center's JSON `NotFound`.
fn is_transient(error: &Error) -> bool {
    match error {
        Error::Transport(_) | Error::Timeout(_) => true,
        Error::Api(api) => match api.status.as_u16() {
            429 | 500..=599 => true,
            // A page, not JSON (`raw` holds it; its title is the message), or nothing at all.
            404 => api.code.is_none() && (api.message.is_none() || api.raw.is_some()),
            _ => false,
        },
        _ => false,
    }
}
