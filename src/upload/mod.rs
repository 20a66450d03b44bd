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
//!   [`UploadError`] says what failed and, once the upload or the release exists, gives its id.
//! - Slow uplinks: a chunk is not bounded by a fixed total time. It fails when no bytes move for
//!   the client's per-attempt [`timeout`](crate::ClientBuilder::timeout), or when, after its
//!   last byte was handed to the network, its answer takes longer than that timeout plus the
//!   time the upload's bytes in flight take at [`ReleaseUpload::min_upload_rate`]. A
//!   [`total_timeout`](crate::ClientBuilder::total_timeout), when set, still bounds each
//!   upload-domain call, retries included, as it bounds each API call.
//! - Long processing: transient poll failures are tolerated in a row, not in total; the poll
//!   deadline bounds each poll request too; an upload whose binary was accepted
//!   (`uploadFinished`) is never cancelled by the crate, and [`Client::wait_for_release`]
//!   resumes waiting for it.
//! - From another task, [`UploadControl`] ([`ReleaseUpload::control`]) watches the progress and
//!   cancels.
//! - Resuming in another process: keep the [`UploadSession`] ([`UploadControl::session`]) and
//!   hand it to [`ReleaseUpload::resume`] with the same file; the upload domain's `set_metadata`
//!   then answers `resume_restart` with the `chunk_list` it still misses, and only those chunks
//!   are sent.
//!
//! **Dropping the `send` future** stops the upload at once (chunks in flight are abandoned) and
//! tells the service nothing: the upload stays open on App Center (as `uploadStarted`, or
//! processing if its binary was already accepted) until the service expires it. Resume it with
//! [`ReleaseUpload::resume`] or [`Client::wait_for_release`]; to have it cancelled, use
//! [`UploadControl::cancel`] and let `send` return instead of dropping it.
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
mod control;
mod distribute;
mod error;
mod inactivity;
mod poll;
mod protocol;
mod report;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

pub use control::{UploadControl, UploadSession};
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
        ReleaseUpload::new(self, owner_name.into(), app_name.into(), Some(file.into()))
    }

    /// Resumes waiting for the release of an upload whose binary was already sent (after an
    /// [`UploadError::PollTimeout`], or in a new process after the old one stopped), then
    /// distributes it as the returned builder says (release notes, destinations). The file
    /// settings of the builder (build version, parallelism...) do not apply. Nothing is sent
    /// until [`ReleaseUpload::send`].
    pub fn wait_for_release(
        &self,
        owner_name: impl Into<String>,
        app_name: impl Into<String>,
        upload_id: Uuid,
    ) -> ReleaseUpload<'_> {
        let mut upload = ReleaseUpload::new(self, owner_name.into(), app_name.into(), None);
        upload.source = Source::Uploaded(upload_id);
        upload
    }
}

/// Where the upload comes from.
#[derive(Clone, Debug)]
enum Source {
    /// A new upload of the file.
    New,
    /// An upload created earlier (maybe in another process), continued with the same file.
    Resume(UploadSession),
    /// An upload whose binary was sent: only wait for the release.
    Uploaded(Uuid),
}

/// A release upload being configured; [`send`](Self::send) runs it.
#[must_use = "nothing is uploaded until `.send().await`"]
pub struct ReleaseUpload<'a> {
    client: &'a Client,
    owner: String,
    app: String,
    path: Option<PathBuf>,
    source: Source,
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
    min_upload_rate: u64,
    poll: poll::PollSettings,
    progress: Option<report::Callback>,
    control: UploadControl,
}

impl fmt::Debug for ReleaseUpload<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReleaseUpload")
            .field("owner", &self.owner)
            .field("app", &self.app)
            .field("path", &self.path)
            .field("source", &self.source)
            .field("destinations", &self.destinations)
            .finish_non_exhaustive()
    }
}

/// The default of [`ReleaseUpload::min_upload_rate`]: 32 KiB/s (256 kbit/s).
pub const DEFAULT_MIN_UPLOAD_RATE: u64 = 32 * 1024;

