//! The rustls configuration of the HTTP client the builder makes (feature `rustls`).
//!
//! reqwest's own rustls configuration would need its `aws-lc-rs` provider compiled in (a C
//! library and the largest part of a fresh build), so the crate hands reqwest a configuration it
//! builds the same way reqwest does, on `ring`: the platform's certificate verifier, plus the
//! extra root certificates given to the builder, TLS 1.2 and 1.3, ALPN `h2` then `http/1.1`. A
//! provider the application installed as the process default
//! (`CryptoProvider::install_default`) is used instead, as rustls asks of libraries; the crate
//! installs none itself.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::Error;

/// The client configuration, trusting the system's roots and the certificates in `extra_pem`
/// (each one or more PEM `CERTIFICATE` blocks, already checked by the builder).
pub(crate) fn client_config(extra_pem: &[Vec<u8>]) -> Result<rustls::ClientConfig, Error> {
    let invalid = |what: &dyn std::fmt::Display| {
        Error::Config(format!(
            "add_root_certificates_pem: invalid certificate: {what}"
        ))
    };
    let provider = CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let mut extra: Vec<CertificateDer<'static>> = Vec::new();
    for pem in extra_pem {
        for certificate in CertificateDer::pem_slice_iter(pem) {
            extra.push(certificate.map_err(|e| invalid(&e))?);
        }
    }
    let verifier = if extra.is_empty() {
        rustls_platform_verifier::Verifier::new(provider.clone())
    } else {
        with_extra_roots(extra, provider.clone())
    }
    .map_err(|e| invalid(&e))?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(any(all(unix, not(target_os = "android")), target_os = "windows"))]
fn with_extra_roots(
    extra: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
) -> Result<rustls_platform_verifier::Verifier, rustls::Error> {
    rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider)
}

/// The platform verifier takes no extra roots here (as in reqwest).
#[cfg(not(any(all(unix, not(target_os = "android")), target_os = "windows")))]
fn with_extra_roots(
    _extra: Vec<CertificateDer<'static>>,
    _provider: Arc<CryptoProvider>,
) -> Result<rustls_platform_verifier::Verifier, rustls::Error> {
    Err(rustls::Error::General(
        "extra root certificates are not supported on this platform".into(),
    ))
}
