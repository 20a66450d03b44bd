//! Symbol and mapping upload in one call: [`Client::upload_symbols`] (feature `crash`), what the
//! official CLI's `crashes upload-symbols` and `upload-mappings` do.
//!
//! The protocol:
//! 1. `POST .../symbol_uploads` with the symbol type, the file name and, where they apply, the
//!    version and build: App Center answers an id and a blob `upload_url` (an Azure SAS URL on
//!    another host).
//! 2. The file goes to `upload_url`: one `PUT` up to [`SINGLE_PUT_LIMIT`] (256 MiB, Azure's
//!    limit for one request), above that in blocks sent in parallel, then the block list.
//! 3. `PATCH .../symbol_uploads/{id}` with `committed`. On any failure before, `aborted` (best
//!    effort) and the original error: a failed blob upload is never committed.
//! 4. Optionally ([`SymbolUpload::wait_until_processed`]) polls until App Center has indexed
//!    the symbols (`indexed`), or says it could not (`failed`, an error).
//!
//! - A `.dSYM` folder or a folder of Breakpad symbols is zipped first, file by file into a
//!   temporary file; files and blocks are read as they are sent: memory stays around
//!   `parallelism × block_size` whatever the size.
//! - The API token goes to the API only; the blob host gets no App Center header, and the SAS
//!   signature (`sig=`) never appears in errors, `Debug` or progress.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use appcenter::symbols::SymbolType;
//! use std::time::Duration;
//! let client = appcenter::Client::from_env()?;
//! let uploaded = client
//!     .upload_symbols("my-org", "my-app", "app/build/outputs/mapping/release/mapping.txt", SymbolType::AndroidProguard)
//!     .version("1.4.0")
//!     .build("140")
//!     .wait_until_processed(Duration::from_secs(600))
//!     .on_progress(|p| eprintln!("{:?} {}/{} bytes", p.phase, p.bytes_sent, p.total_bytes))
//!     .send()
//!     .await?;
//! println!("{} {:?}", uploaded.symbol_upload_id, uploaded.status);
//! # Ok(()) }
//! ```

mod archive;
mod azure_error;
mod blob;
mod error;
mod report;
mod validate;
mod wait;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt, stream};

pub use error::{BlobError, Step, SymbolUploadError};
pub use report::{Phase, Progress};
pub use validate::{MAX_BLOCK_SIZE, MAX_BLOCKS};

use crate::file_parts::SharedFile;
use crate::types::{
    SymbolUploadBeginRequest, SymbolUploadEndRequest, SymbolUploadEndRequestStatus as EndStatus,
    UploadedSymbolInfo,
};
use crate::{Client, Error, RetryPolicy};
use blob::{BlobTarget, Timeout};
use report::Reporter;
use validate::Source;

/// The kind of symbols: `Apple` (dSYMs), `Breakpad`, `Uwp`, `AndroidProguard` (mapping.txt),
/// `JavaScript` (source maps).
pub type SymbolType = crate::types::SymbolUploadBeginRequestSymbolType;

/// Largest file sent in one `PUT` (Azure refuses bigger single requests with 413
/// `RequestBodyTooLarge`); bigger files are sent in blocks.
pub const SINGLE_PUT_LIMIT: u64 = 256 * 1024 * 1024;

/// Default block size: 4 MiB.
pub const DEFAULT_BLOCK_SIZE: u64 = 4 * 1024 * 1024;

/// Why the file did not reach the blob storage.
enum Unsent {
    Blob(BlobError),
    Read(std::io::Error),
}

impl From<BlobError> for Unsent {
    fn from(e: BlobError) -> Self {
        Unsent::Blob(e)
    }
}

/// The status of a symbol upload that did not fail.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SymbolStatus {
    /// Committed, not processed yet (App Center reports `file_size: 0` and no symbols then).
    Committed,
    /// App Center is processing it.
    Processing,
    /// Processed: the symbols are used for crash reports.
    Indexed,
    /// A status this crate does not know, as the service sent it.
    Other(String),
}

