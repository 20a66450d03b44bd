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
    let mut writer = ZipWriter::new(anonymous_file()?);
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

/// A new, empty file in the system's temporary folder that nobody else can open and that is
/// gone once closed: created exclusively (`O_CREAT | O_EXCL`, so never a file or link someone
/// placed there first) with a name no other process can guess, readable by its owner only, and
/// unlinked at once on Unix (deleted on close on Windows). What `tempfile::tempfile()` does,
/// without its dependencies in every user's build.
fn anonymous_file() -> std::io::Result<File> {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static CREATED: AtomicU64 = AtomicU64::new(0);

    let folder = std::env::temp_dir();
    let mut last = None;
    for _ in 0..16 {
        // SipHash with the process's random keys, over a counter, the time and the process id.
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(CREATED.fetch_add(1, Ordering::Relaxed));
        hasher.write_u32(std::process::id());
        if let Ok(since) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            hasher.write_u128(since.as_nanos());
        }
        let path = folder.join(format!(".appcenter-symbols-{:016x}.zip", hasher.finish()));
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        #[cfg(windows)]
        {
            // FILE_FLAG_DELETE_ON_CLOSE, and other processes may not open it meanwhile.
            std::os::windows::fs::OpenOptionsExt::custom_flags(&mut options, 0x0400_0000);
            std::os::windows::fs::OpenOptionsExt::share_mode(&mut options, 0);
        }
        match options.open(&path) {
            Ok(file) => {
                #[cfg(not(windows))]
                std::fs::remove_file(&path)?;
                return Ok(file);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no temporary file could be created")))
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

#[cfg(test)]
mod tests {
    use std::io::{Read, Seek, SeekFrom, Write};

    #[test]
    fn anonymous_files_are_private_unlinked_and_distinct() {
        let mut one = super::anonymous_file().unwrap();
        let mut two = super::anonymous_file().unwrap();
        one.write_all(b"first").unwrap();
        two.write_all(b"second").unwrap();
        for (file, want) in [(&mut one, "first"), (&mut two, "second")] {
            file.seek(SeekFrom::Start(0)).unwrap();
            let mut read = String::new();
            file.read_to_string(&mut read).unwrap();
            assert_eq!(read, want);
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                let metadata = file.metadata().unwrap();
                assert_eq!(metadata.nlink(), 0, "the file has no name left");
                assert_eq!(metadata.mode() & 0o777, 0o600);
            }
        }
    }
}
