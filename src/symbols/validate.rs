//! The checks made before any request: what the user gave exists, is not empty and fits the
//! symbol type; the upload's settings make sense.

// The error carries App Center's error whole (as `UploadError` does); it is built once per
// failed upload, so its size is not worth boxing it for.
#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};

use super::SymbolType;
use super::archive;
use super::error::SymbolUploadError;

/// Most blocks Azure accepts in one blob.
pub const MAX_BLOCKS: u64 = 50_000;

/// Largest block size accepted (Azure's limit for every service version).
pub const MAX_BLOCK_SIZE: u64 = 100 * 1024 * 1024;

/// What will be uploaded.
#[derive(Debug)]
pub(crate) enum Source {
    /// A file, as is.
    File(PathBuf),
    /// A folder, zipped first; `keep_root` for a `.dSYM` bundle.
    Folder { path: PathBuf, keep_root: bool },
}

fn invalid<T>(why: String) -> Result<T, SymbolUploadError> {
    Err(SymbolUploadError::Invalid(why))
}

fn is_set(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.trim().is_empty())
}

/// Checks the input; gives the source and the file name announced to App Center.
pub(crate) fn source(
    path: &Path,
    symbol_type: SymbolType,
    version: &Option<String>,
    build: &Option<String>,
    file_name: &Option<String>,
) -> Result<(Source, String), SymbolUploadError> {
    if symbol_type == SymbolType::AndroidProguard && (!is_set(version) || !is_set(build)) {
        return invalid(
            "AndroidProguard mappings need the app's version and build (versionName and \
             versionCode): set `version` and `build`"
                .into(),
        );
    }
    if file_name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return invalid("the file name is empty".into());
    }
    let metadata = std::fs::metadata(path).map_err(|source| SymbolUploadError::File {
        path: path.to_path_buf(),
        source,
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty());
    let Some(name) = name else {
        return invalid(format!("{} has no file name", path.display()));
    };
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let source = if metadata.is_dir() {
        match symbol_type {
            SymbolType::Apple if extension == "dsym" && archive::is_dsym(path) => Source::Folder {
                path: path.to_path_buf(),
                keep_root: true,
            },
            SymbolType::Apple => {
                return invalid(format!(
                    "{} is a folder but not a dSYM bundle (a `.dSYM` folder with \
                     Contents/Resources/DWARF): pass a .dSYM folder or a .zip of dSYMs",
                    path.display()
                ));
            }
            SymbolType::Breakpad if archive::has_breakpad_symbols(path) => Source::Folder {
                path: path.to_path_buf(),
                keep_root: false,
            },
            SymbolType::Breakpad => {
                return invalid(format!(
                    "{} is a folder without any Breakpad .sym file",
                    path.display()
                ));
            }
            other => {
                return invalid(format!(
                    "{} is a folder: {other} symbols are uploaded as a file",
                    path.display()
                ));
            }
        }
    } else {
        if !metadata.is_file() {
            return invalid(format!("{} is not a file", path.display()));
        }
        if metadata.len() == 0 {
            return invalid(format!("{} is empty", path.display()));
        }
        if symbol_type == SymbolType::Apple && extension != "zip" {
            return invalid(format!(
                "{}: Apple symbols are a .dSYM folder or a .zip of dSYMs",
                path.display()
            ));
        }
        Source::File(path.to_path_buf())
    };
    let announced = match (file_name, &source) {
        (Some(given), _) => given.trim().to_string(),
        (None, Source::Folder { .. }) => format!("{name}.zip"),
        (None, Source::File(_)) => name,
    };
    Ok((source, announced))
}

/// Checks the block settings against the file's size.
pub(crate) fn blocks(size: u64, block_size: u64) -> Result<u64, SymbolUploadError> {
    if block_size == 0 || block_size > MAX_BLOCK_SIZE {
        return invalid(format!(
            "block size {block_size} is outside 1..={MAX_BLOCK_SIZE} bytes"
        ));
    }
    let blocks = size.div_ceil(block_size);
    if blocks > MAX_BLOCKS {
        return invalid(format!(
            "{size} bytes make {blocks} blocks of {block_size} bytes; Azure accepts at most \
             {MAX_BLOCKS}: raise `block_size`"
        ));
    }
    Ok(blocks)
}