impl<'a> ReleaseUpload<'a> {
    fn new(client: &'a Client, owner: String, app: String, path: Option<PathBuf>) -> Self {
        ReleaseUpload {
            client,
            owner,
            app,
            path,
            source: Source::New,
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
            min_upload_rate: DEFAULT_MIN_UPLOAD_RATE,
            poll: poll::PollSettings {
                interval: Duration::from_secs(3),
                timeout: Duration::from_secs(60 * 60),
                transient_errors: 10,
            },
            progress: None,
            control: UploadControl::new(),
        }
    }

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
    /// whatever the policy says about POST, since sending a chunk again is harmless. A
    /// `Retry-After` is honoured as on the API: in full, or the call ends at once when the wait
    /// does not fit in the policy's `max_retry_time` or the client's total timeout.
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

    /// The slowest uplink (bytes per second, for the whole upload) that chunks are given time
    /// for once their bytes are handed to the network: a chunk's answer must come within the
    /// client's per-attempt timeout plus the bytes in flight divided by this rate. While a
    /// chunk's bytes are still being taken by the network, only inactivity (no bytes for the
    /// per-attempt timeout) fails it. With `0` the answer must come within the per-attempt
    /// timeout alone. Default [`DEFAULT_MIN_UPLOAD_RATE`].
    pub fn min_upload_rate(mut self, bytes_per_second: u64) -> Self {
        self.min_upload_rate = bytes_per_second;
        self
    }

