// The crate documentation is README.md: one guide, read on docs.rs and in the repository, whose
// Rust examples are doctests (the quick start runs against the mock). They use the mock and every
// area, so narrower builds document the crate in a few lines instead.
#![cfg_attr(
    all(feature = "mock", feature = "all-areas"),
    doc = include_str!("../README.md")
)]
#![cfg_attr(
    not(all(feature = "mock", feature = "all-areas")),
    doc = "A typed, complete and safe async client for the App Center REST API. The guide \
           (`README.md`) is this page when documented with the features `mock` and `all-areas`, \
           as on docs.rs."
)]
#![warn(missing_docs)]

/// The client generated from the App Center spec by `build.rs` (see `openapi/pipeline/`).
///
/// Its operations are methods of [`Client`] itself; [`Client::api`] reaches this type directly
/// (an escape hatch that ordinary use does not need).
#[allow(missing_docs, unused_imports, clippy::all, rustdoc::all)]
// Still refused: APIs newer than `rust-version` (the generated code is compiled by users' toolchains).
#[warn(clippy::incompatible_msrv)]
pub mod generated {
    include!(concat!(env!("OUT_DIR"), "/appcenter.rs"));
}

mod app_client;
mod app_ref;
mod auth;
#[cfg(feature = "account")]
mod avatar;
mod client;
#[cfg(feature = "community-training")]
pub mod community_training;
mod conversions;
mod download;
mod error;
mod error_body;
#[cfg(feature = "crash")]
mod file_parts;
#[cfg(feature = "mock")]
pub mod mock;
mod operation;
pub mod pagination;
mod path_segment;
mod pipe_delimited;
mod redact;
mod retry;
#[cfg(feature = "crash")]
pub mod symbols;
#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
mod tls;
mod tolerant;
mod transport;
#[cfg(feature = "distribute")]
pub mod upload;

pub use app_client::AppClient;
pub use app_ref::{
    APP_ENV, AppRef, AppRefError, AppRefPart, AppRefProblem, CLI_APP_ENV, MAX_NAME_LEN, OwnerKind,
};
pub use auth::{ApiToken, TOKEN_HEADER};
#[cfg(feature = "account")]
pub use avatar::Avatar;
pub use client::{BASE_URL_ENV, Client, ClientBuilder, ClientState, DEFAULT_BASE_URL, TOKEN_ENV};
pub use error::{ApiError, ApiErrorKind, DecodeError, Error, PageProblem, Result, TransportError};
pub use generated::{ResponseValue, builder, types};
pub use operation::Operation;
pub use pipe_delimited::{InvalidPipeDelimited, PipeDelimited};
pub use retry::RetryPolicy;
