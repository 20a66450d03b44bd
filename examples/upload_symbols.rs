//! Uploads symbols (a dSYM folder or zip, Breakpad symbols, a UWP .appxsym, a Proguard mapping or
//! a JavaScript source map) and waits until App Center has indexed them, with a progress line.
//!
//! ```sh
//! # Against App Center (or APPCENTER_BASE_URL):
//! APPCENTER_ACCESS_TOKEN=... cargo run --example upload_symbols --features mock -- \
//!     build/Game.app.dSYM my-org/my-app apple
//! APPCENTER_ACCESS_TOKEN=... cargo run --example upload_symbols --features mock -- \
//!     app/build/outputs/mapping/release/mapping.txt my-org/my-app proguard 1.4.0 140
//! # Without a token: a generated sample file, uploaded to the embedded mock App Center.
//! cargo run --example upload_symbols --features mock
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use appcenter::mock::{MockAppCenter, MockSymbols};
use appcenter::symbols::{Phase, Progress, SymbolType};

const USAGE: &str = "usage: upload_symbols FILE_OR_FOLDER OWNER/APP \
    apple|breakpad|uwp|proguard|javascript [VERSION BUILD]";

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nupload_symbols: {e}");
            ExitCode::FAILURE
        }
    }
}

fn symbol_type(name: &str) -> Result<SymbolType, String> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "apple" | "dsym" => SymbolType::Apple,
        "breakpad" => SymbolType::Breakpad,
        "uwp" => SymbolType::Uwp,
        "proguard" | "androidproguard" => SymbolType::AndroidProguard,
        "javascript" | "js" => SymbolType::JavaScript,
        other => return Err(format!("unknown symbol type {other:?}; {USAGE}")),
    })
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let token_set = std::env::var(appcenter::TOKEN_ENV).is_ok_and(|t| !t.trim().is_empty());
    // Keep the mock (and the sample's directory) alive for the whole upload.
    let mut mock = None;
    let mut sample = None;
    let (client, path, app, kind, version, build, threshold) = if token_set {
        let [path, app, kind, rest @ ..] = args.as_slice() else {
            return Err(USAGE.into());
        };
        let (version, build) = match rest {
            [] => (None, None),
            [version, build] => (Some(version.clone()), Some(build.clone())),
            _ => return Err(USAGE.into()),
        };
        let client = appcenter::Client::from_env()?;
        let app: appcenter::AppRef = app.parse()?;
        let threshold = appcenter::symbols::SINGLE_PUT_LIMIT;
        (
            client,
            PathBuf::from(path),
            app,
            symbol_type(kind)?,
            version,
            build,
            threshold,
        )
    } else {
        println!(
            "{} is not set: uploading a generated sample to the embedded mock App Center",
            appcenter::TOKEN_ENV
        );
        // A low single-PUT limit on both sides, so the sample goes through the block path.
        let threshold = 8 * 1024 * 1024;
        let app_center = MockAppCenter::start().await;
        let symbols = MockSymbols::builder()
            .single_put_limit(threshold)
            .processing_polls(3)
            .mount(&app_center)
            .await;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("mapping.txt");
        std::fs::write(&path, sample_mapping(24 * 1024 * 1024))?;
        let client = app_center.client();
        mock = Some((app_center, symbols));
        sample = Some(dir);
        let app = appcenter::AppRef::new("my-org", "my-app")?;
        let (version, build) = (Some("1.4.0".to_string()), Some("140".to_string()));
        (
            client,
            path,
            app,
            SymbolType::AndroidProguard,
            version,
            build,
            threshold,
        )
    };

    let mut upload = client
        .upload_symbols(app.owner(), app.app(), &path, kind)
        .single_put_limit(threshold)
        .wait_until_processed(Duration::from_secs(15 * 60))
        .poll_interval(if token_set {
            Duration::from_secs(5)
        } else {
            Duration::from_millis(200)
        })
        .on_progress(draw);
    if let Some(version) = version {
        upload = upload.version(version);
    }
    if let Some(build) = build {
        upload = upload.build(build);
    }
    let uploaded = upload.send().await?;
    println!(
        "\nsymbol upload {} ({}, {} bytes in {} block(s)): {:?}, {} symbol(s)",
        uploaded.symbol_upload_id,
        uploaded.file_name,
        uploaded.bytes_uploaded,
        uploaded.blocks,
        uploaded.status,
        uploaded.symbols.len()
    );
    for symbol in &uploaded.symbols {
        println!(
            "  {} ({})",
            symbol.symbol_id,
            symbol.platform.as_deref().unwrap_or("platform unknown")
        );
    }
    if let Some((_, symbols)) = &mock {
        println!(
            "the mock's blob storage got {} requests; statuses set: {:?}",
            symbols.blob_requests().len(),
            symbols.statuses_set()
        );
    }
    drop(sample);
    Ok(())
}

/// Draws one line: `[#####.....]  45%  10.8/24.0 MiB  blocks 2/3  uploading`.
fn draw(p: &Progress) {
    const WIDTH: u64 = 30;
    let filled = (p.bytes_sent * WIDTH)
        .checked_div(p.total_bytes)
        .unwrap_or(0);
    let percent = (p.bytes_sent * 100).checked_div(p.total_bytes).unwrap_or(0);
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let phase = match p.phase {
        Phase::Zipping => "zipping",
        Phase::Uploading => "uploading",
        Phase::Committing => "committing",
        Phase::Processing => "indexing",
        Phase::Done => "done",
        _ => "",
    };
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r[{}{}] {percent:>3}%  {:.1}/{:.1} MiB  blocks {}/{}  {phase:<10}",
        "#".repeat(filled as usize),
        ".".repeat((WIDTH - filled) as usize),
        mib(p.bytes_sent),
        mib(p.total_bytes),
        p.blocks_done,
        p.blocks_total,
    );
    let _ = err.flush();
}

/// A Proguard-like mapping of about `size` bytes.
fn sample_mapping(size: usize) -> String {
    let mut text = String::with_capacity(size + 128);
    let mut n = 0u64;
    while text.len() < size {
        text.push_str(&format!(
            "com.example.game.Class{n} -> a{n:x}:\n    int field{n} -> a\n    void method{n}() -> b\n"
        ));
        n += 1;
    }
    text
}
