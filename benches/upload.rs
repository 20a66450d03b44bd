//! Release upload throughput and memory, against a baseline in the same run.
//!
//! ```sh
//! cargo bench --bench upload --no-default-features --features distribute,mock
//! ```
//!
//! A 256 MiB file is uploaded with `Client::upload_release` (default settings: 10 chunks in
//! parallel, the service's 4 MiB chunks) to the mock App Center, and POSTed in one plain
//! `reqwest` request (the whole file from memory: the baseline at its fastest) to the same
//! server; runs alternate, and the median of each is reported. (The mock server, wiremock,
//! collects each request body before answering: for the single 256 MiB body that is one large
//! growing buffer, for the upload 64 bodies of 4 MiB handled in parallel.) The server runs in a child process (this binary, started with
//! `APPCENTER_BENCH_ROLE=server`) so that the memory measured here is the uploader's alone: the
//! peak of live heap bytes during the upload (a counting global allocator) and the process's
//! resident high-water mark (`VmHWM`). Both sides hash what they receive, so the server does
//! the same work for each, and every upload is checked chunk by chunk against the file.
//!
//! Without `--bench` (under `cargo test --all-targets`) it makes a quick smoke run: a 16 MiB
//! file in 256 KiB chunks, 4 in parallel, so the file is 8 times the memory bound and an upload
//! that buffered the whole file would fail the bound there too.
//!
//! A bench binary rather than criterion: one run moves gigabytes over loopback, so there is
//! nothing for criterion's sampling to add, and its build cost is large on small machines.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use appcenter::mock::{Keep, MockAppCenter, digest};

mod common;

const MIB: u64 = 1024 * 1024;
const ROLE: &str = "APPCENTER_BENCH_ROLE";
/// The chunk size the server child serves, passed from the parent.
const CHUNK_ENV: &str = "APPCENTER_BENCH_CHUNK_SIZE";

/// What one run of this binary measures.
#[derive(Clone, Copy)]
struct Plan {
    file_size: u64,
    runs: usize,
    chunk_size: u64,
    parallelism: usize,
}

impl Plan {
    /// The benchmark under `cargo bench` (which passes `--bench`): the service's 4 MiB chunks, the
    /// default parallelism. Otherwise a quick smoke run under `cargo test --all-targets`, so the
    /// benchmark cannot rot unnoticed; it uses small chunks so that its file (16 MiB) is 8 times
    /// the memory bound, and buffering the whole file fails it like the full run.
    fn get() -> Self {
        if std::env::args().any(|a| a == "--bench") {
            Plan {
                file_size: 256 * MIB,
                runs: 3,
                chunk_size: 4 * MIB,
                parallelism: 10,
            }
        } else {
            Plan {
                file_size: 16 * MIB + 5,
                runs: 1,
                chunk_size: MIB / 4,
                parallelism: 4,
            }
        }
    }

    /// The most live heap the upload may hold: twice chunk size times parallelism (buffers
    /// around the chunks), whatever the file size.
    fn bound(&self) -> usize {
        2 * self.parallelism * self.chunk_size as usize
    }
}
#[global_allocator]
static ALLOCATOR: common::Counting = common::Counting;

fn main() {
    if std::env::var(ROLE).as_deref() == Ok("server") {
        serve();
    } else {
        bench();
    }
}

/// The child: the mock App Center, keeping only digests, plus a sink for the baseline POST.
/// Prints its URL, then answers `report` lines on stdin with what the last upload delivered.
#[tokio::main]
async fn serve() {
    let chunk_size = std::env::var(CHUNK_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("the parent passes the chunk size");
    let mock = MockAppCenter::builder()
        .chunk_size(chunk_size)
        .keep(Keep::Digest)
        .processing_polls(0)
        .start()
        .await;
    wiremock::Mock::given(wiremock::matchers::path("/bench/sink"))
        .respond_with(|request: &wiremock::Request| {
            let body = serde_json::json!({
                "len": request.body.len(),
                "digest": digest(&request.body).to_string(),
            });
            wiremock::ResponseTemplate::new(200).set_body_json(body)
        })
        .mount(mock.server())
        .await;
    println!("{}", mock.uri());
    let mut lines = BufReader::new(std::io::stdin()).lines();
    while let Some(Ok(line)) = tokio::task::block_in_place(|| lines.next()) {
        if line == "report" {
            println!("{}", summary(mock.received_digests().into_iter()));
        }
    }
}

/// `blocks bytes combined-digest` of (block, length, digest) triples in block order.
fn summary(chunks: impl Iterator<Item = (u64, (u64, u64))>) -> String {
    let (mut blocks, mut bytes, mut all) = (0u64, 0u64, Vec::new());
    for (n, (len, d)) in chunks {
        blocks += 1;
        bytes += len;
        all.extend_from_slice(&n.to_le_bytes());
        all.extend_from_slice(&len.to_le_bytes());
        all.extend_from_slice(&d.to_le_bytes());
    }
    format!("{blocks} {bytes} {:016x}", digest(&all))
}

struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    uri: String,
}

