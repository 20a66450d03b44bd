//! Reading parts of one open file from several tasks at once, without a shared cursor, on the
//! blocking pool: what keeps an upload's memory at "parts in flight × part size" whatever the
//! file size.

use std::fs::File;
use std::sync::Arc;

use bytes::Bytes;
use futures::Stream;

/// An open file whose byte ranges can be read concurrently. Cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct SharedFile {
    file: Arc<File>,
}

impl SharedFile {
    pub(crate) fn new(file: File) -> Self {
        Self {
            file: Arc::new(file),
        }
    }

    /// Reads `len` bytes at `start` (on the blocking pool: file reads block).
    pub(crate) async fn read(&self, start: u64, len: usize) -> std::io::Result<Bytes> {
        let file = Arc::clone(&self.file);
        tokio::task::spawn_blocking(move || {
            let mut buffer = vec![0; len];
            read_exact_at(&file, &mut buffer, start).map(|()| Bytes::from(buffer))
        })
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }

    /// `len` bytes from `start` as a stream of pieces of at most `piece` bytes, each read only
    /// when the previous one has been taken: a request body of any size in bounded memory.
    pub(crate) fn stream(
        &self,
        start: u64,
        len: u64,
        piece: usize,
    ) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
        let file = self.clone();
        let piece = piece.max(1) as u64;
        futures::stream::try_unfold(0u64, move |done| {
            let file = file.clone();
            async move {
                if done >= len {
                    return Ok(None);
                }
                let n = (len - done).min(piece);
                let bytes = file.read(start + done, n as usize).await?;
                Ok(Some((bytes, done + n)))
            }
        })
    }
}

/// Reads exactly `buffer.len()` bytes at `offset`, without moving a shared cursor.
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
