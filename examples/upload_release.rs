//! Uploads a build as a new release and distributes it to one or more groups, with a progress bar.
//!
//! ```sh
//! # Against App Center (or APPCENTER_BASE_URL):
//! APPCENTER_ACCESS_TOKEN=... cargo run --example upload_release --features mock -- \
//!     app-release.apk my-org/my-app "Beta testers" "QA"
//! # Without a token: a sample file, uploaded to the embedded mock App Center.
//! cargo run --example upload_release --features mock
//! ```

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use appcenter::mock::MockAppCenter;
use appcenter::upload::{Phase, Progress};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nupload_release: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let token_set = std::env::var(appcenter::TOKEN_ENV).is_ok_and(|t| !t.trim().is_empty());
    // Keep the mock (and the sample file's directory) alive for the whole upload.
    let (client, file, owner, app, groups, _mock) = if token_set {
        let [file, app, groups @ ..] = args.as_slice() else {
            return Err("usage: upload_release FILE OWNER/APP [GROUP...]".into());
        };
        let (owner, app) = app.split_once('/').ok_or("OWNER/APP expected")?;
        let client = appcenter::Client::from_env()?;
        let groups = groups.to_vec();
        (
            client,
            file.into(),
            owner.to_string(),
            app.to_string(),
            groups,
            None,
        )
    } else {
        println!(
            "{} is not set: uploading a sample file to the embedded mock App Center",
            appcenter::TOKEN_ENV
        );
        let mock = MockAppCenter::builder()
            .chunk_size(512 * 1024)
            .processing_polls(3)
            .start()
            .await;
        let file = sample_file(24 * 1024 * 1024)?;
        let groups = vec!["Beta testers".to_string(), "QA team/Berlin".to_string()];
        let client = mock.client();
        (
            client,
            file,
            "my-org".into(),
            "my-app".into(),
            groups,
            Some(mock),
        )
    };

    let mut upload = client
        .upload_release(&owner, &app, &file)
        .release_notes("Uploaded by the appcenter crate's upload_release example")
        .poll_interval(if token_set {
            Duration::from_secs(3)
        } else {
            Duration::from_millis(200)
        });
    for group in &groups {
        upload = upload.group(group);
    }
    // The progress bar watches the upload from its own task, through the upload's control
    // handle (which could also `cancel()` it, say on Ctrl-C).
    let mut progress = upload.control().progress();
    let bar = tokio::spawn(async move {
        while progress.changed().await.is_ok() {
            draw(&progress.borrow_and_update());
        }
    });
    let result = upload.send().await;
    let _ = bar.await;
    if _mock.is_some() {
        let _ = std::fs::remove_file(&file);
    }
    let release = match result {
        Ok(release) => release,
        Err(e) => {
            if let Some(id) = e.upload_id() {
                eprintln!("\nupload {id}: `Client::wait_for_release` can pick it up again");
            }
            return Err(e.into());
        }
    };
    println!(
        "\nrelease {} uploaded and distributed to {}",
        release.release_id,
        groups.join(", ")
    );
    if let Some(url) = release.release_url {
        println!("{url}");
    }
    Ok(())
}

/// Draws one line: `[#####.....]  45%  10.8/24.0 MiB  chunks 22/48  uploading`.
fn draw(p: &Progress) {
    const WIDTH: u64 = 30;
    let filled = (p.bytes_sent * WIDTH)
        .checked_div(p.total_bytes)
        .unwrap_or(0);
    let percent = (p.bytes_sent * 100).checked_div(p.total_bytes).unwrap_or(0);
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let phase = match p.phase {
        Phase::Uploading => "uploading",
        Phase::Processing => "processing",
        Phase::Distributing => "distributing",
        Phase::Done => "done",
        _ => "",
    };
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r[{}{}] {percent:>3}%  {:.1}/{:.1} MiB  chunks {}/{}  {phase:<12}",
        "#".repeat(filled as usize),
        ".".repeat((WIDTH - filled) as usize),
        mib(p.bytes_sent),
        mib(p.total_bytes),
        p.chunks_done,
        p.chunks_total,
    );
    let _ = err.flush();
}

/// A sample "build" of `size` bytes in the temporary directory.
fn sample_file(size: usize) -> std::io::Result<std::path::PathBuf> {
    let path = std::env::temp_dir().join(format!("appcenter-sample-{}.apk", std::process::id()));
    let bytes: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, bytes)?;
    Ok(path)
}
