//! Proxies from the environment and from the builder, and extra root certificates.
//!
//! The proxy variables are process-wide, so the tests of this file take turns (`ENV`) and each
//! sets exactly the variables it needs. `tests/data/` holds a test-only certificate authority
//! (`ca.pem`, its key discarded) and a `localhost`/`127.0.0.1` server certificate it signed.
#![cfg(all(feature = "account", feature = "rustls"))]

use std::sync::{Arc, Mutex, MutexGuard};

use appcenter::{Client, Error, RetryPolicy};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "test-token-0123456789abcdef";
const PROXY_VARS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

static ENV: Mutex<()> = Mutex::new(());

/// Takes the environment for this test and sets the proxy variables to `vars` (others unset).
fn proxy_env(vars: &[(&str, &str)]) -> MutexGuard<'static, ()> {
    let guard = ENV.lock().unwrap_or_else(|e| e.into_inner());
    for name in PROXY_VARS {
        // SAFETY: the tests of this binary that touch the environment hold `ENV`, and nothing
        // else in this process reads or writes these variables meanwhile.
        unsafe { std::env::remove_var(name) };
    }
    for (name, value) in vars {
        // SAFETY: as above.
        unsafe { std::env::set_var(name, value) };
    }
    guard
}

fn user_body() -> serde_json::Value {
    json!({
        "id": "6a1c3e6e-3a63-4b8e-9b0e-5a2b41f1d0c4", "display_name": "Grace Hopper",
        "email": "grace@example.com", "name": "grace", "origin": "appcenter", "permissions": ["manager"]
    })
}

/// A server that answers every request with the user profile.
async fn answering() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(user_body()))
        .mount(&server)
        .await;
    server
}

async fn seen(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

/// A client for the HTTPS test server `base`, trusting the test authority.
fn tls_builder(base: &str) -> appcenter::ClientBuilder {
    Client::builder(TOKEN)
        .base_url(base)
        .retry(RetryPolicy::none())
        .add_root_certificates_pem(include_str!("data/ca.pem"))
}

/// A forward proxy on loopback that tunnels `CONNECT` requests (as a corporate proxy does for
/// https) and records the request head of each: all a proxy ever sees of an https request.
async fn connect_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let uri = format!("http://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read_exact(&mut byte).await.is_err() {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                seen.lock().unwrap().push(head.clone());
                let target = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                let port = target.rsplit(':').next().unwrap_or_default();
                let Ok(mut upstream) =
                    tokio::net::TcpStream::connect(format!("127.0.0.1:{port}")).await
                else {
                    return;
                };
                let _ = client
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (uri, heads)
}

fn heads(proxy: &Mutex<Vec<String>>) -> Vec<String> {
    proxy.lock().unwrap().clone()
}

/// The proxy tunnelled exactly one request, to the API's host, and never saw the token.
fn tunnelled_once(heads: &[String], base: &str) {
    assert_eq!(heads.len(), 1, "{heads:?}");
    let host = base.trim_start_matches("https://");
    assert!(
        heads[0].starts_with(&format!("CONNECT {host} ")),
        "{heads:?}"
    );
    assert!(
        !heads[0].contains(TOKEN),
        "the proxy saw the token: {heads:?}"
    );
}

#[tokio::test]
async fn https_proxy_from_the_environment_is_used_and_sees_no_token() {
    let base = tls_server().await;
    let (proxy, seen) = connect_proxy().await;
    let client = {
        let _env = proxy_env(&[("HTTPS_PROXY", &proxy)]);
        tls_builder(&base).build().unwrap()
    };

    let user = client.users_get().send().await.unwrap().into_inner();

    assert_eq!(user.name, "grace");
    tunnelled_once(&heads(&seen), &base);
}

#[tokio::test]
async fn no_proxy_from_the_environment_is_honoured() {
    let base = tls_server().await;
    let (proxy, seen) = connect_proxy().await;
    let client = {
        let _env = proxy_env(&[("HTTPS_PROXY", &proxy), ("NO_PROXY", "127.0.0.1,localhost")]);
        tls_builder(&base).build().unwrap()
    };

    client.users_get().send().await.unwrap();

    assert!(heads(&seen).is_empty(), "{:?}", heads(&seen));
}

#[tokio::test]
async fn a_proxy_set_in_the_builder_wins_over_the_environment() {
    let base = tls_server().await;
    let (from_env, env_seen) = connect_proxy().await;
    let (chosen, chosen_seen) = connect_proxy().await;
    let client = {
        let _env = proxy_env(&[("HTTPS_PROXY", &from_env)]);
        tls_builder(&base)
            .proxy(reqwest::Proxy::all(&chosen).unwrap())
            .build()
            .unwrap()
    };

    client.users_get().send().await.unwrap();

    assert!(heads(&env_seen).is_empty());
    tunnelled_once(&heads(&chosen_seen), &base);
}

#[tokio::test]
async fn no_proxy_in_the_builder_ignores_the_environment() {
    let base = tls_server().await;
    let (proxy, seen) = connect_proxy().await;
    let client = {
        let _env = proxy_env(&[("HTTPS_PROXY", &proxy), ("ALL_PROXY", &proxy)]);
        tls_builder(&base).no_proxy().build().unwrap()
    };

    client.users_get().send().await.unwrap();

    assert!(heads(&seen).is_empty());
}

/// Issue 11, point 6: plain http is allowed to loopback only so that the token never crosses a
/// network in clear; a proxy from the environment must not receive it either.
#[tokio::test]
async fn a_plain_http_loopback_base_never_goes_through_a_proxy() {
    let api = answering().await;
    let proxy = answering().await;
    let client = {
        let _env = proxy_env(&[("HTTP_PROXY", &proxy.uri()), ("ALL_PROXY", &proxy.uri())]);
        Client::builder(TOKEN)
            .base_url(api.uri())
            .retry(RetryPolicy::none())
            .build()
            .unwrap()
    };

    client.users_get().send().await.unwrap();

    assert_eq!(
        seen(&proxy).await,
        0,
        "the token went in clear to the proxy"
    );
    assert_eq!(seen(&api).await, 1);
}

#[test]
fn an_explicit_proxy_for_a_plain_http_base_is_refused() {
    let err = Client::builder(TOKEN)
        .base_url("http://127.0.0.1:9")
        .proxy(reqwest::Proxy::all("http://127.0.0.1:8").unwrap())
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::Config(ref why) if why.contains("proxy")),
        "{err:?}"
    );
}

