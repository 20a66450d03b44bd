//! Release upload and distribution in one call: [`Client::upload_release`].
//!
//! The protocol is the one the official CLI follows (it is not in the published API
//! description; its API calls are in `openapi/supplement.openapi.json`):
//! create the upload → announce the file to the upload domain → send the chunks (in parallel)
//! → finish → mark it finished → wait for the release → release notes → destinations.
//!
//! - The API token goes to the API only; the upload domain gets the upload token in the query.
//! - Chunks are read from the file as they are sent: memory stays around
//!   `parallelism × chunk_size` whatever the file size.
//! - Success means the release exists and every destination was added. Otherwise the
//!   [`UploadError`] says what failed and, once the release exists, gives its id.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = appcenter::Client::from_env()?;
//! let release = client
//!     .upload_release("my-org", "my-app", "build/app-release.apk")
//!     .release_notes("Fixes the login crash")
//!     .group("Beta testers")
//!     .on_progress(|p| eprintln!("{:?} {}/{} bytes", p.phase, p.bytes_sent, p.total_bytes))
//!     .send()
//!     .await?;
//! println!("release {}", release.release_id);
//! # Ok(()) }
//! ```

mod chunks;
mod distribute;
mod error;
mod poll;
mod protocol;
mod report;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

pub use error::{FailedDestination, Step, TransferError, UploadError};
pub use report::{Phase, Progress};

use crate::types::{
    PatchReleaseUploadStatusRequest, PatchReleaseUploadStatusRequestUploadStatus as UploadStatus,
    PostCreateReleaseUploadRequest,
};
use crate::{Client, Error, RetryPolicy};
use chunks::Blocks;
use protocol::UploadDomain;
use report::Reporter;

/// Longest release notes App Center accepts, in characters.
pub const MAX_RELEASE_NOTES: usize = 5000;

/// Rounds of `finished` answered with missing chunks before giving up.
const MAX_FINISH_ROUNDS: u32 = 5;

/// Where a release goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Destination {
    /// A distribution group of the app, by name.
    Group(String),
    /// A store connection of the app (Google Play, App Store Connect, Intune), by name.
    Store(String),
    /// A tester, by email address.
    Tester(String),
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Group(name) => write!(f, "group {name:?}"),
            Destination::Store(name) => write!(f, "store {name:?}"),
            Destination::Tester(email) => write!(f, "tester {email:?}"),
        }
    }
}

/// A release that was uploaded and distributed.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct UploadedRelease {
    /// The release's id (`release_distinct_id`), for the `releases_*` operations.
    pub release_id: i64,
    /// The upload's id.
    pub upload_id: Uuid,
    /// The release's URL, when the service gave one.
    pub release_url: Option<String>,
    /// The destinations it was added to, in the order given.
    pub destinations: Vec<Destination>,
}

impl Client {
    /// Uploads `file` as a new release of `owner_name/app_name`, then distributes it as the
    /// returned builder says. Nothing is sent until [`ReleaseUpload::send`].
    pub fn upload_release(
        &self,
        owner_name: impl Into<String>,
        app_name: impl Into<String>,
        file: impl Into<PathBuf>,
    ) -> ReleaseUpload<'_> {
        ReleaseUpload {
            client: self,
            owner: owner_name.into(),
            app: app_name.into(),
            path: file.into(),
            build_version: None,
            build_number: None,
            release_notes: None,
            destinations: Vec::new(),
            mandatory_update: false,
            notify_testers: true,
            content_type: None,
            parallelism: 10,
            retry: None,
            max_failures: 50,
            poll: poll::PollSettings {
                interval: Duration::from_secs(3),
                timeout: Duration::from_secs(60 * 60),
                transient_errors: 10,
            },
            progress: None,
        }
    }
}

/// A release upload being configured; [`send`](Self::send) runs it.
#[must_use = "nothing is uploaded until `.send().await`"]
pub struct ReleaseUpload<'a> {
    client: &'a Client,
    owner: String,
    app: String,
    path: PathBuf,
    build_version: Option<String>,
    build_number: Option<String>,
    release_notes: Option<String>,
    destinations: Vec<Destination>,
    mandatory_update: bool,
    notify_testers: bool,
    content_type: Option<String>,
    parallelism: usize,
    retry: Option<RetryPolicy>,
    max_failures: u32,
    poll: poll::PollSettings,
    progress: Option<report::Callback>,
}

