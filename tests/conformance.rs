//! Spec conformance against an independent mock server: Stoplight Prism (pinned in
//! `tests/conformance/package-lock.json`) serves the untouched upstream spec
//! `openapi/bifrost.swagger.before.json`, validates every request it receives against it (path,
//! query, headers, security, body) and answers with data generated from the spec's schemas.
//!
//! Prism serves the upstream Swagger 2.0 file (which it reads natively), not our OpenAPI 3.0
//! conversion or the mended spec: those are this crate's own work, and a mistake in them (a
//! fix-up that changes what is sent, a conversion slip) would then be checked against itself.
//!
//! Every generated operation is called once per seed with sample arguments derived from the spec
//! by the build pipeline (`openapi/pipeline/conformance.rs` writes the calls), and must (a) be
//! accepted by Prism and (b) have its answer decode into the generated type. Operations that fail
//! for a reason recorded in `tests/conformance/allow-list.txt` are tolerated; the test fails on
//! any other failure, and on a listed operation that now passes. The report of each run is
//! written to `target/tmp/conformance-report.txt`.
//!
//! Needs Node.js and npm: the test installs Prism with `npm ci` when it is missing and fails
//! with a clear message when npm is not there.
//!
//! Run with the test-only feature `conformance` (which makes the build derive the calls):
//! `cargo test --features mock,conformance --test conformance` (scripts/test.sh does).
#![cfg(feature = "conformance")]

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use appcenter::generated::{ByteStream, ResponseValue};
use appcenter::types;
use appcenter::{Client, RetryPolicy};
use futures::{StreamExt, TryStreamExt};

/// Seeds for Prism's dynamic answers: each run varies optional fields and enum values.
const SEEDS: &[&str] = &["1", "20260522", "7777"];

/// What one call returns: `Err` says why the operation failed.
type Call<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;
/// A function that makes one operation's call.
type CallFn = for<'a> fn(&'a Client) -> Call<'a>;

/// A sample argument, from the JSON the pipeline derived from the spec.
fn sample<T: serde::de::DeserializeOwned>(argument: &str, json: &str) -> Result<T, String> {
    serde_json::from_str(json)
        .map_err(|e| format!("sample for `{argument}` does not fit its type: {e}: {json}"))
}

/// Whether a call was accepted and its answer decoded.
fn finish<T>(result: appcenter::Result<ResponseValue<T>>) -> Result<(), String> {
    result.map(|_| ()).map_err(describe)
}

/// As [`finish`], reading the whole byte stream.
async fn finish_bytes(result: appcenter::Result<ResponseValue<ByteStream>>) -> Result<(), String> {
    let stream = result.map_err(describe)?.into_inner().into_inner();
    stream
        .try_fold(0usize, |n, chunk| async move { Ok(n + chunk.len()) })
        .await
        .map(|_| ())
        .map_err(|e| format!("reading the byte stream failed: {e}"))
}

fn describe(error: appcenter::Error) -> String {
    match error {
        appcenter::Error::Api(api) => {
            let violations = api
                .headers()
                .get("sl-violations")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            format!(
                "Prism refused the request ({}): {}",
                api.status,
                if violations.is_empty() {
                    api.message.or(api.raw).unwrap_or_default()
                } else {
                    violations
                }
            )
        }
        appcenter::Error::Decode(e) => format!("the answer does not decode: {}", e.detail()),
        other => format!("{other}"),
    }
}

include!(concat!(env!("OUT_DIR"), "/conformance_calls.rs"));

/// The hand-written operations (not generated, so not in `CALLS`), called the same way.
const HAND_WRITTEN: &[(&str, CallFn)] = &[
    ("apps_update_avatar", |client| {
        Box::pin(async move {
            let avatar = appcenter::Avatar::new(&b"\x89PNG\r\n\x1a\nsample"[..], "logo.png");
            client
                .update_app_avatar("sample", "sample", &avatar)
                .await
                .map(|_| ())
                .map_err(describe)
        })
    }),
    ("organization_update_avatar", |client| {
        Box::pin(async move {
            let avatar = appcenter::Avatar::new(&b"GIF89a sample"[..], "logo.gif");
            client
                .update_org_avatar("sample", &avatar)
                .await
                .map(|_| ())
                .map_err(describe)
        })
    }),
];

/// Prism must refuse what the spec forbids, or a pass here would prove nothing: a body missing
/// required fields (422) and a request without the token (401).
async fn prism_refuses_invalid_requests(url: &str) {
    // A caller's own reqwest client: with this crate's features its rustls has no crypto
    // provider compiled in, so the application installs one (as rustls asks of applications).
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let missing_fields = http
        .post(format!("{url}/v0.1/apps"))
        .header("x-api-token", "conformance-token")
        .json(&serde_json::json!({ "description": "no display_name, os or platform" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        missing_fields.status(),
        422,
        "Prism validates request bodies"
    );
    let no_token = http.get(format!("{url}/v0.1/user")).send().await.unwrap();
    assert_eq!(no_token.status(), 401, "Prism checks the security scheme");
}

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

/// Installs the pinned Prism (`npm ci`) unless it is there already.
fn install_prism() -> PathBuf {
    let dir = conformance_dir();
    let prism = dir.join("node_modules/@stoplight/prism-cli/dist/index.js");
    if prism.exists() {
        return prism;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "the conformance test needs Node.js and npm to install Stoplight Prism, and \
                 `npm` could not be run ({e}); install Node.js (with npm) and rerun"
            )
        });
    assert!(status.success(), "`npm ci` in {} failed", dir.display());
    assert!(prism.exists(), "npm ci did not install {}", prism.display());
    prism
}