    /// Time between two polls of the processing status. Default 3 s.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll.interval = interval;
        self
    }

    /// Longest wait for App Center to process the upload; it also bounds each poll request.
    /// `Duration::MAX` waits without a deadline. Default 1 h.
    pub fn poll_timeout(mut self, timeout: Duration) -> Self {
        self.poll.timeout = timeout;
        self
    }

    /// Transient failures (5xx, 429, a gateway's HTML 404, transport errors) tolerated in a row
    /// while polling, beyond the client's own retries; a good answer starts the count again.
    /// Default 10.
    pub fn poll_transient_errors(mut self, errors: u32) -> Self {
        self.poll.transient_errors = errors;
        self
    }

    /// Calls `callback` on each change of the upload's [`Progress`] (from the task running
    /// [`send`](Self::send); keep it quick). [`control`](Self::control) gives the same as a
    /// watch channel, for other tasks.
    pub fn on_progress(mut self, callback: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(callback));
        self
    }

    /// Continues the upload of `session` (kept from [`UploadControl::session`], maybe by
    /// another process) with the same file, instead of creating a new upload. When its binary
    /// was already accepted, this only waits for the release; otherwise the upload domain says
    /// which chunks it still misses (`resume_restart`, `chunk_list`) and only those are sent.
    pub fn resume(mut self, session: UploadSession) -> Self {
        self.source = Source::Resume(session);
        self
    }

    /// A handle to watch the progress of [`send`](Self::send) and cancel it from other tasks.
    pub fn control(&self) -> UploadControl {
        self.control.clone()
    }

    /// Runs the upload and the distribution.
    ///
    /// Checks the input first, before any request: the file exists and is not empty, `.zip`
    /// and `.msi` have a build version, `.pkg` and `.dmg` a build version and number, release
    /// notes fit, names are not empty. When sending the binary fails, the upload is cancelled
    /// (`uploadCanceled`) on a best-effort basis; once the binary was accepted
    /// (`uploadFinished`), never. See the [module docs](self) for what dropping this future does.
    pub async fn send(self) -> Result<UploadedRelease, UploadError> {
        if self.control.is_canceled() {
            return Err(UploadError::Canceled {
                upload_id: None,
                upload_canceled: false,
            });
        }
        let file = self.validate()?;
        let size = file.as_ref().map_or(0, |f| f.size);
        let mut reporter =
            Reporter::new(size, self.progress.clone(), self.control.progress_sender());

        let (upload_id, session) = match &self.source {
            Source::New => {
                let session = self.create().await?;
                (session.upload_id, Some(session))
            }
            Source::Resume(session) => (session.upload_id, Some(session.clone())),
            Source::Uploaded(upload_id) => (*upload_id, None),
        };
        if let Some(session) = &session {
            self.control.set_session(session);
        }
        reporter.created(upload_id);

        if let (Some(session), Some(file)) = (session, file) {
            let sent_before = match self.source {
                Source::Resume(_) => self.binary_accepted(upload_id).await?,
                _ => false,
            };
            if !sent_before {
                self.send_binary(&session, file, &mut reporter).await?;
            }
        }

        reporter.phase(Phase::Processing);
        let ready = self
            .control
            .unless_canceled(poll::until_ready(
                self.client,
                &self.owner,
                &self.app,
                upload_id,
                self.poll,
            ))
            .await
            .unwrap_or(Err(UploadError::Canceled {
                upload_id: Some(upload_id),
                upload_canceled: false,
            }))?;

        reporter.phase(Phase::Distributing);
        let added = self.distribute(upload_id, ready.release_id).await?;
        reporter.phase(Phase::Done);
        Ok(UploadedRelease {
            release_id: ready.release_id,
            upload_id,
            release_url: ready.release_url,
            destinations: added,
        })
    }

    /// `POST .../uploads/releases`: the new upload's session.
    async fn create(&self) -> Result<UploadSession, UploadError> {
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
                source: Box::new(e),
                upload_id: None,
            })?
            .into_inner();
        Ok(UploadSession {
            upload_id: created.id,
            package_asset_id: created.package_asset_id,
            upload_domain: created.upload_domain,
            url_encoded_token: created.url_encoded_token,
        })
    }

    /// For a resumed upload: whether its binary was accepted already (then only the wait is
    /// left). A failed status (cancelled, error) ends the resume with that status.
    async fn binary_accepted(&self, upload_id: Uuid) -> Result<bool, UploadError> {
        let status = poll::status(self.client, &self.owner, &self.app, upload_id)
            .await
            .map_err(|source| UploadError::Api {
                step: Step::Poll,
                source: Box::new(source),
                upload_id: Some(upload_id),
            })??;
        Ok(match status {
            poll::Status::Ready(_) => true,
            poll::Status::Pending(status) => status != "uploadStarted",
        })
    }

    /// Sends the binary and marks it finished (`uploadFinished`). Cancels the upload when this
    /// fails or is cancelled before the binary was accepted; never after.
    async fn send_binary(
        &self,
        session: &UploadSession,
        file: Opened,
        reporter: &mut Reporter,
    ) -> Result<(), UploadError> {
        let upload_id = session.upload_id;
        let sent = self
            .control
            .unless_canceled(self.upload_binary(session, file, reporter))
            .await;
        match sent {
            Some(Ok(())) => {}
            Some(Err(e)) => {
                self.cancel(upload_id).await;
                return Err(e.in_upload(upload_id));
            }
            None => {
                return Err(UploadError::Canceled {
                    upload_id: Some(upload_id),
                    upload_canceled: self.cancel(upload_id).await,
                });
            }
        }
        // Never cut off: whether the binary was accepted decides everything after.
        match self
            .set_status(upload_id, UploadStatus::UploadFinished)
            .await
        {
            Ok(()) => Ok(()),
            Err(source) => {
                // A refusal means the binary was not accepted: cancel. A timeout, a transport
                // error or a 5xx may have been applied: leave the upload to processing.
                let refused = matches!(&source, Error::Api(api) if api.status.is_client_error());
                if refused {
                    self.cancel(upload_id).await;
                }
                Err(UploadError::Api {
                    step: Step::CommitUpload,
                    source: Box::new(source),
                    upload_id: Some(upload_id),
                })
            }
        }
    }

    /// Release notes, then each destination.
    async fn distribute(
        &self,
        upload_id: Uuid,
        release_id: i64,
    ) -> Result<Vec<Destination>, UploadError> {
        let target = distribute::Target {
            client: self.client,
            owner: &self.owner,
            app: &self.app,
            release_id,
            mandatory_update: self.mandatory_update,
            notify_testers: self.notify_testers,
        };
        if let Some(notes) = &self.release_notes {
            target
                .set_release_notes(notes)
                .await
                .map_err(|source| UploadError::ReleaseNotes {
                    release_id,
                    source: Box::new(source),
                    upload_id,
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
                release_id,
                failed,
                added,
                upload_id,
            });
        }
        Ok(added)
    }

    /// Checks everything that can be checked without the service; opens the file (none when
    /// only waiting for the release).
    fn validate(&self) -> Result<Option<Opened>, UploadError> {
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
        let Some(path) = &self.path else {
            return Ok(None);
        };
        let extension = path
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
            path: path.clone(),
            source,
            upload_id: None,
        };
        let file = std::fs::File::open(path).map_err(file_error)?;
        let metadata = file.metadata().map_err(file_error)?;
        if !metadata.is_file() {
            return invalid(format!("{} is not a file", path.display()));
        }
        if metadata.len() == 0 {
            return invalid(format!("{} is empty", path.display()));
        }
        let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            return invalid(format!("{} has no file name", path.display()));
        };
        Ok(Some(Opened {
            file,
            path: path.clone(),
            size: metadata.len(),
            name,
        }))
    }

    /// set_metadata, chunks, finished (resending missing chunks).
    async fn upload_binary(
        &self,
        session: &UploadSession,
        file: Opened,
        reporter: &mut Reporter,
    ) -> Result<(), UploadError> {
        let upload_id = session.upload_id;
        let transfer = |step| {
            move |source| UploadError::Transfer {
                step,
                source,
                upload_id,
            }
        };
        let state = self.client.state();
        let domain = UploadDomain::new(
            self.client.http().clone(),
            protocol::Settings {
                upload_domain: &session.upload_domain,
                asset_id: session.package_asset_id.to_string(),
                url_encoded_token: session.url_encoded_token.clone(),
                timeouts: state.timeouts,
                retry: self.retry.clone().unwrap_or_else(|| state.retry.clone()),
                failure_budget: self.max_failures,
                min_rate: self.min_upload_rate,
            },
        )
        .map_err(transfer(Step::SetMetadata))?;

        let content_type = self
            .content_type
            .clone()
            .unwrap_or_else(|| content_type_for(&file.path).to_string());
        let metadata = domain
            .set_metadata(&file.name, file.size, Some(&content_type))
            .await
            .map_err(transfer(Step::SetMetadata))?;
        let blocks = Blocks::new(
            file.file,
            &file.path,
            file.size,
            metadata.chunk_size,
            upload_id,
        )
        .map_err(transfer(Step::SetMetadata))?;
        // A fresh upload lists every block; a resumed one (`resume_restart`) only those missing.
        let to_send = metadata.chunk_list;
        let pending = blocks
            .bytes_in(&to_send)
            .map_err(transfer(Step::SetMetadata))?;
        reporter.start(to_send.len() as u64, file.size.saturating_sub(pending));
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
                return Ok(());
            }
            rounds += 1;
            if rounds > MAX_FINISH_ROUNDS {
                return Err(transfer(Step::FinishUpload)(TransferError::Protocol(
                    format!("chunks {missing:?} still missing after {MAX_FINISH_ROUNDS} resends"),
                )));
            }
            let bytes = blocks
                .bytes_in(&missing)
                .map_err(transfer(Step::FinishUpload))?;
            reporter.resend(missing.len() as u64, bytes);
            blocks
                .send(&domain, &missing, self.parallelism, reporter)
                .await?;
        }
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

    /// Best effort, before the binary was accepted: tell the service to drop the upload.
    /// Whether it answered yes; a failure here is otherwise ignored, the original error is what
    /// the caller needs.
    async fn cancel(&self, upload_id: Uuid) -> bool {
        self.set_status(upload_id, UploadStatus::UploadCanceled)
            .await
            .is_ok()
    }
}

/// The file to upload, opened and checked.
struct Opened {
    file: std::fs::File,
    path: PathBuf,
    size: u64,
    name: String,
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
