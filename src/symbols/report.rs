//! Progress of a symbol upload: the caller's callback sees each change; the library prints
//! nothing, but each change is also a `debug` event `symbol upload progress` (phase, counts,
//! symbol upload id). A [`Progress`] holds counts only: no URL, no token, no SAS.

use std::sync::Arc;

/// What a symbol upload is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// Zipping a folder into a temporary file.
    Zipping,
    /// Sending the file to the blob storage.
    Uploading,
    /// Committing the upload.
    Committing,
    /// Waiting for App Center to index the symbols.
    Processing,
    /// Finished successfully.
    Done,
}

/// A snapshot of a symbol upload's progress, passed to the callback set with
/// [`SymbolUpload::on_progress`](super::SymbolUpload::on_progress).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// The current phase.
    pub phase: Phase,
    /// Bytes the blob storage has acknowledged.
    pub bytes_sent: u64,
    /// Bytes to send (the zip's size for a folder, known once it is zipped).
    pub total_bytes: u64,
    /// Blocks acknowledged (one for a single `PUT`).
    pub blocks_done: u64,
    /// Blocks to send (one for a single `PUT`).
    pub blocks_total: u64,
}

/// The callback type.
pub(crate) type Callback = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Keeps the current [`Progress`] and tells the callback about each change.
pub(crate) struct Reporter {
    progress: Progress,
    callback: Option<Callback>,
    /// The symbol upload's id, once created (for the tracing events only).
    upload_id: Option<String>,
}

impl Reporter {
    pub(crate) fn new(callback: Option<Callback>) -> Self {
        Self {
            progress: Progress {
                phase: Phase::Uploading,
                bytes_sent: 0,
                total_bytes: 0,
                blocks_done: 0,
                blocks_total: 0,
            },
            callback,
            upload_id: None,
        }
    }

    fn emit(&self) {
        let p = &self.progress;
        tracing::debug!(
            phase = ?p.phase,
            upload_id = self.upload_id.as_deref(),
            bytes_sent = p.bytes_sent,
            total_bytes = p.total_bytes,
            blocks_done = p.blocks_done,
            blocks_total = p.blocks_total,
            "symbol upload progress"
        );
        if let Some(callback) = &self.callback {
            callback(&self.progress);
        }
    }

    pub(crate) fn phase(&mut self, phase: Phase) {
        self.progress.phase = phase;
        self.emit();
    }

    /// The symbol upload was created with this id (an id, not a secret); no event of its own.
    pub(crate) fn created(&mut self, upload_id: &str) {
        self.upload_id = Some(upload_id.to_string());
    }

    /// The upload starts: `bytes` in `blocks`.
    pub(crate) fn start(&mut self, bytes: u64, blocks: u64) {
        self.progress.phase = Phase::Uploading;
        self.progress.total_bytes = bytes;
        self.progress.blocks_total = blocks;
        self.emit();
    }

    pub(crate) fn block_sent(&mut self, bytes: u64) {
        self.progress.blocks_done += 1;
        self.progress.bytes_sent =
            (self.progress.bytes_sent + bytes).min(self.progress.total_bytes);
        self.emit();
    }
}
