//! Per-call overhead of the SDK against plain `reqwest` + `serde_json`, in the same run.
//!
//! ```sh
//! cargo bench --bench overhead
//! ```
//!
//! Three comparisons, each reported as the median of several rounds and the ratio against its
//! baseline. Within a round the sides take turns in slices of the calls, in an order that changes
//! every round, so that other work on the machine weighs on every side alike:
//!
//! 1. `GET /v0.1/user`, one call after another: `client.users_get().send()` against
//!    `reqwest::Client::get(..).header("x-api-token", ..).send()` and `.json()` into a
//!    hand-written struct with the same fields as `types::UserProfileResponse`.
//! 2. The same with 64 calls in flight on one client (4,000 calls).
//! 3. Decoding 5,000 releases (the shapes the service sends: hockeyapp releases, and App Center
//!    ones with destinations, groups and build details) into
//!    `Vec<types::BasicReleaseDetailsResponse>` against `serde_json::Value`.
//!
//! The server is hyper, in this process, on loopback, answering every request with the same user
//! body; both sides talk to it over HTTP/1.1 keep-alive connections.
//!
//! `cargo test --benches` runs each comparison once with tiny counts (a smoke run: it checks the
//! bench still works, never how fast). `scripts/profile-call.sh` runs this binary with
//! `--profile sdk|plain|plain-timeout N` under callgrind (see [`profile`]), and with
//! `MODE=concurrent`, `--profile-concurrent sdk|sdk-no-timeouts|plain|plain-timeout N` (64 in
//! flight, see [`profile_concurrent`]).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use appcenter::types::BasicReleaseDetailsResponse;
use bytes::Bytes;
use futures::StreamExt;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde::Deserialize;

const TOKEN: &str = "bench-token-0123456789abcdef";
const USER: &str = r#"{"id":"8c1a7b6e-2f4d-4c7e-9a51-3d2b1c0e9f87","display_name":"Grace Hopper","email":"grace@example.com","name":"grace","avatar_url":"https://www.gravatar.com/avatar/5f2b1a9c0d3e4f6a7b8c9d0e1f2a3b4c?d=404","can_change_password":true,"origin":"appcenter","permissions":["manager"]}"#;

/// What plain code would declare for `GET /v0.1/user` (the fields of `types::UserProfileResponse`).
#[derive(Deserialize)]
#[allow(dead_code)]
struct User {
    avatar_url: Option<String>,
    can_change_password: Option<bool>,
    display_name: String,
    email: String,
    id: uuid::Uuid,
    name: String,
    origin: String,
    #[serde(default)]
    permissions: Vec<String>,
}

/// Counts of one run: calls one after another, calls in flight and their total, releases decoded,
/// rounds.
struct Plan {
    sequential: usize,
    in_flight: usize,
    concurrent: usize,
    releases: usize,
    rounds: usize,
}

/// Slices a round's calls are cut into, the sides taking turns.
const SLICES: usize = 10;