impl SymbolStatus {
    fn from_service(status: String) -> Self {
        match status.as_str() {
            "committed" => Self::Committed,
            "processing" => Self::Processing,
            "indexed" => Self::Indexed,
            _ => Self::Other(status),
        }
    }
}

/// A symbol upload that was committed (and indexed, when waited for).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct UploadedSymbols {
    /// The upload's id, for the `symbol_uploads_*` operations.
    pub symbol_upload_id: String,
    /// Its status when `send` returned.
    pub status: SymbolStatus,
    /// The symbols App Center found (empty until [`SymbolStatus::Indexed`]).
    pub symbols: Vec<UploadedSymbolInfo>,
    /// The file name announced (`<folder>.zip` for a zipped folder).
    pub file_name: String,
    /// Bytes sent to the blob storage (the zip's size for a folder).
    pub bytes_uploaded: u64,
    /// Blocks sent: 1 for a single `PUT`.
    pub blocks: u64,
}

impl Client {
    /// Uploads symbols (a file, a `.dSYM` folder or a folder of Breakpad symbols) to
    /// `owner_name/app_name`. Nothing is sent until [`SymbolUpload::send`].
    pub fn upload_symbols(
        &self,
        owner_name: impl Into<String>,
        app_name: impl Into<String>,
        path: impl Into<PathBuf>,
        symbol_type: SymbolType,
    ) -> SymbolUpload<'_> {
        SymbolUpload {
            client: self,
            owner: owner_name.into(),
            app: app_name.into(),
            path: path.into(),
            symbol_type,
            version: None,
            build: None,
            file_name: None,
            client_callback: None,
            single_put_limit: SINGLE_PUT_LIMIT,
            block_size: DEFAULT_BLOCK_SIZE,
            parallelism: 8,
            retry: None,
            max_failures: 50,
            blob_timeout: None,
            wait_timeout: None,
            poll_interval: Duration::from_secs(5),
            progress: None,
        }
    }
}

impl crate::AppClient {
    /// [`Client::upload_symbols`] for this app.
    pub fn upload_symbols(
        &self,
        path: impl Into<PathBuf>,
        symbol_type: SymbolType,
    ) -> SymbolUpload<'_> {
        let app = self.app_ref();
        self.client()
            .upload_symbols(app.owner(), app.app(), path, symbol_type)
    }
}

/// A symbol upload being configured; [`send`](Self::send) runs it.
#[must_use = "nothing is uploaded until `.send().await`"]
pub struct SymbolUpload<'a> {
    client: &'a Client,
    owner: String,
    app: String,
    path: PathBuf,
    symbol_type: SymbolType,
    version: Option<String>,
    build: Option<String>,
    file_name: Option<String>,
    client_callback: Option<String>,
    single_put_limit: u64,
    block_size: u64,
    parallelism: usize,
    retry: Option<RetryPolicy>,
    max_failures: u32,
    blob_timeout: Option<Duration>,
    wait_timeout: Option<Duration>,
    poll_interval: Duration,
    progress: Option<report::Callback>,
}

impl fmt::Debug for SymbolUpload<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SymbolUpload")
            .field("owner", &self.owner)
            .field("app", &self.app)
            .field("path", &self.path)
            .field("symbol_type", &self.symbol_type)
            .finish_non_exhaustive()
    }
}

