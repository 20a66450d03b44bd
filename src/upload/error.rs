//! [`UploadError`]: what can go wrong in a release upload, with the upload id whenever the
//! upload exists and the release id whenever the release exists, so a caller can resume,
//! report or repair a half-done upload or distribution.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::StatusCode;
use uuid::Uuid;

use super::Destination;
use crate::Error;

/// Why [`ReleaseUpload::send`](super::ReleaseUpload::send) failed.
///
/// [`upload_id`](Self::upload_id) is `Some` whenever the upload was created before the failure:
/// [`Client::wait_for_release`](crate::Client::wait_for_release) can then resume waiting for its
/// release, and [`ReleaseUpload::resume`](super::ReleaseUpload::resume) can continue sending it.
/// [`release_id`](Self::release_id) is `Some` whenever the release was created before the
/// failure (release notes or a destination failed): the binary is on App Center then.
#[derive(Debug)]
#[non_exhaustive]
pub enum UploadError {
    /// Refused before any request was sent (missing or empty file, missing build version,
    /// release notes too long...).
    Invalid(String),
    /// The file could not be read.
    File {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
        /// The upload, when it had been created (a chunk could not be read).
        upload_id: Option<Uuid>,
    },
    /// A call to the App Center API failed.
    Api {
        /// What the call was for.
        step: Step,
        /// The error (boxed: it is large, and `UploadError` stays small to return).
        source: Box<Error>,
        /// The upload, when it had been created (every step but [`Step::CreateUpload`]).
        upload_id: Option<Uuid>,
    },
    /// Sending the binary to the upload domain failed (after retries).
    Transfer {
        /// What the call was for.
        step: Step,
        /// What went wrong.
        source: TransferError,
        /// The upload.
        upload_id: Uuid,
    },
    /// App Center's processing of the uploaded binary ended without a release.
    Processing {
        /// The final `upload_status`: `error`, `malwareDetected` or `uploadCanceled`.
        status: String,
        /// The service's `error_details`, when it sent them.
        details: Option<String>,
        /// The upload.
        upload_id: Uuid,
    },
    /// Processing did not finish before the poll deadline. The upload is left as it is (never
    /// cancelled): [`Client::wait_for_release`](crate::Client::wait_for_release) resumes waiting.
    PollTimeout {
        /// How long it was polled.
        waited: Duration,
        /// The last status seen.
        last_status: Option<String>,
        /// The upload.
        upload_id: Uuid,
    },
    /// [`UploadControl::cancel`](super::UploadControl::cancel) stopped the upload.
    Canceled {
        /// The upload, when it had been created.
        upload_id: Option<Uuid>,
        /// Whether App Center took `uploadCanceled`. It is sent only while the binary had not
        /// been accepted (`uploadFinished`); after that the upload is left to processing.
        upload_canceled: bool,
    },
    /// The release exists but its release notes could not be set; nothing was distributed.
    ReleaseNotes {
        /// The release.
        release_id: i64,
        /// The error (boxed, as in [`UploadError::Api`]).
        source: Box<Error>,
        /// The upload.
        upload_id: Uuid,
    },
    /// The release exists but one or more destinations could not be added.
    Distribution {
        /// The release.
        release_id: i64,
        /// The destinations that failed, each with its error.
        failed: Vec<FailedDestination>,
        /// The destinations that were added.
        added: Vec<Destination>,
        /// The upload.
        upload_id: Uuid,
    },
}

/// A destination that could not be added to the release.
#[derive(Debug)]
pub struct FailedDestination {
    /// The destination as requested.
    pub destination: Destination,
    /// Why it failed (looking it up or adding it).
    pub error: Error,
}

/// The steps of an upload, to say where a failure happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// `POST .../uploads/releases`.
    CreateUpload,
    /// `set_metadata` on the upload domain.
    SetMetadata,
    /// `upload_chunk` on the upload domain.
    UploadChunk,
    /// `finished` on the upload domain.
    FinishUpload,
    /// `PATCH .../uploads/releases/{id}` with `uploadFinished`.
    CommitUpload,
    /// `GET .../uploads/releases/{id}` until the release is ready.
    Poll,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::CreateUpload => "creating the upload",
            Step::SetMetadata => "announcing the file to the upload service",
            Step::UploadChunk => "sending a chunk",
            Step::FinishUpload => "finishing the upload",
            Step::CommitUpload => "marking the upload finished",
            Step::Poll => "waiting for App Center to process the upload",
        })
    }
}