impl fmt::Debug for ReleaseUpload<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReleaseUpload")
            .field("owner", &self.owner)
            .field("app", &self.app)
            .field("path", &self.path)
            .field("destinations", &self.destinations)
            .finish_non_exhaustive()
    }
}

impl<'a> ReleaseUpload<'a> {
    /// The build version (required by App Center for `.zip`, `.msi`, `.pkg` and `.dmg`).
    pub fn build_version(mut self, version: impl Into<String>) -> Self {
        self.build_version = Some(version.into());
        self
    }

    /// The build number (required by App Center for `.pkg` and `.dmg`).
    pub fn build_number(mut self, number: impl Into<String>) -> Self {
        self.build_number = Some(number.into());
        self
    }

    /// Release notes, at most [`MAX_RELEASE_NOTES`] characters; set before distributing, so
    /// testers' notifications carry them.
    pub fn release_notes(mut self, notes: impl Into<String>) -> Self {
        self.release_notes = Some(notes.into());
        self
    }

    /// Distributes to the app's distribution group `name`.
    pub fn group(self, name: impl Into<String>) -> Self {
        self.destination(Destination::Group(name.into()))
    }

    /// Distributes to the app's store connection `name`.
    pub fn store(self, name: impl Into<String>) -> Self {
        self.destination(Destination::Store(name.into()))
    }

    /// Distributes to the tester with this email address.
    pub fn tester(self, email: impl Into<String>) -> Self {
        self.destination(Destination::Tester(email.into()))
    }

    /// Adds a destination.
    pub fn destination(mut self, destination: Destination) -> Self {
        self.destinations.push(destination);
        self
    }

    /// Marks the release mandatory for the groups and testers it goes to. Default `false`.
    pub fn mandatory_update(mut self, yes: bool) -> Self {
        self.mandatory_update = yes;
        self
    }

    /// Whether groups and testers are notified. Default `true`.
    pub fn notify_testers(mut self, yes: bool) -> Self {
        self.notify_testers = yes;
        self
    }

    /// The `content_type` announced to the upload service. By default one is picked from the
    /// file's extension (`application/octet-stream` when unknown).
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Chunks sent at the same time (at least 1). Default 10, as the official CLI.
    /// Memory use is about this times the service's chunk size (4 MiB).
    pub fn parallelism(mut self, chunks: usize) -> Self {
        self.parallelism = chunks.max(1);
        self
    }

    /// Retries of upload-domain calls (attempts per chunk, backoff). Default: the client's
    /// policy. Every chunk is retried on 408, 429, 5xx, transport errors and `"error": true`,
    /// whatever the policy says about POST, since sending a chunk again is harmless.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Failed upload-domain attempts tolerated across the whole upload before giving up,
    /// however many retries each chunk has left. Default 50.
    pub fn max_failures(mut self, failures: u32) -> Self {
        self.max_failures = failures;
        self
    }

