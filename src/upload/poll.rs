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
    /// The longest wait; `Duration::MAX` (or any wait past the clock's range) means no deadline.
    pub(crate) timeout: Duration,
    /// Transient failures (5xx, 429, HTML 404, transport) tolerated in a row: the count starts
    /// again after each good answer, so an hour of processing with a gateway hiccup now and then
    /// does not fail.
    pub(crate) transient_errors: u32,
}

/// The release, once ready.
pub(crate) struct Ready {
    pub(crate) release_id: i64,
    pub(crate) release_url: Option<String>,
}

/// What one poll said.
pub(crate) enum Status {
    /// Processing is still going on (`uploadStarted`, `uploadFinished`, or a status this crate
    /// does not know).
    Pending(String),
    Ready(Ready),
}

/// One `GET .../uploads/releases/{id}`: the upload's status, or a failed status as an error.
pub(crate) async fn status(
    client: &Client,
    owner: &str,
    app: &str,
    upload_id: Uuid,
) -> Result<Result<Status, UploadError>, Error> {
    let status = client
        .release_uploads_get()
        .owner_name(owner)
        .app_name(app)
        .upload_id(upload_id)
        .send()
        .await?
        .into_inner();
    Ok(match status.upload_status.as_str() {
        "readyToBePublished" => release_id(status.release_distinct_id, upload_id).map(|id| {
            Status::Ready(Ready {
                release_id: id,
                release_url: status.release_url,
            })
        }),
        "error" | "malwareDetected" | "uploadCanceled" => Err(UploadError::Processing {
            status: status.upload_status,
            details: status.error_details,
            upload_id,
        }),
        _ => Ok(Status::Pending(status.upload_status)),
    })
}

/// Polls until `readyToBePublished` (the release id), a failed status, or the deadline, which
/// also bounds each poll request.
pub(crate) async fn until_ready(
    client: &Client,
    owner: &str,
    app: &str,
    upload_id: Uuid,
    settings: PollSettings,
) -> Result<Ready, UploadError> {
    let started = Instant::now();
    // Checked: `poll_timeout(Duration::MAX)` means no deadline, not an overflow.
    let deadline = started.checked_add(settings.timeout);
    let mut transient = 0;
    let mut last_status = None;
    let timed_out = |last_status| UploadError::PollTimeout {
        waited: started.elapsed(),
        last_status,
        upload_id,
    };
    loop {
        let poll = status(client, owner, app, upload_id);
        let answer = match deadline {
            Some(deadline) => match tokio::time::timeout_at(deadline.into(), poll).await {
                Ok(answer) => answer,
                Err(_) => return Err(timed_out(last_status)),
            },
            None => poll.await,
        };
        match answer {
            Ok(Ok(Status::Ready(ready))) => return Ok(ready),
            Ok(Err(failed)) => return Err(failed),
            Ok(Ok(Status::Pending(status))) => {
                last_status = Some(status);
                transient = 0;
            }
            Err(e) if is_transient(&e) && transient < settings.transient_errors => transient += 1,
            Err(source) => {
                return Err(UploadError::Api {
                    step: Step::Poll,
                    source: Box::new(source),
                    upload_id: Some(upload_id),
                });
            }
        }
        let next = Instant::now().checked_add(settings.interval);
        if let Some(deadline) = deadline
            && next.is_none_or(|next| next > deadline)
        {
            return Err(timed_out(last_status));
        }
        match next {
            Some(next) => tokio::time::sleep_until(next.into()).await,
            // An interval past the clock's range: there is no next poll.
            None => return Err(timed_out(last_status)),
        }
    }
}

/// The release id, sent as a number or as a string of digits.
fn release_id(id: Option<DistinctId>, upload_id: Uuid) -> Result<i64, UploadError> {
    let protocol = |why: String| UploadError::Processing {
        status: "readyToBePublished".into(),
        details: Some(why),
        upload_id,
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
/// transient only as a gateway's page (HTML, or no App Center error code), not as App Center's
/// JSON `NotFound`.
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
