//! Progress reporting: the caller's callback and the [`UploadControl`](super::UploadControl)'s
//! watch channel see each change; the library prints nothing, but each change is also a
//! `debug` event `upload progress` (phase, counts, upload id: never a token nor a URL).

use std::sync::Arc;

use tokio::sync::watch;
use uuid::Uuid;

/// What an upload is doing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// Sending the binary.
    #[default]
    Uploading,
    /// Waiting for App Center to process the binary into a release.
    Processing,
    /// Setting release notes and adding destinations.
    Distributing,
    /// Finished successfully.
    Done,
}

/// A snapshot of an upload's progress, passed to the callback set with
/// [`ReleaseUpload::on_progress`](super::ReleaseUpload::on_progress) and sent on
/// [`UploadControl::progress`](super::UploadControl::progress).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// The current phase.
    pub phase: Phase,
    /// The upload, once created.
    pub upload_id: Option<Uuid>,
    /// Bytes of the file the service has (sent now, or before a resumed upload).
    pub bytes_sent: u64,
    /// The file's size.
    pub total_bytes: u64,
    /// Chunks sent in this upload.
    pub chunks_done: u64,
    /// Chunks to send in this upload (missing chunks sent again are added).
    pub chunks_total: u64,
}

/// The callback type.
pub(crate) type Callback = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Keeps the current [`Progress`] and tells the callback and the watchers about each change.
pub(crate) struct Reporter {
    progress: Progress,
    callback: Option<Callback>,
    watchers: watch::Sender<Progress>,
}

impl Reporter {
    pub(crate) fn new(
        total_bytes: u64,
        callback: Option<Callback>,
        watchers: watch::Sender<Progress>,
    ) -> Self {
        Self {
            progress: Progress {
                total_bytes,
                ..Progress::default()
            },
            callback,
            watchers,
        }
    }

    fn emit(&self) {
        let p = &self.progress;
        tracing::debug!(
            phase = ?p.phase,
            upload_id = p.upload_id.map(tracing::field::display),
            bytes_sent = p.bytes_sent,
            total_bytes = p.total_bytes,
            chunks_done = p.chunks_done,
            chunks_total = p.chunks_total,
            "upload progress"
        );
        if let Some(callback) = &self.callback {
            callback(&self.progress);
        }
        self.watchers.send_replace(self.progress);
    }

    /// The upload was created (or is resumed).
    pub(crate) fn created(&mut self, upload_id: Uuid) {
        self.progress.upload_id = Some(upload_id);
        self.emit();
    }

    /// The service will receive `chunks` chunks; `already` bytes it has from an earlier attempt.
    pub(crate) fn start(&mut self, chunks: u64, already: u64) {
        self.progress.chunks_total = chunks;
        self.progress.bytes_sent = already;
        self.emit();
    }

    /// Missing chunks are sent again: `bytes` of them leave the count of bytes the service has.
    pub(crate) fn resend(&mut self, chunks: u64, bytes: u64) {
        self.progress.chunks_total += chunks;
        self.progress.bytes_sent = self.progress.bytes_sent.saturating_sub(bytes);
        self.emit();
    }

    pub(crate) fn chunk_sent(&mut self, bytes: u64) {
        self.progress.chunks_done += 1;
        self.progress.bytes_sent =
            (self.progress.bytes_sent + bytes).min(self.progress.total_bytes);
        self.emit();
    }

    pub(crate) fn phase(&mut self, phase: Phase) {
        self.progress.phase = phase;
        self.emit();
    }
}
