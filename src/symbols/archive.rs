//! Zipping a `.dSYM` bundle or a folder of Breakpad symbols, as the official CLI does for its
//! users: file by file into an anonymous temporary file (deleted when closed), so memory stays
//! small whatever the folder's size.

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Zips `folder` into a temporary file. With `keep_root`, entries start with the folder's own
/// name (`App.dSYM/Contents/…`, as Xcode's zips of dSYMs); otherwise they are the folder's
/// contents. Runs on the blocking pool.
pub(crate) async fn zip_folder(folder: PathBuf, keep_root: bool) -> std::io::Result<File> {
    tokio::task::spawn_blocking(move || zip_blocking(&folder, keep_root))
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
}

fn zip_blocking(folder: &Path, keep_root: bool) -> std::io::Result<File> {
    let mut writer = ZipWriter::new(tempfile::tempfile()?);
    let prefix = match (keep_root, folder.file_name()) {
        (true, Some(name)) => format!("{}/", name.to_string_lossy()),
        _ => String::new(),
    };
    if !prefix.is_empty() {
        writer
            .add_directory(prefix.as_str(), SimpleFileOptions::default())
            .map_err(std::io::Error::other)?;
    }
    add_folder(&mut writer, folder, &prefix)?;
    let mut file = writer.finish().map_err(std::io::Error::other)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

/// Adds `folder`'s entries under `prefix`, in name order (the same folder gives the same zip).
/// Symbolic links to files are followed; links to folders are skipped (no cycles).
fn add_folder(writer: &mut ZipWriter<File>, folder: &Path, prefix: &str) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(folder)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        let link = entry.file_type()?.is_symlink();
        let metadata = std::fs::metadata(&path)?;
        if metadata.is_dir() {
            if link {
                continue;
            }
            let dir = format!("{name}/");
            writer
                .add_directory(dir.as_str(), SimpleFileOptions::default())
                .map_err(std::io::Error::other)?;
            add_folder(writer, &path, &dir)?;
        } else if metadata.is_file() {
            let options = SimpleFileOptions::default()
                .compression_method(CompressionMethod::Deflated)
                .large_file(metadata.len() >= u64::from(u32::MAX));
            writer
                .start_file(name.as_str(), options)
                .map_err(std::io::Error::other)?;
            std::io::copy(&mut File::open(&path)?, writer)?;
        }
    }
    Ok(())
}

/// Whether `folder` looks like a dSYM bundle: `Contents/Resources/DWARF` with a file in it.
pub(crate) fn is_dsym(folder: &Path) -> bool {
    let dwarf = folder.join("Contents").join("Resources").join("DWARF");
    std::fs::read_dir(dwarf)
        .is_ok_and(|mut entries| entries.any(|e| e.is_ok_and(|e| e.path().is_file())))
}

/// Whether `folder` holds a Breakpad `.sym` file, at any depth.
pub(crate) fn has_breakpad_symbols(folder: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let path = entry.path();
        let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
        if path.is_dir() {
            !is_link && has_breakpad_symbols(&path)
        } else {
            path.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("sym"))
        }
    })
}
