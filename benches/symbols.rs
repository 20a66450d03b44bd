//! Symbol upload throughput and memory through the block path, against one plain `PUT` of the
//! same bytes in the same run.
//!
//! ```sh
//! cargo bench --bench symbols --no-default-features --features rustls,crash,mock
//! ```
//!
//! A 300 MiB symbol file (above the 256 MiB single-`PUT` limit, so it goes in blocks: 4 MiB
//! blocks, 8 in parallel, then the block list) is uploaded with `Client::upload_symbols` to the
//! mock App Center's Azure-like blob endpoint, and PUT in one plain `reqwest` request (the whole
//! file from memory: the baseline at its fastest, which Azure itself would refuse above
//! 256 MiB) to the same endpoint, for an upload created the same way; runs alternate, and the
//! median of each is reported. The server runs in a child process (this binary, started with
//! `APPCENTER_BENCH_ROLE=server`) so that the memory measured here is the uploader's alone: the
//! peak of live heap bytes during the upload (a counting global allocator) and the process's
//! resident high-water mark. The server keeps a digest of each part it receives, and every run
//! is checked part by part against the file.
//!
//! One run (2 shared cores, 2026-12-01): blocks 952 ms (315 MiB/s), plain PUT 2588 ms
//! (116 MiB/s: wiremock grows one 300 MiB buffer for it), peak live heap 32.4 MiB for the
//! upload (bound 8 × 4 MiB).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use appcenter::mock::{Keep, MockAppCenter, MockSymbols, digest};
use appcenter::symbols::{SINGLE_PUT_LIMIT, SymbolType};
use appcenter::types::SymbolUploadBeginRequest;

#[global_allocator]
static ALLOCATOR: common::Counting = common::Counting;

const ROLE: &str = "APPCENTER_BENCH_ROLE";
const PARALLELISM: usize = 8;

/// (file size, single-PUT limit, block size, runs): the benchmark under `cargo bench` (which
/// passes `--bench`); a quick smoke run under `cargo test --all-targets`, so it cannot rot.
fn plan() -> (u64, u64, u64, usize) {
    if std::env::args().any(|a| a == "--bench") {
        (300 * 1024 * 1024, SINGLE_PUT_LIMIT, 4 * 1024 * 1024, 3)
    } else {
        (3 * 1024 * 1024 + 5, 1024 * 1024, 256 * 1024, 1)
    }
}

fn main() {
    if std::env::var(ROLE).as_deref() == Ok("server") {
        serve();
    } else {
        bench();
    }
}

/// The child: the mock App Center and its blob endpoint, keeping only digests and taking single
/// PUTs of any size (for the baseline). Prints its URL, then answers `report` lines on stdin
/// with what the last blob was made of.
#[tokio::main]
async fn serve() {
    let mock = MockAppCenter::builder().keep(Keep::Digest).start().await;
    let symbols = MockSymbols::builder()
        .keep(Keep::Digest)
        .single_put_limit(u64::MAX)
        .mount(&mock)
        .await;
    println!("{}", mock.uri());
    let mut lines = BufReader::new(std::io::stdin()).lines();
    while let Some(Ok(line)) = tokio::task::block_in_place(|| lines.next()) {
        if line == "report" {
            println!("{}", summary(symbols.blob_parts().unwrap_or_default()));
        }
    }
}

/// `parts bytes combined-digest` of (length, digest) pairs in order.
fn summary(parts: Vec<(u64, u64)>) -> String {
    let (mut bytes, mut all) = (0u64, Vec::new());
    for (len, d) in &parts {
        bytes += len;
        all.extend_from_slice(&len.to_le_bytes());
        all.extend_from_slice(&d.to_le_bytes());
    }
    format!("{} {bytes} {:016x}", parts.len(), digest(&all))
}

/// What the server should report: the file in `part`-byte parts.
fn expected(path: &Path, size: u64, part: u64) -> String {
    let mut file = std::fs::File::open(path).unwrap();
    let mut buffer = vec![0u8; part.min(4 * 1024 * 1024) as usize];
    let mut parts = Vec::new();
    let mut left = size;
    while left > 0 {
        let len = left.min(part);
        // Hash the part piece by piece (SipHash over a byte stream: the same as in one go).
        let mut hasher = std::hash::DefaultHasher::new();
        let mut rest = len;
        while rest > 0 {
            let n = rest.min(buffer.len() as u64) as usize;
            file.read_exact(&mut buffer[..n]).unwrap();
            std::hash::Hasher::write(&mut hasher, &buffer[..n]);
            rest -= n as u64;
        }
        parts.push((len, std::hash::Hasher::finish(&hasher)));
        left -= len;
    }
    summary(parts)
}

struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    uri: String,
}