#[tokio::test]
async fn proxy_settings_apply_to_a_caller_supplied_builder() {
    let base = tls_server().await;
    let (chosen, seen) = connect_proxy().await;
    let client = {
        let _env = proxy_env(&[]);
        tls_builder(&base)
            .reqwest_builder(reqwest::Client::builder())
            .proxy(reqwest::Proxy::all(&chosen).unwrap())
            .build()
            .unwrap()
    };

    client.users_get().send().await.unwrap();

    tunnelled_once(&heads(&seen), &base);
}

#[test]
fn a_pem_without_certificates_is_refused() {
    for bad in [
        "",
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ] {
        let err = Client::builder(TOKEN)
            .add_root_certificates_pem(bad)
            .build()
            .unwrap_err();
        assert!(
            matches!(err, Error::Config(ref why) if why.contains("certificate")),
            "{bad:?}: {err:?}"
        );
    }
}

/// An HTTPS server on loopback with the test certificate; answers each request with the user.
async fn tls_server() -> String {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(include_bytes!("data/localhost.pem"))
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("data/localhost.key")).unwrap();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = vec![0u8; 8192];
                let _ = tls.read(&mut buf).await;
                let body = user_body().to_string();
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    format!("https://localhost:{port}")
}

#[tokio::test]
async fn an_extra_root_certificate_is_trusted() {
    let base = tls_server().await;
    let (untrusting, trusting) = {
        let _env = proxy_env(&[]);
        let untrusting = Client::builder(TOKEN)
            .base_url(&base)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let trusting = Client::builder(TOKEN)
            .base_url(&base)
            .retry(RetryPolicy::none())
            .add_root_certificates_pem(include_str!("data/ca.pem"))
            .build()
            .unwrap();
        (untrusting, trusting)
    };

    let err = untrusting.users_get().send().await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");

    let user = trusting.users_get().send().await.unwrap().into_inner();
    assert_eq!(user.name, "grace");
}