/// A running Prism, stopped when dropped.
struct Prism {
    child: Child,
    url: String,
}

impl Prism {
    fn start(entry: &Path, seed: &str) -> Prism {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let spec =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/bifrost.swagger.before.json");
        let log =
            std::fs::File::create(report_dir().join(format!("prism-seed-{seed}.log"))).unwrap();
        let child = Command::new("node")
            .arg(entry)
            .args(["mock", "--dynamic", "--seed", seed, "--host", "127.0.0.1"])
            .args(["--port", &port.to_string()])
            .arg(&spec)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("could not run `node` to start Prism ({e}): install Node.js")
            });
        let prism = Prism {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        prism.wait_until_ready();
        prism
    }

    fn wait_until_ready(&self) {
        let started = Instant::now();
        let addr = self.url.trim_start_matches("http://").to_string();
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "Prism did not listen on {} within 120 s; see its log in {}",
                self.url,
                report_dir().display()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn report_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// The allow-list: operation id → the text its failure must contain. Format:
/// `operation_id | expected failure text | reason`, `#` comments.
fn allow_list() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(conformance_dir().join("allow-list.txt")).unwrap();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let parts: Vec<&str> = l.splitn(3, '|').map(str::trim).collect();
            let [id, expected, reason] = parts[..] else {
                panic!("`operation_id | expected failure text | reason`: {l}")
            };
            assert!(!reason.is_empty(), "{id} is listed without a reason");
            assert!(
                !expected.is_empty(),
                "{id} is listed without its expected failure"
            );
            (id.to_string(), expected.to_string())
        })
        .collect()
}

/// Runs every call against Prism once per seed; returns failures by operation (seed: why).
async fn run_all(prism_entry: &Path) -> BTreeMap<&'static str, Vec<String>> {
    let mut failures: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for (n, seed) in SEEDS.iter().enumerate() {
        let prism = Prism::start(prism_entry, seed);
        if n == 0 {
            prism_refuses_invalid_requests(&prism.url).await;
        }
        let client = Client::builder("conformance-token")
            .base_url(&prism.url)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let results: Vec<_> = futures::stream::iter(CALLS.iter().chain(HAND_WRITTEN))
            .map(|(id, call)| {
                let client = &client;
                async move { (*id, call(client).await) }
            })
            .buffer_unordered(8)
            .collect()
            .await;
        for (id, result) in results {
            if let Err(why) = result {
                failures
                    .entry(id)
                    .or_default()
                    .push(format!("seed {seed}: {why}"));
            }
        }
    }
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_is_accepted_by_prism_and_its_answer_decodes() {
    // Every generated operation has a call: compare with the operation ids in the generated code.
    let generated = std::fs::read_to_string(concat!(env!("OUT_DIR"), "/appcenter.rs")).unwrap();
    let generated: BTreeSet<&str> = generated
        .split("pub fn send(")
        .skip(1)
        .map(|send| {
            send.split("Operation::new(")
                .nth(1)
                .unwrap()
                .split('"')
                .nth(1)
                .unwrap()
        })
        .collect();
    let called: BTreeSet<&str> = CALLS.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        called, generated,
        "every generated operation must have a call"
    );

    let entry = install_prism();
    let failures = run_all(&entry).await;
    let allowed = allow_list();

    let total = CALLS.len() + HAND_WRITTEN.len();
    let mut report = format!(
        "{total} operations ({} generated, {} hand-written), seeds {:?}: {} pass on every seed, \
         {} fail on some seed, {} allowed to fail\n\n",
        CALLS.len(),
        HAND_WRITTEN.len(),
        SEEDS,
        total - failures.len(),
        failures.len(),
        allowed.len()
    );
    // A listed operation is excused only for the failure it is listed for, on every seed.
    let excused = |id: &str, why: &[String]| {
        allowed
            .get(id)
            .is_some_and(|expected| why.iter().all(|line| line.contains(expected.as_str())))
    };
    for (id, why) in &failures {
        let tag = if excused(id, why) { "allowed" } else { "FAIL" };
        report.push_str(&format!("{tag} {id}\n"));
        for line in why {
            report.push_str(&format!("    {line}\n"));
        }
    }
    let path = report_dir().join("conformance-report.txt");
    std::fs::write(&path, &report).unwrap();
    eprintln!("{report}");

    let unexpected: Vec<&&str> = failures
        .iter()
        .filter(|(id, why)| !excused(id, why))
        .map(|(id, _)| id)
        .collect();
    let stale: Vec<&String> = allowed
        .keys()
        .filter(|id| !failures.contains_key(id.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} operations fail and are not on tests/conformance/allow-list.txt: {unexpected:?} \
         (report: {})",
        unexpected.len(),
        path.display()
    );
    assert!(
        stale.is_empty(),
        "operations on tests/conformance/allow-list.txt now pass; remove them: {stale:?}"
    );
}