/// A failure on the upload domain. Never carries the upload token (the URLs of transport errors
/// are removed, since the token is in their query).
#[derive(Debug)]
#[non_exhaustive]
pub enum TransferError {
    /// The upload service answered with an error status.
    Status {
        /// The status.
        status: StatusCode,
        /// The start of the body.
        body: String,
    },
    /// The upload service answered `"error": true`.
    Refused {
        /// Its message, if any.
        message: Option<String>,
    },
    /// The request failed before an answer (connect, reset, timeout...).
    Transport(reqwest::Error),
    /// A chunk timed out: no bytes of it moved for `after` (`sending`), or its answer did not
    /// come within `after` of its last byte leaving.
    TimedOut {
        /// The limit that passed.
        after: Duration,
        /// Whether the chunk's bytes were still being sent.
        sending: bool,
    },
    /// The answer was not what the protocol says.
    Protocol(String),
    /// Too many failed attempts across the whole upload.
    TooManyFailures {
        /// Failed attempts counted.
        failures: u32,
        /// The last failure.
        last: Box<TransferError>,
    },
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransferError::Status { status, body } if body.is_empty() => {
                write!(f, "the upload service answered {status}")
            }
            TransferError::Status { status, body } => {
                write!(f, "the upload service answered {status}: {body}")
            }
            TransferError::Refused { message } => write!(
                f,
                "the upload service refused: {}",
                message.as_deref().unwrap_or("no reason given")
            ),
            TransferError::Transport(e) => write!(f, "could not reach the upload service: {e}"),
            TransferError::TimedOut {
                after,
                sending: true,
            } => write!(
                f,
                "no bytes of the chunk moved for {:.1} s",
                after.as_secs_f64()
            ),
            TransferError::TimedOut {
                after,
                sending: false,
            } => write!(
                f,
                "no answer {:.1} s after the chunk's last byte was sent",
                after.as_secs_f64()
            ),
            TransferError::Protocol(why) => write!(f, "unexpected answer: {why}"),
            TransferError::TooManyFailures { failures, last } => {
                write!(f, "gave up after {failures} failed attempts; last: {last}")
            }
        }
    }
}

impl std::error::Error for TransferError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TransferError::Transport(e) => Some(e),
            TransferError::TooManyFailures { last, .. } => Some(last.as_ref()),
            _ => None,
        }
    }
}

impl UploadError {
    /// The release, when it was created before the failure.
    pub fn release_id(&self) -> Option<i64> {
        match self {
            UploadError::ReleaseNotes { release_id, .. }
            | UploadError::Distribution { release_id, .. } => Some(*release_id),
            _ => None,
        }
    }

    /// The upload, when it was created before the failure.
    pub fn upload_id(&self) -> Option<Uuid> {
        match self {
            UploadError::Invalid(_) => None,
            UploadError::File { upload_id, .. }
            | UploadError::Api { upload_id, .. }
            | UploadError::Canceled { upload_id, .. } => *upload_id,
            UploadError::Transfer { upload_id, .. }
            | UploadError::Processing { upload_id, .. }
            | UploadError::PollTimeout { upload_id, .. }
            | UploadError::ReleaseNotes { upload_id, .. }
            | UploadError::Distribution { upload_id, .. } => Some(*upload_id),
        }
    }

    /// Sets the upload id of the variants that may lack it (errors raised by code that does not
    /// know it).
    pub(crate) fn in_upload(mut self, id: Uuid) -> Self {
        if let UploadError::File { upload_id, .. }
        | UploadError::Api { upload_id, .. }
        | UploadError::Canceled { upload_id, .. } = &mut self
        {
            upload_id.get_or_insert(id);
        }
        self
    }
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UploadError::Invalid(why) => write!(f, "release upload refused: {why}"),
            UploadError::File { path, source, .. } => {
                write!(f, "could not read {}: {source}", path.display())
            }
            UploadError::Api { step, source, .. } => write!(f, "{step}: {source}"),
            UploadError::Transfer { step, source, .. } => write!(f, "{step}: {source}"),
            UploadError::Processing {
                status, details, ..
            } => {
                write!(f, "App Center could not process the upload: {status}")?;
                if let Some(details) = details {
                    write!(f, " ({details})")?;
                }
                Ok(())
            }
            UploadError::PollTimeout {
                waited,
                last_status,
                upload_id,
            } => write!(
                f,
                "App Center had not processed upload {upload_id} after {} s (last status: {}); \
                 `Client::wait_for_release` can wait longer",
                waited.as_secs(),
                last_status.as_deref().unwrap_or("none")
            ),
            UploadError::Canceled {
                upload_id,
                upload_canceled,
            } => match (upload_id, upload_canceled) {
                (None, _) => f.write_str("the upload was cancelled before it was created"),
                (Some(id), true) => write!(f, "upload {id} was cancelled (uploadCanceled sent)"),
                (Some(id), false) => write!(
                    f,
                    "stopped upload {id} without cancelling it on App Center (its binary was \
                     already accepted, or the cancel call failed)"
                ),
            },
            UploadError::ReleaseNotes {
                release_id, source, ..
            } => write!(
                f,
                "release {release_id} was uploaded but its release notes could not be set \
                 (nothing was distributed): {source}"
            ),
            UploadError::Distribution {
                release_id, failed, ..
            } => {
                write!(f, "release {release_id} was uploaded but ")?;
                for (i, failure) in failed.iter().enumerate() {
                    let sep = if i == 0 { "" } else { "; " };
                    write!(
                        f,
                        "{sep}{} could not be added: {}",
                        failure.destination, failure.error
                    )?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for UploadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            UploadError::File { source, .. } => Some(source),
            UploadError::Api { source, .. } | UploadError::ReleaseNotes { source, .. } => {
                Some(source.as_ref())
            }
            UploadError::Transfer { source, .. } => Some(source),
            UploadError::Distribution { failed, .. } => failed
                .first()
                .map(|f| &f.error as &(dyn std::error::Error + 'static)),
            _ => None,
        }
    }
}
