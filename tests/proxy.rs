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

fn builder_for(api: &MockServer) -> appcenter::ClientBuilder {
    Client::builder(TOKEN)
        .base_url(api.uri())
        .retry(RetryPolicy::none())
}

async fn seen(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn http_proxy_from_the_environment_is_used() {
    let api = answering().await;
    let proxy = answering().await;
    let client = {
        let _env = proxy_env(&[("HTTP_PROXY", &proxy.uri())]);
        builder_for(&api).build().unwrap()
    };

    client.users_get().send().await.unwrap();

    assert_eq!(seen(&api).await, 0, "the request went around the proxy");
    let through = proxy.received_requests().await.unwrap();
    assert_eq!(through.len(), 1);
    assert_eq!(through[0].url.path(), "/v0.1/user");
}

#[tokio::test]
async fn no_proxy_from_the_environment_is_honoured() {
    let api = answering().await;
    let proxy = answering().await;
    let client = {
        let _env = proxy_env(&[
            ("HTTP_PROXY", &proxy.uri()),
            ("NO_PROXY", "127.0.0.1,localhost"),
        ]);
        builder_for(&api).build().unwrap()
    };

    client.users_get().send().await.unwrap();

    assert_eq!((seen(&api).await, seen(&proxy).await), (1, 0));
}

#[tokio::test]
async fn a_proxy_set_in_the_builder_wins_over_the_environment() {
    let api = answering().await;
    let from_env = answering().await;
    let chosen = answering().await;
    let client = {
        let _env = proxy_env(&[("HTTP_PROXY", &from_env.uri())]);
        builder_for(&api)
            .proxy(reqwest::Proxy::all(chosen.uri()).unwrap())
            .build()
            .unwrap()
    };

    client.users_get().send().await.unwrap();

    assert_eq!(
        (seen(&api).await, seen(&from_env).await, seen(&chosen).await),
        (0, 0, 1)
    );
}

#[tokio::test]
async fn no_proxy_in_the_builder_ignores_the_environment() {
    let api = answering().await;
    let proxy = answering().await;
    let client = {
        let _env = proxy_env(&[("HTTP_PROXY", &proxy.uri()), ("ALL_PROXY", &proxy.uri())]);
        builder_for(&api).no_proxy().build().unwrap()
    };

    client.users_get().send().await.unwrap();

    assert_eq!((seen(&api).await, seen(&proxy).await), (1, 0));
}

#[test]
fn proxy_settings_with_a_caller_client_are_refused() {
    // A caller's own reqwest client: with this crate's features its rustls has no crypto
    // provider compiled in, so the application installs one (as rustls asks of applications).
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let err = Client::builder(TOKEN)
        .reqwest_client(reqwest::Client::new())
        .no_proxy()
        .build()
        .unwrap_err();
    assert!(
        matches!(err, Error::Config(ref why) if why.contains("reqwest::Client")),
        "{err:?}"
    );
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

    let err: Error = untrusting.users_get().send().await.unwrap_err().into();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");

    let user = trusting.users_get().send().await.unwrap().into_inner();
    assert_eq!(user.name, "grace");
}
