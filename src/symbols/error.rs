//! [`SymbolUploadError`]: what can go wrong in a symbol upload. No variant carries the API token
//! or the blob URL's SAS signature (`sig=`): blob URLs are shown through one redaction function
//! and bodies the storage service sends back are scrubbed of the signature.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::StatusCode;

use crate::Error;

/// Why [`SymbolUpload::send`](super::SymbolUpload::send) failed.
///
/// [`symbol_upload_id`](Self::symbol_upload_id) is `Some` once App Center created the upload.
/// Whenever the failure came before the commit, the upload was marked `aborted` (best effort):
/// a failed blob upload is never committed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SymbolUploadError {
    /// Refused before any request was sent (missing or empty file, Proguard mapping without
    /// version or build, a folder that is not a dSYM...).
    Invalid(String),
    /// The file or folder could not be read, or the folder not zipped.
    File {
        /// The file or folder.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A call to the App Center API failed.
    Api {
        /// What the call was for.
        step: Step,
        /// The upload, when it had been created.
        symbol_upload_id: Option<String>,
        /// The error.
        source: Error,
    },
    /// Sending the file to the blob storage failed (after retries).
    Blob {
        /// The upload.
        symbol_upload_id: String,
        /// Whether App Center confirmed marking the upload `aborted` (best effort).
        aborted: bool,
        /// What went wrong.
        source: BlobError,
    },
    /// App Center processed the upload and ended with status `failed`.
    Failed {
        /// The upload.
        symbol_upload_id: String,
        /// The status it ended with.
        status: String,
        /// The file name App Center recorded, when it gave one.
        file_name: Option<String>,
    },
    /// App Center had not processed the upload before the deadline (it is committed; it may
    /// still be indexed later).
    WaitTimeout {
        /// The upload.
        symbol_upload_id: String,
        /// How long it was polled.
        waited: Duration,
        /// The last status seen.
        last_status: String,
    },
}

/// The steps of a symbol upload, to say where a failure happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// `POST .../symbol_uploads`.
    Create,
    /// `PATCH .../symbol_uploads/{id}` with `committed`.
    Commit,
    /// `GET .../symbol_uploads/{id}` until `indexed` or `failed`.
    Wait,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Create => "creating the symbol upload",
            Step::Commit => "committing the symbol upload",
            Step::Wait => "waiting for App Center to process the symbols",
        })
    }
}

/// A failure of the blob storage (Azure Blob Storage, through the upload's SAS URL).
#[derive(Debug)]
#[non_exhaustive]
pub enum BlobError {
    /// The storage answered with an error status. Azure sends
    /// `<Error><Code>…</Code><Message>…</Message></Error>`: `code` and `message` are read from it.
    Status {
        /// The status.
        status: StatusCode,
        /// Azure's error code (`RequestBodyTooLarge`, `AuthenticationFailed`...), if sent.
        code: Option<String>,
        /// Azure's message, or the start of a body that was not Azure's XML.
        message: Option<String>,
    },
    /// The request failed before an answer (connect, reset, timeout...). Without its URL.
    Transport(reqwest::Error),
    /// The answer or the upload URL was not what the protocol says.
    Protocol(String),
    /// Too many failed attempts across the whole upload.
    TooManyFailures {
        /// Failed attempts counted.
        failures: u32,
        /// The last failure.
        last: Box<BlobError>,
    },
}

impl BlobError {
    /// Azure's error code, when the storage sent one (also through `TooManyFailures`).
    pub fn code(&self) -> Option<&str> {
        match self {
            BlobError::Status { code, .. } => code.as_deref(),
            BlobError::TooManyFailures { last, .. } => last.code(),
            _ => None,
        }
    }

    /// The HTTP status, when the storage answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            BlobError::Status { status, .. } => Some(*status),
            BlobError::TooManyFailures { last, .. } => last.status(),
            _ => None,
        }
    }
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlobError::Status {
                status,
                code,
                message,
            } => {
                write!(f, "the blob storage answered {status}")?;
                if let Some(code) = code {
                    write!(f, " ({code})")?;
                }
                if let Some(message) = message {
                    // Azure's messages end with `RequestId:` and `Time:` lines: keep one line.
                    write!(
                        f,
                        ": {}",
                        message.split_whitespace().collect::<Vec<_>>().join(" ")
                    )?;
                }
                Ok(())
            }
            BlobError::Transport(e) => write!(f, "could not reach the blob storage: {e}"),
            BlobError::Protocol(why) => write!(f, "blob upload: {why}"),
            BlobError::TooManyFailures { failures, last } => {
                write!(f, "gave up after {failures} failed attempts; last: {last}")
            }
        }
    }
}

impl std::error::Error for BlobError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BlobError::Transport(e) => Some(e),
            BlobError::TooManyFailures { last, .. } => Some(last.as_ref()),
            _ => None,
        }
    }
}

impl SymbolUploadError {
    /// The upload's id, once App Center created it.
    pub fn symbol_upload_id(&self) -> Option<&str> {
        match self {
            SymbolUploadError::Api {
                symbol_upload_id, ..
            } => symbol_upload_id.as_deref(),
            SymbolUploadError::Blob {
                symbol_upload_id, ..
            }
            | SymbolUploadError::Failed {
                symbol_upload_id, ..
            }
            | SymbolUploadError::WaitTimeout {
                symbol_upload_id, ..
            } => Some(symbol_upload_id),
            _ => None,
        }
    }
}

impl fmt::Display for SymbolUploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SymbolUploadError::Invalid(why) => write!(f, "symbol upload refused: {why}"),
            SymbolUploadError::File { path, source } => {
                write!(f, "could not read {}: {source}", path.display())
            }
            SymbolUploadError::Api { step, source, .. } => write!(f, "{step}: {source}"),
            SymbolUploadError::Blob {
                symbol_upload_id,
                aborted,
                source,
            } => {
                let then = if *aborted {
                    "the upload was marked aborted"
                } else {
                    "marking the upload aborted failed too"
                };
                write!(
                    f,
                    "uploading symbol upload {symbol_upload_id} to the blob storage ({then}): {source}"
                )
            }
            SymbolUploadError::Failed {
                symbol_upload_id,
                status,
                file_name,
            } => {
                write!(
                    f,
                    "App Center could not process symbol upload {symbol_upload_id} (status {status}"
                )?;
                if let Some(name) = file_name {
                    write!(f, ", file {name:?}")?;
                }
                f.write_str(")")
            }
            SymbolUploadError::WaitTimeout {
                symbol_upload_id,
                waited,
                last_status,
            } => write!(
                f,
                "symbol upload {symbol_upload_id} was committed but not processed after {} s \
                 (last status: {last_status})",
                waited.as_secs()
            ),
        }
    }
}

impl std::error::Error for SymbolUploadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SymbolUploadError::File { source, .. } => Some(source),
            SymbolUploadError::Api { source, .. } => Some(source),
            SymbolUploadError::Blob { source, .. } => Some(source),
            _ => None,
        }
    }
}
