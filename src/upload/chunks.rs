//! Sends the file's chunks in parallel, reading each from the file only when its turn comes, so
//! memory stays at most `parallelism × chunk_size` whatever the file size.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt, stream};
use uuid::Uuid;

use super::error::{Step, TransferError, UploadError};
use super::protocol::UploadDomain;
use super::report::Reporter;

/// Largest chunk size accepted from the service: it multiplies the memory an upload may use.
pub(crate) const MAX_CHUNK_SIZE: u64 = 64 * 1024 * 1024;

/// The file being uploaded and how the service cut it into blocks.
pub(crate) struct Blocks {
    file: Arc<File>,
    path: Arc<Path>,
    size: u64,
    chunk_size: u64,
    upload_id: Uuid,
}

impl Blocks {
    /// Checks the service's chunk size against the file.
    pub(crate) fn new(
        file: File,
        path: &Path,
        size: u64,
        chunk_size: u64,
        upload_id: Uuid,
    ) -> Result<Self, TransferError> {
        if chunk_size == 0 || chunk_size > MAX_CHUNK_SIZE {
            return Err(TransferError::Protocol(format!(
                "chunk_size {chunk_size} is outside 1..={MAX_CHUNK_SIZE}"
            )));
        }
        Ok(Self {
            file: Arc::new(file),
            path: path.into(),
            size,
            chunk_size,
            upload_id,
        })
    }

    /// How many blocks the file has.
    pub(crate) fn count(&self) -> u64 {
        self.size.div_ceil(self.chunk_size)
    }

    /// The byte range of block `n` (1-based): `[(n-1)*chunk_size, min(n*chunk_size, size))`.
    pub(crate) fn range(&self, n: u64) -> Result<(u64, usize), TransferError> {
        if n == 0 || n > self.count() {
            return Err(TransferError::Protocol(format!(
                "the service asked for block {n}, but the file has blocks 1..={}",
                self.count()
            )));
        }
        let start = (n - 1) * self.chunk_size;
        let len = (self.size - start).min(self.chunk_size);
        Ok((start, len as usize))
    }

    /// Bytes in the given blocks.
    pub(crate) fn bytes_in(&self, blocks: &[u64]) -> Result<u64, TransferError> {
        blocks
            .iter()
            .map(|n| self.range(*n).map(|(_, len)| len as u64))
            .sum()
    }

    /// Reads block `n` from the file (on the blocking pool: file reads block).
    async fn read(&self, n: u64) -> Result<Bytes, UploadError> {
        let (start, len) = self.range(n).map_err(|source| UploadError::Transfer {
            step: Step::UploadChunk,
            source,
            upload_id: self.upload_id,
        })?;
        let file = Arc::clone(&self.file);
        let read = tokio::task::spawn_blocking(move || {
            let mut buffer = vec![0; len];
            read_exact_at(&file, &mut buffer, start).map(|()| Bytes::from(buffer))
        })
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        read.map_err(|source| UploadError::File {
            path: self.path.to_path_buf(),
            source,
            upload_id: Some(self.upload_id),
        })
    }

    /// Sends `blocks` with at most `parallelism` in flight, reporting each one done. Stops at
    /// the first chunk that fails after its retries; the chunks in flight are dropped.
    pub(crate) async fn send(
        &self,
        domain: &UploadDomain,
        blocks: &[u64],
        parallelism: usize,
        reporter: &mut Reporter,
    ) -> Result<(), UploadError> {
        let mut done = stream::iter(blocks.iter().copied())
            .map(|n| async move {
                let data = self.read(n).await?;
                let len = data.len() as u64;
                domain
                    .upload_chunk(n, data)
                    .await
                    .map_err(|source| UploadError::Transfer {
                        step: Step::UploadChunk,
                        source,
                        upload_id: self.upload_id,
                    })?;
                Ok::<u64, UploadError>(len)
            })
            .buffer_unordered(parallelism.max(1));
        while let Some(len) = done.try_next().await? {
            reporter.chunk_sent(len);
        }
        Ok(())
    }
}

/// Reads exactly `buffer.len()` bytes at `offset`, without moving a shared cursor, so chunks can
/// be read in parallel from one open file (the same file for the whole upload).
#[cfg(unix)]
fn read_exact_at(file: &File, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buffer, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buffer: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buffer.is_empty() {
        match file.seek_read(buffer, offset) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buffer = &mut buffer[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