impl<'a> SymbolUpload<'a> {
    /// The app version the symbols belong to (`versionName` for Android; required for
    /// `AndroidProguard`).
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = Some(version.into());
        self
    }

    /// The build (`versionCode` for Android; required for `AndroidProguard`).
    pub fn build(mut self, build: impl Into<String>) -> Self {
        self.build = Some(build.into());
        self
    }

    /// The file name shown in the portal. Default: the file's name (`<folder>.zip` for a
    /// folder); without one the portal would show `upload-<timestamp>.zip`.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// A URL App Center calls with status updates of the upload.
    pub fn client_callback(mut self, url: impl Into<String>) -> Self {
        self.client_callback = Some(url.into());
        self
    }

    /// Files up to this size go in one `PUT`, bigger ones in blocks. Default
    /// [`SINGLE_PUT_LIMIT`], Azure's own limit; lower it to exercise the block path.
    pub fn single_put_limit(mut self, bytes: u64) -> Self {
        self.single_put_limit = bytes.min(SINGLE_PUT_LIMIT);
        self
    }

    /// Size of each block, 1 byte to [`MAX_BLOCK_SIZE`]. Default 4 MiB. A file may have at most
    /// [`MAX_BLOCKS`] blocks.
    pub fn block_size(mut self, bytes: u64) -> Self {
        self.block_size = bytes;
        self
    }

    /// Blocks sent at the same time (at least 1). Default 8. Memory use is about this times
    /// the block size.
    pub fn parallelism(mut self, blocks: usize) -> Self {
        self.parallelism = blocks.max(1);
        self
    }

    /// Retries of blob requests (attempts per request, backoff). Default: the client's policy.
    /// Every blob request is retried on 408, 429, 5xx and transport errors, since sending the
    /// same bytes to the same place again is harmless.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Failed blob attempts tolerated across the whole upload before giving up. Default 50.
    pub fn max_failures(mut self, failures: u32) -> Self {
        self.max_failures = failures;
        self
    }

    /// Time allowed for one blob request. Default: the client's per-attempt timeout plus one
    /// second per MiB of the request's body (a single `PUT` may be 256 MiB).
    pub fn blob_timeout(mut self, timeout: Duration) -> Self {
        self.blob_timeout = Some(timeout);
        self
    }

    /// After the commit, waits up to `timeout` for App Center to process the symbols: success
    /// is `indexed`, `failed` is an error. By default `send` returns right after the commit.
    pub fn wait_until_processed(mut self, timeout: Duration) -> Self {
        self.wait_timeout = Some(timeout);
        self
    }

    /// Time between two polls while waiting (see [`wait_until_processed`]). Default 5 s.
    ///
    /// [`wait_until_processed`]: Self::wait_until_processed
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Calls `callback` on each change of the upload's [`Progress`] (from the task running
    /// [`send`](Self::send); keep it quick).
    pub fn on_progress(mut self, callback: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(callback));
        self
    }

    /// Runs the upload.
    ///
    /// Checks the input first, before any request: the owner and app names, the file exists
    /// and is not empty (a folder is a `.dSYM` bundle, or holds Breakpad `.sym` files),
    /// `AndroidProguard` has a version and a build, the block settings fit the file.
    pub async fn send(self) -> Result<UploadedSymbols, SymbolUploadError> {
        if let Err(e) = crate::AppRef::new(self.owner.as_str(), self.app.as_str()) {
            return Err(SymbolUploadError::Invalid(e.to_string()));
        }
        let (source, file_name) = validate::source(
            &self.path,
            self.symbol_type,
            &self.version,
            &self.build,
            &self.file_name,
        )?;
        let mut reporter = Reporter::new(self.progress.clone());
        let (file, size) = self.open(source, &mut reporter).await?;
        let blocks = if size > self.single_put_limit {
            validate::blocks(size, self.block_size)?
        } else {
            1
        };

        let created = self
            .client
            .symbol_uploads_create()
            .owner_name(&self.owner)
            .app_name(&self.app)
            .body(SymbolUploadBeginRequest {
                symbol_type: self.symbol_type,
                file_name: Some(file_name.clone()),
                version: self.version.clone(),
                build: self.build.clone(),
                client_callback: self.client_callback.clone(),
            })
            .send()
            .await
            .map_err(|e| SymbolUploadError::Api {
                step: Step::Create,
                symbol_upload_id: None,
                source: e,
            })?
            .into_inner();
        let id = created.symbol_upload_id;
        reporter.created(&id);

        reporter.start(size, blocks);
        let sent = self
            .send_blob(
                // No URL is refused like an unusable one (and the upload aborted).
                created.upload_url.as_deref().unwrap_or_default(),
                file,
                size,
                blocks,
                &mut reporter,
            )
            .await;
        if let Err(failure) = sent {
            let aborted = self.set_status(&id, EndStatus::Aborted).await.is_ok();
            return Err(match failure {
                Unsent::Blob(source) => SymbolUploadError::Blob {
                    symbol_upload_id: id,
                    aborted,
                    source,
                },
                Unsent::Read(source) => SymbolUploadError::File {
                    path: self.path.clone(),
                    source,
                },
            });
        }

        reporter.phase(Phase::Committing);
        let mut entity = self
            .set_status(&id, EndStatus::Committed)
            .await
            .map_err(|source| SymbolUploadError::Api {
                step: Step::Commit,
                symbol_upload_id: Some(id.clone()),
                source,
            })?;
        if let Some(timeout) = self.wait_timeout {
            reporter.phase(Phase::Processing);
            let settings = wait::WaitSettings {
                interval: self.poll_interval,
                timeout,
            };
            entity =
                wait::until_processed(self.client, &self.owner, &self.app, &id, settings).await?;
        }
        reporter.phase(Phase::Done);
        Ok(UploadedSymbols {
            symbol_upload_id: id,
            status: SymbolStatus::from_service(entity.status.unwrap_or_default()),
            symbols: entity.symbols_uploaded,
            file_name,
            bytes_uploaded: size,
            blocks,
        })
    }

    /// The file to send and its size: the file itself, or the folder zipped.
    async fn open(
        &self,
        source: Source,
        reporter: &mut Reporter,
    ) -> Result<(SharedFile, u64), SymbolUploadError> {
        let file_error = |source| SymbolUploadError::File {
            path: self.path.clone(),
            source,
        };
        let file = match source {
            Source::File(path) => std::fs::File::open(path).map_err(file_error)?,
            Source::Folder { path, keep_root } => {
                reporter.phase(Phase::Zipping);
                archive::zip_folder(path, keep_root)
                    .await
                    .map_err(file_error)?
            }
        };
        let size = file.metadata().map_err(file_error)?.len();
        if size == 0 {
            return Err(SymbolUploadError::Invalid(format!(
                "{} is empty",
                self.path.display()
            )));
        }
        Ok((SharedFile::new(file), size))
    }

    /// Step 2: one `PUT`, or the blocks then the block list.
    async fn send_blob(
        &self,
        upload_url: &str,
        file: SharedFile,
        size: u64,
        blocks: u64,
        reporter: &mut Reporter,
    ) -> Result<(), Unsent> {
        let state = self.client.state();
        let timeout = match self.blob_timeout {
            Some(fixed) => Timeout {
                base: Some(fixed),
                per_mib: Duration::ZERO,
                by_http: state.timeouts.by_http,
            },
            None => Timeout {
                base: state.timeouts.per_attempt,
                per_mib: Duration::from_secs(1),
                by_http: state.timeouts.by_http,
            },
        };
        let target = BlobTarget::new(
            self.client.http().clone(),
            upload_url,
            timeout,
            self.retry.clone().unwrap_or_else(|| state.retry.clone()),
            self.max_failures,
        )?;
        if blocks == 1 {
            target.put_blob(&file, size).await?;
            reporter.block_sent(size);
            return Ok(());
        }
        let block_size = self.block_size;
        let target = &target;
        let file = &file;
        let mut done = stream::iter(0..blocks)
            .map(|index| async move {
                let start = index * block_size;
                let len = (size - start).min(block_size);
                let data = file.read(start, len as usize).await.map_err(Unsent::Read)?;
                target.put_block(&blob::block_id(index), data).await?;
                Ok::<u64, Unsent>(len)
            })
            .buffer_unordered(self.parallelism);
        while let Some(len) = done.try_next().await? {
            reporter.block_sent(len);
        }
        drop(done);
        let ids: Vec<String> = (0..blocks).map(blob::block_id).collect();
        Ok(target.put_block_list(&ids).await?)
    }

    /// Step 3: `PATCH .../symbol_uploads/{id}` with `committed` or `aborted`.
    async fn set_status(
        &self,
        id: &str,
        status: EndStatus,
    ) -> Result<crate::types::SymbolUpload, Error> {
        let entity = self
            .client
            .symbol_uploads_complete()
            .owner_name(&self.owner)
            .app_name(&self.app)
            .symbol_upload_id(id)
            .body(SymbolUploadEndRequest { status })
            .send()
            .await?
            .into_inner();
        Ok(entity)
    }
}