impl Server {
    fn start() -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env(ROLE, "server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server process");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut uri = String::new();
        stdout.read_line(&mut uri).unwrap();
        Self {
            child,
            stdin,
            stdout,
            uri: uri.trim().to_string(),
        }
    }

    fn report(&mut self) -> String {
        writeln!(self.stdin, "report").unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line.trim().to_string()
    }
}

#[tokio::main]
async fn bench() {
    let (file_size, limit, block, runs) = plan();
    let path = std::env::temp_dir().join(format!("appcenter-bench-{}.sym", std::process::id()));
    common::write_file(&path, file_size);
    let expected_blocks = expected(&path, file_size, block);
    let expected_single = expected(&path, file_size, file_size);
    let mut server = Server::start();
    let client = appcenter::Client::builder(MockAppCenter::TOKEN)
        .base_url(&server.uri)
        .build()
        .unwrap();
    // This crate builds reqwest's rustls without a crypto provider: a client of one's own
    // needs one installed (as rustls asks of applications).
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();

    let hwm_before = common::vm_hwm_kib();
    let mut upload_times = Vec::new();
    let mut plain_times = Vec::new();
    let mut upload_peak = 0;
    let mut hwm_after_upload = 0;
    let mut bytes = None;
    for run in 0..runs {
        let base = common::start_peak();
        let started = Instant::now();
        let uploaded = client
            .upload_symbols("bench", "app", &path, SymbolType::Breakpad)
            .single_put_limit(limit)
            .block_size(block)
            .parallelism(PARALLELISM)
            .send()
            .await
            .expect("the upload succeeds");
        upload_times.push(started.elapsed());
        upload_peak = upload_peak.max(common::peak_since(base));
        if run == 0 {
            hwm_after_upload = common::vm_hwm_kib();
        }
        assert_eq!(uploaded.blocks, file_size.div_ceil(block));
        assert_eq!(server.report(), expected_blocks, "the blob is the file");

        // The baseline: a fresh upload, and the whole file from memory in one PUT. Loaded only
        // now, so the high-water mark above is the upload's.
        let created = client
            .symbol_uploads_create()
            .owner_name("bench")
            .app_name("app")
            .body(SymbolUploadBeginRequest {
                symbol_type: SymbolType::Breakpad,
                file_name: None,
                build: None,
                version: None,
                client_callback: None,
            })
            .send()
            .await
            .unwrap()
            .into_inner();
        if bytes.is_none() {
            bytes = Some(bytes::Bytes::from(std::fs::read(&path).unwrap()));
        }
        let body = bytes.clone().unwrap();
        let started = Instant::now();
        let status = http
            .put(created.upload_url.as_deref().unwrap())
            .header("x-ms-blob-type", "BlockBlob")
            .body(body)
            .send()
            .await
            .unwrap()
            .status();
        plain_times.push(started.elapsed());
        assert_eq!(status.as_u16(), 201);
        assert_eq!(
            server.report(),
            expected_single,
            "the baseline blob is the file"
        );
    }
    drop(server.stdin);
    let _ = server.child.wait();
    let _ = std::fs::remove_file(&path);

    let mib = file_size as f64 / (1024.0 * 1024.0);
    let median = |times: &mut Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let upload = median(&mut upload_times);
    let plain = median(&mut plain_times);
    println!(
        "file: {mib:.0} MiB, blocks of {} KiB, {PARALLELISM} in parallel, {runs} runs each, medians",
        block >> 10
    );
    println!(
        "upload_symbols (blocks + block list + API calls): {:>7.1} ms  {:>7.1} MiB/s",
        upload.as_secs_f64() * 1e3,
        mib / upload.as_secs_f64()
    );
    println!(
        "plain reqwest PUT (one request, from memory):     {:>7.1} ms  {:>7.1} MiB/s",
        plain.as_secs_f64() * 1e3,
        mib / plain.as_secs_f64()
    );
    println!(
        "upload / plain throughput: {:.2}",
        plain.as_secs_f64() / upload.as_secs_f64()
    );
    println!(
        "upload peak live heap: {:.1} MiB (bound: {PARALLELISM} x {} KiB blocks)",
        upload_peak as f64 / (1024.0 * 1024.0),
        block >> 10
    );
    println!(
        "process VmHWM: {:.1} MiB before the first upload, {:.1} MiB after it",
        hwm_before as f64 / 1024.0,
        hwm_after_upload as f64 / 1024.0
    );
    // Memory is bounded by block size times parallelism, whatever the file size: allow twice
    // the bound for buffers around the blocks.
    let bound = 2 * PARALLELISM * block as usize;
    assert!(
        upload_peak <= bound,
        "the upload held {upload_peak} bytes at its peak, over the bound of {bound}"
    );
}