fn plan() -> Plan {
    if std::env::args().any(|a| a == "--bench") {
        Plan {
            sequential: 2_000,
            in_flight: 64,
            concurrent: 4_000,
            releases: 5_000,
            rounds: 25,
        }
    } else {
        Plan {
            sequential: 2 * SLICES,
            in_flight: 8,
            concurrent: 4 * SLICES,
            releases: 50,
            rounds: 1,
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `--profile[-concurrent] SIDE N`: the side and the number of calls (1,000 by default).
    let mode = |flag: &str| {
        let at = args.iter().position(|a| a == flag)?;
        let which = args.get(at + 1).map(String::as_str).unwrap_or("sdk");
        let calls = args.get(at + 2).and_then(|n| n.parse().ok());
        Some((which, calls.unwrap_or(1_000)))
    };
    if let Some((which, calls)) = mode("--profile") {
        profile(which, calls);
        return;
    }
    if let Some((which, calls)) = mode("--profile-concurrent") {
        profile_concurrent(which, calls);
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(bench(plan()));
}

/// The plain client: reqwest's defaults. Its rustls has no crypto provider compiled in with this
/// crate's features, so the application (this bench) installs one, as rustls asks.
fn plain_client() -> reqwest::Client {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// The plain client with a per-request timeout as long as the SDK's default per-attempt one.
fn plain_client_with_timeout() -> reqwest::Client {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

fn sdk_client(addr: SocketAddr) -> appcenter::Client {
    appcenter::Client::builder(TOKEN)
        .base_url(format!("http://{addr}"))
        .build()
        .unwrap()
}

async fn sdk_call(client: &appcenter::Client) {
    let user = client.users_get().send().await.unwrap().into_inner();
    assert_eq!(user.name, "grace");
}

async fn plain_call(http: &reqwest::Client, url: &str) {
    let user: User = http
        .get(url)
        .header("x-api-token", TOKEN)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(user.name, "grace");
}

async fn bench(plan: Plan) {
    let addr = serve().await;
    let sdk = sdk_client(addr);
    let http = plain_client();
    let timed = plain_client_with_timeout();
    let url = format!("http://{addr}/v0.1/user");
    let (sdk, http, timed, url) = (&sdk, &http, &timed, url.as_str());
    let call = |side: Side| async move {
        match side {
            Side::Sdk => sdk_call(sdk).await,
            Side::Plain => plain_call(http, url).await,
            Side::PlainWithTimeout => plain_call(timed, url).await,
        }
    };
    // Warm up: connections open, allocator and caches settled.
    for _ in 0..plan.sequential.min(200) {
        for side in Side::ALL {
            call(side).await;
        }
    }

    let mut sequential = Samples::default();
    let mut concurrent = Samples::default();
    let mut decode = Samples::default();
    let releases = releases_json(plan.releases);
    for round in 0..plan.rounds {
        // Each round interleaves the sides in slices, in a different order each round, so that
        // a burst of other work on the machine falls on all sides alike.
        let order = Side::ALL.map(|s| Side::ALL[(s as usize + round) % Side::ALL.len()]);
        let mut took = [Duration::ZERO; 3];
        for _ in 0..SLICES {
            for side in order {
                let started = Instant::now();
                for _ in 0..plan.sequential / SLICES {
                    call(side).await;
                }
                took[side as usize] += started.elapsed();
            }
        }
        sequential.push_all(took);
        let mut took = [Duration::ZERO; 3];
        for _ in 0..SLICES {
            for side in order {
                let started = Instant::now();
                futures::stream::iter(0..plan.concurrent / SLICES)
                    .map(|_| call(side))
                    .buffer_unordered(plan.in_flight)
                    .collect::<()>()
                    .await;
                took[side as usize] += started.elapsed();
            }
        }
        concurrent.push_all(took);
        for typed in [round % 2 == 0, round % 2 != 0] {
            let started = Instant::now();
            if typed {
                let typed: Vec<BasicReleaseDetailsResponse> =
                    serde_json::from_slice(&releases).unwrap();
                assert_eq!(typed.len(), plan.releases);
                decode.push(Side::Sdk, started.elapsed());
            } else {
                let value: serde_json::Value = serde_json::from_slice(&releases).unwrap();
                assert_eq!(value.as_array().map(Vec::len), Some(plan.releases));
                decode.push(Side::Plain, started.elapsed());
            }
        }
    }

    println!("{} rounds, medians; the sides alternate", plan.rounds);
    println!(
        "size of one call's future: SDK {} bytes, plain {} bytes",
        std::mem::size_of_val(&sdk.users_get().send()),
        std::mem::size_of_val(&http.get(url).send()),
    );
    let plain = "plain reqwest + serde_json";
    sequential.print(
        &format!(
            "GET /v0.1/user one after another ({} calls)",
            plan.sequential
        ),
        plain,
        plan.sequential,
        "call",
    );
    concurrent.print(
        &format!(
            "GET /v0.1/user, {} in flight on one client ({} calls)",
            plan.in_flight, plan.concurrent
        ),
        plain,
        plan.concurrent,
        "call",
    );
    decode.print(
        &format!(
            "decoding {} releases ({} KiB of JSON) into Vec<types::BasicReleaseDetailsResponse>",
            plan.releases,
            releases.len() / 1024
        ),
        "serde_json::Value",
        plan.releases,
        "release",
    );
}

/// Who makes the call: the SDK, plain reqwest, or plain reqwest with a timeout like the SDK's
/// (an informative third line: what the timeout alone costs).
#[derive(Clone, Copy)]
enum Side {
    Sdk,
    Plain,
    PlainWithTimeout,
}

impl Side {
    const ALL: [Side; 3] = [Side::Sdk, Side::Plain, Side::PlainWithTimeout];
}

/// Durations of each side's runs.
#[derive(Default)]
struct Samples([Vec<Duration>; 3]);

impl Samples {
    fn push(&mut self, side: Side, took: Duration) {
        self.0[side as usize].push(took);
    }

    fn push_all(&mut self, took: [Duration; 3]) {
        for (samples, took) in self.0.iter_mut().zip(took) {
            samples.push(took);
        }
    }

    fn print(&mut self, what: &str, baseline: &str, per: usize, unit: &str) {
        let median = |times: &mut Vec<Duration>| {
            times.sort();
            times.get(times.len() / 2).map(Duration::as_secs_f64)
        };
        // Each round's ratio, SDK and baseline timed side by side in that round: what a burst
        // of other work on the machine does to one round weighs on both of its sides.
        let mut ratios: Vec<f64> = (self.0[0].iter().zip(&self.0[1]))
            .map(|(sdk, base)| sdk.as_secs_f64() / base.as_secs_f64())
            .collect();
        ratios.sort_by(f64::total_cmp);
        let ratio = ratios[ratios.len() / 2];
        let [sdk, base, timed] = &mut self.0;
        let (sdk, base) = (median(sdk).unwrap(), median(base).unwrap());
        let each = |t: f64| t * 1e6 / per as f64;
        println!("{what}:");
        println!("  SDK       {:>9.2} µs/{unit}", each(sdk));
        println!("  baseline  {:>9.2} µs/{unit}  ({baseline})", each(base));
        if let Some(timed) = median(timed) {
            println!(
                "  baseline with a 60 s reqwest timeout {:>9.2} µs/{unit}  (ratio to baseline {:.3})",
                each(timed),
                timed / base
            );
        }
        println!(
            "  SDK/baseline: {ratio:.3}  (median of the {} rounds' ratios, {:.3} to {:.3})",
            ratios.len(),
            ratios[0],
            ratios[ratios.len() - 1]
        );
    }
}

/// A hyper server on loopback answering every request with the user (HTTP/1.1, keep-alive).
async fn serve() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let _ = tcp.set_nodelay(true);
            tokio::spawn(async move {
                let service = service_fn(|_request| async {
                    Ok::<_, Infallible>(
                        hyper::Response::builder()
                            .header("content-type", "application/json; charset=utf-8")
                            .body(Full::new(Bytes::from_static(USER.as_bytes())))
                            .unwrap(),
                    )
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
    addr
}

/// `count` releases as the release list sends them: two in three from App Center (destinations,
/// distribution groups, build details), the rest imported from HockeyApp (the basic fields).
fn releases_json(count: usize) -> Vec<u8> {
    let releases: Vec<serde_json::Value> = (0..count)
        .map(|i| {
            let (major, minor, patch) = (i / 1000, (i / 100) % 10, i % 100);
            let mut release = serde_json::json!({
                "id": i + 1,
                "short_version": format!("{major}.{minor}.{patch}"),
                "version": format!("{}", 1000 + i),
                "uploaded_at": format!("2019-09-{:02}T{:02}:{:02}:59.000Z", i % 28 + 1, i % 24, i % 60),
                "enabled": i % 7 != 0,
                "origin": "hockeyapp",
            });
            if i % 3 != 0 {
                let group = format!("{:08x}-1111-4aa1-8aa1-{:012x}", i, i * 7919);
                release["origin"] = "appcenter".into();
                release["is_external_build"] = false.into();
                release["destination_type"] = "group".into();
                release["destinations"] = serde_json::json!([
                    { "id": group, "name": "Collaborators", "destination_type": "group",
                      "is_latest": i % 10 == 1 },
                    { "id": format!("{:08x}-2222-4bb2-9bb2-{:012x}", i, i * 104729),
                      "name": "Beta testers", "destination_type": "group" }
                ]);
                release["distribution_groups"] = serde_json::json!([
                    { "id": group, "name": "Collaborators" }
                ]);
                release["build"] = serde_json::json!({
                    "branch_name": "main",
                    "commit_hash": format!("{:040x}", (i as u128) * 0x9e37_79b9_7f4a_7c15),
                    "commit_message": "Fix the crash on start when the cache is empty",
                });
            }
            release
        })
        .collect();
    serde_json::to_vec(&releases).unwrap()
}

/// `--profile sdk|plain|plain-timeout N`: N sequential calls on a current-thread runtime, for
/// callgrind, after 100 calls of warm-up. The server runs on its own thread, which callgrind does
/// not collect (`--toggle-collect` names the `measured` function). scripts/profile-call.sh runs
/// two N and takes the difference, so the warm-up and set-up cancel out.
fn profile(which: &str, calls: usize) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            tx.send(serve().await).unwrap();
            std::future::pending::<()>().await
        })
    });
    let addr = rx.recv().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sdk = sdk_client(addr);
    let http = match which {
        "sdk" | "plain" => plain_client(),
        "plain-timeout" => plain_client_with_timeout(),
        other => panic!("--profile sdk|plain|plain-timeout N, not {other:?}"),
    };
    let url = format!("http://{addr}/v0.1/user");
    let sdk_side = which == "sdk";
    measured(&rt, &sdk, &http, &url, sdk_side, 100);
    measured(&rt, &sdk, &http, &url, sdk_side, calls);
    println!("{which}: {calls} calls");
}

#[inline(never)]
fn measured(
    rt: &tokio::runtime::Runtime,
    sdk: &appcenter::Client,
    http: &reqwest::Client,
    url: &str,
    sdk_side: bool,
    calls: usize,
) {
    rt.block_on(async {
        for _ in 0..calls {
            if sdk_side {
                sdk_call(sdk).await;
            } else {
                plain_call(http, url).await;
            }
        }
    });
}

/// The client a profile side uses: the SDK (with its default timeouts, or none), or plain reqwest
/// (with reqwest's defaults, or a 60 s timeout like the SDK's per-attempt one).
enum Profiled {
    Sdk(appcenter::Client),
    Plain(reqwest::Client),
}

impl Profiled {
    fn new(which: &str, addr: SocketAddr) -> Self {
        match which {
            "sdk" => Profiled::Sdk(sdk_client(addr)),
            "sdk-no-timeouts" => Profiled::Sdk(
                appcenter::Client::builder(TOKEN)
                    .base_url(format!("http://{addr}"))
                    .no_timeout()
                    .no_total_timeout()
                    .build()
                    .unwrap(),
            ),
            "plain" => Profiled::Plain(plain_client()),
            "plain-timeout" => Profiled::Plain(plain_client_with_timeout()),
            other => panic!(
                "--profile-concurrent sdk|sdk-no-timeouts|plain|plain-timeout N, not {other:?}"
            ),
        }
    }

    async fn call(&self, url: &str) {
        match self {
            Profiled::Sdk(sdk) => sdk_call(sdk).await,
            Profiled::Plain(http) => plain_call(http, url).await,
        }
    }
}

/// `--profile-concurrent sdk|sdk-no-timeouts|plain|plain-timeout N`: N calls with 64 in flight
/// on a current-thread runtime, for callgrind, after 256 calls of warm-up; the server on its own
/// current-thread runtime and thread, inside [`server_thread`] (so that callgrind can collect it
/// apart: `--toggle-collect='overhead::server_thread*'`, `--separate-threads=yes`).
fn profile_concurrent(which: &str, calls: usize) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || server_thread(tx));
    let addr = rx.recv().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let side = Profiled::new(which, addr);
    let url = format!("http://{addr}/v0.1/user");
    measured_concurrent(&rt, &side, &url, 256);
    measured_concurrent(&rt, &side, &url, calls);
    println!("{which}: {calls} calls, 64 in flight");
}

#[inline(never)]
fn server_thread(tx: std::sync::mpsc::Sender<SocketAddr>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        tx.send(serve().await).unwrap();
        std::future::pending::<()>().await
    })
}

#[inline(never)]
fn measured_concurrent(rt: &tokio::runtime::Runtime, side: &Profiled, url: &str, calls: usize) {
    rt.block_on(
        futures::stream::iter(0..calls)
            .map(|_| side.call(url))
            .buffer_unordered(64)
            .collect::<()>(),
    );
}
