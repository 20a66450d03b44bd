//! A handle on a running upload from other tasks ([`UploadControl`]: progress, cancel), and
//! what a later process needs to continue an upload ([`UploadSession`]).

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use uuid::Uuid;

use super::report::Progress;

/// Watches and cancels a [`ReleaseUpload`](super::ReleaseUpload) while
/// [`send`](super::ReleaseUpload::send) runs, from any task. Get one with
/// [`ReleaseUpload::control`](super::ReleaseUpload::control); clones control the same upload.
///
/// ```no_run
/// # async fn run(client: appcenter::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let upload = client.upload_release("my-org", "my-app", "app.apk").group("QA");
/// let control = upload.control();
/// let mut progress = control.progress();
/// tokio::spawn(async move {
///     while progress.changed().await.is_ok() {
///         let p = *progress.borrow();
///         eprintln!("{:?} {}/{}", p.phase, p.bytes_sent, p.total_bytes);
///     }
/// });
/// // Elsewhere, on Ctrl-C say: control.cancel();
/// let release = upload.send().await?;
/// # let _ = release; Ok(()) }
/// ```
#[derive(Clone)]
pub struct UploadControl {
    shared: Arc<Shared>,
}

impl fmt::Debug for UploadControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadControl")
            .field("progress", &*self.shared.progress.borrow())
            .field("canceled", &self.is_canceled())
            .finish_non_exhaustive()
    }
}

/// What the upload and its controls share.
pub(crate) struct Shared {
    pub(crate) progress: watch::Sender<Progress>,
    cancel: watch::Sender<bool>,
    session: Mutex<Option<UploadSession>>,
}

impl UploadControl {
    pub(crate) fn new() -> Self {
        Self {
            shared: Arc::new(Shared {
                progress: watch::Sender::new(Progress::default()),
                cancel: watch::Sender::new(false),
                session: Mutex::new(None),
            }),
        }
    }

    /// The upload's [`Progress`], updated on each change (each chunk sent, each phase). The
    /// channel closes (`changed()` fails) when `send` returns or its future is dropped.
    pub fn progress(&self) -> watch::Receiver<Progress> {
        self.shared.progress.subscribe()
    }

    /// Asks the running `send` to stop; it returns [`UploadError::Canceled`](super::UploadError::Canceled).
    ///
    /// - Before the binary was accepted (still sending chunks): chunks in flight are dropped and
    ///   App Center is told `uploadCanceled`, so the upload does not linger.
    /// - After it was accepted (`uploadFinished` sent, waiting for processing): the wait stops,
    ///   and nothing is sent: the release will still appear, and
    ///   [`Client::wait_for_release`](crate::Client::wait_for_release) can pick it up.
    /// - Once the release exists, the release notes and destinations are set to the end (a few
    ///   quick calls), so a release is never left half-distributed by a cancel.
    ///
    /// Calls in progress (creating the upload, marking it finished) are never cut off halfway:
    /// their outcome decides which case applies. Cancelling before `send` starts makes it return
    /// at once without a request.
    pub fn cancel(&self) {
        self.shared.cancel.send_replace(true);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_canceled(&self) -> bool {
        *self.shared.cancel.borrow()
    }

    /// The upload's session, once the upload exists: keep it to continue the upload from another
    /// process with [`ReleaseUpload::resume`](super::ReleaseUpload::resume).
    pub fn session(&self) -> Option<UploadSession> {
        lock(&self.shared.session).clone()
    }

    pub(crate) fn set_session(&self, session: &UploadSession) {
        *lock(&self.shared.session) = Some(session.clone());
    }

    pub(crate) fn progress_sender(&self) -> watch::Sender<Progress> {
        self.shared.progress.clone()
    }

    /// Runs `work` until it ends or the upload is cancelled (`None`).
    pub(crate) async fn unless_canceled<T>(&self, work: impl Future<Output = T>) -> Option<T> {
        let mut cancel = self.shared.cancel.subscribe();
        let canceled = async move {
            // An error means every sender is gone, which cannot happen while `self` lives.
            let _ = cancel.wait_for(|c| *c).await;
        };
        let work = std::pin::pin!(work);
        let canceled = std::pin::pin!(canceled);
        match futures::future::select(work, canceled).await {
            futures::future::Either::Left((value, _)) => Some(value),
            futures::future::Either::Right(((), _)) => None,
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// What it takes to continue an upload in another process: the upload id, and where and with
/// which token its binary goes (the answer to `POST .../uploads/releases`, which App Center gives
/// only once).
///
/// It serialises (serde) so a CI job can store it as soon as the upload exists
/// ([`UploadControl::session`]) and a retried job can hand it to
/// [`ReleaseUpload::resume`](super::ReleaseUpload::resume). **It holds the upload token**: store
/// it as a secret. `Debug` does not show the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadSession {
    pub(crate) upload_id: Uuid,
    pub(crate) package_asset_id: Uuid,
    pub(crate) upload_domain: String,
    pub(crate) url_encoded_token: String,
}

impl UploadSession {
    /// The upload's id.
    pub fn upload_id(&self) -> Uuid {
        self.upload_id
    }
}

impl fmt::Debug for UploadSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadSession")
            .field("upload_id", &self.upload_id)
            .field("package_asset_id", &self.package_asset_id)
            .field("upload_domain", &self.upload_domain)
            .field("url_encoded_token", &"<redacted>")
            .finish()
    }
}