impl Server {
    fn start(chunk_size: u64) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env(ROLE, "server")
            .env(CHUNK_ENV, chunk_size.to_string())
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
    let plan = Plan::get();
    let Plan {
        file_size,
        runs,
        chunk_size,
        parallelism,
    } = plan;
    assert!(
        file_size as usize >= 3 * plan.bound(),
        "the file must be clearly larger than the memory bound, or buffering it goes unseen"
    );
    let path = std::env::temp_dir().join(format!("appcenter-bench-{}.apk", std::process::id()));
    common::write_file(&path, file_size);
    let expected = expected_summary(&path, file_size, chunk_size);
    let mut server = Server::start(chunk_size);
    let client = appcenter::Client::builder(MockAppCenter::TOKEN)
        .base_url(&server.uri)
        .build()
        .unwrap();
    // A caller's own reqwest client: with this crate's features its rustls has no crypto
    // provider compiled in, so the application installs one (as rustls asks of applications).
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();

    let hwm_before = common::vm_hwm_kib();
    let mut upload_times = Vec::new();
    let mut plain_times = Vec::new();
    let mut upload_peak = 0;
    let mut hwm_after_upload = 0;
    let mut bytes = None;
    for run in 0..runs {
        let live = common::start_peak();
        let started = Instant::now();
        let release = client
            .upload_release("bench", "app", &path)
            .parallelism(parallelism)
            .poll_interval(Duration::from_millis(1))
            .send()
            .await
            .expect("the upload succeeds");
        upload_times.push(started.elapsed());
        upload_peak = upload_peak.max(common::peak_since(live));
        if run == 0 {
            // Before any baseline run streams the file: the upload's own high-water mark.
            hwm_after_upload = common::vm_hwm_kib();
        }
        assert_eq!(release.release_id, 42);
        assert_eq!(server.report(), expected, "the server got the file");

        // The baseline at its best: the whole file already in memory, sent as one body. Loaded
        // only now, so the high-water mark above is the upload's.
        if bytes.is_none() {
            bytes = Some(bytes::Bytes::from(std::fs::read(&path).unwrap()));
        }
        let body = bytes.clone().unwrap();
        let started = Instant::now();
        let answer: serde_json::Value = http
            .post(format!("{}/bench/sink", server.uri))
            .body(body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        plain_times.push(started.elapsed());
        assert_eq!(answer["len"], file_size);
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
        "file: {mib:.0} MiB, chunks of {:.2} MiB, {runs} runs each, medians",
        chunk_size as f64 / MIB as f64
    );
    println!(
        "upload_release ({parallelism} parallel chunks): {:>7.1} ms  {:>7.1} MiB/s",
        upload.as_secs_f64() * 1e3,
        mib / upload.as_secs_f64()
    );
    println!(
        "plain reqwest POST (one request):    {:>7.1} ms  {:>7.1} MiB/s",
        plain.as_secs_f64() * 1e3,
        mib / plain.as_secs_f64()
    );
    println!(
        "upload / plain throughput: {:.2}",
        plain.as_secs_f64() / upload.as_secs_f64()
    );
    println!(
        "upload peak live heap: {:.1} MiB (bound: 2 x {parallelism} x {:.2} MiB chunks = {:.1} MiB)",
        upload_peak as f64 / MIB as f64,
        chunk_size as f64 / MIB as f64,
        plan.bound() as f64 / MIB as f64
    );
    println!(
        "process VmHWM: {:.1} MiB before the first upload, {:.1} MiB after it",
        hwm_before as f64 / 1024.0,
        hwm_after_upload as f64 / 1024.0
    );
    // Memory is bounded by chunk size times parallelism, whatever the file size (the full run's
    // 256 MiB file is 3 times the bound, the smoke run's 16 MiB 8 times).
    let bound = plan.bound();
    assert!(
        upload_peak <= bound,
        "the upload held {upload_peak} bytes at its peak, over the bound of {bound}"
    );
}

/// The summary the server should report for the file.
fn expected_summary(path: &PathBuf, size: u64, chunk_size: u64) -> String {
    let mut file = std::fs::File::open(path).unwrap();
    let mut buffer = vec![0u8; chunk_size as usize];
    let mut chunks = Vec::new();
    for n in 1..=size.div_ceil(chunk_size) {
        let len = (size - (n - 1) * chunk_size).min(chunk_size) as usize;
        file.read_exact(&mut buffer[..len]).unwrap();
        chunks.push((n, (len as u64, digest(&buffer[..len]))));
    }
    summary(chunks.into_iter())
}