    /// Time between two polls of the processing status. Default 3 s.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll.interval = interval;
        self
    }

    /// Longest wait for App Center to process the upload. Default 1 h.
    pub fn poll_timeout(mut self, timeout: Duration) -> Self {
        self.poll.timeout = timeout;
        self
    }

    /// Transient failures (5xx, 429, a gateway's HTML 404, transport errors) tolerated while
    /// polling, beyond the client's own retries. Default 10.
    pub fn poll_transient_errors(mut self, errors: u32) -> Self {
        self.poll.transient_errors = errors;
        self
    }

    /// Calls `callback` on each change of the upload's [`Progress`] (from the task running
    /// [`send`](Self::send); keep it quick).
    pub fn on_progress(mut self, callback: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(callback));
        self
    }

    /// Runs the upload and the distribution.
    ///
    /// Checks the input first, before any request: the file exists and is not empty, `.zip`
    /// and `.msi` have a build version, `.pkg` and `.dmg` a build version and number, release
    /// notes fit, names are not empty. When the upload fails before the release exists, it is
    /// cancelled (`uploadCanceled`) on a best-effort basis.
    pub async fn send(self) -> Result<UploadedRelease, UploadError> {
        let (file, size, file_name) = self.validate()?;
        let mut reporter = Reporter::new(size, self.progress.clone());

        let created = self
            .client
            .release_uploads_create()
            .owner_name(&self.owner)
            .app_name(&self.app)
            .body(PostCreateReleaseUploadRequest {
                build_version: self.build_version.clone(),
                build_number: self.build_number.clone(),
            })
            .send()
            .await
            .map_err(|e| UploadError::Api {
                step: Step::CreateUpload,
                source: e,
            })?
            .into_inner();
        let upload_id = created.id;

        let uploaded = self
            .upload_binary(created, file, size, &file_name, &mut reporter)
            .await;
        let ready = match uploaded {
            Ok(()) => {
                reporter.phase(Phase::Processing);
                poll::until_ready(self.client, &self.owner, &self.app, upload_id, self.poll).await
            }
            Err(e) => Err(e),
        };
        let ready = match ready {
            Ok(ready) => ready,
            Err(e) => {
                // The service ended the upload itself in these cases; otherwise let it go.
                if !matches!(e, UploadError::Processing { .. }) {
                    self.cancel(upload_id).await;
                }
                return Err(e);
            }
        };

        reporter.phase(Phase::Distributing);
        let target = distribute::Target {
            client: self.client,
            owner: &self.owner,
            app: &self.app,
            release_id: ready.release_id,
            mandatory_update: self.mandatory_update,
            notify_testers: self.notify_testers,
        };
        if let Some(notes) = &self.release_notes {
            target
                .set_release_notes(notes)
                .await
                .map_err(|source| UploadError::ReleaseNotes {
                    release_id: ready.release_id,
                    source,
                })?;
        }
        let mut added = Vec::new();
        let mut failed = Vec::new();
        for destination in &self.destinations {
            match target.add(destination).await {
                Ok(()) => added.push(destination.clone()),
                Err(error) => failed.push(FailedDestination {
                    destination: destination.clone(),
                    error,
                }),
            }
        }
        if !failed.is_empty() {
            return Err(UploadError::Distribution {
                release_id: ready.release_id,
                failed,
                added,
            });
        }
        reporter.phase(Phase::Done);
        Ok(UploadedRelease {
            release_id: ready.release_id,
            upload_id,
            release_url: ready.release_url,
            destinations: added,
        })
    }

    /// Checks everything that can be checked without the service; opens the file.
    fn validate(&self) -> Result<(std::fs::File, u64, String), UploadError> {
        let invalid = |why: String| Err(UploadError::Invalid(why));
        // The same rules as every other owner/app input (`AppRef`), checked before any request.
        if let Err(e) = crate::AppRef::new(self.owner.as_str(), self.app.as_str()) {
            return invalid(e.to_string());
        }
        if let Some(notes) = &self.release_notes {
            let length = notes.chars().count();
            if length > MAX_RELEASE_NOTES {
                return invalid(format!(
                    "release notes are {length} characters; App Center accepts at most {MAX_RELEASE_NOTES}"
                ));
            }
        }
        for destination in &self.destinations {
            let (Destination::Group(name) | Destination::Store(name) | Destination::Tester(name)) =
                destination;
            if name.trim().is_empty() {
                return invalid(format!("a destination has an empty name: {destination}"));
            }
        }
        let extension = self
            .path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let has = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.trim().is_empty());
        match extension.as_str() {
            "zip" | "msi" if !has(&self.build_version) => {
                return invalid(format!(
                    ".{extension} files need a build version: set `build_version`"
                ));
            }
            "pkg" | "dmg" if !has(&self.build_version) || !has(&self.build_number) => {
                return invalid(format!(
                    ".{extension} files need a build version and a build number: set \
                     `build_version` and `build_number`"
                ));
            }
            _ => {}
        }
        let file_error = |source| UploadError::File {
            path: self.path.clone(),
            source,
        };
        let file = std::fs::File::open(&self.path).map_err(file_error)?;
        let metadata = file.metadata().map_err(file_error)?;
        if !metadata.is_file() {
            return invalid(format!("{} is not a file", self.path.display()));
        }
        if metadata.len() == 0 {
            return invalid(format!("{} is empty", self.path.display()));
        }
        let Some(file_name) = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
        else {
            return invalid(format!("{} has no file name", self.path.display()));
        };
        Ok((file, metadata.len(), file_name))
    }

    /// Steps 2 to 5: set_metadata, chunks, finished (resending missing chunks), uploadFinished.
    async fn upload_binary(
        &self,
        created: crate::types::CreateReleaseUploadResponse,
        file: std::fs::File,
        size: u64,
        file_name: &str,
        reporter: &mut Reporter,
    ) -> Result<(), UploadError> {
        let transfer = |step| move |source| UploadError::Transfer { step, source };
        let state = self.client.state();
        let domain = UploadDomain::new(
            self.client.http().clone(),
            &created.upload_domain,
            created.package_asset_id.to_string(),
            created.url_encoded_token.clone(),
            state.timeouts.per_attempt,
            self.retry.clone().unwrap_or_else(|| state.retry.clone()),
            self.max_failures,
        )
        .map_err(transfer(Step::SetMetadata))?;

        let content_type = self
            .content_type
            .clone()
            .unwrap_or_else(|| content_type_for(&self.path).to_string());
        let metadata = domain
            .set_metadata(file_name, size, Some(&content_type))
            .await
            .map_err(transfer(Step::SetMetadata))?;
        let blocks = Blocks::new(file, &self.path, size, metadata.chunk_size)
            .map_err(transfer(Step::SetMetadata))?;
        // A fresh upload lists every block; a resumed one (`resume_restart`) only those missing.
        let to_send = metadata.chunk_list;
        let pending = blocks
            .bytes_in(&to_send)
            .map_err(transfer(Step::SetMetadata))?;
        reporter.start(to_send.len() as u64, size.saturating_sub(pending));
        blocks
            .send(&domain, &to_send, self.parallelism, reporter)
            .await?;

        let mut rounds = 0;
        loop {
            let missing = domain
                .finished()
                .await
                .map_err(transfer(Step::FinishUpload))?;
            if missing.is_empty() {
                break;
            }
            rounds += 1;
            if rounds > MAX_FINISH_ROUNDS {
                return Err(UploadError::Transfer {
                    step: Step::FinishUpload,
                    source: TransferError::Protocol(format!(
                        "chunks {missing:?} still missing after {MAX_FINISH_ROUNDS} resends"
                    )),
                });
            }
            let bytes = blocks
                .bytes_in(&missing)
                .map_err(transfer(Step::FinishUpload))?;
            reporter.resend(missing.len() as u64, bytes);
            blocks
                .send(&domain, &missing, self.parallelism, reporter)
                .await?;
        }

        self.set_status(created.id, UploadStatus::UploadFinished)
            .await
            .map_err(|source| UploadError::Api {
                step: Step::CommitUpload,
                source,
            })
    }

    async fn set_status(&self, upload_id: Uuid, status: UploadStatus) -> Result<(), Error> {
        self.client
            .release_uploads_patch()
            .owner_name(&self.owner)
            .app_name(&self.app)
            .upload_id(upload_id)
            .body(PatchReleaseUploadStatusRequest {
                upload_status: status,
            })
            .send()
            .await?;
        Ok(())
    }

    /// Best effort: the upload failed before the release existed; tell the service to drop it.
    /// A failure here is ignored, the original error is what the caller needs.
    async fn cancel(&self, upload_id: Uuid) {
        let _ = self
            .set_status(upload_id, UploadStatus::UploadCanceled)
            .await;
    }
}

/// The content type announced for a file, from its extension.
fn content_type_for(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    match extension.as_str() {
        "apk" | "aab" => "application/vnd.android.package-archive",
        "ipa" => "application/octet-stream",
        "zip" => "application/zip",
        "msi" => "application/x-msi",
        "appx" | "appxbundle" | "msix" | "msixbundle" => "application/x-appx",
        _ => "application/octet-stream",
    }
}
